//! AES content encryption (`encrypt_type=AES`): AES-CBC, PKCS#7 padding, an all-zero 16-byte IV, base64.
//!
//! The key is what the open platform console shows: base64 of 16 key bytes (AES-128). 24- and 32-byte keys
//! (AES-192/256) are accepted too, as the official Node SDK (crypto-js) accepts them. Plaintext is encoded in
//! the request charset before encryption and decoded from it after decryption; the ciphertext travels as
//! standard base64.
//!
//! Decryption never returns garbage: a ciphertext that is not base64, not a whole number of blocks, has bad
//! padding (the usual symptom of a wrong key), or decrypts to bytes that are not valid in the charset is an
//! [`AesError`].
//!
//! ```
//! use alipay_core::{aes::AesKey, Charset};
//! let key: AesKey = "aa4BtZ4tspm2wnXLb1ThQA==".parse()?;
//! let sealed = key.encrypt(r#"{"out_trade_no":"T1","subject":"咖啡"}"#, Charset::Utf8)?;
//! assert_eq!(key.decrypt(&sealed, Charset::Utf8)?, r#"{"out_trade_no":"T1","subject":"咖啡"}"#);
//! let other = AesKey::generate();
//! assert!(other.decrypt(&sealed, Charset::Utf8).is_err());
//! # Ok::<(), alipay_core::aes::AesError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use ::aes::cipher::block_padding::Pkcs7;
use ::aes::cipher::{BlockDecryptMut as _, BlockEncryptMut as _, KeyIvInit as _};
use base64::Engine as _;

use crate::charset::{Charset, CharsetError};

/// The value of `encrypt_type` (and of the v3 `alipay-encrypt-type` header).
pub const ENCRYPT_TYPE_AES: &str = "AES";

const IV: [u8; 16] = [0u8; 16];

/// Encryption or decryption failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AesError {
    /// The key text is not base64.
    #[error(
        "the AES key is not base64 (copy the key the open platform console shows, e.g. `aa4BtZ4tspm2wnXLb1ThQA==`)"
    )]
    KeyNotBase64,
    /// The key does not have 16, 24 or 32 bytes.
    #[error("the AES key has {0} bytes; expected 16 (AES-128), 24 or 32")]
    KeyLength(usize),
    /// The ciphertext is not base64.
    #[error("the ciphertext is not base64")]
    NotBase64,
    /// The ciphertext is not a whole number of 16-byte blocks, or its padding is wrong after decryption: it
    /// was altered, or it was encrypted with another key.
    #[error("cannot decrypt: the ciphertext was altered or encrypted with another AES key (is the configured AES key the app's?)")]
    BadCiphertext,
    /// The plaintext cannot be encoded in, or the decrypted bytes are not valid in, the charset.
    #[error("AES content: {0} (is the configured AES key the app's?)")]
    Charset(#[from] CharsetError),
}

/// An AES content key. Cheap to clone; `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey(KeyBytes);

#[derive(Clone, PartialEq, Eq)]
enum KeyBytes {
    A128([u8; 16]),
    A192([u8; 24]),
    A256([u8; 32]),
}

