package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.request.AlipayEbppBillAddRequest;
import com.alipay.api.request.AlipayEbppBillGetRequest;
import com.alipay.api.request.AlipayEbppPdeductBillPayStatusRequest;
import com.alipay.api.request.AlipayEbppPdeductPayRequest;
import com.alipay.api.request.AlipayEbppPdeductSignAddRequest;
import com.alipay.api.request.AlipayEbppPdeductSignCancelRequest;
import com.alipay.api.request.AlipayEbppPdeductSignQueryRequest;
import com.alipay.api.response.AlipayEbppBillAddResponse;
import com.alipay.api.response.AlipayEbppBillGetResponse;
import com.alipay.api.response.AlipayEbppPdeductBillPayStatusResponse;
import com.alipay.api.response.AlipayEbppPdeductPayResponse;
import com.alipay.api.response.AlipayEbppPdeductSignAddResponse;
import com.alipay.api.response.AlipayEbppPdeductSignCancelResponse;
import com.alipay.api.response.AlipayEbppPdeductSignQueryResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seed 000 (账单缴费, 代扣), 002 (alipay.ebpp.pdeduct.pay) and 004 (alipay.ebpp.pdeduct.sign.query): the
 * documents' sample code, with the legacy top-level parameters the Java SDK's request classes send (no
 * biz_content, except sign.query). A fresh sandbox per test: the deduct methods need the merchant PID of
 * app.json, which a reset would change.
 */
class EbppAndDeductTest {
    @RegisterExtension
    static AlipaySandboxExtension extension = AlipaySandboxExtension.perTest();

    @Test
    void billAddPayGet(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox, "GBK");
        // Seed 000, 创建账单 (values as in the document).
        AlipayEbppBillAddRequest alipayRequest = new AlipayEbppBillAddRequest();
        alipayRequest.setMerchantOrderNo("201507250000001"); //外部订单号,需要唯一
        alipayRequest.setOrderType("JF"); //缴费类型
        alipayRequest.setSubOrderType("GAS"); //缴费子类型
        alipayRequest.setChargeInst("WHSTRQ2150"); //机构代码
        alipayRequest.setBillKey("2015072001"); //户号
        alipayRequest.setOwnerName("张三"); //户主姓名
        alipayRequest.setPayAmount("91.00"); //账单金额
        alipayRequest.setServiceAmount("9.00"); //服务费
        alipayRequest.setBillDate("201607"); //账单日期
        alipayRequest.setMobile("13900000000"); //手机号码
        alipayRequest.setBankBillNo("20160712"); //银行单号
        alipayRequest.setExtendField("{\"channel\":\"EXTERNAL_BANGDAO\"}"); //机构扩展属性
        AlipayEbppBillAddResponse added = alipayClient.execute(alipayRequest);
        assertEquals("10000", added.getCode(), added.getBody());
        assertNotNull(added.getAlipayOrderNo());
        assertEquals("张三", added.getOwnerName());
        assertEquals("201507250000001", added.getMerchantOrderNo());

        // Seed 000, 查询账单.
        AlipayEbppBillGetRequest get = new AlipayEbppBillGetRequest();
        get.setOrderType("JF");
        get.setMerchantOrderNo("201507250000001");
        AlipayEbppBillGetResponse before = alipayClient.execute(get);
        assertEquals("10000", before.getCode(), before.getBody());
        assertEquals("INIT", before.getOrderStatus());

