package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.internal.util.AlipaySignature;
import com.alipay.api.request.AlipayTradePayRequest;
import com.alipay.api.request.AlipayTradeQueryRequest;
import com.alipay.api.response.AlipayTradePayResponse;
import com.alipay.api.response.AlipayTradeQueryResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import io.github.alipayrs.sandbox.AppOptions;
import io.github.alipayrs.sandbox.Notification;
import io.github.alipayrs.sandbox.NotificationReceiver;
import io.github.alipayrs.sandbox.SandboxApp;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An app that gets open ids, as Alipay's apps created since 2023–24 do (Alipay's openid introduction;
 * jeequan/jeepay#123, smartwalle/alipay#219): the Java SDK's own models read {@code buyer_open_id}
 * ({@code AlipayTradePayResponse#getBuyerOpenId}, {@code AlipayTradeQueryResponse#getBuyerOpenId} in 4.40), and the
 * verified notification carries it instead of {@code buyer_id}.
 */
@ExtendWith(AlipaySandboxExtension.class)
class OpenIdAppTest {
    @Test
    void payQueryAndNotificationCarryTheBuyersOpenId(AlipaySandbox sandbox, NotificationReceiver receiver)
            throws Exception {
        SandboxApp app = sandbox.createApp(AppOptions.plainKey().openId(true));
        AlipayClient alipayClient = Docs.client(app, "utf-8");
        String buyer = (String) sandbox.createBuyer("100.00").get("user_id");

        AlipayTradePayRequest pay = new AlipayTradePayRequest();
        pay.setNotifyUrl(receiver.url());
        pay.setBizContent("{\"out_trade_no\":\"OPENID1\",\"scene\":\"bar_code\",\"auth_code\":\""
                + sandbox.paymentCode(buyer, null) + "\",\"subject\":\"open id\",\"total_amount\":\"6.60\"}");
        AlipayTradePayResponse paid = alipayClient.execute(pay);
        assertEquals("10000", paid.getCode(), paid.getBody());
        String openId = paid.getBuyerOpenId();
        assertNotNull(openId, paid.getBody());
        assertFalse(openId.startsWith("2088"), openId);
        assertNull(paid.getBuyerUserId(), paid.getBody());

        AlipayTradeQueryRequest query = new AlipayTradeQueryRequest();
        query.setBizContent("{\"out_trade_no\":\"OPENID1\"}");
        AlipayTradeQueryResponse q = alipayClient.execute(query);
        assertEquals("TRADE_SUCCESS", q.getTradeStatus(), q.getBody());
        assertEquals(openId, q.getBuyerOpenId(), q.getBody());
        assertNull(q.getBuyerUserId(), q.getBody());

        Notification n = receiver.await("OPENID1");
        Map<String, String> params = n.params();
        assertTrue(AlipaySignature.rsaCheckV1(params, app.alipayPublicKey(), "utf-8", "RSA2"), n.toString());
        assertEquals(openId, params.get("buyer_open_id"), n.toString());
        assertFalse(params.containsKey("buyer_id"), n.toString());
    }

    @Test
    void anOlderAppKeepsUserIds(AlipaySandbox sandbox) throws Exception {
        SandboxApp app = sandbox.createApp(AppOptions.plainKey().openId(false));
        String buyer = (String) sandbox.createBuyer("100.00").get("user_id");
        AlipayTradePayRequest pay = new AlipayTradePayRequest();
        pay.setBizContent("{\"out_trade_no\":\"USERID1\",\"scene\":\"bar_code\",\"auth_code\":\""
                + sandbox.paymentCode(buyer, null) + "\",\"subject\":\"user id\",\"total_amount\":\"1.00\"}");
        AlipayTradePayResponse paid = Docs.client(app, "utf-8").execute(pay);
        assertEquals(buyer, paid.getBuyerUserId(), paid.getBody());
        assertNull(paid.getBuyerOpenId(), paid.getBody());
    }
}
