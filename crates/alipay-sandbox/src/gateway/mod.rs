//! The HTTP gateway: `POST|GET /gateway.do`, the common protocol of every method.
//!
//! Accepts what real clients send: a form body, a query string, both merged (common parameters in the query,
//! business parameters in the body), absolute-form request targets, UTF-8 and GBK. Checks the common
//! parameters ([`common`], fixed order), runs the method's entry of the one table ([`methods`]), and
//! answers only after that transaction committed, with a signed envelope in the request's charset and
//! `Content-Type: text/html;charset=<charset>`.

pub(crate) mod common;
pub(crate) mod methods;
mod v3;

use crate::reply::Reply;

use std::sync::Arc;

use alipay_core::aes::AesKey;
use alipay_core::envelope_modes::{self, ResponseModes};
use alipay_core::{envelope, Charset, PrivateKey, ResultCode, SignType};
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
        .route("/v3/{*path}", any(v3::v3))
        .route("/bills/{token}", get(crate::products::bill::download::download))
        .route("/downloadBillFile.resource", get(crate::products::bill::download::download_resource))
        .with_state(state)
}

/// `http://<host>` of a request: the request target's authority, else the `Host` header.
pub(crate) fn base_url(uri: &Uri, headers: &HeaderMap) -> String {
    let host = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned))
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    format!("http://{host}")
}

/// How an answer is signed and wrapped beyond the plain envelope: the app's modes, once the app is known.
#[derive(Debug, Clone, Default)]
pub(crate) struct AnswerModes {
    /// Cert mode: the Alipay certificate's key and SN that sign (default: the sandbox's Alipay key, no SN).
    pub cert: Option<(PrivateKey, String)>,
    /// AES: the answer is encrypted with this key (the request was).
    pub aes: Option<AesKey>,
    /// The answer is not signed: the app is unknown, so Alipay has no key of the app's to answer for
    /// (`isv.invalid-app-id`, see `common.rs`).
    pub unsigned: bool,
}

/// The signed answer and its body bytes (for the request inspector; shared, not copied).
pub(crate) fn signed(
    state: &SandboxState,
    key: &str,
    reply: &Reply,
    sign_type: SignType,
    charset: Charset,
    modes: &AnswerModes,
) -> (Response, Bytes) {
    let signer = modes.cert.as_ref().map_or(&state.alipay_key, |(k, _)| k);
    let extra =
        ResponseModes { alipay_cert_sn: modes.cert.as_ref().map(|(_, sn)| sn.as_str()), aes: modes.aes.as_ref() };
    let built = if modes.unsigned {
        envelope::to_gateway_json(reply, charset).map(|object| {
            let mut body = Vec::with_capacity(object.len() + key.len() + 6);
            body.extend_from_slice(b"{\"");
            body.extend_from_slice(key.as_bytes());
            body.extend_from_slice(b"\":");
            body.extend_from_slice(&object);
            body.push(b'}');
            body
        })
    } else {
        let sign = |member: &[u8]| state.signatures.sign(signer, sign_type, member);
        envelope_modes::build_response_signed(key, reply, sign, charset, &extra)
    };
    match built {
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
        /// Cert mode / AES of the app.
        modes: AnswerModes,
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

/// What running a checked call gave.
pub(crate) enum Executed {
    /// Answer this.
    Answer(Reply),
    /// Drop the connection (an injected fault, after the commit); the answer that is not sent.
    Dropped(Reply),
}

/// The caller's address, when the server was started with connection info (`Sandbox::start`); `None` for a
/// router driven without a listener.
pub(crate) struct Peer(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Peer, Self::Rejection> {
        Ok(Peer(parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0)))
    }
}

async fn gateway(
    State(state): State<Arc<SandboxState>>,
    Peer(peer): Peer,
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
        Outcome::Signed { key, reply, sign_type, charset, modes } => {
            signed(&state, key, reply, *sign_type, *charset, modes)
        }
        Outcome::Dropped(_) => (dropped_connection(), Bytes::new()),
        Outcome::NotAllowed => ((StatusCode::METHOD_NOT_ALLOWED, "use GET or POST").into_response(), Bytes::new()),
        Outcome::Cashier { reply, page, urls: Some(urls) } => {
            (crate::cashier::after_gateway(&state, *page, urls.clone(), reply).await, Bytes::new())
        }
        Outcome::Cashier { reply, urls: None, .. } => (crate::cashier::error_reply(reply), Bytes::new()),
    };
    crate::console::record(&state, &query, &body, &outcome, &sent, peer).await;
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
            let (key, reply, sign_type, charset, modes) = (rej.key, rej.reply, rej.sign_type, rej.charset, rej.modes);
            return Outcome::Signed { key, reply, sign_type, charset, modes };
        }
    };
    let urls = page.map(|_| crate::cashier::Urls::of(&checked.params));
    let key = envelope::response_key(&checked.method);
    let (charset, sign_type) = (checked.charset, checked.sign_type);
    let modes = checked.answer.clone();
    let failures_to_error_key = methods::find(&checked.method).is_some_and(|m| m.failures_under_error_response);
    match (execute(state, checked, base).await, page) {
        (Executed::Dropped(reply), _) => Outcome::Dropped(reply),
        // A fault's or a refusal's answer shows as the cashier's error page (not a success).
        (Executed::Answer(reply), Some(page)) => Outcome::Cashier { reply, page, urls },
        (Executed::Answer(reply), None) => {
            // A few methods answer their failures under `error_response` (the table says which).
            let key = if failures_to_error_key && !reply.status.code.is_success() {
                envelope::ERROR_RESPONSE.to_owned()
            } else {
                key
            };
            Outcome::Signed { key, reply, sign_type, charset, modes }
        }
    }
}

