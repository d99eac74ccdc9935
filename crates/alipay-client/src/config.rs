//! The JSON configuration file shared by the SDK, the `alipay` CLI and the local gateway's `app.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// Client settings as stored in a JSON file.
///
/// ```json
/// {
///   "gateway_url": "http://127.0.0.1:8080/gateway.do",
///   "app_id": "2021000000000001",
///   "app_private_key": "-----BEGIN PRIVATE KEY-----\n...",
///   "alipay_public_key": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...",
///   "sign_type": "RSA2",
///   "charset": "utf-8"
/// }
/// ```
/// Keys may be PEM or bare base64 in any supported form. In certificate mode, `alipay_public_key` may be empty
/// and the three certificates are given instead (`app_cert`, `alipay_cert`, `alipay_root_cert` as PEM text, or
/// `app_cert_path`, `alipay_cert_path`, `alipay_root_cert_path`); `aes_key` (+ `encrypt_type`) turns on AES
/// content encryption, `protocol: "v3"` the v3 protocol. Unknown fields (such as `app_public_key` in the
/// local gateway's `app.json`) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// The gateway, e.g. `https://openapi.alipay.com/gateway.do`.
    pub gateway_url: String,
    /// The app's APPID.
    pub app_id: String,
    /// The app private key (PEM or base64; PKCS#1 or PKCS#8).
    pub app_private_key: String,
    /// The Alipay public key (PEM or base64; SPKI or PKCS#1). Empty or absent in certificate mode.
    #[serde(default)]
    pub alipay_public_key: String,
    /// `RSA2` (default) or `RSA`.
    #[serde(default = "default_sign_type")]
    pub sign_type: String,
    /// `utf-8` (default) or `GBK`.
    #[serde(default = "default_charset")]
    pub charset: String,
    /// Default `notify_url` for calls that take one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
    /// Cert mode: the app certificate (`appCertPublicKey_<appid>.crt`), PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_cert: Option<String>,
    /// Cert mode: path of the app certificate file (used when `app_cert` is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_cert_path: Option<String>,
    /// Cert mode: the Alipay certificate (`alipayCertPublicKey_RSA2.crt`, leaf first), PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_cert: Option<String>,
    /// Cert mode: path of the Alipay certificate file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_cert_path: Option<String>,
    /// Cert mode: the root bundle (`alipayRootCert.crt`), PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_root_cert: Option<String>,
    /// Cert mode: path of the root bundle file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_root_cert_path: Option<String>,
    /// The AES content key (base64), as the open platform console shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aes_key: Option<String>,
    /// `AES`: encrypt every call (the default when `aes_key` is set); `none`: only calls that ask for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_type: Option<String>,
    /// `v2` (default, `gateway.do`) or `v3` (REST paths, for the methods that have one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// v3: the endpoint (default: the gateway URL without `/gateway.do`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v3_endpoint: Option<String>,
}

fn default_sign_type() -> String {
    "RSA2".into()
}

fn default_charset() -> String {
    "utf-8".into()
}

impl ClientConfig {
    /// Reads a configuration file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<ClientConfig, ConfigError> {
        let path = path.as_ref();
        let err = |reason: String| ConfigError::File { path: path.display().to_string(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| err(e.to_string()))
    }
}
