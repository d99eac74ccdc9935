//! `alipay-loadgen`: load for the local Alipay gateway (`alipay sandbox`), on loopback only.
//!
//! ```text
//! alipay-loadgen --config DIR/app.json [--requests 2000] [--concurrency 1,8,32,128] [--methods precreate,query]
//!                [--runs 3] [--verify] [--query-trades 500] [--no-half-load] [--no-openssl] [--pid PID]
//! alipay-loadgen --config DIR/app.json --prefill 100000 [--batch 10000] [--prefill-concurrency 64] [--pid PID]
//! alipay-loadgen --config D1/app.json,D2/app.json [--pid PID1,PID2] ...   (instances on one --store)
//! ```
//!
//! Every request is signed before its measurement window (client RSA is not measured), then fired over
//! keep-alive connections at each concurrency level, `--runs` times; the best run per level is reported with
//! req/s, p50/p90/p99/max latency and errors (transport/HTTP, non-10000 codes, and with `--verify` bad
//! signatures). The bound is cores × `openssl speed rsa2048` sign/s: each gateway answer costs one RSA sign.
//! After the closed-loop runs, an open-loop run at half the best rate checks the p99 goal (< 20 ms).
//!
//! Several `--config` (instances of one sandbox on one PostgreSQL store, `alipay sandbox --store`): request `i`
//! goes to instance `i mod n`, and the CPU of every `--pid` is added up.
//!
//! `--prefill N` grows the store by N precreated trades in batches, printing each batch's rate and (with
//! `--pid`) the sandbox's RSS, plus the size of the data directory.
//!
//! Every run is bounded: a count, a per-run time limit (`--run-seconds`) and an overall limit
//! (`--max-seconds`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod app;
mod fire;
mod sys;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_sandbox_admin::{AdminClient, ScanTrade};
use clap::{Parser, ValueEnum};
use serde_json::json;

use crate::app::{App, Error};
use crate::fire::{fire, Outcome, Plan};

/// A gateway method the load generator can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Method {
    /// `alipay.trade.precreate`, each request a new trade.
    Precreate,
    /// `alipay.trade.query` of trades created (and scanned) in a setup phase.
    Query,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Precreate => "alipay.trade.precreate",
            Method::Query => "alipay.trade.query",
        }
    }
}

/// Command line.
#[derive(Debug, Parser)]
#[command(name = "alipay-loadgen", about = "Load for the local Alipay gateway (loopback only)")]
struct Cli {
    /// The sandbox's app.json. Several (repeated or comma-separated): instances on one store (`alipay sandbox
    /// --store`), which must name the same app and keys; requests go to their gateways in turn.
    #[arg(long, required = true, value_delimiter = ',')]
    config: Vec<PathBuf>,
    /// Requests per run.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Concurrency levels (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,8,32,128")]
    concurrency: Vec<usize>,
    /// Methods to drive (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "precreate,query")]
    methods: Vec<Method>,
    /// Runs per concurrency level (the best is kept).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Verify every answer's signature (costs client CPU inside the window).
    #[arg(long)]
    verify: bool,
    /// Trades created (and scanned) before the query runs.
    #[arg(long, default_value_t = 500)]
    query_trades: usize,
    /// Skip the open-loop run at half the best rate.
    #[arg(long)]
    no_half_load: bool,
    /// Skip `openssl speed`.
    #[arg(long)]
    no_openssl: bool,
    /// Longest measurement window of one run, in seconds.
    #[arg(long, default_value_t = 30)]
    run_seconds: u64,
    /// Stop everything after this many seconds.
    #[arg(long, default_value_t = 900)]
    max_seconds: u64,
    /// Prefill mode: create this many trades, then stop.
    #[arg(long)]
    prefill: Option<usize>,
    /// Prefill batch size (signed, then fired).
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// Prefill concurrency.
    #[arg(long, default_value_t = 64)]
    prefill_concurrency: usize,
    /// The sandbox's process id, to report its RSS and CPU time; several (repeated or comma-separated) for
    /// several instances, added up.
    #[arg(long, value_delimiter = ',')]
    pid: Vec<u32>,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let cli = Cli::parse();
    let app = Arc::new(App::load_all(&cli.config)?);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(300))
        .tcp_nodelay(true)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(cli.max_seconds);
    print_machine(&cli, &app);
    match cli.prefill {
        Some(n) => prefill(&cli, &client, &app, n, deadline).await,
        None => bench(&cli, &client, &app, deadline).await,
    }
}

