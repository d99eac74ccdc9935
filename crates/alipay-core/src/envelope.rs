//! The signed response envelope: `{"<method>_response":OBJ,"sign":"..."}`.
//!
//! Client side, [`verify_response`] finds OBJ in the raw body exactly as Alipay's Java SDK does (protocol.md)
//! and verifies the signature over those bytes, never over a re-serialised object. Gateway side,
//! [`build_response`] serialises OBJ once (escaping `/` as `\/`, as the real gateway does) and signs exactly
//! the bytes it sends.

use std::borrow::Cow;
use std::io;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::charset::{Charset, CharsetError};
use crate::code::ApiStatus;
use crate::key::{PrivateKey, PublicKey};
use crate::sign::{SignError, SignType, VerifyError};

/// The key of the error envelope, used when the method is unknown or the app cannot be identified.
pub const ERROR_RESPONSE: &str = "error_response";

/// The envelope key of `method`: `alipay.trade.pay` → `alipay_trade_pay_response`.
///
/// ```
/// assert_eq!(alipay_core::envelope::response_key("alipay.trade.pay"), "alipay_trade_pay_response");
/// ```
pub fn response_key(method: &str) -> String {
    let mut key = method.replace('.', "_");
    key.push_str("_response");
    key
}

/// A response body could not be accepted. Every variant means "do not trust this response".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Neither `<method>_response` nor `error_response` is in the body.
    #[error("the response has no {expected:?} or \"error_response\" object: is this the Alipay gateway?")]
    MissingResponseKey {
        /// The key that was looked for.
        expected: String,
    },
    /// The response object does not end (truncated body) or is not an object or string.
    #[error("the {key:?} object in the response is malformed or truncated")]
    Malformed {
        /// The envelope key.
        key: String,
    },
    /// The envelope key appears again after the signed object: a possible injection.
    #[error("the response contains {key:?} more than once: refusing it as a possible injection")]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// The body as a whole is not JSON (or repeats `sign`).
    #[error("the response body is not valid JSON: {0}")]
    NotJson(String),
    /// There is no `sign`. Carries the status it claims, for diagnostics only: it is not verified.
    #[error("the response is not signed (it claims: {})", .claimed.as_ref().map(ToString::to_string).unwrap_or_else(|| "nothing".into()))]
    Unsigned {
        /// The unverified status in the body, if it has one.
        claimed: Option<ApiStatus>,
    },
    /// The signature does not verify over the response object.
    #[error("response signature check failed: {0} (is the configured Alipay public key right?)")]
    BadSignature(#[from] VerifyError),
    /// The body is not valid in the charset of the request.
    #[error("{0}")]
    Charset(#[from] CharsetError),
    /// Signing the response failed (gateway side).
    #[error("cannot sign the response: {0}")]
    Sign(#[from] SignError),
    /// A v3 answer's signature headers are missing or do not verify.
    #[error("v3 response: {0}")]
    V3(#[from] crate::v3::V3Error),
    /// The response object could not be serialised (gateway side) or deserialised (client side).
    #[error("response object: {0}")]
    Json(String),
}

/// Where the signed object was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPart<'a> {
    /// The envelope key found: the method's, or `error_response`.
    pub key: Cow<'a, str>,
    /// `true` when the key is `error_response`.
    pub is_error_response: bool,
    /// The exact bytes of the signed object (a JSON object, or a quoted string for encrypted bodies).
    pub content: &'a [u8],
    /// The top-level `sign`, if any.
    pub sign: Option<String>,
}

#[derive(Deserialize)]
struct TopLevel {
    #[serde(default)]
    sign: Option<String>,
}

/// Locates the signed object and the `sign` in a raw response body, following the Java SDK's algorithm:
/// the method key (else `error_response`); the first `{` (or `"`) after it; brace matching that ignores braces
/// inside strings, where a quote toggles only after an even number of backslashes; and a refusal when the key
/// appears again after the object. GBK bodies are scanned a character at a time, so a trail byte that happens
/// to be `{`, `}` or `\` is never mistaken for punctuation.
///
/// ```
/// use alipay_core::{envelope, Charset};
/// let body = br#"{"alipay_trade_query_response":{"code":"10000","msg":"Success","x":"}{\"}"},"sign":"c2ln"}"#;
/// let part = envelope::extract(body, "alipay.trade.query", Charset::Utf8).unwrap();
/// assert_eq!(part.content, br#"{"code":"10000","msg":"Success","x":"}{\"}"}"#);
/// assert_eq!(part.sign.as_deref(), Some("c2ln"));
/// ```
pub fn extract<'a>(body: &'a [u8], method: &str, charset: Charset) -> Result<SignedPart<'a>, EnvelopeError> {
    let method_key = response_key(method);
    let (key, is_error_response, key_end) = match find_quoted(body, &method_key) {
        Some(end) => (Cow::Owned(method_key), false, end),
        None => match find_quoted(body, ERROR_RESPONSE) {
            Some(end) => (Cow::Borrowed(ERROR_RESPONSE), true, end),
            None => return Err(EnvelopeError::MissingResponseKey { expected: method_key }),
        },
    };
    let malformed = || EnvelopeError::Malformed { key: key.to_string() };

    let begin = scan_to_value(body, key_end, charset).ok_or_else(malformed)?;
    let end = match body.get(begin) {
        Some(b'{') => object_end(body, begin, charset),
        _ => string_end(body, begin),
    }
    .ok_or_else(malformed)?;
    let content = body.get(begin..end).ok_or_else(malformed)?;

    let rest = body.get(end..).unwrap_or_default();
    if memfind(rest, key.as_bytes()).is_some() {
        return Err(EnvelopeError::DuplicateKey { key: key.into_owned() });
    }

    let text = charset.decode(body)?;
    let top: TopLevel = serde_json::from_str(&text).map_err(|e| EnvelopeError::NotJson(e.to_string()))?;
    Ok(SignedPart { key, is_error_response, content, sign: top.sign })
}

