//! Red-packet money movements with seed 003's result handling: on 10003 or 20000, re-send the same request
//! (Alipay is idempotent on `out_request_no`), and if the outcome is still unknown, query the operation.

use alipay_api::coupon::{
    CouponOperationQuery, CouponOperationQueryResponse, CouponOrderAgreementPay, CouponOrderDisburse,
    CouponOrderRefund, CouponOrderResult,
};
use alipay_api::AlipayRequest;
use alipay_core::ApiStatus;

use crate::client::AlipayClient;
use crate::error::Error;
use crate::flows::RetryPolicy;

/// The final outcome of a red-packet operation.
#[derive(Debug, Clone, PartialEq)]
pub enum CouponOutcome {
    /// The gateway answered 10000.
    Done(CouponOrderResult),
    /// The gateway answered a business failure (40004, e.g. `UNIQUE_VIOLATION`, `MONEY_NOT_ENOUGH`).
    Failed(ApiStatus),
    /// Every attempt ended unknown; `operation.query` found the operation: check its `status`.
    Queried(CouponOperationQueryResponse),
}

impl AlipayClient {
    /// Funds a red packet from the merchant's account (agreement pay), with seed 003's retries.
    pub async fn red_packet_agreement_pay(
        &self,
        request: &CouponOrderAgreementPay,
        retry: &RetryPolicy,
    ) -> Result<CouponOutcome, Error> {
        let key = by_merchant_key(&request.out_order_no, &request.out_request_no);
        self.coupon_operation(request, &key, retry).await
    }

    /// Disburses (part of) a red packet to a payee, with seed 003's retries.
    pub async fn red_packet_disburse(
        &self,
        request: &CouponOrderDisburse,
        retry: &RetryPolicy,
    ) -> Result<CouponOutcome, Error> {
        let key = by_merchant_key(&request.out_order_no, &request.out_request_no);
        self.coupon_operation(request, &key, retry).await
    }

    /// Returns what is left of a red packet to its payer, with seed 003's retries. `red_packet_out_order_no`
    /// is the red packet's own `out_order_no`, used to query the refund if its outcome stays unknown.
    pub async fn red_packet_refund(
        &self,
        request: &CouponOrderRefund,
        red_packet_out_order_no: &str,
        retry: &RetryPolicy,
    ) -> Result<CouponOutcome, Error> {
        let key = by_merchant_key(red_packet_out_order_no, &request.out_request_no);
        self.coupon_operation(request, &key, retry).await
    }

    /// Any red-packet operation: send; on 10003, 20000 or a transport failure after sending, re-send the same
    /// request up to `retry.attempts` times; if still unknown, query the operation with `query`.
    pub async fn coupon_operation<R>(
        &self,
        request: &R,
        query: &CouponOperationQuery,
        retry: &RetryPolicy,
    ) -> Result<CouponOutcome, Error>
    where
        R: AlipayRequest<Response = CouponOrderResult>,
    {
        let mut wait = retry.backoff;
        let mut last = String::new();
        for attempt in 1..=retry.attempts.max(1) {
            match self.execute(request).await {
                Ok(a) if a.status.is_success() => return Ok(CouponOutcome::Done(a.body)),
                Ok(a) if !a.status.code.outcome_pending() => return Ok(CouponOutcome::Failed(a.status)),
                Ok(a) => last = a.status.to_string(),
                Err(e) if e.outcome_unknown() || matches!(e, Error::Connect(_)) => last = e.to_string(),
                Err(e) => return Err(e),
            }
            tracing::info!(attempt, method = R::METHOD, %last, "red-packet outcome unknown");
            if attempt < retry.attempts {
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
        }
        let answer = self.execute(query).await?;
        if answer.status.is_success() {
            Ok(CouponOutcome::Queried(answer.body))
        } else {
            Err(Error::Flow(format!(
                "{} outcome unknown after {} attempts (last: {last}) and the query answered {}: query again later",
                R::METHOD,
                retry.attempts,
                answer.status
            )))
        }
    }
}

fn by_merchant_key(out_order_no: &str, out_request_no: &str) -> CouponOperationQuery {
    CouponOperationQuery {
        out_order_no: Some(out_order_no.to_owned()),
        out_request_no: Some(out_request_no.to_owned()),
        ..Default::default()
    }
}
