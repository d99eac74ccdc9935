//! The flows Alipay's documents prescribe, each a single call.
//!
//! - [`crate::AlipayClient::pay_barcode`]: `trade.pay`; on 10003 poll `trade.query` until a final state or the end
//!   of the window, then `trade.cancel` (retried while `retry_flag=Y`); on 20000 or a transport failure after
//!   sending, query first to learn the outcome (seed 001).
//! - [`crate::AlipayClient::wait_for_qr_payment`]: after `trade.precreate`, poll until paid or closed, treating
//!   `ACQ.TRADE_NOT_EXIST` as "not scanned yet"; cancel at the deadline.
//! - [`crate::AlipayClient::refund`]: `trade.refund` with a generated or given `out_request_no`, retried with the
//!   same number (the call is idempotent on it) when the outcome is unknown.
//!
//! - [`crate::AlipayClient::download_bill`]: the bill URL query, the download within the URL's 30 s, and a streamed
//!   reader of the detail rows (GBK CSV inside a zip) as typed records; for `bill_type=signcustomer`, the ledger
//!   rows ([`DownloadedBill::ledger`]).
//!
//! - [`crate::AlipayClient::red_packet_agreement_pay`], [`crate::AlipayClient::red_packet_disburse`],
//!   [`crate::AlipayClient::red_packet_refund`]: seed 003's handling of 10003/20000 (re-send the same request, then
//!   `alipay.fund.coupon.operation.query`).
//!
//! - [`crate::AlipayClient::deduct`]: `pdeduct.pay` seen through: `bill.pay.status` on 20000, no answer or
//!   `result_status` 0; the same `out_order_no` again where the seeds say to retry; `sign.query` on
//!   `DEDUCT_SIGN_INFO_NOT_EXIST` (seeds 000, 002).
//!
//! Retries happen only where the seeds say a call is idempotent: queries, cancel, and refund with the same
//! `out_request_no`. `trade.pay` itself is never re-sent.

mod bill;
mod coupon;
mod deduct;
mod poll;
mod refund;

pub use bill::DownloadedBill;
pub use coupon::CouponOutcome;
pub use deduct::DeductOutcome;
pub use poll::{PaidTrade, PayOutcome, PollPolicy};
pub use refund::RetryPolicy;
