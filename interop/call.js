#!/usr/bin/env node
// Call a gateway with Alipay's official Node SDK exactly as a merchant would, and print the verified answer.
//
// Reads one JSON job on stdin:
//   {"gateway": "http://127.0.0.1:PORT/gateway.do", "app_id": "2021...",
//    "private_key": "<app private key: PEM or bare base64>", "key_type": "PKCS1" | "PKCS8",   (default PKCS1)
//    "alipay_public_key": "<SPKI: bare base64 or PEM>",
//    "method": "alipay.trade.query", "biz_content": {...} | "<JSON text>",
//    "sign_type": "RSA2" | "RSA", "charset": "utf-8" | "GBK",          (optional, SDK defaults RSA2 / utf-8)
//    "notify_url": "...", "app_auth_token": "...", "other_params": {"k": "v"},  (optional)
//    "validate_sign": true,                                            (default true)
//    "app_cert": "<PEM>", "alipay_cert": "<PEM>", "alipay_root_cert": "<PEM>",   (cert mode, instead of
//                                                                       alipay_public_key)
//    "encrypt_key": "<AES key, base64>", "need_encrypt": true,         (AES: config.encryptKey, per call)
//    "curl": {"method": "POST", "path": "/v3/...", "body": {...}, "query": {...}},  (v3: sdk.curl instead of
//                                                                       exec; method/biz_content unused)
//    "tz": "Asia/Shanghai"}                                            (optional, see below)
//
// What it does, all with the SDK's own API:
//   const sdk = new AlipaySdk({appId, privateKey, keyType, alipayPublicKey, gateway, signType, charset});
//   const result = await sdk.exec(method, {bizContent, notify_url, app_auth_token, needEncrypt, ...}, {validateSign: true});
// or, for v3: const {data, responseHttpStatus} = await sdk.curl(method, path, {body, query, needEncrypt});
// (the SDK verifies v3 answers itself; cert mode: appCertContent / alipayPublicCertContent /
// alipayRootCertContent, the SDK derives the SNs).
// bizContent is passed as an object (a JSON-text biz_content is JSON.parse'd): the SDK serialises it itself
// (JSON.stringify after snake-casing its keys).
//
// Prints {"ok": true, "response": <the SDK's result object: camel-cased keys, as merchants receive it>}
// or {"ok": false, "error": "<the SDK's error message>", "name": ..., "code": ..., "response_raw": ...}
// with exit status 1.
//
// Beijing time: the SDK stamps `timestamp` with the host's local time; merchants run in UTC+8, so "tz"
// (default Asia/Shanghai) is set as process.env.TZ before the SDK is used.
'use strict';

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function run(job) {
  const tz = job.tz === undefined ? 'Asia/Shanghai' : job.tz;
  if (tz) process.env.TZ = tz;
  const { AlipaySdk } = require('alipay-sdk');

  const config = {
    appId: job.app_id,
    privateKey: job.private_key,
    gateway: job.gateway,
    timeout: 15000,
  };
  if (job.alipay_public_key) config.alipayPublicKey = job.alipay_public_key;
  if (job.app_cert) {
    config.appCertContent = job.app_cert;
    config.alipayPublicCertContent = job.alipay_cert;
    config.alipayRootCertContent = job.alipay_root_cert;
  }
  if (job.encrypt_key) config.encryptKey = job.encrypt_key;
  if (job.curl) {
    // v3 requests go to the endpoint: the gateway URL without /gateway.do.
    config.endpoint = job.gateway.replace(/\/gateway\.do$/, '');
  }
  if (job.key_type) config.keyType = job.key_type;
  if (job.sign_type) config.signType = job.sign_type;
  if (job.charset) config.charset = job.charset;
  const sdk = new AlipaySdk(config);

  if (job.curl) {
    const options = {};
    if (job.curl.body !== undefined) options.body = job.curl.body;
    if (job.curl.query !== undefined) options.query = job.curl.query;
    if (job.need_encrypt) options.needEncrypt = true;
    const result = await sdk.curl(job.curl.method, job.curl.path, options);
    return { ok: true, response: result.data, status: result.responseHttpStatus, validate_sign: true };
  }

  const params = {};
  if (job.need_encrypt) params.needEncrypt = true;
  if (job.biz_content !== undefined) {
    params.bizContent = typeof job.biz_content === 'string' ? JSON.parse(job.biz_content) : job.biz_content;
  }
  if (job.notify_url) params.notify_url = job.notify_url;
  if (job.app_auth_token) params.app_auth_token = job.app_auth_token;
  Object.assign(params, job.other_params || {});

  const validateSign = job.validate_sign === undefined ? true : Boolean(job.validate_sign);
  const result = await sdk.exec(job.method, params, { validateSign });
  return { ok: true, response: result, validate_sign: validateSign };
}

function main() {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', async () => {
    let job;
    try {
      job = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      emit({ ok: false, error: `bad job: ${err.message}` });
      process.exitCode = 2;
      return;
    }
    try {
      emit(await run(job));
    } catch (err) {
      process.stderr.write(`${err.stack}\n`);
      emit({
        ok: false,
        error: err.message,
        name: err.name,
        code: err.code,
        status: err.responseHttpStatus,
        response_raw: err.responseDataRaw,
      });
      process.exitCode = 1;
    }
  });
}

main();
