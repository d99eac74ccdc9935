//! Direct deduct (缴费直连代扣, seeds 000, 002, 004): `alipay.ebpp.pdeduct.*`.
//!
//! | method | transport | request | response |
//! |---|---|---|---|
//! | `alipay.ebpp.pdeduct.sign.add` | top-level | [`PdeductSignAdd`] | [`PdeductSignAddResponse`] |
//! | `alipay.ebpp.pdeduct.sign.query` | `biz_content` | [`PdeductSignQuery`] | [`PdeductSignQueryResponse`] |
//! | `alipay.ebpp.pdeduct.sign.cancel` | top-level | [`PdeductSignCancel`] | [`PdeductSignCancelResponse`] |
//! | `alipay.ebpp.pdeduct.pay` | top-level | [`PdeductPay`] | [`PdeductPayResponse`] |
//! | `alipay.ebpp.pdeduct.bill.pay.status` | top-level | [`PdeductBillPayStatus`] | [`PdeductBillPayStatusResponse`] |
//!
//! Maximum lengths are those of the seed 002 (pay) and 004 (sign.query) tables; the other methods, which have
//! no table, use the same limits for the same fields. The documented failures are in [`pay_errors`] (seed 002)
//! and [`sign_query_errors`] (seed 004).

mod pay;
mod sign;

pub use pay::{PdeductBillPayStatus, PdeductBillPayStatusResponse, PdeductPay, PdeductPayResponse};
pub use sign::{
    PdeductSignAdd, PdeductSignAddResponse, PdeductSignCancel, PdeductSignCancelResponse, PdeductSignQuery,
    PdeductSignQueryResponse,
};

string_enum! {
    /// `result_status` (pay) and `status` (bill.pay.status): the outcome of a deduction.
    ///
    /// Seed 002 shows it as a string (`"result_status":"1"`), which is how it is written; an integer `1` is
    /// read too.
    pub enum DeductResult {
        /// `0`: not known yet (未知); query `alipay.ebpp.pdeduct.bill.pay.status` later.
        Undetermined = "0",
        /// `1`: paid (成功).
        Success = "1",
        /// `2`: failed (失败).
        Failed = "2",
    }
}

/// Field limits shared by the deduct methods (seeds 002 and 004).
mod len {
    pub const AGREEMENT_ID: usize = 32;
    pub const USER_ID: usize = 16;
    /// No table gives one for these methods; Alipay's open ids are 44–64 characters today, and its other
    /// methods' tables give `open_id` String(128).
    pub const OPEN_ID: usize = 128;
    /// Seed 002 (pay) allows 30; seed 004 (sign.query) 32.
    pub const BILL_KEY_PAY: usize = 30;
    pub const BILL_KEY_SIGN: usize = 32;
    pub const PID: usize = 16;
    pub const OUT_ORDER_NO: usize = 30;
    pub const AGENT_CHANNEL: usize = 30;
    pub const AGENT_CODE: usize = 20;
    pub const EXTEND_FIELD: usize = 3000;
    pub const BIZ_TYPE: usize = 32;
    pub const SUB_BIZ_TYPE: usize = 32;
    pub const CHARGE_INST: usize = 50;
    /// Seed 004's answer table: `out_agreement_id` String(50).
    pub const OUT_AGREEMENT_ID: usize = 50;
}

/// The buyer a deduct request names: `user_id` (`2088…`, ≤ 16), or `open_id` for an app that gets open ids
/// (issue 16). The seeds (2016–2019) know only `user_id`; Alipay's EBPP models today carry `open_id` beside it,
/// "支付宝用户的openId" (`alipay/alipay-sdk-net-all` `v2/AlipaySDKNet/Domain/AlipayEbppInstserviceDeductPayModel.cs`,
/// `AlipayEbppInstserviceContractdeductSignModel.cs`, `AlipayEbppJfSignInvalidModel.cs`). One of the two is
/// required; without either, the answer is the one for a missing `user_id`.
fn validate_user(user_id: &str, open_id: Option<&str>) -> Result<(), crate::ValidationError> {
    match open_id.filter(|o| !alipay_core::content::is_blank(o)) {
        Some(open_id) => {
            crate::validate::max_len("user_id", user_id, len::USER_ID)?;
            crate::validate::max_len("open_id", open_id, len::OPEN_ID)
        }
        None => crate::validate::required("user_id", user_id, len::USER_ID),
    }
}

