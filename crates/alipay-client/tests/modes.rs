#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]
//! Every protocol mode against a scripted gateway (`modes_gw`): cert mode, AES, cert + AES, each in v2 and v3;
//! Alipay certificate rotation; and every failure path (download failure, untrusted download, broken chain,
//! wrong AES key, bad ciphertext, tampered or missing v3 signature, v3 error answers).

mod modes_gw;

use std::time::Duration;

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_api::trade::TradeQuery;
use alipay_client::{CallOptions, ConfigError, Error, Protocol, ResponseExt};
use alipay_core::ca::CertAuthority;
use alipay_core::cert::CertError;
use alipay_core::{Charset, EnvelopeError};
use modes_gw::{start, Running, V3Mode, DOWNLOAD};
use serde_json::json;

const QUERY: &str = "alipay.trade.query";

fn query() -> TradeQuery {
    TradeQuery { out_trade_no: Some("T1".into()), ..Default::default() }
}

fn answer_success(gw: &Running) {
    gw.answer(
        QUERY,
        json!({"code":"10000","msg":"Success","out_trade_no":"T1","trade_no":"2024","trade_status":"TRADE_SUCCESS",
               "total_amount":"88.88","subject":"咖啡 / coffee"}),
    );
}

/// One successful typed call in the client's mode; returns what the gateway saw.
async fn round_trip(gw: &Running, client: &alipay_client::AlipayClient) -> modes_gw::Seen {
    answer_success(gw);
    let trade = client.execute(&query()).await.unwrap().ok().unwrap();
    assert_eq!(trade.trade_no.as_deref(), Some("2024"));
    let seen = gw.last(QUERY);
    assert!(seen.verified, "the gateway could not verify the request: {seen:?}");
    assert_eq!(seen.fields["out_trade_no"], "T1");
    seen
}

// ---------------------------------------------------------------------------------------------------------
// Happy paths.

#[tokio::test]
async fn cert_mode_v2_signs_the_sns_and_verifies_with_the_named_cert() {
    let gw = start(true).await;
    let client = gw.builder().build().unwrap();
    assert_eq!(client.app_cert_sn(), Some(gw.gw.app_cert.sn()));
    assert_eq!(client.alipay_root_cert_sn(), Some(gw.gw.ca.roots().sn()));
    let seen = round_trip(&gw, &client).await;
    // Both SNs were sent and signed (the gateway's verify_request covers every parameter).
    assert_eq!(seen.param("app_cert_sn"), Some(gw.gw.app_cert.sn()));
    assert_eq!(seen.param("alipay_root_cert_sn"), Some(gw.gw.ca.roots().sn()));
    assert!(!seen.encrypted);
    assert_eq!(gw.downloads(), 0);
}

#[tokio::test]
async fn aes_v2_encrypts_the_request_and_decrypts_answers_including_errors() {
    let gw = start(false).await;
    let client = gw.builder().aes_key(&gw.gw.aes.to_base64()).build().unwrap();
    let seen = round_trip(&gw, &client).await;
    assert!(seen.encrypted);
    assert_eq!(seen.param("encrypt_type"), Some("AES"));
    let sent = seen.param("biz_content").unwrap();
    assert!(!sent.contains("T1"), "biz_content went in clear: {sent}");
    // An encrypted business failure comes back decrypted, as a verified status.
    gw.answer(
        QUERY,
        json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}),
    );
    let answer = client.execute(&query()).await.unwrap();
    assert_eq!(answer.status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
    // Per call: off.
    answer_success(&gw);
    let off = CallOptions { encrypt: Some(false), ..Default::default() };
    client.execute_with(&query(), &off).await.unwrap().ok().unwrap();
    assert!(!gw.last(QUERY).encrypted);
}

#[tokio::test]
async fn aes_per_call_and_gbk() {
    let gw = start(false).await;
    let client =
        gw.builder().aes_key(&gw.gw.aes.to_base64()).encrypt_by_default(false).charset(Charset::Gbk).build().unwrap();
    answer_success(&gw);
    client.execute(&query()).await.unwrap().ok().unwrap();
    assert!(!gw.last(QUERY).encrypted);
    answer_success(&gw);
    let on = CallOptions { encrypt: Some(true), ..Default::default() };
    let trade = client.execute_with(&query(), &on).await.unwrap().ok().unwrap();
    assert_eq!(trade.subject.as_deref(), Some("咖啡 / coffee"));
    assert!(gw.last(QUERY).encrypted);
    // Asking for encryption without a key is an error before anything is sent.
    let plain = gw.builder().build().unwrap();
    let before = gw.seen().len();
    assert!(matches!(plain.execute_with(&query(), &on).await, Err(Error::NoAesKey)));
    assert_eq!(gw.seen().len(), before);
}

