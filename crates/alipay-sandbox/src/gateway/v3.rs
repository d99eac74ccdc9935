//! The v3 protocol: Alipay's REST paths ([`V3_PATHS`]) on the same method table, engines and state as
//! `gateway.do` (a trade created over v2 is queried over v3 and the other way round).
//!
//! A request is checked in this fixed order; the first failure answers, signed, and nothing changes:
//!
//! 1. path and HTTP method not in [`V3_PATHS`] → 404 `{code: "NOT_FOUND"}`.
//! 2. `Authorization` missing → 401 `missing-signature`; not `ALIPAY-SHA256withRSA app_id=..,[app_cert_sn=..,]
//!    nonce=..,timestamp=..,sign=..` → 401 `invalid-signature`.
//! 3. `timestamp` (unix ms) not a number or further than the configured skew from the real clock → 400
//!    `invalid-timestamp`.
//! 4. `app_id` not registered → 400 `invalid-app-id`, unsigned (no `alipay-signature`: Alipay has no app to
//!    answer for).
//! 5. the signature (over `auth string \n METHOD \n path?query \n body \n [app_auth_token \n]`, the body
//!    exactly as received) does not verify with the app's key → 401 `invalid-signature`.
//! 6. `alipay-encrypt-type: AES` on a POST: the body does not decrypt with the app's AES key → 400
//!    `decryption-error-unknown` (`decryption-error-not-valid-encrypt-key` when the app has no AES key).
//! 7. the mode checks of v2 (`common::mode_checks`): cert mode (`app_cert_sn` of the `Authorization`, header
//!    `alipay-root-cert-sn`), methods that require it, encryption required → 400 `missing-app-cert-sn`,
//!    `app-cert-not-exist`, `invalid-alipay-root-cert-sn`, `decryption-error-missing-encrypt-type` (never for a GET, which has
//!    no body to encrypt).
//! 8. header `alipay-app-auth-token` unknown, expired or another app's → 401 `invalid-app-auth-token`.
//!
//! Then the body (POST: a JSON object; GET: the query string) becomes the request's `biz_content` (its
//! `notify_url` the call's), decoded and run by the method's entry exactly as over v2.
//!
//! Answers: `10000` → 200 with the business fields as JSON (no `code`/`msg`); `10003` → 200 with the whole
//! reply (`code`, `msg`, fields); any other → an HTTP status (`20001` and signature failures 401, `40006`
//! 403, `20000` 500, the rest 400) with `{code, message}`, where `code` is the v2 `sub_code` without its
//! `isv.`/`aop.`/`isp.` prefix (a business sub-code such as `ACQ.TRADE_NOT_EXIST` as it is). Every answer
//! carries `alipay-timestamp`, `alipay-nonce`, `alipay-signature` over its raw body, signed like v2's (the
//! current Alipay certificate's key for a cert-mode app, with `alipay-sn`); the success answer to an
//! encrypted request is the base64 ciphertext of the JSON (`content-type: text/plain`).

use std::sync::Arc;

use alipay_core::v3::{header as h, Authorization, ResponseHeaders};
use alipay_core::{Charset, ResultCode, SignType};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::common::{self, Checked, Failure};
use super::AnswerModes;
use crate::reply::Reply;
use crate::caller::Caller;
use crate::SandboxState;

/// The methods with a v3 path: (method, HTTP method, path); the SDK's `alipay_client::v3::V3_PATHS`.
pub(crate) const V3_PATHS: &[(&str, &str, &str)] = &[
    ("alipay.trade.pay", "POST", "/v3/alipay/trade/pay"),
    ("alipay.trade.precreate", "POST", "/v3/alipay/trade/precreate"),
    ("alipay.trade.query", "POST", "/v3/alipay/trade/query"),
    ("alipay.trade.cancel", "POST", "/v3/alipay/trade/cancel"),
    ("alipay.trade.close", "POST", "/v3/alipay/trade/close"),
    ("alipay.trade.refund", "POST", "/v3/alipay/trade/refund"),
    ("alipay.trade.fastpay.refund.query", "POST", "/v3/alipay/trade/fastpay/refund/query"),
    ("alipay.data.dataservice.bill.downloadurl.query", "GET", "/v3/alipay/data/dataservice/bill/downloadurl/query"),
    ("alipay.ebpp.pdeduct.pay", "POST", "/v3/alipay/ebpp/pdeduct/pay"),
    ("alipay.ebpp.pdeduct.bill.pay.status", "GET", "/v3/alipay/ebpp/pdeduct/bill/pay/status"),
];

