//! `alipay.trade.refund` and `alipay.trade.fastpay.refund.query`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{validate_trade_key, YesNo};
use crate::validate::{self, ValidationError};
use crate::{AlipayRequest, Money, Timestamp};

string_enum! {
    /// `refund_status` of a refund query. Absent when the refund was not found or failed.
    pub enum RefundStatus {
        /// The refund succeeded.
        RefundSuccess = "REFUND_SUCCESS",
    }
}

/// `alipay.trade.refund`: refund all or part of a paid trade.
///
/// Idempotent on `out_request_no`: each partial refund needs its own. Without one, the refund is taken as
/// the trade's (single) full refund.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeRefund {
    /// The merchant's order number (≤ 64); this or `trade_no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Alipay's trade number (≤ 64); wins over `out_trade_no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// Amount to refund now, `0.01 ..= 100000000.00`.
    pub refund_amount: Money,
    /// This refund's request number (≤ 64); required for partial refunds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    /// Reason (≤ 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_reason: Option<String>,
    /// Who refunds (≤ 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
    /// Store id (≤ 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
}

impl AlipayRequest for TradeRefund {
    const METHOD: &'static str = "alipay.trade.refund";
    type Response = TradeRefundResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_trade_key(self.out_trade_no.as_deref(), self.trade_no.as_deref())?;
        validate::amount("refund_amount", self.refund_amount, Money::MIN_PAYABLE, Money::MAX_TRADE)
            .map_err(|e| e.documented(super::errors::REASON_TRADE_REFUND_FEE_ERR))?;
        validate::optional("out_request_no", self.out_request_no.as_deref(), 64)?;
        validate::optional("refund_reason", self.refund_reason.as_deref(), 256)?;
        validate::optional("operator_id", self.operator_id.as_deref(), 30)?;
        validate::optional("store_id", self.store_id.as_deref(), 32)
    }
}

/// Business fields of the `alipay.trade.refund` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeRefundResponse {
    /// Alipay's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Buyer's masked logon id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_logon_id: Option<String>,
    /// Buyer's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_user_id: Option<String>,
    /// Buyer's open id, for an app that gets open ids instead of user ids (apps created since 2023–24: Alipay's
    /// openid introduction; jeequan/jeepay#123, smartwalle/alipay#219). Such apps get no `buyer_user_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_open_id: Option<String>,
    /// Whether this call moved money (`N` when it replayed an earlier refund).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_change: Option<YesNo>,
    /// Total refunded on this trade so far (cumulative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_fee: Option<Money>,
    /// Time of the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_refund_pay: Option<Timestamp>,
    /// What this call sent back to the buyer (`0.00` on a replay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_back_fee: Option<Money>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `alipay.trade.fastpay.refund.query`: the state of one refund of a trade.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TradeFastpayRefundQuery {
    /// The merchant's order number (≤ 64); this or `trade_no`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Alipay's trade number (≤ 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The refund's request number (≤ 64); the trade's `out_trade_no` when the refund was sent without one.
    pub out_request_no: String,
}

impl AlipayRequest for TradeFastpayRefundQuery {
    const METHOD: &'static str = "alipay.trade.fastpay.refund.query";
    type Response = TradeFastpayRefundQueryResponse;

    fn validate(&self) -> Result<(), ValidationError> {
        validate_trade_key(self.out_trade_no.as_deref(), self.trade_no.as_deref())?;
        validate::required("out_request_no", &self.out_request_no, 64)
    }
}