#[tokio::test]
async fn cert_and_aes_v2() {
    let gw = start(true).await;
    let client = gw.builder().aes_key(&gw.gw.aes.to_base64()).build().unwrap();
    let seen = round_trip(&gw, &client).await;
    assert!(seen.encrypted);
    assert_eq!(seen.param("app_cert_sn"), Some(gw.gw.app_cert.sn()));
}

#[tokio::test]
async fn v3_plain_cert_aes_and_cert_aes() {
    for (cert, aes) in [(false, false), (true, false), (false, true), (true, true)] {
        let gw = start(cert).await;
        let mut b = gw.builder().protocol(Protocol::V3);
        if aes {
            b = b.aes_key(&gw.gw.aes.to_base64());
        }
        let client = b.build().unwrap();
        let seen = round_trip(&gw, &client).await;
        assert_eq!(seen.path_and_query, "/v3/alipay/trade/query");
        assert_eq!(seen.encrypted, aes, "cert={cert} aes={aes}");
        let auth = seen.header("authorization").unwrap();
        assert!(auth.starts_with("ALIPAY-SHA256withRSA app_id=2021000000000001,"), "{auth}");
        if cert {
            assert!(auth.contains(&format!(",app_cert_sn={},", gw.gw.app_cert.sn())), "{auth}");
            assert_eq!(seen.header("alipay-root-cert-sn"), Some(gw.gw.ca.roots().sn()));
        } else {
            assert!(!auth.contains("app_cert_sn"));
            assert_eq!(seen.header("alipay-root-cert-sn"), None);
        }
        if aes {
            assert_eq!(seen.header("content-type"), Some("text/plain"));
            assert_eq!(seen.header("alipay-encrypt-type"), Some("AES"));
            assert_eq!(seen.header("alipay-encryption-algm"), Some("AES"));
        } else {
            assert_eq!(seen.header("content-type"), Some("application/json"));
        }
        assert_eq!(seen.header("alipay-request-id").map(str::len), Some(32));
    }
}

#[tokio::test]
async fn v3_get_sends_a_signed_query_string_and_app_auth_token() {
    let gw = start(true).await;
    let client = gw.builder().protocol(Protocol::V3).build().unwrap();
    gw.answer(
        "alipay.data.dataservice.bill.downloadurl.query",
        json!({"code":"10000","msg":"Success","bill_download_url":"http://x/y?a=1&b=2"}),
    );
    let q = BillDownloadUrlQuery { bill_type: BillType::Trade, bill_date: "2024-05-01".into() };
    let opts = CallOptions::for_merchant("202405BB1234");
    let bill = client.execute_with(&q, &opts).await.unwrap().ok().unwrap();
    assert_eq!(bill.bill_download_url.as_deref(), Some("http://x/y?a=1&b=2"));
    let seen = gw.last("alipay.data.dataservice.bill.downloadurl.query");
    assert!(seen.verified);
    assert_eq!(
        seen.path_and_query,
        "/v3/alipay/data/dataservice/bill/downloadurl/query?bill_type=trade&bill_date=2024-05-01"
    );
    assert_eq!(seen.header("alipay-app-auth-token"), Some("202405BB1234"));
    // A method without a v3 path is refused before sending.
    let err =
        client.call_raw("alipay.trade.page.pay", Some(&json!({})), &[], &CallOptions::default()).await.unwrap_err();
    assert!(matches!(err, Error::NoV3Path(m) if m == "alipay.trade.page.pay"));
}

// ---------------------------------------------------------------------------------------------------------
// Rotation.

#[tokio::test]
async fn unknown_sn_downloads_once_checks_the_chain_and_caches() {
    let gw = start(true).await;
    let client = gw.builder().build().unwrap();
    round_trip(&gw, &client).await;
    let new_sn = gw.rotate(None);
    round_trip(&gw, &client).await;
    assert_eq!(gw.downloads(), 1);
    let dl = gw.last(DOWNLOAD);
    assert!(dl.verified);
    assert_eq!(dl.fields["alipay_cert_sn"], new_sn.as_str());
    assert!(client.trusted_alipay_cert_sns().contains(&new_sn));
    // Cached: no second download.
    round_trip(&gw, &client).await;
    assert_eq!(gw.downloads(), 1);
}

#[tokio::test]
async fn concurrent_callers_share_one_download() {
    let gw = start(true).await;
    let client = gw.builder().build().unwrap();
    answer_success(&gw);
    gw.rotate(None);
    *gw.gw.download_delay.lock().unwrap() = Duration::from_millis(200);
    let calls = (0..8).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.execute(&query()).await })
    });
    for call in calls {
        call.await.unwrap().unwrap().ok().unwrap();
    }
    assert_eq!(gw.downloads(), 1);
}

