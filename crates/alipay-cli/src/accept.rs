//! `alipay accept`: does the merchant's integration follow Alipay's rules? The checks' catalogue
//! (`list`), the passive judgement of the app's traffic so far (`lint`), the suites (`run`, in [`suites`]), and
//! the reports: a terminal table, JSON and JUnit XML, held against `--expected-failures` ([`expected`]). The
//! judging happens in the sandbox (`POST /admin/accept/lint`, `/notify-probes`); this module asks and renders.

pub mod expected;
pub mod suites;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use alipay_sandbox::accept::checks::{self, Mode};
use alipay_sandbox_admin::{AcceptReport, AdminClient, CaseResult, LintRequest, Profile, Verdict};
use clap::{Args, Subcommand};

use crate::commands::ConfigArg;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// `alipay accept ...`.
#[derive(Debug, Subcommand)]
pub enum AcceptCommand {
    /// Print every check: id, product, how it is judged, rule and seed line.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Judge the app's traffic so far (call log and notification deliveries) against the passive checks.
    Lint {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        report: ReportArgs,
        /// Only traffic since T: Unix milliseconds, or a duration ago (`10m`, `90s`). Default: everything.
        #[arg(long)]
        since: Option<String>,
        /// Only these checks (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        checks: Vec<String>,
    },
    /// Arm a provocation for the app, run COMMAND (the merchant's own test, or a script driving its system)
    /// with `ALIPAY_ACCEPT_CASE` and `ALIPAY_ACCEPT_INSTRUCTION` (JSON: what to do), then judge.
    ///
    /// Suites: `notify` (N2–N8: the sandbox sends forged, tampered, unsigned, sign_type-switched and
    /// duplicated-key notifications (N2–N4), genuinely signed inconsistent ones (N5) and unpaid ones (N6) for an
    /// unpaid trade of the app to its notify_url; COMMAND, if given, is asked to create that trade first:
    /// `{"action":"precreate","total_amount":..,"notify_url":"required"}`; then a sandbox buyer pays it and its
    /// genuine notification, once acknowledged, is sent twice more (N7); last COMMAND takes a barcode payment
    /// whose notification comes before the synchronous answer (N8); N5–N8 are judged with --state-probe),
    /// `face-to-face` (F1, F2: COMMAND is asked to `{"action":"barcode_pay","auth_code":..,"total_amount":..}`;
    /// the buyer never confirms, so trade.pay answers 10003 and the trade stays WAIT_BUYER_PAY), `refund` (R1,
    /// R2: `{"action":"refund","out_trade_no":..,"refund_amount":"1.00","times":2}`; the first refund answers
    /// 20000, see --refund-fault) and `bill` (B1–B3: `{"action":"bill","bill_type":"trade","bill_date":..}`;
    /// the first URL answered is already dead), `deduct` (D2–D5: the suite signs an agreement and asks four times
    /// `{"action":"deduct","agreement_id":..,"user_id":..,"pid":..,"bill_key":..,"pay_amount":"1.00"}`; each
    /// deduction meets one provocation, see --deduct-fault) and `coupon` (P1–P4:
    /// `{"action":"red_packet","amount":"3.00","payee_user_id":..,"disburse_amount":"1.00","refund_amount":"1.00"}`;
    /// the first funding, disbursement and refund answer 10003, see --coupon-fault), `page-pay` (W1: COMMAND is
    /// asked `{"action":"page_pay","total_amount":"30.00","notify_url":"required","return_url":"required"}` and
    /// writes the URL the buyer's browser opens to `$ALIPAY_ACCEPT_OUTPUT`; the suite opens it, a buyer pays and
    /// closes the page before the return; judged with --state-probe).
    Run {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        report: ReportArgs,
        /// `notify`, `face-to-face`, `refund`, `bill`, `deduct`, `coupon` or `page-pay`.
        #[arg(long)]
        suite: String,
        /// Only these checks (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        checks: Vec<String>,
        /// notify: probe this trade (default: the app's newest unpaid trade with a notify_url); refund: refund
        /// this paid trade (default: the suite pays a 10.00 trade itself, with the app's key).
        #[arg(long)]
        out_trade_no: Option<String>,
        /// notify, page-pay: the merchant's state probe, `GET URL?out_trade_no=…` → `{"paid":bool,"fulfilled":n}` (404 for
        /// an order it does not know): how N5–N8 and W1 see whether a notification was acted on (else REVIEW).
        #[arg(long)]
        state_probe: Option<String>,
        /// refund: what the merchant's first refund meets.
        #[arg(long, value_enum, default_value = "unknown")]
        refund_fault: suites::RefundFault,
        /// bill: the bill date asked for (default: yesterday on the sandbox's clock).
        #[arg(long)]
        bill_date: Option<String>,
        /// deduct: what the merchant's deduction of case D2 meets.
        #[arg(long, value_enum, default_value = "unknown")]
        deduct_fault: suites::DeductFault,
        /// coupon: what the merchant's first funding, disbursement and refund meet.
        #[arg(long, value_enum, default_value = "in-process")]
        coupon_fault: suites::CouponFault,
        /// The merchant's command and its arguments (after `--`).
        #[arg(last = true)]
        command: Vec<String>,
    },
}

