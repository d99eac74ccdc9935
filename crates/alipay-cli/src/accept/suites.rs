//! `alipay accept run --suite …`: each suite sets up its case in the sandbox (a buyer who never confirms, a
//! provocation armed for the app's next matching call, a trade to refund), runs the merchant's COMMAND with
//! `ALIPAY_ACCEPT_CASE` and `ALIPAY_ACCEPT_INSTRUCTION`, waits for the case's observation window, removes what no
//! call took, and asks the sandbox to judge.

use std::path::Path;
use std::time::Duration;

use alipay_client::api::deduct::PdeductSignAdd;
use alipay_client::api::trade::TradePay;
use alipay_client::AlipayClient;
use alipay_sandbox_admin::{
    AcceptReport, AdminClient, ArmRequest, CallLogQuery, CaseResult, DisarmRequest, LintRequest, NewBuyer,
    NewPayPasswordToken, NewPaymentCode, NotificationQuery, NotifyProbeRequest, Profile, Provocation, ScanTrade,
};
use serde_json::{json, Value};

use super::Result;

/// The suites, as `--suite` takes them.
pub const SUITES: &[&str] = &["notify", "face-to-face", "refund", "bill", "deduct", "coupon", "page-pay"];

/// What the refund suite does to the merchant's first refund (`--refund-fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RefundFault {
    /// The refund is made, then answered `20000`: the money moved, the merchant does not know it.
    Unknown,
    /// Answered `20000` and not made.
    UnknownNotMade,
    /// The refund is made, then the connection is dropped: no answer at all.
    Dropped,
}

impl RefundFault {
    fn provocation(self) -> Provocation {
        match self {
            RefundFault::Unknown => Provocation::RefundUnknown { money_moved: true },
            RefundFault::UnknownNotMade => Provocation::RefundUnknown { money_moved: false },
            RefundFault::Dropped => Provocation::RefundDropped,
        }
    }
}

/// What the deduct suite does to the merchant's deduction of case D2 (`--deduct-fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeductFault {
    /// The deduction is made, then answered `20000`.
    Unknown,
    /// Answered `20000` and not made.
    UnknownNotMade,
    /// The deduction is made, then the connection is dropped.
    Dropped,
}

impl DeductFault {
    fn provocation(self) -> Provocation {
        match self {
            DeductFault::Unknown => Provocation::DeductUnknown { money_moved: true },
            DeductFault::UnknownNotMade => Provocation::DeductUnknown { money_moved: false },
            DeductFault::Dropped => Provocation::DeductDropped,
        }
    }
}

/// What the coupon suite does to the merchant's first funding, disbursement and refund (`--coupon-fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CouponFault {
    /// Each is done, then answered `10003` (in process): P1.
    InProcess,
    /// Each is done, then answered `20000` (outcome unknown): P2.
    Unknown,
}

/// One run's settings.
pub struct Run<'a> {
    /// The sandbox's admin API.
    pub admin: &'a AdminClient,
    /// The app.
    pub app_id: String,
    /// Its `app.json` (the suite that needs a paid trade pays it with the app's own key).
    pub config: &'a Path,
    /// `--checks`.
    pub checks: Vec<String>,
    /// `--out-trade-no`.
    pub out_trade_no: Option<String>,
    /// `--state-probe`.
    pub state_probe: Option<String>,
    /// `--refund-fault`.
    pub refund_fault: RefundFault,
    /// `--bill-date`.
    pub bill_date: Option<String>,
    /// `--deduct-fault`.
    pub deduct_fault: DeductFault,
    /// `--coupon-fault`.
    pub coupon_fault: CouponFault,
    /// The merchant's command.
    pub command: &'a [String],
    /// The timing profile.
    pub profile: Profile,
}

fn now_ms() -> Result<i64> {
    Ok(i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis())?)
}

