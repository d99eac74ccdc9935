//! Direct deduct (seeds 000, 002, 004) against the local Alipay: the user signs an agreement (authorising with
//! a pay-password token from the wallet), the institution deducts a bill, and an "unknown" deduction is followed
//! with `bill.pay.status` until it settles, as seed 000 tells integrators to do.
//!
//! `cargo run -p alipay-client --example deduct` (with `alipay sandbox` running)
#![allow(clippy::print_stdout, clippy::indexing_slicing)] // serde_json::Value indexing never panics

#[path = "sandbox/mod.rs"]
mod sandbox;

use std::time::Duration;

use alipay_api::deduct::{DeductResult, PdeductBillPayStatus, PdeductPay, PdeductSignAdd};
use alipay_client::ResponseExt;
use alipay_sandbox_admin::{NewHold, NewPayPasswordToken, ResolveDeduction};

#[tokio::main]
async fn main() -> sandbox::Result<()> {
    let (client, admin, app) = sandbox::client()?;
    let user = app["buyer_user_id"].as_str().unwrap_or_default().to_owned();
    let pid = app["merchant_pid"].as_str().unwrap_or_default().to_owned();
    let run = sandbox::run_id();

    // The user authorises in the wallet, which hands the institution a single-use token.
    let token = admin.issue_pay_password_token(&NewPayPasswordToken::for_user(&user)).await?;
    let agreement = client
        .execute(&PdeductSignAdd {
            pay_password_token: token.pay_password_token,
            user_id: user.clone(),
            biz_type: "JF".into(),
            sub_biz_type: "ELECTRIC".into(),
            bill_key: format!("E{run}"),
            charge_inst: "HZELEC".into(),
            pid: pid.clone(),
            agent_channel: "PUBLICPLATFORM".into(),
            ..Default::default()
        })
        .await?
        .ok()?;
    let agreement_id = agreement.agreement_id.unwrap_or_default();
    println!("agreement signed: {agreement_id}");

    // Make the next deduction stay unknown, to show how to handle it.
    admin.hold_deductions(&NewHold { agreement_id: Some(agreement_id.clone()), count: Some(1), user_id: None }).await?;
    let out_order_no = format!("D{run}");
    let paid = client
        .execute(&PdeductPay {
            agreement_id: agreement_id.clone(),
            user_id: user.clone(),
            bill_key: format!("E{run}"),
            pid,
            out_order_no: out_order_no.clone(),
            pay_amount: "30.00".parse()?,
            fine_amount: "0.00".parse()?,
            agent_channel: "PUBLICPLATFORM".into(),
            agent_code: "PC1".into(),
            ..Default::default()
        })
        .await?
        .ok()?;
    println!("deduction answered result_status={:?}", paid.result_status);

    // Seed 000: result_status 0 means "ask again". (Here the sandbox settles it on cue.)
    admin.resolve_deduction(&ResolveDeduction::success(&out_order_no)).await?;
    let status = PdeductBillPayStatus { agreement_id: user, out_order_no };
    loop {
        let s = client.execute(&status).await?.ok()?;
        println!("bill.pay.status: {:?}", s.status);
        if s.status != Some(DeductResult::Undetermined) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Ok(())
}