fn print_machine(cli: &Cli, app: &App) {
    for (n, gateway) in app.gateway_urls.iter().enumerate() {
        let label = if app.gateway_urls.len() > 1 { format!("gateway {}", n + 1) } else { "gateway".to_owned() };
        println!("{label:<12} {gateway}");
    }
    if app.gateway_urls.len() > 1 {
        println!("instances    {} on one store, requests spread over them in turn", app.gateway_urls.len());
    }
    println!(
        "machine      {} cores ({}), load average {} at start; sandbox and load generator share these cores",
        sys::cores(),
        sys::cpu_model().unwrap_or_else(|| "unknown CPU".into()),
        sys::loadavg().unwrap_or_else(|| "?".into())
    );
    for &pid in &cli.pid {
        println!("sandbox pid  {pid}, RSS {}", fmt_rss(pid));
    }
}

fn fmt_rss(pid: u32) -> String {
    sys::rss_kib(pid).map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "unreadable".into())
}

/// A unique prefix for this invocation's out_trade_no values.
fn run_tag() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    format!("LG{ms}{:04}", rand::random::<u16>() % 10_000)
}

fn precreate_bizs(tag: &str, from: usize, n: usize) -> Vec<String> {
    (from..from + n)
        .map(|i| {
            json!({"out_trade_no": format!("{tag}_{i}"), "total_amount": "0.01", "subject": "loadgen"}).to_string()
        })
        .collect()
}

