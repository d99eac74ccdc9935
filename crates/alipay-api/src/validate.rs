//! The seed tables' rules: required fields, maximum lengths, formats.
//!
//! Lengths count characters, as the open platform's tables do (a Chinese character counts one).

use alipay_core::Money;

use crate::sub_code::SubCode;

/// A request breaks a rule of its method's field table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// A required field is missing or blank.
    #[error("{field} is required")]
    Missing {
        /// The field's wire name.
        field: &'static str,
    },
    /// One of several fields is required.
    #[error("one of {} is required", .fields.join(" or "))]
    MissingOneOf {
        /// The alternatives' wire names.
        fields: &'static [&'static str],
    },
    /// A field is longer than the table allows.
    #[error("{field} is {actual} characters long; at most {max} are allowed")]
    TooLong {
        /// The field's wire name.
        field: &'static str,
        /// The maximum.
        max: usize,
        /// The actual length.
        actual: usize,
    },
    /// A field has a value outside its format or range.
    #[error("{field} is invalid: {reason}")]
    Invalid {
        /// The field's wire name.
        field: &'static str,
        /// What is wrong, for a human.
        reason: String,
    },
    /// A field has a value outside its format or range, and the method documents the sub-code Alipay answers
    /// for it (`ACQ.TOTAL_FEE_EXCEED` for a trade amount out of range, ...): see [`ValidationError::documented`].
    #[error("{field} is invalid: {reason} ({})", .code.code)]
    Documented {
        /// The field's wire name.
        field: &'static str,
        /// What is wrong, for a human.
        reason: String,
        /// The documented answer.
        code: SubCode,
    },
}

impl ValidationError {
    /// The wire name of the first field concerned.
    pub fn field(&self) -> &'static str {
        match self {
            ValidationError::Missing { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::Invalid { field, .. }
            | ValidationError::Documented { field, .. } => field,
            ValidationError::MissingOneOf { fields } => fields.first().copied().unwrap_or(""),
        }
    }

    /// This error as the method documents it: a value outside the field's format or range ([`Invalid`]) becomes
    /// [`Documented`] with `code`, the sub-code Alipay answers for it; any other error is kept. The SDK and the
    /// gateway read the code from the error, never from the field's name.
    ///
    /// ```
    /// use alipay_api::{trade::{errors, TradePrecreate}, AlipayRequest, Money, ValidationError};
    /// let order = TradePrecreate { out_trade_no: "T1".into(), subject: "x".into(), total_amount: Money::ZERO, ..Default::default() };
    /// let e = order.validate().unwrap_err();
    /// assert_eq!(e.sub_code(), Some(errors::TOTAL_FEE_EXCEED));
    /// assert!(matches!(e, ValidationError::Documented { field: "total_amount", .. }));
    /// ```
    ///
    /// [`Invalid`]: ValidationError::Invalid
    /// [`Documented`]: ValidationError::Documented
    pub fn documented(self, code: SubCode) -> ValidationError {
        match self {
            ValidationError::Invalid { field, reason } => ValidationError::Documented { field, reason, code },
            other => other,
        }
    }

    /// A missing field ([`Missing`]) as the method documents it: [`Documented`] with `code` (seed 002's
    /// `AGREEMENT_ID_IS_NULL` for a `pdeduct.pay` without `agreement_id`, ...); any other error is kept.
    ///
    /// ```
    /// use alipay_api::{deduct::{pay_errors, PdeductPay}, AlipayRequest};
    /// let e = PdeductPay::default().validate().unwrap_err();
    /// assert_eq!(e.sub_code(), Some(pay_errors::AGREEMENT_ID_IS_NULL));
    /// ```
    ///
    /// [`Missing`]: ValidationError::Missing
    /// [`Documented`]: ValidationError::Documented
    pub fn documented_if_missing(self, code: SubCode) -> ValidationError {
        match self {
            ValidationError::Missing { field } => {
                ValidationError::Documented { field, reason: "missing".to_owned(), code }
            }
            other => other,
        }
    }

    /// Any broken rule of one field (missing, too long, invalid) as the method documents it: [`Documented`]
    /// with `code` (`isv.code-invalid` for any broken `code` of `alipay.system.oauth.token`).
    ///
    /// [`Documented`]: ValidationError::Documented
    pub fn documented_any(self, code: SubCode) -> ValidationError {
        match self {
            ValidationError::Missing { field } => {
                ValidationError::Documented { field, reason: "missing".to_owned(), code }
            }
            ValidationError::TooLong { field, max, actual } => {
                ValidationError::Documented { field, reason: format!("has {actual} characters, at most {max}"), code }
            }
            other => other.documented(code),
        }
    }

