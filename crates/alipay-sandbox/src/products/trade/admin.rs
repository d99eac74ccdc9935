//! The trade controls: the buyer's side of a face-to-face trade (scan, confirm, refuse) and a trade as stored.
//!
//! The routes, their bodies and answers: the trade rows of [`alipay_sandbox_admin::common`]; the request
//! and answer structs are [`TradeLocator`], [`ScanTrade`] and [`Trade`].

use std::sync::Arc;

use alipay_sandbox_admin::{ScanTrade, Trade, TradeLocator};
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::engine as trade;
use super::store::TradeRecord;
use crate::admin::{AdminError, AdminResult, St};
use crate::clock::time_text;
use crate::defaults::meta_keys;
use crate::products::trade::store::TradeRepo;
use crate::store::Repo;
use crate::SandboxState;

/// The routes under `/admin/trades`.
pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/admin/trades", get(trade_view))
        .route("/admin/trades/scan", post(scan))
        .route("/admin/trades/confirm", post(confirm))
        .route("/admin/trades/refuse", post(refuse))
        .with_state(state)
}

fn trade_answer(t: TradeRecord) -> Trade {
    Trade {
        kind: t.kind.as_str().to_owned(),
        trade_status: t.state.as_str().to_owned(),
        gmt_create: time_text(t.gmt_create),
        gmt_payment: t.gmt_payment.and_then(time_text),
        gmt_close: t.gmt_close.and_then(time_text),
        expire_at: time_text(t.expire_at),
        trade_no: t.trade_no,
        out_trade_no: t.out_trade_no,
        app_id: t.app_id,
        seller_id: t.seller_id,
        total_amount: t.total_amount,
        refund_fee: t.refund_fee,
        subject: t.subject,
        buyer_id: t.buyer_id,
        qr_code: t.qr_code,
    }
}

fn locate(r: &dyn Repo, loc: &TradeLocator) -> Result<TradeRecord, AdminError> {
    let missing = || AdminError::NotFound("trade not found".into());
    if let Some(qr) = &loc.qr_code {
        return r.trade_by_qr(qr)?.ok_or_else(missing);
    }
    let app_id = match &loc.app_id {
        Some(a) => a.clone(),
        None => r.meta(meta_keys::DEFAULT_APP_ID)?.unwrap_or_default(),
    };
    let app = r.app(&app_id)?.ok_or_else(|| AdminError::NotFound(format!("app {app_id} not found")))?;
    let found = match (&loc.trade_no, &loc.out_trade_no) {
        (Some(t), _) => r.trade_by_no(&app.merchant_pid, t)?,
        (None, Some(o)) => r.trade_by_out_no(&app.merchant_pid, o)?,
        (None, None) => return Err(AdminError::BadRequest("name the trade: qr_code, trade_no or out_trade_no".into())),
    };
    found.ok_or_else(missing)
}

async fn trade_view(State(state): St, Query(loc): Query<TradeLocator>) -> AdminResult<Trade> {
    let t = state.store.read(move |r| Ok(locate(r, &loc))).await??;
    Ok(Json(trade_answer(t)))
}

async fn scan(State(state): St, Json(scan): Json<ScanTrade>) -> AdminResult<Trade> {
    let now = state.clock.now();
    let t = state
        .store
        .write(move |r| -> Result<TradeRecord, AdminError> {
            let trade = locate(r, &scan.locator())?;
            let buyer_id = match &scan.buyer_id {
                Some(b) => b.clone(),
                None => r.meta(meta_keys::DEFAULT_BUYER)?.unwrap_or_default(),
            };
            let scanned = trade::scan(r, trade, &buyer_id, now)?;
            if scan.confirm {
                Ok(trade::confirm(r, scanned, now)?)
            } else {
                Ok(scanned)
            }
        })
        .await?;
    state.wake.notify_one();
    Ok(Json(trade_answer(t)))
}

async fn confirm(State(state): St, Json(loc): Json<TradeLocator>) -> AdminResult<Trade> {
    let now = state.clock.now();
    let t = state
        .store
        .write(move |r| -> Result<TradeRecord, AdminError> { Ok(trade::confirm(r, locate(r, &loc)?, now)?) })
        .await?;
    state.wake.notify_one();
    Ok(Json(trade_answer(t)))
}

async fn refuse(State(state): St, Json(loc): Json<TradeLocator>) -> AdminResult<Trade> {
    let now = state.clock.now();
    let t = state
        .store
        .write(move |r| -> Result<TradeRecord, AdminError> { Ok(trade::refuse(r, locate(r, &loc)?, now)?) })
        .await?;
    state.wake.notify_one();
    Ok(Json(trade_answer(t)))
}
