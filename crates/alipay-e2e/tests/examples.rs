//! The README's runnable examples (`crates/alipay-client/examples/*.rs`), run as a user runs them: each built
//! example binary, given the `app.json` of a running sandbox, must finish with exit status 0.
//!
//! The binaries are the ones `cargo test --workspace` builds next to this test (`target/<profile>/examples`).
//! When they are missing (e.g. `cargo test -p alipay-e2e` alone), the test fails if `ALIPAY_EXAMPLES=1` (CI)
//! and otherwise prints a note and passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

/// The examples that run to completion on their own (`notify_endpoint` is a server and is not listed).
const EXAMPLES: &[&str] = &["face_to_face", "ebpp", "deduct", "red_packets"];

fn examples_dir() -> PathBuf {
    // target/<profile>/deps/examples-<hash> -> target/<profile>/examples
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|deps| deps.parent()).unwrap().join("examples")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_runs_against_the_sandbox() {
    let dir = examples_dir();
    let missing: Vec<&str> = EXAMPLES.iter().copied().filter(|name| !dir.join(name).is_file()).collect();
    if !missing.is_empty() {
        let note = format!(
            "example binaries {missing:?} not found in {}: run `cargo test --workspace` (it builds them)",
            dir.display()
        );
        if std::env::var("ALIPAY_EXAMPLES").as_deref() == Ok("1") {
            panic!("{note}");
        }
        eprintln!("note: skipped: {note}");
        return;
    }

    let (data, running) = common::start_sandbox().await;
    let app_json = data.path().join("app.json");

    for name in EXAMPLES {
        let mut child = tokio::process::Command::new(dir.join(name));
        child.arg(&app_json).kill_on_drop(true);
        let out = tokio::time::timeout(Duration::from_secs(120), child.output())
            .await
            .unwrap_or_else(|_| panic!("example {name} did not finish in 120 s"))
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "example {name} failed ({}):\n{stdout}\n{stderr}", out.status);
        assert!(!stdout.trim().is_empty(), "example {name} printed nothing");
    }
    running.stop().await;
}
