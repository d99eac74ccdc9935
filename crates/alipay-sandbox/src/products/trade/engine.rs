//! Face-to-face trades (trade.md): pay, precreate, query, cancel, close, refund, refund query, plus the
//! buyer-side events driven by simulation controls (scan, confirm, refuse) and the clock (timeouts, end of
//! the refund window).
//!
//! Every trade is read through its seller (`Caller::seller_id`): an app can never see another merchant's
//! trades. Money moves only here, exactly, in [`Money`].

use alipay_api::trade::{errors, RefundStatus};
use alipay_api::trade::{
    CancelAction, FundBill, PageOrder, TradeCancelResponse, TradeCloseResponse, TradeFastpayRefundQueryResponse,
    TradePageResult, TradePay, TradePayResponse, TradePrecreate, TradePrecreateResponse, TradeQueryResponse,
    TradeRefund, TradeRefundResponse, TradeStatus, YesNo,
};
use alipay_core::{ApiStatus, Money, ResultCode, Timestamp};

use super::input::TradeKey;
use super::notify::{self, SyncEvent};
use super::store::{RefundRecord, TradeKind, TradeRecord, TradeState};
use crate::caller::Caller;
use crate::ids;
use crate::products::error::SimError;
use crate::products::trade::store::TradeRepo;
use crate::reply::Reply;
use crate::settings::Settings;
use crate::store::ledger::{biz_type, LedgerEntry};
use crate::store::{BuyerRecord, Repo, StoreError};

fn time(t: i64) -> Option<Timestamp> {
    Timestamp::from_unix(t)
}

fn not_exist() -> Reply {
    Reply::documented(&errors::TRADE_NOT_EXIST)
}

fn inconsistent() -> Reply {
    Reply::documented(&errors::CONTEXT_INCONSISTENT)
}

fn fund_bill_list(amount: Money) -> Vec<FundBill> {
    vec![FundBill { fund_channel: "ALIPAYACCOUNT".into(), amount, real_amount: None }]
}

/// Finds a trade of the caller's merchant; `trade_no` wins.
fn find(repo: &dyn Repo, caller: &Caller, key: &TradeKey) -> Result<Option<TradeRecord>, StoreError> {
    match key {
        TradeKey::TradeNo(no) => repo.trade_by_no(&caller.seller_id, no),
        TradeKey::OutTradeNo(no) => repo.trade_by_out_no(&caller.seller_id, no),
    }
}

fn buyer_of(repo: &dyn Repo, trade: &TradeRecord) -> Result<Option<BuyerRecord>, StoreError> {
    match &trade.buyer_id {
        Some(id) => repo.buyer(id),
        None => Ok(None),
    }
}

fn seller_mismatch(caller: &Caller, seller_id: &Option<String>) -> Option<Reply> {
    match seller_id.as_deref() {
        Some(s) if !s.is_empty() && s != caller.seller_id => Some(Reply::documented(&errors::ACCESS_FORBIDDEN)),
        _ => None,
    }
}

/// The business fields of a pay answer (10000 and 10003).
/// `(buyer_user_id, buyer_open_id)` of `trade`'s buyer, as its app gets them ([`crate::openid`]).
fn buyer_ids(repo: &dyn Repo, trade: &TradeRecord) -> Result<(Option<String>, Option<String>), StoreError> {
    let ids = crate::openid::of_app(repo, &trade.app_id)?;
    Ok(crate::openid::OpenIds::split(ids.as_ref(), trade.buyer_id.as_ref()))
}

fn pay_reply(
    repo: &dyn Repo,
    reply: Reply,
    trade: &TradeRecord,
    buyer: Option<&BuyerRecord>,
) -> Result<Reply, StoreError> {
    let (buyer_user_id, buyer_open_id) = buyer_ids(repo, trade)?;
    let paid = matches!(trade.state, TradeState::Success | TradeState::Finished);
    let received = if paid { trade.total_amount } else { Money::ZERO };
    let body = TradePayResponse {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: Some(trade.out_trade_no.clone()),
        buyer_logon_id: buyer.map(|b| ids::mask_logon_id(&b.logon_id)),
        buyer_user_id,
        buyer_open_id,
        total_amount: Some(trade.total_amount),
        receipt_amount: Some(received),
        buyer_pay_amount: Some(received),
        point_amount: Some(Money::ZERO),
        invoice_amount: Some(received),
        gmt_payment: if paid { trade.gmt_payment.and_then(time) } else { None },
        fund_bill_list: paid.then(|| fund_bill_list(trade.total_amount)),
        ..Default::default()
    };
    Ok(Reply::typed(reply.status, &body))
}

