// The README's ten-line test ("Node"), run as it is printed there.
const test = require('node:test');
const assert = require('node:assert');
const { AlipaySdk } = require('alipay-sdk');
const { startSandbox } = require('alipay-sandbox');

test('precreate against the local Alipay', async (t) => {
  const sandbox = await startSandbox();
  t.after(() => sandbox.stop());
  const sdk = new AlipaySdk(sandbox.sdkConfig());
  const bizContent = { out_trade_no: 'T1', total_amount: '88.88', subject: 'demo' };
  const result = await sdk.exec('alipay.trade.precreate', { bizContent }, { validateSign: true });
  assert.strictEqual(result.code, '10000');
  assert.match(result.qrCode, /^https:\/\/qr\.alipay\.com\//);
});
