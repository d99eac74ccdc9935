//! The red-packet simulation controls (`/admin/coupon/...`). The routes, their bodies and answers: the table of
//! [`alipay_sandbox_admin::coupon`].

use std::sync::Arc;

use alipay_api::coupon::CouponOrderAppPay;
use alipay_sandbox_admin::{
    CouponAppPay, CouponOperation, CouponOrder, CouponOrderDetail, CouponOrders, CouponOrdersQuery, CouponPagePay,
    CouponPaid, CouponSettings, CouponSwept, SetCouponSettings,
};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::engine::{self, FundRequest, Swept};
use crate::admin::{AdminError, AdminResult, St};
use crate::caller::Caller;
use crate::clock::time_text;
use crate::products::coupon::store::CouponRepo;
use crate::products::coupon::store::{CouponOperationRecord, CouponOrderRecord, OperationKind};
use crate::store::{Repo, StoreError};
use crate::SandboxState;

/// `meta` keys of the default app and buyer (kept by the sandbox core).
const DEFAULT_APP_ID: &str = "default.app_id";
const DEFAULT_BUYER: &str = "default.buyer_id";

/// The routes.
pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/admin/coupon/settings", get(settings_view).post(settings_set))
        .route("/admin/coupon/sweep", post(sweep_route))
        .route("/admin/coupon/orders", get(orders))
        .route("/admin/coupon/orders/{auth_no}", get(order_view))
        .route("/admin/coupon/page-pay", post(page_pay))
        .route("/admin/coupon/app-pay", post(app_pay))
        .with_state(state)
}

fn order_answer(o: CouponOrderRecord) -> CouponOrder {
    CouponOrder {
        remaining: o.remaining(),
        kind: o.kind.as_str().to_owned(),
        status: o.status.as_str().to_owned(),
        gmt_create: time_text(o.gmt_create),
        pay_expire_at: time_text(o.pay_expire_at),
        gmt_trans: o.gmt_trans.and_then(time_text),
        gmt_timeout_refund: o.gmt_timeout_refund.and_then(time_text),
        auth_no: o.auth_no,
        app_id: o.app_id,
        seller_id: o.seller_id,
        out_order_no: o.out_order_no,
        payer_id: o.payer_id,
        amount: o.amount,
        disbursed: o.disbursed,
        refunded: o.refunded,
        order_title: o.order_title,
        notify_url: o.notify_url,
    }
}

fn op_answer(op: CouponOperationRecord) -> CouponOperation {
    CouponOperation {
        kind: op.kind.as_str().to_owned(),
        operation_type: op.operation_type.as_str().to_owned(),
        status: op.status.as_str().to_owned(),
        gmt_create: time_text(op.gmt_create),
        gmt_trans: op.gmt_trans.and_then(time_text),
        operation_id: op.operation_id,
        auth_no: op.auth_no,
        out_order_no: op.out_order_no,
        out_request_no: op.out_request_no,
        amount: op.amount,
        payer_id: op.payer_id,
        payee_id: op.payee_id,
    }
}

/// Runs the red-packet sweep at the sandbox clock's time, as its own transaction.
async fn sweep(state: &SandboxState) -> Result<Swept, StoreError> {
    let now = state.clock.now();
    let swept = state.store.write(move |r| engine::sweep(r, now)).await?;
    if swept.refunded > 0 {
        state.wake.notify_one();
    }
    Ok(swept)
}

fn settings_answer(window: i64) -> CouponSettings {
    CouponSettings { refund_window_secs: window, default_refund_window_secs: engine::DEFAULT_REFUND_WINDOW_SECS }
}

async fn settings_view(State(state): St) -> AdminResult<CouponSettings> {
    sweep(&state).await?;
    let window = state.store.read(|r| engine::refund_window(r)).await?;
    Ok(Json(settings_answer(window)))
}

async fn settings_set(State(state): St, Json(body): Json<SetCouponSettings>) -> AdminResult<CouponSettings> {
    if body.refund_window_secs < 0 {
        return Err(AdminError::BadRequest("refund_window_secs must not be negative".into()));
    }
    let window = body.refund_window_secs;
    state.store.write(move |r| r.set_meta(engine::REFUND_WINDOW_KEY, &window.to_string())).await?;
    sweep(&state).await?;
    Ok(Json(settings_answer(window)))
}

async fn sweep_route(State(state): St) -> AdminResult<CouponSwept> {
    let Swept { closed, refunded } = sweep(&state).await?;
    Ok(Json(CouponSwept { closed, refunded }))
}

async fn orders(State(state): St, Query(q): Query<CouponOrdersQuery>) -> AdminResult<CouponOrders> {
    sweep(&state).await?;
    let limit = q.limit.unwrap_or(100).min(1000);
    let (list, open) =
        state.store.read(move |r| Ok((r.coupon_orders(q.app_id.as_deref(), limit)?, r.coupon_open_total()?))).await?;
    Ok(Json(CouponOrders { orders: list.into_iter().map(order_answer).collect(), open_total: open }))
}

