//! The business parameters of the trade methods, as the gateway reads them from `biz_content`, with the
//! field rules of trade.md. A request that breaks a rule becomes a [`BizError`], answered (`40004 ACQ.INVALID_PARAMETER`,
//! or the more specific sub-code trade.md names) and changes nothing.
//!
//! These are the gateway's own structs until the shared `alipay-api` models for these methods land.

use alipay_core::{Money, Timestamp};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::Reply;

/// Business input refused before anything runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BizError {
    /// `ACQ.INVALID_PARAMETER`: unreadable, or a field rule is broken.
    #[error("参数无效: {0}")]
    InvalidParameter(String),
    /// `ACQ.TOTAL_FEE_EXCEED`: the amount is outside 0.01..=100000000.00.
    #[error("订单总金额超过限额")]
    TotalFeeExceed,
    /// `ACQ.REASON_TRADE_REFUND_FEE_ERR`: the refund amount is not positive.
    #[error("退款金额无效")]
    RefundFeeError,
}

impl BizError {
    /// The `40004` answer.
    pub fn reply(&self) -> Reply {
        let sub = match self {
            BizError::InvalidParameter(_) => "ACQ.INVALID_PARAMETER",
            BizError::TotalFeeExceed => "ACQ.TOTAL_FEE_EXCEED",
            BizError::RefundFeeError => "ACQ.REASON_TRADE_REFUND_FEE_ERR",
        };
        Reply::business(sub, &self.to_string())
    }
}

/// `ACQ.INVALID_PARAMETER`, the answer to any business input that cannot be read or breaks a field rule.
pub fn invalid_parameter(detail: &str) -> BizError {
    BizError::InvalidParameter(detail.to_owned())
}

/// Reads `biz_content` into `T`.
pub fn parse<T: DeserializeOwned>(biz_content: Option<&str>) -> Result<T, BizError> {
    let text = biz_content
        .filter(|b| !alipay_core::content::is_blank(b))
        .ok_or_else(|| invalid_parameter("biz_content is required"))?;
    serde_json::from_str(text).map_err(|e| invalid_parameter(&e.to_string()))
}

fn required<'a>(field: &str, value: &'a Option<String>, max: usize) -> Result<&'a str, BizError> {
    match value.as_deref() {
        Some(v) if !alipay_core::content::is_blank(v) => {
            if v.chars().count() > max {
                Err(invalid_parameter(&format!("{field} is longer than {max} characters")))
            } else {
                Ok(v)
            }
        }
        _ => Err(invalid_parameter(&format!("{field} is required"))),
    }
}

fn optional(field: &str, value: &Option<String>, max: usize) -> Result<(), BizError> {
    match value {
        Some(v) if v.chars().count() > max => {
            Err(invalid_parameter(&format!("{field} is longer than {max} characters")))
        }
        _ => Ok(()),
    }
}

fn out_no(field: &str, value: &Option<String>) -> Result<String, BizError> {
    let v = required(field, value, 64)?;
    if v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(v.to_owned())
    } else {
        Err(invalid_parameter(&format!("{field} may hold only letters, digits and _")))
    }
}

/// `total_amount`: required; outside 0.01..=100000000.00 → `ACQ.TOTAL_FEE_EXCEED`.
fn total_amount(value: Option<Money>) -> Result<Money, BizError> {
    let amount = value.ok_or_else(|| invalid_parameter("total_amount is required"))?;
    amount.check_range(Money::MIN_PAYABLE, Money::MAX_TRADE).map_err(|_| BizError::TotalFeeExceed)
}

/// Parses `timeout_express` (`1m`..`15d`, units m/h/d, or `1c` = midnight today) into an absolute expiry.
fn expiry(timeout_express: &Option<String>, time_expire: &Option<String>, now: i64) -> Result<Option<i64>, BizError> {
    if let Some(t) = time_expire.as_deref().filter(|t| !t.is_empty()) {
        let ts: Timestamp = t.parse().map_err(|_| invalid_parameter("time_expire must be yyyy-MM-dd HH:mm:ss"))?;
        return Ok(Some(ts.unix()));
    }
    let Some(te) = timeout_express.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad = || invalid_parameter("timeout_express must be like 90m, 2h, 15d or 1c");
    let (num, unit) = te.split_at(te.len().saturating_sub(1));
    let n: i64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        "c" if n == 1 => {
            let today = Timestamp::from_unix(now).ok_or_else(bad)?.beijing();
            let midnight = today.date_naive().succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).ok_or_else(bad)?;
            let local = midnight.and_local_timezone(alipay_core::time::beijing()).single().ok_or_else(bad)?;
            return Ok(Some(local.timestamp()));
        }
        _ => return Err(bad()),
    };
    if !(60..=15 * 86400).contains(&secs) {
        return Err(bad());
    }
    Ok(Some(now + secs))
}

