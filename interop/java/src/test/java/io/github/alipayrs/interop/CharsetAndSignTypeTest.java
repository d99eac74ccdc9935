package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.internal.util.AlipaySignature;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import com.alipay.api.request.AlipayTradeQueryRequest;
import com.alipay.api.response.AlipayTradePrecreateResponse;
import com.alipay.api.response.AlipayTradeQueryResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import io.github.alipayrs.sandbox.AppOptions;
import io.github.alipayrs.sandbox.Notification;
import io.github.alipayrs.sandbox.NotificationReceiver;
import io.github.alipayrs.sandbox.SandboxApp;
import java.nio.charset.Charset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * "CHARSET: 编码集,支持GBK/UTF-8" and "SIGN_TYPE: 目前支持RSA2和RSA" (seeds 000-003, 接口调用配置): every
 * combination, with Chinese text in both directions: the request signed and form-encoded by the SDK in its
 * charset (WebUtils.doPost, AlipaySignature), the answer decoded and verified in it, the notification sent in
 * the trade's charset and signed with the app's sign type.
 */
@ExtendWith(AlipaySandboxExtension.class)
class CharsetAndSignTypeTest {
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"UTF-8, RSA2", "GBK, RSA2", "UTF-8, RSA", "GBK, RSA"})
    void chineseSubjectRoundTrip(String charset, String signType, AlipaySandbox sandbox, NotificationReceiver receiver)
            throws Exception {
        SandboxApp app = sandbox.createApp(AppOptions.plainKey().signType(signType));
        AlipayClient alipayClient = Docs.client(app, charset);
        String outTradeNo = "CS_" + charset.replace("-", "") + "_" + signType; // letters, digits, _ (alipay.trade.precreate out_trade_no)
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setNotifyUrl(receiver.url());
        request.setBizContent("{" +
                "    \"out_trade_no\":\"" + outTradeNo + "\"," +
                "    \"total_amount\":\"12.34\"," +
                "    \"subject\":\"测试商品 & = % + 中文\"}");
        AlipayTradePrecreateResponse response = alipayClient.execute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        assertEquals(outTradeNo, response.getOutTradeNo());
        assertEquals("测试商品 & = % + 中文", sandbox.trade(io.github.alipayrs.sandbox.TradeLocator.outTradeNo(outTradeNo)
                .app(app.appId())).get("subject"), "the gateway decoded the request in " + charset);

        sandbox.scan(io.github.alipayrs.sandbox.TradeLocator.qrCode(response.getQrCode()).app(app.appId()), null, true);
        AlipayTradeQueryRequest query = new AlipayTradeQueryRequest();
        query.setBizContent("{\"out_trade_no\":\"" + outTradeNo + "\"}");
        AlipayTradeQueryResponse queried = alipayClient.execute(query);
        assertEquals("TRADE_SUCCESS", queried.getTradeStatus(), queried.getBody());
        assertEquals("测试商品 & = % + 中文", queried.getSubject(), "the answer decoded and verified in " + charset);

        Notification n = receiver.await(outTradeNo);
        assertEquals(Charset.forName(charset), n.charset(), n.contentType());
        assertEquals(charset.toLowerCase(), n.param("charset").toLowerCase());
        assertEquals(signType, n.param("sign_type"));
        assertEquals("测试商品 & = % + 中文", n.param("subject"));
        // rsaCheckV1(params, key, charset, signType): RSA is SHA1withRSA, RSA2 SHA256withRSA (AlipaySignature
        // .rsaCheck -> AsymmetricManager, alipay-sdk-java 4.40.0.ALL).
        assertTrue(AlipaySignature.rsaCheckV1(n.params(), app.alipayPublicKey(), charset, signType), n.toString());
        if (signType.equals("RSA")) {
            // The legacy three-argument form the older documents show is SHA1withRSA (rsaCheckContent).
            assertTrue(AlipaySignature.rsaCheckV1(n.params(), app.alipayPublicKey(), charset));
        }
    }
}
