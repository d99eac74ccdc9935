//! EBPP bills (账单缴费, seed 000) — and the answers both `alipay.ebpp.*` families share with direct deduct
//! ([`crate::products::deduct`], seeds 000, 002, 004): engine, gateway methods and simulation controls.
//!
//! # Gateway methods
//!
//! | method | transport | engine |
//! |---|---|---|
//! | `alipay.ebpp.bill.add`, `alipay.ebpp.bill.get` | top-level form fields | [`engine`] |
//! | `alipay.ebpp.pdeduct.sign.add`, `.sign.cancel`, `.pay`, `.bill.pay.status` | top-level form fields | [`crate::products::deduct::engine`] |
//! | `alipay.ebpp.pdeduct.sign.query` | `biz_content` | [`crate::products::deduct::engine`] |
//!
//! Every call is one store transaction; its answer is sent only after the commit. Bills, agreements and
//! deductions belong to the caller's merchant (the app's own, or the one its `app_auth_token` names): another
//! merchant's app cannot see or touch them. Amounts are [`alipay_core::Money`] with checked arithmetic; a
//! balance never goes negative.
//!
//! # Answers (`40004` sub_codes)
//!
//! The seeds' codes (000, 002, 004) are used as documented, with their `sub_msg`s
//! ([`alipay_api::deduct::pay_errors`], [`alipay_api::deduct::sign_query_errors`]). Where the seeds are silent
//! the sandbox chose:
//!
//! | sub_code | sub_msg | when |
//! |---|---|---|
//! | `PARAMETER_ILLEGAL` (seed 004) | `传入的参数非法: ...` | any field rule broken (length, format, amount, JSON `extend_field`) that has no `*_IS_NULL` code, on every method of the family; sign.query without `agreement_id` and without the full `biz_type`/`sub_biz_type`/`charge_inst`/`bill_key`; sign.add whose `pid` is not the caller's merchant; pay whose `pid` or `bill_key` differ from the agreement's |
//! | `AGREEMENT_ID_IS_NULL`, `AGENT_CHANNEL_IS_NULL`, `BILL_KEY_IS_NULL`, `INST_ORDER_NO_IS_NULL` (seed 002) | seed | the field is missing or blank, on every deduct method that has it (`INST_ORDER_NO_IS_NULL` is `out_order_no`) |
//! | `MERCHANT_ORDER_NO_REPEAT` | `商户订单号重复,且与原账单内容不一致` | bill.add with a known `merchant_order_no` but different content (same content answers the existing bill) |
//! | `BILL_NOT_EXIST` | `账单不存在` | bill.get of an unknown bill (or another merchant's, or another `order_type`) |
//! | `PAY_PASSWORD_TOKEN_INVALID` | `支付授权令牌无效` | sign.add / sign.cancel with an unknown, used, or another user's token |
//! | `PAY_PASSWORD_TOKEN_EXPIRED` | `支付授权令牌已过期` | the token's lifetime (sandbox clock) is over |
//! | `INST_ORDER_NO_REPEAT` | `机构订单流水号重复,且与原扣款内容不一致` | pay with a known `out_order_no` but different content (same content answers the existing deduction's current state, charged once) |
//! | `DEDUCT_ORDER_NOT_EXIST` | `代扣订单不存在` | bill.pay.status of an unknown `out_order_no`, or whose `agreement_id` is neither the deduction's user id nor its agreement id |
//!
//! The sandbox's own codes are [`alipay_api::sub_code::SubCode`] constants beside their engine
//! ([`engine::MERCHANT_ORDER_NO_REPEAT`], [`crate::products::deduct::engine::PAY_PASSWORD_TOKEN_INVALID`], ...).
//!
//! `DEDUCT_SIGN_INFO_NOT_EXIST`: unknown, cancelled, another merchant's or another user's agreement (pay,
//! sign.query, sign.cancel), and pay on an agreement whose `sign_expire_date` has passed (the seeds have no
//! expiry code; this is seed 002's code for an agreement that cannot be charged). `sign_expire_date` is
//! `yyyy-MM-dd`, `yyyyMMdd` or `yyyy-MM-dd HH:mm:ss` (anything else: `PARAMETER_ILLEGAL`); the day itself
//! counts, compared with the Beijing date of the sandbox clock; an expired deduction attempt records nothing. `INVOKE_PAYACCEPTANCE_EXCEPTION`: pay with a short balance; the deduction is
//! recorded as failed (`status` 2 in bill.pay.status, and a replay answers `result_status` "2").
//! `QUERY_DEDUCT_SIGN_INFO_ERROR` and `SYSTEM_ERROR` are only produced when injected with
//! `POST /admin/deduct/faults` (nothing changes, the call may be retried).
//!
//! Agreement status has one vocabulary ([`crate::products::deduct::store::AgreementStatus`]): `NORMAL` (store,
//! controls' `status`) is what the gateway answers as `agreement_status` `success`; `CANCEL` is `cancel`.
//!
//! A pending deduction (`result_status` 0) **reserves** its amount: the user's balance as every family reads it
//! ([`crate::store::BuyerRecord::balance`]) is the available balance, what the user owns (`buyers.balance`)
//! minus the sum of `reserved` over its pending deductions (a computed sum, column of migration 1 of the
//! `deduct` component), so no payment, deduction or red packet can spend it. Resolving it as failed releases
//! it; as success moves it to the merchant once. A deduction the available balance could not cover when it
//! went pending reserves nothing (resolving it as success then needs the balance). `GET /admin/buyers/{id}`
//! shows `balance` (owned), `available_balance` and `reserved`. sign.add for a user and
//! bill identity (`biz_type`, `sub_biz_type`, `charge_inst`, `bill_key`) that already has an agreement with
//! the merchant answers that agreement (and uses the token). A bill paid by the control moves
//! `pay_amount + service_amount` from the buyer to the bill's merchant.
//!
//! # Simulation controls
//!
//! JSON like [`crate::admin`] (errors: 4xx/5xx with `{"error": "..."}`, amounts as yuan strings). `app_id`
//! defaults to the default app; it names the merchant whose bill or deduction is meant.
//!
//! The routes, their bodies and answers (one table for the sandbox, its clients and the README):
//! [`alipay_sandbox_admin::ebpp`].

