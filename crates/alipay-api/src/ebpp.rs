//! EBPP bill payment (账单缴费, seed 000): `alipay.ebpp.bill.add` and `alipay.ebpp.bill.get`.
//!
//! Both are legacy methods: their business parameters travel as top-level form fields
//! ([`Transport::TopLevel`]), every one a string (amounts as `"91.00"`); `extend_field` is JSON text in a field.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Money, Transport};

string_enum! {
    /// `order_status` of a bill.
    pub enum OrderStatus {
        /// Created, waiting for the user to pay it in the wallet.
        Init = "INIT",
        /// Paid.
        Success = "SUCCESS",
        /// Payment failed.
        Failed = "FAILED",
    }
}

/// `alipay.ebpp.bill.add`: create a bill for the user to pay (it starts [`OrderStatus::Init`]).
///
/// ```
/// use alipay_api::{ebpp::EbppBillAdd, encode_request, AlipayRequest};
/// let bill = EbppBillAdd {
///     merchant_order_no: "201507250000001".into(),
///     order_type: "JF".into(),
///     sub_order_type: "GAS".into(),
///     charge_inst: "WHSTRQ2150".into(),
///     bill_key: "2015072001".into(),
///     pay_amount: "91.00".parse()?,
///     extend_field: Some(r#"{"channel":"EXTERNAL_BANGDAO"}"#.into()),
///     ..Default::default()
/// };
/// bill.validate()?;
/// let params = encode_request(&bill)?;
/// assert!(params.contains(&("pay_amount".to_string(), "91.00".to_string())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EbppBillAdd {
    /// The merchant's order number, unique per merchant; required.
    pub merchant_order_no: String,
    /// Payment type: `JF` (utilities), `HK` (credit card repayment), ...; required.
    pub order_type: String,
    /// Sub-type: `WATER`, `ELECTRIC`, `GAS`, `COMMUN`, `CATV`, `TRAFFIC`, ...; required.
    pub sub_order_type: String,
    /// The billing institution's code, e.g. `WHSTRQ2150`; required.
    pub charge_inst: String,
    /// The household / account number at the institution (户号); required.
    pub bill_key: String,
    /// Billing period, `yyyyMM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_date: Option<String>,
    /// Account holder's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// Holder's mobile number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// Bill amount, `0.01 ..= 100000000.00`.
    pub pay_amount: Money,
    /// Service fee (not negative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_amount: Option<Money>,
    /// The bank's bill number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_bill_no: Option<String>,
    /// The institution's extra attributes: JSON object text, e.g. `{"channel":"EXTERNAL_BANGDAO"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extend_field: Option<String>,
}

impl AlipayRequest for EbppBillAdd {
    const METHOD: &'static str = "alipay.ebpp.bill.add";
    const TRANSPORT: Transport = Transport::TopLevel;
    type Response = EbppBillAddResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::present("merchant_order_no", &self.merchant_order_no)?;
        validate::present("order_type", &self.order_type)?;
        validate::present("sub_order_type", &self.sub_order_type)?;
        validate::present("charge_inst", &self.charge_inst)?;
        validate::present("bill_key", &self.bill_key)?;
        if let Some(date) = self.bill_date.as_deref() {
            year_month("bill_date", date)?;
        }
        validate::amount("pay_amount", self.pay_amount, Money::MIN_PAYABLE, Money::MAX_TRADE)?;
        validate::amount_opt("service_amount", self.service_amount, Money::ZERO, Money::MAX_TRADE)?;
        self.extend_field.as_deref().map_or(Ok(()), |e| validate::json_object("extend_field", e))
    }
}

/// `yyyyMM`, month 01..=12.
fn year_month(field: &'static str, value: &str) -> Result<(), ValidationError> {
    let valid = validate::is_digits(value, 6)
        && value.get(4..).and_then(|m| m.parse().ok()).is_some_and(|m| validate::is_calendar_date(2000, m, None));
    if valid {
        Ok(())
    } else {
        Err(ValidationError::Invalid { field, reason: format!("{value:?} is not a month in the form yyyyMM") })
    }
}

