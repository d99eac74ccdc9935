//! Cash red packets (seed 003) over HTTP with real signatures: agreement pay, page pay (GET URL and POST
//! form), app pay (order string), disburse, refund, operation query, idempotency, timeout refund, faults,
//! app isolation and conservation of money.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use alipay_api::coupon::{CouponStatus, OperationType};
use alipay_api::notify::{
    FundNotification, FUND_DISBURSE_SUCCESS, FUND_REFUND_SUCCESS, FUND_STDTRUSTEE_DISBURSE, FUND_STDTRUSTEE_REFUND,
};
use alipay_core::{form, sign_request, verify_params, Charset, Money, SignScope, SignType, Timestamp};
use axum::body::Bytes;
use axum::extract::State;
use common::{code_of, sub_code_of, Harness, TestApp};
use serde_json::{json, Value};

const AGREEMENT: &str = "alipay.fund.coupon.order.agreement.pay";
const PAGE: &str = "alipay.fund.coupon.order.page.pay";
const APP: &str = "alipay.fund.coupon.order.app.pay";
const DISBURSE: &str = "alipay.fund.coupon.order.disburse";
const REFUND: &str = "alipay.fund.coupon.order.refund";
const QUERY: &str = "alipay.fund.coupon.operation.query";

/// A merchant endpoint that records every notification body and answers `success`.
async fn start_endpoint() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    async fn receive(State(bodies): State<Arc<Mutex<Vec<Vec<u8>>>>>, body: Bytes) -> &'static str {
        bodies.lock().unwrap().push(body.to_vec());
        "success"
    }
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new().route("/notify", axum::routing::post(receive)).with_state(Arc::clone(&bodies));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/notify"), bodies)
}

/// Gives the default merchant `amount` by a face-to-face payment of the default buyer.
async fn fund_merchant(h: &Harness, amount: &str) {
    let r = h.pay(&format!("FUND{}", amount.replace(".", "_")), amount, &h.info.buyer_user_id.clone()).await;
    assert_eq!(code_of(&r), "10000", "{r}");
}

fn agreement(out_order_no: &str, out_request_no: &str, amount: &str) -> Value {
    json!({"out_order_no": out_order_no, "out_request_no": out_request_no, "order_title": "红包",
           "amount": amount, "pay_timeout": "2h"})
}

async fn buyer_with_logon(h: &Harness, logon: &str) -> String {
    let (s, b) = h.admin_post("/admin/buyers", json!({"balance": "0.00", "logon_id": logon})).await;
    assert_eq!(s, 200, "{b}");
    b["user_id"].as_str().unwrap().to_owned()
}

fn money(v: &Value) -> Money {
    v.as_str().unwrap_or_else(|| panic!("not an amount: {v}")).parse().unwrap()
}

/// Every balance the test knows plus what the red packets hold.
async fn total(h: &Harness, buyers: &[&str]) -> Money {
    let mut sum: Money = h.merchant_balance().await.parse().unwrap();
    for b in buyers {
        sum = sum.checked_add(h.balance(b).await.parse().unwrap()).unwrap();
    }
    let open = h.admin_get("/admin/coupon/orders").await;
    sum.checked_add(money(&open["open_total"])).unwrap()
}

/// All parameters of a request signed as the SDK signs them, sorted by name (page-pay URL, app order string).
fn signed_params(
    h: &Harness,
    app: &TestApp,
    method: &str,
    biz: &Value,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut params = h.common(app, method, Charset::Utf8);
    for (k, v) in extra {
        params.push(((*k).into(), (*v).into()));
    }
    params.push(("biz_content".into(), biz.to_string()));
    let sign =
        sign_request(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), &app.key, SignType::Rsa2, Charset::Utf8)
            .unwrap();
    params.push(("sign".into(), sign));
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    params
}

