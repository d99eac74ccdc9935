//! `alipay accept` for direct deduct / EBPP (D1–D5) and red packets (P1–P4): over HTTP, with real signatures
//! (the SDK's `AlipayClient`), the sandbox in a separate process.
//!
//! The suites (`alipay accept run --suite deduct|coupon`) run the merchant below (this test binary, see
//! [`merchant_command`]) once per case with `ALIPAY_ACCEPT_INSTRUCTION`; the well-behaved merchant passes every
//! check, each deliberately broken one fails exactly the check it breaks, with a reason in words. Timing uses the
//! compressed profile `--poll-interval 1s`, so the report says it is not Alipay's rule.
//!
//! The rules, from the seeds (`../shared/seeds/`):
//! - D1 000:30 `setMerchantOrderNo(...) //外部订单号,需要唯一`;
//! - D2 000:76 `20000` "请一定要在确定本次调用结果后,再发起重试),可调用查询接口发起查询确定结果";
//! - D3 002:46 `result_status` "0:未知 1:成功 2:失败";
//! - D4 002:95 `QUERY_DEDUCT_SIGN_INFO_ERROR` "查询协议的时候出现超时或网络异常时,建议再次重试";
//! - D5 002:94 `DEDUCT_SIGN_INFO_NOT_EXIST` "机构需要检查自身协议是否和支付宝的协议存在单边账的问题";
//! - P1/P2 003:238–243 `10003` / `20000` "1)以同样的请求直接发起重试 … 2)调用查询接口确认操作结果";
//! - P3 003:209 "通过支付宝订单号和操作流水号查询,该查询方式效率高,建议尽可能使用该方式";
//! - P4 003:63–64 `out_order_no` / `out_request_no` "需要保证不重复".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use alipay_api::coupon::{CouponOperationQuery, CouponOrderAgreementPay, CouponOrderDisburse, CouponOrderRefund};
use alipay_api::deduct::{PdeductBillPayStatus, PdeductPay, PdeductSignQuery};
use alipay_api::ebpp::EbppBillAdd;
use alipay_api::AlipayRequest;
use alipay_client::flows::{CouponOutcome, DeductOutcome, PollPolicy, RetryPolicy};
use alipay_client::AlipayClient;
use alipay_sandbox_admin::CallLogQuery;
use common::{Gw, Instance};
use serde_json::Value;

const PROFILE: &[&str] = &["--poll-interval", "1s"];

struct Env {
    inst: Instance,
    gw: Gw,
    /// The `app.json` the merchant calls the gateway with (another instance's, on a shared store).
    merchant: std::path::PathBuf,
}

fn env() -> Env {
    let inst = common::start_instances(1, None, &[]).remove(0);
    let gw = Gw::open(inst.dir.path());
    let merchant = inst.app_json();
    Env { inst, gw, merchant }
}

fn verdicts(report: &Value) -> HashMap<String, String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["verdict"].as_str().unwrap().to_owned()))
        .collect()
}

fn case<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["cases"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

/// `id` failed with a reason containing `words`; no other check failed; the run exits 1.
fn fails_exactly(run: &(i32, Value, String), id: &str, words: &str) {
    let (code, report, table) = run;
    let v = verdicts(report);
    assert_eq!(v[id], "FAILED", "{id} should fail:\n{table}");
    for (other, verdict) in &v {
        if other != id {
            assert_ne!(verdict, "FAILED", "only {id} should fail, {other} did too:\n{table}");
        }
    }
    let reason = case(report, id)["reason"].as_str().unwrap();
    assert!(reason.contains(words), "{id}'s reason {reason:?} should say {words:?}");
    assert!(!case(report, id)["timeline"].as_array().unwrap().is_empty(), "a failure shows its timeline:\n{table}");
    assert_eq!(*code, 1, "a failure exits 1:\n{table}");
    assert_eq!(report["profile"]["alipay_rule"], false, "the compressed profile is not Alipay's rule");
}

fn merchant_command() -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    vec![
        exe.to_str().unwrap().to_owned(),
        "--exact".into(),
        "merchant_process".into(),
        "--nocapture".into(),
        "--test-threads=1".into(),
    ]
}

