//! Business logic over the store, without HTTP: accounts (apps, merchants, buyers, payment codes, tokens)
//! and face-to-face trades. Every function here runs inside one store transaction ([`crate::store::Repo`]).

pub mod accounts;
pub mod bill;
pub mod ids;
pub mod reply;
pub mod trade;
pub mod trade_requests;

pub use reply::Reply;

use alipay_core::SignType;

/// Who is calling, resolved by the wire layer from the common parameters.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The app that signed the request.
    pub app_id: String,
    /// The merchant whose trades are read and written: the app's own, or the one an `app_auth_token` names.
    pub seller_id: String,
    /// The merchant's app (the app itself unless acting with a token).
    pub auth_app_id: String,
    /// The request's charset name (notifications use it).
    pub charset: String,
    /// The app's sign type (notifications use it).
    pub sign_type: SignType,
    /// The request's `notify_url`, if any.
    pub notify_url: Option<String>,
}

/// Tunable rules of the simulated product (trade.md "decide" items), with their defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Unpaid trades without `timeout_express`/`time_expire` close after this many seconds (3 h).
    pub default_timeout_secs: i64,
    /// A precreated QR code can be scanned for this many seconds (2 h).
    pub qr_ttl_secs: i64,
    /// `alipay.trade.cancel` works this long after creation (24 h).
    pub cancel_window_secs: i64,
    /// Paid trades become `TRADE_FINISHED` (no more refunds) after this long (3 months: 90 days).
    pub refund_window_secs: i64,
    /// Payment codes expire after this many seconds (10 min).
    pub payment_code_ttl_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_timeout_secs: 3 * 3600,
            qr_ttl_secs: 2 * 3600,
            cancel_window_secs: 24 * 3600,
            refund_window_secs: 90 * 24 * 3600,
            payment_code_ttl_secs: 600,
        }
    }
}
