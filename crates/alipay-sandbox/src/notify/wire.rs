//! A notification on the wire: its signed form body ([`signed_body`]) and what acknowledges it
//! ([`is_acknowledgement`]). Shared by the outbox worker and the acceptance probes, which send notifications
//! outside the outbox.

use alipay_core::{form, sign_content, Charset, PrivateKey, SignScope};

use crate::store::OutboxRecord;

/// A notification could not be prepared for sending.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The charset is unknown or a value cannot be encoded in it.
    #[error("cannot encode the notification: {0}")]
    Charset(#[from] alipay_core::CharsetError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] alipay_core::SignError),
}

/// Whether a notify page's answer acknowledges the notification: a `2xx` status (a redirect is not followed and
/// never acknowledges: Alipay's rule is that the page must not redirect) and the body `success`, with any ASCII
/// whitespace around it. Alipay's own Java page-pay demo answers `out.println("success")` (`success\n`) and every
/// PHP page that loads the PHP SDK answers `\nsuccess` (its `AlipayConfig.php` starts with a blank line), both
/// working in production; `SUCCESS`, `ok`, JSON or HTML do not acknowledge.
pub fn is_acknowledgement(status: u16, body: &[u8]) -> bool {
    (200..300).contains(&status) && body.trim_ascii() == b"success"
}

/// The signed form body of a notification.
pub fn signed_body(item: &OutboxRecord, key: &PrivateKey) -> Result<Vec<u8>, NotifyError> {
    let charset: Charset = item.charset.parse()?;
    let content = sign_content(SignScope::NotifyV1, item.params.iter().map(|(k, v)| (k, v)));
    let sign = key.sign(item.sign_type, &charset.encode(&content)?)?;
    let mut pairs: Vec<(&str, &str)> = item.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.push(("sign", sign.as_str()));
    Ok(form::encode(pairs, charset)?.into_bytes())
}

/// POSTs a notification's form `body` to the merchant's `url` as Alipay does: a form in the notification's
/// charset (the outbox worker and the acceptance probes alike).
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    charset: &str,
    body: Vec<u8>,
) -> Result<reqwest::Response, reqwest::Error> {
    http.post(url)
        .header(reqwest::header::CONTENT_TYPE, format!("application/x-www-form-urlencoded;charset={charset}"))
        .body(body)
        .send()
        .await
}