/// `alipay accept run --suite SUITE` with [`merchant_command`] in `mode`: exit code, JSON report, table.
fn run_suite(e: &Env, suite: &str, mode: &str, extra: &[&str]) -> (i32, Value, String) {
    let out_file = e.inst.dir.path().join(format!("{suite}-{mode}-{}.json", extra.join("_")));
    let junit = e.inst.dir.path().join(format!("{suite}-{mode}.xml"));
    let config = e.inst.app_json();
    let out = Command::new(env!("CARGO_BIN_EXE_alipay"))
        .args(["accept", "run", "--suite", suite, "--config", config.to_str().unwrap()])
        .args(PROFILE)
        .args(["--json", out_file.to_str().unwrap(), "--junit", junit.to_str().unwrap()])
        .args(extra)
        .arg("--")
        .args(merchant_command())
        .env("ACCEPT_MERCHANT_CONFIG", &e.merchant)
        .env("ACCEPT_MERCHANT_MODE", mode)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap_or_default())
        .unwrap_or_else(|_| panic!("no report:\n{table}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["suite"], suite, "{table}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(&format!("alipay-accept-{suite}")), "{xml}");
    (out.status.code().unwrap_or(-1), report, table)
}

/// `alipay accept lint` on the app: exit code, JSON report, table.
fn lint(e: &Env, checks: &str) -> (i32, Value, String) {
    let out_file = e.inst.dir.path().join("lint.json");
    let out = Command::new(env!("CARGO_BIN_EXE_alipay"))
        .args(["accept", "lint", "--config", e.inst.app_json().to_str().unwrap()])
        .args(PROFILE)
        .args(["--json", out_file.to_str().unwrap(), "--checks", checks])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap_or_default())
        .unwrap_or_else(|_| panic!("no report:\n{table}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), report, table)
}

/// One call's outcome as the merchant sees it: `code`, `sub_code` and the answer's fields, or `None` when no
/// answer came (a dropped connection).
struct Answer {
    code: String,
    sub_code: String,
    body: Value,
}

async fn call<R: AlipayRequest>(client: &AlipayClient, request: &R) -> Option<Answer> {
    let answer = client.execute(request).await.ok()?;
    Some(Answer {
        code: answer.status.code.as_str().to_owned(),
        sub_code: answer.status.sub_code.clone().unwrap_or_default(),
        body: serde_json::to_value(&answer.body).unwrap_or_default(),
    })
}

fn field(a: &Answer, k: &str) -> String {
    a.body[k].as_str().map(str::to_owned).unwrap_or_default()
}

/// The merchant's side when run by `alipay accept run` (see [`merchant_command`]). `ACCEPT_MERCHANT_CONFIG`
/// names the client config; `ACCEPT_MERCHANT_MODE` makes it break one rule on purpose:
///
/// - `good`: deductions are seen through (status query after an unknown answer, polling `result_status` 0
///   every second, the same `out_order_no` again after `QUERY_DEDUCT_SIGN_INFO_ERROR`, `sign.query` and stop
///   after `DEDUCT_SIGN_INFO_NOT_EXIST`); red-packet operations are sent again identically after `10003` /
///   `20000` and queried by `auth_no` + `operation_id`;
/// - `new-number`: anything but a known result is charged (or operated) again at once under a new number (D2,
///   D3, D4, P1, P2);
/// - `keep-charging`: after `DEDUCT_SIGN_INFO_NOT_EXIST`, charges the agreement again (D5);
/// - `slow-query`: queries red-packet operations by `out_order_no` + `out_request_no` although it has their ids
///   (P3);
/// - `reuse`: disburses under the funding's `out_request_no` (P4);
/// - `ignore`: does nothing.
#[tokio::test]
async fn merchant_process() {
    let Ok(instruction) = std::env::var("ALIPAY_ACCEPT_INSTRUCTION") else { return };
    let instruction: Value = serde_json::from_str(&instruction).unwrap();
    let mode = std::env::var("ACCEPT_MERCHANT_MODE").unwrap_or_default();
    if mode == "ignore" {
        return;
    }
    let client = AlipayClient::from_config_file(std::env::var("ACCEPT_MERCHANT_CONFIG").unwrap()).unwrap();
    let case = std::env::var("ALIPAY_ACCEPT_CASE").unwrap();
    match instruction["action"].as_str().unwrap() {
        "deduct" => deduct_merchant(&client, &instruction, &mode, &case).await,
        "red_packet" => red_packet_merchant(&client, &instruction, &mode).await,
        other => panic!("this merchant cannot {other:?}"),
    }
}

async fn deduct_merchant(client: &AlipayClient, instruction: &Value, mode: &str, case: &str) {
    let text = |k: &str| instruction[k].as_str().unwrap().to_owned();
    let pay = |n: u32| PdeductPay {
        agreement_id: text("agreement_id"),
        user_id: text("user_id"),
        bill_key: text("bill_key"),
        pid: text("pid"),
        out_order_no: format!("{case}-{}-{n}", std::process::id()),
        pay_amount: text("pay_amount").parse().unwrap(),
        agent_channel: "PUBLICPLATFORM".into(),
        agent_code: "PUBLICFORM".into(),
        ..PdeductPay::default()
    };
    let status = |out_order_no: &str| PdeductBillPayStatus {
        agreement_id: text("agreement_id"),
        out_order_no: out_order_no.to_owned(),
    };
    if mode == "sdk" {
        // The SDK's own flow (`AlipayClient::deduct`), the project's answer to D2–D5.
        let policy =
            PollPolicy { interval: Duration::from_secs(1), window: Duration::from_secs(8), cancel_attempts: 1 };
        let outcome = client.deduct(&pay(0), &policy).await.unwrap();
        println!("merchant: the SDK's deduct flow: {outcome:?}");
        assert!(!matches!(outcome, DeductOutcome::Pending { .. }), "{outcome:?}");
        return;
    }
    let mut n = 0;
    let mut request = pay(n);
    let mut answer = call(client, &request).await;
    for _ in 0..10 {
        let known = answer.as_ref().is_some_and(|a| a.code == "10000" && field(a, "result_status") != "0");
        if known {
            break;
        }
        let sub = answer.as_ref().map(|a| a.sub_code.clone()).unwrap_or_default();
        if sub == "DEDUCT_SIGN_INFO_NOT_EXIST" {
            if mode == "keep-charging" {
                n += 1;
                call(client, &pay(n)).await;
            } else {
                let q = PdeductSignQuery {
                    user_id: text("user_id"),
                    agreement_id: Some(text("agreement_id")),
                    ..PdeductSignQuery::default()
                };
                let found = call(client, &q).await.map(|a| a.sub_code);
                println!("merchant: the agreement is gone ({found:?}): charging it no more");
            }
            break;
        }
        if answer.as_ref().is_some_and(|a| a.code == "40004" && sub != "QUERY_DEDUCT_SIGN_INFO_ERROR") {
            break; // a known failure
        }
        if mode == "new-number" {
            n += 1;
            request = pay(n);
            answer = call(client, &request).await;
            continue;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        if sub == "QUERY_DEDUCT_SIGN_INFO_ERROR" {
            answer = call(client, &request).await; // the same out_order_no again
            continue;
        }
        // Unknown (20000, no answer, or result_status 0): ask the status; the same request again only if
        // Alipay has no such deduction.
        let s = call(client, &status(&request.out_order_no)).await;
        match s {
            Some(s) if s.sub_code == "DEDUCT_ORDER_NOT_EXIST" => answer = call(client, &request).await,
            Some(s) if s.code == "10000" => {
                let st = field(&s, "status");
                answer = Some(Answer {
                    code: "10000".into(),
                    sub_code: String::new(),
                    body: serde_json::json!({"result_status": st}),
                });
            }
            _ => {}
        }
    }
    println!("merchant: deduction {} done", request.out_order_no);
}

async fn red_packet_merchant(client: &AlipayClient, instruction: &Value, mode: &str) {
    let text = |k: &str| instruction[k].as_str().unwrap().to_owned();
    let id = std::process::id();
    if mode == "sdk" {
        return red_packet_on_the_sdk_flows(client, instruction).await;
    }
    let settled = |a: &Option<Answer>| a.as_ref().is_some_and(|a| a.code == "10000" || a.code == "40004");

    // Funding.
    let mut fund = CouponOrderAgreementPay {
        out_order_no: format!("RP-{id}"),
        out_request_no: format!("RP-{id}-F"),
        order_title: "acceptance red packet".into(),
        amount: text("amount").parse().unwrap(),
        ..CouponOrderAgreementPay::default()
    };
    let mut answer = call(client, &fund).await;
    for k in 0..5 {
        if settled(&answer) {
            break;
        }
        if mode == "new-number" {
            fund = CouponOrderAgreementPay {
                out_order_no: format!("RP-{id}-{k}"),
                out_request_no: format!("RP-{id}-F{k}"),
                ..fund.clone()
            };
        } else {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        answer = call(client, &fund).await; // the identical request again (or, broken, a new one)
    }
    let funded = answer.unwrap();
    assert_eq!(funded.code, "10000", "funding: {} {}", funded.code, funded.sub_code);
    let auth_no = field(&funded, "auth_no");
    let query = |a: &Answer, out_order_no: &str, out_request_no: &str| {
        if mode == "slow-query" {
            CouponOperationQuery {
                out_order_no: Some(out_order_no.to_owned()),
                out_request_no: Some(out_request_no.to_owned()),
                ..CouponOperationQuery::default()
            }
        } else {
            CouponOperationQuery {
                auth_no: Some(field(a, "auth_no")),
                operation_id: Some(field(a, "operation_id")),
                ..CouponOperationQuery::default()
            }
        }
    };
    let q = call(client, &query(&funded, &fund.out_order_no, &fund.out_request_no)).await.unwrap();
    assert_eq!(q.code, "10000", "query: {}", q.sub_code);

    // Disbursement.
    let mut disburse = CouponOrderDisburse {
        out_order_no: format!("RP-{id}-D"),
        out_request_no: if mode == "reuse" { fund.out_request_no.clone() } else { format!("RP-{id}-D") },
        deduct_auth_no: Some(auth_no.clone()),
        order_title: "acceptance disbursement".into(),
        amount: text("disburse_amount").parse().unwrap(),
        payee_user_id: Some(text("payee_user_id")),
        ..CouponOrderDisburse::default()
    };
    let mut answer = call(client, &disburse).await;
    for k in 0..5 {
        if settled(&answer) {
            break;
        }
        if mode == "new-number" {
            disburse = CouponOrderDisburse {
                out_order_no: format!("RP-{id}-D{k}"),
                out_request_no: format!("RP-{id}-D{k}"),
                ..disburse.clone()
            };
        } else {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        answer = call(client, &disburse).await;
    }
    println!("merchant: disbursed: {:?}", answer.as_ref().map(|a| (&a.code, &a.sub_code)));

    // Refund.
    let mut refund = CouponOrderRefund {
        auth_no: auth_no.clone(),
        out_request_no: format!("RP-{id}-R"),
        amount: text("refund_amount").parse().unwrap(),
        ..CouponOrderRefund::default()
    };
    let mut answer = call(client, &refund).await;
    for k in 0..5 {
        if settled(&answer) {
            break;
        }
        if mode == "new-number" {
            refund = CouponOrderRefund { out_request_no: format!("RP-{id}-R{k}"), ..refund.clone() };
        } else {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        answer = call(client, &refund).await;
    }
    println!("merchant: refunded: {:?}", answer.as_ref().map(|a| (&a.code, &a.sub_code)));
}

/// The coupon suite's merchant on the SDK's red-packet flows (`red_packet_agreement_pay`, `red_packet_disburse`,
/// `red_packet_refund`: the identical request again on 10003 / 20000, then `operation.query`).
async fn red_packet_on_the_sdk_flows(client: &AlipayClient, instruction: &Value) {
    let text = |k: &str| instruction[k].as_str().unwrap().to_owned();
    let id = std::process::id();
    let retry = RetryPolicy { attempts: 4, backoff: Duration::from_millis(500) };
    let auth_no_of = |o: &CouponOutcome| match o {
        CouponOutcome::Done(r) => r.auth_no.clone().unwrap(),
        CouponOutcome::Queried(q) => q.auth_no.clone().unwrap(),
        CouponOutcome::Failed(s) => panic!("the red packet failed: {s}"),
    };
    let fund = CouponOrderAgreementPay {
        out_order_no: format!("RPS-{id}"),
        out_request_no: format!("RPS-{id}-F"),
        order_title: "acceptance red packet".into(),
        amount: text("amount").parse().unwrap(),
        ..CouponOrderAgreementPay::default()
    };
    let funded = client.red_packet_agreement_pay(&fund, &retry).await.unwrap();
    let auth_no = auth_no_of(&funded);
    let disburse = CouponOrderDisburse {
        out_order_no: format!("RPS-{id}-D"),
        out_request_no: format!("RPS-{id}-D"),
        deduct_auth_no: Some(auth_no.clone()),
        order_title: "acceptance disbursement".into(),
        amount: text("disburse_amount").parse().unwrap(),
        payee_user_id: Some(text("payee_user_id")),
        ..CouponOrderDisburse::default()
    };
    let disbursed = client.red_packet_disburse(&disburse, &retry).await.unwrap();
    let refund = CouponOrderRefund {
        auth_no: auth_no.clone(),
        out_request_no: format!("RPS-{id}-R"),
        amount: text("refund_amount").parse().unwrap(),
        ..CouponOrderRefund::default()
    };
    let refunded = client.red_packet_refund(&refund, &fund.out_order_no, &retry).await.unwrap();
    println!("merchant: the SDK's red-packet flows: funded, disbursed {disbursed:?}, refunded {refunded:?}");
}

/// D2–D5: the hand-written merchant and the SDK's `deduct` flow pass the deduct suite, with the deduction of case D2
/// answered 20000 after the money moved, or its answer lost; the call log keeps the deduction's ids and outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deduct_suite_passes_a_merchant_that_sees_every_deduction_through() {
    let e = env();
    // The hand-written merchant, and the SDK's `deduct` flow on both faults.
    for (mode, fault) in [("good", "unknown"), ("sdk", "dropped"), ("sdk", "unknown")] {
        let (code, report, table) = run_suite(&e, "deduct", mode, &["--deduct-fault", fault]);
        for id in ["D2", "D3", "D4", "D5"] {
            assert_eq!(case(&report, id)["verdict"], "PASSED", "{mode} {fault} {id}:\n{table}");
        }
        assert!(table.contains("charge 1.00 on agreement"), "each case says what to do:\n{table}");
        if mode == "sdk" {
            for outcome in ["the SDK's deduct flow: Paid", "the SDK's deduct flow: AgreementGone"] {
                assert!(table.contains(outcome), "{outcome}:\n{table}");
            }
        }
        assert_eq!(code, 0, "{table}");
    }
    let calls = e.gw.admin.calls(&CallLogQuery { app_id: Some(e.gw.app_id.clone()), ..Default::default() }).await;
    let calls = calls.unwrap();
    let unknown = calls
        .iter()
        .find(|c| c.method == "alipay.ebpp.pdeduct.pay" && c.result_status.as_deref() == Some("0"))
        .expect("the deduction held unknown is logged with result_status 0");
    assert!(unknown.agreement_no.is_some() && unknown.out_order_no.is_some(), "{unknown:?}");
    assert_eq!(unknown.amount.as_deref(), Some("1.00"));
    assert!(
        calls.iter().any(|c| c.method == "alipay.ebpp.pdeduct.bill.pay.status"
            && c.out_order_no == unknown.out_order_no
            && c.result_status.as_deref() == Some("1")),
        "held for two status queries, then resolved as paid: {calls:?}"
    );
}

/// A merchant that charges again under a new `out_order_no` whenever the outcome is not known fails D2 (20000),
/// D3 (`result_status` 0) and D4 (`QUERY_DEDUCT_SIGN_INFO_ERROR`), each case run alone (`--checks`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charging_again_under_a_new_out_order_no_fails_d2_d3_and_d4() {
    let e = env();
    let run = run_suite(&e, "deduct", "new-number", &["--checks", "D2"]);
    fails_exactly(&run, "D2", "charged twice");
    let run = run_suite(&e, "deduct", "new-number", &["--checks", "D3"]);
    fails_exactly(&run, "D3", "while it was still unknown");
    let run = run_suite(&e, "deduct", "new-number", &["--checks", "D4"]);
    fails_exactly(&run, "D4", "retried under a new out_order_no");
}

/// A merchant that keeps charging an agreement Alipay no longer has fails D5.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charging_a_cancelled_agreement_again_fails_d5() {
    let e = env();
    let run = run_suite(&e, "deduct", "keep-charging", &[]);
    fails_exactly(&run, "D5", "charged the same agreement again");
}

/// D1 (passive): two bills under one `merchant_order_no` with different amounts fail; the same bill again is the
/// idempotent replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_order_no_reused_for_another_bill_fails_d1_in_lint() {
    let e = env();
    let client = AlipayClient::from_config_file(e.inst.app_json()).unwrap();
    let bill = |amount: &str| EbppBillAdd {
        merchant_order_no: "ACCEPT-BILL-1".into(),
        order_type: "JF".into(),
        sub_order_type: "GAS".into(),
        charge_inst: "WHSTRQ2150".into(),
        bill_key: "2015072001".into(),
        pay_amount: amount.parse().unwrap(),
        bill_date: Some("201607".into()),
        ..EbppBillAdd::default()
    };
    assert_eq!(call(&client, &bill("91.00")).await.unwrap().code, "10000");
    assert_eq!(call(&client, &bill("91.00")).await.unwrap().code, "10000", "the same bill again");
    let (code, report, table) = lint(&e, "D1");
    assert_eq!(case(&report, "D1")["verdict"], "PASSED", "{table}");
    assert_eq!(code, 0);
    let again = call(&client, &bill("50.00")).await.unwrap();
    assert_eq!(again.sub_code, "MERCHANT_ORDER_NO_REPEAT");
    let run = lint(&e, "D1");
    fails_exactly(&run, "D1", "reused merchant_order_no ACCEPT-BILL-1");
}

/// P1–P4: the merchant that sends the identical request again passes the coupon suite, under 10003 and under
/// 20000; it queries by `auth_no` + `operation_id` (P3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coupon_suite_passes_a_merchant_that_retries_identically() {
    let e = env();
    let (code, report, table) = run_suite(&e, "coupon", "good", &[]);
    for id in ["P1", "P3", "P4"] {
        assert_eq!(case(&report, id)["verdict"], "PASSED", "{id}:\n{table}");
    }
    assert_eq!(case(&report, "P2")["verdict"], "NOT_OBSERVED", "{table}");
    assert!(table.contains("fund a red packet of 3.00"), "the case says what to do:\n{table}");
    assert_eq!(code, 0, "{table}");
    let (code, report, table) = run_suite(&e, "coupon", "good", &["--coupon-fault", "unknown"]);
    assert_eq!(case(&report, "P2")["verdict"], "PASSED", "{table}");
    assert_eq!(code, 0, "{table}");
    // The SDK's own red-packet flows pass both faults.
    for fault in ["in-process", "unknown"] {
        let (code, report, table) = run_suite(&e, "coupon", "sdk", &["--coupon-fault", fault]);
        for id in ["P1", "P2", "P3", "P4"] {
            assert_ne!(case(&report, id)["verdict"], "FAILED", "sdk {fault} {id}:\n{table}");
        }
        let provoked = if fault == "unknown" { "P2" } else { "P1" };
        assert_eq!(case(&report, provoked)["verdict"], "PASSED", "sdk {fault}:\n{table}");
        assert!(table.contains("the SDK's red-packet flows: funded"), "{table}");
        assert_eq!(code, 0, "{table}");
    }
    // Each red packet: 3.00 in, 1.00 disbursed and 1.00 refunded once, although every operation answered 10003
    // or 20000 first.
    let calls = e.gw.admin.calls(&CallLogQuery { app_id: Some(e.gw.app_id.clone()), ..Default::default() }).await;
    let calls = calls.unwrap();
    let ids: Vec<_> = calls.iter().filter(|c| c.method.ends_with("operation.query")).collect();
    assert!(ids.iter().all(|c| c.auth_no.is_some() && c.operation_id.is_some()), "{ids:?}");
    for auth_no in calls
        .iter()
        .filter(|c| c.method.ends_with("agreement.pay") && c.code == "10000")
        .filter_map(|c| c.auth_no.clone())
    {
        let order = e.gw.admin.coupon_order(&auth_no).await.unwrap().order;
        assert_eq!(order.amount.to_string(), "3.00", "{order:?}");
        assert_eq!(order.disbursed.to_string(), "1.00", "{order:?}");
        assert_eq!(order.refunded.to_string(), "1.00", "{order:?}");
    }
}

