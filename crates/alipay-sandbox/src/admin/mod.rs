//! Simulation controls: a small JSON API under `/admin/...` on the gateway's listener.
//!
//! Errors answer a 4xx/5xx status with `{"error": "..."}`. Amounts are strings in yuan (`"88.88"`).
//! Where a trade is named, the body (or query) holds `app_id` (default: the default app) and `trade_no` or
//! `out_trade_no`, or a `qr_code`.
//!
//! The routes, their bodies and answers (one table for the sandbox, its clients and the README):
//! [`alipay_sandbox_admin::common`].

use std::sync::Arc;

use alipay_core::Money;
use alipay_sandbox_admin::{
    AdvanceClock, AdvancedClock, AuthToken, Buyer, Clock, Delivery, ErrorBody, FaultSpec, Faults, Merchant, NewApp,
    NewAuthToken, NewBuyer, NewPaymentCode, Notification, NotificationQuery, Params, PaymentCode, RegisteredApp, Reset,
    RotatedAlipayCert, Swept,
};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::accounts::{self, AccountError};
use crate::clock::time_text;
use crate::defaults::meta_keys;
use crate::products::SimError;
use crate::store::{BuyerRecord, DeliveryRecord, StoreError};
use crate::{clock, SandboxState};

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
            SimError::BadRequest(m) => AdminError::BadRequest(m),
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
        (status, Json(ErrorBody { error: self.to_string() })).into_response()
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

/// The cookie that carries the admin token for a browser (set from `?token=`, HttpOnly, SameSite=Strict).
pub const TOKEN_COOKIE: &str = "alipay_sandbox_token";

fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn unauthorized(error: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
        Json(ErrorBody { error: error.to_owned() }),
    )
        .into_response()
}

/// Middleware: lets a request through only with `Authorization: Bearer <token>` or the [`TOKEN_COOKIE`]
/// cookie holding it (both compared in constant time); otherwise answers 401 `{"error": ...}` with
/// `WWW-Authenticate: Bearer`, and the handler never runs.
///
/// A browser cannot send a bearer header: a `GET` with `?token=<token>` (the right one) answers a redirect to
/// the same URL without it that sets the cookie (`HttpOnly; SameSite=Strict; Path=/`). A cookie only
/// authenticates requests that are not cross-site (`Sec-Fetch-Site` / `Origin`, [`crate::origin::same_origin`]), so another
/// site cannot drive the controls through the operator's browser.
pub async fn require_token(
    State(token): State<Arc<str>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    if let Some(p) = presented {
        if crate::origin::secret_eq(p, &token) {
            return next.run(request).await;
        }
        return unauthorized("wrong admin token");
    }
    // `?token=` on a GET: set the cookie, redirect to the URL without it.
    let query = request.uri().query().unwrap_or("");
    let from_query = url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "token").map(|(_, v)| v);
    if let Some(q) = from_query {
        if request.method() != axum::http::Method::GET || !crate::origin::secret_eq(&q, &token) {
            return unauthorized("wrong admin token");
        }
        let rest: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k != "token")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut target = request.uri().path().to_owned();
        if !rest.is_empty() {
            target.push('?');
            target.push_str(&url::form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish());
        }
        let cookie = format!("{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
        return (
            StatusCode::SEE_OTHER,
            [(axum::http::header::LOCATION, target), (axum::http::header::SET_COOKIE, cookie)],
        )
            .into_response();
    }
    match cookie_value(headers, TOKEN_COOKIE) {
        None => unauthorized("missing admin token: send Authorization: Bearer <admin_token> (see app.json), or open the console once with ?token=<admin_token>"),
        Some(c) if crate::origin::secret_eq(c, &token) => {
            if !crate::origin::same_origin(headers) {
                return (StatusCode::FORBIDDEN, Json(alipay_sandbox_admin::ErrorBody { error: "cross-site request refused".into() })).into_response();
            }
            next.run(request).await
        }
        Some(_) => unauthorized("wrong admin token"),
    }
}

/// What a control answers: one of the answer structs of [`alipay_sandbox_admin`], as JSON.
pub(crate) type AdminResult<T> = Result<Json<T>, AdminError>;
/// The state a control reads.
pub(crate) type St = State<Arc<SandboxState>>;

/// The control routes.
pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/admin/apps", post(register_app))
        .route("/admin/alipay-cert/rotate", post(rotate_alipay_cert))
        .route("/admin/auth-tokens", post(auth_token))
        .route("/admin/merchants/{pid}", get(merchant))
        .route("/admin/open-ids", get(open_ids))
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

fn buyer_answer(b: BuyerRecord) -> Buyer {
    Buyer {
        user_id: b.user_id,
        logon_id: b.logon_id,
        balance: b.balance,
        password_free_limit: b.password_free_limit,
        available_balance: None,
        reserved: None,
    }
}

async fn register_app(
    State(state): St,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    Json(body): Json<NewApp>,
) -> AdminResult<RegisteredApp> {
    let gateway_url = format!("{}/gateway.do", crate::gateway::base_url(&uri, &headers));
    Ok(Json(crate::modes::register(&state, body, gateway_url).await?))
}