/// A refused v3 request.
struct Refused {
    status: u16,
    code: String,
    message: String,
    modes: AnswerModes,
}

fn refused(status: u16, code: &str, message: &str, modes: &AnswerModes) -> Refused {
    Refused { status, code: code.to_owned(), message: message.to_owned(), modes: modes.clone() }
}

fn from_failure(f: Failure, modes: &AnswerModes) -> Refused {
    let reply = Reply::error(f.0, f.1, f.2);
    let (status, code, message) = error_parts(&reply);
    Refused { status, code, message, modes: modes.clone() }
}

/// HTTP status, `code` and `message` of a v2 failure.
fn error_parts(reply: &Reply) -> (u16, String, String) {
    let st = &reply.status;
    let sub = st.sub_code.as_deref().unwrap_or(st.code.as_str());
    let status = match &st.code {
        ResultCode::UnknownError => 500,
        ResultCode::InsufficientTokenPermissions => 401,
        ResultCode::InsufficientPermissions => 403,
        _ if sub == "isv.invalid-signature" => 401,
        _ => 400,
    };
    let code = ["isv.", "aop.", "isp."].iter().find_map(|p| sub.strip_prefix(p)).unwrap_or(sub).to_owned();
    (status, code, st.sub_msg.clone().unwrap_or_else(|| st.msg.clone()))
}

/// `POST|GET /v3/...`.
pub(crate) async fn v3(
    State(state): State<Arc<SandboxState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let Some((name, _, _)) = V3_PATHS.iter().find(|(_, m, p)| *p == path && *m == method.as_str()) else {
        return error(&state, &refused(404, "NOT_FOUND", "不存在的接口", &AnswerModes::default()));
    };
    let checked = match check(&state, name, &method, &uri, &headers, &body).await {
        Ok(c) => c,
        Err(r) => return error(&state, &r),
    };
    let modes = checked.answer.clone();
    match super::execute(&state, checked, super::base_url(&uri, &headers)).await {
        super::Executed::Answer(reply) => answer(&state, &reply, &modes),
        super::Executed::Dropped(_) => super::dropped_connection(),
    }
}

