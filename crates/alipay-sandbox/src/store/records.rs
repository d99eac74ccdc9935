//! The rows the sandbox keeps, as plain structs independent of the storage backend.
//!
//! Amounts are [`Money`]; instants are Unix seconds of the sandbox clock unless a field says otherwise.

use alipay_core::{Money, SignType};

/// A registered app (the `app_id` a merchant system signs requests with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRecord {
    /// The app id (16 digits).
    pub app_id: String,
    /// The merchant (PID) behind the app.
    pub merchant_pid: String,
    /// The app public key as text (PEM or base64), used to verify request signatures.
    pub public_key: String,
    /// The algorithm the app signs with.
    pub sign_type: SignType,
    /// When it was registered.
    pub created_at: i64,
}

/// A merchant (seller) account: `2088` + 12 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantRecord {
    /// The merchant's PID.
    pub pid: String,
    /// Display name.
    pub name: String,
    /// Login e-mail (`seller_email` in notifications).
    pub email: String,
    /// Settled balance: payments in, refunds out.
    pub balance: Money,
    /// The merchant's own app (the `auth_app_id` of notifications).
    pub primary_app_id: Option<String>,
}

/// A third-party authorisation: `app_id` may act for `merchant_pid` with `token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthTokenRecord {
    /// The `app_auth_token` value.
    pub token: String,
    /// The third-party (ISV) app allowed to use it.
    pub app_id: String,
    /// The merchant it acts for.
    pub merchant_pid: String,
    /// The merchant's app (reported as `auth_app_id`).
    pub auth_app_id: String,
    /// Expiry (sandbox clock).
    pub expires_at: i64,
}

/// A buyer's wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerRecord {
    /// `2088` + 12 digits.
    pub user_id: String,
    /// Unmasked logon id (phone number or e-mail).
    pub logon_id: String,
    /// Available balance: what the user owns minus what pending direct deductions reserve
    /// ([`crate::products::deduct`]); the `buyers.balance` column keeps what the user owns.
    pub balance: Money,
    /// Payments up to this amount need no confirmation; above it trade.pay answers 10003.
    pub password_free_limit: Money,
}

/// A payment code (`auth_code`) shown by a buyer's wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentCodeRecord {
    /// The digits.
    pub code: String,
    /// Its owner.
    pub user_id: String,
    /// Expiry (sandbox clock).
    pub expires_at: i64,
    /// Codes are single use.
    pub used: bool,
}

/// A notification to deliver (the durable outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Row id (0 before insertion).
    pub id: i64,
    /// `notify_id`, the same across retries.
    pub notify_id: String,
    /// The trade it is about.
    pub trade_no: String,
    /// The trade's out_trade_no.
    pub out_trade_no: String,
    /// The app it goes to.
    pub app_id: String,
    /// Target URL.
    pub url: String,
    /// Charset of the form.
    pub charset: String,
    /// Sign type of the signature.
    pub sign_type: SignType,
    /// The parameters (without `sign`), in order.
    pub params: Vec<(String, String)>,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// Next attempt, real Unix milliseconds.
    pub next_attempt_at_ms: i64,
}

/// One delivery attempt of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// The notification.
    pub notification_id: i64,
    /// 1-based attempt number.
    pub attempt: i64,
    /// Real Unix milliseconds of the attempt.
    pub at_ms: i64,
    /// HTTP status, if an answer came.
    pub http_status: Option<i64>,
    /// Answer body (truncated to 1 KiB), if an answer came.
    pub response_body: Option<String>,
    /// Transport error, if no answer came.
    pub error: Option<String>,
}
