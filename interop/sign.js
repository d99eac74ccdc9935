#!/usr/bin/env node
// Sign (or verify) with Alipay's official Node SDK, alipay-sdk, using only its own functions.
//
// Reads one JSON job on stdin, prints one JSON answer on stdout.
//
// Sign job (the default mode):
//   {"params": [[k, v], ...], "private_key": "<PEM or bare base64>", "key_type": "PKCS1" | "PKCS8",
//    "sign_type": "RSA2" | "RSA", "charset": "utf-8" | "GBK"}
//   -> {"content": "<the string the SDK signed>", "sign": "<its signature>", "params": {<what it would send>},
//       "biz_content_reserialised": bool}
//   The key goes through the SDK's own constructor (new AlipaySdk({privateKey, keyType, ...}): formatKey);
//   signing is the SDK's util.sign(method, params, sdk.config), the function exec()/pageExec()/sdkExec() use.
//   util.sign takes method, app_id, charset, version and sign_type from the SDK config, so the job's values of
//   those go there; every other param is passed in `params`. util.sign builds `biz_content` itself with
//   JSON.stringify(bizContent) from an object, so the job's biz_content string is JSON.parse'd first (and
//   "biz_content_reserialised" says whether JSON.stringify gives back a different string).
//   "content" is captured from the SDK's own call of crypto.createSign(...).update(signString): what it signed,
//   not a rebuilt string.
//
// Verify jobs ("mode": "verify"):
//   {"mode": "verify", "body": "<raw response text>", "method": "alipay.trade.query",
//    "public_key": "<SPKI base64 or PEM>", "sign_type": ..., "charset": ...}
//     -> the SDK's checkResponseSign(body, responseKey, sign) as exec(..., {validateSign: true}) calls it:
//        {"ok": true, "content": "<getSignStr(body, responseKey)>"} or {"ok": false, "error": "<its message>"}
//   {"mode": "verify", "content": "...", "sign": "<base64>", "public_key": ..., "sign_type": ...}
//     -> the SDK's rsaCheck(content, sign, signType): {"ok": bool}
//   {"mode": "notify", "params": {<the notification's decoded form fields>}, "public_key": ...}
//     -> the SDK's checkNotifySignV2(params), what a merchant's notify page calls: {"ok": bool}
//
// Errors (bad job, key the SDK cannot use, ...): {"error": "<message>"} and exit status 1.
'use strict';

const path = require('node:path');
const crypto = require('node:crypto');
const { AlipaySdk } = require('alipay-sdk');
// util.js is not exported by the package ("exports" map); load the very file alipay.js uses.
const sdkRoot = path.dirname(require.resolve('alipay-sdk/package.json'));
const util = require(path.join(sdkRoot, 'dist', 'commonjs', 'util.js'));

// Placeholders for config fields the SDK constructor insists on when a job does not need them.
const DUMMY_APP_ID = 'interop';

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function fail(msg) {
  emit({ error: msg });
  process.exitCode = 1;
}

// Record what the SDK feeds to crypto.createSign(...).update(): the exact sign content.
function captureSignedContent(fn) {
  const original = crypto.createSign;
  const seen = [];
  crypto.createSign = function (...args) {
    const signer = original.apply(this, args);
    const update = signer.update.bind(signer);
    signer.update = (data, enc) => {
      seen.push(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
      return update(data, enc);
    };
    return signer;
  };
  try {
    return { result: fn(), seen };
  } finally {
    crypto.createSign = original;
  }
}

function doSign(job) {
  const config = {
    privateKey: job.private_key,
    keyType: job.key_type || 'PKCS1',
    signType: job.sign_type || 'RSA2',
    charset: job.charset || 'utf-8',
  };
  let method;
  const params = {};
  let reserialised = false;
  let hasBiz = false;
  for (const [k, v] of job.params) {
    switch (k) {
      case 'method': method = v; break;
      case 'app_id': config.appId = v; break;
      case 'charset': config.charset = v; break;
      case 'version': config.version = v; break;
      case 'sign_type': config.signType = v; break;
      case 'biz_content': {
        const obj = JSON.parse(v);
        reserialised = JSON.stringify(obj) !== v;
        params.bizContent = obj;
        hasBiz = true;
        break;
      }
      default: params[k] = v;
    }
  }
  if (!config.appId) config.appId = DUMMY_APP_ID;
  const sdk = new AlipaySdk(config);
  // bizContentAutoSnakeCase: false, so biz_content keys are signed as given.
  const { result, seen } = captureSignedContent(() =>
    util.sign(method, params, sdk.config, { bizContentAutoSnakeCase: false }));
  if (seen.length !== 1) throw new Error(`expected one signing call, saw ${seen.length}`);
  return {
    content: seen[0],
    sign: result.sign,
    params: result,
    biz_content_reserialised: hasBiz && reserialised,
  };
}

function doVerify(job) {
  const sdk = new AlipaySdk({
    appId: DUMMY_APP_ID,
    // The constructor requires a private key; verification never uses it.
    privateKey: 'unused',
    alipayPublicKey: job.public_key,
    signType: job.sign_type || 'RSA2',
    charset: job.charset || 'utf-8',
  });
  if (job.mode === 'notify') {
    return { ok: sdk.checkNotifySignV2(job.params) };
  }
  if (job.body !== undefined) {
    const responseKey = `${job.method.replaceAll('.', '_')}_response`;
    let serverSign;
    try {
      serverSign = JSON.parse(job.body).sign;
    } catch (err) {
      return { ok: false, error: `response is not JSON: ${err.message}` };
    }
    try {
      sdk.checkResponseSign(job.body, responseKey, serverSign, undefined);
    } catch (err) {
      return { ok: false, error: err.message };
    }
    return { ok: true, content: sdk.getSignStr(job.body, responseKey) };
  }
  return { ok: sdk.rsaCheck(job.content, job.sign, job.sign_type || 'RSA2') };
}

function main() {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    let job;
    try {
      job = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      fail(`bad job: ${err.message}`);
      return;
    }
    try {
      emit(job.mode === 'verify' || job.mode === 'notify' ? doVerify(job) : doSign(job));
    } catch (err) {
      process.stderr.write(`${err.stack}\n`);
      fail(`${err.name}: ${err.message}`);
    }
  });
}

main();
