//! The asynchronous notifications: trades (`notify_type=trade_status_sync`, trade.md "Async notification",
//! [`TradeNotification`]) and red packets (`fund_stdtrustee_*`, [`FundNotification`]).
//!
//! Alipay POSTs it as a form to the request's `notify_url`; the merchant answers exactly `success`. This module
//! only models the parameters: verify the signature (V1 rule, on the raw decoded pairs) **before** reading them
//! with [`TradeNotification::from_params`]; `alipay-client` does that with `alipay-core`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::coupon::{CouponStatus, OperationType};
use crate::trade::TradeStatus;
use crate::{Money, Timestamp};

/// The `notify_type` of trade notifications.
pub const TRADE_STATUS_SYNC: &str = "trade_status_sync";

/// The `notify_type` of a red-packet refund (a merchant's `alipay.fund.coupon.order.refund`, or the timeout
/// refund of the unclaimed rest); its `msg_method` is [`FUND_REFUND_SUCCESS`].
pub const FUND_STDTRUSTEE_REFUND: &str = "fund_stdtrustee_refund";
/// The `notify_type` of a red-packet disbursement (`alipay.fund.coupon.order.disburse`; no published name,
/// the local gateway's choice); its `msg_method` is [`FUND_DISBURSE_SUCCESS`].
pub const FUND_STDTRUSTEE_DISBURSE: &str = "fund_stdtrustee_disburse";
/// `msg_method` of a successful red-packet refund (`fund_stdtrustee_refund.success` in the spec).
pub const FUND_REFUND_SUCCESS: &str = "alipay.fund.coupon.order.refund.success";
/// `msg_method` of a successful red-packet disbursement.
pub const FUND_DISBURSE_SUCCESS: &str = "alipay.fund.coupon.order.disburse.success";

/// A notification's parameters do not make a trade notification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// A required parameter is missing or empty.
    #[error("notification parameter {0} is required")]
    Missing(&'static str),
    /// A parameter appears more than once (which one was signed is then ambiguous).
    #[error("notification parameter {0} appears more than once")]
    Duplicate(String),
    /// A parameter has a value of the wrong shape (amount, time, JSON, notify_type).
    #[error("notification parameter {field} is invalid: {reason}")]
    Invalid {
        /// The parameter's name.
        field: &'static str,
        /// What is wrong, for a human.
        reason: String,
    },
}

/// One funding source in a notification's `fund_bill_list`, whose JSON uses camelCase keys:
/// `[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifyFundBill {
    /// Amount paid through the channel.
    pub amount: Money,
    /// The channel, e.g. `ALIPAYACCOUNT`.
    pub fund_channel: String,
    /// Amount the buyer actually paid through it, if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_amount: Option<Money>,
    /// Keys this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `trade_status_sync` notification: every parameter trade.md lists, typed, and the rest kept verbatim.
