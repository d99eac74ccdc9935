package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.domain.AlipayTradePrecreateModel;
import com.alipay.api.internal.util.AlipaySignature;
import com.alipay.api.request.AlipayTradeCancelRequest;
import com.alipay.api.request.AlipayTradeCloseRequest;
import com.alipay.api.request.AlipayTradeFastpayRefundQueryRequest;
import com.alipay.api.request.AlipayTradePayRequest;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import com.alipay.api.request.AlipayTradeQueryRequest;
import com.alipay.api.request.AlipayTradeRefundRequest;
import com.alipay.api.response.AlipayTradeCancelResponse;
import com.alipay.api.response.AlipayTradeCloseResponse;
import com.alipay.api.response.AlipayTradeFastpayRefundQueryResponse;
import com.alipay.api.response.AlipayTradePayResponse;
import com.alipay.api.response.AlipayTradePrecreateResponse;
import com.alipay.api.response.AlipayTradeQueryResponse;
import com.alipay.api.response.AlipayTradeRefundResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import io.github.alipayrs.sandbox.Notification;
import io.github.alipayrs.sandbox.NotificationReceiver;
import io.github.alipayrs.sandbox.TradeLocator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Seed 001 (当面付): alipay.trade.pay, alipay.trade.precreate, alipay.trade.query, alipay.trade.cancel,
 * alipay.trade.refund, written as the document writes them (its "使用SDK快速接入" code, biz_content by hand), plus
 * alipay.trade.close and alipay.trade.fastpay.refund.query, and the asynchronous notification verified as the
 * document demands ("注意一定要对异步通知做验签").
 */
@ExtendWith(AlipaySandboxExtension.class)
class FaceToFaceTest {
    /** Seed 001, 条码支付: out_trade_no, scene bar_code, auth_code, subject, store_id, timeout_express, total_amount. */
    private static AlipayTradePayResponse barcodePay(AlipayClient alipayClient, String outTradeNo, String authCode,
            String totalAmount) throws Exception {
        AlipayTradePayRequest request = new AlipayTradePayRequest(); //创建API对应的request类
        request.setBizContent("{" +
                "    \"out_trade_no\":\"" + outTradeNo + "\"," +
                "    \"scene\":\"bar_code\"," +
                "    \"auth_code\":\"" + authCode + "\"," +
                "    \"subject\":\"Iphone6 16G\"," +
                "    \"store_id\":\"NJ_001\"," +
                "    \"timeout_express\":\"2m\"," +
                "    \"total_amount\":\"" + totalAmount + "\"" +
                "  }"); //设置业务参数
        return alipayClient.execute(request);
    }

    private static AlipayTradeQueryResponse query(AlipayClient alipayClient, String outTradeNo) throws Exception {
        AlipayTradeQueryRequest request = new AlipayTradeQueryRequest();
        request.setBizContent("{" +
                "    \"out_trade_no\":\"" + outTradeNo + "\"}");
        return alipayClient.execute(request);
    }

