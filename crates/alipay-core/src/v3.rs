//! The v3 protocol (OpenAPI 3.0): REST paths, an `Authorization` header, signed response headers.
//!
//! Byte for byte what the official Node SDK's `curl` does:
//!
//! - auth string: `app_id=<id>[,app_cert_sn=<sn>],nonce=<uuid>,timestamp=<unix ms>`;
//! - request sign content: `auth\nMETHOD\npath?query\nbody\n`, plus `app_auth_token\n` when acting for a
//!   merchant; signed SHA256withRSA (always, whatever the app's v2 `sign_type`), standard base64;
//! - header: `Authorization: ALIPAY-SHA256withRSA <auth>,sign=<signature>`;
//! - response sign content: `alipay-timestamp\nalipay-nonce\nbody\n`, the signature in `alipay-signature`
//!   (and, in cert mode, the signing certificate's SN in `alipay-sn`).
//!
//! Both sides are here: a client signs requests with [`sign_request`] and checks answers with
//! [`verify_response`]; a gateway parses [`Authorization`] headers, checks them with
//! [`Authorization::verify`], and signs answers with [`sign_response`].
//!
//! ```
//! use alipay_core::{v3, PrivateKey};
//! let app_key = PrivateKey::generate()?;
//! let alipay_key = PrivateKey::generate()?;
//! let body = r#"{"out_trade_no":"T1"}"#;
//!
//! // Client: sign.
//! let auth = v3::AuthParams::new("2021000000000001", None);
//! let header = v3::sign_request(&app_key, &auth, "POST", "/v3/alipay/trade/query", body, None)?;
//!
//! // Gateway: parse and verify, then answer.
//! let parsed = v3::Authorization::parse(&header)?;
//! assert_eq!(parsed.app_id, "2021000000000001");
//! parsed.verify(app_key.public_key(), "POST", "/v3/alipay/trade/query", body, None)?;
//! let answer = br#"{"trade_status":"TRADE_SUCCESS"}"#;
//! let (ts, nonce) = (v3::timestamp_millis(), v3::new_nonce());
//! let signature = v3::sign_response(&alipay_key, &ts, &nonce, answer)?;
//!
//! // Client: verify the answer.
//! v3::verify_response(alipay_key.public_key(), &ts, &nonce, answer, &signature)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use crate::key::{PrivateKey, PublicKey};
use crate::sign::{SignError, SignType, VerifyError};

/// The scheme of the `Authorization` header.
pub const AUTH_SCHEME: &str = "ALIPAY-SHA256withRSA";

/// Header names (lowercase, as the Node SDK and the gateway use them).
pub mod header {
    /// Request id chosen by the caller.
    pub const REQUEST_ID: &str = "alipay-request-id";
    /// The merchant's token when an ISV acts for it.
    pub const APP_AUTH_TOKEN: &str = "alipay-app-auth-token";
    /// `alipay_root_cert_sn` in cert mode.
    pub const ROOT_CERT_SN: &str = "alipay-root-cert-sn";
    /// `AES` when the body is encrypted.
    pub const ENCRYPT_TYPE: &str = "alipay-encrypt-type";
    /// Also `AES` (the Node SDK sends both).
    pub const ENCRYPTION_ALGM: &str = "alipay-encryption-algm";
    /// Response: unix milliseconds of the signature.
    pub const TIMESTAMP: &str = "alipay-timestamp";
    /// Response: nonce of the signature.
    pub const NONCE: &str = "alipay-nonce";
    /// Response: base64 SHA256withRSA signature.
    pub const SIGNATURE: &str = "alipay-signature";
    /// Response, cert mode: SN of the Alipay certificate whose key signed.
    pub const SN: &str = "alipay-sn";
    /// Response: trace id.
    pub const TRACE_ID: &str = "alipay-trace-id";
}

/// A v3 message could not be parsed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V3Error {
    /// The `Authorization` header does not start with `ALIPAY-SHA256withRSA `.
    #[error("the Authorization header does not use the {AUTH_SCHEME} scheme")]
    Scheme,
    /// A required part of the header (or a response header) is missing.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// The signature does not verify.
    #[error("v3 signature check failed: {0}")]
    Verify(#[from] VerifyError),
}

/// The parts of the auth string a client chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParams {
    /// The app id.
    pub app_id: String,
    /// `app_cert_sn` in cert mode.
    pub app_cert_sn: Option<String>,
    /// A fresh UUID per request.
    pub nonce: String,
    /// Unix milliseconds.
    pub timestamp: String,
}

impl AuthParams {
    /// Auth parameters with a fresh nonce and the current time.
    pub fn new(app_id: &str, app_cert_sn: Option<&str>) -> AuthParams {
        AuthParams {
            app_id: app_id.to_owned(),
            app_cert_sn: app_cert_sn.map(str::to_owned),
            nonce: new_nonce(),
            timestamp: timestamp_millis(),
        }
    }

