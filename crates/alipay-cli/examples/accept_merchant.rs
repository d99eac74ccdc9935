//! A minimal merchant for `alipay accept run --suite face-to-face`: it reads `ALIPAY_ACCEPT_INSTRUCTION`
//! (`{"action":"barcode_pay","auth_code":..,"total_amount":..}`) and takes the payment with the SDK's flow
//! (`AlipayClient::pay_barcode`: on 10003 wait, query every interval, cancel when the window ends).
//!
//! ```text
//! alipay accept run --suite face-to-face --config app.json --poll-interval 1s -- \
//!     target/debug/examples/accept_merchant app.json 1
//! ```
//! Arguments: the client config, the poll interval in seconds (default 5: Alipay's), the window (default 6
//! intervals).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Duration;

use alipay_client::api::trade::TradePay;
use alipay_client::flows::PollPolicy;
use alipay_client::AlipayClient;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config = args.next().ok_or("usage: accept_merchant CONFIG [INTERVAL_SECS] [WINDOW_SECS]")?;
    let interval: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5.0);
    let window: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(interval * 6.0);
    let instruction: serde_json::Value = serde_json::from_str(&std::env::var("ALIPAY_ACCEPT_INSTRUCTION")?)?;
    let field = |k: &str| instruction.get(k).and_then(serde_json::Value::as_str);
    if field("action") != Some("barcode_pay") {
        return Err(format!("this merchant only takes barcode payments, not {:?}", field("action")).into());
    }
    let client = AlipayClient::from_config_file(&config)?;
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
    Ok(())
}
