//! Where a request to a face comes from, and comparing the secrets that authorise it: one same-origin rule
//! ([`same_origin`]) for the controls, the console and the cashier, and one constant-time comparison
//! ([`secret_eq`]) for the admin token and the cashier's tickets.

use axum::http::HeaderMap;

/// `false` when a browser says the request comes from another site: `Sec-Fetch-Site` other than
/// `same-origin`/`none`, or else an `Origin` whose host differs from `Host`. Requests without either header
/// (not sent by a browser on another site's behalf) pass.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    !host.is_empty() && origin_host == host
}

/// Whether `url` is an absolute http(s) URL with a host: what a browser can be redirected to (the consent
/// pages' `redirect_uri`, an app's authorization callback address). `javascript:…` or `http:///x` is not.
pub(crate) fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("http://").or_else(|| lower.strip_prefix("https://"));
    matches!(rest, Some(host) if !host.is_empty() && !host.starts_with('/'))
}

/// `a == b` in time that does not depend on where they differ (aws-lc's comparison; lengths are not secret).
pub(crate) fn secret_eq(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    /// A header map of `pairs` (also the cashier's tests').
    pub(crate) fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_posts_are_refused() {
        assert!(same_origin(&headers(&[])), "non-browser clients send neither header");
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("origin", "http://evil.test"), ("host", "127.0.0.1:8080")])));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(secret_eq("abc", "abc"));
        assert!(!secret_eq("abc", "abd"));
        assert!(!secret_eq("abc", "ab"));
        assert!(!secret_eq("", "a"));
    }
}
