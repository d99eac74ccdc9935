package io.github.alipayrs.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client configuration of one app of the sandbox: the default app ({@link AlipaySandbox#defaultApp()}, from
 * {@code DIR/app.json}) or one made by {@link AlipaySandbox#createApp(AppOptions)}.
 *
 * <p>Keys come in the forms Alipay's Java SDK takes: {@link #privateKey()} is the PKCS#8 key as bare base64 on
 * one line, {@link #alipayPublicKey()} the SPKI public key likewise. PEM forms are there too.
 *
 * <pre>{@code
 * SandboxApp app = sandbox.createApp(AppOptions.certMode().aes());
 * CertAlipayRequest cert = new CertAlipayRequest();
 * cert.setServerUrl(app.gatewayUrl());
 * cert.setAppId(app.appId());
 * cert.setPrivateKey(app.privateKey());
 * cert.setCertContent(app.appCert());
 * cert.setAlipayPublicCertContent(app.alipayCert());
 * cert.setRootCertContent(app.alipayRootCert());
 * // ... or simply: AlipayClient client = app.officialClient(AlipayClient.class);
 * }</pre>
 */
public final class SandboxApp {
    private final Map<String, Object> fields;

    SandboxApp(Map<String, Object> fields) {
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    private String opt(String name) {
        Object v = fields.get(name);
        return v instanceof String && !((String) v).isEmpty() ? (String) v : null;
    }

    private String req(String name) {
        String v = opt(name);
        if (v == null) {
            throw new SandboxException("this app's configuration has no '" + name + "'"
                    + (name.startsWith("app_private") ? " (it was registered with its own public key)" : "")
                    + (name.equals("alipay_public_key") ? " (a certificate-mode app: use alipayCert())" : "")
                    + (name.contains("cert") ? " (not a certificate-mode app)" : ""));
        }
        return v;
    }

    /**
     * The body of a PEM block (everything between the BEGIN and END lines) as one base64 line; text without
     * BEGIN lines is returned without its whitespace.
     *
     * @param pem PEM text, or bare base64
     * @return base64 on one line
     */
    public static String pemBody(String pem) {
        StringBuilder out = new StringBuilder();
        for (String line : pem.split("\r?\n")) {
            if (line.startsWith("-----")) {
                continue;
            }
            out.append(line.trim());
        }
        return out.toString();
    }

    /** @return every member as the sandbox answered it (app.json or the {@code POST /admin/apps} answer) */
    public Map<String, Object> fields() {
        return fields;
    }

    /** @return {@code http://127.0.0.1:PORT/gateway.do} */
    public String gatewayUrl() {
        return req("gateway_url");
    }

    /** @return the app id */
    public String appId() {
        return req("app_id");
    }

    /** @return the app's merchant PID ({@code seller_id} of its trades) */
    public String merchantPid() {
        return req("merchant_pid");
    }

    /** @return {@code RSA2} or {@code RSA} */
    public String signType() {
        String v = opt("sign_type");
        return v != null ? v : "RSA2";
    }

    /** @return {@code utf-8} (any charset the gateway knows works: the app does not fix one) */
    public String charset() {
        String v = opt("charset");
        return v != null ? v : "utf-8";
    }

    /** @return the private key, PKCS#8 DER as base64 on one line: what {@code DefaultAlipayClient} takes */
    public String privateKey() {
        return pemBody(req("app_private_key"));
    }

    /** @return the private key, PKCS#8 PEM ({@code BEGIN PRIVATE KEY}) */
    public String privateKeyPem() {
        return req("app_private_key");
    }

    /** @return the private key, PKCS#1 PEM ({@code BEGIN RSA PRIVATE KEY}) */
    public String privateKeyPkcs1Pem() {
        return req("app_private_key_pkcs1");
    }

    /** @return the app's public key (SPKI PEM), when the sandbox answered it (the default app) */
    public String appPublicKeyPem() {
        return req("app_public_key");
    }

    /** @return whether the app is in certificate mode */
    public boolean certMode() {
        return opt("app_cert") != null || opt("alipay_cert") != null;
    }

    /** @return the Alipay public key (SPKI) as base64 on one line; plain-key apps only */
    public String alipayPublicKey() {
        return pemBody(req("alipay_public_key"));
    }

    /** @return the Alipay public key, SPKI PEM; plain-key apps only */
    public String alipayPublicKeyPem() {
        return req("alipay_public_key");
    }

    /** @return the app certificate (PEM, {@code appCertPublicKey_*.crt}); certificate mode only */
    public String appCert() {
        return req("app_cert");
    }

    /** @return the Alipay certificate (PEM, {@code alipayCertPublicKey_RSA2.crt}); certificate mode only */
    public String alipayCert() {
        return req("alipay_cert");
    }

    /** @return the root bundle (PEM, {@code alipayRootCert.crt}); certificate mode only */
    public String alipayRootCert() {
        return req("alipay_root_cert");
    }

    /** @return the app certificate's SN ({@code app_cert_sn}); certificate mode only */
    public String appCertSn() {
        return req("app_cert_sn");
    }

    /** @return the Alipay certificate's SN when the app was made; certificate mode only */
    public String alipayCertSn() {
        return req("alipay_cert_sn");
    }

    /** @return the root bundle's SN ({@code alipay_root_cert_sn}); certificate mode only */
    public String alipayRootCertSn() {
        return req("alipay_root_cert_sn");
    }

    /** @return whether the app has an AES key */
    public boolean aes() {
        return opt("aes_key") != null;
    }

    /** @return the AES key (base64), the SDK's {@code encryptKey}; AES apps only */
    public String aesKey() {
        return req("aes_key");
    }

    /**
     * Writes the three certificates as files, named as Alipay's console names them, for the SDK calls that take
     * paths ({@code AlipaySignature.rsaCertCheckV1}, {@code CertAlipayRequest.setCertPath}, ...).
     *
     * @param dir an existing directory
     * @return the paths written
     */
    public CertPaths writeCerts(Path dir) {
        try {
            Path app = dir.resolve("appCertPublicKey_" + appId() + ".crt");
            Path alipay = dir.resolve("alipayCertPublicKey_RSA2.crt");
            Path root = dir.resolve("alipayRootCert.crt");
            Files.write(app, appCert().getBytes(StandardCharsets.US_ASCII));
            Files.write(alipay, alipayCert().getBytes(StandardCharsets.US_ASCII));
            Files.write(root, alipayRootCert().getBytes(StandardCharsets.US_ASCII));
            return new CertPaths(app, alipay, root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A {@code com.alipay.api.DefaultAlipayClient} of Alipay's official Java SDK for this app, built by reflection
     * (the SDK must be on the classpath; this library does not depend on it): JSON, {@code utf-8}, the app's sign
     * type; the Alipay public key (plain-key mode) or a {@code CertAlipayRequest} with the three certificates
     * (certificate mode: call {@code certificateExecute}); with the AES key and {@code encryptType AES} when the
     * app has one (requests are encrypted when {@code request.setNeedEncrypt(true)}).
     *
     * @return the client, as {@code Object}
     * @throws SandboxException when the SDK is not on the classpath
     */
    public Object officialClient() {
        return OfficialSdk.client(this, charset(), OfficialSdk.loader(null));
    }

    /**
     * {@link #officialClient()} as {@code type}.
     *
     * @param type {@code AlipayClient.class} or {@code DefaultAlipayClient.class}
     * @param <T> the type
     * @return the client
     */
    public <T> T officialClient(Class<T> type) {
        return type.cast(OfficialSdk.client(this, charset(), OfficialSdk.loader(type)));
    }

    /**
     * {@link #officialClient(Class)} with another charset (e.g. {@code GBK}).
     *
     * @param type {@code AlipayClient.class} or {@code DefaultAlipayClient.class}
     * @param charset the request charset
     * @param <T> the type
     * @return the client
     */
    public <T> T officialClient(Class<T> type, String charset) {
        return type.cast(OfficialSdk.client(this, charset, OfficialSdk.loader(type)));
    }

    @Override
    public String toString() {
        return "SandboxApp{" + opt("app_id") + (certMode() ? ", cert mode" : "") + (aes() ? ", AES" : "") + "}";
    }

    /** Where {@link #writeCerts(Path)} put the certificates. */
    public static final class CertPaths {
        private final Path appCert;
        private final Path alipayCert;
        private final Path alipayRootCert;

        CertPaths(Path appCert, Path alipayCert, Path alipayRootCert) {
            this.appCert = appCert;
            this.alipayCert = alipayCert;
            this.alipayRootCert = alipayRootCert;
        }

        /** @return the app certificate's file */
        public Path appCert() {
            return appCert;
        }

        /** @return the Alipay certificate's file */
        public Path alipayCert() {
            return alipayCert;
        }

        /** @return the root bundle's file */
        public Path alipayRootCert() {
            return alipayRootCert;
        }
    }
}
