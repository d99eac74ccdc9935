//! Payments the buyer completes on Alipay's side, not the merchant's: `alipay.trade.page.pay` (website
//! checkout, 电脑网站支付), `alipay.trade.wap.pay` (mobile web, 手机网站支付) and `alipay.trade.app.pay` (in-app,
//! App 支付).
//!
//! None of them is an HTTP call of the merchant's server: the SDK builds a page-pay form or URL (page, wap) for
//! the buyer's browser, or an order string (app) for the Alipay wallet (`AlipayClient::page_pay_form`,
//! `page_pay_url`, `app_order_string` in `alipay-client`). The buyer pays on the cashier; the merchant learns the
//! result from the asynchronous notification (`trade_status_sync`), the synchronous return to `return_url`
//! ([`crate::notify::PageReturn`]) and `alipay.trade.query`. `return_url` and `notify_url` are common
//! parameters, not fields of these models.
//!
//! Field rules follow `alipay.trade.pay`'s (the same catalogue): `out_trade_no` ≤ 64 of letters, digits, `_` and `-`,
//! `total_amount` `0.01 ..= 100000000.00`, `subject` ≤ 256, `body` ≤ 128, `passback_params` ≤ 512,
//! `timeout_express` `1m ..= 15d` or `1c`; `product_code` is required and must be the method's own code.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{validate_goods, validate_timeout_express, GoodsDetail};
use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Money, TimeoutExpress, Timestamp};

/// `product_code` of `alipay.trade.page.pay`.
pub const FAST_INSTANT_TRADE_PAY: &str = "FAST_INSTANT_TRADE_PAY";
/// `product_code` of `alipay.trade.wap.pay`.
pub const QUICK_WAP_WAY: &str = "QUICK_WAP_WAY";
/// `product_code` of `alipay.trade.app.pay`.
pub const QUICK_MSECURITY_PAY: &str = "QUICK_MSECURITY_PAY";

/// The fields the three methods share, checked alike: what the gateway turns into a trade waiting for its buyer
/// (`TradePagePay::order`, `TradeWapPay::order`, `TradeAppPay::order`).
///
/// ```
/// use alipay_api::trade::TradeAppPay;
/// let app = TradeAppPay::new("A_1", "9.00".parse()?, "大乐透");
/// assert_eq!(app.order().out_trade_no, "A_1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageOrder<'a> {
    /// The merchant's order number.
    pub out_trade_no: &'a str,
    /// Order amount.
    pub total_amount: Money,
    /// Order title.
    pub subject: &'a str,
    /// The method's product code.
    pub product_code: &'a str,
    /// Order description.
    pub body: Option<&'a str>,
    /// What the order contains.
    pub goods_detail: Option<&'a [GoodsDetail]>,
    /// Relative timeout.
    pub timeout_express: Option<TimeoutExpress>,
    /// Absolute timeout; wins over `timeout_express`.
    pub time_expire: Option<Timestamp>,
    /// Returned as is in the notification.
    pub passback_params: Option<&'a str>,
    /// Store id.
    pub store_id: Option<&'a str>,
    /// The merchant's original order number.
    pub merchant_order_no: Option<&'a str>,
}

impl PageOrder<'_> {
    fn validate(&self, product_code: &'static str) -> Result<(), ValidationError> {
        validate::merchant_no("out_trade_no", self.out_trade_no, 64)?;
        validate::amount("total_amount", self.total_amount, Money::MIN_PAYABLE, Money::MAX_TRADE)
            .map_err(|e| e.documented(super::errors::TOTAL_FEE_EXCEED))?;
        validate::required("subject", self.subject, 256)?;
        validate::required("product_code", self.product_code, 64)?;
        if self.product_code != product_code {
            return Err(ValidationError::Invalid {
                field: "product_code",
                reason: format!("{:?}: this method takes {product_code}", self.product_code),
            });
        }
        validate::optional("body", self.body, 128)?;
        validate_goods(self.goods_detail)?;
        validate_timeout_express("timeout_express", self.timeout_express)?;
        validate::optional("passback_params", self.passback_params, 512)?;
        validate::optional("store_id", self.store_id, 32)?;
        validate::optional("merchant_order_no", self.merchant_order_no, 32)
    }
}

