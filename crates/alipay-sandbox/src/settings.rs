//! [`Settings`]: the tunable rules of the simulated products.

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
