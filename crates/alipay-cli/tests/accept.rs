//! `alipay accept`: the passive checks over HTTP, with real signatures, the sandbox in a separate process.
//!
//! A well-behaved merchant (built on the SDK's flows) passes every passive check; each deliberately broken
//! merchant fails exactly the check it breaks, with a reason in words; a merchant that did nothing gets
//! NOT_OBSERVED everywhere. Timing uses a compressed profile (`--poll-interval 1s --bill-url-ttl 2s`), so the
//! report says it is not Alipay's rule; no assertion is about speed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_api::trade::{TradePay, TradePrecreate, TradeRefund};
use alipay_client::flows::{PayOutcome, PollPolicy, RetryPolicy};
use alipay_client::AlipayClient;
use alipay_sandbox_admin::{
    ArmRequest, CallLogQuery, FaultKind, FaultSpec, NewBuyer, NewPaymentCode, NotificationQuery, Provocation,
    TradeLocator,
};
use common::{Gw, Instance};
use serde_json::{json, Value};

const PROFILE: &[&str] = &["--poll-interval", "1s", "--bill-url-ttl", "2s"];

struct Env {
    inst: Instance,
    gw: Gw,
    buyer: String,
}

async fn env() -> Env {
    let inst = common::start_instances(1, None, &[]).remove(0);
    let gw = Gw::open(inst.dir.path());
    // Payments above 1000.00 need the buyer's confirmation: trade.pay answers 10003 WAIT_BUYER_PAY.
    let buyer = gw.admin.create_buyer(&NewBuyer::new("100000.00", "1000.00")).await.unwrap().user_id;
    Env { inst, gw, buyer }
}

impl Env {
    async fn code(&self) -> String {
        self.gw.admin.issue_payment_code(&self.buyer, &NewPaymentCode::default()).await.unwrap().auth_code
    }

    fn client(&self) -> AlipayClient {
        AlipayClient::from_config_file(self.inst.app_json()).unwrap()
    }

    async fn pay(&self, out_trade_no: &str, amount: &str, extra: &[(&str, &str)]) -> Value {
        let code = self.code().await;
        let biz = json!({"out_trade_no": out_trade_no, "scene": "bar_code", "auth_code": code,
            "subject": "acceptance", "total_amount": amount});
        self.gw.call_with("alipay.trade.pay", biz, extra).await.unwrap()
    }

    async fn query(&self, out_trade_no: &str) -> Value {
        self.gw.call("alipay.trade.query", json!({"out_trade_no": out_trade_no})).await.unwrap()
    }

    async fn cancel(&self, out_trade_no: &str) -> Value {
        self.gw.call("alipay.trade.cancel", json!({"out_trade_no": out_trade_no})).await.unwrap()
    }

    /// Today on the sandbox clock (Beijing), `yyyy-MM-dd`.
    async fn today(&self) -> String {
        self.gw.admin.clock().await.unwrap().now.unwrap()[..10].to_owned()
    }

    /// `alipay accept lint` on this sandbox's app: the exit code and the JSON report.
    fn lint(&self, extra: &[&str]) -> (i32, Value, String) {
        let out_file = self.inst.dir.path().join("report.json");
        let junit = self.inst.dir.path().join("report.xml");
        let out = Command::new(env!("CARGO_BIN_EXE_alipay"))
            .args(["accept", "lint", "--config", self.inst.app_json().to_str().unwrap()])
            .args(PROFILE)
            .args(["--json", out_file.to_str().unwrap(), "--junit", junit.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap();
        let table = String::from_utf8_lossy(&out.stdout).into_owned();
        let report: Value =
            serde_json::from_slice(&std::fs::read(&out_file).unwrap_or_default()).unwrap_or_else(|_| {
                panic!("no report; stdout:\n{table}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr))
            });
        let xml = std::fs::read_to_string(&junit).unwrap();
        assert!(xml.starts_with("<?xml"), "{xml}");
        (out.status.code().unwrap_or(-1), report, table)
    }
}

fn verdicts(report: &Value) -> HashMap<String, String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["verdict"].as_str().unwrap().to_owned()))
        .collect()
}

