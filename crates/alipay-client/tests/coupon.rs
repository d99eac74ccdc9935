//! Red packets: seed 003's 10003/20000 handling.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

mod common;

use std::time::Duration;

use alipay_api::coupon::{CouponOrderAgreementPay, CouponStatus};
use alipay_client::flows::{CouponOutcome, RetryPolicy};
use alipay_core::SignType;
use serde_json::{json, Value};

const PAY: &str = "alipay.fund.coupon.order.agreement.pay";
const QUERY: &str = "alipay.fund.coupon.operation.query";

fn pay() -> CouponOrderAgreementPay {
    CouponOrderAgreementPay {
        out_order_no: "RP001".into(),
        out_request_no: "RQ001".into(),
        order_title: "新年红包".into(),
        amount: "100.00".parse().unwrap(),
        ..Default::default()
    }
}

fn retry() -> RetryPolicy {
    RetryPolicy { attempts: 3, backoff: Duration::from_millis(10) }
}

fn out_request_nos(gw: &common::Running) -> Vec<String> {
    gw.params_of(PAY)
        .iter()
        .map(|p| {
            let biz: Value = serde_json::from_str(&p.iter().find(|(k, _)| k == "biz_content").unwrap().1).unwrap();
            biz["out_request_no"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn in_process_then_unknown_then_success_resends_the_same_request() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, json!({"code":"10003","msg":"order success pay inprocess"}));
    gw.answer(PAY, json!({"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error"}));
    gw.answer(PAY, json!({"code":"10000","msg":"Success","auth_no":"2024050110002001","operation_id":"2024050110002002","amount":"100.00","status":"SUCCESS"}));
    let client = gw.client_builder().build().unwrap();
    match client.red_packet_agreement_pay(&pay(), &retry()).await.unwrap() {
        CouponOutcome::Done(r) => assert_eq!(r.status, Some(CouponStatus::Success)),
        other => panic!("{other:?}"),
    }
    assert_eq!(out_request_nos(&gw), vec!["RQ001"; 3]);
    assert_eq!(gw.calls_of(QUERY), 0);
}

#[tokio::test]
async fn still_unknown_after_retries_is_settled_by_operation_query() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, json!({"code":"20000","msg":"Service Currently Unavailable"}));
    gw.answer(QUERY, json!({"code":"10000","msg":"Success","auth_no":"A1","operation_id":"O1","status":"SUCCESS","operation_type":"PAY","amount":"100.00"}));
    let client = gw.client_builder().build().unwrap();
    match client.red_packet_agreement_pay(&pay(), &retry()).await.unwrap() {
        CouponOutcome::Queried(q) => assert_eq!(q.status, Some(CouponStatus::Success)),
        other => panic!("{other:?}"),
    }
    assert_eq!(gw.calls_of(PAY), 3);
    let q = &gw.params_of(QUERY)[0];
    let biz = &q.iter().find(|(k, _)| k == "biz_content").unwrap().1;
    assert_eq!(biz, r#"{"out_order_no":"RP001","out_request_no":"RQ001"}"#);
}

#[tokio::test]
async fn business_failures_are_final_and_not_retried() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(PAY, json!({"code":"40004","msg":"Business Failed","sub_code":"UNIQUE_VIOLATION","sub_msg":"商户本次资金操作的请求流水号与之前有重复"}));
    let client = gw.client_builder().build().unwrap();
    match client.red_packet_agreement_pay(&pay(), &retry()).await.unwrap() {
        CouponOutcome::Failed(s) => assert_eq!(s.sub_code.as_deref(), Some("UNIQUE_VIOLATION")),
        other => panic!("{other:?}"),
    }
    assert_eq!(gw.calls_of(PAY), 1);
}