fn precreate_reply(trade: &TradeRecord) -> Reply {
    let body = TradePrecreateResponse {
        out_trade_no: Some(trade.out_trade_no.clone()),
        qr_code: trade.qr_code.clone(),
        ..Default::default()
    };
    Reply::typed(ApiStatus::success(), &body)
}

fn new_trade(
    repo: &dyn Repo,
    caller: &Caller,
    kind: TradeKind,
    state: TradeState,
    now: i64,
    expire_at: i64,
) -> Result<TradeRecord, StoreError> {
    Ok(TradeRecord {
        trade_no: ids::trade_no(repo, now)?,
        seller_id: caller.seller_id.clone(),
        app_id: caller.app_id.clone(),
        auth_app_id: caller.auth_app_id.clone(),
        out_trade_no: String::new(),
        kind,
        state,
        total_amount: Money::ZERO,
        refund_fee: Money::ZERO,
        subject: String::new(),
        body: None,
        buyer_id: None,
        auth_code: None,
        qr_code: None,
        store_id: None,
        terminal_id: None,
        operator_id: None,
        passback_params: None,
        notify_url: caller.notify_url.clone().filter(|u| !u.trim().is_empty()),
        charset: caller.charset.clone(),
        sign_type: caller.sign_type,
        gmt_create: now,
        gmt_payment: None,
        gmt_close: None,
        expire_at,
        qr_expire_at: None,
        cancel_action: None,
        fail_code: None,
    })
}

/// Moves the money of a payment: buyer → merchant. The caller has checked the balance.
fn settle(repo: &dyn Repo, trade: &mut TradeRecord, buyer: &BuyerRecord, now: i64) -> Result<(), StoreError> {
    let buyer_after = buyer.balance.checked_sub(trade.total_amount).ok_or(StoreError::Corrupt("overflow".into()))?;
    repo.set_buyer_balance(&buyer.user_id, buyer_after)?;
    repo.post_merchant(&LedgerEntry {
        biz_no: trade.trade_no.clone(),
        out_biz_no: trade.out_trade_no.clone(),
        subject: trade.subject.clone(),
        counterparty: ids::mask_logon_id(&buyer.logon_id),
        ..LedgerEntry::new(&trade.seller_id, now, trade.total_amount, biz_type::ONLINE_PAYMENT)
    })?;
    trade.state = TradeState::Success;
    trade.gmt_payment = Some(now);
    Ok(())
}

/// `alipay.trade.pay`; `expire_at` from [`super::input::expiry`].
pub fn pay(
    repo: &dyn Repo,
    caller: &Caller,
    s: &Settings,
    now: i64,
    req: &TradePay,
    expire_at: Option<i64>,
) -> Result<Reply, StoreError> {
    if let Some(r) = seller_mismatch(caller, &req.seller_id) {
        return Ok(r);
    }
    if let Some(existing) = repo.trade_by_out_no(&caller.seller_id, &req.out_trade_no)? {
        return replay_pay(repo, existing, req);
    }
    let code = repo.payment_code(&req.auth_code)?.filter(|c| !c.used && c.expires_at > now);
    let buyer = match code {
        Some(c) => repo.buyer(&c.user_id)?,
        None => None,
    };
    let Some(buyer) = buyer else {
        return Ok(Reply::documented(&errors::PAYMENT_AUTH_CODE_INVALID));
    };
    if buyer.user_id == caller.seller_id {
        return Ok(Reply::documented(&errors::BUYER_SELLER_EQUAL));
    }
    repo.use_payment_code(&req.auth_code)?;
    let mut trade = new_trade(
        repo,
        caller,
        TradeKind::Pay,
        TradeState::WaitBuyerPay,
        now,
        expire_at.unwrap_or(now + s.default_timeout_secs),
    )?;
    trade.out_trade_no = req.out_trade_no.clone();
    trade.total_amount = req.total_amount;
    trade.subject = req.subject.clone();
    trade.body = req.body.clone();
    trade.buyer_id = Some(buyer.user_id.clone());
    trade.auth_code = Some(req.auth_code.clone());
    trade.store_id = req.store_id.clone();
    trade.terminal_id = req.terminal_id.clone();
    trade.operator_id = req.operator_id.clone();
    trade.passback_params = req.passback_params.clone();

    if trade.total_amount > buyer.password_free_limit {
        repo.insert_trade(&trade)?;
        return pay_reply(repo, Reply::of(ResultCode::InProcess), &trade, Some(&buyer));
    }
    if buyer.balance < trade.total_amount {
        trade.state = TradeState::Closed;
        trade.gmt_close = Some(now);
        trade.fail_code = Some(errors::BUYER_BALANCE_NOT_ENOUGH.code.into());
        repo.insert_trade(&trade)?;
        return Ok(Reply::documented(&errors::BUYER_BALANCE_NOT_ENOUGH));
    }
    settle(repo, &mut trade, &buyer, now)?;
    repo.insert_trade(&trade)?;
    notify::trade_status_sync(repo, &trade, Some(&buyer), SyncEvent::Plain, now)?;
    pay_reply(repo, Reply::success(), &trade, Some(&buyer))
}

