//! [`Money`]: an exact amount in yuan with two decimal places, stored as an integer number of fen.
//!
//! Alipay sends amounts as JSON strings (`"88.88"`) and, in some places, as numbers (`88.88`). Both parse
//! exactly; a value with more than two decimals is an error, never rounded. There is no `f64` anywhere in
//! the arithmetic.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// An exact amount of CNY: yuan with at most two decimals, held as whole fen (1 yuan = 100 fen).
///
/// ```
/// use alipay_core::Money;
/// let price: Money = "88.88".parse().unwrap();
/// assert_eq!(price.fen(), 8888);
/// assert_eq!(price.to_string(), "88.88");
/// assert_eq!(price.checked_add(Money::from_fen(12)).unwrap().to_string(), "89.00");
/// assert!("0.001".parse::<Money>().is_err()); // never rounded
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl fmt::Debug for Money {
    /// `Money(88.88)`: yuan, as everywhere else, not the internal fen.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

/// A string or number is not a valid amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a decimal number of the form `123` or `123.45`.
    #[error("{0:?} is not an amount: write yuan as digits with at most two decimals, like \"88.88\"")]
    Invalid(String),
    /// More than two decimal places.
    #[error("{0:?} has more than two decimal places: amounts are in yuan, accurate to the fen (0.01)")]
    TooPrecise(String),
    /// Outside the range the field accepts.
    #[error("{value} is outside the allowed range {min} ..= {max}")]
    OutOfRange {
        /// The offending amount.
        value: Money,
        /// Smallest accepted amount.
        min: Money,
        /// Largest accepted amount.
        max: Money,
    },
    /// Too large to represent or the result of arithmetic overflowed.
    #[error("amount overflows the representable range")]
    Overflow,
}

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(0);
    /// The smallest payable amount, 0.01 yuan.
    pub const MIN_PAYABLE: Money = Money(1);
    /// The largest amount of one trade, 100,000,000.00 yuan (trade.md).
    pub const MAX_TRADE: Money = Money(10_000_000_000);

    /// An amount of `fen` (hundredths of a yuan).
    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// The amount in fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// `true` if strictly greater than zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Sum, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Difference, or `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// The amount with its sign flipped (refund rows in bills are negative), or `None` on overflow.
    pub fn checked_neg(self) -> Option<Money> {
        self.0.checked_neg().map(Money)
    }

    /// Sum of all amounts, or `None` on overflow. There is no `+` operator on purpose: money arithmetic
    /// that can overflow must say what happens when it does.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(items: I) -> Option<Money> {
        items.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// Checks `min <= self <= max`.
    ///
    /// ```
    /// use alipay_core::Money;
    /// let m: Money = "0.00".parse().unwrap();
    /// assert!(m.check_range(Money::MIN_PAYABLE, Money::MAX_TRADE).is_err());
    /// ```
    pub fn check_range(self, min: Money, max: Money) -> Result<Money, MoneyError> {
        if self < min || self > max {
            Err(MoneyError::OutOfRange { value: self, min, max })
        } else {
            Ok(self)
        }
    }

    /// Parses a trade amount and checks it lies in `0.01 ..= 100000000.00`.
    pub fn parse_payable(s: &str) -> Result<Money, MoneyError> {
        s.parse::<Money>()?.check_range(Money::MIN_PAYABLE, Money::MAX_TRADE)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Accepts `-?digits(.d{1,2})?`: no exponent, no `+`, no surrounding spaces, no bare `.`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || MoneyError::Invalid(s.to_owned());
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let frac_fen = match frac {
            None => 0,
            Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => return Err(invalid()),
            Some(f) if f.len() > 2 => {
                // "1.500" is still exact; only non-zero digits past the fen are a precision loss.
                if f.bytes().skip(2).any(|b| b != b'0') {
                    return Err(MoneyError::TooPrecise(s.to_owned()));
                }
                parse_frac(&f[..2])
            }
            Some(f) => parse_frac(f),
        };
        let yuan: i64 = int.parse().map_err(|_| MoneyError::Overflow)?;
        let fen = yuan.checked_mul(100).and_then(|v| v.checked_add(frac_fen)).ok_or(MoneyError::Overflow)?;
        Ok(Money(if negative { -fen } else { fen }))
    }
}