///
/// ```
/// use alipay_api::{notify::TradeNotification, trade::TradeStatus, Money};
/// let form: Vec<(String, String)> = [
///     ("notify_time", "2019-09-16 10:55:21"), ("notify_type", "trade_status_sync"),
///     ("notify_id", "ac05099524730693a8b330c5ecf72da9786"), ("app_id", "2014072300007148"),
///     ("trade_no", "2019091622001446870500961234"), ("out_trade_no", "20150320010101001"),
///     ("trade_status", "TRADE_SUCCESS"), ("total_amount", "88.88"),
///     ("fund_bill_list", r#"[{"amount":"88.88","fundChannel":"ALIPAYACCOUNT"}]"#),
///     ("buyer_open_id", "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"), ("hb_fq_num", "3"),
/// ].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
/// let n = TradeNotification::from_params(&form)?;
/// assert_eq!(n.trade_status, Some(TradeStatus::TradeSuccess));
/// assert_eq!(n.total_amount, Some(Money::from_fen(8888)));
/// assert_eq!(n.fund_bill_list.unwrap()[0].fund_channel, "ALIPAYACCOUNT");
/// assert_eq!(n.buyer_open_id.as_deref(), Some("074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"));
/// assert!(n.extra.contains_key("hb_fq_num"));   // what this version does not model is kept
/// # Ok::<(), alipay_api::notify::NotificationError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TradeNotification {
    /// When the notification was sent.
    pub notify_time: Timestamp,
    /// Always [`TRADE_STATUS_SYNC`].
    pub notify_type: String,
    /// The notification's id, the same across retries.
    pub notify_id: String,
    /// The app the trade belongs to.
    pub app_id: String,
    /// The app acting for the merchant (`app_auth_token`), if any.
    pub auth_app_id: Option<String>,
    /// The charset of the form (`utf-8`, `gbk`).
    pub charset: Option<String>,
    /// The interface version, `1.0`.
    pub version: Option<String>,
    /// `RSA2` or `RSA`.
    pub sign_type: Option<String>,
    /// The signature (base64).
    pub sign: Option<String>,
    /// Alipay's trade number.
    pub trade_no: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The business number of what caused it, e.g. a refund's `out_request_no`.
    pub out_biz_no: Option<String>,
    /// Buyer's user id.
    pub buyer_id: Option<String>,
    /// Buyer's open id (an open-id app gets it instead of `buyer_id`).
    pub buyer_open_id: Option<String>,
    /// Buyer's masked logon id.
    pub buyer_logon_id: Option<String>,
    /// Seller's user id.
    pub seller_id: Option<String>,
    /// Seller's e-mail.
    pub seller_email: Option<String>,
    /// The trade's status.
    pub trade_status: Option<TradeStatus>,
    /// Order amount.
    pub total_amount: Option<Money>,
    /// Amount the merchant receives.
    pub receipt_amount: Option<Money>,
    /// Amount that may be invoiced.
    pub invoice_amount: Option<Money>,
    /// Amount the buyer paid.
    pub buyer_pay_amount: Option<Money>,
    /// Amount paid with points.
    pub point_amount: Option<Money>,
    /// Total refunded so far.
    pub refund_fee: Option<Money>,
    /// Order subject.
    pub subject: Option<String>,
    /// Order body.
    pub body: Option<String>,
    /// When the trade was created.
    pub gmt_create: Option<Timestamp>,
    /// When it was paid.
    pub gmt_payment: Option<Timestamp>,
    /// When it was refunded (Alipay may add milliseconds, `.320`, which are dropped).
    pub gmt_refund: Option<Timestamp>,
    /// When it was closed.
    pub gmt_close: Option<Timestamp>,
    /// Funding sources (sent as JSON text with camelCase keys).
    pub fund_bill_list: Option<Vec<NotifyFundBill>>,
    /// The request's `passback_params`, returned as is.
    pub passback_params: Option<String>,
    /// Parameters this version does not model, verbatim.
    pub extra: BTreeMap<String, String>,
}