/// A bill as `alipay.ebpp.bill.add` and `alipay.ebpp.bill.get` answer it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EbppBill {
    /// Alipay's order number for the bill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alipay_order_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<String>,
    /// Payment type (`JF`, `HK`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<String>,
    /// Sub-type (`WATER`, `GAS`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_order_type: Option<String>,
    /// The billing institution's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_inst: Option<String>,
    /// The billing institution's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_inst_name: Option<String>,
    /// Household / account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_key: Option<String>,
    /// Billing period (`yyyyMM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_date: Option<String>,
    /// Account holder's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// Bill amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_amount: Option<Money>,
    /// Service fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_amount: Option<Money>,
    /// The bank's bill number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_bill_no: Option<String>,
    /// The institution's extra attributes, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_field: Option<String>,
    /// The bill's status (`alipay.ebpp.bill.get`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_status: Option<OrderStatus>,
    /// When the bill was paid (`alipay.ebpp.bill.get`), as Alipay writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_time: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Business fields of the `alipay.ebpp.bill.add` answer: the bill as created.
pub type EbppBillAddResponse = EbppBill;

/// Business fields of the `alipay.ebpp.bill.get` answer: the bill with its status and payment time.
pub type EbppBillGetResponse = EbppBill;

/// `alipay.ebpp.bill.get`: a bill by its type and the merchant's order number.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EbppBillGet {
    /// Payment type, as sent when the bill was created; required.
    pub order_type: String,
    /// The merchant's order number; required.
    pub merchant_order_no: String,
}