/// Reads the amount field of a refund: malformed → `ACQ.INVALID_PARAMETER`, not positive →
/// `ACQ.REASON_TRADE_REFUND_FEE_ERR`.
fn refund_amount(value: Option<Money>) -> Result<Money, BizError> {
    let amount = value.ok_or_else(|| invalid_parameter("refund_amount is required"))?;
    if amount.is_positive() && amount <= Money::MAX_TRADE {
        Ok(amount)
    } else {
        Err(BizError::RefundFeeError)
    }
}

/// `alipay.trade.pay` biz_content.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PayBiz {
    /// Merchant order number.
    pub out_trade_no: Option<String>,
    /// `bar_code` (or `security_code`).
    pub scene: Option<String>,
    /// The buyer's payment code.
    pub auth_code: Option<String>,
    /// Order title.
    pub subject: Option<String>,
    /// Order amount.
    pub total_amount: Option<Money>,
    /// Product code (ignored).
    pub product_code: Option<String>,
    /// Order description.
    pub body: Option<String>,
    /// Store id.
    pub store_id: Option<String>,
    /// Operator id.
    pub operator_id: Option<String>,
    /// Terminal id.
    pub terminal_id: Option<String>,
    /// Relative timeout.
    pub timeout_express: Option<String>,
    /// Absolute timeout (wins).
    pub time_expire: Option<String>,
    /// Echoed in notifications.
    pub passback_params: Option<String>,
    /// Seller id: must be the caller's merchant when sent.
    pub seller_id: Option<String>,
}

/// A checked `alipay.trade.pay`.
#[derive(Debug, Clone)]
pub struct PayRequest {
    /// Merchant order number.
    pub out_trade_no: String,
    /// Payment code.
    pub auth_code: String,
    /// Order title.
    pub subject: String,
    /// Amount.
    pub total_amount: Money,
    /// Description.
    pub body: Option<String>,
    /// Store id.
    pub store_id: Option<String>,
    /// Operator id.
    pub operator_id: Option<String>,
    /// Terminal id.
    pub terminal_id: Option<String>,
    /// Absolute expiry, if requested.
    pub expire_at: Option<i64>,
    /// Passback.
    pub passback_params: Option<String>,
    /// Seller id, if sent.
    pub seller_id: Option<String>,
}

impl PayBiz {
    /// Applies the field rules.
    pub fn check(self, now: i64) -> Result<PayRequest, BizError> {
        let out_trade_no = out_no("out_trade_no", &self.out_trade_no)?;
        let scene = required("scene", &self.scene, 32)?;
        if scene != "bar_code" && scene != "security_code" {
            return Err(invalid_parameter("scene must be bar_code"));
        }
        let auth_code = required("auth_code", &self.auth_code, 32)?.to_owned();
        let subject = required("subject", &self.subject, 256)?.to_owned();
        optional("body", &self.body, 128)?;
        optional("store_id", &self.store_id, 32)?;
        optional("operator_id", &self.operator_id, 28)?;
        optional("terminal_id", &self.terminal_id, 32)?;
        optional("passback_params", &self.passback_params, 512)?;
        let total_amount = total_amount(self.total_amount)?;
        let expire_at = expiry(&self.timeout_express, &self.time_expire, now)?;
        Ok(PayRequest {
            out_trade_no,
            auth_code,
            subject,
            total_amount,
            body: self.body,
            store_id: self.store_id,
            operator_id: self.operator_id,
            terminal_id: self.terminal_id,
            expire_at,
            passback_params: self.passback_params,
            seller_id: self.seller_id,
        })
    }
}

/// `alipay.trade.precreate` biz_content.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrecreateBiz {
    /// Merchant order number.
    pub out_trade_no: Option<String>,
    /// Amount.
    pub total_amount: Option<Money>,
    /// Title.
    pub subject: Option<String>,
    /// Description.
    pub body: Option<String>,
    /// Store id.
    pub store_id: Option<String>,
    /// Operator id.
    pub operator_id: Option<String>,
    /// Terminal id.
    pub terminal_id: Option<String>,
    /// Relative timeout of the trade.
    pub timeout_express: Option<String>,
    /// Absolute timeout of the trade.
    pub time_expire: Option<String>,
    /// Relative validity of the QR code.
    pub qr_code_timeout_express: Option<String>,
    /// Echoed in notifications.
    pub passback_params: Option<String>,
    /// Seller id, if sent.
    pub seller_id: Option<String>,
}

/// A checked `alipay.trade.precreate`.
#[derive(Debug, Clone)]
pub struct PrecreateRequest {
    /// Merchant order number.
    pub out_trade_no: String,
    /// Amount.
    pub total_amount: Money,
    /// Title.
    pub subject: String,
    /// Description.
    pub body: Option<String>,
    /// Store id.
    pub store_id: Option<String>,
    /// Operator id.
    pub operator_id: Option<String>,
    /// Terminal id.
    pub terminal_id: Option<String>,
    /// Absolute expiry of the trade, if requested.
    pub expire_at: Option<i64>,
    /// Absolute expiry of the QR code, if requested.
    pub qr_expire_at: Option<i64>,
    /// Passback.
    pub passback_params: Option<String>,
    /// Seller id, if sent.
    pub seller_id: Option<String>,
}

