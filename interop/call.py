#!/usr/bin/env python3
"""Call a gateway with Alipay's official Python SDK exactly as a merchant would, and print the verified answer.

Run with interop/.venv/bin/python. Reads one JSON job on stdin:
  {"gateway": "http://127.0.0.1:PORT/gateway.do", "app_id": "2021...",
   "private_key": "<app private key, PKCS#1: bare base64 or PEM>",
   "alipay_public_key": "<SPKI: bare base64 or PEM>",
   "method": "alipay.trade.query", "biz_content": {...} | "<JSON text>",
   "sign_type": "RSA2" | "RSA", "charset": "utf-8" | "GBK",          (optional, SDK defaults RSA2 / utf-8)
   "notify_url": "...", "app_auth_token": "...", "other_params": {"k": "v"}, (optional)
   "encrypt_key": "<AES key, base64>",                                   (optional: AES content encryption)
   "no_aes_patch": true,                                                 (optional: see patch_aes_bytes)
   "tz": "CST-8"}                                                        (optional, see below)

What it does, all with the SDK's own classes:
  config = AlipayClientConfig(); config.server_url/app_id/app_private_key/alipay_public_key/sign_type/charset
  client = DefaultAlipayClient(alipay_client_config=config)
  request = <the SDK's request class for the method>(), e.g. AlipayTradeQueryRequest for alipay.trade.query
  request.biz_content = <dict>   (the SDK's model: to_alipay_dict + json.dumps(sort_keys=True, compact))
      or, when the job's biz_content is a string, request.add_other_text_param("biz_content", text): sent as is
  response_content = client.execute(request)   (signs, POSTs, extracts and verifies the response signature)
  response = <the SDK's response class>(); response.parse_response_content(response_content)

Prints {"ok": true, "response": <the verified object>, "raw": "<its text>", "is_success": bool,
        "code": ..., "msg": ..., "sub_code": ..., "sub_msg": ..., "patched_port_handling": bool}
or {"ok": false, "error": "<ExceptionType>: <the SDK's exception text>"} with exit status 1.

Two things a merchant's server has that this process may not:
  * Beijing time: the SDK stamps `timestamp` with the host's local time (datetime.now()). Merchants run in
    UTC+8; so the job's "tz" (default "CST-8", a POSIX TZ for UTC+8 that needs no tz database) is set first.
  * Port 80/443: WebUtils.get_http_connection ignores the port of server_url (it always connects to 80/443,
    and then fails building the request URL: `url += url_parse_result.port`, str + int, a TypeError). A
    gateway on another port (the local one) cannot be reached with the SDK as published. When the gateway URL
    has an explicit port, and only then, this script replaces that one function with a copy that honours
    the port and is otherwise identical (same connection classes, same absolute-form request target); the
    answer says so in "patched_port_handling".
  * AES on Python 3: the SDK's EncryptUtils passes str to pycryptodome, which takes bytes only; with an
    "encrypt_key" the strings are encoded on the way in (patch_aes_bytes, "patched_aes_bytes" in the answer;
    "no_aes_patch" shows the SDK as published failing before it sends anything).
"""
import importlib
import json
import os
import sys
import time
import traceback


