//! EBPP bills (seed 000) driven over HTTP with real signatures: `alipay.ebpp.bill.add` / `.get` as top-level
//! form fields built by the SDK's models (`alipay_api`), and the controls that pay or fail a bill.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use alipay_api::ebpp::{EbppBillAdd, EbppBillGet};
use alipay_api::{encode_request, AlipayRequest};
use alipay_core::Charset;
use common::{code_of, sub_code_of, Harness, TestApp};
use serde_json::{json, Value};

/// Signs and sends a top-level-fields request as `app`; returns the verified answer object.
async fn call_top<R: AlipayRequest>(h: &Harness, app: &TestApp, req: &R) -> Value {
    call_params(h, app, R::METHOD, encode_request(req).unwrap()).await
}

async fn call_params(h: &Harness, app: &TestApp, method: &str, biz: Vec<(String, String)>) -> Value {
    let mut params = h.common(app, method, Charset::Utf8);
    params.extend(biz);
    Harness::sign(&mut params, &app.key, app.sign_type, Charset::Utf8);
    let (status, _, body) = h.post_form(&params, Charset::Utf8).await;
    assert_eq!(status, 200);
    let (key, obj) = h.verify(&body, method, Charset::Utf8, app.sign_type);
    assert_eq!(key, alipay_core::envelope::response_key(method), "{obj}");
    obj
}

/// Seed 000's bill.add example (`alipay_api::fixtures`) under the order number `no`.
fn seed_bill(no: &str) -> EbppBillAdd {
    EbppBillAdd { merchant_order_no: no.into(), ..alipay_api::fixtures::ebpp_bill_add() }
}

