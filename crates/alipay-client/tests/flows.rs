//! The prescribed flows on their unhappy paths, over HTTP against a scripted, signing gateway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

mod common;

use std::time::Duration;

use alipay_api::trade::{CancelAction, TradePay, TradeRefund};
use alipay_client::flows::{PayOutcome, PollPolicy, RetryPolicy};
use alipay_client::Error;
use alipay_core::SignType;
use serde_json::{json, Value};

const PAY: &str = "alipay.trade.pay";
const QUERY: &str = "alipay.trade.query";
const CANCEL: &str = "alipay.trade.cancel";
const REFUND: &str = "alipay.trade.refund";

fn pay() -> TradePay {
    TradePay {
        out_trade_no: "BAR001".into(),
        auth_code: "28763443825664394".into(),
        subject: "Iphone6 16G".into(),
        total_amount: "88.88".parse().unwrap(),
        ..Default::default()
    }
}

fn fast() -> PollPolicy {
    PollPolicy { interval: Duration::from_millis(20), window: Duration::from_millis(300), cancel_attempts: 3 }
}

fn status(trade_status: &str) -> Value {
    json!({"code":"10000","msg":"Success","trade_no":"2024050122001400000000000001","out_trade_no":"BAR001","trade_status":trade_status,"total_amount":"88.88"})
}

fn waiting() -> Value {
    json!({"code":"10003","msg":"order success pay inprocess","trade_no":"2024050122001400000000000001","out_trade_no":"BAR001"})
}

#[tokio::test]
async fn barcode_paid_at_once() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(
        PAY,
        json!({"code":"10000","msg":"Success","trade_no":"2024050122001400000000000001","total_amount":"88.88"}),
    );
    let client = gw.client_builder().build().unwrap();
    let outcome = client.pay_barcode(&pay(), &fast()).await.unwrap();
    assert!(matches!(&outcome, PayOutcome::Paid(t) if t.trade_no() == Some("2024050122001400000000000001")));
    assert_eq!(gw.calls_of(QUERY), 0);
}

#[tokio::test]
async fn barcode_10003_then_success() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, waiting());
    for s in ["WAIT_BUYER_PAY", "WAIT_BUYER_PAY", "TRADE_SUCCESS"] {
        gw.answer(QUERY, status(s));
    }
    let client = gw.client_builder().build().unwrap();
    assert!(matches!(client.pay_barcode(&pay(), &fast()).await.unwrap(), PayOutcome::Paid(_)));
    assert_eq!(gw.calls_of(QUERY), 3);
    assert_eq!(gw.calls_of(CANCEL), 0);
    assert_eq!(gw.calls_of(PAY), 1, "trade.pay is never re-sent");
}

#[tokio::test]
async fn barcode_10003_then_timeout_then_cancel_retried_while_retry_flag_y() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, waiting());
    gw.answer(QUERY, status("WAIT_BUYER_PAY"));
    gw.answer(CANCEL, json!({"code":"10000","msg":"Success","retry_flag":"Y"}));
    gw.answer(CANCEL, json!({"code":"10000","msg":"Success","retry_flag":"N","action":"close"}));
    let client = gw.client_builder().build().unwrap();
    let outcome = client.pay_barcode(&pay(), &fast()).await.unwrap();
    assert_eq!(outcome, PayOutcome::Cancelled(Some(CancelAction::Close)));
    assert_eq!(gw.calls_of(CANCEL), 2);
    assert!(gw.calls_of(QUERY) >= 2);
}

#[tokio::test]
async fn barcode_cancel_that_never_completes_is_an_error_that_says_reconcile() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, waiting());
    gw.answer(QUERY, status("WAIT_BUYER_PAY"));
    gw.answer(CANCEL, json!({"code":"10000","msg":"Success","retry_flag":"Y"}));
    let client = gw.client_builder().build().unwrap();
    let err = client.pay_barcode(&pay(), &fast()).await.unwrap_err();
    assert!(matches!(&err, Error::Flow(m) if m.contains("reconcile")), "{err}");
    assert_eq!(gw.calls_of(CANCEL), 3);
}

