#!/usr/bin/env python3
"""Makes the cross-check vectors in vectors.json with the `openssl` CLI, independently of the Rust code.

For each case: the params, the sign content computed here (a second implementation of the rule in
protocol.md), and the signature `openssl dgst -sha256|-sha1 -sign` makes over that content encoded in the
case's charset. PKCS#1 v1.5 signatures are deterministic, so the crate must reproduce them exactly.

Run from this directory: python3 make_vectors.py   (creates the test keys on first run)
"""
import base64, json, os, subprocess

JAVA_WS = set("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u2028\u2029\u205f\u3000")

def blank(s):
    return all(c in JAVA_WS for c in s)

def sign_content(params, excluded):
    kept = [(k, v) for k, v in params if k not in excluded and not blank(k) and not blank(v)]
    kept.sort(key=lambda kv: kv[0].encode("utf-8"))
    return "&".join(f"{k}={v}" for k, v in kept)

def openssl_sign(key, digest, data):
    out = subprocess.run(["openssl", "dgst", f"-{digest}", "-sign", key], input=data, capture_output=True, check=True)
    return base64.b64encode(out.stdout).decode()

def ensure_key(path, bits):
    if not os.path.exists(path):
        subprocess.run(["openssl", "genrsa", "-traditional", "-out", path, str(bits)], check=True, capture_output=True)

COMMON = [("app_id", "2021000117650139"), ("method", "alipay.trade.pay"), ("format", "JSON"),
          ("charset", "utf-8"), ("sign_type", "RSA2"), ("timestamp", "2024-05-01 12:30:00"), ("version", "1.0")]

CASES = [
    ("request_utf8_chinese", "request", "utf-8", "sha256", "rsa2048.pem", COMMON + [
        ("biz_content", '{"out_trade_no":"20150320010101001","scene":"bar_code","auth_code":"28763443825664394",'
                        '"subject":"Iphone6 16G 中文标题","total_amount":"88.88"}'),
        ("sign", "ignored-by-the-rule")]),
    ("request_unicode_escapes_kept_raw", "request", "utf-8", "sha256", "rsa2048.pem", COMMON + [
        ("biz_content", '{"subject":"\\u4e2d\\u6587","body":"a\\/b"}')]),
    ("request_reserved_characters", "request", "utf-8", "sha256", "rsa2048.pem", COMMON + [
        ("notify_url", "https://m.example.com/notify?a=1&b=2"),
        ("biz_content", '{"subject":"50% off + tax = 1&2","passback_params":"k%3Dv+x"}')]),
    ("request_empty_and_blank_values", "request", "utf-8", "sha256", "rsa2048.pem", COMMON + [
        ("app_auth_token", ""), ("notify_url", "   "), ("return_url", "\u3000"), ("terminal", "\u00a0"),
        ("biz_content", '{"out_trade_no":"x1"}')]),
    ("request_gbk", "request", "gbk", "sha256", "rsa2048.pem",
        [(k, "GBK" if k == "charset" else v) for k, v in COMMON] + [
        ("biz_content", '{"out_trade_no":"GBK001","subject":"水费账单 缴费","total_amount":"10.00"}')]),
    ("request_legacy_rsa_sha1", "request", "utf-8", "sha1", "rsa2048.pem",
        [(k, "RSA" if k == "sign_type" else v) for k, v in COMMON] + [("biz_content", '{"out_trade_no":"SHA1"}')]),
    ("request_legacy_rsa_1024", "request", "gbk", "sha1", "rsa1024.pem",
        [(k, {"sign_type": "RSA", "charset": "GBK"}.get(k, v)) for k, v in COMMON] + [
        ("merchant_order_no", "JF2024001"), ("owner_name", "张三")]),
    ("notify_v1", "notify_v1", "utf-8", "sha256", "rsa2048.pem", [
        ("gmt_create", "2024-05-01 12:30:00"), ("charset", "utf-8"), ("seller_email", "shop@example.com"),
        ("subject", "当面付 + 50%"), ("sign", "x"), ("buyer_id", "2088102177846875"), ("invoice_amount", "88.88"),
        ("notify_id", "2024050100222123000046871234567890"),
        ("fund_bill_list", '[{"amount":"88.88","fundChannel":"ALIPAYACCOUNT"}]'), ("notify_type", "trade_status_sync"),
        ("trade_status", "TRADE_SUCCESS"), ("total_amount", "88.88"), ("sign_type", "RSA2"), ("passback_params", "a=1&b=%25"),
        ("refund_fee", ""), ("body", " ")]),
    ("notify_v2", "notify_v2", "gbk", "sha256", "rsa2048.pem", [
        ("notify_type", "fund_stdtrustee_refund"), ("charset", "GBK"), ("sign_type", "RSA2"), ("remark", "红包退回"),
        ("amount", "5.00"), ("sign", "x")]),
]

EXCLUDED = {"request": {"sign"}, "notify_v1": {"sign", "sign_type"}, "notify_v2": {"sign"}}

def main():
    ensure_key("rsa2048.pem", 2048)
    ensure_key("rsa1024.pem", 1024)
    out = []
    for name, scope, charset, digest, key, params in CASES:
        content = sign_content(params, EXCLUDED[scope])
        out.append({"name": name, "scope": scope, "charset": charset, "digest": digest, "key": key,
                    "params": params, "content": content,
                    "signature": openssl_sign(key, digest, content.encode(charset))})
    with open("vectors.json", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")

if __name__ == "__main__":
    main()
