//! [`AdminClient`]: one typed method per route, and [`AdminClient::call`] for raw JSON.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::accept::*;
use crate::auth::*;
use crate::common::*;
use crate::coupon::*;
use crate::ebpp::*;

pub use reqwest::Method;

/// A control request failed. The cause is kept (see [`std::error::Error::source`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The sandbox answered a 4xx/5xx status.
    #[error("admin API answered {status}: {message}")]
    Http {
        /// The HTTP status (400 bad input, 401 missing or wrong token, 404 not found, 409 conflict, ...).
        status: u16,
        /// The `error` of the `{"error": "..."}` body, or the body itself when it is not that shape.
        message: String,
    },
    /// The request could not be sent or the answer not read.
    #[error("admin API unreachable: {0}")]
    Transport(#[from] reqwest::Error),
    /// A success answer (or a request body) is not the expected JSON.
    #[error("admin API answer is not the expected JSON: {source}")]
    Decode {
        /// The parse error.
        #[source]
        source: serde_json::Error,
        /// The answer's body (empty for a request body).
        body: String,
    },
    /// `app.json` could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl AdminError {
    /// The HTTP status, if the sandbox answered an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            AdminError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// `409`: not possible in the current state (balance short, trade not payable, ...).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// `404`: the named record does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// `400`: bad input.
    pub fn is_bad_request(&self) -> bool {
        self.status() == Some(400)
    }

    /// `401`: the admin token is missing or wrong (the sandbox listens on a non-loopback address).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }
}

/// The fields of the sandbox's `app.json` the client needs.
#[derive(Debug, Deserialize)]
struct AppJsonFields {
    gateway_url: String,
    #[serde(default)]
    admin_token: Option<String>,
}

