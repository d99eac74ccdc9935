//! The sandbox clock: real time plus a persisted offset that simulation controls move forward.
//!
//! Trade timeouts, QR-code and payment-code expiry, the 24 h cancel window and the refund window all run on
//! this clock, so a test can jump hours ahead without waiting. Request timestamps are checked against the
//! real clock instead, because clients sign with theirs.

use std::sync::atomic::{AtomicI64, Ordering};

/// The `meta` key holding the offset in seconds.
pub const OFFSET_KEY: &str = "clock.offset_secs";

/// Real time + offset, in Unix seconds.
#[derive(Debug, Default)]
pub struct Clock {
    offset: AtomicI64,
}

impl Clock {
    /// A clock `offset_secs` ahead of real time.
    pub fn with_offset(offset_secs: i64) -> Clock {
        Clock { offset: AtomicI64::new(offset_secs) }
    }

    /// The sandbox's current time, Unix seconds.
    pub fn now(&self) -> i64 {
        real_now() + self.offset()
    }

    /// The offset from real time, seconds.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }

    /// Sets the offset (after it was persisted).
    pub fn set_offset(&self, offset_secs: i64) {
        self.offset.store(offset_secs, Ordering::SeqCst);
    }
}

/// Real Unix seconds.
pub fn real_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Real Unix milliseconds.
pub fn real_now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `yyyy-MM-dd HH:mm:ss` (Beijing) of a sandbox time.
pub(crate) fn time_text(t: i64) -> Option<String> {
    alipay_core::Timestamp::from_unix(t).map(|t| t.to_string())
}

/// Beijing `yyyyMMdd` of a sandbox time.
pub(crate) fn date_digits(t: i64) -> String {
    alipay_core::Timestamp::from_unix(t)
        .map(|t| t.beijing().format("%Y%m%d").to_string())
        .unwrap_or_else(|| "20000101".to_owned())
}
