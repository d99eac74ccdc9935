//! Reading a gateway request and checking its common parameters.
//!
//! # Fixed validation order
//!
//! The first failing check answers; nothing after it runs and nothing changes.
//!
//! 1. `charset` (raw, from the query string, else the body; absent = UTF-8): not utf-8/gbk/gb2312 →
//!    `40002 isv.invalid-charset`. The query and body are then decoded in it (invalid bytes →
//!    `40002 isv.invalid-charset`) and merged; for a key sent twice the query's value wins.
//! 2. `app_id` missing → `40001 isv.missing-app-id`.
//! 3. `method` missing → `40001 isv.missing-method`.
//! 4. `method` not served here → `40002 isv.invalid-method`.
//! 5. `format` present and not `json` (any case) → `40002 isv.invalid-format`.
//! 6. `sign_type` missing → `40001 isv.missing-signature-type`; not `RSA2`/`RSA` →
//!    `40002 isv.invalid-signature-type`.
//! 7. `sign` missing → `40001 isv.missing-signature`.
//! 8. `timestamp` missing → `40001 isv.missing-timestamp`; not `yyyy-MM-dd HH:mm:ss` or further than the
//!    configured skew from the real clock (Beijing time) → `40002 isv.invalid-timestamp`.
//! 9. `version` missing → `40001 isv.missing-version`; not `1.0` → `40002 isv.invalid-version`.
//! 10. `app_id` not registered → `40002 isv.invalid-app-id`.
//! 11. `sign_type` differs from the one the app registered → `40002 isv.invalid-signature-type`.
//! 12. signature does not verify with the app's public key → `40002 isv.invalid-signature`, `sub_msg`
//!     echoing the computed sign content (protocol.md's rule), HTML-escaped. Requests whose signature
//!     covers their empty-valued parameters are accepted too: see `signature_verifies`.
//! 13. `app_auth_token` present but unknown, expired, or issued to another app →
//!     `20001 aop.invalid-app-auth-token`.
//!
//! Answers to failures of steps 1–4 and 10 use the `error_response` key (the method or the app is not
//! known); all others use `<method>_response`. Every answer is signed with the sandbox's Alipay key.

use alipay_core::{form, sign_content, Charset, PublicKey, ResultCode, SignScope, SignType, Timestamp};

use super::Reply;
use crate::caller::Caller;
use crate::store::AppRecord;
use crate::SandboxState;

/// A request refused by a common-parameter check, with everything needed to answer it.
#[derive(Debug)]
pub(crate) struct Rejection {
    /// `error_response` or `<method>_response`.
    pub key: String,
    /// Charset of the answer.
    pub charset: Charset,
    /// Sign type of the answer.
    pub sign_type: SignType,
    /// The failure.
    pub reply: Reply,
}

/// A request that passed every common check.
#[derive(Debug)]
pub(crate) struct Checked {
    /// All decoded parameters, query first, first occurrence of each key.
    pub params: Vec<(String, String)>,
    /// The method.
    pub method: String,
    /// The request charset.
    pub charset: Charset,
    /// The verified sign type.
    pub sign_type: SignType,
    /// Who calls, for whom.
    pub caller: Caller,
}

fn find<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn present<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    find(params, key).filter(|v| !alipay_core::content::is_blank(v))
}

