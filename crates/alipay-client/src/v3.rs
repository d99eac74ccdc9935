//! The v3 transport: the same typed requests and responses as v2, over Alipay's REST paths.
//!
//! A client built with [`crate::Protocol::V3`] sends the methods of [`V3_PATHS`] to `<endpoint><path>`: POST
//! with the request's fields as a JSON body (the v2 `biz_content`, plus `notify_url`), or GET with them in the
//! query string. Every request carries `Authorization: ALIPAY-SHA256withRSA ...` ([`alipay_core::v3`]);
//! every answer is verified over its raw body from `alipay-timestamp`, `alipay-nonce` and
//! `alipay-signature` before it is parsed (a missing or wrong signature is [`crate::Error::Verify`]).
//! A success answer (HTTP 200) is the bare object of the response fields; the client reports it with
//! `code` `10000` as v2 does. HTTP >= 400 answers (`{code, message, links}`) are [`crate::Error::V3Api`].
//!
//! Cert mode adds `app_cert_sn` to the `Authorization` header and the `alipay-root-cert-sn` header, and
//! answers are verified with the certificate named by `alipay-sn` (downloaded once if unknown). AES encrypts
//! POST bodies (`alipay-encrypt-type: AES`, `content-type: text/plain`, the base64 ciphertext is what is
//! signed); the answer of an encrypted request is decrypted after verification. GET requests have no body
//! and are never encrypted.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use alipay_client::{AlipayClient, Protocol, ResponseExt};
//! use alipay_api::trade::TradeQuery;
//! let client = AlipayClient::builder("2021000000000001", "<app private key>", "<Alipay public key>")
//!     .v3_endpoint("https://openapi.alipay.com")
//!     .protocol(Protocol::V3)
//!     .build()?;
//! let trade = client.execute(&TradeQuery { out_trade_no: Some("T1".into()), ..Default::default() }).await?.ok()?;
//! # Ok(()) }
//! ```

use alipay_core::aes::ENCRYPT_TYPE_AES;
use alipay_core::v3::{self as core_v3, header, AuthParams, V3Error};
use alipay_core::{Charset, EnvelopeError};
use serde_json::{Map, Value};

use crate::client::{AlipayClient, Answer, CallOptions};
use crate::error::Error;

/// The methods with a v3 path: (method, HTTP method, path): the table of `alipay_api::v3`, which the gateway
/// serves too.
pub use alipay_api::v3::PATHS as V3_PATHS;

/// The HTTP method and path of `method` in v3, if it has one (`alipay_api::v3::path_of`).
///
/// ```
/// assert_eq!(alipay_client::v3::path_of("alipay.trade.query"), Some(("POST", "/v3/alipay/trade/query")));
/// assert_eq!(alipay_client::v3::path_of("alipay.trade.page.pay"), None);
/// ```
pub use alipay_api::v3::path_of;

fn verify_err(e: V3Error) -> Error {
    Error::Verify(EnvelopeError::V3(e))
}

impl AlipayClient {
    pub(crate) async fn send_v3(
        &self,
        method: &str,
        business: Vec<(String, String)>,
        options: &CallOptions,
    ) -> Result<Answer, Error> {
        let inner = &self.inner;
        let (http_method, path) = path_of(method).ok_or_else(|| Error::NoV3Path(method.to_owned()))?;
        // The fields: biz_content's object, plus any top-level business parameters.
        let mut fields = Map::new();
        for (k, v) in business {
            if k == "biz_content" {
                match serde_json::from_str::<Value>(&v) {
                    Ok(Value::Object(m)) => fields.extend(m),
                    _ => return Err(Error::Build("biz_content is not a JSON object".into())),
                }
            } else {
                fields.insert(k, Value::String(v));
            }
        }
        let is_get = http_method == "GET";
        let aes = if is_get { None } else { inner.modes.encryption(options)? };
        let (path_and_query, body) = if is_get {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &fields {
                match v {
                    Value::Null => {}
                    Value::String(s) => {
                        query.append_pair(k, s);
                    }
                    other => {
                        query.append_pair(k, &other.to_string());
                    }
                }
            }
            let query = query.finish();
            (if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }, String::new())
        } else {
            let notify = options.notify_url.as_ref().or(inner.notify_url.as_ref());
            if let Some(url) = notify {
                fields.entry("notify_url").or_insert_with(|| Value::String(url.clone()));
            }
            let json = Value::Object(fields).to_string();
            let body = match aes {
                Some(key) => key.encrypt(&json, Charset::Utf8).map_err(|e| Error::Build(format!("AES: {e}")))?,
                None => json,
            };
            (path.to_owned(), body)
        };
        let token = options.app_auth_token.as_deref().or(inner.app_auth_token.as_deref());
        let cert = inner.modes.cert.as_ref();
        let auth = AuthParams::new(&inner.app_id, cert.map(|c| c.app_cert_sn.as_str()));
        let authorization = core_v3::sign_request(&inner.app_key, &auth, http_method, &path_and_query, &body, token)?;

