//! Durability across SIGKILL: concurrent `trade.pay` and `trade.refund` against `alipay sandbox`, the process
//! killed in the middle of the load and restarted on the same directory. Every write whose 10000 answer the
//! client saw (and verified) must be there, and the buyer's and merchant's balances must add up exactly to
//! what the store holds (counting writes that were committed but whose answer was lost in the kill).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_sandbox_admin::NewBuyer;
use common::{check_trades, random_millis, worker, yuan, Gw, PayAttempt, RefundAttempt};
use serde_json::Value;

const WORKERS: usize = 6;

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
        .map(|w| tokio::spawn(worker(gw.clone(), w, buyer_id.clone(), stop.clone(), acked.clone(), None)))
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
    let (paid, refunded, stored, stored_refunds) = check_trades(gw.clone(), &pays).await;
    let (stored_pays, stored_refunds) = (stored.len(), stored_refunds.len());

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
