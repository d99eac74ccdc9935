package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.DefaultAlipayClient;
import com.alipay.api.domain.AlipayTradePayModel;
import com.alipay.api.internal.util.AlipaySignature;
import com.alipay.api.request.AlipayTradePayRequest;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import com.alipay.api.request.AlipayTradeQueryRequest;
import com.alipay.api.response.AlipayTradePayResponse;
import com.alipay.api.response.AlipayTradePrecreateResponse;
import com.alipay.api.response.AlipayTradeQueryResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every control of the helper against the running sandbox, driven with the official SDK. */
class ControlsTest {
    @RegisterExtension
    static AlipaySandboxExtension extension = AlipaySandboxExtension.perClass();

    private static AlipayTradePrecreateResponse precreate(AlipayClient client, String outTradeNo, String notifyUrl)
            throws Exception {
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setNotifyUrl(notifyUrl);
        request.setBizContent("{\"out_trade_no\":\"" + outTradeNo + "\",\"total_amount\":\"10.00\",\"subject\":\"x\"}");
        AlipayTradePrecreateResponse response = client.execute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        return response;
    }

    @Test
    void paymentCodeOfANewBuyer(AlipaySandbox sandbox, AlipayClient client) throws Exception {
        String buyer = (String) sandbox.createBuyer(Map.of("balance", "50.00", "password_free_limit", "100.00")).get("user_id");
        AlipayTradePayModel model = new AlipayTradePayModel();
        model.setOutTradeNo("P1");
        model.setScene("bar_code");
        model.setAuthCode(sandbox.paymentCode(buyer, 60));
        model.setTotalAmount("20.00");
        model.setSubject("coffee");
        AlipayTradePayRequest request = new AlipayTradePayRequest();
        request.setBizModel(model);
        AlipayTradePayResponse response = client.execute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        assertEquals(buyer, response.getBuyerUserId());
        assertEquals("30.00", sandbox.buyer(buyer).get("balance"));
        assertEquals("TRADE_SUCCESS", sandbox.trade("P1").get("trade_status"));
        assertTrue(sandbox.paymentCode().matches("\\d{16,24}"), "the default buyer's code");
    }

    @Test
    void scanConfirmRefuse(AlipaySandbox sandbox, AlipayClient client) throws Exception {
        AlipayTradePrecreateResponse a = precreate(client, "S1", null);
        assertEquals("WAIT_BUYER_PAY", sandbox.scan(a.getQrCode()).get("trade_status"));
        assertEquals("TRADE_SUCCESS", sandbox.confirm(TradeLocator.outTradeNo("S1")).get("trade_status"));
        AlipayTradePrecreateResponse b = precreate(client, "S2", null);
        sandbox.scan(TradeLocator.qrCode(b.getQrCode()), sandbox.buyerUserId(), false);
        assertEquals("TRADE_CLOSED", sandbox.refuse(TradeLocator.outTradeNo("S2")).get("trade_status"));
        Map<String, Object> byTradeNo = sandbox.trade(TradeLocator.tradeNo((String) sandbox.trade("S1").get("trade_no")));
        assertEquals("S1", byTradeNo.get("out_trade_no"));
        AdminException unknown = assertThrows(AdminException.class, () -> sandbox.trade("NOPE"));
        assertEquals(404, unknown.status());
        assertTrue(unknown.error().length() > 0);
    }

    @Test
    void clockAdvanceClosesAnUnpaidTrade(AlipaySandbox sandbox, AlipayClient client) throws Exception {
        AlipayTradePrecreateResponse r = precreate(client, "K1", null);
        sandbox.scan(r.getQrCode());
        Map<String, Object> before = sandbox.clock();
        assertEquals(0L, before.get("offset_secs"));
        Map<String, Object> after = sandbox.advanceClock(4 * 3600); // past the 3 h trade timeout
        assertEquals(4L * 3600, after.get("offset_secs"));
        assertNotEquals(before.get("now"), after.get("now"));
        assertEquals("TRADE_CLOSED", sandbox.trade("K1").get("trade_status"));
    }