/// Escapes text for the `sub_msg` of a signature failure, as the real gateway does.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Reads and checks a request in the fixed order documented at the top of this module.
pub(crate) async fn check(state: &SandboxState, query: &[u8], body: &[u8]) -> Result<Checked, Rejection> {
    let error_key = alipay_core::envelope::ERROR_RESPONSE.to_owned();
    let reject = |key: &str, charset: Charset, sign_type: SignType, code: ResultCode, sub: &str, msg: &str| Rejection {
        key: key.to_owned(),
        charset,
        sign_type,
        reply: Reply::error(code, sub, msg),
    };
    use ResultCode::{InsufficientTokenPermissions as E20001, InvalidArgument as E40002, MissingArgument as E40001};

    // 1. charset, then decode and merge.
    let raw_charset = form::raw_value(query, "charset").or_else(|| form::raw_value(body, "charset"));
    let charset = match raw_charset {
        None => Charset::Utf8,
        Some(raw) => {
            let text = form::decode_component(raw, Charset::Utf8).unwrap_or_default();
            match text.parse::<Charset>() {
                Ok(c) => c,
                Err(_) => {
                    return Err(reject(
                        &error_key,
                        Charset::Utf8,
                        SignType::Rsa2,
                        E40002,
                        "isv.invalid-charset",
                        "无效的字符集",
                    ))
                }
            }
        }
    };
    let decoded = form::decode(query, charset).and_then(|mut q| {
        q.extend(form::decode(body, charset)?);
        Ok(q)
    });
    let Ok(all) = decoded else {
        return Err(reject(&error_key, charset, SignType::Rsa2, E40002, "isv.invalid-charset", "参数内容与字符集不符"));
    };
    let mut params: Vec<(String, String)> = Vec::with_capacity(all.len());
    for (k, v) in all {
        if !params.iter().any(|(seen, _)| *seen == k) {
            params.push((k, v));
        }
    }

    // 2–4. app_id, method.
    let Some(app_id) = present(&params, "app_id").map(str::to_owned) else {
        return Err(reject(&error_key, charset, SignType::Rsa2, E40001, "isv.missing-app-id", "缺少AppID参数"));
    };
    let Some(method) = present(&params, "method").map(str::to_owned) else {
        return Err(reject(&error_key, charset, SignType::Rsa2, E40001, "isv.missing-method", "缺少方法名参数"));
    };
    if super::methods::find(&method).is_none() {
        return Err(reject(&error_key, charset, SignType::Rsa2, E40002, "isv.invalid-method", "不存在的方法名"));
    }
    let key = alipay_core::envelope::response_key(&method);

    // 5. format.
    if let Some(format) = present(&params, "format") {
        if !format.eq_ignore_ascii_case("json") {
            return Err(reject(&key, charset, SignType::Rsa2, E40002, "isv.invalid-format", "无效的数据格式"));
        }
    }
    // 6. sign_type.
    let Some(sign_type_text) = present(&params, "sign_type") else {
        return Err(reject(&key, charset, SignType::Rsa2, E40001, "isv.missing-signature-type", "缺少签名类型参数"));
    };
    let Ok(sign_type) = sign_type_text.parse::<SignType>() else {
        return Err(reject(&key, charset, SignType::Rsa2, E40002, "isv.invalid-signature-type", "无效的签名类型"));
    };
    // 7. sign.
    if present(&params, "sign").is_none() {
        return Err(reject(&key, charset, sign_type, E40001, "isv.missing-signature", "缺少签名参数"));
    }
    // 8. timestamp.
    let Some(ts_text) = present(&params, "timestamp") else {
        return Err(reject(&key, charset, sign_type, E40001, "isv.missing-timestamp", "缺少时间戳参数"));
    };
    let in_window = ts_text
        .parse::<Timestamp>()
        .map(|ts| (ts.unix() - crate::clock::real_now()).abs() <= state.config.timestamp_skew_secs)
        .unwrap_or(false);
    if !in_window {
        return Err(reject(&key, charset, sign_type, E40002, "isv.invalid-timestamp", "非法的时间戳参数"));
    }
    // 9. version.
    let Some(version) = present(&params, "version") else {
        return Err(reject(&key, charset, sign_type, E40001, "isv.missing-version", "缺少版本参数"));
    };
    if version != "1.0" {
        return Err(reject(&key, charset, sign_type, E40002, "isv.invalid-version", "版本号不正确"));
    }
    // 10. app (and its parsed key, cached: apps never change after registration).
    let (app, public_key) = match cached_app(state, &app_id).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            return Err(reject(&error_key, charset, sign_type, E40002, "isv.invalid-app-id", "无效的AppID参数"));
        }
        Err(e) => {
            tracing::error!(error = %e, "app lookup failed");
            return Err(reject(&key, charset, sign_type, ResultCode::UnknownError, "isp.unknow-error", "系统繁忙"));
        }
    };
    // 11. sign type registered.
    if app.sign_type != sign_type {
        return Err(reject(&key, charset, sign_type, E40002, "isv.invalid-signature-type", "无效的签名类型"));
    }
    // 12. signature.
    let Some(public_key) = public_key else {
        return Err(reject(&key, charset, sign_type, E40002, "isv.invalid-signature", "应用公钥无效"));
    };
    if !signature_verifies(&params, &public_key, sign_type, charset) {
        let content = sign_content(SignScope::Request, params.iter().map(|(k, v)| (k, v)));
        let msg = format!(
            "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{}",
            html_escape(&content)
        );
        return Err(reject(&key, charset, sign_type, E40002, "isv.invalid-signature", &msg));
    }
    // 13. app_auth_token.
    let (seller_id, auth_app_id) = match present(&params, "app_auth_token").map(str::to_owned) {
        None => (app.merchant_pid.clone(), app.app_id.clone()),
        Some(token) => {
            let found = state.store.lookup(|r| r.auth_token(&token)).ok().flatten();
            match found.filter(|t| t.app_id == app.app_id && t.expires_at > state.clock.now()) {
                Some(t) => (t.merchant_pid, t.auth_app_id),
                None => {
                    return Err(reject(
                        &key,
                        charset,
                        sign_type,
                        E20001,
                        "aop.invalid-app-auth-token",
                        "无效的应用授权令牌",
                    ))
                }
            }
        }
    };
    let caller = Caller {
        app_id: app.app_id.clone(),
        seller_id,
        auth_app_id,
        charset: charset.as_str().to_owned(),
        sign_type,
        notify_url: present(&params, "notify_url").map(str::to_owned),
    };
    Ok(Checked { params, method, charset, sign_type, caller })
}

