//! Property test across all products (issue 5): random sequences of payments, refunds, EBPP bills, direct
//! deductions, red-packet funding, disbursements and refunds, and clock moves (timeouts, the 48 h red-packet
//! refund window), driven through the SDK against a real `alipay sandbox` process. After every step: money is
//! conserved across all accounts (buyers + merchant + what open red packets hold), no balance is negative, and
//! no red packet has paid out more than it took in. The second property SIGKILLs and restarts the sandbox at
//! random points and checks the same on what the store kept. The third spreads the operations (and the
//! checks) over three sandbox processes on one PostgreSQL store (skipped without `ALIPAY_TEST_POSTGRES`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use std::cell::Cell;

use alipay_api::coupon::{CouponOrderAgreementPay, CouponOrderDisburse, CouponOrderRefund};
use alipay_api::deduct::{PdeductPay, PdeductSignAdd};
use alipay_api::ebpp::EbppBillAdd;
use alipay_api::trade::{TradePay, TradeRefund};
use alipay_client::AlipayClient;
use alipay_core::Money;
use alipay_sandbox_admin::{AdminClient, Method};
use common::Instance;
use proptest::prelude::*;
use serde_json::{json, Value};

const BUYERS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Pay { buyer: usize, fen: i64 },
    Refund { trade: usize, fen: i64 },
    Bill { buyer: usize, fen: i64 },
    Deduct { buyer: usize, fen: i64 },
    PacketFund { fen: i64 },
    Disburse { packet: usize, buyer: usize, fen: i64 },
    PacketRefund { packet: usize, fen: i64 },
    Advance { hours: i64 },
    Kill,
}

fn op(with_kill: bool) -> impl Strategy<Value = Op> {
    let b = 0..BUYERS;
    let amount = 1i64..40_000; // 0.01 .. 400.00
    let ops = prop_oneof![
        4 => (b.clone(), amount.clone()).prop_map(|(buyer, fen)| Op::Pay { buyer, fen }),
        2 => (0usize..8, amount.clone()).prop_map(|(trade, fen)| Op::Refund { trade, fen }),
        2 => (b.clone(), amount.clone()).prop_map(|(buyer, fen)| Op::Bill { buyer, fen }),
        2 => (b.clone(), amount.clone()).prop_map(|(buyer, fen)| Op::Deduct { buyer, fen }),
        2 => amount.clone().prop_map(|fen| Op::PacketFund { fen }),
        2 => (0usize..4, b, amount.clone()).prop_map(|(packet, buyer, fen)| Op::Disburse { packet, buyer, fen }),
        1 => (0usize..4, amount).prop_map(|(packet, fen)| Op::PacketRefund { packet, fen }),
        1 => (1i64..60).prop_map(|hours| Op::Advance { hours }),
    ];
    if with_kill {
        prop_oneof![12 => ops, 1 => Just(Op::Kill)].boxed()
    } else {
        ops.boxed()
    }
}

/// The sandboxes under test: one process on its own SQLite store, or several on one PostgreSQL store. Every
/// call and every check goes to the next instance in turn.
struct World {
    instances: Vec<Instance>,
    clients: Vec<AlipayClient>,
    controls: Vec<AdminClient>,
    turn: Cell<usize>,
    pid: String,
    default_buyer: String,
    buyers: Vec<String>,
    agreements: Vec<Option<String>>,
    trades: Vec<String>,
    packets: Vec<String>,
    seq: u64,
}

impl World {
    /// `processes` sandboxes: on `store` (`--store`), or one on SQLite in its data directory.
    async fn start(processes: usize, store: Option<&str>) -> World {
        let instances = common::start_instances(processes, store, &[]);
        let app: Value = serde_json::from_str(&std::fs::read_to_string(instances[0].app_json()).unwrap()).unwrap();
        let mut w = World {
            clients: Vec::new(),
            controls: Vec::new(),
            turn: Cell::new(0),
            pid: app["merchant_pid"].as_str().unwrap().to_owned(),
            default_buyer: app["buyer_user_id"].as_str().unwrap().to_owned(),
            buyers: Vec::new(),
            agreements: vec![None; BUYERS],
            trades: Vec::new(),
            packets: Vec::new(),
            seq: 0,
            instances,
        };
        for i in 0..w.instances.len() {
            w.reconnect(i);
        }
        for _ in 0..BUYERS {
            let b = w.admin("buyers", json!({"balance": "500.00", "password_free_limit": "100000.00"})).await.unwrap();
            w.buyers.push(b["user_id"].as_str().unwrap().to_owned());
        }
        w
    }