/// Business fields of the `alipay.trade.fastpay.refund.query` answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TradeFastpayRefundQueryResponse {
    /// Alipay's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_no: Option<String>,
    /// The merchant's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// The refund's request number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_request_no: Option<String>,
    /// The trade's amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<Money>,
    /// This refund's amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<Money>,
    /// `REFUND_SUCCESS`, or absent when the refund was not found or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<RefundStatus>,
    /// Fields this version does not model, preserved as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_request, encode_request, ApiResponse};

    #[test]
    fn refund_round_trips_through_biz_content() {
        let r = crate::fixtures::trade_refund();
        r.validate().unwrap();
        let params = encode_request(&r).unwrap();
        assert_eq!(
            params[0].1,
            r#"{"out_trade_no":"20150320010101001","trade_no":"2014112611001004680073956707","refund_amount":"1.00","out_request_no":"1000001"}"#
        );
        assert_eq!(decode_request::<TradeRefund>(&params).unwrap(), r);
        // The Java SDK also sends numbers.
        let numeric = r#"{"trade_no":"2014112611001004680073956707","refund_amount":1.5}"#;
        let n: TradeRefund = decode_request(&[("biz_content".into(), numeric.into())]).unwrap();
        assert_eq!(n.refund_amount, Money::from_fen(150));
    }

    #[test]
    fn refund_rules() {
        let no_key = TradeRefund { out_trade_no: None, trade_no: None, ..crate::fixtures::trade_refund() };
        assert!(matches!(no_key.validate(), Err(ValidationError::MissingOneOf { .. })));
        let zero = TradeRefund { refund_amount: Money::ZERO, ..crate::fixtures::trade_refund() };
        assert!(matches!(zero.validate(), Err(ValidationError::Documented { field: "refund_amount", .. })));
        let long = TradeRefund { out_request_no: Some("9".repeat(65)), ..crate::fixtures::trade_refund() };
        assert!(matches!(long.validate(), Err(ValidationError::TooLong { field: "out_request_no", max: 64, .. })));
        let reason = TradeRefund { refund_reason: Some("退".repeat(257)), ..crate::fixtures::trade_refund() };
        assert!(matches!(reason.validate(), Err(ValidationError::TooLong { field: "refund_reason", .. })));
        let too_precise = r#"{"trade_no":"1","refund_amount":"1.001"}"#;
        assert!(decode_request::<TradeRefund>(&[("biz_content".into(), too_precise.into())]).is_err());
    }

    #[test]
    fn refund_response_reads_fund_change_and_refund_fee() {
        let json = r#"{"code":"10000","msg":"Success","trade_no":"2014112611001004680073956707","out_trade_no":"20150320010101001","buyer_logon_id":"159****5620","buyer_user_id":"2088101117955611","fund_change":"Y","refund_fee":"88.88","gmt_refund_pay":"2014-11-27 15:45:57"}"#;
        let r: ApiResponse<TradeRefundResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.fund_change, Some(YesNo::Yes));
        assert_eq!(r.body.refund_fee, Some(Money::from_fen(8888)));
        assert_eq!(r.body.gmt_refund_pay.unwrap().to_string(), "2014-11-27 15:45:57");
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
    }

    #[test]
    fn refund_query_round_trips_validates_and_reads() {
        let q = TradeFastpayRefundQuery {
            trade_no: Some("2014112611001004680073956707".into()),
            out_request_no: "1000001".into(),
            ..Default::default()
        };
        q.validate().unwrap();
        let params = encode_request(&q).unwrap();
        assert_eq!(decode_request::<TradeFastpayRefundQuery>(&params).unwrap(), q);
        let no_request = TradeFastpayRefundQuery { out_request_no: String::new(), ..q.clone() };
        assert_eq!(no_request.validate(), Err(ValidationError::Missing { field: "out_request_no" }));
        let no_key = TradeFastpayRefundQuery { trade_no: None, ..q };
        assert!(matches!(no_key.validate(), Err(ValidationError::MissingOneOf { .. })));

        let json = r#"{"code":"10000","msg":"Success","out_request_no":"1000001","out_trade_no":"20150320010101001","refund_amount":"1.00","refund_status":"REFUND_SUCCESS","total_amount":"88.88","trade_no":"2014112611001004680073956707"}"#;
        let r: ApiResponse<TradeFastpayRefundQueryResponse> = serde_json::from_str(json).unwrap();
        assert_eq!(r.body.refund_status, Some(RefundStatus::RefundSuccess));
        assert_eq!(r.body.refund_amount, Some(Money::from_fen(100)));
        assert_eq!(r.body.total_amount, Some(Money::from_fen(8888)));
        let not_found =
            r#"{"code":"10000","msg":"Success","out_request_no":"1000002","trade_no":"2014112611001004680073956707"}"#;
        let r: ApiResponse<TradeFastpayRefundQueryResponse> = serde_json::from_str(not_found).unwrap();
        assert_eq!(r.body.refund_status, None);
    }
}