/// Runs the merchant's COMMAND for a case, with the case id and the instruction in its environment; `Err` if it
/// cannot be started. Its exit status is printed, not judged: the log is the evidence.
async fn run_merchant(command: &[String], case: &str, instruction: &Value) -> Result<()> {
    run_merchant_with(command, case, instruction, None).await
}

/// [`run_merchant`], with `ALIPAY_ACCEPT_OUTPUT` naming a file the merchant writes its answer to (the page-pay
/// suite: the URL the buyer's browser opens).
async fn run_merchant_with(command: &[String], case: &str, instruction: &Value, output: Option<&Path>) -> Result<()> {
    let Some((program, args)) = command.split_first() else { return Ok(()) };
    println!("case {case}: {}", instruction.get("say").and_then(Value::as_str).unwrap_or(""));
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).env("ALIPAY_ACCEPT_CASE", case).env("ALIPAY_ACCEPT_INSTRUCTION", instruction.to_string());
    if let Some(path) = output {
        cmd.env("ALIPAY_ACCEPT_OUTPUT", path);
    }
    let status =
        tokio::task::spawn_blocking(move || cmd.status()).await?.map_err(|e| format!("cannot run {program}: {e}"))?;
    println!("case {case}: the merchant's command exited with {status}");
    Ok(())
}

