//! `alipay.trade.pay` (barcode payment, 条码支付) and `alipay.trade.precreate` (QR code, 扫码支付).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{errors, validate_goods, validate_timeout_express, FundBill, GoodsDetail};
use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Money, TimeoutExpress, Timestamp};

string_enum! {
    /// `scene` of `alipay.trade.pay`. Seed 001: "条码支付固定传入bar_code".
    #[derive(Default)]
    pub enum PayScene {
        /// The buyer shows a barcode / QR payment code that the merchant scans (the default).
        #[default]
        BarCode = "bar_code",
    }
}

/// `alipay.trade.pay`: charge the payment code (`auth_code`) the buyer shows.
///
/// The answer is `10000` (paid), `40004` (failed), `10003` (waiting for the buyer: poll `alipay.trade.query`,
/// then cancel) or `20000` (unknown: query).
///
/// ```
/// use alipay_api::{trade::TradePay, AlipayRequest, Money};
/// let pay = TradePay {
///     out_trade_no: "20150320010101001".into(),
///     auth_code: "28763443825664394".into(),
///     subject: "Iphone6 16G".into(),
///     total_amount: "88.88".parse()?,
///     timeout_express: Some("2m".parse()?),
///     ..Default::default()
/// };
/// pay.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradePay {
    /// The merchant's order number: ≤ 64 letters, digits, `_`, `-`; never reused, even after a failure.
    #[serde(default)]
    pub out_trade_no: String,
    /// Always `bar_code` (the default).
    #[serde(default)]
    pub scene: PayScene,
    /// The buyer's payment code: 16–24 digits starting with 25..30.
    #[serde(default)]
    pub auth_code: String,
    /// The product code (≤ 32), e.g. `FACE_TO_FACE_PAYMENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    /// Order title (≤ 256), required.
    #[serde(default)]
    pub subject: String,
    /// Buyer's user id (≤ 28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_id: Option<String>,
    /// Seller's user id (≤ 28); the app's merchant by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    /// Order amount, `0.01 ..= 100000000.00`.
    pub total_amount: Money,
    /// Part of the amount that discounts may apply to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discountable_amount: Option<Money>,
    /// Part of the amount that discounts may not apply to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undiscountable_amount: Option<Money>,
    /// Order description (≤ 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// What the order contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<GoodsDetail>>,
    /// Cashier's id (≤ 28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
    /// Store id (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// Terminal id (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// Relative timeout, `1m` ..= `15d` or `1c` (midnight today); default 3h for face-to-face.
    #[serde(default, deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
    pub timeout_express: Option<TimeoutExpress>,
    /// Absolute timeout; wins over `timeout_express` when both are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<Timestamp>,
    /// Returned as is in the notification (≤ 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passback_params: Option<String>,
}

impl AlipayRequest for TradePay {
    const METHOD: &'static str = "alipay.trade.pay";
    type Response = TradePayResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::merchant_no("out_trade_no", &self.out_trade_no, 64)?;
        if let PayScene::Unknown(s) = &self.scene {
            return Err(ValidationError::Invalid {
                field: "scene",
                reason: format!("{s:?}: only bar_code is accepted"),
            });
        }
        auth_code(&self.auth_code).map_err(|e| e.documented(errors::PAYMENT_AUTH_CODE_INVALID))?;
        validate::optional("product_code", self.product_code.as_deref(), 32)?;
        validate::required("subject", &self.subject, 256)?;
        validate::optional("buyer_id", self.buyer_id.as_deref(), 28)?;
        validate::optional("seller_id", self.seller_id.as_deref(), 28)?;
        validate::amount("total_amount", self.total_amount, Money::MIN_PAYABLE, Money::MAX_TRADE)
            .map_err(|e| e.documented(errors::TOTAL_FEE_EXCEED))?;
        validate::amount_opt("discountable_amount", self.discountable_amount, Money::MIN_PAYABLE, Money::MAX_TRADE)?;
        validate::amount_opt(
            "undiscountable_amount",
            self.undiscountable_amount,
            Money::MIN_PAYABLE,
            Money::MAX_TRADE,
        )?;
        validate::optional("body", self.body.as_deref(), 128)?;
        validate_goods(self.goods_detail.as_deref())?;
        validate::optional("operator_id", self.operator_id.as_deref(), 28)?;
        validate::optional("store_id", self.store_id.as_deref(), 32)?;
        validate::optional("terminal_id", self.terminal_id.as_deref(), 32)?;
        validate_timeout_express("timeout_express", self.timeout_express)?;
        validate::optional("passback_params", self.passback_params.as_deref(), 512)
    }
}

