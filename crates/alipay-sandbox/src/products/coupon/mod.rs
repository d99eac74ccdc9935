//! Cash red packets (收发现金红包, seed 003): engine, gateway methods and simulation controls.
//!
//! A red packet is a fund-authorisation order (`auth_no`): money is paid into it once (agreement pay, page pay
//! or app pay), then goes out to payees (disburse) or back to the payer (refund, or the timeout refund). The
//! sandbox holds what remains; `disbursed + refunded` never exceeds what was paid. Each money movement is an
//! operation (`operation_id`) that `alipay.fund.coupon.operation.query` finds by `auth_no` + `operation_id` or by
//! `out_order_no` + `out_request_no`. Everything is scoped by the calling app and its merchant: one app never
//! sees another's red packets.
//!
//! # Gateway methods
//!
//! | method | what happens |
//! |---|---|
//! | `alipay.fund.coupon.order.agreement.pay` | the payer pays at once: `SUCCESS`, `gmt_trans` |
//! | `alipay.fund.coupon.order.page.pay` | (GET or POST, as `page_pay_url` / `page_pay_form` build it) an `INIT` red packet waiting for the buyer; answered with the signed JSON envelope (`status` `INIT`), or with the HTML cashier when the request `Accept`s `text/html` (`crate::cashier`) |
//! | `alipay.fund.coupon.order.app.pay` | normally never sent to the gateway (the wallet takes the order string: see `POST /admin/coupon/app-pay`); if it is, treated like page pay |
//! | `alipay.fund.coupon.order.disburse` | part of the rest goes to a buyer (`payee_user_id`, or `payee_logon_id`); `deduct_auth_no` wins over `deduct_out_order_no` |
//! | `alipay.fund.coupon.order.refund` | part of the rest goes back to the payer |
//! | `alipay.fund.coupon.operation.query` | one operation: `operation_type` `PAY` (funding, disbursement) or `REFUND` (refund, timeout refund); masked logon ids |
//!
//! # Decisions
//!
//! - **Payer of agreement pay**: the calling app's merchant (its balance, e.g. filled by trades it received).
//!   `payer_user_id` may name another account known to the sandbox (a merchant PID or a buyer's user id: the
//!   sandbox assumes the agreement exists); an unknown id answers `PAYER_NOT_EXIST`, a short balance
//!   `PAYER_BALANCE_NOT_ENOUGH`, and nothing moves.
//! - **Payees** are buyers of the sandbox; an unknown one answers `PAYEE_NOT_EXIST`.
//! - **Disbursement `out_order_no`** (seed 003: 需要保证不重复) is unique among the app's and merchant's
//!   disbursements (the scope of every red-packet key): the same request again is a replay (same
//!   `out_request_no` and content); any other disbursement reusing it answers `UNIQUE_VIOLATION` with the sub_msg
//!   商户的授权资金订单号与之前有重复, and nothing moves. (It is a namespace of its own: a disbursement may
//!   reuse a red packet's `out_order_no`.)
//! - **Idempotency** on `out_request_no` (per app and merchant, across all red-packet methods): the same
//!   request again (same method and same fields, whatever the JSON key order) answers the earlier result and
//!   moves no money; a changed one answers `UNIQUE_VIOLATION` (商户本次资金操作的请求流水号与之前有重复). A new
//!   funding request reusing an existing red packet's `out_order_no` answers `UNIQUE_VIOLATION` too (with
//!   the sub_msg 商户的授权资金订单号与之前有重复). A refused request stores nothing, so it can be retried.
//! - **More than remains**: disburse and refund answer `MONEY_NOT_ENOUGH` (本次操作退款的金额超过剩余可退款金额).
//! - Other failures (sandbox sub-codes, [`alipay_api::sub_code::SubCode`] constants in [`engine`]): `INVALID_PARAMETER` (unreadable `biz_content` or a field rule of the
//!   `alipay-api` model), `AUTH_ORDER_NOT_EXIST`, `AUTH_OPERATION_NOT_EXIST`, `ORDER_STATUS_INVALID` (the red
//!   packet is `INIT` or `CLOSED`).
//! - **Pay timeout**: an `INIT` red packet not paid within `pay_timeout` (default 1 h) becomes `CLOSED`.
//! - **Timeout refund**: the rest of a red packet paid at least the refund window ago (default 48 h of
//!   sandbox clock, seed 003; stored in `meta` under `coupon.refund_window_secs`, changed with
//!   `POST /admin/coupon/settings`) goes back to its payer as a `REFUND` operation without `out_request_no`.
//!   The shared clock control (`POST /admin/clock/advance`) and the shared 1-second sweeper only know trades
//!   and must not be edited here, so the red-packet sweep runs inside every red-packet gateway call (same
//!   transaction, before the method), in every `/admin/coupon/...` control, and on `POST /admin/coupon/sweep`.
//!   After advancing the clock, call any of these to see the refund.
//! - **Notifications** ([`alipay_api::notify::FundNotification`], built by [`engine::fund_notification`]):
//!   through the shared outbox (same retries, V1 signature with the sandbox key, form POST in the calling
//!   request's charset), queued in the operation's transaction (a replay stores nothing and notifies nothing):
//!   a refund notifies the refund call's `notify_url` (`notify_type=fund_stdtrustee_refund`,
//!   `msg_method=alipay.fund.coupon.order.refund.success`, `refund_reason=MERCHANT`: the spec's
//!   `fund_stdtrustee_refund.success`, written as the timeout refund writes it); the timeout refund the funding
//!   call's (same, `refund_reason=TIMEOUT`, no `out_request_no`); a disbursement its own call's
//!   (`notify_type=fund_stdtrustee_disburse`, `msg_method=alipay.fund.coupon.order.disburse.success`: no
//!   published name, chosen here). Fields: `notify_id`, `notify_time`, `app_id`, `auth_app_id` (not for the
//!   timeout refund), `charset`, `version`, `sign_type`, then the fields of `operation.query` (`auth_no`,
//!   `out_order_no`, `operation_id`, `out_request_no`, `operation_type`, `amount`, `status`, `gmt_create`,
//!   `gmt_trans`, `payee_user_id`, `order_title`, `remark`) and `total_amount` (paid in), `rest_amount` (what
//!   remains after it), `payer_user_id` (the red packet's payer), `refund_reason`. Listed by
//!   `GET /admin/notifications?out_trade_no=<the operation's out_order_no>`. Funding sends none.
//! - **Faults**: the gateway applies `/admin/faults` by method before this module runs, so
//!   `unknown_error` / `in_process` (20000 / 10003) work here as for trades; with `execute: true` the work
//!   commits and the retry of the same request is a replay.
//! - **App-pay order strings** are checked like the gateway checks a request (method, registered app, sign
//!   type, signature with the app's key, `app_auth_token`), but not the `timestamp`: a wallet may submit
//!   an order string later.
//!
//! # Simulation controls
//!
//! Errors answer 4xx with `{"error": "..."}`; amounts are yuan strings. A **red-packet locator** names a red
//! packet in the controls: `auth_no`, or `out_order_no` (+ optional `out_request_no` of its funding, checked)
//! with optional `app_id` (default: the default app) and `seller_id` (default: that app's merchant).
//!
//! The routes, their bodies and answers (one table for the sandbox, its clients and the README):
//! [`alipay_sandbox_admin::coupon`].

