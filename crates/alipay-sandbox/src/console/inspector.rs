//! The request inspector: the last [`CAPACITY`] gateway calls in memory, each with its answer and, for the
//! mistakes merchants make most, a diagnosis in plain words.
//!
//! The gateway calls [`record`] once per request, after the answer is built; the wire answer is never changed
//! by what is recorded here. Diagnoses are also logged (`tracing::info!`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use alipay_core::{form, sign_content, Charset, PublicKey, SignScope, SignType, Timestamp};

use crate::gateway::Outcome;
use crate::SandboxState;

/// How many calls the inspector keeps.
pub const CAPACITY: usize = 500;

/// One gateway call as the inspector shows it.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// Sequence number (1-based, never reused while the sandbox runs).
    pub id: u64,
    /// Real Unix milliseconds of the answer.
    pub at_ms: i64,
    /// `app_id` as sent (may be empty).
    pub app_id: String,
    /// `method` as sent (may be empty).
    pub method: String,
    /// The request's parameters, decoded (query first).
    pub params: Vec<(String, String)>,
    /// The answer's `code` (empty when no envelope was sent).
    pub code: String,
    /// The answer's `sub_code`.
    pub sub_code: Option<String>,
    /// The answer body as sent (empty for a dropped connection).
    pub answer: String,
    /// For a failed signature: the sign content the gateway verified (unescaped).
    pub sign_content: Option<String>,
    /// Plain-words explanations of what probably went wrong (or an accepted oddity).
    pub diagnosis: Vec<String>,
}

impl CallRecord {
    /// A parameter's value.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The bounded history.
#[derive(Debug, Default)]
pub struct CallLog {
    next: AtomicU64,
    items: Mutex<VecDeque<CallRecord>>,
}

impl CallLog {
    fn push(&self, mut call: CallRecord) {
        call.id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut items) = self.items.lock() {
            if items.len() >= CAPACITY {
                items.pop_front();
            }
            items.push_back(call);
        }
    }

    /// Calls, newest first, matching `query` (a substring of the app id, method, sub_code or any parameter
    /// value), at most `limit`.
    pub fn list(&self, query: Option<&str>, limit: usize) -> Vec<CallRecord> {
        let Ok(items) = self.items.lock() else { return Vec::new() };
        items
            .iter()
            .rev()
            .filter(|c| match query {
                None => true,
                Some(q) => {
                    c.app_id.contains(q)
                        || c.method.contains(q)
                        || c.code.contains(q)
                        || c.sub_code.as_deref().is_some_and(|s| s.contains(q))
                        || c.params.iter().any(|(_, v)| v.contains(q))
                }
            })
            .take(limit)
            .cloned()
            .collect()
    }

    /// One call by id.
    pub fn get(&self, id: u64) -> Option<CallRecord> {
        self.items.lock().ok()?.iter().find(|c| c.id == id).cloned()
    }

    /// Forgets every call (reset).
    pub fn clear(&self) {
        if let Ok(mut items) = self.items.lock() {
            items.clear();
        }
    }
}

fn request_charset(query: &[u8], body: &[u8]) -> Charset {
    form::raw_value(query, "charset")
        .or_else(|| form::raw_value(body, "charset"))
        .and_then(|raw| form::decode_component(raw, Charset::Utf8).ok())
        .and_then(|t| t.parse().ok())
        .unwrap_or(Charset::Utf8)
}

fn merged(query: &[u8], body: &[u8], charset: Charset) -> Option<Vec<(String, String)>> {
    let mut all = form::decode(query, charset).ok()?;
    all.extend(form::decode(body, charset).ok()?);
    let mut params: Vec<(String, String)> = Vec::with_capacity(all.len());
    for (k, v) in all {
        if !params.iter().any(|(seen, _)| *seen == k) {
            params.push((k, v));
        }
    }
    Some(params)
}

