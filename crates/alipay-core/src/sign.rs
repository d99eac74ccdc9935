//! RSA2 (SHA256withRSA) and RSA (SHA1withRSA) signatures, PKCS#1 v1.5, standard base64.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::signature as lc;
use base64::Engine as _;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};

use crate::charset::{Charset, CharsetError};
use crate::content::{sign_content, SignScope};
use crate::key::{PrivateKey, PublicKey};

/// The `sign_type` common parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignType {
    /// `RSA2`: SHA256withRSA. Recommended, and required for new apps.
    #[default]
    Rsa2,
    /// `RSA`: SHA1withRSA, legacy.
    Rsa,
}

impl SignType {
    /// The value sent in `sign_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignType::Rsa2 => "RSA2",
            SignType::Rsa => "RSA",
        }
    }
}

impl fmt::Display for SignType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `sign_type` other than `RSA2` or `RSA`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported sign_type {0:?}: use \"RSA2\" (SHA256withRSA) or \"RSA\" (SHA1withRSA)")]
pub struct UnknownSignType(pub String);

impl FromStr for SignType {
    type Err = UnknownSignType;
    /// Exact match, as the gateway does: `RSA2` or `RSA`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "RSA2" => Ok(SignType::Rsa2),
            "RSA" => Ok(SignType::Rsa),
            other => Err(UnknownSignType(other.to_owned())),
        }
    }
}

/// Signing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The sign content cannot be encoded in the request charset.
    #[error("cannot sign: {0}")]
    Charset(#[from] CharsetError),
    /// The crypto library refused (should not happen with a key that loaded).
    #[error("RSA signing failed")]
    Crypto,
}

/// A signature did not verify. Verification returns this, never a `bool` that can be ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The `sign` value is not standard base64.
    #[error("the signature is not valid base64")]
    NotBase64,
    /// The signature does not match the content under this key and algorithm.
    #[error("{sign_type} signature does not match: the content was altered, or the key is not the one that signed it")]
    Mismatch {
        /// The algorithm checked.
        sign_type: SignType,
    },
    /// The content cannot be encoded in the charset it claims.
    #[error("cannot verify: {0}")]
    Charset(#[from] CharsetError),
}

impl PrivateKey {
    /// Signs `content` (already encoded in the request charset) and returns standard base64.
    pub fn sign(&self, sign_type: SignType, content: &[u8]) -> Result<String, SignError> {
        let raw = self.sign_raw(sign_type, content)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(raw))
    }

    /// Signs `content` and returns the raw signature bytes.
    pub fn sign_raw(&self, sign_type: SignType, content: &[u8]) -> Result<Vec<u8>, SignError> {
        match (sign_type, self.fast()) {
            (SignType::Rsa2, Some(pair)) => {
                let mut sig = vec![0u8; pair.public_modulus_len()];
                let rng = aws_lc_rs::rand::SystemRandom::new();
                pair.sign(&lc::RSA_PKCS1_SHA256, &rng, content, &mut sig).map_err(|_| SignError::Crypto)?;
                Ok(sig)
            }
            (SignType::Rsa2, None) => {
                let key = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(self.rsa().clone());
                legacy_sign(&key, content)
            }
            (SignType::Rsa, _) => {
                let key = rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(self.rsa().clone());
                legacy_sign(&key, content)
            }
        }
    }
}

/// Blinded RustCrypto signing, for what aws-lc cannot sign: SHA1withRSA and keys under 2048 bits.
fn legacy_sign<D>(key: &rsa::pkcs1v15::SigningKey<D>, content: &[u8]) -> Result<Vec<u8>, SignError>
where
    D: rsa::sha2::digest::Digest + rsa::pkcs8::AssociatedOid,
    rsa::pkcs1v15::SigningKey<D>: rsa::signature::RandomizedSigner<rsa::pkcs1v15::Signature>,
{
    let sig = key.try_sign_with_rng(&mut rsa::rand_core::OsRng, content).map_err(|_| SignError::Crypto)?;
    Ok(sig.to_vec())
}

