package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.domain.AlipayTradeAppPayModel;
import com.alipay.api.internal.util.AlipaySignature;
import com.alipay.api.request.AlipayTradeAppPayRequest;
import com.alipay.api.request.AlipayTradePagePayRequest;
import com.alipay.api.request.AlipayTradeQueryRequest;
import com.alipay.api.request.AlipayTradeWapPayRequest;
import com.alipay.api.response.AlipayTradeAppPayResponse;
import com.alipay.api.response.AlipayTradeQueryResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import io.github.alipayrs.sandbox.Notification;
import io.github.alipayrs.sandbox.NotificationReceiver;
import java.net.URI;
import java.nio.charset.Charset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Website, mobile-web and in-app payment: the SDK builds the request without calling the gateway
 * ({@code pageExecute}: an auto-submitting POST form by default, a GET URL with "GET"; {@code sdkExecute}: the
 * order string; AbstractAlipayClient, alipay-sdk-java 4.40.0.ALL), and a browser (here java.net.http) takes it to
 * the gateway, which answers the cashier. Followed to the end: sign in, pay, the signed return to
 * {@code return_url}, the notification, the query.
 */
@ExtendWith(AlipaySandboxExtension.class)
class CashierTest {
    private static final String RETURN_URL = "http://127.0.0.1:9/return"; // never fetched: the Location is read

    /** The cashier page for an order: signs in with the pre-filled default buyer and pays; answers the final page. */
    static Browser.Page signInAndPay(Browser browser, Browser.Page cashier) throws Exception {
        assertEquals(200, cashier.status(), cashier.body());
        assertTrue(cashier.hasTestId("login"), cashier.body());
        Browser.Page afterLogin = browser.post(cashier.form("/login"), Charset.forName("UTF-8"));
        assertEquals(303, afterLogin.status(), afterLogin.body());
        Browser.Page signedIn = browser.get(afterLogin.uri().resolve(afterLogin.location()));
        assertTrue(signedIn.hasTestId("pay"), signedIn.body());
        return browser.post(signedIn.form("/pay"), Charset.forName("UTF-8"));
    }

    /** The SDK's form (WebUtils.buildForm: action = gateway URL with the common parameters, biz_content hidden). */
    static Browser.Page submit(Browser browser, String form, String gatewayUrl, Charset charset) throws Exception {
        assertTrue(form.contains("<script>document.forms[0].submit();</script>"), form);
        Browser.Form f = new Browser.Page(200, form, null, URI.create(gatewayUrl)).form("gateway.do");
        assertEquals("post", f.method());
        return browser.post(f, charset);
    }

    private static void assertSignedReturn(AlipaySandbox sandbox, String location, String method, String outTradeNo,
            Charset charset) throws Exception {
        assertNotNull(location, "a 303 to return_url");
        assertTrue(location.startsWith(RETURN_URL + "?"), location);
        Map<String, String> params = Browser.query(location, charset);
        assertEquals(method + ".return", params.get("method"));
        assertEquals(outTradeNo, params.get("out_trade_no"));
        assertEquals(sandbox.appId(), params.get("app_id"));
        assertNotNull(params.get("trade_no"));
        // Signed like a notification (V1): the SDK's rsaCheckV1 verifies it.
        assertTrue(AlipaySignature.rsaCheckV1(params, sandbox.alipayPublicKey(), charset.name(), "RSA2"), location);
    }

