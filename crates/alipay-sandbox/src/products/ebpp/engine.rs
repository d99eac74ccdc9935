//! EBPP bills (seed 000): `alipay.ebpp.bill.add`, `alipay.ebpp.bill.get`, and the controls that pay or fail
//! a bill as the user would in the wallet.
//!
//! A bill starts `INIT`; [`pay`] makes it `SUCCESS` (moving `pay_amount + service_amount` from a buyer to the
//! bill's merchant), [`fail`] makes it `FAILED`. Both only apply to an `INIT` bill.

use alipay_api::ebpp::{EbppBill, EbppBillAdd, EbppBillGet, OrderStatus};
use alipay_api::sub_code::SubCode;
use alipay_api::ValidationError;
use alipay_core::{ApiStatus, Money};

use super::errors::illegal;
use super::store::EbppBillRecord;
use crate::caller::Caller;
use crate::clock::{date_digits, time_text};
use crate::ids;
use crate::products::ebpp::store::EbppRepo;
use crate::products::error::SimError;
use crate::reply::Reply;
use crate::store::ledger::{biz_type, LedgerEntry};
use crate::store::{Repo, StoreError};

/// A changed replay of a `merchant_order_no` (the seeds are silent; chosen here).
pub const MERCHANT_ORDER_NO_REPEAT: SubCode =
    SubCode {
        code: "MERCHANT_ORDER_NO_REPEAT", msg: "商户订单号重复,且与原账单内容不一致", solution: None
    };
/// No such bill (the seeds are silent; chosen here).
pub const BILL_NOT_EXIST: SubCode = SubCode { code: "BILL_NOT_EXIST", msg: "账单不存在", solution: None };

/// Bill methods answer every broken field rule with `PARAMETER_ILLEGAL`.
pub(crate) fn invalid(e: &ValidationError) -> Reply {
    illegal(&e.to_string())
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("stored bill request: {e}"))
}

/// The bill's request as stored.
fn stored_request(bill: &EbppBillRecord) -> Result<EbppBillAdd, StoreError> {
    serde_json::from_str(&bill.request).map_err(corrupt)
}

/// The institution's name for a few sandbox institutions; the code itself otherwise.
fn charge_inst_name(code: &str) -> String {
    match code {
        "WHSTRQ2150" => "武汉市天然气有限公司".to_owned(),
        "CQCENTERELECTRIC" => "重庆市电力公司".to_owned(),
        "HZYHWATER" => "杭州余杭水务".to_owned(),
        other => other.to_owned(),
    }
}

/// The bill's fields as `bill.add` / `bill.get` answer them (`with_status`: add `order_status`, `pay_time`).
fn bill_reply(bill: &EbppBillRecord, req: &EbppBillAdd, with_status: bool) -> Reply {
    let body = EbppBill {
        alipay_order_no: Some(bill.alipay_order_no.clone()),
        merchant_order_no: Some(bill.merchant_order_no.clone()),
        order_type: Some(req.order_type.clone()),
        sub_order_type: Some(req.sub_order_type.clone()),
        charge_inst: Some(req.charge_inst.clone()),
        charge_inst_name: Some(charge_inst_name(&req.charge_inst)),
        bill_key: Some(req.bill_key.clone()),
        bill_date: req.bill_date.clone(),
        owner_name: req.owner_name.clone(),
        pay_amount: Some(req.pay_amount),
        service_amount: req.service_amount,
        bank_bill_no: req.bank_bill_no.clone(),
        extend_field: req.extend_field.clone(),
        order_status: with_status.then(|| bill.status.clone()),
        pay_time: if with_status { bill.gmt_pay.and_then(time_text) } else { None },
        extra: Default::default(),
    };
    Reply::typed(ApiStatus::success(), &body)
}

/// `alipay.ebpp.bill.add`: a new `INIT` bill, or the existing one for the same `merchant_order_no` and content.
pub fn add(repo: &dyn Repo, caller: &Caller, now: i64, req: EbppBillAdd) -> Result<Reply, StoreError> {
    if let Some(existing) = repo.ebpp_bill(&caller.seller_id, &req.merchant_order_no)? {
        let stored = stored_request(&existing)?;
        if stored == req {
            return Ok(bill_reply(&existing, &stored, false));
        }
        return Ok(Reply::documented(&MERCHANT_ORDER_NO_REPEAT));
    }
    let seq = repo.next_seq("ebpp_bill")?;
    let bill = EbppBillRecord {
        seller_id: caller.seller_id.clone(),
        merchant_order_no: req.merchant_order_no.clone(),
        alipay_order_no: format!("{}0103{:012}", date_digits(now), seq.rem_euclid(1_000_000_000_000)),
        app_id: caller.app_id.clone(),
        order_type: req.order_type.clone(),
        request: serde_json::to_string(&req).map_err(corrupt)?,
        status: OrderStatus::Init,
        buyer_id: None,
        gmt_create: now,
        gmt_pay: None,
    };
    repo.insert_ebpp_bill(&bill)?;
    Ok(bill_reply(&bill, &req, false))
}

