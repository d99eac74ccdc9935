//! Red-packet business logic over the store, without HTTP. Every function runs inside one store transaction
//! ([`Repo`]); money moves only here, in [`Money`] with checked arithmetic, and never makes a balance negative.

use alipay_api::coupon::{
    errors as seed, CouponOperationQuery, CouponOperationQueryResponse, CouponOrderAgreementPay, CouponOrderAppPay,
    CouponOrderDisburse, CouponOrderPagePay, CouponOrderRefund, CouponOrderResult, CouponStatus, OperationType,
};
use alipay_api::notify::{
    FundNotification, FUND_DISBURSE_SUCCESS, FUND_REFUND_SUCCESS, FUND_STDTRUSTEE_DISBURSE, FUND_STDTRUSTEE_REFUND,
};
use alipay_api::sub_code::SubCode;
use alipay_core::{ApiStatus, Money, SignType, Timestamp};

use crate::caller::Caller;
use crate::clock::real_now_ms;
use crate::ids;
use crate::products::coupon::store::CouponRepo;
use crate::products::coupon::store::{CouponOperationRecord, CouponOrderRecord, FundKind, OperationKind};
use crate::products::error::SimError;
use crate::reply::Reply;
use crate::store::ledger::{biz_type, LedgerEntry};
use crate::store::{OutboxRecord, Repo, StoreError};

/// The `meta` key of the timeout-refund window, seconds.
pub const REFUND_WINDOW_KEY: &str = "coupon.refund_window_secs";
/// Default timeout-refund window: 48 hours of sandbox clock (seed 003: 自助签约默认超时退款时间为48小时).
pub const DEFAULT_REFUND_WINDOW_SECS: i64 = 48 * 3600;
/// Default `pay_timeout` of an order waiting for its payer: 1 hour (spec).
pub const DEFAULT_PAY_TIMEOUT_SECS: i64 = 3600;
/// Most red packets one sweep handles per kind.
const SWEEP_BATCH: usize = 500;

/// `INVALID_PARAMETER` (the sandbox's choice; seed 003 is silent): unreadable `biz_content` or a broken field
/// rule. Its `sub_msg` carries the detail.
pub const INVALID_PARAMETER: SubCode = SubCode { code: "INVALID_PARAMETER", msg: "参数有误", solution: None };
/// A new funding request or disbursement reusing an `out_order_no` (seed 003: 需要保证不重复): the seed's
/// `UNIQUE_VIOLATION` code with this `sub_msg`.
pub const ORDER_NO_DUPLICATE: SubCode =
    SubCode {
        code: seed::UNIQUE_VIOLATION.code, msg: "商户的授权资金订单号与之前有重复", solution: None
    };
/// No such red packet for this app (the sandbox's choice).
pub const AUTH_ORDER_NOT_EXIST: SubCode =
    SubCode { code: "AUTH_ORDER_NOT_EXIST", msg: "授权订单不存在", solution: None };
/// No such operation for this app (the sandbox's choice).
pub const AUTH_OPERATION_NOT_EXIST: SubCode =
    SubCode { code: "AUTH_OPERATION_NOT_EXIST", msg: "资金操作流水不存在", solution: None };
/// The red packet is not paid: waiting for its payer, or closed (the sandbox's choice).
pub const ORDER_STATUS_INVALID: SubCode =
    SubCode { code: "ORDER_STATUS_INVALID", msg: "订单状态不合法", solution: None };
/// `payer_user_id` names no account (the sandbox's choice).
pub const PAYER_NOT_EXIST: SubCode =
    SubCode { code: "PAYER_NOT_EXIST", msg: "付款方账户不存在", solution: None };
/// The payer cannot pay the amount (the sandbox's choice).
pub const PAYER_BALANCE_NOT_ENOUGH: SubCode =
    SubCode { code: "PAYER_BALANCE_NOT_ENOUGH", msg: "付款方余额不足", solution: None };
/// The payee is no buyer of the sandbox (the sandbox's choice).
pub const PAYEE_NOT_EXIST: SubCode =
    SubCode { code: "PAYEE_NOT_EXIST", msg: "收款方账户不存在", solution: None };

