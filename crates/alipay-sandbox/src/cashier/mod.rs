//! The buyer's side in a browser (issue 10): the cashier of page-type payments and the wallet.
//!
//! # The cashier (`/gateway.do`, `/cashier/...`: open like the gateway)
//!
//! A browser sent to `/gateway.do` with a page-pay URL (GET) or an auto-submitted form (POST) gets an HTML
//! cashier, not the JSON envelope, after the normal common-parameter and signature checks (a failure shows an
//! error page with its code):
//!
//! | method | HTML when |
//! |---|---|
//! | `alipay.trade.page.pay` | always (the real gateway never answers JSON to it) |
//! | `alipay.trade.wap.pay` | always, phone-sized layout |
//! | `alipay.fund.coupon.order.page.pay` | the request is a browser's page navigation (a followed redirect or an auto-submitted form: `Sec-Fetch-Dest: document` / `Sec-Fetch-Mode: navigate`, or, from a browser without Fetch Metadata, an `Accept` listing `application/xhtml+xml`); API calls keep the signed JSON envelope (`status` `INIT`), even with `text/html` in `Accept` as the official Java SDK's `execute()` sends it |
//!
//! The page shows the order (merchant, subject, amount), a sign-in as a sandbox buyer (the default buyer's
//! logon id pre-filled: one click), then pay or cancel. Paying moves the money exactly as the admin controls
//! do (`trade::engine::confirm`, `coupon::engine::buyer_pays`), queues the notification to `notify_url`, and
//! answers `303` to `return_url` with Alipay's signed synchronous return parameters; cancel goes to `quit_url`
//! (wap) or `return_url`, unpaid and unchanged. Without a `return_url` the cashier shows the result itself.
//!
//! Return parameters of a trade: `charset, out_trade_no, method=<method>.return, total_amount, trade_no,
//! auth_app_id, version, app_id, sign_type, seller_id, timestamp` and `sign`; of a red packet: `charset,
//! method=alipay.fund.coupon.order.page.pay.return, out_order_no, auth_no, operation_id, amount, status,
//! app_id, version, sign_type, timestamp` and `sign`. Signed like a notification: every parameter but `sign`
//! and `sign_type`, sorted, with the key the app verifies notifications with (the sandbox's Alipay key; for a
//! cert-mode app its configured Alipay certificate's, also after a rotation), in the request's charset and sign
//! type.
//!
//! **Binding and cross-site requests.** The cashier of an order lives at `/cashier/<ref>?t=<ticket>`
//! (`ref`: `T<trade_no>` or `C<auth_no>`); the ticket is an HMAC of the ref under the sandbox's admin token, so
//! only the browser the gateway answered knows it, and every POST (`login`, `pay`, `cancel`) carries it in a
//! hidden field: a stranger cannot pay or cancel someone else's order. Every POST of the cashier and the wallet
//! is also refused (403) when the browser says it comes from another site (`Sec-Fetch-Site: cross-site` or
//! `same-site`, or an `Origin` whose host is not the request's `Host`).
//!
//! # Authorization pages (`/oauth2/publicAppAuthorize.htm`, `/oauth2/appToAppAuth.htm`: open like the cashier)
//!
//! User consent and app-to-app authorization (issue 16): see `consent.rs`.
//!
//! # The wallet (`GET /wallet`: console surface, needs the admin token off loopback)
//!
//! Pick a buyer; see the unpaid QR orders (precreated trades) with their QR codes and pay or refuse them;
//! a fresh payment code as Code128 barcode and QR; paste an app-pay order string (`alipay.trade.app.pay` or
//! `alipay.fund.coupon.order.app.pay`) and pay it.
//!
//! # `data-testid`s
//!
//! | page | element | testid |
//! |---|---|---|
//! | cashier | sign-in button / logon id field | `login` / `logon-id` |
//! | cashier | pay / cancel buttons | `pay` / `cancel` |
//! | cashier | order amount / subject / merchant | `amount` / `subject` / `merchant` |
//! | cashier | the result when there is no return_url, an error | `result` / `error` |
//! | wallet | buyer picker (select) / its button | `wallet-buyer` / `wallet-buyer-go` |
//! | wallet | balance | `wallet-balance` |
//! | wallet | an open QR order, its QR image, its state in words, pay, refuse | `qr-order-<out_trade_no>`, `qr-image-<out_trade_no>`, `qr-state-<out_trade_no>`, `qr-pay-<out_trade_no>`, `qr-refuse-<out_trade_no>` |
//! | wallet | payment code text, barcode, QR | `paycode`, `paycode-barcode`, `paycode-qr` |
//! | wallet | order string field / pay button | `app-order-string` / `app-pay` |
//! | wallet | the last action's message | `wallet-message` |
//!
//! HTML is server-rendered with maud (compile-time checked templates, auto-escaping, no template files or
//! build step; the console uses it too), no JavaScript, no external resources: it works offline.