/// A pay request whose out_trade_no already exists: the same request gets the same answer, a changed one
/// `ACQ.CONTEXT_INCONSISTENT`.
fn replay_pay(repo: &dyn Repo, trade: TradeRecord, req: &TradePay) -> Result<Reply, StoreError> {
    if trade.kind != TradeKind::Pay || trade.total_amount != req.total_amount || trade.subject != req.subject {
        return Ok(inconsistent());
    }
    let same_code = trade.auth_code.as_deref() == Some(req.auth_code.as_str());
    let buyer = buyer_of(repo, &trade)?;
    Ok(match trade.state {
        TradeState::Success | TradeState::Finished if same_code => {
            pay_reply(repo, Reply::success(), &trade, buyer.as_ref())?
        }
        TradeState::Success | TradeState::Finished => Reply::documented(&errors::TRADE_HAS_SUCCESS),
        TradeState::WaitBuyerPay if same_code => {
            pay_reply(repo, Reply::of(ResultCode::InProcess), &trade, buyer.as_ref())?
        }
        TradeState::WaitBuyerPay | TradeState::Created => inconsistent(),
        TradeState::Closed => Reply::documented(&errors::TRADE_HAS_CLOSE),
    })
}

/// `alipay.trade.precreate`; `expire_at` and `qr_expire_at` from [`super::input::expiry`].
pub fn precreate(
    repo: &dyn Repo,
    caller: &Caller,
    s: &Settings,
    now: i64,
    req: &TradePrecreate,
    (expire_at, qr_expire_at): (Option<i64>, Option<i64>),
) -> Result<Reply, StoreError> {
    if let Some(trade) = repo.trade_by_out_no(&caller.seller_id, &req.out_trade_no)? {
        if trade.kind != TradeKind::Precreate || trade.total_amount != req.total_amount || trade.subject != req.subject
        {
            return Ok(inconsistent());
        }
        return Ok(match trade.state {
            TradeState::Created | TradeState::WaitBuyerPay => precreate_reply(&trade),
            TradeState::Success | TradeState::Finished => Reply::documented(&errors::TRADE_HAS_SUCCESS),
            TradeState::Closed => Reply::documented(&errors::TRADE_HAS_CLOSE),
        });
    }
    let expire_at = expire_at.unwrap_or(now + s.default_timeout_secs);
    let mut trade = new_trade(repo, caller, TradeKind::Precreate, TradeState::Created, now, expire_at)?;
    let qr = loop {
        let qr = ids::qr_code();
        if repo.trade_by_qr(&qr)?.is_none() {
            break qr;
        }
    };
    trade.out_trade_no = req.out_trade_no.clone();
    trade.total_amount = req.total_amount;
    trade.subject = req.subject.clone();
    trade.body = req.body.clone();
    trade.qr_code = Some(qr);
    trade.qr_expire_at = Some(qr_expire_at.unwrap_or(now + s.qr_ttl_secs).min(expire_at));
    trade.store_id = req.store_id.clone();
    trade.terminal_id = req.terminal_id.clone();
    trade.operator_id = req.operator_id.clone();
    trade.passback_params = req.passback_params.clone();
    repo.insert_trade(&trade)?;
    Ok(precreate_reply(&trade))
}