pub(crate) mod admin;
pub(crate) mod engine;
pub(crate) mod errors;
pub(crate) mod store;

use std::future::Future;

use alipay_api::ebpp::{EbppBillAdd, EbppBillGet};

use errors::illegal;

use crate::products::{lookup, write, Access, Call, Family, Handler, Refusal};
use crate::reply::Reply;
use crate::store::StoreError;
use crate::SandboxState;

/// EBPP bills (`alipay.ebpp.bill.*`): a refused request is `PARAMETER_ILLEGAL` or the field's documented code.
pub(crate) struct Ebpp;

impl Family for Ebpp {
    fn refuse(refusal: Refusal) -> Reply {
        refuse(refusal)
    }
}

fn refuse(refusal: Refusal) -> Reply {
    match refusal {
        Refusal::Decode(e) => illegal(&e.to_string()),
        Refusal::Invalid(e) => engine::invalid(&e),
    }
}

impl Handler for EbppBillAdd {
    type Family = Ebpp;
    const ACCESS: Access = Access::Write;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        write(state, call, |repo, c| engine::add(repo, &c.caller, c.now, c.request))
    }
}

impl Handler for EbppBillGet {
    type Family = Ebpp;
    const ACCESS: Access = Access::Read;
    fn run(state: &SandboxState, call: Call<Self>) -> impl Future<Output = Result<Reply, StoreError>> + Send {
        lookup(state, call, |repo, c| engine::get(repo, &c.caller, c.now, c.request))
    }
}
