//! The SDK against the local Alipay in every protocol mode: certificate mode, AES, both, over v2 and v3, with
//! apps made by `POST /admin/apps` (whose answer is the client's whole configuration), and the Alipay
//! certificate rotated under a running client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use alipay_api::trade::{TradePay, TradePrecreate, TradeQuery, TradeStatus};
use alipay_client::{AlipayClient, ClientConfig, Protocol, ResponseExt};
use alipay_core::Money;
use alipay_sandbox::RunningSandbox;
use alipay_sandbox_admin::{AdminClient, NewApp, NewBuyer, NewPaymentCode, RegisteredApp};

struct Env {
    _dir: tempfile::TempDir,
    _running: RunningSandbox,
    admin: AdminClient,
}

impl Env {
    async fn start() -> Env {
        let (dir, running) = common::start_sandbox().await;
        let admin = AdminClient::from_app_json(dir.path().join("app.json")).unwrap();
        Env { _dir: dir, _running: running, admin }
    }

    async fn app(&self, new: NewApp) -> RegisteredApp {
        self.admin.register_app(&new).await.unwrap()
    }

    async fn code(&self) -> String {
        let b = self.admin.create_buyer(&NewBuyer::new("1000.00", "500.00")).await.unwrap();
        self.admin.issue_payment_code(&b.user_id, &NewPaymentCode::default()).await.unwrap().auth_code
    }
}

/// The admin answer, read as a configuration file reads: `ClientConfig` from its JSON.
fn config_of(app: &RegisteredApp, protocol: Protocol) -> ClientConfig {
    let mut cfg: ClientConfig = serde_json::from_value(serde_json::to_value(app).unwrap()).unwrap();
    if protocol == Protocol::V3 {
        cfg.protocol = Some("v3".into());
    }
    cfg
}

fn client(app: &RegisteredApp, protocol: Protocol) -> AlipayClient {
    AlipayClient::from_config(&config_of(app, protocol)).unwrap()
}

fn precreate(no: &str) -> TradePrecreate {
    TradePrecreate {
        out_trade_no: no.into(),
        total_amount: "12.34".parse().unwrap(),
        subject: "模式 e2e".into(),
        ..Default::default()
    }
}

fn query(no: &str) -> TradeQuery {
    TradeQuery { out_trade_no: Some(no.into()), ..Default::default() }
}