/// A red-packet request refused with `40004` (or the sub-codes of seed 003).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CouponError {
    /// `INVALID_PARAMETER`: unreadable business parameters or a broken field rule.
    #[error("{}: {detail}", INVALID_PARAMETER.msg, detail = .0)]
    InvalidParameter(String),
    /// `UNIQUE_VIOLATION` (seed): the `out_request_no` was used before with other content.
    #[error("{}", seed::UNIQUE_VIOLATION.msg)]
    UniqueViolation,
    /// `UNIQUE_VIOLATION` too: a new fund request reuses an existing red packet's `out_order_no`.
    #[error("{}", ORDER_NO_DUPLICATE.msg)]
    OrderNoDuplicate,
    /// `MONEY_NOT_ENOUGH` (seed): more than remains in the red packet.
    #[error("{}", seed::MONEY_NOT_ENOUGH.msg)]
    MoneyNotEnough,
    /// `AUTH_ORDER_NOT_EXIST`: no such red packet for this app.
    #[error("{}", AUTH_ORDER_NOT_EXIST.msg)]
    OrderNotExist,
    /// `AUTH_OPERATION_NOT_EXIST`: no such operation for this app.
    #[error("{}", AUTH_OPERATION_NOT_EXIST.msg)]
    OperationNotExist,
    /// `ORDER_STATUS_INVALID`: the red packet is not paid (waiting for its payer, or closed).
    #[error("{}", ORDER_STATUS_INVALID.msg)]
    OrderStatusInvalid,
    /// `PAYER_NOT_EXIST`: `payer_user_id` names no account.
    #[error("{}", PAYER_NOT_EXIST.msg)]
    PayerNotExist,
    /// `PAYER_BALANCE_NOT_ENOUGH`: the payer cannot pay the amount.
    #[error("{}", PAYER_BALANCE_NOT_ENOUGH.msg)]
    PayerBalanceNotEnough,
    /// `PAYEE_NOT_EXIST`: the payee is no buyer of the sandbox.
    #[error("{}", PAYEE_NOT_EXIST.msg)]
    PayeeNotExist,
}

impl CouponError {
    /// The documented failure.
    pub fn code(&self) -> &'static SubCode {
        match self {
            CouponError::InvalidParameter(_) => &INVALID_PARAMETER,
            CouponError::UniqueViolation => &seed::UNIQUE_VIOLATION,
            CouponError::OrderNoDuplicate => &ORDER_NO_DUPLICATE,
            CouponError::MoneyNotEnough => &seed::MONEY_NOT_ENOUGH,
            CouponError::OrderNotExist => &AUTH_ORDER_NOT_EXIST,
            CouponError::OperationNotExist => &AUTH_OPERATION_NOT_EXIST,
            CouponError::OrderStatusInvalid => &ORDER_STATUS_INVALID,
            CouponError::PayerNotExist => &PAYER_NOT_EXIST,
            CouponError::PayerBalanceNotEnough => &PAYER_BALANCE_NOT_ENOUGH,
            CouponError::PayeeNotExist => &PAYEE_NOT_EXIST,
        }
    }

    /// The `sub_code`.
    pub fn sub_code(&self) -> &'static str {
        self.code().code
    }

    /// The `40004 Business Failed` answer.
    pub fn reply(&self) -> Reply {
        Reply::business(self.sub_code(), &self.to_string())
    }
}

impl From<CouponError> for SimError {
    fn from(e: CouponError) -> Self {
        match e {
            CouponError::OrderNotExist | CouponError::OperationNotExist | CouponError::PayerNotExist => {
                SimError::NotFound(format!("{}: {e}", e.sub_code()))
            }
            other => SimError::Conflict(format!("{}: {other}", other.sub_code())),
        }
    }
}

fn overflow() -> StoreError {
    StoreError::Corrupt("amount overflow".into())
}

/// `yyyyMMdd` (Beijing) of `now`, then `infix`, then a persisted 15-digit sequence: 28 digits.
fn number(repo: &dyn Repo, now: i64, seq: &str, infix: &str) -> Result<String, StoreError> {
    let n = repo.next_seq(seq)?;
    let date = Timestamp::from_unix(now)
        .map(|t| t.beijing().format("%Y%m%d").to_string())
        .unwrap_or_else(|| "20000101".to_owned());
    Ok(format!("{date}{infix}{:015}", n.rem_euclid(1_000_000_000_000_000)))
}

/// `pay_timeout` in seconds (the request's `validate()` checked it: `1m`..=`7d`); 1 h when absent (spec).
pub fn pay_timeout_secs(timeout: Option<alipay_api::TimeoutExpress>) -> i64 {
    timeout.and_then(|t| t.minutes()).and_then(|m| i64::try_from(m).ok()).map_or(DEFAULT_PAY_TIMEOUT_SECS, |m| m * 60)
}

/// The timeout-refund window in force (seconds).
pub fn refund_window(repo: &dyn Repo) -> Result<i64, StoreError> {
    Ok(repo.meta(REFUND_WINDOW_KEY)?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_REFUND_WINDOW_SECS))
}

/// An account that can pay or receive: a merchant or a buyer.
#[derive(Debug, Clone)]
struct Account {
    id: String,
    logon: String,
    balance: Money,
    merchant: bool,
}

