//! The admin API's bearer token: required off loopback, not on loopback; kept across restarts and resets;
//! in app.json. Every refused request changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod common;

use std::path::Path;

use alipay_sandbox::{AppJson, RunningSandbox, Sandbox};
use alipay_sandbox_admin::{AdminClient, Method, NewBuyer};
use serde_json::json;

async fn start(dir: &Path, config: &alipay_sandbox::Config, listen: &str) -> (RunningSandbox, AppJson) {
    let sandbox = Sandbox::open(dir, config.clone()).await.unwrap();
    let running = sandbox.start(listen.parse().unwrap()).await.unwrap();
    let info: AppJson = serde_json::from_slice(&std::fs::read(dir.join("app.json")).unwrap()).unwrap();
    (running, info)
}

/// Reached through 127.0.0.1 whatever the listen address.
fn base(running: &RunningSandbox) -> String {
    format!("http://127.0.0.1:{}", running.addr().port())
}

#[tokio::test]
async fn non_loopback_needs_the_token_and_a_refusal_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::test_config();
    let (running, info) = start(dir.path(), &config, "0.0.0.0:0").await;
    let token = info.admin_token.clone().expect("app.json has admin_token");
    assert!(token.len() >= 32, "at least 128 bits: {token}");
    assert_eq!(running.sandbox().admin_token(), token);

    let anonymous = AdminClient::new(base(&running));
    let wrong = AdminClient::new(base(&running)).with_token(format!("{token}x"));
    let admin = AdminClient::new(base(&running)).with_token(&token);

    // The raw answer: 401, WWW-Authenticate: Bearer, {"error": ...}.
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/admin/buyers", base(&running)))
        .header("content-type", "application/json")
        .body(json!({"balance": "1.00"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert!(body["error"].as_str().unwrap().contains("admin token"), "{body}");

    // Missing and wrong tokens: 401, and nothing was created.
    let logon = "token-test@example.com";
    let new = NewBuyer { logon_id: Some(logon.into()), ..NewBuyer::new("5.00", "1.00") };
    for client in [&anonymous, &wrong] {
        let e = client.create_buyer(&new).await.unwrap_err();
        assert!(e.is_unauthorized(), "{e}");
    }
    let created = admin.create_buyer(&new).await.unwrap();
    assert_eq!(created.logon_id, logon, "the logon id was still free: the refused requests created nothing");

    // A refused clock advance leaves the clock.
    let before = admin.clock().await.unwrap();
    assert!(anonymous.advance_clock(86_400).await.unwrap_err().is_unauthorized());
    assert!(wrong.advance_clock(86_400).await.unwrap_err().is_unauthorized());
    assert!(anonymous.call(Method::POST, "reset", None).await.unwrap_err().is_unauthorized());
    assert_eq!(admin.clock().await.unwrap().offset_secs, before.offset_secs);
    assert_eq!(admin.buyer(&created.user_id).await.unwrap().balance.to_string(), "5.00", "no reset ran");

    // The right token: 200 on every family's controls.
    assert_eq!(admin.advance_clock(60).await.unwrap().offset_secs, before.offset_secs + 60);
    admin.deduct_faults().await.unwrap();
    admin.coupon_settings().await.unwrap();
    assert!(anonymous.deduct_faults().await.unwrap_err().is_unauthorized());
    assert!(anonymous.coupon_settings().await.unwrap_err().is_unauthorized());

    // The gateway itself is not behind the token (it answers its own signed errors).
    let resp = http.post(format!("{}/gateway.do", base(&running))).body("").send().await.unwrap();
    assert_ne!(resp.status().as_u16(), 401);

    // The token survives /admin/reset and a restart, and app.json carries it.
    admin.reset().await.unwrap();
    assert!(anonymous.clock().await.unwrap_err().is_unauthorized());
    running.stop().await;
    let (running, info) = start(dir.path(), &config, "0.0.0.0:0").await;
    assert_eq!(info.admin_token.as_deref(), Some(token.as_str()));
    let admin = AdminClient::new(base(&running)).with_token(&token);
    admin.clock().await.unwrap();
    assert!(AdminClient::new(base(&running)).clock().await.unwrap_err().is_unauthorized());
    running.stop().await;
}

#[tokio::test]
async fn loopback_stays_open_and_still_writes_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let (running, info) = start(dir.path(), &common::test_config(), "127.0.0.1:0").await;
    assert!(info.admin_token.is_some(), "app.json always has admin_token");
    let open = AdminClient::new(base(&running));
    open.create_buyer(&NewBuyer::new("1.00", "1.00")).await.unwrap();
    open.advance_clock(1).await.unwrap();
    // A token is accepted but not needed; even a wrong one is ignored on loopback.
    open.clone().with_token("whatever").clock().await.unwrap();
    running.stop().await;
}
