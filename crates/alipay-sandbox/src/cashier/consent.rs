//! The authorization pages of the buyer's browser face (issue 16): user consent and app-to-app authorization,
//! at the paths Alipay serves them on `openauth.alipay.com`.
//!
//! | page | query | the browser is sent back (`302`) to `redirect_uri` with |
//! |---|---|---|
//! | `GET /oauth2/publicAppAuthorize.htm` | `app_id`, `scope` (`auth_base`, `auth_user`, comma-separated), `redirect_uri`, optional `state` | `app_id`, `source=alipay_wallet`, `scope`, `auth_code`, `state` (when given) |
//! | `GET /oauth2/appToAppAuth.htm` | `app_id` (the ISV's app), `redirect_uri`, optional `state` | `app_id`, `source=alipay_app_auth`, `app_auth_code`, `state` (when given) |
//!
//! The parameter names and the callbacks' shapes are production's: the authorize URL
//! `https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?app_id=…&scope=auth_user&redirect_uri=…&state=…`
//! and callbacks such as `…/callback?app_id=2016072800108741&source=alipay_wallet&scope=auth_base&state=…&auth_code=9ee0…VD78`
//! and `…?app_id=2019011162891191&source=alipay_app_auth&app_auth_code=f841…X27`, as pasted in public projects'
//! code and READMEs (`small-rose/NoteBook` `开发笔记/ALIPAY.WECHAT.AUTH.md` lists the query parameters:
//! `app_id` 16, `scope`, `redirect_uri` ≤ 100, `state` ≤ 100). Production only redirects to the callback
//! address configured for the app (授权回调地址): an app registered with `auth_redirect_uri` gets the same (its
//! scheme and host); one without, as the default app, any absolute http(s) URL.
//!
//! The buyer signs in as in the cashier (a sandbox buyer's logon id, the default buyer's pre-filled) and, for
//! `auth_user`, agrees to share the profile; `auth_base` asks nothing more (silent in production, where the
//! wallet knows the user). The merchant signs in with its pid and agrees. The logic is
//! `crate::products::auth::engine`; this module renders and redirects. The forms carry a ticket (an HMAC of
//! the page's parameters, as the cashier's) and cross-site posts are refused (403), as in the cashier.
//!
//! | page | element | testid |
//! |---|---|---|
//! | both | the app asking | `consent-app` |
//! | user consent | logon id field / agree button | `logon-id` / `consent-agree` |
//! | user consent | what is shared | `consent-scope` |
//! | app-to-app | merchant pid field / agree button | `merchant-pid` / `app-auth-agree` |
//! | both | a refusal (unknown buyer or merchant) | `message` |

use std::sync::Arc;

use alipay_core::{form, Charset};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;

use super::{forbidden, pages, ticket, ticket_ok};
use crate::defaults::meta_keys;
use crate::modes::ModesRepo;
use crate::origin::same_origin;
use crate::products::auth::engine::{self, ConsentError, SCOPE_USER};
use crate::SandboxState;

/// The authorization pages.
pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/oauth2/publicAppAuthorize.htm", get(user_page).post(user_agree))
        .route("/oauth2/appToAppAuth.htm", get(app_page).post(app_agree))
        .with_state(state)
}

type St = State<Arc<SandboxState>>;

/// The query of a consent page, and the hidden fields of its form.
#[derive(Debug, Clone, Default, Deserialize)]
struct Ask {
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: Option<String>,
    /// The form's ticket.
    #[serde(default)]
    t: String,
    /// The buyer's logon id (user consent).
    #[serde(default)]
    logon_id: String,
    /// The merchant's pid (app-to-app).
    #[serde(default)]
    merchant_pid: String,
}

impl Ask {
    /// What the ticket binds: the page kind and every parameter that decides where the code goes.
    fn reference(&self, kind: &str) -> String {
        let state = self.state.as_deref().unwrap_or_default();
        format!("oauth:{kind}:{}:{}:{}:{state}", self.app_id, self.scope, self.redirect_uri)
    }
}

fn refused(e: &ConsentError) -> Response {
    let page = pages::error("授权请求出错", "400", "invalid-parameter", &e.to_string());
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}

fn store_failed(e: &crate::store::StoreError) -> Response {
    tracing::error!(error = %e, "consent page store failure");
    let page = pages::error("系统繁忙", "20000", "isp.unknow-error", "");
    (StatusCode::INTERNAL_SERVER_ERROR, Html(page)).into_response()
}

/// Checks what a page was asked: the app exists, the scope and the redirect are acceptable.
async fn check(state: &SandboxState, ask: &Ask, user: bool) -> Result<(), ConsentError> {
    if user {
        engine::scopes(&ask.scope)?;
    }
    engine::check_redirect(&ask.redirect_uri)?;
    let app_id = ask.app_id.clone();
    let found = state
        .store
        .lookup(move |r| Ok(r.app(&app_id)?.map(|_| r.app_modes(&app_id)).transpose()?.map(Option::unwrap_or_default)))
        .await?;
    let Some(modes) = found else { return Err(ConsentError::UnknownApp(ask.app_id.clone())) };
    engine::check_configured_redirect(&ask.redirect_uri, modes.auth_redirect_uri.as_deref())
}

