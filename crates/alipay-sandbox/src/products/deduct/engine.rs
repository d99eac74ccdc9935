//! Direct deduct (seeds 000, 002, 004): agreements signed with a user's `pay_password_token`, deductions
//! under them, and their status.
//!
//! A deduction is one of: paid (`1`, money moved user → the agreement's `pid` merchant), failed (`2`, nothing
//! moved; a short balance), or unknown (`0`, nothing moved yet: a hold set by `POST /admin/deduct/holds`,
//! later settled by [`resolve`]). `out_order_no` is the idempotency key: the same request again answers the
//! deduction's current state and charges nothing more.

use alipay_api::deduct::{
    pay_errors, sign_query_errors, DeductResult, PdeductBillPayStatus, PdeductBillPayStatusResponse, PdeductPay,
    PdeductPayResponse, PdeductSignAdd, PdeductSignAddResponse, PdeductSignCancel, PdeductSignCancelResponse,
    PdeductSignQuery, PdeductSignQueryResponse,
};
use alipay_api::sub_code::SubCode;
use alipay_api::ValidationError;
use alipay_core::{ApiStatus, Money, Timestamp};

use super::store::{reservation_holder, AgreementRecord, AgreementStatus, DeductionRecord, PayTokenRecord};
use crate::caller::Caller;
use crate::clock::{date_digits, time_text};
use crate::ids;
use crate::products::deduct::store::DeductRepo;
use crate::products::ebpp::errors::illegal;
use crate::products::error::SimError;
use crate::reply::Reply;
use crate::store::ledger::{biz_type, LedgerEntry};
use crate::store::{Repo, StoreError};

/// `alipay.ebpp.pdeduct.sign.query`.
pub const SIGN_QUERY: &str = "alipay.ebpp.pdeduct.sign.query";
/// `alipay.ebpp.pdeduct.pay`.
pub const PAY: &str = "alipay.ebpp.pdeduct.pay";

/// An unknown, used or another user's token (the seeds are silent; chosen here).
pub const PAY_PASSWORD_TOKEN_INVALID: SubCode =
    SubCode { code: "PAY_PASSWORD_TOKEN_INVALID", msg: "支付授权令牌无效", solution: None };
/// An expired token (the seeds are silent; chosen here).
pub const PAY_PASSWORD_TOKEN_EXPIRED: SubCode =
    SubCode { code: "PAY_PASSWORD_TOKEN_EXPIRED", msg: "支付授权令牌已过期", solution: None };
/// A changed replay of an `out_order_no` (the seeds are silent; chosen here).
pub const INST_ORDER_NO_REPEAT: SubCode =
    SubCode {
        code: "INST_ORDER_NO_REPEAT", msg: "机构订单流水号重复,且与原扣款内容不一致", solution: None
    };
/// bill.pay.status of an unknown deduction (the seeds are silent; chosen in `alipay_api`, which the SDK reads).
pub const DEDUCT_ORDER_NOT_EXIST: SubCode = alipay_api::deduct::status_errors::DEDUCT_ORDER_NOT_EXIST;
/// `order_result_code` / `order_result_msg` of a paid deduction (the seeds are silent; chosen here).
const SUCCESS_CODE: SubCode = SubCode { code: "SUCCESS", msg: "支付成功", solution: None };
/// `order_result_code` / `order_result_msg` of a pending deduction (the seeds are silent; chosen here).
const PROCESSING_CODE: SubCode = SubCode { code: "PROCESSING", msg: "支付处理中", solution: None };

/// Hold scopes of `POST /admin/deduct/holds`.
pub const HOLD_AGREEMENT: &str = "agreement";
/// Hold scope naming a user.
pub const HOLD_USER: &str = "user";

/// Acceptance provocations (`POST /admin/accept/arm`, `crate::accept`), each a hold keyed by the app whose next
/// `pdeduct.pay` takes it, so another app's traffic never does:
/// the next new deduction stays unknown (`result_status` 0) ...
pub const ACCEPT_PENDING: &str = "accept_pending";
/// ... for this many `bill.pay.status` queries (the hold's count), then the next query finds it resolved;
pub const ACCEPT_PENDING_QUERIES: &str = "accept_pending_queries";
/// the next pay answers `QUERY_DEDUCT_SIGN_INFO_ERROR` (nothing happens: seed 002:95, "建议再次重试");
pub const ACCEPT_SIGN_ERROR: &str = "accept_sign_error";
/// the next pay finds its agreement cancelled, as the user would cancel it (seed 002:94).
pub const ACCEPT_CANCEL_AGREEMENT: &str = "accept_cancel_agreement";
/// The app-keyed acceptance holds, for disarming.
pub const ACCEPT_HOLDS: &[&str] = &[ACCEPT_PENDING, ACCEPT_PENDING_QUERIES, ACCEPT_SIGN_ERROR, ACCEPT_CANCEL_AGREEMENT];
/// Per deduction held by [`ACCEPT_PENDING`]: the status queries still answered unknown ...
const ACCEPT_RESOLVE_AFTER: &str = "accept_resolve_after";
/// ... and the marker that the next one resolves it.
const ACCEPT_RESOLVE: &str = "accept_resolve";