/// The answer of a page, wap or app pay: the trade the cashier (or the wallet) shows.
pub fn page_reply(trade: &TradeRecord) -> Reply {
    let body = TradePageResult {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: Some(trade.out_trade_no.clone()),
        total_amount: Some(trade.total_amount),
        seller_id: Some(trade.seller_id.clone()),
        ..Default::default()
    };
    Reply::typed(ApiStatus::success(), &body)
}

/// `alipay.trade.page.pay`, `.wap.pay` and `.app.pay`: a trade waiting for a buyer on the cashier (`kind`
/// says which). Like a precreated trade it does not exist for query until a buyer signs in ([`scan`]); paying
/// is [`confirm`]. The same order again (same kind, amount and subject) shows the same trade while it is
/// unpaid; a paid or closed one answers `ACQ.TRADE_HAS_SUCCESS` / `ACQ.TRADE_HAS_CLOSE`, a changed one
/// `ACQ.CONTEXT_INCONSISTENT`.
pub fn page_create(
    repo: &dyn Repo,
    caller: &Caller,
    s: &Settings,
    now: i64,
    kind: TradeKind,
    req: PageOrder<'_>,
    expire_at: Option<i64>,
) -> Result<Reply, StoreError> {
    if let Some(trade) = repo.trade_by_out_no(&caller.seller_id, req.out_trade_no)? {
        if trade.kind != kind || trade.total_amount != req.total_amount || trade.subject != req.subject {
            return Ok(inconsistent());
        }
        return Ok(match trade.state {
            TradeState::Created | TradeState::WaitBuyerPay => page_reply(&trade),
            TradeState::Success | TradeState::Finished => Reply::documented(&errors::TRADE_HAS_SUCCESS),
            TradeState::Closed => Reply::documented(&errors::TRADE_HAS_CLOSE),
        });
    }
    let expire_at = expire_at.unwrap_or(now + s.default_timeout_secs);
    let mut trade = new_trade(repo, caller, kind, TradeState::Created, now, expire_at)?;
    trade.out_trade_no = req.out_trade_no.to_owned();
    trade.total_amount = req.total_amount;
    trade.subject = req.subject.to_owned();
    trade.body = req.body.map(str::to_owned);
    trade.store_id = req.store_id.map(str::to_owned);
    trade.passback_params = req.passback_params.map(str::to_owned);
    repo.insert_trade(&trade)?;
    Ok(page_reply(&trade))
}

/// The ids a failure answer echoes: the one the request named (`trade_no` wins, as in [`TradeKey`]).
fn echoed(key: &TradeKey) -> (Option<String>, Option<String>) {
    match key {
        TradeKey::TradeNo(t) => (Some(t.clone()), None),
        TradeKey::OutTradeNo(o) => (None, Some(o.clone())),
    }
}

/// `alipay.trade.query`'s `ACQ.TRADE_NOT_EXIST`: Alipay's answer carries the four amounts as `0.00` and the
/// order number asked about (captured answers, pasted in public projects:
/// `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在",
/// "buyer_pay_amount":"0.00","invoice_amount":"0.00","out_trade_no":"…","point_amount":"0.00","receipt_amount":"0.00"}`).
fn query_not_exist(key: &TradeKey) -> Reply {
    let (trade_no, out_trade_no) = echoed(key);
    let body = TradeQueryResponse {
        trade_no,
        out_trade_no,
        buyer_pay_amount: Some(Money::ZERO),
        invoice_amount: Some(Money::ZERO),
        point_amount: Some(Money::ZERO),
        receipt_amount: Some(Money::ZERO),
        ..Default::default()
    };
    Reply::typed(errors::TRADE_NOT_EXIST.status(), &body)
}