#[tokio::test]
async fn v3_rotation_follows_the_alipay_sn_header() {
    let gw = start(true).await;
    let client = gw.builder().protocol(Protocol::V3).build().unwrap();
    gw.rotate(None);
    round_trip(&gw, &client).await;
    round_trip(&gw, &client).await;
    assert_eq!(gw.downloads(), 1);
}

// ---------------------------------------------------------------------------------------------------------
// Failures.

#[tokio::test]
async fn failed_download_is_an_error_and_not_retried_by_waiting_callers() {
    let gw = start(true).await;
    let client = gw.builder().build().unwrap();
    answer_success(&gw);
    let sn = gw.rotate(None);
    *gw.gw.download_failure.lock().unwrap() =
        Some(json!({"code":"40004","msg":"Business Failed","sub_code":"isv.cert-not-exist","sub_msg":"证书不存在"}));
    *gw.gw.download_delay.lock().unwrap() = Duration::from_millis(200);
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.execute(&query()).await })
        })
        .collect();
    for call in calls {
        match call.await.unwrap() {
            Err(Error::CertDownload { sn: s, .. }) => assert_eq!(s, sn),
            other => panic!("expected CertDownload, got {other:?}"),
        }
    }
    assert_eq!(gw.downloads(), 1);
    assert!(!client.trusted_alipay_cert_sns().contains(&sn));
}

#[tokio::test]
async fn downloaded_cert_that_does_not_chain_is_refused() {
    let gw = start(true).await;
    let client = gw.builder().build().unwrap();
    answer_success(&gw);
    let rogue_ca = CertAuthority::generate().unwrap(); // same names, other keys
    let sn = gw.rotate(Some(&rogue_ca));
    match client.execute(&query()).await {
        Err(Error::CertUntrusted { sn: s, source: CertError::BadSignature { .. } }) => assert_eq!(s, sn),
        other => panic!("expected CertUntrusted, got {other:?}"),
    }
    assert!(!client.trusted_alipay_cert_sns().contains(&sn));
}

#[tokio::test]
async fn download_answer_signed_only_by_the_new_cert_is_refused() {
    let gw = start(true).await;
    let client = gw.builder().build().unwrap();
    answer_success(&gw);
    gw.rotate(None);
    let new_signer = gw.gw.signer.lock().unwrap().clone();
    *gw.gw.download_signer.lock().unwrap() = new_signer;
    match client.execute(&query()).await {
        Err(Error::CertDownload { source, .. }) => assert!(matches!(*source, Error::UnknownAlipayCert { .. })),
        other => panic!("expected CertDownload, got {other:?}"),
    }
}

#[tokio::test]
async fn broken_chain_or_wrong_app_cert_fail_at_build() {
    let gw = start(true).await;
    let g = &gw.gw;
    let rogue = CertAuthority::generate().unwrap();
    let foreign = rogue.issue("alipay", g.configured.key.public_key()).unwrap();
    let err = alipay_client::AlipayClient::builder("2021000000000001", &g.app_key.to_pkcs8_pem(), "")
        .certs(&g.app_cert.to_pem(), &foreign.to_pem(), &g.ca.root_bundle_pem())
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::AlipayCert(CertError::BadSignature { .. })), "{err}");
    let other_app = alipay_core::PrivateKey::generate().unwrap();
    let err = alipay_client::AlipayClient::builder("2021000000000001", &other_app.to_pkcs8_pem(), "")
        .certs(&g.app_cert.to_pem(), &g.configured.cert.to_pem(), &g.ca.root_bundle_pem())
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::AppCertMismatch { .. }), "{err}");
}

#[tokio::test]
async fn wrong_aes_key_or_bad_ciphertext_is_a_decrypt_error() {
    for v3 in [false, true] {
        let gw = start(false).await;
        let protocol = if v3 { Protocol::V3 } else { Protocol::V2 };
        let client = gw.builder().protocol(protocol).aes_key(&gw.gw.aes.to_base64()).build().unwrap();
        answer_success(&gw);
        *gw.gw.answer_aes.lock().unwrap() = Some(alipay_core::aes::AesKey::generate());
        let err = client.execute(&query()).await.unwrap_err();
        assert!(matches!(err, Error::Decrypt(_)), "v3={v3}: {err:?}");
    }
    let gw = start(false).await;
    let client = gw.builder().aes_key(&gw.gw.aes.to_base64()).build().unwrap();
    answer_success(&gw);
    *gw.gw.answer_garbage.lock().unwrap() = Some("bm90IGEgY2lwaGVydGV4dA==".into());
    assert!(matches!(client.execute(&query()).await, Err(Error::Decrypt(_))));
    // The client's key is not the app's: the gateway cannot decrypt and says so in a verified plain answer.
    let gw = start(false).await;
    let client = gw.builder().aes_key(&alipay_core::aes::AesKey::generate().to_base64()).build().unwrap();
    answer_success(&gw);
    let answer = client.execute(&query()).await.unwrap();
    assert_eq!(answer.status.sub_code.as_deref(), Some("isv.decryption-error-unknown"));
}