mod consent;
mod pages;
mod wallet;

use std::sync::Arc;

use alipay_core::{form, sign_content, Charset, Money, SignScope, SignType, Timestamp};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use crate::defaults::meta_keys;
use crate::modes::ModesRepo;
use crate::products::coupon::engine as coupon;
use crate::products::coupon::store::CouponRepo;
use crate::products::trade::engine as trade;
use crate::products::trade::store::TradeRepo;
use crate::products::trade::store::{TradeKind, TradeRecord, TradeState};
use crate::reply::Reply;
use crate::store::{BuyerRecord, Repo, StoreError};
use crate::SandboxState;

pub(crate) use wallet::router as wallet_router;

/// The methods whose browser requests get HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageMethod {
    /// `alipay.trade.page.pay`.
    TradePage,
    /// `alipay.trade.wap.pay`.
    TradeWap,
    /// `alipay.fund.coupon.order.page.pay` from a browser.
    CouponPage,
}

/// Whether the gateway answers this request with HTML (see the module documentation): read from the raw
/// `method` before any check, so even a refused request gets an error page.
pub(crate) fn page_method(query: &[u8], body: &[u8], headers: &HeaderMap) -> Option<PageMethod> {
    let raw = form::raw_value(query, "method").or_else(|| form::raw_value(body, "method"))?;
    let method = form::decode_component(raw, Charset::Utf8).ok()?;
    match method.as_str() {
        "alipay.trade.page.pay" => Some(PageMethod::TradePage),
        "alipay.trade.wap.pay" => Some(PageMethod::TradeWap),
        "alipay.fund.coupon.order.page.pay" if is_page_navigation(headers) => Some(PageMethod::CouponPage),
        _ => None,
    }
}

/// Whether a request is a browser loading a page (following a redirect, submitting a form), as opposed to an
/// API call: Alipay decides page-vs-API by how the request is made, not by `Accept` alone. Browsers mark a page
/// load with Fetch Metadata (`Sec-Fetch-Dest: document`, `Sec-Fetch-Mode: navigate`: Chromium, Firefox,
/// Safari ≥ 16.4), and every browser's navigation `Accept` lists `application/xhtml+xml`. API clients send
/// neither: the official Java SDK's `execute()` sends `Accept: text/plain,text/xml,text/javascript,text/html`
/// and `User-Agent: aop-sdk-java` (`com.alipay.api.internal.util.WebUtils`, alipay-sdk-java 4.40.0.ALL), which
/// must get the JSON envelope.
fn is_page_navigation(headers: &HeaderMap) -> bool {
    let has = |name: &str, wanted: &str| {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).any(|v| v.eq_ignore_ascii_case(wanted))
    };
    has("sec-fetch-dest", "document")
        || has("sec-fetch-mode", "navigate")
        || headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("application/xhtml+xml"))
}

/// What the cashier keeps about one order (in `meta` under `cashier.<ref>`): where to send the buyer back,
/// and who signed in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Session {
    /// The method that opened the cashier.
    pub method: String,
    /// The seller whose order it is.
    pub seller_id: String,
    /// `return_url` (common parameter).
    #[serde(default)]
    pub return_url: Option<String>,
    /// `quit_url` (wap pay's business parameter).
    #[serde(default)]
    pub quit_url: Option<String>,
    /// The buyer signed in on the cashier.
    #[serde(default)]
    pub buyer_id: Option<String>,
}

fn session_key(reference: &str) -> String {
    format!("cashier.{reference}")
}

fn load_session(r: &dyn Repo, reference: &str) -> Result<Option<Session>, StoreError> {
    Ok(r.meta(&session_key(reference))?.and_then(|v| serde_json::from_str(&v).ok()))
}

fn save_session(r: &dyn Repo, reference: &str, s: &Session) -> Result<(), StoreError> {
    r.set_meta(&session_key(reference), &serde_json::to_string(s).unwrap_or_default())
}

