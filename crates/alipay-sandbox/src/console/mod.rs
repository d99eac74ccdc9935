//! The operator console: server-rendered HTML ([maud]) at `/` on the sandbox's listener, no script build, no
//! CDN, works offline (inline CSS, no JavaScript).
//!
//! # Security
//!
//! The console and the admin API are one surface ([`crate::Sandbox::router_for`]): open on a loopback
//! listener, behind the admin token elsewhere ([`crate::admin::require_token`]: `Authorization: Bearer`, or
//! the HttpOnly SameSite=Strict cookie a browser gets by opening any console URL once with `?token=<token>`).
//! Every action is a `POST` form, refused (403) when a browser says it comes from another site
//! (`Sec-Fetch-Site`, else `Origin`: [`crate::origin::same_origin`]), on loopback too. Private keys are shown
//! only for the default app (the only one whose key the sandbox holds), and only to whoever passed that gate.
//!
//! # Pages
//!
//! | path | shows |
//! |---|---|
//! | `/` | apps with their ids, the clock, recent calls, recent notifications |
//! | `/inspector?q=` | every gateway call (last [`inspector::CAPACITY`]); `/inspector/{id}` one call: parameters, answer, the sign content of a failed signature, diagnosis |
//! | `/controls` | clock (advance), faults (inject, list, clear), reset |
//! | `/notifications?q=` | every notification with its delivery attempts and the merchant's answers; deliver now / resend |
//! | `/trades?q=` | trades (search by trade_no, out_trade_no, buyer, seller, app); `/trades/{trade_no}` its timeline |
//! | `/deduct?q=` | deduct agreements and deductions; resolve a pending deduction |
//! | `/redpackets?q=` | red packets; `/redpackets/{auth_no}` its operations |
//! | `/ebpp?q=` | EBPP bills |
//! | `/bills` | a day's (or month's) bill file of a merchant, downloaded directly |
//! | `/accounts?q=` | merchants and buyers with their balances |
//! | `/apps` | create an app; `/apps/{app_id}` its details and SDK configuration snippets; `/apps/{app_id}/app.json` |
//! | `/accept?q=` | the `alipay accept` runs kept by the sandbox; `/accept/{id}` one run: verdicts, reasons, timelines |
//!
//! # `data-testid`s
//!
//! Stable hooks for browser tests, one per actionable element:
//!
//! | testid | element |
//! |---|---|
//! | `nav-<page>` | navigation links (`nav-home`, `nav-inspector`, `nav-controls`, `nav-notifications`, `nav-trades`, `nav-deduct`, `nav-redpackets`, `nav-ebpp`, `nav-bills`, `nav-accounts`, `nav-apps`, `nav-accept`, `nav-wallet`) |
//! | `search` / `search-submit` | the query box of a list and its button |
//! | `flash` | the outcome of the last action |
//! | `clock-now` | the sandbox clock's time |
//! | `advance-seconds` / `advance-clock` | the clock form's amount (seconds) and button |
//! | `fault-method` / `fault-kind` / `fault-count` / `fault-latency` / `fault-execute` / `inject-fault` | the fault form |
//! | `fault-<n>` / `no-faults` / `clear-faults` | a pending fault (0-based), "none", and the clear button |
//! | `reset` | the reset button |
//! | `call-<id>` | a gateway call's row (a link to its page) |
//! | `call-code` / `sign-content` / `diagnosis` / `answer` | on a call's page |
//! | `notification-<id>` / `resend-<id>` | a notification's row and its deliver-now/resend button |
//! | `trade-<trade_no>` / `timeline` | a trade's row (link) and its timeline |
//! | `resolve-<out_order_no>` / `fail-<out_order_no>` | settle a pending deduction as success / failure |
//! | `app-<app_id>` / `app-json` / `private-key` | an app's link, its app.json download, the default app's private key |
//! | `new-app-key` / `new-app-sign-type` / `new-app-id` / `new-app-merchant` / `create-app` | the new-app form |
//! | `snippet-<lang>` | configuration snippets: `java`, `python`, `node`, `rust`, `cli` |
//! | `trade-state` / `redpacket-<auth_no>` | a trade's state; a red packet's row (link) |
//! | `bill-app` / `bill-date` / `bill-type` / `download-bill` | the bill form |
//! | `run-<id>` / `no-runs` / `case-<check>` / `reason-<check>` / `timeline-<check>` / `summary` / `profile` | acceptance runs and one run's cases |

mod accept;
pub(crate) mod inspector;
mod pages;
mod snippets;

use std::sync::Arc;

use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::SandboxState;

pub(crate) use inspector::record;

/// The console's routes (wrapped with the admin token by the caller when the listener needs it).
pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/inspector", get(pages::inspector))
        .route("/inspector/{id}", get(pages::call))
        .route("/controls", get(pages::controls))
        .route("/controls/clock", post(pages::advance))
        .route("/controls/faults", post(pages::inject))
        .route("/controls/faults/clear", post(pages::clear_faults))
        .route("/controls/reset", post(pages::reset))
        .route("/notifications", get(pages::notifications))
        .route("/notifications/{id}/resend", post(pages::resend))
        .route("/trades", get(pages::trades))
        .route("/trades/{trade_no}", get(pages::trade))
        .route("/deduct", get(pages::deduct))
        .route("/deduct/resolve", post(pages::resolve))
        .route("/redpackets", get(pages::redpackets))
        .route("/redpackets/{auth_no}", get(pages::redpacket))
        .route("/ebpp", get(pages::ebpp))
        .route("/bills", get(pages::bills).post(pages::bill_download))
        .route("/accounts", get(pages::accounts))
        .route("/accept", get(accept::runs))
        .route("/accept/{id}", get(accept::run))
        .route("/apps", get(snippets::apps).post(snippets::create_app))
        .route("/apps/{app_id}", get(snippets::app))
        .route("/apps/{app_id}/app.json", get(snippets::app_json))
        .layer(axum::middleware::from_fn(cross_site_guard))
        .with_state(state)
}

