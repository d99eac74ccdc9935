//! Shared by the examples: a client from the local Alipay's `app.json`, and its simulation controls (the
//! buyer's and the wallet's side of each story).
#![allow(dead_code, clippy::indexing_slicing)] // serde_json::Value indexing returns Null, never panics

use alipay_client::AlipayClient;
use serde_json::Value;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The client and the `app.json` it came from (`alipay-sandbox/app.json`, or the first argument).
pub fn client() -> Result<(AlipayClient, Value)> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "alipay-sandbox/app.json".into());
    let app: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    Ok((AlipayClient::from_config_file(&path)?, app))
}

/// POSTs a simulation control to the sandbox behind `client`.
pub async fn admin(client: &AlipayClient, path: &str, body: Value) -> Result<Value> {
    let base = client.gateway().trim_end_matches("/gateway.do");
    let resp = reqwest::Client::new()
        .post(format!("{base}/admin/{path}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let status = resp.status();
    let value: Value = serde_json::from_str(&resp.text().await?)?;
    if !status.is_success() {
        return Err(format!("admin {path}: {status} {value}").into());
    }
    Ok(value)
}

/// A run-unique suffix so the example can be run again on the same sandbox.
pub fn run_id() -> i64 {
    alipay_core::Timestamp::now().unix()
}
