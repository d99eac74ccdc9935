//! Cash red packets (收发现金红包, seed 003): `alipay.fund.coupon.*`, built on fund authorisation.
//!
//! `auth_no` is Alipay's fund-authorisation order (one red packet), `operation_id` one money movement on it.
//!
//! | method | request | response |
//! |---|---|---|
//! | `alipay.fund.coupon.order.app.pay` | [`CouponOrderAppPay`] | [`CouponOrderAppPayResponse`] |
//! | `alipay.fund.coupon.order.page.pay` | [`CouponOrderPagePay`] | [`CouponOrderPagePayResponse`] |
//! | `alipay.fund.coupon.order.agreement.pay` | [`CouponOrderAgreementPay`] | [`CouponOrderAgreementPayResponse`] |
//! | `alipay.fund.coupon.order.disburse` | [`CouponOrderDisburse`] | [`CouponOrderDisburseResponse`] |
//! | `alipay.fund.coupon.order.refund` | [`CouponOrderRefund`] | [`CouponOrderRefundResponse`] |
//! | `alipay.fund.coupon.operation.query` | [`CouponOperationQuery`] | [`CouponOperationQueryResponse`] |
//!
//! App pay and page pay make no HTTP call: the SDK builds an order string or a form from the request, and the
//! wallet or the browser pays it; their response types describe the result the payment produces.
//!
//! Result codes (seed 003): `10000` done, `40004` failed, `10003` in process and `20000` unknown: for the last
//! two, retry the same request (idempotent on `out_request_no`) or query the operation.
//!
//! Lengths: `order_title` ≤ 100 and `pay_timeout` `1m`..=`7d` come from the spec; the order and request numbers'
//! limit (64) and the others are those of the public API reference, since seed 003 has no field table.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Money, TimeoutExpress, Timestamp};

string_enum! {
    /// `status` of a fund operation.
    pub enum CouponStatus {
        /// Created, not done yet (e.g. waiting for the payer).
        Init = "INIT",
        /// Done.
        Success = "SUCCESS",
        /// Closed without moving money (e.g. unpaid at `pay_timeout`).
        Closed = "CLOSED",
    }
}

string_enum! {
    /// `operation_type` of a fund operation.
    pub enum OperationType {
        /// Money paid (into the red packet, or out of it to a payee).
        Pay = "PAY",
        /// Money returned to the payer.
        Refund = "REFUND",
    }
}

/// Longest merchant or Alipay order / request / operation number.
const NO_LEN: usize = 64;
/// Longest Alipay user id.
const USER_ID_LEN: usize = 32;
/// Longest logon id (mobile number or e-mail).
const LOGON_ID_LEN: usize = 100;
/// Longest `order_title` (spec).
const TITLE_LEN: usize = 100;
/// Longest `remark`: "长度不超过100个字母或50个汉字".
const REMARK_LEN: usize = 100;
/// Longest `pay_timeout`: 7 days (spec), in minutes.
pub const PAY_TIMEOUT_MAX_MINUTES: u64 = 7 * 24 * 60;

/// The rules common to the pay and disburse requests.
fn validate_order(
    out_order_no: &str,
    out_request_no: &str,
    order_title: &str,
    amount: Money,
    pay_timeout: Option<TimeoutExpress>,
) -> Result<(), ValidationError> {
    validate::required("out_order_no", out_order_no, NO_LEN)?;
    validate::required("out_request_no", out_request_no, NO_LEN)?;
    validate::required("order_title", order_title, TITLE_LEN)?;
    validate::amount("amount", amount, Money::MIN_PAYABLE, Money::MAX_TRADE)?;
    pay_timeout.map_or(Ok(()), |t| t.check("pay_timeout", PAY_TIMEOUT_MAX_MINUTES, false))
}

/// Declares the app-pay and page-pay requests, which take the same fields.
macro_rules! coupon_pay_request {
    ($(#[$meta:meta])* $name:ident, $method:literal, $response:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $name {
            /// The merchant's fund order number (≤ 64), never reused; required.
            pub out_order_no: String,
            /// The merchant's number of this money movement (≤ 64), never reused; required.
            pub out_request_no: String,
            /// Title (≤ 100); required.
            pub order_title: String,
            /// Amount, `0.01 ..= 100000000.00`; required.
            pub amount: Money,
            /// Latest payment time, `1m` ..= `7d` (m, h, d; whole numbers); 1h when absent.
            #[serde(deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
            pub pay_timeout: Option<TimeoutExpress>,
            /// Business extension parameters (JSON text), e.g. `{"merchantExt":"orderExpiredTime=1m"}`.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub extra_param: Option<String>,
        }

        impl AlipayRequest for $name {
            const METHOD: &'static str = $method;
            type Response = $response;

            fn validate(&self) -> Result<(), ValidationError> {
                validate_order(
                    &self.out_order_no,
                    &self.out_request_no,
                    &self.order_title,
                    self.amount,
                    self.pay_timeout,
                )
            }
        }
    };
}

