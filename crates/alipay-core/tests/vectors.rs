//! Cross-check against vectors made by the `openssl` CLI (tests/vectors/make_vectors.py): the crate must
//! compute the same sign content, produce the same (deterministic) PKCS#1 v1.5 signature, and verify it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use alipay_core::{sign_content, Charset, PrivateKey, SignScope, SignType};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    name: String,
    scope: String,
    charset: String,
    digest: String,
    key: String,
    params: Vec<(String, String)>,
    content: String,
    signature: String,
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str(include_str!("vectors/vectors.json")).unwrap()
}

fn key(file: &str) -> PrivateKey {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    PrivateKey::from_text(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn sign_content_matches_the_independent_implementation() {
    for v in vectors() {
        let scope = match v.scope.as_str() {
            "request" => SignScope::Request,
            "notify_v1" => SignScope::NotifyV1,
            _ => SignScope::NotifyV2,
        };
        let got = sign_content(scope, v.params.iter().map(|(k, v)| (k, v)));
        assert_eq!(got, v.content, "case {}", v.name);
    }
}

#[test]
fn signatures_equal_openssl_byte_for_byte_and_verify() {
    let vs = vectors();
    assert!(vs.len() >= 9);
    for v in vs {
        let key = key(&v.key);
        let charset: Charset = v.charset.parse().unwrap();
        let sign_type = if v.digest == "sha1" { SignType::Rsa } else { SignType::Rsa2 };
        let bytes = charset.encode(&v.content).unwrap();
        assert_eq!(key.sign(sign_type, &bytes).unwrap(), v.signature, "case {}", v.name);
        key.public_key().verify(sign_type, &bytes, &v.signature).unwrap();

        // One changed byte, the other algorithm, or the content in the other charset must all fail.
        let mut tampered = bytes.to_vec();
        tampered[0] ^= 1;
        assert!(key.public_key().verify(sign_type, &tampered, &v.signature).is_err(), "case {}", v.name);
        let other = if sign_type == SignType::Rsa { SignType::Rsa2 } else { SignType::Rsa };
        assert!(key.public_key().verify(other, &bytes, &v.signature).is_err(), "case {}", v.name);
        if !v.content.is_ascii() {
            let other_cs = if charset == Charset::Gbk { Charset::Utf8 } else { Charset::Gbk };
            if let Ok(reencoded) = other_cs.encode(&v.content) {
                assert!(key.public_key().verify(sign_type, &reencoded, &v.signature).is_err(), "case {}", v.name);
            }
        }
    }
}

#[test]
fn the_pem_test_keys_load_in_every_form() {
    for file in ["rsa2048.pem", "rsa1024.pem"] {
        let k = key(file);
        for text in [k.to_pkcs1_pem(), k.to_pkcs8_pem(), k.to_pkcs1_base64(), k.to_pkcs8_base64()] {
            assert_eq!(PrivateKey::from_text(&text).unwrap().public_key(), k.public_key());
        }
    }
}
