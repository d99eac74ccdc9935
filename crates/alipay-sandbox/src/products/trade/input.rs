//! What the engine reads from the shared `alipay-api` requests beyond their field rules (which the models
//! check: [`alipay_api::AlipayRequest::validate`]): the trade a request names ([`trade_key`]) and when a new
//! trade expires ([`expiry`]); and the refusals ([`BizError`]). The engine takes the models themselves.
//!
//! A request that cannot be read or breaks a field rule becomes a [`BizError`] and changes nothing. The
//! sub-codes (a fidelity decision, documented here and in docs/fidelity.md):
//! - `ACQ.TOTAL_FEE_EXCEED` (订单总金额超过限额) when `total_amount` is outside 0.01..=100000000.00;
//! - `ACQ.REASON_TRADE_REFUND_FEE_ERR` (退款金额无效) when `refund_amount` is not a positive amount in range;
//! - `ACQ.PAYMENT_AUTH_CODE_INVALID` (production's text, `alipay_api::trade::errors`) when `auth_code` is not 16–24 digits starting 25..30;
//! - `ACQ.INVALID_PARAMETER` (参数无效) for everything else: missing `biz_content`, bad JSON, wrong types,
//!   an amount with more than two decimals, missing or too long fields, a bad `timeout_express`.

use alipay_api::sub_code::SubCode;
use alipay_api::trade::errors;
use alipay_api::{DecodeError, TimeoutExpress, ValidationError};
use alipay_core::Timestamp;

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
                Reply::documented(&errors::INVALID_PARAMETER)
            }
            BizError::Documented(code) => Reply::documented(code),
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

/// When a trade asked for at `now` expires: at `time_expire` (wins; one that is not in the future is refused,
/// `ACQ.INVALID_PARAMETER`: no captured answer shows Alipay's code for it, docs/fidelity.md), or `timeout`
/// after `now` (already checked by the model), or `None` (the method's default).
pub(crate) fn expiry(
    timeout: Option<TimeoutExpress>,
    time_expire: Option<Timestamp>,
    now: i64,
) -> Result<Option<i64>, BizError> {
    if let Some(ts) = time_expire {
        if ts.unix() <= now {
            return Err(BizError::InvalidParameter(format!("time_expire {ts} 早于当前时间")));
        }
        return Ok(Some(ts.unix()));
    }
    match timeout {
        None => Ok(None),
        Some(t) => {
            t.expires_at(now).map(Some).ok_or_else(|| BizError::InvalidParameter(format!("timeout_express {t}")))
        }
    }
}

/// The trade a query, cancel, close or refund names: `trade_no` wins over `out_trade_no`; blank is absent.
pub(crate) fn trade_key(out_trade_no: Option<String>, trade_no: Option<String>) -> Result<TradeKey, BizError> {
    let present = |v: Option<String>| v.filter(|v| !alipay_core::content::is_blank(v));
    match (present(trade_no), present(out_trade_no)) {
        (Some(t), _) => Ok(TradeKey::TradeNo(t)),
        (None, Some(o)) => Ok(TradeKey::OutTradeNo(o)),
        (None, None) => Err(BizError::InvalidParameter("out_trade_no or trade_no is required".into())),
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
