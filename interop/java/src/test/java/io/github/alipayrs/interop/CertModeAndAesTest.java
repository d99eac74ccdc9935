package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayApiException;
import com.alipay.api.AlipayClient;
import com.alipay.api.AlipayConfig;
import com.alipay.api.CertAlipayRequest;
import com.alipay.api.DefaultAlipayClient;
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
import io.github.alipayrs.sandbox.TradeLocator;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 公钥证书模式 with {@code CertAlipayRequest} and {@code certificateExecute}, the Alipay certificate's rotation
 * (the SDK downloads an unknown {@code alipay_cert_sn} with alipay.open.app.alipaycert.download and trusts it once
 * it chains to the root: AbstractAlipayClient.checkResponseCertSign, alipay-sdk-java 4.40.0.ALL), and AES content
 * encryption ({@code request.setNeedEncrypt(true)} with the app's AES key).
 */
@ExtendWith(AlipaySandboxExtension.class)
class CertModeAndAesTest {
    @TempDir
    Path certDir;

    /** The SDK's documented certificate-mode setup: the three certificate files by path. */
    private static DefaultAlipayClient certClient(SandboxApp app, SandboxApp.CertPaths certs) throws AlipayApiException {
        CertAlipayRequest certAlipayRequest = new CertAlipayRequest();
        certAlipayRequest.setServerUrl(app.gatewayUrl());
        certAlipayRequest.setAppId(app.appId());
        certAlipayRequest.setPrivateKey(app.privateKey());
        certAlipayRequest.setFormat("json");
        certAlipayRequest.setCharset("UTF-8");
        certAlipayRequest.setSignType("RSA2");
        certAlipayRequest.setCertPath(certs.appCert().toString());
        certAlipayRequest.setAlipayPublicCertPath(certs.alipayCert().toString());
        certAlipayRequest.setRootCertPath(certs.alipayRootCert().toString());
        return new DefaultAlipayClient(certAlipayRequest);
    }

    private static AlipayTradePrecreateRequest precreate(String outTradeNo, String notifyUrl) {
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setNotifyUrl(notifyUrl);
        request.setBizContent("{\"out_trade_no\":\"" + outTradeNo + "\",\"total_amount\":\"8.00\",\"subject\":\"证书\"}");
        return request;
    }

    @Test
    void certificateExecuteAndACertVerifiedNotification(AlipaySandbox sandbox, NotificationReceiver receiver) throws Exception {
        SandboxApp app = sandbox.createApp(AppOptions.certMode());
        SandboxApp.CertPaths certs = app.writeCerts(certDir);
        DefaultAlipayClient alipayClient = certClient(app, certs);

        AlipayTradePrecreateResponse response = alipayClient.certificateExecute(precreate("CERT1", receiver.url()));
        assertEquals("10000", response.getCode(), response.getBody());
        // The request carried app_cert_sn and alipay_root_cert_sn (getRequestHolderWithSign), the SNs the sandbox
        // issued; the SDK computed them itself (AntCertificationUtil.getCertSN / getRootCertSN).
        assertEquals(app.appCertSn(), AlipaySignature.getCertSN(certs.appCert().toString()));

        // The SDK refuses execute() once certificates are configured (AlipayApiErrorEnum.CERT_EXECUTE_ERROR).
        AlipayApiException e = assertThrows(AlipayApiException.class, () -> alipayClient.execute(precreate("CERT2", null)));
        assertTrue(e.getMessage().contains("certificateExecute"), e.getMessage());

        sandbox.scan(TradeLocator.qrCode(response.getQrCode()).app(app.appId()), null, true);
        Notification n = receiver.await("CERT1");
        // Notifications of a cert-mode app are verified with the Alipay certificate: rsaCertCheckV1 takes its path.
        assertTrue(AlipaySignature.rsaCertCheckV1(n.params(), certs.alipayCert().toString(), "utf-8", "RSA2"), n.toString());
        Map<String, String> tampered = n.params();
        tampered.put("trade_status", "TRADE_CLOSED");
        assertFalse(AlipaySignature.rsaCertCheckV1(tampered, certs.alipayCert().toString(), "utf-8", "RSA2"));
    }

    @Test
    void alipayCertRotationIsDownloadedByTheSdk(AlipaySandbox sandbox, NotificationReceiver receiver) throws Exception {
        SandboxApp app = sandbox.createApp(AppOptions.certMode());
        SandboxApp.CertPaths certs = app.writeCerts(certDir);
        DefaultAlipayClient alipayClient = certClient(app, certs);
        assertEquals("10000", alipayClient.certificateExecute(precreate("ROT1", null)).getCode());

        Map<String, Object> rotated = sandbox.rotateAlipayCert();
        assertNotEquals(app.alipayCertSn(), rotated.get("alipay_cert_sn"));
        assertTrue(((List<?>) rotated.get("known_sns")).contains(app.alipayCertSn()));

        // The answer now carries the new alipay_cert_sn; the SDK downloads that certificate, checks it chains to the
        // root it was given, and verifies the answer with it (shared/spec/protocol-modes.md: "the Java SDK
        // downloads the new one with alipay.open.app.alipaycert.download"). Same client, no new configuration.
        AlipayTradePrecreateResponse after = alipayClient.certificateExecute(precreate("ROT2", receiver.url()));
        assertEquals("10000", after.getCode(), after.getBody());
        AlipayTradeQueryRequest query = new AlipayTradeQueryRequest();
        query.setBizContent("{\"out_trade_no\":\"ROT2\"}");
        sandbox.scan(TradeLocator.qrCode(after.getQrCode()).app(app.appId()), null, true);
        AlipayTradeQueryResponse queried = alipayClient.certificateExecute(query);
        assertEquals("TRADE_SUCCESS", queried.getTradeStatus(), queried.getBody());
        // The console's request inspector lists the gateway calls: exactly one download, then the SDK's cache.
        String inspector = new Browser().get(java.net.URI.create(sandbox.baseUrl() + "/inspector")).body();
        assertEquals(1, inspector.split("alipay\\.open\\.app\\.alipaycert\\.download", -1).length - 1, inspector);

        // The notification stays signed with the certificate the app was configured with (docs/protocol-modes.md).
        Notification n = receiver.await("ROT2");
        assertTrue(AlipaySignature.rsaCertCheckV1(n.params(), certs.alipayCert().toString(), "utf-8", "RSA2"), n.toString());
    }

    /**
     * A cert-mode app made after a rotation is configured with the new Alipay certificate: everything it is sent
     * must verify with that certificate, the cashier's signed return as much as the answers and notifications
     * (the merchant verifies a return with the same rsaCertCheckV1 and the same certificate file).
     *
     * <p>Found by this test: the cashier used to sign returns with the sandbox's first Alipay key, which is no
     * longer the key of the certificate such an app is given (now: the key its notifications are signed with).
     */
    @Test
    void afterARotationTheCashierReturnVerifiesWithTheAppsAlipayCert(AlipaySandbox sandbox, NotificationReceiver receiver)
            throws Exception {
        sandbox.rotateAlipayCert();
        SandboxApp app = sandbox.createApp(AppOptions.certMode());
        SandboxApp.CertPaths certs = app.writeCerts(certDir);
        DefaultAlipayClient alipayClient = certClient(app, certs);
        com.alipay.api.request.AlipayTradePagePayRequest request = new com.alipay.api.request.AlipayTradePagePayRequest();
        request.setReturnUrl("http://127.0.0.1:9/return");
        request.setNotifyUrl(receiver.url());
        request.setBizContent("{\"out_trade_no\":\"CPAGE1\",\"product_code\":\"FAST_INSTANT_TRADE_PAY\","
                + "\"total_amount\":\"3.00\",\"subject\":\"证书网页\"}");
        Browser browser = new Browser();
        Browser.Page paid = CashierTest.signInAndPay(browser, CashierTest.submit(browser,
                alipayClient.pageExecute(request).getBody(), app.gatewayUrl(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(303, paid.status(), paid.body());
        Notification n = receiver.await("CPAGE1");
        assertTrue(AlipaySignature.rsaCertCheckV1(n.params(), certs.alipayCert().toString(), "utf-8", "RSA2"),
                "notification: " + n);
        Map<String, String> back = Browser.query(paid.location(), java.nio.charset.StandardCharsets.UTF_8);
        boolean signedWithThePlainKey = AlipaySignature.rsaCheckV1(Browser.query(paid.location(),
                java.nio.charset.StandardCharsets.UTF_8), sandbox.alipayPublicKey(), "UTF-8", "RSA2");
        assertTrue(AlipaySignature.rsaCertCheckV1(back, certs.alipayCert().toString(), "UTF-8", "RSA2"),
                "return (signed with the plain-key apps' Alipay key instead: " + signedWithThePlainKey + "): "
                        + paid.location());
    }

    @Test
    void aesWithAPlainKeyApp(AlipaySandbox sandbox) throws Exception {
        SandboxApp app = sandbox.createApp(AppOptions.plainKey().aes());
        // The SDK's AES constructor: ..., SIGN_TYPE, ENCRYPT_KEY, ENCRYPT_TYPE.
        AlipayClient alipayClient = new DefaultAlipayClient(app.gatewayUrl(), app.appId(), app.privateKey(), "json",
                "UTF-8", app.alipayPublicKey(), "RSA2", app.aesKey(), "AES");
        AlipayTradePrecreateRequest request = precreate("AES1", null);
        request.setNeedEncrypt(true);
        AlipayTradePrecreateResponse response = alipayClient.execute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        // getBody() is the decrypted member; the gateway decoded the encrypted biz_content.
        assertEquals("证书", sandbox.trade(TradeLocator.outTradeNo("AES1").app(app.appId())).get("subject"));
        assertTrue(response.getQrCode().startsWith("https://qr.alipay.com/"));

        // An encrypted error answer is verified over the ciphertext and decrypted too.
        AlipayTradeQueryRequest query = new AlipayTradeQueryRequest();
        query.setNeedEncrypt(true);
        query.setBizContent("{\"out_trade_no\":\"NONE\"}");
        AlipayTradeQueryResponse missing = alipayClient.execute(query);
        assertEquals("ACQ.TRADE_NOT_EXIST", missing.getSubCode(), missing.getBody());

        // With another key the gateway cannot decrypt and answers isv.decryption-error-unknown in clear (README
        // "Modes").
        // The SDK cannot read that: with needEncrypt it takes the member for a quoted ciphertext whatever it is
        // (JsonConverter.decryptSourceData, alipay-sdk-java 4.40.0.ALL) and fails, with a RuntimeException from
        // its JSON reader rather than an AlipayApiException. Nothing was created.
        String otherKey = sandbox.createApp(AppOptions.plainKey().aes()).aesKey();
        AlipayClient wrongKey = new DefaultAlipayClient(app.gatewayUrl(), app.appId(), app.privateKey(), "json",
                "UTF-8", app.alipayPublicKey(), "RSA2", otherKey, "AES");
        AlipayTradePrecreateRequest again = precreate("AES2", null);
        again.setNeedEncrypt(true);
        assertThrows(Exception.class, () -> wrongKey.execute(again));
        assertThrows(io.github.alipayrs.sandbox.AdminException.class,
                () -> sandbox.trade(TradeLocator.outTradeNo("AES2").app(app.appId())));
    }

    @Test
    void encryptRequiredRefusesClearRequests(AlipaySandbox sandbox) throws Exception {
        SandboxApp app = sandbox.createApp(AppOptions.plainKey().encryptRequired());
        AlipayClient alipayClient = new DefaultAlipayClient(app.gatewayUrl(), app.appId(), app.privateKey(), "json",
                "UTF-8", app.alipayPublicKey(), "RSA2", app.aesKey(), "AES");
        AlipayTradePrecreateResponse clear = alipayClient.execute(precreate("REQ1", null));
        // Alipay's public error table (opendocs.alipay.com/common/02km9f): 40001
        // isv.decryption-error-missing-encrypt-type, "解密出错, 未指定加密算法".
        assertEquals("40001", clear.getCode(), clear.getBody());
        assertEquals("isv.decryption-error-missing-encrypt-type", clear.getSubCode(), clear.getBody());
        AlipayTradePrecreateRequest encrypted = precreate("REQ2", null);
        encrypted.setNeedEncrypt(true);
        assertEquals("10000", alipayClient.execute(encrypted).getCode());
    }

    @Test
    void certModeWithAesThroughAlipayConfig(AlipaySandbox sandbox) throws Exception {
        SandboxApp app = sandbox.createApp(AppOptions.certMode().aes());
        // AlipayConfig, which the SDK recommends ("推荐使用AlipayConfig统一配置参数对象初始化SDK"), with the
        // certificates as content.
        AlipayConfig alipayConfig = new AlipayConfig();
        alipayConfig.setServerUrl(app.gatewayUrl());
        alipayConfig.setAppId(app.appId());
        alipayConfig.setPrivateKey(app.privateKey());
        alipayConfig.setFormat("json");
        alipayConfig.setCharset("UTF-8");
        alipayConfig.setSignType("RSA2");
        alipayConfig.setAppCertContent(app.appCert());
        alipayConfig.setAlipayPublicCertContent(app.alipayCert());
        alipayConfig.setRootCertContent(app.alipayRootCert());
        alipayConfig.setEncryptKey(app.aesKey());
        alipayConfig.setEncryptType("AES");
        DefaultAlipayClient alipayClient = new DefaultAlipayClient(alipayConfig);
        AlipayTradePrecreateRequest request = precreate("CA1", null);
        request.setNeedEncrypt(true);
        AlipayTradePrecreateResponse response = alipayClient.certificateExecute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        assertNotNull(response.getQrCode());
        // And the helper's reflective client for the same app.
        DefaultAlipayClient fromHelper = app.officialClient(DefaultAlipayClient.class);
        AlipayTradePrecreateRequest second = precreate("CA2", null);
        second.setNeedEncrypt(true);
        assertEquals("10000", fromHelper.certificateExecute(second).getCode());
    }
}
