package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.domain.AlipayFundCouponOperationQueryModel;
import com.alipay.api.domain.AlipayFundCouponOrderAgreementPayModel;
import com.alipay.api.domain.AlipayFundCouponOrderAppPayModel;
import com.alipay.api.domain.AlipayFundCouponOrderDisburseModel;
import com.alipay.api.domain.AlipayFundCouponOrderPagePayModel;
import com.alipay.api.domain.AlipayFundCouponOrderRefundModel;
import com.alipay.api.internal.util.AlipaySignature;
import com.alipay.api.request.AlipayFundCouponOperationQueryRequest;
import com.alipay.api.request.AlipayFundCouponOrderAgreementPayRequest;
import com.alipay.api.request.AlipayFundCouponOrderAppPayRequest;
import com.alipay.api.request.AlipayFundCouponOrderDisburseRequest;
import com.alipay.api.request.AlipayFundCouponOrderPagePayRequest;
import com.alipay.api.request.AlipayFundCouponOrderRefundRequest;
import com.alipay.api.request.AlipayTradePayRequest;
import com.alipay.api.response.AlipayFundCouponOperationQueryResponse;
import com.alipay.api.response.AlipayFundCouponOrderAgreementPayResponse;
import com.alipay.api.response.AlipayFundCouponOrderDisburseResponse;
import com.alipay.api.response.AlipayFundCouponOrderPagePayResponse;
import com.alipay.api.response.AlipayFundCouponOrderRefundResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import io.github.alipayrs.sandbox.Notification;
import io.github.alipayrs.sandbox.NotificationReceiver;
import java.net.URI;
import java.nio.charset.Charset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Seed 003 (收发现金红包): alipay.fund.coupon.order.agreement.pay, .page.pay, .app.pay, .disburse, .refund and
 * alipay.fund.coupon.operation.query, with the documents' 关键入参 and 关键出参, through the typed models.
 */
@ExtendWith(AlipaySandboxExtension.class)
class RedPacketTest {
    /** Merchants start empty in the sandbox: a payment first funds the merchant's balance. */
    private static void fundMerchant(AlipaySandbox sandbox, AlipayClient alipayClient, String amount) throws Exception {
        AlipayTradePayRequest pay = new AlipayTradePayRequest();
        pay.setBizContent("{\"out_trade_no\":\"FUND_" + amount.replace(".", "_") + "\",\"scene\":\"bar_code\",\"auth_code\":\""
                + sandbox.paymentCode() + "\",\"subject\":\"funding\",\"total_amount\":\"" + amount + "\"}");
        assertEquals("10000", alipayClient.execute(pay).getCode());
    }

    private static AlipayFundCouponOperationQueryResponse operation(AlipayClient alipayClient, String authNo,
            String operationId) throws Exception {
        AlipayFundCouponOperationQueryModel model = new AlipayFundCouponOperationQueryModel();
        model.setAuthNo(authNo);
        model.setOperationId(operationId);
        AlipayFundCouponOperationQueryRequest request = new AlipayFundCouponOperationQueryRequest();
        request.setBizModel(model);
        AlipayFundCouponOperationQueryResponse response = alipayClient.execute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        return response;
    }

    @Test
    void agreementPayDisburseRefundQuery(AlipaySandbox sandbox, NotificationReceiver receiver) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        fundMerchant(sandbox, alipayClient, "100.00");

        // 4.3 红包协议支付: the merchant funds it without a password.
        AlipayFundCouponOrderAgreementPayModel pay = new AlipayFundCouponOrderAgreementPayModel();
        pay.setOutOrderNo("RP1");
        pay.setOutRequestNo("RP1_PAY");
        pay.setOrderTitle("新年红包");
        pay.setAmount("50.00");
        pay.setPayTimeout("30m");
        AlipayFundCouponOrderAgreementPayRequest payRequest = new AlipayFundCouponOrderAgreementPayRequest();
        payRequest.setBizModel(pay);
        payRequest.setNotifyUrl(receiver.url());
        AlipayFundCouponOrderAgreementPayResponse funded = alipayClient.execute(payRequest);
        assertEquals("10000", funded.getCode(), funded.getBody());
        assertEquals("SUCCESS", funded.getStatus());
        assertEquals("RP1", funded.getOutOrderNo());
        assertEquals("RP1_PAY", funded.getOutRequestNo());
        assertEquals("50.00", funded.getAmount());
        assertNotNull(funded.getGmtTrans(), "gmt_trans parsed by the SDK as a Date (yyyy-MM-dd HH:mm:ss, GMT+8)");
        String authNo = funded.getAuthNo();
        // "以同样的请求直接发起重试,支付宝端有做相应的幂等逻辑" (seed 003, 10003/20000).
        AlipayFundCouponOrderAgreementPayResponse replay = alipayClient.execute(payRequest);
        assertEquals(funded.getOperationId(), replay.getOperationId(), replay.getBody());