        let url = format!("{}{}", inner.modes.v3_endpoint, path_and_query);
        let mut request = if is_get { inner.http.get(&url) } else { inner.http.post(&url) }
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(header::REQUEST_ID, core_v3::new_nonce().replace('-', ""));
        if !is_get {
            let content_type = if aes.is_some() { "text/plain" } else { "application/json" };
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(body);
        }
        if aes.is_some() {
            request = request
                .header(header::ENCRYPT_TYPE, ENCRYPT_TYPE_AES)
                .header(header::ENCRYPTION_ALGM, ENCRYPT_TYPE_AES);
        }
        if let Some(c) = cert {
            request = request.header(header::ROOT_CERT_SN, &c.root_cert_sn);
        }
        if let Some(t) = token {
            request = request.header(header::APP_AUTH_TOKEN, t);
        }
        tracing::debug!(method, path = %path_and_query, app_id = %inner.app_id, "alipay v3 call");
        let response = request.send().await.map_err(|e| {
            if e.is_connect() || e.is_builder() {
                Error::Connect(e)
            } else {
                Error::NoAnswer(e)
            }
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(Error::NoAnswer)?;
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let signature = (get(header::TIMESTAMP), get(header::NONCE), get(header::SIGNATURE));

        if status >= 400 {
            #[derive(serde::Deserialize, Default)]
            struct V3ErrorBody {
                #[serde(default)]
                code: String,
                #[serde(default)]
                message: String,
                #[serde(default)]
                links: Value,
            }
            let verified = match &signature {
                (Some(ts), Some(nonce), Some(sig)) => {
                    let key = self.alipay_key_for(get(header::SN).as_deref()).await?;
                    core_v3::verify_response(&key, ts, nonce, &bytes, sig).map_err(verify_err)?;
                    true
                }
                _ => false,
            };
            let Ok(e) = serde_json::from_slice::<V3ErrorBody>(&bytes) else {
                let body = String::from_utf8_lossy(bytes.get(..bytes.len().min(512)).unwrap_or_default()).into_owned();
                return Err(Error::HttpStatus { status, body });
            };
            return Err(Error::V3Api { status, code: e.code, message: e.message, links: e.links, verified });
        }
        if status != 200 {
            let body = String::from_utf8_lossy(bytes.get(..bytes.len().min(512)).unwrap_or_default()).into_owned();
            return Err(Error::HttpStatus { status, body });
        }
        let (Some(ts), Some(nonce), Some(sig)) = signature else {
            let missing =
                if get(header::SIGNATURE).is_none() { header::SIGNATURE } else { "alipay-timestamp / alipay-nonce" };
            tracing::warn!(method, "alipay v3 answer without signature headers rejected");
            return Err(verify_err(V3Error::Missing(missing)));
        };
        let key = self.alipay_key_for(get(header::SN).as_deref()).await?;
        core_v3::verify_response(&key, &ts, &nonce, &bytes, &sig)
            .inspect_err(|e| tracing::warn!(method, error = %e, "alipay v3 answer rejected"))
            .map_err(verify_err)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::Verify(EnvelopeError::NotJson("the v3 answer is not UTF-8".into())))?;
        let plain = match aes {
            Some(key) => key.decrypt(text, Charset::Utf8).map_err(Error::Decrypt)?,
            None => text.to_owned(),
        };
        let mut object = match serde_json::from_str::<Value>(&plain) {
            Ok(Value::Object(m)) => m,
            _ if aes.is_some() => return Err(Error::Decrypt(alipay_core::aes::AesError::BadCiphertext)),
            _ => return Err(Error::Verify(EnvelopeError::NotJson("the v3 answer is not a JSON object".into()))),
        };
        object.entry("code").or_insert_with(|| Value::String("10000".into()));
        object.entry("msg").or_insert_with(|| Value::String("Success".into()));
        Ok(Answer { json: Value::Object(object).to_string() })
    }
}
