//! The seed tables' rules: required fields, maximum lengths, formats.
//!
//! Lengths count characters, as the open platform's tables do (a Chinese character counts one).

use alipay_core::Money;

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
}

impl ValidationError {
    /// The wire name of the first field concerned.
    pub fn field(&self) -> &'static str {
        match self {
            ValidationError::Missing { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::Invalid { field, .. } => field,
            ValidationError::MissingOneOf { fields } => fields.first().copied().unwrap_or(""),
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

/// Only ASCII letters, digits and `_` (trade.md: `out_trade_no`), non-empty.
pub fn merchant_no(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    required(field, value, max)?;
    if value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(())
    } else {
        Err(ValidationError::Invalid { field, reason: "only letters, digits and _ are allowed".into() })
    }
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
        assert!(merchant_no("out_trade_no", "a-b", 64).is_err());
    }
}