fn account(repo: &dyn Repo, id: &str) -> Result<Option<Account>, StoreError> {
    if let Some(m) = repo.merchant(id)? {
        return Ok(Some(Account { id: m.pid, logon: m.email, balance: m.balance, merchant: true }));
    }
    Ok(repo.buyer(id)?.map(|b| Account { id: b.user_id, logon: b.logon_id, balance: b.balance, merchant: false }))
}

/// What a movement of a red packet's money is, for the merchant's ledger (账务明细).
struct Movement<'a> {
    order: &'a CouponOrderRecord,
    now: i64,
    memo: &'a str,
}

/// Adds `delta` (negative: takes) to an account's balance; a merchant's movement is posted to its ledger.
fn change_balance(repo: &dyn Repo, acc: &Account, delta: Money, mv: &Movement<'_>) -> Result<(), StoreError> {
    let after = acc.balance.checked_add(delta).ok_or_else(overflow)?;
    if after < Money::ZERO {
        return Err(StoreError::Corrupt(format!("balance of {} would be negative", acc.id)));
    }
    if acc.merchant {
        repo.post_merchant(&LedgerEntry {
            biz_no: mv.order.auth_no.clone(),
            out_biz_no: mv.order.out_order_no.clone(),
            subject: mv.order.order_title.clone(),
            memo: mv.memo.to_owned(),
            ..LedgerEntry::new(&acc.id, mv.now, delta, biz_type::RED_PACKET)
        })
        .map(|_| ())
    } else {
        repo.set_buyer_balance(&acc.id, after)
    }
}

/// Takes `amount` from an account; `Ok(false)` (nothing changed) when its balance is short.
fn debit(repo: &dyn Repo, acc: &Account, amount: Money, mv: &Movement<'_>) -> Result<bool, StoreError> {
    if acc.balance.checked_sub(amount).filter(|b| *b >= Money::ZERO).is_none() {
        return Ok(false);
    }
    change_balance(repo, acc, amount.checked_neg().ok_or_else(overflow)?, mv).map(|()| true)
}

/// Gives `amount` to the account `id` (re-read, so several movements in one transaction add up).
fn credit(repo: &dyn Repo, id: &str, amount: Money, mv: &Movement<'_>) -> Result<(), StoreError> {
    let acc = account(repo, id)?.ok_or_else(|| StoreError::Corrupt(format!("account {id} missing")))?;
    change_balance(repo, &acc, amount, mv)
}

fn masked_logon(repo: &dyn Repo, id: Option<&str>) -> Result<Option<String>, StoreError> {
    match id {
        Some(id) => Ok(account(repo, id)?.map(|a| ids::mask_logon_id(&a.logon))),
        None => Ok(None),
    }
}

/// The answer of a pay, disburse or refund operation (also to a replay of it).
fn op_reply(op: &CouponOperationRecord) -> Reply {
    let body = CouponOrderResult {
        auth_no: Some(op.auth_no.clone()),
        operation_id: Some(op.operation_id.clone()),
        out_order_no: Some(op.out_order_no.clone()),
        out_request_no: op.out_request_no.clone(),
        amount: Some(op.amount),
        status: Some(op.status.clone()),
        gmt_trans: op.gmt_trans.and_then(Timestamp::from_unix),
        extra: Default::default(),
    };
    Reply::typed(ApiStatus::success(), &body)
}

/// An earlier operation with this `out_request_no`: its answer again (same request) or `UNIQUE_VIOLATION`.
fn replay(
    repo: &dyn Repo,
    caller: &Caller,
    out_request_no: &str,
    fingerprint: &str,
) -> Result<Option<Reply>, StoreError> {
    Ok(repo.coupon_operation_by_request(&caller.app_id, &caller.seller_id, out_request_no)?.map(|op| {
        if op.fingerprint == fingerprint {
            op_reply(&op)
        } else {
            CouponError::UniqueViolation.reply()
        }
    }))
}

/// The fields common to the three ways of funding a red packet.
#[derive(Debug, Clone)]
pub struct FundRequest {
    /// `agreement`, `page` or `app`.
    pub kind: FundKind,
    /// The merchant's order number.
    pub out_order_no: String,
    /// The merchant's request number.
    pub out_request_no: String,
    /// Title.
    pub order_title: String,
    /// Amount.
    pub amount: Money,
    /// `pay_timeout` in seconds.
    pub pay_timeout_secs: i64,
    /// The payer (agreement pay only).
    pub payer_user_id: Option<String>,
    /// Method + canonical fields.
    pub fingerprint: String,
}

