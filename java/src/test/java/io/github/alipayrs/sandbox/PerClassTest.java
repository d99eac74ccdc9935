package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.DefaultAlipayClient;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import com.alipay.api.response.AlipayTradePrecreateResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code @ExtendWith}: one sandbox for the class and its nested classes, reset before every test but the first. */
@ExtendWith(AlipaySandboxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PerClassTest {
    static AlipaySandbox fromBeforeAll;
    static String buyerOfFirstTest;
    static Path dataDir;

    @BeforeAll
    static void injectedIntoBeforeAll(AlipaySandbox sandbox) {
        fromBeforeAll = sandbox;
        dataDir = sandbox.dataDir();
        assertTrue(Files.isRegularFile(dataDir.resolve("app.json")));
    }

    @AfterAll
    static void stoppedOnlyAfterTheClass() {
        assertTrue(fromBeforeAll.isRunning(), "the class's sandbox runs until the class is done");
    }

    @Test
    @Order(1)
    void theSandboxOfTheClass(AlipaySandbox sandbox, SandboxApp app) {
        assertSame(fromBeforeAll, sandbox);
        assertTrue(sandbox.gatewayUrl().matches("http://127\\.0\\.0\\.1:\\d+/gateway\\.do"), sandbox.gatewayUrl());
        assertEquals(sandbox.appId(), app.appId());
        assertEquals("RSA2", app.signType());
        assertFalse(app.privateKey().contains("-----"), "bare base64, as DefaultAlipayClient takes it");
        assertFalse(app.privateKey().contains("\n"));
        assertTrue(app.privateKeyPem().startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
        assertFalse(app.certMode());
        buyerOfFirstTest = (String) sandbox.createBuyer("5.00").get("user_id");
        assertEquals("5.00", sandbox.buyer(buyerOfFirstTest).get("balance"));
        sandbox.injectFault("alipay.trade.query", "system_error", 3);
    }

    @Test
    @Order(2)
    void resetBetweenTests(AlipaySandbox sandbox) {
        assertSame(fromBeforeAll, sandbox);
        AdminException gone = assertThrows(AdminException.class, () -> sandbox.buyer(buyerOfFirstTest));
        assertEquals(404, gone.status());
        assertEquals(java.util.List.of(), sandbox.faults().get("pending"), "reset drops the faults");
        assertNotEquals(buyerOfFirstTest, sandbox.buyerUserId());
        assertEquals("10000.00", sandbox.buyer(sandbox.buyerUserId()).get("balance"), "a new default buyer");
    }

    @Test
    @Order(3)
    void officialClientsForTheDefaultApp(AlipayClient client, DefaultAlipayClient concrete, AlipaySandbox sandbox)
            throws Exception {
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setBizContent("{\"out_trade_no\":\"C1\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
        AlipayTradePrecreateResponse response = client.execute(request);
        assertEquals("10000", response.getCode(), response.getBody());
        request.setBizContent("{\"out_trade_no\":\"C2\",\"total_amount\":\"1.00\",\"subject\":\"x\"}");
        assertEquals("10000", concrete.execute(request).getCode());
        Map<String, Object> trade = sandbox.trade("C2");
        assertEquals("C2", trade.get("out_trade_no"));
        assertEquals(sandbox.appId(), trade.get("app_id"));
    }

    @Nested
    class Inner {
        @Test
        void sharesTheOuterSandbox(AlipaySandbox sandbox) {
            assertSame(fromBeforeAll, sandbox);
            assertEquals(dataDir, sandbox.dataDir());
        }
    }
}
