//! Sign content: the canonical string that is signed and verified.
//!
//! One rule with three scopes (protocol.md): take every parameter except the excluded ones, skip pairs whose
//! key or value is empty or all whitespace (Java's `StringUtils.isEmpty` definition of whitespace), sort by key
//! in byte order, join as `k=v` with `&`. Values are used exactly as given: already decoded, never re-encoded,
//! never trimmed, never re-serialised (`biz_content` is signed as sent).

/// Which parameters a sign content leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignScope {
    /// A gateway request: everything but `sign` (`sign_type` is included).
    Request,
    /// Payment notifications and `return_url` parameters (V1): everything but `sign` and `sign_type`.
    NotifyV1,
    /// Other gateway messages (V2): everything but `sign`.
    NotifyV2,
}

impl SignScope {
    /// The keys this scope leaves out of the sign content.
    pub fn excluded(self) -> &'static [&'static str] {
        match self {
            SignScope::Request | SignScope::NotifyV2 => &["sign"],
            SignScope::NotifyV1 => &["sign", "sign_type"],
        }
    }
}

/// Builds the sign content of `params` under `scope`.
///
/// Pairs with equal keys (a malformed form) all take part, in their given order; the gateway rejects such
/// requests before it gets here.
///
/// ```
/// use alipay_core::{sign_content, SignScope};
/// let params = [("sign_type", "RSA2"), ("app_id", "2021"), ("notify_url", " "), ("sign", "xyz"),
///               ("biz_content", r#"{"b":1,"a":"x&y=z"}"#)];
/// assert_eq!(sign_content(SignScope::Request, params),
///            r#"app_id=2021&biz_content={"b":1,"a":"x&y=z"}&sign_type=RSA2"#);
/// assert_eq!(sign_content(SignScope::NotifyV1, params), r#"app_id=2021&biz_content={"b":1,"a":"x&y=z"}"#);
/// ```
pub fn sign_content<'a, I, K, V>(scope: SignScope, params: I) -> String
where
    I: IntoIterator<Item = (&'a K, &'a V)>,
    K: AsRef<str> + ?Sized + 'a,
    V: AsRef<str> + ?Sized + 'a,
{
    let excluded = scope.excluded();
    let mut kept: Vec<(&str, &str)> = params
        .into_iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .filter(|(k, v)| !excluded.contains(k) && !is_blank(k) && !is_blank(v))
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let len = kept.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut out = String::with_capacity(len);
    for (i, (k, v)) in kept.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Java's `StringUtils.isEmpty` in the Alipay SDK: empty, or only characters `Character.isWhitespace` accepts.
///
/// That is not Rust's `char::is_whitespace`: Java excludes the no-break spaces (U+00A0, U+2007, U+202F) and
/// U+0085, and includes the ASCII separators U+001C..=U+001F.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(java_is_whitespace)
}

fn java_is_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{1C}'..='\u{1F}' | ' ' | '\u{1680}'
            | '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{205F}' | '\u{3000}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_bytes_not_locale() {
        let p = [("b", "1"), ("B", "2"), ("a_b", "3"), ("aB", "4"), ("中", "5")];
        assert_eq!(sign_content(SignScope::Request, p), "B=2&aB=4&a_b=3&b=1&中=5");
    }

    #[test]
    fn skips_blank_values_with_java_whitespace_rules() {
        let p = [("a", "\t\r\n"), ("b", "\u{3000}"), ("c", "\u{00A0}"), ("d", "\u{1F}"), ("e", "")];
        // U+00A0 is not whitespace to Java, so `c` stays.
        assert_eq!(sign_content(SignScope::Request, p), "c=\u{00A0}");
    }

    #[test]
    fn values_are_never_trimmed_or_reencoded() {
        let p = [("v", " x%2B+ "), ("w", "a=b&c")];
        assert_eq!(sign_content(SignScope::NotifyV2, p), "v= x%2B+ &w=a=b&c");
    }

    #[test]
    fn accepts_owned_pairs() {
        let owned = [("k".to_string(), "v".to_string())];
        assert_eq!(sign_content(SignScope::Request, owned.iter().map(|(k, v)| (k, v))), "k=v");
    }
}
