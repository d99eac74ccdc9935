//! The README's main job: `alipay sandbox` on a fresh directory, driven by `alipay call` and `alipay admin`,
//! killed with SIGKILL and restarted on the same directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use std::path::PathBuf;
use std::process::Command;

fn alipay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_alipay")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn sandbox_serves_calls_and_survives_sigkill() {
    let dir: PathBuf = std::env::temp_dir().join(format!("alipay-cli-sandbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = common::free_port();
    let mut child = common::start_sandbox(&dir, port);
    let config = dir.join("app.json");
    let cfg = config.to_str().unwrap();

    let (code, out, err) = alipay(&[
        "call",
        "alipay.trade.precreate",
        "--config",
        cfg,
        "--json",
        "--biz-content",
        r#"{"out_trade_no":"CLI001","total_amount":"88.88","subject":"水费 demo"}"#,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let qr = json(&out)["qr_code"].as_str().unwrap().to_owned();
    assert!(qr.starts_with("https://qr.alipay.com/"), "{qr}");

    let (code, out, err) = alipay(&[
        "call",
        "alipay.trade.query",
        "--config",
        cfg,
        "--json",
        "--biz-content",
        r#"{"out_trade_no":"CLI001"}"#,
    ]);
    assert_eq!(code, 2, "not scanned yet is a business failure: {out}{err}");
    assert_eq!(json(&out)["sub_code"], "ACQ.TRADE_NOT_EXIST");

    let (code, out, err) = alipay(&["admin", "--config", cfg, "trades/scan", &format!(r#"{{"qr_code":"{qr}"}}"#)]);
    assert_eq!(code, 0, "{out}{err}");

    // SIGKILL: no chance to flush anything the sandbox had not already committed.
    child.kill().unwrap();
    child.wait().unwrap();
    let mut child = common::start_sandbox(&dir, port);

    let (code, out, err) = alipay(&[
        "call",
        "alipay.trade.query",
        "--config",
        cfg,
        "--json",
        "--biz-content",
        r#"{"out_trade_no":"CLI001"}"#,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let answer = json(&out);
    assert_eq!(answer["trade_status"], "WAIT_BUYER_PAY");
    assert_eq!(answer["total_amount"], "88.88");

    // A tampered config (someone else's Alipay key) makes verification fail: non-zero exit.
    let mut bad: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let other = dir.join("bad.json");
    let stranger = Command::new(env!("CARGO_BIN_EXE_alipay")).args(["keygen"]).output().unwrap();
    let stranger_pub = String::from_utf8_lossy(&stranger.stdout)
        .split("-----BEGIN PUBLIC KEY-----")
        .nth(1)
        .map(|s| {
            format!(
                "-----BEGIN PUBLIC KEY-----{}-----END PUBLIC KEY-----",
                s.split("-----END PUBLIC KEY-----").next().unwrap()
            )
        })
        .unwrap();
    bad["alipay_public_key"] = serde_json::Value::String(stranger_pub);
    std::fs::write(&other, bad.to_string()).unwrap();
    let (code, _, err) = alipay(&[
        "call",
        "alipay.trade.query",
        "--config",
        other.to_str().unwrap(),
        "--biz-content",
        r#"{"out_trade_no":"CLI001"}"#,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("verification"), "{err}");

    child.kill().unwrap();
    child.wait().unwrap();
}

/// `alipay admin` against a sandbox listening on 0.0.0.0: the config's `admin_token` is sent; without it, 401
/// (exit code 1) and nothing changes.
#[test]
fn admin_command_sends_the_config_token_off_loopback() {
    let dir: PathBuf = std::env::temp_dir().join(format!("alipay-cli-admin-token-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = common::free_port();
    let mut child = common::start_sandbox_on(&dir, &format!("0.0.0.0:{port}"), port);
    let config = dir.join("app.json");
    let cfg = config.to_str().unwrap();
    let app = json(&std::fs::read_to_string(&config).unwrap());
    assert!(app["admin_token"].as_str().unwrap().len() >= 32);

    let (code, out, err) = alipay(&["admin", "--config", cfg, "clock/advance", r#"{"seconds":60}"#]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(json(&out)["offset_secs"], 60);

    let mut stripped = app.clone();
    stripped.as_object_mut().unwrap().remove("admin_token");
    let no_token = dir.join("no-token.json");
    std::fs::write(&no_token, stripped.to_string()).unwrap();
    let (code, out, _) =
        alipay(&["admin", "--config", no_token.to_str().unwrap(), "clock/advance", r#"{"seconds":60}"#]);
    assert_eq!(code, 1, "{out}");
    assert!(json(&out)["error"].as_str().unwrap().contains("admin token"), "{out}");

    let (code, out, err) = alipay(&["admin", "--config", cfg, "clock"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(json(&out)["offset_secs"], 60, "the refused advance changed nothing");
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A plain HTTP/1.1 GET on 127.0.0.1:port: (status line, body).
fn http_get(port: u16, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// The operator console of `alipay sandbox`: the default app's `app.json` download and the CLI snippet of its
/// page, used exactly as the page says.
#[test]
fn the_consoles_app_json_works_with_the_cli_snippet() {
    let dir: PathBuf = std::env::temp_dir().join(format!("alipay-cli-console-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = common::free_port();
    let mut child = common::start_sandbox(&dir, port);
    let app_id = json(&std::fs::read_to_string(dir.join("app.json")).unwrap())["app_id"].as_str().unwrap().to_owned();

    let (status, page) = http_get(port, &format!("/apps/{app_id}"));
    assert!(status.contains("200"), "{status}");
    assert!(
        page.contains(&format!("alipay call alipay.trade.query --config app-{app_id}.json --biz-content")),
        "{page}"
    );
    let (status, body) = http_get(port, &format!("/apps/{app_id}/app.json"));
    assert!(status.contains("200"), "{status}");
    let downloaded = dir.join(format!("app-{app_id}.json"));
    std::fs::write(&downloaded, &body).unwrap();

    let (code, out, err) = alipay(&[
        "call",
        "alipay.trade.query",
        "--config",
        downloaded.to_str().unwrap(),
        "--json",
        "--biz-content",
        r#"{"out_trade_no":"T1"}"#,
    ]);
    assert_eq!(code, 2, "a verified business failure: {out}{err}");
    assert_eq!(json(&out)["sub_code"], "ACQ.TRADE_NOT_EXIST");
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
