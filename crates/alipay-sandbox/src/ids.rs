//! Identifiers in the shapes Alipay uses, and masking of logon ids.

use rand::Rng;

use crate::store::{Repo, StoreError};

/// `n` random decimal digits.
pub fn digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// `n` random lowercase letters and digits.
pub fn alnum(n: usize) -> String {
    const SET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n).map(|_| char::from(SET.get(rng.random_range(0..SET.len())).copied().unwrap_or(b'0'))).collect()
}

/// A user or merchant id: `2088` + 12 digits.
pub fn user_id() -> String {
    format!("2088{}", digits(12))
}

/// An app id: `2021` + 12 digits.
pub fn app_id() -> String {
    format!("2021{}", digits(12))
}

/// A payment code: 18 digits starting with 28 (trade.md: 16–24 digits starting 25..30).
pub fn auth_code() -> String {
    format!("28{}", digits(16))
}

/// A QR code URL: `https://qr.alipay.com/bax0` + 20 characters: the creation time in milliseconds in base 36
/// (8 characters, so codes sort by creation and each new one lands at the end of the store's QR index instead of
/// on a random page of it), then 12 random ones (36^12 ≈ 4.7 × 10^18: not guessable).
pub fn qr_code() -> String {
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    format!("https://qr.alipay.com/bax0{}{}", base36(millis, 8), alnum(12))
}

/// The last `width` base-36 digits of `n` (lowercase, zero-padded).
fn base36(mut n: u128, width: usize) -> String {
    const SET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = SET.get((n % 36) as usize).copied().unwrap_or(b'0');
        n /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A notification id.
pub fn notify_id() -> String {
    format!("{}{}", alnum(24), digits(8))
}

/// A third-party `app_auth_token` (≤ 40 characters).
pub fn app_auth_token() -> String {
    format!("202{}B{}", digits(5), alnum(30))
}

/// A 28-digit trade number: Beijing date of `now` (8), `22001` (5), a persisted sequence (15).
pub fn trade_no(repo: &dyn Repo, now: i64) -> Result<String, StoreError> {
    let seq = repo.next_seq("trade_no")?;
    let date = alipay_core::Timestamp::from_unix(now)
        .map(|t| t.beijing().format("%Y%m%d").to_string())
        .unwrap_or_else(|| "20000101".to_owned());
    Ok(format!("{date}22001{:015}", seq.rem_euclid(1_000_000_000_000_000)))
}

/// Masks a logon id the way responses show it: `13912345601` → `139******01`, `abcdef@x.com` →
/// `abc***@x.com`.
pub fn mask_logon_id(logon: &str) -> String {
    if let Some((local, domain)) = logon.split_once('@') {
        let head: String = local.chars().take(3).collect();
        return format!("{head}***@{domain}");
    }
    let chars: Vec<char> = logon.chars().collect();
    if chars.len() >= 11 {
        let head: String = chars.iter().take(3).collect();
        let tail: String = chars.iter().skip(chars.len() - 2).collect();
        return format!("{head}******{tail}");
    }
    let head: String = chars.iter().take(3).collect();
    format!("{head}***")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn qr_codes_have_alipays_shape_and_sort_by_creation() {
        let a = qr_code();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = qr_code();
        for q in [&a, &b] {
            let code = q.strip_prefix("https://qr.alipay.com/bax0").unwrap();
            assert_eq!(code.len(), 20);
            assert!(code.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        }
        assert!(a < b);
        assert_ne!(a[..a.len() - 12], b[..b.len() - 12]);
        assert_eq!(base36(35, 3), "00z");
        assert_eq!(base36(36 * 36 * 36 + 1, 3), "001");
    }

    #[test]
    fn masks_phone_and_email() {
        assert_eq!(mask_logon_id("13912345601"), "139******01");
        assert_eq!(mask_logon_id("abcdef@x.com"), "abc***@x.com");
    }

    #[test]
    fn shapes() {
        assert_eq!(user_id().len(), 16);
        let code = auth_code();
        assert!(code.len() >= 16 && code.len() <= 24 && code.starts_with("28"));
        assert!(qr_code().starts_with("https://qr.alipay.com/"));
        assert!(app_auth_token().len() <= 40);
    }
}