/// The return and quit URLs of a verified gateway request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Urls {
    return_url: Option<String>,
    quit_url: Option<String>,
}

impl Urls {
    /// Reads `return_url` and `biz_content.quit_url`.
    pub(crate) fn of(params: &[(String, String)]) -> Urls {
        let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let quit_url = get("biz_content")
            .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
            .and_then(|v| v.get("quit_url").and_then(|q| q.as_str()).map(str::to_owned));
        Urls { return_url: get("return_url").filter(|u| !u.trim().is_empty()), quit_url }
    }
}

/// The ticket that binds the cashier's actions to one order: HMAC-SHA256 of the ref under the admin token.
pub(crate) fn ticket(state: &SandboxState, reference: &str) -> String {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, state.admin_token.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, format!("cashier:{reference}").as_bytes());
    tag.as_ref().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn ticket_ok(state: &SandboxState, reference: &str, given: &str) -> bool {
    let want = ticket(state, reference);
    crate::origin::secret_eq(&want, given)
}

fn forbidden() -> Response {
    let page = pages::error("跨站请求被拒绝", "403", "cross-site request refused", "");
    (StatusCode::FORBIDDEN, Html(page)).into_response()
}

/// The error page of a refused gateway request (common check, business check or injected fault).
pub(crate) fn error_reply(reply: &Reply) -> Response {
    let s = &reply.status;
    let page = pages::error(
        "支付请求出错",
        s.code.as_str(),
        s.sub_code.as_deref().unwrap_or(&s.msg),
        s.sub_msg.as_deref().unwrap_or_default(),
    );
    Html(page).into_response()
}

/// After the method ran: the cashier of the order it created (or showed again), or the error page.
pub(crate) async fn after_gateway(state: &SandboxState, method: PageMethod, urls: Urls, reply: &Reply) -> Response {
    if !reply.status.code.is_success() {
        return error_reply(reply);
    }
    let field = |k: &str| reply.body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let (reference, method_name) = match method {
        PageMethod::TradePage => (field("trade_no").map(|t| format!("T{t}")), "alipay.trade.page.pay"),
        PageMethod::TradeWap => (field("trade_no").map(|t| format!("T{t}")), "alipay.trade.wap.pay"),
        PageMethod::CouponPage => (field("auth_no").map(|a| format!("C{a}")), "alipay.fund.coupon.order.page.pay"),
    };
    let Some(reference) = reference else {
        return error_reply(&Reply::error(alipay_core::ResultCode::UnknownError, "isp.unknow-error", "系统繁忙"));
    };
    let seller_id = field("seller_id").unwrap_or_default();
    let r = reference.clone();
    let saved = state
        .store
        .write(move |repo| {
            let mut s = load_session(repo, &r)?.unwrap_or_default();
            s.method = method_name.to_owned();
            if !seller_id.is_empty() {
                s.seller_id = seller_id.clone();
            }
            s.return_url = urls.return_url.clone();
            s.quit_url = urls.quit_url.clone();
            save_session(repo, &r, &s)
        })
        .await;
    if let Err(e) = saved {
        tracing::error!(error = %e, "cannot keep the cashier session");
    }
    render(state, &reference, None).await
}

/// One order as the cashier shows it.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub reference: String,
    pub ticket: String,
    pub phone: bool,
    pub merchant: String,
    pub subject: String,
    pub out_no: String,
    pub amount: Money,
    pub state: OrderState,
    pub buyer: Option<BuyerRecord>,
    pub default_logon: String,
}

/// Where the order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderState {
    Open,
    Paid,
    Closed,
}

#[allow(clippy::large_enum_variant)] // short-lived: read once, matched once
enum Found {
    Trade(Box<TradeRecord>),
    Coupon(crate::products::coupon::store::CouponOrderRecord),
}

fn find(r: &dyn Repo, reference: &str, s: &Session) -> Result<Option<Found>, StoreError> {
    if let Some(trade_no) = reference.strip_prefix('T') {
        return Ok(r.trade_by_no(&s.seller_id, trade_no)?.map(|t| Found::Trade(Box::new(t))));
    }
    if let Some(auth_no) = reference.strip_prefix('C') {
        return Ok(r.coupon_order(auth_no)?.map(Found::Coupon));
    }
    Ok(None)
}

