//! Every command the README and `docs/` print runs as printed (issue 19). Each fenced ` ```sh ` block whose first
//! command is `alipay` (other than `alipay sandbox`, which this test starts itself) runs as one `sh -e` script,
//! in the README's "Try it" situation: a directory where `alipay sandbox` runs on `./alipay-sandbox`, inside the
//! checkout (`crates/` reachable, for the fixtures a block names), the `alipay` binary first on `PATH`. Every
//! other block must be listed in [`RUN_ELSEWHERE`], which says where CI runs it: a new block of commands that
//! is neither fails here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Blocks of other commands, by their first line's start, and where they run.
const RUN_ELSEWHERE: &[(&str, &str)] = &[
    ("cargo run --release -p alipay-cli -- sandbox", "the README's first command: the binary these tests start"),
    ("cargo test --workspace", "the README's second command: .ci/run runs it as printed"),
    ("python3 -m venv target/py-venv", ".ci/run's python step runs these lines"),
    ("npm install --save-dev", "a user's project; the next line is .ci/run's node step"),
    ("(cd java && mvn -B install)", ".ci/java.sh, which .ci/run calls as the next line prints"),
    ("ALIPAY_BIN=$PWD/target/py-venv/bin/alipay bash .ci/go.sh", ".ci/run runs it as printed"),
    (
        "cargo build --release -p alipay-cli -p alipay-loadgen",
        "benchmarks (docs/performance.md): measured, never run as tests",
    ),
    (
        "target/release/alipay sandbox --data /tmp/lgA",
        "the signature-cache A/B benchmark (docs/performance.md): measured, never run as tests",
    ),
    (
        "alipay sandbox --data ./a --listen 0.0.0.0:8080 --store",
        "a shared PostgreSQL host: crates/alipay-cli/tests/multi_instance.rs runs the same",
    ),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The ` ```sh ` blocks of `file`, each with its first line number.
fn sh_blocks(file: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut blocks: Vec<(usize, String)> = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```sh") => current = Some((n + 2, String::new())),
            (Some(_), l) if l.starts_with("```") => blocks.extend(current.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

fn first_command(block: &str) -> &str {
    block.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or_default()
}

fn documents() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

#[test]
fn every_printed_command_runs_as_printed() {
    let work = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repo().join("crates"), work.path().join("crates")).unwrap();
    let data = work.path().join("alipay-sandbox");
    let mut sandbox = common::spawn_sandbox(&data, "127.0.0.1:0", &[]);
    common::wait_for_sandbox(&data, &mut sandbox, None);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_alipay")).parent().unwrap().to_owned();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());

    let (mut ran, mut failures) = (0, Vec::new());
    for file in documents() {
        let name = file.strip_prefix(repo()).unwrap().display().to_string();
        for (line, block) in sh_blocks(&file) {
            let first = first_command(&block);
            if let Some((_, why)) = RUN_ELSEWHERE.iter().find(|(start, _)| first.starts_with(start)) {
                println!("{name}:{line}: runs elsewhere ({why})");
                continue;
            }
            if !first.starts_with("alipay ") || first.starts_with("alipay sandbox") {
                failures.push(format!("{name}:{line}: a block neither run here nor listed in RUN_ELSEWHERE:\n{block}"));
                continue;
            }
            let out = Command::new("sh")
                .args(["-e", "-c", &block])
                .current_dir(work.path())
                .env("PATH", &path)
                .env_remove("ALIPAY_SANDBOX_STORE")
                .output()
                .unwrap();
            ran += 1;
            let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            println!("{name}:{line}: ran ({})\n{stdout}", out.status);
            if !out.status.success() {
                failures.push(format!("{name}:{line}: {}\n{block}\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status));
            }
        }
    }
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    assert!(ran >= 2, "only {ran} blocks ran: the reader is broken");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every entry of [`RUN_ELSEWHERE`] still names a block, so the list cannot hide a deleted command.
#[test]
fn every_exception_names_a_printed_block() {
    let firsts: Vec<String> =
        documents().iter().flat_map(|f| sh_blocks(f).into_iter().map(|(_, b)| first_command(&b).to_owned())).collect();
    for (start, why) in RUN_ELSEWHERE {
        assert!(firsts.iter().any(|f| f.starts_with(start)), "RUN_ELSEWHERE names no block: {start} ({why})");
    }
}
