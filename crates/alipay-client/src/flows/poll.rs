//! Barcode pay and QR payment: pay or precreate, poll, cancel.

use std::time::Duration;

use alipay_api::trade::{
    CancelAction, TradeCancel, TradePay, TradePayResponse, TradeQuery, TradeQueryResponse, TradeStatus, YesNo,
};
use alipay_api::ApiResponse;
use alipay_core::{ApiStatus, ResultCode};
use tokio::time::Instant;

use crate::client::AlipayClient;
use crate::error::Error;

/// How long and how often to poll, and how hard to try cancelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollPolicy {
    /// Wait between queries (seed 001: 5 seconds).
    pub interval: Duration,
    /// Give up waiting after this long and cancel (default 30 s, the official demos' 6 × 5 s).
    pub window: Duration,
    /// Cancel attempts while the gateway says `retry_flag=Y` or the outcome is unknown (default 3).
    pub cancel_attempts: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy { interval: Duration::from_secs(5), window: Duration::from_secs(30), cancel_attempts: 3 }
    }
}

/// The final outcome of a payment flow.
#[derive(Debug, Clone, PartialEq)]
pub enum PayOutcome {
    /// Paid (`TRADE_SUCCESS` or `TRADE_FINISHED`). Holds what the gateway said about the trade.
    Paid(Box<PaidTrade>),
    /// `trade.pay` failed for a business reason (40004, e.g. `ACQ.BUYER_BALANCE_NOT_ENOUGH`). Show `sub_msg`;
    /// a new attempt needs a new `out_trade_no`.
    Failed(ApiStatus),
    /// The trade closed while waiting (the buyer gave up, or it timed out).
    Closed,
    /// The window ended and the trade was cancelled: `Close` if it was unpaid, `Refund` if it had just been
    /// paid and was refunded.
    Cancelled(Option<CancelAction>),
}

/// A paid trade, from the pay answer or from the query that confirmed it.
#[derive(Debug, Clone, PartialEq)]
pub enum PaidTrade {
    /// `trade.pay` answered 10000 at once.
    FromPay(TradePayResponse),
    /// A `trade.query` confirmed the payment.
    FromQuery(TradeQueryResponse),
}

impl PaidTrade {
    /// Alipay's trade number.
    pub fn trade_no(&self) -> Option<&str> {
        match self {
            PaidTrade::FromPay(p) => p.trade_no.as_deref(),
            PaidTrade::FromQuery(q) => q.trade_no.as_deref(),
        }
    }
}

enum Poll {
    Final(PayOutcome),
    Pending,
}