/// A response whose signature has been checked. Only obtainable through [`verify_response`].
#[derive(Debug, Clone)]
pub struct VerifiedResponse {
    key: String,
    is_error_response: bool,
    object: String,
}

impl VerifiedResponse {
    /// The envelope key (`<method>_response` or `error_response`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// `true` when the gateway answered under `error_response` (unknown method or app).
    pub fn is_error_response(&self) -> bool {
        self.is_error_response
    }

    /// The verified object as JSON text (decoded from the charset).
    pub fn json(&self) -> &str {
        &self.object
    }

    /// Deserialises the verified object.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, EnvelopeError> {
        serde_json::from_str(&self.object).map_err(|e| EnvelopeError::Json(e.to_string()))
    }

    /// The `code` / `msg` / `sub_code` / `sub_msg` of the verified object.
    pub fn status(&self) -> Result<ApiStatus, EnvelopeError> {
        self.parse()
    }
}

/// Extracts, checks and verifies a response body. The only way to get a [`VerifiedResponse`].
///
/// If the signature fails over the exact bytes and they contain `\/`, it is checked once more with `\/`
/// replaced by `/` (the Java SDK's fallback for gateways that sign before escaping).
///
/// ```
/// use alipay_core::{envelope, ApiStatus, Charset, PrivateKey, SignType};
/// let alipay_key = PrivateKey::generate().unwrap();
/// let body = envelope::build_response("alipay_trade_close_response", &ApiStatus::success(),
///                                     &alipay_key, SignType::Rsa2, Charset::Utf8).unwrap();
/// let ok = envelope::verify_response(&body, "alipay.trade.close", Charset::Utf8,
///                                    alipay_key.public_key(), SignType::Rsa2).unwrap();
/// assert!(ok.status().unwrap().is_success());
/// ```
pub fn verify_response(
    body: &[u8],
    method: &str,
    charset: Charset,
    alipay_key: &PublicKey,
    sign_type: SignType,
) -> Result<VerifiedResponse, EnvelopeError> {
    let part = extract(body, method, charset)?;
    let Some(sign) = part.sign.as_deref() else {
        let claimed = charset.decode(part.content).ok().and_then(|t| serde_json::from_str::<ApiStatus>(&t).ok());
        return Err(EnvelopeError::Unsigned { claimed });
    };
    if let Err(first) = alipay_key.verify(sign_type, part.content, sign) {
        let unescaped = replace_all(part.content, br"\/", b"/");
        if unescaped.len() == part.content.len() || alipay_key.verify(sign_type, &unescaped, sign).is_err() {
            return Err(first.into());
        }
    }
    Ok(VerifiedResponse {
        key: part.key.into_owned(),
        is_error_response: part.is_error_response,
        object: charset.decode(part.content)?.into_owned(),
    })
}

/// Serialises `object` the way the gateway does: compact, `/` escaped as `\/`, in `charset`.
///
/// In GBK, characters GBK cannot hold (emoji) are written as `\uXXXX` escapes rather than failing.
pub fn to_gateway_json<T: Serialize + ?Sized>(object: &T, charset: Charset) -> Result<Vec<u8>, EnvelopeError> {
    let write = |ascii_only: bool| -> Result<String, EnvelopeError> {
        let mut out = Vec::with_capacity(256);
        let mut ser = serde_json::Serializer::with_formatter(&mut out, GatewayFormatter { ascii_only });
        object.serialize(&mut ser).map_err(|e| EnvelopeError::Json(e.to_string()))?;
        String::from_utf8(out).map_err(|e| EnvelopeError::Json(e.to_string()))
    };
    let json = write(false)?;
    match charset.encode(&json) {
        Ok(bytes) => Ok(bytes.into_owned()),
        Err(CharsetError::Unmappable { .. }) => Ok(write(true)?.into_bytes()),
        Err(e) => Err(e.into()),
    }
}

