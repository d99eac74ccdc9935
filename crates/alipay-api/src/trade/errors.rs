//! The documented `ACQ.*` business failures of `alipay.trade.*` (trade.md), with their `sub_msg`.
//!
//! `ACQ.TRADE_STATUS_ERROR` is answered `交易状态不合法` by refund ([`TRADE_STATUS_ERROR`]) and close
//! ([`CLOSE_TRADE_STATUS_ERROR`]) alike: trade.md gives refund's as `交易状态非法`, but Alipay's own production test
//! asserts `交易状态不合法` for a refund of an unpaid trade (`alipay/alipay-easysdk`
//! `java/src/test/java/com/alipay/easysdk/payment/common/ClientTest.java`, `testRefund`), as captured answers do.
//! `ACQ.PAYMENT_AUTH_CODE_INVALID`'s text is production's (the same suite's
//! `payment/facetoface/ClientTest.java`, `testPay`); trade.md's short `支付授权码无效` is the error table's.

sub_codes! {
    /// Any method: system error; the outcome is unknown, query it.
    SYSTEM_ERROR = ("ACQ.SYSTEM_ERROR", "系统异常");
    /// Any method: invalid parameter.
    INVALID_PARAMETER = ("ACQ.INVALID_PARAMETER", "参数无效");
    /// Any method: no such trade.
    TRADE_NOT_EXIST = ("ACQ.TRADE_NOT_EXIST", "交易不存在");
    /// Any method: the app may not use this method.
    ACCESS_FORBIDDEN = ("ACQ.ACCESS_FORBIDDEN", "无权限使用接口");
    /// pay/precreate: the trade is already paid.
    TRADE_HAS_SUCCESS = ("ACQ.TRADE_HAS_SUCCESS", "交易已被支付");
    /// pay/precreate: the trade is closed.
    TRADE_HAS_CLOSE = ("ACQ.TRADE_HAS_CLOSE", "交易已经关闭");
    /// pay/precreate: same `out_trade_no` with a different amount or subject.
    CONTEXT_INCONSISTENT = ("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改");
    /// pay/precreate: the amount is over the limit.
    TOTAL_FEE_EXCEED = ("ACQ.TOTAL_FEE_EXCEED", "订单总金额超过限额");
    /// pay: the payment code is invalid.
    PAYMENT_AUTH_CODE_INVALID = ("ACQ.PAYMENT_AUTH_CODE_INVALID", "支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款，如再次收款失败，请联系管理员处理。[SOUNDWAVE_PARSER_FAIL]");
    /// pay: the buyer's balance is not enough.
    BUYER_BALANCE_NOT_ENOUGH = ("ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足");
    /// pay: buyer and seller are the same account.
    BUYER_SELLER_EQUAL = ("ACQ.BUYER_SELLER_EQUAL", "买卖家不能相同");
    /// refund: the seller's balance is not enough.
    SELLER_BALANCE_NOT_ENOUGH = ("ACQ.SELLER_BALANCE_NOT_ENOUGH", "卖家余额不足");
    /// refund: the refunds would exceed the trade's amount.
    REFUND_AMT_NOT_EQUAL_TOTAL = ("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
    /// refund: the trade's state does not allow it.
    TRADE_STATUS_ERROR = ("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
    /// refund: the trade is finished (refund window over).
    TRADE_HAS_FINISHED = ("ACQ.TRADE_HAS_FINISHED", "交易已完结");
    /// refund: same `out_request_no` with a different amount.
    DISCORDANT_REPEAT_REQUEST = ("ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求");
    /// refund: the refund amount is invalid.
    REASON_TRADE_REFUND_FEE_ERR = ("ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效");
    /// cancel: more than 24 h after the trade was created.
    TRADE_CANCEL_TIME_OUT = ("ACQ.TRADE_CANCEL_TIME_OUT", "超过撤销时间范围");
    /// close: the trade is not waiting for payment.
    CLOSE_TRADE_STATUS_ERROR = ("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sub_code::SubCode;

    #[test]
    fn lookup_and_status() {
        assert_eq!(SubCode::find(ALL, "ACQ.TRADE_NOT_EXIST"), Some(&TRADE_NOT_EXIST));
        assert_eq!(SubCode::find(ALL, "ACQ.TRADE_STATUS_ERROR").map(|s| s.msg), Some("交易状态不合法"));
        let s = TOTAL_FEE_EXCEED.status();
        assert_eq!(s.sub_msg.as_deref(), Some("订单总金额超过限额"));
        assert_eq!(ALL.len(), 19);
    }
}