/// Seed 001: "用户付款码,25~30开头的长度为16~24位的数字".
fn auth_code(code: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "auth_code";
    if alipay_core::content::is_blank(code) {
        return Err(ValidationError::Missing { field: FIELD });
    }
    let invalid = |reason: &str| Err(ValidationError::Invalid { field: FIELD, reason: reason.to_owned() });
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return invalid("a payment code has only digits");
    }
    if !(16..=24).contains(&code.len()) {
        return invalid("a payment code has 16 to 24 digits");
    }
    match code.get(..2).and_then(|p| p.parse::<u8>().ok()) {
        Some(25..=30) => Ok(()),
        _ => invalid("a payment code starts with 25 to 30"),
    }
}

/// Business fields of the `alipay.trade.pay` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradePayResponse {
    /// Alipay's trade number (28 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Buyer's masked logon id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_logon_id: Option<String>,
    /// Buyer's user id (`2088...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_user_id: Option<String>,
    /// Buyer's open id, for an app that gets open ids instead of user ids (apps created since 2023–24: Alipay's
    /// openid introduction; jeequan/jeepay#123, smartwalle/alipay#219). Such apps get no `buyer_user_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_open_id: Option<String>,
    /// Order amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<Money>,
    /// Amount the merchant receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_amount: Option<Money>,
    /// Amount the buyer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_pay_amount: Option<Money>,
    /// Amount paid with points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_amount: Option<Money>,
    /// Amount that may be invoiced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_amount: Option<Money>,
    /// Time of payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_payment: Option<Timestamp>,
    /// Funding sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_bill_list: Option<Vec<FundBill>>,
    /// Store name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_name: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alipay.trade.precreate`: create a trade and get a QR code for the buyer to scan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradePrecreate {
    /// The merchant's order number: ≤ 64 letters, digits, `_`, `-`.
    #[serde(default)]
    pub out_trade_no: String,
    /// Order amount, `0.01 ..= 100000000.00`.
    pub total_amount: Money,
    /// Order title (≤ 256), required.
    #[serde(default)]
    pub subject: String,
    /// Order description (≤ 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Store id (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// Cashier's id (≤ 28).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
    /// Terminal id (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// Relative timeout of the trade, `1m` ..= `15d` or `1c`.
    #[serde(default, deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
    pub timeout_express: Option<TimeoutExpress>,
    /// Absolute timeout (`yyyy-MM-dd HH:mm:ss`, Beijing time); wins over `timeout_express` when both are sent.
    /// Alipay's current precreate documents it beside `timeout_express`; the seed does not list it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_expire: Option<Timestamp>,
    /// Relative timeout counted from the QR code's creation, same format as `timeout_express`.
    #[serde(default, deserialize_with = "crate::timeout::optional", skip_serializing_if = "Option::is_none")]
    pub qr_code_timeout_express: Option<TimeoutExpress>,
    /// What the order contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<GoodsDetail>>,
    /// Returned as is in the notification (≤ 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passback_params: Option<String>,
}

impl AlipayRequest for TradePrecreate {
    const METHOD: &'static str = "alipay.trade.precreate";
    type Response = TradePrecreateResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::merchant_no("out_trade_no", &self.out_trade_no, 64)?;
        validate::amount("total_amount", self.total_amount, Money::MIN_PAYABLE, Money::MAX_TRADE)
            .map_err(|e| e.documented(errors::TOTAL_FEE_EXCEED))?;
        validate::required("subject", &self.subject, 256)?;
        validate::optional("body", self.body.as_deref(), 128)?;
        validate::optional("store_id", self.store_id.as_deref(), 32)?;
        validate::optional("operator_id", self.operator_id.as_deref(), 28)?;
        validate::optional("terminal_id", self.terminal_id.as_deref(), 32)?;
        validate_timeout_express("timeout_express", self.timeout_express)?;
        validate_timeout_express("qr_code_timeout_express", self.qr_code_timeout_express)?;
        validate_goods(self.goods_detail.as_deref())?;
        validate::optional("passback_params", self.passback_params.as_deref(), 512)
    }
}

