//! Deduct agreements: `alipay.ebpp.pdeduct.sign.add`, `.sign.query` and `.sign.cancel`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{len, pay_errors, validate_extend_field};
use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Timestamp, Transport};

/// `alipay.ebpp.pdeduct.sign.add` (top-level fields): sign a user up for direct deduct, with the
/// `pay_password_token` the user's authorisation in the wallet produced.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PdeductSignAdd {
    /// Token from the user's payment authorisation; required.
    pub pay_password_token: String,
    /// The user's Alipay id (`2088...`, ≤ 16); required unless `open_id` is given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    /// The user's open id in this app (≤ 128), instead of `user_id`, for apps that get open ids (Alipay's EBPP
    /// models carry it beside `user_id` today).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Business type (≤ 32): `JF` (utilities), `WUYE` (property), `HK` (card repayment), `TX` (top-up); required.
    pub biz_type: String,
    /// Sub-type (≤ 32): `WATER`, `ELECTRIC`, `GAS`, `COMMUN`, `CATV`, `TRAFFIC`, `WUYE`, `HK`, `CZ`; required.
    pub sub_biz_type: String,
    /// Household number at the institution (≤ 32); required.
    pub bill_key: String,
    /// The billing institution (≤ 50), e.g. `CQCENTERELECTRIC`; required.
    pub charge_inst: String,
    /// The institution's merchant PID (≤ 16); required.
    pub pid: String,
    /// Account holder's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// The institution's own agreement id (≤ 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_agreement_id: Option<String>,
    /// Deduct type, e.g. `direct_sign_deduct`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deduct_type: Option<String>,
    /// Channel the user signed through (≤ 30), e.g. `PUBLICPLATFORM`; required.
    pub agent_channel: String,
    /// Second-level channel code (≤ 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_code: Option<String>,
    /// The last day the agreement can be charged (Beijing date): `yyyy-MM-dd`, `yyyyMMdd` or
    /// `yyyy-MM-dd HH:mm:ss` (the day counts). No format is published; these are the ones accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_expire_date: Option<String>,
    /// Extra parameters: JSON object text (≤ 3000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extend_field: Option<String>,
}

impl AlipayRequest for PdeductSignAdd {
    const METHOD: &'static str = "alipay.ebpp.pdeduct.sign.add";
    const TRANSPORT: Transport = Transport::TopLevel;
    type Response = PdeductSignAddResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::present("pay_password_token", &self.pay_password_token)?;
        super::validate_user(&self.user_id, self.open_id.as_deref())?;
        validate::required("biz_type", &self.biz_type, len::BIZ_TYPE)?;
        validate::required("sub_biz_type", &self.sub_biz_type, len::SUB_BIZ_TYPE)?;
        validate::required("bill_key", &self.bill_key, len::BILL_KEY_SIGN)
            .map_err(|e| e.documented_if_missing(pay_errors::BILL_KEY_IS_NULL))?;
        validate::required("charge_inst", &self.charge_inst, len::CHARGE_INST)?;
        validate::required("pid", &self.pid, len::PID)?;
        validate::optional("out_agreement_id", self.out_agreement_id.as_deref(), len::OUT_AGREEMENT_ID)?;
        validate::required("agent_channel", &self.agent_channel, len::AGENT_CHANNEL)
            .map_err(|e| e.documented_if_missing(pay_errors::AGENT_CHANNEL_IS_NULL))?;
        validate::optional("agent_code", self.agent_code.as_deref(), len::AGENT_CODE)?;
        if let Some(date) = self.sign_expire_date.as_deref() {
            if super::sign_expire_day(date).is_none() {
                return Err(ValidationError::Invalid {
                    field: "sign_expire_date",
                    reason: format!("{date:?} is not a date (yyyy-MM-dd, yyyyMMdd or yyyy-MM-dd HH:mm:ss)"),
                });
            }
        }
        validate_extend_field(self.extend_field.as_deref())
    }
}

