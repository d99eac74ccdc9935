//! The answers of the `alipay.ebpp.*` methods' failures, shared by EBPP bills and direct deduct (whose methods
//! are `alipay.ebpp.pdeduct.*` and use the same code for a broken field rule).

use crate::reply::Reply;

/// `PARAMETER_ILLEGAL` (seed 004's code, used for every broken field rule of the `alipay.ebpp.*` families).
pub(crate) fn illegal(detail: &str) -> Reply {
    Reply::business("PARAMETER_ILLEGAL", &format!("传入的参数非法: {detail}"))
}