coupon_pay_request! {
    /// `alipay.fund.coupon.order.app.pay`: fund a red packet from the merchant's app (the SDK builds the app
    /// order string; no HTTP call).
    ///
    /// ```
    /// use alipay_api::{coupon::CouponOrderAppPay, AlipayRequest};
    /// let pay = CouponOrderAppPay {
    ///     out_order_no: "8077735255938023".into(),
    ///     out_request_no: "8077735255938032".into(),
    ///     order_title: "红包".into(),
    ///     amount: "9.00".parse()?,
    ///     pay_timeout: Some(alipay_api::TimeoutExpress::Hours(2)),
    ///     ..Default::default()
    /// };
    /// pay.validate()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    CouponOrderAppPay, "alipay.fund.coupon.order.app.pay", CouponOrderAppPayResponse
}

coupon_pay_request! {
    /// `alipay.fund.coupon.order.page.pay`: fund a red packet from a PC page (the SDK builds the page-pay form or
    /// URL; no HTTP call).
    CouponOrderPagePay, "alipay.fund.coupon.order.page.pay", CouponOrderPagePayResponse
}

/// `alipay.fund.coupon.order.agreement.pay`: fund a red packet from the merchant's own account, without a
/// password (agreement).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponOrderAgreementPay {
    /// The merchant's fund order number (≤ 64); required.
    pub out_order_no: String,
    /// The merchant's number of this money movement (≤ 64); required.
    pub out_request_no: String,
    /// Title (≤ 100); required.
    pub order_title: String,
    /// Amount, `0.01 ..= 100000000.00`; required.
    pub amount: Money,
    /// The paying account's user id (≤ 32): the app's own merchant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_user_id: Option<String>,
    /// Latest payment time, `1m` ..= `7d`.
    #[serde(deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
    pub pay_timeout: Option<TimeoutExpress>,
    /// Business extension parameters (JSON text; 备注).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_param: Option<String>,
}

impl AlipayRequest for CouponOrderAgreementPay {
    const METHOD: &'static str = "alipay.fund.coupon.order.agreement.pay";
    type Response = CouponOrderAgreementPayResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_order(&self.out_order_no, &self.out_request_no, &self.order_title, self.amount, self.pay_timeout)?;
        validate::optional("payer_user_id", self.payer_user_id.as_deref(), USER_ID_LEN)
    }
}

/// `alipay.fund.coupon.order.disburse`: pay (part of) a red packet out to a user, who claims it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponOrderDisburse {
    /// The merchant's order number of this disbursement (≤ 64); required.
    pub out_order_no: String,
    /// The merchant's number of this money movement (≤ 64); required.
    pub out_request_no: String,
    /// The red packet's `auth_no` (≤ 64); this or `deduct_out_order_no`, and it wins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deduct_auth_no: Option<String>,
    /// The red packet's `out_order_no` (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deduct_out_order_no: Option<String>,
    /// Title (≤ 100); required.
    pub order_title: String,
    /// Amount, `0.01 ..= 100000000.00`; required.
    pub amount: Money,
    /// The payee's user id (`2088...`, ≤ 32); this (recommended) or `payee_logon_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee_user_id: Option<String>,
    /// The payee's logon id (mobile number or e-mail, ≤ 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee_logon_id: Option<String>,
    /// Latest payment time, `1m` ..= `7d`.
    #[serde(deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
    pub pay_timeout: Option<TimeoutExpress>,
}

impl AlipayRequest for CouponOrderDisburse {
    const METHOD: &'static str = "alipay.fund.coupon.order.disburse";
    type Response = CouponOrderDisburseResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_order(&self.out_order_no, &self.out_request_no, &self.order_title, self.amount, self.pay_timeout)?;
        validate::one_of(
            &["deduct_auth_no", "deduct_out_order_no"],
            &[self.deduct_auth_no.as_deref(), self.deduct_out_order_no.as_deref()],
        )?;
        validate::optional("deduct_auth_no", self.deduct_auth_no.as_deref(), NO_LEN)?;
        validate::optional("deduct_out_order_no", self.deduct_out_order_no.as_deref(), NO_LEN)?;
        validate::one_of(
            &["payee_user_id", "payee_logon_id"],
            &[self.payee_user_id.as_deref(), self.payee_logon_id.as_deref()],
        )?;
        validate::optional("payee_user_id", self.payee_user_id.as_deref(), USER_ID_LEN)?;
        validate::optional("payee_logon_id", self.payee_logon_id.as_deref(), LOGON_ID_LEN)
    }
}

/// `alipay.fund.coupon.order.refund`: return what is left of a red packet to its payer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponOrderRefund {
    /// The red packet's `auth_no` (≤ 64); required.
    pub auth_no: String,
    /// The merchant's number of this money movement (≤ 64), never reused; required.
    pub out_request_no: String,
    /// Amount to return, `0.01 ..= 100000000.00`; at most what remains.
    pub amount: Money,
    /// A note (≤ 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

