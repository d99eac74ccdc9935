//! Protocol modes over HTTP with real signatures and certificates: cert mode, AES and v3 bad inputs answer
//! their documented codes, signed (with the right certificate, encrypted where the request was), and change
//! nothing; the CA and the Alipay certificates survive a restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use alipay_core::aes::AesKey;
use alipay_core::cert::Certificate;
use alipay_core::v3::{self as core_v3, AuthParams, ResponseHeaders};
use alipay_core::{envelope, envelope_modes, Charset, PrivateKey, PublicKey, SignType};
use alipay_sandbox_admin::{AdminError, NewApp, RegisteredApp, TradeLocator};
use common::{code_of, sub_code_of, Harness};
use serde_json::{json, Value};

const PRECREATE: &str = "alipay.trade.precreate";
const QUERY: &str = "alipay.trade.query";

/// What to send beside the app's own settings.
#[derive(Default, Clone)]
struct Send {
    app_cert_sn: Option<Option<String>>,
    root_sn: Option<Option<String>>,
    encrypt: bool,
    garbage_cipher: bool,
}

struct Answer {
    obj: Value,
    cert_sn: Option<String>,
    encrypted: bool,
}

fn key_of(app: &RegisteredApp) -> PrivateKey {
    PrivateKey::from_text(app.app_private_key.as_deref().unwrap()).unwrap()
}

/// Signs and sends `method` as `app`; verifies the answer with `alipay_key` (decrypting it if it is encrypted).
async fn call(h: &Harness, app: &RegisteredApp, method: &str, biz: Value, s: &Send, alipay_key: &PublicKey) -> Answer {
    let mut params = h.common(
        &common::TestApp { app_id: app.app_id.clone(), key: key_of(app), sign_type: SignType::Rsa2 },
        method,
        Charset::Utf8,
    );
    let cert_sn = s.app_cert_sn.clone().unwrap_or_else(|| app.app_cert_sn.clone());
    let root_sn = s.root_sn.clone().unwrap_or_else(|| app.alipay_root_cert_sn.clone());
    if let Some(sn) = cert_sn {
        params.push(("app_cert_sn".into(), sn));
    }
    if let Some(sn) = root_sn {
        params.push(("alipay_root_cert_sn".into(), sn));
    }
    let aes = app.aes_key.as_deref().map(|k| AesKey::from_base64(k).unwrap());
    let biz = if s.garbage_cipher {
        params.push(("encrypt_type".into(), "AES".into()));
        "bm90IGEgY2lwaGVydGV4dA==".to_owned()
    } else if s.encrypt {
        params.push(("encrypt_type".into(), "AES".into()));
        aes.as_ref().unwrap().encrypt(&biz.to_string(), Charset::Utf8).unwrap()
    } else {
        biz.to_string()
    };
    params.push(("biz_content".into(), biz));
    Harness::sign(&mut params, &key_of(app), SignType::Rsa2, Charset::Utf8);
    let (status, _, body) = h.post_form(&params, Charset::Utf8).await;
    assert_eq!(status, 200);
    let top: Value = serde_json::from_slice(&body).unwrap();
    let verified = envelope::verify_response(&body, method, Charset::Utf8, alipay_key, SignType::Rsa2)
        .unwrap_or_else(|e| panic!("answer does not verify: {e}: {}", String::from_utf8_lossy(&body)));
    let (obj, encrypted) = match &aes {
        Some(k) => match envelope_modes::decrypt_verified(&verified, k, Charset::Utf8) {
            Ok(json) => (serde_json::from_str(&json).unwrap(), true),
            Err(_) => (serde_json::from_str(verified.json()).unwrap(), false),
        },
        None => (serde_json::from_str(verified.json()).unwrap(), false),
    };
    Answer { obj, cert_sn: top["alipay_cert_sn"].as_str().map(str::to_owned), encrypted }
}

fn cert_key(pem: &str) -> PublicKey {
    Certificate::from_pem(pem).unwrap().public_key().unwrap()
}

fn pre(no: &str) -> Value {
    json!({"out_trade_no": no, "total_amount": "9.99", "subject": "modes"})
}

/// Nothing was created: the store has no trade `no` of the app (unscanned precreates included).
async fn not_created(h: &Harness, app: &RegisteredApp, no: &str) {
    assert!(!created(h, app, no).await, "{no} was created");
}