impl TradeNotification {
    /// Reads a notification from its form pairs, each decoded exactly once.
    ///
    /// Empty values count as absent (they are not signed either). A parameter given twice is an error.
    pub fn from_params(params: &[(String, String)]) -> Result<Self, NotificationError> {
        let mut p = Params::new(params)?;
        let notify_type = p.required("notify_type")?;
        if notify_type != TRADE_STATUS_SYNC {
            return Err(NotificationError::Invalid {
                field: "notify_type",
                reason: format!("{notify_type:?} is not {TRADE_STATUS_SYNC}"),
            });
        }
        Ok(TradeNotification {
            notify_time: p.required_time("notify_time")?,
            notify_type,
            notify_id: p.required("notify_id")?,
            app_id: p.required("app_id")?,
            auth_app_id: p.take("auth_app_id"),
            charset: p.take("charset"),
            version: p.take("version"),
            sign_type: p.take("sign_type"),
            sign: p.take("sign"),
            trade_no: p.required("trade_no")?,
            out_trade_no: p.required("out_trade_no")?,
            out_biz_no: p.take("out_biz_no"),
            buyer_id: p.take("buyer_id"),
            buyer_open_id: p.take("buyer_open_id"),
            buyer_logon_id: p.take("buyer_logon_id"),
            seller_id: p.take("seller_id"),
            seller_email: p.take("seller_email"),
            trade_status: p.take("trade_status").map(|s| TradeStatus::from(s.as_str())),
            total_amount: p.money("total_amount")?,
            receipt_amount: p.money("receipt_amount")?,
            invoice_amount: p.money("invoice_amount")?,
            buyer_pay_amount: p.money("buyer_pay_amount")?,
            point_amount: p.money("point_amount")?,
            refund_fee: p.money("refund_fee")?,
            subject: p.take("subject"),
            body: p.take("body"),
            gmt_create: p.time("gmt_create")?,
            gmt_payment: p.time("gmt_payment")?,
            gmt_refund: p.time("gmt_refund")?,
            gmt_close: p.time("gmt_close")?,
            fund_bill_list: p.fund_bills("fund_bill_list")?,
            passback_params: p.take("passback_params"),
            extra: p.0,
        })
    }

    /// The notification as form pairs (values not yet form-encoded), for the gateway to sign and send.
    ///
    /// Absent values are left out; `fund_bill_list` becomes JSON text with camelCase keys; the unmodelled
    /// parameters follow, sorted by name.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut out = Vec::with_capacity(32 + self.extra.len());
        let mut put = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                out.push((key.to_owned(), v));
            }
        };
        let money = |m: Option<Money>| m.map(|m| m.to_string());
        let time = |t: Option<Timestamp>| t.map(|t| t.to_string());
        put("notify_time", Some(self.notify_time.to_string()));
        put("notify_type", Some(self.notify_type.clone()));
        put("notify_id", Some(self.notify_id.clone()));
        put("app_id", Some(self.app_id.clone()));
        put("auth_app_id", self.auth_app_id.clone());
        put("charset", self.charset.clone());
        put("version", self.version.clone());
        put("sign_type", self.sign_type.clone());
        put("sign", self.sign.clone());
        put("trade_no", Some(self.trade_no.clone()));
        put("out_trade_no", Some(self.out_trade_no.clone()));
        put("out_biz_no", self.out_biz_no.clone());
        put("buyer_id", self.buyer_id.clone());
        put("buyer_open_id", self.buyer_open_id.clone());
        put("buyer_logon_id", self.buyer_logon_id.clone());
        put("seller_id", self.seller_id.clone());
        put("seller_email", self.seller_email.clone());
        put("trade_status", self.trade_status.as_ref().map(|s| s.as_str().to_owned()));
        put("total_amount", money(self.total_amount));
        put("receipt_amount", money(self.receipt_amount));
        put("invoice_amount", money(self.invoice_amount));
        put("buyer_pay_amount", money(self.buyer_pay_amount));
        put("point_amount", money(self.point_amount));
        put("refund_fee", money(self.refund_fee));
        put("subject", self.subject.clone());
        put("body", self.body.clone());
        put("gmt_create", time(self.gmt_create));
        put("gmt_payment", time(self.gmt_payment));
        put("gmt_refund", time(self.gmt_refund));
        put("gmt_close", time(self.gmt_close));
        // A list of amounts and strings always serialises.
        put("fund_bill_list", self.fund_bill_list.as_ref().and_then(|list| serde_json::to_string(list).ok()));
        put("passback_params", self.passback_params.clone());
        out.extend(self.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }
}

