//! `application/x-www-form-urlencoded` in a given charset, with Java `URLEncoder` semantics.
//!
//! Requests, page-pay URLs, app-pay order strings and notifications all travel as forms whose percent-escapes
//! are bytes of the request charset (UTF-8 or GBK), not always UTF-8. Decoding happens exactly once: values
//! are never trimmed and never decoded a second time, which is the classic cause of notification signatures
//! failing on values containing `%` or `+`.

use percent_encoding::{percent_decode, AsciiSet, NON_ALPHANUMERIC};

use crate::charset::{Charset, CharsetError};

/// Bytes Java's `URLEncoder` leaves alone besides letters and digits: `.`, `-`, `*`, `_`. Space becomes `+`.
const JAVA_URL_SAFE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'*').remove(b'_');

/// A form body or query string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A decoded value is not valid in the declared charset.
    #[error("form field {field:?} is not valid {charset} after percent-decoding: is the charset parameter right?")]
    Charset {
        /// The field (as far as it could be read).
        field: String,
        /// The charset it was decoded with.
        charset: Charset,
    },
}

/// Percent-encodes `value` in `charset` the way Java's `URLEncoder.encode(value, charset)` does.
///
/// ```
/// use alipay_core::{form, Charset};
/// assert_eq!(form::encode_component("a b&c=d/中", Charset::Utf8).unwrap(), "a+b%26c%3Dd%2F%E4%B8%AD");
/// assert_eq!(form::encode_component("中", Charset::Gbk).unwrap(), "%D6%D0");
/// ```
pub fn encode_component(value: &str, charset: Charset) -> Result<String, CharsetError> {
    let bytes = charset.encode(value)?;
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    for (i, part) in bytes.split(|&b| b == b' ').enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.extend(percent_encoding::percent_encode(part, JAVA_URL_SAFE));
    }
    Ok(out)
}

/// Serialises pairs as `k=v&k=v`, each side encoded with [`encode_component`], in the given order.
pub fn encode<'a, I>(pairs: I, charset: Charset) -> Result<String, CharsetError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode_component(k, charset)?);
        out.push('=');
        out.push_str(&encode_component(v, charset)?);
    }
    Ok(out)
}

/// Decodes a form body or query string: `+` is a space, `%XX` a byte, then the bytes are decoded in `charset`.
///
/// Pairs keep their order and duplicates; a pair without `=` has an empty value; empty segments are skipped.
/// A malformed `%` escape is kept literally (as browsers and most servers do).
///
/// ```
/// use alipay_core::{form, Charset};
/// let pairs = form::decode(b"subject=%D6%D0+1&amount=0.01%2B", Charset::Gbk).unwrap();
/// assert_eq!(pairs, vec![("subject".into(), "中 1".into()), ("amount".into(), "0.01+".into())]);
/// ```
pub fn decode(input: &[u8], charset: Charset) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    for segment in input.split(|&b| b == b'&') {
        if segment.is_empty() {
            continue;
        }
        let (k, v) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => {
                let (k, rest) = segment.split_at(i);
                (k, rest.get(1..).unwrap_or_default())
            }
            None => (segment, &[][..]),
        };
        let key = decode_component(k, charset)
            .map_err(|_| FormError::Charset { field: String::from_utf8_lossy(k).into_owned(), charset })?;
        let value = decode_component(v, charset).map_err(|_| FormError::Charset { field: key.clone(), charset })?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Decodes one component: `+` to space, `%XX` to a byte, then the charset.
pub fn decode_component(raw: &[u8], charset: Charset) -> Result<String, CharsetError> {
    let plus_free: std::borrow::Cow<'_, [u8]> = if raw.contains(&b'+') {
        raw.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect::<Vec<u8>>().into()
    } else {
        raw.into()
    };
    let bytes: std::borrow::Cow<'_, [u8]> = percent_decode(&plus_free).into();
    charset.decode(&bytes).map(|s| s.into_owned())
}

/// Finds the first raw (still encoded) value of `name` in a form or query string, without decoding the rest.
///
/// Used to learn the `charset` before the body can be decoded.
///
/// ```
/// use alipay_core::form;
/// assert_eq!(form::raw_value(b"a=1&charset=GBK&b=2", "charset"), Some(&b"GBK"[..]));
/// ```
pub fn raw_value<'a>(input: &'a [u8], name: &str) -> Option<&'a [u8]> {
    input.split(|&b| b == b'&').find_map(|segment| {
        let i = segment.iter().position(|&b| b == b'=')?;
        (segment.get(..i)? == name.as_bytes()).then(|| segment.get(i + 1..)).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_urlencoder_safe_set() {
        assert_eq!(encode_component(".-*_~!'()", Charset::Utf8).unwrap(), ".-*_%7E%21%27%28%29");
        assert_eq!(encode_component("  ", Charset::Utf8).unwrap(), "++");
        assert_eq!(encode_component("", Charset::Utf8).unwrap(), "");
    }

    #[test]
    fn decode_keeps_percent_plus_and_whitespace_literal_after_one_pass() {
        // "%25" is a literal % after one decode; a second decode would turn "%2B" into "+".
        let pairs = decode(b"v=%252B+&w=%20x%20&flag", Charset::Utf8).unwrap();
        assert_eq!(pairs[0], ("v".into(), "%2B ".into()));
        assert_eq!(pairs[1], ("w".into(), " x ".into()));
        assert_eq!(pairs[2], ("flag".into(), String::new()));
    }

    #[test]
    fn decode_rejects_bytes_invalid_in_charset() {
        assert!(matches!(decode(b"subject=%D6%D0", Charset::Utf8), Err(FormError::Charset { .. })));
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let pairs = [("biz_content", r#"{"a":"x y&z=1%+中"}"#), ("k", "")];
        for cs in [Charset::Utf8, Charset::Gbk] {
            let body = encode(pairs.iter().copied(), cs).unwrap();
            let back = decode(body.as_bytes(), cs).unwrap();
            assert_eq!(back[0].1, pairs[0].1);
            assert_eq!(back[1].1, "");
        }
    }
}