pub(crate) mod admin;
pub(crate) mod engine;
pub(crate) mod store;

use std::future::Future;

use alipay_api::coupon::{
    CouponOperationQuery, CouponOrderAgreementPay, CouponOrderAppPay, CouponOrderDisburse, CouponOrderPagePay,
    CouponOrderRefund,
};
use alipay_api::AlipayRequest;
use serde::Serialize;

use crate::products::{write, Access, Call, Family, Handler, Refusal};
use crate::reply::Reply;
use crate::store::{Repo, StoreError};
use crate::SandboxState;

use engine::{CouponError, FundRequest};

/// The fingerprint of a request (method + canonical fields), compared on replays of its `out_request_no`.
pub(crate) fn fingerprint<R: AlipayRequest + Serialize>(request: &R) -> String {
    let canonical = serde_json::to_string(request).unwrap_or_default();
    format!("{}\n{canonical}", R::METHOD)
}

/// Decodes and validates a request model outside the gateway (an app-pay order string the wallet submits),
/// with its fingerprint.
pub(crate) fn read<R: AlipayRequest + Serialize>(params: &[(String, String)]) -> Result<(R, String), CouponError> {
    let request: R = crate::products::read(params).map_err(|e| CouponError::InvalidParameter(e.to_string()))?;
    let fp = fingerprint(&request);
    Ok((request, fp))
}

/// Runs a red-packet method as one write transaction: the red-packet sweep first (so the answer sees the
/// timeouts due at the call's time), then `f` with the request's fingerprint.
async fn swept_write<R, F>(state: &SandboxState, call: Call<R>, f: F) -> Result<Reply, StoreError>
where
    R: AlipayRequest + Serialize + Clone + Send + 'static,
    F: Fn(&dyn Repo, Call<R>, String) -> Result<Reply, StoreError> + Send + 'static,
{
    write(state, call, move |repo, c| {
        engine::sweep(repo, c.now)?;
        let fp = fingerprint(&c.request);
        f(repo, c, fp)
    })
    .await
}

/// Cash red packets (`alipay.fund.coupon.*`): a refused request is `INVALID_PARAMETER`.
pub(crate) struct Coupon;

impl Family for Coupon {
    fn refuse(refusal: Refusal) -> Reply {
        refuse(refusal)
    }
}

fn refuse(refusal: Refusal) -> Reply {
    CouponError::InvalidParameter(refusal.to_string()).reply()
}

impl Handler for CouponOrderAgreementPay {
    type Family = Coupon;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        swept_write(state, call, |repo, c, fp| {
            engine::agreement_pay(repo, &c.caller, c.now, FundRequest::agreement(c.request, fp))
        })
    }
}

impl Handler for CouponOrderPagePay {
    type Family = Coupon;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        swept_write(state, call, |repo, c, fp| {
            engine::page_pay(repo, &c.caller, c.now, FundRequest::page(c.request, fp))
        })
    }
}

impl Handler for CouponOrderAppPay {
    type Family = Coupon;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        swept_write(state, call, |repo, c, fp| {
            engine::page_pay(repo, &c.caller, c.now, FundRequest::app(c.request, fp))
        })
    }
}

impl Handler for CouponOrderDisburse {
    type Family = Coupon;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        swept_write(state, call, |repo, c, fp| engine::disburse(repo, &c.caller, c.now, c.request, &fp))
    }
}

impl Handler for CouponOrderRefund {
    type Family = Coupon;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        swept_write(state, call, |repo, c, fp| engine::refund(repo, &c.caller, c.now, c.request, &fp))
    }
}

impl Handler for CouponOperationQuery {
    type Family = Coupon;
    // Writes: the red-packet sweep runs first, in the same transaction.
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| {
            engine::sweep(repo, c.now)?;
            engine::query(repo, &c.caller, &c.request)
        })
    }
}