    /// `app_id=..[,app_cert_sn=..],nonce=..,timestamp=..`
    pub fn auth_string(&self) -> String {
        let mut s = format!("app_id={}", self.app_id);
        if let Some(sn) = &self.app_cert_sn {
            s.push_str(",app_cert_sn=");
            s.push_str(sn);
        }
        s.push_str(",nonce=");
        s.push_str(&self.nonce);
        s.push_str(",timestamp=");
        s.push_str(&self.timestamp);
        s
    }
}

/// The request sign content: `auth\nMETHOD\npath?query\nbody\n[app_auth_token\n]`.
///
/// ```
/// assert_eq!(alipay_core::v3::request_sign_content("app_id=1,nonce=n,timestamp=1", "GET", "/v3/x?a=1", "", Some("tok")),
///            "app_id=1,nonce=n,timestamp=1\nGET\n/v3/x?a=1\n\ntok\n");
/// ```
pub fn request_sign_content(
    auth_string: &str,
    http_method: &str,
    path_and_query: &str,
    body: &str,
    app_auth_token: Option<&str>,
) -> String {
    let mut s = String::with_capacity(auth_string.len() + path_and_query.len() + body.len() + 16);
    for part in [auth_string, http_method, path_and_query, body] {
        s.push_str(part);
        s.push('\n');
    }
    if let Some(token) = app_auth_token {
        s.push_str(token);
        s.push('\n');
    }
    s
}

/// Signs a request and returns the whole `Authorization` header value. `http_method` is sent uppercase;
/// `body` is the body exactly as sent (JSON, or the base64 ciphertext of an encrypted request; empty for GET).
pub fn sign_request(
    key: &PrivateKey,
    auth: &AuthParams,
    http_method: &str,
    path_and_query: &str,
    body: &str,
    app_auth_token: Option<&str>,
) -> Result<String, SignError> {
    let auth_string = auth.auth_string();
    let content =
        request_sign_content(&auth_string, &http_method.to_ascii_uppercase(), path_and_query, body, app_auth_token);
    let sign = key.sign(SignType::Rsa2, content.as_bytes())?;
    Ok(format!("{AUTH_SCHEME} {auth_string},sign={sign}"))
}

/// A parsed `Authorization` header (gateway side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// `app_id`.
    pub app_id: String,
    /// `app_cert_sn`, in cert mode.
    pub app_cert_sn: Option<String>,
    /// `nonce`.
    pub nonce: String,
    /// `timestamp` (unix ms, as sent).
    pub timestamp: String,
    /// `sign`.
    pub sign: String,
    /// The auth string exactly as sent (everything between the scheme and `,sign=`).
    pub auth_string: String,
}

impl Authorization {
    /// Parses `ALIPAY-SHA256withRSA app_id=..,[app_cert_sn=..,]nonce=..,timestamp=..,sign=..`.
    pub fn parse(header: &str) -> Result<Authorization, V3Error> {
        let rest = header.trim().strip_prefix(AUTH_SCHEME).and_then(|r| r.strip_prefix(' ')).ok_or(V3Error::Scheme)?;
        let (auth_string, sign) = rest.rsplit_once(",sign=").ok_or(V3Error::Missing("sign"))?;
        let get = |name: &str| {
            auth_string
                .split(',')
                .find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v.to_owned()))
        };
        Ok(Authorization {
            app_id: get("app_id").ok_or(V3Error::Missing("app_id"))?,
            app_cert_sn: get("app_cert_sn"),
            nonce: get("nonce").ok_or(V3Error::Missing("nonce"))?,
            timestamp: get("timestamp").ok_or(V3Error::Missing("timestamp"))?,
            sign: sign.to_owned(),
            auth_string: auth_string.to_owned(),
        })
    }

    /// Verifies the signature over the request as received.
    pub fn verify(
        &self,
        app_key: &PublicKey,
        http_method: &str,
        path_and_query: &str,
        body: &str,
        app_auth_token: Option<&str>,
    ) -> Result<(), V3Error> {
        let content = request_sign_content(&self.auth_string, http_method, path_and_query, body, app_auth_token);
        Ok(app_key.verify(SignType::Rsa2, content.as_bytes(), &self.sign)?)
    }
}

