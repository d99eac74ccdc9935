//! Shared by the examples: a client from the local Alipay's `app.json`, and a client of its simulation controls
//! (the buyer's and the wallet's side of each story).
#![allow(dead_code)]

use alipay_client::AlipayClient;
use alipay_sandbox_admin::AdminClient;
use serde_json::Value;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The client, the simulation controls, and the `app.json` they came from (`alipay-sandbox/app.json`, or the
/// first argument).
pub fn client() -> Result<(AlipayClient, AdminClient, Value)> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "alipay-sandbox/app.json".into());
    let app: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    Ok((AlipayClient::from_config_file(&path)?, AdminClient::from_app_json(&path)?, app))
}

/// A run-unique suffix so the example can be run again on the same sandbox.
pub fn run_id() -> i64 {
    alipay_core::Timestamp::now().unix()
}