/// `alipay.ebpp.bill.get`: the caller's bill with its status.
pub fn get(repo: &dyn Repo, caller: &Caller, _now: i64, req: EbppBillGet) -> Result<Reply, StoreError> {
    match repo.ebpp_bill(&caller.seller_id, &req.merchant_order_no)? {
        Some(bill) if bill.order_type == req.order_type => {
            let stored = stored_request(&bill)?;
            Ok(bill_reply(&bill, &stored, true))
        }
        _ => Ok(Reply::documented(&BILL_NOT_EXIST)),
    }
}

/// The bill as the controls show it.
pub(crate) fn bill_answer(bill: EbppBillRecord) -> Result<alipay_sandbox_admin::Bill, StoreError> {
    let req = stored_request(&bill)?;
    Ok(alipay_sandbox_admin::Bill {
        alipay_order_no: bill.alipay_order_no,
        merchant_order_no: bill.merchant_order_no,
        app_id: bill.app_id,
        seller_id: bill.seller_id,
        order_type: bill.order_type,
        sub_order_type: req.sub_order_type,
        charge_inst: req.charge_inst,
        bill_key: req.bill_key,
        order_status: bill.status.as_str().to_owned(),
        pay_amount: req.pay_amount,
        service_amount: req.service_amount,
        buyer_id: bill.buyer_id,
        gmt_create: time_text(bill.gmt_create),
        pay_time: bill.gmt_pay.and_then(time_text),
    })
}

fn init_bill(repo: &dyn Repo, seller_id: &str, merchant_order_no: &str) -> Result<EbppBillRecord, SimError> {
    let bill = repo
        .ebpp_bill(seller_id, merchant_order_no)?
        .ok_or_else(|| SimError::NotFound(format!("bill {merchant_order_no} not found")))?;
    if bill.status != OrderStatus::Init {
        return Err(SimError::Conflict(format!("bill {merchant_order_no} is {}, not INIT", bill.status)));
    }
    Ok(bill)
}

/// The user pays the bill: `pay_amount + service_amount` moves from `buyer_id` to the bill's merchant.
pub fn pay(
    repo: &dyn Repo,
    seller_id: &str,
    merchant_order_no: &str,
    buyer_id: &str,
    now: i64,
) -> Result<EbppBillRecord, SimError> {
    let mut bill = init_bill(repo, seller_id, merchant_order_no)?;
    let req = stored_request(&bill)?;
    let total = req
        .pay_amount
        .checked_add(req.service_amount.unwrap_or(Money::ZERO))
        .ok_or_else(|| SimError::BadRequest("amount overflow".into()))?;
    let buyer = repo.buyer(buyer_id)?.ok_or_else(|| SimError::NotFound(format!("buyer {buyer_id} not found")))?;
    let buyer_after = buyer
        .balance
        .checked_sub(total)
        .filter(|b| *b >= Money::ZERO)
        .ok_or_else(|| SimError::Conflict(format!("buyer balance {} is short of {total}", buyer.balance)))?;
    repo.set_buyer_balance(&buyer.user_id, buyer_after)?;
    repo.post_merchant(&LedgerEntry {
        biz_no: bill.alipay_order_no.clone(),
        out_biz_no: bill.merchant_order_no.clone(),
        subject: req.bill_key.clone(),
        counterparty: ids::mask_logon_id(&buyer.logon_id),
        ..LedgerEntry::new(&bill.seller_id, now, total, biz_type::BILL_PAYMENT)
    })?;
    bill.status = OrderStatus::Success;
    bill.buyer_id = Some(buyer.user_id);
    bill.gmt_pay = Some(now);
    repo.update_ebpp_bill(&bill)?;
    Ok(bill)
}

/// The user's payment of the bill fails: `FAILED`, nothing moves.
pub fn fail(repo: &dyn Repo, seller_id: &str, merchant_order_no: &str) -> Result<EbppBillRecord, SimError> {
    let mut bill = init_bill(repo, seller_id, merchant_order_no)?;
    bill.status = OrderStatus::Failed;
    repo.update_ebpp_bill(&bill)?;
    Ok(bill)
}