/// `alipay.trade.page.pay`: website checkout. Build the form with `AlipayClient::page_pay_form` (or the URL
/// with `page_pay_url`) and send the buyer's browser there; `return_url` and `notify_url` go in the call
/// options.
///
/// ```
/// use alipay_api::{trade::TradePagePay, AlipayRequest};
/// let pay = TradePagePay::new("20150320010101001", "88.88".parse()?, "Iphone6 16G");
/// assert_eq!(pay.product_code, "FAST_INSTANT_TRADE_PAY");
/// pay.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradePagePay {
    /// The merchant's order number: ≤ 64 letters, digits, `_`, `-`.
    #[serde(default)]
    pub out_trade_no: String,
    /// Order amount, `0.01 ..= 100000000.00`.
    pub total_amount: Money,
    /// Order title (≤ 256), required.
    #[serde(default)]
    pub subject: String,
    /// Always `FAST_INSTANT_TRADE_PAY` (set by [`TradePagePay::new`]).
    #[serde(default)]
    pub product_code: String,
    /// Order description (≤ 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// QR code mode of the cashier: `0` simple, `1` front, `2` jump, `3` mini, `4` custom width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_pay_mode: Option<String>,
    /// QR code width in pixels when `qr_pay_mode` is `4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qrcode_width: Option<u32>,
    /// What the order contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<GoodsDetail>>,
    /// Relative timeout, `1m` ..= `15d` or `1c`.
    #[serde(default, deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
    pub timeout_express: Option<TimeoutExpress>,
    /// Absolute timeout; wins over `timeout_express`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<Timestamp>,
    /// Returned as is in the notification (≤ 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passback_params: Option<String>,
    /// `PCWEB` (default) or `ALIAPP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_type: Option<String>,
    /// The page to go back to when the buyer leaves the cashier (with `integration_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_from_url: Option<String>,
    /// Store id (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// The merchant's original order number (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<String>,
}

impl TradePagePay {
    /// The fields the three page methods share ([`PageOrder`]).
    pub fn order(&self) -> PageOrder<'_> {
        PageOrder {
            out_trade_no: &self.out_trade_no,
            total_amount: self.total_amount,
            subject: &self.subject,
            product_code: &self.product_code,
            body: self.body.as_deref(),
            goods_detail: self.goods_detail.as_deref(),
            timeout_express: self.timeout_express,
            passback_params: self.passback_params.as_deref(),
            store_id: self.store_id.as_deref(),
            merchant_order_no: self.merchant_order_no.as_deref(),
            time_expire: self.time_expire,
        }
    }

    /// A page pay with the required fields and its product code.
    pub fn new(out_trade_no: &str, total_amount: Money, subject: &str) -> TradePagePay {
        TradePagePay {
            out_trade_no: out_trade_no.to_owned(),
            total_amount,
            subject: subject.to_owned(),
            product_code: FAST_INSTANT_TRADE_PAY.to_owned(),
            ..Default::default()
        }
    }
}

impl AlipayRequest for TradePagePay {
    const METHOD: &'static str = "alipay.trade.page.pay";
    type Response = TradePagePayResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        self.order().validate(FAST_INSTANT_TRADE_PAY)?;
        if let Some(mode) = self.qr_pay_mode.as_deref() {
            if !matches!(mode, "0" | "1" | "2" | "3" | "4") {
                return Err(ValidationError::Invalid { field: "qr_pay_mode", reason: format!("{mode:?}: 0..4") });
            }
        }
        if let Some(t) = self.integration_type.as_deref() {
            if !matches!(t, "PCWEB" | "ALIAPP") {
                return Err(ValidationError::Invalid {
                    field: "integration_type",
                    reason: format!("{t:?}: PCWEB or ALIAPP"),
                });
            }
        }
        validate::optional("request_from_url", self.request_from_url.as_deref(), 256)
    }
}

