//! `alipay call` in every protocol mode (cert, AES, cert + AES; v2 and v3), and `alipay cert sn`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

#[path = "../../alipay-client/tests/modes_gw/mod.rs"]
mod modes_gw;

use std::process::Command;

use serde_json::json;

fn alipay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_alipay")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    format!("{}/../alipay-core/tests/fixtures/certs/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn cert_sn_prints_the_published_vectors() {
    let (code, out, err) = alipay(&["cert", "sn", &fixture("appCertPublicKey_2021001161683774.crt")]);
    assert_eq!((code, out.trim()), (0, "866efef280dec9137a87d047ac446315"), "{err}");
    let (code, out, _) = alipay(&["cert", "sn", &fixture("alipayCertPublicKey_RSA2.crt")]);
    assert_eq!((code, out.trim()), (0, "7513daaaa48aa3ba2e4018d84402479c"));
    let (code, out, err) = alipay(&["cert", "sn", "--root", "-v", &fixture("alipayRootCert.crt")]);
    assert_eq!((code, out.trim()), (0, "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"));
    assert!(err.contains("sig alg: 1.2.840.113549.1.1.11 (RSA)"), "{err}");
    let (code, _, err) = alipay(&["cert", "sn", &fixture("README.md")]);
    assert_eq!(code, 1);
    assert!(err.contains("no PEM certificate"), "{err}");
}

#[test]
fn call_works_in_every_mode() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = std::env::temp_dir().join(format!("alipay-cli-modes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (cert, aes, protocol) in [
        (true, false, "v2"),
        (false, true, "v2"),
        (true, true, "v2"),
        (true, false, "v3"),
        (false, true, "v3"),
        (true, true, "v3"),
    ] {
        let gw = rt.block_on(modes_gw::start(cert));
        gw.answer(
            "alipay.trade.query",
            json!({"code":"10000","msg":"Success","out_trade_no":"T1","trade_status":"TRADE_SUCCESS"}),
        );
        let g = &gw.gw;
        let mut cfg = json!({
            "gateway_url": gw.gateway_url(), "app_id": modes_gw::APP_ID, "app_private_key": g.app_key.to_pkcs8_base64(),
            "protocol": protocol,
        });
        if cert {
            let paths: Vec<_> = [
                ("app.crt", g.app_cert.to_pem()),
                ("alipay.crt", g.configured.cert.to_pem()),
                ("root.crt", g.ca.root_bundle_pem()),
            ]
            .into_iter()
            .map(|(name, pem)| {
                let p = dir.join(name);
                std::fs::write(&p, pem).unwrap();
                p.display().to_string()
            })
            .collect();
            cfg["app_cert_path"] = json!(paths[0]);
            cfg["alipay_cert_path"] = json!(paths[1]);
            cfg["alipay_root_cert_path"] = json!(paths[2]);
        } else {
            cfg["alipay_public_key"] = json!(g.configured.key.public_key().to_spki_pem());
        }
        if aes {
            cfg["aes_key"] = json!(g.aes.to_base64());
            cfg["encrypt_type"] = json!("AES");
        }
        let config = dir.join("app.json");
        std::fs::write(&config, cfg.to_string()).unwrap();
        let (code, out, err) = alipay(&[
            "call",
            "alipay.trade.query",
            "--config",
            config.to_str().unwrap(),
            "--biz-content",
            r#"{"out_trade_no":"T1"}"#,
            "--json",
        ]);
        assert_eq!(code, 0, "cert={cert} aes={aes} {protocol}: {err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(v["trade_status"], "TRADE_SUCCESS");
        let seen = gw.last("alipay.trade.query");
        assert!(seen.verified);
        assert_eq!(seen.encrypted, aes);
        assert_eq!(seen.fields["out_trade_no"], "T1");
    }
    std::fs::remove_dir_all(&dir).ok();
}