/// A red-packet notification (`notify_type` `fund_stdtrustee_*`): one money movement on a red packet, with the
/// fields of `alipay.fund.coupon.operation.query`, typed, and the rest kept verbatim.
///
/// Alipay publishes no field list; this is the local gateway's reading (the spec's "reasonable reading"):
/// a refund ([`FUND_STDTRUSTEE_REFUND`], `refund_reason` `MERCHANT` or `TIMEOUT`) or a disbursement
/// ([`FUND_STDTRUSTEE_DISBURSE`]). Verify the signature (V1 rule) **before** reading it.
///
/// ```
/// use alipay_api::notify::{FundNotification, FUND_STDTRUSTEE_REFUND};
/// use alipay_api::{coupon::CouponStatus, Money};
/// let form: Vec<(String, String)> = [
///     ("notify_time", "2024-05-01 10:00:00"), ("notify_type", FUND_STDTRUSTEE_REFUND),
///     ("notify_id", "n1"), ("app_id", "2014072300007148"), ("auth_no", "2024050111001001230000000001"),
///     ("out_order_no", "RP1"), ("operation_id", "2024050112001001230000000002"), ("out_request_no", "R1"),
///     ("operation_type", "REFUND"), ("amount", "10.00"), ("status", "SUCCESS"),
///     ("gmt_trans", "2024-05-01 10:00:00"), ("refund_reason", "MERCHANT"),
/// ].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
/// let n = FundNotification::from_params(&form)?;
/// assert_eq!((n.amount, n.status.clone()), (Some(Money::from_fen(1000)), Some(CouponStatus::Success)));
/// assert_eq!(FundNotification::from_params(&n.to_params())?, n);
/// # Ok::<(), alipay_api::notify::NotificationError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FundNotification {
    /// When the notification was sent.
    pub notify_time: Timestamp,
    /// [`FUND_STDTRUSTEE_REFUND`] or [`FUND_STDTRUSTEE_DISBURSE`] (any `fund_stdtrustee_*` is read).
    pub notify_type: String,
    /// The notification's id, the same across retries.
    pub notify_id: String,
    /// The app the red packet belongs to.
    pub app_id: String,
    /// The app acting for the merchant (`app_auth_token`), if any.
    pub auth_app_id: Option<String>,
    /// The charset of the form.
    pub charset: Option<String>,
    /// The interface version, `1.0`.
    pub version: Option<String>,
    /// `RSA2` or `RSA`.
    pub sign_type: Option<String>,
    /// The signature (base64).
    pub sign: Option<String>,
    /// What happened: [`FUND_REFUND_SUCCESS`] or [`FUND_DISBURSE_SUCCESS`].
    pub msg_method: Option<String>,
    /// Alipay's fund-authorisation order number (the red packet).
    pub auth_no: String,
    /// The merchant's order number of the operation (the red packet's; a disbursement's own).
    pub out_order_no: String,
    /// Alipay's number of the money movement.
    pub operation_id: String,
    /// The merchant's request number (absent for the timeout refund).
    pub out_request_no: Option<String>,
    /// `PAY` (disbursement) or `REFUND`.
    pub operation_type: Option<OperationType>,
    /// The amount moved.
    pub amount: Option<Money>,
    /// The operation's status (`SUCCESS`).
    pub status: Option<CouponStatus>,
    /// When the operation was created.
    pub gmt_create: Option<Timestamp>,
    /// When the money moved.
    pub gmt_trans: Option<Timestamp>,
    /// What was paid into the red packet.
    pub total_amount: Option<Money>,
    /// What remains in it after this operation.
    pub rest_amount: Option<Money>,
    /// Whose balance the money left (the payer, for a disbursement; the red packet's payer, for a refund).
    pub payer_user_id: Option<String>,
    /// Whose balance it reached.
    pub payee_user_id: Option<String>,
    /// Refunds: `MERCHANT` (a refund call) or `TIMEOUT` (the unclaimed rest).
    pub refund_reason: Option<String>,
    /// Title of the red packet or the disbursement.
    pub order_title: Option<String>,
    /// The refund's note.
    pub remark: Option<String>,
    /// Parameters this version does not model, verbatim.
    pub extra: BTreeMap<String, String>,
}

