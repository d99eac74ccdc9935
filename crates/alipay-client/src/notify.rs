//! Asynchronous notifications: verify the raw form body, then read it: [`VerifiedNotification::trade`] for
//! trade notifications, [`VerifiedNotification::fund`] for red-packet ones (both V1-signed).
//!
//! Hand the verifier the body bytes exactly as received (and the `Content-Type` header). It decodes the form
//! exactly once, in the charset the notification declares, never trims a value, checks the signature over the
//! V1 (payment notifications) or V2 sign content, and checks the notification is for this client's app.

use alipay_api::notify::{FundNotification, NotificationError, PageReturn, TradeNotification};
use alipay_core::{form, sign_content, Charset, SignScope, SignType, VerifyError};

use crate::client::AlipayClient;

/// A notification could not be accepted. Answer anything but `success` so that Alipay retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// The body is not a form in the declared charset.
    #[error("the notification body cannot be decoded: {0}")]
    Decode(String),
    /// The notification has no `sign`.
    #[error("the notification is not signed")]
    Unsigned,
    /// It declares a sign type other than the client's.
    #[error("the notification declares sign_type {got:?} but this client verifies {expected}")]
    SignType {
        /// The client's sign type.
        expected: SignType,
        /// What the notification declared.
        got: String,
    },
    /// The signature does not verify.
    #[error("the notification signature does not verify: {0}")]
    Verify(#[from] VerifyError),
    /// A valid notification for another app (a replay from elsewhere).
    #[error("the notification is for app {got:?}, not this client's app {expected:?}")]
    WrongApp {
        /// This client's app id.
        expected: String,
        /// The notification's app id.
        got: String,
    },
}

/// A notification whose signature has been checked. Only obtainable from the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNotification {
    params: Vec<(String, String)>,
}

impl VerifiedNotification {
    /// A parameter's value, exactly as sent (decoded once, untrimmed).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// All parameters in the order received.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// `notify_type`, e.g. `trade_status_sync`.
    pub fn notify_type(&self) -> Option<&str> {
        self.get("notify_type")
    }

    /// `notify_id`: the same across retries, so use it to process each notification once.
    pub fn notify_id(&self) -> Option<&str> {
        self.get("notify_id")
    }

    /// The typed trade notification (`notify_type=trade_status_sync`): amounts as `Money`, times as
    /// `Timestamp`, `fund_bill_list` parsed. Unknown parameters are kept in its `extra`.
    pub fn trade(&self) -> Result<TradeNotification, NotificationError> {
        TradeNotification::from_params(&self.params)
    }

    /// The typed red-packet notification (`notify_type` `fund_stdtrustee_refund` for refunds and timeout
    /// refunds, `fund_stdtrustee_disburse` for disbursements): verify it with [`AlipayClient::verify_notification`]
    /// (V1 rule, like trade notifications), then read it here. Unknown parameters are kept in its `extra`.
    ///
    /// ```no_run
    /// # fn run(client: alipay_client::AlipayClient, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    /// let n = client.verify_notification(body, None)?.fund()?;
    /// println!("{} {} moved {:?} ({:?})", n.auth_no, n.operation_id, n.amount, n.msg_method);
    /// # Ok(()) }
    /// ```
    pub fn fund(&self) -> Result<FundNotification, NotificationError> {
        FundNotification::from_params(&self.params)
    }
}