impl FundRequest {
    /// From an agreement-pay request.
    pub fn agreement(r: CouponOrderAgreementPay, fingerprint: String) -> FundRequest {
        FundRequest {
            kind: FundKind::Agreement,
            pay_timeout_secs: pay_timeout_secs(r.pay_timeout),
            out_order_no: r.out_order_no,
            out_request_no: r.out_request_no,
            order_title: r.order_title,
            amount: r.amount,
            payer_user_id: r.payer_user_id.filter(|p| !alipay_core::content::is_blank(p)),
            fingerprint,
        }
    }

    /// From a page-pay request.
    pub fn page(r: CouponOrderPagePay, fingerprint: String) -> FundRequest {
        FundRequest {
            kind: FundKind::Page,
            pay_timeout_secs: pay_timeout_secs(r.pay_timeout),
            out_order_no: r.out_order_no,
            out_request_no: r.out_request_no,
            order_title: r.order_title,
            amount: r.amount,
            payer_user_id: None,
            fingerprint,
        }
    }

    /// From an app-pay order string.
    pub fn app(r: CouponOrderAppPay, fingerprint: String) -> FundRequest {
        FundRequest {
            kind: FundKind::App,
            pay_timeout_secs: pay_timeout_secs(r.pay_timeout),
            out_order_no: r.out_order_no,
            out_request_no: r.out_request_no,
            order_title: r.order_title,
            amount: r.amount,
            payer_user_id: None,
            fingerprint,
        }
    }
}

/// Creates the red packet and its funding operation, both `INIT`, without moving money.
fn new_order(
    repo: &dyn Repo,
    caller: &Caller,
    now: i64,
    req: &FundRequest,
) -> Result<(CouponOrderRecord, CouponOperationRecord), StoreError> {
    let order = CouponOrderRecord {
        auth_no: number(repo, now, "coupon_auth_no", "11001")?,
        app_id: caller.app_id.clone(),
        seller_id: caller.seller_id.clone(),
        out_order_no: req.out_order_no.clone(),
        kind: req.kind,
        status: CouponStatus::Init,
        payer_id: None,
        amount: req.amount,
        disbursed: Money::ZERO,
        refunded: Money::ZERO,
        order_title: req.order_title.clone(),
        pay_expire_at: now.saturating_add(req.pay_timeout_secs),
        notify_url: caller.notify_url.clone().filter(|u| !alipay_core::content::is_blank(u)),
        charset: caller.charset.clone(),
        sign_type: caller.sign_type,
        gmt_create: now,
        gmt_trans: None,
        gmt_timeout_refund: None,
    };
    let op = CouponOperationRecord {
        operation_id: number(repo, now, "coupon_operation_id", "12001")?,
        auth_no: order.auth_no.clone(),
        app_id: caller.app_id.clone(),
        seller_id: caller.seller_id.clone(),
        out_order_no: req.out_order_no.clone(),
        out_request_no: Some(req.out_request_no.clone()),
        kind: OperationKind::Fund,
        operation_type: OperationType::Pay,
        status: CouponStatus::Init,
        amount: req.amount,
        payer_id: None,
        payee_id: None,
        order_title: Some(req.order_title.clone()),
        remark: None,
        fingerprint: req.fingerprint.clone(),
        gmt_create: now,
        gmt_trans: None,
    };
    Ok((order, op))
}

/// Pays an `INIT` order from `payer`: money moves, order and operation become `SUCCESS`. `Ok(Err(..))`
/// (nothing changed) when the payer's balance is short.
fn settle(
    repo: &dyn Repo,
    order: &mut CouponOrderRecord,
    op: &mut CouponOperationRecord,
    payer: &Account,
    now: i64,
) -> Result<Result<(), CouponError>, StoreError> {
    let mv = Movement { order, now, memo: "红包资金" };
    if !debit(repo, payer, order.amount, &mv)? {
        return Ok(Err(CouponError::PayerBalanceNotEnough));
    }
    let success = CouponStatus::Success;
    order.status = success.clone();
    order.payer_id = Some(payer.id.clone());
    order.gmt_trans = Some(now);
    op.status = success;
    op.payer_id = Some(payer.id.clone());
    op.gmt_trans = Some(now);
    Ok(Ok(()))
}

/// The checks every fund request passes first: a replay, or a reused `out_order_no`.
fn fund_precheck(repo: &dyn Repo, caller: &Caller, req: &FundRequest) -> Result<Option<Reply>, StoreError> {
    if let Some(r) = replay(repo, caller, &req.out_request_no, &req.fingerprint)? {
        return Ok(Some(r));
    }
    if repo.coupon_order_by_out_no(&caller.app_id, &caller.seller_id, &req.out_order_no)?.is_some() {
        return Ok(Some(CouponError::OrderNoDuplicate.reply()));
    }
    Ok(None)
}