impl AesKey {
    /// Parses the base64 key text.
    pub fn from_base64(text: &str) -> Result<AesKey, AesError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(text.trim().as_bytes())
            .map_err(|_| AesError::KeyNotBase64)?;
        AesKey::from_bytes(&raw)
    }

    /// A key from 16, 24 or 32 raw bytes.
    pub fn from_bytes(raw: &[u8]) -> Result<AesKey, AesError> {
        let bad = || AesError::KeyLength(raw.len());
        Ok(AesKey(match raw.len() {
            16 => KeyBytes::A128(raw.try_into().map_err(|_| bad())?),
            24 => KeyBytes::A192(raw.try_into().map_err(|_| bad())?),
            32 => KeyBytes::A256(raw.try_into().map_err(|_| bad())?),
            _ => return Err(bad()),
        }))
    }

    /// A new random AES-128 key (what the console generates).
    pub fn generate() -> AesKey {
        let mut raw = [0u8; 16];
        // aws-lc's RNG only fails if the OS has no entropy source at all.
        let _ = aws_lc_rs::rand::fill(&mut raw);
        AesKey(KeyBytes::A128(raw))
    }

    /// The key as base64 (the form the console shows and configuration files hold).
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.bytes())
    }

    /// Key size in bits.
    pub fn bits(&self) -> usize {
        self.bytes().len() * 8
    }

    fn bytes(&self) -> &[u8] {
        match &self.0 {
            KeyBytes::A128(k) => k,
            KeyBytes::A192(k) => k,
            KeyBytes::A256(k) => k,
        }
    }

    /// Encrypts `plaintext` (encoded in `charset` first) and returns base64 ciphertext.
    pub fn encrypt(&self, plaintext: &str, charset: Charset) -> Result<String, AesError> {
        let bytes = charset.encode(plaintext)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(self.encrypt_bytes(&bytes)))
    }

    /// Decrypts base64 ciphertext and decodes the plaintext from `charset`.
    pub fn decrypt(&self, ciphertext: &str, charset: Charset) -> Result<String, AesError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(ciphertext.trim().as_bytes())
            .map_err(|_| AesError::NotBase64)?;
        let plain = self.decrypt_bytes(&raw)?;
        Ok(charset.decode(&plain)?.into_owned())
    }

    /// AES-CBC with PKCS#7 padding and a zero IV over raw bytes.
    pub fn encrypt_bytes(&self, plaintext: &[u8]) -> Vec<u8> {
        match &self.0 {
            KeyBytes::A128(k) => {
                cbc::Encryptor::<::aes::Aes128>::new(k.into(), &IV.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
            }
            KeyBytes::A192(k) => {
                cbc::Encryptor::<::aes::Aes192>::new(k.into(), &IV.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
            }
            KeyBytes::A256(k) => {
                cbc::Encryptor::<::aes::Aes256>::new(k.into(), &IV.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
            }
        }
    }

    /// Inverse of [`AesKey::encrypt_bytes`]; bad length or padding is [`AesError::BadCiphertext`].
    pub fn decrypt_bytes(&self, ciphertext: &[u8]) -> Result<Vec<u8>, AesError> {
        if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
            return Err(AesError::BadCiphertext);
        }
        let out =
            match &self.0 {
                KeyBytes::A128(k) => cbc::Decryptor::<::aes::Aes128>::new(k.into(), &IV.into())
                    .decrypt_padded_vec_mut::<Pkcs7>(ciphertext),
                KeyBytes::A192(k) => cbc::Decryptor::<::aes::Aes192>::new(k.into(), &IV.into())
                    .decrypt_padded_vec_mut::<Pkcs7>(ciphertext),
                KeyBytes::A256(k) => cbc::Decryptor::<::aes::Aes256>::new(k.into(), &IV.into())
                    .decrypt_padded_vec_mut::<Pkcs7>(ciphertext),
            };
        out.map_err(|_| AesError::BadCiphertext)
    }
}

impl FromStr for AesKey {
    type Err = AesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AesKey::from_base64(s)
    }
}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesKey").field("bits", &self.bits()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_zero_iv_pkcs7() {
        // openssl enc -aes-128-cbc -K 000102030405060708090a0b0c0d0e0f -iv 0 <<< -n 'abc' | base64
        let key = AesKey::from_bytes(&(0u8..16).collect::<Vec<_>>()).unwrap();
        let sealed = key.encrypt("abc", Charset::Utf8).unwrap();
        assert_eq!(key.decrypt(&sealed, Charset::Utf8).unwrap(), "abc");
        assert_eq!(sealed.len(), 24);
    }

    #[test]
    fn key_sizes_and_errors() {
        assert_eq!(AesKey::from_base64("!!"), Err(AesError::KeyNotBase64));
        assert_eq!(AesKey::from_bytes(&[0; 15]), Err(AesError::KeyLength(15)));
        assert_eq!(AesKey::from_bytes(&[0; 24]).unwrap().bits(), 192);
        assert_eq!(AesKey::from_bytes(&[0; 32]).unwrap().bits(), 256);
        let k = AesKey::generate();
        assert_eq!(format!("{k:?}"), "AesKey { bits: 128, .. }");
        assert_eq!(k.decrypt("AAAA", Charset::Utf8), Err(AesError::BadCiphertext));
        assert_eq!(k.decrypt("***", Charset::Utf8), Err(AesError::NotBase64));
    }

    #[test]
    fn gbk_round_trip_and_invalid_charset_bytes_are_errors() {
        let k = AesKey::generate();
        let sealed = k.encrypt("当面付", Charset::Gbk).unwrap();
        assert_eq!(k.decrypt(&sealed, Charset::Gbk).unwrap(), "当面付");
        // GBK bytes are not UTF-8.
        assert!(matches!(k.decrypt(&sealed, Charset::Utf8), Err(AesError::Charset(_))));
    }
}