/// Pay, then query over `a` and `b` (the same app, maybe another protocol): the same trade, the same state.
async fn pay_and_query(env: &Env, a: &AlipayClient, b: &AlipayClient, no: &str) {
    let code = env.code().await;
    let pay = TradePay {
        out_trade_no: no.into(),
        auth_code: code,
        subject: "模式 e2e".into(),
        total_amount: "12.34".parse().unwrap(),
        ..Default::default()
    };
    let paid = a.execute(&pay).await.unwrap().ok().unwrap();
    assert_eq!(paid.total_amount, Some("12.34".parse::<Money>().unwrap()));
    for c in [a, b] {
        let q = c.execute(&query(no)).await.unwrap().ok().unwrap();
        assert_eq!(q.trade_status, Some(TradeStatus::TradeSuccess));
        assert_eq!(q.trade_no, paid.trade_no);
    }
    let pre = a.execute(&precreate(&format!("{no}P"))).await.unwrap().ok().unwrap();
    assert!(pre.qr_code.unwrap().starts_with("https://qr.alipay.com/"));
    assert_eq!(sub_code(b.execute(&query(&format!("{no}P"))).await).as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
}

/// The sub-code of a failed call: v2's `sub_code`, or v3's verified error `code`.
fn sub_code<T: std::fmt::Debug>(r: Result<alipay_api::ApiResponse<T>, alipay_client::Error>) -> Option<String> {
    match r {
        Ok(a) => a.status.sub_code,
        Err(alipay_client::Error::V3Api { code, verified: true, .. }) => Some(code),
        Err(e) => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn admin_answer_is_a_complete_config_in_every_mode() {
    let env = Env::start().await;
    let plain = env.app(NewApp::default()).await;
    assert!(plain.app_private_key.as_deref().unwrap().starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(plain.app_private_key_pkcs1.as_deref().unwrap().starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    assert!(plain.alipay_public_key.is_some() && plain.app_cert.is_none() && plain.aes_key.is_none());
    assert!(plain.gateway_url.as_deref().unwrap().ends_with("/gateway.do"));

    let cert = env.app(NewApp { cert_mode: true, aes: true, ..Default::default() }).await;
    assert!(cert.alipay_public_key.is_none());
    let root = alipay_core::cert::RootCerts::from_pem(cert.alipay_root_cert.as_deref().unwrap()).unwrap();
    // Alipay's bundle: SM2 root, RSA root R1, ECDSA root E1, a second RSA root (alipay-core's fixtures/certs).
    let kinds: Vec<bool> = root.certs().iter().map(|c| c.is_rsa_signed()).collect();
    assert_eq!(kinds, [false, true, false, true], "four roots, the RSA ones second and fourth");
    assert_eq!(cert.alipay_root_cert_sn.as_deref(), Some(root.sn()));
    let app_cert = alipay_core::cert::Certificate::from_pem(cert.app_cert.as_deref().unwrap()).unwrap();
    assert_eq!(cert.app_cert_sn.as_deref(), Some(app_cert.sn()));
    // Issued by the intermediates, as Alipay does: the app certificate by "Class 1 R1" (its file holds it
    // alone), the Alipay certificate by "Class 2 R1", which its file carries after it.
    assert!(app_cert.issuer().contains("Class 1 R1"), "{}", app_cert.issuer());
    let alipay_chain = alipay_core::cert::Certificate::all_from_pem(cert.alipay_cert.as_deref().unwrap()).unwrap();
    assert_eq!(alipay_chain.len(), 2);
    root.verify_chain(&alipay_chain).unwrap();
    assert!(root.verify_chain(&alipay_chain[..1]).is_err(), "the leaf alone does not reach a root");
    assert_eq!(cert.encrypt_type.as_deref(), Some("AES"));
    assert_eq!(alipay_core::aes::AesKey::from_base64(cert.aes_key.as_deref().unwrap()).unwrap().bits(), 128);
    let c = client(&cert, Protocol::V2);
    assert_eq!(c.app_cert_sn(), cert.app_cert_sn.as_deref());

    // A given public key: no private key in the answer (the caller has it), the old fields as before.
    let key = alipay_core::PrivateKey::generate().unwrap();
    let own = env.app(NewApp { public_key: key.public_key().to_spki_pem(), ..Default::default() }).await;
    assert!(own.app_private_key.is_none() && own.gateway_url.is_none());
    assert_eq!(own.sign_type, "RSA2");
}

#[tokio::test]
async fn sdk_v2_in_cert_aes_and_both() {
    let env = Env::start().await;
    for (i, (cert_mode, aes)) in [(true, false), (false, true), (true, true)].into_iter().enumerate() {
        let app = env.app(NewApp { cert_mode, aes, ..Default::default() }).await;
        let c = client(&app, Protocol::V2);
        pay_and_query(&env, &c, &c, &format!("V2M{i}")).await;
    }
}

#[tokio::test]
async fn cert_rotation_end_to_end() {
    let env = Env::start().await;
    let app = env.app(NewApp { cert_mode: true, ..Default::default() }).await;
    let c = client(&app, Protocol::V2);
    let first = app.alipay_cert_sn.clone().unwrap();
    c.execute(&precreate("ROT1")).await.unwrap().ok().unwrap();
    assert_eq!(c.trusted_alipay_cert_sns(), vec![first.clone()]);

    let rotated = env.admin.rotate_alipay_cert().await.unwrap();
    assert_ne!(rotated.alipay_cert_sn, first);
    assert_eq!(rotated.known_sns, vec![first.clone(), rotated.alipay_cert_sn.clone()]);
    // The next answers name the new SN: the SDK downloads it (verifying the download with the certificate
    // it trusts), concurrent calls included, then goes on.
    let calls: Vec<_> = (0..6)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move { c.execute(&precreate(&format!("ROTC{i}"))).await.unwrap().ok().unwrap() })
        })
        .collect();
    for call in calls {
        call.await.unwrap();
    }
    c.execute(&precreate("ROT2")).await.unwrap().ok().unwrap();
    let trusted = c.trusted_alipay_cert_sns();
    assert_eq!(trusted.len(), 2);
    assert!(trusted.contains(&rotated.alipay_cert_sn));
    c.execute(&query("ROT2")).await.unwrap();
    assert_eq!(c.trusted_alipay_cert_sns().len(), 2);

    // An app made after the rotation is configured with the new certificate and needs no download.
    let later = env.app(NewApp { cert_mode: true, ..Default::default() }).await;
    assert_eq!(later.alipay_cert_sn.as_deref(), Some(rotated.alipay_cert_sn.as_str()));
    let c2 = client(&later, Protocol::V2);
    c2.execute(&precreate("ROT3")).await.unwrap().ok().unwrap();
    assert_eq!(c2.trusted_alipay_cert_sns(), vec![rotated.alipay_cert_sn.clone()]);

    // Both certificates stay downloadable.
    for sn in [&first, &rotated.alipay_cert_sn] {
        let got = c
            .execute(&alipay_client::modes::AlipayCertDownload { alipay_cert_sn: sn.clone() })
            .await
            .unwrap()
            .ok()
            .unwrap();
        assert!(got.alipay_cert_content.is_some());
    }
}

#[tokio::test]
async fn sdk_v3_in_every_mode_shares_state_with_v2() {
    let env = Env::start().await;
    for (i, (cert_mode, aes)) in [(false, false), (true, false), (false, true), (true, true)].into_iter().enumerate() {
        let app = env.app(NewApp { cert_mode, aes, ..Default::default() }).await;
        let (v2, v3) = (client(&app, Protocol::V2), client(&app, Protocol::V3));
        // Created over v3, read over v2; created over v2, read over v3.
        pay_and_query(&env, &v3, &v2, &format!("V3A{i}")).await;
        pay_and_query(&env, &v2, &v3, &format!("V3B{i}")).await;
        // A business failure is an HTTP 400 with the sub-code, verified.
        match v3.execute(&query(&format!("NONE{i}"))).await {
            Err(alipay_client::Error::V3Api { status, code, verified, .. }) => {
                assert_eq!((status, code.as_str(), verified), (400, "ACQ.TRADE_NOT_EXIST", true), "mode {i}");
            }
            other => panic!("mode {i}: expected V3Api, got {other:?}"),
        }
        // GET paths: the bill download URL.
        let bill = alipay_api::bill::BillDownloadUrlQuery {
            bill_type: alipay_api::bill::BillType::Trade,
            bill_date: "2024-01-01".into(),
        };
        let v2_answer = v2.execute(&bill).await.unwrap();
        match v3.execute(&bill).await {
            Ok(a) => assert!(a.status.is_success() && v2_answer.status.is_success(), "mode {i}: {a:?}"),
            Err(alipay_client::Error::V3Api { code, verified: true, .. }) => {
                // v3's code is v2's sub_code without its `isv.`/`isp.`/`aop.` prefix.
                let v2_sub = v2_answer.status.sub_code.unwrap();
                assert_eq!(v2_sub.split_once('.').map_or(v2_sub.as_str(), |(_, c)| c), code, "mode {i}");
            }
            Err(e) => panic!("mode {i}: {e:?}"),
        }
    }
}

#[tokio::test]
async fn encrypt_required_apps_call_get_paths_in_clear() {
    let env = Env::start().await;
    let app = env.app(NewApp { cert_mode: true, aes: true, encrypt_required: true, ..Default::default() }).await;
    let v3 = client(&app, Protocol::V3);
    pay_and_query(&env, &v3, &client(&app, Protocol::V2), "ER1").await;
    let bill = alipay_api::bill::BillDownloadUrlQuery {
        bill_type: alipay_api::bill::BillType::Trade,
        bill_date: "2024-01-01".into(),
    };
    // Answered by the bill engine (no bill that day), not refused for want of encryption.
    assert_eq!(sub_code(v3.execute(&bill).await).as_deref(), Some("bill_not_exist"));
}

#[tokio::test]
async fn sdk_v3_cert_rotation() {
    let env = Env::start().await;
    let app = env.app(NewApp { cert_mode: true, aes: true, ..Default::default() }).await;
    let v3 = client(&app, Protocol::V3);
    v3.execute(&precreate("R3A")).await.unwrap().ok().unwrap();
    let rotated = env.admin.rotate_alipay_cert().await.unwrap();
    v3.execute(&precreate("R3B")).await.unwrap().ok().unwrap();
    assert!(v3.trusted_alipay_cert_sns().contains(&rotated.alipay_cert_sn));
    assert_eq!(sub_code(v3.execute(&query("R3B")).await).as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
    assert_eq!(v3.trusted_alipay_cert_sns().len(), 2);
}

#[tokio::test]
async fn notifications_of_cert_mode_apps_verify_with_their_configured_certificate() {
    use std::sync::{Arc, Mutex};
    let env = Env::start().await;
    let before = env.app(NewApp { cert_mode: true, ..Default::default() }).await;
    env.admin.rotate_alipay_cert().await.unwrap();
    let after = env.app(NewApp { cert_mode: true, aes: true, ..Default::default() }).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let received: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<AlipayClient> = [&before, &after]
        .iter()
        .map(|a| {
            let mut cfg = config_of(a, Protocol::V2);
            cfg.notify_url = Some(url.clone());
            AlipayClient::from_config(&cfg).unwrap()
        })
        .collect();
    let (verifiers, sink) = (clients.clone(), Arc::clone(&received));
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let (verifiers, sink) = (verifiers.clone(), Arc::clone(&sink));
            async move {
                let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
                // Each app's own client must verify its notification (plain, even for the AES app).
                for c in &verifiers {
                    if let Ok(Ok(t)) = c.verify_notification(&body, ct.as_deref()).map(|n| n.trade()) {
                        sink.lock().unwrap().push(format!("{}:{}", c.app_id(), t.out_trade_no));
                        return "success";
                    }
                }
                "failure"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    for (i, c) in clients.iter().enumerate() {
        let pay = TradePay {
            out_trade_no: format!("NT{i}"),
            auth_code: env.code().await,
            subject: "通知".into(),
            total_amount: "1.00".parse().unwrap(),
            ..Default::default()
        };
        c.execute(&pay).await.unwrap().ok().unwrap();
    }
    let want = [format!("{}:NT0", before.app_id), format!("{}:NT1", after.app_id)];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while !want.iter().all(|w| received.lock().unwrap().contains(w)) {
        assert!(tokio::time::Instant::now() < deadline, "not verified: {:?}", received.lock().unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Issue 21, the SDK side: a cert-mode app's files written as Alipay names them load with
/// `ClientBuilder::cert_paths`; the Alipay certificate file is a chain (leaf + "Class 2 R1", Alipay's layout:
/// `crates/alipay-core/tests/fixtures/certs/alipayCertPublicKey_RSA2_chain_2025.crt`, a production file) and
/// the four-root bundle is Alipay's shape; answers verify. The real production chain and root bundle load too
/// (the chain check accepts them), and answers signed by another key are then refused.
#[tokio::test]
async fn cert_paths_load_alipays_file_layout_and_verify_answers() {
    let env = Env::start().await;
    let app = env.app(NewApp { cert_mode: true, ..Default::default() }).await;
    let dir = tempfile::tempdir().unwrap();
    let app_cert = dir.path().join(format!("appCertPublicKey_{}.crt", app.app_id));
    let alipay_cert = dir.path().join("alipayCertPublicKey_RSA2.crt");
    let root_cert = dir.path().join("alipayRootCert.crt");
    std::fs::write(&app_cert, app.app_cert.as_deref().unwrap()).unwrap();
    std::fs::write(&alipay_cert, app.alipay_cert.as_deref().unwrap()).unwrap();
    std::fs::write(&root_cert, app.alipay_root_cert.as_deref().unwrap()).unwrap();
    let pem = std::fs::read_to_string(&alipay_cert).unwrap();
    assert_eq!(alipay_core::cert::Certificate::all_from_pem(&pem).unwrap().len(), 2, "leaf + intermediate");
    let roots = std::fs::read_to_string(&root_cert).unwrap();
    assert_eq!(alipay_core::cert::Certificate::all_from_pem(&roots).unwrap().len(), 4, "four roots");

    let key = app.app_private_key.as_deref().unwrap();
    let gateway = app.gateway_url.as_deref().unwrap();
    let client = AlipayClient::builder(&app.app_id, key, "")
        .gateway(gateway)
        .cert_paths(&app_cert, &alipay_cert, &root_cert)
        .unwrap()
        .build()
        .unwrap();
    let answer = client.execute(&precreate("CP1")).await.unwrap();
    assert!(answer.status.is_success(), "{:?}", answer.status);

    // Alipay's production chain and bundle (public certificates): the chain check accepts them; the sandbox's
    // answers, signed by another key, are then refused.
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../alipay-core/tests/fixtures/certs");
    let real = AlipayClient::builder(&app.app_id, key, "")
        .gateway(gateway)
        .cert_paths(
            &app_cert,
            format!("{fixtures}/alipayCertPublicKey_RSA2_chain_2025.crt"),
            format!("{fixtures}/alipayRootCert.crt"),
        )
        .unwrap()
        .build()
        .unwrap();
    assert!(real.execute(&precreate("CP2")).await.is_err(), "an answer not signed by the configured certificate");
}
