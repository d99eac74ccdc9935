'use strict';
// alipay-sandbox: the local Alipay gateway (alipay-rs `alipay sandbox`) for Node tests (Jest, Vitest, node:test).
//
//   const { startSandbox } = require('alipay-sandbox');
//   const sandbox = await startSandbox();          // fresh gateway, free loopback port, temporary data dir
//   const sdk = new AlipaySdk(sandbox.sdkConfig()); // Alipay's official Node SDK, configured for it
//   ...
//   const report = await sandbox.accept({ suite: 'refund', command: ['node', 'merchant.js'] }); // alipay accept
//   await sandbox.stop();
//
// Plain CommonJS, no dependencies; types in index.d.ts.

const { spawn, execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const EXE = process.platform === 'win32' ? 'alipay.exe' : 'alipay';

/** The sandbox could not be found, started or reached; or the admin API answered an error. */
class SandboxError extends Error {
  constructor(message, { status, answer } = {}) {
    super(message);
    this.name = 'SandboxError';
    /** HTTP status of an admin API error. */
    this.status = status;
    /** The admin API's answer (`{error: ...}`). */
    this.answer = answer;
  }
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name, envPath) {
  for (const dir of (envPath || '').split(path.delimiter)) {
    if (dir && isFile(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/**
 * The `alipay` binary: `ALIPAY_BIN`; else `alipay` on `PATH` (an activated venv where `pip install ./python` put
 * it); else the one the Python package `alipay_sandbox` finds for `ALIPAY_PYTHON` (default `python3`, then
 * `python`); else a checkout's `target/release` or `target/debug` build next to this folder.
 * Throws a SandboxError when there is none.
 */
function findBinary(env = process.env) {
  if (env.ALIPAY_BIN) {
    if (!isFile(env.ALIPAY_BIN)) throw new SandboxError(`ALIPAY_BIN=${env.ALIPAY_BIN} is not a file`);
    return env.ALIPAY_BIN;
  }
  const found = onPath(EXE, env.PATH ?? env.Path);
  if (found) return found;
  const pythons = env.ALIPAY_PYTHON ? [env.ALIPAY_PYTHON] : ['python3', 'python'];
  for (const python of pythons) {
    try {
      const out = execFileSync(python, ['-c', 'import alipay_sandbox; print(alipay_sandbox.find_binary())'], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 15000,
      }).trim();
      if (out && isFile(out)) return out;
    } catch {
      // no such interpreter, or alipay_sandbox not installed for it
    }
  }
  for (const profile of ['release', 'debug']) {
    const built = path.join(__dirname, '..', 'target', profile, EXE);
    if (isFile(built)) return built;
  }
  throw new SandboxError(
    'the `alipay` binary was not found: `pip install ./python` from an alipay-rs checkout (then activate the ' +
      'venv or set ALIPAY_PYTHON), `cargo build --release -p alipay-cli`, or set ALIPAY_BIN',
  );
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function logTail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts a local Alipay: `alipay sandbox --listen 127.0.0.1:0` (the OS picks a free port) on a new temporary data
 * directory (or `options.dataDir`), and resolves once it has written `app.json` and answers its admin API.
 */
async function startSandbox(options = {}) {
  const binary = options.binary || findBinary();
  const tmp = options.dataDir ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'alipay-sandbox-'));
  const dataDir = options.dataDir || tmp;
  fs.mkdirSync(dataDir, { recursive: true });
  const appJsonPath = path.join(dataDir, 'app.json');
  fs.rmSync(appJsonPath, { force: true }); // a previous run's names another port
  const args = [
    'sandbox',
    '--data', dataDir,
    '--listen', `${options.host || '127.0.0.1'}:${options.port || 0}`,
    '--notify-time-scale', String(options.notifyTimeScale ?? 0.001),
  ];
  if (options.timestampSkew !== undefined) args.push('--timestamp-skew', String(options.timestampSkew));
  const logPath = path.join(dataDir, 'sandbox.log');
  const log = fs.openSync(logPath, 'a');
  // stdout repeats the credentials (private key included): discarded. The log (stderr) goes to DIR/sandbox.log.
  const child = spawn(binary, args, {
    stdio: ['ignore', 'ignore', log],
    env: { NO_COLOR: '1', ...process.env, ...(options.env || {}) }, // the log is a file: no terminal colours
  });
  fs.closeSync(log);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.on('error', (err) => {
      exited = { error: err };
      resolve();
    });
  });
  // A test runner that exits without stop() must not leave the gateway running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const timeZone = options.timeZone === undefined ? 'Asia/Shanghai' : options.timeZone;
  let timeZoneSet = false;
  let previousTz;

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited === null) {
      child.kill(process.platform === 'win32' ? undefined : 'SIGINT'); // Ctrl-C: the store closes cleanly
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exit;
      clearTimeout(timer);
    }
    if (timeZoneSet && process.env.TZ === timeZone) {
      if (previousTz === undefined) delete process.env.TZ;
      else process.env.TZ = previousTz;
      timeZoneSet = false;
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  };

  let info;
  try {
    const deadline = Date.now() + (options.startupTimeoutMs ?? 30000);
    while (!fs.existsSync(appJsonPath)) {
      if (exited) {
        const why = exited.error ? exited.error.message : `status ${exited.code ?? exited.signal}`;
        throw new SandboxError(`\`alipay sandbox\` exited (${why}):\n${logTail(logPath)}`);
      }
      if (Date.now() > deadline) throw new SandboxError(`\`alipay sandbox\` did not start:\n${logTail(logPath)}`);
      await sleep(20);
    }
    info = JSON.parse(fs.readFileSync(appJsonPath, 'utf8'));
  } catch (err) {
    await stop();
    throw err;
  }

  const baseUrl = info.gateway_url.replace(/\/gateway\.do$/, '');

  /** Calls `/admin/PATH`; POST of `body` as JSON when given, else GET; resolves to the JSON answer. */
  const admin = async (adminPath, body, opts = {}) => {
    const url = new URL(`${baseUrl}/admin/${adminPath.replace(/^\//, '')}`);
    for (const [k, v] of Object.entries(opts.query || {})) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    const method = (opts.method || (body !== undefined ? 'POST' : 'GET')).toUpperCase();
    const init = { method };
    if (method === 'POST') {
      init.headers = { 'content-type': 'application/json' };
      init.body = JSON.stringify(body ?? {});
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let answer;
    try {
      answer = text.trim() ? JSON.parse(text) : null;
    } catch {
      answer = text;
    }
    if (!response.ok) {
      const error = answer && typeof answer === 'object' ? answer.error : answer;
      throw new SandboxError(`admin ${adminPath}: HTTP ${response.status}: ${error}`, { status: response.status, answer });
    }
    return answer;
  };

  const locator = (loc = {}) => Object.fromEntries(Object.entries(loc).filter(([, v]) => v !== undefined && v !== null));

  const sandbox = {
    gatewayUrl: info.gateway_url,
    baseUrl,
    appId: info.app_id,
    privateKey: info.app_private_key,
    privateKeyPkcs1: info.app_private_key_pkcs1,
    appPublicKey: info.app_public_key,
    alipayPublicKey: info.alipay_public_key,
    signType: info.sign_type,
    charset: info.charset,
    merchantPid: info.merchant_pid,
    buyerUserId: info.buyer_user_id,
    dataDir,
    pid: child.pid,
    /** Options for `new AlipaySdk(...)` (alipay-sdk v4) for the default app: PKCS#8 key, RSA2, this gateway. */
    sdkConfig: (extra = {}) => ({
      appId: info.app_id,
      privateKey: info.app_private_key,
      keyType: 'PKCS8',
      alipayPublicKey: info.alipay_public_key,
      gateway: info.gateway_url,
      signType: info.sign_type,
      ...extra,
    }),
    admin,
    /** Wipes trades, buyers, faults, notifications and the clock offset; same app and keys, a new default buyer. */
    reset: async () => {
      const answer = await admin('reset', undefined, { method: 'POST' });
      sandbox.buyerUserId = answer.buyer_user_id;
      return answer;
    },
    createBuyer: (body = { balance: '10000.00' }) => admin('buyers', body),
    buyer: (userId = sandbox.buyerUserId) => admin(`buyers/${userId}`),
    paymentCode: async (userId = sandbox.buyerUserId, ttlSecs) =>
      (await admin(`buyers/${userId}/payment-codes`, ttlSecs === undefined ? {} : { ttl_secs: ttlSecs })).auth_code,
    trade: (loc) => admin('trades', undefined, { query: locator(loc) }),
    scan: (qrCode, opts = {}) => admin('trades/scan', locator({ qr_code: qrCode, ...opts })),
    confirm: (loc) => admin('trades/confirm', locator(loc)),
    refuse: (loc) => admin('trades/refuse', locator(loc)),
    clock: () => admin('clock'),
    advanceClock: (seconds) => admin('clock/advance', { seconds }),
    injectFault: (fault) => admin('faults', { count: 1, ...fault }),
    clearFaults: () => admin('faults', undefined, { method: 'DELETE' }),
    notifications: (query = {}) => admin('notifications', undefined, { query }),
    /**
     * Runs an acceptance suite (`alipay accept run --suite SUITE`, or `suite: 'lint'` for the passive checks) on
     * this sandbox's app and resolves to the parsed JSON report, with `exitCode` and the terminal `output`.
     */
    accept: (opts) => accept(binary, appJsonPath, opts),
    stop,
  };

  try {
    await admin('clock'); // app.json is written once the socket is bound; one round trip proves it serves
  } catch (err) {
    await stop();
    throw err;
  }
  // The official SDKs stamp `timestamp` in the host's local time; Alipay reads Beijing time, where merchants'
  // servers run. Until stop(), this process runs in `timeZone` (default Asia/Shanghai; null: untouched).
  if (timeZone) {
    previousTz = process.env.TZ;
    process.env.TZ = timeZone;
    timeZoneSet = true;
  }
  return sandbox;
}

/** `500ms`, `2s`: a duration in seconds as the CLI reads it (strings pass through). */
function seconds(value) {
  return typeof value === 'string' ? value : `${Number(value)}s`;
}

/** The arguments of `alipay accept` for `opts` (without `--config`, `--json` and the command). */
function acceptArgs(opts) {
  const { suite } = opts;
  if (!suite) throw new SandboxError('accept: `suite` is required (notify, face-to-face, refund, bill, or lint)');
  const args = suite === 'lint' ? ['lint'] : ['run', '--suite', suite];
  if (opts.checks && opts.checks.length) args.push('--checks', opts.checks.join(','));
  if (opts.pollInterval !== undefined) args.push('--poll-interval', seconds(opts.pollInterval));
  if (opts.billUrlTtl !== undefined) args.push('--bill-url-ttl', seconds(opts.billUrlTtl));
  if (opts.outTradeNo !== undefined) args.push('--out-trade-no', opts.outTradeNo);
  if (opts.stateProbe !== undefined) args.push('--state-probe', opts.stateProbe);
  if (opts.refundFault !== undefined) args.push('--refund-fault', opts.refundFault);
  if (opts.billDate !== undefined) args.push('--bill-date', opts.billDate);
  if (opts.since !== undefined) {
    if (suite !== 'lint') throw new SandboxError("accept: `since` is for the passive checks (suite: 'lint') only");
    args.push('--since', String(opts.since));
  }
  if (opts.expectedFailures !== undefined) args.push('--expected-failures', opts.expectedFailures);
  if (opts.junit !== undefined) args.push('--junit', opts.junit);
  if (opts.requireObserved) args.push('--require-observed');
  return args;
}

/**
 * `alipay accept ... --config APP_JSON --json F [-- COMMAND...]`, to its end: the parsed report with `exitCode`
 * (0 no failure, 1 a failure, 2 incomplete) and `output` (the table). Rejects with a SandboxError when the run
 * wrote no report.
 */
function accept(binary, appJsonPath, opts = {}) {
  const args = acceptArgs(opts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alipay-accept-'));
  const jsonPath = path.join(dir, 'report.json');
  const argv = ['accept', ...args, '--config', appJsonPath, '--json', jsonPath];
  if (opts.command && opts.command.length) argv.push('--', ...opts.command);
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      argv,
      { env: { ...process.env, ...(opts.env || {}) }, timeout: opts.timeoutMs ?? 600000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        let report;
        try {
          report = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
        } catch {
          const code = error && error.code;
          reject(new SandboxError(`\`alipay accept\` wrote no report (exit ${code}):\n${stdout}\n${stderr}`));
          return;
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        Object.defineProperty(report, 'exitCode', { value: exitCode, enumerable: false });
        Object.defineProperty(report, 'output', { value: stdout, enumerable: false });
        resolve(report);
      },
    );
  });
}

module.exports = { startSandbox, findBinary, SandboxError };
