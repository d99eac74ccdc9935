//! Durability across SIGKILL: concurrent `trade.pay` and `trade.refund` against `alipay sandbox`, the process
//! killed in the middle of the load and restarted on the same directory. Every write whose 10000 answer the
//! client saw (and verified) must be there, and the buyer's and merchant's balances must add up exactly to
//! what the store holds (counting writes that were committed but whose answer was lost in the kill).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_core::{envelope, form, sign_request, Charset, PrivateKey, PublicKey, SignType, Timestamp};
use alipay_sandbox_admin::{AdminClient, NewBuyer, NewPaymentCode};
use serde_json::{json, Value};

const WORKERS: usize = 6;

/// Amount in fen from a yuan string (`"12.30"`).
fn fen(yuan: &str) -> i64 {
    let (int, frac) = yuan.split_once('.').unwrap_or((yuan, "0"));
    let frac = format!("{frac:0<2}");
    assert_eq!(frac.len(), 2, "{yuan}");
    int.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A client of one running sandbox.
struct Gw {
    http: reqwest::Client,
    gateway: String,
    app_id: String,
    key: PrivateKey,
    alipay: PublicKey,
    admin: AdminClient,
}

impl Gw {
    fn open(dir: &Path) -> Gw {
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
        }
    }

    /// A signed call; `Ok` only for an answer whose signature verifies, `Err` for anything else (the
    /// connection dropped by the kill, most of all).
    async fn call(&self, method: &str, biz: Value) -> Result<Value, String> {
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

#[derive(Debug, Clone)]
struct RefundAttempt {
    out_request_no: String,
    amount: i64,
    acked: bool,
}

#[derive(Debug, Clone)]
struct PayAttempt {
    out_trade_no: String,
    amount: i64,
    acked: bool,
    refunds: Vec<RefundAttempt>,
}

fn is_success(v: &Value) -> bool {
    v["code"] == "10000"
}

/// One load task: pays (each with a fresh payment code) and partial refunds of its own acknowledged
/// payments, until the gateway stops answering or `stop` is set.
async fn worker(
    gw: Arc<Gw>,
    w: usize,
    buyer: String,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
) -> Vec<PayAttempt> {
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
        match gw.call("alipay.trade.pay", biz).await {
            Ok(v) if is_success(&v) => {
                out.last_mut().unwrap().acked = true;
                acked.fetch_add(1, Ordering::SeqCst);
            }
            // A business failure cannot happen here (fresh code, big balance); if it does, the checks below
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
            match gw.call("alipay.trade.refund", biz).await {
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

/// What the store holds for one attempted payment: (paid, refunded) in fen, and how many refunds.
async fn check_trade(gw: &Gw, pay: &PayAttempt) -> (i64, i64, usize) {
    let q = gw.call("alipay.trade.query", json!({"out_trade_no": pay.out_trade_no})).await.unwrap();
    if !is_success(&q) {
        assert!(!pay.acked, "acknowledged payment {} lost across SIGKILL: {q}", pay.out_trade_no);
        assert_eq!(q["sub_code"], "ACQ.TRADE_NOT_EXIST", "{}: {q}", pay.out_trade_no);
        assert!(pay.refunds.is_empty());
        return (0, 0, 0);
    }
    assert_eq!(q["trade_status"], "TRADE_SUCCESS", "{}: {q}", pay.out_trade_no);
    assert_eq!(fen(q["total_amount"].as_str().unwrap()), pay.amount, "{}: {q}", pay.out_trade_no);
    let (mut refunded, mut stored) = (0, 0);
    for r in &pay.refunds {
        let biz = json!({"out_trade_no": pay.out_trade_no, "out_request_no": r.out_request_no});
        let a = gw.call("alipay.trade.fastpay.refund.query", biz).await.unwrap();
        assert!(is_success(&a), "{}: {a}", r.out_request_no);
        if a["refund_status"] == "REFUND_SUCCESS" {
            assert_eq!(fen(a["refund_amount"].as_str().unwrap()), r.amount, "{}: {a}", r.out_request_no);
            refunded += r.amount;
            stored += 1;
        } else {
            assert!(!r.acked, "acknowledged refund {} lost across SIGKILL: {a}", r.out_request_no);
        }
    }
    (pay.amount, refunded, stored)
}

fn random_millis(lo: u64, hi: u64) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    lo + (nanos ^ (u64::from(std::process::id()) << 7)) % (hi - lo + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_and_balances_survive_sigkill() {
    let started = Instant::now();
    let dir: PathBuf = std::env::temp_dir().join(format!("alipay-cli-durability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = common::free_port();
    let mut child = common::start_sandbox(&dir, port);
    let gw = Arc::new(Gw::open(&dir));
    let info: Value = serde_json::from_slice(&std::fs::read(dir.join("app.json")).unwrap()).unwrap();
    let pid = info["merchant_pid"].as_str().unwrap().to_owned();

    let buyer = gw.admin.create_buyer(&NewBuyer { balance: Some("1000000.00".into()), ..Default::default() }).await;
    let buyer_id = buyer.unwrap().user_id;
    let buyer0 = gw.admin.buyer(&buyer_id).await.unwrap().balance.fen();
    let merchant0 = gw.admin.merchant(&pid).await.unwrap().balance.fen();
    assert_eq!(buyer0, 100_000_000);

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..WORKERS)
        .map(|w| tokio::spawn(worker(gw.clone(), w, buyer_id.clone(), stop.clone(), acked.clone())))
        .collect();

    // Let the load flow (first acknowledgement), then kill at a random point 0.5–1.5 s later.
    let flowing = Instant::now() + Duration::from_secs(30);
    while acked.load(Ordering::SeqCst) == 0 && Instant::now() < flowing {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delay = random_millis(500, 1500);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let acked_at_kill = acked.load(Ordering::SeqCst);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);

    let mut pays: Vec<PayAttempt> = Vec::new();
    for t in tasks {
        pays.extend(tokio::time::timeout(Duration::from_secs(90), t).await.expect("worker hung").unwrap());
    }
    let acked_pays = pays.iter().filter(|p| p.acked).count();
    let refunds: Vec<&RefundAttempt> = pays.iter().flat_map(|p| &p.refunds).collect();
    let acked_refunds = refunds.iter().filter(|r| r.acked).count();
    assert!(acked_pays > 0, "no payment was acknowledged before the kill");

    let mut child = common::start_sandbox(&dir, port);
    let gw = Arc::new(Gw::open(&dir));
    let mut checks = Vec::new();
    for part in pays.chunks(pays.len().div_ceil(4)) {
        let (gw, part) = (gw.clone(), part.to_vec());
        checks.push(tokio::spawn(async move {
            let mut sums = (0i64, 0i64, 0usize, 0usize);
            for p in &part {
                let (paid, refunded, stored) = check_trade(&gw, p).await;
                sums.0 += paid;
                sums.1 += refunded;
                sums.2 += usize::from(paid > 0);
                sums.3 += stored;
            }
            sums
        }));
    }
    let (mut paid, mut refunded, mut stored_pays, mut stored_refunds) = (0i64, 0i64, 0usize, 0usize);
    for c in checks {
        let (p, r, n, m) = c.await.unwrap();
        paid += p;
        refunded += r;
        stored_pays += n;
        stored_refunds += m;
    }

    let buyer1 = gw.admin.buyer(&buyer_id).await.unwrap().balance.fen();
    let merchant1 = gw.admin.merchant(&pid).await.unwrap().balance.fen();
    println!(
        "killed after {delay} ms of load ({acked_at_kill} acknowledgements at the kill); attempted {} payments \
         ({acked_pays} acknowledged, {stored_pays} in the store) and {} refunds ({acked_refunds} acknowledged, {stored_refunds} in the store); \
         paid {} refunded {}; buyer {} -> {}, merchant {} -> {}; {:.1} s",
        pays.len(),
        refunds.len(),
        yuan(paid),
        yuan(refunded),
        yuan(buyer0),
        yuan(buyer1),
        yuan(merchant0),
        yuan(merchant1),
        started.elapsed().as_secs_f64()
    );
    assert!(stored_pays >= acked_pays && stored_refunds >= acked_refunds);
    assert_eq!(buyer1, buyer0 - paid + refunded, "buyer balance does not add up");
    assert_eq!(merchant1, merchant0 + paid - refunded, "merchant balance does not add up");

    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