fn print_header() {
    println!(
        "{:<24} {:>5} {:>7} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}  note",
        "method", "conc", "done", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
}

fn print_line(method: &str, conc: usize, o: &Outcome, note: &str) {
    let per_answer =
        o.server_cpu_ms_per_answer().map(|ms| format!(", sandbox {ms:.2} ms CPU/answer")).unwrap_or_default();
    let note = format!("{note}{}{}{per_answer}", if note.is_empty() { "" } else { "; " }, o.cpu_text());
    println!(
        "{:<24} {:>5} {:>7} {:>7} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2}  {note}",
        method,
        conc,
        o.latencies_us.len(),
        o.errors(),
        o.rps(),
        o.pct_ms(0.50),
        o.pct_ms(0.90),
        o.pct_ms(0.99),
        o.max_ms()
    );
    if let Some(e) = &o.first_error {
        let e: String = e.chars().take(300).collect();
        println!("    first error: {e}");
    }
}

async fn bench(cli: &Cli, client: &reqwest::Client, app: &Arc<App>, deadline: Instant) -> Result<(), Error> {
    let cores = sys::cores();
    let openssl = if cli.no_openssl {
        None
    } else {
        println!("running `openssl speed -seconds 3 rsa2048` (about 10 s) ...");
        sys::openssl_rsa2048_sign_per_sec()
    };
    let bound = match &openssl {
        Some((version, sign)) => {
            let bound = sign * cores as f64;
            println!("openssl      {version}: rsa2048 {sign:.0} sign/s per core");
            println!("RSA bound    {cores} cores x {sign:.0} = {bound:.0} answers/s (one RSA sign per answer)");
            Some(bound)
        }
        None => {
            println!("openssl      not available or skipped: no RSA bound");
            None
        }
    };
    println!("verify       {}", if cli.verify { "on (every answer's signature)" } else { "off (code checked only)" });
    println!(
        "requests     {} per run, best of {} runs per level, pre-signed before each window",
        cli.requests, cli.runs
    );

    let tag = run_tag();
    let mut serial = 0usize;
    let mut summary: Vec<(&'static str, usize, Outcome, String)> = Vec::new();
    for &method in &cli.methods {
        let trades = match method {
            Method::Precreate => Vec::new(),
            Method::Query => setup_query_trades(cli, client, app, &tag).await?,
        };
        println!();
        print_header();
        let mut best_rps = 0.0f64;
        for &conc in &cli.concurrency {
            let mut best: Option<Outcome> = None;
            for run in 1..=cli.runs.max(1) {
                if Instant::now() >= deadline {
                    println!("overall time limit reached");
                    break;
                }
                let bizs = match method {
                    Method::Precreate => {
                        serial += cli.requests;
                        precreate_bizs(&format!("{tag}P"), serial - cli.requests, cli.requests)
                    }
                    Method::Query => query_bizs(&trades, cli.requests),
                };
                let bodies = app.presign(method.name(), &bizs)?;
                let plan = Plan {
                    method: method.name(),
                    concurrency: conc,
                    time_limit: Duration::from_secs(cli.run_seconds),
                    verify: cli.verify,
                    rate: None,
                    pids: cli.pid.clone(),
                };
                let o = fire(client, app, bodies, &plan).await;
                print_line(method.name(), conc, &o, &format!("run {run}"));
                if best.as_ref().is_none_or(|b| o.rps() > b.rps()) {
                    best = Some(o);
                }
            }
            if let Some(b) = best {
                best_rps = best_rps.max(b.rps());
                let note = match (&openssl, bound) {
                    (Some((_, sign)), Some(bd)) => {
                        let eff = b
                            .server_cpu_ms_per_answer()
                            .map(|ms| {
                                let signs = ms * sign / 1000.0;
                                format!(
                                    " (sandbox CPU/answer = {signs:.2} signs: ceiling {:.0}% of bound)",
                                    100.0 / signs
                                )
                            })
                            .unwrap_or_default();
                        format!("{:.0}% of RSA bound{eff}", 100.0 * b.rps() / bd)
                    }
                    _ => String::new(),
                };
                summary.push((method.name(), conc, b, note));
            }
        }
        if !cli.no_half_load && best_rps > 0.0 && Instant::now() < deadline {
            let rate = best_rps / 2.0;
            let n = ((rate * 5.0) as usize).clamp(100, cli.requests.max(100) * 2);
            let conc = cli.concurrency.iter().copied().max().unwrap_or(32).max(32);
            let mut best: Option<Outcome> = None;
            for run in 1..=cli.runs.max(1) {
                if Instant::now() >= deadline {
                    break;
                }
                let bizs = match method {
                    Method::Precreate => {
                        serial += n;
                        precreate_bizs(&format!("{tag}P"), serial - n, n)
                    }
                    Method::Query => query_bizs(&trades, n),
                };
                let bodies = app.presign(method.name(), &bizs)?;
                let plan = Plan {
                    method: method.name(),
                    concurrency: conc,
                    time_limit: Duration::from_secs(cli.run_seconds),
                    verify: cli.verify,
                    rate: Some(rate),
                    pids: cli.pid.clone(),
                };
                let o = fire(client, app, bodies, &plan).await;
                print_line(method.name(), conc, &o, &format!("open loop at {rate:.0} req/s, run {run}"));
                if best.as_ref().is_none_or(|b| (o.errors(), o.pct_ms(0.99)) < (b.errors(), b.pct_ms(0.99))) {
                    best = Some(o);
                }
            }
            let Some(o) = best else { continue };
            let note = format!(
                "open loop at {rate:.0} req/s (half the best), lowest p99 of the runs; p99 goal < 20 ms: {}",
                if o.pct_ms(0.99) < 20.0 && o.errors() == 0 { "met" } else { "NOT met" }
            );
            summary.push((method.name(), conc, o, note));
        }
    }

    println!();
    println!("summary (best run per level; latencies of the half-load run from each request's due time)");
    print_header();
    for (method, conc, o, note) in &summary {
        print_line(method, *conc, o, note);
    }
    for &pid in &cli.pid {
        println!("sandbox {pid} RSS at the end: {}", fmt_rss(pid));
    }
    Ok(())
}

fn query_bizs(trades: &[String], n: usize) -> Vec<String> {
    (0..n).filter_map(|i| trades.get(i % trades.len().max(1))).map(|t| json!({"out_trade_no": t}).to_string()).collect()
}

/// Creates `--query-trades` precreated trades and has the default buyer scan them (admin API), so a query
/// of each answers 10000 (`WAIT_BUYER_PAY`).
async fn setup_query_trades(
    cli: &Cli,
    client: &reqwest::Client,
    app: &Arc<App>,
    tag: &str,
) -> Result<Vec<String>, Error> {
    let n = cli.query_trades.max(1);
    let started = Instant::now();
    let prefix = format!("{tag}Q");
    let bizs = precreate_bizs(&prefix, 0, n);
    let bodies = app.presign(Method::Precreate.name(), &bizs)?;
    let plan = Plan {
        method: Method::Precreate.name(),
        concurrency: 16,
        time_limit: Duration::from_secs(120),
        verify: true,
        rate: None,
        pids: Vec::new(),
    };
    let o = fire(client, app, bodies, &plan).await;
    if o.errors() > 0 {
        return Err(format!("query setup: {} precreates failed: {:?}", o.errors(), o.first_error).into());
    }
    let trades: Vec<String> = (0..n).map(|i| format!("{prefix}_{i}")).collect();
    let admin = AdminClient::new(app.base_url.as_str()).with_http_client(client.clone());
    let admin = match &app.admin_token {
        Some(token) => admin.with_token(token.as_str()),
        None => admin,
    };
    let mut tasks = Vec::new();
    for part in trades.chunks(n.div_ceil(16)) {
        let (admin, part) = (admin.clone(), part.to_vec());
        tasks.push(tokio::spawn(async move {
            for t in part {
                let scan = ScanTrade { out_trade_no: Some(t.clone()), ..ScanTrade::default() };
                admin.scan_trade(&scan).await.map_err(|e| format!("scan {t}: {e}"))?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    println!("\nquery setup: {n} trades precreated and scanned in {:.1} s", started.elapsed().as_secs_f64());
    Ok(trades)
}

async fn prefill(
    cli: &Cli,
    client: &reqwest::Client,
    app: &Arc<App>,
    total: usize,
    deadline: Instant,
) -> Result<(), Error> {
    let started = Instant::now();
    let tag = run_tag();
    let rss0 = sys::rss_kib_all(&cli.pid);
    let bytes0 = sys::dir_bytes(&app.data_dir);
    println!(
        "prefill      {total} precreated trades, batches of {}, concurrency {}",
        cli.batch, cli.prefill_concurrency
    );
    println!("before       RSS {}, data dir {:.1} MiB", rss_text(rss0), bytes0 as f64 / 1048576.0);
    println!(
        "{:>9} {:>9} {:>7} {:>9} {:>8} {:>8} {:>12} {:>12}",
        "created", "batch", "errors", "req/s", "p50 ms", "p99 ms", "RSS", "data dir"
    );
    let mut done = 0usize;
    let mut errors = 0usize;
    while done < total {
        if Instant::now() >= deadline {
            println!("overall time limit (--max-seconds {}) reached", cli.max_seconds);
            break;
        }
        let n = cli.batch.max(1).min(total - done);
        let bodies = app.presign(Method::Precreate.name(), &precreate_bizs(&tag, done, n))?;
        let plan = Plan {
            method: Method::Precreate.name(),
            concurrency: cli.prefill_concurrency,
            time_limit: deadline.saturating_duration_since(Instant::now()),
            verify: cli.verify,
            rate: None,
            pids: cli.pid.clone(),
        };
        let o = fire(client, app, bodies, &plan).await;
        if o.sent == 0 {
            println!("overall time limit (--max-seconds {}) reached", cli.max_seconds);
            break;
        }
        done += o.sent;
        errors += o.errors();
        println!(
            "{:>9} {:>9} {:>7} {:>9.0} {:>8.2} {:>8.2} {:>12} {:>9.1} MiB",
            done,
            n,
            o.errors(),
            o.rps(),
            o.pct_ms(0.50),
            o.pct_ms(0.99),
            rss_text(sys::rss_kib_all(&cli.pid)),
            sys::dir_bytes(&app.data_dir) as f64 / 1048576.0
        );
        if let Some(e) = &o.first_error {
            let e: String = e.chars().take(300).collect();
            println!("    first error: {e}");
        }
        if o.sent < n {
            break;
        }
    }
    println!(
        "after        {done} requests ({errors} errors) in {:.0} s; RSS {} -> {}; data dir {:.1} -> {:.1} MiB",
        started.elapsed().as_secs_f64(),
        rss_text(rss0),
        rss_text(sys::rss_kib_all(&cli.pid)),
        bytes0 as f64 / 1048576.0,
        sys::dir_bytes(&app.data_dir) as f64 / 1048576.0
    );
    Ok(())
}

fn rss_text(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "-".into())
}
