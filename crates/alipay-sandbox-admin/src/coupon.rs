//! Cash red packets: `/admin/coupon/...`.
//!
#![doc = include_str!("../docs/coupon.md")]

use alipay_core::Money;
use serde::{Deserialize, Serialize};

/// The red-packet settings: the answer of `GET` and `POST /admin/coupon/settings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponSettings {
    /// The refund window in seconds of sandbox clock.
    pub refund_window_secs: i64,
    /// The default (48 h, seed 003).
    pub default_refund_window_secs: i64,
}

/// `POST /admin/coupon/settings`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetCouponSettings {
    /// The new refund window (≥ 0).
    pub refund_window_secs: i64,
}

/// The answer of `POST /admin/coupon/sweep`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponSwept {
    /// Unpaid red packets closed at their pay timeout.
    pub closed: usize,
    /// Paid red packets whose unclaimed rest went back to the payer.
    pub refunded: usize,
}

/// The query of `GET /admin/coupon/orders`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponOrdersQuery {
    /// Only this app's red packets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// At most this many (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// The answer of `GET /admin/coupon/orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponOrders {
    /// The red packets.
    pub orders: Vec<CouponOrder>,
    /// The sum of every paid red packet's rest.
    pub open_total: Money,
}

/// A red packet (fund-authorisation order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponOrder {
    /// Alipay's `auth_no`.
    pub auth_no: String,
    /// The app that created it.
    pub app_id: String,
    /// Its merchant.
    pub seller_id: String,
    /// The merchant's order number.
    pub out_order_no: String,
    /// `agreement`, `page` or `app`.
    pub kind: String,
    /// `INIT`, `SUCCESS` or `CLOSED`.
    pub status: String,
    /// Who paid it in.
    #[serde(default)]
    pub payer_id: Option<String>,
    /// Paid in.
    pub amount: Money,
    /// Gone to payees.
    pub disbursed: Money,
    /// Gone back to the payer.
    pub refunded: Money,
    /// What is left (`0.00` unless paid).
    #[serde(default)]
    pub remaining: Option<Money>,
    /// Title.
    pub order_title: String,
    /// Where the timeout-refund notification goes.
    #[serde(default)]
    pub notify_url: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub gmt_create: Option<String>,
    /// Unpaid, it closes at this time.
    #[serde(default)]
    pub pay_expire_at: Option<String>,
    /// When it was paid.
    #[serde(default)]
    pub gmt_trans: Option<String>,
    /// When the rest went back to the payer.
    #[serde(default)]
    pub gmt_timeout_refund: Option<String>,
}

/// A money movement on a red packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponOperation {
    /// Alipay's operation id.
    pub operation_id: String,
    /// The red packet.
    pub auth_no: String,
    /// Its merchant order number.
    pub out_order_no: String,
    /// The merchant's request number (none for a timeout refund).
    #[serde(default)]
    pub out_request_no: Option<String>,
    /// `fund`, `disburse`, `refund` or `timeout_refund`.
    pub kind: String,
    /// `PAY` or `REFUND`.
    pub operation_type: String,
    /// `SUCCESS`, ...
    pub status: String,
    /// The amount moved.
    pub amount: Money,
    /// From.
    #[serde(default)]
    pub payer_id: Option<String>,
    /// To.
    #[serde(default)]
    pub payee_id: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub gmt_create: Option<String>,
    /// When the money moved.
    #[serde(default)]
    pub gmt_trans: Option<String>,
}

/// The answer of `GET /admin/coupon/orders/{auth_no}`: the red packet with its operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponOrderDetail {
    /// The red packet.
    #[serde(flatten)]
    pub order: CouponOrder,
    /// Its money movements, oldest first.
    pub operations: Vec<CouponOperation>,
}

/// The answer of `POST /admin/coupon/page-pay` and `/app-pay`: the paid red packet and the paying operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponPaid {
    /// The red packet (`SUCCESS`).
    #[serde(flatten)]
    pub order: CouponOrder,
    /// The funding operation.
    pub operation: CouponOperation,
}

/// `POST /admin/coupon/page-pay`: names a waiting red packet (by `auth_no`, or by `out_order_no` with
/// `app_id`/`seller_id` and an optional `out_request_no` to check) and the buyer who pays it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponPagePay {
    /// Alipay's `auth_no` (wins over the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_no: Option<String>,
    /// The app (default: the default app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The merchant (default: the app's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// The funding request number, checked if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    /// Who pays (default: the default buyer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_id: Option<String>,
}

/// `POST /admin/coupon/app-pay`: the wallet submits an app-pay order string and the buyer pays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponAppPay {
    /// The signed order string (as the SDK's `app_order_string` builds it).
    pub order_string: String,
    /// Who pays (default: the default buyer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_id: Option<String>,
}