/// Records one gateway call (called once by the gateway per request).
pub(crate) async fn record(
    state: &SandboxState,
    query: &[u8],
    body: &[u8],
    outcome: &Outcome,
    sent: &[u8],
    peer: Option<std::net::SocketAddr>,
) {
    let charset = request_charset(query, body);
    let params = merged(query, body, charset).unwrap_or_else(|| {
        // Undecodable in the declared charset: show what arrived.
        vec![("(raw)".to_owned(), String::from_utf8_lossy(&[query, b"&", body].concat()).into_owned())]
    });
    let reply = match outcome {
        Outcome::Signed { reply, .. } | Outcome::Dropped(reply) | Outcome::Cashier { reply, .. } => Some(reply),
        Outcome::NotAllowed => None,
    };
    let code = reply.map(|r| r.status.code.as_str().to_owned()).unwrap_or_default();
    let sub_code = reply.and_then(|r| r.status.sub_code.clone());
    let answer = match charset.decode(sent) {
        Ok(text) => text.into_owned(),
        Err(_) => String::from_utf8_lossy(sent).into_owned(),
    };
    let mut call = CallRecord {
        id: 0,
        at_ms: crate::clock::real_now_ms(),
        app_id: find(&params, "app_id").unwrap_or_default().to_owned(),
        method: find(&params, "method").unwrap_or_default().to_owned(),
        params,
        code,
        sub_code,
        answer,
        sign_content: None,
        diagnosis: Vec::new(),
    };
    if matches!(outcome, Outcome::Dropped(_)) {
        call.diagnosis.push("An injected drop_after_commit fault: the work was done and committed, then the connection was closed without an answer.".into());
    }
    state.journal.push(&state.store, logged(&call, reply, matches!(outcome, Outcome::Dropped(_)), peer));
    diagnose(state, query, body, charset, &mut call).await;
    for d in &call.diagnosis {
        tracing::info!(app_id = %call.app_id, method = %call.method, diagnosis = %d, "gateway call diagnosis");
    }
    state.calls.push(call);
}

/// The durable call log's entry of a call ([`crate::store::calls`]): the order's ids from the `biz_content`,
/// the answer's code and the fields the acceptance checks judge (`trade_status`, `retry_flag`, the bill URL).
fn logged(
    call: &CallRecord,
    reply: Option<&crate::reply::Reply>,
    dropped: bool,
    peer: Option<std::net::SocketAddr>,
) -> alipay_sandbox_admin::LoggedCall {
    let biz: serde_json::Map<String, serde_json::Value> =
        call.param("biz_content").and_then(|b| serde_json::from_str(b).ok()).unwrap_or_default();
    let biz_text = |k: &str| biz.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    // An amount may be sent as a JSON number.
    let biz_amount = |k: &str| {
        biz.get(k).and_then(|v| v.as_str().map(str::to_owned).or_else(|| v.as_number().map(|n| n.to_string())))
    };
    let answered = |k: &str| reply.and_then(|r| r.body.get(k)).and_then(|v| v.as_str()).map(str::to_owned);
    // The `biz_content` field, else the top-level form field (the `alipay.ebpp.pdeduct.*` transport).
    let sent = |k: &str| biz_amount(k).or_else(|| call.param(k).map(str::to_owned));
    let sent_or_answered = |k: &str| sent(k).or_else(|| answered(k));
    let query = call.method == "alipay.fund.coupon.operation.query";
    // The token of the URL the answer gave: `…/downloadBillFile.resource?…&token=<token>` (or `/bills/<token>`).
    let bill_token = answered("bill_download_url").and_then(|u| {
        u.rsplit_once("&token=")
            .or_else(|| u.rsplit_once("/bills/"))
            .map(|(_, t)| t.split('&').next().unwrap_or(t).to_owned())
    });
    alipay_sandbox_admin::LoggedCall {
        id: 0,
        at_ms: call.at_ms,
        app_id: call.app_id.clone(),
        method: call.method.clone(),
        out_trade_no: biz_text("out_trade_no"),
        out_request_no: biz_text("out_request_no"),
        out_order_no: sent("out_order_no"),
        trade_no: biz_text("trade_no"),
        code: call.code.clone(),
        sub_code: call.sub_code.clone(),
        trade_status: answered("trade_status"),
        retry_flag: answered("retry_flag"),
        refund_amount: biz_amount("refund_amount"),
        fund_change: answered("fund_change"),
        merchant_order_no: sent("merchant_order_no"),
        agreement_no: sent_or_answered("agreement_id"),
        // A query is judged by how it asked (P3): its ids as sent.
        auth_no: if query { sent("auth_no") } else { sent_or_answered("auth_no") },
        operation_id: if query { sent("operation_id") } else { sent_or_answered("operation_id") },
        result_status: answered("result_status").or_else(|| answered("status")),
        amount: sent("pay_amount").or_else(|| sent("amount")),
        bill_date: biz_text("bill_date"),
        bill_token,
        http_status: None,
        dropped,
        peer: peer.map(|p| p.to_string()),
    }
}