impl AlipayClient {
    /// Verifies a payment notification (V1 rule: `sign` and `sign_type` excluded), from its raw body.
    ///
    /// `content_type` is the request's `Content-Type` header, whose `charset` wins; otherwise the form's own
    /// `charset` field; otherwise the client's charset.
    ///
    /// ```no_run
    /// # fn run(client: alipay_client::AlipayClient, body: &[u8]) {
    /// match client.verify_notification(body, Some("application/x-www-form-urlencoded;charset=utf-8")) {
    ///     Ok(n) => { /* check out_trade_no and total_amount against your order, then answer "success" */ }
    ///     Err(e) => { /* answer "failure": Alipay will retry */ }
    /// }
    /// # }
    /// ```
    pub fn verify_notification(
        &self,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<VerifiedNotification, NotifyError> {
        self.verify_notification_scoped(SignScope::NotifyV1, body, content_type)
    }

    /// Verifies a V2 gateway message (only `sign` excluded from the sign content).
    pub fn verify_notification_v2(
        &self,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<VerifiedNotification, NotifyError> {
        self.verify_notification_scoped(SignScope::NotifyV2, body, content_type)
    }

    fn verify_notification_scoped(
        &self,
        scope: SignScope,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<VerifiedNotification, NotifyError> {
        let charset = charset_of(body, content_type).unwrap_or(self.charset());
        let params = form::decode(body, charset).map_err(|e| NotifyError::Decode(e.to_string()))?;
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let sign = get("sign").ok_or(NotifyError::Unsigned)?;
        if let Some(declared) = get("sign_type") {
            if declared != self.sign_type().as_str() {
                return Err(NotifyError::SignType { expected: self.sign_type(), got: declared.to_owned() });
            }
        }
        let content = sign_content(scope, params.iter().map(|(k, v)| (k, v)));
        let bytes = charset.encode(&content).map_err(|e| NotifyError::Decode(e.to_string()))?;
        self.alipay_key().verify(self.sign_type(), &bytes, sign)?;
        if let Some(app_id) = get("app_id") {
            if app_id != self.app_id() {
                return Err(NotifyError::WrongApp { expected: self.app_id().to_owned(), got: app_id.to_owned() });
            }
        }
        Ok(VerifiedNotification { params })
    }
}

/// The synchronous return of a page or wap payment (the query of the request Alipay's cashier sends the buyer's
/// browser to at `return_url`), its signature checked. Only obtainable from [`AlipayClient::verify_return`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReturn {
    params: Vec<(String, String)>,
}

impl VerifiedReturn {
    /// A parameter's value, exactly as sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// All parameters in the order received.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The typed return of a trade page or wap pay (`method=alipay.trade.page.pay.return` or
    /// `alipay.trade.wap.pay.return`): `trade_no`, `out_trade_no`, `total_amount`, `seller_id`, ...
    pub fn trade(&self) -> Result<PageReturn, NotificationError> {
        PageReturn::from_params(&self.params)
    }
}

/// Where [`AlipayClient::verify_return`] reads the return parameters from.
#[derive(Debug, Clone, Copy)]
pub enum ReturnParams<'a> {
    /// The raw query string (after `?`, without it), percent-encoded as received.
    Query(&'a str),
    /// Pairs already decoded once (e.g. by a web framework's query extractor).
    Pairs(&'a [(String, String)]),
}

impl<'a> From<&'a str> for ReturnParams<'a> {
    fn from(q: &'a str) -> Self {
        ReturnParams::Query(q)
    }
}

impl<'a> From<&'a [(String, String)]> for ReturnParams<'a> {
    fn from(p: &'a [(String, String)]) -> Self {
        ReturnParams::Pairs(p)
    }
}

impl<'a> From<&'a Vec<(String, String)>> for ReturnParams<'a> {
    fn from(p: &'a Vec<(String, String)>) -> Self {
        ReturnParams::Pairs(p.as_slice())
    }
}

impl AlipayClient {
    /// Verifies the synchronous return of a page or wap payment: the parameters appended to `return_url` when
    /// the cashier sends the buyer back. Signed like a notification (V1 rule: every parameter but `sign` and
    /// `sign_type`, sorted), with Alipay's key; the return must be for this client's app. A verified return says
    /// the buyer paid; the notification or `alipay.trade.query` stays the authority (the buyer may never come
    /// back).
    ///
    /// ```no_run
    /// # fn run(client: alipay_client::AlipayClient, query: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// let back = client.verify_return(query)?.trade()?;
    /// println!("paid {} for {}", back.total_amount, back.out_trade_no);
    /// # Ok(()) }
    /// ```
    pub fn verify_return<'a>(&self, params: impl Into<ReturnParams<'a>>) -> Result<VerifiedReturn, NotifyError> {
        let params = match params.into() {
            ReturnParams::Query(q) => {
                let q = q.strip_prefix('?').unwrap_or(q);
                let charset = charset_of(q.as_bytes(), None).unwrap_or(self.charset());
                form::decode(q.as_bytes(), charset).map_err(|e| NotifyError::Decode(e.to_string()))?
            }
            ReturnParams::Pairs(p) => p.to_vec(),
        };
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let charset = get("charset").and_then(|c| c.parse().ok()).unwrap_or(self.charset());
        let sign = get("sign").ok_or(NotifyError::Unsigned)?;
        if let Some(declared) = get("sign_type") {
            if declared != self.sign_type().as_str() {
                return Err(NotifyError::SignType { expected: self.sign_type(), got: declared.to_owned() });
            }
        }
        let content = sign_content(SignScope::NotifyV1, params.iter().map(|(k, v)| (k, v)));
        let bytes =
            charset.encode(&content).map_err(|e: alipay_core::CharsetError| NotifyError::Decode(e.to_string()))?;
        self.alipay_key().verify(self.sign_type(), &bytes, sign)?;
        if let Some(app_id) = get("app_id") {
            if app_id != self.app_id() {
                return Err(NotifyError::WrongApp { expected: self.app_id().to_owned(), got: app_id.to_owned() });
            }
        }
        Ok(VerifiedReturn { params })
    }
}

fn charset_of(body: &[u8], content_type: Option<&str>) -> Option<Charset> {
    let from_header = content_type.and_then(|ct| {
        ct.split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
            .and_then(|(_, v)| v.trim().trim_matches('"').parse().ok())
    });
    from_header.or_else(|| form::raw_value(body, "charset").and_then(|v| std::str::from_utf8(v).ok()?.parse().ok()))
}
