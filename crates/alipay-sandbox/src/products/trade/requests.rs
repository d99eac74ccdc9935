//! The business parameters of the trade methods, read with the shared `alipay-api` models
//! ([`decode_request`] + [`AlipayRequest::validate`]) and turned into the engine's checked requests.
//!
//! A request that cannot be read or breaks a field rule becomes a [`BizError`] and changes nothing. The
//! sub-codes (a fidelity decision, documented here and in the README):
//! - `ACQ.TOTAL_FEE_EXCEED` (订单总金额超过限额) when `total_amount` is outside 0.01..=100000000.00;
//! - `ACQ.REASON_TRADE_REFUND_FEE_ERR` (退款金额无效) when `refund_amount` is not a positive amount in range;
//! - `ACQ.PAYMENT_AUTH_CODE_INVALID` (支付授权码无效) when `auth_code` is not 16–24 digits starting 25..30;
//! - `ACQ.INVALID_PARAMETER` (参数无效) for everything else: missing `biz_content`, bad JSON, wrong types,
//!   an amount with more than two decimals, missing or too long fields, a bad `timeout_express`.

use alipay_api::sub_code::SubCode;
use alipay_api::trade::{TradeAppPay, TradePagePay, TradePay, TradePrecreate, TradeRefund, TradeWapPay};
use alipay_api::{DecodeError, TimeoutExpress, ValidationError};
use alipay_core::{Money, Timestamp};

use crate::products::error::Refusal;
use crate::reply::Reply;

/// Business input refused before anything runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BizError {
    /// `ACQ.INVALID_PARAMETER`: unreadable, or a field rule is broken.
    #[error("参数无效: {0}")]
    InvalidParameter(String),
    /// A field rule the model documents with its own sub-code (`ACQ.TOTAL_FEE_EXCEED`,
    /// `ACQ.REASON_TRADE_REFUND_FEE_ERR`, `ACQ.PAYMENT_AUTH_CODE_INVALID`: `alipay_api::trade::errors`), read from
    /// the model's error ([`ValidationError::sub_code`]), never from a field's name.
    #[error("{}", .0.msg)]
    Documented(SubCode),
}

impl BizError {
    /// The `40004` answer. `ACQ.INVALID_PARAMETER` answers exactly `参数无效`, as Alipay does (captured answers of
    /// `alipay.trade.precreate`, `.cancel` and `.refund` in public merchant code and SDK fixtures); what was wrong
    /// goes to the sandbox's log (`ACQ.INVALID_PARAMETER` with `detail`), not into the answer.
    pub fn reply(&self) -> Reply {
        match self {
            BizError::InvalidParameter(detail) => {
                tracing::info!(%detail, "ACQ.INVALID_PARAMETER");
                Reply::business("ACQ.INVALID_PARAMETER", "参数无效")
            }
            BizError::Documented(code) => Reply::business(code.code, code.msg),
        }
    }
}

impl From<Refusal> for BizError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Decode(e) => e.into(),
            Refusal::Invalid(e) => e.into(),
        }
    }
}

impl From<DecodeError> for BizError {
    fn from(e: DecodeError) -> Self {
        BizError::InvalidParameter(e.to_string())
    }
}

impl From<ValidationError> for BizError {
    fn from(e: ValidationError) -> Self {
        match e.sub_code() {
            Some(code) => BizError::Documented(code),
            None => BizError::InvalidParameter(e.to_string()),
        }
    }
}

/// Turns `timeout_express` (`1m`..`15d`, units m/h/d, or `1c` = midnight today; already validated by the
/// model) or `time_expire` (wins) into an absolute expiry. A `time_expire` that is not in the future is
/// refused (`ACQ.INVALID_PARAMETER`: no captured answer shows Alipay's code for it; docs/fidelity.md).
fn expiry(timeout_express: Option<&str>, time_expire: Option<Timestamp>, now: i64) -> Result<Option<i64>, BizError> {
    if let Some(ts) = time_expire {
        if ts.unix() <= now {
            return Err(BizError::InvalidParameter(format!("time_expire {ts} 早于当前时间")));
        }
        return Ok(Some(ts.unix()));
    }
    let Some(te) = timeout_express.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let timeout = TimeoutExpress::parse("timeout_express", te, TimeoutExpress::FIFTEEN_DAYS, true)?;
    timeout.expires_at(now).map(Some).ok_or_else(|| BizError::InvalidParameter(format!("timeout_express {te:?}")))
}

