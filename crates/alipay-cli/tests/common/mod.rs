//! Shared by the CLI's process-level tests: `alipay sandbox` child processes (one, or several on one
//! PostgreSQL store), a signed and verified gateway client ([`Gw`]), the pay + refund load of the SIGKILL tests
//! ([`worker`], [`check_trade`]) and a notification receiver ([`NotifyReceiver`]).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs::OpenOptions;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alipay_core::{envelope, form, sign_request, Charset, PrivateKey, PublicKey, SignType, Timestamp};
use alipay_sandbox_admin::{AdminClient, NewPaymentCode};
use serde_json::{json, Value};

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
    let mut child = spawn_sandbox(dir, listen, &[]);
    wait_for_sandbox(dir, &mut child, Some(port));
    child
}

/// Spawns `alipay sandbox --data dir --listen listen EXTRA...` without waiting (see [`wait_for_sandbox`]).
/// An `ALIPAY_SANDBOX_STORE` of the environment is not passed on: a test names its store with `--store`.
/// The process's stderr goes to `dir/sandbox.log` (appended), shown when it fails to start.
pub fn spawn_sandbox(dir: &Path, listen: &str, extra: &[&str]) -> Child {
    std::fs::create_dir_all(dir).unwrap();
    let _ = std::fs::remove_file(dir.join("app.json"));
    let log = OpenOptions::new().create(true).append(true).open(dir.join("sandbox.log")).unwrap();
    Command::new(env!("CARGO_BIN_EXE_alipay"))
        .args(["sandbox", "--data", dir.to_str().unwrap(), "--listen", listen])
        .args(extra)
        .env_remove("ALIPAY_SANDBOX_STORE")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Waits until the sandbox spawned on `dir` has written `app.json` and accepts connections (on 127.0.0.1:port,
/// or the port of its `gateway_url`); answers its `gateway_url`. Panics with its log if it exits or takes more
/// than 60 s.
pub fn wait_for_sandbox(dir: &Path, child: &mut Child, port: Option<u16>) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("sandbox on {} exited ({status}) before it was ready:\n{}", dir.display(), log_tail(dir));
        }
        let app: Option<Value> = std::fs::read(dir.join("app.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
        if let Some(url) = app.as_ref().and_then(|a| a["gateway_url"].as_str()) {
            let port = port.or_else(|| url_port(url));
            if port.is_some_and(|p| std::net::TcpStream::connect(("127.0.0.1", p)).is_ok()) {
                return url.to_owned();
            }
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sandbox on {} did not start within 60 s:\n{}", dir.display(), log_tail(dir));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn url_port(url: &str) -> Option<u16> {
    url::Url::parse(url).ok()?.port_or_known_default()
}

fn log_tail(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("sandbox.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// One `alipay sandbox` process of a test, on its own temporary data directory.
pub struct Instance {
    /// Its data directory (its own `app.json`).
    pub dir: tempfile::TempDir,
    /// The process.
    pub child: Child,
    /// The arguments after `--listen` (`--store URL`, ...), used again by [`Instance::restart`].
    pub args: Vec<String>,
}

impl Instance {
    /// `DIR/app.json`.
    pub fn app_json(&self) -> PathBuf {
        self.dir.path().join("app.json")
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGKILL, then the same command again (same directory and store, a new port).
    pub fn restart(&mut self) {
        self.kill();
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut child = spawn_sandbox(self.dir.path(), "127.0.0.1:0", &args);
        wait_for_sandbox(self.dir.path(), &mut child, None);
        self.child = child;
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `n` sandboxes on `--listen 127.0.0.1:0`, each on its own temporary `--data`, all on `--store store`
/// (`None`: each its own SQLite, which only makes sense for `n == 1`), with `extra` arguments. All are spawned
/// before any is waited for, so they start (and migrate the store) at the same time. With a store, checks that
/// they share one state: every `app.json` names the same app, keys, merchant and buyer (and its own gateway).
pub fn start_instances(n: usize, store: Option<&str>, extra: &[&str]) -> Vec<Instance> {
    let mut args: Vec<String> = store.map(|s| vec!["--store".to_owned(), s.to_owned()]).unwrap_or_default();
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut spawned: Vec<Instance> = (0..n)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let child = spawn_sandbox(dir.path(), "127.0.0.1:0", &argv);
            Instance { dir, child, args: args.clone() }
        })
        .collect();
    for i in &mut spawned {
        wait_for_sandbox(i.dir.path(), &mut i.child, None);
    }
    if store.is_some() {
        assert_one_state(&spawned);
    }
    spawned
}

/// Every instance's `app.json` names the same app, keys, merchant and default buyer, each its own gateway.
pub fn assert_one_state(instances: &[Instance]) {
    let apps: Vec<Value> =
        instances.iter().map(|i| serde_json::from_slice(&std::fs::read(i.app_json()).unwrap()).unwrap()).collect();
    let Some(first) = apps.first() else { return };
    for (n, app) in apps.iter().enumerate() {
        for key in ["app_id", "app_private_key", "app_public_key", "alipay_public_key", "merchant_pid", "buyer_user_id"]
        {
            assert_eq!(app[key], first[key], "instance {n} names another {key}: one store must hold one state");
        }
    }
    let gateways: std::collections::BTreeSet<&str> = apps.iter().map(|a| a["gateway_url"].as_str().unwrap()).collect();
    assert_eq!(gateways.len(), apps.len(), "each instance serves its own gateway: {gateways:?}");
}

/// Amount in fen from a yuan string (`"12.30"`).
pub fn fen(yuan: &str) -> i64 {
    let (int, frac) = yuan.split_once('.').unwrap_or((yuan, "0"));
    let frac = format!("{frac:0<2}");
    assert_eq!(frac.len(), 2, "{yuan}");
    int.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// `12.30` from 1230 fen.
pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A client of one running sandbox: signed gateway calls whose answers are verified, and its admin API.
pub struct Gw {
    pub http: reqwest::Client,
    pub gateway: String,
    pub app_id: String,
    pub key: PrivateKey,
    pub alipay: PublicKey,
    pub admin: AdminClient,
    /// The whole `app.json`.
    pub info: Value,
}

impl Gw {
    /// From the sandbox's data directory (its `app.json`).
    pub fn open(dir: &Path) -> Gw {
        let info: Value = serde_json::from_slice(&std::fs::read(dir.join("app.json")).unwrap()).unwrap();
        let gateway = info["gateway_url"].as_str().unwrap().to_owned();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        Gw {
            admin: AdminClient::from_app_json(dir.join("app.json")).unwrap().with_http_client(http.clone()),
            http,
            gateway,
            app_id: info["app_id"].as_str().unwrap().to_owned(),
            key: PrivateKey::from_text(info["app_private_key"].as_str().unwrap()).unwrap(),
            alipay: PublicKey::from_text(info["alipay_public_key"].as_str().unwrap()).unwrap(),
            info,
        }
    }

    /// A signed call; `Ok` only for an answer whose signature verifies, `Err` for anything else (the
    /// connection dropped by the kill, most of all).
    pub async fn call(&self, method: &str, biz: Value) -> Result<Value, String> {
        self.call_with(method, biz, &[]).await
    }

    /// [`Gw::call`] with more common parameters (`notify_url`, ...).
    pub async fn call_with(&self, method: &str, biz: Value, extra: &[(&str, &str)]) -> Result<Value, String> {
        let timestamp = Timestamp::now().to_string();
        let biz = biz.to_string();
        let mut params: Vec<(&str, &str)> = vec![
            ("app_id", &self.app_id),
            ("method", method),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", &timestamp),
            ("version", "1.0"),
            ("biz_content", &biz),
        ];
        params.extend_from_slice(extra);
        let sign = sign_request(params.iter().copied(), &self.key, SignType::Rsa2, Charset::Utf8).unwrap();
        params.push(("sign", &sign));
        let body = form::encode(params.iter().copied(), Charset::Utf8).unwrap();
        let resp = self
            .http
            .post(&self.gateway)
            .header("content-type", "application/x-www-form-urlencoded;charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if resp.status() != 200 {
            return Err(format!("HTTP {}", resp.status()));
        }
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        let v = envelope::verify_response(&bytes, method, Charset::Utf8, &self.alipay, SignType::Rsa2)
            .map_err(|e| format!("verification: {e}"))?;
        serde_json::from_str(v.json()).map_err(|e| e.to_string())
    }
}

/// `code` is `10000`.
pub fn is_success(v: &Value) -> bool {
    v["code"] == "10000"
}

/// A refund a [`worker`] attempted.
#[derive(Debug, Clone)]
pub struct RefundAttempt {
    pub out_request_no: String,
    pub amount: i64,
    /// Its 10000 answer was seen (and verified).
    pub acked: bool,
}

/// A payment a [`worker`] attempted, with its refunds.
#[derive(Debug, Clone)]
pub struct PayAttempt {
    pub out_trade_no: String,
    pub amount: i64,
    /// Its 10000 answer was seen (and verified).
    pub acked: bool,
    pub refunds: Vec<RefundAttempt>,
}

/// One load task: pays (each with a fresh payment code) and partial refunds of its own acknowledged
/// payments, until the gateway stops answering or `stop` is set. `w` makes its order numbers unique;
/// `notify_url`, when given, is sent with every call.
pub async fn worker(
    gw: Arc<Gw>,
    w: usize,
    buyer: String,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
    notify_url: Option<String>,
) -> Vec<PayAttempt> {
    let extra: Vec<(&str, &str)> = notify_url.as_deref().map(|u| vec![("notify_url", u)]).unwrap_or_default();
    let mut out: Vec<PayAttempt> = Vec::new();
    let safety = Instant::now() + Duration::from_secs(40);
    let mut n = 0usize;
    while !stop.load(Ordering::SeqCst) && Instant::now() < safety {
        n += 1;
        let Ok(code) = gw.admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await else {
            break;
        };
        let auth_code = code.auth_code;
        let amount = 100 + ((w * 7919 + n * 104_729) % 4900) as i64;
        let out_trade_no = format!("DUR{w}N{n}");
        out.push(PayAttempt { out_trade_no: out_trade_no.clone(), amount, acked: false, refunds: Vec::new() });
        let biz = json!({
            "out_trade_no": out_trade_no, "scene": "bar_code", "auth_code": auth_code,
            "subject": "durability", "total_amount": yuan(amount),
        });
        match gw.call_with("alipay.trade.pay", biz, &extra).await {
            Ok(v) if is_success(&v) => {
                out.last_mut().unwrap().acked = true;
                acked.fetch_add(1, Ordering::SeqCst);
            }
            // A business failure cannot happen here (fresh code, big balance); if it does, the checks
            // still count what the store holds.
            Ok(_) => continue,
            Err(_) => break,
        }
        // Partial refunds (the trade stays TRADE_SUCCESS): one on every other payment, a second on every fourth.
        for (i, part) in [(1usize, 4i64), (2, 5)] {
            if n % (2 * i) != 0 {
                continue;
            }
            let refund =
                RefundAttempt { out_request_no: format!("{out_trade_no}R{i}"), amount: amount / part, acked: false };
            let biz = json!({
                "out_trade_no": out_trade_no, "refund_amount": yuan(refund.amount),
                "out_request_no": refund.out_request_no,
            });
            let trade = out.last_mut().unwrap();
            trade.refunds.push(refund);
            match gw.call_with("alipay.trade.refund", biz, &extra).await {
                Ok(v) if is_success(&v) => {
                    trade.refunds.last_mut().unwrap().acked = true;
                    acked.fetch_add(1, Ordering::SeqCst);
                }
                Ok(_) => {}
                Err(_) => return out,
            }
        }
    }
    out
}

/// What the store holds for one attempted payment: (paid, refunded) in fen, and the out_request_nos of its
/// stored refunds. Panics if an acknowledged payment or refund is missing.
pub async fn check_trade(gw: &Gw, pay: &PayAttempt) -> (i64, i64, Vec<String>) {
    let q = gw.call("alipay.trade.query", json!({"out_trade_no": pay.out_trade_no})).await.unwrap();
    if !is_success(&q) {
        assert!(!pay.acked, "acknowledged payment {} lost across SIGKILL: {q}", pay.out_trade_no);
        assert_eq!(q["sub_code"], "ACQ.TRADE_NOT_EXIST", "{}: {q}", pay.out_trade_no);
        assert!(pay.refunds.is_empty());
        return (0, 0, Vec::new());
    }
    assert_eq!(q["trade_status"], "TRADE_SUCCESS", "{}: {q}", pay.out_trade_no);
    assert_eq!(fen(q["total_amount"].as_str().unwrap()), pay.amount, "{}: {q}", pay.out_trade_no);
    let (mut refunded, mut stored) = (0, Vec::new());
    for r in &pay.refunds {
        let biz = json!({"out_trade_no": pay.out_trade_no, "out_request_no": r.out_request_no});
        let a = gw.call("alipay.trade.fastpay.refund.query", biz).await.unwrap();
        assert!(is_success(&a), "{}: {a}", r.out_request_no);
        if a["refund_status"] == "REFUND_SUCCESS" {
            assert_eq!(fen(a["refund_amount"].as_str().unwrap()), r.amount, "{}: {a}", r.out_request_no);
            refunded += r.amount;
            stored.push(r.out_request_no.clone());
        } else {
            assert!(!r.acked, "acknowledged refund {} lost across SIGKILL: {a}", r.out_request_no);
        }
    }
    (pay.amount, refunded, stored)
}

/// Sums over [`check_trade`] of all `pays`, four at a time: (paid, refunded, stored payments, stored refunds
/// as (out_trade_no, out_request_no)).
pub async fn check_trades(gw: Arc<Gw>, pays: &[PayAttempt]) -> (i64, i64, Vec<String>, Vec<(String, String)>) {
    let mut checks = Vec::new();
    for part in pays.chunks(pays.len().div_ceil(4).max(1)) {
        let (gw, part) = (gw.clone(), part.to_vec());
        checks.push(tokio::spawn(async move {
            let mut sums = (0i64, 0i64, Vec::new(), Vec::new());
            for p in &part {
                let (paid, refunded, stored) = check_trade(&gw, p).await;
                sums.0 += paid;
                sums.1 += refunded;
                if paid > 0 {
                    sums.2.push(p.out_trade_no.clone());
                }
                sums.3.extend(stored.into_iter().map(|r| (p.out_trade_no.clone(), r)));
            }
            sums
        }));
    }
    let mut total = (0i64, 0i64, Vec::new(), Vec::new());
    for c in checks {
        let (p, r, n, m) = c.await.unwrap();
        total.0 += p;
        total.1 += r;
        total.2.extend(n);
        total.3.extend(m);
    }
    total
}

/// A pseudo-random duration in `lo..=hi` milliseconds (where in the load a kill lands).
pub fn random_millis(lo: u64, hi: u64) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    lo + (nanos ^ (u64::from(std::process::id()) << 7)) % (hi - lo + 1)
}

/// One notification as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The raw body.
    pub body: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
    /// The form parameters (UTF-8).
    pub params: Vec<(String, String)>,
}

impl Received {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A `notify_url` on loopback (axum, in the test's runtime): records every POST and answers `success` —
/// at once, or (`start_held`) only once released, to hold deliveries in flight.
pub struct NotifyReceiver {
    /// `http://127.0.0.1:PORT/notify`.
    pub url: String,
    /// Everything received and answered, in order (duplicates too: delivery is at least once).
    pub received: Arc<Mutex<Vec<Received>>>,
    /// Requests that arrived (answered or not).
    pub arrived: Arc<std::sync::atomic::AtomicUsize>,
    /// Requests whose sender went away before the answer (a killed sandbox's deliveries in flight).
    pub aborted: Arc<std::sync::atomic::AtomicUsize>,
    gate: tokio::sync::watch::Sender<bool>,
}

/// Counts a request as aborted unless it was answered (axum drops the handler when the client goes away).
struct Abandoned(Option<Arc<std::sync::atomic::AtomicUsize>>);

impl Drop for Abandoned {
    fn drop(&mut self) {
        if let Some(n) = self.0.take() {
            n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

impl NotifyReceiver {
    /// Binds a free loopback port and serves on the current tokio runtime, answering at once.
    pub async fn start() -> NotifyReceiver {
        NotifyReceiver::serve(true).await
    }

    /// Like `start`, but every request waits for [`NotifyReceiver::release`].
    pub async fn start_held() -> NotifyReceiver {
        NotifyReceiver::serve(false).await
    }

    /// Answers the held requests and every later one at once.
    pub fn release(&self) {
        let _ = self.gate.send(true);
    }

    async fn serve(open: bool) -> NotifyReceiver {
        use axum::{body::Bytes, http::HeaderMap, routing::post, Router};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let (arrived, aborted) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (gate, _) = tokio::sync::watch::channel(open);
        let (sink, count, lost, opened) = (received.clone(), arrived.clone(), aborted.clone(), gate.clone());
        let app = Router::new().route(
            "/notify",
            post(move |headers: HeaderMap, body: Bytes| {
                let (sink, lost, mut opened) = (sink.clone(), lost.clone(), opened.subscribe());
                count.fetch_add(1, Ordering::SeqCst);
                async move {
                    let mut pending = Abandoned(Some(lost));
                    let _ = opened.wait_for(|open| *open).await;
                    let params = url::form_urlencoded::parse(&body).into_owned().collect();
                    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    sink.lock().unwrap().push(Received { body: body.to_vec(), content_type, params });
                    pending.0 = None;
                    "success"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        NotifyReceiver { url: format!("http://{addr}/notify"), received, arrived, aborted, gate }
    }

    /// A copy of what was received so far.
    pub fn snapshot(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}