/// `alipay.trade.wap.pay`: mobile-web checkout. Same flow as [`TradePagePay`], on a phone-sized cashier;
/// `quit_url` is where the buyer goes when leaving it unpaid.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeWapPay {
    /// The merchant's order number: ≤ 64 letters, digits, `_`, `-`.
    #[serde(default)]
    pub out_trade_no: String,
    /// Order amount, `0.01 ..= 100000000.00`.
    pub total_amount: Money,
    /// Order title (≤ 256), required.
    #[serde(default)]
    pub subject: String,
    /// Always `QUICK_WAP_WAY` (set by [`TradeWapPay::new`]).
    #[serde(default)]
    pub product_code: String,
    /// Where the buyer goes when leaving the cashier unpaid (≤ 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quit_url: Option<String>,
    /// Order description (≤ 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// What the order contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<GoodsDetail>>,
    /// Relative timeout, `1m` ..= `15d` or `1c`.
    #[serde(default, deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
    pub timeout_express: Option<TimeoutExpress>,
    /// Absolute timeout; wins over `timeout_express`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<Timestamp>,
    /// Returned as is in the notification (≤ 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passback_params: Option<String>,
    /// Authorisation token of a buyer signed in through Alipay (≤ 40).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// Store id (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// The merchant's original order number (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<String>,
}

impl TradeWapPay {
    /// The fields the three page methods share ([`PageOrder`]).
    pub fn order(&self) -> PageOrder<'_> {
        PageOrder {
            out_trade_no: &self.out_trade_no,
            total_amount: self.total_amount,
            subject: &self.subject,
            product_code: &self.product_code,
            body: self.body.as_deref(),
            goods_detail: self.goods_detail.as_deref(),
            timeout_express: self.timeout_express,
            passback_params: self.passback_params.as_deref(),
            store_id: self.store_id.as_deref(),
            merchant_order_no: self.merchant_order_no.as_deref(),
            time_expire: self.time_expire,
        }
    }

    /// A wap pay with the required fields and its product code.
    pub fn new(out_trade_no: &str, total_amount: Money, subject: &str) -> TradeWapPay {
        TradeWapPay {
            out_trade_no: out_trade_no.to_owned(),
            total_amount,
            subject: subject.to_owned(),
            product_code: QUICK_WAP_WAY.to_owned(),
            ..Default::default()
        }
    }
}

impl AlipayRequest for TradeWapPay {
    const METHOD: &'static str = "alipay.trade.wap.pay";
    type Response = TradeWapPayResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        self.order().validate(QUICK_WAP_WAY)?;
        validate::optional("quit_url", self.quit_url.as_deref(), 400)?;
        validate::optional("auth_token", self.auth_token.as_deref(), 40)
    }
}

/// `alipay.trade.app.pay`: in-app payment. Build the order string with `AlipayClient::app_order_string` and
/// hand it to the Alipay mobile SDK (in the sandbox: paste it in the wallet page, `GET /wallet`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeAppPay {
    /// The merchant's order number: ≤ 64 letters, digits, `_`, `-`.
    #[serde(default)]
    pub out_trade_no: String,
    /// Order amount, `0.01 ..= 100000000.00`.
    pub total_amount: Money,
    /// Order title (≤ 256), required.
    #[serde(default)]
    pub subject: String,
    /// Always `QUICK_MSECURITY_PAY` (set by [`TradeAppPay::new`]).
    #[serde(default)]
    pub product_code: String,
    /// Order description (≤ 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// What the order contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<GoodsDetail>>,
    /// Relative timeout, `1m` ..= `15d` or `1c`.
    #[serde(default, deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
    pub timeout_express: Option<TimeoutExpress>,
    /// Absolute timeout; wins over `timeout_express`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<Timestamp>,
    /// Returned as is in the notification (≤ 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passback_params: Option<String>,
    /// Store id (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// The merchant's original order number (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<String>,
}

impl TradeAppPay {
    /// The fields the three page methods share ([`PageOrder`]).
    pub fn order(&self) -> PageOrder<'_> {
        PageOrder {
            out_trade_no: &self.out_trade_no,
            total_amount: self.total_amount,
            subject: &self.subject,
            product_code: &self.product_code,
            body: self.body.as_deref(),
            goods_detail: self.goods_detail.as_deref(),
            timeout_express: self.timeout_express,
            passback_params: self.passback_params.as_deref(),
            store_id: self.store_id.as_deref(),
            merchant_order_no: self.merchant_order_no.as_deref(),
            time_expire: self.time_expire,
        }
    }

    /// An app pay with the required fields and its product code.
    pub fn new(out_trade_no: &str, total_amount: Money, subject: &str) -> TradeAppPay {
        TradeAppPay {
            out_trade_no: out_trade_no.to_owned(),
            total_amount,
            subject: subject.to_owned(),
            product_code: QUICK_MSECURITY_PAY.to_owned(),
            ..Default::default()
        }
    }
}

