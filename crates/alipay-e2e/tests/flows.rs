//! The SDK's prescribed flows end to end against the running local Alipay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_api::bill_file::BillRowKind;
use alipay_api::trade::{CancelAction, TradePay, TradePrecreate, TradeQuery, TradeRefund, TradeStatus};
use alipay_api::TimeoutExpress;
use alipay_client::flows::{PayOutcome, PollPolicy, RetryPolicy};
use alipay_client::{AlipayClient, ResponseExt};
use alipay_core::{Charset, Money};
use alipay_sandbox::RunningSandbox;
use alipay_sandbox_admin::{AdminClient, FaultKind, FaultSpec, NewBuyer, NewPaymentCode, ScanTrade, TradeLocator};

struct Env {
    _dir: tempfile::TempDir,
    _running: RunningSandbox,
    client: AlipayClient,
    admin: AdminClient,
}

impl Env {
    async fn start(charset: Charset, notify_url: Option<&str>) -> Env {
        let (dir, running) = common::start_sandbox().await;
        let path = dir.path().join("app.json");
        let mut cfg = alipay_client::ClientConfig::from_file(&path).unwrap();
        cfg.charset = charset.as_str().into();
        cfg.notify_url = notify_url.map(str::to_owned);
        let client = AlipayClient::from_config(&cfg).unwrap();
        let admin = AdminClient::from_app_json(&path).unwrap();
        Env { _dir: dir, _running: running, client, admin }
    }

    /// A fresh buyer and one payment code.
    async fn buyer(&self, balance: &str, limit: &str) -> (String, String) {
        let b = self.admin.create_buyer(&NewBuyer::new(balance, limit)).await.unwrap();
        let code = self.admin.issue_payment_code(&b.user_id, &NewPaymentCode::default()).await.unwrap();
        (b.user_id, code.auth_code)
    }

    async fn balance(&self, user_id: &str) -> Money {
        self.admin.buyer(user_id).await.unwrap().balance
    }

    async fn status(&self, out_trade_no: &str) -> Option<TradeStatus> {
        let q = TradeQuery { out_trade_no: Some(out_trade_no.into()), ..Default::default() };
        self.client.execute(&q).await.unwrap().body.trade_status
    }
}

fn pay(no: &str, code: &str, amount: &str) -> TradePay {
    TradePay {
        out_trade_no: no.into(),
        auth_code: code.into(),
        subject: "当面付 e2e".into(),
        total_amount: amount.parse().unwrap(),
        ..Default::default()
    }
}

fn fast() -> PollPolicy {
    PollPolicy { interval: Duration::from_millis(100), window: Duration::from_secs(3), cancel_attempts: 3 }
}

#[tokio::test]
async fn barcode_paid_at_once_moves_the_money_exactly() {
    for charset in [Charset::Utf8, Charset::Gbk] {
        let env = Env::start(charset, None).await;
        let (buyer, code) = env.buyer("100.00", "50.00").await;
        let outcome = env.client.pay_barcode(&pay("E2E1", &code, "12.34"), &fast()).await.unwrap();
        assert!(matches!(outcome, PayOutcome::Paid(_)), "{outcome:?}");
        assert_eq!(env.balance(&buyer).await, "87.66".parse().unwrap());
        assert_eq!(env.status("E2E1").await, Some(TradeStatus::TradeSuccess));
    }
}

#[tokio::test]
async fn barcode_10003_then_the_buyer_confirms() {
    let env = Arc::new(Env::start(Charset::Utf8, None).await);
    let (buyer, code) = env.buyer("500.00", "10.00").await;
    let confirmer = {
        let env = Arc::clone(&env);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            env.admin.confirm_trade(&TradeLocator::out_trade_no("E2E2")).await.unwrap()
        })
    };
    let outcome = env.client.pay_barcode(&pay("E2E2", &code, "200.00"), &fast()).await.unwrap();
    confirmer.await.unwrap();
    assert!(matches!(outcome, PayOutcome::Paid(_)), "{outcome:?}");
    assert_eq!(env.balance(&buyer).await, "300.00".parse().unwrap());
}

#[tokio::test]
async fn barcode_10003_then_timeout_then_cancel_closes_the_trade() {
    let env = Env::start(Charset::Utf8, None).await;
    let (buyer, code) = env.buyer("500.00", "10.00").await;
    let outcome = env.client.pay_barcode(&pay("E2E3", &code, "200.00"), &fast()).await.unwrap();
    assert_eq!(outcome, PayOutcome::Cancelled(Some(CancelAction::Close)));
    assert_eq!(env.status("E2E3").await, Some(TradeStatus::TradeClosed));
    assert_eq!(env.balance(&buyer).await, "500.00".parse().unwrap());
}

