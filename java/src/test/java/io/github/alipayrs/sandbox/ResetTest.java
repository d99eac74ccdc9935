package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.alipay.api.AlipayClient;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import java.util.Map;
import org.junit.jupiter.api.Tag;
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
     * Discrepancy (sandbox, not Alipay): after {@code POST /admin/reset} the default app belongs to a new merchant,
     * but the reset answer ({@code {app_id, buyer_user_id}}) does not name it and {@code app.json} keeps the old
     * {@code merchant_pid}, which {@code GET /admin/merchants/{pid}} then answers 404. Passes once the reset answer
     * carries {@code merchant_pid} (or the merchant is kept).
     */
    @Test
    @Tag("discrepancy")
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