/// `alipay.trade.query`. A precreated trade nobody scanned does not exist yet.
pub fn query(repo: &dyn Repo, caller: &Caller, key: &TradeKey) -> Result<Reply, StoreError> {
    let Some(trade) = find(repo, caller, key)?.filter(|t| t.state != TradeState::Created) else {
        return Ok(query_not_exist(key));
    };
    let buyer = buyer_of(repo, &trade)?;
    let (buyer_user_id, buyer_open_id) = buyer_ids(repo, &trade)?;
    let paid = matches!(trade.state, TradeState::Success | TradeState::Finished) || trade.gmt_payment.is_some();
    let received = if paid { trade.total_amount } else { Money::ZERO };
    let body = TradeQueryResponse {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: Some(trade.out_trade_no.clone()),
        buyer_logon_id: buyer.as_ref().map(|b| ids::mask_logon_id(&b.logon_id)),
        trade_status: Some(TradeStatus::from(trade.state.as_str())),
        total_amount: Some(trade.total_amount),
        buyer_pay_amount: Some(received),
        point_amount: Some(Money::ZERO),
        invoice_amount: Some(received),
        send_pay_date: trade.gmt_payment.and_then(time),
        receipt_amount: Some(received),
        store_id: trade.store_id.clone(),
        terminal_id: trade.terminal_id.clone(),
        fund_bill_list: paid.then(|| fund_bill_list(trade.total_amount)),
        buyer_user_id,
        buyer_open_id,
        subject: Some(trade.subject.clone()),
        body: trade.body.clone(),
        ..Default::default()
    };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

/// Closes an unpaid trade (close, cancel, refuse, timeout) and queues the TRADE_CLOSED notification.
fn close_unpaid(repo: &dyn Repo, trade: &mut TradeRecord, now: i64) -> Result<(), StoreError> {
    trade.state = TradeState::Closed;
    trade.gmt_close = Some(now);
    repo.update_trade(trade)?;
    let buyer = buyer_of(repo, trade)?;
    notify::trade_status_sync(repo, trade, buyer.as_ref(), SyncEvent::Plain, now)
}

/// Moves refund money merchant → buyer at `now` (ledger memo: `memo`); `Ok(false)` when the merchant's balance
/// is short.
fn move_refund(repo: &dyn Repo, trade: &TradeRecord, amount: Money, now: i64, memo: &str) -> Result<bool, StoreError> {
    let merchant = repo
        .merchant(&trade.seller_id)?
        .ok_or_else(|| StoreError::Corrupt(format!("merchant {} missing", trade.seller_id)))?;
    if merchant.balance < amount {
        return Ok(false);
    }
    let buyer_id = trade.buyer_id.clone().ok_or_else(|| StoreError::Corrupt("paid trade without buyer".into()))?;
    let buyer = repo.buyer(&buyer_id)?.ok_or_else(|| StoreError::Corrupt(format!("buyer {buyer_id} missing")))?;
    let overflow = || StoreError::Corrupt("amount overflow".into());
    repo.post_merchant(&LedgerEntry {
        biz_no: trade.trade_no.clone(),
        out_biz_no: trade.out_trade_no.clone(),
        subject: trade.subject.clone(),
        counterparty: ids::mask_logon_id(&buyer.logon_id),
        memo: memo.to_owned(),
        ..LedgerEntry::new(&merchant.pid, now, amount.checked_neg().ok_or_else(overflow)?, biz_type::TRADE_REFUND)
    })?;
    repo.set_buyer_balance(&buyer.user_id, buyer.balance.checked_add(amount).ok_or_else(overflow)?)?;
    Ok(true)
}

/// `alipay.trade.cancel`: unpaid → closed (`action=close`), paid → fully refunded and closed
/// (`action=refund`), within the cancel window.
pub fn cancel(repo: &dyn Repo, caller: &Caller, s: &Settings, now: i64, key: &TradeKey) -> Result<Reply, StoreError> {
    let Some(mut trade) = find(repo, caller, key)? else {
        let (trade_no, out_trade_no) = match key {
            TradeKey::TradeNo(t) => (Some(t.clone()), None),
            TradeKey::OutTradeNo(o) => (None, Some(o.clone())),
        };
        let body = TradeCancelResponse { trade_no, out_trade_no, retry_flag: Some(YesNo::No), ..Default::default() };
        return Ok(Reply::typed(ApiStatus::success(), &body));
    };
    let base = |status: ApiStatus, t: &TradeRecord, action: Option<CancelAction>| {
        let body = TradeCancelResponse {
            trade_no: Some(t.trade_no.clone()),
            out_trade_no: Some(t.out_trade_no.clone()),
            retry_flag: Some(YesNo::No),
            action,
            ..Default::default()
        };
        Reply::typed(status, &body)
    };
    if trade.state == TradeState::Closed {
        let action = CancelAction::from(trade.cancel_action.as_deref().unwrap_or("close"));
        return Ok(base(ApiStatus::success(), &trade, Some(action)));
    }
    if now - trade.gmt_create > s.cancel_window_secs {
        return Ok(base(errors::TRADE_CANCEL_TIME_OUT.status(), &trade, None));
    }
    match trade.state {
        TradeState::Created | TradeState::WaitBuyerPay => {
            trade.cancel_action = Some("close".into());
            close_unpaid(repo, &mut trade, now)?;
            Ok(base(ApiStatus::success(), &trade, Some(CancelAction::Close)))
        }
        TradeState::Success => {
            let remaining = trade.total_amount.checked_sub(trade.refund_fee).unwrap_or(Money::ZERO);
            if remaining.is_positive() && !move_refund(repo, &trade, remaining, now, "撤销")? {
                return Ok(base(errors::SELLER_BALANCE_NOT_ENOUGH.status(), &trade, None));
            }
            trade.refund_fee = trade.total_amount;
            trade.state = TradeState::Closed;
            trade.gmt_close = Some(now);
            trade.cancel_action = Some("refund".into());
            repo.update_trade(&trade)?;
            let buyer = buyer_of(repo, &trade)?;
            let event = SyncEvent::Refund { out_biz_no: trade.out_trade_no.clone(), gmt_refund: now };
            notify::trade_status_sync(repo, &trade, buyer.as_ref(), event, now)?;
            Ok(base(ApiStatus::success(), &trade, Some(CancelAction::Refund)))
        }
        TradeState::Finished | TradeState::Closed => Ok(base(errors::CLOSE_TRADE_STATUS_ERROR.status(), &trade, None)),
    }
}

/// `alipay.trade.close`: only trades waiting for payment. An unscanned precreated trade does not exist yet
/// (as for query); use cancel for it.
pub fn close(repo: &dyn Repo, caller: &Caller, now: i64, key: &TradeKey) -> Result<Reply, StoreError> {
    let Some(mut trade) = find(repo, caller, key)?.filter(|t| t.state != TradeState::Created) else {
        return Ok(not_exist());
    };
    if trade.state != TradeState::WaitBuyerPay {
        // Alipay echoes the order number (a captured sandbox answer, 2020: `{"code":"40004","msg":"Business
        // Failed","sub_code":"ACQ.TRADE_STATUS_ERROR","sub_msg":"交易状态不合法","out_trade_no":"2222223"}`).
        let body = TradeCloseResponse { out_trade_no: Some(trade.out_trade_no.clone()), ..Default::default() };
        return Ok(Reply::typed(errors::CLOSE_TRADE_STATUS_ERROR.status(), &body));
    }
    close_unpaid(repo, &mut trade, now)?;
    let body = TradeCloseResponse {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: Some(trade.out_trade_no.clone()),
        ..Default::default()
    };
    Ok(Reply::typed(ApiStatus::success(), &body))
}

/// A refund's failure as Alipay answers `ACQ.TRADE_NOT_EXIST` and `ACQ.TRADE_STATUS_ERROR`: with `refund_fee` and
/// `send_back_fee` `0.00` (captured answers, production and sandbox 2017–2020, pasted in public projects:
/// `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在",
/// "refund_fee":"0.00","send_back_fee":"0.00"}`; `ACQ.INVALID_PARAMETER` carries neither).
fn refund_failed(code: &alipay_api::sub_code::SubCode) -> Reply {
    let body =
        TradeRefundResponse { refund_fee: Some(Money::ZERO), send_back_fee: Some(Money::ZERO), ..Default::default() };
    Reply::typed(code.status(), &body)
}

/// `alipay.trade.refund`: partial or full, idempotent per `out_request_no`.
/// `key` from [`super::input::trade_key`].
pub fn refund(
    repo: &dyn Repo,
    caller: &Caller,
    now: i64,
    key: &TradeKey,
    req: &TradeRefund,
) -> Result<Reply, StoreError> {
    let Some(mut trade) = find(repo, caller, key)?.filter(|t| t.state != TradeState::Created) else {
        return Ok(refund_failed(&errors::TRADE_NOT_EXIST));
    };
    let out_request_no = match req.out_request_no.as_deref().filter(|v| !alipay_core::content::is_blank(v)) {
        Some(no) => no.to_owned(),
        None => trade.out_trade_no.clone(),
    };
    let buyer = buyer_of(repo, &trade)?;
    let (buyer_user_id, buyer_open_id) = buyer_ids(repo, &trade)?;
    // `send_back_fee`: what this call sent back (captured answers: the refund's amount with `fund_change=Y`,
    // `0.00` on a replay with `fund_change=N`).
    let refund_amount = req.refund_amount;
    let answer = |trade: &TradeRecord, fund_change: bool, gmt_refund: i64| {
        let body = TradeRefundResponse {
            trade_no: Some(trade.trade_no.clone()),
            out_trade_no: Some(trade.out_trade_no.clone()),
            buyer_logon_id: buyer.as_ref().map(|b| ids::mask_logon_id(&b.logon_id)),
            buyer_user_id: buyer_user_id.clone(),
            buyer_open_id: buyer_open_id.clone(),
            fund_change: Some(if fund_change { YesNo::Yes } else { YesNo::No }),
            refund_fee: Some(trade.refund_fee),
            gmt_refund_pay: time(gmt_refund),
            send_back_fee: Some(if fund_change { refund_amount } else { Money::ZERO }),
            ..Default::default()
        };
        Reply::typed(ApiStatus::success(), &body)
    };
    if let Some(earlier) = repo.refund(&trade.trade_no, &out_request_no)? {
        if earlier.amount != req.refund_amount {
            return Ok(Reply::documented(&errors::DISCORDANT_REPEAT_REQUEST));
        }
        return Ok(answer(&trade, false, earlier.gmt_refund));
    }
    match trade.state {
        TradeState::Success => {}
        TradeState::Finished => return Ok(Reply::documented(&errors::TRADE_HAS_FINISHED)),
        _ => return Ok(refund_failed(&errors::TRADE_STATUS_ERROR)),
    }
    let after = trade.refund_fee.checked_add(req.refund_amount).filter(|a| *a <= trade.total_amount);
    let Some(after) = after else {
        return Ok(Reply::documented(&errors::REFUND_AMT_NOT_EQUAL_TOTAL));
    };
    if !move_refund(repo, &trade, req.refund_amount, now, req.refund_reason.as_deref().unwrap_or(""))? {
        return Ok(Reply::documented(&errors::SELLER_BALANCE_NOT_ENOUGH));
    }
    trade.refund_fee = after;
    if after == trade.total_amount {
        trade.state = TradeState::Closed;
        trade.gmt_close = Some(now);
    }
    repo.update_trade(&trade)?;
    repo.insert_refund(&RefundRecord {
        trade_no: trade.trade_no.clone(),
        out_request_no: out_request_no.clone(),
        amount: req.refund_amount,
        reason: req.refund_reason.clone(),
        gmt_refund: now,
        refund_fee_after: after,
    })?;
    let event = SyncEvent::Refund { out_biz_no: out_request_no, gmt_refund: now };
    notify::trade_status_sync(repo, &trade, buyer.as_ref(), event, now)?;
    Ok(answer(&trade, true, now))
}

/// `alipay.trade.fastpay.refund.query`.
pub fn refund_query(
    repo: &dyn Repo,
    caller: &Caller,
    key: &TradeKey,
    out_request_no: &str,
) -> Result<Reply, StoreError> {
    let Some(trade) = find(repo, caller, key)?.filter(|t| t.state != TradeState::Created) else {
        return Ok(not_exist());
    };
    // No such refund: `10000` and nothing else (captured answers, production 2016 and sandbox 2018:
    // `{"code":"10000","msg":"Success"}`; merchants test `refund_amount` / `out_request_no` for presence).
    let Some(r) = repo.refund(&trade.trade_no, out_request_no)? else {
        return Ok(Reply::typed(ApiStatus::success(), &TradeFastpayRefundQueryResponse::default()));
    };
    let mut body = TradeFastpayRefundQueryResponse {
        trade_no: Some(trade.trade_no.clone()),
        out_trade_no: Some(trade.out_trade_no.clone()),
        out_request_no: Some(out_request_no.to_owned()),
        total_amount: Some(trade.total_amount),
        refund_amount: Some(r.amount),
        refund_status: Some(RefundStatus::RefundSuccess),
        ..Default::default()
    };
    // Not a field of the model: kept in `extra`, as Alipay sends it.
    if let Some(t) = time(r.gmt_refund) {
        body.extra.insert("gmt_refund_pay".into(), serde_json::Value::String(t.to_string()));
    }
    Ok(Reply::typed(ApiStatus::success(), &body))
}

/// The buyer pays `trade`: scans it first if it still waits to be scanned (a precreated QR code, a page or app
/// order), then confirms. The one "buyer pays" of the cashier, the wallet and the controls.
pub fn buyer_pays(repo: &dyn Repo, trade: TradeRecord, buyer_id: &str, now: i64) -> Result<TradeRecord, SimError> {
    let trade = if trade.state == TradeState::Created { scan(repo, trade, buyer_id, now)? } else { trade };
    confirm(repo, trade, now)
}

/// The buyer answers a trade waiting to be scanned or confirmed in the wallet: scans it if needed, then pays
/// (`pay`) or refuses it.
pub fn buyer_answers(
    repo: &dyn Repo,
    trade: TradeRecord,
    buyer_id: &str,
    pay: bool,
    now: i64,
) -> Result<TradeRecord, SimError> {
    if pay {
        return buyer_pays(repo, trade, buyer_id, now);
    }
    let trade = if trade.state == TradeState::Created { scan(repo, trade, buyer_id, now)? } else { trade };
    refuse(repo, trade, now)
}

/// The buyer scans a precreated trade's QR code: the trade now exists and waits for payment.
pub fn scan(repo: &dyn Repo, trade: TradeRecord, buyer_id: &str, now: i64) -> Result<TradeRecord, SimError> {
    let buyer = repo.buyer(buyer_id)?.ok_or_else(|| SimError::NotFound(format!("buyer {buyer_id} not found")))?;
    if trade.state != TradeState::Created {
        return Err(SimError::Conflict(format!("trade is {}, not waiting to be scanned", trade.state.as_str())));
    }
    if trade.qr_expire_at.is_some_and(|t| t <= now) {
        return Err(SimError::Conflict("the QR code has expired".into()));
    }
    let mut trade = trade;
    trade.state = TradeState::WaitBuyerPay;
    trade.buyer_id = Some(buyer.user_id);
    repo.update_trade(&trade)?;
    Ok(trade)
}

/// The buyer confirms a waiting payment: money moves, TRADE_SUCCESS is notified.
pub fn confirm(repo: &dyn Repo, trade: TradeRecord, now: i64) -> Result<TradeRecord, SimError> {
    if trade.state != TradeState::WaitBuyerPay {
        return Err(SimError::Conflict(format!("trade is {}, not WAIT_BUYER_PAY", trade.state.as_str())));
    }
    let buyer_id = trade.buyer_id.clone().ok_or_else(|| SimError::Conflict("trade has no buyer yet".into()))?;
    let buyer = repo.buyer(&buyer_id)?.ok_or_else(|| SimError::NotFound(format!("buyer {buyer_id} not found")))?;
    if buyer.balance < trade.total_amount {
        return Err(SimError::Conflict("ACQ.BUYER_BALANCE_NOT_ENOUGH: the buyer's balance is too low".into()));
    }
    let mut trade = trade;
    settle(repo, &mut trade, &buyer, now)?;
    repo.update_trade(&trade)?;
    notify::trade_status_sync(repo, &trade, Some(&buyer), SyncEvent::Plain, now)?;
    Ok(trade)
}

/// The buyer refuses (or abandons) a waiting payment: the trade closes.
pub fn refuse(repo: &dyn Repo, trade: TradeRecord, now: i64) -> Result<TradeRecord, SimError> {
    if !trade.state.is_unpaid_open() {
        return Err(SimError::Conflict(format!("trade is {}, not waiting for payment", trade.state.as_str())));
    }
    let mut trade = trade;
    close_unpaid(repo, &mut trade, now)?;
    Ok(trade)
}

/// Closes unpaid trades whose time ran out and finishes paid trades whose refund window ended. Returns how
/// many trades changed.
pub fn sweep(repo: &dyn Repo, s: &Settings, now: i64) -> Result<usize, StoreError> {
    let mut changed = 0;
    for mut trade in repo.expired_trades(now, 500)? {
        close_unpaid(repo, &mut trade, now)?;
        changed += 1;
    }
    for mut trade in repo.finishable_trades(now - s.refund_window_secs, 500)? {
        trade.state = TradeState::Finished;
        repo.update_trade(&trade)?;
        let buyer = buyer_of(repo, &trade)?;
        notify::trade_status_sync(repo, &trade, buyer.as_ref(), SyncEvent::Plain, now)?;
        changed += 1;
    }
    Ok(changed)
}