/// The order behind a cashier reference (its `ticket` left empty: the caller signs it).
fn load_order(r: &dyn Repo, reference: &str) -> Result<Option<(Order, Session)>, StoreError> {
    let Some(s) = load_session(r, reference)? else { return Ok(None) };
    let Some(found) = find(r, reference, &s)? else { return Ok(None) };
    let buyer = match &s.buyer_id {
        Some(b) => r.buyer(b)?,
        None => None,
    };
    let default_logon = match r.meta(meta_keys::DEFAULT_BUYER)? {
        Some(id) => r.buyer(&id)?.map(|b| b.logon_id).unwrap_or_default(),
        None => String::new(),
    };
    let merchant_name = |pid: &str| -> Result<String, StoreError> {
        Ok(r.merchant(pid)?.map(|m| m.name).unwrap_or_else(|| pid.to_owned()))
    };
    let order = match found {
        Found::Trade(t) => Order {
            reference: reference.to_owned(),
            ticket: String::new(),
            phone: t.kind == TradeKind::Wap,
            merchant: merchant_name(&t.seller_id)?,
            subject: t.subject.clone(),
            out_no: t.out_trade_no.clone(),
            amount: t.total_amount,
            state: match t.state {
                TradeState::Created | TradeState::WaitBuyerPay => OrderState::Open,
                TradeState::Success | TradeState::Finished => OrderState::Paid,
                TradeState::Closed if t.gmt_payment.is_some() => OrderState::Paid,
                TradeState::Closed => OrderState::Closed,
            },
            buyer,
            default_logon,
        },
        Found::Coupon(o) => Order {
            reference: reference.to_owned(),
            ticket: String::new(),
            phone: false,
            merchant: merchant_name(&o.seller_id)?,
            subject: o.order_title.clone(),
            out_no: o.out_order_no.clone(),
            amount: o.amount,
            state: match o.status.as_str() {
                "INIT" => OrderState::Open,
                "CLOSED" => OrderState::Closed,
                _ => OrderState::Paid,
            },
            buyer,
            default_logon,
        },
    };
    Ok(Some((order, s)))
}

async fn render(state: &SandboxState, reference: &str, message: Option<&str>) -> Response {
    let r = reference.to_owned();
    let found = state.store.lookup(move |repo| load_order(repo, &r)).await;
    match found {
        Ok(Some((mut order, _))) => {
            order.ticket = ticket(state, reference);
            Html(pages::cashier(&order, message)).into_response()
        }
        Ok(None) => {
            (StatusCode::NOT_FOUND, Html(pages::error("订单不存在", "404", "order not found", ""))).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "cashier read failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Html(pages::error("系统繁忙", "20000", "isp.unknow-error", "")))
                .into_response()
        }
    }
}

/// The cashier routes (open, like the gateway).
pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/cashier/{reference}", get(view))
        .route("/cashier/{reference}/login", post(login))
        .route("/cashier/{reference}/pay", post(pay))
        .route("/cashier/{reference}/cancel", post(cancel))
        .with_state(Arc::clone(&state))
        .merge(consent::router(state))
}

type St = State<Arc<SandboxState>>;

#[derive(Debug, Deserialize)]
struct TicketQuery {
    #[serde(default)]
    t: String,
}

#[derive(Debug, Deserialize)]
struct ActionForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    logon_id: Option<String>,
}

fn bad_ticket() -> Response {
    (StatusCode::FORBIDDEN, Html(pages::error("无效的收银台链接", "403", "invalid cashier ticket", ""))).into_response()
}

fn cashier_url(reference: &str, ticket: &str) -> String {
    format!("/cashier/{reference}?t={ticket}")
}

async fn view(State(state): St, Path(reference): Path<String>, Query(q): Query<TicketQuery>) -> Response {
    if !ticket_ok(&state, &reference, &q.t) {
        return bad_ticket();
    }
    render(&state, &reference, None).await
}

