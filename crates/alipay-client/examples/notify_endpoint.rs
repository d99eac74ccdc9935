//! A merchant's notify endpoint in axum that answers `success` only after verifying the notification.
//!
//! ```sh
//! cargo run -p alipay-client --example notify_endpoint -- alipay-sandbox/app.json 127.0.0.1:3000
//! ```
//! Then pass `http://127.0.0.1:3000/alipay/notify` as `notify_url` in your calls.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use alipay_client::AlipayClient;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::routing::post;

/// Alipay retries until it reads exactly `success`; anything else (here `failure`) means "send it again".
async fn notify(State(client): State<AlipayClient>, headers: HeaderMap, body: Bytes) -> &'static str {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    // 1. Verify over the raw bytes: decoded exactly once, never trimmed.
    let verified = match client.verify_notification(&body, content_type) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("rejected notification: {e}");
            return "failure";
        }
    };
    // 2. Read it typed, and check it against your own order before acting on it.
    match verified.trade() {
        Ok(trade) => {
            println!(
                "notify_id={:?} out_trade_no={:?} status={:?} total={:?}",
                trade.notify_id, trade.out_trade_no, trade.trade_status, trade.total_amount
            );
            // ... look the order up by out_trade_no, compare total_amount, update it idempotently
            //     (the same notify_id can arrive more than once), then:
            "success"
        }
        Err(e) => {
            eprintln!("verified but unreadable notification: {e}");
            "failure"
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config = args.next().unwrap_or_else(|| "alipay-sandbox/app.json".into());
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let client = AlipayClient::from_config_file(&config)?;
    let app = axum::Router::new().route("/alipay/notify", post(notify)).with_state(client);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on http://{listen}/alipay/notify");
    axum::serve(listener, app).await?;
    Ok(())
}
