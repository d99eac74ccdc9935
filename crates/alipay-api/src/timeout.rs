//! [`TimeoutExpress`]: Alipay's relative timeouts (`timeout_express`, `qr_code_timeout_express`,
//! `pay_timeout`), parsed once for the SDK's checks and the gateway's expiry alike.

use alipay_core::time::beijing;
use chrono::TimeZone;

use crate::ValidationError;

/// A relative timeout as Alipay writes it: digits then `m`, `h` or `d` (`90m`, `2h`, `15d`; no decimals),
/// or `1c` where a method allows it (close at midnight today, Beijing time). It keeps the unit it was written
/// in, so a request reads and writes back byte for byte.
///
/// In a model it is read from and written as its text (`"2h"`); a text that is not a timeout fails to decode,
/// and the range a field allows (`1m ..= 15d` for the trade methods) is checked by the model's `validate`.
///
/// ```
/// use alipay_api::TimeoutExpress;
/// let t = TimeoutExpress::parse("timeout_express", "2h", TimeoutExpress::FIFTEEN_DAYS, true)?;
/// assert_eq!(t, TimeoutExpress::Hours(2));
/// assert_eq!(t.minutes(), Some(120));
/// assert_eq!(t.to_string(), "2h");
/// assert_eq!(t.expires_at(1_700_000_000), Some(1_700_000_000 + 7200));
/// assert!("1.5h".parse::<TimeoutExpress>().is_err());
/// assert!(TimeoutExpress::parse("timeout_express", "16d", TimeoutExpress::FIFTEEN_DAYS, true).is_err());
/// # Ok::<(), alipay_api::ValidationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutExpress {
    /// `90m`: this many minutes after the request.
    Minutes(u64),
    /// `2h`: this many hours.
    Hours(u64),
    /// `3d`: this many days.
    Days(u64),
    /// `1c`: at the next midnight, Beijing time.
    CloseToday,
}

/// A text that is not a timeout like `90m`, `2h`, `3d` or `1c`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a timeout like 90m, 2h or 3d (whole numbers only) or 1c")]
pub struct NotATimeout(pub String);

impl std::str::FromStr for TimeoutExpress {
    type Err = NotATimeout;

    fn from_str(value: &str) -> Result<TimeoutExpress, NotATimeout> {
        if value == "1c" {
            return Ok(TimeoutExpress::CloseToday);
        }
        let bad = || NotATimeout(value.to_owned());
        let digits = value.get(..value.len().saturating_sub(1)).unwrap_or("");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        match value.as_bytes().last() {
            Some(b'm') => Ok(TimeoutExpress::Minutes(n)),
            Some(b'h') => Ok(TimeoutExpress::Hours(n)),
            Some(b'd') => Ok(TimeoutExpress::Days(n)),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for TimeoutExpress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeoutExpress::Minutes(n) => write!(f, "{n}m"),
            TimeoutExpress::Hours(n) => write!(f, "{n}h"),
            TimeoutExpress::Days(n) => write!(f, "{n}d"),
            TimeoutExpress::CloseToday => f.write_str("1c"),
        }
    }
}

impl serde::Serialize for TimeoutExpress {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TimeoutExpress {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TimeoutExpress, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An optional timeout field: absent, `null` or blank is `None` (as the gateway has always read an empty
/// `timeout_express`); any other text must be a timeout.
pub(crate) fn optional<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<TimeoutExpress>, D::Error> {
    let text: Option<String> = serde::Deserialize::deserialize(d)?;
    match text {
        Some(t) if !alipay_core::content::is_blank(&t) => t.parse().map(Some).map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

impl TimeoutExpress {
    /// The longest `timeout_express` of the trade methods: 15 days, in minutes.
    pub const FIFTEEN_DAYS: u64 = 15 * 24 * 60;

    /// The timeout in minutes; `None` for `1c` (it depends on the time of day) or on overflow.
    pub fn minutes(self) -> Option<u64> {
        match self {
            TimeoutExpress::Minutes(m) => Some(m),
            TimeoutExpress::Hours(h) => h.checked_mul(60),
            TimeoutExpress::Days(d) => d.checked_mul(24 * 60),
            TimeoutExpress::CloseToday => None,
        }
    }

    /// Parses `value` of `field` and checks it with [`TimeoutExpress::check`].
    pub fn parse(
        field: &'static str,
        value: &str,
        max_minutes: u64,
        close_today: bool,
    ) -> Result<TimeoutExpress, ValidationError> {
        let t: TimeoutExpress =
            value.parse().map_err(|e: NotATimeout| ValidationError::Invalid { field, reason: e.to_string() })?;
        t.check(field, max_minutes, close_today)?;
        Ok(t)
    }

    /// `field`'s rule: between one minute and `max_minutes`; `1c` only with `close_today`.
    pub fn check(self, field: &'static str, max_minutes: u64, close_today: bool) -> Result<(), ValidationError> {
        let invalid = |reason: String| Err(ValidationError::Invalid { field, reason });
        match self.minutes() {
            None if self == TimeoutExpress::CloseToday && close_today => Ok(()),
            None if self == TimeoutExpress::CloseToday => invalid("1c is not allowed here".to_owned()),
            Some(m) if (1..=max_minutes).contains(&m) => Ok(()),
            _ => invalid(format!("{self} is outside 1m ..= {}", minutes_text(max_minutes))),
        }
    }

    /// The instant (Unix seconds) a timeout given at `now` (Unix seconds) ends; `None` if out of range.
    pub fn expires_at(self, now: i64) -> Option<i64> {
        match self {
            TimeoutExpress::CloseToday => {
                let today = beijing().timestamp_opt(now, 0).single()?.date_naive();
                let midnight = today.succ_opt()?.and_hms_opt(0, 0, 0)?;
                Some(beijing().from_local_datetime(&midnight).single()?.timestamp())
            }
            other => i64::try_from(other.minutes()?).ok()?.checked_mul(60)?.checked_add(now),
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
