//! The signed response envelope in certificate mode and with AES, for gateways (and the client's decryption).
//!
//! A cert-mode answer carries a top-level `alipay_cert_sn` beside `sign`; an AES answer's `<method>_response`
//! member is a JSON string (the base64 ciphertext of the object), and the signature covers that quoted string
//! exactly as sent. [`build_response_with`] builds both; [`decrypt_verified`] is the client's step after
//! [`crate::envelope::verify_response`].
//!
//! ```
//! use alipay_core::{aes::AesKey, envelope, envelope_modes::{self, ResponseModes}, Charset, PrivateKey, SignType};
//! let alipay_key = PrivateKey::generate()?;
//! let aes = AesKey::generate();
//! let object = serde_json::json!({"code": "10000", "msg": "Success", "trade_no": "2024"});
//! let modes = ResponseModes { alipay_cert_sn: Some("7513daaaa48aa3ba2e4018d84402479c"), aes: Some(&aes) };
//! let body = envelope_modes::build_response_with("alipay_trade_query_response", &object, &alipay_key,
//!                                                SignType::Rsa2, Charset::Utf8, &modes)?;
//! assert!(std::str::from_utf8(&body)?.contains(r#","alipay_cert_sn":"7513daaaa48aa3ba2e4018d84402479c","sign":""#));
//!
//! let verified = envelope::verify_response(&body, "alipay.trade.query", Charset::Utf8,
//!                                          alipay_key.public_key(), SignType::Rsa2)?;
//! let json = envelope_modes::decrypt_verified(&verified, &aes, Charset::Utf8)?;
//! assert_eq!(serde_json::from_str::<serde_json::Value>(&json)?["trade_no"], "2024");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;

use crate::aes::{AesError, AesKey};
use crate::charset::Charset;
use crate::envelope::{to_gateway_json, EnvelopeError, VerifiedResponse};
use crate::key::PrivateKey;
use crate::sign::SignType;

/// What an answer adds beyond the plain envelope.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseModes<'a> {
    /// Cert mode: the SN of the Alipay certificate whose key signs (top-level `alipay_cert_sn`).
    pub alipay_cert_sn: Option<&'a str>,
    /// AES: encrypt the object with this key (the member becomes a JSON string of base64 ciphertext).
    pub aes: Option<&'a AesKey>,
}

/// An AES answer could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// The verified member is an object, not an encrypted string (the gateway answered in clear).
    #[error("the answer is not encrypted")]
    NotEncrypted,
    /// The ciphertext does not decrypt (wrong key, altered), or not to a JSON object.
    #[error("{0}")]
    Aes(#[from] AesError),
}

/// Builds `{"<key>":OBJ|"<ciphertext>"[,"alipay_cert_sn":"<sn>"],"sign":"..."}`, signing exactly the member
/// bytes sent (the object as the gateway serialises it, or the quoted ciphertext).
pub fn build_response_with<T: Serialize + ?Sized>(
    key: &str,
    object: &T,
    alipay_key: &PrivateKey,
    sign_type: SignType,
    charset: Charset,
    modes: &ResponseModes<'_>,
) -> Result<Vec<u8>, EnvelopeError> {
    build_response_signed(key, object, |member| alipay_key.sign(sign_type, member), charset, modes)
}

/// [`build_response_with`], with the member's signature made by `sign` (e.g. through a
/// [`crate::sign_cache::SignatureCache`]: a gateway answering the same bytes again signs them once).
pub fn build_response_signed<T: Serialize + ?Sized>(
    key: &str,
    object: &T,
    sign: impl FnOnce(&[u8]) -> Result<String, crate::sign::SignError>,
    charset: Charset,
    modes: &ResponseModes<'_>,
) -> Result<Vec<u8>, EnvelopeError> {
    let member = match modes.aes {
        None => to_gateway_json(object, charset)?,
        Some(aes) => {
            let json = serde_json::to_string(object).map_err(|e| EnvelopeError::Json(e.to_string()))?;
            let cipher = aes.encrypt(&json, charset).map_err(|e| EnvelopeError::Json(format!("AES: {e}")))?;
            format!("\"{cipher}\"").into_bytes()
        }
    };
    let sign = sign(&member)?;
    let mut body = Vec::with_capacity(member.len() + key.len() + sign.len() + 64);
    body.extend_from_slice(b"{\"");
    body.extend_from_slice(key.as_bytes());
    body.extend_from_slice(b"\":");
    body.extend_from_slice(&member);
    if let Some(sn) = modes.alipay_cert_sn {
        body.extend_from_slice(b",\"alipay_cert_sn\":\"");
        body.extend_from_slice(sn.as_bytes());
        body.push(b'"');
    }
    body.extend_from_slice(b",\"sign\":\"");
    body.extend_from_slice(sign.as_bytes());
    body.extend_from_slice(b"\"}");
    Ok(body)
}

/// Decrypts a verified AES answer to the JSON text of its object. Fails if the member is not an encrypted
/// string, or does not decrypt to a JSON object.
pub fn decrypt_verified(verified: &VerifiedResponse, aes: &AesKey, charset: Charset) -> Result<String, DecryptError> {
    let Ok(serde_json::Value::String(cipher)) = serde_json::from_str::<serde_json::Value>(verified.json()) else {
        return Err(DecryptError::NotEncrypted);
    };
    let plain = aes.decrypt(&cipher, charset)?;
    match serde_json::from_str::<serde_json::Value>(&plain) {
        Ok(serde_json::Value::Object(_)) => Ok(plain),
        _ => Err(DecryptError::Aes(AesError::BadCiphertext)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{response_key, verify_response};

    #[test]
    fn cert_sn_without_aes_and_wrong_key() {
        let k = PrivateKey::generate().unwrap();
        let obj = serde_json::json!({"code": "10000", "msg": "Success", "url": "a/b"});
        let modes = ResponseModes { alipay_cert_sn: Some("abc"), aes: None };
        let body = build_response_with(&response_key("m"), &obj, &k, SignType::Rsa2, Charset::Utf8, &modes).unwrap();
        assert!(body.starts_with(
            br#"{"m_response":{"code":"10000","msg":"Success","url":"a\/b"},"alipay_cert_sn":"abc","sign":""#
        ));
        let v = verify_response(&body, "m", Charset::Utf8, k.public_key(), SignType::Rsa2).unwrap();
        assert_eq!(decrypt_verified(&v, &AesKey::generate(), Charset::Utf8), Err(DecryptError::NotEncrypted));

        let aes = AesKey::generate();
        let modes = ResponseModes { alipay_cert_sn: None, aes: Some(&aes) };
        let body = build_response_with("m_response", &obj, &k, SignType::Rsa2, Charset::Gbk, &modes).unwrap();
        let v = verify_response(&body, "m", Charset::Gbk, k.public_key(), SignType::Rsa2).unwrap();
        assert!(decrypt_verified(&v, &aes, Charset::Gbk).is_ok());
        assert!(matches!(decrypt_verified(&v, &AesKey::generate(), Charset::Gbk), Err(DecryptError::Aes(_))));
    }
}
