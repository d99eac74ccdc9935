//! # alipay-api
//!
//! Typed models of the Alipay Open Platform methods in this project's seeds, and of the notifications they
//! cause. The SDK (`alipay-client`) serialises requests and deserialises responses with these types; the local
//! gateway (`alipay-sandbox`) does the reverse with the very same types, so the two cannot drift apart.
//!
//! Every request implements [`AlipayRequest`]: its gateway method name, how its business parameters travel
//! ([`Transport`]), its response type, and [`AlipayRequest::validate`], which applies the seed tables'
//! required-field and max-length rules before anything is sent (and, in the gateway, before anything is done).
//!
//! | module | product (seed) | methods |
//! |---|---|---|
//! | [`trade`] | face-to-face payment, 当面付 (001) | `alipay.trade.pay`, `.precreate`, `.query`, `.cancel`, `.close`, `.refund`, `.fastpay.refund.query` |
//! | [`bill`] | reconciliation bills (001) | `alipay.data.dataservice.bill.downloadurl.query` |
//! | [`bill_file`] | the downloaded bill files (trade.md) | the GBK detail CSV, read and written |
//! | [`bill_ledger`] | the downloaded ledger bill (`signcustomer`, 账务明细) | the GBK ledger CSV and its summary, read and written |
//! | [`notify`] | the trade notification (trade.md) | `notify_type=trade_status_sync` |
//! | [`ebpp`] | bill payment, 账单缴费 (000) | `alipay.ebpp.bill.add`, `.get` (top-level form fields) |
//! | [`deduct`] | direct deduct, 代扣 (000, 002, 004) | `alipay.ebpp.pdeduct.sign.add`, `.sign.query`, `.sign.cancel`, `.pay`, `.bill.pay.status` |
//! | [`auth`] | user and app authorization (issue 16) | `alipay.system.oauth.token`, `alipay.user.info.share`, `alipay.open.auth.token.app`, `.app.query` |
//! | [`cert`] | certificate mode (spec) | `alipay.open.app.alipaycert.download` |
//! | [`coupon`] | cash red packets, 现金红包 (003) | `alipay.fund.coupon.order.app.pay`, `.page.pay`, `.agreement.pay`, `.disburse`, `.refund`, `alipay.fund.coupon.operation.query` |
//!
//! Absent is not zero: a request field the seeds mark required and that has no blank value (the amounts:
//! `total_amount`, `refund_amount`, ...) has no default when decoded, so a gateway decoding a request without it
//! gets a [`DecodeError`] naming the field instead of a zero amount. Text fields decode absent as empty and
//! [`AlipayRequest::validate`] reports them [`ValidationError::Missing`], as Alipay treats blank and absent alike.
//! Relative timeouts are parsed by one type, [`TimeoutExpress`].
//!
//! Documented failures (`sub_code` / `sub_msg`) are [`sub_code::SubCode`] constants: [`trade::errors`],
//! [`deduct::pay_errors`], [`deduct::sign_query_errors`], [`coupon::errors`].
//!
//! ```
//! use alipay_api::{trade::TradeQuery, AlipayRequest};
//! let q = TradeQuery { out_trade_no: Some("20150320010101001".into()), ..Default::default() };
//! q.validate().unwrap();
//! assert_eq!(TradeQuery::METHOD, "alipay.trade.query");
//! let params = alipay_api::encode_request(&q).unwrap();
//! assert_eq!(params, vec![("biz_content".to_string(), r#"{"out_trade_no":"20150320010101001"}"#.to_string())]);
//! ```

#[macro_use]
mod macros;
pub mod auth;
pub mod bill;
pub mod bill_file;
pub mod bill_ledger;
pub mod cert;
pub mod coupon;
pub mod deduct;
pub mod ebpp;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod notify;
pub mod response;
pub mod sub_code;
mod timeout;
pub mod trade;
pub mod transport;
pub mod v3;
pub mod validate;

pub use alipay_core::{ApiStatus, Money, ResultCode, Timestamp};
pub use response::ApiResponse;
pub use timeout::{NotATimeout, TimeoutExpress};
pub use transport::{decode_request, encode_request, DecodeError, Transport};
pub use validate::ValidationError;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A gateway method: its name, its transport, its response, and its seed rules.
pub trait AlipayRequest: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The `method` common parameter, e.g. `alipay.trade.pay`.
    const METHOD: &'static str;
    /// How the business parameters travel. Most methods use `biz_content`.
    const TRANSPORT: Transport = Transport::BizContent;
    /// The business fields of the answer (beside `code`/`msg`/`sub_code`/`sub_msg`).
    type Response: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Checks required fields, maximum lengths and formats as the seed tables state.
    fn validate(&self) -> Result<(), ValidationError>;
}

#[cfg(test)]
mod test_util {
    /// Owned form pairs from literals.
    pub(crate) fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}
