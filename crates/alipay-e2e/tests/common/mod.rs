//! What every end-to-end test starts with: a sandbox on a free loopback port, in a temporary data directory,
//! on this test target's store (SQLite, or a fresh PostgreSQL schema for the `*_pg` targets).
#![allow(dead_code, clippy::unwrap_used)]

use alipay_sandbox::{Config, RunningSandbox, Sandbox};

/// A running sandbox with fast notification retries, and its data directory (`app.json` is in it).
pub async fn start_sandbox() -> (tempfile::TempDir, RunningSandbox) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        notify_time_scale: 0.001,
        store: alipay_testkit::store_for(env!("CARGO_CRATE_NAME")),
        ..Config::default()
    };
    let running = Sandbox::open(dir.path(), config).await.unwrap().start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (dir, running)
}
