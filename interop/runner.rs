//! The official-SDK interop tools as Rust tests use them: finding the pinned installs and running
//! `interop/<script>.py|js` with a JSON job on stdin. Included by the client's and the sandbox's
//! `tests/official_sdks.rs` (`#[path = ...] mod runner;`), so both drive the SDKs the same way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

#[derive(Clone)]
pub struct Tools {
    pub dir: PathBuf,
    pub python: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sdk {
    /// The Python SDK.
    Python,
    /// The Node SDK.
    Node,
}

/// The installed interop tools, or `None` (after a note) when they are missing and `ALIPAY_INTEROP` is not 1.
pub fn tools() -> Option<Tools> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop");
    let dir = dir.canonicalize().unwrap_or(dir);
    let python = dir.join(".venv/bin/python");
    let mut missing = Vec::new();
    if !python.is_file() {
        missing.push(format!("{} (the Python SDK's venv)", python.display()));
    }
    if !dir.join("node_modules/alipay-sdk/package.json").is_file() {
        missing.push(format!("{}/node_modules/alipay-sdk (the Node SDK)", dir.display()));
    }
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        missing.push("node on PATH".to_owned());
    }
    if missing.is_empty() {
        return Some(Tools { dir, python });
    }
    let msg = format!("interop tools missing: {}; run `bash interop/install.sh`", missing.join(", "));
    if std::env::var("ALIPAY_INTEROP").as_deref() == Ok("1") {
        panic!("ALIPAY_INTEROP=1 but {msg}");
    }
    eprintln!("note: official-SDK tests skipped: {msg} (set ALIPAY_INTEROP=1 to make this an error)");
    None
}

pub struct Run {
    pub success: bool,
    pub out: Value,
    pub stderr: String,
}

impl Tools {
    /// Runs `interop/<script>.py` or `.js` with `job` on stdin; parses its JSON answer.
    pub fn run(&self, sdk: Sdk, script: &str, job: &Value) -> Run {
        let (program, file) = match sdk {
            Sdk::Python => (self.python.clone(), format!("{script}.py")),
            Sdk::Node => (PathBuf::from("node"), format!("{script}.js")),
        };
        let mut child = Command::new(program)
            .arg(self.dir.join(&file))
            .current_dir(&self.dir)
            // Both SDKs stamp host-local time; a correctly configured host in China runs in UTC+8.
            .env("TZ", "Asia/Shanghai")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {file}: {e}"));
        child.stdin.take().unwrap().write_all(job.to_string().as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let line = stdout.lines().last().unwrap_or_default();
        let out: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{file} printed no JSON ({e}): stdout {stdout:?}, stderr {stderr}"));
        Run { success: output.status.success(), out, stderr }
    }

    /// Runs a job that must succeed.
    #[allow(dead_code)]
    pub fn ok(&self, sdk: Sdk, script: &str, job: &Value) -> Value {
        let run = self.run(sdk, script, job);
        assert!(run.success, "{sdk:?} {script} failed: {}\nstderr: {}", run.out, run.stderr);
        run.out
    }
}
