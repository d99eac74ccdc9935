#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]
//! Certificate mode: the published SN vectors, the chain check on real and issued certificates, and agreement
//! with the official Node SDK's own SN code (`ALIPAY_INTEROP=1`).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime};

use alipay_core::ca::CertAuthority;
use alipay_core::cert::{CertError, Certificate, RootCerts};
use alipay_core::PrivateKey;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/certs").join(name)).unwrap()
}

#[test]
fn published_sn_vectors() {
    assert_eq!(
        Certificate::from_pem(&fixture("appCertPublicKey_2021001161683774.crt")).unwrap().sn(),
        "866efef280dec9137a87d047ac446315"
    );
    assert_eq!(
        Certificate::from_pem(&fixture("alipayCertPublicKey_RSA2.crt")).unwrap().sn(),
        "7513daaaa48aa3ba2e4018d84402479c"
    );
    assert_eq!(
        RootCerts::from_pem(&fixture("alipayRootCert.crt")).unwrap().sn(),
        "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
    );
}

#[test]
fn issuer_is_printed_like_java_x500principal() {
    let cert = Certificate::from_pem(&fixture("alipayCertPublicKey_RSA2.crt")).unwrap();
    assert_eq!(
        cert.issuer(),
        "CN=Ant Financial Certification Authority Class 2 R1,OU=Certification Authority,O=Ant Financial,C=CN"
    );
    assert!(
        cert.subject().starts_with("CN=支付宝(中国)网络技术有限公司-2088831204659217,OU=Alipay,O="),
        "{}",
        cert.subject()
    );
    assert_eq!(cert.serial_decimal(), "42701552432456004857627230056898180491");
    // The public key in the certificate is the Node SDK's `loadPublicKey` value.
    assert!(cert
        .public_key()
        .unwrap()
        .to_spki_base64()
        .starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhoVesfcG"));
}

#[test]
fn root_bundle_keeps_rsa_roots_in_file_order() {
    let roots = RootCerts::from_pem(&fixture("alipayRootCert.crt")).unwrap();
    let rsa: Vec<bool> = roots.certs().iter().map(Certificate::is_rsa_signed).collect();
    assert_eq!(rsa, [false, true, false, true]); // SM2, RSA R1, ECDSA E1, RSA (SHA-1) iTrusChina
    let joined: Vec<&str> = roots.certs().iter().filter(|c| c.is_rsa_signed()).map(Certificate::sn).collect();
    assert_eq!(roots.sn(), joined.join("_"));
}

#[test]
fn real_alipay_chain_verifies_against_the_real_root_bundle() {
    let roots = RootCerts::from_pem(&fixture("alipayRootCert.crt")).unwrap();
    let chain = Certificate::all_from_pem(&fixture("alipayCertPublicKey_RSA2_chain_2025.crt")).unwrap();
    assert_eq!(chain.len(), 2);
    let mid_2026 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    roots.verify_chain_at(&chain, mid_2026).unwrap();
    // Without the intermediate, the leaf's issuer is unknown.
    assert!(matches!(roots.verify_chain_at(&chain[..1], mid_2026), Err(CertError::UnknownIssuer { .. })));
    // After the leaf expires, the chain is refused.
    let year_2031 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_930_000_000);
    assert!(matches!(roots.verify_chain_at(&chain, year_2031), Err(CertError::Expired { .. })));
    // The 2020 certificate expired in 2022.
    let old = Certificate::all_from_pem(&fixture("alipayCertPublicKey_RSA2.crt")).unwrap();
    assert!(matches!(roots.verify_chain(&old), Err(CertError::UnknownIssuer { .. }) | Err(CertError::Expired { .. })));
}