/// An async client of a running sandbox's simulation controls.
///
/// ```no_run
/// # async fn demo() -> Result<(), alipay_sandbox_admin::AdminError> {
/// use alipay_sandbox_admin::{AdminClient, NewBuyer, ScanTrade};
///
/// // gateway_url and (when the sandbox is not on loopback) admin_token come from app.json
/// let admin = AdminClient::from_app_json("alipay-sandbox/app.json")?;
/// let buyer = admin.create_buyer(&NewBuyer::new("100.00", "2000.00")).await?;
/// let code = admin.issue_payment_code(&buyer.user_id, &Default::default()).await?;
/// println!("pay with {}", code.auth_code);
/// let trade = admin.scan_trade(&ScanTrade { confirm: true, ..ScanTrade::qr_code("https://qr.alipay.com/...") }).await;
/// if let Err(e) = trade {
///     assert!(e.is_not_found() || e.is_conflict());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl AdminClient {
    /// A client of the sandbox at `base_url`: `http://HOST:PORT` (a trailing `/`, `/admin` or `/gateway.do` is
    /// accepted too).
    pub fn new(base_url: impl Into<String>) -> AdminClient {
        let mut base: String = base_url.into();
        for suffix in ["/", "/gateway.do", "/admin", "/"] {
            if let Some(stripped) = base.strip_suffix(suffix) {
                base = stripped.to_owned();
            }
        }
        AdminClient { http: reqwest::Client::new(), base, token: None }
    }

    /// Sends `Authorization: Bearer <token>` (needed when the sandbox listens on a non-loopback address).
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> AdminClient {
        self.token = Some(token.into());
        self
    }

    /// Uses this HTTP client (timeouts, connection pool) instead of a default one.
    #[must_use]
    pub fn with_http_client(mut self, http: reqwest::Client) -> AdminClient {
        self.http = http;
        self
    }

    /// A client from the sandbox's `app.json` (or any CLI config file): its `gateway_url`, and its
    /// `admin_token` if present.
    pub fn from_app_json(path: impl AsRef<Path>) -> Result<AdminClient, AdminError> {
        let path = path.as_ref();
        let config_err =
            |source: Box<dyn std::error::Error + Send + Sync>| AdminError::Config { path: path.to_owned(), source };
        let text = std::fs::read_to_string(path).map_err(|e| config_err(Box::new(e)))?;
        let fields: AppJsonFields = serde_json::from_str(&text).map_err(|e| config_err(Box::new(e)))?;
        let client = AdminClient::new(fields.gateway_url);
        Ok(match fields.admin_token {
            Some(token) => client.with_token(token),
            None => client,
        })
    }

    /// `http://HOST:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends any admin request and answers its JSON. `path` is the route below `/admin/` (`buyers`,
    /// `trades?out_trade_no=T1`; a leading `/` or `/admin/` is accepted). An empty success body answers
    /// `null`; a non-JSON one a string.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, AdminError> {
        let path = path.trim_start_matches('/');
        let path = path.strip_prefix("admin/").unwrap_or(path);
        let text = self.send_raw(method, &format!("/admin/{path}"), body.as_ref()).await?;
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn send_raw<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&B>,
    ) -> Result<String, AdminError> {
        let mut req = self.http.request(method, format!("{}{path_and_query}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            let bytes =
                serde_json::to_vec(body).map_err(|source| AdminError::Decode { source, body: String::new() })?;
            req = req.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            let message = match serde_json::from_str::<ErrorBody>(&text) {
                Ok(e) => e.error,
                Err(_) => text,
            };
            return Err(AdminError::Http { status: status.as_u16(), message });
        }
        Ok(text)
    }

    async fn send<B: Serialize + ?Sized, A: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&B>,
    ) -> Result<A, AdminError> {
        let text = self.send_raw(method, path_and_query, body).await?;
        serde_json::from_str(&text).map_err(|source| AdminError::Decode { source, body: text })
    }

    async fn get<A: DeserializeOwned>(&self, path_and_query: &str) -> Result<A, AdminError> {
        self.send::<Value, A>(Method::GET, path_and_query, None).await
    }

    async fn post<B: Serialize + ?Sized, A: DeserializeOwned>(&self, path: &str, body: &B) -> Result<A, AdminError> {
        self.send(Method::POST, path, Some(body)).await
    }

    // --- shared controls ---

    /// `POST /admin/apps`.
    pub async fn register_app(&self, app: &NewApp) -> Result<RegisteredApp, AdminError> {
        self.post("/admin/apps", app).await
    }

    /// `POST /admin/alipay-cert/rotate`.
    pub async fn rotate_alipay_cert(&self) -> Result<RotatedAlipayCert, AdminError> {
        self.post("/admin/alipay-cert/rotate", &serde_json::json!({})).await
    }

    /// `POST /admin/auth-tokens`.
    pub async fn issue_auth_token(&self, token: &NewAuthToken) -> Result<AuthToken, AdminError> {
        self.post("/admin/auth-tokens", token).await
    }

    /// `POST /admin/auth/app-tokens/revoke`: the merchant cancels an app authorization.
    pub async fn revoke_app_auth_token(&self, token: &RevokeAppAuthToken) -> Result<RevokedAppAuthToken, AdminError> {
        self.post("/admin/auth/app-tokens/revoke", token).await
    }

    /// `GET /admin/merchants/{pid}`.
    pub async fn merchant(&self, pid: &str) -> Result<Merchant, AdminError> {
        self.get(&format!("/admin/merchants/{}", segment(pid))).await
    }

    /// `GET /admin/open-ids`: give `app_id` and `user_id` or `open_id`; the answer has both.
    pub async fn open_id(&self, pair: &OpenIdPair) -> Result<OpenIdPair, AdminError> {
        self.get(&format!("/admin/open-ids{}", query(pair)?)).await
    }

    /// `POST /admin/buyers`.
    pub async fn create_buyer(&self, buyer: &NewBuyer) -> Result<Buyer, AdminError> {
        self.post("/admin/buyers", buyer).await
    }

    /// `GET /admin/buyers/{user_id}`.
    pub async fn buyer(&self, user_id: &str) -> Result<Buyer, AdminError> {
        self.get(&format!("/admin/buyers/{}", segment(user_id))).await
    }

    /// `POST /admin/buyers/{user_id}/payment-codes`.
    pub async fn issue_payment_code(&self, user_id: &str, code: &NewPaymentCode) -> Result<PaymentCode, AdminError> {
        self.post(&format!("/admin/buyers/{}/payment-codes", segment(user_id)), code).await
    }

    /// `GET /admin/trades`.
    pub async fn trade(&self, trade: &TradeLocator) -> Result<Trade, AdminError> {
        self.get(&format!("/admin/trades{}", query(trade)?)).await
    }

    /// `POST /admin/trades/scan`.
    pub async fn scan_trade(&self, scan: &ScanTrade) -> Result<Trade, AdminError> {
        self.post("/admin/trades/scan", scan).await
    }

    /// `POST /admin/trades/confirm`.
    pub async fn confirm_trade(&self, trade: &TradeLocator) -> Result<Trade, AdminError> {
        self.post("/admin/trades/confirm", trade).await
    }

    /// `POST /admin/trades/refuse`.
    pub async fn refuse_trade(&self, trade: &TradeLocator) -> Result<Trade, AdminError> {
        self.post("/admin/trades/refuse", trade).await
    }

    /// `GET /admin/clock`.
    pub async fn clock(&self) -> Result<Clock, AdminError> {
        self.get("/admin/clock").await
    }

    /// `POST /admin/clock/advance`.
    pub async fn advance_clock(&self, seconds: i64) -> Result<AdvancedClock, AdminError> {
        self.post("/admin/clock/advance", &AdvanceClock { seconds }).await
    }

    /// `POST /admin/sweep`.
    pub async fn sweep(&self) -> Result<Swept, AdminError> {
        self.send::<Value, _>(Method::POST, "/admin/sweep", None).await
    }

    /// `POST /admin/faults`.
    pub async fn inject_fault(&self, fault: &FaultSpec) -> Result<Faults, AdminError> {
        self.post("/admin/faults", fault).await
    }

    /// `GET /admin/faults`.
    pub async fn faults(&self) -> Result<Faults, AdminError> {
        self.get("/admin/faults").await
    }

    /// `DELETE /admin/faults`.
    pub async fn clear_faults(&self) -> Result<Faults, AdminError> {
        self.send::<Value, _>(Method::DELETE, "/admin/faults", None).await
    }

    /// `GET /admin/notifications`.
    pub async fn notifications(&self, q: &NotificationQuery) -> Result<Vec<Notification>, AdminError> {
        self.get(&format!("/admin/notifications{}", query(q)?)).await
    }

    /// `GET /admin/calls`: the durable call log, oldest first.
    pub async fn calls(&self, q: &CallLogQuery) -> Result<Vec<LoggedCall>, AdminError> {
        self.get(&format!("/admin/calls{}", query(q)?)).await
    }

    /// `POST /admin/accept/lint`: the passive acceptance checks over an app's traffic.
    pub async fn accept_lint(&self, req: &LintRequest) -> Result<AcceptReport, AdminError> {
        self.post("/admin/accept/lint", req).await
    }

    /// `POST /admin/accept/notify-probes`: the notification probes of an app's unpaid trade, judged.
    pub async fn accept_notify_probes(&self, req: &NotifyProbeRequest) -> Result<AcceptReport, AdminError> {
        self.post("/admin/accept/notify-probes", req).await
    }

    /// `POST /admin/accept/reports`: keeps a run's report; the console shows it at the answer's `console_path`.
    pub async fn save_accept_report(&self, report: &AcceptReport) -> Result<SavedReport, AdminError> {
        self.post("/admin/accept/reports", report).await
    }

    /// `GET /admin/accept/reports`: the kept reports, newest first.
    pub async fn accept_reports(&self, q: &ReportsQuery) -> Result<Vec<StoredReport>, AdminError> {
        self.get(&format!("/admin/accept/reports{}", query(q)?)).await
    }

    /// `POST /admin/accept/arm`: a provocation for the app's next matching call (an acceptance suite's case).
    pub async fn accept_arm(&self, req: &ArmRequest) -> Result<Armed, AdminError> {
        self.post("/admin/accept/arm", req).await
    }

    /// `POST /admin/accept/disarm`: the app's armed provocations that no call took, removed.
    pub async fn accept_disarm(&self, req: &DisarmRequest) -> Result<Disarmed, AdminError> {
        self.post("/admin/accept/disarm", req).await
    }

    /// `POST /admin/reset`.
    pub async fn reset(&self) -> Result<Reset, AdminError> {
        self.send::<Value, _>(Method::POST, "/admin/reset", None).await
    }

    // --- EBPP bills and direct deduct ---

    /// `GET /admin/ebpp/bills`.
    pub async fn ebpp_bill(&self, bill: &BillLocator) -> Result<Bill, AdminError> {
        self.get(&format!("/admin/ebpp/bills{}", query(bill)?)).await
    }

    /// `POST /admin/ebpp/bills/pay`.
    pub async fn pay_ebpp_bill(&self, pay: &PayBill) -> Result<Bill, AdminError> {
        self.post("/admin/ebpp/bills/pay", pay).await
    }

    /// `POST /admin/ebpp/bills/fail`.
    pub async fn fail_ebpp_bill(&self, bill: &BillLocator) -> Result<Bill, AdminError> {
        self.post("/admin/ebpp/bills/fail", bill).await
    }

    /// `POST /admin/deduct/pay-password-tokens`.
    pub async fn issue_pay_password_token(&self, token: &NewPayPasswordToken) -> Result<PayPasswordToken, AdminError> {
        self.post("/admin/deduct/pay-password-tokens", token).await
    }

    /// `GET /admin/deduct/agreements/{agreement_id}` (`app_id`: default the default app).
    pub async fn deduct_agreement(&self, agreement_id: &str, app_id: Option<&str>) -> Result<Agreement, AdminError> {
        let q = query(&AppQuery { app_id: app_id.map(str::to_owned) })?;
        self.get(&format!("/admin/deduct/agreements/{}{q}", segment(agreement_id))).await
    }

    /// `POST /admin/deduct/holds`.
    pub async fn hold_deductions(&self, hold: &NewHold) -> Result<Hold, AdminError> {
        self.post("/admin/deduct/holds", hold).await
    }

    /// `POST /admin/deduct/resolve`.
    pub async fn resolve_deduction(&self, resolve: &ResolveDeduction) -> Result<Deduction, AdminError> {
        self.post("/admin/deduct/resolve", resolve).await
    }

    /// `GET /admin/deduct/deductions`.
    pub async fn deduction(&self, deduction: &DeductionLocator) -> Result<Deduction, AdminError> {
        self.get(&format!("/admin/deduct/deductions{}", query(deduction)?)).await
    }

    /// `POST /admin/deduct/faults`.
    pub async fn inject_deduct_fault(&self, fault: &NewDeductFault) -> Result<DeductFaults, AdminError> {
        self.post("/admin/deduct/faults", fault).await
    }

    /// `GET /admin/deduct/faults`.
    pub async fn deduct_faults(&self) -> Result<DeductFaults, AdminError> {
        self.get("/admin/deduct/faults").await
    }

    // --- cash red packets ---

    /// `GET /admin/coupon/settings`.
    pub async fn coupon_settings(&self) -> Result<CouponSettings, AdminError> {
        self.get("/admin/coupon/settings").await
    }

    /// `POST /admin/coupon/settings`.
    pub async fn set_coupon_settings(&self, refund_window_secs: i64) -> Result<CouponSettings, AdminError> {
        self.post("/admin/coupon/settings", &SetCouponSettings { refund_window_secs }).await
    }

    /// `POST /admin/coupon/sweep`.
    pub async fn coupon_sweep(&self) -> Result<CouponSwept, AdminError> {
        self.send::<Value, _>(Method::POST, "/admin/coupon/sweep", None).await
    }

    /// `GET /admin/coupon/orders`.
    pub async fn coupon_orders(&self, q: &CouponOrdersQuery) -> Result<CouponOrders, AdminError> {
        self.get(&format!("/admin/coupon/orders{}", query(q)?)).await
    }

    /// `GET /admin/coupon/orders/{auth_no}`.
    pub async fn coupon_order(&self, auth_no: &str) -> Result<CouponOrderDetail, AdminError> {
        self.get(&format!("/admin/coupon/orders/{}", segment(auth_no))).await
    }

    /// `POST /admin/coupon/page-pay`.
    pub async fn coupon_page_pay(&self, pay: &CouponPagePay) -> Result<CouponPaid, AdminError> {
        self.post("/admin/coupon/page-pay", pay).await
    }

    /// `POST /admin/coupon/app-pay`.
    pub async fn coupon_app_pay(&self, pay: &CouponAppPay) -> Result<CouponPaid, AdminError> {
        self.post("/admin/coupon/app-pay", pay).await
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn segment(text: &str) -> String {
    encode(text)
}

/// `?k=v&...` of a flat struct's non-null fields (empty if none).
fn query<Q: Serialize>(q: &Q) -> Result<String, AdminError> {
    let value = serde_json::to_value(q).map_err(|source| AdminError::Decode { source, body: String::new() })?;
    let mut parts = Vec::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            let text = match v {
                Value::Null => continue,
                Value::String(s) => s,
                other => other.to_string(),
            };
            parts.push(format!("{}={}", encode(&k), encode(&text)));
        }
    }
    Ok(if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        for url in ["http://h:1", "http://h:1/", "http://h:1/gateway.do", "http://h:1/admin", "http://h:1/admin/"] {
            assert_eq!(AdminClient::new(url).base_url(), "http://h:1", "{url}");
        }
    }

    #[test]
    fn queries_skip_none_and_encode() {
        let q = TradeLocator { out_trade_no: Some("a b&c".into()), ..Default::default() };
        assert_eq!(query(&q).unwrap(), "?out_trade_no=a%20b%26c");
        assert_eq!(query(&TradeLocator::default()).unwrap(), "");
        let n = NotificationQuery { limit: Some(5), ..Default::default() };
        assert_eq!(query(&n).unwrap(), "?limit=5");
        assert_eq!(segment("2088/x"), "2088%2Fx");
    }

    #[test]
    fn app_json_token_is_optional() {
        let dir = std::env::temp_dir().join(format!("admin-client-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let old = dir.join("old.json");
        std::fs::write(&old, r#"{"gateway_url":"http://127.0.0.1:9/gateway.do","app_id":"1"}"#).unwrap();
        let c = AdminClient::from_app_json(&old).unwrap();
        assert_eq!((c.base_url(), c.token.as_deref()), ("http://127.0.0.1:9", None));
        let new = dir.join("new.json");
        std::fs::write(&new, r#"{"gateway_url":"http://0.0.0.0:9/gateway.do","admin_token":"t0k"}"#).unwrap();
        let c = AdminClient::from_app_json(&new).unwrap();
        assert_eq!(c.token.as_deref(), Some("t0k"));
        let missing = AdminClient::from_app_json(dir.join("none.json")).unwrap_err();
        assert!(matches!(missing, AdminError::Config { .. }));
        assert!(std::error::Error::source(&missing).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
