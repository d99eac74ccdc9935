//! Firing pre-signed requests at the gateway and summarising what came back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_core::{envelope, Charset, SignType};

use crate::app::App;

/// How to fire one batch of pre-signed requests.
pub struct Plan {
    /// The gateway method the bodies call (to find and verify the answer).
    pub method: &'static str,
    /// Parallel in-flight requests (one keep-alive connection each).
    pub concurrency: usize,
    /// Stop starting new requests after this long.
    pub time_limit: Duration,
    /// Verify every answer's signature.
    pub verify: bool,
    /// Open-loop pacing: start request `i` at `start + i / rate` (latency counted from that due time).
    pub rate: Option<f64>,
    /// The sandbox's process ids (one per instance), to measure their CPU time during the window.
    pub pids: Vec<u32>,
}

/// What one batch produced.
#[derive(Default)]
pub struct Outcome {
    /// Requests started.
    pub sent: usize,
    /// Answers with code 10000 (and, with `verify`, a valid signature).
    pub ok: usize,
    /// Transport failures and non-200 statuses.
    pub http_errors: usize,
    /// Answers whose code was not 10000.
    pub code_errors: usize,
    /// Answers that failed signature verification.
    pub verify_errors: usize,
    /// Wall time from the first request to the last answer.
    pub elapsed: Duration,
    /// Latency of every completed request, in microseconds, sorted.
    pub latencies_us: Vec<u64>,
    /// The first failure seen, for the report.
    pub first_error: Option<String>,
    /// CPU seconds the load generator used during the window.
    pub client_cpu: Option<f64>,
    /// CPU seconds the sandbox used during the window (with pids: all its instances together).
    pub server_cpu: Option<f64>,
}

impl Outcome {
    /// Sandbox CPU time per answer, in milliseconds.
    pub fn server_cpu_ms_per_answer(&self) -> Option<f64> {
        let n = self.latencies_us.len();
        self.server_cpu.filter(|_| n > 0).map(|c| c * 1000.0 / n as f64)
    }

    /// CPU use during the window as `client x%, sandbox y%` (100% = one core).
    pub fn cpu_text(&self) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let pct = |c: Option<f64>| c.map(|c| format!("{:.0}%", 100.0 * c / secs)).unwrap_or_else(|| "?".into());
        format!("cpu client {} sandbox {}", pct(self.client_cpu), pct(self.server_cpu))
    }

    /// All failures.
    pub fn errors(&self) -> usize {
        self.http_errors + self.code_errors + self.verify_errors
    }

    /// Completed requests per second of wall time.
    pub fn rps(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.latencies_us.len() as f64 / secs
        } else {
            0.0
        }
    }

    /// The `p`-quantile latency (0 < p ≤ 1) in milliseconds.
    pub fn pct_ms(&self, p: f64) -> f64 {
        let n = self.latencies_us.len();
        if n == 0 {
            return 0.0;
        }
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        self.latencies_us.get(rank).copied().unwrap_or(0) as f64 / 1000.0
    }

    /// The largest latency in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0
    }

    fn merge(&mut self, other: Outcome) {
        self.sent += other.sent;
        self.ok += other.ok;
        self.http_errors += other.http_errors;
        self.code_errors += other.code_errors;
        self.verify_errors += other.verify_errors;
        self.latencies_us.extend(other.latencies_us);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// `true` when `body` contains `needle`.
fn contains(body: &[u8], needle: &[u8]) -> bool {
    body.windows(needle.len()).any(|w| w == needle)
}

/// Sends every body (each once) as planned; returns the summary.
pub async fn fire(client: &reqwest::Client, app: &Arc<App>, bodies: Vec<String>, plan: &Plan) -> Outcome {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let me = std::process::id();
    let (client0, server0) = (crate::sys::cpu_seconds(me), crate::sys::cpu_seconds_all(&plan.pids));
    let start = Instant::now();
    let stop = start + plan.time_limit;
    let mut tasks = Vec::with_capacity(plan.concurrency);
    for _ in 0..plan.concurrency.max(1) {
        let (client, app, bodies, next) = (client.clone(), app.clone(), bodies.clone(), next.clone());
        let (method, verify, rate) = (plan.method, plan.verify, plan.rate);
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t0 = match rate {
                    Some(r) if r > 0.0 => {
                        let due = start + Duration::from_secs_f64(i as f64 / r);
                        tokio::time::sleep_until(due.into()).await;
                        due
                    }
                    _ => Instant::now(),
                };
                if Instant::now() >= stop {
                    break;
                }
                out.sent += 1;
                let sent = client
                    .post(app.gateway_for(i))
                    .header("content-type", "application/x-www-form-urlencoded;charset=utf-8")
                    .body(body.clone())
                    .send()
                    .await;
                let answer = match sent {
                    Ok(resp) if resp.status().is_success() => resp.bytes().await.map_err(|e| e.to_string()),
                    Ok(resp) => Err(format!("HTTP {}", resp.status())),
                    Err(e) => Err(e.to_string()),
                };
                let elapsed = t0.elapsed();
                let answer = match answer {
                    Ok(a) => a,
                    Err(e) => {
                        out.http_errors += 1;
                        out.first_error.get_or_insert(e);
                        continue;
                    }
                };
                out.latencies_us.push(elapsed.as_micros() as u64);
                if verify {
                    match envelope::verify_response(&answer, method, Charset::Utf8, &app.alipay_key, SignType::Rsa2) {
                        Ok(v) if v.status().map(|s| s.is_success()).unwrap_or(false) => out.ok += 1,
                        Ok(v) => {
                            out.code_errors += 1;
                            out.first_error.get_or_insert_with(|| v.json().to_owned());
                        }
                        Err(e) => {
                            out.verify_errors += 1;
                            out.first_error.get_or_insert_with(|| format!("verification: {e}"));
                        }
                    }
                } else if contains(&answer, br#""code":"10000""#) {
                    out.ok += 1;
                } else {
                    out.code_errors += 1;
                    out.first_error.get_or_insert_with(|| String::from_utf8_lossy(&answer).into_owned());
                }
            }
            out
        }));
    }
    let mut total = Outcome::default();
    for t in tasks {
        match t.await {
            Ok(o) => total.merge(o),
            Err(e) => {
                total.http_errors += 1;
                total.first_error.get_or_insert_with(|| format!("worker failed: {e}"));
            }
        }
    }
    total.elapsed = start.elapsed();
    let diff = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| b - a);
    total.client_cpu = diff(client0, crate::sys::cpu_seconds(me));
    total.server_cpu = diff(server0, crate::sys::cpu_seconds_all(&plan.pids));
    total.latencies_us.sort_unstable();
    total
}
