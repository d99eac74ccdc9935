package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayApiException;
import com.alipay.api.AlipayClient;
import com.alipay.api.DefaultAlipayClient;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import com.alipay.api.request.AlipayTradeQueryRequest;
import com.alipay.api.response.AlipayTradePrecreateResponse;
import com.alipay.api.response.AlipayTradeQueryResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import io.github.alipayrs.sandbox.AppOptions;
import io.github.alipayrs.sandbox.SandboxApp;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Error answers as the SDK sees them: each one signed, so {@code execute} verifies it and returns it (the SDK
 * verifies a failed answer whenever it carries a sign: AbstractAlipayClient.checkResponseSign,
 * alipay-sdk-java 4.40.0.ALL), never throws, except when the answer does not verify.
 */
@ExtendWith(AlipaySandboxExtension.class)
class ErrorAnswersTest {
    @Test
    void aBusinessError(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        AlipayTradeQueryRequest request = new AlipayTradeQueryRequest();
        request.setBizContent("{\"out_trade_no\":\"NO_SUCH_TRADE\"}");
        AlipayTradeQueryResponse response = alipayClient.execute(request);
        // Seed 004's error answer shape: code 40004, msg "Business Failed", sub_code, sub_msg.
        assertEquals("40004", response.getCode(), response.getBody());
        assertEquals("Business Failed", response.getMsg());
        assertEquals("ACQ.TRADE_NOT_EXIST", response.getSubCode());
        assertFalse(response.isSuccess());
        assertTrue(response.getBody().contains("\"sign\":\""), "signed: " + response.getBody());
    }

    @Test
    void invalidBusinessInput(AlipaySandbox sandbox) throws Exception {
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setBizContent("{\"out_trade_no\":\"B1\",\"total_amount\":\"-1\",\"subject\":\"x\"}");
        AlipayTradePrecreateResponse response = Docs.client(sandbox).execute(request);
        assertEquals("40004", response.getCode(), response.getBody());
        assertTrue(response.getSubCode().startsWith("ACQ."), response.getSubCode());
    }

    @Test
    void aBadSignatureIsAnsweredSignedAndTheSdkVerifiesIt(AlipaySandbox sandbox) throws Exception {
        SandboxApp other = sandbox.createApp(AppOptions.plainKey());
        // The default app's id, signed with another app's private key.
        AlipayClient alipayClient = new DefaultAlipayClient(sandbox.gatewayUrl(), sandbox.appId(), other.privateKey(),
                "json", "UTF-8", sandbox.alipayPublicKey(), "RSA2");
        AlipayTradeQueryRequest request = new AlipayTradeQueryRequest();
        request.setBizContent("{\"out_trade_no\":\"X\"}");
        AlipayTradeQueryResponse response = alipayClient.execute(request);
        // Alipay's common error codes (shared/spec/protocol.md): 40002 Invalid Arguments, isv.invalid-signature.
        assertEquals("40002", response.getCode(), response.getBody());
        assertEquals("isv.invalid-signature", response.getSubCode());
        assertFalse(response.isSuccess());
    }

    @Test
    void anAnswerThatDoesNotVerifyIsRefusedByTheSdk(AlipaySandbox sandbox) throws Exception {
        SandboxApp other = sandbox.createApp(AppOptions.plainKey());
        // Verifying with a key that is not the sandbox's Alipay key (the default app's own public key).
        String notAlipaysKey = io.github.alipayrs.sandbox.SandboxApp.pemBody(sandbox.appPublicKeyPem());
        AlipayClient alipayClient = new DefaultAlipayClient(sandbox.gatewayUrl(), other.appId(), other.privateKey(),
                "json", "UTF-8", notAlipaysKey, "RSA2");
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setBizContent("{\"out_trade_no\":\"V1\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
        AlipayApiException e = assertThrows(AlipayApiException.class, () -> alipayClient.execute(request));
        // AlipayApiErrorEnum.CHECK_SIGN_ERROR (alipay-sdk-java 4.40.0.ALL).
        assertTrue(e.getMessage().contains("sign check fail"), e.getMessage());
        // The call itself went through: the trade exists.
        assertEquals("V1", sandbox.trade(io.github.alipayrs.sandbox.TradeLocator.outTradeNo("V1").app(other.appId()))
                .get("out_trade_no"));
    }

    @Test
    void anUnknownAppIdIsAnUnsignedRefusal(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = new DefaultAlipayClient(sandbox.gatewayUrl(), "2099000000000000", sandbox.privateKey(),
                "json", "UTF-8", sandbox.alipayPublicKey(), "RSA2");
        AlipayTradeQueryRequest request = new AlipayTradeQueryRequest();
        request.setBizContent("{\"out_trade_no\":\"X\"}");
        AlipayTradeQueryResponse response = alipayClient.execute(request);
        assertEquals("40002", response.getCode(), response.getBody());
        assertEquals("isv.invalid-app-id", response.getSubCode());
        // As production answers it (a captured answer of openapi.alipay.com, 2026-09-11, app_id=test): unsigned,
        // under the method's response key; the SDK's execute() reads it without verifying (there is no sign).
        assertEquals("{\"alipay_trade_query_response\":{\"code\":\"40002\",\"msg\":\"Invalid Arguments\","
                + "\"sub_code\":\"isv.invalid-app-id\",\"sub_msg\":\"无效的AppID参数\"}}", response.getBody());
    }

    @Test
    void appAuthTokenActsForAnotherMerchant(AlipaySandbox sandbox) throws Exception {
        // Seed 001 TIPS: an ISV calls with the merchant's app_auth_token (第三方应用授权).
        SandboxApp isv = sandbox.createApp(AppOptions.plainKey());
        SandboxApp merchant = sandbox.createApp(AppOptions.plainKey());
        Map<?, ?> token = (Map<?, ?>) sandbox.admin("auth-tokens",
                Map.of("app_id", isv.appId(), "merchant_pid", merchant.merchantPid()));
        AlipayClient alipayClient = Docs.client(isv, "UTF-8");
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setBizContent("{\"out_trade_no\":\"ISV1\",\"total_amount\":\"3.00\",\"subject\":\"x\"}");
        AlipayTradePrecreateResponse response = alipayClient.execute(request, null, (String) token.get("app_auth_token"));
        assertEquals("10000", response.getCode(), response.getBody());
        // The admin locator's app_id names the merchant whose trade is meant: the authorising merchant's app.
        Map<String, Object> trade = sandbox.trade(io.github.alipayrs.sandbox.TradeLocator.outTradeNo("ISV1").app(merchant.appId()));
        assertEquals(merchant.merchantPid(), trade.get("seller_id"), "the trade is the authorising merchant's");
        AlipayTradePrecreateResponse refused = alipayClient.execute(request, null, "not-a-token");
        // 20001 Insufficient Token Permissions, aop.invalid-app-auth-token (shared/spec/protocol.md).
        assertEquals("20001", refused.getCode(), refused.getBody());
        assertEquals("aop.invalid-app-auth-token", refused.getSubCode());
    }
}
