//! Gateway timestamps: `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8), whatever the host's time zone.
//!
//! Several SDKs format the host's local time, which breaks the moment a server runs in UTC. Everything here
//! converts to UTC+8 explicitly.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// The layout of every timestamp on the wire.
pub const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// UTC+8, the zone of every gateway timestamp.
pub fn beijing() -> FixedOffset {
    // 8 hours is always a valid offset; `east_opt` only fails beyond ±24 h.
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// A point in time as the gateway writes it: second precision, shown in UTC+8.
///
/// ```
/// use alipay_core::Timestamp;
/// let t: Timestamp = "2019-09-16 10:55:16".parse().unwrap();
/// assert_eq!(t.to_string(), "2019-09-16 10:55:16");
/// assert_eq!(t.to_utc().to_rfc3339(), "2019-09-16T02:55:16+00:00");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<FixedOffset>);

/// A string is not a `yyyy-MM-dd HH:mm:ss` timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a timestamp in the form \"yyyy-MM-dd HH:mm:ss\" (Beijing time)")]
pub struct TimestampError(pub String);

impl Timestamp {
    /// The current time, truncated to the second.
    pub fn now() -> Timestamp {
        Timestamp::from_utc(Utc::now())
    }

    /// Converts any chrono time to a gateway timestamp (dropping sub-second precision).
    pub fn from_utc<Tz: TimeZone>(t: DateTime<Tz>) -> Timestamp {
        let secs = t.timestamp();
        let utc = DateTime::from_timestamp(secs, 0).unwrap_or_default();
        Timestamp(utc.with_timezone(&beijing()))
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0.timestamp()
    }

    /// From seconds since the Unix epoch; `None` if out of chrono's range.
    pub fn from_unix(secs: i64) -> Option<Timestamp> {
        DateTime::from_timestamp(secs, 0).map(Timestamp::from_utc)
    }

    /// The same instant in UTC.
    pub fn to_utc(self) -> DateTime<Utc> {
        self.0.with_timezone(&Utc)
    }

    /// The instant with its UTC+8 offset, for date arithmetic in Beijing's calendar.
    pub fn beijing(self) -> DateTime<FixedOffset> {
        self.0
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 19 {
            return Err(TimestampError(s.to_owned()));
        }
        let naive = NaiveDateTime::parse_from_str(s, FORMAT).map_err(|_| TimestampError(s.to_owned()))?;
        beijing().from_local_datetime(&naive).single().map(Timestamp).ok_or_else(|| TimestampError(s.to_owned()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format(FORMAT))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_beijing_time_from_utc() {
        let utc = Utc.with_ymd_and_hms(2024, 12, 31, 20, 30, 5).unwrap();
        assert_eq!(Timestamp::from_utc(utc).to_string(), "2025-01-01 04:30:05");
        let other_zone = utc.with_timezone(&FixedOffset::west_opt(5 * 3600).unwrap());
        assert_eq!(Timestamp::from_utc(other_zone).to_string(), "2025-01-01 04:30:05");
    }

    #[test]
    fn rejects_other_layouts() {
        for s in ["2019-09-16T10:55:16", "2019-9-16 10:55:16", "2019-09-16 10:55", "2019-02-30 00:00:00", ""] {
            assert!(s.parse::<Timestamp>().is_err(), "{s}");
        }
    }

    #[test]
    fn serde_round_trip() {
        let t: Timestamp = serde_json::from_str(r#""2019-09-16 10:55:16""#).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""2019-09-16 10:55:16""#);
        assert_eq!(Timestamp::from_unix(t.unix()), Some(t));
    }
}