fn find<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn verifies(key: &PublicKey, sign_type: SignType, content: &[u8], sign: &str) -> bool {
    key.verify(sign_type, content, sign).is_ok()
}

/// The timestamp diagnosis: how far `ts` is from `now` (both Unix seconds), in words.
pub(crate) fn timestamp_diagnosis(ts: i64, now: i64) -> String {
    let delta = ts - now;
    let hours = (delta as f64 / 3600.0).round() as i64;
    let rest = (delta - hours * 3600).abs();
    if hours != 0 && rest <= 600 {
        let dir = if hours > 0 { "ahead of" } else { "behind" };
        // The host stamps its local time: Beijing (UTC+8) shifted by the difference.
        let zone = 8 + hours;
        format!(
            "The timestamp is {} hour(s) {dir} Beijing time: the merchant host's clock is in another time zone \
             (about UTC{zone:+}). Alipay's Python and Node SDKs stamp the host's local time: run them with \
             TZ=Asia/Shanghai (or set the host's zone to Beijing time).",
            hours.abs()
        )
    } else {
        format!(
            "The timestamp is {} minute(s) off the real Beijing time; the gateway accepts 30 minutes: synchronise the \
             merchant host's clock (NTP).",
            delta.abs() / 60
        )
    }
}

async fn diagnose(state: &SandboxState, query: &[u8], body: &[u8], charset: Charset, call: &mut CallRecord) {
    let sub = call.sub_code.clone().unwrap_or_default();
    // Declared GBK, sent UTF-8: GBK bytes of Chinese text are almost never valid UTF-8, so non-ASCII text that
    // decodes as UTF-8 was UTF-8. The signature may still verify (the bytes round-trip), the text is garbled.
    if charset == Charset::Gbk
        && merged(query, body, Charset::Utf8).is_some_and(|p| p.iter().any(|(k, v)| k != "sign" && !v.is_ascii()))
    {
        call.diagnosis.push(
            "Charset mismatch: the request says charset=GBK but its bytes are UTF-8, so its Chinese text arrives \
             garbled (中文 reads as 涓枃). Send charset=utf-8, or encode the form in GBK."
                .into(),
        );
    }
    match sub.as_str() {
        "isv.invalid-timestamp" => {
            let text = call.param("timestamp").unwrap_or_default();
            match text.parse::<Timestamp>() {
                Ok(ts) => call.diagnosis.push(timestamp_diagnosis(ts.unix(), crate::clock::real_now())),
                Err(_) => call
                    .diagnosis
                    .push(format!("The timestamp {text:?} is not in the form yyyy-MM-dd HH:mm:ss (Beijing time).")),
            }
        }
        "isv.invalid-app-id" => call.diagnosis.push(format!(
            "app_id {:?} is not registered in this sandbox: use an app id from the Apps page (or app.json).",
            call.app_id
        )),
        "isv.invalid-signature-type" => call.diagnosis.push(format!(
            "sign_type {:?} is not the one app {} registered (see the Apps page); RSA2 is the default.",
            call.param("sign_type").unwrap_or_default(),
            call.app_id
        )),
        "isv.invalid-charset" => call
            .diagnosis
            .push("The charset is not utf-8/GBK, or the bytes are not valid in the declared charset.".into()),
        "isv.invalid-signature" => signature_diagnosis(state, query, body, charset, call).await,
        _ => {}
    }
    if call.code == "10000" || call.code == "40004" {
        empty_values_note(state, charset, call).await;
    }
}

/// An accepted request whose signature covers its empty values: legal here (as at Alipay), worth a note.
async fn empty_values_note(state: &SandboxState, charset: Charset, call: &mut CallRecord) {
    let blank = call.params.iter().any(|(k, v)| k != "sign" && alipay_core::content::is_blank(v));
    if !blank {
        return;
    }
    let Some(app) = app_key(state, &call.app_id).await else { return };
    let sign = call.param("sign").unwrap_or_default().to_owned();
    let sign_type = call.param("sign_type").and_then(|s| s.parse().ok()).unwrap_or(SignType::Rsa2);
    let content = sign_content(SignScope::Request, call.params.iter().map(|(k, v)| (k, v)));
    let protocol_ok = charset.encode(&content).is_ok_and(|b| verifies(&app, sign_type, &b, &sign));
    if !protocol_ok {
        call.diagnosis.push(
            "Accepted, but the signature covers parameters with empty values (k=): Alipay's Python and Node SDKs sign \
             them, the protocol and the Java SDK leave them out. The gateway accepts both."
                .into(),
        );
    }
}