fn encode(params: &[(String, String)]) -> String {
    form::encode(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), Charset::Utf8).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreement_pay_disburse_twice_refund_rest_and_query_both_ways() {
    let h = Harness::start().await;
    fund_merchant(&h, "1000.00").await;
    let a = buyer_with_logon(&h, "13800000001").await;
    let b = buyer_with_logon(&h, "bob@example.com").await;
    let before = total(&h, &[&a, &b, &h.info.buyer_user_id]).await;

    let r = h.call(AGREEMENT, agreement("RP1", "RP1-pay", "100.00")).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(r["status"], "SUCCESS");
    assert_eq!(r["amount"], "100.00");
    assert_eq!(r["out_order_no"], "RP1");
    assert_eq!(r["out_request_no"], "RP1-pay");
    assert!(r["gmt_trans"].as_str().unwrap().parse::<Timestamp>().is_ok(), "{r}");
    let auth_no = r["auth_no"].as_str().unwrap().to_owned();
    assert_eq!(auth_no.len(), 28);
    let pay_op = r["operation_id"].as_str().unwrap().to_owned();
    assert_eq!(h.merchant_balance().await, "900.00");

    // Disburse by auth_no to a user id, then by out_order_no to a logon id.
    let d1 = h
        .call(
            DISBURSE,
            json!({"out_order_no": "D1", "out_request_no": "D1-1", "deduct_auth_no": auth_no, "order_title": "领取",
                   "amount": "30.00", "payee_user_id": a}),
        )
        .await;
    assert_eq!(code_of(&d1), "10000", "{d1}");
    assert_eq!((d1["auth_no"].as_str(), d1["status"].as_str()), (Some(auth_no.as_str()), Some("SUCCESS")));
    let d2 = h
        .call(
            DISBURSE,
            json!({"out_order_no": "D2", "out_request_no": "D2-1", "deduct_out_order_no": "RP1", "order_title": "领取",
                   "amount": "20.00", "payee_logon_id": "bob@example.com"}),
        )
        .await;
    assert_eq!(code_of(&d2), "10000", "{d2}");
    assert_eq!(h.balance(&a).await, "30.00");
    assert_eq!(h.balance(&b).await, "20.00");

    // deduct_auth_no wins over deduct_out_order_no.
    let r = h
        .call(
            DISBURSE,
            json!({"out_order_no": "D3", "out_request_no": "D3-1", "deduct_auth_no": "2099", "deduct_out_order_no": "RP1",
                   "order_title": "领取", "amount": "1.00", "payee_user_id": a}),
        )
        .await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "AUTH_ORDER_NOT_EXIST"), "{r}");

    // More than remains (50.00): MONEY_NOT_ENOUGH for disburse and refund; nothing moves.
    let r = h
        .call(
            DISBURSE,
            json!({"out_order_no": "D4", "out_request_no": "D4-1", "deduct_auth_no": auth_no, "order_title": "领取",
                   "amount": "50.01", "payee_user_id": a}),
        )
        .await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "MONEY_NOT_ENOUGH"), "{r}");
    let r = h.call(REFUND, json!({"auth_no": auth_no, "out_request_no": "R1", "amount": "60.00"})).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "MONEY_NOT_ENOUGH"), "{r}");
    assert_eq!(r["sub_msg"], "本次操作退款的金额超过剩余可退款金额");
    assert_eq!(h.balance(&a).await, "30.00");
    assert_eq!(h.merchant_balance().await, "900.00");

    // Refund the rest.
    let r =
        h.call(REFUND, json!({"auth_no": auth_no, "out_request_no": "R1", "amount": "50.00", "remark": "退回"})).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let refund_op = r["operation_id"].as_str().unwrap().to_owned();
    assert_eq!(h.merchant_balance().await, "950.00");
    let r = h.call(REFUND, json!({"auth_no": auth_no, "out_request_no": "R2", "amount": "0.01"})).await;
    assert_eq!(sub_code_of(&r), "MONEY_NOT_ENOUGH", "{r}");

    // Query by auth_no + operation_id.
    let q = h.call(QUERY, json!({"auth_no": auth_no, "operation_id": d1["operation_id"]})).await;
    assert_eq!(code_of(&q), "10000", "{q}");
    assert_eq!(q["operation_type"], "PAY");
    assert_eq!(q["amount"], "30.00");
    assert_eq!(q["status"], "SUCCESS");
    assert_eq!(q["out_order_no"], "D1");
    assert_eq!(q["payee_user_id"], a.as_str());
    assert_eq!(q["payee_logon_id"], "138******01");
    assert_eq!(q["payer_user_id"], h.info.merchant_pid.as_str());
    assert!(q["payer_logon_id"].as_str().unwrap().contains("***@"), "{q}");
    let q = h.call(QUERY, json!({"auth_no": auth_no, "operation_id": pay_op})).await;
    assert_eq!((q["operation_type"].as_str(), q["amount"].as_str()), (Some("PAY"), Some("100.00")), "{q}");
    assert_eq!(q["order_title"], "红包");
    // By out_order_no + out_request_no.
    let q = h.call(QUERY, json!({"out_order_no": "RP1", "out_request_no": "R1"})).await;
    assert_eq!(code_of(&q), "10000", "{q}");
    assert_eq!(q["operation_id"], refund_op.as_str());
    assert_eq!(q["operation_type"], "REFUND");
    assert_eq!(q["amount"], "50.00");
    assert_eq!(q["remark"], "退回");
    let q = h.call(QUERY, json!({"out_order_no": "D2", "out_request_no": "D2-1"})).await;
    assert_eq!(q["payee_logon_id"], "bob***@example.com", "{q}");
    let q = h.call(QUERY, json!({"out_order_no": "RP1", "out_request_no": "nope"})).await;
    assert_eq!((code_of(&q), sub_code_of(&q)), ("40004", "AUTH_OPERATION_NOT_EXIST"), "{q}");
    let q = h.call(QUERY, json!({"auth_no": auth_no})).await;
    assert_eq!(sub_code_of(&q), "INVALID_PARAMETER", "{q}");

    assert_eq!(total(&h, &[&a, &b, &h.info.buyer_user_id]).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_answer_the_earlier_result_and_changed_replays_fail() {
    let h = Harness::start().await;
    fund_merchant(&h, "500.00").await;
    let a = buyer_with_logon(&h, "13800000002").await;

    let biz = agreement("RP2", "RP2-pay", "80.00");
    let first = h.call(AGREEMENT, biz.clone()).await;
    assert_eq!(code_of(&first), "10000", "{first}");
    let again = h.call(AGREEMENT, biz.clone()).await;
    assert_eq!(code_of(&again), "10000", "{again}");
    assert_eq!(again["auth_no"], first["auth_no"]);
    assert_eq!(again["operation_id"], first["operation_id"]);
    assert_eq!(h.merchant_balance().await, "420.00", "charged once");

    let mut changed = biz.clone();
    changed["amount"] = json!("81.00");
    let r = h.call(AGREEMENT, changed).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "UNIQUE_VIOLATION"), "{r}");
    assert_eq!(r["sub_msg"], "商户本次资金操作的请求流水号与之前有重复");
    // A new request number reusing the red packet's out_order_no.
    let r = h.call(AGREEMENT, agreement("RP2", "RP2-other", "80.00")).await;
    assert_eq!(sub_code_of(&r), "UNIQUE_VIOLATION", "{r}");
    // The same out_request_no for another method.
    let r = h.call(REFUND, json!({"auth_no": first["auth_no"], "out_request_no": "RP2-pay", "amount": "1.00"})).await;
    assert_eq!(sub_code_of(&r), "UNIQUE_VIOLATION", "{r}");
    assert_eq!(h.merchant_balance().await, "420.00");

    let d = json!({"out_order_no": "D", "out_request_no": "D-1", "deduct_auth_no": first["auth_no"], "order_title": "t",
                   "amount": "10.00", "payee_user_id": a});
    let d1 = h.call(DISBURSE, d.clone()).await;
    let d2 = h.call(DISBURSE, d.clone()).await;
    assert_eq!((code_of(&d1), code_of(&d2)), ("10000", "10000"), "{d2}");
    assert_eq!(d1["operation_id"], d2["operation_id"]);
    assert_eq!(h.balance(&a).await, "10.00", "paid once");
    let mut changed = d.clone();
    changed["payee_logon_id"] = json!("13800000002");
    changed.as_object_mut().unwrap().remove("payee_user_id");
    let r = h.call(DISBURSE, changed).await;
    assert_eq!(sub_code_of(&r), "UNIQUE_VIOLATION", "{r}");

    let rf = json!({"auth_no": first["auth_no"], "out_request_no": "R-1", "amount": "5.00"});
    let r1 = h.call(REFUND, rf.clone()).await;
    let r2 = h.call(REFUND, rf.clone()).await;
    assert_eq!((code_of(&r1), code_of(&r2)), ("10000", "10000"), "{r2}");
    assert_eq!(r1["operation_id"], r2["operation_id"]);
    assert_eq!(h.merchant_balance().await, "425.00", "refunded once");
    let mut changed = rf.clone();
    changed["amount"] = json!("6.00");
    assert_eq!(sub_code_of(&h.call(REFUND, changed).await), "UNIQUE_VIOLATION");
    assert_eq!(h.merchant_balance().await, "425.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_failures_and_parameter_rules() {
    let h = Harness::start().await;
    fund_merchant(&h, "50.00").await;

    let r = h.call(AGREEMENT, agreement("RP3", "RP3-pay", "50.01")).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "PAYER_BALANCE_NOT_ENOUGH"), "{r}");
    let mut biz = agreement("RP3", "RP3-pay", "1.00");
    biz["payer_user_id"] = json!("2088000000000000");
    assert_eq!(sub_code_of(&h.call(AGREEMENT, biz).await), "PAYER_NOT_EXIST");
    // A buyer as payer_user_id (an agreement with a user).
    let payer = h.buyer("20.00", "0.00").await;
    let mut biz = agreement("RP3", "RP3-pay", "15.00");
    biz["payer_user_id"] = json!(payer);
    let r = h.call(AGREEMENT, biz).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(h.balance(&payer).await, "5.00");
    assert_eq!(h.merchant_balance().await, "50.00");

    let d = json!({"out_order_no": "D", "out_request_no": "D-x", "deduct_auth_no": r["auth_no"], "order_title": "t",
                   "amount": "1.00", "payee_user_id": "2088999999999999"});
    assert_eq!(sub_code_of(&h.call(DISBURSE, d).await), "PAYEE_NOT_EXIST");
    // The refund goes back to that buyer.
    let back = h.call(REFUND, json!({"auth_no": r["auth_no"], "out_request_no": "R-x", "amount": "15.00"})).await;
    assert_eq!(code_of(&back), "10000", "{back}");
    assert_eq!(h.balance(&payer).await, "20.00");

    for bad in [
        json!({"out_order_no": "X", "out_request_no": "X", "amount": "1.00"}),
        json!({"out_order_no": "X", "out_request_no": "X", "order_title": "t", "amount": "0.00"}),
        json!({"out_order_no": "X", "out_request_no": "X", "order_title": "t", "amount": "1.00", "pay_timeout": "8d"}),
        json!({"out_order_no": "X", "out_request_no": "X", "order_title": "t", "amount": "1.001"}),
    ] {
        let r = h.call(AGREEMENT, bad.clone()).await;
        assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "INVALID_PARAMETER"), "{bad}: {r}");
    }
    let r = h
        .call(
            DISBURSE,
            json!({"out_order_no": "X", "out_request_no": "X", "order_title": "t", "amount": "1.00",
                                     "payee_user_id": payer}),
        )
        .await;
    assert_eq!(sub_code_of(&r), "INVALID_PARAMETER", "{r}");
    let r = h.call(REFUND, json!({"auth_no": "2099", "out_request_no": "X", "amount": "1.00"})).await;
    assert_eq!(sub_code_of(&r), "AUTH_ORDER_NOT_EXIST", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_pay_url_and_form_then_the_buyer_pays() {
    let h = Harness::start().await;
    let buyer = h.buyer("300.00", "0.00").await;
    let a = buyer_with_logon(&h, "13800000003").await;

    // GET URL as page_pay_url builds it: the gateway + all params, sign included, sorted, URL-encoded.
    let biz = json!({"out_order_no": "PP1", "out_request_no": "PP1-1", "order_title": "红包", "amount": "88.00",
                     "pay_timeout": "30m"});
    let params = signed_params(&h, &h.app, PAGE, &biz, &[("return_url", "https://m.example/return")]);
    let resp = h.http.get(format!("{}?{}", h.gateway(), encode(&params))).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body = resp.bytes().await.unwrap();
    let (_, r) = h.verify(&body, PAGE, Charset::Utf8, SignType::Rsa2);
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(r["status"], "INIT");
    let auth_no = r["auth_no"].as_str().unwrap().to_owned();
    let q = h.call(QUERY, json!({"out_order_no": "PP1", "out_request_no": "PP1-1"})).await;
    assert_eq!(q["status"], "INIT", "{q}");
    // Not paid yet: nothing to disburse.
    let d = h
        .call(
            DISBURSE,
            json!({"out_order_no": "D", "out_request_no": "D-1", "deduct_auth_no": auth_no,
                                     "order_title": "t", "amount": "1.00", "payee_user_id": a}),
        )
        .await;
    assert_eq!(sub_code_of(&d), "ORDER_STATUS_INVALID", "{d}");
    // The browser submits the same URL again: the same red packet.
    let resp = h.http.get(format!("{}?{}", h.gateway(), encode(&params))).send().await.unwrap();
    let (_, again) = h.verify(&resp.bytes().await.unwrap(), PAGE, Charset::Utf8, SignType::Rsa2);
    assert_eq!(again["auth_no"], auth_no.as_str());

    // The buyer pays it.
    let (s, o) = h
        .admin_post(
            "/admin/coupon/page-pay",
            json!({"out_order_no": "PP1", "out_request_no": "PP1-1", "buyer_id": buyer}),
        )
        .await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(o["status"], "SUCCESS");
    assert_eq!(h.balance(&buyer).await, "212.00");
    let q = h.call(QUERY, json!({"out_order_no": "PP1", "out_request_no": "PP1-1"})).await;
    assert_eq!((q["status"].as_str(), q["payer_user_id"].as_str()), (Some("SUCCESS"), Some(buyer.as_str())), "{q}");
    let (s, _) = h.admin_post("/admin/coupon/page-pay", json!({"auth_no": auth_no, "buyer_id": buyer})).await;
    assert_eq!(s, 409, "paid twice");
    assert_eq!(h.balance(&buyer).await, "212.00");
    // The rest goes back to the buyer who paid.
    let r = h.call(REFUND, json!({"auth_no": auth_no, "out_request_no": "PP1-r", "amount": "88.00"})).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(h.balance(&buyer).await, "300.00");

    // POST form as page_pay_form builds it: protocol params in the action URL, biz_content in the body.
    let biz = json!({"out_order_no": "PP2", "out_request_no": "PP2-1", "order_title": "红包", "amount": "10.00",
                     "pay_timeout": "1m"});
    let params = signed_params(&h, &h.app, PAGE, &biz, &[]);
    let (business, protocol): (Vec<_>, Vec<_>) = params.into_iter().partition(|(k, _)| k == "biz_content");
    let (status, _, body) = h.post_raw(&encode(&protocol), encode(&business).into_bytes(), Charset::Utf8).await;
    assert_eq!(status, 200);
    let (_, r) = h.verify(&body, PAGE, Charset::Utf8, SignType::Rsa2);
    assert_eq!((code_of(&r), r["status"].as_str()), ("10000", Some("INIT")), "{r}");
    // Unpaid past its pay_timeout: closed.
    let (s, moved) = h.admin_post("/admin/clock/advance", json!({"seconds": 120})).await;
    assert_eq!((s, moved["swept"].as_u64()), (200, Some(1)), "{moved}");
    let q = h.call(QUERY, json!({"out_order_no": "PP2", "out_request_no": "PP2-1"})).await;
    assert_eq!(q["status"], "CLOSED", "{q}");
    let (s, _) = h.admin_post("/admin/coupon/page-pay", json!({"out_order_no": "PP2", "buyer_id": buyer})).await;
    assert_eq!(s, 409);
    assert_eq!(h.balance(&buyer).await, "300.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_pay_order_string_paid_by_the_wallet() {
    let h = Harness::start().await;
    let buyer = h.buyer("100.00", "0.00").await;
    let biz = json!({"out_order_no": "AP1", "out_request_no": "AP1-1", "order_title": "红包", "amount": "9.00",
                     "pay_timeout": "2h"});
    // The order string as app_order_string builds it: sorted, URL-encoded, no gateway prefix.
    let order_string = encode(&signed_params(&h, &h.app, APP, &biz, &[]));
    let (s, o) = h.admin_post("/admin/coupon/app-pay", json!({"order_string": order_string, "buyer_id": buyer})).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!((o["status"].as_str(), o["kind"].as_str()), (Some("SUCCESS"), Some("app")), "{o}");
    assert_eq!(h.balance(&buyer).await, "91.00");
    let q = h.call(QUERY, json!({"out_order_no": "AP1", "out_request_no": "AP1-1"})).await;
    assert_eq!((q["status"].as_str(), q["amount"].as_str()), (Some("SUCCESS"), Some("9.00")), "{q}");
    assert_eq!(q["auth_no"], o["auth_no"]);

    // The wallet submits it again: the same red packet, no second charge.
    let (s, again) =
        h.admin_post("/admin/coupon/app-pay", json!({"order_string": order_string, "buyer_id": buyer})).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["auth_no"], o["auth_no"]);
    assert_eq!(h.balance(&buyer).await, "91.00");

    // A tampered order string does not verify.
    let tampered = order_string.replace("9.00", "1.00");
    assert_ne!(tampered, order_string);
    let (s, e) = h.admin_post("/admin/coupon/app-pay", json!({"order_string": tampered, "buyer_id": buyer})).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("isv.invalid-signature"), "{e}");
    // Signed by another key.
    let other = TestApp { key: alipay_core::PrivateKey::generate().unwrap(), ..h.app.clone() };
    let forged = encode(&signed_params(&h, &other, APP, &biz, &[]));
    let (s, _) = h.admin_post("/admin/coupon/app-pay", json!({"order_string": forged, "buyer_id": buyer})).await;
    assert_eq!(s, 400);
    // Re-signed with changed content under the same out_request_no.
    let mut changed = biz.clone();
    changed["amount"] = json!("10.00");
    let s2 = encode(&signed_params(&h, &h.app, APP, &changed, &[]));
    let (s, e) = h.admin_post("/admin/coupon/app-pay", json!({"order_string": s2, "buyer_id": buyer})).await;
    assert_eq!(s, 409, "{e}");
    assert!(e["error"].as_str().unwrap().contains("UNIQUE_VIOLATION"), "{e}");
    // Short balance: refused, nothing moves.
    let big = json!({"out_order_no": "AP2", "out_request_no": "AP2-1", "order_title": "红包", "amount": "500.00"});
    let s3 = encode(&signed_params(&h, &h.app, APP, &big, &[]));
    let (s, _) = h.admin_post("/admin/coupon/app-pay", json!({"order_string": s3, "buyer_id": buyer})).await;
    assert_eq!(s, 409);
    assert_eq!(h.balance(&buyer).await, "91.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unclaimed_rest_returns_to_the_payer_after_48_hours() {
    let h = Harness::start().await;
    fund_merchant(&h, "200.00").await;
    let a = buyer_with_logon(&h, "13800000004").await;
    let settings = h.admin_get("/admin/coupon/settings").await;
    assert_eq!(settings["refund_window_secs"], 172800);

    let (url, bodies) = start_endpoint().await;
    let r = h.call_as(&h.app, AGREEMENT, agreement("RP5", "RP5-pay", "100.00"), &[("notify_url", url.as_str())]).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let auth_no = r["auth_no"].as_str().unwrap().to_owned();
    let d = h
        .call(
            DISBURSE,
            json!({"out_order_no": "D", "out_request_no": "D-1", "deduct_auth_no": auth_no,
                                     "order_title": "t", "amount": "40.00", "payee_user_id": a}),
        )
        .await;
    assert_eq!(code_of(&d), "10000", "{d}");
    assert_eq!(h.merchant_balance().await, "100.00");

    h.admin_post("/admin/clock/advance", json!({"seconds": 47 * 3600})).await;
    let (_, swept) = h.admin_post("/admin/coupon/sweep", json!({})).await;
    assert_eq!(swept["refunded"], 0, "{swept}");
    assert_eq!(h.merchant_balance().await, "100.00");
    // Moving the clock applies the sweep itself (as the background sweeper would); nothing is left to sweep.
    let (_, moved) = h.admin_post("/admin/clock/advance", json!({"seconds": 3600})).await;
    assert_eq!(moved["swept"], 1, "{moved}");
    let (_, swept) = h.admin_post("/admin/coupon/sweep", json!({})).await;
    assert_eq!(swept["refunded"], 0, "{swept}");
    assert_eq!(h.merchant_balance().await, "160.00");
    assert_eq!(h.balance(&a).await, "40.00");

    let o = h.admin_get(&format!("/admin/coupon/orders/{auth_no}")).await;
    assert_eq!(o["remaining"], "0.00", "{o}");
    let ops = o["operations"].as_array().unwrap();
    let t = ops.iter().find(|op| op["kind"] == "timeout_refund").unwrap();
    assert_eq!((t["operation_type"].as_str(), t["amount"].as_str()), (Some("REFUND"), Some("60.00")), "{t}");
    let q = h.call(QUERY, json!({"auth_no": auth_no, "operation_id": t["operation_id"]})).await;
    assert_eq!((q["operation_type"].as_str(), q["status"].as_str()), (Some("REFUND"), Some("SUCCESS")), "{q}");
    let r = h.call(REFUND, json!({"auth_no": auth_no, "out_request_no": "late", "amount": "0.01"})).await;
    assert_eq!(sub_code_of(&r), "MONEY_NOT_ENOUGH", "{r}");

    // The notification was queued for the order's notify_url.
    let list = h.admin_get("/admin/notifications?out_trade_no=RP5").await;
    let n = &list.as_array().unwrap()[0];
    assert_eq!(n["url"], url.as_str());
    assert_eq!(n["params"]["notify_type"], "fund_stdtrustee_refund", "{n}");
    assert_eq!(n["params"]["auth_no"], auth_no.as_str());
    assert_eq!(n["params"]["amount"], "60.00");
    assert_eq!(n["params"]["operation_type"], "REFUND");
    // Delivered to the endpoint, V1-signed with the sandbox's Alipay key.
    let mut delivered = None;
    for _ in 0..300 {
        if let Some(b) = bodies.lock().unwrap().first().cloned() {
            delivered = Some(b);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let body = delivered.expect("no notification delivered in 30 s");
    let params = form::decode(&body, Charset::Utf8).unwrap();
    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    verify_params(SignScope::NotifyV1, pairs, &h.alipay_key, SignType::Rsa2, Charset::Utf8).unwrap();
    let field = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(field("notify_type").as_deref(), Some("fund_stdtrustee_refund"));
    assert_eq!(field("rest_amount").as_deref(), Some("0.00"));
    assert_eq!(field("payer_user_id").as_deref(), Some(h.info.merchant_pid.as_str()));

    // A shorter window, applied by the next gateway call after the clock moved (no explicit sweep).
    let (s, _) = h.admin_post("/admin/coupon/settings", json!({"refund_window_secs": 3600})).await;
    assert_eq!(s, 200);
    let r = h.call(AGREEMENT, agreement("RP6", "RP6-pay", "50.00")).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(h.merchant_balance().await, "110.00");
    h.admin_post("/admin/clock/advance", json!({"seconds": 3601})).await;
    let q = h.call(QUERY, json!({"out_order_no": "RP6", "out_request_no": "RP6-pay"})).await;
    assert_eq!(code_of(&q), "10000");
    assert_eq!(h.merchant_balance().await, "160.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_then_the_same_request_moves_money_once() {
    let h = Harness::start().await;
    fund_merchant(&h, "100.00").await;
    let a = buyer_with_logon(&h, "13800000005").await;

    // 20000 after the work committed: the retry is a replay; the query finds it.
    let (s, _) =
        h.admin_post("/admin/faults", json!({"method": AGREEMENT, "kind": "unknown_error", "execute": true})).await;
    assert_eq!(s, 200);
    let biz = agreement("RP7", "RP7-pay", "30.00");
    let r = h.call(AGREEMENT, biz.clone()).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("20000", "isp.unknow-error"), "{r}");
    let q = h.call(QUERY, json!({"out_order_no": "RP7", "out_request_no": "RP7-pay"})).await;
    assert_eq!(q["status"], "SUCCESS", "{q}");
    let r = h.call(AGREEMENT, biz.clone()).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(r["auth_no"], q["auth_no"]);
    assert_eq!(h.merchant_balance().await, "70.00", "charged once");

    // 10003 before any work: nothing moved; the retry does it once.
    let (s, _) = h.admin_post("/admin/faults", json!({"method": DISBURSE, "kind": "in_process"})).await;
    assert_eq!(s, 200);
    let d = json!({"out_order_no": "D", "out_request_no": "D-1", "deduct_auth_no": q["auth_no"], "order_title": "t",
                   "amount": "10.00", "payee_user_id": a});
    let r = h.call(DISBURSE, d.clone()).await;
    assert_eq!(code_of(&r), "10003", "{r}");
    assert_eq!(h.balance(&a).await, "0.00");
    let q2 = h.call(QUERY, json!({"out_order_no": "D", "out_request_no": "D-1"})).await;
    assert_eq!(sub_code_of(&q2), "AUTH_OPERATION_NOT_EXIST", "{q2}");
    let r = h.call(DISBURSE, d.clone()).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let r2 = h.call(DISBURSE, d.clone()).await;
    assert_eq!(r2["operation_id"], r["operation_id"]);
    assert_eq!(h.balance(&a).await, "10.00");

    // 10003 after the work committed on a refund.
    h.admin_post("/admin/faults", json!({"method": REFUND, "kind": "in_process", "execute": true})).await;
    let rf = json!({"auth_no": q["auth_no"], "out_request_no": "R-1", "amount": "20.00"});
    assert_eq!(code_of(&h.call(REFUND, rf.clone()).await), "10003");
    assert_eq!(h.merchant_balance().await, "90.00");
    let r = h.call(REFUND, rf).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(h.merchant_balance().await, "90.00", "refunded once");
    let q = h.call(QUERY, json!({"auth_no": r["auth_no"], "operation_id": r["operation_id"]})).await;
    assert_eq!((q["operation_type"].as_str(), q["amount"].as_str()), (Some("REFUND"), Some("20.00")), "{q}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_app_cannot_see_or_touch_a_red_packet() {
    let h = Harness::start().await;
    fund_merchant(&h, "100.00").await;
    let a = buyer_with_logon(&h, "13800000006").await;
    let r = h.call(AGREEMENT, agreement("RP8", "RP8-pay", "50.00")).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let other = h.new_app().await;

    let q = h.call_as(&other, QUERY, json!({"auth_no": r["auth_no"], "operation_id": r["operation_id"]}), &[]).await;
    assert_eq!(sub_code_of(&q), "AUTH_OPERATION_NOT_EXIST", "{q}");
    let q = h.call_as(&other, QUERY, json!({"out_order_no": "RP8", "out_request_no": "RP8-pay"}), &[]).await;
    assert_eq!(sub_code_of(&q), "AUTH_OPERATION_NOT_EXIST", "{q}");
    let d = json!({"out_order_no": "D", "out_request_no": "D-1", "deduct_auth_no": r["auth_no"], "order_title": "t",
                   "amount": "1.00", "payee_user_id": a});
    assert_eq!(sub_code_of(&h.call_as(&other, DISBURSE, d, &[]).await), "AUTH_ORDER_NOT_EXIST");
    let d = json!({"out_order_no": "D", "out_request_no": "D-2", "deduct_out_order_no": "RP8", "order_title": "t",
                   "amount": "1.00", "payee_user_id": a});
    assert_eq!(sub_code_of(&h.call_as(&other, DISBURSE, d, &[]).await), "AUTH_ORDER_NOT_EXIST");
    let rf = json!({"auth_no": r["auth_no"], "out_request_no": "R", "amount": "1.00"});
    assert_eq!(sub_code_of(&h.call_as(&other, REFUND, rf, &[]).await), "AUTH_ORDER_NOT_EXIST");
    // The same numbers are free for the other app (its own merchant has no money).
    let r2 = h.call_as(&other, AGREEMENT, agreement("RP8", "RP8-pay", "1.00"), &[]).await;
    assert_eq!(sub_code_of(&r2), "PAYER_BALANCE_NOT_ENOUGH", "{r2}");
    assert_eq!(h.balance(&a).await, "0.00");
    assert_eq!(h.merchant_balance().await, "50.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_is_conserved_across_a_sequence() {
    let h = Harness::start().await;
    fund_merchant(&h, "1000.00").await;
    let a = buyer_with_logon(&h, "13800000007").await;
    let b = buyer_with_logon(&h, "13800000008").await;
    let c = h.buyer("500.00", "0.00").await;
    let default_buyer = h.info.buyer_user_id.clone();
    let everyone = [a.as_str(), b.as_str(), c.as_str(), default_buyer.as_str()];
    let start = total(&h, &everyone).await;

    let mut auths = Vec::new();
    for i in 0..3 {
        let r = h.call(AGREEMENT, agreement(&format!("S{i}"), &format!("S{i}-pay"), "100.00")).await;
        assert_eq!(code_of(&r), "10000", "{r}");
        auths.push(r["auth_no"].as_str().unwrap().to_owned());
        assert_eq!(total(&h, &everyone).await, start);
    }
    let app_biz = json!({"out_order_no": "SA", "out_request_no": "SA-1", "order_title": "t", "amount": "77.77"});
    let (s, o) = h
        .admin_post(
            "/admin/coupon/app-pay",
            json!({"order_string": encode(&signed_params(&h, &h.app, APP, &app_biz, &[])), "buyer_id": c}),
        )
        .await;
    assert_eq!(s, 200, "{o}");
    auths.push(o["auth_no"].as_str().unwrap().to_owned());
    assert_eq!(total(&h, &everyone).await, start);

    let mut n = 0;
    for (i, auth) in auths.iter().enumerate() {
        for (payee, amount) in [(&a, "33.33"), (&b, "21.01"), (&a, "50.00")] {
            n += 1;
            let d = json!({"out_order_no": format!("SD{n}"), "out_request_no": format!("SD{n}"), "deduct_auth_no": auth,
                           "order_title": "t", "amount": amount, "payee_user_id": payee});
            let r = h.call(DISBURSE, d).await;
            assert!(matches!(code_of(&r), "10000" | "40004"), "{r}");
            assert_eq!(total(&h, &everyone).await, start, "after disbursement {n}");
        }
        if i % 2 == 0 {
            let r =
                h.call(REFUND, json!({"auth_no": auth, "out_request_no": format!("SR{i}"), "amount": "10.00"})).await;
            assert!(matches!(code_of(&r), "10000" | "40004"), "{r}");
            assert_eq!(total(&h, &everyone).await, start);
        }
    }
    let (_, moved) = h.admin_post("/admin/clock/advance", json!({"seconds": 48 * 3600})).await;
    assert!(moved["swept"].as_u64().unwrap() >= 1, "{moved}");
    let open = h.admin_get("/admin/coupon/orders").await;
    assert_eq!(open["open_total"], "0.00", "{open}");
    assert_eq!(total(&h, &everyone).await, start);
}

/// Waits until `n` notification bodies arrived (30 s at most).
async fn delivered(bodies: &Arc<Mutex<Vec<Vec<u8>>>>, n: usize) -> Vec<Vec<u8>> {
    for _ in 0..300 {
        let got = bodies.lock().unwrap().clone();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} notifications delivered in 30 s");
}

/// A delivered body, V1-verified with the sandbox's Alipay key, read as the typed red-packet notification.
fn fund_notification(h: &Harness, body: &[u8]) -> FundNotification {
    let params = form::decode(body, Charset::Utf8).unwrap();
    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    verify_params(SignScope::NotifyV1, pairs, &h.alipay_key, SignType::Rsa2, Charset::Utf8).unwrap();
    // Tampering with any signed field breaks the signature.
    let tampered: Vec<_> = params
        .iter()
        .map(|(k, v)| if k == "amount" { (k.clone(), "999.99".to_owned()) } else { (k.clone(), v.clone()) })
        .collect();
    let pairs = tampered.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    assert!(verify_params(SignScope::NotifyV1, pairs, &h.alipay_key, SignType::Rsa2, Charset::Utf8).is_err());
    FundNotification::from_params(&params).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_and_disbursement_notify_their_own_notify_url_once() {
    let h = Harness::start().await;
    fund_merchant(&h, "300.00").await;
    let a = buyer_with_logon(&h, "13800000009").await;
    let (url, bodies) = start_endpoint().await;
    let notify = [("notify_url", url.as_str())];

    // The funding call has no notify_url: funding notifies nothing.
    let r = h.call(AGREEMENT, agreement("RP7", "RP7-pay", "100.00")).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let auth_no = r["auth_no"].as_str().unwrap().to_owned();

    // A disbursement notifies its own notify_url; its replay answers the same and notifies nothing more.
    let d = json!({"out_order_no": "DN1", "out_request_no": "DN1-1", "deduct_auth_no": auth_no, "order_title": "领取",
                   "amount": "30.00", "payee_user_id": a});
    let d1 = h.call_as(&h.app, DISBURSE, d.clone(), &notify).await;
    assert_eq!(code_of(&d1), "10000", "{d1}");
    let d2 = h.call_as(&h.app, DISBURSE, d.clone(), &notify).await;
    assert_eq!(d2["operation_id"], d1["operation_id"]);
    // out_order_no is unique among the merchant's disbursements: another request reusing it is refused.
    let mut other = d.clone();
    other["out_request_no"] = json!("DN1-2");
    let r = h.call_as(&h.app, DISBURSE, other.clone(), &notify).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "UNIQUE_VIOLATION"), "{r}");
    assert_eq!(r["sub_msg"], "商户的授权资金订单号与之前有重复");
    other["amount"] = json!("1.00");
    let r = h.call_as(&h.app, DISBURSE, other, &notify).await;
    assert_eq!(sub_code_of(&r), "UNIQUE_VIOLATION", "{r}");
    assert_eq!(h.balance(&a).await, "30.00", "paid once");

    // A refund notifies the refund call's notify_url; its replay notifies nothing more.
    let rf = json!({"auth_no": auth_no, "out_request_no": "RN1", "amount": "20.00", "remark": "退回"});
    let r1 = h.call_as(&h.app, REFUND, rf.clone(), &notify).await;
    assert_eq!(code_of(&r1), "10000", "{r1}");
    let r2 = h.call_as(&h.app, REFUND, rf, &notify).await;
    assert_eq!(r2["operation_id"], r1["operation_id"]);
    assert_eq!(h.merchant_balance().await, "220.00");

    // Queued once each in the shared outbox, listed by the operation's out_order_no.
    let listed = |v: Value| v.as_array().unwrap().len();
    assert_eq!(listed(h.admin_get("/admin/notifications?out_trade_no=DN1").await), 1);
    assert_eq!(listed(h.admin_get("/admin/notifications?out_trade_no=RP7").await), 1);
    let got = delivered(&bodies, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bodies.lock().unwrap().len(), 2, "a replay notified again");

    let typed: Vec<FundNotification> = got.iter().map(|b| fund_notification(&h, b)).collect();
    let disburse = typed.iter().find(|n| n.notify_type == FUND_STDTRUSTEE_DISBURSE).unwrap();
    assert_eq!(disburse.msg_method.as_deref(), Some(FUND_DISBURSE_SUCCESS));
    assert_eq!((disburse.auth_no.as_str(), disburse.out_order_no.as_str()), (auth_no.as_str(), "DN1"));
    assert_eq!(disburse.operation_id, d1["operation_id"].as_str().unwrap());
    assert_eq!(disburse.out_request_no.as_deref(), Some("DN1-1"));
    assert_eq!(disburse.operation_type, Some(OperationType::Pay));
    assert_eq!(disburse.amount, Some(Money::from_fen(3000)));
    assert_eq!(disburse.status, Some(CouponStatus::Success));
    assert_eq!(disburse.payee_user_id.as_deref(), Some(a.as_str()));
    assert_eq!(disburse.app_id, h.app.app_id);
    assert!(disburse.gmt_trans.is_some());
    let refund = typed.iter().find(|n| n.notify_type == FUND_STDTRUSTEE_REFUND).unwrap();
    assert_eq!(refund.msg_method.as_deref(), Some(FUND_REFUND_SUCCESS));
    assert_eq!((refund.out_order_no.as_str(), refund.out_request_no.as_deref()), ("RP7", Some("RN1")));
    assert_eq!(refund.operation_id, r1["operation_id"].as_str().unwrap());
    assert_eq!(
        (refund.operation_type.clone(), refund.amount),
        (Some(OperationType::Refund), Some(Money::from_fen(2000)))
    );
    assert_eq!(refund.refund_reason.as_deref(), Some("MERCHANT"));
    assert_eq!(refund.rest_amount, Some(Money::from_fen(5000)));
    assert_eq!(refund.remark.as_deref(), Some("退回"));
    assert_eq!(refund.payer_user_id.as_deref(), Some(h.info.merchant_pid.as_str()));
}

/// The wallet checks an order string with the gateway's own common-parameter check (one check, not a copy):
/// a signature that covers an empty-valued parameter is accepted by the gateway (`gateway/common.rs` step 12,
/// the fallback for SDKs that sign empty values), so the wallet accepts the same order string; and an order
/// string for a method the wallet does not pay is refused with the gateway's `isv.invalid-method`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_accepts_and_refuses_order_strings_as_the_gateway_does() {
    let h = Harness::start().await;
    let buyer = h.buyer("100.00", "0.00").await;
    let biz = json!({"out_order_no": "AE1", "out_request_no": "AE1-1", "order_title": "红包", "amount": "2.00"});
    let mut params = h.common(&h.app, APP, Charset::Utf8);
    params.push(("return_url".into(), String::new()));
    params.push(("biz_content".into(), biz.to_string()));
    params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let content = params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let sign = h.app.key.sign(SignType::Rsa2, content.as_bytes()).unwrap();
    params.push(("sign".into(), sign));
    let (s, o) =
        h.admin_post("/admin/coupon/app-pay", json!({"order_string": encode(&params), "buyer_id": buyer})).await;
    assert_eq!(s, 200, "signed over an empty value, as the gateway accepts: {o}");
    assert_eq!(o["status"], "SUCCESS", "{o}");
    assert_eq!(h.balance(&buyer).await, "98.00");

    let other = signed_params(&h, &h.app, QUERY, &json!({"out_order_no": "AE1", "out_request_no": "AE1-1"}), &[]);
    let (s, e) =
        h.admin_post("/admin/coupon/app-pay", json!({"order_string": encode(&other), "buyer_id": buyer})).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"].as_str().unwrap().starts_with("isv.invalid-method"), "{e}");
    assert_eq!(h.balance(&buyer).await, "98.00");
}