impl AlipayRequest for TradeAppPay {
    const METHOD: &'static str = "alipay.trade.app.pay";
    type Response = TradeAppPayResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        self.order().validate(QUICK_MSECURITY_PAY)
    }
}

/// The result of a page, wap or app payment (what the cashier's return and the wallet report): Alipay's
/// `trade_no`, the merchant's `out_trade_no`, `total_amount`, `seller_id`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradePageResult {
    /// Alipay's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Order amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<Money>,
    /// The seller's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    /// The merchant's original order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The result of `alipay.trade.page.pay`.
pub type TradePagePayResponse = TradePageResult;
/// The result of `alipay.trade.wap.pay`.
pub type TradeWapPayResponse = TradePageResult;
/// The result of `alipay.trade.app.pay`.
pub type TradeAppPayResponse = TradePageResult;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_request, encode_request};

    #[test]
    fn page_pay_round_trips_and_checks_its_product_code() {
        let mut pay = TradePagePay::new("T_1", "88.88".parse().unwrap(), "Iphone6 16G");
        pay.qr_pay_mode = Some("2".into());
        pay.validate().unwrap();
        let params = encode_request(&pay).unwrap();
        let back: TradePagePay = decode_request(&params).unwrap();
        assert_eq!(back, pay);
        let json: Value = serde_json::from_str(&params[0].1).unwrap();
        assert_eq!(json["product_code"], "FAST_INSTANT_TRADE_PAY");
        assert_eq!(json["total_amount"], "88.88");

        let wrong = TradePagePay { product_code: QUICK_WAP_WAY.into(), ..pay.clone() };
        assert!(matches!(wrong.validate(), Err(ValidationError::Invalid { field: "product_code", .. })));
        let missing = TradePagePay { product_code: String::new(), ..pay.clone() };
        assert_eq!(missing.validate(), Err(ValidationError::Missing { field: "product_code" }));
        let mode = TradePagePay { qr_pay_mode: Some("9".into()), ..pay.clone() };
        assert!(matches!(mode.validate(), Err(ValidationError::Invalid { field: "qr_pay_mode", .. })));
        let long = TradePagePay { subject: "码".repeat(257), ..pay };
        assert!(matches!(long.validate(), Err(ValidationError::TooLong { field: "subject", .. })));
    }

    #[test]
    fn wap_and_app_pay_rules() {
        let mut wap = TradeWapPay::new("W_1", "0.01".parse().unwrap(), "s");
        wap.quit_url = Some("https://m.example.com/cart".into());
        wap.validate().unwrap();
        assert!(TradeWapPay { quit_url: Some("u".repeat(401)), ..wap.clone() }.validate().is_err());
        assert!(TradeWapPay { total_amount: Money::ZERO, ..wap.clone() }.validate().is_err());
        assert!(TradeWapPay { out_trade_no: "a b".into(), ..wap.clone() }.validate().is_err());
        TradeWapPay { out_trade_no: "a-b".into(), ..wap }.validate().unwrap();

        let app = TradeAppPay::new("A_1", "9.00".parse().unwrap(), "s");
        app.validate().unwrap();
        assert!(TradeAppPay { timeout_express: Some(TimeoutExpress::Days(16)), ..app.clone() }.validate().is_err());
        assert!(TradeAppPay { product_code: FAST_INSTANT_TRADE_PAY.into(), ..app }.validate().is_err());
        // The seed's app-pay biz_content as the Java SDK sends it.
        let biz = r#"{"out_trade_no":"70501111111S001111119","total_amount":"9.00","subject":"大乐透","product_code":"QUICK_MSECURITY_PAY","timeout_express":"90m"}"#;
        let read: TradeAppPay = decode_request(&[("biz_content".into(), biz.into())]).unwrap();
        read.validate().unwrap();
        assert_eq!(read.timeout_express, Some(TimeoutExpress::Minutes(90)));
    }
}