impl AlipayRequest for EbppBillGet {
    const METHOD: &'static str = "alipay.ebpp.bill.get";
    const TRANSPORT: Transport = Transport::TopLevel;
    type Response = EbppBillGetResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::present("order_type", &self.order_type)?;
        validate::present("merchant_order_no", &self.merchant_order_no)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_request, encode_request, ApiResponse};

    use crate::test_util::pairs;

    #[test]
    fn bill_add_travels_as_top_level_fields() {
        let bill = crate::fixtures::ebpp_bill_add();
        bill.validate().unwrap();
        let params = encode_request(&bill).unwrap();
        assert!(params.iter().all(|(k, _)| k != "biz_content"));
        assert_eq!(
            params,
            pairs(&[
                ("merchant_order_no", "201507250000001"),
                ("order_type", "JF"),
                ("sub_order_type", "GAS"),
                ("charge_inst", "WHSTRQ2150"),
                ("bill_key", "2015072001"),
                ("bill_date", "201607"),
                ("owner_name", "张三"),
                ("mobile", "139XXXXXXXX"),
                ("pay_amount", "91.00"),
                ("service_amount", "9.00"),
                ("bank_bill_no", "20160712"),
                ("extend_field", r#"{"channel":"EXTERNAL_BANGDAO"}"#),
            ])
        );
        // The gateway sees the common parameters too; they are ignored.
        let mut form = pairs(&[("app_id", "2014072300007148"), ("method", EbppBillAdd::METHOD), ("sign", "xyz")]);
        form.extend(params);
        let back: EbppBillAdd = decode_request(&form).unwrap();
        assert_eq!(back, bill);
        assert_eq!(back.extend_field.as_deref(), Some(r#"{"channel":"EXTERNAL_BANGDAO"}"#));
    }

    #[test]
    fn bill_add_rules() {
        let check = |f: fn(&mut EbppBillAdd)| {
            let mut b = crate::fixtures::ebpp_bill_add();
            f(&mut b);
            b.validate()
        };
        assert_eq!(
            check(|b| b.merchant_order_no.clear()),
            Err(ValidationError::Missing { field: "merchant_order_no" })
        );
        assert_eq!(check(|b| b.bill_key = "  ".into()), Err(ValidationError::Missing { field: "bill_key" }));
        assert!(matches!(
            check(|b| b.pay_amount = Money::ZERO),
            Err(ValidationError::Invalid { field: "pay_amount", .. })
        ));
        assert!(matches!(
            check(|b| b.pay_amount = "100000000.01".parse().unwrap()),
            Err(ValidationError::Invalid { field: "pay_amount", .. })
        ));
        assert!(matches!(
            check(|b| b.service_amount = Some(Money::from_fen(-1))),
            Err(ValidationError::Invalid { field: "service_amount", .. })
        ));
        for bad in ["2016-07", "20167", "201613", "201600"] {
            let b = EbppBillAdd { bill_date: Some(bad.into()), ..crate::fixtures::ebpp_bill_add() };
            assert!(matches!(b.validate(), Err(ValidationError::Invalid { field: "bill_date", .. })), "{bad}");
        }
        for bad in ["channel=EXTERNAL", "[\"a\"]", "{\"a\":"] {
            let b = EbppBillAdd { extend_field: Some(bad.into()), ..crate::fixtures::ebpp_bill_add() };
            assert!(matches!(b.validate(), Err(ValidationError::Invalid { field: "extend_field", .. })), "{bad}");
        }
        // Missing from the form: decoded as empty, reported by validate.
        let partial: EbppBillAdd = decode_request(&pairs(&[("order_type", "JF"), ("pay_amount", "1.00")])).unwrap();
        assert_eq!(partial.validate(), Err(ValidationError::Missing { field: "merchant_order_no" }));
        assert!(decode_request::<EbppBillAdd>(&pairs(&[("pay_amount", "1.005")])).is_err());
    }

    #[test]
    fn bill_get_round_trips_and_validates() {
        let get = EbppBillGet { order_type: "JF".into(), merchant_order_no: "201507250000001".into() };
        get.validate().unwrap();
        let params = encode_request(&get).unwrap();
        assert_eq!(params, pairs(&[("order_type", "JF"), ("merchant_order_no", "201507250000001")]));
        assert_eq!(decode_request::<EbppBillGet>(&params).unwrap(), get);
        let missing = EbppBillGet { order_type: String::new(), ..get };
        assert_eq!(missing.validate(), Err(ValidationError::Missing { field: "order_type" }));
    }

    #[test]
    fn bill_responses_read_typed_values() {
        let json = r#"{"code":"10000","msg":"Success","alipay_order_no":"201203088888888","bank_bill_no":"20130705","bill_date":"201203","bill_key":"3388102012376451","charge_inst":"BJCEB","charge_inst_name":"北京光大","extend_field":"20140504","merchant_order_no":"201203031234567","order_type":"JF","owner_name":"织绫","pay_amount":"23.45","service_amount":"8","sub_order_type":"WATER","order_status":"SUCCESS","pay_time":"2012-03-08 12:00:00"}"#;
        let r: ApiResponse<EbppBillGetResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.pay_amount, Some(Money::from_fen(2345)));
        assert_eq!(r.body.service_amount, Some(Money::from_fen(800)));
        assert_eq!(r.body.order_status, Some(OrderStatus::Success));
        assert_eq!(r.body.charge_inst_name.as_deref(), Some("北京光大"));
        assert!(r.body.extra.is_empty());
        let init: ApiResponse<EbppBillGetResponse> =
            serde_json::from_str(r#"{"code":"10000","msg":"Success","order_status":"INIT"}"#).unwrap();
        assert_eq!(init.body.order_status, Some(OrderStatus::Init));
        let odd: ApiResponse<EbppBillGetResponse> =
            serde_json::from_str(r#"{"code":"10000","msg":"Success","order_status":"REVOKED"}"#).unwrap();
        assert_eq!(odd.body.order_status.unwrap().as_str(), "REVOKED");
    }
}
