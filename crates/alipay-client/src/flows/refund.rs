//! Refund with an idempotency key and safe retries.

use std::time::Duration;

use alipay_api::trade::{TradeRefund, TradeRefundResponse};
use alipay_api::ApiResponse;
use rand::Rng as _;

use crate::client::AlipayClient;
use crate::error::Error;

/// How often to re-send an idempotent request whose outcome is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (default 3).
    pub attempts: u32,
    /// Wait before the first retry; doubled each time (default 1 s).
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 3, backoff: Duration::from_secs(1) }
    }
}

impl AlipayClient {
    /// Refunds, generating `out_request_no` when the request has none, and re-sending the *same* request
    /// (same `out_request_no`, so money moves at most once) while the outcome is unknown: transport failure
    /// after sending, 20000, or `ACQ.SYSTEM_ERROR`.
    ///
    /// Returns the last answer: check `status` (a 40004 such as `ACQ.REFUND_AMT_NOT_EQUAL_TOTAL` is final).
    /// Keep the `out_request_no` it used (in the returned request) to query the refund later.
    pub async fn refund(
        &self,
        request: &TradeRefund,
        retry: &RetryPolicy,
    ) -> Result<(TradeRefund, ApiResponse<TradeRefundResponse>), Error> {
        let mut request = request.clone();
        if request.out_request_no.is_none() {
            request.out_request_no = Some(new_request_no("RF"));
        }
        let mut wait = retry.backoff;
        let mut attempt = 1;
        loop {
            let result = self.execute(&request).await;
            let unknown = match &result {
                Ok(a) => a.status.code.outcome_pending() || a.status.sub_code.as_deref() == Some("ACQ.SYSTEM_ERROR"),
                Err(e) => e.outcome_unknown() || matches!(e, Error::Connect(_)),
            };
            if !unknown || attempt >= retry.attempts.max(1) {
                return result.map(|a| (request, a));
            }
            tracing::info!(attempt, out_request_no = ?request.out_request_no, "refund outcome unknown, retrying");
            tokio::time::sleep(wait).await;
            wait = wait.saturating_mul(2);
            attempt += 1;
        }
    }
}

/// A fresh request number: prefix, Beijing date-time, 8 random digits (≤ 32 characters, letters and digits).
pub(crate) fn new_request_no(prefix: &str) -> String {
    let now = alipay_core::Timestamp::now().beijing().format("%Y%m%d%H%M%S");
    let n: u32 = rand::rng().random_range(0..100_000_000);
    format!("{prefix}{now}{n:08}")
}