/// A merchant that sends a new `out_request_no` after 10003 fails P1; after 20000, P2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_out_request_no_before_the_outcome_is_known_fails_p1_and_p2() {
    let e = env();
    let run = run_suite(&e, "coupon", "new-number", &[]);
    fails_exactly(&run, "P1", "under a new out_request_no");
    let run = run_suite(&e, "coupon", "new-number", &["--coupon-fault", "unknown"]);
    fails_exactly(&run, "P2", "under a new out_request_no");
}

/// P3 warns on the slow query; P4 fails a disbursement under the funding's `out_request_no`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slow_query_warns_p3_and_a_reused_out_request_no_fails_p4() {
    let e = env();
    let (code, report, table) = run_suite(&e, "coupon", "slow-query", &[]);
    assert_eq!(case(&report, "P3")["verdict"], "WARNING", "{table}");
    assert!(case(&report, "P3")["reason"].as_str().unwrap().contains("auth_no + operation_id"), "{table}");
    assert_eq!(code, 0, "a warning does not fail the run:\n{table}");
    let run = run_suite(&e, "coupon", "reuse", &[]);
    fails_exactly(&run, "P4", "must never be repeated");
}

/// A merchant that does nothing: NOT_OBSERVED everywhere, and no provocation is left for its ordinary traffic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_that_ignores_the_cases_is_not_observed_and_the_provocations_are_removed() {
    let e = env();
    for suite in ["deduct", "coupon"] {
        let (code, report, table) = run_suite(&e, suite, "ignore", &[]);
        for (id, verdict) in verdicts(&report) {
            assert_eq!(verdict, "NOT_OBSERVED", "{suite} {id}:\n{table}");
        }
        assert_eq!(code, 0, "{table}");
        assert!(table.contains("no call took the case's provocation"), "{table}");
    }
    assert!(e.gw.admin.faults().await.unwrap().pending.is_empty());
}

