//! Deductions: `alipay.ebpp.pdeduct.pay` (seed 002) and `alipay.ebpp.pdeduct.bill.pay.status`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{len, pay_errors, validate_extend_field, DeductResult};
use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Money, Transport};

/// `alipay.ebpp.pdeduct.pay` (top-level fields, seed 002): charge a bill under a signed agreement.
///
/// `out_order_no` is the idempotency key: paying the same one twice charges once.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PdeductPay {
    /// Alipay's agreement id (≤ 32); required.
    pub agreement_id: String,
    /// The user's Alipay id (≤ 16); required unless `open_id` is given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    /// The user's open id in this app (≤ 128), instead of `user_id`, for apps that get open ids (Alipay's EBPP
    /// models carry it beside `user_id` today).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Household number (≤ 30); required.
    pub bill_key: String,
    /// The institution's merchant PID (≤ 16); required.
    pub pid: String,
    /// The institution's order number (≤ 30), the idempotency key; required.
    pub out_order_no: String,
    /// Total to charge, fine included, `0.01 ..= 100000000.00`; required.
    pub pay_amount: Money,
    /// Late fee (滞纳金), part of `pay_amount`; required (may be `0.00`).
    pub fine_amount: Money,
    /// Billing period (≤ 20), e.g. `201410`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_date: Option<String>,
    /// Channel (≤ 30), e.g. `PUBLICFORM`: any non-empty value; required.
    pub agent_channel: String,
    /// Second-level channel code (≤ 20), reserved; required.
    pub agent_code: String,
    /// Memo (≤ 150).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// Extra parameters: JSON object text (≤ 3000), e.g. `{"key1":"value1"}`; anything else is a format error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extend_field: Option<String>,
}

impl AlipayRequest for PdeductPay {
    const METHOD: &'static str = "alipay.ebpp.pdeduct.pay";
    const TRANSPORT: Transport = Transport::TopLevel;
    type Response = PdeductPayResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        // Seed 002's documented answers for four missing fields; any other broken rule is PARAMETER_ILLEGAL.
        validate::required("agreement_id", &self.agreement_id, len::AGREEMENT_ID)
            .map_err(|e| e.documented_if_missing(pay_errors::AGREEMENT_ID_IS_NULL))?;
        super::validate_user(&self.user_id, self.open_id.as_deref())?;
        validate::required("bill_key", &self.bill_key, len::BILL_KEY_PAY)
            .map_err(|e| e.documented_if_missing(pay_errors::BILL_KEY_IS_NULL))?;
        validate::required("pid", &self.pid, len::PID)?;
        validate::required("out_order_no", &self.out_order_no, len::OUT_ORDER_NO)
            .map_err(|e| e.documented_if_missing(pay_errors::INST_ORDER_NO_IS_NULL))?;
        validate::amount("pay_amount", self.pay_amount, Money::MIN_PAYABLE, Money::MAX_TRADE)?;
        // "扣款金额,支付总金额,包含滞纳金": the fine is part of the total.
        validate::amount("fine_amount", self.fine_amount, Money::ZERO, self.pay_amount)?;
        validate::optional("bill_date", self.bill_date.as_deref(), 20)?;
        validate::required("agent_channel", &self.agent_channel, len::AGENT_CHANNEL)
            .map_err(|e| e.documented_if_missing(pay_errors::AGENT_CHANNEL_IS_NULL))?;
        validate::required("agent_code", &self.agent_code, len::AGENT_CODE)?;
        validate::optional("memo", self.memo.as_deref(), 150)?;
        validate_extend_field(self.extend_field.as_deref())
    }
}

/// Business fields of the `alipay.ebpp.pdeduct.pay` answer (seed 002).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PdeductPayResponse {
    /// Alipay's agreement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    /// The institution's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// Alipay's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_no: Option<String>,
    /// The outcome: `0` unknown, `1` success, `2` failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_status: Option<DeductResult>,
    /// Extra parameters, as JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_field: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alipay.ebpp.pdeduct.bill.pay.status` (top-level fields): the outcome of one deduction.
///
/// Seed 000: `agreement_id` carries the **user id** here ("注意,此处需要用USER_ID").
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PdeductBillPayStatus {
    /// The user's Alipay id, despite the name (≤ 32); required.
    pub agreement_id: String,
    /// The institution's order number of the deduction (≤ 30); required.
    pub out_order_no: String,
}

