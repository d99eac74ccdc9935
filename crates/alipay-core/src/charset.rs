//! The two charsets the gateway speaks: UTF-8 and GBK (GB2312 requests are handled as GBK, its superset).
//!
//! Sign content is encoded in the request's charset *before* hashing, and a response is signed over its bytes in
//! that charset, so both directions go through [`Charset::encode`] and [`Charset::decode`]. Both are strict: a
//! character GBK cannot represent, or bytes that are not valid in the charset, are an error rather than a silent
//! `?` or U+FFFD that would make a signature fail far away from the cause.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use encoding_rs::GBK;

/// A charset accepted by the gateway in the `charset` common parameter.
///
/// ```
/// use alipay_core::Charset;
/// let cs: Charset = "gb2312".parse().unwrap();
/// assert_eq!(cs, Charset::Gbk);
/// assert_eq!(cs.encode("中文").unwrap().as_ref(), &[0xD6, 0xD0, 0xCE, 0xC4]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Charset {
    /// UTF-8, the default of every modern SDK.
    #[default]
    Utf8,
    /// GBK (and GB2312, which it contains), still common in older Chinese merchant systems.
    Gbk,
}

/// A string could not be represented in, or decoded from, a charset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CharsetError {
    /// The `charset` value is not one the gateway accepts.
    #[error("unsupported charset {0:?}: use \"utf-8\" or \"GBK\" (\"gb2312\" is accepted as GBK)")]
    Unsupported(String),
    /// A character has no GBK encoding (for example an emoji).
    #[error("character {ch:?} at byte {offset} cannot be encoded in GBK; send the request in UTF-8 instead")]
    Unmappable {
        /// The character that has no encoding.
        ch: char,
        /// Its byte offset in the UTF-8 input.
        offset: usize,
    },
    /// The bytes are not valid in the charset.
    #[error("bytes are not valid {charset}: check that the charset parameter matches the body's real encoding")]
    Malformed {
        /// The charset the bytes were decoded as.
        charset: Charset,
    },
}

impl Charset {
    /// The name sent in the `charset` parameter and the `Content-Type` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::Gbk => "GBK",
        }
    }

    /// Encodes `s` in this charset.
    pub fn encode(self, s: &str) -> Result<Cow<'_, [u8]>, CharsetError> {
        match self {
            Charset::Utf8 => Ok(Cow::Borrowed(s.as_bytes())),
            Charset::Gbk => {
                if s.is_ascii() {
                    return Ok(Cow::Borrowed(s.as_bytes()));
                }
                let (bytes, _, unmappable) = GBK.encode(s);
                if unmappable {
                    return Err(first_unmappable(s));
                }
                Ok(bytes)
            }
        }
    }

    /// Decodes `bytes` from this charset, failing on any malformed sequence.
    pub fn decode(self, bytes: &[u8]) -> Result<Cow<'_, str>, CharsetError> {
        match self {
            Charset::Utf8 => {
                std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|_| CharsetError::Malformed { charset: self })
            }
            Charset::Gbk => GBK
                .decode_without_bom_handling_and_without_replacement(bytes)
                .ok_or(CharsetError::Malformed { charset: self }),
        }
    }

    /// Length in bytes of the character starting with `lead`, for scanning raw bytes without decoding.
    ///
    /// In GBK a byte of 0x81..=0xFE starts a two-byte character whose second byte may be an ASCII
    /// punctuation byte (`\`, `{`, `}`), so scanners must step over it. UTF-8 continuation bytes are
    /// never ASCII, so one byte at a time is safe there.
    pub(crate) fn char_width(self, lead: u8) -> usize {
        match self {
            Charset::Gbk if (0x81..=0xFE).contains(&lead) => 2,
            _ => 1,
        }
    }
}

fn first_unmappable(s: &str) -> CharsetError {
    let mut buf = [0u8; 4];
    for (offset, ch) in s.char_indices() {
        let (_, _, bad) = GBK.encode(ch.encode_utf8(&mut buf));
        if bad {
            return CharsetError::Unmappable { ch, offset };
        }
    }
    // encode() only calls this after encoding_rs reported a failure, which a per-char pass always reproduces.
    CharsetError::Malformed { charset: Charset::Gbk }
}

impl FromStr for Charset {
    type Err = CharsetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Charset::Utf8),
            "gbk" | "gb2312" => Ok(Charset::Gbk),
            _ => Err(CharsetError::Unsupported(s.to_owned())),
        }
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_case_insensitively() {
        assert_eq!("UTF-8".parse::<Charset>().unwrap(), Charset::Utf8);
        assert_eq!("utf8".parse::<Charset>().unwrap(), Charset::Utf8);
        assert_eq!("GBK".parse::<Charset>().unwrap(), Charset::Gbk);
        assert_eq!("GB2312".parse::<Charset>().unwrap(), Charset::Gbk);
        assert!(matches!("latin1".parse::<Charset>(), Err(CharsetError::Unsupported(_))));
    }

    #[test]
    fn gbk_round_trips_chinese_and_rejects_emoji() {
        let bytes = Charset::Gbk.encode("当面付 abc").unwrap();
        assert_eq!(Charset::Gbk.decode(&bytes).unwrap(), "当面付 abc");
        let err = Charset::Gbk.encode("ok😀").unwrap_err();
        assert_eq!(err, CharsetError::Unmappable { ch: '😀', offset: 2 });
    }

    #[test]
    fn malformed_bytes_are_errors() {
        assert!(Charset::Utf8.decode(&[0xff, 0xfe]).is_err());
        assert!(Charset::Gbk.decode(&[0x81]).is_err());
    }
}
