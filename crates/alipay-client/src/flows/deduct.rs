//! A direct deduction seen through to a known outcome (seeds 000 and 002): `alipay.ebpp.pdeduct.pay`, and
//!
//! - on `20000` or no answer: `alipay.ebpp.pdeduct.bill.pay.status` before anything else ("请一定要在确定本次调用结果后,
//!   再发起重试 … 可调用查询接口发起查询确定结果", 000:76); a deduction Alipay does not have
//!   (`DEDUCT_ORDER_NOT_EXIST`) is sent again under the **same** `out_order_no`, the idempotency key ("用于控制幂等",
//!   002:93);
//! - on `result_status` `0` (未知, 002:46): the status polled every interval until `1` or `2`;
//! - on `QUERY_DEDUCT_SIGN_INFO_ERROR` ("建议再次重试", 002:95): the same request again after an interval;
//! - on `DEDUCT_SIGN_INFO_NOT_EXIST` ("机构需要检查自身协议是否和支付宝的协议存在单边账的问题", 002:94): the
//!   agreement looked up with `alipay.ebpp.pdeduct.sign.query`, and the flow stops: charge it no more.
//!
//! A new `out_order_no` is never made: when the window ends with the outcome still unknown the flow answers
//! [`DeductOutcome::Pending`], and the caller polls (or calls the flow again) with the same request later.

use std::time::Duration;

use alipay_api::deduct::{
    pay_errors, status_errors, DeductResult, PdeductBillPayStatus, PdeductPay, PdeductSignQuery,
    PdeductSignQueryResponse,
};
use alipay_api::ApiResponse;
use alipay_core::{ApiStatus, ResultCode};
use tokio::time::Instant;

use crate::client::AlipayClient;
use crate::error::Error;
use crate::flows::PollPolicy;

/// How a deduction ended.
#[derive(Debug, Clone, PartialEq)]
pub enum DeductOutcome {
    /// Paid (`result_status` or `status` `1`).
    Paid {
        /// The deduction's `out_order_no`.
        out_order_no: String,
        /// Alipay's bill number, when an answer gave it.
        bill_no: Option<String>,
    },
    /// Not paid: `result_status` / `status` `2`, or a documented business failure (the status says which).
    Failed {
        /// The deduction's `out_order_no`.
        out_order_no: String,
        /// The failing answer's status (`10000` with `result_status` `2` for a declined payment).
        status: ApiStatus,
    },
    /// Alipay has no such agreement (`DEDUCT_SIGN_INFO_NOT_EXIST`): reconcile your agreement with the
    /// `sign.query` answer and charge it no more.
    AgreementGone {
        /// What `alipay.ebpp.pdeduct.sign.query` answered for the agreement.
        sign_query: Box<ApiResponse<PdeductSignQueryResponse>>,
    },
    /// Still unknown when the window ended: poll `bill.pay.status` later with the same `out_order_no`, never
    /// charge under a new one.
    Pending {
        /// The deduction's `out_order_no`.
        out_order_no: String,
    },
}

/// What one answer of `pdeduct.pay` means for the flow.
enum Step {
    Done(DeductOutcome),
    Unknown,
    RetrySame,
    AgreementGone,
}

fn is_sub(status: &ApiStatus, sub: &alipay_api::sub_code::SubCode) -> bool {
    status.sub_code.as_deref() == Some(sub.code)
}