impl PublicKey {
    /// Verifies a base64 `signature` over `content` (bytes in the charset they were signed in).
    ///
    /// ```
    /// use alipay_core::{PrivateKey, SignType, VerifyError};
    /// let key = PrivateKey::generate().unwrap();
    /// let sig = key.sign(SignType::Rsa2, b"a=1").unwrap();
    /// assert!(key.public_key().verify(SignType::Rsa2, b"a=1", &sig).is_ok());
    /// assert_eq!(key.public_key().verify(SignType::Rsa2, b"a=2", &sig),
    ///            Err(VerifyError::Mismatch { sign_type: SignType::Rsa2 }));
    /// ```
    pub fn verify(&self, sign_type: SignType, content: &[u8], signature: &str) -> Result<(), VerifyError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(signature.as_bytes())
            .map_err(|_| VerifyError::NotBase64)?;
        self.verify_raw(sign_type, content, &raw)
    }

    /// Verifies raw signature bytes over `content`.
    pub fn verify_raw(&self, sign_type: SignType, content: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        self.parsed(sign_type).verify_sig(content, signature).map_err(|_| VerifyError::Mismatch { sign_type })
    }
}

/// Signs request parameters: builds the request sign content, encodes it in `charset`, signs, and returns
/// the `sign` value. `params` must already hold every parameter that is sent, `sign_type` and `charset`
/// included.
///
/// ```
/// use alipay_core::{sign_request, verify_request, Charset, PrivateKey, SignType};
/// let key = PrivateKey::generate().unwrap();
/// let mut params = vec![("app_id", "2021000000000001".to_string()), ("sign_type", "RSA2".to_string()),
///                       ("biz_content", r#"{"out_trade_no":"1"}"#.to_string())];
/// let sign = sign_request(params.iter().map(|(k, v)| (*k, v.as_str())), &key, SignType::Rsa2, Charset::Utf8).unwrap();
/// params.push(("sign", sign));
/// verify_request(params.iter().map(|(k, v)| (*k, v.as_str())), key.public_key(), SignType::Rsa2, Charset::Utf8).unwrap();
/// ```
pub fn sign_request<'a, I>(
    params: I,
    key: &PrivateKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<String, SignError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let content = sign_content(SignScope::Request, params);
    key.sign(sign_type, &charset.encode(&content)?)
}

/// Verifies the `sign` among `params` over their request sign content; `Err` if it is missing or wrong.
pub fn verify_request<'a, I>(
    params: I,
    key: &PublicKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<(), VerifyError>
where
    I: IntoIterator<Item = (&'a str, &'a str)> + Clone,
{
    verify_params(SignScope::Request, params, key, sign_type, charset)
}

/// Verifies the `sign` among `params` over their sign content in `scope`.
pub fn verify_params<'a, I>(
    scope: SignScope,
    params: I,
    key: &PublicKey,
    sign_type: SignType,
    charset: Charset,
) -> Result<(), VerifyError>
where
    I: IntoIterator<Item = (&'a str, &'a str)> + Clone,
{
    let sign = params.clone().into_iter().find(|(k, _)| *k == "sign").map(|(_, v)| v).unwrap_or("");
    let content = sign_content(scope, params);
    key.verify(sign_type, &charset.encode(&content)?, sign)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_type_is_exact() {
        assert_eq!("RSA2".parse::<SignType>().unwrap(), SignType::Rsa2);
        assert_eq!("RSA".parse::<SignType>().unwrap(), SignType::Rsa);
        assert!("rsa2".parse::<SignType>().is_err());
        assert!("SHA256".parse::<SignType>().is_err());
    }

    #[test]
    fn rsa_and_rsa2_sign_and_cross_reject() {
        let key = PrivateKey::generate().unwrap();
        for st in [SignType::Rsa2, SignType::Rsa] {
            let sig = key.sign(st, "中文 content".as_bytes()).unwrap();
            assert_eq!(sig.len(), 344);
            key.public_key().verify(st, "中文 content".as_bytes(), &sig).unwrap();
            let other = if st == SignType::Rsa2 { SignType::Rsa } else { SignType::Rsa2 };
            assert!(key.public_key().verify(other, "中文 content".as_bytes(), &sig).is_err());
        }
    }

    #[test]
    fn a_different_key_does_not_verify() {
        let a = PrivateKey::generate().unwrap();
        let b = PrivateKey::generate().unwrap();
        let sig = a.sign(SignType::Rsa2, b"x").unwrap();
        assert!(b.public_key().verify(SignType::Rsa2, b"x", &sig).is_err());
        assert_eq!(b.public_key().verify(SignType::Rsa2, b"x", "***"), Err(VerifyError::NotBase64));
    }

    #[test]
    fn missing_sign_param_fails_verification() {
        let key = PrivateKey::generate().unwrap();
        let params = [("a", "1")];
        assert!(verify_request(params.iter().copied(), key.public_key(), SignType::Rsa2, Charset::Utf8).is_err());
    }
}
