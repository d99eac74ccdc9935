package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The official client is built by reflection: without the SDK on the classpath, a clear error. No sandbox needed. */
class OfficialSdkTest {
    private static final SandboxApp APP = new SandboxApp(Map.of("gateway_url", "http://127.0.0.1:1/gateway.do",
            "app_id", "2021000000000000", "app_private_key", "-----BEGIN PRIVATE KEY-----\nMIIE\nAAAA\n-----END PRIVATE KEY-----\n",
            "alipay_public_key", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n", "sign_type", "RSA2"));

    @Test
    void withoutTheSdkTheErrorSaysWhatToAdd() {
        ClassLoader noSdk = new URLClassLoader(new URL[0], null); // the JDK only
        SandboxException e = assertThrows(SandboxException.class, () -> OfficialSdk.client(APP, "utf-8", noSdk));
        assertTrue(e.getMessage().contains("com.alipay.sdk:alipay-sdk-java"), e.getMessage());
    }

    @Test
    void keysInTheFormsTheJavaSdkTakes() {
        assertEquals("MIIEAAAA", APP.privateKey());
        assertEquals("MIIB", APP.alipayPublicKey());
        assertFalse(APP.certMode());
        assertFalse(APP.aes());
        assertTrue(OfficialSdk.isClientType("com.alipay.api.AlipayClient"));
        assertTrue(OfficialSdk.isClientType("com.alipay.api.DefaultAlipayClient"));
        assertFalse(OfficialSdk.isClientType("com.alipay.api.AlipayConfig"));
    }

    @Test
    void withTheSdkAClientOfTheRightKind() {
        Object client = OfficialSdk.client(APP, "GBK", OfficialSdk.loader(null));
        assertEquals("com.alipay.api.DefaultAlipayClient", client.getClass().getName());
    }
}
