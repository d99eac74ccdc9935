//! Calls without HTTP (page pay, app order string) and notification verification.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

mod common;

use alipay_api::trade::TradeQuery;
use alipay_client::NotifyError;
use alipay_core::{form, sign_content, verify_request, Charset, PrivateKey, SignScope, SignType};

fn decode_query(url: &str, charset: Charset) -> Vec<(String, String)> {
    let q = url.split_once('?').unwrap().1;
    form::decode(q.as_bytes(), charset).unwrap()
}

#[tokio::test]
async fn page_pay_url_and_app_order_string_are_signed_and_sorted() {
    let gw = common::start(SignType::Rsa2).await;
    let client = gw.client_builder().build().unwrap();
    let req = TradeQuery { out_trade_no: Some("P1".into()), ..Default::default() };
    let opts = alipay_client::CallOptions {
        return_url: Some("https://m.example.com/back?x=1&y=2".into()),
        ..Default::default()
    };

    let url = client.page_pay_url(&req, &opts).unwrap();
    assert!(url.starts_with(&gw.url));
    let params = decode_query(&url, Charset::Utf8);
    let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    verify_request(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        gw.gw.app_key.public_key(),
        SignType::Rsa2,
        Charset::Utf8,
    )
    .unwrap();

    let order = client.app_order_string(&req, &Default::default()).unwrap();
    assert!(!order.contains("http"));
    let params = form::decode(order.as_bytes(), Charset::Utf8).unwrap();
    verify_request(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        gw.gw.app_key.public_key(),
        SignType::Rsa2,
        Charset::Utf8,
    )
    .unwrap();
}

#[tokio::test]
async fn page_pay_form_posts_business_params_as_hidden_inputs() {
    let gw = common::start(SignType::Rsa2).await;
    let client = gw.client_builder().charset(Charset::Gbk).build().unwrap();
    let req = TradeQuery { out_trade_no: Some("F1".into()), ..Default::default() };
    let html = client.page_pay_form(&req, &Default::default()).unwrap();
    assert!(html.starts_with("<form name=\"punchout_form\" method=\"post\" action=\""));
    assert!(
        html.contains(r#"<input type="hidden" name="biz_content" value="{&quot;out_trade_no&quot;:&quot;F1&quot;}">"#),
        "{html}"
    );
    assert!(html.ends_with("<script>document.forms[0].submit();</script>"));
    let action = html.split("action=\"").nth(1).unwrap().split('"').next().unwrap();
    let mut params = decode_query(action, Charset::Gbk);
    assert!(params.iter().any(|(k, v)| k == "sign" && !v.is_empty()));
    assert!(!params.iter().any(|(k, _)| k == "biz_content"));
    params.push(("biz_content".into(), r#"{"out_trade_no":"F1"}"#.into()));
    verify_request(
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        gw.gw.app_key.public_key(),
        SignType::Rsa2,
        Charset::Gbk,
    )
    .unwrap();
}

/// A notification as the gateway sends it: V1-signed with the Alipay key, form-encoded in `charset`.
fn notification(alipay: &PrivateKey, charset: Charset, app_id: &str, subject: &str) -> Vec<u8> {
    let mut params: Vec<(String, String)> = [
        ("notify_time", "2024-05-01 12:30:09"),
        ("notify_type", "trade_status_sync"),
        ("notify_id", "ac05099524730693a8b330c5ecf72da9786"),
        ("app_id", app_id),
        ("charset", charset.as_str()),
        ("version", "1.0"),
        ("sign_type", "RSA2"),
        ("trade_no", "2024050122001400000000000001"),
        ("out_trade_no", "T1"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", "88.88"),
        ("subject", subject),
        ("fund_bill_list", r#"[{"amount":"88.88","fundChannel":"ALIPAYACCOUNT"}]"#),
        ("passback_params", "a%3D1+b"),
        ("body", " padded "),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let content = sign_content(SignScope::NotifyV1, params.iter().map(|(k, v)| (k, v)));
    let sign = alipay.sign(SignType::Rsa2, &charset.encode(&content).unwrap()).unwrap();
    params.push(("sign".into(), sign));
    form::encode(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), charset).unwrap().into_bytes()
}

#[tokio::test]
async fn notifications_verify_from_raw_bytes_decoded_once_untrimmed() {
    let gw = common::start(SignType::Rsa2).await;
    for charset in [Charset::Utf8, Charset::Gbk] {
        let client = gw.client_builder().build().unwrap();
        let body = notification(&gw.gw.alipay_key, charset, client.app_id(), "水费 50%+tax");
        let ct = format!("application/x-www-form-urlencoded; charset={}", charset.as_str());
        let n = client.verify_notification(&body, Some(&ct)).unwrap();
        assert_eq!(n.get("subject"), Some("水费 50%+tax"));
        assert_eq!(n.get("passback_params"), Some("a%3D1+b"));
        assert_eq!(n.get("body"), Some(" padded "));
        assert_eq!(n.notify_type(), Some("trade_status_sync"));
        let trade = n.trade().unwrap();
        assert_eq!(trade.total_amount, Some("88.88".parse().unwrap()));
        assert_eq!(trade.trade_status, Some(alipay_api::trade::TradeStatus::TradeSuccess));
        assert_eq!(trade.fund_bill_list.as_ref().map(|l| l.len()), Some(1));
        // Without a header, the form's own charset field is used.
        client.verify_notification(&body, None).unwrap();
    }
}

#[tokio::test]
async fn forged_or_foreign_notifications_are_rejected() {
    let gw = common::start(SignType::Rsa2).await;
    let client = gw.client_builder().build().unwrap();
    let good = notification(&gw.gw.alipay_key, Charset::Utf8, client.app_id(), "x");

    let tampered = String::from_utf8(good.clone()).unwrap().replace("88.88", "0.01").into_bytes();
    assert!(matches!(client.verify_notification(&tampered, None), Err(NotifyError::Verify(_))));

    let forger = PrivateKey::generate().unwrap();
    let forged = notification(&forger, Charset::Utf8, client.app_id(), "x");
    assert!(matches!(client.verify_notification(&forged, None), Err(NotifyError::Verify(_))));

    let foreign = notification(&gw.gw.alipay_key, Charset::Utf8, "2021999999999999", "x");
    assert!(matches!(client.verify_notification(&foreign, None), Err(NotifyError::WrongApp { .. })));

    let unsigned = b"notify_type=trade_status_sync&app_id=2021000000000001";
    assert_eq!(client.verify_notification(unsigned, None), Err(NotifyError::Unsigned));
}
