//! The EBPP bill controls (`/admin/ebpp/...`). The routes, their bodies and answers: the table of
//! [`alipay_sandbox_admin::ebpp`]; the request and answer structs are [`BillLocator`], [`PayBill`] and [`Bill`].

use std::sync::Arc;

use alipay_sandbox_admin::{Bill, BillLocator, PayBill};
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::engine as bills;
use crate::admin::{AdminError, AdminResult, St};
use crate::defaults::meta_keys;
use crate::products::ebpp::store::EbppRepo;
use crate::store::Repo;
use crate::SandboxState;

/// The routes under `/admin/ebpp/...`.
pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/admin/ebpp/bills", get(bill_view))
        .route("/admin/ebpp/bills/pay", post(bill_pay))
        .route("/admin/ebpp/bills/fail", post(bill_fail))
        .with_state(state)
}

/// The merchant of `app_id` (default: the default app).
pub(crate) fn seller_of(r: &dyn Repo, app_id: Option<&str>) -> Result<String, AdminError> {
    let app_id = match app_id {
        Some(a) => a.to_owned(),
        None => r.meta(meta_keys::DEFAULT_APP_ID)?.unwrap_or_default(),
    };
    let app = r.app(&app_id)?.ok_or_else(|| AdminError::NotFound(format!("app {app_id} not found")))?;
    Ok(app.merchant_pid)
}

pub(crate) fn default_buyer(r: &dyn Repo, buyer: Option<String>) -> Result<String, AdminError> {
    match buyer {
        Some(b) => Ok(b),
        None => Ok(r.meta(meta_keys::DEFAULT_BUYER)?.unwrap_or_default()),
    }
}

async fn bill_view(State(state): St, Query(loc): Query<BillLocator>) -> AdminResult<Bill> {
    let v = state
        .store
        .read(move |r| {
            Ok((|| -> Result<Bill, AdminError> {
                let seller = seller_of(r, loc.app_id.as_deref())?;
                let bill = r
                    .ebpp_bill(&seller, &loc.merchant_order_no)?
                    .ok_or_else(|| AdminError::NotFound(format!("bill {} not found", loc.merchant_order_no)))?;
                Ok(bills::bill_answer(bill)?)
            })())
        })
        .await??;
    Ok(Json(v))
}

async fn bill_pay(State(state): St, Json(pay): Json<PayBill>) -> AdminResult<Bill> {
    let now = state.clock.now();
    let v = state
        .store
        .write(move |r| -> Result<Bill, AdminError> {
            let seller = seller_of(r, pay.app_id.as_deref())?;
            let buyer = default_buyer(r, pay.buyer_id.clone())?;
            let bill = bills::pay(r, &seller, &pay.merchant_order_no, &buyer, now)?;
            Ok(bills::bill_answer(bill)?)
        })
        .await?;
    Ok(Json(v))
}

async fn bill_fail(State(state): St, Json(loc): Json<BillLocator>) -> AdminResult<Bill> {
    let v = state
        .store
        .write(move |r| -> Result<Bill, AdminError> {
            let seller = seller_of(r, loc.app_id.as_deref())?;
            let bill = bills::fail(r, &seller, &loc.merchant_order_no)?;
            Ok(bills::bill_answer(bill)?)
        })
        .await?;
    Ok(Json(v))
}