async fn check(
    state: &SandboxState,
    name: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Checked, Refused> {
    let plain = AnswerModes::default();
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // 2. Authorization.
    let Some(auth) = get(header::AUTHORIZATION.as_str()) else {
        return Err(refused(401, "missing-signature", "缺少签名参数", &plain));
    };
    let Ok(auth) = Authorization::parse(&auth) else {
        return Err(refused(401, "invalid-signature", "无效的Authorization", &plain));
    };
    // 3. timestamp.
    let in_window = auth
        .timestamp
        .parse::<i64>()
        .map(|ms| (ms / 1000 - crate::clock::real_now()).abs() <= state.config.timestamp_skew_secs)
        .unwrap_or(false);
    if !in_window {
        return Err(refused(400, "invalid-timestamp", "非法的时间戳参数", &plain));
    }
    // 4. app.
    let (app, public_key, app_modes) = match common::cached_app(state, &auth.app_id).await {
        Ok(Some(found)) => found,
        // Unsigned: a captured production answer (openapi.alipay.com, 2026-09-11, `app_id=test`) is HTTP 400
        // `{"code":"invalid-app-id",…,"message":"无效的AppID参数"}` with no `alipay-signature` header.
        Ok(None) => {
            return Err(refused(400, "invalid-app-id", "无效的AppID参数", &AnswerModes { unsigned: true, ..plain }))
        }
        Err(e) => {
            tracing::error!(error = %e, "app lookup failed");
            return Err(refused(500, "unknow-error", "系统繁忙", &plain));
        }
    };
    let mut modes = common::answer_modes(state, &app_modes, name);
    // 5. signature.
    let token = get(h::APP_AUTH_TOKEN);
    let text = std::str::from_utf8(body).map_err(|_| refused(400, "invalid-parameter", "请求体不是UTF-8", &modes))?;
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let verified = public_key
        .as_ref()
        .is_some_and(|k| auth.verify(k, method.as_str(), path_and_query, text, token.as_deref()).is_ok());
    if !verified {
        return Err(refused(401, "invalid-signature", "验签出错", &modes));
    }
    // 6. AES.
    let encrypted = *method == Method::POST
        && [h::ENCRYPT_TYPE, h::ENCRYPTION_ALGM].iter().any(|n| get(n).is_some_and(|v| !v.trim().is_empty()));
    let json = if encrypted {
        let kind = get(h::ENCRYPT_TYPE).or_else(|| get(h::ENCRYPTION_ALGM)).unwrap_or_default();
        let (aes, plain_text) = common::decrypt(&app_modes, kind.trim(), text.trim(), Charset::Utf8)
            .map_err(|f| from_failure(f, &modes))?;
        modes.aes = Some(aes);
        plain_text
    } else {
        text.to_owned()
    };
    // 7. modes (a GET has no body to encrypt: `encrypt_required` does not apply to it).
    let encrypted_or_get = encrypted || *method == Method::GET;
    common::mode_checks(
        state,
        &app_modes,
        name,
        auth.app_cert_sn.as_deref(),
        get(h::ROOT_CERT_SN).as_deref(),
        encrypted_or_get,
    )
    .map_err(|f| from_failure(f, &modes))?;
    // 8. app_auth_token.
    let (seller_id, auth_app_id) =
        common::acting_for(state, &app, token.as_deref()).await.map_err(|f| from_failure(f, &modes))?;

    // The fields, as v2's biz_content.
    let (biz, notify_url) = if *method == Method::GET {
        let fields: Map<String, Value> = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        (Value::Object(fields).to_string(), None)
    } else {
        match serde_json::from_str::<Value>(if json.trim().is_empty() { "{}" } else { &json }) {
            Ok(Value::Object(mut fields)) => {
                let notify = match fields.remove("notify_url") {
                    Some(Value::String(u)) if !u.trim().is_empty() => Some(u),
                    _ => None,
                };
                (Value::Object(fields).to_string(), notify)
            }
            // Not an object: the method's own refusal answers (as a bad biz_content does over v2).
            _ => (json, None),
        }
    };
    let caller = Caller {
        app_id: app.app_id.clone(),
        seller_id,
        auth_app_id,
        charset: Charset::Utf8.as_str().to_owned(),
        sign_type: SignType::Rsa2,
        notify_url,
    };
    Ok(Checked {
        params: vec![("biz_content".to_owned(), biz)],
        method: name.to_owned(),
        charset: Charset::Utf8,
        sign_type: SignType::Rsa2,
        caller,
        answer: modes,
    })
}

/// A signed answer: `body` with the v3 signature headers.
fn signed(state: &SandboxState, status: u16, body: Vec<u8>, content_type: &str, modes: &AnswerModes) -> Response {
    let key = modes.cert.as_ref().map_or(&state.alipay_key, |(k, _)| k);
    let sn = modes.cert.as_ref().map(|(_, sn)| sn.as_str());
    let headers = if modes.unsigned {
        None
    } else {
        match ResponseHeaders::sign(key, &body, sn) {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::error!(error = %e, "cannot sign a v3 answer");
                return (StatusCode::INTERNAL_SERVER_ERROR, "cannot sign the response").into_response();
            }
        }
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let out = resp.headers_mut();
    for (name, value) in headers.iter().flat_map(ResponseHeaders::pairs) {
        if let Ok(v) = HeaderValue::from_str(value) {
            out.insert(name, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(content_type) {
        out.insert(header::CONTENT_TYPE, v);
    }
    resp
}

fn error(state: &SandboxState, r: &Refused) -> Response {
    let body = serde_json::json!({"code": r.code, "message": r.message}).to_string().into_bytes();
    signed(state, r.status, body, "application/json;charset=utf-8", &r.modes)
}

fn answer(state: &SandboxState, reply: &Reply, modes: &AnswerModes) -> Response {
    let json = match &reply.status.code {
        ResultCode::Success => Value::Object(reply.body.clone()).to_string(),
        ResultCode::InProcess => serde_json::to_string(reply).unwrap_or_default(),
        _ => {
            let (status, code, message) = error_parts(reply);
            return error(state, &Refused { status, code, message, modes: modes.clone() });
        }
    };
    match &modes.aes {
        None => signed(state, 200, json.into_bytes(), "application/json;charset=utf-8", modes),
        Some(aes) => match aes.encrypt(&json, Charset::Utf8) {
            Ok(cipher) => signed(state, 200, cipher.into_bytes(), "text/plain;charset=utf-8", modes),
            Err(e) => {
                tracing::error!(error = %e, "cannot encrypt a v3 answer");
                error(state, &refused(500, "unknow-error", "系统繁忙", modes))
            }
        },
    }
}
