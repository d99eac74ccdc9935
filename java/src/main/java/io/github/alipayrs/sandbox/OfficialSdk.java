package io.github.alipayrs.sandbox;

import java.lang.reflect.InvocationTargetException;

/**
 * Builds Alipay's official {@code com.alipay.api.DefaultAlipayClient} by reflection, so that this library needs no
 * compile-time dependency on the SDK (the SDK is the user's own dependency, any 4.x version).
 *
 * <p>The constructors used are the ones the SDK's documentation shows:
 * {@code DefaultAlipayClient(serverUrl, appId, privateKey, format, charset, alipayPublicKey, signType)},
 * the same plus {@code (encryptKey, encryptType)} for AES, and {@code DefaultAlipayClient(CertAlipayRequest)}
 * for certificate mode (alipay-sdk-java 4.40.0.ALL, {@code com/alipay/api/DefaultAlipayClient.java}).
 */
final class OfficialSdk {
    static final String CLIENT = "com.alipay.api.DefaultAlipayClient";
    static final String CERT_REQUEST = "com.alipay.api.CertAlipayRequest";

    private OfficialSdk() {}

    /** Whether {@code typeName} is one the extension injects as a ready official client. */
    static boolean isClientType(String typeName) {
        return typeName.equals(CLIENT) || typeName.equals("com.alipay.api.AlipayClient")
                || typeName.equals("com.alipay.api.AbstractAlipayClient");
    }

    static ClassLoader loader(Class<?> hint) {
        if (hint != null && hint.getClassLoader() != null) {
            return hint.getClassLoader();
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : OfficialSdk.class.getClassLoader();
    }

    static Object client(SandboxApp app, String charset, ClassLoader loader) {
        Class<?> clientClass;
        try {
            clientClass = Class.forName(CLIENT, true, loader);
        } catch (ClassNotFoundException e) {
            throw new SandboxException("Alipay's official Java SDK is not on the classpath: add "
                    + "com.alipay.sdk:alipay-sdk-java (e.g. 4.40.0.ALL) to your test dependencies", e);
        }
        try {
            if (app.certMode()) {
                Class<?> certClass = Class.forName(CERT_REQUEST, true, loader);
                Object cert = certClass.getConstructor().newInstance();
                set(certClass, cert, "setServerUrl", app.gatewayUrl());
                set(certClass, cert, "setAppId", app.appId());
                set(certClass, cert, "setPrivateKey", app.privateKey());
                set(certClass, cert, "setFormat", "json");
                set(certClass, cert, "setCharset", charset);
                set(certClass, cert, "setSignType", app.signType());
                set(certClass, cert, "setCertContent", app.appCert());
                set(certClass, cert, "setAlipayPublicCertContent", app.alipayCert());
                set(certClass, cert, "setRootCertContent", app.alipayRootCert());
                if (app.aes()) {
                    set(certClass, cert, "setEncryptor", app.aesKey());
                    set(certClass, cert, "setEncryptType", "AES");
                }
                return clientClass.getConstructor(certClass).newInstance(cert);
            }
            if (app.aes()) {
                return clientClass.getConstructor(String.class, String.class, String.class, String.class,
                        String.class, String.class, String.class, String.class, String.class)
                        .newInstance(app.gatewayUrl(), app.appId(), app.privateKey(), "json", charset,
                                app.alipayPublicKey(), app.signType(), app.aesKey(), "AES");
            }
            return clientClass.getConstructor(String.class, String.class, String.class, String.class,
                    String.class, String.class, String.class)
                    .newInstance(app.gatewayUrl(), app.appId(), app.privateKey(), "json", charset,
                            app.alipayPublicKey(), app.signType());
        } catch (InvocationTargetException e) {
            throw new SandboxException("new DefaultAlipayClient(...) failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new SandboxException("this version of alipay-sdk-java has no expected DefaultAlipayClient "
                    + "constructor: " + e, e);
        }
    }

    private static void set(Class<?> type, Object target, String setter, String value)
            throws ReflectiveOperationException {
        type.getMethod(setter, String.class).invoke(target, value);
    }
}