    @Test
    void barcodePayQueryRefundCancel(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        AlipayTradePayResponse response = barcodePay(alipayClient, "20150320010101001", sandbox.paymentCode(), "88.88");
        // Seed 001: 10000 支付成功; 关键出参 trade_no (支付宝28位交易号).
        assertEquals("10000", response.getCode(), response.getBody());
        assertTrue(response.isSuccess());
        assertTrue(response.getTradeNo().matches("\\d{28}"), response.getTradeNo());
        assertEquals(sandbox.buyerUserId(), response.getBuyerUserId());
        assertEquals("88.88", response.getTotalAmount());

        AlipayTradeQueryResponse query = query(alipayClient, "20150320010101001");
        assertEquals("10000", query.getCode(), query.getBody());
        assertEquals(response.getTradeNo(), query.getTradeNo());
        assertEquals("TRADE_SUCCESS", query.getTradeStatus());
        assertNotNull(query.getSendPayDate(), query.getBody());
        assertNotNull(response.getGmtPayment(), response.getBody());

        // Seed 001, 退款: out_request_no makes it idempotent; partial refunds need distinct numbers.
        AlipayTradeRefundRequest refund = new AlipayTradeRefundRequest();
        refund.setBizContent("{" +
                "    \"out_trade_no\":\"20150320010101001\"," +
                "    \"trade_no\":\"" + response.getTradeNo() + "\"," +
                "    \"out_request_no\":\"1000001\"," +
                "    \"refund_amount\":\"1.00\"}");
        AlipayTradeRefundResponse refunded = alipayClient.execute(refund);
        assertEquals("10000", refunded.getCode(), refunded.getBody());
        assertEquals("1.00", refunded.getRefundFee()); // 关键出参 refund_fee: 该笔交易已退款的总金额
        assertEquals("Y", refunded.getFundChange());
        // Date fields are parsed by the SDK as yyyy-MM-dd HH:mm:ss in GMT+8 (Converters, AlipayConstants).
        assertNotNull(refunded.getGmtRefundPay(), refunded.getBody());
        AlipayTradeRefundResponse replay = alipayClient.execute(refund);
        assertEquals("10000", replay.getCode());
        assertEquals("1.00", replay.getRefundFee());
        assertEquals("N", replay.getFundChange(), "the same out_request_no refunds once");
        refund.setBizContent("{\"out_trade_no\":\"20150320010101001\",\"out_request_no\":\"1000002\",\"refund_amount\":\"2.00\"}");
        assertEquals("3.00", alipayClient.execute(refund).getRefundFee());

        AlipayTradeFastpayRefundQueryRequest refundQuery = new AlipayTradeFastpayRefundQueryRequest();
        refundQuery.setBizContent("{\"out_trade_no\":\"20150320010101001\",\"out_request_no\":\"1000002\"}");
        AlipayTradeFastpayRefundQueryResponse rq = alipayClient.execute(refundQuery);
        assertEquals("10000", rq.getCode(), rq.getBody());
        assertEquals("2.00", rq.getRefundAmount());
        assertEquals("1000002", rq.getOutRequestNo());

        // Seed 001, 交易撤销: action refund when the trade had been paid.
        AlipayTradeCancelRequest cancel = new AlipayTradeCancelRequest();
        cancel.setBizContent("{" +
                "    \"out_trade_no\":\"20150320010101001\"," +
                "    \"trade_no\":\"" + response.getTradeNo() + "\"}");
        AlipayTradeCancelResponse cancelled = alipayClient.execute(cancel);
        assertEquals("10000", cancelled.getCode(), cancelled.getBody());
        assertEquals("N", cancelled.getRetryFlag());
        assertEquals("refund", cancelled.getAction());
        assertEquals("TRADE_CLOSED", query(alipayClient, "20150320010101001").getTradeStatus());
    }

    @Test
    void waitingForTheBuyerIs10003ThenPollThenCancel(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        // Above the buyer's password-free limit the buyer must confirm on the phone: 10003 等待用户付款 (seed 001).
        String buyer = (String) sandbox.createBuyer(Map.of("balance", "500.00", "password_free_limit", "10.00")).get("user_id");
        AlipayTradePayResponse waiting = barcodePay(alipayClient, "W1", sandbox.paymentCode(buyer, null), "20.00");
        assertEquals("10003", waiting.getCode(), waiting.getBody());
        // AlipayResponse.isSuccess() is "no sub_code" (alipay-sdk-java 4.40.0.ALL), so a 10003 without sub_code is
        // "successful" for the SDK, and its answer is verified like a 10000 (AbstractAlipayClient.checkResponseSign).
        assertTrue(waiting.isSuccess());
        assertEquals(null, waiting.getSubCode());
        assertEquals("WAIT_BUYER_PAY", query(alipayClient, "W1").getTradeStatus());
        sandbox.confirm(TradeLocator.outTradeNo("W1"));
        assertEquals("TRADE_SUCCESS", query(alipayClient, "W1").getTradeStatus());

        // "在最后一次查询仍然返回等待用户付款的情况下,必须立即调用交易撤销接口": cancel closes a waiting trade.
        barcodePay(alipayClient, "W2", sandbox.paymentCode(buyer, null), "30.00");
        AlipayTradeCancelRequest cancel = new AlipayTradeCancelRequest();
        cancel.setBizContent("{\"out_trade_no\":\"W2\"}");
        AlipayTradeCancelResponse cancelled = alipayClient.execute(cancel);
        assertEquals("10000", cancelled.getCode(), cancelled.getBody());
        assertEquals("close", cancelled.getAction());
        assertEquals("TRADE_CLOSED", query(alipayClient, "W2").getTradeStatus());
        assertEquals("480.00", sandbox.buyer(buyer).get("balance"));
    }