/// The response sign content: `timestamp\nnonce\nbody\n` (body as raw bytes).
pub fn response_sign_content(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    out.extend_from_slice(timestamp.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(nonce.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body);
    out.push(b'\n');
    out
}

/// Signs a response (gateway side): the value of `alipay-signature`.
pub fn sign_response(alipay_key: &PrivateKey, timestamp: &str, nonce: &str, body: &[u8]) -> Result<String, SignError> {
    alipay_key.sign(SignType::Rsa2, &response_sign_content(timestamp, nonce, body))
}

/// Verifies a response's `alipay-signature` over its timestamp, nonce and raw body.
pub fn verify_response(
    alipay_key: &PublicKey,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), V3Error> {
    Ok(alipay_key.verify(SignType::Rsa2, &response_sign_content(timestamp, nonce, body), signature)?)
}

/// The signature headers of a v3 answer: built and signed by a gateway, checked by a client.
///
/// ```
/// use alipay_core::{v3::ResponseHeaders, PrivateKey};
/// let alipay_key = PrivateKey::generate()?;
/// let body = br#"{"trade_no":"2024"}"#;
/// let headers = ResponseHeaders::sign(&alipay_key, body, Some("7513daaaa48aa3ba2e4018d84402479c"))?;
/// assert_eq!(headers.pairs().len(), 4);   // alipay-timestamp, alipay-nonce, alipay-signature, alipay-sn
/// headers.verify(alipay_key.public_key(), body)?;
/// assert!(headers.verify(alipay_key.public_key(), b"{}").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHeaders {
    /// `alipay-timestamp` (unix ms).
    pub timestamp: String,
    /// `alipay-nonce`.
    pub nonce: String,
    /// `alipay-signature`.
    pub signature: String,
    /// `alipay-sn` (cert mode).
    pub alipay_sn: Option<String>,
}

impl ResponseHeaders {
    /// Signs `body` now with a fresh nonce (gateway side).
    pub fn sign(alipay_key: &PrivateKey, body: &[u8], alipay_sn: Option<&str>) -> Result<ResponseHeaders, SignError> {
        let (timestamp, nonce) = (timestamp_millis(), new_nonce());
        let signature = sign_response(alipay_key, &timestamp, &nonce, body)?;
        Ok(ResponseHeaders { timestamp, nonce, signature, alipay_sn: alipay_sn.map(str::to_owned) })
    }

    /// Reads the headers through `get` (a header lookup by lowercase name); a missing one is an error.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<ResponseHeaders, V3Error> {
        Ok(ResponseHeaders {
            timestamp: get(header::TIMESTAMP).ok_or(V3Error::Missing(header::TIMESTAMP))?,
            nonce: get(header::NONCE).ok_or(V3Error::Missing(header::NONCE))?,
            signature: get(header::SIGNATURE).ok_or(V3Error::Missing(header::SIGNATURE))?,
            alipay_sn: get(header::SN),
        })
    }

    /// `(name, value)` pairs to send.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![
            (header::TIMESTAMP, self.timestamp.as_str()),
            (header::NONCE, self.nonce.as_str()),
            (header::SIGNATURE, self.signature.as_str()),
        ];
        if let Some(sn) = &self.alipay_sn {
            out.push((header::SN, sn.as_str()));
        }
        out
    }

    /// Verifies the signature over `body`.
    pub fn verify(&self, alipay_key: &PublicKey, body: &[u8]) -> Result<(), V3Error> {
        verify_response(alipay_key, &self.timestamp, &self.nonce, body, &self.signature)
    }
}

/// A random UUID v4 in its hyphenated form (what Node's `randomUUID()` gives).
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    // aws-lc's RNG only fails if the OS has no entropy source at all.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string()
}

/// The current time in unix milliseconds, as text.
pub fn timestamp_millis() -> String {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_string_and_header_shape() {
        let auth = AuthParams {
            app_id: "2021".into(),
            app_cert_sn: Some("abc".into()),
            nonce: "n-1".into(),
            timestamp: "1700000000000".into(),
        };
        assert_eq!(auth.auth_string(), "app_id=2021,app_cert_sn=abc,nonce=n-1,timestamp=1700000000000");
        let key = PrivateKey::generate().unwrap();
        let h = sign_request(&key, &auth, "post", "/v3/alipay/trade/pay", "{}", Some("tok")).unwrap();
        assert!(
            h.starts_with("ALIPAY-SHA256withRSA app_id=2021,app_cert_sn=abc,nonce=n-1,timestamp=1700000000000,sign=")
        );
        let parsed = Authorization::parse(&h).unwrap();
        assert_eq!(parsed.app_cert_sn.as_deref(), Some("abc"));
        parsed.verify(key.public_key(), "POST", "/v3/alipay/trade/pay", "{}", Some("tok")).unwrap();
        assert!(parsed.verify(key.public_key(), "POST", "/v3/alipay/trade/pay", "{}", None).is_err());
        assert!(parsed.verify(key.public_key(), "POST", "/v3/alipay/trade/pay", "{ }", Some("tok")).is_err());
        assert_eq!(Authorization::parse("Bearer x"), Err(V3Error::Scheme));
        assert_eq!(
            Authorization::parse("ALIPAY-SHA256withRSA app_id=1,nonce=n,timestamp=1"),
            Err(V3Error::Missing("sign"))
        );
    }

    #[test]
    fn nonce_is_a_uuid_v4() {
        let n = new_nonce();
        assert_eq!(n.len(), 36);
        assert_eq!(n.as_bytes().get(14), Some(&b'4'));
        assert_ne!(n, new_nonce());
    }
}