        // 4.4 红包打款: part of it to a user.
        AlipayFundCouponOrderDisburseModel disburse = new AlipayFundCouponOrderDisburseModel();
        disburse.setOutOrderNo("RP1_D1");
        disburse.setOutRequestNo("RP1_D1");
        disburse.setDeductAuthNo(authNo);
        disburse.setOrderTitle("领取红包");
        disburse.setAmount("8.88");
        disburse.setPayeeUserId(sandbox.buyerUserId());
        AlipayFundCouponOrderDisburseRequest disburseRequest = new AlipayFundCouponOrderDisburseRequest();
        disburseRequest.setBizModel(disburse);
        disburseRequest.setNotifyUrl(receiver.url());
        AlipayFundCouponOrderDisburseResponse disbursed = alipayClient.execute(disburseRequest);
        assertEquals("10000", disbursed.getCode(), disbursed.getBody());
        assertEquals("8.88", disbursed.getAmount());

        // 4.4 红包退回: the rest back to the payer.
        AlipayFundCouponOrderRefundModel refund = new AlipayFundCouponOrderRefundModel();
        refund.setAuthNo(authNo);
        refund.setOutRequestNo("RP1_R");
        refund.setAmount("41.12");
        refund.setRemark("unclaimed");
        AlipayFundCouponOrderRefundRequest refundRequest = new AlipayFundCouponOrderRefundRequest();
        refundRequest.setBizModel(refund);
        refundRequest.setNotifyUrl(receiver.url());
        AlipayFundCouponOrderRefundResponse refunded = alipayClient.execute(refundRequest);
        assertEquals("10000", refunded.getCode(), refunded.getBody());
        assertEquals("41.12", refunded.getAmount());

        // 4.5 红包明细查询, by auth_no + operation_id (the efficient way, seed 003).
        AlipayFundCouponOperationQueryResponse op = operation(alipayClient, authNo, disbursed.getOperationId());
        assertEquals("8.88", op.getAmount());
        assertEquals("SUCCESS", op.getStatus());
        assertEquals(sandbox.buyerUserId(), op.getPayeeUserId());
        assertEquals("REFUND", operation(alipayClient, authNo, refunded.getOperationId()).getOperationType());

