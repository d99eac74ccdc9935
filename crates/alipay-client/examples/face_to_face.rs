//! Face-to-face payment against the local Alipay: barcode pay, QR pay, refund, refund query.
//!
//! ```sh
//! cargo run --release -p alipay-cli -- sandbox           # terminal 1
//! cargo run -p alipay-client --example face_to_face      # terminal 2
//! ```
//! The sandbox's simulation controls play the buyer: a payment code for barcode pay, a scan for the QR code.
#![allow(clippy::print_stdout, clippy::indexing_slicing)] // serde_json::Value indexing returns Null, never panics

#[path = "sandbox/mod.rs"]
mod sandbox;

use std::time::Duration;

use alipay_api::trade::{TradeFastpayRefundQuery, TradePay, TradePrecreate, TradeRefund};
use alipay_client::flows::{PollPolicy, RetryPolicy};
use alipay_client::ResponseExt;
use alipay_sandbox_admin::ScanTrade;
use sandbox::Result;

#[tokio::main]
async fn main() -> Result<()> {
    let (client, admin, app) = sandbox::client()?;
    let buyer = app["buyer_user_id"].as_str().ok_or("app.json has no buyer_user_id: is this a sandbox's?")?;
    let run = sandbox::run_id();

    // 1. Barcode: the buyer shows a payment code, the cashier scans it.
    let code = admin.issue_payment_code(buyer, &Default::default()).await?;
    let pay = TradePay {
        out_trade_no: format!("BAR{run}"),
        auth_code: code.auth_code,
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
    let qr_code = qr.qr_code.ok_or("precreate answered no qr_code")?;
    admin.scan_trade(&ScanTrade { confirm: true, ..ScanTrade::qr_code(qr_code) }).await?;
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
