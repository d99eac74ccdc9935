//! # alipay-core
//!
//! The Alipay Open Platform gateway protocol, byte for byte what Alipay's Java SDK does, at OpenSSL speed.
//!
//! - [`PrivateKey`] / [`PublicKey`]: RSA keys in every form users hold (PKCS#1, PKCS#8, SPKI; PEM or base64
//!   one-liners), parsed once, with the "app key configured as Alipay key" guard.
//! - [`sign_content`]: the canonical string for requests and notifications (V1/V2).
//! - [`SignType`]: RSA2 (SHA256withRSA) and RSA (SHA1withRSA) signing and verification.
//! - [`Charset`] and [`form`]: UTF-8 and GBK, form encoding with Java `URLEncoder` semantics.
//! - [`envelope`]: the signed response envelope, extracted and verified from raw bytes, or built and signed.
//! - [`envelope_modes`]: the envelope with `alipay_cert_sn` and AES-encrypted members (gateway side), decryption.
//! - [`cert`]: certificate mode (SNs of the app cert, the Alipay cert and the root bundle; the chain check).
//! - [`aes`]: AES content encryption (`encrypt_type=AES`).
//! - [`v3`]: the v3 protocol (`Authorization` header, signed response headers).
//! - `ca` (feature `ca`): a certificate authority that issues app and Alipay certificates, for local gateways.
//! - [`Money`] (exact yuan, never `f64`), [`Timestamp`] (always UTC+8), [`ResultCode`] / [`ApiStatus`].
//!
//! ```
//! use alipay_core::{envelope, sign_request, Charset, PrivateKey, SignType, Timestamp};
//!
//! // The merchant's app key and (here, for the example) a stand-in for Alipay's key.
//! let app_key = PrivateKey::generate()?;
//! let alipay_key = PrivateKey::generate()?;
//!
//! // Sign a request.
//! let timestamp = Timestamp::now().to_string();
//! let mut params = vec![
//!     ("app_id", "2021000000000001"), ("method", "alipay.trade.query"), ("charset", "utf-8"),
//!     ("sign_type", "RSA2"), ("timestamp", timestamp.as_str()), ("version", "1.0"),
//!     ("biz_content", r#"{"out_trade_no":"20150320010101001"}"#),
//! ];
//! let sign = sign_request(params.iter().copied(), &app_key, SignType::Rsa2, Charset::Utf8)?;
//! params.push(("sign", &sign));
//!
//! // Verify a response (built here with the stand-in key; normally it comes from the gateway).
//! let body = envelope::build_response(
//!     "alipay_trade_query_response",
//!     &serde_json::json!({"code": "10000", "msg": "Success", "trade_status": "TRADE_SUCCESS"}),
//!     &alipay_key, SignType::Rsa2, Charset::Utf8)?;
//! let verified = envelope::verify_response(&body, "alipay.trade.query", Charset::Utf8,
//!                                          alipay_key.public_key(), SignType::Rsa2)?;
//! assert!(verified.status()?.is_success());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod aes;
#[cfg(feature = "ca")]
pub mod ca;
pub mod cert;
pub mod charset;
pub mod code;
pub mod content;
pub mod envelope;
pub mod envelope_modes;
pub mod form;
pub mod key;
pub mod money;
pub mod sign;
pub mod sign_cache;
pub mod time;
pub mod v3;

pub use charset::{Charset, CharsetError};
pub use code::{ApiStatus, ResultCode};
pub use content::{sign_content, SignScope};
pub use envelope::{EnvelopeError, VerifiedResponse};
pub use key::{KeyError, KeyForm, PrivateKey, PublicKey};
pub use money::{Money, MoneyError};
pub use sign::{sign_request, verify_params, verify_request, SignError, SignType, UnknownSignType, VerifyError};
pub use time::{Timestamp, TimestampError};
