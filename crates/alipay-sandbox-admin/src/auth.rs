//! Authorization: `/admin/auth/...`.
//!
#![doc = include_str!("../docs/auth.md")]

use serde::{Deserialize, Serialize};

/// `POST /admin/auth/app-tokens/revoke`: the merchant cancels an app authorization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeAppAuthToken {
    /// The token `alipay.open.auth.token.app` answered.
    pub app_auth_token: String,
}

/// The answer of `POST /admin/auth/app-tokens/revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedAppAuthToken {
    /// The revoked token.
    pub app_auth_token: String,
    /// The ISV's app it was issued to.
    pub app_id: String,
    /// The merchant that had authorized it.
    pub merchant_pid: String,
    /// The merchant's app.
    pub auth_app_id: String,
    /// `invalid`.
    pub status: String,
}
