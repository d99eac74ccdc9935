//! Response envelopes as they arrive: compact, pretty, escaped, reordered, hostile, broken.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use alipay_core::envelope::{self, EnvelopeError};
use alipay_core::{ApiStatus, Charset, PrivateKey, ResultCode, SignType, VerifyError};
use std::sync::OnceLock;

const METHOD: &str = "alipay.trade.pay";

fn alipay_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().unwrap())
}

/// Signs `obj` (exact bytes) and lays out a body with `layout`, where `{OBJ}` and `{SIGN}` are replaced.
fn body(layout: &str, obj: &str) -> Vec<u8> {
    let sign = alipay_key().sign(SignType::Rsa2, obj.as_bytes()).unwrap();
    layout.replace("{OBJ}", obj).replace("{SIGN}", &sign).into_bytes()
}

fn verify(body: &[u8]) -> Result<alipay_core::VerifiedResponse, EnvelopeError> {
    envelope::verify_response(body, METHOD, Charset::Utf8, alipay_key().public_key(), SignType::Rsa2)
}

const OBJ: &str =
    r#"{"code":"10000","msg":"Success","trade_no":"2013112011001004330000121536","total_amount":"88.88"}"#;

#[test]
fn compact() {
    let r = verify(&body(r#"{"alipay_trade_pay_response":{OBJ},"sign":"{SIGN}"}"#, OBJ)).unwrap();
    assert_eq!(r.json(), OBJ);
    assert_eq!(r.key(), "alipay_trade_pay_response");
    assert!(r.status().unwrap().is_success());
}

#[test]
fn pretty_printed_envelope_and_object() {
    let pretty_obj = "{\n    \"code\" : \"10000\",\n    \"msg\" : \"Success\"\n  }";
    let layout = "{\n  \"alipay_trade_pay_response\" : {OBJ},\n  \"sign\" : \"{SIGN}\"\n}\n";
    let r = verify(&body(layout, pretty_obj)).unwrap();
    assert_eq!(r.json(), pretty_obj);
}

#[test]
fn escaped_slashes_verify_exactly_and_through_the_fallback() {
    let escaped = r#"{"code":"10000","msg":"Success","qr_code":"https:\/\/qr.alipay.com\/bax03431"}"#;
    // Signed over the escaped bytes (what our gateway does).
    verify(&body(r#"{"alipay_trade_pay_response":{OBJ},"sign":"{SIGN}"}"#, escaped)).unwrap();
    // Signed over the unescaped text but sent escaped (the case the Java SDK's fallback exists for).
    let unescaped = escaped.replace(r"\/", "/");
    let sign = alipay_key().sign(SignType::Rsa2, unescaped.as_bytes()).unwrap();
    let b = format!(r#"{{"alipay_trade_pay_response":{escaped},"sign":"{sign}"}}"#);
    let r = verify(b.as_bytes()).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(r.json()).unwrap();
    assert_eq!(parsed["qr_code"], "https://qr.alipay.com/bax03431");
}

#[test]
fn braces_and_escaped_quotes_inside_strings() {
    let tricky = r#"{"code":"10000","msg":"Success","subject":"a}b{\"c\\\"}}","body":"\\\\","x":{"y":"}"}}"#;
    let r = verify(&body(r#"{"alipay_trade_pay_response":{OBJ},"sign":"{SIGN}"}"#, tricky)).unwrap();
    assert_eq!(r.json(), tricky);
}

#[test]
fn error_response_when_the_method_key_is_absent() {
    let obj =
        r#"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-method","sub_msg":"不存在的方法名"}"#;
    let r = verify(&body(r#"{"error_response":{OBJ},"sign":"{SIGN}"}"#, obj)).unwrap();
    assert!(r.is_error_response());
    let status = r.status().unwrap();
    assert_eq!(status.code, ResultCode::InvalidArgument);
    assert_eq!(status.sub_code.as_deref(), Some("isv.invalid-method"));
}

#[test]
fn sign_before_the_object() {
    let r = verify(&body(r#"{"sign":"{SIGN}","alipay_trade_pay_response":{OBJ}}"#, OBJ)).unwrap();
    assert_eq!(r.json(), OBJ);
}

#[test]
fn a_duplicate_response_key_is_rejected_even_when_the_first_verifies() {
    let evil = r#"{"code":"10000","msg":"Success","total_amount":"0.01"}"#;
    let layout =
        format!(r#"{{"alipay_trade_pay_response":{{OBJ}},"alipay_trade_pay_response":{evil},"sign":"{{SIGN}}"}}"#);
    let err = verify(&body(&layout, OBJ)).unwrap_err();
    assert_eq!(err, EnvelopeError::DuplicateKey { key: "alipay_trade_pay_response".into() });
}

#[test]
fn unsigned_error_is_an_error_that_shows_what_it_claimed() {
    let b = br#"{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id"}}"#;
    match verify(b).unwrap_err() {
        EnvelopeError::Unsigned { claimed: Some(ApiStatus { sub_code, .. }) } => {
            assert_eq!(sub_code.as_deref(), Some("isv.invalid-app-id"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_bodies_are_rejected() {
    let full = body(r#"{"alipay_trade_pay_response":{OBJ},"sign":"{SIGN}"}"#, OBJ);
    for cut in [10, 40, OBJ.len(), OBJ.len() + 35, full.len() - 1] {
        assert!(verify(&full[..cut]).is_err(), "cut at {cut}");
    }
    assert!(matches!(verify(b"").unwrap_err(), EnvelopeError::MissingResponseKey { .. }));
    assert!(matches!(verify(b"<html>502 Bad Gateway</html>").unwrap_err(), EnvelopeError::MissingResponseKey { .. }));
}

#[test]
fn tampered_object_or_wrong_key_fails_verification() {
    let b = String::from_utf8(body(r#"{"alipay_trade_pay_response":{OBJ},"sign":"{SIGN}"}"#, OBJ)).unwrap();
    let tampered = b.replace("88.88", "88.89");
    assert!(matches!(
        verify(tampered.as_bytes()).unwrap_err(),
        EnvelopeError::BadSignature(VerifyError::Mismatch { .. })
    ));
    let other = PrivateKey::generate().unwrap();
    let err = envelope::verify_response(b.as_bytes(), METHOD, Charset::Utf8, other.public_key(), SignType::Rsa2);
    assert!(matches!(err.unwrap_err(), EnvelopeError::BadSignature(_)));
}

#[test]
fn gbk_round_trip_through_build_and_verify() {
    let obj = serde_json::json!({"code": "10000", "msg": "Success", "subject": "水费{}\\账单", "url": "a/b"});
    for (cs, st) in [(Charset::Gbk, SignType::Rsa2), (Charset::Gbk, SignType::Rsa), (Charset::Utf8, SignType::Rsa)] {
        let b = envelope::build_response("alipay_trade_pay_response", &obj, alipay_key(), st, cs).unwrap();
        let r = envelope::verify_response(&b, METHOD, cs, alipay_key().public_key(), st).unwrap();
        let back: serde_json::Value = serde_json::from_str(r.json()).unwrap();
        assert_eq!(back, obj);
    }
    // The same GBK body read as UTF-8 is not accepted.
    let b = envelope::build_response("alipay_trade_pay_response", &obj, alipay_key(), SignType::Rsa2, Charset::Gbk)
        .unwrap();
    assert!(verify(&b).is_err());
}

#[test]
fn built_envelope_has_the_documented_shape() {
    let b = envelope::build_response(
        "alipay_trade_pay_response",
        &ApiStatus::success(),
        alipay_key(),
        SignType::Rsa2,
        Charset::Utf8,
    )
    .unwrap();
    let text = String::from_utf8(b).unwrap();
    assert!(text.starts_with(r#"{"alipay_trade_pay_response":{"code":"10000","msg":"Success"},"sign":""#), "{text}");
    assert!(text.ends_with("\"}"));
}

#[test]
fn encrypted_string_body_is_extracted_with_quotes() {
    let b = body(r#"{"alipay_trade_pay_response":{OBJ},"sign":"{SIGN}"}"#, r#""q83vEjRWeJA=""#);
    let part = envelope::extract(&b, METHOD, Charset::Utf8).unwrap();
    assert_eq!(part.content, br#""q83vEjRWeJA=""#);
}
