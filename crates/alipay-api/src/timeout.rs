//! [`TimeoutExpress`]: Alipay's relative timeouts (`timeout_express`, `qr_code_timeout_express`,
//! `pay_timeout`), parsed once for the SDK's checks and the gateway's expiry alike.

use alipay_core::time::beijing;
use chrono::TimeZone;

use crate::ValidationError;

/// A relative timeout as Alipay writes it: digits then `m`, `h` or `d` (`90m`, `2h`, `15d`; no decimals),
/// or `1c` where a method allows it (close at midnight today, Beijing time).
///
/// ```
/// use alipay_api::TimeoutExpress;
/// let t = TimeoutExpress::parse("timeout_express", "2h", TimeoutExpress::FIFTEEN_DAYS, true)?;
/// assert_eq!(t, TimeoutExpress::Minutes(120));
/// assert_eq!(t.expires_at(1_700_000_000), Some(1_700_000_000 + 7200));
/// assert!(TimeoutExpress::parse("timeout_express", "1.5h", TimeoutExpress::FIFTEEN_DAYS, true).is_err());
/// # Ok::<(), alipay_api::ValidationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutExpress {
    /// This many minutes after the request.
    Minutes(u64),
    /// `1c`: at the next midnight, Beijing time.
    CloseToday,
}

impl TimeoutExpress {
    /// The longest `timeout_express` of the trade methods: 15 days, in minutes.
    pub const FIFTEEN_DAYS: u64 = 15 * 24 * 60;

    /// Parses `value` of `field`: between one minute and `max_minutes`; `1c` only with `close_today`.
    pub fn parse(
        field: &'static str,
        value: &str,
        max_minutes: u64,
        close_today: bool,
    ) -> Result<TimeoutExpress, ValidationError> {
        if close_today && value == "1c" {
            return Ok(TimeoutExpress::CloseToday);
        }
        let invalid = |reason: String| ValidationError::Invalid { field, reason };
        let unit = match value.chars().last() {
            Some('m') => 1,
            Some('h') => 60,
            Some('d') => 24 * 60,
            _ => return Err(invalid(format!("{value:?} is not a timeout like 90m, 2h or 3d"))),
        };
        let digits = value.get(..value.len() - 1).unwrap_or("");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(format!("{value:?} is not a timeout like 90m, 2h or 3d (whole numbers only)")));
        }
        let minutes = digits.parse::<u64>().ok().and_then(|n| n.checked_mul(unit));
        match minutes {
            Some(m) if (1..=max_minutes).contains(&m) => Ok(TimeoutExpress::Minutes(m)),
            _ => Err(invalid(format!("{value:?} is outside 1m ..= {}", minutes_text(max_minutes)))),
        }
    }

    /// The instant (Unix seconds) a timeout given at `now` (Unix seconds) ends; `None` if out of range.
    pub fn expires_at(self, now: i64) -> Option<i64> {
        match self {
            TimeoutExpress::Minutes(m) => i64::try_from(m).ok()?.checked_mul(60)?.checked_add(now),
            TimeoutExpress::CloseToday => {
                let today = beijing().timestamp_opt(now, 0).single()?.date_naive();
                let midnight = today.succ_opt()?.and_hms_opt(0, 0, 0)?;
                Some(beijing().from_local_datetime(&midnight).single()?.timestamp())
            }
        }
    }
}

fn minutes_text(minutes: u64) -> String {
    if minutes % (24 * 60) == 0 {
        format!("{}d", minutes / (24 * 60))
    } else if minutes % 60 == 0 {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn close_today_ends_at_the_next_beijing_midnight() {
        // 2019-09-16 23:30:00 Beijing = 15:30 UTC.
        let now = chrono::Utc.with_ymd_and_hms(2019, 9, 16, 15, 30, 0).unwrap().timestamp();
        let end = TimeoutExpress::CloseToday.expires_at(now).unwrap();
        assert_eq!(end - now, 30 * 60);
        assert!(TimeoutExpress::parse("f", "1c", 60, false).is_err(), "1c only where allowed");
        assert_eq!(TimeoutExpress::parse("f", "1c", 60, true).unwrap(), TimeoutExpress::CloseToday);
    }
}