/// Business fields of the `alipay.ebpp.pdeduct.sign.add` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PdeductSignAddResponse {
    /// Alipay's agreement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    /// The agreement's status (`success` when signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_status: Option<String>,
    /// The institution's own agreement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_agreement_id: Option<String>,
    /// When the agreement was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_date: Option<Timestamp>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alipay.ebpp.pdeduct.sign.query` (`biz_content`, seed 004): an agreement, by `user_id` + `agreement_id`, or
/// by `user_id` + `biz_type` + `sub_biz_type` + `charge_inst` + `bill_key`.
///
/// ```
/// use alipay_api::{deduct::PdeductSignQuery, AlipayRequest};
/// let by_id = PdeductSignQuery {
///     user_id: "2088102168514583".into(),
///     agreement_id: Some("20160726000089404558".into()),
///     ..Default::default()
/// };
/// by_id.validate().unwrap();
/// let incomplete = PdeductSignQuery { agreement_id: None, biz_type: Some("JF".into()), ..by_id };
/// assert!(incomplete.validate().is_err()); // the gateway answers PARAMETER_ILLEGAL
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PdeductSignQuery {
    /// The user's Alipay id (≤ 16); required unless `open_id` is given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    /// The user's open id in this app (≤ 128), instead of `user_id`, for apps that get open ids (Alipay's EBPP
    /// models carry it beside `user_id` today).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Alipay's agreement id (≤ 32). Without it, the four fields below are all required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    /// Business type (≤ 32): `JF`, `WUYE`, `HK`, `TX`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_type: Option<String>,
    /// Sub-type (≤ 32): `WATER`, `ELECTRIC`, `GAS`, `COMMUN`, `CATV`, `TRAFFIC`, `WUYE`, `HK`, `CZ`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_biz_type: Option<String>,
    /// The billing institution (≤ 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_inst: Option<String>,
    /// Household number (≤ 32).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_key: Option<String>,
}

impl AlipayRequest for PdeductSignQuery {
    const METHOD: &'static str = "alipay.ebpp.pdeduct.sign.query";
    type Response = PdeductSignQueryResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        super::validate_user(&self.user_id, self.open_id.as_deref())?;
        validate::optional("agreement_id", self.agreement_id.as_deref(), len::AGREEMENT_ID)?;
        let by_bill = [
            ("biz_type", self.biz_type.as_deref(), len::BIZ_TYPE),
            ("sub_biz_type", self.sub_biz_type.as_deref(), len::SUB_BIZ_TYPE),
            ("charge_inst", self.charge_inst.as_deref(), len::CHARGE_INST),
            ("bill_key", self.bill_key.as_deref(), len::BILL_KEY_SIGN),
        ];
        for (field, value, max) in by_bill {
            validate::optional(field, value, max)?;
        }
        let has_agreement = self.agreement_id.as_deref().is_some_and(|a| !alipay_core::content::is_blank(a));
        if has_agreement {
            return Ok(());
        }
        match by_bill.iter().find(|(_, v, _)| v.is_none_or(alipay_core::content::is_blank)) {
            None => Ok(()),
            Some((field, _, _)) => Err(ValidationError::Invalid {
                field,
                reason: "without agreement_id, biz_type, sub_biz_type, charge_inst and bill_key are all required"
                    .into(),
            }),
        }
    }
}

/// Business fields of the `alipay.ebpp.pdeduct.sign.query` answer (seed 004).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PdeductSignQueryResponse {
    /// Alipay's agreement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    /// When the agreement was signed, e.g. `2016-02-03 18:00:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_date: Option<Timestamp>,
    /// The billing institution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_inst: Option<String>,
    /// The user's Alipay id (apps that get user ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's open id in this app, instead of `user_id` (apps that get open ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Household number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_key: Option<String>,
    /// The institution's own agreement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_agreement_id: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alipay.ebpp.pdeduct.sign.cancel` (top-level fields): end an agreement, with the user's authorisation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PdeductSignCancel {
    /// The user's Alipay id (≤ 16); required unless `open_id` is given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    /// The user's open id in this app (≤ 128), instead of `user_id`, for apps that get open ids (Alipay's EBPP
    /// models carry it beside `user_id` today).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// Alipay's agreement id (≤ 32); required.
    pub agreement_id: String,
    /// Channel (≤ 30), e.g. `PUBLICPLATFORM`; required.
    pub agent_channel: String,
    /// Second-level channel code (≤ 20).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_code: Option<String>,
    /// Token from the user's payment authorisation; required.
    pub pay_password_token: String,
}