fn accept_key(seller_id: &str, out_order_no: &str) -> String {
    format!("{seller_id}/{out_order_no}")
}

/// The sub_codes that `POST /admin/deduct/faults` may inject, per method.
pub fn injectable(method: &str) -> &'static [&'static str] {
    match method {
        PAY => &["QUERY_DEDUCT_SIGN_INFO_ERROR"],
        SIGN_QUERY => &["QUERY_DEDUCT_SIGN_INFO_ERROR", "SYSTEM_ERROR"],
        _ => &[],
    }
}

/// A broken rule the model documents (seed 002's `*_IS_NULL` for four missing fields: read from the error,
/// [`ValidationError::sub_code`]) answers its code; any other `PARAMETER_ILLEGAL`.
pub(crate) fn invalid(e: &ValidationError) -> Reply {
    match e.sub_code() {
        Some(code) => Reply::documented(&code),
        None => illegal(&e.to_string()),
    }
}

/// sign.query (seed 004) answers every broken rule with `PARAMETER_ILLEGAL`.
pub(crate) fn invalid_query(e: &ValidationError) -> Reply {
    Reply::business(
        sign_query_errors::PARAMETER_ILLEGAL.code,
        &format!("{}: {e}", sign_query_errors::PARAMETER_ILLEGAL.msg),
    )
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("stored deduct request: {e}"))
}

/// An injected failure for `method`, answered with the seed's message.
fn injected(repo: &dyn Repo, method: &str) -> Result<Option<Reply>, StoreError> {
    let Some(code) = repo.take_ebpp_fault(method)? else { return Ok(None) };
    let lists: [&[SubCode]; 2] = if method == SIGN_QUERY {
        [sign_query_errors::ALL, pay_errors::ALL]
    } else {
        [pay_errors::ALL, sign_query_errors::ALL]
    };
    let found = lists.iter().find_map(|l| SubCode::find(l, &code));
    Ok(Some(match found {
        Some(s) => Reply::documented(s),
        None => Reply::business(&code, "注入的失败"),
    }))
}

/// Checks a `pay_password_token` for `user_id` (not consumed here).
fn check_token(repo: &dyn Repo, token: &str, user_id: &str, now: i64) -> Result<Option<Reply>, StoreError> {
    match repo.pay_token(token)? {
        Some(t) if t.user_id == user_id && !t.used => {
            if t.expires_at <= now {
                Ok(Some(Reply::documented(&PAY_PASSWORD_TOKEN_EXPIRED)))
            } else {
                Ok(None)
            }
        }
        _ => Ok(Some(Reply::documented(&PAY_PASSWORD_TOKEN_INVALID))),
    }
}

/// Issues a single-use token for `user_id` (a buyer), valid `ttl_secs`.
pub fn issue_token(repo: &dyn Repo, user_id: &str, ttl_secs: i64, now: i64) -> Result<PayTokenRecord, SimError> {
    if ttl_secs <= 0 {
        return Err(SimError::BadRequest("ttl_secs must be positive".into()));
    }
    if repo.buyer(user_id)?.is_none() {
        return Err(SimError::NotFound(format!("buyer {user_id} not found")));
    }
    let token = loop {
        let t = format!("{}{}", date_digits(now), ids::alnum(32));
        if repo.pay_token(&t)?.is_none() {
            break t;
        }
    };
    let record =
        PayTokenRecord { token, user_id: user_id.to_owned(), expires_at: now.saturating_add(ttl_secs), used: false };
    repo.insert_pay_token(&record)?;
    Ok(record)
}

fn sign_reply(a: &AgreementRecord) -> Reply {
    let body = PdeductSignAddResponse {
        agreement_id: Some(a.agreement_id.clone()),
        agreement_status: Some(a.status.agreement_status().to_owned()),
        out_agreement_id: a.out_agreement_id.clone(),
        sign_date: Timestamp::from_unix(a.sign_date),
        extra: Default::default(),
    };
    Reply::typed(ApiStatus::success(), &body)
}