    @Test
    void precreateScanPayAndAVerifiedNotification(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        String alipayPublicKey = sandbox.alipayPublicKey();
        // A notify endpoint that verifies before acknowledging, with the SDK's own check (V1: sign and sign_type
        // left out of the content; AlipaySignature.rsaCheckV1 with the sign type, alipay-sdk-java 4.40.0.ALL).
        try (NotificationReceiver receiver = NotificationReceiver.start(n -> {
            try {
                return AlipaySignature.rsaCheckV1(n.params(), alipayPublicKey, n.charset().name(), "RSA2") ? "success" : "fail";
            } catch (Exception e) {
                return "fail";
            }
        })) {
            AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();//创建API对应的request类
            request.setNotifyUrl(receiver.url());
            request.setBizContent("{" +
                    "    \"out_trade_no\":\"20150320010101002\"," +
                    "    \"total_amount\":\"88.88\"," +
                    "    \"subject\":\"Iphone6 16G\"," +
                    "    \"store_id\":\"NJ_001\"," +
                    "    \"timeout_express\":\"90m\"}");//设置业务参数
            AlipayTradePrecreateResponse response = alipayClient.execute(request);
            assertEquals("10000", response.getCode(), response.getBody());
            assertEquals("20150320010101002", response.getOutTradeNo());
            assertTrue(response.getQrCode().startsWith("https://qr.alipay.com/"), response.getQrCode());

            sandbox.scan(response.getQrCode(), true);
            Notification n = receiver.await("20150320010101002");
            // shared/spec/trade.md "Async notification": a V1-signed form, notify_type=trade_status_sync.
            assertEquals("trade_status_sync", n.param("notify_type"));
            assertEquals("TRADE_SUCCESS", n.param("trade_status"));
            assertEquals("88.88", n.param("total_amount"));
            assertEquals(sandbox.appId(), n.param("app_id"));
            assertTrue(AlipaySignature.rsaCheckV1(n.params(), alipayPublicKey, "utf-8", "RSA2"));
            Map<String, String> tampered = n.params();
            tampered.put("total_amount", "0.01");
            assertFalse(AlipaySignature.rsaCheckV1(tampered, alipayPublicKey, "utf-8", "RSA2"));
            assertEquals("delivered", sandbox.waitForNotifications("20150320010101002").get(0).get("status"),
                    "the verifying endpoint answered success");
            assertEquals(1, receiver.received().size());
        }
    }

    @Test
    void aNotificationNotAcknowledgedIsSentAgainWithTheSameNotifyId(AlipaySandbox sandbox) throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        // The merchant answers exactly "success"; anything else is retried on the 4m, 10m, ... schedule
        // (shared/spec/trade.md; the extension's sandbox runs it 1000 times faster), with the same notify_id.
        try (NotificationReceiver receiver = NotificationReceiver.start(n -> calls.incrementAndGet() == 1 ? "fail" : "success")) {
            AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
            request.setNotifyUrl(receiver.url());
            request.setBizContent("{\"out_trade_no\":\"RETRY1\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
            AlipayTradePrecreateResponse response = Docs.client(sandbox).execute(request);
            sandbox.scan(response.getQrCode(), true);
            Map<String, Object> delivered = sandbox.waitForNotifications("RETRY1", "delivered", 1,
                    java.time.Duration.ofSeconds(10)).get(0);
            assertEquals(2L, ((Number) delivered.get("attempts")).longValue(), delivered.toString());
            java.util.List<Notification> got = receiver.received();
            assertEquals(2, got.size());
            assertEquals(got.get(0).param("notify_id"), got.get(1).param("notify_id"));
            assertEquals("fail", ((Map<?, ?>) ((java.util.List<?>) delivered.get("deliveries")).get(0)).get("response_body"));
        }
    }

    @Test
    void closeAndTheTypedModel(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        // The typed model instead of hand-written JSON (the SDK serialises it with JSONWriter).
        AlipayTradePrecreateModel model = new AlipayTradePrecreateModel();
        model.setOutTradeNo("CL1");
        model.setTotalAmount("5.00");
        model.setSubject("close me");
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setBizModel(model);
        AlipayTradePrecreateResponse response = alipayClient.execute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        sandbox.scan(response.getQrCode());
        AlipayTradeCloseRequest close = new AlipayTradeCloseRequest();
        close.setBizContent("{\"out_trade_no\":\"CL1\"}");
        AlipayTradeCloseResponse closed = alipayClient.execute(close);
        assertEquals("10000", closed.getCode(), closed.getBody());
        assertNotNull(closed.getTradeNo());
        assertEquals("TRADE_CLOSED", query(alipayClient, "CL1").getTradeStatus());
    }
}