impl AlipayRequest for PdeductSignCancel {
    const METHOD: &'static str = "alipay.ebpp.pdeduct.sign.cancel";
    const TRANSPORT: Transport = Transport::TopLevel;
    type Response = PdeductSignCancelResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        super::validate_user(&self.user_id, self.open_id.as_deref())?;
        validate::required("agreement_id", &self.agreement_id, len::AGREEMENT_ID)
            .map_err(|e| e.documented_if_missing(pay_errors::AGREEMENT_ID_IS_NULL))?;
        validate::required("agent_channel", &self.agent_channel, len::AGENT_CHANNEL)
            .map_err(|e| e.documented_if_missing(pay_errors::AGENT_CHANNEL_IS_NULL))?;
        validate::optional("agent_code", self.agent_code.as_deref(), len::AGENT_CODE)?;
        validate::present("pay_password_token", &self.pay_password_token)
    }
}

/// Business fields of the `alipay.ebpp.pdeduct.sign.cancel` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PdeductSignCancelResponse {
    /// Alipay's agreement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_id: Option<String>,
    /// The agreement's status after the cancel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_status: Option<String>,
    /// The institution's own agreement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_agreement_id: Option<String>,
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
    fn sign_add_travels_as_top_level_fields() {
        let mut add = crate::fixtures::pdeduct_sign_add();
        add.extend_field = Some(r#"{"key1":"value1","key2":"value2"}"#.into());
        add.validate().unwrap();
        let params = encode_request(&add).unwrap();
        assert!(params.iter().all(|(k, _)| k != "biz_content"));
        assert!(params.contains(&("user_id".into(), "2088102168514583".into())));
        assert!(params.contains(&("owner_name".into(), "张三".into())));
        assert!(params.contains(&("extend_field".into(), r#"{"key1":"value1","key2":"value2"}"#.into())));
        assert!(!params.iter().any(|(k, _)| k == "sign_expire_date"));
        let mut form = pairs(&[("method", PdeductSignAdd::METHOD), ("charset", "utf-8")]);
        form.extend(params);
        assert_eq!(decode_request::<PdeductSignAdd>(&form).unwrap(), add);
    }

    #[test]
    fn sign_add_rules() {
        let check = |f: fn(&mut PdeductSignAdd)| {
            let mut a = crate::fixtures::pdeduct_sign_add();
            f(&mut a);
            a.validate().unwrap_err()
        };
        assert_eq!(check(|a| a.pay_password_token.clear()), ValidationError::Missing { field: "pay_password_token" });
        assert_eq!(check(|a| a.agent_channel.clear()).sub_code(), Some(pay_errors::AGENT_CHANNEL_IS_NULL));
        assert!(matches!(
            check(|a| a.user_id = "20881021685145831".into()),
            ValidationError::TooLong { field: "user_id", max: 16, .. }
        ));
        assert!(matches!(
            check(|a| a.bill_key = "1".repeat(33)),
            ValidationError::TooLong { field: "bill_key", max: 32, .. }
        ));
        assert!(matches!(
            check(|a| a.charge_inst = "C".repeat(51)),
            ValidationError::TooLong { field: "charge_inst", max: 50, .. }
        ));
        assert!(matches!(
            check(|a| a.agent_code = Some("1".repeat(21))),
            ValidationError::TooLong { field: "agent_code", max: 20, .. }
        ));
        assert!(matches!(
            check(|a| a.extend_field = Some("key1=value1".into())),
            ValidationError::Invalid { field: "extend_field", .. }
        ));
    }

    #[test]
    fn sign_add_response_reads_the_agreement() {
        let json = r#"{"code":"10000","msg":"Success","agreement_id":"20160726000700130000580400000106","agreement_status":"success","out_agreement_id":"123456","sign_date":"2016-07-26 12:00:00"}"#;
        let r: ApiResponse<PdeductSignAddResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.agreement_id.as_deref(), Some("20160726000700130000580400000106"));
        assert_eq!(r.body.sign_date.unwrap().to_string(), "2016-07-26 12:00:00");
    }

    #[test]
    fn sign_query_round_trips_through_biz_content() {
        // Seed 004's request example (both ways of identifying the agreement at once).
        let biz = r#"{"user_id":"2088302186230962","agreement_id":"1234557890","biz_type":"JF","sub_biz_type":"ELECTRIC","charge_inst":"CQCENTERELECTRIC","bill_key":"02659981"}"#;
        let q: PdeductSignQuery = decode_request(&[("biz_content".into(), biz.into())]).unwrap();
        assert_eq!(q.bill_key.as_deref(), Some("02659981"));
        q.validate().unwrap();
        assert_eq!(encode_request(&q).unwrap(), vec![("biz_content".to_string(), biz.to_string())]);
    }

    #[test]
    fn sign_query_needs_the_agreement_or_the_whole_bill_identity() {
        let full = PdeductSignQuery {
            user_id: "2088302186230962".into(),
            open_id: None,
            agreement_id: None,
            biz_type: Some("JF".into()),
            sub_biz_type: Some("ELECTRIC".into()),
            charge_inst: Some("CQCENTERELECTRIC".into()),
            bill_key: Some("02659981".into()),
        };
        assert_eq!(full.validate(), Ok(()));
        let by_id = PdeductSignQuery {
            user_id: full.user_id.clone(),
            agreement_id: Some("1234557890".into()),
            ..Default::default()
        };
        assert_eq!(by_id.validate(), Ok(()));

        let only_user = PdeductSignQuery { user_id: full.user_id.clone(), ..Default::default() };
        assert!(matches!(only_user.validate(), Err(ValidationError::Invalid { field: "biz_type", .. })));
        let no_bill_key = PdeductSignQuery { bill_key: None, ..full.clone() };
        assert!(matches!(no_bill_key.validate(), Err(ValidationError::Invalid { field: "bill_key", .. })));
        let blank_inst = PdeductSignQuery { charge_inst: Some(" ".into()), ..full.clone() };
        assert!(matches!(blank_inst.validate(), Err(ValidationError::Invalid { field: "charge_inst", .. })));
        let blank_agreement = PdeductSignQuery { agreement_id: Some(String::new()), ..only_user.clone() };
        assert!(blank_agreement.validate().is_err());
        let no_user = PdeductSignQuery { user_id: String::new(), ..by_id.clone() };
        assert_eq!(no_user.validate(), Err(ValidationError::Missing { field: "user_id" }));
        let long_agreement = PdeductSignQuery { agreement_id: Some("1".repeat(33)), ..by_id };
        assert!(matches!(
            long_agreement.validate(),
            Err(ValidationError::TooLong { field: "agreement_id", max: 32, .. })
        ));
        let long_key = PdeductSignQuery { bill_key: Some("1".repeat(33)), ..full };
        assert!(matches!(long_key.validate(), Err(ValidationError::TooLong { field: "bill_key", max: 32, .. })));
    }

    #[test]
    fn sign_query_reads_the_seed_answers() {
        // Seed 004's two sample responses, verbatim.
        let body = r#"{
"alipay_ebpp_pdeduct_sign_query_response":{
"msg":"Success",
"code":"10000",
"agreement_id":"20160331000700130000930600556911",
"charge_inst":"HZYHWATER",
"user_id":"2088022621144305",
"sign_date":"2016-02-03 18:00:00",
"out_agreement_id":"738F4D9B6F825FDE9D07773E08BD0A2E",
"bill_key":"03983123"
},
"sign":"ERITJKEIJKJHKKKKKKKHJEREEEEEEEEEEE"
}"#;
        let mut root: Value = serde_json::from_str(body).unwrap();
        let r: ApiResponse<PdeductSignQueryResponse> =
            serde_json::from_value(root["alipay_ebpp_pdeduct_sign_query_response"].take()).unwrap();
        assert_eq!(r.status.code, ResultCode::Success);
        assert_eq!(r.body.agreement_id.as_deref(), Some("20160331000700130000930600556911"));
        assert_eq!(r.body.charge_inst.as_deref(), Some("HZYHWATER"));
        assert_eq!(r.body.user_id.as_deref(), Some("2088022621144305"));
        assert_eq!(r.body.sign_date, Some("2016-02-03 18:00:00".parse().unwrap()));
        assert_eq!(r.body.out_agreement_id.as_deref(), Some("738F4D9B6F825FDE9D07773E08BD0A2E"));
        assert_eq!(r.body.bill_key.as_deref(), Some("03983123"));
        assert!(r.body.extra.is_empty());

        let failure = r#"{
"alipay_ebpp_pdeduct_sign_query_response":{
"msg":"Service Currently Unavailable",
"code":"20000",
"sub_msg":"系统繁忙",
"sub_code":"isp.unknow-error"
},
"sign":"ERITJKEIJKJHKKKKKKKHJEREEEEEEEEEEE"
}"#;
        let mut root: Value = serde_json::from_str(failure).unwrap();
        let r: ApiResponse<PdeductSignQueryResponse> =
            serde_json::from_value(root["alipay_ebpp_pdeduct_sign_query_response"].take()).unwrap();
        assert_eq!(r.status.code, ResultCode::UnknownError);
        assert_eq!(r.status.sub_code.as_deref(), Some("isp.unknow-error"));
        assert_eq!(r.status.sub_msg.as_deref(), Some("系统繁忙"));
        assert_eq!(r.body, PdeductSignQueryResponse::default());
    }

    #[test]
    fn sign_cancel_round_trips_validates_and_reads() {
        // Seed 000's sign.cancel example.
        let cancel = PdeductSignCancel {
            user_id: "2088102168514583".into(),
            open_id: None,
            agreement_id: "20160726000700130000580400000106".into(),
            agent_channel: "PUBLICPLATFORM".into(),
            agent_code: Some("123456".into()),
            pay_password_token: "token-1".into(),
        };
        cancel.validate().unwrap();
        let params = encode_request(&cancel).unwrap();
        assert_eq!(
            params,
            pairs(&[
                ("user_id", "2088102168514583"),
                ("agreement_id", "20160726000700130000580400000106"),
                ("agent_channel", "PUBLICPLATFORM"),
                ("agent_code", "123456"),
                ("pay_password_token", "token-1"),
            ])
        );
        assert_eq!(decode_request::<PdeductSignCancel>(&params).unwrap(), cancel);
        let no_agreement = PdeductSignCancel { agreement_id: String::new(), ..cancel.clone() };
        assert_eq!(no_agreement.validate().unwrap_err().sub_code(), Some(pay_errors::AGREEMENT_ID_IS_NULL));
        let long = PdeductSignCancel { agreement_id: "1".repeat(33), ..cancel };
        assert!(matches!(long.validate(), Err(ValidationError::TooLong { field: "agreement_id", max: 32, .. })));

        let json = r#"{"code":"10000","msg":"Success","agreement_id":"20160726000700130000580400000106","agreement_status":"cancel","out_agreement_id":"123456"}"#;
        let r: ApiResponse<PdeductSignCancelResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.agreement_status.as_deref(), Some("cancel"));
    }
}