fn case<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["cases"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

/// `id` failed with a reason containing `words`; no other check failed.
fn fails_exactly(lint: &(i32, Value, String), id: &str, words: &str) {
    let (code, report, table) = lint;
    let v = verdicts(report);
    assert_eq!(v[id], "FAILED", "{id} should fail:\n{table}");
    for (other, verdict) in &v {
        if other != id {
            assert_ne!(verdict, "FAILED", "only {id} should fail, {other} did too:\n{table}");
        }
    }
    let reason = case(report, id)["reason"].as_str().unwrap();
    assert!(reason.contains(words), "{id}'s reason {reason:?} should say {words:?}");
    assert!(!case(report, id)["timeline"].as_array().unwrap().is_empty(), "a failure shows its timeline:\n{table}");
    assert_eq!(case(report, id)["seed"].as_str().unwrap().split(':').count(), 2);
    assert_eq!(*code, 1, "a failure exits 1:\n{table}");
    assert_eq!(report["profile"]["alipay_rule"], false, "the compressed profile is not Alipay's rule");
    assert!(table.contains("NOT Alipay's rule"), "{table}");
}

/// A notify_url that answers `reply` to every POST.
async fn receiver(reply: &'static str) -> String {
    let app = axum::Router::new().route("/notify", axum::routing::post(move || async move { reply }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/notify")
}

async fn wait_for_delivery(gw: &Gw) {
    let q = NotificationQuery { app_id: Some(gw.app_id.clone()), ..NotificationQuery::default() };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if gw.admin.notifications(&q).await.unwrap().iter().any(|n| !n.deliveries.is_empty()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no notification was delivered");
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy { attempts: 3, backoff: Duration::from_millis(200) }
}

fn policy() -> PollPolicy {
    PollPolicy { interval: Duration::from_secs(1), window: Duration::from_secs(4), cancel_attempts: 3 }
}

/// Pays `amount` (under the password-free limit) so that the sandbox has a bill for today, then moves the clock
/// a day on; answers the bill's date.
async fn bill_day(e: &Env) -> String {
    let day = e.today().await;
    assert_eq!(e.pay("BILL-1", "10.00", &[]).await["code"], "10000");
    e.gw.admin.advance_clock(86_400 + 60).await.unwrap();
    day
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_behaved_merchant_on_the_sdk_flows_passes_every_passive_check() {
    let e = env().await;
    let client = e.client();
    // 10003 held in WAIT_BUYER_PAY (the buyer never confirms): the SDK polls, then cancels; the first cancel
    // answers retry_flag=Y (an injected fault) and the SDK cancels again.
    e.gw.admin.inject_fault(&FaultSpec::new("alipay.trade.cancel", FaultKind::UnknownError)).await.unwrap();
    let pay = TradePay {
        out_trade_no: "GOOD-1".into(),
        auth_code: e.code().await,
        subject: "acceptance".into(),
        total_amount: "2500.00".parse().unwrap(),
        ..TradePay::default()
    };
    let outcome = client.pay_barcode(&pay, &policy()).await.unwrap();
    assert!(matches!(outcome, PayOutcome::Cancelled(_)), "{outcome:?}");
    // 20000 after the money moved, and an answer lost after the commit: the SDK queries before anything else.
    for (n, kind) in [("GOOD-20000", FaultKind::UnknownError), ("GOOD-DROP", FaultKind::DropAfterCommit)] {
        e.gw.admin.inject_fault(&FaultSpec::new("alipay.trade.pay", kind).execute()).await.unwrap();
        let small = TradePay {
            out_trade_no: n.into(),
            auth_code: e.code().await,
            total_amount: "10.00".parse().unwrap(),
            ..pay.clone()
        };
        let outcome = client.pay_barcode(&small, &policy()).await.unwrap();
        assert!(matches!(outcome, PayOutcome::Paid(_)), "{n}: {outcome:?}");
    }
    // A QR order without a notify_url: the SDK polls it and cancels it when the window ends unpaid.
    let qr = TradePrecreate {
        out_trade_no: "GOOD-QR".into(),
        total_amount: "20.00".parse().unwrap(),
        subject: "acceptance".into(),
        ..TradePrecreate::default()
    };
    assert_eq!(client.execute(&qr).await.unwrap().status.code.as_str(), "10000");
    let outcome = client.wait_for_qr_payment("GOOD-QR", &policy()).await.unwrap();
    assert!(matches!(outcome, PayOutcome::Cancelled(_)), "{outcome:?}");
    // A paid trade with a notify_url: the genuine notification is answered `success` (a line break allowed).
    let url = receiver("success\n").await;
    assert_eq!(e.pay("GOOD-2", "10.00", &[("notify_url", &url)]).await["code"], "10000");
    wait_for_delivery(&e.gw).await;
    // A trade refunded in two parts with the SDK's flow (each part its own out_request_no); the first part
    // answers 20000 after the money moved and the flow sends the same request again.
    let arm = ArmRequest { app_id: e.gw.app_id.clone(), provocation: Provocation::RefundUnknown { money_moved: true } };
    e.gw.admin.accept_arm(&arm).await.unwrap();
    for _ in 0..2 {
        let part = TradeRefund {
            out_trade_no: Some("GOOD-2".into()),
            refund_amount: "1.00".parse().unwrap(),
            ..TradeRefund::default()
        };
        let (_, answer) = client.refund(&part, &quick_retry()).await.unwrap();
        assert_eq!(answer.status.code.as_str(), "10000", "{answer:?}");
    }
    // Yesterday's bill, fetched at once by the SDK's flow; the first URL answered is already dead and the flow
    // asks for a new one.
    let day = bill_day(&e).await;
    e.gw.admin
        .accept_arm(&ArmRequest { app_id: e.gw.app_id.clone(), provocation: Provocation::DeadBillUrl })
        .await
        .unwrap();
    let bill = BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: day };
    client.download_bill(&bill, &e.inst.dir.path().join("bills")).await.unwrap();

    // The call log: every call once, with the order's ids, the answer and the caller's address.
    let calls = e.gw.admin.calls(&CallLogQuery { app_id: Some(e.gw.app_id.clone()), ..Default::default() }).await;
    let calls = calls.unwrap();
    let pays: Vec<_> = calls.iter().filter(|c| c.out_trade_no.as_deref() == Some("GOOD-1")).collect();
    assert_eq!(pays[0].method, "alipay.trade.pay");
    assert_eq!(pays[0].code, "10003");
    assert!(pays.iter().any(|c| c.method == "alipay.trade.cancel"));
    assert!(pays.iter().all(|c| c.peer.as_deref().is_some_and(|p| p.starts_with("127.0.0.1:"))), "{pays:?}");
    assert!(calls.iter().any(|c| c.method == "bill.download" && c.http_status == Some(200)), "{calls:?}");

    let (code, report, table) = e.lint(&[]);
    // Direct deduct and red packets (D1–D5, P1–P4) have their own merchant: tests/accept_deduct.rs.
    let theirs = |id: &str| id.starts_with('D') || id.starts_with('P');
    for (id, verdict) in verdicts(&report) {
        let expected = if theirs(&id) { "NOT_OBSERVED" } else { "PASSED" };
        assert_eq!(verdict, expected, "{id}:\n{table}");
    }
    assert_eq!(verdicts(&report).keys().filter(|id| !theirs(id)).count(), 13, "{table}");
    assert_eq!(code, 0, "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_that_did_nothing_is_not_observed_never_passed() {
    let e = env().await;
    let (code, report, table) = e.lint(&[]);
    for (id, verdict) in verdicts(&report) {
        assert_eq!(verdict, "NOT_OBSERVED", "{id}:\n{table}");
    }
    assert_eq!(code, 0, "{table}");
    let (code, _, table) = e.lint(&["--require-observed"]);
    assert_eq!(code, 2, "incomplete with --require-observed:\n{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_in_a_tight_loop_fails_f1() {
    let e = env().await;
    assert_eq!(e.pay("FAST-1", "2500.00", &[]).await["code"], "10003");
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        e.query("FAST-1").await;
    }
    e.cancel("FAST-1").await;
    fails_exactly(&e.lint(&[]), "F1", "not in a tight loop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_cancelling_a_trade_still_waiting_fails_f2() {
    let e = env().await;
    assert_eq!(e.pay("WAIT-1", "2500.00", &[]).await["code"], "10003");
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        e.query("WAIT-1").await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    fails_exactly(&e.lint(&[]), "F2", "never called alipay.trade.cancel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn giving_up_after_a_cancel_answered_retry_flag_y_fails_f3() {
    let e = env().await;
    assert_eq!(e.pay("RETRY-1", "2500.00", &[]).await["code"], "10003");
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        e.query("RETRY-1").await;
    }
    e.gw.admin.inject_fault(&FaultSpec::new("alipay.trade.cancel", FaultKind::UnknownError)).await.unwrap();
    assert_eq!(e.cancel("RETRY-1").await["retry_flag"], "Y");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    fails_exactly(&e.lint(&[]), "F3", "never cancelled again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_again_on_20000_without_querying_fails_f4() {
    let e = env().await;
    e.gw.admin.inject_fault(&FaultSpec::new("alipay.trade.pay", FaultKind::UnknownError)).await.unwrap();
    assert_eq!(e.pay("UNK-1", "10.00", &[]).await["code"], "20000");
    e.pay("UNK-1", "10.00", &[]).await; // the same order again, blind
    fails_exactly(&e.lint(&[]), "F4", "before any alipay.trade.query");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_pay_whose_answer_was_lost_without_querying_fails_f5() {
    let e = env().await;
    e.gw.admin.inject_fault(&FaultSpec::new("alipay.trade.pay", FaultKind::DropAfterCommit)).await.unwrap();
    let code = e.code().await;
    let biz = json!({"out_trade_no": "LOST-1", "scene": "bar_code", "auth_code": code, "subject": "x",
        "total_amount": "10.00"});
    assert!(e.gw.call("alipay.trade.pay", biz).await.is_err(), "the answer is lost");
    e.cancel("LOST-1").await;
    fails_exactly(&e.lint(&[]), "F5", "before any alipay.trade.query");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reusing_an_out_trade_no_fails_f6() {
    let e = env().await;
    assert_eq!(e.pay("REUSE-1", "10.00", &[]).await["code"], "10000");
    e.pay("REUSE-1", "10.00", &[]).await;
    fails_exactly(&e.lint(&[]), "F6", "reused out_trade_no REUSE-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_todays_bill_fails_b1() {
    let e = env().await;
    let today = e.today().await;
    let v =
        e.gw.call("alipay.data.dataservice.bill.downloadurl.query", json!({"bill_type":"trade","bill_date": today}));
    v.await.unwrap();
    fails_exactly(&e.lint(&[]), "B1", "not over yet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetching_the_bill_url_late_fails_b2() {
    let e = env().await;
    let day = bill_day(&e).await;
    let v = e.gw.call("alipay.data.dataservice.bill.downloadurl.query", json!({"bill_type":"trade","bill_date": day}));
    let v = v.await.unwrap();
    let url = v["bill_download_url"].as_str().unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await; // the profile's URL lives 2 s
    assert_eq!(e.gw.http.get(url).send().await.unwrap().status(), 200, "the sandbox's own TTL is 30 s");
    fails_exactly(&e.lint(&[]), "B2", "fetch it at once");
}

/// A QR order nobody watches: no `notify_url`, never queried (seed 001:153: poll and cancel, or take the result
/// from a verified notification). The same order with a `notify_url` passes: it relies on notifications.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_order_without_notify_url_that_is_never_queried_fails_f7() {
    let e = env().await;
    let biz = json!({"out_trade_no": "QR-BLIND", "total_amount": "20.00", "subject": "nobody looks"});
    assert_eq!(e.gw.call("alipay.trade.precreate", biz).await.unwrap()["code"], "10000");
    tokio::time::sleep(Duration::from_millis(3500)).await; // 3 poll intervals of the profile
    fails_exactly(&e.lint(&[]), "F7", "no notify_url");
    let biz = json!({"out_trade_no": "QR-NOTIFIED", "total_amount": "20.00", "subject": "the notify_url tells"});
    let url = receiver("success").await;
    let v = e.gw.call_with("alipay.trade.precreate", biz, &[("notify_url", &url)]).await.unwrap();
    assert_eq!(v["code"], "10000");
    let since = e.gw.admin.calls(&CallLogQuery::default()).await.unwrap().last().unwrap().at_ms.to_string();
    let (_, report, table) = e.lint(&["--since", &since]);
    assert_eq!(verdicts(&report)["F7"], "PASSED", "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_uppercase_success_fails_n1() {
    let e = env().await;
    let url = receiver("SUCCESS").await;
    assert_eq!(e.pay("NOTIFY-1", "10.00", &[("notify_url", &url)]).await["code"], "10000");
    wait_for_delivery(&e.gw).await;
    let lint = e.lint(&[]);
    fails_exactly(&lint, "N1", "exactly the 7 characters `success`");
    // The sandbox kept the report: its console page shows the failure.
    let url = lint.2.lines().find_map(|l| l.strip_prefix("console: ")).expect("the console URL is printed");
    let page = reqwest::get(url).await.unwrap().text().await.unwrap();
    assert!(page.contains("N1") && page.contains("FAILED") && page.contains("NOTIFY-1"), "{page}");
    let kept = e.gw.admin.accept_reports(&alipay_sandbox_admin::ReportsQuery::default()).await.unwrap();
    assert_eq!(kept.len(), 1);
    let printed: alipay_sandbox_admin::AcceptReport = serde_json::from_value(lint.1.clone()).unwrap();
    assert_eq!(kept[0].report, printed, "the kept report is the one written to --json");
}

#[test]
fn list_prints_every_check_with_its_seed_line_and_says_which_are_not_implemented() {
    let out = Command::new(env!("CARGO_BIN_EXE_alipay")).args(["accept", "list", "--json"]).output().unwrap();
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in [
        "F1", "F2", "F3", "F4", "F5", "F6", "F7", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "R1", "R2", "B1",
        "B2", "B3", "D1", "D2", "D3", "D4", "D5", "P1", "P2", "P3", "P4", "W1",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    for c in list.as_array().unwrap() {
        let seed = c["seed"].as_str().unwrap();
        assert!(!seed.is_empty(), "{c}");
        let mode = c["mode"].as_str().unwrap();
        assert!(["passive", "active", "not implemented"].contains(&mode), "{c}");
        if let Some((file, line)) = seed.split_once(".txt:") {
            // The cited line exists in the seed document when the seeds are at hand.
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../../shared/seeds/{file}.txt"));
            if let Ok(text) = std::fs::read_to_string(path) {
                let n: usize = line.split(['-', '–']).next().unwrap().parse().unwrap();
                assert!(text.lines().count() >= n, "{c}");
            }
        }
    }
    let table = Command::new(env!("CARGO_BIN_EXE_alipay")).args(["accept", "list"]).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("W1   page-pay      active"), "{table}");
}

/// Two instances on one PostgreSQL store: a merchant that polls through both (a load balancer in front of the
/// gateway) is judged on the one call log, so hammering spread over instances still fails F1, and a cancel made
/// through the other instance counts for F2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_shared_store_the_call_log_spans_instances() {
    let Some(store) = alipay_testkit::postgres_store() else {
        eprintln!("skipped: {}", alipay_testkit::POSTGRES_SKIP_REASON);
        return;
    };
    let mut instances = common::start_instances(2, Some(&store), &[]);
    let second = instances.remove(1);
    let e = {
        let inst = instances.remove(0);
        let gw = Gw::open(inst.dir.path());
        let buyer = gw.admin.create_buyer(&NewBuyer::new("100000.00", "1000.00")).await.unwrap().user_id;
        Env { inst, gw, buyer }
    };
    let other = Gw::open(second.dir.path());
    assert_eq!(e.pay("PG-1", "2500.00", &[]).await["code"], "10003");
    for i in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let gw = if i % 2 == 0 { &e.gw } else { &other };
        gw.call("alipay.trade.query", json!({"out_trade_no": "PG-1"})).await.unwrap();
    }
    other.call("alipay.trade.cancel", json!({"out_trade_no": "PG-1"})).await.unwrap();
    let lint = e.lint(&[]);
    fails_exactly(&lint, "F1", "not in a tight loop");
    assert_eq!(verdicts(&lint.1)["F2"], "PASSED", "{}", lint.2);
}

/// A notify_url that verifies with the SDK (`AlipayClient::verify_notification`) and answers `success` only to a
/// verified notification, or — `verify == false` — one that answers `success` to anything.
async fn merchant_notify_url(client: Option<AlipayClient>) -> String {
    let client = std::sync::Arc::new(client);
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let client = std::sync::Arc::clone(&client);
            async move {
                let Some(client) = client.as_ref() else { return "success" };
                let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
                if client.verify_notification(&body, ct).is_ok() {
                    "success"
                } else {
                    "fail"
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/notify")
}

/// `alipay accept run --suite SUITE --config <app.json> ARGS --json <dir>/FILE`, with this test binary's
/// [`merchant_process`] as COMMAND in `mode` (and `env`) when given: exit code, JSON report, terminal output.
fn accept_run(
    e: &Env,
    suite: &str,
    file: &str,
    args: &[&str],
    merchant: Option<(&str, &[(&str, &str)])>,
) -> (i32, Value, String) {
    let out_file = e.inst.dir.path().join(file);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_alipay"));
    cmd.args(["accept", "run", "--suite", suite, "--config", e.inst.app_json().to_str().unwrap()])
        .args(args)
        .args(["--json", out_file.to_str().unwrap()]);
    if let Some((mode, env)) = merchant {
        cmd.arg("--").args(merchant_command()).env("ACCEPT_MERCHANT_MODE", mode).envs(env.iter().copied());
    }
    let out = cmd.output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap_or_default())
        .unwrap_or_else(|_| panic!("no report; stdout:\n{table}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["suite"], suite, "{table}");
    (out.status.code().unwrap_or(-1), report, table)
}

fn run_notify(e: &Env, extra: &[&str]) -> (i32, Value, String) {
    accept_run(e, "notify", "probes.json", extra, None)
}

async fn precreate(e: &Env, out_trade_no: &str, notify_url: &str) {
    let biz = json!({"out_trade_no": out_trade_no, "total_amount": "88.00", "subject": "probe me"});
    let v = e.gw.call_with("alipay.trade.precreate", biz, &[("notify_url", notify_url)]).await.unwrap();
    assert_eq!(v["code"], "10000", "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_that_verifies_notifications_refuses_every_probe_and_the_trade_is_untouched() {
    let e = env().await;
    let url = merchant_notify_url(Some(e.client())).await;
    precreate(&e, "PROBE-OK", &url).await;
    // Not N7: its case pays the trade.
    let (code, report, table) = run_notify(&e, &["--checks", "N2,N3,N4,N5,N6"]);
    for id in ["N2", "N3", "N4"] {
        assert_eq!(case(&report, id)["verdict"], "PASSED", "{id}:\n{table}");
    }
    assert_eq!(code, 0, "{table}");
    // Probes never change the trade and never enter the outbox.
    let trade = e.gw.call("alipay.trade.query", json!({"out_trade_no": "PROBE-OK"})).await.unwrap();
    assert_ne!(trade["trade_status"], "TRADE_SUCCESS", "{trade}");
    let q = NotificationQuery { app_id: Some(e.gw.app_id.clone()), ..NotificationQuery::default() };
    assert!(e.gw.admin.notifications(&q).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_that_never_verifies_accepts_forged_tampered_and_unsigned_notifications() {
    let e = env().await;
    let url = merchant_notify_url(None).await;
    precreate(&e, "PROBE-BAD", &url).await;
    let (code, report, table) = run_notify(&e, &[]);
    for id in ["N2", "N3", "N4"] {
        assert_eq!(case(&report, id)["verdict"], "FAILED", "{id}:\n{table}");
        let reason = case(&report, id)["reason"].as_str().unwrap();
        assert!(reason.contains("Alipay never sent") && reason.contains("PROBE-BAD"), "{reason}");
    }
    assert!(case(&report, "N2")["reason"].as_str().unwrap().contains("forged"));
    assert_eq!(code, 1, "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_unpaid_trade_with_a_notify_url_the_probes_are_not_observed() {
    let e = env().await;
    let (code, report, table) = run_notify(&e, &[]);
    for id in ["N2", "N3", "N4"] {
        assert_eq!(case(&report, id)["verdict"], "NOT_OBSERVED", "{id}:\n{table}");
    }
    assert_eq!(code, 0, "{table}");
}

/// A shop's notify page and state probe, as Alipay's notify demo prescribes (verify; check the order, amount,
/// seller and app; only TRADE_SUCCESS/TRADE_FINISHED mean paid; act once; an order it does not know is answered
/// `fail`), or — `flaw` — with one step left out: `no-amount-check`, `any-status`, `no-dedup`,
/// `insert-after-pay` (stores a barcode order only once trade.pay has answered), `double-fulfil` (fulfils on
/// the synchronous answer whether or not the notification did), `return-only` (acknowledges notifications but
/// waits for the buyer's return to fulfil). `GET /state?out_trade_no=` answers
/// `{"paid","fulfilled"}` (404 for an order it never made); `POST /checkout` takes an instruction of `alipay
/// accept` (`precreate`, `barcode_pay`, `page_pay`: answers the URL) and makes the call with the SDK, its
/// notify_url the shop's.
/// The shop's orders: out_trade_no → (amount, paid, times fulfilled).
type Orders = std::sync::Arc<std::sync::Mutex<HashMap<String, (String, bool, u64)>>>;

#[derive(Clone)]
struct Shop {
    orders: Orders,
    base: String,
}

impl Shop {
    async fn start(e: &Env, flaw: &'static str) -> Shop {
        let orders = Orders::default();
        let client = std::sync::Arc::new(e.client());
        let config: Value = serde_json::from_slice(&std::fs::read(e.inst.app_json()).unwrap()).unwrap();
        let (pid, app_id) =
            (config["merchant_pid"].as_str().unwrap().to_owned(), config["app_id"].as_str().unwrap().to_owned());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::<String>::new()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = alipay_client::ClientConfig::from_file(e.inst.app_json()).unwrap();
        let shop_client = alipay_client::ClientBuilder::from_config(&config)
            .unwrap()
            .notify_url(&format!("{base}/notify"))
            .build()
            .unwrap();
        let o = std::sync::Arc::clone(&orders);
        let return_url = format!("{base}/return");
        let checkout = move |axum::Json(i): axum::Json<Value>| {
            let (client, orders, return_url) = (shop_client.clone(), std::sync::Arc::clone(&o), return_url.clone());
            async move {
                let amount = i["total_amount"].as_str().unwrap().to_owned();
                let no = format!(
                    "SHOP-{}",
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
                );
                if i["action"] == "page_pay" {
                    orders.lock().unwrap().insert(no.clone(), (amount.clone(), false, 0));
                    let order = alipay_api::trade::TradePagePay {
                        out_trade_no: no.clone(),
                        total_amount: amount.parse().unwrap(),
                        subject: "shop".into(),
                        product_code: "FAST_INSTANT_TRADE_PAY".into(),
                        ..Default::default()
                    };
                    let options = alipay_client::CallOptions { return_url: Some(return_url), ..Default::default() };
                    return client.page_pay_url(&order, &options).unwrap();
                }
                if i["action"] == "precreate" {
                    orders.lock().unwrap().insert(no.clone(), (amount.clone(), false, 0));
                    let qr = TradePrecreate {
                        out_trade_no: no.clone(),
                        total_amount: amount.parse().unwrap(),
                        subject: "shop".into(),
                        ..TradePrecreate::default()
                    };
                    return format!("{:?}", client.execute(&qr).await.map(|a| a.status));
                }
                if flaw != "insert-after-pay" {
                    orders.lock().unwrap().insert(no.clone(), (amount.clone(), false, 0));
                }
                let pay = TradePay {
                    out_trade_no: no.clone(),
                    auth_code: i["auth_code"].as_str().unwrap().to_owned(),
                    subject: "shop".into(),
                    total_amount: amount.parse().unwrap(),
                    ..TradePay::default()
                };
                let answer = client.execute(&pay).await;
                if answer.as_ref().is_ok_and(|a| a.status.code.as_str() == "10000") {
                    let mut orders = orders.lock().unwrap();
                    let order = orders.entry(no.clone()).or_insert((amount, false, 0));
                    if flaw == "double-fulfil" || !order.1 {
                        order.1 = true;
                        order.2 += 1;
                    }
                }
                format!("{no}: {:?}", answer.map(|a| a.status))
            }
        };
        let o = std::sync::Arc::clone(&orders);
        let notify = move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let (client, orders, seen) =
                (std::sync::Arc::clone(&client), std::sync::Arc::clone(&o), std::sync::Arc::clone(&seen));
            let (pid, app_id) = (pid.clone(), app_id.clone());
            async move {
                let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
                let Ok(n) = client.verify_notification(&body, ct) else { return "fail" };
                let get = |k: &str| n.get(k).unwrap_or("").to_owned();
                let mut orders = orders.lock().unwrap();
                let Some(order) = orders.get_mut(&get("out_trade_no")) else { return "fail" }; // not an order of ours
                if flaw == "return-only" {
                    return "success"; // waits for the buyer's return to fulfil: never, if the page is closed
                }
                let consistent = (flaw == "no-amount-check" || order.0 == get("total_amount"))
                    && get("seller_id") == pid
                    && get("app_id") == app_id;
                let paid =
                    flaw == "any-status" || ["TRADE_SUCCESS", "TRADE_FINISHED"].contains(&get("trade_status").as_str());
                let first = seen.lock().unwrap().insert(get("notify_id"));
                if consistent && paid && (flaw == "no-dedup" || (first && !order.1)) {
                    order.1 = true;
                    order.2 += 1;
                }
                "success"
            }
        };
        let o = std::sync::Arc::clone(&orders);
        let state = move |axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>| {
            let o = std::sync::Arc::clone(&o);
            async move {
                let orders = o.lock().unwrap();
                match orders.get(q.get("out_trade_no").map_or("", String::as_str)) {
                    Some((_, paid, fulfilled)) => {
                        axum::Json(json!({"paid": paid, "fulfilled": fulfilled})).into_response()
                    }
                    None => axum::http::StatusCode::NOT_FOUND.into_response(),
                }
            }
        };
        use axum::response::IntoResponse;
        let app = axum::Router::new()
            .route("/notify", axum::routing::post(notify))
            .route("/state", axum::routing::get(state))
            .route("/checkout", axum::routing::post(checkout));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Shop { orders, base }
    }

    /// The shop takes an order of 88.00: a QR order with its notify_url.
    async fn order(&self, e: &Env, out_trade_no: &str) {
        self.orders.lock().unwrap().insert(out_trade_no.to_owned(), ("88.00".into(), false, 0));
        precreate(e, out_trade_no, &format!("{}/notify", self.base)).await;
    }

    fn state_probe(&self) -> String {
        format!("{}/state", self.base)
    }
}

/// `alipay accept run --suite notify` with the shop's state probe.
fn run_notify_with_state(e: &Env, shop: &Shop) -> (i32, Value, String) {
    let probe = shop.state_probe();
    let args = [PROFILE, &["--state-probe", &probe]].concat();
    accept_run(e, "notify", "probes-state.json", &args, None)
}

/// A shop that follows Alipay's notify demo (its JSP/PHP demos: verify, then check out_trade_no, total_amount,
/// seller_id and app_id, "上述有任何一个验证不通过,则表明本次通知是异常通知,务必忽略"; act only on
/// TRADE_SUCCESS/TRADE_FINISHED; "判断该笔订单是否在商户网站中已经做过处理") passes N2–N7 with its state probe;
/// the probes never change the trade, and the genuine payment is fulfilled once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_that_checks_what_the_notify_demo_checks_passes_n2_to_n7() {
    let e = env().await;
    let shop = Shop::start(&e, "").await;
    shop.order(&e, "SHOP-OK").await;
    let (code, report, table) = run_notify_with_state(&e, &shop);
    for id in ["N2", "N3", "N4", "N5", "N6", "N7"] {
        assert_eq!(case(&report, id)["verdict"], "PASSED", "{id}:\n{table}");
    }
    assert_eq!(code, 0, "{table}");
    assert_eq!(
        shop.orders.lock().unwrap()["SHOP-OK"],
        ("88.00".to_owned(), true, 1),
        "paid by the suite's buyer, once"
    );
    let q = NotificationQuery { app_id: Some(e.gw.app_id.clone()), ..NotificationQuery::default() };
    let genuine = e.gw.admin.notifications(&q).await.unwrap();
    assert_eq!(genuine.len(), 1, "only the real payment went through the outbox");
    assert_eq!(genuine[0].deliveries.len(), 1, "and was delivered once: the duplicates are probes");
}

/// Each shop leaves out one step of the demo and fails exactly the check that sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_that_skips_one_check_fails_exactly_n5_n6_or_n7() {
    for (flaw, id, words) in [
        ("no-amount-check", "N5", "wrong amount"),
        ("any-status", "N6", "only TRADE_SUCCESS and TRADE_FINISHED mean paid"),
        ("no-dedup", "N7", "fulfilled went from 1 to 3"),
    ] {
        let e = env().await;
        let shop = Shop::start(&e, flaw).await;
        shop.order(&e, "SHOP-FLAW").await;
        let (code, report, table) = run_notify_with_state(&e, &shop);
        let v = verdicts(&report);
        assert_eq!(v[id], "FAILED", "{flaw}: {id}\n{table}");
        for (other, verdict) in &v {
            if other != id {
                assert_ne!(verdict, "FAILED", "{flaw}: only {id} should fail:\n{table}");
            }
        }
        let reason = case(&report, id)["reason"].as_str().unwrap();
        assert!(reason.contains(words), "{flaw}: {reason}");
        assert_eq!(code, 1, "{table}");
    }
}

/// `alipay accept run --suite notify --checks CHECKS` with the shop as COMMAND's merchant and its state probe.
fn run_notify_with_shop(e: &Env, shop: &Shop, checks: &str) -> (i32, Value, String) {
    let probe = shop.state_probe();
    let args = [PROFILE, &["--checks", checks, "--state-probe", &probe]].concat();
    let file = format!("shop-{checks}.json");
    accept_run(e, "notify", &file, &args, Some(("shop", &[("ACCEPT_SHOP_URL", &shop.base)])))
}

/// The whole notify suite with the merchant's own COMMAND: the shop makes the QR order (N2–N7) and takes the
/// barcode payment whose notification arrives before the synchronous answer (N8): everything passes. A shop
/// that stores the order only after trade.pay answers refuses the early notification; one that fulfils on the
/// synchronous answer as well fulfils twice: each fails N8 alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_before_the_synchronous_answer_is_processed_once_n8() {
    let e = env().await;
    let shop = Shop::start(&e, "").await;
    let (code, report, table) = run_notify_with_shop(&e, &shop, "N2,N3,N4,N5,N6,N7,N8");
    for id in ["N2", "N3", "N4", "N5", "N6", "N7", "N8"] {
        assert_eq!(case(&report, id)["verdict"], "PASSED", "{id}:\n{table}");
    }
    assert_eq!(code, 0, "{table}");
    let n8 = case(&report, "N8");
    let timeline = n8["timeline"].as_array().unwrap();
    assert!(timeline[0]["method"].as_str().unwrap().starts_with("notify"), "the notification first: {n8}");
    assert_eq!(timeline[1]["method"], "alipay.trade.pay", "{n8}");
    for (flaw, words) in [("insert-after-pay", "was not acknowledged"), ("double-fulfil", "fulfilled=2")] {
        let e = env().await;
        let shop = Shop::start(&e, flaw).await;
        let (code, report, table) = run_notify_with_shop(&e, &shop, "N8");
        assert_eq!(case(&report, "N8")["verdict"], "FAILED", "{flaw}:\n{table}");
        assert!(case(&report, "N8")["reason"].as_str().unwrap().contains(words), "{flaw}:\n{table}");
        assert_eq!(code, 1, "{table}");
    }
}

/// W1 (Alipay's page-pay demo: the return page is for display only, "不能作为业务处理依据"; the notification or a
/// query is the authority): the suite opens the shop's page-pay URL as the buyer's browser would, a buyer pays,
/// and the page is closed before it goes back to return_url. A shop that fulfils on the notification passes; one
/// that waits for the return never fulfils and fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_pay_order_whose_buyer_never_returns_is_fulfilled_all_the_same_w1() {
    for (flaw, verdict) in [("", "PASSED"), ("return-only", "FAILED")] {
        let e = env().await;
        let shop = Shop::start(&e, flaw).await;
        let probe = shop.state_probe();
        let args = [PROFILE, &["--state-probe", &probe]].concat();
        let merchant = Some(("shop", &[("ACCEPT_SHOP_URL", shop.base.as_str())][..]));
        let (code, report, table) = accept_run(&e, "page-pay", "page-pay.json", &args, merchant);
        assert_eq!(case(&report, "W1")["verdict"], verdict, "{flaw}:\n{table}");
        assert!(table.contains("the buyer's browser opened the order: HTTP 200"), "{table}");
        if verdict == "FAILED" {
            assert!(case(&report, "W1")["reason"].as_str().unwrap().contains("display only"), "{table}");
            assert_eq!(code, 1, "{table}");
        }
    }
}

/// Without a state probe the wire cannot show whether a genuinely signed notification was acted on: N5–N7 are
/// REVIEW (never PASSED), N2–N4 are still judged by the replies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_state_probe_n5_to_n7_need_review() {
    let e = env().await;
    let shop = Shop::start(&e, "").await;
    shop.order(&e, "SHOP-BLIND").await;
    let (code, report, table) = run_notify(&e, &[]);
    for id in ["N2", "N3", "N4"] {
        assert_eq!(case(&report, id)["verdict"], "PASSED", "{id}:\n{table}");
    }
    for id in ["N5", "N6", "N7"] {
        assert_eq!(case(&report, id)["verdict"], "REVIEW", "{id}:\n{table}");
        assert!(case(&report, id)["reason"].as_str().unwrap().contains("state probe"), "{table}");
    }
    assert_eq!(code, 0, "{table}");
}

/// The merchant of the face-to-face suite: this test binary again, running only [`merchant_process`] (which
/// does nothing unless `ALIPAY_ACCEPT_INSTRUCTION` is set). It does what `examples/accept_merchant.rs` does.
fn merchant_command() -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    vec![
        exe.to_str().unwrap().to_owned(),
        "--exact".into(),
        "merchant_process".into(),
        "--nocapture".into(),
        "--test-threads=1".into(),
    ]
}

/// The merchant's side when run by `alipay accept run` (see [`merchant_command`]), built on the SDK's flows:
/// a barcode payment (`pay_barcode`, 1 s poll interval, 4 s window), a refund in parts (`refund`), a bill
/// download (`download_bill`). `ACCEPT_MERCHANT_CONFIG` names the client config; `ACCEPT_MERCHANT_MODE` makes it
/// break one rule on purpose:
///
/// - `new-number`: on a refund whose outcome is unknown, refunds again under a new `out_request_no` (R2);
/// - `same-number`: every part of a refund under one `out_request_no` (R1);
/// - `retry-dead-url`: fetches an expired bill URL again and again, never asks for a new one (B3);
/// - `ignore`: does nothing.
#[tokio::test]
async fn merchant_process() {
    let Ok(instruction) = std::env::var("ALIPAY_ACCEPT_INSTRUCTION") else { return };
    let instruction: Value = serde_json::from_str(&instruction).unwrap();
    let mode = std::env::var("ACCEPT_MERCHANT_MODE").unwrap_or_default();
    if mode == "ignore" {
        return;
    }
    if mode == "shop" {
        // The shop (in the test's process) makes the call: this process is only the till that asks it to.
        let url = format!("{}/checkout", std::env::var("ACCEPT_SHOP_URL").unwrap());
        let answer = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(instruction.to_string())
            .send()
            .await
            .unwrap();
        let text = answer.text().await.unwrap();
        println!("merchant: the shop says {text}");
        if instruction["action"] == "page_pay" {
            std::fs::write(std::env::var("ALIPAY_ACCEPT_OUTPUT").unwrap(), text).unwrap();
        }
        return;
    }
    let client = AlipayClient::from_config_file(std::env::var("ACCEPT_MERCHANT_CONFIG").unwrap()).unwrap();
    let text = |k: &str| instruction[k].as_str().unwrap().to_owned();
    match instruction["action"].as_str().unwrap() {
        "barcode_pay" => {
            let pay = TradePay {
                out_trade_no: format!("ACCEPT-{}", std::process::id()),
                auth_code: text("auth_code"),
                subject: "acceptance".into(),
                total_amount: text("total_amount").parse().unwrap(),
                ..TradePay::default()
            };
            let outcome = client.pay_barcode(&pay, &policy()).await.unwrap();
            println!("merchant: {outcome:?}");
        }
        "refund" => {
            let times = instruction["times"].as_u64().unwrap();
            for part in 0..times {
                let refund = TradeRefund {
                    out_trade_no: Some(text("out_trade_no")),
                    refund_amount: text("refund_amount").parse().unwrap(),
                    out_request_no: match mode.as_str() {
                        "same-number" => Some("R-SAME".into()),
                        "new-number" => Some(format!("R-{part}-0")),
                        _ => None, // the flow makes a fresh one per part
                    },
                    ..TradeRefund::default()
                };
                if mode == "new-number" {
                    // Blind: an unknown outcome is taken as a failure, and the refund is made again under a new
                    // number.
                    let answer = client.execute(&refund).await;
                    let unknown = answer.as_ref().map_or(true, |a| a.status.code.as_str() == "20000");
                    if unknown {
                        let again = TradeRefund { out_request_no: Some(format!("R-{part}-1")), ..refund.clone() };
                        println!("merchant: {:?}", client.execute(&again).await.map(|a| a.status));
                    }
                    continue;
                }
                let (sent, answer) = client.refund(&refund, &quick_retry()).await.unwrap();
                println!("merchant: refund {:?} → {:?}", sent.out_request_no, answer.status);
            }
        }
        "bill" => {
            let query = BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: text("bill_date") };
            if mode == "retry-dead-url" {
                let answer = client.execute(&query).await.unwrap();
                let url = answer.body.bill_download_url.unwrap();
                for _ in 0..4 {
                    let status = reqwest::get(&url).await.unwrap().status();
                    println!("merchant: GET the bill URL → {status}");
                }
                return;
            }
            let dir = tempfile::tempdir().unwrap();
            let bill = client.download_bill(&query, dir.path()).await.unwrap();
            println!("merchant: bill at {}", bill.zip_path.display());
        }
        other => panic!("this merchant cannot {other:?}"),
    }
}

/// `alipay accept run --suite SUITE` on `e`'s app with [`merchant_command`] in `mode`: exit code, report, table.
fn run_suite(e: &Env, suite: &str, mode: &str, extra: &[&str]) -> (i32, Value, String) {
    let config = e.inst.app_json();
    let args = [PROFILE, extra].concat();
    let env = [("ACCEPT_MERCHANT_CONFIG", config.to_str().unwrap())];
    accept_run(e, suite, &format!("{suite}-{mode}.json"), &args, Some((mode, &env)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_face_to_face_suite_runs_the_merchant_with_its_instruction_and_the_sdk_flow_passes() {
    let e = env().await;
    let out_file = e.inst.dir.path().join("f2f.json");
    let config = e.inst.app_json();
    let out = Command::new(env!("CARGO_BIN_EXE_alipay"))
        .args(["accept", "run", "--suite", "face-to-face", "--config", config.to_str().unwrap()])
        .args(["--poll-interval", "1s", "--json", out_file.to_str().unwrap(), "--"])
        .args(merchant_command())
        .env("ACCEPT_MERCHANT_CONFIG", &config)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap_or_default())
        .unwrap_or_else(|_| panic!("no report:\n{table}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["suite"], "face-to-face");
    for id in ["F1", "F2"] {
        assert_eq!(case(&report, id)["verdict"], "PASSED", "{id}:\n{table}");
    }
    assert!(table.contains("Cancelled"), "the merchant polled, then cancelled:\n{table}");
    assert_eq!(out.status.code(), Some(0), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refund_suite_passes_the_sdk_refund_flow() {
    let e = env().await;
    for fault in ["unknown", "dropped"] {
        let (code, report, table) = run_suite(&e, "refund", "good", &["--refund-fault", fault]);
        for id in ["R1", "R2"] {
            assert_eq!(case(&report, id)["verdict"], "PASSED", "{fault} {id}:\n{table}");
        }
        assert!(table.contains("refund 1.00, then 1.00 again"), "the case says what to do:\n{table}");
        assert_eq!(code, 0, "{table}");
    }
    // The suite's own trades: each refunded 2.00 in all, although one refund answered 20000 (or nothing).
    let calls = e.gw.admin.calls(&CallLogQuery { app_id: Some(e.gw.app_id.clone()), ..Default::default() }).await;
    let mut trades: Vec<String> = calls
        .unwrap()
        .into_iter()
        .filter(|c| c.method == "alipay.trade.refund")
        .filter_map(|c| c.out_trade_no)
        .collect();
    trades.dedup();
    assert_eq!(trades.len(), 2, "{trades:?}");
    for out_trade_no in trades {
        let locator = TradeLocator { out_trade_no: Some(out_trade_no), ..TradeLocator::default() };
        assert_eq!(e.gw.admin.trade(&locator).await.unwrap().refund_fee.to_string(), "2.00");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_out_request_no_after_a_refund_answered_20000_fails_r2() {
    let e = env().await;
    let run = run_suite(&e, "refund", "new-number", &[]);
    fails_exactly(&run, "R2", "refunded twice");
    assert!(case(&run.1, "R2")["reason"].as_str().unwrap().contains("R-0-1"), "{}", run.2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_partial_refunds_under_one_out_request_no_fail_r1() {
    let e = env().await;
    let run = run_suite(&e, "refund", "same-number", &[]);
    fails_exactly(&run, "R1", "needs a new out_request_no");
    assert_eq!(verdicts(&run.1)["R2"], "PASSED", "the retry after 20000 kept its number:\n{}", run.2);
    assert!(case(&run.1, "R1")["reason"].as_str().unwrap().contains("fund_change=N"), "{}", run.2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_that_ignores_the_refund_case_is_not_observed_and_the_fault_is_removed() {
    let e = env().await;
    let (code, report, table) = run_suite(&e, "refund", "ignore", &[]);
    for id in ["R1", "R2"] {
        assert_eq!(case(&report, id)["verdict"], "NOT_OBSERVED", "{id}:\n{table}");
    }
    assert_eq!(code, 0, "{table}");
    assert!(table.contains("no call took the case's provocation"), "{table}");
    assert!(e.gw.admin.faults().await.unwrap().pending.is_empty(), "no fault is left for the app's own refunds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_reusing_a_number_for_another_amount_fails_r1_in_lint() {
    let e = env().await;
    assert_eq!(e.pay("RR-1", "10.00", &[]).await["code"], "10000");
    let refund = |amount: &str| json!({"out_trade_no": "RR-1", "out_request_no": "RR-1-A", "refund_amount": amount});
    assert_eq!(e.gw.call("alipay.trade.refund", refund("1.00")).await.unwrap()["code"], "10000");
    let v = e.gw.call("alipay.trade.refund", refund("2.00")).await.unwrap();
    assert_eq!(v["sub_code"], "ACQ.DISCORDANT_REPEAT_REQUEST", "{v}");
    fails_exactly(&e.lint(&[]), "R1", "already used");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bill_suite_passes_the_sdk_bill_flow_and_a_merchant_retrying_the_dead_url_fails_b3() {
    let e = env().await;
    bill_day(&e).await;
    let (code, report, table) = run_suite(&e, "bill", "good", &[]);
    for id in ["B1", "B2", "B3"] {
        assert_eq!(case(&report, id)["verdict"], "PASSED", "{id}:\n{table}");
    }
    assert_eq!(code, 0, "{table}");
    let run = run_suite(&e, "bill", "retry-dead-url", &[]);
    fails_exactly(&run, "B3", "never asked for a new one");
    let (_, report, table) = run_suite(&e, "bill", "ignore", &[]);
    for id in ["B1", "B2", "B3"] {
        assert_eq!(case(&report, id)["verdict"], "NOT_OBSERVED", "{id}:\n{table}");
    }
}

/// `--expected-failures`: a listed failure does not fail the run; a listed check that no longer fails does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_failure_is_excused_until_it_stops_failing() {
    let e = env().await;
    let file = e.inst.dir.path().join("expected.txt");
    std::fs::write(&file, "# accepted for now\nF6  the POS reuses numbers until release 2\n").unwrap();
    let arg = ["--expected-failures", file.to_str().unwrap()];
    assert_eq!(e.pay("EXP-1", "10.00", &[]).await["code"], "10000");
    e.pay("EXP-1", "10.00", &[]).await; // reused
    let (code, report, table) = e.lint(&arg);
    assert_eq!(verdicts(&report)["F6"], "FAILED", "{table}");
    assert_eq!(code, 0, "an expected failure does not fail the run:\n{table}");
    assert!(table.contains("failed as expected (the POS reuses numbers until release 2)"), "{table}");
    // Judged only from now on, the POS uses a fresh number: F6 passes and the entry is stale.
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis().to_string();
    assert_eq!(e.pay("EXP-2", "10.00", &[]).await["code"], "10000");
    let (code, report, table) = e.lint(&[arg[0], arg[1], "--since", &since]);
    assert_eq!(verdicts(&report)["F6"], "PASSED", "{table}");
    assert_eq!(code, 1, "a listed check that no longer fails fails the run:\n{table}");
    assert!(table.contains("F6: it NO LONGER FAILS"), "{table}");
    std::fs::write(&file, "Z9\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_alipay"))
        .args(["accept", "lint", "--config", e.inst.app_json().to_str().unwrap()])
        .args(["--expected-failures", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no check \"Z9\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn querying_a_refund_whose_answer_was_lost_passes_r2_and_never_confirming_one_fails_it() {
    let e = env().await;
    let app = e.gw.app_id.clone();
    assert_eq!(e.pay("RQ-1", "10.00", &[]).await["code"], "10000");
    let arm = FaultSpec::new("alipay.trade.refund", FaultKind::DropAfterCommit).for_app(app.clone());
    e.gw.admin.inject_fault(&arm).await.unwrap();
    let refund = json!({"out_trade_no": "RQ-1", "out_request_no": "RQ-1-A", "refund_amount": "1.00"});
    assert!(e.gw.call("alipay.trade.refund", refund).await.is_err(), "the answer is lost");
    let q = json!({"out_trade_no": "RQ-1", "out_request_no": "RQ-1-A"});
    let found = e.gw.call("alipay.trade.fastpay.refund.query", q).await.unwrap();
    assert_eq!(found["refund_amount"], "1.00", "the refund was made: {found}");
    let (_, report, table) = e.lint(&["--checks", "R2"]);
    assert_eq!(verdicts(&report)["R2"], "PASSED", "{table}");
    // A 20000 after the money moved, and the merchant never asks again: R2 fails once its window (6 poll
    // intervals, in gateway time) is over.
    assert_eq!(e.pay("RQ-2", "10.00", &[]).await["code"], "10000");
    let arm = FaultSpec::new("alipay.trade.refund", FaultKind::UnknownError).execute().for_app(app);
    e.gw.admin.inject_fault(&arm).await.unwrap();
    let refund = json!({"out_trade_no": "RQ-2", "out_request_no": "RQ-2-A", "refund_amount": "1.00"});
    assert_eq!(e.gw.call("alipay.trade.refund", refund).await.unwrap()["code"], "20000");
    tokio::time::sleep(Duration::from_millis(6500)).await;
    fails_exactly(&e.lint(&[]), "R2", "never learnt it");
}

/// A fault armed for one app is not taken by another app's call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_armed_for_another_app_is_left_alone() {
    let e = env().await;
    assert_eq!(e.pay("OTHER-1", "10.00", &[]).await["code"], "10000");
    let arm = FaultSpec::new("alipay.trade.refund", FaultKind::UnknownError).for_app("2021000000000000");
    e.gw.admin.inject_fault(&arm).await.unwrap();
    let refund = json!({"out_trade_no": "OTHER-1", "out_request_no": "O-1", "refund_amount": "1.00"});
    assert_eq!(e.gw.call("alipay.trade.refund", refund).await.unwrap()["code"], "10000");
    assert_eq!(e.gw.admin.faults().await.unwrap().pending.len(), 1, "still waiting for its app");
}
