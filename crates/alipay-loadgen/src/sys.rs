//! Machine facts for the report: cores, CPU model, load, OpenSSL's RSA speed, a process's RSS.

use std::path::Path;
use std::process::Command;

/// Cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The CPU model name from `/proc/cpuinfo`, if readable.
pub fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("model name"))?;
    Some(line.split_once(':')?.1.trim().to_owned())
}

/// `/proc/loadavg`'s first three fields.
pub fn loadavg() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// `VmRSS` of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system, all threads) a process has used, in seconds (`/proc/PID/stat`, USER_HZ = 100).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    // After the command name: state is field 3; utime and stime are fields 14 and 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// The CPU seconds of every process in `pids` together; `None` if there is none or one is unreadable.
pub fn cpu_seconds_all(pids: &[u32]) -> Option<f64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&p| cpu_seconds(p)).sum()
}

/// The `VmRSS` of every process in `pids` together, in KiB; `None` if there is none or one is unreadable.
pub fn rss_kib_all(pids: &[u32]) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&p| rss_kib(p)).sum()
}

/// Total size of the regular files directly in `dir` (the sandbox's database and its WAL), in bytes.
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.flatten().filter_map(|e| e.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum()
}

/// Runs `openssl speed -seconds 3 rsa2048` and returns (version, sign/s), if OpenSSL is installed.
pub fn openssl_rsa2048_sign_per_sec() -> Option<(String, f64)> {
    let version = Command::new("openssl").arg("version").output().ok()?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let out = Command::new("openssl").args(["speed", "-seconds", "3", "rsa2048"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_openssl_speed(&text).map(|s| (version, s))
}

/// The sign/s figure of an `openssl speed rsa2048` table: the first number after `bits` that is not a time
/// (times end in `s`). Works for OpenSSL 1.1, 3.0 (sign verify sign/s verify/s) and 3.2+ (with encrypt and
/// decrypt columns).
pub fn parse_openssl_speed(text: &str) -> Option<f64> {
    let line = text.lines().find(|l| {
        let t = l.trim_start();
        t.starts_with("rsa") && t.contains("2048") && t.contains("bits")
    })?;
    let after = line.split_once("bits")?.1;
    after.split_whitespace().filter(|t| !t.ends_with('s')).find_map(|t| t.parse::<f64>().ok())
}

#[cfg(test)]
mod tests {
    use super::parse_openssl_speed;

    #[test]
    fn parses_openssl_3_0_and_3_2_tables() {
        let v30 = "                  sign    verify    sign/s verify/s\nrsa 2048 bits 0.000755s 0.000020s   1325.0  50181.0\n";
        assert_eq!(parse_openssl_speed(v30), Some(1325.0));
        let v32 = "                   sign    verify    encrypt   decrypt   sign/s verify/s  encr./s  decr./s\n\
                   rsa   2048 bits 0.000731s 0.000021s 0.000022s 0.000741s   1368.0  47620.0  45453.0   1349.0\n";
        assert_eq!(parse_openssl_speed(v32), Some(1368.0));
        assert_eq!(parse_openssl_speed("nothing"), None);
    }
}
