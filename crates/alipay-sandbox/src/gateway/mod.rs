//! The HTTP gateway: `POST|GET /gateway.do`, the common protocol of every method.
//!
//! Accepts what real clients send: a form body, a query string, both merged (common parameters in the query,
//! business parameters in the body), absolute-form request targets, UTF-8 and GBK. Checks the common
//! parameters ([`common`], fixed order), runs the method's entry of the one table ([`methods`]), and
//! answers only after that transaction committed, with a signed envelope in the request's charset and
//! `Content-Type: text/html;charset=<charset>`.

pub(crate) mod common;
pub(crate) mod methods;
mod reply;

pub(crate) use reply::Reply;

use std::sync::Arc;

use alipay_core::{envelope, Charset, ResultCode, SignType};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;

use crate::faults::FaultKind;
use crate::SandboxState;

/// The gateway routes: `/gateway.do` and the bill downloads `GET /bills/{token}` ([`crate::products::bill::download`]).
pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/gateway.do", any(gateway))
        .route("/bills/{token}", get(crate::products::bill::download::download))
        .with_state(state)
}

/// `http://<host>` of a request: the request target's authority, else the `Host` header.
fn base_url(uri: &Uri, headers: &HeaderMap) -> String {
    let host = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned))
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    format!("http://{host}")
}

/// The signed answer and its body bytes (for the request inspector; shared, not copied).
fn signed(state: &SandboxState, key: &str, reply: &Reply, sign_type: SignType, charset: Charset) -> (Response, Bytes) {
    match envelope::build_response(key, reply, &state.alipay_key, sign_type, charset) {
        Ok(body) => {
            let body = Bytes::from(body);
            let mut resp = Response::new(Body::from(body.clone()));
            let ct = format!("text/html;charset={}", charset.as_str());
            if let Ok(v) = HeaderValue::from_str(&ct) {
                resp.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            (resp, body)
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot build a response");
            let text = "cannot sign the response";
            ((StatusCode::INTERNAL_SERVER_ERROR, text).into_response(), Bytes::from_static(text.as_bytes()))
        }
    }
}

/// How the gateway answers one request, before the answer is built.
pub(crate) enum Outcome {
    /// A signed envelope.
    Signed {
        /// `<method>_response` or `error_response`.
        key: String,
        /// The answer.
        reply: Reply,
        /// Sign type of the answer.
        sign_type: SignType,
        /// Charset of the answer.
        charset: Charset,
    },
    /// The connection is dropped after the work committed (an injected fault); `reply` is what was not sent.
    Dropped(Reply),
    /// Not a gateway request (wrong HTTP method).
    NotAllowed,
    /// A page-type payment from a browser (`crate::cashier`): the answer is an HTML page for `reply` — the
    /// cashier of the order when the method ran (`urls` known), an error page otherwise.
    Cashier {
        /// What the method (or the check that refused it) answered.
        reply: Reply,
        /// Which page-type method.
        page: crate::cashier::PageMethod,
        /// The request's `return_url` / `quit_url`, once the request passed the common checks.
        urls: Option<crate::cashier::Urls>,
    },
}

async fn gateway(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = uri.query().unwrap_or("").as_bytes().to_vec();
    let body = if method == Method::POST { body } else { Bytes::new() };
    // Page-type payments from a browser get HTML (crate::cashier), after the same checks.
    let page = crate::cashier::page_method(&query, &body, &headers);
    let outcome = if method != Method::GET && method != Method::POST {
        Outcome::NotAllowed
    } else {
        answer(&state, &query, &body, base_url(&uri, &headers), page).await
    };
    let (response, sent) = match &outcome {
        Outcome::Signed { key, reply, sign_type, charset } => signed(&state, key, reply, *sign_type, *charset),
        Outcome::Dropped(_) => (dropped_connection(), Bytes::new()),
        Outcome::NotAllowed => ((StatusCode::METHOD_NOT_ALLOWED, "use GET or POST").into_response(), Bytes::new()),
        Outcome::Cashier { reply, page, urls: Some(urls) } => {
            (crate::cashier::after_gateway(&state, *page, urls.clone(), reply).await, Bytes::new())
        }
        Outcome::Cashier { reply, urls: None, .. } => (crate::cashier::error_reply(reply), Bytes::new()),
    };
    crate::console::record(&state, &query, &body, &outcome, &sent).await;
    response
}

async fn answer(
    state: &Arc<SandboxState>,
    query: &[u8],
    body: &[u8],
    base: String,
    page: Option<crate::cashier::PageMethod>,
) -> Outcome {
    let checked = match common::check(state, query, body).await {
        Ok(c) => c,
        Err(rej) => {
            if let Some(page) = page {
                return Outcome::Cashier { reply: rej.reply, page, urls: None };
            }
            return Outcome::Signed { key: rej.key, reply: rej.reply, sign_type: rej.sign_type, charset: rej.charset };
        }
    };
    let urls = page.map(|_| crate::cashier::Urls::of(&checked.params));
    let key = envelope::response_key(&checked.method);
    let (charset, sign_type) = (checked.charset, checked.sign_type);
    let Some(entry) = methods::find(&checked.method) else {
        // The common check refused unknown methods already.
        let reply = Reply::error(ResultCode::InvalidArgument, "isv.invalid-method", "不存在的方法名");
        return Outcome::Signed { key, reply, sign_type, charset };
    };
    let fault = state.faults.take(&checked.method);
    let fault_reply = entry.fault;
    if let Some(f) = &fault {
        tracing::info!(method = %checked.method, kind = ?f.kind, "injected fault");
        match f.kind {
            FaultKind::UnknownError | FaultKind::InProcess | FaultKind::SystemError if !f.execute => {
                if let Some(page) = page {
                    return Outcome::Cashier { reply: fault_reply(f.kind), page, urls: None };
                }
                return Outcome::Signed { key, reply: fault_reply(f.kind), sign_type, charset };
            }
            FaultKind::Latency => tokio::time::sleep(std::time::Duration::from_millis(f.latency_ms)).await,
            _ => {}
        }
    }
    let reply = (entry.run)(state, checked, base).await.unwrap_or_else(|e| {
        tracing::error!(error = ?e, "store failure");
        Reply::error(ResultCode::UnknownError, "isp.unknow-error", "系统繁忙")
    });
    state.wake.notify_one();
    if let Some(page) = page {
        return match fault.map(|f| f.kind) {
            Some(kind @ (FaultKind::UnknownError | FaultKind::InProcess | FaultKind::SystemError)) => {
                Outcome::Cashier { reply: fault_reply(kind), page, urls: None }
            }
            _ => Outcome::Cashier { reply, page, urls },
        };
    }
    match fault.map(|f| f.kind) {
        Some(FaultKind::DropAfterCommit) => Outcome::Dropped(reply),
        Some(kind @ (FaultKind::UnknownError | FaultKind::InProcess | FaultKind::SystemError)) => {
            Outcome::Signed { key, reply: fault_reply(kind), sign_type, charset }
        }
        _ => Outcome::Signed { key, reply, sign_type, charset },
    }
}

/// A response whose body fails at once: the server aborts the connection without a complete answer.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected drop"))
    });
    Response::new(Body::from_stream(stream))
}
