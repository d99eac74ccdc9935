//! Sign a request and verify a response with alipay-core, end to end, in one process.
//!
//! `cargo run -p alipay-core --example quickstart`
//!
//! It plays both sides: a merchant signing `alipay.trade.precreate` with its app key, and a gateway checking
//! that signature with the app public key and answering with a signed envelope, which the merchant verifies
//! with the "Alipay" public key. Pass a PEM or base64 private key file as the first argument to sign with
//! your own key instead of a freshly generated one.
#![allow(clippy::print_stdout)]

use alipay_core::{envelope, form, sign_request, verify_request, ApiStatus, Charset, PrivateKey, SignType, Timestamp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app_key = match std::env::args().nth(1) {
        Some(path) => PrivateKey::from_text(&std::fs::read_to_string(path)?)?,
        None => PrivateKey::generate()?,
    };
    let alipay_key = PrivateKey::generate()?;
    alipay_key.public_key().ensure_not_app_key(&app_key)?;

    // 1. The merchant signs a request.
    let timestamp = Timestamp::now().to_string();
    let biz = r#"{"out_trade_no":"20150320010101001","total_amount":"88.88","subject":"Iphone6 16G"}"#;
    let mut params = vec![
        ("app_id", "2021000000000001"),
        ("method", "alipay.trade.precreate"),
        ("format", "JSON"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", &timestamp),
        ("version", "1.0"),
        ("biz_content", biz),
    ];
    let sign = sign_request(params.iter().copied(), &app_key, SignType::Rsa2, Charset::Utf8)?;
    params.push(("sign", &sign));
    println!("request body:\n  {}\n", form::encode(params.iter().copied(), Charset::Utf8)?);

    // 2. The gateway verifies it with the app public key and answers with a signed envelope.
    verify_request(params.iter().copied(), app_key.public_key(), SignType::Rsa2, Charset::Utf8)?;
    let answer = serde_json::json!({
        "code": "10000", "msg": "Success",
        "out_trade_no": "20150320010101001", "qr_code": "https://qr.alipay.com/bax08431"
    });
    let body = envelope::build_response(
        "alipay_trade_precreate_response",
        &answer,
        &alipay_key,
        SignType::Rsa2,
        Charset::Utf8,
    )?;
    println!("response body:\n  {}\n", String::from_utf8_lossy(&body));

    // 3. The merchant verifies the response over its raw bytes before reading a single field.
    let verified = envelope::verify_response(
        &body,
        "alipay.trade.precreate",
        Charset::Utf8,
        alipay_key.public_key(),
        SignType::Rsa2,
    )?;
    let status: ApiStatus = verified.status()?;
    println!("verified: {status}; object = {}", verified.json());
    Ok(())
}