/// `alipay.fund.coupon.order.agreement.pay`: the payer (the caller's merchant unless `payer_user_id` names
/// another account: the merchant itself, another merchant or a buyer) pays at once; `SUCCESS`.
pub fn agreement_pay(repo: &dyn Repo, caller: &Caller, now: i64, req: FundRequest) -> Result<Reply, StoreError> {
    if let Some(r) = fund_precheck(repo, caller, &req)? {
        return Ok(r);
    }
    let payer_id = req.payer_user_id.clone().unwrap_or_else(|| caller.seller_id.clone());
    let Some(payer) = account(repo, &payer_id)? else {
        return Ok(CouponError::PayerNotExist.reply());
    };
    let (mut order, mut op) = new_order(repo, caller, now, &req)?;
    if let Err(e) = settle(repo, &mut order, &mut op, &payer, now)? {
        return Ok(e.reply());
    }
    repo.insert_coupon_order(&order)?;
    repo.insert_coupon_operation(&op)?;
    Ok(op_reply(&op))
}

/// `alipay.fund.coupon.order.page.pay` (and `app.pay` when sent to the gateway): an `INIT` red packet
/// waiting for the buyer; a simulation control pays it.
pub fn page_pay(repo: &dyn Repo, caller: &Caller, now: i64, req: FundRequest) -> Result<Reply, StoreError> {
    if let Some(r) = fund_precheck(repo, caller, &req)? {
        return Ok(r);
    }
    let (order, op) = new_order(repo, caller, now, &req)?;
    repo.insert_coupon_order(&order)?;
    repo.insert_coupon_operation(&op)?;
    Ok(op_reply(&op))
}

/// The buyer pays a waiting red packet (page pay, or an app-pay order string the wallet submitted).
pub fn buyer_pays(
    repo: &dyn Repo,
    mut order: CouponOrderRecord,
    buyer_id: &str,
    now: i64,
) -> Result<(CouponOrderRecord, CouponOperationRecord), SimError> {
    let buyer = repo.buyer(buyer_id)?.ok_or_else(|| SimError::NotFound(format!("buyer {buyer_id} not found")))?;
    let mut op =
        repo.coupon_operations_of(&order.auth_no)?.into_iter().find(|o| o.kind == OperationKind::Fund).ok_or_else(
            || SimError::Store(StoreError::Corrupt(format!("red packet {} has no funding", order.auth_no))),
        )?;
    if order.status != CouponStatus::Init {
        return Err(SimError::Conflict(format!("red packet {} is {}, not INIT", order.auth_no, order.status)));
    }
    if order.pay_expire_at <= now {
        return Err(SimError::Conflict(format!("red packet {} passed its pay_timeout", order.auth_no)));
    }
    let payer = Account { id: buyer.user_id, logon: buyer.logon_id, balance: buyer.balance, merchant: false };
    settle(repo, &mut order, &mut op, &payer, now)?.map_err(SimError::from)?;
    repo.update_coupon_order(&order)?;
    repo.update_coupon_operation(&op)?;
    Ok((order, op))
}

/// An app-pay order string the wallet submits and its buyer pays, in one step. A replay of a paid one
/// returns it unchanged; an earlier `INIT` one (sent to the gateway) is paid; a changed one is refused.
pub fn app_pay(
    repo: &dyn Repo,
    caller: &Caller,
    now: i64,
    req: FundRequest,
    buyer_id: &str,
) -> Result<(CouponOrderRecord, CouponOperationRecord), SimError> {
    if let Some(op) = repo.coupon_operation_by_request(&caller.app_id, &caller.seller_id, &req.out_request_no)? {
        if op.fingerprint != req.fingerprint {
            return Err(CouponError::UniqueViolation.into());
        }
        let order = repo
            .coupon_order(&op.auth_no)?
            .ok_or_else(|| SimError::Store(StoreError::Corrupt(format!("red packet {} missing", op.auth_no))))?;
        if order.status == CouponStatus::Init {
            return buyer_pays(repo, order, buyer_id, now);
        }
        return Ok((order, op));
    }
    if repo.coupon_order_by_out_no(&caller.app_id, &caller.seller_id, &req.out_order_no)?.is_some() {
        return Err(CouponError::OrderNoDuplicate.into());
    }
    let (order, op) = new_order(repo, caller, now, &req)?;
    repo.insert_coupon_order(&order)?;
    repo.insert_coupon_operation(&op)?;
    buyer_pays(repo, order, buyer_id, now)
}