    private static String tradeStatus(AlipayClient alipayClient, String outTradeNo) throws Exception {
        AlipayTradeQueryRequest query = new AlipayTradeQueryRequest();
        query.setBizContent("{\"out_trade_no\":\"" + outTradeNo + "\"}");
        AlipayTradeQueryResponse response = alipayClient.execute(query);
        return response.getTradeStatus();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"POST, UTF-8", "GET, UTF-8", "POST, GBK", "GET, GBK"})
    void pagePay(String httpMethod, String charset, AlipaySandbox sandbox, NotificationReceiver receiver) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox, charset);
        String outTradeNo = "PAGE_" + httpMethod + "_" + charset.replace("-", "");
        AlipayTradePagePayRequest request = new AlipayTradePagePayRequest();
        request.setReturnUrl(RETURN_URL);
        request.setNotifyUrl(receiver.url());
        request.setBizContent("{" +
                "    \"out_trade_no\":\"" + outTradeNo + "\"," +
                "    \"product_code\":\"FAST_INSTANT_TRADE_PAY\"," +
                "    \"total_amount\":\"88.88\"," +
                "    \"subject\":\"网页支付 测试\"}");
        Browser browser = new Browser();
        Browser.Page cashier;
        if (httpMethod.equals("GET")) {
            String url = alipayClient.pageExecute(request, "GET").getBody(); // AbstractAlipayClient.getRedirectUrl
            assertTrue(url.startsWith(sandbox.gatewayUrl() + "?"), url);
            assertTrue(url.contains("biz_content="), "GET carries every parameter in the query: " + url);
            cashier = browser.get(URI.create(url));
        } else {
            String form = alipayClient.pageExecute(request).getBody();
            cashier = submit(browser, form, sandbox.gatewayUrl(), Charset.forName(charset));
        }
        assertTrue(cashier.body().contains("网页支付 测试"), "the cashier shows the subject decoded in " + charset);
        assertTrue(cashier.body().contains("88.88"));
        Browser.Page paid = signInAndPay(browser, cashier);
        assertEquals(303, paid.status(), paid.body());
        assertSignedReturn(sandbox, paid.location(), "alipay.trade.page.pay", outTradeNo, Charset.forName(charset));

        Notification n = receiver.await(outTradeNo);
        assertEquals("TRADE_SUCCESS", n.param("trade_status"));
        assertTrue(AlipaySignature.rsaCheckV1(n.params(), sandbox.alipayPublicKey(), charset, "RSA2"));
        assertEquals("TRADE_SUCCESS", tradeStatus(alipayClient, outTradeNo));
    }

    @Test
    void aTamperedPagePayShowsTheErrorPage(AlipaySandbox sandbox) throws Exception {
        AlipayTradePagePayRequest request = new AlipayTradePagePayRequest();
        request.setBizContent("{\"out_trade_no\":\"PAGE_BAD\",\"product_code\":\"FAST_INSTANT_TRADE_PAY\","
                + "\"total_amount\":\"1.00\",\"subject\":\"x\"}");
        String url = Docs.client(sandbox).pageExecute(request, "GET").getBody().replace("1.00", "0.01");
        Browser.Page page = new Browser().get(URI.create(url));
        assertTrue(page.hasTestId("error"), page.body());
        assertTrue(page.body().contains("isv.invalid-signature"), page.body());
    }

    @Test
    void wapPayCancelGoesToQuitUrl(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        AlipayTradeWapPayRequest request = new AlipayTradeWapPayRequest();
        request.setReturnUrl(RETURN_URL);
        request.setBizContent("{\"out_trade_no\":\"WAP1\",\"product_code\":\"QUICK_WAP_WAY\",\"total_amount\":\"6.00\","
                + "\"subject\":\"手机网站\",\"quit_url\":\"http://127.0.0.1:9/quit\"}");
        Browser browser = new Browser();
        Browser.Page cashier = submit(browser, alipayClient.pageExecute(request).getBody(), sandbox.gatewayUrl(),
                Charset.forName("UTF-8"));
        assertTrue(cashier.body().contains("class=\"phone\""), "phone-sized: " + cashier.body());
        Browser.Page cancelled = browser.post(cashier.form("/cancel"), Charset.forName("UTF-8"));
        assertEquals(303, cancelled.status(), cancelled.body());
        assertTrue(cancelled.location().startsWith("http://127.0.0.1:9/quit"), cancelled.location());
        assertFalse("TRADE_SUCCESS".equals(tradeStatus(alipayClient, "WAP1")));

        request.setBizContent("{\"out_trade_no\":\"WAP2\",\"product_code\":\"QUICK_WAP_WAY\",\"total_amount\":\"6.00\","
                + "\"subject\":\"手机网站\",\"quit_url\":\"http://127.0.0.1:9/quit\"}");
        Browser.Page paid = signInAndPay(browser, submit(browser, alipayClient.pageExecute(request).getBody(),
                sandbox.gatewayUrl(), Charset.forName("UTF-8")));
        assertSignedReturn(sandbox, paid.location(), "alipay.trade.wap.pay", "WAP2", Charset.forName("UTF-8"));
        assertEquals("TRADE_SUCCESS", tradeStatus(alipayClient, "WAP2"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"UTF-8", "GBK"})
    void appPayOrderStringPaidInTheWallet(String charset, AlipaySandbox sandbox, NotificationReceiver receiver)
            throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox, charset);
        String outTradeNo = "APP_" + charset.replace("-", "");
        AlipayTradeAppPayModel model = new AlipayTradeAppPayModel();
        model.setOutTradeNo(outTradeNo);
        model.setTotalAmount("9.90");
        model.setSubject("App 支付");
        model.setProductCode("QUICK_MSECURITY_PAY");
        AlipayTradeAppPayRequest request = new AlipayTradeAppPayRequest();
        request.setBizModel(model);
        request.setNotifyUrl(receiver.url());
        AlipayTradeAppPayResponse response = alipayClient.sdkExecute(request); // AbstractAlipayClient.getSdkParams
        String orderString = response.getBody();
        Map<String, String> params = Browser.query("http://x/?" + orderString, Charset.forName(charset));
        assertEquals("alipay.trade.app.pay", params.get("method"));
        assertNotNull(params.get("sign"));
        // The order string is signed with the app's key over the sorted parameters (getSignatureContent): the
        // app's public key verifies it with rsaCheckV2 (every parameter but sign).
        assertTrue(AlipaySignature.rsaCheckV2(params, io.github.alipayrs.sandbox.SandboxApp.pemBody(sandbox.appPublicKeyPem()),
                charset, "RSA2"));
        assertTrue(params.get("biz_content").contains("\"subject\":\"App 支付\""), params.get("biz_content"));

        // The app hands it to the wallet; the buyer pays there.
        Browser.Page wallet = new Browser().post(URI.create(sandbox.baseUrl() + "/wallet/app-pay"),
                Map.of("buyer", sandbox.buyerUserId(), "order_string", orderString), Charset.forName("UTF-8"));
        assertEquals(303, wallet.status(), wallet.body());
        assertTrue(java.net.URLDecoder.decode(wallet.location(), "UTF-8").contains(outTradeNo + " TRADE_SUCCESS"), wallet.location());
        Notification n = receiver.await(outTradeNo);
        assertEquals("App 支付", n.param("subject"));
        assertTrue(AlipaySignature.rsaCheckV1(n.params(), sandbox.alipayPublicKey(), charset, "RSA2"));
        assertEquals("TRADE_SUCCESS", tradeStatus(alipayClient, outTradeNo));
    }
}