/// `302 Found` to `redirect_uri` with `params` appended.
fn back_to(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let query = form::encode(params.iter().copied(), Charset::Utf8).unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{sep}{query}");
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

fn hidden(ask: &Ask, ticket: &str) -> maud::Markup {
    html! {
        input type="hidden" name="app_id" value=(ask.app_id);
        input type="hidden" name="scope" value=(ask.scope);
        input type="hidden" name="redirect_uri" value=(ask.redirect_uri);
        @if let Some(s) = &ask.state { input type="hidden" name="state" value=(s); }
        input type="hidden" name="t" value=(ticket);
    }
}

fn user_html(ask: &Ask, ticket: &str, default_logon: &str, message: Option<&str>) -> String {
    let wants_profile = ask.scope.split(',').any(|s| s.trim() == SCOPE_USER);
    let body = html! {
        h1 { "支付宝授权 (authorize)" }
        p data-testid="consent-app" { "应用 (app) " strong { (ask.app_id) } " 申请获取 (asks for):" }
        ul data-testid="consent-scope" {
            li { "你的支付宝用户标识 (your user id in this app)" }
            @if wants_profile { li { "你的公开信息：昵称、头像等 (your public profile: nickname, avatar, …)" } }
        }
        @if let Some(m) = message { div class="msg" data-testid="message" { (m) } }
        form method="post" action="/oauth2/publicAppAuthorize.htm" {
            (hidden(ask, ticket))
            label { "账户名 (logon id)"
                input type="text" name="logon_id" data-testid="logon-id" value=(default_logon);
            }
            button class="primary" type="submit" data-testid="consent-agree" {
                @if wants_profile { "登录并同意授权 (sign in and agree)" } @else { "登录 (sign in)" }
            }
        }
    };
    pages::layout("支付宝授权", false, body)
}

fn app_html(ask: &Ask, ticket: &str, message: Option<&str>) -> String {
    let body = html! {
        h1 { "商家授权 (authorize a service provider's app)" }
        p data-testid="consent-app" { "服务商应用 (app) " strong { (ask.app_id) } " 申请代你调用支付宝接口 (asks to call Alipay for you)" }
        @if let Some(m) = message { div class="msg" data-testid="message" { (m) } }
        form method="post" action="/oauth2/appToAppAuth.htm" {
            (hidden(ask, ticket))
            label { "商户PID (merchant pid)"
                input type="text" name="merchant_pid" data-testid="merchant-pid" value="";
            }
            button class="primary" type="submit" data-testid="app-auth-agree" { "确认授权 (authorize)" }
        }
    };
    pages::layout("商家授权", false, body)
}

async fn default_logon(state: &SandboxState) -> String {
    state
        .store
        .lookup(|r| match r.meta(meta_keys::DEFAULT_BUYER)? {
            Some(id) => Ok(r.buyer(&id)?.map(|b| b.logon_id).unwrap_or_default()),
            None => Ok(String::new()),
        })
        .await
        .unwrap_or_default()
}

async fn user_page(State(state): St, Query(ask): Query<Ask>) -> Response {
    if let Err(e) = check(&state, &ask, true).await {
        return refused(&e);
    }
    let t = ticket(&state, &ask.reference("user"));
    Html(user_html(&ask, &t, &default_logon(&state).await, None)).into_response()
}

async fn user_agree(State(state): St, headers: HeaderMap, Form(ask): Form<Ask>) -> Response {
    if !same_origin(&headers) {
        return forbidden();
    }
    if !ticket_ok(&state, &ask.reference("user"), &ask.t) {
        return super::bad_ticket();
    }
    let now = state.clock.now();
    let (app_id, logon, scope) = (ask.app_id.clone(), ask.logon_id.trim().to_owned(), ask.scope.clone());
    let given = state.store.write(move |r| Ok(engine::consent_user(r, &app_id, &logon, &scope, now))).await;
    match given {
        Ok(Ok(code)) => {
            let mut params = vec![
                ("app_id", ask.app_id.as_str()),
                ("source", "alipay_wallet"),
                ("scope", code.scope.as_str()),
                ("auth_code", code.code.as_str()),
            ];
            if let Some(s) = &ask.state {
                params.push(("state", s));
            }
            back_to(&ask.redirect_uri, &params)
        }
        Ok(Err(ConsentError::Store(e))) | Err(e) => store_failed(&e),
        Ok(Err(e @ ConsentError::UnknownBuyer(_))) => {
            let t = ticket(&state, &ask.reference("user"));
            Html(user_html(&ask, &t, &ask.logon_id, Some(&format!("买家不存在 ({e})")))).into_response()
        }
        Ok(Err(e)) => refused(&e),
    }
}

async fn app_page(State(state): St, Query(ask): Query<Ask>) -> Response {
    if let Err(e) = check(&state, &ask, false).await {
        return refused(&e);
    }
    let t = ticket(&state, &ask.reference("app"));
    Html(app_html(&ask, &t, None)).into_response()
}

async fn app_agree(State(state): St, headers: HeaderMap, Form(ask): Form<Ask>) -> Response {
    if !same_origin(&headers) {
        return forbidden();
    }
    if !ticket_ok(&state, &ask.reference("app"), &ask.t) {
        return super::bad_ticket();
    }
    let now = state.clock.now();
    let (app_id, pid) = (ask.app_id.clone(), ask.merchant_pid.trim().to_owned());
    let given = state.store.write(move |r| Ok(engine::consent_app(r, &app_id, &pid, now))).await;
    match given {
        Ok(Ok(code)) => {
            let mut params = vec![
                ("app_id", ask.app_id.as_str()),
                ("source", "alipay_app_auth"),
                ("app_auth_code", code.code.as_str()),
            ];
            if let Some(s) = &ask.state {
                params.push(("state", s));
            }
            back_to(&ask.redirect_uri, &params)
        }
        Ok(Err(ConsentError::Store(e))) | Err(e) => store_failed(&e),
        Ok(Err(e @ ConsentError::UnknownMerchant(_))) => {
            let t = ticket(&state, &ask.reference("app"));
            Html(app_html(&ask, &t, Some(&format!("商户不存在 ({e})")))).into_response()
        }
        Ok(Err(e)) => refused(&e),
    }
}