    /// The documented sub-code of this error, if the method documents one ([`ValidationError::documented`]).
    pub fn sub_code(&self) -> Option<SubCode> {
        match self {
            ValidationError::Documented { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// A required string field: present, not blank, at most `max` characters.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if alipay_core::content::is_blank(value) {
        return Err(ValidationError::Missing { field });
    }
    max_len(field, value, max)
}

/// A required string field with no documented maximum length: present and not blank.
pub fn present(field: &'static str, value: &str) -> Result<(), ValidationError> {
    required(field, value, usize::MAX)
}

/// An optional string field: if present, at most `max` characters.
pub fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<(), ValidationError> {
    match value {
        Some(v) => max_len(field, v, max),
        None => Ok(()),
    }
}

/// At most `max` characters.
pub fn max_len(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    let actual = value.chars().count();
    if actual > max {
        Err(ValidationError::TooLong { field, max, actual })
    } else {
        Ok(())
    }
}

/// An amount within `min ..= max`.
pub fn amount(field: &'static str, value: Money, min: Money, max: Money) -> Result<(), ValidationError> {
    value.check_range(min, max).map(|_| ()).map_err(|e| ValidationError::Invalid { field, reason: e.to_string() })
}

/// At least one of the alternatives is present and not blank.
pub fn one_of(fields: &'static [&'static str], values: &[Option<&str>]) -> Result<(), ValidationError> {
    if values.iter().flatten().any(|v| !alipay_core::content::is_blank(v)) {
        Ok(())
    } else {
        Err(ValidationError::MissingOneOf { fields })
    }
}

/// A merchant's number (`out_trade_no` …), non-empty: ASCII letters, digits, `_` (trade.md), and `-`, which
/// Alipay accepts: its own production tests pay with `UUID.randomUUID()` numbers (`alipay/alipay-easysdk`,
/// `java/src/test/java/com/alipay/easysdk/payment/common/ClientTest.java`, `testCreate`: code `10000`). The seeds
/// themselves set no character rule (seed 001: "商户订单号,需要保证不重复").
///
/// ```
/// use alipay_api::validate::merchant_no;
/// assert!(merchant_no("out_trade_no", "6f1c2a9e-3b7d-4e0a-9c51-8d2f4b6a7e10", 64).is_ok());
/// assert!(merchant_no("out_trade_no", "T 1", 64).is_err());
/// ```
pub fn merchant_no(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    required(field, value, max)?;
    if value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        Ok(())
    } else {
        Err(ValidationError::Invalid { field, reason: "only letters, digits, _ and - are allowed".into() })
    }
}

/// An optional amount: if present, within `min ..= max`.
pub fn amount_opt(field: &'static str, value: Option<Money>, min: Money, max: Money) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| amount(field, v, min, max))
}

/// A string that must parse as a JSON object (`extend_field`: "转为json为格式 {"key1":"value1",...}, 后端会直接转换为
/// MAP对象, 转换异常会报参数格式错误").
pub fn json_object(field: &'static str, value: &str) -> Result<(), ValidationError> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => {
            Err(ValidationError::Invalid { field, reason: "must be a JSON object such as {\"key\":\"value\"}".into() })
        }
        Err(e) => Err(ValidationError::Invalid { field, reason: format!("not JSON: {e}") }),
    }
}

/// A relative timeout such as `90m`, `2h` or `15d` (see [`crate::TimeoutExpress`]), between one minute and
/// `max_minutes`. With `close_today`, `1c` (close at midnight today) is accepted too.
pub fn timeout(field: &'static str, value: &str, max_minutes: u64, close_today: bool) -> Result<(), ValidationError> {
    crate::TimeoutExpress::parse(field, value, max_minutes, close_today).map(|_| ())
}

/// Only ASCII digits, exactly as many as the field's format (`yyyyMM`, ...) needs.
pub(crate) fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// A calendar date's parts: `month` in 1..=12 and, if given, `day` within that month.
pub(crate) fn is_calendar_date(year: u32, month: u32, day: Option<u32>) -> bool {
    i32::try_from(year).is_ok_and(|y| chrono::NaiveDate::from_ymd_opt(y, month, day.unwrap_or(1)).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters() {
        assert!(max_len("subject", "当面付当面付", 6).is_ok());
        assert_eq!(
            max_len("subject", "当面付当面付x", 6),
            Err(ValidationError::TooLong { field: "subject", max: 6, actual: 7 })
        );
    }

    #[test]
    fn blank_is_missing() {
        assert_eq!(required("a", " \t", 10), Err(ValidationError::Missing { field: "a" }));
        assert!(one_of(&["a", "b"], &[None, Some(" ")]).is_err());
        assert!(one_of(&["a", "b"], &[None, Some("x")]).is_ok());
        assert!(merchant_no("out_trade_no", "a b", 64).is_err());
        assert!(merchant_no("out_trade_no", "a-b_C9", 64).is_ok());
    }

    #[test]
    fn timeouts() {
        const DAYS_15: u64 = 15 * 24 * 60;
        for ok in ["1m", "90m", "2h", "15d", "360h", "1c"] {
            assert_eq!(timeout("timeout_express", ok, DAYS_15, true), Ok(()), "{ok}");
        }
        for bad in ["0m", "16d", "1.5h", "m", "2", "3w", "-1m", "１m", "99999999999999999999999d", ""] {
            assert!(
                matches!(timeout("timeout_express", bad, DAYS_15, true), Err(ValidationError::Invalid { .. })),
                "{bad}"
            );
        }
        assert!(timeout("pay_timeout", "1c", 7 * 24 * 60, false).is_err());
        assert!(timeout("pay_timeout", "8d", 7 * 24 * 60, false).is_err());
    }

    #[test]
    fn json_objects() {
        assert!(json_object("extend_field", r#"{"key1":"value1"}"#).is_ok());
        for bad in ["", "[1]", "\"x\"", "{key1:1}"] {
            assert!(matches!(
                json_object("extend_field", bad),
                Err(ValidationError::Invalid { field: "extend_field", .. })
            ));
        }
    }

    #[test]
    fn calendar_dates() {
        assert!(is_calendar_date(2024, 2, Some(29)));
        assert!(!is_calendar_date(2023, 2, Some(29)));
        assert!(!is_calendar_date(2000, 13, None));
        assert!(!is_calendar_date(2000, 4, Some(31)));
    }
}