/// An optional `extend_field`: ≤ 3000 characters of JSON object text (seed 002: "转换异常会报参数格式错误").
fn validate_extend_field(value: Option<&str>) -> Result<(), crate::ValidationError> {
    let Some(v) = value else { return Ok(()) };
    crate::validate::max_len("extend_field", v, len::EXTEND_FIELD)?;
    crate::validate::json_object("extend_field", v)
}

/// The day a `sign_expire_date` names (Beijing calendar): `yyyy-MM-dd`, `yyyyMMdd` or `yyyy-MM-dd HH:mm:ss`.
///
/// ```
/// use alipay_api::deduct::sign_expire_day;
/// let day = sign_expire_day("2030-01-31").unwrap();
/// assert_eq!(Some(day), sign_expire_day("20300131"));
/// assert_eq!(Some(day), sign_expire_day("2030-01-31 23:59:59"));
/// assert_eq!(sign_expire_day("2030-02-30"), None);
/// ```
pub fn sign_expire_day(value: &str) -> Option<chrono::NaiveDate> {
    let day = |v: &str, f: &str| chrono::NaiveDate::parse_from_str(v, f).ok();
    match value.len() {
        10 => day(value, "%Y-%m-%d"),
        8 if value.bytes().all(|b| b.is_ascii_digit()) => day(value, "%Y%m%d"),
        19 => value.parse::<crate::Timestamp>().ok().map(|t| t.beijing().date_naive()),
        _ => None,
    }
}

/// Failures documented for `alipay.ebpp.pdeduct.pay` (seed 002: 错误码 / 错误描述 / 解决方案, verbatim).
pub mod pay_errors {
    sub_codes! {
        /// The agreement id is missing.
        AGREEMENT_ID_IS_NULL = ("AGREEMENT_ID_IS_NULL", "协议ID为空", "传协议ID");
        /// The agent channel is missing.
        AGENT_CHANNEL_IS_NULL = ("AGENT_CHANNEL_IS_NULL", "用户操作渠道为空", "必传AGENT_CHANNEL,传的值为PUBLICFORM(服务窗)");
        /// The household number is missing.
        BILL_KEY_IS_NULL = ("BILL_KEY_IS_NULL", "户号为空", "户号必传");
        /// The institution's order number (`out_order_no`, the idempotency key) is missing.
        INST_ORDER_NO_IS_NULL = ("INST_ORDER_NO_IS_NULL", "机构的订单流水号", "机构订单流水号,对接的isv必须要传,用于控制幂等");
        /// The agreement does not exist or was cancelled.
        DEDUCT_SIGN_INFO_NOT_EXIST = ("DEDUCT_SIGN_INFO_NOT_EXIST", "协议不存在,已被删除", "机构需要检查自身协议是否和支付宝的协议存在单边账的问题");
        /// Looking the agreement up failed (timeout, network); retry.
        QUERY_DEDUCT_SIGN_INFO_ERROR = ("QUERY_DEDUCT_SIGN_INFO_ERROR", "查询代扣协议错误", "查询协议的时候出现超时或网络异常时,建议再次重试");
        /// The payment failed, mostly because the user's balance is not enough.
        INVOKE_PAYACCEPTANCE_EXCEPTION = ("INVOKE_PAYACCEPTANCE_EXCEPTION", "调用支付时支付异常", "一般是支付过程中出现了异常,主要是用户金额不足");
    }
}

/// Failures of `alipay.ebpp.pdeduct.bill.pay.status`: the seeds list none; this one is chosen here and shared by
/// the SDK's deduct flow and the local gateway, so the two cannot disagree.
pub mod status_errors {
    sub_codes! {
        /// No deduction with this `out_order_no` on this agreement: it was never made (the pay can be sent again
        /// with the same `out_order_no`).
        DEDUCT_ORDER_NOT_EXIST = ("DEDUCT_ORDER_NOT_EXIST", "代扣订单不存在");
    }
}

