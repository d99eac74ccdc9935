//! Several `alipay sandbox` processes on one PostgreSQL store (`--store`): one state, whatever instance a
//! request reaches. Three instances, each on its own `--data` and `--listen 127.0.0.1:0`, all started at the
//! same time on a fresh schema (so the migrations race; every `app.json` must then name the same app and keys):
//!
//! - 400 identical `trade.pay` spread over them charge the buyer once;
//! - 60 racing partial refunds never refund more than was paid;
//! - the clock moved through one instance is the clock of the others, a fault injected through one fires on
//!   another, exactly `count` times in all;
//! - one instance SIGKILLed under pay + refund load: every acknowledged write is there, the balances add up,
//!   and every notification is delivered (the dead instance's claimed ones by the others, after their lease).
//!
//! Each test takes its own schema from `alipay_testkit::postgres_store()` and skips without
//! `ALIPAY_TEST_POSTGRES` (fails under `ALIPAY_REQUIRE_POSTGRES=1`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_client::AlipayClient;
use alipay_sandbox_admin::{FaultKind, FaultSpec, Method, NewBuyer, NewPaymentCode, ScanTrade, TradeLocator};
use common::{check_trades, fen, is_success, random_millis, worker, yuan, Gw, Instance, NotifyReceiver, PayAttempt};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

const INSTANCES: usize = 3;

/// Three instances on a fresh schema and a client of each; `None` (printed) without PostgreSQL.
fn cluster(test: &str, extra: &[&str]) -> Option<(Vec<Instance>, Vec<Arc<Gw>>)> {
    let Some(store) = alipay_testkit::postgres_store() else {
        eprintln!("{test}: skipped: {}", alipay_testkit::POSTGRES_SKIP_REASON);
        return None;
    };
    let instances = common::start_instances(INSTANCES, Some(&store), extra);
    let gws = instances.iter().map(|i| Arc::new(Gw::open(i.dir.path()))).collect();
    Some((instances, gws))
}

async fn new_buyer(gw: &Gw, balance: &str) -> String {
    gw.admin.create_buyer(&NewBuyer::new(balance, "100000.00")).await.unwrap().user_id
}

async fn balances(gw: &Gw, buyer: &str) -> (i64, i64) {
    let pid = gw.info["merchant_pid"].as_str().unwrap();
    (gw.admin.buyer(buyer).await.unwrap().balance.fen(), gw.admin.merchant(pid).await.unwrap().balance.fen())
}

/// `20000 isp.unknow-error`: the gateway's answer when its store fails (a conflict between instances it gave
/// up on). The outcome is unknown to the merchant, who must query (or repeat the same request); a test that
/// allows it resolves every such answer through the store.
fn is_outcome_unknown(v: &Value) -> bool {
    v["code"] == "20000" && v["sub_code"] == "isp.unknow-error"
}

