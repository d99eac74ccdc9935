// A merchant for the refund suite of `alipay accept` (accept.test.js): it refunds as the instruction says
// (`{"action":"refund","out_trade_no","refund_amount","times"}`), each part under its own out_request_no, through
// `alipay call` (a request signed with the app's key).
//
//   node accept_merchant.js MODE ALIPAY_BIN APP_JSON
//
// MODE `good`: when a refund's outcome is unknown (20000, or no answer), the same request again (same number);
// `new-number`: a new out_request_no for the same refund instead (breaks R2: a double refund).
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');

const [mode, binary, config] = process.argv.slice(2);
const instruction = JSON.parse(process.env.ALIPAY_ACCEPT_INSTRUCTION);
if (instruction.action !== 'refund') throw new Error(`this merchant only refunds, not ${instruction.action}`);

function call(method, biz) {
  const done = spawnSync(binary, ['call', '--config', config, method, '--biz-content', JSON.stringify(biz), '--json'], {
    encoding: 'utf8',
  });
  try {
    return JSON.parse(done.stdout);
  } catch {
    return null; // no answer: the outcome is unknown
  }
}

const fresh = (part) => `RF-${crypto.randomBytes(6).toString('hex')}-${part}`;
for (let part = 0; part < instruction.times; part += 1) {
  let number = fresh(part);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const biz = { out_trade_no: instruction.out_trade_no, refund_amount: instruction.refund_amount, out_request_no: number };
    const answer = call('alipay.trade.refund', biz);
    console.log(`merchant: refund ${number} -> ${JSON.stringify(answer)}`);
    if (answer !== null && answer.code !== '20000') break;
    if (mode === 'new-number') number = fresh(part); // wrong: a new number for the same refund
  }
}
