package io.github.alipayrs.interop;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a browser does with the SDK's page-pay output, over plain HTTP (java.net.http): submit the auto-posting
 * form or open the URL, read the cashier's forms, post them. No JavaScript is involved (the sandbox's pages have
 * none); redirects are not followed, so each step's answer can be checked.
 */
final class Browser {
    /** What a browser sends ({@code Accept} includes text/html, which is how the gateway tells browsers apart). */
    static final String ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /** A response: status, body, Location. */
    record Page(int status, String body, String location, URI uri) {
        /** The first {@code <form>} whose action contains {@code actionPart}: its absolute action and inputs. */
        Form form(String actionPart) {
            Matcher m = Pattern.compile("<form\\b([^>]*)>(.*?)</form>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE).matcher(body);
            while (m.find()) {
                String action = Html.unescape(attr(m.group(1), "action"));
                if (action != null && action.contains(actionPart)) {
                    Map<String, String> inputs = new LinkedHashMap<>();
                    Matcher in = Pattern.compile("<(?:input|textarea)\\b([^>]*)>", Pattern.CASE_INSENSITIVE).matcher(m.group(2));
                    while (in.find()) {
                        String name = attr(in.group(1), "name");
                        if (name != null) {
                            String value = attr(in.group(1), "value");
                            inputs.put(Html.unescape(name), value == null ? "" : Html.unescape(value));
                        }
                    }
                    return new Form(uri.resolve(action), attr(m.group(1), "method"), inputs);
                }
            }
            throw new AssertionError("no form with action *" + actionPart + "* in:\n" + body);
        }

        boolean hasTestId(String testId) {
            return body.contains("data-testid=\"" + testId + "\"");
        }
    }

    /** A form: where it posts and its fields. */
    record Form(URI action, String method, Map<String, String> fields) {}

    static String attr(String attrs, String name) {
        Matcher m = Pattern.compile("\\b" + name + "\\s*=\\s*(\"([^\"]*)\"|'([^']*)')", Pattern.CASE_INSENSITIVE).matcher(attrs);
        if (!m.find()) {
            return null;
        }
        return m.group(2) != null ? m.group(2) : m.group(3);
    }

    Page get(URI uri) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).header("Accept", ACCEPT).GET().build();
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return page(uri, r);
    }

    Page post(Form form, Charset charset) throws IOException, InterruptedException {
        return post(form.action(), form.fields(), charset);
    }

    Page post(URI uri, Map<String, String> fields, Charset charset) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(URLEncoder.encode(e.getKey(), charset)).append('=').append(URLEncoder.encode(e.getValue(), charset));
        }
        HttpRequest request = HttpRequest.newBuilder(uri).header("Accept", ACCEPT)
                .header("Content-Type", "application/x-www-form-urlencoded;charset=" + charset.name())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.US_ASCII)).build();
        return page(uri, http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    }

    private static Page page(URI uri, HttpResponse<byte[]> r) {
        String ct = r.headers().firstValue("Content-Type").orElse("");
        Charset cs = io.github.alipayrs.sandbox.Notification.charsetOf(ct);
        return new Page(r.statusCode(), new String(r.body(), cs), r.headers().firstValue("Location").orElse(null), uri);
    }

    /** The query of a URL, decoded in {@code charset}. */
    static Map<String, String> query(String url, Charset charset) {
        Map<String, String> out = new LinkedHashMap<>();
        String q = URI.create(url).getRawQuery();
        if (q == null) {
            return out;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), charset),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), charset));
        }
        return out;
    }
}
