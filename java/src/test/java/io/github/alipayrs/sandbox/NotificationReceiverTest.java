package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The receiver alone: a loopback HTTP endpoint that records form POSTs. */
class NotificationReceiverTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> post(String url, String body, String contentType) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.ISO_8859_1)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void recordsAFormInItsCharsetAndAnswersSuccess() throws Exception {
        Charset gbk = Charset.forName("GBK");
        String body = "subject=" + URLEncoder.encode("测试 商品", gbk) + "&out_trade_no=T1&empty=&plus=a%2Bb";
        try (NotificationReceiver receiver = NotificationReceiver.start()) {
            assertTrue(receiver.url().matches("http://127\\.0\\.0\\.1:\\d+/notify"), receiver.url());
            HttpResponse<String> response = post(receiver.url(), body, "application/x-www-form-urlencoded; charset=GBK");
            assertEquals(200, response.statusCode());
            assertEquals("success", response.body());
            Notification n = receiver.await("T1");
            assertEquals("POST", n.method());
            assertEquals("/notify", n.path());
            assertEquals("测试 商品", n.param("subject"));
            assertEquals("", n.param("empty"));
            assertEquals("a+b", n.param("plus"));
            assertEquals(gbk, n.charset());
            Map<String, String> params = n.params();
            params.remove("subject"); // a copy: rsaCheckV1 removes sign and sign_type from what it is given
            assertEquals("测试 商品", n.param("subject"));
            assertEquals(1, receiver.received().size());
            receiver.clear();
            assertEquals(0, receiver.received().size());
        }
    }

    @Test
    void answersWhatTheCallbackSaysAnd500WhenItThrows() throws Exception {
        try (NotificationReceiver receiver = NotificationReceiver.start(n -> {
            if (n.param("boom") != null) {
                throw new IllegalStateException("endpoint failure");
            }
            return "ok".equals(n.param("sig")) ? "success" : "fail";
        })) {
            assertEquals("fail", post(receiver.url(), "sig=bad", "application/x-www-form-urlencoded").body());
            assertEquals("success", post(receiver.url(), "sig=ok", "application/x-www-form-urlencoded").body());
            HttpResponse<String> boom = post(receiver.url(), "boom=1", "application/x-www-form-urlencoded");
            assertEquals(500, boom.statusCode());
            assertEquals(3, receiver.received().size());
            assertEquals("utf-8".toUpperCase(), receiver.received().get(0).charset().name());
        }
    }

    @Test
    void awaitTimesOutWithWhatItSaw() {
        try (NotificationReceiver receiver = NotificationReceiver.start()) {
            SandboxException e = assertThrows(SandboxException.class,
                    () -> receiver.await(n -> true, Duration.ofMillis(100)));
            assertTrue(e.getMessage().contains("0 received"), e.getMessage());
        }
    }
}