impl FundNotification {
    /// Reads a notification from its form pairs, each decoded exactly once (empty values count as absent).
    pub fn from_params(params: &[(String, String)]) -> Result<Self, NotificationError> {
        let mut p = Params::new(params)?;
        let notify_type = p.required("notify_type")?;
        if !notify_type.starts_with("fund_stdtrustee") {
            return Err(NotificationError::Invalid {
                field: "notify_type",
                reason: format!("{notify_type:?} is not a fund_stdtrustee notification"),
            });
        }
        Ok(FundNotification {
            notify_time: p.required_time("notify_time")?,
            notify_type,
            notify_id: p.required("notify_id")?,
            app_id: p.required("app_id")?,
            auth_app_id: p.take("auth_app_id"),
            charset: p.take("charset"),
            version: p.take("version"),
            sign_type: p.take("sign_type"),
            sign: p.take("sign"),
            msg_method: p.take("msg_method"),
            auth_no: p.required("auth_no")?,
            out_order_no: p.required("out_order_no")?,
            operation_id: p.required("operation_id")?,
            out_request_no: p.take("out_request_no"),
            operation_type: p.take("operation_type").map(|s| OperationType::from(s.as_str())),
            amount: p.money("amount")?,
            status: p.take("status").map(|s| CouponStatus::from(s.as_str())),
            gmt_create: p.time("gmt_create")?,
            gmt_trans: p.time("gmt_trans")?,
            total_amount: p.money("total_amount")?,
            rest_amount: p.money("rest_amount")?,
            payer_user_id: p.take("payer_user_id"),
            payee_user_id: p.take("payee_user_id"),
            refund_reason: p.take("refund_reason"),
            order_title: p.take("order_title"),
            remark: p.take("remark"),
            extra: p.0,
        })
    }

    /// The notification as form pairs (values not yet form-encoded), for the gateway to sign and send;
    /// absent values are left out, the unmodelled parameters follow, sorted by name.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut out = Vec::with_capacity(28 + self.extra.len());
        let mut put = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                out.push((key.to_owned(), v));
            }
        };
        let money = |m: Option<Money>| m.map(|m| m.to_string());
        let time = |t: Option<Timestamp>| t.map(|t| t.to_string());
        put("notify_time", Some(self.notify_time.to_string()));
        put("notify_type", Some(self.notify_type.clone()));
        put("notify_id", Some(self.notify_id.clone()));
        put("app_id", Some(self.app_id.clone()));
        put("auth_app_id", self.auth_app_id.clone());
        put("charset", self.charset.clone());
        put("version", self.version.clone());
        put("sign_type", self.sign_type.clone());
        put("sign", self.sign.clone());
        put("msg_method", self.msg_method.clone());
        put("auth_no", Some(self.auth_no.clone()));
        put("out_order_no", Some(self.out_order_no.clone()));
        put("operation_id", Some(self.operation_id.clone()));
        put("out_request_no", self.out_request_no.clone());
        put("operation_type", self.operation_type.as_ref().map(|s| s.as_str().to_owned()));
        put("amount", money(self.amount));
        put("status", self.status.as_ref().map(|s| s.as_str().to_owned()));
        put("gmt_create", time(self.gmt_create));
        put("gmt_trans", time(self.gmt_trans));
        put("total_amount", money(self.total_amount));
        put("rest_amount", money(self.rest_amount));
        put("payer_user_id", self.payer_user_id.clone());
        put("payee_user_id", self.payee_user_id.clone());
        put("refund_reason", self.refund_reason.clone());
        put("order_title", self.order_title.clone());
        put("remark", self.remark.clone());
        out.extend(self.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }
}

