//! Cash red packets (seed 003) against the local Alipay: fund one from the merchant's account, disburse part
//! of it to a user, return the rest — each with seed 003's handling of 10003/20000 (same request again, then
//! `operation.query`).
//!
//! `cargo run -p alipay-client --example red_packets` (with `alipay sandbox` running)
#![allow(clippy::print_stdout, clippy::indexing_slicing)] // serde_json::Value indexing never panics

#[path = "sandbox/mod.rs"]
mod sandbox;

use alipay_api::coupon::{CouponOrderAgreementPay, CouponOrderDisburse, CouponOrderRefund};
use alipay_api::trade::TradePay;
use alipay_client::flows::{CouponOutcome, PollPolicy, RetryPolicy};
use alipay_sandbox_admin::{FaultKind, FaultSpec};

#[tokio::main]
async fn main() -> sandbox::Result<()> {
    let (client, admin, app) = sandbox::client()?;
    let buyer = app["buyer_user_id"].as_str().unwrap_or_default().to_owned();
    let run = sandbox::run_id();
    let retry = RetryPolicy::default();

    // Merchants start empty in the sandbox: take a payment first.
    let code = admin.issue_payment_code(&buyer, &Default::default()).await?;
    let pay = TradePay {
        out_trade_no: format!("FUND{run}"),
        auth_code: code.auth_code,
        subject: "funding".into(),
        total_amount: "100.00".parse()?,
        ..Default::default()
    };
    println!("funding payment: {:?}", client.pay_barcode(&pay, &PollPolicy::default()).await?);

    // An answer lost after Alipay did the work: the same request again answers the earlier result.
    admin
        .inject_fault(&FaultSpec::new("alipay.fund.coupon.order.agreement.pay", FaultKind::UnknownError).execute())
        .await?;
    let out_order_no = format!("RP{run}");
    let packet = CouponOrderAgreementPay {
        out_order_no: out_order_no.clone(),
        out_request_no: format!("{out_order_no}-PAY"),
        order_title: "新年红包".into(),
        amount: "50.00".parse()?,
        ..Default::default()
    };
    let CouponOutcome::Done(funded) = client.red_packet_agreement_pay(&packet, &retry).await? else {
        return Err("the red packet was not funded".into());
    };
    let auth_no = funded.auth_no.unwrap_or_default();
    println!("red packet funded: auth_no={auth_no} status={:?}", funded.status);

    let disburse = CouponOrderDisburse {
        out_order_no: format!("{out_order_no}-D1"),
        out_request_no: format!("{out_order_no}-D1"),
        deduct_auth_no: Some(auth_no.clone()),
        order_title: "领取红包".into(),
        amount: "8.88".parse()?,
        payee_user_id: Some(buyer),
        ..Default::default()
    };
    println!("disbursed: {:?}", client.red_packet_disburse(&disburse, &retry).await?);

    let refund = CouponOrderRefund {
        auth_no,
        out_request_no: format!("{out_order_no}-R"),
        amount: "41.12".parse()?,
        remark: Some("unclaimed".into()),
    };
    println!("rest returned: {:?}", client.red_packet_refund(&refund, &out_order_no, &retry).await?);
    Ok(())
}