pub(crate) fn trade_key(out_trade_no: Option<String>, trade_no: Option<String>) -> Result<TradeKey, BizError> {
    let present = |v: Option<String>| v.filter(|v| !alipay_core::content::is_blank(v));
    match (present(trade_no), present(out_trade_no)) {
        (Some(t), _) => Ok(TradeKey::TradeNo(t)),
        (None, Some(o)) => Ok(TradeKey::OutTradeNo(o)),
        (None, None) => Err(BizError::InvalidParameter("out_trade_no or trade_no is required".into())),
    }
}

/// Reads `alipay.trade.pay`.
pub fn pay(r: TradePay, now: i64) -> Result<PayRequest, BizError> {
    let expire_at = expiry(r.timeout_express.as_deref(), r.time_expire, now)?;
    Ok(PayRequest {
        out_trade_no: r.out_trade_no,
        auth_code: r.auth_code,
        subject: r.subject,
        total_amount: r.total_amount,
        body: r.body,
        store_id: r.store_id,
        operator_id: r.operator_id,
        terminal_id: r.terminal_id,
        expire_at,
        passback_params: r.passback_params,
        seller_id: r.seller_id,
    })
}

/// Reads `alipay.trade.precreate`.
pub fn precreate(r: TradePrecreate, now: i64) -> Result<PrecreateRequest, BizError> {
    let expire_at = expiry(r.timeout_express.as_deref(), r.time_expire, now)?;
    let qr_expire_at = expiry(r.qr_code_timeout_express.as_deref(), None, now)?;
    Ok(PrecreateRequest {
        out_trade_no: r.out_trade_no,
        total_amount: r.total_amount,
        subject: r.subject,
        body: r.body,
        store_id: r.store_id,
        operator_id: r.operator_id,
        terminal_id: r.terminal_id,
        expire_at,
        qr_expire_at,
        passback_params: r.passback_params,
        seller_id: None,
    })
}

/// Reads `alipay.trade.page.pay`.
pub fn page_pay(r: TradePagePay, now: i64) -> Result<PageRequest, BizError> {
    Ok(PageRequest {
        expire_at: expiry(r.timeout_express.as_deref(), r.time_expire, now)?,
        out_trade_no: r.out_trade_no,
        total_amount: r.total_amount,
        subject: r.subject,
        body: r.body,
        store_id: r.store_id,
        passback_params: r.passback_params,
    })
}

/// Reads `alipay.trade.wap.pay`.
pub fn wap_pay(r: TradeWapPay, now: i64) -> Result<PageRequest, BizError> {
    Ok(PageRequest {
        expire_at: expiry(r.timeout_express.as_deref(), r.time_expire, now)?,
        out_trade_no: r.out_trade_no,
        total_amount: r.total_amount,
        subject: r.subject,
        body: r.body,
        store_id: r.store_id,
        passback_params: r.passback_params,
    })
}

/// Reads `alipay.trade.app.pay`.
pub fn app_pay(r: TradeAppPay, now: i64) -> Result<PageRequest, BizError> {
    Ok(PageRequest {
        expire_at: expiry(r.timeout_express.as_deref(), r.time_expire, now)?,
        out_trade_no: r.out_trade_no,
        total_amount: r.total_amount,
        subject: r.subject,
        body: r.body,
        store_id: r.store_id,
        passback_params: r.passback_params,
    })
}

/// A checked page, wap or app pay: a trade the buyer pays on the cashier or in the wallet.
#[derive(Debug, Clone)]
pub struct PageRequest {
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
    /// Absolute expiry, if requested.
    pub expire_at: Option<i64>,
    /// Passback.
    pub passback_params: Option<String>,
}

/// Reads `alipay.trade.refund`.
pub fn refund(r: TradeRefund) -> Result<RefundRequest, BizError> {
    Ok(RefundRequest {
        key: trade_key(r.out_trade_no, r.trade_no)?,
        refund_amount: r.refund_amount,
        out_request_no: r.out_request_no.filter(|v| !alipay_core::content::is_blank(v)),
        refund_reason: r.refund_reason,
    })
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

/// Which trade a query/cancel/close/refund names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeKey {
    /// By Alipay's trade number (wins when both are sent).
    TradeNo(String),
    /// By the merchant's order number.
    OutTradeNo(String),
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