/// `alipay.fund.coupon.order.disburse`: part of a paid red packet goes to a buyer.
pub fn disburse(
    repo: &dyn Repo,
    caller: &Caller,
    now: i64,
    req: CouponOrderDisburse,
    fingerprint: &str,
) -> Result<Reply, StoreError> {
    if let Some(r) = replay(repo, caller, &req.out_request_no, fingerprint)? {
        return Ok(r);
    }
    // `out_order_no` is unique among the app's and merchant's disbursements: the same content (same
    // `out_request_no`) was answered as a replay above; anything else reusing it is refused.
    if repo.coupon_disbursement_by_out_no(&caller.app_id, &caller.seller_id, &req.out_order_no)?.is_some() {
        return Ok(CouponError::OrderNoDuplicate.reply());
    }
    let given = |v: &Option<String>| v.clone().filter(|s| !alipay_core::content::is_blank(s));
    let order = match (given(&req.deduct_auth_no), given(&req.deduct_out_order_no)) {
        (Some(auth_no), _) => repo.coupon_order_of(&caller.app_id, &caller.seller_id, &auth_no)?,
        (None, Some(out_no)) => repo.coupon_order_by_out_no(&caller.app_id, &caller.seller_id, &out_no)?,
        (None, None) => None,
    };
    let Some(mut order) = order else {
        return Ok(CouponError::OrderNotExist.reply());
    };
    if order.status != CouponStatus::Success {
        return Ok(CouponError::OrderStatusInvalid.reply());
    }
    let payee = match (given(&req.payee_user_id), given(&req.payee_logon_id)) {
        (Some(id), _) => repo.buyer(&id)?,
        (None, Some(logon)) => repo.buyer_by_logon(&logon)?,
        (None, None) => None,
    };
    let Some(payee) = payee else {
        return Ok(CouponError::PayeeNotExist.reply());
    };
    let remaining = order.remaining().ok_or_else(overflow)?;
    if req.amount > remaining {
        return Ok(CouponError::MoneyNotEnough.reply());
    }
    credit(repo, &payee.user_id, req.amount, &Movement { order: &order, now, memo: "红包发放" })?;
    order.disbursed = order.disbursed.checked_add(req.amount).ok_or_else(overflow)?;
    repo.update_coupon_order(&order)?;
    let op = CouponOperationRecord {
        operation_id: number(repo, now, "coupon_operation_id", "12001")?,
        auth_no: order.auth_no.clone(),
        app_id: caller.app_id.clone(),
        seller_id: caller.seller_id.clone(),
        out_order_no: req.out_order_no.clone(),
        out_request_no: Some(req.out_request_no.clone()),
        kind: OperationKind::Disburse,
        operation_type: OperationType::Pay,
        status: CouponStatus::Success,
        amount: req.amount,
        payer_id: order.payer_id.clone(),
        payee_id: Some(payee.user_id),
        order_title: Some(req.order_title.clone()),
        remark: None,
        fingerprint: fingerprint.to_owned(),
        gmt_create: now,
        gmt_trans: Some(now),
    };
    repo.insert_coupon_operation(&op)?;
    notify(repo, &order, &op, Recipient::of_caller(caller), now)?;
    Ok(op_reply(&op))
}

/// What identifies a return of money to the payer.
struct Return<'a> {
    out_request_no: Option<String>,
    kind: OperationKind,
    remark: Option<String>,
    fingerprint: &'a str,
}

/// Returns `amount` of a red packet's rest to its payer and records the operation.
fn return_to_payer(
    repo: &dyn Repo,
    order: &mut CouponOrderRecord,
    amount: Money,
    now: i64,
    what: Return<'_>,
) -> Result<CouponOperationRecord, StoreError> {
    let Return { out_request_no, kind, remark, fingerprint } = what;
    let payer = order.payer_id.clone().ok_or_else(|| StoreError::Corrupt(format!("{} has no payer", order.auth_no)))?;
    let memo = if kind == OperationKind::TimeoutRefund { "红包超时退回" } else { "红包退回" };
    credit(repo, &payer, amount, &Movement { order, now, memo })?;
    order.refunded = order.refunded.checked_add(amount).ok_or_else(overflow)?;
    let op = CouponOperationRecord {
        operation_id: number(repo, now, "coupon_operation_id", "12001")?,
        auth_no: order.auth_no.clone(),
        app_id: order.app_id.clone(),
        seller_id: order.seller_id.clone(),
        out_order_no: order.out_order_no.clone(),
        out_request_no,
        kind,
        operation_type: OperationType::Refund,
        status: CouponStatus::Success,
        amount,
        payer_id: Some(payer.clone()),
        payee_id: Some(payer),
        order_title: Some(order.order_title.clone()),
        remark,
        fingerprint: fingerprint.to_owned(),
        gmt_create: now,
        gmt_trans: Some(now),
    };
    repo.insert_coupon_operation(&op)?;
    Ok(op)
}

