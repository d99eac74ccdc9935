//! The answer of `POST /admin/apps` (made with `alipay admin`) saved as a file is a configuration `alipay call`
//! accepts as it is, in every mode of the local Alipay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use std::process::Command;

fn alipay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_alipay")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn admin_app_answer_is_a_config_for_alipay_call() {
    let dir = std::env::temp_dir().join(format!("alipay-cli-sandbox-modes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = common::free_port();
    let mut child = common::start_sandbox(&dir, port);
    let cfg = dir.join("app.json");
    let modes = [r#"{}"#, r#"{"cert_mode":true}"#, r#"{"aes":true}"#, r#"{"cert_mode":true,"aes":true}"#];
    for (i, body) in modes.iter().enumerate() {
        let (code, out, err) = alipay(&["admin", "--config", cfg.to_str().unwrap(), "apps", body]);
        assert_eq!(code, 0, "{out}{err}");
        let file = dir.join(format!("app-{i}.json"));
        std::fs::write(&file, &out).unwrap();
        let biz = format!(r#"{{"out_trade_no":"CLIM{i}","total_amount":"1.00","subject":"modes"}}"#);
        let (code, out, err) = alipay(&[
            "call",
            "alipay.trade.precreate",
            "--config",
            file.to_str().unwrap(),
            "--json",
            "--biz-content",
            &biz,
        ]);
        assert_eq!(code, 0, "mode {body}: {out}{err}");
        let answer: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert!(answer["qr_code"].as_str().unwrap().starts_with("https://qr.alipay.com/"), "{answer}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
