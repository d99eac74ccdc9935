//! Simulation controls: a small JSON API under `/admin/...` on the gateway's listener.
//!
//! Errors answer a 4xx/5xx status with `{"error": "..."}`. Amounts are strings in yuan (`"88.88"`).
//! Where a trade is named, the body (or query) holds `app_id` (default: the default app) and `trade_no` or
//! `out_trade_no`, or a `qr_code`.
//!
//! The routes, their bodies and answers (one table for the sandbox, its clients and the README):
//! [`alipay_sandbox_admin::common`].

use std::sync::Arc;

use alipay_core::{Money, Timestamp};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::accounts::{self, AccountError};
use crate::faults::FaultSpec;
use crate::products::trade::engine::SimError;
use crate::store::{BuyerRecord, StoreError};
use crate::{clock, meta_keys, SandboxState};

/// A control request failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Bad input.
    #[error("{0}")]
    BadRequest(String),
    /// Not found.
    #[error("{0}")]
    NotFound(String),
    /// Not possible in the current state.
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AccountError> for AdminError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Store(s) => AdminError::Store(s),
            AccountError::NotFound(m) => AdminError::NotFound(format!("{m} not found")),
            AccountError::Exists(m) => AdminError::Conflict(format!("{m} already exists")),
            other => AdminError::BadRequest(other.to_string()),
        }
    }
}