/// `alipay.fund.coupon.order.refund`: (part of) what remains goes back to the payer.
pub fn refund(
    repo: &dyn Repo,
    caller: &Caller,
    now: i64,
    req: CouponOrderRefund,
    fingerprint: &str,
) -> Result<Reply, StoreError> {
    if let Some(r) = replay(repo, caller, &req.out_request_no, fingerprint)? {
        return Ok(r);
    }
    let Some(mut order) = repo.coupon_order_of(&caller.app_id, &caller.seller_id, &req.auth_no)? else {
        return Ok(CouponError::OrderNotExist.reply());
    };
    if order.status != CouponStatus::Success {
        return Ok(CouponError::OrderStatusInvalid.reply());
    }
    if req.amount > order.remaining().ok_or_else(overflow)? {
        return Ok(CouponError::MoneyNotEnough.reply());
    }
    let remark = req.remark.clone().filter(|r| !alipay_core::content::is_blank(r));
    let what =
        Return { out_request_no: Some(req.out_request_no.clone()), kind: OperationKind::Refund, remark, fingerprint };
    let op = return_to_payer(repo, &mut order, req.amount, now, what)?;
    repo.update_coupon_order(&order)?;
    notify(repo, &order, &op, Recipient::of_caller(caller), now)?;
    Ok(op_reply(&op))
}

/// `alipay.fund.coupon.operation.query`: by `auth_no` + `operation_id` when both are given, else by
/// `out_order_no` + `out_request_no`; only the caller's own operations.
pub fn query(repo: &dyn Repo, caller: &Caller, req: &CouponOperationQuery) -> Result<Reply, StoreError> {
    let given = |v: &Option<String>| v.clone().filter(|s| !alipay_core::content::is_blank(s));
    let (app, seller) = (&caller.app_id, &caller.seller_id);
    let op = match (given(&req.auth_no), given(&req.operation_id), given(&req.out_order_no), given(&req.out_request_no))
    {
        (Some(a), Some(o), _, _) => repo.coupon_operation(app, seller, &a, &o)?,
        (_, _, Some(o), Some(r)) => repo.coupon_operation_by_out(app, seller, &o, &r)?,
        _ => None,
    };
    let Some(op) = op else {
        return Ok(CouponError::OperationNotExist.reply());
    };
    let body = CouponOperationQueryResponse {
        auth_no: Some(op.auth_no.clone()),
        operation_id: Some(op.operation_id.clone()),
        out_order_no: Some(op.out_order_no.clone()),
        out_request_no: op.out_request_no.clone(),
        operation_type: Some(op.operation_type.clone()),
        amount: Some(op.amount),
        status: Some(op.status.clone()),
        gmt_create: Timestamp::from_unix(op.gmt_create),
        gmt_trans: op.gmt_trans.and_then(Timestamp::from_unix),
        payer_logon_id: masked_logon(repo, op.payer_id.as_deref())?,
        payer_user_id: op.payer_id.clone(),
        payee_logon_id: masked_logon(repo, op.payee_id.as_deref())?,
        payee_user_id: op.payee_id.clone(),
        order_title: op.order_title.clone(),
        remark: op.remark.clone(),
        extra: Default::default(),
    };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

/// What a sweep changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Unpaid red packets closed at their pay timeout.
    pub closed: usize,
    /// Paid red packets whose unclaimed rest went back to the payer.
    pub refunded: usize,
}

/// Applies the clock: closes unpaid red packets past their `pay_timeout`, and returns the unclaimed rest of
/// red packets paid at least the refund window ago to their payer (one `REFUND` operation, kind
/// `timeout_refund`, and a `fund_stdtrustee_refund` notification if the order has a `notify_url`).
pub fn sweep(repo: &dyn Repo, now: i64) -> Result<Swept, StoreError> {
    let mut swept = Swept::default();
    for mut order in repo.coupon_unpaid_expired(now, SWEEP_BATCH)? {
        order.status = CouponStatus::Closed;
        repo.update_coupon_order(&order)?;
        for mut op in repo.coupon_operations_of(&order.auth_no)?.into_iter().filter(|o| o.kind == OperationKind::Fund) {
            op.status = CouponStatus::Closed;
            repo.update_coupon_operation(&op)?;
        }
        swept.closed += 1;
    }
    let window = refund_window(repo)?;
    for mut order in repo.coupon_refund_due(now.saturating_sub(window), SWEEP_BATCH)? {
        let rest = order.remaining().ok_or_else(overflow)?;
        order.gmt_timeout_refund = Some(now);
        if rest.is_positive() {
            let what = Return {
                out_request_no: None,
                kind: OperationKind::TimeoutRefund,
                remark: None,
                fingerprint: "timeout_refund",
            };
            let op = return_to_payer(repo, &mut order, rest, now, what)?;
            notify(repo, &order, &op, Recipient::of_order(&order), now)?;
            swept.refunded += 1;
        }
        repo.update_coupon_order(&order)?;
    }
    Ok(swept)
}