#[tokio::test]
async fn v3_tampered_or_missing_signature_is_verify_error() {
    let gw = start(false).await;
    let client = gw.builder().protocol(Protocol::V3).build().unwrap();
    answer_success(&gw);
    *gw.gw.v3_mode.lock().unwrap() = V3Mode::TamperSignature;
    let err = client.execute(&query()).await.unwrap_err();
    assert!(matches!(err, Error::Verify(EnvelopeError::V3(_))), "{err:?}");
    *gw.gw.v3_mode.lock().unwrap() = V3Mode::NoSignature;
    let err = client.execute(&query()).await.unwrap_err();
    assert!(matches!(err, Error::Verify(EnvelopeError::V3(_))), "{err:?}");
}

#[tokio::test]
async fn v3_error_answer_is_a_typed_error() {
    let gw = start(true).await;
    let client = gw.builder().protocol(Protocol::V3).build().unwrap();
    gw.answer(
        QUERY,
        json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}),
    );
    match client.execute(&query()).await {
        Err(Error::V3Api { status, code, message, verified, links }) => {
            assert_eq!(
                (status, code.as_str(), message.as_str(), verified),
                (400, "ACQ.TRADE_NOT_EXIST", "交易不存在", true)
            );
            assert_eq!(links[0]["desc"], "解决方案");
        }
        other => panic!("expected V3Api, got {other:?}"),
    }
    // Unsigned error answers are still errors, flagged unverified.
    *gw.gw.v3_mode.lock().unwrap() = V3Mode::NoSignature;
    match client.execute(&query()).await {
        Err(Error::V3Api { verified, .. }) => assert!(!verified),
        other => panic!("expected V3Api, got {other:?}"),
    }
}

#[tokio::test]
async fn config_file_fields_select_every_mode() {
    let gw = start(true).await;
    let g = &gw.gw;
    let dir = std::env::temp_dir().join(format!("alipay-modes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root_path = dir.join("alipayRootCert.crt");
    std::fs::write(&root_path, g.ca.root_bundle_pem()).unwrap();
    let cfg = json!({
        "gateway_url": gw.gateway_url(), "app_id": "2021000000000001", "app_private_key": g.app_key.to_pkcs1_pem(),
        "app_cert": g.app_cert.to_pem(), "alipay_cert": g.configured.cert.to_pem(),
        "alipay_root_cert_path": root_path.display().to_string(),
        "aes_key": g.aes.to_base64(), "protocol": "v3"
    });
    let config: alipay_client::ClientConfig = serde_json::from_value(cfg).unwrap();
    let client = alipay_client::AlipayClient::from_config(&config).unwrap();
    assert_eq!(client.protocol(), Protocol::V3);
    let seen = round_trip(&gw, &client).await;
    assert!(seen.encrypted);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn config_mode_fields_are_checked() {
    let base = json!({"gateway_url": "http://127.0.0.1:1/gateway.do", "app_id": "2021000000000001",
                      "app_private_key": alipay_core::PrivateKey::generate().unwrap().to_pkcs8_pem(),
                      "alipay_public_key": alipay_core::PrivateKey::generate().unwrap().public_key().to_spki_pem()});
    let build = |extra: serde_json::Value| {
        let mut cfg = base.clone();
        cfg.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let config: alipay_client::ClientConfig = serde_json::from_value(cfg).unwrap();
        alipay_client::AlipayClient::from_config(&config)
    };
    let err = build(json!({"app_cert": "x"})).unwrap_err();
    assert!(err.to_string().contains("needs all three"), "{err}");
    let err = build(json!({"app_cert_path": "/nonexistent/app.crt", "alipay_cert": "x", "alipay_root_cert": "y"}))
        .unwrap_err();
    assert!(matches!(err, ConfigError::ReadFile { .. }), "{err}");
    let err = build(json!({"encrypt_type": "AES"})).unwrap_err();
    assert!(err.to_string().contains("no aes_key"), "{err}");
    let err = build(json!({"aes_key": "AAAA"})).unwrap_err();
    assert!(matches!(err, ConfigError::AesKey(alipay_core::aes::AesError::KeyLength(3))), "{err}");
    let err = build(json!({"protocol": "v4"})).unwrap_err();
    assert!(err.to_string().contains("v4"), "{err}");
}