#[tokio::test]
async fn barcode_unknown_outcomes_are_resolved_by_query() {
    let env = Env::start(Charset::Utf8, None).await;
    // 20000 after the work was done, then a connection dropped after commit: both end Paid, charged once each.
    for (no, kind) in [("E2E4", FaultKind::UnknownError), ("E2E5", FaultKind::DropAfterCommit)] {
        let (buyer, code) = env.buyer("100.00", "50.00").await;
        env.admin.inject_fault(&FaultSpec::new("alipay.trade.pay", kind).execute()).await.unwrap();
        let outcome = env.client.pay_barcode(&pay(no, &code, "10.00"), &fast()).await.unwrap();
        assert!(matches!(outcome, PayOutcome::Paid(_)), "{kind:?}: {outcome:?}");
        assert_eq!(env.balance(&buyer).await, "90.00".parse().unwrap(), "{kind:?}");
    }
}

#[tokio::test]
async fn qr_precreate_scan_pay_and_refunds() {
    let env = Arc::new(Env::start(Charset::Utf8, None).await);
    let (buyer, _) = env.buyer("100.00", "50.00").await;
    let qr = env
        .client
        .execute(&TradePrecreate {
            out_trade_no: "E2E6".into(),
            subject: "扫码".into(),
            total_amount: "30.00".parse().unwrap(),
            ..Default::default()
        })
        .await
        .unwrap()
        .ok()
        .unwrap();
    let qr_code = qr.qr_code.unwrap();
    let payer = buyer.clone();
    let scanner = {
        let env = Arc::clone(&env);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let scan = ScanTrade { buyer_id: Some(buyer), confirm: true, ..ScanTrade::qr_code(qr_code) };
            env.admin.scan_trade(&scan).await.unwrap()
        })
    };
    let outcome = env.client.wait_for_qr_payment("E2E6", &fast()).await.unwrap();
    scanner.await.unwrap();
    assert!(matches!(outcome, PayOutcome::Paid(_)), "{outcome:?}");

    let refund = |amount: &str| TradeRefund {
        out_trade_no: Some("E2E6".into()),
        refund_amount: amount.parse().unwrap(),
        ..Default::default()
    };
    let policy = RetryPolicy { attempts: 2, backoff: Duration::from_millis(50) };
    let (_, a) = env.client.refund(&refund("10.00"), &policy).await.unwrap();
    assert_eq!(a.body.refund_fee, Some("10.00".parse().unwrap()));
    assert_eq!(env.status("E2E6").await, Some(TradeStatus::TradeSuccess));
    let (_, a) = env.client.refund(&refund("25.00"), &policy).await.unwrap();
    assert_eq!(a.status.sub_code.as_deref(), Some("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"), "over the total: {}", a.status);
    let (sent, a) = env.client.refund(&refund("20.00"), &policy).await.unwrap();
    assert_eq!(a.body.refund_fee, Some("30.00".parse().unwrap()));
    assert_eq!(env.status("E2E6").await, Some(TradeStatus::TradeClosed));
    // The idempotent replay moves nothing.
    let (_, again) = env.client.refund(&sent, &policy).await.unwrap();
    assert!(again.status.is_success());
    assert_eq!(env.balance(&payer).await, "100.00".parse().unwrap(), "fully refunded, replay moved nothing");
}