impl AlipayRequest for PdeductBillPayStatus {
    const METHOD: &'static str = "alipay.ebpp.pdeduct.bill.pay.status";
    const TRANSPORT: Transport = Transport::TopLevel;
    type Response = PdeductBillPayStatusResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::required("agreement_id", &self.agreement_id, len::AGREEMENT_ID)
            .map_err(|e| e.documented_if_missing(pay_errors::AGREEMENT_ID_IS_NULL))?;
        validate::required("out_order_no", &self.out_order_no, len::OUT_ORDER_NO)
            .map_err(|e| e.documented_if_missing(pay_errors::INST_ORDER_NO_IS_NULL))
    }
}

/// Business fields of the `alipay.ebpp.pdeduct.bill.pay.status` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PdeductBillPayStatusResponse {
    /// The institution's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// As sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    /// The outcome: `0` unknown, `1` success, `2` failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeductResult>,
    /// Alipay's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// The payment's result code (on failure, why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_result_code: Option<String>,
    /// The payment's result message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_result_msg: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_request, encode_request, ApiResponse, ResultCode};

    use crate::test_util::pairs;

    #[test]
    fn pay_travels_as_top_level_fields_and_keeps_extend_field_text() {
        let pay = crate::fixtures::pdeduct_pay();
        pay.validate().unwrap();
        let params = encode_request(&pay).unwrap();
        assert_eq!(
            params,
            pairs(&[
                ("agreement_id", "1234557890"),
                ("user_id", "2088123411243554"),
                ("bill_key", "262327843"),
                ("pid", "2088611103588892"),
                ("out_order_no", "18882329324"),
                ("pay_amount", "23.00"),
                ("fine_amount", "2.00"),
                ("bill_date", "201410"),
                ("agent_channel", "PUBLICFORM"),
                ("agent_code", "SECOND"),
                ("memo", "memo"),
                ("extend_field", r#"{"key1":"value1","key2":"value2", "key3":"value3","key4":"value4"}"#),
            ])
        );
        let mut form = pairs(&[("app_id", "2014072300007148"), ("method", PdeductPay::METHOD), ("version", "1.0")]);
        form.extend(params);
        let back: PdeductPay = decode_request(&form).unwrap();
        assert_eq!(back, pay);
        // The text is kept byte for byte (it is signed as sent), not re-serialised.
        assert_eq!(back.extend_field, pay.extend_field);
    }

    #[test]
    fn pay_rules() {
        let check = |f: fn(&mut PdeductPay)| {
            let mut p = crate::fixtures::pdeduct_pay();
            f(&mut p);
            p.validate().unwrap_err()
        };
        // Seed 002 (002_2eb287469fe6a965.txt:90-93): four missing fields have their own codes.
        let documented = [
            (check(|p| p.agreement_id.clear()), "agreement_id", pay_errors::AGREEMENT_ID_IS_NULL),
            (check(|p| p.agent_channel.clear()), "agent_channel", pay_errors::AGENT_CHANNEL_IS_NULL),
            (check(|p| p.bill_key.clear()), "bill_key", pay_errors::BILL_KEY_IS_NULL),
            (check(|p| p.out_order_no.clear()), "out_order_no", pay_errors::INST_ORDER_NO_IS_NULL),
        ];
        for (e, field, code) in documented {
            assert!(matches!(e, ValidationError::Documented { field: f, .. } if f == field), "{e:?}");
            assert_eq!(e.sub_code(), Some(code));
        }
        assert_eq!(check(|p| p.agent_code.clear()), ValidationError::Missing { field: "agent_code" });
        let too_long = [
            (check(|p| p.agreement_id = "1".repeat(33)), "agreement_id", 32),
            (check(|p| p.user_id = "1".repeat(17)), "user_id", 16),
            (check(|p| p.bill_key = "1".repeat(31)), "bill_key", 30),
            (check(|p| p.pid = "1".repeat(17)), "pid", 16),
            (check(|p| p.out_order_no = "1".repeat(31)), "out_order_no", 30),
            (check(|p| p.bill_date = Some("1".repeat(21))), "bill_date", 20),
            (check(|p| p.agent_channel = "C".repeat(31)), "agent_channel", 30),
            (check(|p| p.agent_code = "C".repeat(21)), "agent_code", 20),
            (check(|p| p.memo = Some("备".repeat(151))), "memo", 150),
            (check(|p| p.extend_field = Some(format!(r#"{{"k":"{}"}}"#, "v".repeat(3000)))), "extend_field", 3000),
        ];
        for (err, field, max) in too_long {
            assert!(
                matches!(err, ValidationError::TooLong { field: f, max: m, .. } if f == field && m == max),
                "{field}: {err:?}"
            );
        }
        assert!(matches!(check(|p| p.pay_amount = Money::ZERO), ValidationError::Invalid { field: "pay_amount", .. }));
        assert!(matches!(
            check(|p| p.fine_amount = "23.01".parse().unwrap()),
            ValidationError::Invalid { field: "fine_amount", .. }
        ));
        assert!(matches!(
            check(|p| p.fine_amount = Money::from_fen(-1)),
            ValidationError::Invalid { field: "fine_amount", .. }
        ));
        assert!(matches!(
            check(|p| p.extend_field = Some("{\"key1\":".into())),
            ValidationError::Invalid { field: "extend_field", .. }
        ));
        let no_fine = PdeductPay { fine_amount: Money::ZERO, ..crate::fixtures::pdeduct_pay() };
        assert_eq!(no_fine.validate(), Ok(()));
        assert!(decode_request::<PdeductPay>(&pairs(&[("pay_amount", "23.001")])).is_err());
    }

    #[test]
    fn pay_reads_the_seed_answers() {
        // Seed 002's two sample responses, verbatim.
        let success = r#"{
"alipay_ebpp_pdeduct_pay_response":{
"agreement_id":"1231232132",
"result_status":"1",
"out_order_no":"213134234",
"extend_field":"{\"school_no\":\"SHNU\",\r\n\"student_id\":\"20130516\"}",
"bill_no":"201323423234"
}
}"#;
        let mut root: Value = serde_json::from_str(success).unwrap();
        let body: PdeductPayResponse = serde_json::from_value(root["alipay_ebpp_pdeduct_pay_response"].take()).unwrap();
        assert_eq!(body.agreement_id.as_deref(), Some("1231232132"));
        assert_eq!(body.result_status, Some(DeductResult::Success));
        assert_eq!(body.out_order_no.as_deref(), Some("213134234"));
        assert_eq!(body.bill_no.as_deref(), Some("201323423234"));
        let extend: Value = serde_json::from_str(body.extend_field.as_deref().unwrap()).unwrap();
        assert_eq!(extend["student_id"], "20130516");
        assert_eq!(serde_json::to_value(&body).unwrap()["result_status"], "1");

        let failure = r#"{
"alipay_ebpp_pdeduct_pay_response":{
"msg":"Service Currently Unavailable",
"code":"20000",
"sub_msg":"系统繁忙",
"sub_code":"isp.unknow-error"
},
"sign":"ERITJKEIJKJHKKKKKKKHJEREEEEEEEEEEE"
}"#;
        let mut root: Value = serde_json::from_str(failure).unwrap();
        let r: ApiResponse<PdeductPayResponse> =
            serde_json::from_value(root["alipay_ebpp_pdeduct_pay_response"].take()).unwrap();
        assert_eq!(r.status.code, ResultCode::UnknownError);
        assert_eq!(r.status.sub_code.as_deref(), Some("isp.unknow-error"));
        assert_eq!(r.body.result_status, None);

        let numeric = r#"{"code":"10000","msg":"Success","result_status":2}"#;
        let r: ApiResponse<PdeductPayResponse> = serde_json::from_str(numeric).unwrap();
        assert_eq!(r.body.result_status, Some(DeductResult::Failed));
    }

    #[test]
    fn bill_pay_status_round_trips_validates_and_reads() {
        // Seed 000: the user id goes in agreement_id.
        let q = PdeductBillPayStatus { agreement_id: "2088102168514583".into(), out_order_no: "20150720030102".into() };
        q.validate().unwrap();
        let params = encode_request(&q).unwrap();
        assert_eq!(params, pairs(&[("agreement_id", "2088102168514583"), ("out_order_no", "20150720030102")]));
        assert_eq!(decode_request::<PdeductBillPayStatus>(&params).unwrap(), q);
        let missing = PdeductBillPayStatus { out_order_no: String::new(), ..q.clone() };
        assert_eq!(missing.validate().unwrap_err().sub_code(), Some(pay_errors::INST_ORDER_NO_IS_NULL));
        let long = PdeductBillPayStatus { out_order_no: "1".repeat(31), ..q };
        assert!(matches!(long.validate(), Err(ValidationError::TooLong { field: "out_order_no", max: 30, .. })));

        let json = r#"{"code":"10000","msg":"Success","out_order_no":"20150720030102","agreement_id":"2088102168514583","status":"0","order_no":"2016072621001004580221541234"}"#;
        let r: ApiResponse<PdeductBillPayStatusResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.status, Some(DeductResult::Undetermined));
        assert_eq!(r.body.order_no.as_deref(), Some("2016072621001004580221541234"));
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
    }
}
