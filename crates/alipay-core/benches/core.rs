//! alipay-core benchmarks: the whole request-sign path and the whole response parse+verify path, beside the
//! raw RSA operations they are built on. Compare with `openssl speed -seconds 3 rsa2048` on the same machine.
//!
//! `cargo bench -p alipay-core`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use alipay_core::aes::AesKey;
use alipay_core::{envelope, sign_content, sign_request, v3, Charset, PrivateKey, SignScope, SignType};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn trade_pay_params() -> Vec<(&'static str, &'static str)> {
    vec![
        ("app_id", "2021000117650139"),
        ("method", "alipay.trade.pay"),
        ("format", "JSON"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2024-05-01 12:30:00"),
        ("version", "1.0"),
        ("notify_url", "https://merchant.example.com/alipay/notify"),
        (
            "biz_content",
            r#"{"out_trade_no":"20150320010101001","scene":"bar_code","auth_code":"28763443825664394","subject":"Iphone6 16G","store_id":"NJ_001","timeout_express":"2m","total_amount":"88.88"}"#,
        ),
    ]
}

fn trade_pay_response() -> serde_json::Value {
    serde_json::json!({
        "code": "10000", "msg": "Success",
        "trade_no": "2013112011001004330000121536", "out_trade_no": "20150320010101001",
        "buyer_logon_id": "159****5620", "total_amount": "88.88", "receipt_amount": "88.88",
        "buyer_pay_amount": "88.88", "point_amount": "0.00", "invoice_amount": "88.88",
        "gmt_payment": "2024-05-01 12:30:05", "store_name": "证大五道口店",
        "fund_bill_list": [{"fund_channel": "ALIPAYACCOUNT", "amount": "88.88"}],
        "buyer_user_id": "2088101117955611"
    })
}

fn benches(c: &mut Criterion) {
    let key = PrivateKey::generate().unwrap();
    let public = key.public_key().clone();
    let params = trade_pay_params();
    let content = sign_content(SignScope::Request, params.iter().copied());
    let body = envelope::build_response(
        "alipay_trade_pay_response",
        &trade_pay_response(),
        &key,
        SignType::Rsa2,
        Charset::Utf8,
    )
    .unwrap();

    let mut g = c.benchmark_group("alipay-core");
    g.measurement_time(Duration::from_secs(5));

    g.bench_function("request_sign_rsa2 (canonicalise + encode + sign + base64)", |b| {
        b.iter(|| sign_request(black_box(params.iter().copied()), &key, SignType::Rsa2, Charset::Utf8).unwrap())
    });
    g.bench_function("rsa2_sign_raw (RSA only)", |b| {
        b.iter(|| key.sign_raw(SignType::Rsa2, black_box(content.as_bytes())).unwrap())
    });
    g.bench_function("response_parse_verify_trade_pay (extract + JSON + verify)", |b| {
        b.iter(|| {
            envelope::verify_response(black_box(&body), "alipay.trade.pay", Charset::Utf8, &public, SignType::Rsa2)
                .unwrap()
        })
    });
    let sig = key.sign_raw(SignType::Rsa2, content.as_bytes()).unwrap();
    g.bench_function("rsa2_verify_raw (RSA only)", |b| {
        b.iter(|| public.verify_raw(SignType::Rsa2, black_box(content.as_bytes()), &sig).unwrap())
    });
    g.bench_function("sign_content (canonicalise only)", |b| {
        b.iter(|| sign_content(SignScope::Request, black_box(params.iter().copied())))
    });
    g.bench_function("envelope_extract (no RSA)", |b| {
        b.iter(|| envelope::extract(black_box(&body), "alipay.trade.pay", Charset::Utf8).unwrap())
    });

    // Protocol modes beside the plain paths: AES request (encrypt biz_content, then sign what is sent) and AES
    // answer (verify the quoted ciphertext, then decrypt); v3 request signing and answer verification.
    let aes = AesKey::generate();
    let biz = params.iter().find(|(k, _)| *k == "biz_content").map(|(_, v)| *v).unwrap();
    g.bench_function("request_sign_rsa2_aes (encrypt biz_content + canonicalise + sign)", |b| {
        b.iter(|| {
            let sealed = aes.encrypt(black_box(biz), Charset::Utf8).unwrap();
            let mut p: Vec<(&str, &str)> = params.iter().copied().filter(|(k, _)| *k != "biz_content").collect();
            p.push(("biz_content", &sealed));
            p.push(("encrypt_type", "AES"));
            sign_request(p.iter().copied(), &key, SignType::Rsa2, Charset::Utf8).unwrap()
        })
    });
    let answer_json = serde_json::to_string(&trade_pay_response()).unwrap();
    let sealed_answer = format!("\"{}\"", aes.encrypt(&answer_json, Charset::Utf8).unwrap());
    let sign = key.sign(SignType::Rsa2, sealed_answer.as_bytes()).unwrap();
    let aes_body = format!("{{\"alipay_trade_pay_response\":{sealed_answer},\"sign\":\"{sign}\"}}").into_bytes();
    g.bench_function("response_verify_decrypt_aes_trade_pay (extract + verify + decrypt + JSON)", |b| {
        b.iter(|| {
            let v = envelope::verify_response(
                black_box(&aes_body),
                "alipay.trade.pay",
                Charset::Utf8,
                &public,
                SignType::Rsa2,
            )
            .unwrap();
            let cipher: String = serde_json::from_str(v.json()).unwrap();
            let plain = aes.decrypt(&cipher, Charset::Utf8).unwrap();
            serde_json::from_str::<serde_json::Value>(&plain).unwrap()
        })
    });
    g.bench_function("aes_encrypt_biz_content (AES only)", |b| {
        b.iter(|| aes.encrypt(black_box(biz), Charset::Utf8).unwrap())
    });
    let sealed_biz = aes.encrypt(biz, Charset::Utf8).unwrap();
    g.bench_function("aes_decrypt_biz_content (AES only)", |b| {
        b.iter(|| aes.decrypt(black_box(&sealed_biz), Charset::Utf8).unwrap())
    });
    let auth = v3::AuthParams::new("2021000117650139", Some("866efef280dec9137a87d047ac446315"));
    g.bench_function("v3_sign_request (auth string + sign content + sign)", |b| {
        b.iter(|| v3::sign_request(&key, black_box(&auth), "POST", "/v3/alipay/trade/pay", biz, None).unwrap())
    });
    let v3_body = answer_json.as_bytes();
    let v3_sig = v3::sign_response(&key, "1714537800000", "0f8fad5b-d9cb-469f-a165-70867728950e", v3_body).unwrap();
    g.bench_function("v3_verify_response (sign content + verify)", |b| {
        b.iter(|| {
            v3::verify_response(
                &public,
                "1714537800000",
                "0f8fad5b-d9cb-469f-a165-70867728950e",
                black_box(v3_body),
                &v3_sig,
            )
            .unwrap()
        })
    });

    g.measurement_time(Duration::from_secs(3));
    g.sample_size(20);
    g.bench_function("rsa_legacy_sha1_sign (RustCrypto, blinded)", |b| {
        b.iter(|| key.sign_raw(SignType::Rsa, black_box(content.as_bytes())).unwrap())
    });
    g.finish();
}

criterion_group!(core, benches);
criterion_main!(core);
