package io.github.alipayrs.sandbox;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link AlipaySandbox#createApp(AppOptions)} registers ({@code POST /admin/apps}): by default a plain-key
 * {@code RSA2} app of a new merchant whose key pair the sandbox generates.
 *
 * <pre>{@code
 * SandboxApp certApp = sandbox.createApp(AppOptions.certMode());            // 公钥证书模式
 * SandboxApp aesApp = sandbox.createApp(AppOptions.plainKey().aes());      // AES content encryption
 * SandboxApp rsaApp = sandbox.createApp(AppOptions.plainKey().signType("RSA"));
 * }</pre>
 */
public final class AppOptions {
    private final Map<String, Object> body = new LinkedHashMap<>();

    private AppOptions() {}

    /** @return a plain-key app (the Alipay public key verifies answers) */
    public static AppOptions plainKey() {
        return new AppOptions();
    }

    /** @return a certificate-mode app (app certificate, Alipay certificate, root bundle) */
    public static AppOptions certMode() {
        AppOptions o = new AppOptions();
        o.body.put("cert_mode", true);
        return o;
    }

    /** @return these options with an AES key for the app ({@code aes_key}, {@code encrypt_type=AES}) */
    public AppOptions aes() {
        body.put("aes", true);
        return this;
    }

    /** @return these options with AES, refusing clear requests ({@code isv.missing-encrypt-type}) */
    public AppOptions encryptRequired() {
        body.put("aes", true);
        body.put("encrypt_required", true);
        return this;
    }

    /**
     * @param signType {@code RSA2} (default) or {@code RSA}
     * @return these options
     */
    public AppOptions signType(String signType) {
        body.put("sign_type", signType);
        return this;
    }

    /**
     * @param publicKey the app's public key (PEM or base64); the answer then has no private key
     * @return these options
     */
    public AppOptions publicKey(String publicKey) {
        body.put("public_key", publicKey);
        return this;
    }

    /**
     * @param appId the app id to use (default: one the sandbox picks)
     * @return these options
     */
    public AppOptions appId(String appId) {
        body.put("app_id", appId);
        return this;
    }

    /**
     * @param merchantPid attach the app to this existing merchant (default: a new merchant)
     * @return these options
     */
    public AppOptions merchantPid(String merchantPid) {
        body.put("merchant_pid", merchantPid);
        return this;
    }

    /**
     * @param openId {@code true} (the sandbox's default for new apps, as Alipay's apps since 2023–24): buyers
     *     appear as open ids ({@code buyer_open_id}); {@code false}: {@code 2088…} user ids, like older apps
     * @return these options
     */
    public AppOptions openId(boolean openId) {
        body.put("open_id", openId);
        return this;
    }

    /**
     * @param uri the app's authorization callback address (授权回调地址): the consent pages then redirect only
     *     to URLs of its scheme and host
     * @return these options
     */
    public AppOptions authRedirectUri(String uri) {
        body.put("auth_redirect_uri", uri);
        return this;
    }

    /**
     * @param methods methods this app may call only in certificate mode
     * @return these options
     */
    public AppOptions certRequiredMethods(String... methods) {
        body.put("cert_required_methods", Arrays.asList(methods));
        return this;
    }

    /** @return the body of {@code POST /admin/apps} */
    public Map<String, Object> toMap() {
        return new LinkedHashMap<>(body);
    }

    @Override
    public String toString() {
        return Json.write(body);
    }
}
