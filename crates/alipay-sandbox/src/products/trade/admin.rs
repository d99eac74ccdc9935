//! The trade controls: the buyer's side of a face-to-face trade (scan, confirm, refuse) and a trade as stored.
//!
//! | route | body / query | answer |
//! |---|---|---|
//! | `GET /admin/trades` | query: trade locator | the trade as stored (also unscanned precreates) |
//! | `POST /admin/trades/scan` | trade locator (usually `qr_code`), `buyer_id` (default: the default buyer), optional `confirm` (pay at once) | the trade |
//! | `POST /admin/trades/confirm` | trade locator | the trade (`TRADE_SUCCESS`, notification queued); 409 if the balance is short |
//! | `POST /admin/trades/refuse` | trade locator | the trade (`TRADE_CLOSED`) |

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::engine as trade;
use super::store::TradeRecord;
use crate::admin::{time_text, AdminError, AdminResult, St};
use crate::store::Repo;
use crate::{meta_keys, SandboxState};

/// The routes under `/admin/trades`.
pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/admin/trades", get(trade_view))
        .route("/admin/trades/scan", post(scan))
        .route("/admin/trades/confirm", post(confirm))
        .route("/admin/trades/refuse", post(refuse))
        .with_state(state)
}

fn trade_json(t: &TradeRecord) -> Value {
    json!({
        "trade_no": t.trade_no, "out_trade_no": t.out_trade_no, "app_id": t.app_id, "seller_id": t.seller_id,
        "kind": t.kind.as_str(), "trade_status": t.state.as_str(), "total_amount": t.total_amount.to_string(),
        "refund_fee": t.refund_fee.to_string(), "subject": t.subject, "buyer_id": t.buyer_id, "qr_code": t.qr_code,
        "gmt_create": time_text(t.gmt_create), "gmt_payment": t.gmt_payment.map(time_text),
        "gmt_close": t.gmt_close.map(time_text), "expire_at": time_text(t.expire_at),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
struct Locator {
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    trade_no: Option<String>,
    #[serde(default)]
    out_trade_no: Option<String>,
    #[serde(default)]
    qr_code: Option<String>,
    #[serde(default)]
    buyer_id: Option<String>,
    #[serde(default)]
    confirm: bool,
}

fn locate(r: &dyn Repo, loc: &Locator) -> Result<TradeRecord, AdminError> {
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

async fn trade_view(State(state): St, Query(loc): Query<Locator>) -> AdminResult {
    let t = state.store.read(move |r| Ok(locate(r, &loc))).await??;
    Ok(Json(trade_json(&t)))
}

async fn scan(State(state): St, Json(loc): Json<Locator>) -> AdminResult {
    let now = state.clock.now();
    let t = state
        .store
        .write(move |r| -> Result<TradeRecord, AdminError> {
            let trade = locate(r, &loc)?;
            let buyer_id = match &loc.buyer_id {
                Some(b) => b.clone(),
                None => r.meta(meta_keys::DEFAULT_BUYER)?.unwrap_or_default(),
            };
            let scanned = trade::scan(r, trade, &buyer_id, now)?;
            if loc.confirm {
                Ok(trade::confirm(r, scanned, now)?)
            } else {
                Ok(scanned)
            }
        })
        .await?;
    state.wake.notify_one();
    Ok(Json(trade_json(&t)))
}

async fn confirm(State(state): St, Json(loc): Json<Locator>) -> AdminResult {
    let now = state.clock.now();
    let t = state
        .store
        .write(move |r| -> Result<TradeRecord, AdminError> { Ok(trade::confirm(r, locate(r, &loc)?, now)?) })
        .await?;
    state.wake.notify_one();
    Ok(Json(trade_json(&t)))
}

async fn refuse(State(state): St, Json(loc): Json<Locator>) -> AdminResult {
    let now = state.clock.now();
    let t = state
        .store
        .write(move |r| -> Result<TradeRecord, AdminError> { Ok(trade::refuse(r, locate(r, &loc)?, now)?) })
        .await?;
    state.wake.notify_one();
    Ok(Json(trade_json(&t)))
}
