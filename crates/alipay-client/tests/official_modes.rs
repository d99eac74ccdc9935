#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]
//! The protocol modes against the official Node SDK (`interop/`, installed by `interop/install.sh`):
//!
//! - AES: the SDK's own `aesEncryptText` / `aesDecryptText` give the very ciphertext `AesKey::encrypt` gives
//!   (zero IV: deterministic) and decrypt ours;
//! - v3: the SDK's `curl` (POST JSON, POST encrypted, GET with a query string, `appAuthToken`, plain and cert
//!   mode) against the scripted gateway of `modes_gw`, which checks its `Authorization` with
//!   `alipay_core::v3::Authorization::verify` and signs its answers with `alipay_core::v3::sign_response`;
//!   `curl` verifies those answers (and, in cert mode, compares `alipay-sn` with its own SN of the Alipay
//!   certificate).
//!
//! Without the installed SDK the tests print a note and pass, unless `ALIPAY_INTEROP=1`.

mod modes_gw;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use alipay_core::aes::AesKey;
use alipay_core::Charset;
use serde_json::{json, Value};

fn interop() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop");
    if dir.join("node_modules/alipay-sdk").exists() {
        return Some(dir);
    }
    assert!(
        !std::env::var("ALIPAY_INTEROP").is_ok_and(|v| v == "1"),
        "ALIPAY_INTEROP=1 but interop/node_modules is missing: run interop/install.sh"
    );
    eprintln!("note: skipping the Node SDK comparison (run interop/install.sh and set ALIPAY_INTEROP=1)");
    None
}

/// Runs `script` (CommonJS, reads the job from stdin, prints one JSON line) with node in `interop/`.
async fn node(dir: &std::path::Path, script: &str, job: Value) -> Value {
    let dir = dir.to_path_buf();
    let script = script.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new("node")
            .arg("-e")
            .arg(script)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn aes_matches_the_node_sdk_byte_for_byte() {
    let Some(dir) = interop() else { return };
    let script = r#"
        const util = require(process.cwd() + '/node_modules/alipay-sdk/dist/commonjs/util.js');
        const job = JSON.parse(require('fs').readFileSync(0, 'utf8'));
        console.log(JSON.stringify(job.cases.map(c => ({
          encrypted: util.aesEncryptText(c.plain, c.key),
          decrypted: util.aesDecryptText(c.ours, c.key),
        }))));
    "#;
    let plains = [r#"{"out_trade_no":"T1","subject":"咖啡 ☕ & =+/"}"#, "", "0123456789abcdef", "x"];
    let keys = [AesKey::generate(), AesKey::from_bytes(&[7u8; 24]).unwrap(), AesKey::from_bytes(&[9u8; 32]).unwrap()];
    let mut cases = Vec::new();
    for key in &keys {
        for plain in plains {
            cases.push(
                json!({"plain": plain, "key": key.to_base64(), "ours": key.encrypt(plain, Charset::Utf8).unwrap()}),
            );
        }
    }
    let out = node(&dir, script, json!({ "cases": cases })).await;
    for (case, got) in cases.iter().zip(out.as_array().unwrap()) {
        assert_eq!(got["encrypted"], case["ours"], "{case}");
        assert_eq!(got["decrypted"], case["plain"], "{case}");
    }
}

const CURL: &str = r#"
    const { AlipaySdk } = require('alipay-sdk');
    const job = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    (async () => {
      const sdk = new AlipaySdk(job.config);
      try {
        const r = await sdk.curl(job.method, job.path, job.options);
        console.log(JSON.stringify({ ok: true, data: r.data, status: r.responseHttpStatus }));
      } catch (e) {
        console.log(JSON.stringify({ ok: false, error: e.message, code: e.code, status: e.responseHttpStatus }));
      }
    })();
"#;

#[tokio::test]
async fn node_sdk_curl_speaks_our_v3() {
    let Some(dir) = interop() else { return };
    for cert in [false, true] {
        let gw = modes_gw::start(cert).await;
        let g = &gw.gw;
        let mut config = json!({
            "appId": modes_gw::APP_ID, "privateKey": g.app_key.to_pkcs1_pem(), "endpoint": gw.base,
            "encryptKey": g.aes.to_base64(),
        });
        if cert {
            config["appCertContent"] = json!(g.app_cert.to_pem());
            config["alipayPublicCertContent"] = json!(g.configured.cert.to_pem());
            config["alipayRootCertContent"] = json!(g.ca.root_bundle_pem());
        } else {
            config["alipayPublicKey"] = json!(g.configured.key.public_key().to_spki_base64());
        }
        gw.answer(
            "alipay.trade.query",
            json!({"code":"10000","msg":"Success","out_trade_no":"T1","subject":"咖啡/☕"}),
        );
        gw.answer(
            "alipay.data.dataservice.bill.downloadurl.query",
            json!({"code":"10000","msg":"Success","bill_download_url":"http://x/y?a=1&b=2"}),
        );
        let jobs = [
            ("POST", "/v3/alipay/trade/query", json!({"body": {"out_trade_no": "T1", "subject": "中文 & +"}})),
            ("POST", "/v3/alipay/trade/query", json!({"body": {"out_trade_no": "T1"}, "needEncrypt": true})),
            ("POST", "/v3/alipay/trade/query", json!({"body": {"out_trade_no": "T1"}, "appAuthToken": "202405BB1234"})),
            (
                "GET",
                "/v3/alipay/data/dataservice/bill/downloadurl/query",
                json!({"query": {"bill_type": "trade", "bill_date": "2024-05-01", "x": "a b&c=中"}}),
            ),
        ];
        for (method, path, options) in jobs {
            let out =
                node(&dir, CURL, json!({"config": config, "method": method, "path": path, "options": options})).await;
            assert_eq!(out["ok"], true, "cert={cert} {method} {path} {options}: {out}");
            let seen = gw.seen().pop().unwrap();
            assert!(seen.verified, "our gateway did not verify Node's request: {seen:?}");
            if path.ends_with("query") && method == "POST" {
                assert_eq!(out["data"]["subject"], "咖啡/☕");
                assert_eq!(seen.fields["out_trade_no"], "T1");
                assert_eq!(seen.encrypted, options.get("needEncrypt").is_some());
            } else {
                assert_eq!(out["data"]["bill_download_url"], "http://x/y?a=1&b=2");
                assert_eq!(seen.fields["x"], "a b&c=中");
            }
        }
        // A tampered answer is refused by Node too.
        *g.v3_mode.lock().unwrap() = modes_gw::V3Mode::TamperSignature;
        let out = node(
            &dir,
            CURL,
            json!({"config": config, "method": "POST", "path": "/v3/alipay/trade/query", "options": {"body": {"out_trade_no": "T1"}}}),
        )
        .await;
        assert_eq!(out["ok"], false);
        assert_eq!(out["code"], "response-signature-verify-error");
    }
}