async fn rotate_alipay_cert(State(state): St) -> AdminResult<RotatedAlipayCert> {
    let rotated = state.authority.rotate(&state.store).await.map_err(|e| match e {
        crate::modes::ModesError::Store(s) => AdminError::Store(s),
        other => AdminError::Conflict(format!("rotation failed: {other}")),
    })?;
    Ok(Json(rotated))
}

async fn auth_token(State(state): St, Json(body): Json<NewAuthToken>) -> AdminResult<AuthToken> {
    let now = state.clock.now();
    let ttl = body.ttl_secs.unwrap_or(365 * 86400);
    let t = state
        .store
        .write(move |r| {
            accounts::issue_auth_token(r, &body.app_id, &body.merchant_pid, ttl, now).map_err(AdminError::from)
        })
        .await?;
    Ok(Json(AuthToken {
        app_auth_token: t.token,
        app_id: t.app_id,
        merchant_pid: t.merchant_pid,
        auth_app_id: t.auth_app_id,
        expires_at: time_text(t.expires_at),
    }))
}

/// `GET /admin/open-ids`: the same buyer both ways, as an open-id app sees it ([`crate::openid`]).
async fn open_ids(
    State(state): St,
    Query(q): Query<alipay_sandbox_admin::OpenIdPair>,
) -> AdminResult<alipay_sandbox_admin::OpenIdPair> {
    let app_id = q.app_id.clone();
    let ids = state.store.read(move |r| crate::openid::of_app(r, &app_id)).await?;
    let ids = ids.ok_or_else(|| AdminError::NotFound(format!("app {} gets user ids, not open ids", q.app_id)))?;
    let (user_id, open_id) = match (q.user_id, q.open_id) {
        (Some(u), _) => (Some(u.clone()), Some(ids.open_id(&u))),
        (None, Some(o)) => {
            let u =
                ids.user_id(&o).ok_or_else(|| AdminError::NotFound(format!("open id {o} is not one of this app's")))?;
            (Some(u), Some(o))
        }
        (None, None) => return Err(AdminError::BadRequest("give user_id or open_id".into())),
    };
    Ok(Json(alipay_sandbox_admin::OpenIdPair { app_id: q.app_id, user_id, open_id }))
}

async fn merchant(State(state): St, Path(pid): Path<String>) -> AdminResult<Merchant> {
    let lookup = pid.clone();
    let m = state.store.read(move |r| r.merchant(&lookup)).await?;
    let m = m.ok_or_else(|| AdminError::NotFound(format!("merchant {pid} not found")))?;
    Ok(Json(Merchant {
        pid: m.pid,
        name: m.name,
        email: m.email,
        balance: m.balance,
        primary_app_id: m.primary_app_id,
    }))
}

async fn create_buyer(State(state): St, Json(body): Json<NewBuyer>) -> AdminResult<Buyer> {
    let balance = money("balance", body.balance.as_deref(), Money::ZERO)?;
    let limit = money("password_free_limit", body.password_free_limit.as_deref(), Money::from_fen(200_000))?;
    let logon = body.logon_id;
    let b = state
        .store
        .write(move |r| accounts::create_buyer(r, balance, limit, logon.clone()).map_err(AdminError::from))
        .await?;
    Ok(Json(buyer_answer(b)))
}

async fn buyer(State(state): St, Path(user_id): Path<String>) -> AdminResult<Buyer> {
    let lookup = user_id.clone();
    let (b, reserved) = state.store.read(move |r| Ok((r.buyer(&lookup)?, r.reserved(&lookup)?))).await?;
    let b = b.ok_or_else(|| AdminError::NotFound(format!("buyer {user_id} not found")))?;
    // `balance`: what the buyer owns; `available_balance`: minus what pending deductions reserve.
    let owned = b.balance.checked_add(reserved).ok_or_else(|| AdminError::BadRequest("amount overflow".into()))?;
    let available = b.balance;
    Ok(Json(Buyer {
        available_balance: Some(available),
        reserved: Some(reserved),
        ..buyer_answer(BuyerRecord { balance: owned, ..b })
    }))
}

async fn payment_code(
    State(state): St,
    Path(user_id): Path<String>,
    body: Option<Json<NewPaymentCode>>,
) -> AdminResult<PaymentCode> {
    let ttl = body.and_then(|b| b.0.ttl_secs).unwrap_or(state.config.settings.payment_code_ttl_secs);
    let now = state.clock.now();
    let c = state
        .store
        .write(move |r| accounts::issue_payment_code(r, &user_id, ttl, now).map_err(AdminError::from))
        .await?;
    Ok(Json(PaymentCode { auth_code: c.code, user_id: c.user_id, expires_at: time_text(c.expires_at) }))
}

async fn clock_view(State(state): St) -> AdminResult<Clock> {
    Ok(Json(Clock { now: time_text(state.clock.now()), offset_secs: state.clock.offset() }))
}

async fn clock_advance(State(state): St, Json(body): Json<AdvanceClock>) -> AdminResult<AdvancedClock> {
    let swept = advance_clock(&state, body.seconds).await?;
    Ok(Json(AdvancedClock { now: time_text(state.clock.now()), offset_secs: state.clock.offset(), swept }))
}