fn get_of(no: &str) -> EbppBillGet {
    EbppBillGet { order_type: "JF".into(), merchant_order_no: no.into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bill_add_get_pay_moves_money_exactly() {
    let h = Harness::start().await;
    let buyer = h.buyer("150.00", "50.00").await;

    let r = call_top(&h, &h.app, &seed_bill("201507250000001")).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let alipay_order_no = r["alipay_order_no"].as_str().unwrap().to_owned();
    assert!(!alipay_order_no.is_empty() && alipay_order_no.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(r["merchant_order_no"], "201507250000001");
    assert_eq!(r["pay_amount"], "91.00");
    assert_eq!(r["service_amount"], "9.00");
    assert_eq!(r["owner_name"], "张三");
    assert_eq!(r["extend_field"], r#"{"channel":"EXTERNAL_BANGDAO"}"#);
    assert!(r.get("order_status").is_none(), "{r}");

    let g = call_top(&h, &h.app, &get_of("201507250000001")).await;
    assert_eq!(code_of(&g), "10000", "{g}");
    assert_eq!(g["order_status"], "INIT");
    assert_eq!(g["alipay_order_no"], alipay_order_no.as_str());
    assert!(g.get("pay_time").is_none(), "{g}");
    // The typed SDK model reads the answer.
    let typed: alipay_api::ApiResponse<alipay_api::ebpp::EbppBillGetResponse> = serde_json::from_value(g).unwrap();
    assert_eq!(typed.body.order_status, Some(alipay_api::ebpp::OrderStatus::Init));
    assert_eq!(typed.body.pay_amount, Some("91.00".parse().unwrap()));

    // Nothing moved yet.
    assert_eq!(h.balance(&buyer).await, "150.00");
    assert_eq!(h.merchant_balance().await, "0.00");

    let (s, b) =
        h.admin_post("/admin/ebpp/bills/pay", json!({"merchant_order_no": "201507250000001", "buyer_id": buyer})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["order_status"], "SUCCESS");
    // pay_amount + service_amount, exactly.
    assert_eq!(h.balance(&buyer).await, "50.00");
    assert_eq!(h.merchant_balance().await, "100.00");

    let g = call_top(&h, &h.app, &get_of("201507250000001")).await;
    assert_eq!(g["order_status"], "SUCCESS", "{g}");
    let pay_time = g["pay_time"].as_str().unwrap();
    assert!(pay_time.parse::<alipay_core::Timestamp>().is_ok(), "{pay_time}");

    // A paid bill cannot be paid or failed again; no second charge.
    let (s, _) =
        h.admin_post("/admin/ebpp/bills/pay", json!({"merchant_order_no": "201507250000001", "buyer_id": buyer})).await;
    assert_eq!(s, 409);
    let (s, _) = h.admin_post("/admin/ebpp/bills/fail", json!({"merchant_order_no": "201507250000001"})).await;
    assert_eq!(s, 409);
    assert_eq!(h.balance(&buyer).await, "50.00");
    assert_eq!(h.merchant_balance().await, "100.00");

    // A short balance: 409, the bill stays INIT, nothing moves.
    let r = call_top(&h, &h.app, &seed_bill("B-SHORT")).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let (s, b) =
        h.admin_post("/admin/ebpp/bills/pay", json!({"merchant_order_no": "B-SHORT", "buyer_id": buyer})).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(call_top(&h, &h.app, &get_of("B-SHORT")).await["order_status"], "INIT");
    assert_eq!(h.balance(&buyer).await, "50.00");
    assert_eq!(h.merchant_balance().await, "100.00");

    // The state survives a restart.
    let mut h = h;
    h.restart().await;
    let g = call_top(&h, &h.app, &get_of("201507250000001")).await;
    assert_eq!(g["order_status"], "SUCCESS", "{g}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bill_fail_control_marks_failed_and_moves_nothing() {
    let h = Harness::start().await;
    let buyer = h.buyer("150.00", "50.00").await;
    assert_eq!(code_of(&call_top(&h, &h.app, &seed_bill("B-FAIL")).await), "10000");
    let (s, b) = h.admin_post("/admin/ebpp/bills/fail", json!({"merchant_order_no": "B-FAIL"})).await;
    assert_eq!(s, 200, "{b}");
    let g = call_top(&h, &h.app, &get_of("B-FAIL")).await;
    assert_eq!(g["order_status"], "FAILED", "{g}");
    assert!(g.get("pay_time").is_none());
    let (s, _) = h.admin_post("/admin/ebpp/bills/pay", json!({"merchant_order_no": "B-FAIL", "buyer_id": buyer})).await;
    assert_eq!(s, 409);
    assert_eq!(h.balance(&buyer).await, "150.00");
    assert_eq!(h.merchant_balance().await, "0.00");
    // The control's view.
    let v = h.admin_get("/admin/ebpp/bills?merchant_order_no=B-FAIL").await;
    assert_eq!(v["order_status"], "FAILED");
    // Unknown bills.
    let (s, _) = h.admin_post("/admin/ebpp/bills/fail", json!({"merchant_order_no": "NOPE"})).await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bill_add_replays_are_idempotent_and_changed_replays_fail() {
    let h = Harness::start().await;
    let first = call_top(&h, &h.app, &seed_bill("B-IDEM")).await;
    assert_eq!(code_of(&first), "10000", "{first}");
    let again = call_top(&h, &h.app, &seed_bill("B-IDEM")).await;
    assert_eq!(code_of(&again), "10000", "{again}");
    assert_eq!(again["alipay_order_no"], first["alipay_order_no"]);

    let changed = EbppBillAdd { pay_amount: "92.00".parse().unwrap(), ..seed_bill("B-IDEM") };
    let r = call_top(&h, &h.app, &changed).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "MERCHANT_ORDER_NO_REPEAT"), "{r}");
    let changed = EbppBillAdd { bill_key: "other".into(), ..seed_bill("B-IDEM") };
    assert_eq!(sub_code_of(&call_top(&h, &h.app, &changed).await), "MERCHANT_ORDER_NO_REPEAT");
    // The original is untouched.
    let g = call_top(&h, &h.app, &get_of("B-IDEM")).await;
    assert_eq!(g["pay_amount"], "91.00");
    assert_eq!(g["bill_key"], "2015072001");

    // Paying it, then the same add again still answers the bill (now SUCCESS in get).
    let buyer = h.buyer("150.00", "50.00").await;
    let (s, _) = h.admin_post("/admin/ebpp/bills/pay", json!({"merchant_order_no": "B-IDEM", "buyer_id": buyer})).await;
    assert_eq!(s, 200);
    let again = call_top(&h, &h.app, &seed_bill("B-IDEM")).await;
    assert_eq!(again["alipay_order_no"], first["alipay_order_no"]);
    assert_eq!(h.balance(&buyer).await, "50.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_app_cannot_see_or_pay_the_bill() {
    let h = Harness::start().await;
    let other = h.new_app().await;
    assert_eq!(code_of(&call_top(&h, &h.app, &seed_bill("B-ISO")).await), "10000");

    let r = call_top(&h, &other, &get_of("B-ISO")).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "BILL_NOT_EXIST"), "{r}");
    // The other app may use the same merchant_order_no for its own, different bill.
    let mine = EbppBillAdd { pay_amount: "1.00".parse().unwrap(), service_amount: None, ..seed_bill("B-ISO") };
    let r = call_top(&h, &other, &mine).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(call_top(&h, &other, &get_of("B-ISO")).await["pay_amount"], "1.00");
    assert_eq!(call_top(&h, &h.app, &get_of("B-ISO")).await["pay_amount"], "91.00");

    // The control names the app: paying the other app's bill credits the other merchant only.
    let buyer = h.buyer("10.00", "50.00").await;
    let (s, b) = h
        .admin_post(
            "/admin/ebpp/bills/pay",
            json!({"merchant_order_no": "B-ISO", "buyer_id": buyer, "app_id": other.app_id}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(h.balance(&buyer).await, "9.00");
    assert_eq!(h.merchant_balance().await, "0.00");
    assert_eq!(call_top(&h, &h.app, &get_of("B-ISO")).await["order_status"], "INIT");
    assert_eq!(call_top(&h, &other, &get_of("B-ISO")).await["order_status"], "SUCCESS");

    // Another order_type is another bill.
    let r = call_top(&h, &h.app, &EbppBillGet { order_type: "HK".into(), merchant_order_no: "B-ISO".into() }).await;
    assert_eq!(sub_code_of(&r), "BILL_NOT_EXIST", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bill_field_rules_answer_parameter_illegal() {
    let h = Harness::start().await;
    let cases: Vec<(&str, EbppBillAdd)> = vec![
        ("missing merchant_order_no", seed_bill("")),
        ("bad bill_date", EbppBillAdd { bill_date: Some("2016-07".into()), ..seed_bill("B-R1") }),
        ("zero amount", EbppBillAdd { pay_amount: alipay_core::Money::ZERO, ..seed_bill("B-R2") }),
        ("bad extend_field", EbppBillAdd { extend_field: Some("channel=x".into()), ..seed_bill("B-R3") }),
    ];
    for (what, bill) in cases {
        let r = call_top(&h, &h.app, &bill).await;
        assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "PARAMETER_ILLEGAL"), "{what}: {r}");
    }
    // An amount that is not money at all.
    let mut params = encode_request(&seed_bill("B-R4")).unwrap();
    for (k, v) in params.iter_mut() {
        if k == "pay_amount" {
            *v = "1.005".into();
        }
    }
    let r = call_params(&h, &h.app, EbppBillAdd::METHOD, params).await;
    assert_eq!(sub_code_of(&r), "PARAMETER_ILLEGAL", "{r}");
    // Nothing was created.
    let r = call_top(&h, &h.app, &get_of("B-R1")).await;
    assert_eq!(sub_code_of(&r), "BILL_NOT_EXIST");
    let r = call_top(&h, &h.app, &EbppBillGet { order_type: String::new(), merchant_order_no: "B-R1".into() }).await;
    assert_eq!(sub_code_of(&r), "PARAMETER_ILLEGAL", "{r}");
}