    @Test
    void injectedFaultsAnswerAsAlipayDoes(AlipaySandbox sandbox, AlipayClient client) throws Exception {
        Map<String, Object> pending = sandbox.injectFault("alipay.trade.query", "unknown_error", 2);
        assertEquals(1, ((List<?>) pending.get("pending")).size());
        AlipayTradeQueryRequest query = new AlipayTradeQueryRequest();
        query.setBizContent("{\"out_trade_no\":\"F1\"}");
        // The answers of crates/alipay-sandbox/src/gateway/methods.rs default_fault, signed and verified by the SDK.
        AlipayTradeQueryResponse unknown = client.execute(query);
        assertEquals("20000", unknown.getCode(), unknown.getBody());
        assertEquals("isp.unknow-error", unknown.getSubCode());
        sandbox.clearFaults();
        assertEquals(List.of(), sandbox.faults().get("pending"));
        sandbox.injectFault("alipay.trade.query", "system_error");
        AlipayTradeQueryResponse system = client.execute(query);
        assertEquals("40004", system.getCode(), system.getBody());
        assertEquals("ACQ.SYSTEM_ERROR", system.getSubCode());
        assertEquals("ACQ.TRADE_NOT_EXIST", client.execute(query).getSubCode(), "a fault fires count times");
    }

    @Test
    void notificationsReachTheReceiverSigned(AlipaySandbox sandbox, AlipayClient client, NotificationReceiver receiver)
            throws Exception {
        AlipayTradePrecreateResponse r = precreate(client, "N1", receiver.url());
        sandbox.scan(r.getQrCode(), true);
        Notification n = receiver.await("N1");
        assertEquals("TRADE_SUCCESS", n.param("trade_status"));
        assertTrue(AlipaySignature.rsaCheckV1(n.params(), sandbox.alipayPublicKey(), "utf-8", "RSA2"), n.toString());
        List<Map<String, Object>> delivered = sandbox.waitForNotifications("N1");
        assertEquals(receiver.url(), delivered.get(0).get("url"));
        assertEquals(1, sandbox.notifications("N1").size());
    }

    @Test
    void certModeAndAesApps(AlipaySandbox sandbox) throws Exception {
        SandboxApp cert = sandbox.createApp(AppOptions.certMode().aes());
        assertTrue(cert.certMode());
        assertTrue(cert.aes());
        assertTrue(cert.appCert().startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(cert.alipayRootCertSn().contains("_"), "the root SN joins the RSA roots' SNs");
        assertThrows(SandboxException.class, cert::alipayPublicKey);
        DefaultAlipayClient certClient = cert.officialClient(DefaultAlipayClient.class);
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setNeedEncrypt(true);
        request.setBizContent("{\"out_trade_no\":\"M1\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
        AlipayTradePrecreateResponse response = certClient.certificateExecute(request);
        assertEquals("10000", response.getCode(), response.getBody());

        SandboxApp rsa = sandbox.createApp(AppOptions.plainKey().signType("RSA"));
        assertEquals("RSA", rsa.signType());
        request = new AlipayTradePrecreateRequest();
        request.setBizContent("{\"out_trade_no\":\"M2\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
        assertEquals("10000", rsa.officialClient(AlipayClient.class).execute(request).getCode());

        Map<String, Object> rotated = sandbox.rotateAlipayCert();
        assertNotEquals(cert.alipayCertSn(), rotated.get("alipay_cert_sn"));
        assertTrue(((List<?>) rotated.get("known_sns")).contains(cert.alipayCertSn()));
    }

    @Test
    void rawAdminCalls(AlipaySandbox sandbox) {
        Map<?, ?> buyer = (Map<?, ?>) sandbox.admin("buyers/" + sandbox.buyerUserId());
        assertEquals(sandbox.buyerUserId(), buyer.get("user_id"));
        AdminException bad = assertThrows(AdminException.class,
                () -> sandbox.admin("clock/advance", Map.of("seconds", -1)));
        assertTrue(bad.status() >= 400 && bad.status() < 500, "status " + bad.status());
        assertTrue(sandbox.waitForNotifications(null, "delivered", 0, Duration.ZERO).isEmpty());
    }
}