/// Runs `n` calls, call `i` through instance `i % 3`, at most `in_flight` at a time; the answers by `i`.
async fn spread<F>(gws: &[Arc<Gw>], n: usize, in_flight: usize, call: F) -> Vec<Value>
where
    F: Fn(usize) -> (&'static str, Value, Vec<(String, String)>),
{
    let permits = Arc::new(Semaphore::new(in_flight));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let gw = gws[i % gws.len()].clone();
            let (method, biz, extra) = call(i);
            let permits = permits.clone();
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                gw.call_with(method, biz, &extra).await
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(n);
    for (i, t) in tasks.into_iter().enumerate() {
        let answer = t.await.unwrap();
        answers.push(answer.unwrap_or_else(|e| panic!("call {i} (instance {}) got no verified answer: {e}", i % 3)));
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_pays_on_three_instances_charge_once() {
    let Some((_instances, gws)) = cluster("identical_pays", &[]) else { return };
    let buyer = new_buyer(&gws[0], "1000.00").await;
    let (buyer0, merchant0) = balances(&gws[0], &buyer).await;
    let code = gws[1].admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap().auth_code;
    let biz = json!({
        "out_trade_no": "DUP1", "scene": "bar_code", "auth_code": code, "subject": "duplicate",
        "total_amount": "12.34",
    });
    let answers = spread(&gws, 400, 32, |_| ("alipay.trade.pay", biz.clone(), Vec::new())).await;

    // A repeated pay of a paid trade with the same out_trade_no, code, amount and subject answers 10000 with
    // that trade (engine::replay_pay): so does every duplicate, whichever instance it reached and however they
    // raced. The only other answer allowed is "outcome unknown" (see is_outcome_unknown).
    let mut trade_nos = BTreeSet::new();
    let mut unknown = 0;
    for (i, a) in answers.iter().enumerate() {
        if is_success(a) {
            assert_eq!(a["out_trade_no"], "DUP1", "answer {i}: {a}");
            assert_eq!(a["total_amount"], "12.34", "answer {i}: {a}");
            assert_eq!(a["buyer_user_id"], buyer.as_str(), "answer {i}: {a}");
            trade_nos.insert(a["trade_no"].as_str().unwrap().to_owned());
        } else if is_outcome_unknown(a) {
            unknown += 1;
        } else {
            panic!("answer {i} (instance {}) is not an answer to a repeated pay: {a}", i % 3);
        }
    }
    // The store runs a conflicting transaction again on a fresh snapshot: no call may end as "outcome unknown".
    assert_eq!(unknown, 0, "{unknown} answers were 'outcome unknown'");
    assert_eq!(trade_nos.len(), 1, "the 10000 answers name several trades: {trade_nos:?}");
    let trade_no = trade_nos.into_iter().next().unwrap();

    // Once more through each instance, one at a time: the same trade (this settles any unknown outcome).
    for (n, gw) in gws.iter().enumerate() {
        let again = gw.call("alipay.trade.pay", biz.clone()).await.unwrap();
        assert!(is_success(&again) && again["trade_no"] == trade_no.as_str(), "instance {n}: {again}");
        let q = gw.call("alipay.trade.query", json!({"out_trade_no": "DUP1"})).await.unwrap();
        assert_eq!(q["trade_status"], "TRADE_SUCCESS", "instance {n}: {q}");
        assert_eq!(q["trade_no"], trade_no.as_str(), "instance {n}: {q}");
        assert_eq!(q["total_amount"], "12.34", "instance {n}: {q}");
    }
    let (buyer1, merchant1) = balances(&gws[2], &buyer).await;
    assert_eq!(buyer0 - buyer1, 1234, "the buyer must be charged exactly once");
    assert_eq!(merchant1 - merchant0, 1234, "the merchant must be paid exactly once");
    println!("400 identical pays over {INSTANCES} instances: one trade {trade_no}, {unknown} outcome-unknown answers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_refunds_on_three_instances_never_exceed_the_payment() {
    let Some((_instances, gws)) = cluster("racing_refunds", &[]) else { return };
    let buyer = new_buyer(&gws[0], "1000.00").await;
    let code = gws[0].admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap().auth_code;
    let biz = json!({
        "out_trade_no": "RF1", "scene": "bar_code", "auth_code": code, "subject": "refunds", "total_amount": "100.00",
    });
    let paid = gws[0].call("alipay.trade.pay", biz).await.unwrap();
    assert!(is_success(&paid), "{paid}");
    let (buyer0, merchant0) = balances(&gws[1], &buyer).await;

    const N: usize = 60;
    let request_no = |i: usize| format!("RF1-R{i}");
    let answers = spread(&gws, N, N, |i| {
        let biz = json!({"out_trade_no": "RF1", "refund_amount": "7.00", "out_request_no": request_no(i)});
        ("alipay.trade.refund", biz, Vec::new())
    })
    .await;
    let (mut acked, mut exceeded, mut unknown) = (BTreeSet::new(), BTreeSet::new(), 0);
    for (i, a) in answers.iter().enumerate() {
        if is_success(a) {
            assert_eq!(a["fund_change"], "Y", "refund {i}: {a}");
            assert!(fen(a["refund_fee"].as_str().unwrap()) <= 10_000, "refund {i}: {a}");
            acked.insert(i);
        } else if a["code"] == "40004" && a["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" {
            // The documented "refund amount exceeds" (退款金额超限).
            exceeded.insert(i);
        } else if is_outcome_unknown(a) {
            unknown += 1;
        } else {
            panic!("refund {i} (instance {}): not an answer a refund race allows: {a}", i % 3);
        }
    }
    assert!(!exceeded.is_empty(), "60 refunds of 7.00 on 100.00: some must be refused as exceeding");

    // What the store holds, through every instance in turn.
    let mut stored = BTreeSet::new();
    for i in 0..N {
        let gw = &gws[(i + 1) % INSTANCES];
        let biz = json!({"out_trade_no": "RF1", "out_request_no": request_no(i)});
        let r = gw.call("alipay.trade.fastpay.refund.query", biz).await.unwrap();
        assert!(is_success(&r), "{r}");
        if r["refund_status"] == "REFUND_SUCCESS" {
            assert_eq!(r["refund_amount"], "7.00", "{r}");
            assert!(!exceeded.contains(&i), "refund {i} was refused, yet it is stored: {r}");
            stored.insert(i);
        } else {
            assert!(!acked.contains(&i), "refund {i} was acknowledged, yet it is not stored: {r}");
        }
    }
    let refunded = 700 * stored.len() as i64;
    assert!(refunded <= 10_000, "refunded {} of 100.00", yuan(refunded));
    // The store runs a conflicting transaction again: every request is decided, and refunds go through until the
    // next one would exceed, 14 × 7.00.
    assert_eq!(unknown, 0, "{unknown} refunds were 'outcome unknown'");
    assert_eq!(stored, acked, "the stored refunds are exactly the acknowledged ones");
    assert_eq!(stored.len(), 14, "stored refunds: {stored:?}");
    let trade = gws[2].admin.trade(&TradeLocator::out_trade_no("RF1")).await.unwrap();
    assert_eq!(trade.refund_fee.fen(), refunded, "the trade's refund_fee: {trade:?}");
    assert_eq!(trade.trade_status, "TRADE_SUCCESS", "{trade:?}");
    let (buyer1, merchant1) = balances(&gws[0], &buyer).await;
    assert_eq!(buyer1 - buyer0, refunded, "the buyer gets back exactly the stored refunds");
    assert_eq!(merchant0 - merchant1, refunded, "the merchant pays back exactly the stored refunds");
    println!(
        "{N} racing refunds of 7.00: {} acknowledged, {} refused as exceeding, {unknown} unknown; {} stored = {}",
        acked.len(),
        exceeded.len(),
        stored.len(),
        yuan(refunded)
    );
}

/// Polls `check` (up to 30 s) until it answers `Some`.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "not within 30 s: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_and_faults_are_shared_by_the_instances() {
    let Some((_instances, gws)) = cluster("clock_and_faults", &[]) else { return };
    let (one, two, three) = (&gws[0], &gws[1], &gws[2]);
    let buyer = new_buyer(one, "1000.00").await;

    // An unpaid trade created through instance 2 (default timeout 3 h), scanned: WAIT_BUYER_PAY through 3.
    let biz = json!({"out_trade_no": "CLK1", "total_amount": "10.00", "subject": "clock"});
    let pre = two.call("alipay.trade.precreate", biz).await.unwrap();
    assert!(is_success(&pre), "{pre}");
    let scan = ScanTrade { buyer_id: Some(buyer.clone()), ..ScanTrade::qr_code(pre["qr_code"].as_str().unwrap()) };
    two.admin.scan_trade(&scan).await.unwrap();
    let q = three.call("alipay.trade.query", json!({"out_trade_no": "CLK1"})).await.unwrap();
    assert_eq!(q["trade_status"], "WAIT_BUYER_PAY", "{q}");
    // A payment code (valid 10 min) issued before the clock moves.
    let code = three.admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap().auth_code;

    // Four hours forward through instance 1.
    let advanced = one.admin.advance_clock(4 * 3600).await.unwrap();
    assert!(advanced.offset_secs >= 4 * 3600, "{advanced:?}");
    for (n, gw) in [(2, two), (3, three)] {
        let offset = eventually(&format!("instance {n} sees the clock offset {}", advanced.offset_secs), || async {
            let c = gw.admin.clock().await.unwrap();
            (c.offset_secs == advanced.offset_secs).then_some(c.offset_secs)
        })
        .await;
        assert_eq!(offset, advanced.offset_secs);
    }
    // The trade timed out: closed through 3, and no longer payable there.
    let q = three.call("alipay.trade.query", json!({"out_trade_no": "CLK1"})).await.unwrap();
    assert_eq!(q["trade_status"], "TRADE_CLOSED", "{q}");
    let confirm = three.admin.confirm_trade(&TradeLocator::out_trade_no("CLK1")).await;
    assert!(confirm.as_ref().is_err_and(|e| e.is_conflict()), "a closed trade cannot be paid: {confirm:?}");
    // Instance 2 decides with the moved clock too: the code expired on it.
    let biz = json!({
        "out_trade_no": "CLK2", "scene": "bar_code", "auth_code": code, "subject": "clock", "total_amount": "1.00",
    });
    let pay = two.call("alipay.trade.pay", biz).await.unwrap();
    assert_eq!(pay["sub_code"], "ACQ.PAYMENT_AUTH_CODE_INVALID", "a code issued 4 h ago (sandbox time): {pay}");

    // A fault injected through 2 answers the next call through 3, then the next two wherever they go, then
    // no more.
    let query = json!({"out_trade_no": "CLK1"});
    two.admin.inject_fault(&FaultSpec::new("alipay.trade.query", FaultKind::SystemError).count(3)).await.unwrap();
    let faulted = |v: &Value| v["code"] == "40004" && v["sub_code"] == "ACQ.SYSTEM_ERROR";
    let first = three.call("alipay.trade.query", query.clone()).await.unwrap();
    assert!(faulted(&first), "the fault injected through instance 2 must answer through 3: {first}");
    let mut seen = Vec::new();
    for i in 0..9 {
        let a = gws[i % INSTANCES].call("alipay.trade.query", query.clone()).await.unwrap();
        seen.push(faulted(&a));
        if !faulted(&a) {
            assert_eq!(a["trade_status"], "TRADE_CLOSED", "{a}");
        }
    }
    assert_eq!(seen, [true, true, false, false, false, false, false, false, false], "a count of 3 fires 3 times");
    for gw in &gws {
        assert!(gw.admin.faults().await.unwrap().pending.is_empty());
    }

    // Concurrently: a count of 5 fires exactly 5 times among 30 calls over the three.
    one.admin.inject_fault(&FaultSpec::new("alipay.trade.query", FaultKind::SystemError).count(5)).await.unwrap();
    let answers = spread(&gws, 30, 30, |_| ("alipay.trade.query", query.clone(), Vec::new())).await;
    let fired = answers.iter().filter(|a| faulted(a)).count();
    assert_eq!(fired, 5, "{answers:?}");
    assert!(answers.iter().all(|a| faulted(a) || a["trade_status"] == "TRADE_CLOSED"), "{answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_one_instance_loses_no_acknowledged_write_nor_notification() {
    let started = Instant::now();
    // Fast retries, should a delivery fail (the receiver always answers success).
    let Some((mut instances, gws)) = cluster("sigkill", &["--notify-time-scale", "0.01"]) else { return };
    let receiver = NotifyReceiver::start().await;
    let buyer = new_buyer(&gws[0], "1000000.00").await;
    let (buyer0, merchant0) = balances(&gws[0], &buyer).await;

    const WORKERS: usize = 6;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..WORKERS)
        .map(|w| {
            let gw = gws[w % INSTANCES].clone();
            tokio::spawn(worker(gw, w, buyer.clone(), stop.clone(), acked.clone(), Some(receiver.url.clone())))
        })
        .collect();

    // The load flows; then instance 1 dies at a random point 0.5–1.5 s later.
    let flowing = Instant::now() + Duration::from_secs(30);
    while acked.load(Ordering::SeqCst) == 0 && Instant::now() < flowing {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delay = random_millis(500, 1500);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let acked_at_kill = acked.load(Ordering::SeqCst);
    instances[0].kill(); // SIGKILL
                         // The other two keep serving their workers.
    let going_on = Instant::now() + Duration::from_secs(30);
    while acked.load(Ordering::SeqCst) < acked_at_kill + 30 && Instant::now() < going_on {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let acked_after = acked.load(Ordering::SeqCst) - acked_at_kill;
    stop.store(true, Ordering::SeqCst);
    let mut pays: Vec<PayAttempt> = Vec::new();
    for t in tasks {
        pays.extend(tokio::time::timeout(Duration::from_secs(90), t).await.expect("worker hung").unwrap());
    }
    assert!(acked_after >= 30, "the surviving instances stopped answering after the kill ({acked_after} acks)");

    // Every acknowledged write is there (through instance 2), the balances add up (through instance 3).
    let (paid, refunded, stored_pays, stored_refunds) = check_trades(gws[1].clone(), &pays).await;
    let (buyer1, merchant1) = balances(&gws[2], &buyer).await;
    assert_eq!(buyer1, buyer0 - paid + refunded, "buyer balance does not add up");
    assert_eq!(merchant1, merchant0 + paid - refunded, "merchant balance does not add up");

    // Every notification of every stored payment and refund reaches the receiver, verified (at least once;
    // the dead instance's claimed ones after their lease).
    let mut expected: BTreeSet<(String, String)> = stored_pays.iter().map(|t| (t.clone(), String::new())).collect();
    expected.extend(stored_refunds.iter().cloned());
    let client = AlipayClient::from_config_file(instances.last().unwrap().app_json()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let received = loop {
        let got = receiver.snapshot();
        let keys: BTreeSet<(String, String)> = got
            .iter()
            .map(|r| (r.get("out_trade_no").unwrap_or("").to_owned(), r.get("out_biz_no").unwrap_or("").to_owned()))
            .collect();
        let missing: Vec<_> = expected.difference(&keys).collect();
        if missing.is_empty() {
            let phantom: Vec<_> = keys.difference(&expected).collect();
            assert!(phantom.is_empty(), "notifications of writes the store does not hold: {phantom:?}");
            break got;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} notifications not delivered within 60 s, e.g. {:?}",
            missing.len(),
            expected.len(),
            &missing[..missing.len().min(5)]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut per_notify_id: BTreeMap<String, usize> = BTreeMap::new();
    for r in &received {
        let n = client.verify_notification(&r.body, r.content_type.as_deref());
        assert!(n.is_ok(), "a notification that does not verify: {n:?} {:?}", r.params);
        assert_eq!(r.get("trade_status"), Some("TRADE_SUCCESS"), "{:?}", r.params);
        *per_notify_id.entry(r.get("notify_id").unwrap().to_owned()).or_default() += 1;
    }
    let acked_pays = pays.iter().filter(|p| p.acked).count();
    println!(
        "killed instance 1 after {delay} ms of load ({acked_at_kill} acks, {acked_after} more on the other two); \
         {} payments attempted ({acked_pays} acknowledged, {} stored), {} refunds stored; paid {} refunded {}; \
         {} notifications expected, {} received ({} distinct notify_id); {:.1} s",
        pays.len(),
        stored_pays.len(),
        stored_refunds.len(),
        yuan(paid),
        yuan(refunded),
        expected.len(),
        received.len(),
        per_notify_id.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(per_notify_id.len(), expected.len(), "one notify_id per notification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_claimed_by_a_killed_instance_are_delivered_by_the_others() {
    // A short lease, so that the others take over the dead instance's claims within seconds. The survivors'
    // own deliveries are held too; on a loaded machine they may outlast the 15 s attempt timeout before the
    // release, and a retry then waits its interval: scaled down (4 min → 0.24 s), the retry comes at once.
    let Some((mut instances, gws)) = cluster("claimed", &["--notify-lease-secs", "3", "--notify-time-scale", "0.001"])
    else {
        return;
    };
    // The merchant's endpoint holds every request: the deliveries stay in flight, claimed, until released.
    let receiver = NotifyReceiver::start_held().await;
    let buyer = new_buyer(&gws[0], "1000.00").await;
    const N: usize = 8;
    for i in 0..N {
        let code = gws[0].admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap().auth_code;
        let biz = json!({
            "out_trade_no": format!("HELD{i}"), "scene": "bar_code", "auth_code": code, "subject": "held",
            "total_amount": "1.00",
        });
        let paid = gws[0].call_with("alipay.trade.pay", biz, &[("notify_url", receiver.url.as_str())]).await.unwrap();
        assert!(is_success(&paid), "{paid}");
    }
    eventually("every notification claimed and in flight", || async {
        (receiver.arrived.load(Ordering::SeqCst) >= N).then_some(())
    })
    .await;
    // Instance 1 (whose writes woke its notifier first) dies holding its claims; its requests are abandoned.
    instances[0].kill();
    let abandoned = eventually("the killed instance's deliveries abandoned", || async {
        let n = receiver.aborted.load(Ordering::SeqCst);
        (n > 0).then_some(n)
    })
    .await;
    receiver.release();

    // The other two deliver everything, the dead instance's claims after their lease.
    let expected: BTreeSet<String> = (0..N).map(|i| format!("HELD{i}")).collect();
    let delivered = eventually("every notification delivered by the surviving instances", || async {
        let got: BTreeSet<String> =
            receiver.snapshot().iter().filter_map(|r| r.get("out_trade_no").map(str::to_owned)).collect();
        (got == expected).then_some(got.len())
    })
    .await;
    // The merchant's endpoint records a request before it answers, and the instance marks the notification
    // delivered only after reading that answer: the last status write may trail the last arrival.
    for (n, gw) in gws.iter().enumerate().skip(1) {
        eventually(&format!("instance {n} lists every notification delivered"), || async {
            let list = gw.admin.notifications(&Default::default()).await.unwrap();
            list.iter().all(|n| n.status == "delivered").then_some(())
        })
        .await;
    }
    println!("{abandoned} deliveries abandoned by the killed instance; {delivered} of {N} delivered by the others");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reservations_and_payments_racing_on_one_balance_never_overdraw_it() {
    // Snapshot isolation lets two transactions decide on the same balance and both commit when neither writes
    // what the other read (write skew): a pending deduction reserving the available balance while a payment
    // spends it. The store makes the reservation write the buyer's row, so one of the two runs again.
    let Some((_instances, gws)) = cluster("reservations", &[]) else { return };
    let buyer = new_buyer(&gws[0], "100.00").await;
    let admin = &gws[0].admin;
    let token = admin.call(Method::POST, "deduct/pay-password-tokens", Some(json!({"user_id": buyer}))).await.unwrap();
    assert!(token["pay_password_token"].is_string(), "{token}");
    let pid = gws[0].info["merchant_pid"].as_str().unwrap().to_owned();
    // Direct deduct's methods travel as top-level parameters, not in biz_content.
    let fields = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    let sign = fields(&[
        ("pay_password_token", token["pay_password_token"].as_str().unwrap()),
        ("user_id", &buyer),
        ("biz_type", "JF"),
        ("sub_biz_type", "ELECTRIC"),
        ("bill_key", "RACE-1"),
        ("pid", &pid),
        ("charge_inst", "CQCENTERELECTRIC"),
        ("agent_channel", "PUBLICPLATFORM"),
    ]);
    let sign: Vec<(&str, &str)> = sign.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let signed = gws[1].call_with("alipay.ebpp.pdeduct.sign.add", json!({}), &sign).await.unwrap();
    assert!(is_success(&signed), "{signed}");
    let agreement = signed["agreement_id"].as_str().unwrap().to_owned();
    // Every deduction of this user stays pending, reserving its amount while the available balance covers it.
    admin.call(Method::POST, "deduct/holds", Some(json!({"user_id": buyer, "count": 1000}))).await.unwrap();
    let mut codes = Vec::new();
    for _ in 0..12 {
        codes.push(admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap().auth_code);
    }

    // 12 payments and 12 deductions of 30.00 on 100.00, interleaved over the three instances, all at once.
    let answers = spread(&gws, 24, 24, |i| {
        if i % 2 == 0 {
            let biz = json!({
                "out_trade_no": format!("RACE_P{i}"), "scene": "bar_code", "auth_code": codes[i / 2],
                "subject": "race", "total_amount": "30.00",
            });
            ("alipay.trade.pay", biz, Vec::new())
        } else {
            let out_order_no = format!("RACE_D{i}");
            let pay = fields(&[
                ("agreement_id", &agreement),
                ("user_id", &buyer),
                ("bill_key", "RACE-1"),
                ("pid", &pid),
                ("out_order_no", &out_order_no),
                ("pay_amount", "30.00"),
                ("fine_amount", "0.00"),
                ("agent_channel", "PUBLICFORM"),
                ("agent_code", "SECOND"),
            ]);
            ("alipay.ebpp.pdeduct.pay", json!({}), pay)
        }
    })
    .await;
    let mut paid = 0i64;
    for (i, a) in answers.iter().enumerate() {
        if i % 2 == 0 {
            if is_success(a) {
                paid += 3000;
            } else {
                assert_eq!(a["sub_code"], "ACQ.BUYER_BALANCE_NOT_ENOUGH", "payment {i}: {a}");
            }
        } else {
            assert!(is_success(a) && a["result_status"] == "0", "deduction {i} must stay pending: {a}");
        }
    }
    let b = gws[2].admin.buyer(&buyer).await.unwrap();
    let (balance, reserved, available) =
        (b.balance.fen(), b.reserved.unwrap().fen(), b.available_balance.unwrap().fen());
    assert_eq!(balance, 10_000 - paid, "payments moved exactly what they answered");
    assert_eq!(available, balance - reserved, "{b:?}");
    assert!(available >= 0, "overdrawn: {} paid, {} reserved of 100.00", yuan(paid), yuan(reserved));
    assert_eq!(paid + reserved, 9_000, "3 × 30.00 fit in 100.00, by payments or reservations: {b:?}");
    println!("payments {} and reservations {} of 100.00 over three instances", yuan(paid), yuan(reserved));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bill_url_made_by_one_instance_downloads_once_from_another() {
    let Some((_instances, gws)) = cluster("bill_url", &[]) else { return };
    let buyer = new_buyer(&gws[0], "100.00").await;
    let code = gws[0].admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap().auth_code;
    let biz = json!({
        "out_trade_no": "BILL1", "scene": "bar_code", "auth_code": code, "subject": "bill", "total_amount": "8.88",
    });
    let paid = gws[0].call("alipay.trade.pay", biz).await.unwrap();
    assert!(is_success(&paid), "{paid}");
    // The payment's Beijing date, then a day later (the shared clock) the bill of that date, through instance 2.
    let day = paid["gmt_payment"].as_str().unwrap()[..10].to_owned();
    gws[0].admin.advance_clock(86_400).await.unwrap();
    let query = json!({"bill_type": "trade", "bill_date": day});
    let answer = gws[1].call("alipay.data.dataservice.bill.downloadurl.query", query).await.unwrap();
    assert!(is_success(&answer), "{answer}");
    let url = answer["bill_download_url"].as_str().unwrap();
    let path = &url[url.find("/downloadBillFile.resource?").unwrap()..];
    let base = |gw: &Gw| gw.gateway.trim_end_matches("/gateway.do").to_owned();
    assert!(url.starts_with(&base(&gws[1])), "made by instance 2: {url}");

    // Instance 3 serves it (a zip naming the payment), once; instance 1 then finds it gone.
    let got = gws[2].http.get(format!("{}{path}", base(&gws[2]))).send().await.unwrap();
    assert_eq!(got.status().as_u16(), 200);
    let bytes = got.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip");
    let again = gws[0].http.get(format!("{}{path}", base(&gws[0]))).send().await.unwrap();
    assert_eq!(again.status().as_u16(), 404, "single use across instances");
}
