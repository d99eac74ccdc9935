//! The methods that have a v3 REST path (Alipay's v3 protocol, `/v3/alipay/...`): one table, read by the SDK
//! (which sends a call of these methods to its path) and by the gateway (which serves the paths). Sources: the
//! v3 paths of Alipay's Node SDK (`alipay-sdk` 4.x, `curl`) and Alipay's v3 API reference.
//!
//! ```
//! assert_eq!(alipay_api::v3::path_of("alipay.trade.query"), Some(("POST", "/v3/alipay/trade/query")));
//! assert_eq!(alipay_api::v3::path_of("alipay.trade.page.pay"), None);
//! assert_eq!(alipay_api::v3::method_of("GET", "/v3/alipay/ebpp/pdeduct/bill/pay/status"), Some("alipay.ebpp.pdeduct.bill.pay.status"));
//! ```

/// The methods with a v3 path: (method, HTTP method, path).
pub const PATHS: &[(&str, &str, &str)] = &[
    ("alipay.trade.pay", "POST", "/v3/alipay/trade/pay"),
    ("alipay.trade.precreate", "POST", "/v3/alipay/trade/precreate"),
    ("alipay.trade.query", "POST", "/v3/alipay/trade/query"),
    ("alipay.trade.cancel", "POST", "/v3/alipay/trade/cancel"),
    ("alipay.trade.close", "POST", "/v3/alipay/trade/close"),
    ("alipay.trade.refund", "POST", "/v3/alipay/trade/refund"),
    ("alipay.trade.fastpay.refund.query", "POST", "/v3/alipay/trade/fastpay/refund/query"),
    ("alipay.data.dataservice.bill.downloadurl.query", "GET", "/v3/alipay/data/dataservice/bill/downloadurl/query"),
    ("alipay.ebpp.pdeduct.pay", "POST", "/v3/alipay/ebpp/pdeduct/pay"),
    ("alipay.ebpp.pdeduct.bill.pay.status", "GET", "/v3/alipay/ebpp/pdeduct/bill/pay/status"),
];

/// The HTTP method and path of `method` in v3, if it has one.
pub fn path_of(method: &str) -> Option<(&'static str, &'static str)> {
    PATHS.iter().find(|(m, _, _)| *m == method).map(|(_, h, p)| (*h, *p))
}

/// The method served at `path` with the HTTP method `http`, if any.
pub fn method_of(http: &str, path: &str) -> Option<&'static str> {
    PATHS.iter().find(|(_, h, p)| *h == http && *p == path).map(|(m, _, _)| *m)
}
