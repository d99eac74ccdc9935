//! Face-to-face payment (当面付, seed 001 and trade.md): `alipay.trade.*`.
//!
//! | method | request | response |
//! |---|---|---|
//! | `alipay.trade.pay` | [`TradePay`] | [`TradePayResponse`] |
//! | `alipay.trade.precreate` | [`TradePrecreate`] | [`TradePrecreateResponse`] |
//! | `alipay.trade.query` | [`TradeQuery`] | [`TradeQueryResponse`] |
//! | `alipay.trade.cancel` | [`TradeCancel`] | [`TradeCancelResponse`] |
//! | `alipay.trade.close` | [`TradeClose`] | [`TradeCloseResponse`] |
//! | `alipay.trade.refund` | [`TradeRefund`] | [`TradeRefundResponse`] |
//! | `alipay.trade.fastpay.refund.query` | [`TradeFastpayRefundQuery`] | [`TradeFastpayRefundQueryResponse`] |
//! | `alipay.trade.page.pay` | [`TradePagePay`] | [`TradePagePayResponse`] |
//! | `alipay.trade.wap.pay` | [`TradeWapPay`] | [`TradeWapPayResponse`] |
//! | `alipay.trade.app.pay` | [`TradeAppPay`] | [`TradeAppPayResponse`] |
//!
//! The documented `ACQ.*` failures are in [`errors`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Money, TimeoutExpress};

mod cancel;
pub mod errors;
mod page;
mod pay;
mod refund;

pub use cancel::{CancelAction, TradeCancel, TradeCancelResponse, TradeClose, TradeCloseResponse};
pub use page::{
    PageOrder, TradeAppPay, TradeAppPayResponse, TradePagePay, TradePagePayResponse, TradePageResult, TradeWapPay,
    TradeWapPayResponse, FAST_INSTANT_TRADE_PAY, QUICK_MSECURITY_PAY, QUICK_WAP_WAY,
};
pub use pay::{PayScene, TradePay, TradePayResponse, TradePrecreate, TradePrecreateResponse};
pub use refund::{
    RefundStatus, TradeFastpayRefundQuery, TradeFastpayRefundQueryResponse, TradeRefund, TradeRefundResponse,
};

string_enum! {
    /// `trade_status` of a trade.
    pub enum TradeStatus {
        /// Created, waiting for the buyer to pay.
        WaitBuyerPay = "WAIT_BUYER_PAY",
        /// Closed unpaid (timeout, close, cancel) or fully refunded.
        TradeClosed = "TRADE_CLOSED",
        /// Paid; refunds are still possible.
        TradeSuccess = "TRADE_SUCCESS",
        /// Paid and the refund window has ended.
        TradeFinished = "TRADE_FINISHED",
    }
}

string_enum! {
    /// A `Y`/`N` flag (`retry_flag`, `fund_change`).
    pub enum YesNo {
        /// `Y`.
        Yes = "Y",
        /// `N`.
        No = "N",
    }
}

/// One item of `goods_detail`: what the order contains.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GoodsDetail {
    /// The merchant's goods id (≤ 64), required.
    pub goods_id: String,
    /// Alipay's goods id (≤ 32).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alipay_goods_id: Option<String>,
    /// Goods name (≤ 256), required.
    pub goods_name: String,
    /// Quantity.
    pub quantity: u64,
    /// Unit price in yuan.
    pub price: Money,
    /// Goods category (≤ 24).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goods_category: Option<String>,
    /// Description (≤ 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Product page URL (≤ 400).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_url: Option<String>,
}

impl GoodsDetail {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::required("goods_detail.goods_id", &self.goods_id, 64)?;
        validate::optional("goods_detail.alipay_goods_id", self.alipay_goods_id.as_deref(), 32)?;
        validate::required("goods_detail.goods_name", &self.goods_name, 256)?;
        validate::amount("goods_detail.price", self.price, Money::ZERO, Money::MAX_TRADE)?;
        validate::optional("goods_detail.goods_category", self.goods_category.as_deref(), 24)?;
        validate::optional("goods_detail.body", self.body.as_deref(), 1000)?;
        validate::optional("goods_detail.show_url", self.show_url.as_deref(), 400)
    }
}

