//! The `trade_status_sync` notification (trade.md): queued in the outbox ([`crate::notify`]) in the same
//! transaction as the trade change it reports.

use alipay_core::{Money, Timestamp};
use serde_json::json;

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

fn time(t: i64) -> String {
    Timestamp::from_unix(t).map(|t| t.to_string()).unwrap_or_default()
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
    let mut params: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            params.push((k.to_owned(), v));
        }
    };
    put("notify_time", Some(time(now)));
    put("notify_type", Some("trade_status_sync".into()));
    put("notify_id", Some(notify_id.clone()));
    put("app_id", Some(trade.app_id.clone()));
    put("auth_app_id", Some(trade.auth_app_id.clone()));
    put("charset", Some(trade.charset.clone()));
    put("version", Some("1.0".into()));
    put("sign_type", Some(trade.sign_type.as_str().into()));
    put("trade_no", Some(trade.trade_no.clone()));
    put("out_trade_no", Some(trade.out_trade_no.clone()));
    if let SyncEvent::Refund { out_biz_no, .. } = event {
        put("out_biz_no", Some(out_biz_no.clone()));
    }
    // An open-id app gets `buyer_open_id` instead of `buyer_id` (crate::openid).
    let (buyer_id, buyer_open_id) =
        crate::openid::OpenIds::split(crate::openid::of_app(repo, &trade.app_id)?.as_ref(), trade.buyer_id.as_ref());
    put("buyer_id", buyer_id);
    put("buyer_open_id", buyer_open_id);
    put("buyer_logon_id", buyer.map(|b| ids::mask_logon_id(&b.logon_id)));
    put("seller_id", Some(trade.seller_id.clone()));
    put("seller_email", seller.map(|s| s.email));
    put("trade_status", Some(trade.state.as_str().into()));
    put("total_amount", Some(trade.total_amount.to_string()));
    put("receipt_amount", Some(received.to_string()));
    put("invoice_amount", Some(received.to_string()));
    put("buyer_pay_amount", Some(received.to_string()));
    put("point_amount", Some(Money::ZERO.to_string()));
    if trade.refund_fee.is_positive() {
        put("refund_fee", Some(trade.refund_fee.to_string()));
    }
    put("subject", Some(trade.subject.clone()));
    put("body", trade.body.clone());
    put("gmt_create", Some(time(trade.gmt_create)));
    put("gmt_payment", trade.gmt_payment.map(time));
    if let SyncEvent::Refund { gmt_refund, .. } = event {
        put("gmt_refund", Some(time(*gmt_refund)));
    }
    if trade.state == TradeState::Closed {
        put("gmt_close", trade.gmt_close.map(time));
    }
    if paid {
        let bills = json!([{"amount": trade.total_amount.to_string(), "fundChannel": "ALIPAYACCOUNT"}]);
        put("fund_bill_list", Some(bills.to_string()));
    }
    put("passback_params", trade.passback_params.clone());
    Ok((notify_id, params))
}
