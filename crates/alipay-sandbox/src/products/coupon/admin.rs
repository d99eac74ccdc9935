//! The red-packet simulation controls (`/admin/coupon/...`; table in [`super`]).

use std::sync::Arc;

use alipay_api::coupon::CouponOrderAppPay;
use alipay_core::{form, Charset, PublicKey, Timestamp};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::engine::{self, FundRequest, Swept};
use crate::admin::AdminError;
use crate::caller::Caller;
use crate::products::coupon::store::{CouponOperationRecord, CouponOrderRecord, OperationKind};
use crate::store::{Repo, StoreError};
use crate::SandboxState;

type AdminResult = Result<Json<Value>, AdminError>;
type St = State<Arc<SandboxState>>;

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

fn time_text(t: Option<i64>) -> Value {
    t.and_then(Timestamp::from_unix).map(|t| Value::String(t.to_string())).unwrap_or(Value::Null)
}

fn order_json(o: &CouponOrderRecord) -> Value {
    json!({
        "auth_no": o.auth_no, "app_id": o.app_id, "seller_id": o.seller_id, "out_order_no": o.out_order_no,
        "kind": o.kind, "status": o.status, "payer_id": o.payer_id, "amount": o.amount.to_string(),
        "disbursed": o.disbursed.to_string(), "refunded": o.refunded.to_string(),
        "remaining": o.remaining().map(|m| m.to_string()), "order_title": o.order_title,
        "notify_url": o.notify_url, "gmt_create": time_text(Some(o.gmt_create)),
        "pay_expire_at": time_text(Some(o.pay_expire_at)), "gmt_trans": time_text(o.gmt_trans),
        "gmt_timeout_refund": time_text(o.gmt_timeout_refund),
    })
}

/// `v` (an object) with one more field.
fn with_field(mut v: Value, key: &str, value: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
    v
}

