package io.github.alipayrs.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A merchant's {@code notify_url} on loopback: an HTTP server ({@code com.sun.net.httpserver}, JDK only) on
 * {@code 127.0.0.1} and a free port that records every request and answers {@code success} (Alipay's
 * acknowledgement; anything else makes the sandbox retry), or what the {@code answer} function says.
 *
 * <pre>{@code
 * try (NotificationReceiver receiver = NotificationReceiver.start()) {
 *     request.setNotifyUrl(receiver.url());                      // http://127.0.0.1:PORT/notify
 *     // ... the buyer pays ...
 *     Notification n = receiver.await(x -> "T1".equals(x.param("out_trade_no")), Duration.ofSeconds(10));
 *     assertTrue(AlipaySignature.rsaCheckV1(n.params(), sandbox.alipayPublicKey(), "utf-8", "RSA2"));
 * }
 * }</pre>
 *
 * <p>A real endpoint verifies before it acknowledges: pass an {@code answer} that checks the signature and
 * answers {@code "fail"} when it does not hold. An exception thrown by {@code answer} is answered with HTTP 500.
 * In a JUnit test, declare a {@code NotificationReceiver} parameter: {@link AlipaySandboxExtension} starts one
 * for the test and stops it afterwards.
 */
public final class NotificationReceiver implements AutoCloseable {
    private final Function<Notification, String> answer;
    private final String host;
    private final String path;
    private final List<Notification> received = new ArrayList<>();
    private HttpServer server;
    private ExecutorService executor;

    private NotificationReceiver(Function<Notification, String> answer, String host, String path) {
        this.answer = answer;
        this.host = host;
        this.path = path;
    }

    /** @return a started receiver that answers {@code success} to everything */
    public static NotificationReceiver start() {
        return start(n -> "success");
    }

    /**
     * @param answer what to answer each notification (e.g. {@code "success"} after verifying it, else
     *     {@code "fail"})
     * @return a started receiver on {@code 127.0.0.1:0}, path {@code /notify}
     */
    public static NotificationReceiver start(Function<Notification, String> answer) {
        return start(answer, "127.0.0.1", "/notify");
    }

    /**
     * @param answer what to answer each notification
     * @param host the loopback address to bind
     * @param path the path of {@link #url()} (every path is recorded)
     * @return a started receiver
     */
    public static NotificationReceiver start(Function<Notification, String> answer, String host, String path) {
        NotificationReceiver receiver = new NotificationReceiver(answer, host, path);
        receiver.bind();
        return receiver;
    }

    private void bind() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "alipay-notify");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Notification n = new Notification(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Content-Type"), body);
            String reply;
            int status;
            try {
                reply = answer.apply(n);
                status = 200;
            } catch (RuntimeException e) { // the endpoint's own failure: Alipay sees a 500 and retries
                reply = "fail: " + e;
                status = 500;
            }
            synchronized (received) {
                received.add(n);
                received.notifyAll();
            }
            byte[] data = (reply == null ? "" : reply).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain;charset=utf-8");
            exchange.sendResponseHeaders(status, data.length == 0 ? -1 : data.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(data);
            }
        } finally {
            exchange.close();
        }
    }

    /** @return {@code http://127.0.0.1:PORT/notify}: the {@code notify_url} to give Alipay */
    public String url() {
        if (server == null) {
            throw new IllegalStateException("the receiver is stopped");
        }
        return "http://" + host + ":" + server.getAddress().getPort() + path;
    }

    /** @return everything received so far, oldest first */
    public List<Notification> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    /** Forgets what was received. */
    public void clear() {
        synchronized (received) {
            received.clear();
        }
    }

    /**
     * The first notification received that {@code match} accepts, waiting for it.
     *
     * @param match which one ({@code null}: any)
     * @param timeout how long to wait
     * @return the notification
     * @throws SandboxException when none comes in time
     */
    public Notification await(Predicate<Notification> match, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (true) {
                for (Notification n : received) {
                    if (match == null || match.test(n)) {
                        return n;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new SandboxException("no matching notification in " + timeout.toMillis() + " ms ("
                            + received.size() + " received: " + received + ")");
                }
                try {
                    received.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SandboxException("interrupted", e);
                }
            }
        }
    }

    /**
     * The first notification whose {@code out_trade_no} is {@code outTradeNo}, waiting up to 10 s.
     *
     * @param outTradeNo the order number (red packets: the operation's {@code out_order_no})
     * @return the notification
     */
    public Notification await(String outTradeNo) {
        return await(n -> outTradeNo.equals(n.param("out_trade_no")) || outTradeNo.equals(n.param("out_order_no")),
                Duration.ofSeconds(10));
    }

    /** Stops serving (safe to call twice). */
    public void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