async fn login(
    State(state): St,
    Path(reference): Path<String>,
    headers: HeaderMap,
    Form(f): Form<ActionForm>,
) -> Response {
    if !crate::origin::same_origin(&headers) {
        return forbidden();
    }
    if !ticket_ok(&state, &reference, &f.t) {
        return bad_ticket();
    }
    let logon = f.logon_id.unwrap_or_default().trim().to_owned();
    let r = reference.clone();
    let now = state.clock.now();
    let result = state
        .store
        .write(move |repo| -> Result<Result<(), String>, StoreError> {
            let Some(mut s) = load_session(repo, &r)? else { return Ok(Err("订单不存在".into())) };
            let Some(buyer) = repo.buyer_by_logon(&logon)? else {
                return Ok(Err(format!("买家 {logon} 不存在 (unknown buyer)")));
            };
            if let Some(Found::Trade(t)) = find(repo, &r, &s)? {
                if t.state == TradeState::Created {
                    if let Err(e) = trade::scan(repo, *t, &buyer.user_id, now) {
                        return Ok(Err(e.to_string()));
                    }
                } else if t.state == TradeState::WaitBuyerPay && t.buyer_id.as_deref() != Some(&buyer.user_id) {
                    let mut t = *t;
                    t.buyer_id = Some(buyer.user_id.clone());
                    repo.update_trade(&t)?;
                }
            }
            s.buyer_id = Some(buyer.user_id);
            save_session(repo, &r, &s)?;
            Ok(Ok(()))
        })
        .await;
    match result {
        Ok(Ok(())) => Redirect::to(&cashier_url(&reference, &ticket(&state, &reference))).into_response(),
        Ok(Err(msg)) => render(&state, &reference, Some(&msg)).await,
        Err(e) => render(&state, &reference, Some(&e.to_string())).await,
    }
}

/// Signs return parameters like a notification (V1: `sign` and `sign_type` left out, with the key that signs the
/// app's notifications: `modes::Authority::configured_key`) and appends them.
fn signed_return(
    key: &alipay_core::PrivateKey,
    url: &str,
    params: Vec<(String, String)>,
    charset: &str,
    sign_type: SignType,
) -> Option<String> {
    let charset: Charset = charset.parse().unwrap_or(Charset::Utf8);
    let content = sign_content(SignScope::NotifyV1, params.iter().map(|(k, v)| (k, v)));
    let sign = key.sign(sign_type, &charset.encode(&content).ok()?).ok()?;
    let mut pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.push(("sign", sign.as_str()));
    let query = form::encode(pairs, charset).ok()?;
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(format!("{url}{sep}{query}"))
}

#[allow(clippy::large_enum_variant)] // short-lived: built once, matched once
enum Paid {
    Trade(Box<TradeRecord>),
    Coupon(crate::products::coupon::store::CouponOrderRecord, crate::products::coupon::store::CouponOperationRecord),
}

async fn pay(
    State(state): St,
    Path(reference): Path<String>,
    headers: HeaderMap,
    Form(f): Form<ActionForm>,
) -> Response {
    if !crate::origin::same_origin(&headers) {
        return forbidden();
    }
    if !ticket_ok(&state, &reference, &f.t) {
        return bad_ticket();
    }
    let r = reference.clone();
    let now = state.clock.now();
    let result = state
        .store
        .write(move |repo| -> Result<Result<(Paid, Session), String>, StoreError> {
            let Some(s) = load_session(repo, &r)? else { return Ok(Err("订单不存在".into())) };
            let Some(buyer_id) = s.buyer_id.clone() else { return Ok(Err("请先登录 (sign in first)".into())) };
            match find(repo, &r, &s)? {
                Some(Found::Trade(t)) => match trade::buyer_pays(repo, *t, &buyer_id, now) {
                    Ok(t) => Ok(Ok((Paid::Trade(Box::new(t)), s))),
                    Err(e) => Ok(Err(e.to_string())),
                },
                Some(Found::Coupon(o)) => match coupon::buyer_pays(repo, o, &buyer_id, now) {
                    Ok((o, op)) => Ok(Ok((Paid::Coupon(o, op), s))),
                    Err(e) => Ok(Err(e.to_string())),
                },
                None => Ok(Err("订单不存在".into())),
            }
        })
        .await;
    state.wake.notify_one();
    let (paid, session) = match result {
        Ok(Ok(done)) => done,
        Ok(Err(msg)) => return render(&state, &reference, Some(&msg)).await,
        Err(e) => return render(&state, &reference, Some(&e.to_string())).await,
    };
    let Some(return_url) = session.return_url.clone() else {
        return render(&state, &reference, None).await;
    };
    let timestamp = Timestamp::from_unix(now).map(|t| t.to_string()).unwrap_or_default();
    let p = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let app_id = match &paid {
        Paid::Trade(t) => t.app_id.clone(),
        Paid::Coupon(o, _) => o.app_id.clone(),
    };
    let modes = state.store.read(move |r| r.app_modes(&app_id)).await.ok().flatten();
    let key = state.authority.configured_key(modes.as_ref(), &state.alipay_key);
    let (params, charset, sign_type) = match paid {
        Paid::Trade(t) => (
            vec![
                p("charset", &t.charset),
                p("out_trade_no", &t.out_trade_no),
                p("method", &format!("{}.return", session.method)),
                p("total_amount", &t.total_amount.to_string()),
                p("trade_no", &t.trade_no),
                p("auth_app_id", &t.auth_app_id),
                p("version", "1.0"),
                p("app_id", &t.app_id),
                p("sign_type", t.sign_type.as_str()),
                p("seller_id", &t.seller_id),
                p("timestamp", &timestamp),
            ],
            t.charset.clone(),
            t.sign_type,
        ),
        Paid::Coupon(o, op) => (
            vec![
                p("charset", &o.charset),
                p("method", &format!("{}.return", session.method)),
                p("out_order_no", &o.out_order_no),
                p("auth_no", &o.auth_no),
                p("operation_id", &op.operation_id),
                p("amount", &o.amount.to_string()),
                p("status", o.status.as_str()),
                p("app_id", &o.app_id),
                p("version", "1.0"),
                p("sign_type", o.sign_type.as_str()),
                p("timestamp", &timestamp),
            ],
            o.charset.clone(),
            o.sign_type,
        ),
    };
    match signed_return(&key, &return_url, params, &charset, sign_type) {
        Some(url) => Redirect::to(&url).into_response(),
        None => render(&state, &reference, Some("cannot sign the return")).await,
    }
}