fn op_json(op: &CouponOperationRecord) -> Value {
    json!({
        "operation_id": op.operation_id, "auth_no": op.auth_no, "out_order_no": op.out_order_no,
        "out_request_no": op.out_request_no, "kind": op.kind, "operation_type": op.operation_type,
        "status": op.status, "amount": op.amount.to_string(), "payer_id": op.payer_id, "payee_id": op.payee_id,
        "gmt_create": time_text(Some(op.gmt_create)), "gmt_trans": time_text(op.gmt_trans),
    })
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

fn settings_json(window: i64) -> Value {
    json!({"refund_window_secs": window, "default_refund_window_secs": engine::DEFAULT_REFUND_WINDOW_SECS})
}

async fn settings_view(State(state): St) -> AdminResult {
    sweep(&state).await?;
    let window = state.store.read(|r| engine::refund_window(r)).await?;
    Ok(Json(settings_json(window)))
}

#[derive(Debug, Deserialize)]
struct SettingsBody {
    refund_window_secs: i64,
}

async fn settings_set(State(state): St, Json(body): Json<SettingsBody>) -> AdminResult {
    if body.refund_window_secs < 0 {
        return Err(AdminError::BadRequest("refund_window_secs must not be negative".into()));
    }
    let window = body.refund_window_secs;
    state.store.write(move |r| r.set_meta(engine::REFUND_WINDOW_KEY, &window.to_string())).await?;
    sweep(&state).await?;
    Ok(Json(settings_json(window)))
}

async fn sweep_route(State(state): St) -> AdminResult {
    let swept = sweep(&state).await?;
    Ok(Json(json!({"closed": swept.closed, "refunded": swept.refunded})))
}

#[derive(Debug, Deserialize)]
struct OrdersQuery {
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

async fn orders(State(state): St, Query(q): Query<OrdersQuery>) -> AdminResult {
    sweep(&state).await?;
    let limit = q.limit.unwrap_or(100).min(1000);
    let (list, open) =
        state.store.read(move |r| Ok((r.coupon_orders(q.app_id.as_deref(), limit)?, r.coupon_open_total()?))).await?;
    Ok(Json(json!({"orders": list.iter().map(order_json).collect::<Vec<_>>(), "open_total": open.to_string()})))
}

async fn order_view(State(state): St, Path(auth_no): Path<String>) -> AdminResult {
    sweep(&state).await?;
    let lookup = auth_no.clone();
    let (order, ops) =
        state.store.read(move |r| Ok((r.coupon_order(&lookup)?, r.coupon_operations_of(&lookup)?))).await?;
    let order = order.ok_or_else(|| AdminError::NotFound(format!("red packet {auth_no} not found")))?;
    Ok(Json(with_field(order_json(&order), "operations", Value::Array(ops.iter().map(op_json).collect()))))
}

/// Names a red packet (and the buyer who pays it).
#[derive(Debug, Clone, Default, Deserialize)]
struct Locator {
    #[serde(default)]
    auth_no: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    seller_id: Option<String>,
    #[serde(default)]
    out_order_no: Option<String>,
    #[serde(default)]
    out_request_no: Option<String>,
    #[serde(default)]
    buyer_id: Option<String>,
}

fn locate(r: &dyn Repo, loc: &Locator) -> Result<CouponOrderRecord, AdminError> {
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

async fn page_pay(State(state): St, Json(loc): Json<Locator>) -> AdminResult {
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
    Ok(Json(with_field(order_json(&order), "operation", op_json(&op))))
}

#[derive(Debug, Deserialize)]
struct AppPayBody {
    order_string: String,
    #[serde(default)]
    buyer_id: Option<String>,
}

/// The checks the gateway would make on an order string, and the request it carries.
pub(crate) struct AppOrder {
    pub(crate) caller: Caller,
    pub(crate) fund: FundRequest,
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !alipay_core::content::is_blank(v))
}

/// Checks an app-pay order string as the gateway checks a request (method among `methods`, registered app,
/// sign type, signature with the app's key, `app_auth_token`; not the `timestamp`: a wallet may submit an order
/// string later). Returns its decoded parameters and the caller. Shared with the wallet (`crate::cashier`).
pub(crate) async fn verify_order_string(
    state: &SandboxState,
    text: &str,
    methods: &[&str],
) -> Result<(Vec<(String, String)>, Caller), AdminError> {
    let bad = |m: String| AdminError::BadRequest(m);
    let bytes = text.trim().as_bytes();
    let charset = match form::raw_value(bytes, "charset") {
        None => Charset::Utf8,
        Some(raw) => form::decode_component(raw, Charset::Utf8)
            .ok()
            .and_then(|c| c.parse::<Charset>().ok())
            .ok_or_else(|| bad("isv.invalid-charset: unknown charset".into()))?,
    };
    let decoded = form::decode(bytes, charset).map_err(|e| bad(format!("isv.invalid-charset: {e}")))?;
    let mut params: Vec<(String, String)> = Vec::with_capacity(decoded.len());
    for (k, v) in decoded {
        if !params.iter().any(|(seen, _)| *seen == k) {
            params.push((k, v));
        }
    }
    if !param(&params, "method").is_some_and(|m| methods.contains(&m)) {
        return Err(bad(format!("isv.invalid-method: the order string is not {}", methods.join(" or "))));
    }
    let app_id = param(&params, "app_id").ok_or_else(|| bad("isv.missing-app-id".into()))?.to_owned();
    let sign_type = param(&params, "sign_type")
        .ok_or_else(|| bad("isv.missing-signature-type".into()))?
        .parse::<alipay_core::SignType>()
        .map_err(|_| bad("isv.invalid-signature-type".into()))?;
    let lookup = app_id.clone();
    let app = state
        .store
        .read(move |r| r.app(&lookup))
        .await?
        .ok_or_else(|| bad(format!("isv.invalid-app-id: app {app_id} not found")))?;
    if app.sign_type != sign_type {
        return Err(bad("isv.invalid-signature-type: not the app's sign type".into()));
    }
    let key = PublicKey::from_text(&app.public_key).map_err(|e| bad(format!("isv.invalid-signature: {e}")))?;
    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    alipay_core::verify_request(pairs, &key, sign_type, charset)
        .map_err(|e| bad(format!("isv.invalid-signature: the order string's signature does not verify: {e}")))?;
    let (seller_id, auth_app_id) = match param(&params, "app_auth_token").map(str::to_owned) {
        None => (app.merchant_pid.clone(), app.app_id.clone()),
        Some(token) => {
            let now = state.clock.now();
            let found = state.store.read(move |r| r.auth_token(&token)).await?;
            let t = found
                .filter(|t| t.app_id == app.app_id && t.expires_at > now)
                .ok_or_else(|| bad("aop.invalid-app-auth-token".into()))?;
            (t.merchant_pid, t.auth_app_id)
        }
    };
    let caller = Caller {
        app_id: app.app_id.clone(),
        seller_id,
        auth_app_id,
        charset: charset.as_str().to_owned(),
        sign_type,
        notify_url: param(&params, "notify_url").map(str::to_owned),
    };
    Ok((params, caller))
}

pub(crate) async fn check_order_string(state: &SandboxState, text: &str) -> Result<AppOrder, AdminError> {
    let method = <CouponOrderAppPay as alipay_api::AlipayRequest>::METHOD;
    let (params, caller) = verify_order_string(state, text, &[method]).await?;
    let bad = |m: String| AdminError::BadRequest(m);
    let (request, fp) = super::read::<CouponOrderAppPay>(&params).map_err(|e| bad(format!("{}: {e}", e.sub_code())))?;
    Ok(AppOrder { caller, fund: FundRequest::app(request, fp) })
}

async fn app_pay(State(state): St, Json(body): Json<AppPayBody>) -> AdminResult {
    sweep(&state).await?;
    let AppOrder { caller, fund } = check_order_string(&state, &body.order_string).await?;
    let now = state.clock.now();
    let buyer_id = body.buyer_id;
    let (order, op) = state
        .store
        .write(move |r| -> Result<_, AdminError> {
            let buyer = buyer_or_default(r, &buyer_id)?;
            engine::app_pay(r, &caller, now, fund, &buyer).map_err(AdminError::from)
        })
        .await?;
    Ok(Json(with_field(order_json(&order), "operation", op_json(&op))))
}
