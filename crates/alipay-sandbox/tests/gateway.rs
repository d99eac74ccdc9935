//! The wire layer: common-parameter checks with their exact codes, charsets, transports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::type_complexity)]

mod common;

use alipay_core::{form, Charset, PrivateKey, SignType, Timestamp};
use common::{code_of, sub_code_of, Harness};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A pay request of 1.00 by the default buyer, before signing.
async fn pay_params(h: &Harness, out_trade_no: &str) -> Vec<(String, String)> {
    let code = h.code(&h.info.buyer_user_id).await;
    let mut p = h.common(&h.app, "alipay.trade.pay", Charset::Utf8);
    p.push(("notify_url".into(), "http://127.0.0.1:9/notify?a=1&b=2".into()));
    let biz = json!({"out_trade_no": out_trade_no, "scene": "bar_code", "auth_code": code, "subject": "s",
                     "total_amount": "1.00"});
    p.push(("biz_content".into(), biz.to_string()));
    p
}

fn without(mut p: Vec<(String, String)>, key: &str) -> Vec<(String, String)> {
    p.retain(|(k, _)| k != key);
    p
}

fn set(mut p: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    for (k, v) in p.iter_mut() {
        if k == key {
            *v = value.to_owned();
        }
    }
    p
}

async fn send_signed(h: &Harness, mut p: Vec<(String, String)>, key: &PrivateKey) -> (String, Value) {
    Harness::sign(&mut p, key, SignType::Rsa2, Charset::Utf8);
    send(h, p).await
}

async fn send(h: &Harness, p: Vec<(String, String)>) -> (String, Value) {
    let (status, ct, body) = h.post_form(&p, Charset::Utf8).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/html;charset=utf-8");
    h.verify(&body, "alipay.trade.pay", Charset::Utf8, SignType::Rsa2)
}

fn expect(got: &(String, Value), key: &str, code: &str, sub: &str) {
    assert_eq!(got.0, key, "{}", got.1);
    assert_eq!(code_of(&got.1), code, "{}", got.1);
    assert_eq!(sub_code_of(&got.1), sub, "{}", got.1);
    assert!(got.1["sub_msg"].as_str().is_some_and(|m| !m.is_empty()), "{}", got.1);
}

