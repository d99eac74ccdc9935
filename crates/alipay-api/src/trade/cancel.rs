//! `alipay.trade.cancel` (undo a trade whatever its state) and `alipay.trade.close` (close an unpaid trade).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{validate_trade_key, YesNo};
use crate::validate::{self, ValidationError};
use crate::AlipayRequest;

string_enum! {
    /// `action` of a cancel: what cancelling did to the trade.
    pub enum CancelAction {
        /// The trade was unpaid and is now closed; no money moved.
        Close = "close",
        /// The trade was paid and has been refunded.
        Refund = "refund",
    }
}

/// `alipay.trade.cancel`: cancel a trade by `out_trade_no` or `trade_no` (within 24 h of its creation).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TradeCancel {
    /// The merchant's order number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Alipay's trade number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
}

impl AlipayRequest for TradeCancel {
    const METHOD: &'static str = "alipay.trade.cancel";
    type Response = TradeCancelResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_trade_key(self.out_trade_no.as_deref(), self.trade_no.as_deref())
    }
}

/// Business fields of the `alipay.trade.cancel` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeCancelResponse {
    /// Alipay's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Whether the cancel should be retried (`Y`/`N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_flag: Option<YesNo>,
    /// What the cancel did; absent when the trade was not found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<CancelAction>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alipay.trade.close`: close a trade that is waiting for payment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TradeClose {
    /// The merchant's order number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Alipay's trade number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// Who closes it (≤ 28).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
}

impl AlipayRequest for TradeClose {
    const METHOD: &'static str = "alipay.trade.close";
    type Response = TradeCloseResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_trade_key(self.out_trade_no.as_deref(), self.trade_no.as_deref())?;
        validate::optional("operator_id", self.operator_id.as_deref(), 28)
    }
}

/// Business fields of the `alipay.trade.close` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeCloseResponse {
    /// Alipay's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_request, encode_request, ApiResponse, ResultCode};

    #[test]
    fn cancel_round_trips_and_needs_a_key() {
        // Seed 001's cancel example.
        let biz = r#"{"out_trade_no":"20150320010101001","trade_no":"2014112611001004680073956707"}"#;
        let c: TradeCancel = decode_request(&[("biz_content".into(), biz.into())]).unwrap();
        assert_eq!(c.trade_no.as_deref(), Some("2014112611001004680073956707"));
        c.validate().unwrap();
        assert_eq!(encode_request(&c).unwrap(), vec![("biz_content".to_string(), biz.to_string())]);

        assert!(matches!(TradeCancel::default().validate(), Err(ValidationError::MissingOneOf { .. })));
        let long = TradeCancel { out_trade_no: Some("1".repeat(65)), ..Default::default() };
        assert!(matches!(long.validate(), Err(ValidationError::TooLong { field: "out_trade_no", .. })));
    }

    #[test]
    fn cancel_response_reads_action_and_retry_flag() {
        let json = r#"{"code":"10000","msg":"Success","action":"refund","out_trade_no":"20150320010101001","retry_flag":"N","trade_no":"2014112611001004680073956707"}"#;
        let r: ApiResponse<TradeCancelResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.status.code, ResultCode::Success);
        assert_eq!(r.body.action, Some(CancelAction::Refund));
        assert_eq!(r.body.retry_flag, Some(YesNo::No));

        let failed = r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_CANCEL_TIME_OUT","sub_msg":"超过撤销时间范围","retry_flag":"N"}"#;
        let r: ApiResponse<TradeCancelResponse> = serde_json::from_str(failed).unwrap();
        assert_eq!(r.body.action, None);
        assert_eq!(r.status.sub_code.as_deref(), Some("ACQ.TRADE_CANCEL_TIME_OUT"));
        assert_eq!(serde_json::to_string(&r).unwrap(), failed);
    }

    #[test]
    fn close_round_trips_and_validates() {
        let close = TradeClose {
            trade_no: Some("2013112111001004500000675971".into()),
            operator_id: Some("YX01".into()),
            ..Default::default()
        };
        close.validate().unwrap();
        let params = encode_request(&close).unwrap();
        assert_eq!(params[0].1, r#"{"trade_no":"2013112111001004500000675971","operator_id":"YX01"}"#);
        assert_eq!(decode_request::<TradeClose>(&params).unwrap(), close);

        let long_op = TradeClose { operator_id: Some("o".repeat(29)), ..close };
        assert!(matches!(long_op.validate(), Err(ValidationError::TooLong { field: "operator_id", max: 28, .. })));
        assert!(matches!(TradeClose::default().validate(), Err(ValidationError::MissingOneOf { .. })));

        let json =
            r#"{"code":"10000","msg":"Success","out_trade_no":"YX_001","trade_no":"2013112111001004500000675971"}"#;
        let r: ApiResponse<TradeCloseResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.out_trade_no.as_deref(), Some("YX_001"));
    }
}