/// The `2088…` id of the buyer a request names: its `open_id` in an app that gets open ids, else its `user_id`
/// (issue 16; `alipay_api::deduct` cites the models that carry `open_id`). An open id of another app, or sent by
/// an app that gets user ids, names nobody: the request then meets the answers for an unknown user (a token that
/// is not the user's, no such agreement), as a wrong `user_id` does.
fn named_user(repo: &dyn Repo, caller: &Caller, user_id: String, open_id: Option<&str>) -> Result<String, StoreError> {
    let Some(open_id) = open_id.filter(|o| !alipay_core::content::is_blank(o)) else { return Ok(user_id) };
    let resolved = crate::openid::of_app(repo, &caller.app_id)?.and_then(|ids| ids.user_id(open_id));
    Ok(resolved.unwrap_or_else(|| format!("open_id:{open_id}")))
}

/// `alipay.ebpp.pdeduct.sign.add`.
pub fn sign_add(repo: &dyn Repo, caller: &Caller, now: i64, mut req: PdeductSignAdd) -> Result<Reply, StoreError> {
    req.user_id = named_user(repo, caller, std::mem::take(&mut req.user_id), req.open_id.as_deref())?;
    if let Some(refused) = check_token(repo, &req.pay_password_token, &req.user_id, now)? {
        return Ok(refused);
    }
    if req.pid != caller.seller_id {
        return Ok(illegal("pid 须为调用方的商户 PID"));
    }
    let identity = [req.biz_type.as_str(), req.sub_biz_type.as_str(), req.charge_inst.as_str(), req.bill_key.as_str()];
    if let Some(existing) = repo.agreement_by_bill(&caller.seller_id, &req.user_id, identity)? {
        repo.use_pay_token(&req.pay_password_token)?;
        return Ok(sign_reply(&existing));
    }
    let seq = repo.next_seq("ebpp_agreement")?;
    let agreement = AgreementRecord {
        agreement_id: format!("{}0007001300{:014}", date_digits(now), seq.rem_euclid(100_000_000_000_000)),
        seller_id: caller.seller_id.clone(),
        app_id: caller.app_id.clone(),
        user_id: req.user_id.clone(),
        biz_type: req.biz_type.clone(),
        sub_biz_type: req.sub_biz_type.clone(),
        charge_inst: req.charge_inst.clone(),
        bill_key: req.bill_key.clone(),
        pid: req.pid.clone(),
        out_agreement_id: req.out_agreement_id.clone(),
        request: serde_json::to_string(&req).map_err(corrupt)?,
        status: AgreementStatus::Normal,
        sign_date: now,
        cancel_date: None,
    };
    repo.insert_agreement(&agreement)?;
    repo.use_pay_token(&req.pay_password_token)?;
    Ok(sign_reply(&agreement))
}

/// A `NORMAL` agreement of the caller's merchant and of `user_id`.
fn live_agreement(
    repo: &dyn Repo,
    caller: &Caller,
    agreement_id: &str,
    user_id: &str,
) -> Result<Option<AgreementRecord>, StoreError> {
    Ok(repo
        .agreement(&caller.seller_id, agreement_id)?
        .filter(|a| a.status == AgreementStatus::Normal && a.user_id == user_id))
}