/// Report options shared by the judging commands.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write the JSON report here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// The expected interval between queries (Alipay: 5s). Any other value is reported as not Alipay's rule.
    #[arg(long, value_parser = parse_duration)]
    poll_interval: Option<Duration>,
    /// How long a bill URL stays valid (Alipay: 30s).
    #[arg(long, value_parser = parse_duration)]
    bill_url_ttl: Option<Duration>,
    /// Exit 2 (incomplete) when a check judged saw no triggering traffic (NOT_OBSERVED) or needs evidence the
    /// wire cannot show (REVIEW).
    #[arg(long)]
    require_observed: bool,
    /// Accepted deviations: one check id a line (`F2  why`, `#` comments). A listed failure does not fail the
    /// run; a listed check that no longer fails does (exit 1).
    #[arg(long)]
    expected_failures: Option<PathBuf>,
}

impl ReportArgs {
    fn expected(&self) -> Result<Option<expected::Expected>> {
        Ok(self.expected_failures.as_deref().map(expected::Expected::read).transpose()?)
    }

    fn profile(&self) -> Profile {
        let mut p = Profile::default();
        if let Some(d) = self.poll_interval {
            p.poll_interval_s = d.as_secs_f64();
        }
        if let Some(d) = self.bill_url_ttl {
            p.bill_url_ttl_s = d.as_secs_f64();
        }
        p.alipay_rule = p == Profile::default();
        p
    }
}