async fn created(h: &Harness, app: &RegisteredApp, no: &str) -> bool {
    let at = TradeLocator { app_id: Some(app.app_id.clone()), out_trade_no: Some(no.into()), ..Default::default() };
    match h.admin.trade(&at).await {
        Ok(_) => true,
        Err(AdminError::Http { status: 404, .. }) => false,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn cert_mode_bad_inputs_answer_signed_and_change_nothing() {
    let h = Harness::start().await;
    let app = h.admin.register_app(&NewApp { cert_mode: true, ..Default::default() }).await.unwrap();
    let key = cert_key(app.alipay_cert.as_deref().unwrap());
    let sn = app.alipay_cert_sn.clone();
    let cases: Vec<(Send, &str)> = vec![
        (Send { app_cert_sn: Some(None), ..Send::default() }, "isv.missing-app-cert-sn"),
        (
            Send { app_cert_sn: Some(Some("0123456789abcdef0123456789abcdef".into())), ..Send::default() },
            "isv.app-cert-not-exist",
        ),
        (
            Send { root_sn: Some(Some("687b59193f3f462dd5336e5abf83c5d8".into())), ..Send::default() },
            "isv.invalid-alipay-root-cert-sn",
        ),
        (Send { root_sn: Some(None), ..Send::default() }, "isv.invalid-alipay-root-cert-sn"),
    ];
    for (i, (send, sub)) in cases.into_iter().enumerate() {
        let no = format!("CB{i}");
        let a = call(&h, &app, PRECREATE, pre(&no), &send, &key).await;
        assert_eq!((code_of(&a.obj), sub_code_of(&a.obj)), ("40002", sub), "{}", a.obj);
        assert_eq!(a.cert_sn, sn, "signed with the Alipay certificate, naming its SN");
        not_created(&h, &app, &no).await;
    }
    let a = call(&h, &app, PRECREATE, pre("CBOK"), &Send::default(), &key).await;
    assert_eq!(code_of(&a.obj), "10000", "{}", a.obj);
    assert_eq!(a.cert_sn, sn);
    // After a rotation, answers are signed with the new certificate and name its SN.
    let rotated = h.admin.rotate_alipay_cert().await.unwrap();
    let a =
        call(&h, &app, QUERY, json!({"out_trade_no": "CBOK"}), &Send::default(), &cert_key(&rotated.alipay_cert)).await;
    assert_eq!(a.cert_sn.as_deref(), Some(rotated.alipay_cert_sn.as_str()));
    assert_eq!(sub_code_of(&a.obj), "ACQ.TRADE_NOT_EXIST", "not scanned yet: {}", a.obj);
    assert!(created(&h, &app, "CBOK").await);
    // The download is answered with the certificate the app was configured with.
    let a = call(
        &h,
        &app,
        "alipay.open.app.alipaycert.download",
        json!({"alipay_cert_sn": rotated.alipay_cert_sn}),
        &Send::default(),
        &key,
    )
    .await;
    assert_eq!(a.cert_sn, sn);
    let pem = base64_decode(a.obj["alipay_cert_content"].as_str().unwrap());
    assert_eq!(Certificate::from_pem(&pem).unwrap().sn(), rotated.alipay_cert_sn);
    let a =
        call(&h, &app, "alipay.open.app.alipaycert.download", json!({"alipay_cert_sn": "00"}), &Send::default(), &key)
            .await;
    assert_eq!(sub_code_of(&a.obj), "isv.cert-not-exist");
}

/// A certificate file checked the way Alipay's PHP SDK does (`v2/aop/AopCertification.php` of
/// `alipay/alipay-sdk-php-all`, `verifySignature`/`isTrusted`): the file's first certificate is signed by its
/// second, and the second by a root of the bundle with that name. The real layout is the fixture
/// `crates/alipay-core/tests/fixtures/certs/alipayCertPublicKey_RSA2_chain_2025.crt` (a production file).
fn php_style_chain_check(file: &str, bundle: &str) -> Result<(), String> {
    let certs = Certificate::all_from_pem(file).map_err(|e| e.to_string())?;
    let [leaf, intermediate, ..] = certs.as_slice() else {
        return Err(format!(
            "{} certificate(s): PHP dies: Failed to extract the public key from the ca cert.",
            certs.len()
        ));
    };
    leaf.verify_signed_by(intermediate).map_err(|e| format!("leaf not signed by the second: {e}"))?;
    let roots = Certificate::all_from_pem(bundle).map_err(|e| e.to_string())?;
    let root = roots.iter().find(|r| r.subject() == intermediate.issuer()).ok_or("no root of that name")?;
    intermediate.verify_signed_by(root).map_err(|e| format!("intermediate not signed by the root: {e}"))
}

/// Issue 21: the certificate files of a cert-mode app have Alipay's layout (the production fixtures of
/// `crates/alipay-core/tests/fixtures/certs/`, README there): `alipayCertPublicKey_RSA2.crt` is the leaf
/// (issuer "… Class 2 R1") followed by that intermediate (issuer "… R1"), configured, downloaded through
/// `alipay.open.app.alipaycert.download`, and after a rotation; the root bundle holds four roots (SM2 stand-in,
/// RSA R1, ECDSA E1, a second RSA root) whose SN joins the two RSA roots; the app certificate is one certificate
/// issued by "… Class 1 R1" with subject `CN=<pid>-<app_id>, OU=Alipay`.
#[tokio::test]
async fn certificate_files_have_alipays_layout() {
    let h = Harness::start().await;
    let app = h.admin.register_app(&NewApp { cert_mode: true, ..Default::default() }).await.unwrap();
    let bundle = app.alipay_root_cert.clone().unwrap();
    let roots = Certificate::all_from_pem(&bundle).unwrap();
    let kinds: Vec<bool> = roots.iter().map(Certificate::is_rsa_signed).collect();
    assert_eq!(kinds, [false, true, false, true], "SM2 stand-in, R1, E1, second RSA root");
    assert!(roots[1].subject().contains("Certification Authority R1"), "{}", roots[1].subject());
    assert!(roots[2].subject().contains("Certification Authority E1"), "{}", roots[2].subject());
    assert_eq!(app.alipay_root_cert_sn.as_deref().unwrap().split('_').count(), 2);
    assert_eq!(app.alipay_root_cert_sn.as_deref(), Some(alipay_core::cert::RootCerts::new(roots).sn()));

    let check_alipay_file = |file: &str, sn: &str| {
        let chain = Certificate::all_from_pem(file).unwrap();
        assert_eq!(chain.len(), 2, "leaf + intermediate: {file}");
        assert!(
            chain[0].issuer().starts_with("CN=alipay-rs Local Certification Authority Class 2 R1,"),
            "{}",
            chain[0].issuer()
        );
        assert!(chain[0].subject().starts_with("CN=支付宝(中国)网络技术有限公司-"), "{}", chain[0].subject());
        assert!(chain[0].subject().contains(",OU=Alipay,"), "{}", chain[0].subject());
        assert_eq!(chain[1].subject(), chain[0].issuer());
        assert!(
            chain[1].issuer().starts_with("CN=alipay-rs Local Certification Authority R1,"),
            "{}",
            chain[1].issuer()
        );
        assert_eq!(chain[0].sn(), sn, "the SN is the leaf's");
        php_style_chain_check(file, &bundle).unwrap();
        alipay_core::cert::RootCerts::from_pem(&bundle).unwrap().verify_chain(&chain).unwrap();
    };
    check_alipay_file(app.alipay_cert.as_deref().unwrap(), app.alipay_cert_sn.as_deref().unwrap());

    let app_cert = Certificate::all_from_pem(app.app_cert.as_deref().unwrap()).unwrap();
    assert_eq!(app_cert.len(), 1, "an app certificate file holds one certificate");
    assert!(
        app_cert[0].issuer().starts_with("CN=alipay-rs Local Certification Authority Class 1 R1,"),
        "{}",
        app_cert[0].issuer()
    );
    assert!(
        app_cert[0].subject().starts_with(&format!("CN={}-{},OU=Alipay,", app.merchant_pid, app.app_id)),
        "{}",
        app_cert[0].subject()
    );
    assert_eq!(Some(app_cert[0].sn()), app.app_cert_sn.as_deref());

    // Rotated, and downloaded as a merchant's SDK does when it meets the new SN.
    let rotated = h.admin.rotate_alipay_cert().await.unwrap();
    check_alipay_file(&rotated.alipay_cert, &rotated.alipay_cert_sn);
    let key = cert_key(app.alipay_cert.as_deref().unwrap());
    let a = call(
        &h,
        &app,
        "alipay.open.app.alipaycert.download",
        json!({"alipay_cert_sn": rotated.alipay_cert_sn}),
        &Send::default(),
        &key,
    )
    .await;
    check_alipay_file(&base64_decode(a.obj["alipay_cert_content"].as_str().unwrap()), &rotated.alipay_cert_sn);
    // A broken chain is refused by the same check: the leaf with another CA's intermediate.
    let other = alipay_core::ca::CertAuthority::generate().unwrap();
    let foreign = other.chain_pem(&other.issue_alipay("x", key_of(&app).public_key()).unwrap());
    let mixed = format!(
        "{}{}",
        Certificate::from_pem(&rotated.alipay_cert).unwrap().to_pem(),
        Certificate::all_from_pem(&foreign).unwrap()[1].to_pem()
    );
    assert!(php_style_chain_check(&mixed, &bundle).is_err());
}

fn base64_decode(s: &str) -> String {
    use base64::Engine as _;
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(s).unwrap()).unwrap()
}

#[tokio::test]
async fn cert_required_methods_refuse_plain_keys() {
    let h = Harness::start().await;
    let new = NewApp { cert_required_methods: vec![PRECREATE.into()], ..Default::default() };
    let app = h.admin.register_app(&new).await.unwrap();
    let key = PublicKey::from_text(app.alipay_public_key.as_deref().unwrap()).unwrap();
    let a = call(&h, &app, PRECREATE, pre("CR1"), &Send::default(), &key).await;
    assert_eq!((code_of(&a.obj), sub_code_of(&a.obj)), ("40002", "isv.missing-app-cert-sn"), "{}", a.obj);
    assert_eq!(a.cert_sn, None);
    not_created(&h, &app, "CR1").await;
    // By default no method requires cert mode.
    let plain = h.admin.register_app(&NewApp::default()).await.unwrap();
    let a = call(&h, &plain, PRECREATE, pre("CR2"), &Send::default(), &key).await;
    assert_eq!(code_of(&a.obj), "10000");
}

#[tokio::test]
async fn aes_answers_encrypted_and_bad_inputs_change_nothing() {
    let h = Harness::start().await;
    for cert_mode in [false, true] {
        let new = NewApp { cert_mode, aes: true, encrypt_required: true, ..Default::default() };
        let app = h.admin.register_app(&new).await.unwrap();
        let key = match &app.alipay_cert {
            Some(pem) => cert_key(pem),
            None => PublicKey::from_text(app.alipay_public_key.as_deref().unwrap()).unwrap(),
        };
        let enc = Send { encrypt: true, ..Send::default() };
        // The codes are those of Alipay's public error table (opendocs.alipay.com/common/02km9f, "公共错误码":
        // 40001 isv.decryption-error-missing-encrypt-type, 40002 isv.decryption-error-unknown).
        // Bad ciphertext: decryption-error-unknown, in clear (the gateway cannot use the key), signed.
        let a = call(&h, &app, PRECREATE, pre("AB1"), &Send { garbage_cipher: true, ..Send::default() }, &key).await;
        assert_eq!(
            (code_of(&a.obj), sub_code_of(&a.obj), a.encrypted),
            ("40002", "isv.decryption-error-unknown", false)
        );
        // Encryption required: a clear request is refused.
        let a = call(&h, &app, PRECREATE, pre("AB2"), &Send::default(), &key).await;
        assert_eq!(
            (code_of(&a.obj), sub_code_of(&a.obj), a.encrypted),
            ("40001", "isv.decryption-error-missing-encrypt-type", false)
        );
        for no in ["AB1", "AB2"] {
            let a = call(&h, &app, QUERY, json!({"out_trade_no": no}), &enc, &key).await;
            assert_eq!((sub_code_of(&a.obj), a.encrypted), ("ACQ.TRADE_NOT_EXIST", true), "errors are encrypted too");
            not_created(&h, &app, no).await;
        }
        // Cert errors of an encrypted request are encrypted.
        if cert_mode {
            let bad = Send { app_cert_sn: Some(Some("ff".into())), ..enc.clone() };
            let a = call(&h, &app, PRECREATE, pre("AB3"), &bad, &key).await;
            assert_eq!((sub_code_of(&a.obj), a.encrypted), ("isv.app-cert-not-exist", true));
            not_created(&h, &app, "AB3").await;
        }
        let a = call(&h, &app, PRECREATE, pre("AB4"), &enc, &key).await;
        assert_eq!((code_of(&a.obj), a.encrypted), ("10000", true), "{}", a.obj);
        assert_eq!(a.cert_sn.is_some(), cert_mode);
        assert!(created(&h, &app, "AB4").await);
    }
}

/// Sends a v3 request; returns status, headers' verification result with `key`, and the body.
async fn v3(
    h: &Harness,
    app: &RegisteredApp,
    path: &str,
    body: &str,
    cert_sn: Option<&str>,
    aes: bool,
    key: &PublicKey,
) -> (u16, Option<String>, String) {
    let auth = AuthParams::new(&app.app_id, cert_sn);
    let authorization = core_v3::sign_request(&key_of(app), &auth, "POST", path, body, None).unwrap();
    let mut req = h
        .http
        .post(format!("{}{path}", h.base()))
        .header("authorization", authorization)
        .header("content-type", if aes { "text/plain" } else { "application/json" })
        .body(body.to_owned());
    if aes {
        req = req.header("alipay-encrypt-type", "AES");
    }
    if let Some(root) = &app.alipay_root_cert_sn {
        req = req.header("alipay-root-cert-sn", root);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let signed =
        ResponseHeaders::from_lookup(|n| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned)).unwrap();
    signed.verify(key, &bytes).unwrap_or_else(|e| panic!("v3 answer does not verify: {e}"));
    (status, signed.alipay_sn, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn v3_bad_inputs_answer_signed_http_errors_and_change_nothing() {
    let h = Harness::start().await;
    let app = h.admin.register_app(&NewApp { cert_mode: true, aes: true, ..Default::default() }).await.unwrap();
    let key = cert_key(app.alipay_cert.as_deref().unwrap());
    let aes = AesKey::from_base64(app.aes_key.as_deref().unwrap()).unwrap();
    let good_sn = app.app_cert_sn.as_deref();
    let body = pre("V3B").to_string();
    let path = "/v3/alipay/trade/precreate";

    let (status, sn, text) = v3(&h, &app, path, &body, Some("ff"), false, &key).await;
    assert_eq!((status, sn.as_deref()), (400, app.alipay_cert_sn.as_deref()));
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["code"], "app-cert-not-exist");
    let (status, _, text) = v3(&h, &app, path, &body, None, false, &key).await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&text).unwrap()["code"].as_str()),
        (400, Some("missing-app-cert-sn"))
    );
    let (status, _, text) = v3(&h, &app, path, "bm90IGEgY2lwaGVydGV4dA==", good_sn, true, &key).await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&text).unwrap()["code"].as_str()),
        (400, Some("decryption-error-unknown")),
        "the public error table's isv.decryption-error-unknown, without its prefix (opendocs.alipay.com/common/02km9f)"
    );
    // Signed by another key.
    let stranger =
        RegisteredApp { app_private_key: Some(PrivateKey::generate().unwrap().to_pkcs8_pem()), ..app.clone() };
    let (status, _, text) = v3(&h, &stranger, path, &body, good_sn, false, &key).await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&text).unwrap()["code"].as_str()),
        (401, Some("invalid-signature"))
    );
    not_created(&h, &app, "V3B").await;

    // The good request, encrypted: the answer is the ciphertext of the fields.
    let cipher = aes.encrypt(&body, Charset::Utf8).unwrap();
    let (status, _, text) = v3(&h, &app, path, &cipher, good_sn, true, &key).await;
    assert_eq!(status, 200, "{text}");
    let fields: Value = serde_json::from_str(&aes.decrypt(&text, Charset::Utf8).unwrap()).unwrap();
    assert_eq!(fields["out_trade_no"], "V3B");
    assert!(fields.get("code").is_none());
    assert!(created(&h, &app, "V3B").await);
}

#[tokio::test]
async fn ca_and_certificates_survive_a_restart() {
    let mut h = Harness::start().await;
    let app = h.admin.register_app(&NewApp { cert_mode: true, ..Default::default() }).await.unwrap();
    let rotated = h.admin.rotate_alipay_cert().await.unwrap();
    h.restart().await;
    let key = cert_key(&rotated.alipay_cert);
    let a = call(&h, &app, PRECREATE, pre("RS1"), &Send::default(), &key).await;
    assert_eq!((code_of(&a.obj), a.cert_sn.as_deref()), ("10000", Some(rotated.alipay_cert_sn.as_str())));
    let again = h.admin.register_app(&NewApp { cert_mode: true, ..Default::default() }).await.unwrap();
    assert_eq!(again.alipay_root_cert_sn, app.alipay_root_cert_sn, "the same CA");
    // Reset keeps them too.
    h.admin.reset().await.unwrap();
    let after = h.admin.register_app(&NewApp { cert_mode: true, ..Default::default() }).await.unwrap();
    assert_eq!(
        (after.alipay_root_cert_sn, after.alipay_cert_sn),
        (app.alipay_root_cert_sn, Some(rotated.alipay_cert_sn))
    );
}