/// Where a notification goes, and as whom: the URL, the app, and the charset and sign type of the call that
/// asked for it (the funding call's for the timeout refund; the refund or disbursement call's otherwise).
pub(crate) struct Recipient {
    /// `notify_url`.
    pub url: String,
    /// The app that called.
    pub app_id: String,
    /// The app acting for the merchant, when known.
    pub auth_app_id: Option<String>,
    /// The charset of the form.
    pub charset: String,
    /// Signs with the sandbox's key of this type.
    pub sign_type: SignType,
}

impl Recipient {
    /// The caller's own `notify_url`, if it gave one.
    fn of_caller(caller: &Caller) -> Option<Recipient> {
        let url = caller.notify_url.clone().filter(|u| !alipay_core::content::is_blank(u))?;
        Some(Recipient {
            url,
            app_id: caller.app_id.clone(),
            auth_app_id: Some(caller.auth_app_id.clone()),
            charset: caller.charset.clone(),
            sign_type: caller.sign_type,
        })
    }

    /// The funding call's `notify_url` of a red packet, if it gave one.
    fn of_order(order: &CouponOrderRecord) -> Option<Recipient> {
        Some(Recipient {
            url: order.notify_url.clone()?,
            app_id: order.app_id.clone(),
            auth_app_id: None,
            charset: order.charset.clone(),
            sign_type: order.sign_type,
        })
    }
}

/// The notification of a successful refund, timeout refund or disbursement (`None` for a funding payment).
pub(crate) fn fund_notification(
    order: &CouponOrderRecord,
    op: &CouponOperationRecord,
    to: &Recipient,
    notify_id: String,
    now: i64,
) -> Option<FundNotification> {
    let (notify_type, msg_method, refund_reason) = match op.kind {
        OperationKind::Refund => (FUND_STDTRUSTEE_REFUND, FUND_REFUND_SUCCESS, Some("MERCHANT")),
        OperationKind::TimeoutRefund => (FUND_STDTRUSTEE_REFUND, FUND_REFUND_SUCCESS, Some("TIMEOUT")),
        OperationKind::Disburse => (FUND_STDTRUSTEE_DISBURSE, FUND_DISBURSE_SUCCESS, None),
        OperationKind::Fund => return None,
    };
    Some(FundNotification {
        notify_time: Timestamp::from_unix(now)?,
        notify_type: notify_type.to_owned(),
        notify_id,
        app_id: to.app_id.clone(),
        auth_app_id: to.auth_app_id.clone(),
        charset: Some(to.charset.clone()),
        version: Some("1.0".to_owned()),
        sign_type: Some(to.sign_type.as_str().to_owned()),
        sign: None,
        msg_method: Some(msg_method.to_owned()),
        auth_no: op.auth_no.clone(),
        out_order_no: op.out_order_no.clone(),
        operation_id: op.operation_id.clone(),
        out_request_no: op.out_request_no.clone(),
        operation_type: Some(op.operation_type.clone()),
        amount: Some(op.amount),
        status: Some(op.status.clone()),
        gmt_create: Timestamp::from_unix(op.gmt_create),
        gmt_trans: op.gmt_trans.and_then(Timestamp::from_unix),
        total_amount: Some(order.amount),
        rest_amount: order.remaining(),
        payer_user_id: order.payer_id.clone(),
        payee_user_id: op.payee_id.clone(),
        refund_reason: refund_reason.map(str::to_owned),
        order_title: op.order_title.clone(),
        remark: op.remark.clone(),
        extra: Default::default(),
    })
}

/// Queues the notification of `op` for `to` (V1-signed form POST through the shared outbox, in the same
/// transaction as the operation: a replay, which stores nothing, queues nothing). Listed by
/// `GET /admin/notifications?out_trade_no=<the operation's out_order_no>`.
fn notify(
    repo: &dyn Repo,
    order: &CouponOrderRecord,
    op: &CouponOperationRecord,
    to: Option<Recipient>,
    now: i64,
) -> Result<(), StoreError> {
    let Some(to) = to else { return Ok(()) };
    let notify_id = ids::notify_id();
    let Some(n) = fund_notification(order, op, &to, notify_id.clone(), now) else { return Ok(()) };
    repo.insert_outbox(&OutboxRecord {
        id: 0,
        notify_id,
        trade_no: op.auth_no.clone(),
        out_trade_no: op.out_order_no.clone(),
        app_id: to.app_id,
        url: to.url,
        charset: to.charset,
        sign_type: to.sign_type,
        params: n.to_params(),
        status: "pending".into(),
        attempts: 0,
        next_attempt_at_ms: real_now_ms(),
    })?;
    Ok(())
}