async fn app_key(state: &SandboxState, app_id: &str) -> Option<PublicKey> {
    let id = app_id.to_owned();
    let app = state.store.read(move |r| r.app(&id)).await.ok().flatten()?;
    PublicKey::from_text(&app.public_key).ok()
}

async fn signature_diagnosis(state: &SandboxState, query: &[u8], body: &[u8], charset: Charset, call: &mut CallRecord) {
    let content = sign_content(SignScope::Request, call.params.iter().map(|(k, v)| (k, v)));
    call.sign_content = Some(content.clone());
    let sign = call.param("sign").unwrap_or_default().to_owned();
    let sign_type = call.param("sign_type").and_then(|s| s.parse().ok()).unwrap_or(SignType::Rsa2);
    let apps = state.store.read(|r| r.apps(1000)).await.unwrap_or_default();
    let own = apps.iter().find(|a| a.app_id == call.app_id).and_then(|a| PublicKey::from_text(&a.public_key).ok());
    let bytes = charset.encode(&content).map(|b| b.into_owned()).unwrap_or_else(|_| content.clone().into_bytes());
    let before = call.diagnosis.len();

    // Another registered app's key.
    for other in apps.iter().filter(|a| a.app_id != call.app_id) {
        if let Ok(k) = PublicKey::from_text(&other.public_key) {
            if verifies(&k, sign_type, &bytes, &sign) {
                call.diagnosis.push(format!(
                    "Signed with another app's key: the signature verifies with the public key of app {} \
                     (merchant {}), not of app {}. The app_id and the private key in the merchant's configuration \
                     belong to different apps.",
                    other.app_id, other.merchant_pid, call.app_id
                ));
            }
        }
    }
    if let Some(own) = &own {
        // The other digest.
        let other_type = if sign_type == SignType::Rsa2 { SignType::Rsa } else { SignType::Rsa2 };
        if verifies(own, other_type, &bytes, &sign) {
            call.diagnosis.push(format!(
                "Signed with {} ({}) while sign_type says {}: the SDK's sign type setting and the request disagree.",
                other_type.as_str(),
                if other_type == SignType::Rsa { "SHA1withRSA" } else { "SHA256withRSA" },
                sign_type.as_str()
            ));
        }
        // Charset mismatch: bytes in UTF-8 while the request says GBK, or the content signed in UTF-8.
        if charset != Charset::Utf8 {
            if let Some(utf8_params) = merged(query, body, Charset::Utf8) {
                let c = sign_content(SignScope::Request, utf8_params.iter().map(|(k, v)| (k, v)));
                if c != content && verifies(own, sign_type, c.as_bytes(), &sign) {
                    call.diagnosis.push(
                        "Charset mismatch: the request says charset=GBK but its bytes are UTF-8 (and were signed as \
                         UTF-8). Send charset=utf-8, or encode the form in GBK."
                            .into(),
                    );
                }
            }
            if verifies(own, sign_type, content.as_bytes(), &sign) {
                call.diagnosis.push(
                    "Charset mismatch: the request says charset=GBK, but the signature was computed over the UTF-8 \
                     bytes of the content. Sign the GBK bytes, or send charset=utf-8."
                        .into(),
                );
            }
        }
        // Values signed before URL-encoding was undone, or the sign made over the encoded form.
        let raw =
            [query, body].iter().filter(|b| !b.is_empty()).map(|b| String::from_utf8_lossy(b)).collect::<Vec<_>>();
        let mut encoded: Vec<(String, String)> = raw
            .iter()
            .flat_map(|s| s.split('&').map(str::to_owned).collect::<Vec<_>>())
            .filter_map(|p| p.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .filter(|(k, v)| k != "sign" && !v.is_empty())
            .collect();
        encoded.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        encoded.dedup_by(|a, b| a.0 == b.0);
        let enc = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        if enc != content && verifies(own, sign_type, enc.as_bytes(), &sign) {
            call.diagnosis.push(
                "The signature covers the URL-encoded values: sign the decoded values, then URL-encode the form."
                    .into(),
            );
        }
    }
    if call.diagnosis.len() == before {
        call.diagnosis.push(format!(
            "The signature does not verify with app {}'s public key over the content below (nor with any other \
             registered app's key). Check that the merchant's private key is the pair of the public key registered \
             for this app (Apps page), and that it signs exactly this content: every parameter but sign, non-empty \
             values, sorted by key, joined with &, in the request's charset.",
            call.app_id
        ));
    }
}