impl Run<'_> {
    fn window(&self, intervals: f64) -> Duration {
        Duration::from_secs_f64(self.profile.poll_interval_s * intervals + 0.5)
    }

    fn checks_or(&self, default: &[&str]) -> Vec<String> {
        if self.checks.is_empty() {
            default.iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.checks.clone()
        }
    }

    fn need_command(&self, suite: &str) -> Result<()> {
        if self.command.is_empty() {
            return Err(format!("the {suite} suite needs the merchant's COMMAND (after --)").into());
        }
        Ok(())
    }

    /// The passive checks `default` (or `--checks`) over the calls since `start`, as suite `suite`.
    async fn judge(&self, suite: &str, start: i64, default: &[&str]) -> Result<AcceptReport> {
        let req = LintRequest {
            app_id: self.app_id.clone(),
            since_ms: Some(start),
            profile: Some(self.profile.clone()),
            checks: self.checks_or(default),
        };
        let mut r = self.admin.accept_lint(&req).await?;
        r.suite = suite.to_owned();
        Ok(r)
    }

    /// Removes what no call took; `hint` says why that may be.
    async fn disarm(&self, hint: &str) -> Result<()> {
        let left = self.admin.accept_disarm(&DisarmRequest { app_id: self.app_id.clone() }).await?;
        if left.removed > 0 {
            println!("no call took the case's provocation ({} removed): {hint}", left.removed);
        }
        Ok(())
    }

    /// Runs `suite`.
    pub async fn suite(&self, suite: &str) -> Result<AcceptReport> {
        match suite {
            "notify" => self.notify().await,
            "face-to-face" => self.face_to_face().await,
            "refund" => self.refund().await,
            "bill" => self.bill().await,
            "deduct" => self.deduct().await,
            "coupon" => self.coupon().await,
            "page-pay" => self.page_pay().await,
            other => Err(format!("no suite {other:?} (implemented: {})", SUITES.join(", ")).into()),
        }
    }

    /// The notify suite: the merchant makes an unpaid QR order with its notify_url; N2–N6 probe it; then a
    /// sandbox buyer pays it, and once its genuine notification is acknowledged N7 sends it again twice; last
    /// (N8, with COMMAND) the merchant takes a barcode payment whose notification reaches it before the
    /// synchronous answer.
    async fn notify(&self) -> Result<AcceptReport> {
        let wanted = |id: &str| self.checks.is_empty() || self.checks.iter().any(|c| c.eq_ignore_ascii_case(id));
        let mut report = AcceptReport {
            suite: "notify".into(),
            app_id: self.app_id.clone(),
            profile: Profile::default(),
            cases: vec![],
        };
        if ["N2", "N3", "N4", "N5", "N6", "N7"].iter().any(|id| wanted(id)) {
            report.cases = self.notify_probes(&wanted).await?;
        }
        if wanted("N8") {
            report.cases.push(self.early_notification().await?);
        }
        Ok(report)
    }

    async fn notify_probes(&self, wanted: &dyn Fn(&str) -> bool) -> Result<Vec<CaseResult>> {
        let instruction = json!({
            "action": "precreate", "total_amount": "88.00", "notify_url": "required",
            "say": "create a QR order (alipay.trade.precreate) of 88.00 with your notify_url, and leave it unpaid",
        });
        run_merchant(self.command, "notify", &instruction).await?;
        let out_trade_no = match &self.out_trade_no {
            Some(n) => Some(n.clone()),
            None => {
                // The merchant's newest QR order (made by COMMAND, or before the run).
                let q = CallLogQuery { app_id: Some(self.app_id.clone()), since_ms: None, limit: Some(10_000) };
                let calls = self.admin.calls(&q).await?;
                calls
                    .iter()
                    .rev()
                    .find(|c| c.method == "alipay.trade.precreate" && c.code == "10000")
                    .and_then(|c| c.out_trade_no.clone())
            }
        };
        let unpaid: Vec<String> =
            ["N2", "N3", "N4", "N5", "N6"].iter().filter(|id| wanted(id)).map(|id| (*id).to_owned()).collect();
        let mut cases = Vec::new();
        if !unpaid.is_empty() {
            cases = self.probes(unpaid, out_trade_no.clone()).await?;
        }
        if wanted("N7") {
            if let Some(order) = &out_trade_no {
                self.pay_and_wait_for_acknowledgement(order).await?;
            }
            cases.extend(self.probes(vec!["N7".into()], out_trade_no.clone()).await?);
        }
        Ok(cases)
    }

    /// N8: a buyer who needs no confirmation, the `notify_first` fault armed on the app's next trade.pay, and
    /// COMMAND asked to take a barcode payment of 10.00 with its notify_url.
    async fn early_notification(&self) -> Result<CaseResult> {
        let probe = |out_trade_no: Option<String>| self.probe_request(vec!["N8".into()], out_trade_no);
        if self.command.is_empty() {
            let mut r = self.admin.accept_notify_probes(&probe(None)).await?;
            let mut case = r.cases.remove(0);
            case.reason = "N8 needs the merchant's COMMAND (after --): it is asked to take a barcode payment".into();
            return Ok(case);
        }
        let start = now_ms()?;
        let buyer = self.admin.create_buyer(&NewBuyer::new("100000.00", "100000.00")).await?;
        let code = self.admin.issue_payment_code(&buyer.user_id, &NewPaymentCode::default()).await?;
        let armed = self
            .admin
            .accept_arm(&ArmRequest { app_id: self.app_id.clone(), provocation: Provocation::EarlyNotification })
            .await?;
        let instruction = json!({
            "action": "barcode_pay", "auth_code": code.auth_code, "total_amount": "10.00", "notify_url": "required",
            "say": format!("take a barcode payment of 10.00 with this payment code and your notify_url; the buyer \
                            pays at once ({})", armed.what),
        });
        let run = run_merchant(self.command, "N8", &instruction).await;
        self.disarm("the merchant never called alipay.trade.pay").await?;
        run?;
        tokio::time::sleep(self.window(1.0)).await;
        let q = CallLogQuery { app_id: Some(self.app_id.clone()), since_ms: Some(start), limit: Some(10_000) };
        let calls = self.admin.calls(&q).await?;
        let order = calls
            .iter()
            .rev()
            .find(|c| c.method == "alipay.trade.pay" && c.code == "10000")
            .and_then(|c| c.out_trade_no.clone());
        let mut r = self.admin.accept_notify_probes(&probe(order)).await?;
        Ok(r.cases.remove(0))
    }

    /// The probes request of `checks` for the app's order `out_trade_no`, with `--state-probe`.
    fn probe_request(&self, checks: Vec<String>, out_trade_no: Option<String>) -> NotifyProbeRequest {
        NotifyProbeRequest { app_id: self.app_id.clone(), out_trade_no, checks, state_probe: self.state_probe.clone() }
    }

    /// The sandbox's judgement of the probes `checks` (`POST /admin/accept/notify-probes`).
    async fn probes(&self, checks: Vec<String>, out_trade_no: Option<String>) -> Result<Vec<CaseResult>> {
        Ok(self.admin.accept_notify_probes(&self.probe_request(checks, out_trade_no)).await?.cases)
    }

    /// A sandbox buyer scans and pays the QR order `out_trade_no`; waits (10 poll intervals at most) until its
    /// genuine notification has been delivered.
    async fn pay_and_wait_for_acknowledgement(&self, out_trade_no: &str) -> Result<()> {
        let buyer = self.admin.create_buyer(&NewBuyer::new("100000.00", "100000.00")).await?;
        let scan = ScanTrade {
            app_id: Some(self.app_id.clone()),
            out_trade_no: Some(out_trade_no.to_owned()),
            buyer_id: Some(buyer.user_id),
            confirm: true,
            ..ScanTrade::default()
        };
        if let Err(e) = self.admin.scan_trade(&scan).await {
            println!("the suite could not pay out_trade_no {out_trade_no}: {e}");
            return Ok(());
        }
        println!("a buyer paid out_trade_no {out_trade_no}; its notification goes to the notify_url");
        let q = NotificationQuery {
            app_id: Some(self.app_id.clone()),
            out_trade_no: Some(out_trade_no.to_owned()),
            ..NotificationQuery::default()
        };
        let deadline = std::time::Instant::now() + self.window(10.0);
        while std::time::Instant::now() < deadline {
            if self.admin.notifications(&q).await?.iter().any(|n| n.status == "delivered") {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        println!("the notification of out_trade_no {out_trade_no} was not acknowledged in time");
        Ok(())
    }

    async fn face_to_face(&self) -> Result<AcceptReport> {
        self.need_command("face-to-face")?;
        let start = now_ms()?;
        // A buyer who must confirm every payment above 1.00 and never does: trade.pay answers 10003 and the
        // trade stays WAIT_BUYER_PAY (seed 001:56).
        let buyer = self.admin.create_buyer(&NewBuyer::new("100000.00", "1.00")).await?;
        let code = self.admin.issue_payment_code(&buyer.user_id, &NewPaymentCode::default()).await?;
        let instruction = json!({
            "action": "barcode_pay", "auth_code": code.auth_code, "total_amount": "2500.00",
            "say": "take a barcode payment of 2500.00 with this payment code; the buyer will not confirm",
        });
        run_merchant(self.command, "F1", &instruction).await?;
        // The observation window: a cancel is due within two poll intervals of the last query.
        tokio::time::sleep(self.window(2.0)).await;
        self.judge("face-to-face", start, &["F1", "F2"]).await
    }

    /// A paid trade of the app to refund: `--out-trade-no`, or one the suite pays itself (10.00, from a sandbox
    /// buyer who needs no confirmation), signed with the app's own key.
    async fn trade_to_refund(&self) -> Result<String> {
        if let Some(n) = &self.out_trade_no {
            return Ok(n.clone());
        }
        let buyer = self.admin.create_buyer(&NewBuyer::new("100000.00", "100000.00")).await?;
        let code = self.admin.issue_payment_code(&buyer.user_id, &NewPaymentCode::default()).await?;
        let client = AlipayClient::from_config_file(self.config)?;
        let pay = TradePay {
            out_trade_no: format!("ACCEPT-R-{}", now_ms()?),
            auth_code: code.auth_code,
            subject: "acceptance: a trade to refund".into(),
            total_amount: "10.00".parse()?,
            ..TradePay::default()
        };
        let answer = client.execute(&pay).await?;
        if answer.status.code.as_str() != "10000" {
            return Err(format!("the suite could not pay a trade to refund: {:?}", answer.status).into());
        }
        Ok(pay.out_trade_no)
    }

    async fn refund(&self) -> Result<AcceptReport> {
        self.need_command("refund")?;
        let out_trade_no = self.trade_to_refund().await?;
        let start = now_ms()?;
        let arm = ArmRequest { app_id: self.app_id.clone(), provocation: self.refund_fault.provocation() };
        self.admin.accept_arm(&arm).await?;
        let instruction = json!({
            "action": "refund", "out_trade_no": out_trade_no, "refund_amount": "1.00", "times": 2,
            "say": format!("refund out_trade_no {out_trade_no} in two parts: refund 1.00, then 1.00 again \
                            (alipay.trade.refund)"),
        });
        let run = run_merchant(self.command, "R2", &instruction).await;
        self.disarm("the merchant never refunded").await?;
        run?;
        tokio::time::sleep(self.window(2.0)).await;
        // R2's window: a refund whose outcome was left unknown is judged 6 poll intervals after it.
        let q = CallLogQuery { app_id: Some(self.app_id.clone()), since_ms: Some(start), limit: Some(10_000) };
        let calls = self.admin.calls(&q).await?;
        let fault_at = calls
            .iter()
            .filter(|c| c.method == alipay_sandbox::accept::refund::REFUND && (c.dropped || c.code == "20000"))
            .map(|c| c.at_ms)
            .next();
        if let Some(at) = fault_at {
            let due = at + (self.profile.poll_interval_s * 6000.0).round() as i64 + 500;
            let wait = due - now_ms()?;
            if wait > 0 {
                tokio::time::sleep(Duration::from_millis(u64::try_from(wait)?)).await;
            }
        }
        self.judge("refund", start, &["R1", "R2"]).await
    }

    /// Yesterday on the sandbox's clock (Beijing), `yyyy-MM-dd`.
    async fn yesterday(&self) -> Result<String> {
        let now = self.admin.clock().await?.now.ok_or("the sandbox did not say its time")?;
        let now: alipay_core::Timestamp = now.parse()?;
        let day = alipay_core::Timestamp::from_unix(now.unix() - 86_400).ok_or("the sandbox's clock is off")?;
        Ok(day.beijing().format("%Y-%m-%d").to_string())
    }

    async fn bill(&self) -> Result<AcceptReport> {
        self.need_command("bill")?;
        let bill_date = match &self.bill_date {
            Some(d) => d.clone(),
            None => self.yesterday().await?,
        };
        let start = now_ms()?;
        let arm = ArmRequest { app_id: self.app_id.clone(), provocation: Provocation::DeadBillUrl };
        self.admin.accept_arm(&arm).await?;
        let instruction = json!({
            "action": "bill", "bill_type": "trade", "bill_date": bill_date,
            "say": format!("download the trade bill of {bill_date} \
                            (alipay.data.dataservice.bill.downloadurl.query, then fetch its URL)"),
        });
        let run = run_merchant(self.command, "B3", &instruction).await;
        self.disarm(&format!(
            "no bill URL was answered (no bill query, or no bill for {bill_date}: the day needs a paid trade; \
             --bill-date picks another day)"
        ))
        .await?;
        run?;
        tokio::time::sleep(self.window(2.0)).await;
        self.judge("bill", start, &["B1", "B2", "B3"]).await
    }

    /// The app's merchant PID, from its `app.json` (`merchant_pid`, as `alipay sandbox` writes it).
    fn merchant_pid(&self) -> Result<String> {
        let text = std::fs::read_to_string(self.config)?;
        let json: Value = serde_json::from_str(&text)?;
        Ok(json
            .get("merchant_pid")
            .and_then(Value::as_str)
            .ok_or("this suite needs the app's merchant_pid in its config (app.json)")?
            .to_owned())
    }

    /// A buyer with 1000.00 who signs a direct-deduct agreement with the app's merchant (signed with the app's
    /// own key, as the merchant's signing page would): the instruction's fields.
    async fn agreement(&self) -> Result<Value> {
        let pid = self.merchant_pid()?;
        let buyer = self.admin.create_buyer(&NewBuyer::new("1000.00", "1000.00")).await?;
        let token = self.admin.issue_pay_password_token(&NewPayPasswordToken::for_user(&buyer.user_id)).await?;
        let bill_key = format!("ACCEPT{}", now_ms()? % 1_000_000_000);
        let sign = PdeductSignAdd {
            pay_password_token: token.pay_password_token,
            user_id: buyer.user_id.clone(),
            biz_type: "JF".into(),
            sub_biz_type: "ELECTRIC".into(),
            bill_key: bill_key.clone(),
            pid: pid.clone(),
            charge_inst: "CQCENTERELECTRIC".into(),
            agent_channel: "PUBLICPLATFORM".into(),
            ..PdeductSignAdd::default()
        };
        let client = AlipayClient::from_config_file(self.config)?;
        let answer = client.execute(&sign).await?;
        let agreement_id = answer
            .body
            .agreement_id
            .clone()
            .ok_or_else(|| format!("the suite could not sign an agreement: {:?}", answer.status))?;
        Ok(json!({
            "action": "deduct", "agreement_id": agreement_id, "user_id": buyer.user_id, "pid": pid,
            "bill_key": bill_key, "pay_amount": "1.00",
        }))
    }

    /// The deduct suite: one agreement, four cases, each a deduction of 1.00 the merchant makes under a new
    /// `out_order_no` and sees through: D2 (answered 20000 / lost), D3 (unknown for 2 status queries), D4
    /// (`QUERY_DEDUCT_SIGN_INFO_ERROR`), D5 (the user cancelled the agreement: the last case).
    async fn deduct(&self) -> Result<AcceptReport> {
        self.need_command("deduct")?;
        let base = self.agreement().await?;
        let start = now_ms()?;
        let agreement = base.get("agreement_id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let cases = [
            ("D2", self.deduct_fault.provocation()),
            ("D3", Provocation::DeductPending { queries: 2 }),
            ("D4", Provocation::DeductSignInfoError),
            ("D5", Provocation::DeductAgreementCancelled),
        ];
        for (case, provocation) in cases {
            if !self.checks.is_empty() && !self.checks.iter().any(|c| c.eq_ignore_ascii_case(case)) {
                continue;
            }
            let armed = self.admin.accept_arm(&ArmRequest { app_id: self.app_id.clone(), provocation }).await?;
            let mut instruction = base.clone();
            let say = json!(format!(
                "charge 1.00 on agreement {agreement} (alipay.ebpp.pdeduct.pay) under a new out_order_no, and see \
                 it through to a known outcome ({})",
                armed.what
            ));
            if let Some(fields) = instruction.as_object_mut() {
                fields.insert("say".to_owned(), say);
            }
            let run = run_merchant(self.command, case, &instruction).await;
            self.disarm("the merchant never charged the agreement").await?;
            run?;
        }
        // D2, D4, D5: a reaction is due within 6 poll intervals of the provoked answer.
        tokio::time::sleep(self.window(6.0)).await;
        self.judge("deduct", start, &["D2", "D3", "D4", "D5"]).await
    }

    /// The coupon suite: a red packet of 3.00 funded from the merchant's balance (the suite pays a 10.00 trade
    /// to the app first), 1.00 disbursed to a buyer, 1.00 refunded; the first of each answers 10003 (or 20000:
    /// `--coupon-fault unknown`) after the work was done.
    async fn coupon(&self) -> Result<AcceptReport> {
        self.need_command("coupon")?;
        self.trade_to_refund().await?;
        let payee = self.admin.create_buyer(&NewBuyer::new("0.00", "1000.00")).await?;
        let start = now_ms()?;
        let provocation = match self.coupon_fault {
            CouponFault::InProcess => Provocation::CouponInProcess { money_moved: true },
            CouponFault::Unknown => Provocation::CouponUnknown { money_moved: true },
        };
        let armed = self.admin.accept_arm(&ArmRequest { app_id: self.app_id.clone(), provocation }).await?;
        let instruction = json!({
            "action": "red_packet", "amount": "3.00", "payee_user_id": payee.user_id, "disburse_amount": "1.00",
            "refund_amount": "1.00",
            "say": format!("fund a red packet of 3.00 (alipay.fund.coupon.order.agreement.pay), disburse 1.00 of it \
                            to {} (.disburse), refund 1.00 of it (.refund), each to a known outcome ({})",
                           payee.user_id, armed.what),
        });
        let case = if self.coupon_fault == CouponFault::InProcess { "P1" } else { "P2" };
        let run = run_merchant(self.command, case, &instruction).await;
        self.disarm("the merchant made no red-packet operation").await?;
        run?;
        tokio::time::sleep(self.window(6.0)).await;
        self.judge("coupon", start, &["P1", "P2", "P3", "P4"]).await
    }
}

impl Run<'_> {
    /// The page-pay suite (W1): COMMAND makes a page-pay order and writes the URL the buyer's browser opens to
    /// `$ALIPAY_ACCEPT_OUTPUT`; the suite opens it as the browser would (the cashier), a buyer pays, and the
    /// browser is closed before it goes back to `return_url`; the notification goes out as usual. The order must
    /// be fulfilled all the same (judged with `--state-probe`).
    async fn page_pay(&self) -> Result<AcceptReport> {
        self.need_command("page-pay")?;
        let start = now_ms()?;
        let dir = std::env::temp_dir().join(format!("alipay-accept-{}-{start}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let output = dir.join("page-pay-url");
        let instruction = json!({
            "action": "page_pay", "total_amount": "30.00", "notify_url": "required", "return_url": "required",
            "say": "create a page-pay order (alipay.trade.page.pay) of 30.00 with your return_url and notify_url, and \
                    write the URL the buyer's browser opens (GET) to the file $ALIPAY_ACCEPT_OUTPUT",
        });
        run_merchant_with(self.command, "W1", &instruction, Some(&output)).await?;
        let url = std::fs::read_to_string(&output).unwrap_or_default().trim().to_owned();
        std::fs::remove_dir_all(&dir).ok();
        let probe = |out_trade_no: Option<String>| self.probe_request(vec!["W1".into()], out_trade_no);
        if url.is_empty() {
            let mut r = self.admin.accept_notify_probes(&probe(None)).await?;
            if let Some(c) = r.cases.first_mut() {
                c.reason = "the merchant wrote no page-pay URL to $ALIPAY_ACCEPT_OUTPUT".into();
            }
            r.suite = "page-pay".into();
            return Ok(r);
        }
        // The buyer's browser opens the order: the cashier page.
        let page = reqwest::Client::new()
            .get(&url)
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .map_err(|e| format!("the page-pay URL {url} did not open: {e}"))?;
        println!("case W1: the buyer's browser opened the order: HTTP {}", page.status().as_u16());
        let q = CallLogQuery { app_id: Some(self.app_id.clone()), since_ms: Some(start), limit: Some(10_000) };
        let calls = self.admin.calls(&q).await?;
        let order = calls
            .iter()
            .rev()
            .find(|c| c.method == "alipay.trade.page.pay" && c.code == "10000")
            .and_then(|c| c.out_trade_no.clone());
        if let Some(order) = &order {
            self.pay_and_wait_for_acknowledgement(order).await?;
            println!("case W1: the buyer closed the page: the browser never goes back to return_url");
            tokio::time::sleep(self.window(2.0)).await;
        }
        let mut r = self.admin.accept_notify_probes(&probe(order)).await?;
        r.suite = "page-pay".into();
        Ok(r)
    }
}
