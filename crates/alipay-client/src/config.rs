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
/// Keys may be PEM or bare base64 in any supported form. Unknown fields (such as `app_public_key` in the
/// local gateway's `app.json`) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// The gateway, e.g. `https://openapi.alipay.com/gateway.do`.
    pub gateway_url: String,
    /// The app's APPID.
    pub app_id: String,
    /// The app private key (PEM or base64; PKCS#1 or PKCS#8).
    pub app_private_key: String,
    /// The Alipay public key (PEM or base64; SPKI or PKCS#1).
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
