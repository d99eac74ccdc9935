package io.github.alipayrs.sandbox;

import java.lang.reflect.Parameter;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs a local Alipay ({@link AlipaySandbox}) for a test class or for each test, resets it
 * between tests, and injects it.
 *
 * <pre>{@code
 * @ExtendWith(AlipaySandboxExtension.class)       // one sandbox per class, reset before each test
 * class CheckoutTest {
 *     @Test
 *     void pays(AlipaySandbox sandbox, AlipayClient client) throws Exception {
 *         AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
 *         request.setBizContent("{\"out_trade_no\":\"T1\",\"total_amount\":\"88.88\",\"subject\":\"demo\"}");
 *         AlipayTradePrecreateResponse response = client.execute(request);
 *         assertEquals("10000", response.getCode());
 *         assertEquals("TRADE_SUCCESS", sandbox.scan(response.getQrCode(), true).get("trade_status"));
 *     }
 * }
 * }</pre>
 *
 * or, with options:
 *
 * <pre>{@code
 * @RegisterExtension
 * static AlipaySandboxExtension sandbox = AlipaySandboxExtension.perTest().keepTimeZone();
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 * {@link #perClass()} (the default, and what {@code @ExtendWith} gives): one sandbox for the test class (and its
 * {@code @Nested} classes), started before the first test (or {@code @BeforeAll} method) that needs it, {@link
 * AlipaySandbox#reset() reset} before every test after the first, stopped when the class is done. {@link
 * #perTest()}: a fresh sandbox for each test, stopped after it. Register it on a {@code static} field; a
 * per-class sandbox can then also be injected into {@code @BeforeAll} methods. (On a non-static field JUnit makes
 * a new extension per test instance, which never sees the class: its sandbox is then per test.)
 *
 * <h2>Parameters it injects</h2>
 * <ul>
 *   <li>{@link AlipaySandbox}: the sandbox;</li>
 *   <li>{@link SandboxApp}: the default app's configuration;</li>
 *   <li>{@link NotificationReceiver}: a {@code notify_url} on loopback, started for the test (the same one in
 *       its {@code @BeforeEach} methods; one for the whole class when asked for in {@code @BeforeAll}) and
 *       stopped after it;</li>
 *   <li>{@code com.alipay.api.AlipayClient}, {@code AbstractAlipayClient} or {@code DefaultAlipayClient} of
 *       Alipay's official Java SDK, when it is on the test classpath: a new client for the default app (JSON,
 *       UTF-8, RSA2, response verification on with the sandbox's Alipay public key), built by reflection: this
 *       library does not depend on the SDK.</li>
 * </ul>
 *
 * <h2>Failures</h2>
 * When a test fails, the last lines of the sandbox's log ({@code DIR/sandbox.log}) are printed to standard error.
 *
 * <h2>Time zone</h2>
 * While a sandbox runs, the JVM's default time zone is {@code Asia/Shanghai} (Beijing time, what Alipay reads;
 * see {@link AlipaySandbox}), restored when it stops; {@link #keepTimeZone()} leaves it alone.
 */
public class AlipaySandboxExtension
        implements BeforeAllCallback, BeforeEachCallback, AfterTestExecutionCallback, ParameterResolver {
    /** One sandbox per test class, or one per test. */
    public enum Lifecycle {
        /** One sandbox for the class, reset between tests. */
        PER_CLASS,
        /** A fresh sandbox for every test. */
        PER_TEST
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(AlipaySandboxExtension.class);

    private final Lifecycle lifecycle;
    private final AlipaySandbox.Builder options;
    private final Object key = new Object(); // this extension's sandbox in the store (one per instance)
    private volatile boolean beforeAllSeen; // false for an instance registered on a non-static field

    /** One sandbox per class with the default options: what {@code @ExtendWith(AlipaySandboxExtension.class)} uses. */
    public AlipaySandboxExtension() {
        this(Lifecycle.PER_CLASS);
    }

    private AlipaySandboxExtension(Lifecycle lifecycle) {
        this.lifecycle = lifecycle;
        this.options = AlipaySandbox.builder();
    }

    /** @return an extension with one sandbox per test class, reset between tests */
    public static AlipaySandboxExtension perClass() {
        return new AlipaySandboxExtension(Lifecycle.PER_CLASS);
    }

    /** @return an extension with a fresh sandbox for every test */
    public static AlipaySandboxExtension perTest() {
        return new AlipaySandboxExtension(Lifecycle.PER_TEST);
    }

    /** @return this extension's lifecycle */
    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * @param binary the {@code alipay} binary (default: {@link AlipaySandbox#findBinary()})
     * @return this extension
     */
    public AlipaySandboxExtension binary(Path binary) {
        options.binary(binary);
        return this;
    }

    /**
     * @param scale the notification retry schedule's multiplier (default 0.001)
     * @return this extension
     */
    public AlipaySandboxExtension notifyTimeScale(double scale) {
        options.notifyTimeScale(scale);
        return this;
    }

    /**
     * @param seconds the accepted {@code timestamp} distance (sandbox default 1800)
     * @return this extension
     */
    public AlipaySandboxExtension timestampSkew(int seconds) {
        options.timestampSkew(seconds);
        return this;
    }

    /**
     * @param zoneId the JVM default time zone while the sandbox runs (default {@code Asia/Shanghai}); {@code null}
     *     leaves it alone
     * @return this extension
     */
    public AlipaySandboxExtension timeZone(String zoneId) {
        options.timeZone(zoneId);
        return this;
    }

    /** @return this extension, leaving the JVM's default time zone alone */
    public AlipaySandboxExtension keepTimeZone() {
        options.keepTimeZone();
        return this;
    }

    /**
     * @param name an environment variable for the sandbox process (e.g. {@code RUST_LOG})
     * @param value its value
     * @return this extension
     */
    public AlipaySandboxExtension env(String name, String value) {
        options.env(name, value);
        return this;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * The sandbox of the current class (per-class) or test (per-test), started if it is not yet; for use in
     * {@code @BeforeEach} methods of classes that keep the extension in a field.
     *
     * @param context the current extension context
     * @return the sandbox
     */
    public AlipaySandbox sandbox(ExtensionContext context) {
        return running(context).sandbox;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        beforeAllSeen = true;
        if (lifecycle == Lifecycle.PER_CLASS) {
            running(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Running running = running(context);
        if (lifecycle == Lifecycle.PER_CLASS && running.testsStarted++ > 0) {
            running.sandbox.reset(); // trades, buyers, apps, faults, notifications, clock offset
        }
    }

    /** A failed test prints the end of the sandbox's log (its diagnosis of a refused call is there too). */
    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isEmpty()) {
            return;
        }
        Running running = context.getStore(NAMESPACE).get(key, Running.class);
        if (running != null) {
            System.err.println("[" + context.getDisplayName() + " failed; last lines of " + running.sandbox.dataDir()
                    .resolve("sandbox.log") + "]\n" + running.sandbox.logTail(20));
        }
    }

    private Running running(ExtensionContext context) {
        ExtensionContext owner;
        // Registered on a non-static field (a new extension instance per test instance, never told about the
        // class), a per-class sandbox would outlive its test by the whole class: it is per test instead.
        boolean perClass = lifecycle == Lifecycle.PER_CLASS && (beforeAllSeen || context.getTestMethod().isEmpty());
        if (perClass) {
            owner = context;
            while (owner.getTestMethod().isPresent() && owner.getParent().isPresent()) {
                owner = owner.getParent().get();
            }
        } else {
            if (context.getTestMethod().isEmpty()) {
                throw new ParameterResolutionException("a per-test AlipaySandbox exists only inside a test: inject it "
                        + "into the test or @BeforeEach method, not @BeforeAll or a constructor");
            }
            owner = context;
        }
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent(key, k -> new Running(options.start()), Running.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == AlipaySandbox.class || type == SandboxApp.class || type == NotificationReceiver.class
                || OfficialSdk.isClientType(type.getName());
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Parameter parameter = parameterContext.getParameter();
        Class<?> type = parameter.getType();
        if (type == NotificationReceiver.class) {
            // One per test, shared by its @BeforeEach methods (or one per class when asked for in @BeforeAll or a
            // constructor, then also the tests'), stopped with its context.
            return extensionContext.getStore(NAMESPACE)
                    .getOrComputeIfAbsent(Receiver.class, k -> new Receiver(NotificationReceiver.start()), Receiver.class)
                    .receiver;
        }
        AlipaySandbox sandbox = running(extensionContext).sandbox;
        if (type == AlipaySandbox.class) {
            return sandbox;
        }
        if (type == SandboxApp.class) {
            return sandbox.defaultApp();
        }
        try {
            return sandbox.officialClient(type);
        } catch (SandboxException e) {
            throw new ParameterResolutionException("cannot build " + type.getName() + " for "
                    + Optional.ofNullable(parameter.getName()).orElse("a parameter") + ": " + e.getMessage(), e);
        }
    }

    /**
     * A sandbox in a JUnit store: stopped when its class or test is done. Both interfaces: JUnit before 5.13 closes
     * only {@code CloseableResource}s, 5.13+ prefers {@code AutoCloseable} (and warns about the other alone); the
     * close is idempotent.
     */
    @SuppressWarnings("deprecation")
    private static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final AlipaySandbox sandbox;
        int testsStarted;

        Running(AlipaySandbox sandbox) {
            this.sandbox = sandbox;
        }

        @Override
        public void close() {
            sandbox.stop();
        }
    }

    @SuppressWarnings("deprecation")
    private static final class Receiver implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final NotificationReceiver receiver;

        Receiver(NotificationReceiver receiver) {
            this.receiver = receiver;
        }

        @Override
        public void close() {
            receiver.stop();
        }
    }
}