        // Disbursement and refund notifications: V1-signed forms (README "Cash red packets"; the disbursement's
        // notify_type is the sandbox's own choice, Alipay publishes none), listed by the operation's out_order_no.
        for (String outOrderNo : new String[] {"RP1_D1", "RP1"}) {
            Notification n = receiver.await(outOrderNo);
            assertTrue(AlipaySignature.rsaCheckV1(n.params(), sandbox.alipayPublicKey(), "utf-8", "RSA2"), n.toString());
        }
        Map<String, Object> order = Json(sandbox.admin("coupon/orders/" + authNo));
        assertEquals("0.00", order.get("remaining"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> Json(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void pagePayThroughTheCashier(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        AlipayFundCouponOrderPagePayModel model = new AlipayFundCouponOrderPagePayModel();
        model.setOutOrderNo("RPPAGE1");
        model.setOutRequestNo("RPPAGE1_PAY");
        model.setOrderTitle("网页红包");
        model.setAmount("20.00");
        model.setPayTimeout("30m");
        AlipayFundCouponOrderPagePayRequest request = new AlipayFundCouponOrderPagePayRequest();
        request.setBizModel(model);
        request.setReturnUrl("http://127.0.0.1:9/return");
        Browser browser = new Browser();
        Browser.Page cashier = CashierTest.submit(browser, alipayClient.pageExecute(request).getBody(),
                sandbox.gatewayUrl(), Charset.forName("UTF-8"));
        assertTrue(cashier.body().contains("网页红包"), cashier.body());
        Browser.Page paid = CashierTest.signInAndPay(browser, cashier);
        assertEquals(303, paid.status(), paid.body());
        Map<String, String> back = Browser.query(paid.location(), Charset.forName("UTF-8"));
        assertEquals("alipay.fund.coupon.order.page.pay.return", back.get("method"));
        assertEquals("RPPAGE1", back.get("out_order_no"));
        assertEquals("SUCCESS", back.get("status"));
        assertTrue(AlipaySignature.rsaCheckV1(back, sandbox.alipayPublicKey(), "UTF-8", "RSA2"), paid.location());
        assertEquals("PAY", operation(alipayClient, back.get("auth_no"), back.get("operation_id")).getOperationType());

        // The GET form of the same (pageExecute(request, "GET")) opens the cashier too.
        model.setOutOrderNo("RPPAGE2");
        model.setOutRequestNo("RPPAGE2_PAY");
        Browser.Page viaGet = browser.get(URI.create(alipayClient.pageExecute(request, "GET").getBody()));
        assertEquals(200, viaGet.status());
        assertTrue(viaGet.hasTestId("login"), viaGet.body());
    }

    /**
     * {@code execute()} of alipay.fund.coupon.order.page.pay from a server: the answer must be the signed JSON
     * envelope (status INIT), which the SDK parses and verifies. The SDK always sends {@code Accept:
     * text/plain,text/xml,text/javascript,text/html} (WebUtils.getConnection, alipay-sdk-java 4.40.0.ALL), and the
     * sandbox decides page-vs-API by how the request is made (a browser's navigation), so this API call gets JSON
     * (it used to get the cashier's HTML, and the SDK then could not find the response member).
     */
    @Test
    void pagePayExecutedByTheSdkIsJson(AlipaySandbox sandbox) throws Exception {
        AlipayFundCouponOrderPagePayModel model = new AlipayFundCouponOrderPagePayModel();
        model.setOutOrderNo("RPJSON1");
        model.setOutRequestNo("RPJSON1_PAY");
        model.setOrderTitle("红包");
        model.setAmount("5.00");
        AlipayFundCouponOrderPagePayRequest request = new AlipayFundCouponOrderPagePayRequest();
        request.setBizModel(model);
        AlipayFundCouponOrderPagePayResponse response = Docs.client(sandbox).execute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        assertEquals("INIT", response.getStatus());
        assertNotNull(response.getAuthNo());
        assertTrue(response.getBody().startsWith("{\"alipay_fund_coupon_order_page_pay_response\":"), response.getBody());
    }

    @Test
    void appPayOrderStringPaidByTheWallet(AlipaySandbox sandbox, NotificationReceiver receiver) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        AlipayFundCouponOrderAppPayModel model = new AlipayFundCouponOrderAppPayModel();
        model.setOutOrderNo("RPAPP1");
        model.setOutRequestNo("RPAPP1_PAY");
        model.setOrderTitle("App 红包");
        model.setAmount("12.00");
        model.setPayTimeout("30m");
        AlipayFundCouponOrderAppPayRequest request = new AlipayFundCouponOrderAppPayRequest();
        request.setBizModel(model);
        request.setNotifyUrl(receiver.url());
        // 4.1 红包无线支付: the server signs the order string, the app hands it to the Alipay SDK on the phone.
        String orderString = alipayClient.sdkExecute(request).getBody();
        Map<?, ?> paid = (Map<?, ?>) sandbox.admin("coupon/app-pay", Map.of("order_string", orderString));
        assertEquals("SUCCESS", paid.get("status"), paid.toString());
        String authNo = (String) paid.get("auth_no");
        assertEquals("12.00", ((Map<?, ?>) paid.get("operation")).get("amount"));
        AlipayFundCouponOperationQueryModel query = new AlipayFundCouponOperationQueryModel();
        query.setOutOrderNo("RPAPP1");
        query.setOutRequestNo("RPAPP1_PAY"); // by the merchant's numbers (the slower way, seed 003)
        AlipayFundCouponOperationQueryRequest queryRequest = new AlipayFundCouponOperationQueryRequest();
        queryRequest.setBizModel(query);
        AlipayFundCouponOperationQueryResponse op = alipayClient.execute(queryRequest);
        assertEquals("10000", op.getCode(), op.getBody());
        assertEquals(authNo, op.getAuthNo());
        assertEquals("SUCCESS", op.getStatus());
    }
}
