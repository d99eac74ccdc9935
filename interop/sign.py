#!/usr/bin/env python3
"""Sign (or verify) with Alipay's official Python SDK, alipay-sdk-python, using only its own functions.

Run with interop/.venv/bin/python. Reads one JSON job on stdin, prints one JSON answer on stdout.

Sign job (the default mode):
  {"params": [[k, v], ...], "private_key": "<PKCS#1: bare base64 or PEM>",
   "sign_type": "RSA2" | "RSA", "charset": "utf-8" | "GBK"}
  -> {"content": "<get_sign_content(params)>", "sign": "<sign_with_rsa2 / sign_with_rsa>"}
  The SDK builds a dict of all params (as DefaultAlipayClient does), then
  SignatureUtils.get_sign_content(dict) and SignatureUtils.sign_with_rsa2/sign_with_rsa(key, content, charset).
  "sign" in params is passed through as the SDK would (it never is: the client signs before adding it).

Verify jobs ("mode": "verify"):
  {"mode": "verify", "body": "<raw response text>", "public_key": "<SPKI base64 or PEM>", "charset": ...}
    -> DefaultAlipayClient's own response parsing and verification (its private __parse_response: regex
       extraction of the signed object, then SignatureUtils.verify_with_rsa).
       {"ok": true, "content": "<the verified object text>"} or {"ok": false, "error": "..."}
  {"mode": "verify", "content": "...", "sign": "<base64>", "public_key": ..., "charset": ...}
    -> SignatureUtils.verify_with_rsa(public_key, content.encode(charset), sign): {"ok": bool}

Errors (bad job, key the SDK cannot load, ...): {"error": "<Type>: <message>"} and exit status 1.
"""
import json
import sys
import traceback


def emit(obj):
    # Always UTF-8 JSON, whatever the locale.
    sys.stdout.buffer.write(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")
    sys.stdout.flush()


def fail(msg, code=1):
    emit({"error": msg})
    sys.exit(code)


def do_sign(job):
    from alipay.aop.api.util.SignatureUtils import get_sign_content, sign_with_rsa, sign_with_rsa2

    charset = job.get("charset", "utf-8")
    sign_type = job.get("sign_type", "RSA2")
    # DefaultAlipayClient collects the params in a dict (all_params) and hands it to get_sign_content.
    all_params = dict()
    for k, v in job["params"]:
        all_params[k] = v
    content = get_sign_content(all_params)
    # DefaultAlipayClient: RSA2 when sign_type == 'RSA2', otherwise RSA (SHA1).
    if sign_type == "RSA2":
        sign = sign_with_rsa2(job["private_key"], content, charset)
    else:
        sign = sign_with_rsa(job["private_key"], content, charset)
    return {"content": content, "sign": sign}


def do_verify(job):
    from alipay.aop.api.util.SignatureUtils import verify_with_rsa

    charset = job.get("charset", "utf-8")
    public_key = job["public_key"]
    if "body" in job:
        from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
        from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
        from alipay.aop.api.constant.CommonConstants import THREAD_LOCAL

        config = AlipayClientConfig()
        config.alipay_public_key = public_key
        config.charset = charset
        client = DefaultAlipayClient(config)
        # execute() sets these before parsing; the parser logs through them.
        THREAD_LOCAL.uuid = "interop"
        THREAD_LOCAL.logger = None
        body = job["body"].encode(charset)
        try:
            content = client._DefaultAlipayClient__parse_response(body)
        except Exception as e:  # the SDK raises ResponseException with its text
            return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        return {"ok": True, "content": content}
    try:
        ok = verify_with_rsa(public_key, job["content"].encode(charset), job["sign"])
    except Exception as e:  # rsa.VerificationError on a mismatch
        return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    return {"ok": bool(ok)}


def main():
    try:
        job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    except Exception as e:
        fail("bad job: %s" % e)
    try:
        out = do_verify(job) if job.get("mode") == "verify" else do_sign(job)
    except Exception as e:
        sys.stderr.write(traceback.format_exc())
        fail("%s: %s" % (type(e).__name__, e))
    emit(out)


if __name__ == "__main__":
    main()
