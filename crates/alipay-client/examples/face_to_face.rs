//! Face-to-face payment against the local Alipay: barcode pay, QR pay, refund, refund query.
//!
//! ```sh
//! cargo run --release -p alipay-cli -- sandbox           # terminal 1
//! cargo run -p alipay-client --example face_to_face      # terminal 2
//! ```
//! The sandbox's simulation controls play the buyer: a payment code for barcode pay, a scan for the QR code.
#![allow(clippy::print_stdout, clippy::indexing_slicing)] // serde_json::Value indexing returns Null, never panics

use std::time::Duration;

use alipay_api::trade::{TradeFastpayRefundQuery, TradePay, TradePrecreate, TradeRefund};
use alipay_client::flows::{PollPolicy, RetryPolicy};
use alipay_client::{AlipayClient, ClientConfig, ResponseExt};
use serde_json::{json, Value};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// POSTs to the sandbox's admin API (the buyer's side of the story).
async fn admin(gateway: &str, path: &str, body: Value) -> Result<Value> {
    let base = gateway.trim_end_matches("/gateway.do");
    let resp = reqwest::Client::new()
        .post(format!("{base}/admin/{path}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    Ok(serde_json::from_str(&resp.text().await?)?)
}

#[tokio::main]
async fn main() -> Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "alipay-sandbox/app.json".into());
    let config = ClientConfig::from_file(&path)?;
    let app: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let buyer = app["buyer_user_id"].as_str().ok_or("app.json has no buyer_user_id: is this a sandbox's?")?;
    let client = AlipayClient::from_config(&config)?;
    let run = alipay_core::Timestamp::now().unix();

    // 1. Barcode: the buyer shows a payment code, the cashier scans it.
    let code = admin(client.gateway(), &format!("buyers/{buyer}/payment-codes"), json!({})).await?;
    let pay = TradePay {
        out_trade_no: format!("BAR{run}"),
        auth_code: code["auth_code"].as_str().unwrap_or_default().to_owned(),
        subject: "咖啡 Coffee".into(),
        total_amount: "12.50".parse()?,
        ..Default::default()
    };
    let outcome = client.pay_barcode(&pay, &PollPolicy::default()).await?;
    println!("barcode pay {}: {outcome:?}\n", pay.out_trade_no);

    // 2. QR code: precreate, the buyer scans and pays, the merchant polls.
    let out_trade_no = format!("QR{run}");
    let qr = client
        .execute(&TradePrecreate {
            out_trade_no: out_trade_no.clone(),
            subject: "水费".into(),
            total_amount: "88.88".parse()?,
            ..Default::default()
        })
        .await?
        .ok()?;
    println!("show this QR code to the buyer: {:?}", qr.qr_code);
    admin(client.gateway(), "trades/scan", json!({"qr_code": qr.qr_code, "confirm": true})).await?;
    let policy = PollPolicy { interval: Duration::from_millis(500), ..Default::default() };
    println!("QR pay {out_trade_no}: {:?}\n", client.wait_for_qr_payment(&out_trade_no, &policy).await?);

    // 3. A partial refund with a generated out_request_no, then its query.
    let (sent, answer) = client
        .refund(
            &TradeRefund {
                out_trade_no: Some(out_trade_no.clone()),
                refund_amount: "8.88".parse()?,
                ..Default::default()
            },
            &RetryPolicy::default(),
        )
        .await?;
    println!("refund: {} refund_fee={:?}", answer.status, answer.body.refund_fee);
    let refund = client
        .execute(&TradeFastpayRefundQuery {
            out_trade_no: Some(out_trade_no),
            out_request_no: sent.out_request_no.unwrap_or_default(),
            ..Default::default()
        })
        .await?
        .ok()?;
    println!("refund query: {:?} {:?}", refund.refund_status, refund.refund_amount);
    Ok(())
}