/// Business fields of the `alipay.trade.precreate` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradePrecreateResponse {
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// The QR code's content, `https://qr.alipay.com/...`, valid 2 hours; render it as an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_request, encode_request, ApiResponse, ResultCode};

    #[test]
    fn pay_round_trips_through_biz_content() {
        let mut pay = crate::fixtures::trade_pay();
        pay.goods_detail = Some(vec![GoodsDetail {
            goods_id: "apple-01".into(),
            goods_name: "ipad".into(),
            quantity: 1,
            price: "2000.00".parse().unwrap(),
            ..Default::default()
        }]);
        pay.time_expire = Some("2016-12-31 10:05:01".parse().unwrap());
        pay.validate().unwrap();
        let params = encode_request(&pay).unwrap();
        assert_eq!(params.len(), 1);
        assert_eq!(params[0].0, "biz_content");
        let json: Value = serde_json::from_str(&params[0].1).unwrap();
        assert_eq!(json["scene"], "bar_code");
        assert_eq!(json["total_amount"], "88.88");
        assert_eq!(json["time_expire"], "2016-12-31 10:05:01");
        assert_eq!(json["goods_detail"][0]["price"], "2000.00");
        assert!(json.get("buyer_id").is_none());
        let back: TradePay = decode_request(&params).unwrap();
        assert_eq!(back, pay);
    }

    #[test]
    fn pay_accepts_the_seed_json_as_the_java_sdk_sends_it() {
        let biz = r#"{"out_trade_no":"20150320010101001","scene":"bar_code","auth_code":"28763443825664394","subject":"Iphone6 16G","store_id":"NJ_001","timeout_express":"2m","total_amount":"88.88"}"#;
        let pay: TradePay = decode_request(&[("biz_content".into(), biz.into())]).unwrap();
        assert_eq!(pay, crate::fixtures::trade_pay());
    }

    #[test]
    fn pay_rules() {
        let check = |f: fn(&mut TradePay)| {
            let mut p = crate::fixtures::trade_pay();
            f(&mut p);
            p.validate().unwrap_err()
        };
        assert_eq!(check(|p| p.out_trade_no.clear()), ValidationError::Missing { field: "out_trade_no" });
        assert!(matches!(check(|p| p.out_trade_no = "a".repeat(65)), ValidationError::TooLong { max: 64, .. }));
        assert!(matches!(
            check(|p| p.out_trade_no = "2015.03".into()),
            ValidationError::Invalid { field: "out_trade_no", .. }
        ));
        // `-` is accepted, as by Alipay (UUIDs: see `validate::merchant_no`).
        let mut uuid = crate::fixtures::trade_pay();
        uuid.out_trade_no = "6f1c2a9e-3b7d-4e0a-9c51-8d2f4b6a7e10".into();
        uuid.validate().unwrap();
        assert!(matches!(
            check(|p| p.scene = PayScene::Unknown("wave".into())),
            ValidationError::Invalid { field: "scene", .. }
        ));
        assert_eq!(check(|p| p.auth_code.clear()), ValidationError::Missing { field: "auth_code" });
        for bad in ["18763443825664394", "2876344382566", "2876344382566439412345678", "2876344382566439x"] {
            let mut p = crate::fixtures::trade_pay();
            p.auth_code = bad.into();
            let e = p.validate().unwrap_err();
            assert!(matches!(e, ValidationError::Documented { field: "auth_code", .. }), "{bad}");
            assert_eq!(e.sub_code(), Some(errors::PAYMENT_AUTH_CODE_INVALID));
        }
        for good in ["2500000000000000", "300000000000000000000000"] {
            let mut p = crate::fixtures::trade_pay();
            p.auth_code = good.into();
            assert_eq!(p.validate(), Ok(()), "{good}");
        }
        assert_eq!(check(|p| p.subject = " ".into()), ValidationError::Missing { field: "subject" });
        assert!(matches!(check(|p| p.subject = "码".repeat(257)), ValidationError::TooLong { field: "subject", .. }));
        assert!(matches!(
            check(|p| p.total_amount = Money::ZERO),
            ValidationError::Documented { field: "total_amount", code: errors::TOTAL_FEE_EXCEED, .. }
        ));
        assert!(matches!(
            check(|p| p.total_amount = Money::from_fen(10_000_000_001)),
            ValidationError::Documented { field: "total_amount", code: errors::TOTAL_FEE_EXCEED, .. }
        ));
        // Not a timeout at all: the request does not decode.
        let biz = r#"{"out_trade_no":"T","auth_code":"28763443825664394","subject":"s","total_amount":"1.00","timeout_express":"1.5h"}"#;
        assert!(decode_request::<TradePay>(&[("biz_content".into(), biz.into())]).is_err());
        let blank = biz.replace("1.5h", " ");
        let read: TradePay = decode_request(&[("biz_content".into(), blank)]).unwrap();
        assert_eq!(read.timeout_express, None, "a blank timeout is no timeout");
        assert!(matches!(
            check(|p| p.timeout_express = Some(TimeoutExpress::Days(16))),
            ValidationError::Invalid { field: "timeout_express", .. }
        ));
        assert!(matches!(
            check(|p| p.store_id = Some("s".repeat(33))),
            ValidationError::TooLong { field: "store_id", .. }
        ));
        assert!(matches!(
            check(|p| p.goods_detail = Some(vec![GoodsDetail { goods_name: "x".into(), ..Default::default() }])),
            ValidationError::Missing { field: "goods_detail.goods_id" }
        ));
    }

    #[test]
    fn pay_response_reads_a_success() {
        let json = r#"{"code":"10000","msg":"Success","buyer_logon_id":"ekx***@sandbox.com","buyer_pay_amount":"88.88","buyer_user_id":"2088102177846875","fund_bill_list":[{"amount":"88.88","fund_channel":"ALIPAYACCOUNT"}],"gmt_payment":"2019-09-16 10:55:20","invoice_amount":"88.88","out_trade_no":"20150320010101001","point_amount":"0.00","receipt_amount":"88.88","total_amount":"88.88","trade_no":"2019091622001446870500961234"}"#;
        let r: ApiResponse<TradePayResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.status.code, ResultCode::Success);
        assert_eq!(r.body.total_amount, Some(Money::from_fen(8888)));
        assert_eq!(r.body.point_amount, Some(Money::ZERO));
        assert_eq!(r.body.gmt_payment.unwrap().to_string(), "2019-09-16 10:55:20");
        let bills = r.body.fund_bill_list.unwrap();
        assert_eq!(bills[0].fund_channel, "ALIPAYACCOUNT");
        assert_eq!(bills[0].amount, Money::from_fen(8888));
        assert!(r.body.extra.is_empty());
    }

    #[test]
    fn precreate_round_trips_and_validates() {
        // Seed 001's QR example.
        let biz = r#"{"out_trade_no":"20150320010101002","total_amount":"88.88","subject":"Iphone6 16G","store_id":"NJ_001","timeout_express":"90m"}"#;
        let pre: TradePrecreate = decode_request(&[("biz_content".into(), biz.into())]).unwrap();
        assert_eq!(pre.total_amount, Money::from_fen(8888));
        assert_eq!(pre.timeout_express, Some(TimeoutExpress::Minutes(90)));
        pre.validate().unwrap();
        assert_eq!(encode_request(&pre).unwrap()[0].1, biz);

        let missing = TradePrecreate { subject: String::new(), ..pre.clone() };
        assert_eq!(missing.validate(), Err(ValidationError::Missing { field: "subject" }));
        let bad_qr = TradePrecreate { qr_code_timeout_express: Some(TimeoutExpress::Minutes(0)), ..pre.clone() };
        assert!(matches!(bad_qr.validate(), Err(ValidationError::Invalid { field: "qr_code_timeout_express", .. })));
        let too_much = TradePrecreate { total_amount: "100000000.01".parse().unwrap(), ..pre };
        let e = too_much.validate().unwrap_err();
        assert!(matches!(e, ValidationError::Documented { field: "total_amount", .. }));
        assert_eq!(e.sub_code(), Some(errors::TOTAL_FEE_EXCEED));
        // A missing amount is not a zero amount: it does not decode (issue 8, "models keep required").
        let no_amount =
            decode_request::<TradePrecreate>(&[("biz_content".into(), r#"{"out_trade_no":"1","subject":"s"}"#.into())]);
        assert!(no_amount.is_err());
    }

    #[test]
    fn precreate_response_reads_the_qr_code() {
        let json = r#"{"code":"10000","msg":"Success","out_trade_no":"20150320010101002","qr_code":"https:\/\/qr.alipay.com\/bax03431ljhokirwl38f00a7"}"#;
        let r: ApiResponse<TradePrecreateResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.qr_code.as_deref(), Some("https://qr.alipay.com/bax03431ljhokirwl38f00a7"));
        assert_eq!(r.body.out_trade_no.as_deref(), Some("20150320010101002"));
    }

    #[test]
    fn an_absent_amount_is_not_zero() {
        let absent = crate::decode_request::<TradePrecreate>(&crate::test_util::pairs(&[(
            "biz_content",
            r#"{"out_trade_no":"T1","subject":"s"}"#,
        )]));
        assert!(absent.unwrap_err().to_string().contains("total_amount"));
        let zero = crate::decode_request::<TradePrecreate>(&crate::test_util::pairs(&[(
            "biz_content",
            r#"{"out_trade_no":"T1","subject":"s","total_amount":"0.00"}"#,
        )]))
        .unwrap();
        assert!(zero.validate().is_err(), "zero decodes, and the amount rule refuses it");
        let pay = crate::decode_request::<TradePay>(&crate::test_util::pairs(&[(
            "biz_content",
            r#"{"out_trade_no":"T1","auth_code":"28763443825664394","subject":"s"}"#,
        )]));
        assert!(pay.is_err());
    }
}
