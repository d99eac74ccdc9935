package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.alipay.api.AlipayClient;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code POST /admin/reset} keeps and what the helper knows afterwards. */
class ResetTest {
    @Test
    void sameAppAndKeysNewBuyer() throws Exception {
        try (AlipaySandbox sandbox = AlipaySandbox.start()) {
            String appId = sandbox.appId();
            String key = sandbox.privateKey();
            String buyer = sandbox.buyerUserId();
            Map<String, Object> answer = sandbox.reset();
            assertEquals(appId, answer.get("app_id"));
            assertEquals(answer.get("buyer_user_id"), sandbox.buyerUserId());
            assertEquals(false, buyer.equals(sandbox.buyerUserId()));
            AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
            request.setBizContent("{\"out_trade_no\":\"R1\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
            assertEquals("10000", sandbox.officialClient(AlipayClient.class).execute(request).getCode(),
                    "the same app id and key still sign");
            assertEquals(key, sandbox.privateKey());
        }
    }

    /**
     * After {@code POST /admin/reset} the default app keeps its merchant, and the reset answer names it
     * ({@code merchant_pid}): {@code app.json}'s PID stays true. (Found by this test: reset used to move the app to
     * a new merchant that nothing named.)
     */
    @Test
    void merchantPidIsKnownAfterReset() throws Exception {
        try (AlipaySandbox sandbox = AlipaySandbox.start()) {
            sandbox.reset();
            AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
            request.setBizContent("{\"out_trade_no\":\"R2\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
            sandbox.officialClient(AlipayClient.class).execute(request);
            assertEquals(sandbox.trade("R2").get("seller_id"), sandbox.merchantPid());
            assertEquals(sandbox.appId(), ((Map<?, ?>) sandbox.admin("merchants/" + sandbox.merchantPid())).get("primary_app_id"));
        }
    }
}