async fn cancel(
    State(state): St,
    Path(reference): Path<String>,
    headers: HeaderMap,
    Form(f): Form<ActionForm>,
) -> Response {
    if !crate::origin::same_origin(&headers) {
        return forbidden();
    }
    if !ticket_ok(&state, &reference, &f.t) {
        return bad_ticket();
    }
    let r = reference.clone();
    let session = state.store.lookup(move |repo| load_session(repo, &r)).await.ok().flatten();
    match session.and_then(|s| s.quit_url.or(s.return_url)) {
        Some(url) => Redirect::to(&url).into_response(),
        None => Html(pages::cancelled()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::origin::tests::headers;

    #[test]
    fn page_methods_are_told_apart() {
        let html = headers(&[("accept", "text/html,application/xhtml+xml")]);
        let any = headers(&[("accept", "*/*")]);
        // The official Java SDK's execute() (com.alipay.api.internal.util.WebUtils, alipay-sdk-java 4.40.0.ALL).
        let java_sdk =
            headers(&[("accept", "text/plain,text/xml,text/javascript,text/html"), ("user-agent", "aop-sdk-java")]);
        let navigation = headers(&[("sec-fetch-dest", "document"), ("sec-fetch-mode", "navigate"), ("accept", "*/*")]);
        let q = b"method=alipay.trade.page.pay&app_id=1";
        assert_eq!(page_method(q, b"", &any), Some(PageMethod::TradePage));
        assert_eq!(page_method(b"", b"method=alipay.trade.wap.pay", &any), Some(PageMethod::TradeWap));
        let coupon = b"method=alipay.fund.coupon.order.page.pay";
        assert_eq!(page_method(coupon, b"", &any), None, "clients keep the JSON envelope");
        assert_eq!(page_method(coupon, b"", &html), Some(PageMethod::CouponPage));
        assert_eq!(page_method(coupon, b"", &navigation), Some(PageMethod::CouponPage));
        assert_eq!(page_method(coupon, b"", &java_sdk), None, "the Java SDK's execute() gets the JSON envelope");
        assert_eq!(page_method(b"method=alipay.trade.pay", b"", &html), None);
    }

    #[test]
    fn urls_come_from_the_common_parameter_and_biz_content() {
        let params = vec![
            ("return_url".to_owned(), "http://shop/r".to_owned()),
            ("biz_content".to_owned(), r#"{"quit_url":"http://shop/q"}"#.to_owned()),
        ];
        let u = Urls::of(&params);
        assert_eq!(u.return_url.as_deref(), Some("http://shop/r"));
        assert_eq!(u.quit_url.as_deref(), Some("http://shop/q"));
    }
}
