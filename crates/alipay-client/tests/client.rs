//! The client over real HTTP against a gateway that checks its signatures and signs its answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

mod common;

use alipay_api::trade::{TradeQuery, TradeStatus};
use alipay_client::{AlipayClient, ConfigError, Error, ResponseExt};
use alipay_core::{Charset, KeyError, Money, PrivateKey, ResultCode, SignType};
use common::Mode;
use serde_json::json;

fn query(no: &str) -> TradeQuery {
    TradeQuery { out_trade_no: Some(no.into()), ..Default::default() }
}

#[tokio::test]
async fn typed_call_is_signed_sent_verified_and_parsed() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer(
        "alipay.trade.query",
        json!({"code":"10000","msg":"Success","trade_no":"2024050122001400000000000001","out_trade_no":"T1",
               "trade_status":"TRADE_SUCCESS","total_amount":"88.88","buyer_logon_id":"139******01","new_field":"kept"}),
    );
    let client = gw.client_builder().build().unwrap();
    let answer = client.execute(&query("T1")).await.unwrap();
    assert!(answer.status.is_success());
    assert_eq!(answer.body.trade_status, Some(TradeStatus::TradeSuccess));
    assert_eq!(answer.body.total_amount, Some(Money::from_fen(8888)));
    assert_eq!(answer.body.extra["new_field"], "kept");

    // Protocol params went in the query, biz_content in the body, all of them signed.
    let params = gw.last_params();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("method").as_deref(), Some("alipay.trade.query"));
    assert_eq!(get("version").as_deref(), Some("1.0"));
    assert_eq!(get("biz_content").as_deref(), Some(r#"{"out_trade_no":"T1"}"#));
    assert!(get("timestamp").unwrap().parse::<alipay_core::Timestamp>().is_ok());
}

#[tokio::test]
async fn business_failure_is_a_status_not_an_error() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer("alipay.trade.query", json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST"}));
    let client = gw.client_builder().build().unwrap();
    let answer = client.execute(&query("T2")).await.unwrap();
    assert_eq!(answer.status.code, ResultCode::BusinessFailed);
    assert_eq!(answer.status.sub_msg, None);
    match answer.ok().unwrap_err() {
        Error::Api(status) => assert_eq!(status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn tampered_response_is_an_error_never_data() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer("alipay.trade.query", json!({"code":"10000","msg":"Success","total_amount":"88.88"}));
    gw.set_mode(Mode::Tamper);
    let client = gw.client_builder().build().unwrap();
    assert!(matches!(client.execute(&query("T3")).await.unwrap_err(), Error::Verify(_)));
}

#[tokio::test]
async fn wrong_alipay_key_fails_every_answer() {
    let gw = common::start(SignType::Rsa2).await;
    gw.answer("alipay.trade.query", json!({"code":"10000","msg":"Success"}));
    let stranger = PrivateKey::generate().unwrap();
    let client = AlipayClient::builder(
        "2021000000000001",
        &gw.gw.app_key.to_pkcs8_base64(),
        &stranger.public_key().to_spki_pem(),
    )
    .gateway(&gw.url)
    .build()
    .unwrap();
    assert!(matches!(client.execute(&query("T4")).await.unwrap_err(), Error::Verify(_)));
}

#[tokio::test]
async fn app_public_key_configured_as_alipay_key_is_refused_at_build() {
    let gw = common::start(SignType::Rsa2).await;
    let err = AlipayClient::builder(
        "2021000000000001",
        &gw.gw.app_key.to_pkcs8_base64(),
        &gw.gw.app_key.public_key().to_spki_base64(),
    )
    .gateway(&gw.url)
    .build()
    .unwrap_err();
    assert!(matches!(err, ConfigError::AlipayKey(KeyError::AlipayKeyIsAppKey)), "{err}");
}

#[tokio::test]
async fn gbk_and_legacy_rsa_work_end_to_end() {
    let gw = common::start(SignType::Rsa).await;
    gw.answer(
        "alipay.trade.query",
        json!({"code":"10000","msg":"Success","subject":"水费账单","trade_status":"WAIT_BUYER_PAY"}),
    );
    let client = gw.client_builder().charset(Charset::Gbk).sign_type(SignType::Rsa).build().unwrap();
    let answer = client.execute(&query(&"9".repeat(65))).await;
    // out_trade_no is at most 64 characters: validation stops it before sending.
    assert!(matches!(answer.unwrap_err(), Error::Validation(_)));
    assert_eq!(gw.calls(), 0);
    let answer = client.execute(&query("GBK1")).await.unwrap();
    assert_eq!(answer.body.subject.as_deref(), Some("水费账单"));
    let params = gw.last_params();
    assert!(params.iter().any(|(k, v)| k == "charset" && v == "GBK"));
}

#[tokio::test]
async fn raw_call_of_an_unknown_method_gets_a_verified_error_response() {
    let gw = common::start(SignType::Rsa2).await;
    let client = gw.client_builder().build().unwrap();
    let answer =
        client.call_raw("alipay.no.such.method", Some(&json!({"a":1})), &[], &Default::default()).await.unwrap();
    assert_eq!(answer.status.sub_code.as_deref(), Some("isv.invalid-method"));
}

#[tokio::test]
async fn transport_failures_say_whether_the_outcome_is_unknown() {
    // Nothing listening: not sent.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let gw = common::start(SignType::Rsa2).await;
    let client = gw.client_builder().gateway(&format!("http://{addr}/gateway.do")).build().unwrap();
    let err = client.execute(&query("T5")).await.unwrap_err();
    assert!(matches!(err, Error::Connect(_)), "{err:?}");
    assert!(!err.outcome_unknown());

    // A server that reads the request and drops the connection: maybe committed, outcome unknown.
    let dropper = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = dropper.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        loop {
            let (mut s, _) = dropper.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            drop(s);
        }
    });
    let client = gw.client_builder().gateway(&format!("http://{addr}/gateway.do")).build().unwrap();
    let err = client.execute(&query("T6")).await.unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");

    // HTTP 502 from a proxy in between.
    gw.set_mode(Mode::Http502);
    let client = gw.client_builder().build().unwrap();
    assert!(matches!(client.execute(&query("T7")).await.unwrap_err(), Error::HttpStatus { status: 502, .. }));
}