/// Runs a checked call (v2 or v3): injected faults, then the method's entry.
pub(crate) async fn execute(state: &SandboxState, checked: common::Checked, base_url: String) -> Executed {
    let Some(entry) = methods::find(&checked.method) else {
        // The common check refused unknown methods already.
        return Executed::Answer(Reply::error(ResultCode::InvalidArgument, "isv.invalid-method", "不存在的方法名"));
    };
    let fault = match state.faults.take(&state.store, &checked.method, &checked.caller.app_id).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = ?e, "store failure");
            return Executed::Answer(Reply::error(ResultCode::UnknownError, "isp.unknow-error", "系统繁忙"));
        }
    };
    let fault_reply = entry.fault;
    // notify_first: the app and its newest notification before the call; those after it are the call's.
    let notify_first = match fault.as_ref().map(|f| f.kind) {
        Some(FaultKind::NotifyFirst) => {
            let app_id = checked.caller.app_id.clone();
            let before = newest_notification(state, &app_id).await;
            Some((app_id, before))
        }
        _ => None,
    };
    if let Some(f) = &fault {
        tracing::info!(method = %checked.method, kind = ?f.kind, "injected fault");
        match f.kind {
            FaultKind::UnknownError | FaultKind::InProcess | FaultKind::SystemError if !f.execute => {
                return Executed::Answer(fault_reply(f.kind));
            }
            FaultKind::Latency => tokio::time::sleep(std::time::Duration::from_millis(f.latency_ms)).await,
            _ => {}
        }
    }
    let reply = (entry.run)(state, checked, base_url).await.unwrap_or_else(|e| {
        tracing::error!(error = ?e, "store failure");
        Reply::error(ResultCode::UnknownError, "isp.unknow-error", "系统繁忙")
    });
    state.wake.notify_one();
    if let Some((app_id, before)) = &notify_first {
        await_first_attempts(state, app_id, *before).await;
    }
    match fault.map(|f| f.kind) {
        Some(FaultKind::DropAfterCommit) => Executed::Dropped(reply),
        Some(kind @ (FaultKind::UnknownError | FaultKind::InProcess | FaultKind::SystemError)) => {
            Executed::Answer(fault_reply(kind))
        }
        _ => Executed::Answer(reply),
    }
}

/// The id of the app's newest notification (0: none).
async fn newest_notification(state: &SandboxState, app_id: &str) -> i64 {
    let app = app_id.to_owned();
    let newest = state.store.read(move |r| r.outbox(Some(&app), None, 1)).await;
    newest.ok().and_then(|n| n.first().map(|n| n.id)).unwrap_or(0)
}

/// Waits (10 s at most) until every notification of the app newer than `after` has had its first delivery
/// attempt: the `notify_first` fault answers only then.
async fn await_first_attempts(state: &SandboxState, app_id: &str, after: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let app = app_id.to_owned();
        let items = state.store.read(move |r| r.outbox(Some(&app), None, 50)).await.unwrap_or_default();
        let made: Vec<_> = items.iter().filter(|n| n.id > after).collect();
        if made.iter().all(|n| n.attempts > 0) {
            return; // none made (no notify_url), or all attempted
        }
        state.wake.notify_one();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tracing::warn!(app_id, "notify_first: the notification was not attempted within 10 s; answering anyway");
}

/// A response whose body fails at once: the server aborts the connection without a complete answer.
pub(crate) fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected drop"))
    });
    Response::new(Body::from_stream(stream))
}
