// Types of alipay-sandbox (index.js): the local Alipay gateway (alipay-rs `alipay sandbox`) for Node tests.

/** The sandbox could not be found, started or reached; or the admin API answered an error. */
export declare class SandboxError extends Error {
  /** HTTP status of an admin API error. */
  status?: number;
  /** The admin API's answer (`{error: ...}`). */
  answer?: unknown;
}

export interface StartOptions {
  /** The `alipay` binary (default: {@link findBinary}). */
  binary?: string;
  /** Data directory; default a new temporary one, deleted by `stop()`. A given one keeps its state. */
  dataDir?: string;
  /** Loopback address (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0: the OS picks a free one). */
  port?: number;
  /** Multiplier of the notification retry schedule (default 0.001: the 4 min first retry takes 0.24 s). */
  notifyTimeScale?: number;
  /** Accepted distance, in seconds, between a request's timestamp and the clock (sandbox default 1800). */
  timestampSkew?: number;
  /** Milliseconds to wait for the sandbox to answer (default 30000). */
  startupTimeoutMs?: number;
  /** Extra environment variables of the child (e.g. `{RUST_LOG: 'debug'}`). */
  env?: Record<string, string>;
  /**
   * `process.env.TZ` until `stop()` (default `Asia/Shanghai`): the official SDKs stamp requests with the host's
   * local time, Alipay reads Beijing time. `null` leaves the time zone alone.
   */
  timeZone?: string | null;
}

/** A trade: `out_trade_no` or `trade_no` (plus `app_id` of another app than the default), or `qr_code`. */
export interface TradeLocator {
  app_id?: string;
  trade_no?: string;
  out_trade_no?: string;
  qr_code?: string;
}

export interface AdminOptions {
  /** `GET`, `POST` or `DELETE` (default: POST with a body, GET without). */
  method?: string;
  /** Query parameters (`undefined`/`null` values left out). */
  query?: Record<string, string | number | boolean | null | undefined>;
}

/** Options for `new AlipaySdk(...)` of the official `alipay-sdk` (v4). */
export interface AlipaySdkConfig {
  appId: string;
  privateKey: string;
  keyType: 'PKCS8';
  alipayPublicKey: string;
  gateway: string;
  signType: string;
  [key: string]: unknown;
}

export interface Sandbox {
  /** `http://127.0.0.1:PORT/gateway.do`. */
  gatewayUrl: string;
  /** `http://127.0.0.1:PORT` (admin API under `/admin/`). */
  baseUrl: string;
  /** The default app's id. */
  appId: string;
  /** The default app's private key, PKCS#8 PEM (`keyType: 'PKCS8'` for alipay-sdk). */
  privateKey: string;
  /** The same key, PKCS#1 PEM. */
  privateKeyPkcs1: string;
  /** The default app's public key (SPKI PEM). */
  appPublicKey: string;
  /** The sandbox's Alipay public key (SPKI PEM): verifies answers and notifications. */
  alipayPublicKey: string;
  /** `RSA2`. */
  signType: string;
  /** `utf-8`. */
  charset: string;
  /** The default app's merchant PID. */
  merchantPid: string;
  /** The default buyer (10000.00 to spend); changes on `reset()`. */
  buyerUserId: string;
  /** The data directory (`app.json`, `sandbox.db`, `sandbox.log`). */
  dataDir: string;
  /** The child process id. */
  pid: number;
  /** Options for `new AlipaySdk(...)` for the default app; `extra` is merged in. */
  sdkConfig(extra?: Record<string, unknown>): AlipaySdkConfig;
  /** Calls `/admin/PATH`: POST of `body` as JSON when given, else GET; resolves to the JSON answer. */
  admin<T = any>(path: string, body?: unknown, options?: AdminOptions): Promise<T>;
  /** Wipes trades, buyers, faults, notifications, clock offset; same app and keys, a new default buyer. */
  reset(): Promise<{ app_id: string; buyer_user_id: string }>;
  /** A new buyer. */
  createBuyer(body?: { balance: string; password_free_limit?: string; logon_id?: string }): Promise<any>;
  /** A buyer as stored (default: the default buyer). */
  buyer(userId?: string): Promise<any>;
  /** A single-use payment code (`auth_code` of `alipay.trade.pay`) of a buyer (default: the default buyer). */
  paymentCode(userId?: string, ttlSecs?: number): Promise<string>;
  /** A trade as stored (also an unscanned precreate). */
  trade(locator: TradeLocator): Promise<any>;
  /** The buyer scans a QR code (`WAIT_BUYER_PAY`); `{confirm: true}` also pays. */
  scan(qrCode: string, options?: { buyer_id?: string; confirm?: boolean; app_id?: string }): Promise<any>;
  /** The buyer confirms a waiting payment (`TRADE_SUCCESS`, notification queued). */
  confirm(locator: TradeLocator): Promise<any>;
  /** The buyer refuses a waiting payment (`TRADE_CLOSED`). */
  refuse(locator: TradeLocator): Promise<any>;
  /** `{now, offset_secs}` (Beijing time). */
  clock(): Promise<{ now: string; offset_secs: number }>;
  /** Moves the sandbox clock forward and applies timeouts. */
  advanceClock(seconds: number): Promise<{ now: string; offset_secs: number; swept: unknown }>;
  /** The next `count` (default 1) calls of `method` (or `*`) fail as `kind`. */
  injectFault(fault: {
    method: string;
    kind: 'unknown_error' | 'in_process' | 'system_error' | 'latency' | 'drop_after_commit' | 'notify_first';
    count?: number;
    latency_ms?: number;
    execute?: boolean;
  }): Promise<{ pending: unknown[] }>;
  /** Drops every pending fault. */
  clearFaults(): Promise<{ pending: unknown[] }>;
  /** Notifications with their delivery log. */
  notifications(query?: { app_id?: string; out_trade_no?: string; limit?: number }): Promise<any[]>;
  /**
   * Runs an acceptance suite (`alipay accept run --suite SUITE --config DIR/app.json --json F -- COMMAND...`; with
   * `suite: 'lint'`, `alipay accept lint`) and resolves to the parsed JSON report. The command is the merchant:
   * it runs with `ALIPAY_ACCEPT_CASE` and `ALIPAY_ACCEPT_INSTRUCTION` (JSON: what to do) in its environment.
   *
   * ```js
   * const report = await sandbox.accept({ suite: 'refund', command: ['node', 'merchant.js'], pollInterval: 1 });
   * assert.equal(report.cases.find((c) => c.id === 'R2').verdict, 'PASSED', report.output);
   * ```
   */
  accept(options: AcceptOptions): Promise<AcceptReport>;
  /** Stops the gateway (Ctrl-C, SIGKILL after 10 s), restores TZ, deletes the temporary data directory. */
  stop(): Promise<void>;
}