    /// Clients of instance `i` from its `app.json` (after a restart: a new port, and pooled keep-alive
    /// connections died with the process).
    fn reconnect(&mut self, i: usize) {
        let app_json = self.instances[i].app_json();
        let (client, controls) =
            (AlipayClient::from_config_file(&app_json).unwrap(), AdminClient::from_app_json(&app_json).unwrap());
        if i < self.clients.len() {
            (self.clients[i], self.controls[i]) = (client, controls);
        } else {
            self.clients.push(client);
            self.controls.push(controls);
        }
    }

    /// The instance the next call goes to.
    fn next_instance(&self) -> usize {
        let t = self.turn.get();
        self.turn.set(t + 1);
        t % self.instances.len()
    }

    fn client(&self) -> &AlipayClient {
        &self.clients[self.next_instance()]
    }

    /// SIGKILLs the next instance and starts it again on the same directory (and store).
    fn kill_and_restart(&mut self) {
        let i = self.next_instance();
        self.instances[i].restart();
        self.reconnect(i);
    }

    /// A control; `None` if it failed (a refusal is a legitimate outcome of a random step).
    async fn admin(&self, path: &str, body: Value) -> Option<Value> {
        self.controls[self.next_instance()].call(Method::POST, path, Some(body)).await.ok()
    }

    async fn get(&self, path: &str) -> Value {
        self.controls[self.next_instance()].call(Method::GET, path, None).await.unwrap()
    }