impl From<SimError> for AdminError {
    fn from(e: SimError) -> Self {
        match e {
            SimError::Store(s) => AdminError::Store(s),
            SimError::NotFound(m) => AdminError::NotFound(m),
            SimError::Conflict(m) => AdminError::Conflict(m),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = match &self {
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::NotFound(_) => StatusCode::NOT_FOUND,
            AdminError::Conflict(_) => StatusCode::CONFLICT,
            AdminError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(json!({"error": self.to_string()}))).into_response()
    }
}

/// The admin token of the store, made (random, 256 bits, hex) and kept in `meta` on first start.
pub(crate) async fn ensure_token(store: &crate::store::Store) -> Result<String, StoreError> {
    store
        .write(|r| {
            if let Some(t) = r.meta(meta_keys::ADMIN_TOKEN)?.filter(|t| !t.is_empty()) {
                return Ok(t);
            }
            let bytes: [u8; 32] = rand::random();
            let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            r.set_meta(meta_keys::ADMIN_TOKEN, &token)?;
            Ok(token)
        })
        .await
}

/// `true` when a listener on `addr` must guard the controls: anything but loopback (`0.0.0.0` and `::`
/// included, since they accept connections from other hosts).
pub fn token_required(addr: std::net::SocketAddr) -> bool {
    !addr.ip().is_loopback()
}

/// `router` with [`require_token`] on every route (for the controls, and any console page served later).
pub fn with_token(router: Router, token: Arc<str>) -> Router {
    router.layer(axum::middleware::from_fn_with_state(token, require_token))
}

/// Middleware: lets a request through only with `Authorization: Bearer <token>` (compared in constant time);
/// otherwise answers 401 `{"error": ...}` with `WWW-Authenticate: Bearer`, and the handler never runs.
pub async fn require_token(
    State(token): State<Arc<str>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let presented = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let error = match presented {
        None => "missing admin token: send Authorization: Bearer <admin_token> (see app.json)",
        Some(p) if aws_lc_rs::constant_time::verify_slices_are_equal(p.as_bytes(), token.as_bytes()).is_ok() => {
            return next.run(request).await;
        }
        Some(_) => "wrong admin token",
    };
    (
        StatusCode::UNAUTHORIZED,
        [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
        Json(alipay_sandbox_admin::ErrorBody { error: error.to_owned() }),
    )
        .into_response()
}

/// What a control answers.
pub(crate) type AdminResult = Result<Json<Value>, AdminError>;
/// The state a control reads.
pub(crate) type St = State<Arc<SandboxState>>;

/// The control routes.
pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/admin/apps", post(register_app))
        .route("/admin/alipay-cert/rotate", post(rotate_alipay_cert))
        .route("/admin/auth-tokens", post(auth_token))
        .route("/admin/merchants/{pid}", get(merchant))
        .route("/admin/buyers", post(create_buyer))
        .route("/admin/buyers/{user_id}", get(buyer))
        .route("/admin/buyers/{user_id}/payment-codes", post(payment_code))
        .route("/admin/clock", get(clock_view))
        .route("/admin/clock/advance", post(clock_advance))
        .route("/admin/sweep", post(sweep_now))
        .route("/admin/faults", get(faults_view).post(add_fault).delete(clear_faults))
        .route("/admin/notifications", get(notifications))
        .route("/admin/reset", post(reset))
        .with_state(state)
}

fn money(field: &str, text: Option<&str>, default: Money) -> Result<Money, AdminError> {
    match text {
        None => Ok(default),
        Some(t) => t.parse().map_err(|e| AdminError::BadRequest(format!("{field}: {e}"))),
    }
}

fn buyer_json(b: &BuyerRecord) -> Value {
    json!({"user_id": b.user_id, "logon_id": b.logon_id, "balance": b.balance.to_string(),
           "password_free_limit": b.password_free_limit.to_string()})
}

pub(crate) fn time_text(t: i64) -> Value {
    Timestamp::from_unix(t).map(|t| Value::String(t.to_string())).unwrap_or(Value::Null)
}

async fn register_app(
    State(state): St,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    Json(body): Json<alipay_sandbox_admin::NewApp>,
) -> Result<Json<alipay_sandbox_admin::RegisteredApp>, AdminError> {
    let gateway_url = format!("{}/gateway.do", crate::gateway::base_url(&uri, &headers));
    Ok(Json(crate::modes::register(&state, body, gateway_url).await?))
}

async fn rotate_alipay_cert(State(state): St) -> Result<Json<alipay_sandbox_admin::RotatedAlipayCert>, AdminError> {
    let rotated = state.authority.rotate(&state.store).await.map_err(|e| match e {
        crate::modes::ModesError::Store(s) => AdminError::Store(s),
        other => AdminError::Conflict(format!("rotation failed: {other}")),
    })?;
    Ok(Json(rotated))
}

#[derive(Debug, Deserialize)]
struct AuthTokenBody {
    app_id: String,
    merchant_pid: String,
    #[serde(default)]
    ttl_secs: Option<i64>,
}

async fn auth_token(State(state): St, Json(body): Json<AuthTokenBody>) -> AdminResult {
    let now = state.clock.now();
    let ttl = body.ttl_secs.unwrap_or(365 * 86400);
    let t = state
        .store
        .write(move |r| {
            accounts::issue_auth_token(r, &body.app_id, &body.merchant_pid, ttl, now).map_err(AdminError::from)
        })
        .await?;
    Ok(Json(json!({"app_auth_token": t.token, "app_id": t.app_id, "merchant_pid": t.merchant_pid,
                   "auth_app_id": t.auth_app_id, "expires_at": time_text(t.expires_at)})))
}

async fn merchant(State(state): St, Path(pid): Path<String>) -> AdminResult {
    let lookup = pid.clone();
    let m = state.store.read(move |r| r.merchant(&lookup)).await?;
    let m = m.ok_or_else(|| AdminError::NotFound(format!("merchant {pid} not found")))?;
    Ok(Json(json!({"pid": m.pid, "name": m.name, "email": m.email, "balance": m.balance.to_string(),
                   "primary_app_id": m.primary_app_id})))
}

#[derive(Debug, Deserialize)]
struct NewBuyerBody {
    #[serde(default)]
    balance: Option<String>,
    #[serde(default)]
    password_free_limit: Option<String>,
    #[serde(default)]
    logon_id: Option<String>,
}

async fn create_buyer(State(state): St, Json(body): Json<NewBuyerBody>) -> AdminResult {
    let balance = money("balance", body.balance.as_deref(), Money::ZERO)?;
    let limit = money("password_free_limit", body.password_free_limit.as_deref(), Money::from_fen(200_000))?;
    let logon = body.logon_id;
    let b =
        state.store.write(move |r| accounts::create_buyer(r, balance, limit, logon).map_err(AdminError::from)).await?;
    Ok(Json(buyer_json(&b)))
}

async fn buyer(State(state): St, Path(user_id): Path<String>) -> AdminResult {
    let lookup = user_id.clone();
    let (b, reserved) = state.store.read(move |r| Ok((r.buyer(&lookup)?, r.reserved_of(&lookup)?))).await?;
    let b = b.ok_or_else(|| AdminError::NotFound(format!("buyer {user_id} not found")))?;
    // `balance`: what the buyer owns; `available_balance`: minus what pending deductions reserve.
    let owned = b.balance.checked_add(reserved).ok_or_else(|| AdminError::BadRequest("amount overflow".into()))?;
    let mut v = buyer_json(&BuyerRecord { balance: owned, ..b.clone() });
    if let Some(map) = v.as_object_mut() {
        map.insert("available_balance".into(), json!(b.balance.to_string()));
        map.insert("reserved".into(), json!(reserved.to_string()));
    }
    Ok(Json(v))
}

#[derive(Debug, Default, Deserialize)]
struct CodeBody {
    #[serde(default)]
    ttl_secs: Option<i64>,
}

async fn payment_code(State(state): St, Path(user_id): Path<String>, body: Option<Json<CodeBody>>) -> AdminResult {
    let ttl = body.and_then(|b| b.0.ttl_secs).unwrap_or(state.config.settings.payment_code_ttl_secs);
    let now = state.clock.now();
    let c = state
        .store
        .write(move |r| accounts::issue_payment_code(r, &user_id, ttl, now).map_err(AdminError::from))
        .await?;
    Ok(Json(json!({"auth_code": c.code, "user_id": c.user_id, "expires_at": time_text(c.expires_at)})))
}

/// Names a trade for a control.
fn clock_json(state: &SandboxState) -> Value {
    json!({"now": time_text(state.clock.now()), "offset_secs": state.clock.offset()})
}

async fn clock_view(State(state): St) -> AdminResult {
    Ok(Json(clock_json(&state)))
}

#[derive(Debug, Deserialize)]
struct AdvanceBody {
    seconds: i64,
}

async fn clock_advance(State(state): St, Json(body): Json<AdvanceBody>) -> AdminResult {
    if body.seconds < 0 {
        return Err(AdminError::BadRequest("the clock only moves forward".into()));
    }
    let offset = state.clock.offset().saturating_add(body.seconds);
    state
        .store
        .write(move |r| -> Result<(), AdminError> { Ok(r.set_meta(clock::OFFSET_KEY, &offset.to_string())?) })
        .await?;
    state.clock.set_offset(offset);
    let swept = sweep(&state).await?;
    Ok(Json(json!({"now": time_text(state.clock.now()), "offset_secs": state.clock.offset(), "swept": swept})))
}

async fn sweep_now(State(state): St) -> AdminResult {
    Ok(Json(json!({"swept": sweep(&state).await?})))
}

/// Applies timeouts and refund-window ends at the sandbox clock's current time: trades, and red packets
/// (unpaid ones past `pay_timeout` close; unclaimed rests return to the payer after the refund window).
pub(crate) async fn sweep(state: &SandboxState) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let settings = state.config.settings.clone();
    let n = state.store.write(move |r| crate::products::sweep(r, &settings, now)).await?;
    if n > 0 {
        state.wake.notify_one();
    }
    Ok(n)
}

