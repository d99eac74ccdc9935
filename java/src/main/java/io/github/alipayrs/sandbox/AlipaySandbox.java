package io.github.alipayrs.sandbox;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One local Alipay gateway ({@code alipay sandbox} of alipay-rs) in a child process, its credentials and its
 * simulation controls (the admin API, {@code /admin/...}).
 *
 * <p>{@link #start()} (or {@link #builder()}{@code ...start()}) runs the binary on {@code 127.0.0.1:0} (the OS picks
 * a free port) with a fresh temporary data directory, waits until it has written {@code app.json} and answers
 * its admin API, and returns. {@link #close()} stops it (Ctrl-C, then a kill after 10 s) and deletes the
 * temporary directory. In JUnit 5, {@link AlipaySandboxExtension} does both and injects the sandbox.
 *
 * <pre>{@code
 * try (AlipaySandbox sandbox = AlipaySandbox.start()) {
 *     AlipayClient client = new DefaultAlipayClient(sandbox.gatewayUrl(), sandbox.appId(),
 *             sandbox.privateKey(), "json", "utf-8", sandbox.alipayPublicKey(), "RSA2");
 *     // ... precreate, then the buyer pays:
 *     sandbox.scan(qrCode, true);
 * }
 * }</pre>
 *
 * <h2>Time zone</h2>
 * Alipay reads every {@code timestamp} as Beijing time (UTC+8), where merchants' servers run; the Python and
 * Node SDKs stamp host-local time, which a UTC CI machine gets 8 hours wrong. Alipay's Java SDK (checked in
 * 4.40.0.ALL: {@code AbstractAlipayClient.getRequestHolderWithSign} formats with
 * {@code AlipayConstants.DATE_TIMEZONE = "GMT+8"}) already stamps Beijing time; code of your own that formats
 * dates for Alipay with the JVM's default zone ({@code time_expire}, {@code new SimpleDateFormat(...)}) does
 * not. So, as the Node helper sets {@code TZ}, the sandbox sets the JVM's default time zone
 * ({@link TimeZone#setDefault(TimeZone)}) to {@code Asia/Shanghai} from {@link #start()} to {@link #close()}, and
 * then restores the previous one; {@link Builder#keepTimeZone()} leaves it alone, {@link Builder#timeZone(String)}
 * picks another. The default zone is global to the JVM: run tests that rely on it in one thread.
 *
 * <h2>Finding the binary</h2>
 * See {@link #findBinary()}.
 */
public final class AlipaySandbox implements AutoCloseable {
    /** The time zone Alipay reads timestamps in, and the default of {@link Builder#timeZone(String)}. */
    public static final String BEIJING = "Asia/Shanghai";

    private static final String EXE = System.getProperty("os.name", "").toLowerCase().startsWith("windows")
            ? "alipay.exe" : "alipay";

    private final Builder options;
    private final Path dataDir;
    private final Path tmpDir;
    private final Process process;
    private final Thread shutdownHook;
    private final HttpClient http;
    private volatile Map<String, Object> info;
    private TimeZone previousTimeZone;
    private TimeZone setTimeZone;
    private boolean stopped;

    private AlipaySandbox(Builder options, Path dataDir, Path tmpDir, Process process, Thread shutdownHook) {
        this.options = options;
        this.dataDir = dataDir;
        this.tmpDir = tmpDir;
        this.process = process;
        this.shutdownHook = shutdownHook;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Starting and stopping

    /**
     * Starts a sandbox with the default options ({@link #builder()}).
     *
     * @return the running sandbox
     * @throws SandboxException when the binary is missing, exits, or does not answer in time
     */
    public static AlipaySandbox start() {
        return builder().start();
    }

    /** @return options for {@link Builder#start()} */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a sandbox; {@link #start()} runs it. */
    public static final class Builder {
        private Path binary;
        private Path dataDir;
        private String host = "127.0.0.1";
        private int port = 0;
        private double notifyTimeScale = 0.001;
        private Integer timestampSkew;
        private Duration startupTimeout = Duration.ofSeconds(30);
        private final Map<String, String> env = new LinkedHashMap<>();
        private String timeZone = BEIJING;

        private Builder() {}

        Builder copy() {
            Builder b = new Builder();
            b.binary = binary;
            b.dataDir = dataDir;
            b.host = host;
            b.port = port;
            b.notifyTimeScale = notifyTimeScale;
            b.timestampSkew = timestampSkew;
            b.startupTimeout = startupTimeout;
            b.env.putAll(env);
            b.timeZone = timeZone;
            return b;
        }

        /**
         * @param binary the {@code alipay} binary (default: {@link AlipaySandbox#findBinary()})
         * @return this builder
         */
        public Builder binary(Path binary) {
            this.binary = binary;
            return this;
        }

        /**
         * @param dataDir a data directory to use and keep (its state survives restarts); default: a new
         *     temporary directory, deleted by {@link AlipaySandbox#close()}
         * @return this builder
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /**
         * @param host the loopback address to listen on (default {@code 127.0.0.1}; off loopback the admin API
         *     would need the admin token, which this class does not send)
         * @return this builder
         */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /**
         * @param port the port; {@code 0} (default) lets the OS choose a free one
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * @param scale multiplier of the notification retry schedule (4m, 10m, ...); the default 0.001 turns
         *     the first retry into 0.24 s
         * @return this builder
         */
        public Builder notifyTimeScale(double scale) {
            this.notifyTimeScale = scale;
            return this;
        }

        /**
         * @param seconds accepted distance between a request's {@code timestamp} and the clock (the sandbox's
         *     default is 1800)
         * @return this builder
         */
        public Builder timestampSkew(int seconds) {
            this.timestampSkew = seconds;
            return this;
        }

        /**
         * @param timeout how long to wait for the sandbox to answer (default 30 s)
         * @return this builder
         */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /**
         * @param name an environment variable for the child (e.g. {@code RUST_LOG})
         * @param value its value
         * @return this builder
         */
        public Builder env(String name, String value) {
            this.env.put(name, value);
            return this;
        }

        /**
         * @param zoneId the JVM default time zone while the sandbox runs (default {@value #BEIJING}); {@code
         *     null} leaves it alone
         * @return this builder
         */
        public Builder timeZone(String zoneId) {
            this.timeZone = zoneId;
            return this;
        }

        /** @return this builder, leaving the JVM's default time zone alone */
        public Builder keepTimeZone() {
            return timeZone(null);
        }

        /**
         * Starts the process and waits until it answers.
         *
         * @return the running sandbox
         * @throws SandboxException when the binary is missing, exits, or does not answer in time
         */
        public AlipaySandbox start() {
            return AlipaySandbox.launch(copy());
        }
    }

    private static AlipaySandbox launch(Builder o) {
        Path binary = o.binary != null ? o.binary : findBinary();
        Path tmp = null;
        Path dir;
        try {
            if (o.dataDir != null) {
                dir = o.dataDir;
                Files.createDirectories(dir);
            } else {
                tmp = Files.createTempDirectory("alipay-sandbox-");
                dir = tmp;
            }
            Path appJson = dir.resolve("app.json");
            Files.deleteIfExists(appJson); // a previous run's names another port
            List<String> args = new ArrayList<>(List.of(binary.toString(), "sandbox", "--data", dir.toString(),
                    "--listen", o.host + ":" + o.port, "--notify-time-scale", Double.toString(o.notifyTimeScale)));
            if (o.timestampSkew != null) {
                args.add("--timestamp-skew");
                args.add(Integer.toString(o.timestampSkew));
            }
            ProcessBuilder pb = new ProcessBuilder(args);
            pb.environment().putIfAbsent("NO_COLOR", "1"); // the log is a file: no terminal colours
            pb.environment().putAll(o.env);
            pb.redirectInput(ProcessBuilder.Redirect.PIPE);
            // stdout repeats the credentials (private key included): discarded. The log (stderr) goes to a file.
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("sandbox.log").toFile()));
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new SandboxException("cannot run " + binary + ": " + e.getMessage(), e);
            }
            process.getOutputStream().close();
            final Path tmpDir = tmp;
            // A JVM that exits without close() must not leave the gateway running.
            Thread hook = new Thread(() -> {
                process.destroyForcibly();
                if (tmpDir != null) {
                    deleteTree(tmpDir);
                }
            }, "alipay-sandbox-kill");
            Runtime.getRuntime().addShutdownHook(hook);
            AlipaySandbox sandbox = new AlipaySandbox(o, dir, tmp, process, hook);
            try {
                sandbox.awaitReady(appJson, o.startupTimeout);
            } catch (RuntimeException | Error e) {
                sandbox.close();
                throw e;
            }
            sandbox.applyTimeZone();
            return sandbox;
        } catch (IOException e) {
            if (tmp != null) {
                deleteTree(tmp);
            }
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Path appJson, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastError = null;
        while (true) {
            if (Files.isRegularFile(appJson)) {
                try {
                    info = Json.object(Json.parse(Files.readString(appJson, StandardCharsets.UTF_8)), "app.json");
                    break;
                } catch (IOException | RuntimeException e) {
                    lastError = e.toString(); // being written: read it again
                }
            }
            if (!process.isAlive()) {
                throw new SandboxException("`alipay sandbox` exited with status " + process.exitValue() + ":\n"
                        + logTail(30));
            }
            if (System.nanoTime() > deadline) {
                throw new SandboxException("`alipay sandbox` did not start in " + timeout.toMillis() + " ms"
                        + (lastError != null ? " (" + lastError + ")" : "") + ":\n" + logTail(30));
            }
            sleep(20);
        }
        // app.json is written once the socket is bound; one admin round trip proves it serves.
        admin("clock");
    }

    private void applyTimeZone() {
        if (options.timeZone != null) {
            previousTimeZone = TimeZone.getDefault();
            setTimeZone = TimeZone.getTimeZone(options.timeZone);
            TimeZone.setDefault(setTimeZone);
        }
    }

    private void restoreTimeZone() {
        if (setTimeZone != null) {
            // Only if nobody changed it since (another sandbox started later restores its own first).
            if (TimeZone.getDefault().getID().equals(setTimeZone.getID())) {
                TimeZone.setDefault(previousTimeZone);
            }
            setTimeZone = null;
        }
    }

    /**
     * Stops the process (Ctrl-C so that its store closes cleanly, then a kill after 10 s), restores the JVM's
     * default time zone and deletes the temporary data directory. Safe to call twice.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        if (process.isAlive()) {
            interrupt(process);
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        restoreTimeZone();
        if (tmpDir != null) {
            deleteTree(tmpDir);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Sends SIGINT (what Ctrl-C sends: the sandbox stops cleanly on it); elsewhere a plain destroy. */
    private static void interrupt(Process process) {
        if (!EXE.endsWith(".exe")) {
            try {
                Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0) {
                    return;
                }
            } catch (IOException e) {
                // no kill(1): fall through
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process.destroy();
    }

    /** @return whether the child process is alive */
    public boolean isRunning() {
        return process.isAlive();
    }

    /** @return the child's process id */
    public long pid() {
        return process.pid();
    }

    /**
     * @param lines how many lines
     * @return the last {@code lines} lines of {@code DIR/sandbox.log} (the sandbox's log)
     */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dataDir.resolve("sandbox.log"), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Finding the binary

    /**
     * The {@code alipay} binary, looked for as the Node helper does: the system property {@code alipay.bin} or
     * the environment variable {@code ALIPAY_BIN}; else {@code alipay} on {@code PATH} (an activated venv where
     * {@code pip install ./python} put it); else the one the Python package {@code alipay_sandbox} finds for
     * {@code ALIPAY_PYTHON} (default {@code python3}, then {@code python}); else {@code target/release} or
     * {@code target/debug} of an alipay-rs checkout (a directory with {@code Cargo.toml}) at or above the working
     * directory, or above this library's jar or classes.
     *
     * @return the binary
     * @throws SandboxException when there is none
     */
    public static Path findBinary() {
        List<Path> roots = new ArrayList<>();
        roots.add(Paths.get(System.getProperty("user.dir", ".")));
        try {
            java.security.CodeSource source = AlipaySandbox.class.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null) {
                roots.add(Paths.get(source.getLocation().toURI()));
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // not a file location
        }
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        String property = System.getProperty("alipay.bin");
        if (property != null && !property.isEmpty()) {
            env.put("ALIPAY_BIN", property);
        }
        return findBinary(env, roots);
    }

    /**
     * {@link #findBinary()} with the given environment and checkout search roots (for tests).
     *
     * @param env environment variables ({@code ALIPAY_BIN}, {@code PATH}, {@code ALIPAY_PYTHON})
     * @param roots directories whose ancestors may be an alipay-rs checkout
     * @return the binary
     * @throws SandboxException when there is none
     */
    static Path findBinary(Map<String, String> env, List<Path> roots) {
        String explicit = env.get("ALIPAY_BIN");
        if (explicit != null && !explicit.isEmpty()) {
            Path p = Paths.get(explicit);
            if (!Files.isRegularFile(p)) {
                throw new SandboxException("ALIPAY_BIN=" + explicit + " is not a file");
            }
            return p;
        }
        String path = env.getOrDefault("PATH", env.getOrDefault("Path", ""));
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(dir, EXE);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String pythonVar = env.get("ALIPAY_PYTHON");
        List<String> pythons = pythonVar != null && !pythonVar.isEmpty() ? List.of(pythonVar) : List.of("python3", "python");
        for (String python : pythons) {
            Path found = fromPython(python, env);
            if (found != null) {
                return found;
            }
        }
        for (Path root : roots) {
            for (Path dir = root.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
                if (!Files.isRegularFile(dir.resolve("Cargo.toml"))) {
                    continue;
                }
                for (String profile : new String[] {"release", "debug"}) {
                    Path built = dir.resolve("target").resolve(profile).resolve(EXE);
                    if (Files.isRegularFile(built)) {
                        return built;
                    }
                }
            }
        }
        throw new SandboxException("the `alipay` binary was not found: `pip install ./python` from an alipay-rs "
                + "checkout (then activate the venv or set ALIPAY_PYTHON), `cargo build --release -p alipay-cli`, "
                + "or set ALIPAY_BIN (or -Dalipay.bin=...)");
    }

    private static Path fromPython(String python, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(python, "-c",
                    "import alipay_sandbox; print(alipay_sandbox.find_binary())");
            pb.environment().clear();
            pb.environment().putAll(env);
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.redirectInput(ProcessBuilder.Redirect.PIPE);
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() == 0 && !out.isEmpty() && Files.isRegularFile(Paths.get(out))) {
                return Paths.get(out);
            }
        } catch (IOException e) {
            // no such interpreter
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Credentials (DIR/app.json)

    private String field(String name) {
        Object v = info.get(name);
        if (!(v instanceof String) || ((String) v).isEmpty()) {
            throw new SandboxException("app.json has no '" + name + "': is the `alipay` binary older than this library?");
        }
        return (String) v;
    }

    /** @return a copy of {@code DIR/app.json} as read at start ({@code buyer_user_id} follows {@link #reset()}) */
    public Map<String, Object> appJson() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(info));
    }

    /** @return the default app's client configuration (keys in the forms the Java SDK takes) */
    public SandboxApp defaultApp() {
        return new SandboxApp(info);
    }

    /** @return the data directory ({@code app.json}, {@code sandbox.db}, {@code sandbox.log}) */
    public Path dataDir() {
        return dataDir;
    }

    /** @return {@code http://127.0.0.1:PORT/gateway.do} */
    public String gatewayUrl() {
        return field("gateway_url");
    }

    /** @return {@code http://127.0.0.1:PORT} (the admin API is under {@code /admin/}, the wallet at {@code /wallet}) */
    public String baseUrl() {
        String url = gatewayUrl();
        return url.endsWith("/gateway.do") ? url.substring(0, url.length() - "/gateway.do".length()) : url;
    }

    /** @return the default app's id */
    public String appId() {
        return field("app_id");
    }

    /** @return the default app's private key: PKCS#8 as bare base64 on one line, as {@code DefaultAlipayClient} takes it */
    public String privateKey() {
        return SandboxApp.pemBody(field("app_private_key"));
    }

    /** @return the default app's private key, PKCS#8 PEM */
    public String privateKeyPem() {
        return field("app_private_key");
    }

    /** @return the default app's public key, SPKI PEM */
    public String appPublicKeyPem() {
        return field("app_public_key");
    }

    /** @return the sandbox's Alipay public key (SPKI) as bare base64 on one line: verifies answers and notifications */
    public String alipayPublicKey() {
        return SandboxApp.pemBody(field("alipay_public_key"));
    }

    /** @return the sandbox's Alipay public key, SPKI PEM */
    public String alipayPublicKeyPem() {
        return field("alipay_public_key");
    }

    /** @return {@code RSA2} */
    public String signType() {
        return field("sign_type");
    }

    /** @return {@code utf-8} */
    public String charset() {
        return field("charset");
    }

    /**
     * The default app's merchant PID ({@code seller_id} of its trades).
     *
     * <p>{@link #reset()} keeps the default app's merchant and names it in its answer ({@code merchant_pid});
     * against an older sandbox whose reset answer does not, this throws after a reset rather than answer a PID
     * that may no longer exist.
     *
     * @return the PID
     * @throws SandboxException after a reset whose answer did not name it
     */
    public String merchantPid() {
        if (info.get("merchant_pid") == null) {
            throw new SandboxException("the default app's merchant PID is unknown after reset(): the sandbox's "
                    + "reset answer does not name the new merchant (app.json still names the old one)");
        }
        return field("merchant_pid");
    }

    /** @return the default buyer (10000.00 balance, password-free limit 2000.00); a new one after {@link #reset()} */
    public String buyerUserId() {
        return field("buyer_user_id");
    }

    /**
     * A ready {@code com.alipay.api.DefaultAlipayClient} for the default app (built by reflection: the official
     * SDK must be on the classpath): {@code new DefaultAlipayClient(gatewayUrl(), appId(), privateKey(), "json",
     * "utf-8", alipayPublicKey(), "RSA2")}.
     *
     * @param type {@code AlipayClient.class} or {@code DefaultAlipayClient.class}
     * @param <T> the type
     * @return the client
     */
    public <T> T officialClient(Class<T> type) {
        return defaultApp().officialClient(type);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Admin API

    /**
     * {@code GET /admin/PATH}.
     *
     * @param path the route below {@code /admin/}
     * @return the JSON answer (see {@link Json})
     */
    public Object admin(String path) {
        return admin("GET", path, null, null);
    }

    /**
     * {@code POST /admin/PATH} with {@code body} as JSON.
     *
     * @param path the route below {@code /admin/}
     * @param body the JSON body
     * @return the JSON answer (see {@link Json})
     */
    public Object admin(String path, Map<String, ?> body) {
        return admin("POST", path, body, null);
    }

    /**
     * Calls {@code /admin/PATH}.
     *
     * @param method {@code GET}, {@code POST} or {@code DELETE}
     * @param path the route below {@code /admin/}
     * @param body the JSON body of a POST ({@code null}: {@code {}})
     * @param query query parameters ({@code null} values left out), or {@code null}
     * @return the JSON answer (see {@link Json}), {@code null} for an empty one
     * @throws AdminException on a 4xx/5xx answer
     */
    public Object admin(String method, String path, Map<String, ?> body, Map<String, ?> query) {
        String route = path.startsWith("/") ? path.substring(1) : path;
        StringBuilder url = new StringBuilder(baseUrl()).append("/admin/").append(route);
        if (query != null) {
            char sep = '?';
            for (Map.Entry<String, ?> e : query.entrySet()) {
                if (e.getValue() == null) {
                    continue;
                }
                url.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(String.valueOf(e.getValue()), StandardCharsets.UTF_8));
                sep = '&';
            }
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.toString())).timeout(Duration.ofSeconds(30));
        String verb = method.toUpperCase(java.util.Locale.ROOT);
        if (verb.equals("POST")) {
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body != null ? body : Map.of()), StandardCharsets.UTF_8));
        } else {
            request.method(verb, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SandboxException("admin " + route + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("admin " + route + ": interrupted", e);
        }
        String text = response.body();
        Object answer;
        try {
            answer = text.isBlank() ? null : Json.parse(text);
        } catch (IllegalArgumentException notJson) {
            answer = text;
        }
        if (response.statusCode() >= 400) {
            throw new AdminException(response.statusCode(), route, answer);
        }
        if (answer instanceof String && !text.isBlank() && !text.trim().startsWith("\"")) {
            throw new SandboxException("admin " + route + ": the answer is not JSON: " + text);
        }
        return answer;
    }

    private Map<String, Object> adminObject(String method, String path, Map<String, ?> body, Map<String, ?> query) {
        return Json.object(admin(method, path, body, query), "admin " + path);
    }

    /**
     * Wipes trades, buyers, apps, notifications, faults and the clock offset; keeps the keys and the default app
     * (same id and key) and creates a new default buyer ({@link #buyerUserId()} follows).
     *
     * @return {@code {app_id, buyer_user_id}}
     */
    public Map<String, Object> reset() {
        Map<String, Object> answer = adminObject("POST", "reset", null, null);
        Map<String, Object> updated = new LinkedHashMap<>(info);
        if (answer.get("buyer_user_id") != null) {
            updated.put("buyer_user_id", answer.get("buyer_user_id"));
        }
        // The reset answer names the default app's merchant (the same PID); an older sandbox's did not: then
        // forget it rather than answer a stale one.
        updated.put("merchant_pid", answer.get("merchant_pid"));
        info = updated;
        return answer;
    }

    /**
     * Creates a buyer ({@code POST /admin/buyers}).
     *
     * @param balance its balance in yuan, e.g. {@code "100.00"}
     * @return {@code {user_id, logon_id, balance, password_free_limit}}
     */
    public Map<String, Object> createBuyer(String balance) {
        return createBuyer(Map.of("balance", balance));
    }

    /**
     * Creates a buyer with any members of {@code POST /admin/buyers} ({@code balance}, {@code
     * password_free_limit}, {@code logon_id}).
     *
     * @param body the request body
     * @return {@code {user_id, logon_id, balance, password_free_limit}}
     */
    public Map<String, Object> createBuyer(Map<String, ?> body) {
        return adminObject("POST", "buyers", body, null);
    }

    /**
     * @param userId a buyer
     * @return the buyer ({@code balance}, {@code available_balance}, ...)
     */
    public Map<String, Object> buyer(String userId) {
        return adminObject("GET", "buyers/" + userId, null, null);
    }

    /** @return a single-use payment code ({@code auth_code}) of the default buyer, valid 10 minutes */
    public String paymentCode() {
        return paymentCode(buyerUserId(), null);
    }

    /**
     * @param userId the buyer
     * @param ttlSecs its validity in seconds, or {@code null} for the default (10 minutes)
     * @return a single-use payment code ({@code auth_code}) of that buyer
     */
    public String paymentCode(String userId, Integer ttlSecs) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (ttlSecs != null) {
            body.put("ttl_secs", ttlSecs);
        }
        return (String) adminObject("POST", "buyers/" + userId + "/payment-codes", body, null).get("auth_code");
    }

    /**
     * The trade as stored (unscanned precreated trades too).
     *
     * @param locator which trade
     * @return {@code {trade_no, out_trade_no, trade_status, total_amount, buyer_id, qr_code, ...}}
     */
    public Map<String, Object> trade(TradeLocator locator) {
        return adminObject("GET", "trades", null, locator.toMap());
    }

    /**
     * @param outTradeNo the default app's order number
     * @return the trade, as {@link #trade(TradeLocator)}
     */
    public Map<String, Object> trade(String outTradeNo) {
        return trade(TradeLocator.outTradeNo(outTradeNo));
    }

    /**
     * The default buyer scans a precreated QR code ({@code WAIT_BUYER_PAY}).
     *
     * @param qrCode the {@code qr_code} of a precreate answer
     * @return the trade
     */
    public Map<String, Object> scan(String qrCode) {
        return scan(TradeLocator.qrCode(qrCode), null, false);
    }

    /**
     * The default buyer scans a precreated QR code and, with {@code confirm}, pays ({@code TRADE_SUCCESS}).
     *
     * @param qrCode the {@code qr_code} of a precreate answer
     * @param confirm pay at once
     * @return the trade
     */
    public Map<String, Object> scan(String qrCode, boolean confirm) {
        return scan(TradeLocator.qrCode(qrCode), null, confirm);
    }

    /**
     * A buyer scans a precreated trade.
     *
     * @param locator which trade (usually {@link TradeLocator#qrCode(String)})
     * @param buyerId the buyer, or {@code null} for the default one
     * @param confirm pay at once
     * @return the trade
     */
    public Map<String, Object> scan(TradeLocator locator, String buyerId, boolean confirm) {
        Map<String, Object> body = locator.toMap();
        if (buyerId != null) {
            body.put("buyer_id", buyerId);
        }
        if (confirm) {
            body.put("confirm", true);
        }
        return adminObject("POST", "trades/scan", body, null);
    }

    /**
     * The buyer confirms a waiting payment: {@code TRADE_SUCCESS}, the notification is queued.
     *
     * @param locator which trade
     * @return the trade
     * @throws AdminException 409 when the balance is short
     */
    public Map<String, Object> confirm(TradeLocator locator) {
        return adminObject("POST", "trades/confirm", locator.toMap(), null);
    }

    /**
     * The buyer refuses a waiting payment: {@code TRADE_CLOSED}.
     *
     * @param locator which trade
     * @return the trade
     */
    public Map<String, Object> refuse(TradeLocator locator) {
        return adminObject("POST", "trades/refuse", locator.toMap(), null);
    }

    /** @return {@code {now, offset_secs}}: the sandbox clock ({@code now} in Beijing time, {@code yyyy-MM-dd HH:mm:ss}) */
    public Map<String, Object> clock() {
        return adminObject("GET", "clock", null, null);
    }

    /**
     * Moves the sandbox clock forward and applies the timeouts that passed.
     *
     * @param seconds how far ({@code >= 0})
     * @return {@code {now, offset_secs, swept}}
     */
    public Map<String, Object> advanceClock(long seconds) {
        return adminObject("POST", "clock/advance", Map.of("seconds", seconds), null);
    }

    /** @return {@code {swept}}: timeouts and refund-window ends applied now */
    public Map<String, Object> sweep() {
        return adminObject("POST", "sweep", null, null);
    }

    /**
     * Makes the next call of {@code method} fail as {@code kind}.
     *
     * @param method a gateway method, or {@code "*"}
     * @param kind {@code unknown_error}, {@code in_process}, {@code system_error}, {@code latency}, {@code
     *     drop_after_commit} or {@code notify_first}
     * @return {@code {pending: [...]}}
     */
    public Map<String, Object> injectFault(String method, String kind) {
        return injectFault(method, kind, 1);
    }

    /**
     * Makes the next {@code count} calls of {@code method} fail as {@code kind}.
     *
     * @param method a gateway method, or {@code "*"}
     * @param kind see {@link #injectFault(String, String)}
     * @param count how many calls
     * @return {@code {pending: [...]}}
     */
    public Map<String, Object> injectFault(String method, String kind, int count) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("method", method);
        body.put("kind", kind);
        body.put("count", count);
        return injectFault(body);
    }

    /**
     * Injects a fault with any members of {@code POST /admin/faults} ({@code method}, {@code kind}, {@code count},
     * {@code latency_ms}, {@code execute}).
     *
     * @param fault the request body
     * @return {@code {pending: [...]}}
     */
    public Map<String, Object> injectFault(Map<String, ?> fault) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", 1);
        body.putAll(fault);
        return adminObject("POST", "faults", body, null);
    }

    /** @return {@code {pending: [...]}}: the faults still waiting to fire */
    public Map<String, Object> faults() {
        return adminObject("GET", "faults", null, null);
    }

    /** @return {@code {pending: []}}: every pending fault dropped */
    public Map<String, Object> clearFaults() {
        return adminObject("DELETE", "faults", null, null);
    }

    /** @return every notification (at most 100) with its delivery log */
    public List<Map<String, Object>> notifications() {
        return notifications(null);
    }

    /**
     * Notifications with their delivery log: {@code [{notify_id, out_trade_no, url, status (pending, delivered,
     * failed), attempts, params, deliveries: [...]}]}.
     *
     * @param outTradeNo only those of this order number (red packets: the operation's {@code out_order_no}), or
     *     {@code null}
     * @return the notifications
     */
    public List<Map<String, Object>> notifications(String outTradeNo) {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("out_trade_no", outTradeNo);
        return Json.objects(admin("GET", "notifications", null, query), "admin notifications");
    }

    /**
     * Polls {@link #notifications(String)} until {@code count} of them have {@code status}.
     *
     * @param outTradeNo only those of this order number, or {@code null}
     * @param status {@code delivered}, {@code pending} or {@code failed}
     * @param count how many
     * @param timeout how long to wait
     * @return the matching notifications
     * @throws SandboxException when they do not come in time (with what was seen)
     */
    public List<Map<String, Object>> waitForNotifications(String outTradeNo, String status, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Map<String, Object>> seen = notifications(outTradeNo);
            List<Map<String, Object>> matching = new ArrayList<>();
            for (Map<String, Object> n : seen) {
                if (status.equals(n.get("status"))) {
                    matching.add(n);
                }
            }
            if (matching.size() >= count) {
                return matching;
            }
            if (System.nanoTime() > deadline) {
                throw new SandboxException("waited " + timeout.toMillis() + " ms for " + count + " " + status
                        + " notification(s); seen: " + Json.write(seen));
            }
            sleep(50);
        }
    }

    /**
     * One delivered notification of {@code outTradeNo}, waiting up to 10 s.
     *
     * @param outTradeNo the order number
     * @return the notifications delivered
     */
    public List<Map<String, Object>> waitForNotifications(String outTradeNo) {
        return waitForNotifications(outTradeNo, "delivered", 1, Duration.ofSeconds(10));
    }

    /**
     * Registers an app ({@code POST /admin/apps}); with a generated key (no {@link AppOptions#publicKey(String)})
     * the answer is a complete client configuration.
     *
     * @param options what to register
     * @return the app
     */
    public SandboxApp createApp(AppOptions options) {
        return new SandboxApp(adminObject("POST", "apps", options.toMap(), null));
    }

    /**
     * Issues a new Alipay key and certificate ({@code POST /admin/alipay-cert/rotate}): certificate-mode answers
     * are signed with it from now on; older certificates stay downloadable with {@code
     * alipay.open.app.alipaycert.download}, which the official SDK calls by itself on an unknown {@code
     * alipay_cert_sn}.
     *
     * @return {@code {alipay_cert_sn, alipay_cert, known_sns}}
     */
    public Map<String, Object> rotateAlipayCert() {
        return adminObject("POST", "alipay-cert/rotate", null, null);
    }

    @Override
    public String toString() {
        return "AlipaySandbox{" + (info != null ? info.get("gateway_url") : "starting") + ", pid " + process.pid() + "}";
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted", e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