def emit(obj):
    sys.stdout.buffer.write(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")
    sys.stdout.flush()


def class_base(method):
    # alipay.trade.query -> AlipayTradeQuery (the SDK's naming of request/response classes).
    return "".join(part[:1].upper() + part[1:] for part in method.split("."))


def patch_port_handling():
    from urllib.parse import urlparse
    import http.client as httplib
    from alipay.aop.api.util import WebUtils

    def get_http_connection(url, query_string, timeout):
        # WebUtils.get_http_connection with the port honoured; the rest as published.
        url_parse_result = urlparse(url)
        host = url_parse_result.hostname
        https = url.find("https") == 0
        port = url_parse_result.port or (443 if https else 80)
        if https:
            connection = httplib.HTTPSConnection(host=host, port=port, timeout=timeout)
        else:
            connection = httplib.HTTPConnection(host=host, port=port, timeout=timeout)
        url = url_parse_result.scheme + "://" + url_parse_result.hostname
        if url_parse_result.port:
            url += ":" + str(url_parse_result.port)
        url += url_parse_result.path
        url += "?" + query_string
        return url, connection

    WebUtils.get_http_connection = get_http_connection


def patch_aes_bytes():
    """EncryptUtils hands pycryptodome `str` (the IV, the padded text) where it takes bytes: on Python 3 the
    SDK's AES fails with "Object type <class 'str'> cannot be passed to C code" before anything is sent. This
    wraps the `AES` name EncryptUtils uses so that those strings are encoded (UTF-8; the padding is ASCII and
    was computed over the UTF-8 length); the algorithm, key, mode, IV and padding stay the SDK's."""
    from Crypto.Cipher import AES as _AES
    from alipay.aop.api.util import EncryptUtils

    def as_bytes(v):
        return v.encode("utf-8") if isinstance(v, str) else v

    class Cipher(object):
        def __init__(self, inner):
            self.inner = inner

        def encrypt(self, data):
            return self.inner.encrypt(as_bytes(data))

        def decrypt(self, data):
            return self.inner.decrypt(as_bytes(data))

    class AesShim(object):
        block_size = _AES.block_size
        MODE_CBC = _AES.MODE_CBC

        @staticmethod
        def new(key, mode, iv):
            return Cipher(_AES.new(as_bytes(key), mode, as_bytes(iv)))

    EncryptUtils.AES = AesShim


def run(job):
    from urllib.parse import urlparse

    tz = job.get("tz", "CST-8")
    if tz:
        os.environ["TZ"] = tz
        time.tzset()

    patched = urlparse(job["gateway"]).port is not None
    if patched:
        patch_port_handling()

    from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
    from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient

    config = AlipayClientConfig()
    config.server_url = job["gateway"]
    config.app_id = job["app_id"]
    config.app_private_key = job["private_key"]
    config.alipay_public_key = job["alipay_public_key"]
    if job.get("sign_type"):
        config.sign_type = job["sign_type"]
    if job.get("charset"):
        config.charset = job["charset"]
    patched_aes = False
    if job.get("encrypt_key"):
        config.encrypt_type = "AES"
        config.encrypt_key = job["encrypt_key"]
        if not job.get("no_aes_patch"):
            patch_aes_bytes()
            patched_aes = True
    client = DefaultAlipayClient(alipay_client_config=config)

    method = job["method"]
    base = class_base(method)
    req_mod = importlib.import_module("alipay.aop.api.request." + base + "Request")
    request = getattr(req_mod, base + "Request")()
    biz = job.get("biz_content")
    if isinstance(biz, str):
        request.add_other_text_param("biz_content", biz)
    elif biz is not None:
        request.biz_content = biz
    if job.get("notify_url"):
        request.notify_url = job["notify_url"]
    if job.get("app_auth_token"):
        request.add_other_text_param("app_auth_token", job["app_auth_token"])
    for k, v in (job.get("other_params") or {}).items():
        request.add_other_text_param(k, v)

    response_content = client.execute(request)

    try:
        resp_mod = importlib.import_module("alipay.aop.api.response." + base + "Response")
        response = getattr(resp_mod, base + "Response")()
    except (ImportError, AttributeError):
        from alipay.aop.api.response.AlipayResponse import AlipayResponse

        response = AlipayResponse()
    response.parse_response_content(response_content)
    return {
        "ok": True,
        "response": json.loads(response_content),
        "raw": response_content,
        "is_success": response.is_success(),
        "code": response.code,
        "msg": response.msg,
        "sub_code": response.sub_code,
        "sub_msg": response.sub_msg,
        "patched_port_handling": patched,
        "patched_aes_bytes": patched_aes,
    }


def main():
    try:
        job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    except Exception as e:
        emit({"ok": False, "error": "bad job: %s" % e})
        sys.exit(2)
    try:
        out = run(job)
    except Exception as e:
        sys.stderr.write(traceback.format_exc())
        emit({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
        sys.exit(1)
    emit(out)


if __name__ == "__main__":
    main()