/// Step 12: does the request's `sign` verify with the app's key?
///
/// # Fidelity decision: empty values signed by the official SDKs
///
/// protocol.md (and Alipay's Java SDK) leave parameters with an empty or blank value out of the sign
/// content, and that rule is tried first. Alipay's official Python (`alipay-sdk-python`) and Node
/// (`alipay-sdk`) SDKs sign *every* parameter they send, so a request carrying e.g. `return_url=` is signed
/// over `...&return_url=&...` (interop/README.md, discrepancy 1). The real gateway serves those SDKs, so
/// this one must not refuse their requests: when the protocol's rule fails and the request has at least one
/// blank-valued parameter, the signature is checked once more over the content that keeps those pairs
/// verbatim (`k=` or `k=<the blanks>`), with the same exclusions (`sign`, blank keys), the same byte-order sort
/// and the same charset; a match is accepted. Nothing else is relaxed: a request without blank values gets
/// exactly one check, and a failure still echoes the protocol-rule content in `sub_msg`.
fn signature_verifies(params: &[(String, String)], key: &PublicKey, sign_type: SignType, charset: Charset) -> bool {
    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    if alipay_core::verify_request(pairs, key, sign_type, charset).is_ok() {
        return true;
    }
    let signed = |k: &str| k != "sign" && !alipay_core::content::is_blank(k);
    if !params.iter().any(|(k, v)| signed(k) && alipay_core::content::is_blank(v)) {
        return false;
    }
    let mut kept: Vec<(&str, &str)> =
        params.iter().map(|(k, v)| (k.as_str(), v.as_str())).filter(|(k, _)| signed(k)).collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let content = kept.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let sign = find(params, "sign").unwrap_or_default();
    charset.encode(&content).is_ok_and(|bytes| key.verify(sign_type, &bytes, sign).is_ok())
}

/// The app and its parsed public key (`None` if the stored key does not parse), from the cache or the store.
async fn cached_app(
    state: &SandboxState,
    app_id: &str,
) -> Result<Option<(AppRecord, Option<PublicKey>)>, crate::store::StoreError> {
    if let Some((app, key)) = state.apps.lock().ok().and_then(|m| m.get(app_id).cloned()) {
        return Ok(Some((app, Some(key))));
    }
    let lookup = app_id.to_owned();
    let Some(app) = state.store.read(move |r| r.app(&lookup)).await? else {
        return Ok(None);
    };
    let key = PublicKey::from_text(&app.public_key).ok();
    if let (Some(k), Ok(mut m)) = (&key, state.apps.lock()) {
        m.insert(app_id.to_owned(), (app.clone(), k.clone()));
    }
    Ok(Some((app, key)))
}