impl AlipayClient {
    /// Barcode payment, the whole prescribed flow (seed 001).
    ///
    /// ```no_run
    /// # async fn run(client: alipay_client::AlipayClient) -> Result<(), alipay_client::Error> {
    /// use alipay_api::trade::TradePay;
    /// use alipay_client::flows::{PayOutcome, PollPolicy};
    /// let pay = TradePay { out_trade_no: "20150320010101001".into(), auth_code: "28763443825664394".into(),
    ///     subject: "Iphone6 16G".into(), total_amount: "88.88".parse().unwrap(), ..Default::default() };
    /// match client.pay_barcode(&pay, &PollPolicy::default()).await? {
    ///     PayOutcome::Paid(trade) => println!("paid: {:?}", trade.trade_no()),
    ///     PayOutcome::Failed(status) => println!("failed: {status}"),
    ///     other => println!("not paid: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn pay_barcode(&self, pay: &TradePay, policy: &PollPolicy) -> Result<PayOutcome, Error> {
        let deadline = Instant::now() + policy.window;
        let key = TradeQuery { out_trade_no: Some(pay.out_trade_no.clone()), ..Default::default() };
        // 10003: the buyer is confirming; wait, then query (seed 001:56 "等待5秒后调用交易查询接口").
        let mut waiting_for_buyer = false;
        match self.execute(pay).await {
            Ok(ApiResponse { status, body }) => match status.code {
                ResultCode::Success => return Ok(PayOutcome::Paid(Box::new(PaidTrade::FromPay(body)))),
                ResultCode::InProcess => waiting_for_buyer = true,
                ResultCode::BusinessFailed if status.sub_code.as_deref() != Some("ACQ.SYSTEM_ERROR") => {
                    return Ok(PayOutcome::Failed(status))
                }
                // 20000, ACQ.SYSTEM_ERROR, or anything unexpected: the outcome is unknown; query first.
                _ => tracing::info!(%status, out_trade_no = %pay.out_trade_no, "pay outcome unknown, querying"),
            },
            Err(e) if e.outcome_unknown() => {
                tracing::info!(error = %e, out_trade_no = %pay.out_trade_no, "pay outcome unknown, querying")
            }
            Err(e) => return Err(e),
        }
        // An unknown outcome (20000, no answer) is queried at once (seed 001:57: confirm before deciding); a
        // 10003 first after one interval. Then every interval.
        if !waiting_for_buyer {
            if let Poll::Final(outcome) = self.poll_once(&key).await? {
                return Ok(outcome);
            }
        }
        self.poll_until(&key, deadline, policy).await
    }

    /// After `trade.precreate` (the QR code is shown to the buyer), waits for the payment, then cancels at the
    /// end of the window. `ACQ.TRADE_NOT_EXIST` means "not scanned yet".
    pub async fn wait_for_qr_payment(&self, out_trade_no: &str, policy: &PollPolicy) -> Result<PayOutcome, Error> {
        let deadline = Instant::now() + policy.window;
        let key = TradeQuery { out_trade_no: Some(out_trade_no.to_owned()), ..Default::default() };
        self.poll_until(&key, deadline, policy).await
    }

    async fn poll_until(&self, key: &TradeQuery, deadline: Instant, policy: &PollPolicy) -> Result<PayOutcome, Error> {
        while Instant::now() + policy.interval <= deadline {
            tokio::time::sleep(policy.interval).await;
            if let Poll::Final(outcome) = self.poll_once(key).await? {
                return Ok(outcome);
            }
        }
        self.cancel_with_retries(key, policy).await
    }

    async fn poll_once(&self, key: &TradeQuery) -> Result<Poll, Error> {
        let answer = match self.execute(key).await {
            Ok(a) => a,
            // A lost query is harmless: the next one will tell.
            Err(e) if e.outcome_unknown() || matches!(e, Error::Connect(_)) => return Ok(Poll::Pending),
            Err(e) => return Err(e),
        };
        if !answer.status.is_success() {
            return Ok(Poll::Pending); // ACQ.TRADE_NOT_EXIST (not scanned yet), 20000, ACQ.SYSTEM_ERROR
        }
        Ok(match answer.body.trade_status {
            Some(TradeStatus::TradeSuccess | TradeStatus::TradeFinished) => {
                Poll::Final(PayOutcome::Paid(Box::new(PaidTrade::FromQuery(answer.body))))
            }
            Some(TradeStatus::TradeClosed) => Poll::Final(PayOutcome::Closed),
            _ => Poll::Pending,
        })
    }

    async fn cancel_with_retries(&self, key: &TradeQuery, policy: &PollPolicy) -> Result<PayOutcome, Error> {
        let cancel = TradeCancel { out_trade_no: key.out_trade_no.clone(), trade_no: key.trade_no.clone() };
        let mut last = String::from("no attempt made");
        for attempt in 1..=policy.cancel_attempts.max(1) {
            match self.execute(&cancel).await {
                Ok(a) if a.status.is_success() && a.body.retry_flag != Some(YesNo::Yes) => {
                    return Ok(PayOutcome::Cancelled(a.body.action))
                }
                Ok(a)
                    if a.status.is_success()
                        || a.status.code.outcome_pending()
                        || a.body.retry_flag == Some(YesNo::Yes) =>
                {
                    last = format!("attempt {attempt}: {} (retry_flag={:?})", a.status, a.body.retry_flag);
                }
                Ok(a) => {
                    return Err(Error::Flow(format!(
                        "cancel of {:?} failed: {}; the trade may still be payable, reconcile it",
                        key.out_trade_no, a.status
                    )))
                }
                Err(e) if e.outcome_unknown() || matches!(e, Error::Connect(_)) => {
                    last = format!("attempt {attempt}: {e}");
                }
                Err(e) => return Err(e),
            }
            tokio::time::sleep(policy.interval.min(Duration::from_secs(1))).await;
        }
        Err(Error::Flow(format!(
            "cancel of {:?} did not complete after {} attempts (last: {last}); the trade may still be payable, reconcile it",
            key.out_trade_no, policy.cancel_attempts
        )))
    }
}