fn parse_frac(f: &str) -> i64 {
    f.bytes().chain(std::iter::repeat(b'0')).take(2).fold(0, |acc, b| acc * 10 + i64::from(b - b'0'))
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Decimal {
        Decimal::new(m.0, 2)
    }
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;

    fn try_from(d: Decimal) -> Result<Money, MoneyError> {
        let normalized = d.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise(d.to_string()));
        }
        let fen = (d * Decimal::ONE_HUNDRED).trunc();
        i64::try_from(fen).map(Money).map_err(|_| MoneyError::Overflow)
    }
}

impl Serialize for Money {
    /// Serialised as a string, `"88.88"`, which is how Alipay sends and expects amounts.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Accepts `"88.88"`, `88.88` and `88`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount in yuan such as \"88.88\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
                v.checked_mul(100).map(Money).ok_or_else(|| E::custom(MoneyError::Overflow))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(100))
                    .map(Money)
                    .ok_or_else(|| E::custom(MoneyError::Overflow))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
                // Rust prints the shortest decimal that round-trips, so the f64 nearest 88.88 prints
                // as "88.88" and parses exactly; anything that needs more digits is rejected.
                if !v.is_finite() {
                    return Err(E::custom(MoneyError::Invalid(v.to_string())));
                }
                v.to_string().parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        for (s, fen, shown) in [
            ("88.88", 8888, "88.88"),
            ("0.01", 1, "0.01"),
            ("1", 100, "1.00"),
            ("1.5", 150, "1.50"),
            ("1.500", 150, "1.50"),
            ("-0.01", -1, "-0.01"),
            ("100000000.00", 10_000_000_000, "100000000.00"),
        ] {
            let m: Money = s.parse().unwrap();
            assert_eq!(m.fen(), fen, "{s}");
            assert_eq!(m.to_string(), shown);
        }
    }

    #[test]
    fn rejects_malformed_and_imprecise() {
        for s in ["", "-", ".5", "1.", "1e2", "+1", " 1", "1 ", "1,00", "0x10", "NaN", "1.2.3"] {
            assert!(matches!(s.parse::<Money>(), Err(MoneyError::Invalid(_))), "{s:?}");
        }
        assert!(matches!("0.001".parse::<Money>(), Err(MoneyError::TooPrecise(_))));
        assert!(matches!("99999999999999999999".parse::<Money>(), Err(MoneyError::Overflow)));
    }

    #[test]
    fn payable_range() {
        assert!(Money::parse_payable("0.01").is_ok());
        assert!(Money::parse_payable("100000000.00").is_ok());
        assert!(matches!(Money::parse_payable("0"), Err(MoneyError::OutOfRange { .. })));
        assert!(matches!(Money::parse_payable("100000000.01"), Err(MoneyError::OutOfRange { .. })));
    }

    #[test]
    fn serde_accepts_strings_and_numbers() {
        let v: Vec<Money> = serde_json::from_str(r#"["88.88", 88.88, 88, 0.1, 0.07]"#).unwrap();
        assert_eq!(v.iter().map(|m| m.fen()).collect::<Vec<_>>(), [8888, 8888, 8800, 10, 7]);
        assert_eq!(serde_json::to_string(&v[0]).unwrap(), r#""88.88""#);
        assert!(serde_json::from_str::<Money>("0.123").is_err());
        assert!(serde_json::from_str::<Money>("true").is_err());
    }

    #[test]
    fn decimal_conversions_are_exact() {
        let d: Decimal = Money::from_fen(8888).into();
        assert_eq!(d.to_string(), "88.88");
        assert_eq!(Money::try_from(Decimal::new(12345, 3)), Err(MoneyError::TooPrecise("12.345".into())));
        assert_eq!(Money::try_from(Decimal::new(12340, 3)).unwrap().fen(), 1234);
    }
}
