//! The `trade_status_sync` notification (trade.md): queued in the outbox ([`crate::notify`]) in the same
//! transaction as the trade change it reports.

use alipay_api::notify::{NotifyFundBill, TradeNotification};
use alipay_api::trade::TradeStatus;
use alipay_core::{Money, Timestamp};

use super::store::{TradeRecord, TradeState};
use crate::clock::real_now_ms;
use crate::ids;
use crate::store::{BuyerRecord, OutboxRecord, Repo, StoreError};

/// What caused a trade_status_sync beyond the trade's state.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    /// A state change without refund details.
    Plain,
    /// A refund (partial: TRADE_SUCCESS; full or cancel: TRADE_CLOSED).
    Refund {
        /// The refund request number.
        out_biz_no: String,
        /// When the money moved.
        gmt_refund: i64,
    },
}

/// Queues a trade_status_sync for `trade`'s current state, if the trade has a `notify_url`.
pub fn trade_status_sync(
    repo: &dyn Repo,
    trade: &TradeRecord,
    buyer: Option<&BuyerRecord>,
    event: SyncEvent,
    now: i64,
) -> Result<(), StoreError> {
    let Some(url) = trade.notify_url.clone() else {
        return Ok(());
    };
    let (notify_id, params) = sync_params(repo, trade, buyer, &event, now)?;
    repo.insert_outbox(&OutboxRecord {
        id: 0,
        notify_id,
        trade_no: trade.trade_no.clone(),
        out_trade_no: trade.out_trade_no.clone(),
        app_id: trade.app_id.clone(),
        url,
        charset: trade.charset.clone(),
        sign_type: trade.sign_type,
        params,
        status: "pending".into(),
        attempts: 0,
        next_attempt_at_ms: real_now_ms(),
    })?;
    Ok(())
}

/// The parameters (without `sign`) of a trade_status_sync for `trade`'s state, and its new `notify_id`: what
/// the outbox sends, and what the acceptance probes ([`super::probe`]) start from.
pub fn sync_params(
    repo: &dyn Repo,
    trade: &TradeRecord,
    buyer: Option<&BuyerRecord>,
    event: &SyncEvent,
    now: i64,
) -> Result<(String, Vec<(String, String)>), StoreError> {
    let seller = repo.merchant(&trade.seller_id)?;
    let notify_id = ids::notify_id();
    let paid = trade.gmt_payment.is_some();
    let received = if paid { trade.total_amount } else { Money::ZERO };
    let time = |t: i64| Timestamp::from_unix(t);
    // Alipay leaves empty values out of a notification.
    let present = |v: Option<String>| v.filter(|v| !v.is_empty());
    // An open-id app gets `buyer_open_id` instead of `buyer_id` (crate::openid).
    let (buyer_id, buyer_open_id) =
        crate::openid::OpenIds::split(crate::openid::of_app(repo, &trade.app_id)?.as_ref(), trade.buyer_id.as_ref());
    let (out_biz_no, gmt_refund) = match event {
        SyncEvent::Refund { out_biz_no, gmt_refund } => (Some(out_biz_no.clone()), time(*gmt_refund)),
        SyncEvent::Plain => (None, None),
    };
    // The model the SDK verifies and parses (alipay_api::notify), so the two cannot disagree on a field.
    let notification = TradeNotification {
        notify_time: time(now).ok_or_else(|| StoreError::Corrupt(format!("the clock's time {now}")))?,
        notify_type: "trade_status_sync".into(),
        notify_id: notify_id.clone(),
        app_id: trade.app_id.clone(),
        auth_app_id: present(Some(trade.auth_app_id.clone())),
        charset: Some(trade.charset.clone()),
        version: Some("1.0".into()),
        sign_type: Some(trade.sign_type.as_str().into()),
        trade_no: trade.trade_no.clone(),
        out_trade_no: trade.out_trade_no.clone(),
        out_biz_no: present(out_biz_no),
        buyer_id: present(buyer_id),
        buyer_open_id: present(buyer_open_id),
        buyer_logon_id: present(buyer.map(|b| ids::mask_logon_id(&b.logon_id))),
        seller_id: Some(trade.seller_id.clone()),
        seller_email: present(seller.map(|s| s.email)),
        trade_status: Some(TradeStatus::from(trade.state.as_str())),
        total_amount: Some(trade.total_amount),
        receipt_amount: Some(received),
        invoice_amount: Some(received),
        buyer_pay_amount: Some(received),
        point_amount: Some(Money::ZERO),
        refund_fee: Some(trade.refund_fee).filter(|f| f.is_positive()),
        subject: present(Some(trade.subject.clone())),
        body: present(trade.body.clone()),
        gmt_create: time(trade.gmt_create),
        gmt_payment: trade.gmt_payment.and_then(time),
        gmt_refund,
        gmt_close: if trade.state == TradeState::Closed { trade.gmt_close.and_then(time) } else { None },
        fund_bill_list: paid.then(|| {
            vec![NotifyFundBill {
                amount: trade.total_amount,
                fund_channel: "ALIPAYACCOUNT".into(),
                ..NotifyFundBill::default()
            }]
        }),
        passback_params: present(trade.passback_params.clone()),
        sign: None,
        extra: Default::default(),
    };
    let params = notification.to_params();
    Ok((notify_id, params))
}
