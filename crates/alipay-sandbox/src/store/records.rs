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
    /// Available balance.
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

/// How a trade was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeKind {
    /// `alipay.trade.pay` (barcode).
    Pay,
    /// `alipay.trade.precreate` (QR code).
    Precreate,
}

impl TradeKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TradeKind::Pay => "pay",
            TradeKind::Precreate => "precreate",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<TradeKind> {
        match s {
            "pay" => Some(TradeKind::Pay),
            "precreate" => Some(TradeKind::Precreate),
            _ => None,
        }
    }
}

/// A trade's state. `Created` is a precreated trade whose QR code nobody scanned yet (query: not found).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeState {
    /// Precreated, not scanned.
    Created,
    /// Waiting for the buyer to confirm.
    WaitBuyerPay,
    /// Paid.
    Success,
    /// Closed unpaid, failed, or fully refunded.
    Closed,
    /// Paid and the refund window ended.
    Finished,
}

impl TradeState {
    /// Stored (and, except `CREATED`, wire) name.
    pub fn as_str(self) -> &'static str {
        match self {
            TradeState::Created => "CREATED",
            TradeState::WaitBuyerPay => "WAIT_BUYER_PAY",
            TradeState::Success => "TRADE_SUCCESS",
            TradeState::Closed => "TRADE_CLOSED",
            TradeState::Finished => "TRADE_FINISHED",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<TradeState> {
        Some(match s {
            "CREATED" => TradeState::Created,
            "WAIT_BUYER_PAY" => TradeState::WaitBuyerPay,
            "TRADE_SUCCESS" => TradeState::Success,
            "TRADE_CLOSED" => TradeState::Closed,
            "TRADE_FINISHED" => TradeState::Finished,
            _ => return None,
        })
    }

    /// `true` while the trade waits for payment (it can time out, be closed or cancelled without refund).
    pub fn is_unpaid_open(self) -> bool {
        matches!(self, TradeState::Created | TradeState::WaitBuyerPay)
    }
}

/// A trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeRecord {
    /// Alipay's 28-digit trade number.
    pub trade_no: String,
    /// The merchant that receives the money (scope of `out_trade_no`).
    pub seller_id: String,
    /// The app that created it.
    pub app_id: String,
    /// The merchant's app (differs from `app_id` for third-party calls).
    pub auth_app_id: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Pay or precreate.
    pub kind: TradeKind,
    /// Current state.
    pub state: TradeState,
    /// Order amount.
    pub total_amount: Money,
    /// Refunded so far.
    pub refund_fee: Money,
    /// Order title.
    pub subject: String,
    /// Order description.
    pub body: Option<String>,
    /// The buyer, once known.
    pub buyer_id: Option<String>,
    /// The payment code used (trade.pay).
    pub auth_code: Option<String>,
    /// The QR code (precreate).
    pub qr_code: Option<String>,
    /// Merchant store id.
    pub store_id: Option<String>,
    /// Merchant terminal id.
    pub terminal_id: Option<String>,
    /// Merchant operator id.
    pub operator_id: Option<String>,
    /// Echoed in notifications.
    pub passback_params: Option<String>,
    /// Where notifications go.
    pub notify_url: Option<String>,
    /// The charset of the creating request (notifications use it).
    pub charset: String,
    /// The sign type of the creating app (notifications use it).
    pub sign_type: SignType,
    /// Creation time.
    pub gmt_create: i64,
    /// Payment time.
    pub gmt_payment: Option<i64>,
    /// Close time.
    pub gmt_close: Option<i64>,
    /// Unpaid trades close at this time.
    pub expire_at: i64,
    /// The QR code stops being scannable at this time.
    pub qr_expire_at: Option<i64>,
    /// `close` or `refund` once cancelled.
    pub cancel_action: Option<String>,
    /// The sub_code of the failure that closed it at creation, if any.
    pub fail_code: Option<String>,
}

/// One refund of a trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    /// The trade.
    pub trade_no: String,
    /// The merchant's refund request number (`out_trade_no` when none was sent).
    pub out_request_no: String,
    /// Amount refunded by this request.
    pub amount: Money,
    /// Reason given.
    pub reason: Option<String>,
    /// When the money moved.
    pub gmt_refund: i64,
    /// The trade's cumulative refund after this request.
    pub refund_fee_after: Money,
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