async fn order_view(State(state): St, Path(auth_no): Path<String>) -> AdminResult<CouponOrderDetail> {
    sweep(&state).await?;
    let lookup = auth_no.clone();
    let (order, ops) =
        state.store.read(move |r| Ok((r.coupon_order(&lookup)?, r.coupon_operations_of(&lookup)?))).await?;
    let order = order.ok_or_else(|| AdminError::NotFound(format!("red packet {auth_no} not found")))?;
    Ok(Json(CouponOrderDetail { order: order_answer(order), operations: ops.into_iter().map(op_answer).collect() }))
}

fn locate(r: &dyn Repo, loc: &CouponPagePay) -> Result<CouponOrderRecord, AdminError> {
    let missing = || AdminError::NotFound("red packet not found".into());
    if let Some(auth_no) = &loc.auth_no {
        return r.coupon_order(auth_no)?.ok_or_else(missing);
    }
    let Some(out_order_no) = &loc.out_order_no else {
        return Err(AdminError::BadRequest("name the red packet: auth_no, or out_order_no (+ out_request_no)".into()));
    };
    let app_id = match &loc.app_id {
        Some(a) => a.clone(),
        None => r.meta(DEFAULT_APP_ID)?.unwrap_or_default(),
    };
    let app = r.app(&app_id)?.ok_or_else(|| AdminError::NotFound(format!("app {app_id} not found")))?;
    let seller = loc.seller_id.clone().unwrap_or(app.merchant_pid);
    let order = r.coupon_order_by_out_no(&app_id, &seller, out_order_no)?.ok_or_else(missing)?;
    if let Some(req_no) = &loc.out_request_no {
        let funded_by = r.coupon_operations_of(&order.auth_no)?.into_iter().find(|o| o.kind == OperationKind::Fund);
        if funded_by.and_then(|o| o.out_request_no).as_deref() != Some(req_no.as_str()) {
            return Err(missing());
        }
    }
    Ok(order)
}

pub(crate) fn buyer_or_default(r: &dyn Repo, buyer_id: &Option<String>) -> Result<String, StoreError> {
    match buyer_id {
        Some(b) => Ok(b.clone()),
        None => Ok(r.meta(DEFAULT_BUYER)?.unwrap_or_default()),
    }
}

async fn page_pay(State(state): St, Json(loc): Json<CouponPagePay>) -> AdminResult<CouponPaid> {
    sweep(&state).await?;
    let now = state.clock.now();
    let (order, op) = state
        .store
        .write(move |r| -> Result<_, AdminError> {
            let order = locate(r, &loc)?;
            let buyer = buyer_or_default(r, &loc.buyer_id)?;
            engine::buyer_pays(r, order, &buyer, now).map_err(AdminError::from)
        })
        .await?;
    Ok(Json(CouponPaid { order: order_answer(order), operation: op_answer(op) }))
}

/// The checks the gateway would make on an order string, and the request it carries.
pub(crate) struct AppOrder {
    pub(crate) caller: Caller,
    pub(crate) fund: FundRequest,
}

/// Checks an app-pay order string as the gateway checks a call of one of `methods` (the gateway's own check,
/// without the timestamp: a wallet may submit an order string later). Returns its decoded parameters and the
/// caller. Shared with the wallet (`crate::cashier`).
pub(crate) async fn verify_order_string(
    state: &SandboxState,
    text: &str,
    methods: &[&str],
) -> Result<(Vec<(String, String)>, Caller), AdminError> {
    let checked = crate::gateway::common::check_order_string(state, text, methods)
        .await
        .map_err(|refused| AdminError::BadRequest(refused.describe()))?;
    Ok((checked.params, checked.caller))
}

pub(crate) async fn check_order_string(state: &SandboxState, text: &str) -> Result<AppOrder, AdminError> {
    let method = <CouponOrderAppPay as alipay_api::AlipayRequest>::METHOD;
    let (params, caller) = verify_order_string(state, text, &[method]).await?;
    let bad = |m: String| AdminError::BadRequest(m);
    let (request, fp) = super::read::<CouponOrderAppPay>(&params).map_err(|e| bad(format!("{}: {e}", e.sub_code())))?;
    Ok(AppOrder { caller, fund: FundRequest::app(request, fp) })
}

async fn app_pay(State(state): St, Json(body): Json<CouponAppPay>) -> AdminResult<CouponPaid> {
    sweep(&state).await?;
    let AppOrder { caller, fund } = check_order_string(&state, &body.order_string).await?;
    let now = state.clock.now();
    let buyer_id = body.buyer_id;
    let (order, op) = state
        .store
        .write(move |r| -> Result<_, AdminError> {
            let buyer = buyer_or_default(r, &buyer_id)?;
            engine::app_pay(r, &caller, now, fund.clone(), &buyer).map_err(AdminError::from)
        })
        .await?;
    Ok(Json(CouponPaid { order: order_answer(order), operation: op_answer(op) }))
}
