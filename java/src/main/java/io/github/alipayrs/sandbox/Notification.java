package io.github.alipayrs.sandbox;

import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request received by a {@link NotificationReceiver}: the raw body, its {@code Content-Type}, and the form
 * decoded once in the charset it names.
 */
public final class Notification {
    private final String method;
    private final String path;
    private final String query;
    private final String contentType;
    private final byte[] body;
    private final Map<String, String> params;

    Notification(String method, String path, String query, String contentType, byte[] body) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.contentType = contentType == null ? "" : contentType;
        this.body = body.clone();
        this.params = Collections.unmodifiableMap(parseForm(new String(body, StandardCharsets.ISO_8859_1), charsetOf(this.contentType)));
    }

    /**
     * Decodes an {@code application/x-www-form-urlencoded} body ({@code +} is a space, {@code %XX} are bytes in
     * {@code charset}), keeping blank values; the last of repeated names wins.
     *
     * @param form the body (ASCII)
     * @param charset the charset of the escaped bytes
     * @return the parameters in their order
     */
    public static Map<String, String> parseForm(String form, Charset charset) {
        Map<String, String> out = new LinkedHashMap<>();
        if (form == null || form.isEmpty()) {
            return out;
        }
        for (String pair : form.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(name, charset), URLDecoder.decode(value, charset));
        }
        return out;
    }

    /**
     * @param contentType a {@code Content-Type} header
     * @return its {@code charset} parameter, UTF-8 when there is none or it is unknown
     */
    public static Charset charsetOf(String contentType) {
        String[] parts = contentType == null ? new String[0] : contentType.split(";");
        for (String part : Arrays.asList(parts).subList(Math.min(1, parts.length), parts.length)) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("charset") && !kv[1].trim().isEmpty()) {
                try {
                    return Charset.forName(kv[1].trim().replace("\"", ""));
                } catch (RuntimeException unknown) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    /** @return {@code POST} (Alipay's notifications) or whatever the client sent */
    public String method() {
        return method;
    }

    /** @return the request path, e.g. {@code /notify} */
    public String path() {
        return path;
    }

    /** @return the raw query string, or {@code null} */
    public String query() {
        return query;
    }

    /** @return the {@code Content-Type} header ({@code ""} when absent) */
    public String contentType() {
        return contentType;
    }

    /** @return the raw body */
    public byte[] body() {
        return body.clone();
    }

    /** @return the charset of the body ({@code Content-Type}'s, UTF-8 by default) */
    public Charset charset() {
        return charsetOf(contentType);
    }

    /**
     * The decoded form as a new mutable map: hand it to {@code AlipaySignature.rsaCheckV1(params, alipayPublicKey,
     * charset, signType)}, which removes {@code sign} and {@code sign_type} from the map it is given.
     *
     * @return the parameters (a fresh copy each call)
     */
    public Map<String, String> params() {
        return new LinkedHashMap<>(params);
    }

    /**
     * @param name a parameter name
     * @return its value, or {@code null}
     */
    public String param(String name) {
        return params.get(name);
    }

    @Override
    public String toString() {
        return method + " " + path + " " + params;
    }
}