#[tokio::test]
async fn barcode_20000_queries_before_anything_else() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, json!({"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error"}));
    gw.answer(QUERY, status("TRADE_SUCCESS"));
    let client = gw.client_builder().build().unwrap();
    assert!(matches!(client.pay_barcode(&pay(), &fast()).await.unwrap(), PayOutcome::Paid(_)));
    assert_eq!(gw.calls_of(QUERY), 1);
    assert_eq!(gw.calls_of(PAY), 1);
}

#[tokio::test]
async fn barcode_lost_answer_after_the_gateway_committed_is_resolved_by_query() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, json!({"code":"10000","msg":"Success"}));
    gw.answer(QUERY, status("TRADE_SUCCESS"));
    gw.slow_once(PAY, Duration::from_secs(3));
    let client = gw.client_builder().timeout(Duration::from_millis(500)).build().unwrap();
    let outcome = client.pay_barcode(&pay(), &fast()).await.unwrap();
    assert!(matches!(&outcome, PayOutcome::Paid(t) if matches!(**t, alipay_client::flows::PaidTrade::FromQuery(_))));
    assert_eq!(gw.calls_of(PAY), 1);
}

#[tokio::test]
async fn barcode_business_failure_is_final() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.BUYER_BALANCE_NOT_ENOUGH","sub_msg":"买家余额不足"}));
    let client = gw.client_builder().build().unwrap();
    match client.pay_barcode(&pay(), &fast()).await.unwrap() {
        PayOutcome::Failed(s) => assert_eq!(s.sub_code.as_deref(), Some("ACQ.BUYER_BALANCE_NOT_ENOUGH")),
        other => panic!("{other:?}"),
    }
    assert_eq!(gw.calls_of(QUERY), 0);
}

#[tokio::test]
async fn qr_wait_treats_not_exist_as_not_scanned_yet() {
    let gw = common::start(SignType::Rsa2).await;
    let not_exist =
        json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"});
    gw.answer(QUERY, not_exist.clone());
    gw.answer(QUERY, not_exist);
    gw.answer(QUERY, status("WAIT_BUYER_PAY"));
    gw.answer(QUERY, status("TRADE_SUCCESS"));
    let client = gw.client_builder().build().unwrap();
    assert!(matches!(client.wait_for_qr_payment("BAR001", &fast()).await.unwrap(), PayOutcome::Paid(_)));

    let gw = common::start(SignType::Rsa2).await;
    gw.answer(QUERY, json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST"}));
    gw.answer(CANCEL, json!({"code":"10000","msg":"Success","retry_flag":"N"}));
    let client = gw.client_builder().build().unwrap();
    assert_eq!(client.wait_for_qr_payment("QR2", &fast()).await.unwrap(), PayOutcome::Cancelled(None));
}

#[tokio::test]
async fn refund_generates_one_out_request_no_and_reuses_it_on_retry() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(REFUND, json!({"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error"}));
    gw.answer(REFUND, json!({"code":"10000","msg":"Success","fund_change":"Y","refund_fee":"10.00"}));
    let client = gw.client_builder().build().unwrap();
    let req = TradeRefund {
        out_trade_no: Some("BAR001".into()),
        refund_amount: "10.00".parse().unwrap(),
        ..Default::default()
    };
    let policy = RetryPolicy { attempts: 3, backoff: Duration::from_millis(10) };
    let (sent, answer) = client.refund(&req, &policy).await.unwrap();
    assert!(answer.status.is_success());
    let calls = gw.params_of(REFUND);
    assert_eq!(calls.len(), 2);
    let no = sent.out_request_no.unwrap();
    for params in calls {
        let biz = params.iter().find(|(k, _)| k == "biz_content").unwrap().1.clone();
        let biz: Value = serde_json::from_str(&biz).unwrap();
        assert_eq!(biz["out_request_no"], no.as_str());
    }

    // A business failure is not retried.
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(REFUND, json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"}));
    let client = gw.client_builder().build().unwrap();
    let (_, answer) = client.refund(&req, &policy).await.unwrap();
    assert_eq!(answer.status.sub_code.as_deref(), Some("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"));
    assert_eq!(gw.calls_of(REFUND), 1);
}