/** Options of {@link Sandbox.accept}: the flags of `alipay accept` (durations in seconds, or `'500ms'`). */
export interface AcceptOptions {
  /** `notify`, `face-to-face`, `refund`, `bill`, or `lint` (the passive checks over the traffic so far). */
  suite: 'notify' | 'face-to-face' | 'refund' | 'bill' | 'lint' | string;
  /** The merchant's command and its arguments. */
  command?: string[];
  /** Only these check ids. */
  checks?: string[];
  /** Seconds between queries expected (Alipay: 5); any other value is reported as not Alipay's rule. */
  pollInterval?: number | string;
  /** Seconds a bill URL lives (Alipay: 30). */
  billUrlTtl?: number | string;
  /** notify: the trade to probe; refund: the paid trade to refund. */
  outTradeNo?: string;
  /**
   * notify: the merchant's state probe URL, `GET ?out_trade_no=` → `{"paid": bool, "fulfilled": n}` (404 for an
   * order it never made): how N5–N8 and W1 see whether a notification was acted on (else REVIEW).
   */
  stateProbe?: string;
  /** refund: what the first refund meets: `unknown` (default), `unknown-not-made`, `dropped`. */
  refundFault?: 'unknown' | 'unknown-not-made' | 'dropped';
  /** bill: the bill date asked for (default: yesterday on the sandbox's clock). */
  billDate?: string;
  /** lint: only traffic since (Unix ms, or a duration ago such as `10m`). */
  since?: number | string;
  /** Accepted deviations (one check id a line); a listed check that no longer fails fails the run. */
  expectedFailures?: string;
  /** Also write a JUnit XML report here. */
  junit?: string;
  /** Exit 2 when a judged check saw nothing. */
  requireObserved?: boolean;
  /** Extra environment variables of the command. */
  env?: Record<string, string>;
  /** Milliseconds before the run is killed (default 600000). */
  timeoutMs?: number;
}

/** One check's verdict in a report. */
export interface AcceptCaseResult {
  id: string;
  product: string;
  rule: string;
  /** `file:line` of the seed document. */
  seed: string;
  verdict: 'PASSED' | 'FAILED' | 'WARNING' | 'REVIEW' | 'NOT_OBSERVED';
  /** Why, in words. */
  reason: string;
  /** The calls the verdict rests on. */
  timeline?: Array<{
    t_ms: number;
    interval_ms?: number;
    method: string;
    code: string;
    sub_code?: string;
    out_trade_no?: string;
    out_request_no?: string;
    trade_status?: string;
  }>;
}

/** The JSON report of `alipay accept`, with the run's exit code and terminal output (not enumerable). */
export interface AcceptReport {
  suite: string;
  app_id: string;
  profile: { poll_interval_s: number; bill_url_ttl_s: number; alipay_rule: boolean };
  cases: AcceptCaseResult[];
  /** 0 no failure, 1 a failure (or a stale expected failure), 2 incomplete. */
  readonly exitCode: number;
  /** The terminal table, with reasons and timelines. */
  readonly output: string;
}

/** Starts a fresh local Alipay on a free loopback port; resolves once it answers. */
export declare function startSandbox(options?: StartOptions): Promise<Sandbox>;

/**
 * The `alipay` binary: `ALIPAY_BIN`, `alipay` on `PATH`, the Python package's (`ALIPAY_PYTHON`, `python3`,
 * `python`), or a checkout's `target/release` / `target/debug` build. Throws a {@link SandboxError} when none.
 */
export declare function findBinary(env?: Record<string, string | undefined>): string;