#[tokio::test]
async fn notifications_reach_a_real_endpoint_verified_by_the_sdk() {
    // The merchant's endpoint: verify with the SDK, remember, answer success.
    let received: Arc<Mutex<Vec<(String, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let env = Env::start(Charset::Gbk, Some(&url)).await;
    let client = env.client.clone();
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let client = client.clone();
            let sink = Arc::clone(&sink);
            async move {
                let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
                match client.verify_notification(&body, ct.as_deref()).map(|n| n.trade()) {
                    Ok(Ok(t)) => {
                        sink.lock().unwrap().push((t.out_trade_no.clone(), format!("{:?}", t.trade_status)));
                        "success"
                    }
                    _ => "failure",
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let (_, code) = env.buyer("100.00", "50.00").await;
    let outcome = env.client.pay_barcode(&pay("E2E7", &code, "8.80"), &fast()).await.unwrap();
    assert!(matches!(outcome, PayOutcome::Paid(_)));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if received.lock().unwrap().iter().any(|(no, st)| no == "E2E7" && st.contains("TradeSuccess")) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no verified notification: {:?}", received.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn bill_download_lists_the_days_payments_and_refunds() {
    let env = Env::start(Charset::Utf8, None).await;
    let (_, code) = env.buyer("100.00", "50.00").await;
    env.client.pay_barcode(&pay("E2E8", &code, "12.00"), &fast()).await.unwrap();
    let refund = TradeRefund {
        out_trade_no: Some("E2E8".into()),
        refund_amount: "2.50".parse().unwrap(),
        out_request_no: Some("RF8".into()),
        ..Default::default()
    };
    env.client.refund(&refund, &RetryPolicy::default()).await.unwrap();
    let today = env.admin.clock().await.unwrap().now.unwrap()[..10].to_owned();
    env.admin.advance_clock(86_400).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let query = BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: today };
    let bill = env.client.download_bill(&query, dir.path()).await.unwrap();
    let rows: Vec<_> = bill.details().unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let trade = rows.iter().find(|r| r.kind == BillRowKind::Trade).unwrap();
    assert_eq!((trade.out_trade_no.as_str(), trade.total_amount), ("E2E8", "12.00".parse().unwrap()));
    let refund = rows.iter().find(|r| r.kind == BillRowKind::Refund).unwrap();
    assert_eq!((refund.out_request_no.as_str(), refund.total_amount), ("RF8", "-2.50".parse().unwrap()));
}

/// Seed 001: a cancel that fails retriably answers `retry_flag=Y` and changes nothing; the flow retries it
/// while the flag says so, and gives up (asking to reconcile) when its attempts run out.
#[tokio::test]
async fn barcode_cancel_is_retried_while_retry_flag_is_y() {
    use alipay_api::trade::{TradeCancel, YesNo};
    let env = Env::start(Charset::Utf8, None).await;
    let fault = |count: u32| FaultSpec { count, ..FaultSpec::new("alipay.trade.cancel", FaultKind::SystemError) };

    // One cancel by hand: ACQ.SYSTEM_ERROR with retry_flag=Y, the trade still waiting.
    let (_, code) = env.buyer("500.00", "10.00").await;
    let r = env.client.execute(&pay("E2E7", &code, "200.00")).await.unwrap();
    assert_eq!(r.status.code.as_str(), "10003");
    env.admin.inject_fault(&fault(1)).await.unwrap();
    let cancel = TradeCancel { out_trade_no: Some("E2E7".into()), ..Default::default() };
    let a = env.client.execute(&cancel).await.unwrap();
    assert_eq!(a.status.sub_code.as_deref(), Some("ACQ.SYSTEM_ERROR"), "{a:?}");
    assert_eq!(a.body.retry_flag, Some(YesNo::Yes));
    assert_eq!(env.status("E2E7").await, Some(TradeStatus::WaitBuyerPay), "nothing changed");

    // The flow: two retriable failures, then the cancel goes through.
    let (buyer, code) = env.buyer("500.00", "10.00").await;
    env.admin.inject_fault(&fault(2)).await.unwrap();
    let outcome = env.client.pay_barcode(&pay("E2E8", &code, "200.00"), &fast()).await.unwrap();
    assert_eq!(outcome, PayOutcome::Cancelled(Some(CancelAction::Close)));
    assert_eq!(env.status("E2E8").await, Some(TradeStatus::TradeClosed));
    assert_eq!(env.balance(&buyer).await, "500.00".parse().unwrap());
    assert!(env.admin.faults().await.unwrap().pending.is_empty(), "both faults were used");

    // Still failing after every attempt: an error that says to reconcile, the trade left waiting.
    let (_, code) = env.buyer("500.00", "10.00").await;
    env.admin.inject_fault(&fault(3)).await.unwrap();
    let err = env.client.pay_barcode(&pay("E2E9", &code, "200.00"), &fast()).await.unwrap_err();
    assert!(err.to_string().contains("reconcile"), "{err}");
    assert_eq!(env.status("E2E9").await, Some(TradeStatus::WaitBuyerPay));
}

/// Past the cancel window (24 h of sandbox clock) cancel answers `ACQ.TRADE_CANCEL_TIME_OUT` with
/// `retry_flag=N`: the flow does not retry it and says to refund or reconcile instead.
#[tokio::test]
async fn barcode_cancel_past_the_window_is_not_retried() {
    use alipay_api::trade::{TradeCancel, YesNo};
    let env = Arc::new(Env::start(Charset::Utf8, None).await);
    let (_, code) = env.buyer("500.00", "10.00").await;
    let late = TradePay { timeout_express: Some(TimeoutExpress::Days(15)), ..pay("E2E10", &code, "200.00") };
    let advancer = {
        let env = Arc::clone(&env);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            env.admin.advance_clock(25 * 3600).await.unwrap()
        })
    };
    let err = env.client.pay_barcode(&late, &fast()).await.unwrap_err();
    advancer.await.unwrap();
    assert!(err.to_string().contains("ACQ.TRADE_CANCEL_TIME_OUT"), "{err}");
    let cancel = TradeCancel { out_trade_no: Some("E2E10".into()), ..Default::default() };
    let a = env.client.execute(&cancel).await.unwrap();
    assert_eq!(a.status.sub_code.as_deref(), Some("ACQ.TRADE_CANCEL_TIME_OUT"));
    assert_eq!(a.body.retry_flag, Some(YesNo::No));
    assert_eq!(env.status("E2E10").await, Some(TradeStatus::WaitBuyerPay), "nothing changed");
}