    fn next(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}{}", self.seq)
    }

    /// Every account's balance and what open red packets hold, in fen; checks no balance is negative and
    /// no red packet paid out more than it took in.
    async fn total(&self) -> i64 {
        let mut total = 0i64;
        let mut ids = self.buyers.clone();
        ids.push(self.default_buyer.clone());
        for id in ids {
            let b: Money = self.get(&format!("buyers/{id}")).await["balance"].as_str().unwrap().parse().unwrap();
            assert!(b.fen() >= 0, "buyer {id} is negative: {b}");
            total += b.fen();
        }
        let m: Money = self.get(&format!("merchants/{}", self.pid)).await["balance"].as_str().unwrap().parse().unwrap();
        assert!(m.fen() >= 0, "merchant is negative: {m}");
        let open = self.get("coupon/orders").await;
        let held: Money = open["open_total"].as_str().unwrap().parse().unwrap();
        assert!(held.fen() >= 0, "{open}");
        for auth in &self.packets {
            let o = self.get(&format!("coupon/orders/{auth}")).await;
            let remaining: Money = o["remaining"].as_str().unwrap_or("0").parse().unwrap();
            assert!(remaining.fen() >= 0, "red packet {auth} paid out more than it took in: {o}");
        }
        total + m.fen() + held.fen()
    }

    async fn apply(&mut self, op: &Op) {
        let money = |fen: i64| Money::from_fen(fen);
        match *op {
            Op::Pay { buyer, fen } => {
                let Some(code) = self.admin(&format!("buyers/{}/payment-codes", self.buyers[buyer]), json!({})).await
                else {
                    return;
                };
                let no = self.next("T");
                let pay = TradePay {
                    out_trade_no: no.clone(),
                    auth_code: code["auth_code"].as_str().unwrap().into(),
                    subject: "prop".into(),
                    total_amount: money(fen),
                    ..Default::default()
                };
                if let Ok(a) = self.client().execute(&pay).await {
                    if a.status.is_success() {
                        self.trades.push(no);
                    }
                }
            }
            Op::Refund { trade, fen } => {
                let Some(no) = self.trades.get(trade % self.trades.len().max(1)).cloned() else { return };
                let out_request_no = self.next("R");
                let r = TradeRefund {
                    out_trade_no: Some(no),
                    refund_amount: money(fen),
                    out_request_no: Some(out_request_no),
                    ..Default::default()
                };
                let _ = self.client().execute(&r).await;
            }
            Op::Bill { buyer, fen } => {
                let no = self.next("JF");
                let add = EbppBillAdd {
                    merchant_order_no: no.clone(),
                    order_type: "JF".into(),
                    sub_order_type: "WATER".into(),
                    charge_inst: "HZWATER".into(),
                    bill_key: "1000123".into(),
                    pay_amount: money(fen),
                    ..Default::default()
                };
                if matches!(self.client().execute(&add).await, Ok(a) if a.status.is_success()) {
                    let _ = self
                        .admin("ebpp/bills/pay", json!({"merchant_order_no": no, "buyer_id": self.buyers[buyer]}))
                        .await;
                }
            }
            Op::Deduct { buyer, fen } => {
                let user = self.buyers[buyer].clone();
                if self.agreements[buyer].is_none() {
                    let Some(token) = self.admin("deduct/pay-password-tokens", json!({"user_id": user})).await else {
                        return;
                    };
                    let sign = PdeductSignAdd {
                        pay_password_token: token["pay_password_token"].as_str().unwrap().into(),
                        user_id: user.clone(),
                        biz_type: "JF".into(),
                        sub_biz_type: "ELECTRIC".into(),
                        bill_key: format!("E{buyer}"),
                        charge_inst: "HZELEC".into(),
                        pid: self.pid.clone(),
                        agent_channel: "PUBLICPLATFORM".into(),
                        ..Default::default()
                    };
                    if let Ok(a) = self.client().execute(&sign).await {
                        self.agreements[buyer] = a.body.agreement_id;
                    }
                }
                let Some(agreement_id) = self.agreements[buyer].clone() else { return };
                let out_order_no = self.next("D");
                let pay = PdeductPay {
                    agreement_id,
                    user_id: user,
                    bill_key: format!("E{buyer}"),
                    pid: self.pid.clone(),
                    out_order_no,
                    pay_amount: money(fen),
                    fine_amount: Money::ZERO,
                    agent_channel: "PUBLICPLATFORM".into(),
                    agent_code: "PC1".into(),
                    ..Default::default()
                };
                let _ = self.client().execute(&pay).await;
            }
            Op::PacketFund { fen } => {
                let no = self.next("RP");
                let req = CouponOrderAgreementPay {
                    out_order_no: no.clone(),
                    out_request_no: no,
                    order_title: "红包".into(),
                    amount: money(fen),
                    ..Default::default()
                };
                if let Ok(a) = self.client().execute(&req).await {
                    if let Some(auth) = a.body.auth_no.filter(|_| a.status.is_success()) {
                        self.packets.push(auth);
                    }
                }
            }
            Op::Disburse { packet, buyer, fen } => {
                let Some(auth) = self.packets.get(packet % self.packets.len().max(1)).cloned() else { return };
                let no = self.next("DB");
                let req = CouponOrderDisburse {
                    out_order_no: no.clone(),
                    out_request_no: no,
                    deduct_auth_no: Some(auth),
                    order_title: "领取".into(),
                    amount: money(fen),
                    payee_user_id: Some(self.buyers[buyer].clone()),
                    ..Default::default()
                };
                let _ = self.client().execute(&req).await;
            }
            Op::PacketRefund { packet, fen } => {
                let Some(auth) = self.packets.get(packet % self.packets.len().max(1)).cloned() else { return };
                let req = CouponOrderRefund {
                    auth_no: auth,
                    out_request_no: self.next("PR"),
                    amount: money(fen),
                    remark: None,
                };
                let _ = self.client().execute(&req).await;
            }
            Op::Advance { hours } => {
                let _ = self.admin("clock/advance", json!({"seconds": hours * 3600})).await;
            }
            Op::Kill => self.kill_and_restart(),
        }
    }
}

/// Applies `ops` to `processes` sandboxes (on `store`, or one on SQLite), checking after every step.
fn run(ops: Vec<Op>, processes: usize, store: Option<&str>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut world = World::start(processes, store).await;
        let start = world.total().await;
        for (i, op) in ops.iter().enumerate() {
            world.apply(op).await;
            let now = world.total().await;
            assert_eq!(now, start, "money not conserved after step {i} {op:?} of {ops:?}");
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, max_shrink_iters: 20, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn money_is_conserved_across_all_products(ops in prop::collection::vec(op(false), 15..30)) {
        run(ops, 1, None);
    }

    #[test]
    fn money_is_conserved_across_sigkill_and_restart(ops in prop::collection::vec(op(true), 15..30)) {
        run(ops, 1, None);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, max_shrink_iters: 10, failure_persistence: None, ..ProptestConfig::default() })]

    /// The same operations and checks, each going to the next of three processes on one PostgreSQL store (a
    /// fresh schema per case).
    #[test]
    fn money_is_conserved_across_three_instances_on_one_postgres_store(ops in prop::collection::vec(op(false), 12..24)) {
        match alipay_testkit::postgres_store() {
            Some(store) => run(ops, 3, Some(&store)),
            None => eprintln!("skipped: {}", alipay_testkit::POSTGRES_SKIP_REASON),
        }
    }
}