/// `alipay.ebpp.pdeduct.sign.query` (seed 004).
pub fn sign_query(repo: &dyn Repo, caller: &Caller, _now: i64, mut req: PdeductSignQuery) -> Result<Reply, StoreError> {
    req.user_id = named_user(repo, caller, std::mem::take(&mut req.user_id), req.open_id.as_deref())?;
    if let Some(reply) = injected(repo, SIGN_QUERY)? {
        return Ok(reply);
    }
    let by_id = req.agreement_id.as_deref().filter(|a| !alipay_core::content::is_blank(a));
    let found = match by_id {
        Some(id) => live_agreement(repo, caller, id, &req.user_id)?,
        None => {
            let field = |v: &Option<String>| v.clone().unwrap_or_default();
            let (b, s, c, k) =
                (field(&req.biz_type), field(&req.sub_biz_type), field(&req.charge_inst), field(&req.bill_key));
            repo.agreement_by_bill(&caller.seller_id, &req.user_id, [&b, &s, &c, &k])?
        }
    };
    let Some(a) = found else { return Ok(Reply::documented(&sign_query_errors::DEDUCT_SIGN_INFO_NOT_EXIST)) };
    let ids = crate::openid::of_app(repo, &caller.app_id)?;
    let (user_id, open_id) = crate::openid::OpenIds::split(ids.as_ref(), Some(&a.user_id));
    let body = PdeductSignQueryResponse {
        agreement_id: Some(a.agreement_id.clone()),
        sign_date: Timestamp::from_unix(a.sign_date),
        charge_inst: Some(a.charge_inst.clone()),
        user_id,
        open_id,
        bill_key: Some(a.bill_key.clone()),
        out_agreement_id: a.out_agreement_id.clone(),
        extra: Default::default(),
    };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

/// `alipay.ebpp.pdeduct.sign.cancel`.
pub fn sign_cancel(
    repo: &dyn Repo,
    caller: &Caller,
    now: i64,
    mut req: PdeductSignCancel,
) -> Result<Reply, StoreError> {
    req.user_id = named_user(repo, caller, std::mem::take(&mut req.user_id), req.open_id.as_deref())?;
    if let Some(refused) = check_token(repo, &req.pay_password_token, &req.user_id, now)? {
        return Ok(refused);
    }
    let Some(a) = live_agreement(repo, caller, &req.agreement_id, &req.user_id)? else {
        return Ok(Reply::documented(&pay_errors::DEDUCT_SIGN_INFO_NOT_EXIST));
    };
    repo.cancel_agreement(&a.agreement_id, now)?;
    repo.use_pay_token(&req.pay_password_token)?;
    let body = PdeductSignCancelResponse {
        agreement_id: Some(a.agreement_id.clone()),
        agreement_status: Some(AgreementStatus::Cancel.agreement_status().to_owned()),
        out_agreement_id: a.out_agreement_id.clone(),
        extra: Default::default(),
    };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

fn pay_reply(d: &DeductionRecord, extend_field: Option<String>) -> Reply {
    let body = PdeductPayResponse {
        agreement_id: Some(d.agreement_id.clone()),
        out_order_no: Some(d.out_order_no.clone()),
        bill_no: Some(d.bill_no.clone()),
        result_status: Some(d.status.clone()),
        extend_field: Some(extend_field.unwrap_or_else(|| "{}".to_owned())),
        extra: Default::default(),
    };
    Reply::typed(ApiStatus::success(), &body)
}

/// Moves the deduction's amount from its user to its merchant at `now`; `false` (nothing moved) if the
/// available balance plus what the deduction itself `frees` (its reservation, already released from the
/// store's sum by the caller) is short.
fn move_money(repo: &dyn Repo, d: &DeductionRecord, frees: Money, now: i64) -> Result<bool, StoreError> {
    let Some(buyer) = repo.buyer(&d.user_id)? else { return Ok(false) };
    let spendable = buyer.balance.checked_add(frees).ok_or_else(overflow)?;
    let Some(buyer_after) = spendable.checked_sub(d.amount).filter(|b| *b >= Money::ZERO) else {
        return Ok(false);
    };
    let req: PdeductPay = serde_json::from_str(&d.request).map_err(corrupt)?;
    repo.set_buyer_balance(&d.user_id, buyer_after)?;
    repo.post_merchant(&LedgerEntry {
        biz_no: d.bill_no.clone(),
        out_biz_no: d.out_order_no.clone(),
        subject: req.bill_key,
        counterparty: ids::mask_logon_id(&buyer.logon_id),
        memo: req.memo.unwrap_or_default(),
        ..LedgerEntry::new(&d.pid, now, d.amount, biz_type::DEDUCT)
    })?;
    Ok(true)
}

fn overflow() -> StoreError {
    StoreError::Corrupt("amount overflow".into())
}

/// Whether the agreement's `sign_expire_date` (a Beijing date) is before the sandbox clock's Beijing date.
fn agreement_expired(a: &AgreementRecord, now: i64) -> Result<bool, StoreError> {
    let req: PdeductSignAdd = serde_json::from_str(&a.request).map_err(corrupt)?;
    let Some(expiry) = req.sign_expire_date.as_deref().and_then(alipay_api::deduct::sign_expire_day) else {
        return Ok(false);
    };
    let today = Timestamp::from_unix(now).map(|t| t.beijing().date_naive());
    Ok(today.is_some_and(|today| today > expiry))
}

/// `alipay.ebpp.pdeduct.pay` (seed 002).
pub fn pay(repo: &dyn Repo, caller: &Caller, now: i64, mut req: PdeductPay) -> Result<Reply, StoreError> {
    req.user_id = named_user(repo, caller, std::mem::take(&mut req.user_id), req.open_id.as_deref())?;
    if let Some(reply) = injected(repo, PAY)? {
        return Ok(reply);
    }
    if repo.take_hold(ACCEPT_SIGN_ERROR, &caller.app_id)? {
        return Ok(Reply::documented(&pay_errors::QUERY_DEDUCT_SIGN_INFO_ERROR));
    }
    if let Some(existing) = repo.deduction(&caller.seller_id, &req.out_order_no)? {
        let stored: PdeductPay = serde_json::from_str(&existing.request).map_err(corrupt)?;
        if stored != req {
            return Ok(Reply::documented(&INST_ORDER_NO_REPEAT));
        }
        return Ok(pay_reply(&existing, stored.extend_field));
    }
    if repo.take_hold(ACCEPT_CANCEL_AGREEMENT, &caller.app_id)? {
        if let Some(a) = live_agreement(repo, caller, &req.agreement_id, &req.user_id)? {
            repo.cancel_agreement(&a.agreement_id, now)?;
        }
    }
    let Some(agreement) = live_agreement(repo, caller, &req.agreement_id, &req.user_id)? else {
        return Ok(Reply::documented(&pay_errors::DEDUCT_SIGN_INFO_NOT_EXIST));
    };
    if agreement_expired(&agreement, now)? {
        return Ok(Reply::documented(&pay_errors::DEDUCT_SIGN_INFO_NOT_EXIST));
    }
    if req.pid != agreement.pid || req.bill_key != agreement.bill_key {
        return Ok(illegal("pid 或 bill_key 与代扣协议不符"));
    }
    let seq = repo.next_seq("ebpp_deduction")?;
    let mut d = DeductionRecord {
        seller_id: caller.seller_id.clone(),
        out_order_no: req.out_order_no.clone(),
        bill_no: format!("{}22002{:015}", date_digits(now), seq.rem_euclid(1_000_000_000_000_000)),
        agreement_id: agreement.agreement_id.clone(),
        user_id: req.user_id.clone(),
        pid: agreement.pid.clone(),
        amount: req.pay_amount,
        request: serde_json::to_string(&req).map_err(corrupt)?,
        status: DeductResult::Undetermined,
        result_code: PROCESSING_CODE.code.to_owned(),
        result_msg: PROCESSING_CODE.msg.to_owned(),
        gmt_create: now,
        gmt_finish: None,
        reserved: Money::ZERO,
    };
    let accept = repo.take_hold(ACCEPT_PENDING, &caller.app_id)?;
    if accept {
        let k = repo.take_all_holds(ACCEPT_PENDING_QUERIES, &caller.app_id)?;
        let key = accept_key(&d.seller_id, &d.out_order_no);
        repo.set_hold(ACCEPT_RESOLVE_AFTER, &key, k)?;
        repo.set_hold(ACCEPT_RESOLVE, &key, 1)?;
    }
    let held = accept
        || repo.take_hold(HOLD_AGREEMENT, &agreement.agreement_id)?
        || repo.take_hold(HOLD_USER, &req.user_id)?;
    if held {
        // Pending: the amount is reserved (no longer available to other payments) when the available balance
        // covers it; otherwise nothing is reserved and resolving it as success needs the balance then. The
        // buyer's row is written, so a concurrent payment that moves the balance conflicts with this decision.
        repo.lock_buyer(&d.user_id)?;
        let available = repo.buyer(&d.user_id)?.map_or(Money::ZERO, |b| b.balance);
        if available >= d.amount {
            d.reserved = d.amount;
            repo.reserve(&reservation_holder(&d.seller_id, &d.out_order_no), &d.user_id, d.amount)?;
        }
        repo.insert_deduction(&d)?;
        return Ok(pay_reply(&d, req.extend_field));
    }
    d.gmt_finish = Some(now);
    if move_money(repo, &d, Money::ZERO, now)? {
        d.status = DeductResult::Success;
        d.result_code = SUCCESS_CODE.code.to_owned();
        d.result_msg = SUCCESS_CODE.msg.to_owned();
        repo.insert_deduction(&d)?;
        Ok(pay_reply(&d, req.extend_field))
    } else {
        let failure = pay_errors::INVOKE_PAYACCEPTANCE_EXCEPTION;
        d.status = DeductResult::Failed;
        d.result_code = failure.code.to_owned();
        d.result_msg = failure.msg.to_owned();
        repo.insert_deduction(&d)?;
        Ok(Reply::documented(&failure))
    }
}

/// `alipay.ebpp.pdeduct.bill.pay.status`: `agreement_id` may carry the user id (seed 000) or the agreement id.
pub fn pay_status(repo: &dyn Repo, caller: &Caller, now: i64, req: PdeductBillPayStatus) -> Result<Reply, StoreError> {
    let found = repo
        .deduction(&caller.seller_id, &req.out_order_no)?
        .filter(|d| d.user_id == req.agreement_id || d.agreement_id == req.agreement_id);
    let Some(mut d) = found else { return Ok(Reply::documented(&DEDUCT_ORDER_NOT_EXIST)) };
    if d.status == DeductResult::Undetermined {
        // An acceptance provocation: unknown for its k queries, then resolved — paid out of its reservation,
        // or failed when nothing could be reserved (so the resolution never needs money that is not there).
        let key = accept_key(&d.seller_id, &d.out_order_no);
        if !repo.take_hold(ACCEPT_RESOLVE_AFTER, &key)? && repo.take_hold(ACCEPT_RESOLVE, &key)? {
            let success = d.reserved >= d.amount && d.amount > Money::ZERO;
            d = match resolve(repo, &d.seller_id.clone(), &d.out_order_no.clone(), success, None, now) {
                Ok(d) => d,
                Err(SimError::Store(e)) => return Err(e),
                Err(other) => return Err(StoreError::Corrupt(format!("resolving an armed deduction: {other}"))),
            };
        }
    }
    let body = PdeductBillPayStatusResponse {
        out_order_no: Some(d.out_order_no.clone()),
        agreement_id: Some(req.agreement_id.clone()),
        status: Some(d.status.clone()),
        order_no: Some(d.bill_no.clone()),
        order_result_code: Some(d.result_code.clone()),
        order_result_msg: Some(d.result_msg.clone()),
        extra: Default::default(),
    };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

/// The deduction as the controls show it.
pub(crate) fn deduction_answer(d: DeductionRecord) -> alipay_sandbox_admin::Deduction {
    let pending = d.status == DeductResult::Undetermined;
    alipay_sandbox_admin::Deduction {
        out_order_no: d.out_order_no,
        bill_no: d.bill_no,
        agreement_id: d.agreement_id,
        user_id: d.user_id,
        pid: d.pid,
        pay_amount: d.amount,
        status: d.status.as_str().to_owned(),
        order_result_code: d.result_code,
        order_result_msg: d.result_msg,
        reserved: Some(if pending { d.reserved } else { Money::ZERO }),
        gmt_create: time_text(d.gmt_create),
        gmt_finish: d.gmt_finish.and_then(time_text),
    }
}

/// Settles a pending (`0`) deduction: `success` moves the money once (out of its reservation), failure
/// records `code`/`msg` and releases the reservation.
pub fn resolve(
    repo: &dyn Repo,
    seller_id: &str,
    out_order_no: &str,
    success: bool,
    failure: Option<(String, String)>,
    now: i64,
) -> Result<DeductionRecord, SimError> {
    let mut d = repo
        .deduction(seller_id, out_order_no)?
        .ok_or_else(|| SimError::NotFound(format!("deduction {out_order_no} not found")))?;
    if d.status != DeductResult::Undetermined {
        return Err(SimError::Conflict(format!("deduction {out_order_no} is not pending (status {})", d.status)));
    }
    d.gmt_finish = Some(now);
    // The reservation ends either way: on success its money is moved, on failure it is available again.
    repo.release(&reservation_holder(&d.seller_id, &d.out_order_no))?;
    if success {
        d.status = DeductResult::Success;
        d.result_code = SUCCESS_CODE.code.to_owned();
        d.result_msg = SUCCESS_CODE.msg.to_owned();
        repo.update_deduction(&d)?;
        // The transaction rolls back with the error: the deduction stays pending.
        if !move_money(repo, &d, Money::ZERO, now)? {
            return Err(SimError::Conflict(format!("the balance of {} is short", d.user_id)));
        }
    } else {
        let default = pay_errors::INVOKE_PAYACCEPTANCE_EXCEPTION;
        let (code, msg) = failure.unwrap_or_else(|| (default.code.to_owned(), default.msg.to_owned()));
        d.status = DeductResult::Failed;
        d.result_code = code;
        d.result_msg = msg;
        repo.update_deduction(&d)?;
    }
    Ok(d)
}