#[test]
fn issued_certificates_chain_and_foreign_ones_do_not() {
    let ca = CertAuthority::generate().unwrap();
    let key = PrivateKey::generate().unwrap();
    let cert = ca.issue("2088000000000001-2021000000000001", key.public_key()).unwrap();
    ca.roots().verify_chain(std::slice::from_ref(&cert)).unwrap();
    assert_eq!(cert.public_key().unwrap(), *key.public_key());
    // Alipay's bundle layout (fixtures/certs/alipayRootCert.crt): SM2, RSA R1, ECDSA E1, RSA; the SN joins the
    // RSA roots.
    let roots = ca.roots().certs();
    assert_eq!(roots.iter().map(Certificate::is_rsa_signed).collect::<Vec<_>>(), [false, true, false, true]);
    assert_eq!(ca.roots().sn(), format!("{}_{}", roots[1].sn(), roots[3].sn()));

    // Same names, other keys: the signature does not verify.
    let other = CertAuthority::generate().unwrap();
    let forged = other.issue("2088000000000001-2021000000000001", key.public_key()).unwrap();
    assert!(matches!(ca.roots().verify_chain(&[forged]), Err(CertError::BadSignature { .. })));

    // Expired.
    let now = SystemTime::now();
    let expired = ca
        .issue_valid("x", key.public_key(), now - Duration::from_secs(10 * 86_400), now - Duration::from_secs(86_400))
        .unwrap();
    assert!(matches!(ca.roots().verify_chain(&[expired]), Err(CertError::Expired { .. })));

    // PEM round trip, and a restored CA issues certificates that still chain.
    let back = Certificate::from_pem(&cert.to_pem()).unwrap();
    assert_eq!(back, cert);
    let restored = CertAuthority::from_parts(ca.root_key(), &ca.root_bundle_pem()).unwrap();
    assert_eq!(restored.roots().sn(), ca.roots().sn());
    ca.roots().verify_chain(&[restored.issue("y", key.public_key()).unwrap()]).unwrap();

    // Alipay certificates come from "Class 2 R1" and ship with it (fixtures/certs/alipayCertPublicKey_RSA2_chain_
    // 2025.crt); the leaf alone does not reach a root. A CA restored with its intermediates issues from the same
    // ones; restored without them, it makes new ones under the same root.
    let leaf = ca.issue_alipay("支付宝(中国)网络技术有限公司-2088000000000001", key.public_key()).unwrap();
    let chain = Certificate::all_from_pem(&ca.chain_pem(&leaf)).unwrap();
    assert_eq!(chain.len(), 2);
    ca.roots().verify_chain(&chain).unwrap();
    assert!(matches!(ca.roots().verify_chain(&chain[..1]), Err(CertError::UnknownIssuer { .. })));
    let kept = CertAuthority::restore(ca.root_key(), &ca.root_bundle_pem(), Some(&ca.intermediates())).unwrap();
    assert_eq!(kept.intermediates()[1].cert, ca.intermediates()[1].cert);
    let again = kept.issue_alipay("z", key.public_key()).unwrap();
    assert_eq!(Certificate::all_from_pem(&kept.chain_pem(&again)).unwrap()[1], chain[1]);
    let renewed = CertAuthority::from_parts(ca.root_key(), &ca.root_bundle_pem()).unwrap();
    let other_chain =
        Certificate::all_from_pem(&renewed.chain_pem(&renewed.issue_alipay("w", key.public_key()).unwrap())).unwrap();
    ca.roots().verify_chain(&other_chain).unwrap();
    // App certificates come from "Class 1 R1" (Alipay ships them alone: fixtures/certs/appCertPublicKey_*.crt);
    // `chain_pem` would add their intermediate too.
    let app = ca.issue_app("2088000000000001-2021000000000001", key.public_key()).unwrap();
    assert!(app.issuer().starts_with("CN=alipay-rs Local Certification Authority Class 1 R1,"), "{}", app.issuer());
    assert_eq!(Certificate::all_from_pem(&ca.chain_pem(&app)).unwrap().len(), 2);
}

#[test]
fn garbled_pem_is_an_error() {
    assert_eq!(Certificate::from_pem("nothing here"), Err(CertError::NoCertificate));
    let pem = fixture("alipayCertPublicKey_RSA2.crt");
    let cut = &pem[..pem.len() / 2];
    assert!(matches!(Certificate::from_pem(cut), Err(CertError::Pem { .. })));
    let damaged = pem.replacen("MIIDsjCC", "MIIDszCC", 1);
    assert!(matches!(Certificate::from_pem(&damaged), Err(CertError::Der { .. })));
}

// ---------------------------------------------------------------------------------------------------------
// The official Node SDK's own SN computation (`new AlipaySdk({appCertContent, ...}).config`).

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop")
}

fn node_sns(app: &str, alipay: &str, root: &str) -> Option<serde_json::Value> {
    let required = std::env::var("ALIPAY_INTEROP").is_ok_and(|v| v == "1");
    let dir = interop_dir();
    if !dir.join("node_modules/alipay-sdk").exists() {
        assert!(!required, "ALIPAY_INTEROP=1 but interop/node_modules is missing: run interop/install.sh");
        eprintln!("note: skipping the Node SDK comparison (run interop/install.sh and set ALIPAY_INTEROP=1)");
        return None;
    }
    let key = PrivateKey::generate().unwrap().to_pkcs1_pem();
    let job = serde_json::json!({"app": app, "alipay": alipay, "root": root, "key": key});
    let script = r#"
        const { AlipaySdk } = require('alipay-sdk');
        const job = JSON.parse(require('fs').readFileSync(0, 'utf8'));
        const sdk = new AlipaySdk({ appId: '2021000000000001', privateKey: job.key,
          appCertContent: job.app, alipayPublicCertContent: job.alipay, alipayRootCertContent: job.root });
        console.log(JSON.stringify({ app: sdk.config.appCertSn, alipay: sdk.config.alipayCertSn,
          root: sdk.config.alipayRootCertSn }));
    "#;
    let mut child = Command::new("node")
        .arg("-e")
        .arg(script)
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn node_sdk_computes_the_same_sns() {
    // Alipay's files.
    let (app, alipay, root) = (
        fixture("appCertPublicKey_2021001161683774.crt"),
        fixture("alipayCertPublicKey_RSA2.crt"),
        fixture("alipayRootCert.crt"),
    );
    let Some(node) = node_sns(&app, &alipay, &root) else { return };
    assert_eq!(node["app"], Certificate::from_pem(&app).unwrap().sn());
    assert_eq!(node["alipay"], Certificate::from_pem(&alipay).unwrap().sn());
    assert_eq!(node["root"], RootCerts::from_pem(&root).unwrap().sn());

    // Certificates issued by our CA (EC root first, as the SM2 root is in Alipay's bundle).
    let ca = CertAuthority::generate().unwrap();
    let app_cert = ca.issue("2088000000000001-2021000000000001", PrivateKey::generate().unwrap().public_key()).unwrap();
    let alipay_cert = ca
        .issue("支付宝(中国)网络技术有限公司-2088000000000001", PrivateKey::generate().unwrap().public_key())
        .unwrap();
    let node = node_sns(&app_cert.to_pem(), &alipay_cert.to_pem(), &ca.root_bundle_pem()).unwrap();
    assert_eq!(node["app"], app_cert.sn());
    assert_eq!(node["alipay"], alipay_cert.sn());
    assert_eq!(node["root"], ca.roots().sn());
}
