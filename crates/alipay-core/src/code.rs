//! Gateway result codes (`code`, `msg`, `sub_code`, `sub_msg`), common to every method.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The public `code` of a gateway answer.
///
/// Unknown codes are kept as [`ResultCode::Other`] rather than rejected: Alipay adds codes over time.
///
/// ```
/// use alipay_core::ResultCode;
/// let c: ResultCode = serde_json::from_str(r#""10003""#).unwrap();
/// assert_eq!(c, ResultCode::InProcess);
/// assert!(c.outcome_pending());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// `10000`: the call succeeded.
    Success,
    /// `10003`: accepted and still in process (for trade.pay: waiting for the buyer). Query, or retry the same
    /// request, which is idempotent.
    InProcess,
    /// `20000`: service unavailable, outcome unknown. Query before retrying.
    UnknownError,
    /// `20001`: the app_auth_token (or auth token) is invalid or expired.
    InsufficientTokenPermissions,
    /// `40001`: a required argument is missing.
    MissingArgument,
    /// `40002`: an argument is invalid (including a bad signature).
    InvalidArgument,
    /// `40004`: the business operation failed; see `sub_code`.
    BusinessFailed,
    /// `40006`: the app lacks the permission to call this method.
    InsufficientPermissions,
    /// Any other code, kept verbatim.
    Other(String),
}

impl ResultCode {
    /// The code as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ResultCode::Success => "10000",
            ResultCode::InProcess => "10003",
            ResultCode::UnknownError => "20000",
            ResultCode::InsufficientTokenPermissions => "20001",
            ResultCode::MissingArgument => "40001",
            ResultCode::InvalidArgument => "40002",
            ResultCode::BusinessFailed => "40004",
            ResultCode::InsufficientPermissions => "40006",
            ResultCode::Other(s) => s,
        }
    }

    /// Parses a code; never fails.
    pub fn from_code(code: &str) -> ResultCode {
        match code {
            "10000" => ResultCode::Success,
            "10003" => ResultCode::InProcess,
            "20000" => ResultCode::UnknownError,
            "20001" => ResultCode::InsufficientTokenPermissions,
            "40001" => ResultCode::MissingArgument,
            "40002" => ResultCode::InvalidArgument,
            "40004" => ResultCode::BusinessFailed,
            "40006" => ResultCode::InsufficientPermissions,
            other => ResultCode::Other(other.to_owned()),
        }
    }

    /// The `msg` the gateway sends with this code. `10003`'s starts with a space, as production sends it
    /// (captured `alipay.trade.pay` answers 2016–2019: `"msg":" order success pay inprocess"`).
    pub fn default_msg(&self) -> &'static str {
        match self {
            ResultCode::Success => "Success",
            ResultCode::InProcess => " order success pay inprocess",
            ResultCode::UnknownError => "Service Currently Unavailable",
            ResultCode::InsufficientTokenPermissions => "Insufficient Token Permissions",
            ResultCode::MissingArgument => "Missing Required Arguments",
            ResultCode::InvalidArgument => "Invalid Arguments",
            ResultCode::BusinessFailed => "Business Failed",
            ResultCode::InsufficientPermissions => "Insufficient Permissions",
            ResultCode::Other(_) => "Unknown",
        }
    }

    /// `true` for 10000.
    pub fn is_success(&self) -> bool {
        *self == ResultCode::Success
    }

    /// `true` when the outcome is not known yet (10003, 20000): query before deciding anything.
    pub fn outcome_pending(&self) -> bool {
        matches!(self, ResultCode::InProcess | ResultCode::UnknownError)
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ResultCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ResultCode, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(ResultCode::from_code(&s))
    }
}

/// The status part of every answer: `code` and `msg`, plus `sub_code` / `sub_msg` on failures.
///
/// Business response types embed it with `#[serde(flatten)]`. `sub_msg` is optional even on failures
/// (some SDKs crash when it is missing; this one does not).
///
/// ```
/// use alipay_core::{ApiStatus, ResultCode};
/// let s = ApiStatus::business_failed("ACQ.TRADE_NOT_EXIST", "交易不存在");
/// assert_eq!(s.code, ResultCode::BusinessFailed);
/// assert_eq!(serde_json::to_string(&s).unwrap(),
///     r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiStatus {
    /// The public result code.
    pub code: ResultCode,
    /// Its message.
    #[serde(default)]
    pub msg: String,
    /// The detailed error code, on failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<String>,
    /// The detailed error message, on failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_msg: Option<String>,
}

impl ApiStatus {
    /// `10000 Success`.
    pub fn success() -> ApiStatus {
        ApiStatus::of(ResultCode::Success)
    }

    /// A code with its standard message and no sub-code.
    pub fn of(code: ResultCode) -> ApiStatus {
        ApiStatus { msg: code.default_msg().to_owned(), code, sub_code: None, sub_msg: None }
    }

    /// A code with its standard message and a sub-code.
    pub fn with_sub(code: ResultCode, sub_code: impl Into<String>, sub_msg: impl Into<String>) -> ApiStatus {
        ApiStatus { sub_code: Some(sub_code.into()), sub_msg: Some(sub_msg.into()), ..ApiStatus::of(code) }
    }

    /// `40004 Business Failed` with a product sub-code.
    pub fn business_failed(sub_code: impl Into<String>, sub_msg: impl Into<String>) -> ApiStatus {
        ApiStatus::with_sub(ResultCode::BusinessFailed, sub_code, sub_msg)
    }

    /// `true` for 10000.
    pub fn is_success(&self) -> bool {
        self.code.is_success()
    }
}

impl fmt::Display for ApiStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.msg)?;
        if let Some(sub) = &self.sub_code {
            write!(f, " ({sub}")?;
            if let Some(m) = &self.sub_msg {
                write!(f, ": {m}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_documented_codes_round_trip() {
        for c in ["10000", "10003", "20000", "20001", "40001", "40002", "40004", "40006", "99999"] {
            let rc = ResultCode::from_code(c);
            assert_eq!(rc.as_str(), c);
            assert_eq!(serde_json::to_string(&rc).unwrap(), format!("\"{c}\""));
        }
        assert_eq!(ResultCode::from_code("99999"), ResultCode::Other("99999".into()));
    }

    #[test]
    fn status_without_sub_msg_parses() {
        let s: ApiStatus = serde_json::from_str(r#"{"code":"10003","msg":"order success pay inprocess"}"#).unwrap();
        assert!(s.code.outcome_pending());
        assert_eq!(s.sub_msg, None);
        assert_eq!(s.to_string(), "10003 order success pay inprocess");
    }
}
