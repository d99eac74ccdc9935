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
mod v3;

pub(crate) use reply::Reply;

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
}

/// Builds the signed answer.
pub(crate) fn respond(
    state: &SandboxState,
    key: &str,
    reply: &Reply,
    sign_type: SignType,
    charset: Charset,
    modes: &AnswerModes,
) -> Response {
    let signer = modes.cert.as_ref().map_or(&state.alipay_key, |(k, _)| k);
    let extra =
        ResponseModes { alipay_cert_sn: modes.cert.as_ref().map(|(_, sn)| sn.as_str()), aes: modes.aes.as_ref() };
    match envelope_modes::build_response_with(key, reply, signer, sign_type, charset, &extra) {
        Ok(body) => {
            let mut resp = Response::new(Body::from(body));
            let ct = format!("text/html;charset={}", charset.as_str());
            if let Ok(v) = HeaderValue::from_str(&ct) {
                resp.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot build a response");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot sign the response").into_response()
        }
    }
}

async fn gateway(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::GET && method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "use GET or POST").into_response();
    }
    let query = uri.query().unwrap_or("").as_bytes().to_vec();
    let body = if method == Method::POST { body } else { Bytes::new() };
    let checked = match common::check(&state, &query, &body).await {
        Ok(c) => c,
        Err(rej) => return respond(&state, &rej.key, &rej.reply, rej.sign_type, rej.charset, &rej.modes),
    };
    let key = envelope::response_key(&checked.method);
    let (charset, sign_type) = (checked.charset, checked.sign_type);
    let modes = checked.answer.clone();
    match execute(&state, checked, base_url(&uri, &headers)).await {
        Some(reply) => respond(&state, &key, &reply, sign_type, charset, &modes),
        None => dropped_connection(),
    }
}

/// Runs a checked call (v2 or v3): injected faults, then the method's entry. `None`: drop the connection
/// (after the commit).
pub(crate) async fn execute(state: &SandboxState, checked: common::Checked, base_url: String) -> Option<Reply> {
    let Some(entry) = methods::find(&checked.method) else {
        // The common check refused unknown methods already.
        return Some(Reply::error(ResultCode::InvalidArgument, "isv.invalid-method", "不存在的方法名"));
    };
    let fault = state.faults.take(&checked.method);
    let fault_reply = entry.fault;
    if let Some(f) = &fault {
        tracing::info!(method = %checked.method, kind = ?f.kind, "injected fault");
        match f.kind {
            FaultKind::UnknownError | FaultKind::InProcess | FaultKind::SystemError if !f.execute => {
                return Some(fault_reply(f.kind));
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
    match fault.map(|f| f.kind) {
        Some(FaultKind::DropAfterCommit) => None,
        Some(kind @ (FaultKind::UnknownError | FaultKind::InProcess | FaultKind::SystemError)) => {
            Some(fault_reply(kind))
        }
        _ => Some(reply),
    }
}

/// A response whose body fails at once: the server aborts the connection without a complete answer.
pub(crate) fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected drop"))
    });
    Response::new(Body::from_stream(stream))
}