        sandbox.admin("ebpp/bills/pay", Map.of("merchant_order_no", "201507250000001")); // the user pays in the wallet
        AlipayEbppBillGetResponse after = alipayClient.execute(get);
        assertEquals("SUCCESS", after.getOrderStatus(), after.getBody());
        assertNotNull(after.getPayTime());
        assertEquals(added.getAlipayOrderNo(), after.getAlipayOrderNo());
        assertEquals("9900.00", sandbox.buyer(sandbox.buyerUserId()).get("balance"), "91.00 + 9.00 service fee");
    }

    @Test
    void signQueryPayStatusCancel(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox, "GBK");
        String USER_ID = sandbox.buyerUserId();
        String PID = sandbox.merchantPid(); // 缴费机构商户UID(PID): here the calling app's merchant
        String PASSWORD_TOKEN = (String) ((Map<?, ?>) sandbox.admin("deduct/pay-password-tokens",
                Map.of("user_id", USER_ID))).get("pay_password_token"); // 通过支付鉴权拿到的token

        // Seed 000, 代扣签约.
        AlipayEbppPdeductSignAddRequest alipayRequest = new AlipayEbppPdeductSignAddRequest();
        alipayRequest.setPayPasswordToken(PASSWORD_TOKEN); //通过支付鉴权拿到的token
        alipayRequest.setUserId(USER_ID);
        alipayRequest.setBizType("JF"); //业务类型
        alipayRequest.setSubBizType("ELECTRIC"); //子业务类型
        alipayRequest.setBillKey("2015072601"); //户号
        alipayRequest.setOwnerName("张三");
        alipayRequest.setPid(PID);
        alipayRequest.setChargeInst("CQCENTERELECTRIC"); // 机构号
        alipayRequest.setOutAgreementId("123456"); // 外部协议号
        alipayRequest.setDeductType("direct_sign_deduct"); // 协议扣款类型
        alipayRequest.setAgentChannel("PUBLICPLATFORM"); // 签约代理渠道
        alipayRequest.setAgentCode("123456"); // 签约代理渠道代码
        AlipayEbppPdeductSignAddResponse signed = alipayClient.execute(alipayRequest);
        assertEquals("10000", signed.getCode(), signed.getBody());
        String agreementId = signed.getAgreementId();
        assertNotNull(agreementId);
        assertEquals("123456", signed.getOutAgreementId());

        // Seed 004, 代扣协议查询 (biz_content).
        AlipayEbppPdeductSignQueryRequest query = new AlipayEbppPdeductSignQueryRequest();
        query.setBizContent("{" +
                "\"user_id\":\"" + USER_ID + "\"," +
                "\"agreement_id\":\"" + agreementId + "\"" +
                " }");
        AlipayEbppPdeductSignQueryResponse queried = alipayClient.execute(query);
        assertEquals("10000", queried.getCode(), queried.getBody());
        assertEquals(agreementId, queried.getAgreementId());
        assertEquals("CQCENTERELECTRIC", queried.getChargeInst());
        assertEquals("2015072601", queried.getBillKey());
        assertEquals(USER_ID, queried.getUserId());

        // Seed 002, alipay.ebpp.pdeduct.pay (the document's setters; it passes numbers, the SDK takes strings).
        AlipayEbppPdeductPayRequest request = new AlipayEbppPdeductPayRequest();
        request.setAgreementId(agreementId);
        request.setUserId(USER_ID);
        request.setBillKey("2015072601");
        request.setPid(PID);
        request.setOutOrderNo("18882329324");
        request.setPayAmount("23.00");
        request.setFineAmount("2.00");
        request.setBillDate("201410");
        request.setAgentChannel("PUBLICFORM");
        request.setAgentCode("SECOND");
        request.setMemo("memo");
        request.setExtendField("{\"key1\":\"value1\",\"key2\":\"value2\"}");
        AlipayEbppPdeductPayResponse paid = alipayClient.execute(request);
        assertEquals("10000", paid.getCode(), paid.getBody());
        assertEquals("1", paid.getResultStatus(), "1:成功 (seed 002)");
        assertEquals("18882329324", paid.getOutOrderNo());
        assertNotNull(paid.getBillNo());
        assertEquals("9977.00", sandbox.buyer(USER_ID).get("balance"));

        // A held deduction answers result_status 0 (未知) and is followed with bill.pay.status (seed 000).
        sandbox.admin("deduct/holds", Map.of("agreement_id", agreementId));
        request.setOutOrderNo("18882329325");
        AlipayEbppPdeductPayResponse unknown = alipayClient.execute(request);
        assertEquals("0", unknown.getResultStatus(), unknown.getBody());
        sandbox.admin("deduct/resolve", Map.of("out_order_no", "18882329325", "result", "success"));
        // Seed 000, 代扣支付状态查询: "注意,此处需要用USER_ID".
        AlipayEbppPdeductBillPayStatusRequest status = new AlipayEbppPdeductBillPayStatusRequest();
        status.setAgreementId(USER_ID);
        status.setOutOrderNo("18882329325");
        AlipayEbppPdeductBillPayStatusResponse settled = alipayClient.execute(status);
        assertEquals("10000", settled.getCode(), settled.getBody());
        assertEquals("18882329325", settled.getOutOrderNo());
        assertNotNull(settled.getStatus());
        assertEquals("9954.00", sandbox.buyer(USER_ID).get("balance"));

        // Seed 000, 代扣解约 (a fresh token: single use).
        AlipayEbppPdeductSignCancelRequest cancel = new AlipayEbppPdeductSignCancelRequest();
        cancel.setUserId(USER_ID);
        cancel.setAgreementId(agreementId);
        cancel.setAgentChannel("PUBLICPLATFORM");
        cancel.setAgentCode("123456");
        cancel.setPayPasswordToken((String) ((Map<?, ?>) sandbox.admin("deduct/pay-password-tokens",
                Map.of("user_id", USER_ID))).get("pay_password_token"));
        AlipayEbppPdeductSignCancelResponse cancelled = alipayClient.execute(cancel);
        assertEquals("10000", cancelled.getCode(), cancelled.getBody());
        assertEquals(agreementId, cancelled.getAgreementId());
        request.setOutOrderNo("18882329326");
        AlipayEbppPdeductPayResponse refused = alipayClient.execute(request);
        assertEquals("40004", refused.getCode(), refused.getBody());
        assertTrue(refused.getSubCode() != null && !refused.getSubCode().isEmpty());
    }
}