impl AlipayRequest for CouponOrderRefund {
    const METHOD: &'static str = "alipay.fund.coupon.order.refund";
    type Response = CouponOrderRefundResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::required("auth_no", &self.auth_no, NO_LEN)?;
        validate::required("out_request_no", &self.out_request_no, NO_LEN)?;
        validate::amount("amount", self.amount, Money::MIN_PAYABLE, Money::MAX_TRADE)?;
        validate::optional("remark", self.remark.as_deref(), REMARK_LEN)
    }
}

/// The result of a pay, disburse or refund operation on a red packet.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CouponOrderResult {
    /// Alipay's fund-authorisation order number (the red packet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_no: Option<String>,
    /// Alipay's number of this money movement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// The merchant's request number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    /// The operation's amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// The operation's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CouponStatus>,
    /// When the money moved (agreement pay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_trans: Option<Timestamp>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The result of `alipay.fund.coupon.order.app.pay`: `auth_no`, `operation_id`, `amount`, `status`.
pub type CouponOrderAppPayResponse = CouponOrderResult;
/// The result of `alipay.fund.coupon.order.page.pay`: `auth_no`, `operation_id`, `amount`, `status`.
pub type CouponOrderPagePayResponse = CouponOrderResult;
/// Business fields of the `alipay.fund.coupon.order.agreement.pay` answer (also order numbers and `gmt_trans`).
pub type CouponOrderAgreementPayResponse = CouponOrderResult;
/// Business fields of the `alipay.fund.coupon.order.disburse` answer.
pub type CouponOrderDisburseResponse = CouponOrderResult;
/// Business fields of the `alipay.fund.coupon.order.refund` answer.
pub type CouponOrderRefundResponse = CouponOrderResult;

/// `alipay.fund.coupon.operation.query`: one money movement, by `auth_no` + `operation_id` (faster) or by
/// `out_order_no` + `out_request_no`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CouponOperationQuery {
    /// Alipay's fund-authorisation order number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_no: Option<String>,
    /// Alipay's operation number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// The merchant's order number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// The merchant's request number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
}

impl AlipayRequest for CouponOperationQuery {
    const METHOD: &'static str = "alipay.fund.coupon.operation.query";
    type Response = CouponOperationQueryResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        let by_alipay = [("auth_no", self.auth_no.as_deref()), ("operation_id", self.operation_id.as_deref())];
        let by_merchant =
            [("out_order_no", self.out_order_no.as_deref()), ("out_request_no", self.out_request_no.as_deref())];
        for (field, value) in by_alipay.iter().chain(&by_merchant) {
            validate::optional(field, *value, NO_LEN)?;
        }
        let given = |v: &Option<&str>| v.is_some_and(|s| !alipay_core::content::is_blank(s));
        let complete = |pair: &[(&'static str, Option<&str>); 2]| pair.iter().all(|(_, v)| given(v));
        if complete(&by_alipay) || complete(&by_merchant) {
            return Ok(());
        }
        // Name the missing half of the pair the caller started; with nothing given, ask for either pair.
        for pair in [&by_alipay, &by_merchant] {
            if pair.iter().any(|(_, v)| given(v)) {
                if let Some((field, _)) = pair.iter().find(|(_, v)| !given(v)) {
                    return Err(ValidationError::Missing { field });
                }
            }
        }
        Err(ValidationError::MissingOneOf { fields: &["auth_no", "out_order_no"] })
    }
}

/// Business fields of the `alipay.fund.coupon.operation.query` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CouponOperationQueryResponse {
    /// Alipay's fund-authorisation order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_no: Option<String>,
    /// Alipay's operation number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// The merchant's request number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    /// What kind of movement it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_type: Option<OperationType>,
    /// Its amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    /// Its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CouponStatus>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_create: Option<Timestamp>,
    /// When the money moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_trans: Option<Timestamp>,
    /// The payer's masked logon id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_logon_id: Option<String>,
    /// The payer's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_user_id: Option<String>,
    /// The payee's masked logon id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_logon_id: Option<String>,
    /// The payee's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_user_id: Option<String>,
    /// The order's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_title: Option<String>,
    /// The operation's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Red-packet business failures (spec, from seed 003's invariants).
pub mod errors {
    sub_codes! {
        /// A repeated `out_request_no` with different content.
        UNIQUE_VIOLATION = ("UNIQUE_VIOLATION", "商户本次资金操作的请求流水号与之前有重复");
        /// A refund (or disbursement) of more than remains.
        MONEY_NOT_ENOUGH = ("MONEY_NOT_ENOUGH", "本次操作退款的金额超过剩余可退款金额");
    }
}

#[cfg(test)]
mod tests;
