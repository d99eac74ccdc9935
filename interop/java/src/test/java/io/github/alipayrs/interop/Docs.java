package io.github.alipayrs.interop;

import com.alipay.api.AlipayClient;
import com.alipay.api.DefaultAlipayClient;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.SandboxApp;

/**
 * Clients made the way the product documents make them (seeds 000-004, "接口调用配置"):
 * {@code new DefaultAlipayClient(URL, APP_ID, APP_PRIVATE_KEY, FORMAT, CHARSET, ALIPAY_PUBLIC_KEY, SIGN_TYPE)},
 * FORMAT {@code json} (固定), CHARSET GBK or UTF-8, SIGN_TYPE RSA2 or RSA. Only URL, keys and app id come from
 * the sandbox.
 */
final class Docs {
    private Docs() {}

    /** The default app, UTF-8, RSA2. */
    static AlipayClient client(AlipaySandbox sandbox) {
        return client(sandbox, "UTF-8");
    }

    /** The default app in {@code charset}, RSA2. */
    static AlipayClient client(AlipaySandbox sandbox, String charset) {
        return new DefaultAlipayClient(sandbox.gatewayUrl(), sandbox.appId(), sandbox.privateKey(), "json", charset,
                sandbox.alipayPublicKey(), "RSA2");
    }

    /** A plain-key app made with {@code POST /admin/apps}, in {@code charset}, with the app's sign type. */
    static AlipayClient client(SandboxApp app, String charset) {
        return new DefaultAlipayClient(app.gatewayUrl(), app.appId(), app.privateKey(), "json", charset,
                app.alipayPublicKey(), app.signType());
    }

    /** A JSON string literal for biz_content built by hand, as the documents do. */
    static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