/// Checks every item of an optional `goods_detail` list.
fn validate_goods(goods: Option<&[GoodsDetail]>) -> Result<(), ValidationError> {
    goods.unwrap_or_default().iter().try_for_each(GoodsDetail::validate)
}

/// `out_trade_no` or `trade_no` (at least one; `trade_no` wins), as query, cancel, close and refund take them.
fn validate_trade_key(out_trade_no: Option<&str>, trade_no: Option<&str>) -> Result<(), ValidationError> {
    validate::one_of(&["out_trade_no", "trade_no"], &[out_trade_no, trade_no])?;
    validate::optional("out_trade_no", out_trade_no, 64)?;
    validate::optional("trade_no", trade_no, 64)
}

/// `timeout_express` and `qr_code_timeout_express`: `1m` ..= `15d`, or `1c`.
fn validate_timeout_express(field: &'static str, value: Option<TimeoutExpress>) -> Result<(), ValidationError> {
    value.map_or(Ok(()), |v| v.check(field, TimeoutExpress::FIFTEEN_DAYS, true))
}

/// One funding source of a payment (`fund_bill_list` item).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FundBill {
    /// The channel, e.g. `ALIPAYACCOUNT`, `PCREDIT`, `BANKCARD`.
    pub fund_channel: String,
    /// Amount paid through it.
    pub amount: Money,
    /// Amount actually paid by the buyer through it, if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_amount: Option<Money>,
}

/// `alipay.trade.query`: the state of one trade, by `out_trade_no` or `trade_no` (`trade_no` wins).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeQuery {
    /// The merchant's order number (≤ 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Alipay's trade number (≤ 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
}

impl AlipayRequest for TradeQuery {
    const METHOD: &'static str = "alipay.trade.query";
    type Response = TradeQueryResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_trade_key(self.out_trade_no.as_deref(), self.trade_no.as_deref())
    }
}

/// Business fields of the `alipay.trade.query` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeQueryResponse {
    /// Alipay's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Buyer's masked logon id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_logon_id: Option<String>,
    /// The trade's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_status: Option<TradeStatus>,
    /// Order amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<Money>,
    /// Amount the buyer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_pay_amount: Option<Money>,
    /// Amount paid with points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_amount: Option<Money>,
    /// Amount that may be invoiced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_amount: Option<Money>,
    /// Time of payment (`yyyy-MM-dd HH:mm:ss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_pay_date: Option<crate::Timestamp>,
    /// Amount the merchant receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_amount: Option<Money>,
    /// Store id from the payment request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// Terminal id from the payment request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// Funding sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_bill_list: Option<Vec<FundBill>>,
    /// Store name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_name: Option<String>,
    /// Buyer's user id (`2088...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_user_id: Option<String>,
    /// Buyer's open id, for an app that gets open ids instead of user ids (apps created since 2023–24: Alipay's
    /// openid introduction; jeequan/jeepay#123, smartwalle/alipay#219). Such apps get no `buyer_user_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_open_id: Option<String>,
    /// Order subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Order body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiResponse;

    #[test]
    fn unknown_status_and_fields_survive_a_round_trip() {
        let json = r#"{"code":"10000","msg":"Success","trade_no":"2013112011001004330000121536","trade_status":"TRADE_PENDING_NEW","total_amount":"88.88","new_field":{"a":1}}"#;
        let r: ApiResponse<TradeQueryResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.trade_status, Some(TradeStatus::Unknown("TRADE_PENDING_NEW".into())));
        assert_eq!(r.body.total_amount, Some(Money::from_fen(8888)));
        assert_eq!(r.body.extra["new_field"]["a"], 1);
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
    }

    #[test]
    fn query_needs_one_key() {
        assert!(matches!(TradeQuery::default().validate(), Err(ValidationError::MissingOneOf { .. })));
        let long = TradeQuery { trade_no: Some("1".repeat(65)), ..Default::default() };
        assert!(matches!(long.validate(), Err(ValidationError::TooLong { field: "trade_no", .. })));
    }
}
