//! Calls that make no HTTP request: page pay (an auto-submitting form, or a GET URL) and the app-pay order
//! string the mobile SDK hands to the Alipay wallet. All three are signed exactly like [`AlipayClient::execute`]
//! and work for any request type; the typed conveniences below build them for the trade methods
//! (`alipay.trade.page.pay`, `.wap.pay`, `.app.pay`) with `return_url` / `notify_url`.
//!
//! The buyer pays on Alipay's cashier, which then sends the browser to `return_url` with signed parameters:
//! check them with [`AlipayClient::verify_return`]. The asynchronous notification to `notify_url`
//! ([`AlipayClient::verify_notification`]) is the authority on the payment.
//!
//! ```no_run
//! # fn run(client: alipay_client::AlipayClient) -> Result<(), Box<dyn std::error::Error>> {
//! use alipay_client::api::trade::TradePagePay;
//! let order = TradePagePay::new("ORDER_1", "88.88".parse()?, "Iphone6 16G");
//! let html = client.trade_page_pay_form(&order, "https://shop.example.com/return", "https://shop.example.com/notify")?;
//! // serve `html` to the buyer's browser: it submits itself to the cashier
//! # Ok(()) }
//! ```

use alipay_api::trade::{TradeAppPay, TradePagePay, TradeWapPay};
use alipay_api::AlipayRequest;
use alipay_core::form;

use crate::client::{AlipayClient, CallOptions};
use crate::error::Error;

impl AlipayClient {
    /// Page pay as an auto-submitting POST form, byte for byte the Java SDK's `pageExecute(request, "POST")`:
    /// protocol parameters (with `sign`) in the action URL, each business parameter a hidden input.
    ///
    /// Serve the returned HTML to the buyer's browser (`Content-Type: text/html;charset=<charset>`).
    pub fn page_pay_form<R: AlipayRequest>(&self, request: &R, options: &CallOptions) -> Result<String, Error> {
        request.validate()?;
        let business = alipay_api::encode_request(request).map_err(|e| Error::Build(e.to_string()))?;
        let signed = self.sign_params(R::METHOD, business, options)?;
        let action = self.url_with(&signed.protocol)?;
        let mut html = format!("<form name=\"punchout_form\" method=\"post\" action=\"{action}\">\n");
        for (k, v) in &signed.business {
            html.push_str(&format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">\n", v.replace('"', "&quot;")));
        }
        html.push_str("<input type=\"submit\" value=\"立即支付\" style=\"display:none\" >\n");
        html.push_str("</form>\n");
        html.push_str("<script>document.forms[0].submit();</script>");
        Ok(html)
    }

    /// Page pay as a GET URL: the gateway followed by every parameter, `sign` included, URL-encoded in the
    /// request charset. Redirect the buyer's browser to it.
    pub fn page_pay_url<R: AlipayRequest>(&self, request: &R, options: &CallOptions) -> Result<String, Error> {
        let pairs = self.all_params(request, options)?;
        self.url_with(&pairs)
    }

    /// The app-pay order string (Java's `sdkExecute`): all parameters, `sign` included, sorted by name and
    /// URL-encoded, without the gateway prefix. The app passes it to the Alipay mobile SDK.
    pub fn app_order_string<R: AlipayRequest>(&self, request: &R, options: &CallOptions) -> Result<String, Error> {
        let pairs = self.all_params(request, options)?;
        Ok(form::encode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), self.charset())?)
    }

    fn all_params<R: AlipayRequest>(&self, request: &R, options: &CallOptions) -> Result<Vec<(String, String)>, Error> {
        request.validate()?;
        let business = alipay_api::encode_request(request).map_err(|e| Error::Build(e.to_string()))?;
        let signed = self.sign_params(R::METHOD, business, options)?;
        let mut all: Vec<(String, String)> = signed.protocol.into_iter().chain(signed.business).collect();
        all.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Ok(all)
    }

    /// `alipay.trade.page.pay` as an auto-submitting form ([`AlipayClient::page_pay_form`]) with its
    /// `return_url` and `notify_url` (empty strings are left out).
    pub fn trade_page_pay_form(
        &self,
        order: &TradePagePay,
        return_url: &str,
        notify_url: &str,
    ) -> Result<String, Error> {
        self.page_pay_form(order, &urls(return_url, notify_url))
    }

    /// `alipay.trade.page.pay` as a GET URL ([`AlipayClient::page_pay_url`]).
    pub fn trade_page_pay_url(
        &self,
        order: &TradePagePay,
        return_url: &str,
        notify_url: &str,
    ) -> Result<String, Error> {
        self.page_pay_url(order, &urls(return_url, notify_url))
    }

    /// `alipay.trade.wap.pay` as an auto-submitting form; put the page to leave to in `order.quit_url`.
    pub fn trade_wap_pay_form(&self, order: &TradeWapPay, return_url: &str, notify_url: &str) -> Result<String, Error> {
        self.page_pay_form(order, &urls(return_url, notify_url))
    }

    /// `alipay.trade.wap.pay` as a GET URL.
    pub fn trade_wap_pay_url(&self, order: &TradeWapPay, return_url: &str, notify_url: &str) -> Result<String, Error> {
        self.page_pay_url(order, &urls(return_url, notify_url))
    }

    /// `alipay.trade.app.pay` as the order string for the Alipay mobile SDK ([`AlipayClient::app_order_string`]).
    pub fn trade_app_order_string(&self, order: &TradeAppPay, notify_url: &str) -> Result<String, Error> {
        self.app_order_string(order, &urls("", notify_url))
    }
}

fn urls(return_url: &str, notify_url: &str) -> CallOptions {
    let some = |u: &str| Some(u.to_owned()).filter(|u| !u.trim().is_empty());
    CallOptions { return_url: some(return_url), notify_url: some(notify_url), ..CallOptions::default() }
}