/// The synchronous return of a page or wap payment: the parameters Alipay appends to `return_url` when it sends
/// the buyer's browser back (`method=alipay.trade.page.pay.return` or `alipay.trade.wap.pay.return`). Signed
/// like a notification (V1 rule: every parameter but `sign` and `sign_type`, sorted); verify it with
/// `AlipayClient::verify_return` in `alipay-client` before reading it. It says the buyer paid, but the
/// notification (or `alipay.trade.query`) is the authority: a buyer may close the browser before the return.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageReturn {
    /// `alipay.trade.page.pay.return` or `alipay.trade.wap.pay.return`.
    pub method: String,
    /// The app.
    pub app_id: String,
    /// The app acting for the merchant.
    pub auth_app_id: Option<String>,
    /// Alipay's trade number.
    pub trade_no: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Order amount.
    pub total_amount: Money,
    /// The seller's user id.
    pub seller_id: Option<String>,
    /// When Alipay made the return.
    pub timestamp: Option<Timestamp>,
    /// `charset`.
    pub charset: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `sign_type`.
    pub sign_type: Option<String>,
    /// `sign`.
    pub sign: Option<String>,
    /// Parameters this version does not model, verbatim.
    pub extra: BTreeMap<String, String>,
}

impl PageReturn {
    /// Reads a return from its query pairs, each decoded exactly once. Empty values count as absent; a
    /// parameter given twice is an error.
    pub fn from_params(params: &[(String, String)]) -> Result<Self, NotificationError> {
        let mut p = Params::new(params)?;
        let method = p.required("method")?;
        if !method.ends_with(".return") {
            return Err(invalid("method", format!("{method:?} is not a synchronous return")));
        }
        Ok(PageReturn {
            method,
            app_id: p.required("app_id")?,
            auth_app_id: p.take("auth_app_id"),
            trade_no: p.required("trade_no")?,
            out_trade_no: p.required("out_trade_no")?,
            total_amount: p.money("total_amount")?.ok_or(NotificationError::Missing("total_amount"))?,
            seller_id: p.take("seller_id"),
            timestamp: p.time("timestamp")?,
            charset: p.take("charset"),
            version: p.take("version"),
            sign_type: p.take("sign_type"),
            sign: p.take("sign"),
            extra: p.0,
        })
    }
}

/// The not-yet-read parameters of a notification, empty values dropped.
struct Params(BTreeMap<String, String>);

impl Params {
    fn new(params: &[(String, String)]) -> Result<Self, NotificationError> {
        let mut map = BTreeMap::new();
        for (k, v) in params {
            if v.is_empty() {
                continue;
            }
            if map.insert(k.clone(), v.clone()).is_some() {
                return Err(NotificationError::Duplicate(k.clone()));
            }
        }
        Ok(Params(map))
    }

    fn take(&mut self, key: &'static str) -> Option<String> {
        self.0.remove(key)
    }

    fn required(&mut self, key: &'static str) -> Result<String, NotificationError> {
        self.take(key).ok_or(NotificationError::Missing(key))
    }

    fn money(&mut self, key: &'static str) -> Result<Option<Money>, NotificationError> {
        self.take(key).map(|v| v.parse().map_err(|e: alipay_core::MoneyError| invalid(key, e.to_string()))).transpose()
    }

    fn time(&mut self, key: &'static str) -> Result<Option<Timestamp>, NotificationError> {
        self.take(key).map(|v| parse_time(key, &v)).transpose()
    }

    fn required_time(&mut self, key: &'static str) -> Result<Timestamp, NotificationError> {
        self.time(key)?.ok_or(NotificationError::Missing(key))
    }

    fn fund_bills(&mut self, key: &'static str) -> Result<Option<Vec<NotifyFundBill>>, NotificationError> {
        self.take(key).map(|v| serde_json::from_str(&v).map_err(|e| invalid(key, e.to_string()))).transpose()
    }
}

fn invalid(field: &'static str, reason: String) -> NotificationError {
    NotificationError::Invalid { field, reason }
}

/// `yyyy-MM-dd HH:mm:ss`, optionally followed by `.` and fractional digits (dropped).
fn parse_time(field: &'static str, value: &str) -> Result<Timestamp, NotificationError> {
    let seconds = match value.split_once('.') {
        Some((whole, frac)) if !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()) => whole,
        _ => value,
    };
    seconds.parse().map_err(|e: alipay_core::TimestampError| invalid(field, e.to_string()))
}

#[cfg(test)]
mod tests;