/// Refuses (403) a non-`GET` request a browser sends on another site's behalf, whatever the listener.
async fn cross_site_guard(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if request.method() != Method::GET
        && request.method() != Method::HEAD
        && !crate::origin::same_origin(request.headers())
    {
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(request).await
}

/// A page failed: an HTML error page with its status.
#[derive(Debug)]
pub(crate) struct PageError(StatusCode, String);

impl PageError {
    pub(crate) fn not_found(what: impl Into<String>) -> PageError {
        PageError(StatusCode::NOT_FOUND, what.into())
    }
}

impl<E: std::fmt::Display> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = layout("Error", "", None, html! { h1 { "Error" } p.error { (self.1) } });
        (self.0, body).into_response()
    }
}

/// What a page handler answers.
pub(crate) type PageResult = Result<Response, PageError>;

/// A `303` back to `to`, with a flash message.
pub(crate) fn back(to: &str, flash: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    let target =
        format!("{to}{sep}flash={}", url::form_urlencoded::byte_serialize(flash.as_bytes()).collect::<String>());
    (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response()
}

const CSS: &str = r#"
*{box-sizing:border-box}body{font:14px/1.45 system-ui,"Noto Sans CJK SC",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
nav{background:#1677ff;padding:0 16px;display:flex;flex-wrap:wrap;gap:2px}nav a{color:#fff;text-decoration:none;padding:10px 10px;display:inline-block}
nav a.on{background:#0958d9}nav .brand{font-weight:700;margin-right:12px}main{padding:16px 24px;max-width:1300px}
h1{font-size:22px;margin:8px 0 12px}h2{font-size:17px;margin:20px 0 8px}table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:12px}
th,td{border:1px solid #e3e6eb;padding:5px 8px;text-align:left;vertical-align:top}th{background:#eef1f5;font-weight:600}
code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}pre{background:#fff;border:1px solid #e3e6eb;padding:8px;white-space:pre-wrap;word-break:break-all;margin:4px 0 12px}
.ok{color:#237804}.bad{color:#cf1322}.muted{color:#667}.flash{background:#e6f4ff;border:1px solid #91caff;padding:8px 12px;margin:0 0 12px}
.error{color:#cf1322}.diag{background:#fff7e6;border:1px solid #ffd591;padding:8px 12px;margin:6px 0}
form.inline{display:inline}input,select,button{font:inherit;padding:4px 8px;margin:2px}button{cursor:pointer;background:#1677ff;color:#fff;border:0;border-radius:4px}
button.danger{background:#cf1322}button.plain{background:#8c8c8c}.card{background:#fff;border:1px solid #e3e6eb;padding:12px 16px;margin-bottom:12px}
textarea{width:100%;font:12px ui-monospace,monospace}input[type=number]{width:7em}table.params td code{word-break:break-all}td code{white-space:nowrap}table.params td code{white-space:normal}
"#;

const NAV: [(&str, &str, &str); 13] = [
    ("home", "/", "Home"),
    ("inspector", "/inspector", "Inspector"),
    ("controls", "/controls", "Controls"),
    ("notifications", "/notifications", "Notifications"),
    ("trades", "/trades", "Trades"),
    ("deduct", "/deduct", "Deduct"),
    ("redpackets", "/redpackets", "Red packets"),
    ("ebpp", "/ebpp", "EBPP"),
    ("bills", "/bills", "Bills"),
    ("accounts", "/accounts", "Merchants & buyers"),
    ("apps", "/apps", "Apps"),
    ("accept", "/accept", "Acceptance"),
    ("wallet", "/wallet", "Wallet"),
];

/// The page frame: `<title>` "<title> · Alipay sandbox", the navigation (`on` marks the current page), the
/// flash message, the content.
pub(crate) fn layout(title: &str, on: &str, flash: Option<&str>, content: Markup) -> Html<String> {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Alipay sandbox" }
                style { (PreEscaped(CSS)) }
            }
            body {
                nav {
                    span.brand { a href="/" { "Alipay sandbox" } }
                    @for (id, href, label) in NAV {
                        a href=(href) class=@if id == on { "on" } data-testid=(format!("nav-{id}")) { (label) }
                    }
                }
                main {
                    @if let Some(f) = flash {
                        div.flash data-testid="flash" { (f) }
                    }
                    (content)
                }
            }
        }
    };
    Html(page.into_string())
}

/// A search box for a list.
pub(crate) fn search_box(action: &str, q: Option<&str>, placeholder: &str) -> Markup {
    html! {
        form method="get" action=(action) {
            input type="search" name="q" value=(q.unwrap_or_default()) placeholder=(placeholder) size="50" data-testid="search";
            button type="submit" data-testid="search-submit" { "Search" }
        }
    }
}

/// Beijing time of Unix seconds.
pub(crate) fn when(t: i64) -> String {
    crate::clock::time_text(t).unwrap_or_else(|| t.to_string())
}

/// Beijing time of Unix milliseconds.
pub(crate) fn when_ms(ms: i64) -> String {
    when(ms.div_euclid(1000))
}
