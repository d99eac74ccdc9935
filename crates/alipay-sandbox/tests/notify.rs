//! Notifications to a real local endpoint, fault injection, and the sandbox clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_core::{form, verify_params, Charset, SignScope, SignType};
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use common::{code_of, sub_code_of, Harness};
use serde_json::{json, Value};

/// A merchant endpoint that records every body and answers `fail` to the first `failures` calls.
#[derive(Clone, Default)]
struct Endpoint {
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    calls: Arc<AtomicUsize>,
    failures: usize,
}

async fn receive(State(ep): State<Endpoint>, body: Bytes) -> &'static str {
    ep.bodies.lock().unwrap().push(body.to_vec());
    let n = ep.calls.fetch_add(1, Ordering::SeqCst);
    if n < ep.failures {
        "fail"
    } else {
        "success"
    }
}

async fn start_endpoint(failures: usize) -> (String, Endpoint) {
    let ep = Endpoint { failures, ..Endpoint::default() };
    let app = axum::Router::new().route("/notify", post(receive)).with_state(ep.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/notify"), ep)
}

/// Waits (up to 30 s) until `f` holds.
async fn wait_for<F: FnMut() -> bool>(mut f: F) {
    for _ in 0..300 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("condition not reached in 30 s");
}

async fn notifications(h: &Harness, out_trade_no: &str) -> Vec<Value> {
    h.admin_get(&format!("/admin/notifications?out_trade_no={out_trade_no}")).await.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_signed_v1_and_retried_until_success() {
    let h = Harness::start().await;
    let (url, ep) = start_endpoint(2).await;
    let code = h.code(&h.info.buyer_user_id).await;
    let biz = json!({"out_trade_no": "N1", "scene": "bar_code", "auth_code": code, "subject": "通知 & 测试",
                     "total_amount": "8.88", "passback_params": "a%2Bb=c&d"});
    let r = h.call_as(&h.app, "alipay.trade.pay", biz, &[("notify_url", url.as_str())]).await;
    assert_eq!(code_of(&r), "10000", "{r}");

    // Two `fail` answers, then `success`: three attempts, the same notify_id each time.
    wait_for(|| ep.calls.load(Ordering::SeqCst) >= 3).await;
    let bodies = ep.bodies.lock().unwrap().clone();
    let mut ids = std::collections::HashSet::new();
    for body in &bodies {
        let pairs = form::decode(body, Charset::Utf8).unwrap();
        let view = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        verify_params(SignScope::NotifyV1, view, &h.alipay_key, SignType::Rsa2, Charset::Utf8).unwrap();
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("notify_type"), Some("trade_status_sync"));
        assert_eq!(get("trade_status"), Some("TRADE_SUCCESS"));
        assert_eq!(get("trade_no"), r["trade_no"].as_str());
        assert_eq!(get("out_trade_no"), Some("N1"));
        assert_eq!(get("total_amount"), Some("8.88"));
        assert_eq!(get("subject"), Some("通知 & 测试"));
        assert_eq!(get("passback_params"), Some("a%2Bb=c&d"));
        assert_eq!(get("app_id"), Some(h.info.app_id.as_str()));
        assert_eq!(get("seller_id"), Some(h.info.merchant_pid.as_str()));
        let bills: Value = serde_json::from_str(get("fund_bill_list").unwrap()).unwrap();
        assert_eq!(bills[0]["fundChannel"], "ALIPAYACCOUNT");
        ids.insert(get("notify_id").unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1);

    // The delivery log tells the story.
    let mut log = Vec::new();
    for _ in 0..100 {
        log = notifications(&h, "N1").await;
        if log.first().is_some_and(|n| n["status"] == "delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let n = &log[0];
    assert_eq!(n["status"], "delivered", "{n}");
    let deliveries = n["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 3, "{n}");
    assert_eq!(deliveries[0]["response_body"], "fail");
    assert_eq!(deliveries[0]["http_status"], 200);
    assert_eq!(deliveries[2]["response_body"], "success");
    // Retries wait for the scaled schedule (4 min × 0.001 = 240 ms at least).
    let gap = deliveries[1]["at_ms"].as_i64().unwrap() - deliveries[0]["at_ms"].as_i64().unwrap();
    assert!(gap >= 240, "{gap}");

    // A partial refund notifies TRADE_SUCCESS with refund details.
    let r = h
        .call("alipay.trade.refund", json!({"out_trade_no": "N1", "refund_amount": "1.00", "out_request_no": "rf1"}))
        .await;
    assert_eq!(code_of(&r), "10000");
    wait_for(|| ep.calls.load(Ordering::SeqCst) >= 4).await;
    let last = ep.bodies.lock().unwrap().last().unwrap().clone();
    let pairs = form::decode(&last, Charset::Utf8).unwrap();
    let view = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    verify_params(SignScope::NotifyV1, view, &h.alipay_key, SignType::Rsa2, Charset::Utf8).unwrap();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(get("refund_fee").as_deref(), Some("1.00"));
    assert_eq!(get("out_biz_no").as_deref(), Some("rf1"));
    assert!(get("gmt_refund").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gbk_notifications_and_pending_ones_resume_after_restart() {
    let mut h = Harness::start().await;
    // An endpoint that is down: attempts fail and stay pending.
    let dead = "http://127.0.0.1:9/notify".to_owned();
    let mut params = h.common(&h.app, "alipay.trade.pay", Charset::Gbk);
    let code = h.code(&h.info.buyer_user_id).await;
    params.push(("notify_url".into(), dead));
    params.push(("biz_content".into(), json!({"out_trade_no": "NG1", "scene": "bar_code", "auth_code": code, "subject": "中文标题", "total_amount": "1.00"}).to_string()));
    Harness::sign(&mut params, &h.app.key, SignType::Rsa2, Charset::Gbk);
    let (_, _, body) = h.post_form(&params, Charset::Gbk).await;
    let (_, obj) = h.verify(&body, "alipay.trade.pay", Charset::Gbk, SignType::Rsa2);
    assert_eq!(code_of(&obj), "10000", "{obj}");
    for _ in 0..100 {
        if notifications(&h, "NG1").await.first().is_some_and(|n| n["attempts"].as_i64().unwrap_or(0) >= 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let n = &notifications(&h, "NG1").await[0];
    assert_eq!(n["status"], "pending", "{n}");
    assert!(n["deliveries"][0]["error"].is_string(), "{n}");
    assert_eq!(n["params"]["charset"], "GBK");
    assert_eq!(n["params"]["subject"], "中文标题");

    // Restart: the pending notification is still there and keeps being retried.
    let attempts_before = n["attempts"].as_i64().unwrap();
    h.restart().await;
    for _ in 0..100 {
        let n = &notifications(&h, "NG1").await[0];
        if n["attempts"].as_i64().unwrap() > attempts_before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no retry after restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_injection() {
    let h = Harness::start().await;
    let buyer = h.info.buyer_user_id.clone();
    let before = h.balance(&buyer).await;

    // 20000, nothing done.
    let (s, _) =
        h.admin_post("/admin/faults", json!({"method": "alipay.trade.pay", "kind": "unknown_error", "count": 2})).await;
    assert_eq!(s, 200);
    for no in ["F1", "F2"] {
        let r = h.pay(no, "1.00", &buyer).await;
        assert_eq!((code_of(&r), sub_code_of(&r)), ("20000", "isp.unknow-error"), "{r}");
        assert_eq!(
            sub_code_of(&h.call("alipay.trade.query", json!({"out_trade_no": no})).await),
            "ACQ.TRADE_NOT_EXIST"
        );
    }
    assert_eq!(h.balance(&buyer).await, before);
    assert_eq!(code_of(&h.pay("F3", "1.00", &buyer).await), "10000", "the fault is used up");

    // 20000 after doing the work: the outcome is unknown to the client, query tells.
    h.admin_post("/admin/faults", json!({"method": "alipay.trade.pay", "kind": "unknown_error", "execute": true}))
        .await;
    assert_eq!(code_of(&h.pay("F4", "1.00", &buyer).await), "20000");
    assert_eq!(h.call("alipay.trade.query", json!({"out_trade_no": "F4"})).await["trade_status"], "TRADE_SUCCESS");

    // 10003 and ACQ.SYSTEM_ERROR.
    h.admin_post("/admin/faults", json!({"method": "alipay.trade.query", "kind": "in_process"})).await;
    assert_eq!(code_of(&h.call("alipay.trade.query", json!({"out_trade_no": "F3"})).await), "10003");
    h.admin_post("/admin/faults", json!({"method": "*", "kind": "system_error"})).await;
    let r = h.call("alipay.trade.query", json!({"out_trade_no": "F3"})).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "ACQ.SYSTEM_ERROR"), "{r}");

    // Latency: the call still works.
    h.admin_post("/admin/faults", json!({"method": "alipay.trade.query", "kind": "latency", "latency_ms": 300})).await;
    let r = h.call("alipay.trade.query", json!({"out_trade_no": "F3"})).await;
    assert_eq!(r["trade_status"], "TRADE_SUCCESS");

    // Dropped connection after commit: the client gets no answer, yet the trade exists.
    h.admin_post("/admin/faults", json!({"method": "alipay.trade.pay", "kind": "drop_after_commit"})).await;
    let code = h.code(&buyer).await;
    let mut params = h.common(&h.app, "alipay.trade.pay", Charset::Utf8);
    params.push((
        "biz_content".into(),
        json!({"out_trade_no": "F5", "scene": "bar_code", "auth_code": code, "subject": "s", "total_amount": "1.00"})
            .to_string(),
    ));
    Harness::sign(&mut params, &h.app.key, SignType::Rsa2, Charset::Utf8);
    let body = form::encode(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), Charset::Utf8).unwrap();
    let sent =
        h.http.post(h.gateway()).header("content-type", "application/x-www-form-urlencoded").body(body).send().await;
    let failed = match sent {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(failed, "the connection should have been dropped");
    assert_eq!(h.call("alipay.trade.query", json!({"out_trade_no": "F5"})).await["trade_status"], "TRADE_SUCCESS");
    assert!(h.admin_get("/admin/faults").await["pending"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_the_clock_closes_unpaid_trades_and_notifies() {
    let h = Harness::start().await;
    let (url, ep) = start_endpoint(0).await;
    let extra = [("notify_url", url.as_str())];
    let r = h
        .call_as(
            &h.app,
            "alipay.trade.precreate",
            json!({"out_trade_no": "T1", "total_amount": "3.00", "subject": "s", "timeout_express": "90m"}),
            &extra,
        )
        .await;
    assert_eq!(code_of(&r), "10000");
    let (s, _) = h.admin_post("/admin/trades/scan", json!({"out_trade_no": "T1"})).await;
    assert_eq!(s, 200);
    assert_eq!(h.call("alipay.trade.query", json!({"out_trade_no": "T1"})).await["trade_status"], "WAIT_BUYER_PAY");

    // Not yet.
    let (_, c) = h.admin_post("/admin/clock/advance", json!({"seconds": 30 * 60})).await;
    assert_eq!(c["swept"], 0, "{c}");
    assert_eq!(h.call("alipay.trade.query", json!({"out_trade_no": "T1"})).await["trade_status"], "WAIT_BUYER_PAY");
    // Past the 90 minutes.
    let (_, c) = h.admin_post("/admin/clock/advance", json!({"seconds": 61 * 60})).await;
    assert_eq!(c["swept"], 1, "{c}");
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "T1"})).await;
    assert_eq!(q["trade_status"], "TRADE_CLOSED", "{q}");
    // A buyer can no longer confirm it.
    let (s, _) = h.admin_post("/admin/trades/confirm", json!({"out_trade_no": "T1"})).await;
    assert_eq!(s, 409);

    wait_for(|| !ep.bodies.lock().unwrap().is_empty()).await;
    let body = ep.bodies.lock().unwrap()[0].clone();
    let pairs = form::decode(&body, Charset::Utf8).unwrap();
    let view = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    verify_params(SignScope::NotifyV1, view, &h.alipay_key, SignType::Rsa2, Charset::Utf8).unwrap();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(get("trade_status").as_deref(), Some("TRADE_CLOSED"));
    assert!(get("gmt_close").is_some());

    // The clock never goes back.
    let (s, _) = h.admin_post("/admin/clock/advance", json!({"seconds": -5})).await;
    assert_eq!(s, 400);
}

/// A notify page that answers what its path says: `/ack/<n>` answers `REPLIES[n]`, `/redirect` answers `302` to
/// `/ack/0` (a page printing `success`).
const REPLIES: [&str; 6] = ["success\n", "\r\nsuccess", " success ", "SUCCESS", "ok", "success"];

async fn start_ack_endpoint() -> (String, Arc<AtomicUsize>) {
    use axum::extract::Path;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let app = axum::Router::new()
        .route(
            "/ack/{n}",
            post(move |Path(n): Path<usize>| {
                let calls = Arc::clone(&counted);
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    REPLIES[n]
                }
            }),
        )
        .route(
            "/redirect",
            post(|| async { (axum::http::StatusCode::FOUND, [(axum::http::header::LOCATION, "/ack/5")], "") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), calls)
}

/// Acknowledgements as Alipay reads them: `success` with whitespace around it is delivered once (Alipay's own
/// Java page-pay demo answers `out.println("success")`, i.e. `success\n`; the PHP SDK's `v2/aop/AlipayConfig.php`
/// in `alipay/alipay-sdk-php-all` starts with a blank line, so a PHP notify page answers `\nsuccess`); `SUCCESS`,
/// `ok` and a `302` to a page printing `success` are retried (the demos' rule: exactly the 7 characters, and the
/// notify page must not redirect: `../shared/design/acceptance.md` §1.4), and the delivery log keeps the raw reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_with_whitespace_acknowledges_but_other_replies_and_redirects_are_retried() {
    let h = Harness::start().await;
    let (base, _calls) = start_ack_endpoint().await;
    let mut cases: Vec<(String, String)> = (0..5).map(|n| (format!("ACK{n}"), format!("{base}/ack/{n}"))).collect();
    cases.push(("ACKR".into(), format!("{base}/redirect")));
    for (out_trade_no, url) in &cases {
        let code = h.code(&h.info.buyer_user_id).await;
        let biz = json!({"out_trade_no": out_trade_no, "scene": "bar_code", "auth_code": code, "subject": "ack",
                         "total_amount": "1.00"});
        let r = h.call_as(&h.app, "alipay.trade.pay", biz, &[("notify_url", url.as_str())]).await;
        assert_eq!(code_of(&r), "10000", "{r}");
    }
    // The refused replies are retried (after 240 ms at this time scale): wait until each has two attempts.
    let mut logs = std::collections::HashMap::new();
    for _ in 0..300 {
        for (out_trade_no, _) in &cases {
            logs.insert(out_trade_no.clone(), notifications(&h, out_trade_no).await[0].clone());
        }
        let retried = ["ACK3", "ACK4", "ACKR"].iter().all(|k| logs[*k]["deliveries"].as_array().unwrap().len() >= 2);
        let delivered = ["ACK0", "ACK1", "ACK2"].iter().all(|k| logs[*k]["status"] == "delivered");
        if retried && delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (n, k) in ["ACK0", "ACK1", "ACK2"].iter().enumerate() {
        let log = &logs[*k];
        assert_eq!(log["status"], "delivered", "{log}");
        let deliveries = log["deliveries"].as_array().unwrap();
        assert_eq!(deliveries.len(), 1, "delivered once: {log}");
        assert_eq!(deliveries[0]["response_body"], REPLIES[n], "the raw reply is logged: {log}");
    }
    for (k, body) in [("ACK3", "SUCCESS"), ("ACK4", "ok")] {
        let log = &logs[k];
        assert_eq!(log["status"], "pending", "{log}");
        let deliveries = log["deliveries"].as_array().unwrap();
        assert!(deliveries.len() >= 2, "retried: {log}");
        assert_eq!(deliveries[0]["response_body"], body, "{log}");
    }
    let log = &logs["ACKR"];
    assert_eq!(log["status"], "pending", "a redirect is not an acknowledgement: {log}");
    let first = &log["deliveries"][0];
    assert_eq!(first["http_status"], 302, "the redirect is not followed: {log}");
    assert!(log["deliveries"].as_array().unwrap().len() >= 2, "retried: {log}");
}