async fn add_fault(State(state): St, Json(spec): Json<FaultSpec>) -> AdminResult {
    state.faults.add(spec);
    Ok(Json(json!({"pending": state.faults.pending()})))
}

async fn faults_view(State(state): St) -> AdminResult {
    Ok(Json(json!({"pending": state.faults.pending()})))
}

async fn clear_faults(State(state): St) -> AdminResult {
    state.faults.clear();
    Ok(Json(json!({"pending": []})))
}

#[derive(Debug, Deserialize)]
struct NotificationQuery {
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    out_trade_no: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

async fn notifications(State(state): St, Query(q): Query<NotificationQuery>) -> AdminResult {
    let limit = q.limit.unwrap_or(100).min(1000);
    let list = state
        .store
        .read(move |r| {
            let items = r.outbox(q.app_id.as_deref(), q.out_trade_no.as_deref(), limit)?;
            let mut out = Vec::with_capacity(items.len());
            for n in items {
                let deliveries = r.deliveries(n.id)?;
                let params: serde_json::Map<String, Value> =
                    n.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
                out.push(json!({
                    "id": n.id, "notify_id": n.notify_id, "trade_no": n.trade_no, "out_trade_no": n.out_trade_no,
                    "app_id": n.app_id, "url": n.url, "status": n.status, "attempts": n.attempts,
                    "params": params, "deliveries": deliveries,
                }));
            }
            Ok(out)
        })
        .await?;
    Ok(Json(Value::Array(list)))
}

async fn reset(State(state): St) -> AdminResult {
    state
        .store
        .write(|r| {
            r.wipe(&[
                meta_keys::ALIPAY_KEY,
                meta_keys::DEFAULT_APP_ID,
                meta_keys::DEFAULT_APP_KEY,
                meta_keys::ADMIN_TOKEN,
                crate::modes::meta_keys::CA_ROOT_KEY,
                crate::modes::meta_keys::CA_ROOT_BUNDLE,
                crate::modes::meta_keys::ALIPAY_CERTS,
            ])
        })
        .await?;
    state.clock.set_offset(0);
    state.faults.clear();
    if let Ok(mut apps) = state.apps.lock() {
        apps.clear();
    }
    let key = state.alipay_key.clone();
    crate::seed(&state.store, key.clone(), key, &state.config)
        .await
        .map_err(|e| AdminError::Conflict(format!("reset failed: {e}")))?;
    let (app_id, buyer) =
        state.store.read(|r| Ok((r.meta(meta_keys::DEFAULT_APP_ID)?, r.meta(meta_keys::DEFAULT_BUYER)?))).await?;
    Ok(Json(json!({"app_id": app_id, "buyer_user_id": buyer})))
}
