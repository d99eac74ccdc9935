//! EBPP bill payment (seed 000) against the local Alipay: add a utility bill, the user pays it in the wallet,
//! read it back. Legacy top-level parameters are handled by the typed request.
//!
//! `cargo run -p alipay-client --example ebpp` (with `alipay sandbox` running)
#![allow(clippy::print_stdout, clippy::indexing_slicing)] // serde_json::Value indexing never panics

#[path = "sandbox/mod.rs"]
mod sandbox;

use alipay_api::ebpp::{EbppBillAdd, EbppBillGet};
use alipay_client::ResponseExt;
use alipay_sandbox_admin::PayBill;

#[tokio::main]
async fn main() -> sandbox::Result<()> {
    let (client, admin, app) = sandbox::client()?;
    let merchant_order_no = format!("JF{}", sandbox::run_id());
    let bill = client
        .execute(&EbppBillAdd {
            merchant_order_no: merchant_order_no.clone(),
            order_type: "JF".into(),
            sub_order_type: "WATER".into(),
            charge_inst: "HZWATER".into(),
            bill_key: "1000123".into(),
            bill_date: Some("202405".into()),
            owner_name: Some("张三".into()),
            pay_amount: "91.00".parse()?,
            ..Default::default()
        })
        .await?
        .ok()?;
    println!("bill added: alipay_order_no={:?}", bill.alipay_order_no);

    // The user pays it in the wallet (a simulation control).
    let buyer_id = app["buyer_user_id"].as_str().map(str::to_owned);
    admin.pay_ebpp_bill(&PayBill { merchant_order_no: merchant_order_no.clone(), buyer_id, app_id: None }).await?;

    let get = EbppBillGet { order_type: "JF".into(), merchant_order_no };
    let bill = client.execute(&get).await?.ok()?;
    println!("bill status: {:?}, paid at {:?}", bill.order_status, bill.pay_time);
    Ok(())
}