impl PrecreateBiz {
    /// Applies the field rules.
    pub fn check(self, now: i64) -> Result<PrecreateRequest, BizError> {
        let out_trade_no = out_no("out_trade_no", &self.out_trade_no)?;
        let subject = required("subject", &self.subject, 256)?.to_owned();
        optional("body", &self.body, 128)?;
        optional("store_id", &self.store_id, 32)?;
        optional("operator_id", &self.operator_id, 28)?;
        optional("terminal_id", &self.terminal_id, 32)?;
        optional("passback_params", &self.passback_params, 512)?;
        let total_amount = total_amount(self.total_amount)?;
        let expire_at = expiry(&self.timeout_express, &self.time_expire, now)?;
        let qr_expire_at = expiry(&self.qr_code_timeout_express, &None, now)?;
        Ok(PrecreateRequest {
            out_trade_no,
            total_amount,
            subject,
            body: self.body,
            store_id: self.store_id,
            operator_id: self.operator_id,
            terminal_id: self.terminal_id,
            expire_at,
            qr_expire_at,
            passback_params: self.passback_params,
            seller_id: self.seller_id,
        })
    }
}

/// Which trade a query/cancel/close/refund names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeKey {
    /// By Alipay's trade number (wins when both are sent).
    TradeNo(String),
    /// By the merchant's order number.
    OutTradeNo(String),
}

/// `out_trade_no` / `trade_no` biz_content of query, cancel and close.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TradeKeyBiz {
    /// Merchant order number.
    pub out_trade_no: Option<String>,
    /// Alipay trade number.
    pub trade_no: Option<String>,
    /// Operator (close).
    pub operator_id: Option<String>,
}

fn trade_key(out_trade_no: &Option<String>, trade_no: &Option<String>) -> Result<TradeKey, BizError> {
    optional("out_trade_no", out_trade_no, 64)?;
    optional("trade_no", trade_no, 64)?;
    match (
        trade_no.as_deref().filter(|v| !v.trim().is_empty()),
        out_trade_no.as_deref().filter(|v| !v.trim().is_empty()),
    ) {
        (Some(t), _) => Ok(TradeKey::TradeNo(t.to_owned())),
        (None, Some(o)) => Ok(TradeKey::OutTradeNo(o.to_owned())),
        (None, None) => Err(invalid_parameter("out_trade_no or trade_no is required")),
    }
}

impl TradeKeyBiz {
    /// Applies the field rules.
    pub fn check(self) -> Result<TradeKey, BizError> {
        optional("operator_id", &self.operator_id, 28)?;
        trade_key(&self.out_trade_no, &self.trade_no)
    }
}

/// `alipay.trade.refund` biz_content.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RefundBiz {
    /// Merchant order number.
    pub out_trade_no: Option<String>,
    /// Alipay trade number.
    pub trade_no: Option<String>,
    /// Amount to refund.
    pub refund_amount: Option<Money>,
    /// Refund request number (required for partial refunds; defaults to out_trade_no).
    pub out_request_no: Option<String>,
    /// Reason.
    pub refund_reason: Option<String>,
    /// Operator.
    pub operator_id: Option<String>,
    /// Store.
    pub store_id: Option<String>,
}

/// A checked refund.
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// The trade.
    pub key: TradeKey,
    /// Amount.
    pub refund_amount: Money,
    /// Request number, if sent.
    pub out_request_no: Option<String>,
    /// Reason.
    pub refund_reason: Option<String>,
}

impl RefundBiz {
    /// Applies the field rules.
    pub fn check(self) -> Result<RefundRequest, BizError> {
        let key = trade_key(&self.out_trade_no, &self.trade_no)?;
        optional("out_request_no", &self.out_request_no, 64)?;
        optional("refund_reason", &self.refund_reason, 256)?;
        optional("operator_id", &self.operator_id, 30)?;
        optional("store_id", &self.store_id, 32)?;
        let refund_amount = refund_amount(self.refund_amount)?;
        Ok(RefundRequest {
            key,
            refund_amount,
            out_request_no: self.out_request_no.filter(|v| !v.trim().is_empty()),
            refund_reason: self.refund_reason,
        })
    }
}

/// `alipay.trade.fastpay.refund.query` biz_content.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RefundQueryBiz {
    /// Merchant order number.
    pub out_trade_no: Option<String>,
    /// Alipay trade number.
    pub trade_no: Option<String>,
    /// The refund request number (= out_trade_no for a refund sent without one).
    pub out_request_no: Option<String>,
}

impl RefundQueryBiz {
    /// Applies the field rules.
    pub fn check(self) -> Result<(TradeKey, String), BizError> {
        let key = trade_key(&self.out_trade_no, &self.trade_no)?;
        let no = required("out_request_no", &self.out_request_no, 64)?.to_owned();
        Ok((key, no))
    }
}
