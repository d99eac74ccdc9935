//! Calls that make no HTTP request: page pay (an auto-submitting form, or a GET URL) and the app-pay order
//! string the mobile SDK hands to the Alipay wallet. All three are signed exactly like [`AlipayClient::execute`].

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
}
