//! Shared by the CLI's process-level tests: a free loopback port and an `alipay sandbox` child process.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A loopback port nothing listens on (at the time of asking).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `alipay sandbox --data dir --listen 127.0.0.1:port` and waits until it has written `app.json` and
/// accepts connections.
pub fn start_sandbox(dir: &Path, port: u16) -> Child {
    start_sandbox_on(dir, &format!("127.0.0.1:{port}"), port)
}

/// Starts `alipay sandbox --data dir --listen listen` (reached on 127.0.0.1:port) and waits as
/// [`start_sandbox`] does.
pub fn start_sandbox_on(dir: &Path, listen: &str, port: u16) -> Child {
    let _ = std::fs::remove_file(dir.join("app.json"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_alipay"))
        .args(["sandbox", "--data", dir.to_str().unwrap(), "--listen", listen])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(dir.join("app.json").exists() && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()) {
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("sandbox did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}