impl AlipayClient {
    /// Charges `pay` on its agreement and sees it through (see the module's rules): answers once the outcome is
    /// known, or [`DeductOutcome::Pending`] when `policy.window` ends first.
    ///
    /// ```no_run
    /// # async fn run(client: alipay_client::AlipayClient) -> Result<(), alipay_client::Error> {
    /// use alipay_api::deduct::PdeductPay;
    /// use alipay_client::flows::{DeductOutcome, PollPolicy};
    /// let pay = PdeductPay { agreement_id: "20170322450983769228".into(), user_id: "2088101118392209".into(),
    ///     bill_key: "201703220001".into(), pid: "2088101118392209".into(), out_order_no: "GD-1-0001".into(),
    ///     pay_amount: "12.50".parse().unwrap(), agent_channel: "PUBLICPLATFORM".into(),
    ///     agent_code: "PUBLICFORM".into(), ..Default::default() };
    /// match client.deduct(&pay, &PollPolicy::default()).await? {
    ///     DeductOutcome::Paid { bill_no, .. } => println!("paid: {bill_no:?}"),
    ///     DeductOutcome::Pending { out_order_no } => println!("ask again later about {out_order_no}"),
    ///     other => println!("not paid: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn deduct(&self, pay: &PdeductPay, policy: &PollPolicy) -> Result<DeductOutcome, Error> {
        let deadline = Instant::now() + policy.window;
        let mut step = self.deduct_once(pay).await?;
        loop {
            match step {
                Step::Done(outcome) => return Ok(outcome),
                Step::AgreementGone => return self.agreement_gone(pay).await,
                Step::RetrySame => {
                    if !wait(policy.interval, deadline).await {
                        return Ok(pending(pay));
                    }
                    step = self.deduct_once(pay).await?;
                }
                Step::Unknown => {
                    if !wait(policy.interval, deadline).await {
                        return Ok(pending(pay));
                    }
                    step = self.deduct_status(pay).await?;
                }
            }
        }
    }

    async fn deduct_once(&self, pay: &PdeductPay) -> Result<Step, Error> {
        let answer = match self.execute(pay).await {
            Ok(a) => a,
            Err(e) if e.outcome_unknown() => {
                tracing::info!(error = %e, out_order_no = %pay.out_order_no, "deduction outcome unknown");
                return Ok(Step::Unknown);
            }
            Err(e) => return Err(e),
        };
        let ApiResponse { status, body } = answer;
        Ok(match status.code {
            ResultCode::Success => match body.result_status {
                Some(DeductResult::Success) => {
                    Step::Done(DeductOutcome::Paid { out_order_no: pay.out_order_no.clone(), bill_no: body.bill_no })
                }
                Some(DeductResult::Failed) => {
                    Step::Done(DeductOutcome::Failed { out_order_no: pay.out_order_no.clone(), status })
                }
                _ => Step::Unknown,
            },
            code if code.outcome_pending() => Step::Unknown,
            _ if is_sub(&status, &pay_errors::QUERY_DEDUCT_SIGN_INFO_ERROR) => Step::RetrySame,
            _ if is_sub(&status, &pay_errors::DEDUCT_SIGN_INFO_NOT_EXIST) => Step::AgreementGone,
            _ => Step::Done(DeductOutcome::Failed { out_order_no: pay.out_order_no.clone(), status }),
        })
    }

    async fn deduct_status(&self, pay: &PdeductPay) -> Result<Step, Error> {
        let query =
            PdeductBillPayStatus { agreement_id: pay.agreement_id.clone(), out_order_no: pay.out_order_no.clone() };
        let answer = match self.execute(&query).await {
            Ok(a) => a,
            // A lost query is harmless: the next one will tell.
            Err(e) if e.outcome_unknown() || matches!(e, Error::Connect(_)) => return Ok(Step::Unknown),
            Err(e) => return Err(e),
        };
        if is_sub(&answer.status, &status_errors::DEDUCT_ORDER_NOT_EXIST) {
            // Never made: the same request again (same out_order_no).
            return self.deduct_once(pay).await;
        }
        let ApiResponse { status, body } = answer;
        Ok(match (status.code.clone(), body.status) {
            (ResultCode::Success, Some(DeductResult::Success)) => {
                Step::Done(DeductOutcome::Paid { out_order_no: pay.out_order_no.clone(), bill_no: body.order_no })
            }
            (ResultCode::Success, Some(DeductResult::Failed)) => {
                Step::Done(DeductOutcome::Failed { out_order_no: pay.out_order_no.clone(), status })
            }
            _ => Step::Unknown,
        })
    }

    async fn agreement_gone(&self, pay: &PdeductPay) -> Result<DeductOutcome, Error> {
        let query = PdeductSignQuery {
            user_id: pay.user_id.clone(),
            open_id: pay.open_id.clone(),
            agreement_id: Some(pay.agreement_id.clone()),
            ..PdeductSignQuery::default()
        };
        let answer = self.execute(&query).await?;
        tracing::warn!(agreement_id = %pay.agreement_id, sign_query = %answer.status, "the agreement is gone");
        Ok(DeductOutcome::AgreementGone { sign_query: Box::new(answer) })
    }
}

fn pending(pay: &PdeductPay) -> DeductOutcome {
    DeductOutcome::Pending { out_order_no: pay.out_order_no.clone() }
}

/// Sleeps `interval` unless that passes `deadline`: `false` when the window is over.
async fn wait(interval: Duration, deadline: Instant) -> bool {
    if Instant::now() + interval > deadline {
        return false;
    }
    tokio::time::sleep(interval).await;
    true
}
