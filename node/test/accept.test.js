// `sandbox.accept(...)`: the refund suite of `alipay accept` driving a merchant that keeps a refund's number
// after a 20000 (passes R1 and R2) and one that takes a new number (fails R2, with the reason in words).
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { startSandbox, findBinary } = require('alipay-sandbox');

const merchant = (sandbox, mode) => [
  process.execPath,
  path.join(__dirname, '..', 'examples', 'accept_merchant.js'),
  mode,
  findBinary(),
  path.join(sandbox.dataDir, 'app.json'),
];
const verdicts = (report) => Object.fromEntries(report.cases.map((c) => [c.id, c.verdict]));

test('alipay accept from Node', async (t) => {
  const sandbox = await startSandbox();
  t.after(() => sandbox.stop());

  await t.test('a merchant that keeps the refund number passes R1 and R2', async () => {
    const report = await sandbox.accept({ suite: 'refund', command: merchant(sandbox, 'good'), pollInterval: 1 });
    assert.deepStrictEqual(verdicts(report), { R1: 'PASSED', R2: 'PASSED' }, report.output);
    assert.strictEqual(report.exitCode, 0);
    assert.strictEqual(report.suite, 'refund');
    assert.strictEqual(report.profile.alipay_rule, false);
    assert.match(report.output, /refund 1\.00, then 1\.00 again/);
  });

  await t.test('a merchant that takes a new number after 20000 fails R2', async () => {
    const report = await sandbox.accept({ suite: 'refund', command: merchant(sandbox, 'new-number'), pollInterval: 1 });
    const r2 = report.cases.find((c) => c.id === 'R2');
    assert.strictEqual(r2.verdict, 'FAILED', report.output);
    assert.notStrictEqual(verdicts(report).R1, 'FAILED', report.output);
    assert.match(r2.reason, /refunded twice/);
    assert.strictEqual(r2.seed, '001_cd7107dff871e3cf.txt:202');
    assert.strictEqual(report.exitCode, 1);
  });

  await t.test('the passive checks, and a merchant that did nothing', async () => {
    const report = await sandbox.accept({ suite: 'lint', checks: ['F6', 'R1'], since: 0 });
    assert.deepStrictEqual(Object.keys(verdicts(report)).sort(), ['F6', 'R1']);
    const idle = await sandbox.accept({ suite: 'bill', command: [process.execPath, '-e', ''], pollInterval: 1 });
    assert.deepStrictEqual(new Set(Object.values(verdicts(idle))), new Set(['NOT_OBSERVED']), idle.output);
    await assert.rejects(sandbox.accept({ suite: 'refund' }), /wrote no report[\s\S]*needs the merchant's COMMAND/);
  });
});
