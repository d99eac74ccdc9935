//! A minimal merchant for `alipay accept run`: it reads `ALIPAY_ACCEPT_INSTRUCTION` and does what it says with
//! the SDK's flows:
//!
//! - `{"action":"barcode_pay","auth_code":..,"total_amount":..}` (`--suite face-to-face`): `pay_barcode` (on
//!   10003 wait, query every interval, cancel when the window ends);
//! - `{"action":"refund","out_trade_no":..,"refund_amount":..,"times":n}` (`--suite refund`): `refund` n times,
//!   each part under a fresh `out_request_no`, the same request again while an outcome is unknown;
//! - `{"action":"bill","bill_type":"trade","bill_date":..}` (`--suite bill`): `download_bill` (a URL found
//!   expired: a new one).
//!
//! ```text
//! alipay accept run --suite face-to-face --config app.json --poll-interval 1s -- \
//!     target/debug/examples/accept_merchant app.json 1
//! ```
//! Arguments: the client config, the poll interval in seconds (default 5: Alipay's), the window (default 6
//! intervals).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Duration;

use alipay_client::api::bill::{BillDownloadUrlQuery, BillType};
use alipay_client::api::trade::{TradePay, TradeRefund};
use alipay_client::flows::{PollPolicy, RetryPolicy};
use alipay_client::AlipayClient;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config = args.next().ok_or("usage: accept_merchant CONFIG [INTERVAL_SECS] [WINDOW_SECS]")?;
    let interval: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5.0);
    let window: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(interval * 6.0);
    let instruction: serde_json::Value = serde_json::from_str(&std::env::var("ALIPAY_ACCEPT_INSTRUCTION")?)?;
    let field = |k: &str| instruction.get(k).and_then(serde_json::Value::as_str);
    let client = AlipayClient::from_config_file(&config)?;
    match field("action") {
        Some("barcode_pay") => {
            let pay = TradePay {
                out_trade_no: format!("ACCEPT-{}", std::process::id()),
                auth_code: field("auth_code").ok_or("no auth_code")?.to_owned(),
                subject: "acceptance".into(),
                total_amount: field("total_amount").ok_or("no total_amount")?.parse()?,
                ..TradePay::default()
            };
            let policy = PollPolicy {
                interval: Duration::from_secs_f64(interval),
                window: Duration::from_secs_f64(window),
                cancel_attempts: 3,
            };
            let outcome = client.pay_barcode(&pay, &policy).await?;
            println!("{}: {outcome:?}", pay.out_trade_no);
        }
        Some("refund") => {
            let times = instruction.get("times").and_then(serde_json::Value::as_u64).unwrap_or(1);
            let retry = RetryPolicy { attempts: 3, backoff: Duration::from_secs_f64(interval / 5.0) };
            for _ in 0..times {
                let part = TradeRefund {
                    out_trade_no: Some(field("out_trade_no").ok_or("no out_trade_no")?.to_owned()),
                    refund_amount: field("refund_amount").ok_or("no refund_amount")?.parse()?,
                    ..TradeRefund::default()
                };
                let (sent, answer) = client.refund(&part, &retry).await?;
                println!("refund {:?}: {:?}", sent.out_request_no, answer.status);
            }
        }
        Some("bill") => {
            let query = BillDownloadUrlQuery {
                bill_type: BillType::Trade,
                bill_date: field("bill_date").ok_or("no bill_date")?.to_owned(),
            };
            let bill = client.download_bill(&query, &std::env::temp_dir()).await?;
            println!("bill: {}", bill.zip_path.display());
        }
        other => return Err(format!("this merchant cannot {other:?}").into()),
    }
    Ok(())
}