/// An unknown `app_id` is answered unsigned, under the method's response key, and is checked before the
/// signature exists. Evidence: a captured production answer (openapi.alipay.com/gateway.do, 2026-09-11, a public
/// probe log: `app_id=test`, `method=alipay.trade.query`, `sign=ZmFrZQ==`, and the same without `sign`):
/// `{"alipay_trade_query_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id",
/// "sub_msg":"无效的AppID参数"}}`, no `sign`, `content-type: text/html;charset=utf-8`, HTTP 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_app_is_answered_unsigned_under_the_method_key() {
    let h = Harness::start().await;
    let key = h.app.key.clone();
    let balance_before = h.balance(&h.info.buyer_user_id).await;
    let signed = set(pay_params(&h, "U1").await, "app_id", "2021999999999999");
    let mut unsigned_no_sign = set(pay_params(&h, "U2").await, "app_id", "test");
    unsigned_no_sign.retain(|(k, _)| k != "sign");
    let no_sign_type = without(set(pay_params(&h, "U3").await, "app_id", "test"), "sign_type");
    for (name, params, sign) in
        [("signed", signed, true), ("no sign", unsigned_no_sign, false), ("no sign_type", no_sign_type, false)]
    {
        let mut params = params;
        if sign {
            Harness::sign(&mut params, &key, SignType::Rsa2, Charset::Utf8);
        }
        let (status, ct, body) = h.post_form(&params, Charset::Utf8).await;
        assert_eq!((status, ct.as_str()), (200, "text/html;charset=utf-8"), "{name}");
        let top: Value = serde_json::from_slice(&body).unwrap();
        let obj = top.as_object().unwrap();
        assert_eq!(obj.keys().collect::<Vec<_>>(), ["alipay_trade_pay_response"], "{name}: no sign: {top}");
        let answer = &top["alipay_trade_pay_response"];
        assert_eq!(
            (code_of(answer), answer["msg"].as_str(), sub_code_of(answer), answer["sub_msg"].as_str()),
            ("40002", Some("Invalid Arguments"), "isv.invalid-app-id", Some("无效的AppID参数")),
            "{name}: {top}"
        );
    }
    assert_eq!(h.balance(&h.info.buyer_user_id).await, balance_before, "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_common_param_error_has_its_code_and_changes_nothing() {
    let h = Harness::start().await;
    let balance_before = h.balance(&h.info.buyer_user_id).await;
    let key = h.app.key.clone();
    let pay = "alipay_trade_pay_response";
    let err = "error_response";

    let cases: Vec<(&str, Vec<(String, String)>, &str, &str, &str)> = vec![
        ("missing app_id", without(pay_params(&h, "E1").await, "app_id"), err, "40001", "isv.missing-app-id"),
        ("missing method", without(pay_params(&h, "E2").await, "method"), err, "40001", "isv.missing-method"),
        (
            "unknown method",
            set(pay_params(&h, "E3").await, "method", "alipay.trade.nope"),
            err,
            "40002",
            "isv.invalid-method",
        ),
        ("bad format", set(pay_params(&h, "E4").await, "format", "xml"), pay, "40002", "isv.invalid-format"),
        (
            "missing sign_type",
            without(pay_params(&h, "E5").await, "sign_type"),
            pay,
            "40001",
            "isv.missing-signature-type",
        ),
        (
            "bad sign_type",
            set(pay_params(&h, "E6").await, "sign_type", "MD5"),
            pay,
            "40002",
            "isv.invalid-signature-type",
        ),
        ("missing timestamp", without(pay_params(&h, "E7").await, "timestamp"), pay, "40001", "isv.missing-timestamp"),
        (
            "timestamp format",
            set(pay_params(&h, "E8").await, "timestamp", "2024/01/01 10:00:00"),
            pay,
            "40002",
            "isv.invalid-timestamp",
        ),
        ("missing version", without(pay_params(&h, "E9").await, "version"), pay, "40001", "isv.missing-version"),
        ("bad version", set(pay_params(&h, "E10").await, "version", "2.0"), pay, "40002", "isv.invalid-version"),
    ];
    for (name, params, key_expected, code, sub) in cases {
        let got = send_signed(&h, params, &key).await;
        println!("{name}: {}", got.1);
        expect(&got, key_expected, code, sub);
    }

    // A timestamp 3 hours off (a host formatting UTC instead of Beijing time would be 8 h off).
    let stale = Timestamp::from_unix(Timestamp::now().unix() - 3 * 3600).unwrap().to_string();
    let got = send_signed(&h, set(pay_params(&h, "E12").await, "timestamp", &stale), &key).await;
    expect(&got, pay, "40002", "isv.invalid-timestamp");

    // Missing sign.
    let got = send(&h, pay_params(&h, "E13").await).await;
    expect(&got, pay, "40001", "isv.missing-signature");

    // Tampered after signing: the sub_msg echoes the sign content the gateway computed, HTML-escaped.
    let mut p = pay_params(&h, "E14").await;
    Harness::sign(&mut p, &key, SignType::Rsa2, Charset::Utf8);
    let p = set(
        p,
        "biz_content",
        &json!({"out_trade_no": "E14", "scene": "bar_code", "auth_code": "1", "subject": "s", "total_amount": "9.00"})
            .to_string(),
    );
    let got = send(&h, p.clone()).await;
    expect(&got, pay, "40002", "isv.invalid-signature");
    let sub_msg = got.1["sub_msg"].as_str().unwrap();
    assert!(
        sub_msg.starts_with("验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："),
        "{sub_msg}"
    );
    let content = alipay_core::sign_content(alipay_core::SignScope::Request, p.iter().map(|(k, v)| (k, v)));
    assert!(sub_msg.ends_with(&content.replace('&', "&amp;")), "{sub_msg}");
    assert!(sub_msg.contains("notify_url=http://127.0.0.1:9/notify?a=1&amp;b=2"));

    // Signed with a key that is not the app's.
    let other = PrivateKey::generate().unwrap();
    let got = send_signed(&h, pay_params(&h, "E15").await, &other).await;
    expect(&got, pay, "40002", "isv.invalid-signature");

    // RSA (SHA1) signature for an app registered as RSA2.
    let mut p = set(pay_params(&h, "E16").await, "sign_type", "RSA");
    Harness::sign(&mut p, &key, SignType::Rsa, Charset::Utf8);
    let (status, _, body) = h.post_form(&p, Charset::Utf8).await;
    assert_eq!(status, 200);
    let got = h.verify(&body, "alipay.trade.pay", Charset::Utf8, SignType::Rsa);
    expect(&got, pay, "40002", "isv.invalid-signature-type");

    // Unsupported charset.
    let got = send_signed(&h, set(pay_params(&h, "E17").await, "charset", "latin1"), &key).await;
    expect(&got, err, "40002", "isv.invalid-charset");

    // Unknown app_auth_token.
    let mut p = pay_params(&h, "E18").await;
    p.push(("app_auth_token".into(), "202501BBnotatoken".into()));
    let got = send_signed(&h, p, &key).await;
    expect(&got, pay, "20001", "aop.invalid-app-auth-token");

    // Business parameters that break a field rule.
    let mut p = h.common(&h.app, "alipay.trade.pay", Charset::Utf8);
    p.push((
        "biz_content".into(),
        json!({"out_trade_no": "E19", "scene": "bar_code", "subject": "s", "total_amount": "1.00"}).to_string(),
    ));
    let got = send_signed(&h, p, &key).await;
    expect(&got, pay, "40004", "ACQ.INVALID_PARAMETER");
    let mut p = h.common(&h.app, "alipay.trade.pay", Charset::Utf8);
    p.push(("biz_content".into(), "{not json".into()));
    let got = send_signed(&h, p, &key).await;
    expect(&got, pay, "40004", "ACQ.INVALID_PARAMETER");

    // Nothing happened: no money moved, no trade exists.
    assert_eq!(h.balance(&h.info.buyer_user_id).await, balance_before);
    for i in 1..=19 {
        let q = h.call("alipay.trade.query", json!({"out_trade_no": format!("E{i}")})).await;
        assert_eq!(sub_code_of(&q), "ACQ.TRADE_NOT_EXIST", "E{i}: {q}");
    }
    // And a correct request still works.
    let got = send_signed(&h, pay_params(&h, "E20").await, &key).await;
    assert_eq!(code_of(&got.1), "10000", "{}", got.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gbk_body_with_chinese_subject() {
    let h = Harness::start().await;
    let mut p = h.common(&h.app, "alipay.trade.precreate", Charset::Gbk);
    p.push((
        "biz_content".into(),
        json!({"out_trade_no": "GBK1", "total_amount": "12.30", "subject": "当面付测试"}).to_string(),
    ));
    Harness::sign(&mut p, &h.app.key, SignType::Rsa2, Charset::Gbk);
    let (status, ct, body) = h.post_form(&p, Charset::Gbk).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/html;charset=GBK");
    let (_, obj) = h.verify(&body, "alipay.trade.precreate", Charset::Gbk, SignType::Rsa2);
    assert_eq!(code_of(&obj), "10000", "{obj}");
    // The subject was stored as Chinese text, not mojibake.
    let t = h.admin_get("/admin/trades?out_trade_no=GBK1").await;
    assert_eq!(t["subject"], "当面付测试");

    // A GBK body that claims UTF-8 is refused as a charset error.
    let mut p = h.common(&h.app, "alipay.trade.precreate", Charset::Utf8);
    p.push((
        "biz_content".into(),
        json!({"out_trade_no": "GBK2", "total_amount": "1.00", "subject": "中文"}).to_string(),
    ));
    Harness::sign(&mut p, &h.app.key, SignType::Rsa2, Charset::Utf8);
    let body = form::encode(p.iter().map(|(k, v)| (k.as_str(), v.as_str())), Charset::Gbk).unwrap();
    let (_, _, body) = h.post_raw("", body.into_bytes(), Charset::Utf8).await;
    let (key, obj) = h.verify(&body, "alipay.trade.precreate", Charset::Utf8, SignType::Rsa2);
    assert_eq!(key, "error_response");
    assert_eq!(sub_code_of(&obj), "isv.invalid-charset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_plus_body_get_and_absolute_form_targets() {
    let h = Harness::start().await;
    // Common params in the query, biz_content in the body (the Java SDK's layout).
    let mut p = h.common(&h.app, "alipay.trade.precreate", Charset::Utf8);
    let biz = json!({"out_trade_no": "SPLIT1", "total_amount": "1.00", "subject": "split"}).to_string();
    let mut all = p.clone();
    all.push(("biz_content".into(), biz.clone()));
    Harness::sign(&mut all, &h.app.key, SignType::Rsa2, Charset::Utf8);
    p.push(("sign".into(), all.last().unwrap().1.clone()));
    let query = form::encode(p.iter().map(|(k, v)| (k.as_str(), v.as_str())), Charset::Utf8).unwrap();
    let body = form::encode([("biz_content", biz.as_str())], Charset::Utf8).unwrap();
    let (_, _, resp) = h.post_raw(&query, body.into_bytes(), Charset::Utf8).await;
    let (_, obj) = h.verify(&resp, "alipay.trade.precreate", Charset::Utf8, SignType::Rsa2);
    assert_eq!(code_of(&obj), "10000", "{obj}");

    // Everything as GET query parameters.
    let q = form::encode(all.iter().map(|(k, v)| (k.as_str(), v.as_str())), Charset::Utf8).unwrap();
    let resp = h.http.get(format!("{}?{q}", h.gateway())).send().await.unwrap().bytes().await.unwrap();
    let (_, obj) = h.verify(&resp, "alipay.trade.precreate", Charset::Utf8, SignType::Rsa2);
    assert_eq!(code_of(&obj), "10000", "{obj}");

    // Absolute-form request target over a raw socket.
    let mut p = h.common(&h.app, "alipay.trade.query", Charset::Utf8);
    p.push(("biz_content".into(), json!({"out_trade_no": "SPLIT1"}).to_string()));
    Harness::sign(&mut p, &h.app.key, SignType::Rsa2, Charset::Utf8);
    let body = form::encode(p.iter().map(|(k, v)| (k.as_str(), v.as_str())), Charset::Utf8).unwrap();
    let addr = h.running.as_ref().unwrap().addr();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST http://{addr}/gateway.do?charset=utf-8 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded;charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    sock.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let json_body = text.split("\r\n\r\n").nth(1).unwrap();
    let (_, obj) = h.verify(json_body.as_bytes(), "alipay.trade.query", Charset::Utf8, SignType::Rsa2);
    // Not scanned yet: the trade does not exist for query.
    assert_eq!(sub_code_of(&obj), "ACQ.TRADE_NOT_EXIST", "{obj}");
}

/// Polling an unchanged trade gives byte-identical answers (nothing time-dependent is in the signed text), so
/// the gateway's signature cache (`alipay_core::sign_cache`: RSA PKCS#1 v1.5 is deterministic) can answer it
/// without a new RSA signature; every answer verifies, and a changed trade gets a new, verifying answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_an_unchanged_trade_answers_the_same_verified_bytes() {
    let h = Harness::start().await;
    let r = h
        .call("alipay.trade.precreate", json!({"out_trade_no": "POLL1", "total_amount": "3.00", "subject": "s"}))
        .await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let qr = r["qr_code"].as_str().unwrap().to_owned();
    let poll = || async {
        let mut p = h.common(&h.app, "alipay.trade.query", Charset::Utf8);
        p.push(("biz_content".into(), json!({"out_trade_no": "POLL1"}).to_string()));
        Harness::sign(&mut p, &h.app.key, SignType::Rsa2, Charset::Utf8);
        let (_, _, body) = h.post_form(&p, Charset::Utf8).await;
        h.verify(&body, "alipay.trade.query", Charset::Utf8, SignType::Rsa2);
        body
    };
    // Scanned, not paid yet: WAIT_BUYER_PAY, polled three times.
    let (status, scanned) = h.admin_post("/admin/trades/scan", json!({"qr_code": qr})).await;
    assert_eq!(status, 200, "{scanned}");
    let (first, second, third) = (poll().await, poll().await, poll().await);
    assert!(String::from_utf8_lossy(&first).contains("WAIT_BUYER_PAY"), "{}", String::from_utf8_lossy(&first));
    assert_eq!(first, second, "byte-identical: {}", String::from_utf8_lossy(&first));
    assert_eq!(second, third);
    let (status, paid) = h.admin_post("/admin/trades/confirm", json!({"out_trade_no": "POLL1"})).await;
    assert_eq!(status, 200, "{paid}");
    let changed = poll().await;
    assert!(String::from_utf8_lossy(&changed).contains("TRADE_SUCCESS"), "a changed trade answers new, verified bytes");
    assert_eq!(changed, poll().await);
}