/// `1s`, `500ms`, `2m`, or a number of seconds.
fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num.parse().map_err(|_| format!("{s:?} is not a duration (e.g. 5s, 500ms, 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use ms, s, m, h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

fn since_ms(since: Option<&str>) -> Result<Option<i64>> {
    let Some(s) = since else { return Ok(None) };
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(Some(ms));
    }
    let ago = parse_duration(s)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    Ok(Some(i64::try_from(now.saturating_sub(ago).as_millis())?))
}

/// The app id and the admin client of an `app.json`-style config.
pub(crate) fn app_of(config: &Path) -> Result<(String, AdminClient)> {
    let text = std::fs::read_to_string(config).map_err(|e| format!("cannot read {}: {e}", config.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    let app_id = json.get("app_id").and_then(|v| v.as_str()).ok_or("the config has no app_id")?.to_owned();
    Ok((app_id, AdminClient::from_app_json(config)?))
}

/// Runs an `accept` subcommand.
pub fn run(command: AcceptCommand) -> Result<ExitCode> {
    match command {
        AcceptCommand::List { json } => {
            list(json);
            Ok(ExitCode::SUCCESS)
        }
        AcceptCommand::Lint { config, report, since, checks } => {
            let expected = report.expected()?;
            let (app_id, admin) = app_of(&config.config)?;
            let req =
                LintRequest { app_id, since_ms: since_ms(since.as_deref())?, profile: Some(report.profile()), checks };
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let answer = match runtime.block_on(admin.accept_lint(&req)) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: the sandbox could not judge: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let code = finish(&answer, &report, expected.as_ref());
            keep(&runtime, &admin, &answer);
            code
        }
        AcceptCommand::Run {
            config,
            report,
            suite,
            checks,
            out_trade_no,
            state_probe,
            refund_fault,
            bill_date,
            deduct_fault,
            coupon_fault,
            command,
        } => {
            let expected = report.expected()?;
            let (app_id, admin) = app_of(&config.config)?;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let run = suites::Run {
                admin: &admin,
                app_id,
                config: &config.config,
                checks,
                out_trade_no,
                state_probe,
                refund_fault,
                bill_date,
                deduct_fault,
                coupon_fault,
                command: &command,
                profile: report.profile(),
            };
            match runtime.block_on(run.suite(&suite)) {
                Ok(r) => {
                    let code = finish(&r, &report, expected.as_ref());
                    keep(&runtime, &admin, &r);
                    code
                }
                Err(e) => {
                    eprintln!("error: the run did not complete: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}

fn list(json: bool) {
    if json {
        let list: Vec<_> = checks::CHECKS
            .iter()
            .map(|c| {
                serde_json::json!({"id": c.id, "product": c.product, "mode": c.mode.as_str(), "rule": c.rule, "seed": c.seed})
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
        return;
    }
    println!("{:<4} {:<13} {:<16} {:<31} RULE", "ID", "PRODUCT", "JUDGED", "SEED");
    for c in checks::CHECKS {
        println!("{:<4} {:<13} {:<16} {:<31} {}", c.id, c.product, c.mode.as_str(), c.seed, c.rule);
    }
    let not = checks::CHECKS.iter().filter(|c| c.mode == Mode::NotImplemented).count();
    println!();
    println!(
        "passive: `alipay accept lint`; suites: `alipay accept run --suite {}`; {not} check(s) are listed but not \
         implemented yet and never get a verdict.",
        suites::SUITES.join("|")
    );
}

/// Prints the table, writes the files, answers the exit code (held against the expected failures, if any).
pub(crate) fn finish(
    report: &AcceptReport,
    args: &ReportArgs,
    expected: Option<&expected::Expected>,
) -> Result<ExitCode> {
    print!("{}", table(report));
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(report)?)?;
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, junit(report))?;
    }
    let failed = match expected {
        Some(e) => {
            let outcome = e.judge(report);
            print!("{}", outcome.text(e));
            outcome.fails()
        }
        None => report.exit_code() != 0,
    };
    if failed {
        return Ok(ExitCode::from(1));
    }
    if args.require_observed && report.cases.iter().any(|c| matches!(c.verdict, Verdict::NotObserved | Verdict::Review))
    {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Keeps the report in the sandbox (its console shows every run) and prints where.
fn keep(runtime: &tokio::runtime::Runtime, admin: &AdminClient, report: &AcceptReport) {
    match runtime.block_on(admin.save_accept_report(report)) {
        Ok(saved) => println!("console: {}{}", admin.base_url(), saved.console_path),
        Err(e) => eprintln!("warning: the sandbox did not keep the report: {e}"),
    }
}

fn profile_line(p: &Profile) -> String {
    let rule = if p.alipay_rule { "Alipay's rules" } else { "NOT Alipay's rule (a compressed profile)" };
    format!("profile: poll every {} s, bill URL valid {} s: {rule}", p.poll_interval_s, p.bill_url_ttl_s)
}

/// The terminal table: one line per case, the reason below it, and the timeline of a failure or warning.
pub fn table(report: &AcceptReport) -> String {
    let mut out =
        format!("alipay accept {} — app {}\n{}\n\n", report.suite, report.app_id, profile_line(&report.profile));
    out.push_str(&format!("{:<4} {:<13} {:<13} {:<31} RULE\n", "ID", "VERDICT", "PRODUCT", "SEED"));
    for c in &report.cases {
        out.push_str(&format!("{:<4} {:<13} {:<13} {:<31} {}\n", c.id, c.verdict.as_str(), c.product, c.seed, c.rule));
        out.push_str(&format!("     {}\n", c.reason));
        if matches!(c.verdict, Verdict::Failed | Verdict::Warning | Verdict::Review) {
            out.push_str(&timeline_text(c, "       "));
        }
    }
    let count = |v: Verdict| report.cases.iter().filter(|c| c.verdict == v).count();
    let review = match count(Verdict::Review) {
        0 => String::new(),
        n => format!(", {n} to review"),
    };
    out.push_str(&format!(
        "\n{} passed, {} failed, {} warning(s){review}, {} not observed\n",
        count(Verdict::Passed),
        count(Verdict::Failed),
        count(Verdict::Warning),
        count(Verdict::NotObserved)
    ));
    out
}

fn timeline_text(c: &CaseResult, indent: &str) -> String {
    let Some(t0) = c.timeline.first().map(|t| t.t_ms) else { return String::new() };
    let mut out = String::new();
    for t in &c.timeline {
        let gap = t.interval_ms.map(|i| format!(" (+{:.1} s)", i as f64 / 1000.0)).unwrap_or_default();
        out.push_str(&format!(
            "{indent}{:>7.1} s{gap:<11} {} {}{}{}{}\n",
            (t.t_ms - t0) as f64 / 1000.0,
            t.method,
            t.code,
            t.sub_code.as_deref().map(|s| format!(" {s}")).unwrap_or_default(),
            t.trade_status.as_deref().map(|s| format!(" {s}")).unwrap_or_default(),
            match (&t.out_trade_no, &t.out_request_no) {
                (Some(o), Some(r)) => format!(" [{o} / {r}]"),
                (Some(o), None) => format!(" [{o}]"),
                (None, Some(r)) => format!(" [{r}]"),
                (None, None) => String::new(),
            },
        ));
    }
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A JUnit XML report: one test case per check; FAILED is a failure, NOT_OBSERVED and REVIEW are skipped, a
/// WARNING passes with its reason in `system-out`.
pub fn junit(report: &AcceptReport) -> String {
    let failures = report.cases.iter().filter(|c| c.verdict == Verdict::Failed).count();
    let skipped = report.cases.iter().filter(|c| matches!(c.verdict, Verdict::NotObserved | Verdict::Review)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuite name=\"alipay-accept-{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">\n",
        xml_escape(&report.suite),
        report.cases.len()
    ));
    out.push_str(&format!(
        "  <properties><property name=\"profile\" value=\"{}\"/></properties>\n",
        xml_escape(&profile_line(&report.profile))
    ));
    for c in &report.cases {
        out.push_str(&format!(
            "  <testcase classname=\"{}\" name=\"{} {}\">\n",
            xml_escape(&c.product),
            xml_escape(&c.id),
            xml_escape(&c.rule)
        ));
        let detail = format!("seed {}\n{}\n{}", c.seed, c.reason, timeline_text(c, ""));
        match c.verdict {
            Verdict::Failed => out.push_str(&format!(
                "    <failure message=\"{}\" type=\"FAILED\">{}</failure>\n",
                xml_escape(&c.reason),
                xml_escape(&detail)
            )),
            Verdict::NotObserved | Verdict::Review => {
                out.push_str(&format!("    <skipped message=\"{}: {}\"/>\n", c.verdict.as_str(), xml_escape(&c.reason)))
            }
            v => out.push_str(&format!("    <system-out>{}: {}</system-out>\n", v.as_str(), xml_escape(&detail))),
        }
        out.push_str("  </testcase>\n");
    }
    out.push_str("</testsuite>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1s").unwrap(), Duration::from_secs(1));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("3x").is_err());
    }

    #[test]
    fn junit_escapes() {
        let report = AcceptReport {
            suite: "lint".into(),
            app_id: "a".into(),
            profile: Profile::default(),
            cases: vec![alipay_sandbox::accept::verdict::case(
                "N1",
                Verdict::Failed,
                "answered \"<b>ok</b>\" & more",
                vec![],
            )],
        };
        let xml = junit(&report);
        assert!(xml.contains("&quot;&lt;b&gt;ok&lt;/b&gt;&quot; &amp; more"), "{xml}");
        assert!(xml.contains("failures=\"1\""));
    }
}