/// Builds a signed response body `{"<key>":OBJ,"sign":"..."}`, signing exactly the OBJ bytes sent.
///
/// `key` is the envelope key: [`response_key`] of the method, or [`ERROR_RESPONSE`].
pub fn build_response<T: Serialize + ?Sized>(
    key: &str,
    object: &T,
    alipay_key: &PrivateKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<Vec<u8>, EnvelopeError> {
    let obj = to_gateway_json(object, charset)?;
    let sign = alipay_key.sign(sign_type, &obj)?;
    let mut body = Vec::with_capacity(obj.len() + key.len() + sign.len() + 16);
    body.extend_from_slice(b"{\"");
    body.extend_from_slice(key.as_bytes());
    body.extend_from_slice(b"\":");
    body.extend_from_slice(&obj);
    body.extend_from_slice(b",\"sign\":\"");
    body.extend_from_slice(sign.as_bytes());
    body.extend_from_slice(b"\"}");
    Ok(body)
}

/// serde_json formatter that escapes `/` (and, optionally, all non-ASCII) like the Alipay gateway.
struct GatewayFormatter {
    ascii_only: bool,
}

impl serde_json::ser::Formatter for GatewayFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if ch == '/' || (self.ascii_only && !ch.is_ascii()) {
                writer.write_all(fragment.get(start..i).unwrap_or_default().as_bytes())?;
                if ch == '/' {
                    writer.write_all(br"\/")?;
                } else {
                    let mut units = [0u16; 2];
                    for unit in ch.encode_utf16(&mut units) {
                        write!(writer, "\\u{unit:04x}")?;
                    }
                }
                start = i + ch.len_utf8();
            }
        }
        writer.write_all(fragment.get(start..).unwrap_or_default().as_bytes())
    }
}

/// Position just past `"needle"` in `hay`.
fn find_quoted(hay: &[u8], needle: &str) -> Option<usize> {
    let mut pattern = Vec::with_capacity(needle.len() + 2);
    pattern.push(b'"');
    pattern.extend_from_slice(needle.as_bytes());
    pattern.push(b'"');
    memfind(hay, &pattern).map(|i| i + pattern.len())
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// From `from`, the first `{` or `"` (the start of the signed value).
fn scan_to_value(body: &[u8], from: usize, charset: Charset) -> Option<usize> {
    let mut i = from;
    while let Some(&b) = body.get(i) {
        if b == b'{' || b == b'"' {
            return Some(i);
        }
        i += charset.char_width(b);
    }
    None
}

/// End (exclusive) of the object starting at `begin`: braces outside strings, quotes after even backslashes.
fn object_end(body: &[u8], begin: usize, charset: Charset) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut backslashes = 0usize;
    let mut i = begin;
    while let Some(&b) = body.get(i) {
        let width = charset.char_width(b);
        match b {
            b'"' if backslashes % 2 == 0 => in_quotes = !in_quotes,
            b'{' if !in_quotes => depth += 1,
            b'}' if !in_quotes => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        backslashes = if b == b'\\' && width == 1 { backslashes + 1 } else { 0 };
        i += width;
    }
    None
}

/// End (exclusive) of a quoted string body starting at `begin` (an encrypted response: base64, no escapes).
fn string_end(body: &[u8], begin: usize) -> Option<usize> {
    let rest = body.get(begin + 1..)?;
    rest.iter().position(|&b| b == b'"').map(|p| begin + 1 + p + 1)
}

fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay.get(i..i + from.len()) == Some(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.extend(hay.get(i));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_trail_bytes_that_look_like_braces_are_skipped() {
        // "乗" is not GBK; use a real GBK char whose trail byte is 0x7D ('}'): 0x81 0x7D.
        let mut body = br#"{"a_response":{"s":""#.to_vec();
        body.extend_from_slice(&[0x81, 0x7D, 0x81, 0x5C]); // ends with trail byte '\' too
        body.extend_from_slice(br#""},"sign":"x"}"#);
        let part = extract(&body, "a", Charset::Gbk).unwrap();
        assert_eq!(part.content.last(), Some(&b'}'));
        assert_eq!(part.content.len(), body.len() - br#","sign":"x"}"#.len() - br#"{"a_response":"#.len());
    }

    #[test]
    fn gateway_json_escapes_slashes_and_non_gbk() {
        let v = serde_json::json!({"url": "https://qr.alipay.com/x", "s": "中😀"});
        assert_eq!(
            to_gateway_json(&v, Charset::Utf8).unwrap(),
            r#"{"url":"https:\/\/qr.alipay.com\/x","s":"中😀"}"#.as_bytes()
        );
        assert_eq!(
            to_gateway_json(&v, Charset::Gbk).unwrap(),
            br#"{"url":"https:\/\/qr.alipay.com\/x","s":"\u4e2d\ud83d\ude00"}"#
        );
    }

    #[test]
    fn replace_all_works() {
        assert_eq!(replace_all(br"a\/b\/", br"\/", b"/"), b"a/b/");
        assert_eq!(replace_all(b"", br"\/", b"/"), b"");
    }
}
