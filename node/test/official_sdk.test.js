// Alipay's official Node SDK (`alipay-sdk` v4, unchanged, `validateSign: true`) against the local Alipay through
// the helper: precreate, scan + pay, query, barcode pay, refund; and the helper itself (binary lookup, admin
// errors, stop). Run as CI does (README, "Node"): `NODE_PATH=interop/node_modules node --test node/test/`
// with the `alipay` binary on PATH (or ALIPAY_BIN).
'use strict';

const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { AlipaySdk } = require('alipay-sdk');
const { startSandbox, findBinary, SandboxError } = require('alipay-sandbox');

let sandbox;
let sdk;

before(async () => {
  sandbox = await startSandbox();
  sdk = new AlipaySdk(sandbox.sdkConfig());
});
after(() => sandbox.stop());
beforeEach(() => sandbox.reset());

/** One verified call: the SDK checks the answer's signature with the sandbox's Alipay public key. */
const exec = (method, bizContent) => sdk.exec(method, { bizContent }, { validateSign: true });

test('precreate, scan and pay, query, partial refund', async () => {
  const pre = await exec('alipay.trade.precreate', { out_trade_no: 'JS_QR_1', total_amount: '25.50', subject: '扫码支付 & = % +' });
  assert.strictEqual(pre.code, '10000', JSON.stringify(pre));
  assert.strictEqual(pre.outTradeNo, 'JS_QR_1');
  assert.match(pre.qrCode, /^https:\/\/qr\.alipay\.com\//);

  const unscanned = await exec('alipay.trade.query', { out_trade_no: 'JS_QR_1' });
  assert.strictEqual(unscanned.subCode, 'ACQ.TRADE_NOT_EXIST');

  assert.strictEqual((await sandbox.scan(pre.qrCode)).trade_status, 'WAIT_BUYER_PAY');
  assert.strictEqual((await exec('alipay.trade.query', { out_trade_no: 'JS_QR_1' })).tradeStatus, 'WAIT_BUYER_PAY');
  await sandbox.confirm({ out_trade_no: 'JS_QR_1' });

  const paid = await exec('alipay.trade.query', { out_trade_no: 'JS_QR_1' });
  assert.strictEqual(paid.tradeStatus, 'TRADE_SUCCESS');
  assert.strictEqual(paid.totalAmount, '25.50');
  assert.strictEqual(paid.buyerUserId, sandbox.buyerUserId);

  const refund = await exec('alipay.trade.refund', { out_trade_no: 'JS_QR_1', refund_amount: '5.50', out_request_no: 'R1' });
  assert.strictEqual(refund.code, '10000', JSON.stringify(refund));
  assert.strictEqual(refund.fundChange, 'Y');
  assert.strictEqual(refund.refundFee, '5.50');
  assert.strictEqual((await sandbox.buyer()).balance, '9980.00'); // 10000.00 - 25.50 + 5.50
});

test('barcode pay, query, full refund', async () => {
  const authCode = await sandbox.paymentCode();
  const pay = await exec('alipay.trade.pay', {
    out_trade_no: 'JS_BAR_1', scene: 'bar_code', auth_code: authCode, subject: 'Coffee', total_amount: '12.50',
  });
  assert.strictEqual(pay.code, '10000', JSON.stringify(pay));
  assert.strictEqual(pay.totalAmount, '12.50');
  assert.strictEqual((await exec('alipay.trade.query', { out_trade_no: 'JS_BAR_1' })).tradeStatus, 'TRADE_SUCCESS');

  const refund = await exec('alipay.trade.refund', { out_trade_no: 'JS_BAR_1', refund_amount: '12.50' });
  assert.strictEqual(refund.fundChange, 'Y');
  assert.strictEqual((await exec('alipay.trade.query', { out_trade_no: 'JS_BAR_1' })).tradeStatus, 'TRADE_CLOSED');
  assert.strictEqual((await sandbox.buyer()).balance, '10000.00');
});

test('an answer signed by another key fails validateSign', async () => {
  // The same gateway, verified with the app's own public key instead of Alipay's: the SDK must refuse it.
  const wrong = new AlipaySdk(sandbox.sdkConfig({ alipayPublicKey: sandbox.appPublicKey }));
  await assert.rejects(
    wrong.exec('alipay.trade.query', { bizContent: { out_trade_no: 'JS_NONE' } }, { validateSign: true }),
    /验签失败|sign/i,
  );
});

test('injected faults reach the SDK, once', async () => {
  await sandbox.injectFault({ method: 'alipay.trade.query', kind: 'system_error' });
  const failed = await exec('alipay.trade.query', { out_trade_no: 'JS_NONE' });
  assert.strictEqual(failed.code, '40004');
  assert.strictEqual(failed.subCode, 'ACQ.SYSTEM_ERROR');
  assert.strictEqual((await exec('alipay.trade.query', { out_trade_no: 'JS_NONE' })).subCode, 'ACQ.TRADE_NOT_EXIST');
});

test('admin errors reject with the status and the answer', async () => {
  await assert.rejects(sandbox.confirm({ out_trade_no: 'JS_NO_SUCH' }), (err) => {
    assert.ok(err instanceof SandboxError);
    assert.ok(err.status >= 400 && err.status < 500, String(err.status));
    assert.ok(err.answer && typeof err.answer.error === 'string', JSON.stringify(err.answer));
    return true;
  });
});

test('the binary is found: ALIPAY_BIN first, then PATH, then the Python package', () => {
  const found = findBinary();
  assert.ok(fs.statSync(found).isFile(), found);
  assert.strictEqual(findBinary({ ALIPAY_BIN: found, PATH: '' }), found);
  assert.throws(() => findBinary({ ALIPAY_BIN: path.join(__dirname, 'no-such-alipay') }), SandboxError);
  assert.strictEqual(findBinary({ PATH: path.dirname(found) }), found);
  // Installed by `pip install ./python` into a venv: the venv's python finds it without PATH.
  const python = path.join(path.dirname(found), process.platform === 'win32' ? 'python.exe' : 'python');
  if (fs.existsSync(python)) {
    assert.strictEqual(findBinary({ PATH: '', ALIPAY_PYTHON: python }), found);
  }
});

test('stop ends the process and removes the temporary data directory', async () => {
  const other = await startSandbox({ timeZone: null });
  assert.notStrictEqual(other.gatewayUrl, sandbox.gatewayUrl);
  assert.ok(fs.existsSync(path.join(other.dataDir, 'app.json')));
  await other.stop();
  assert.ok(!fs.existsSync(other.dataDir));
  assert.throws(() => process.kill(other.pid, 0), { code: 'ESRCH' });
});

test('the helper runs the SDK in Beijing time: host-local UTC timestamps are refused', async () => {
  assert.strictEqual(process.env.TZ, 'Asia/Shanghai'); // set by startSandbox until stop()
  process.env.TZ = 'UTC'; // a CI machine's zone: the SDK's timestamp is 8 hours behind Beijing
  try {
    const refused = await exec('alipay.trade.query', { out_trade_no: 'JS_NONE' }).catch((err) => err);
    // Node's validateSign cannot verify an error_response (interop/README.md, discrepancy 7): it throws;
    // either way the gateway's verdict is in the raw answer.
    const raw = refused instanceof Error ? String(refused.responseDataRaw ?? refused.message) : JSON.stringify(refused);
    assert.match(raw, /isv\.invalid-timestamp/);
  } finally {
    process.env.TZ = 'Asia/Shanghai';
  }
  assert.strictEqual((await exec('alipay.trade.query', { out_trade_no: 'JS_NONE' })).subCode, 'ACQ.TRADE_NOT_EXIST');
});

test("the README's Node test is node/test/readme.test.js verbatim", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const example = fs.readFileSync(path.join(__dirname, 'readme.test.js'), 'utf8');
  assert.ok(readme.includes(example), 'README.md must show node/test/readme.test.js as it runs');
});