/// Moves the sandbox clock `seconds` forward (kept in the store) and applies what became due; how many
/// records changed.
pub(crate) async fn advance_clock(state: &SandboxState, seconds: i64) -> Result<usize, AdminError> {
    if seconds < 0 {
        return Err(AdminError::BadRequest("the clock only moves forward".into()));
    }
    // From the stored offset, in the transaction: another instance on a shared store may have moved it.
    let offset = state
        .store
        .write(move |r| -> Result<i64, AdminError> {
            let stored: i64 = r.meta(clock::OFFSET_KEY)?.and_then(|v| v.parse().ok()).unwrap_or(0);
            let offset = stored.saturating_add(seconds);
            r.set_meta(clock::OFFSET_KEY, &offset.to_string())?;
            Ok(offset)
        })
        .await?;
    state.clock.set_offset(offset);
    Ok(sweep(state).await?)
}

async fn sweep_now(State(state): St) -> AdminResult<Swept> {
    Ok(Json(Swept { swept: sweep(&state).await? }))
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

async fn add_fault(State(state): St, Json(spec): Json<FaultSpec>) -> AdminResult<Faults> {
    let pending = state.faults.add(&state.store, spec).await?;
    Ok(Json(Faults { pending }))
}

async fn faults_view(State(state): St) -> AdminResult<Faults> {
    Ok(Json(Faults { pending: state.faults.pending(&state.store).await? }))
}

async fn clear_faults(State(state): St) -> AdminResult<Faults> {
    state.faults.clear(&state.store).await?;
    Ok(Json(Faults::default()))
}

fn delivery_answer(d: DeliveryRecord) -> Delivery {
    Delivery {
        notification_id: d.notification_id,
        attempt: d.attempt,
        at_ms: d.at_ms,
        http_status: d.http_status,
        response_body: d.response_body,
        error: d.error,
    }
}

async fn notifications(State(state): St, Query(q): Query<NotificationQuery>) -> AdminResult<Vec<Notification>> {
    let limit = q.limit.unwrap_or(100).min(1000);
    Ok(Json(notification_list(&state, q, limit).await?))
}

/// The notifications matching `q` (newest first, at most `limit`) with their delivery logs.
pub(crate) async fn notification_list(
    state: &SandboxState,
    q: NotificationQuery,
    limit: usize,
) -> Result<Vec<Notification>, StoreError> {
    state
        .store
        .read(move |r| {
            let items = r.outbox(q.app_id.as_deref(), q.out_trade_no.as_deref(), limit)?;
            let mut out = Vec::with_capacity(items.len());
            for n in items {
                let deliveries = r.deliveries(n.id)?.into_iter().map(delivery_answer).collect();
                out.push(Notification {
                    id: n.id,
                    notify_id: n.notify_id,
                    trade_no: n.trade_no,
                    out_trade_no: n.out_trade_no,
                    app_id: n.app_id,
                    url: n.url,
                    status: n.status,
                    attempts: n.attempts,
                    params: Params(n.params),
                    deliveries,
                });
            }
            Ok(out)
        })
        .await
}

async fn reset(State(state): St) -> AdminResult<Reset> {
    let (app_id, buyer_user_id) = reset_all(&state).await?;
    let merchant_pid = state.store.read(|r| r.meta(meta_keys::DEFAULT_MERCHANT)).await?;
    Ok(Json(Reset { app_id, buyer_user_id, merchant_pid }))
}

/// Wipes the store (keeping the keys, the CA, the default app id and its merchant's PID, and the admin token), the
/// clock offset and the faults, and seeds again; the default app id and buyer.
pub(crate) async fn reset_all(state: &SandboxState) -> Result<(Option<String>, Option<String>), AdminError> {
    state
        .store
        .write(|r| {
            r.wipe(&[
                meta_keys::ALIPAY_KEY,
                meta_keys::DEFAULT_APP_ID,
                meta_keys::DEFAULT_APP_KEY,
                meta_keys::DEFAULT_MERCHANT,
                meta_keys::ADMIN_TOKEN,
                crate::modes::meta_keys::CA_ROOT_KEY,
                crate::modes::meta_keys::CA_ROOT_BUNDLE,
                crate::modes::meta_keys::ALIPAY_CERTS,
                crate::modes::meta_keys::CA_INTERMEDIATES,
                crate::openid::SECRET_KEY,
                crate::shared::GENERATION_KEY,
            ])?;
            crate::shared::bump(r)
        })
        .await?;
    state.clock.set_offset(0);
    state.faults.set_hint(false);
    state.calls.clear();
    if let Ok(mut apps) = state.apps.lock() {
        apps.clear();
    }
    let key = state.alipay_key.clone();
    crate::defaults::seed(&state.store, key.clone(), key, &state.config)
        .await
        .map_err(|e| AdminError::Conflict(format!("reset failed: {e}")))?;
    Ok(state.store.read(|r| Ok((r.meta(meta_keys::DEFAULT_APP_ID)?, r.meta(meta_keys::DEFAULT_BUYER)?))).await?)
}
