//! The `alipay` binary as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use std::process::Command;

fn alipay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_alipay")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("alipay-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn keygen_sign_verify_round_trip() {
    let dir = tempdir("keys");
    let (code, out, err) = alipay(&["keygen", "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("upload this app public key"));
    let key = dir.join("app_private_key.pem");
    let public = dir.join("app_public_key.pem");

    let params = ["--param", "app_id=2021", "--param", "biz_content={\"a\":\"中&=\"}", "--param", "sign_type=RSA2"];
    let mut args = vec!["sign", "--key", key.to_str().unwrap()];
    args.extend(params);
    let (code, out, err) = alipay(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sign content: app_id=2021&biz_content={\"a\":\"中&=\"}&sign_type=RSA2"), "{out}");
    let sign = out.lines().find_map(|l| l.strip_prefix("sign: ")).unwrap().to_owned();

    let mut args = vec!["verify", "--public-key", public.to_str().unwrap(), "--signature", &sign];
    args.extend(params);
    let (code, out, err) = alipay(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("signature OK"));

    // One changed parameter: exit 1 with a message that says why.
    let mut args = vec!["verify", "--public-key", public.to_str().unwrap(), "--signature", &sign];
    args.extend(["--param", "app_id=2022", "--param", "biz_content={\"a\":\"中&=\"}", "--param", "sign_type=RSA2"]);
    let (code, _, err) = alipay(&args);
    assert_eq!(code, 1);
    assert!(err.contains("does not match"), "{err}");
}

#[test]
fn a_public_key_given_as_private_key_is_explained() {
    let dir = tempdir("wrong");
    alipay(&["keygen", "--out-dir", dir.to_str().unwrap()]);
    let public = dir.join("app_public_key.pem");
    let (code, _, err) = alipay(&["sign", "--key", public.to_str().unwrap(), "--content", "a=1"]);
    assert_eq!(code, 1);
    assert!(err.contains("found an SPKI RSA public key where an RSA private key"), "{err}");
}

#[test]
fn call_without_a_config_file_says_which_file() {
    let (code, _, err) = alipay(&["call", "alipay.trade.query", "--config", "/nonexistent/app.json"]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/app.json"), "{err}");
}
