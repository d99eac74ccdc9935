//! The wallet is console surface (admin token off loopback); the cashier is the buyer's and stays open like the
//! gateway, its actions bound to the order by a ticket. (The full flows: `crates/alipay-e2e/tests/cashier.rs`
//! over HTTP, `browser.rs` in Chromium.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod common;

use alipay_sandbox::{AppJson, Sandbox};

#[tokio::test]
async fn off_loopback_the_wallet_needs_the_token_and_the_cashier_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::open(dir.path(), common::test_config()).await.unwrap();
    let running = sandbox.start("0.0.0.0:0".parse().unwrap()).await.unwrap();
    let info: AppJson = serde_json::from_slice(&std::fs::read(dir.path().join("app.json")).unwrap()).unwrap();
    let token = info.admin_token.unwrap();
    let base = format!("http://127.0.0.1:{}", running.addr().port());
    let http = reqwest::Client::new();

    let anonymous = http.get(format!("{base}/wallet")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let with_token = http.get(format!("{base}/wallet")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(with_token.status().as_u16(), 200);
    let html = with_token.text().await.unwrap();
    assert!(html.contains("<title>沙箱钱包"), "{html}");
    assert!(html.contains("data-testid=\"wallet-buyer\""));

    // The cashier answers without the token; a wrong ticket is refused (403), not unauthorised.
    let cashier = http.get(format!("{base}/cashier/T2026?t=nope")).send().await.unwrap();
    assert_eq!(cashier.status().as_u16(), 403);
    let post = http
        .post(format!("{base}/cashier/T2026/pay"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("t=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 403);
}