/// Failures documented for `alipay.ebpp.pdeduct.sign.query` (seed 004: 错误码 / 错误描述 / 解决方案, verbatim).
pub mod sign_query_errors {
    sub_codes! {
        /// System busy (database or unforeseen error).
        SYSTEM_ERROR = ("SYSTEM_ERROR", "系统繁忙", "系统异常,一般是数据库原因,或是无法预知的系统错误");
        /// Looking the agreement up failed (usually a timeout of the underlying system).
        QUERY_DEDUCT_SIGN_INFO_ERROR = ("QUERY_DEDUCT_SIGN_INFO_ERROR", "查询协议异常", "一般是调用底层系统查询协议的时候超时");
        /// No such agreement: the two sides' agreements disagree.
        DEDUCT_SIGN_INFO_NOT_EXIST = ("DEDUCT_SIGN_INFO_NOT_EXIST", "协议不存在", "说明两边的协议不一致,需要机构核实是否单边账");
        /// Neither `agreement_id` nor the full `biz_type`/`sub_biz_type`/`charge_inst`/`bill_key` was given
        /// (what [`PdeductSignQuery`](super::PdeductSignQuery)'s `validate` rejects).
        PARAMETER_ILLEGAL = ("PARAMETER_ILLEGAL", "传入的参数非法", "检查agreementId为空的情况下,业务类型、子业务类型、出账机构、户号参数是否合法");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sub_code::SubCode;

    #[test]
    fn deduct_result_reads_strings_and_numbers_and_writes_strings() {
        for (json, want) in [
            (r#""0""#, DeductResult::Undetermined),
            (r#""1""#, DeductResult::Success),
            (r#""2""#, DeductResult::Failed),
            ("1", DeductResult::Success),
            ("2", DeductResult::Failed),
            (r#""9""#, DeductResult::Unknown("9".into())),
            ("3", DeductResult::Unknown("3".into())),
        ] {
            assert_eq!(serde_json::from_str::<DeductResult>(json).unwrap(), want, "{json}");
        }
        assert_eq!(serde_json::to_string(&DeductResult::Success).unwrap(), r#""1""#);
        assert_eq!(serde_json::to_string(&DeductResult::Unknown("3".into())).unwrap(), r#""3""#);
        assert!(serde_json::from_str::<DeductResult>("1.5").is_err());
    }

    #[test]
    fn error_lists_match_the_seeds() {
        let codes: Vec<_> = pay_errors::ALL.iter().map(|s| s.code).collect();
        assert_eq!(
            codes,
            [
                "AGREEMENT_ID_IS_NULL",
                "AGENT_CHANNEL_IS_NULL",
                "BILL_KEY_IS_NULL",
                "INST_ORDER_NO_IS_NULL",
                "DEDUCT_SIGN_INFO_NOT_EXIST",
                "QUERY_DEDUCT_SIGN_INFO_ERROR",
                "INVOKE_PAYACCEPTANCE_EXCEPTION"
            ]
        );
        assert_eq!(sign_query_errors::ALL.len(), 4);
        let not_exist = SubCode::find(sign_query_errors::ALL, "DEDUCT_SIGN_INFO_NOT_EXIST").unwrap();
        assert_eq!(not_exist.msg, "协议不存在");
        assert_eq!(pay_errors::DEDUCT_SIGN_INFO_NOT_EXIST.msg, "协议不存在,已被删除");
        let s = sign_query_errors::PARAMETER_ILLEGAL.status();
        assert_eq!(s.code.as_str(), "40004");
        assert_eq!(s.sub_code.as_deref(), Some("PARAMETER_ILLEGAL"));
        assert_eq!(s.sub_msg.as_deref(), Some("传入的参数非法"));
        assert_eq!(
            pay_errors::INVOKE_PAYACCEPTANCE_EXCEPTION.solution,
            Some("一般是支付过程中出现了异常,主要是用户金额不足")
        );
    }
}