/// On PostgreSQL (two instances on one store): the suite arms and judges through the first, the merchant calls
/// the second's gateway, so the provocations (faults and the deduct family's holds), the call log's new columns
/// (migration 3 of `calls`) and D3's polling intervals are the shared store's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deduct_suite_on_a_shared_postgres_store() {
    let Some(store) = alipay_testkit::postgres_store() else {
        eprintln!("skipped: {}", alipay_testkit::POSTGRES_SKIP_REASON);
        return;
    };
    let mut instances = common::start_instances(2, Some(&store), &[]);
    let inst = instances.remove(0);
    let gw = Gw::open(inst.dir.path());
    let merchant = instances[0].app_json();
    let e = Env { inst, gw, merchant };
    let (code, report, table) = run_suite(&e, "deduct", "good", &[]);
    for id in ["D2", "D3", "D4", "D5"] {
        assert_eq!(case(&report, id)["verdict"], "PASSED", "{id}:\n{table}");
    }
    assert_eq!(code, 0, "{table}");
    let calls = e.gw.admin.calls(&CallLogQuery { app_id: Some(e.gw.app_id.clone()), ..Default::default() }).await;
    let statuses = calls.unwrap().into_iter().filter(|c| c.method == "alipay.ebpp.pdeduct.bill.pay.status").count();
    assert!(statuses >= 3, "the polling through the other instance is in the one call log");
    let run = run_suite(&e, "deduct", "keep-charging", &["--checks", "D5"]);
    fails_exactly(&run, "D5", "charged the same agreement again");
}
