//! Direct deduct (seeds 000, 002, 004) driven over HTTP with real signatures: agreements signed with a
//! `pay_password_token`, deductions, their status, the "unknown" path and every documented error code.
//! Requests are built with the SDK's models (`alipay_api`) and signed with `alipay_core`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use alipay_api::deduct::{
    DeductResult, PdeductBillPayStatus, PdeductPay, PdeductPayResponse, PdeductSignAdd, PdeductSignCancel,
    PdeductSignQuery,
};
use alipay_api::{encode_request, AlipayRequest, ApiResponse};
use alipay_core::Charset;
use common::{code_of, sub_code_of, Harness, TestApp};
use serde_json::{json, Value};

async fn send(h: &Harness, app: &TestApp, method: &str, biz: Vec<(String, String)>) -> Value {
    let mut params = h.common(app, method, Charset::Utf8);
    params.extend(biz);
    Harness::sign(&mut params, &app.key, app.sign_type, Charset::Utf8);
    let (status, _, body) = h.post_form(&params, Charset::Utf8).await;
    assert_eq!(status, 200);
    let (key, obj) = h.verify(&body, method, Charset::Utf8, app.sign_type);
    assert_eq!(key, alipay_core::envelope::response_key(method), "{obj}");
    obj
}

/// Signs and sends a request model as `app` (top-level fields or `biz_content`, as the model says).
async fn call<R: AlipayRequest>(h: &Harness, app: &TestApp, req: &R) -> Value {
    send(h, app, R::METHOD, encode_request(req).unwrap()).await
}

fn sub_msg_of(v: &Value) -> &str {
    v["sub_msg"].as_str().unwrap_or("")
}

async fn token(h: &Harness, user: &str) -> String {
    let (s, t) = h.admin_post("/admin/deduct/pay-password-tokens", json!({"user_id": user})).await;
    assert_eq!(s, 200, "{t}");
    t["pay_password_token"].as_str().unwrap().to_owned()
}

/// Seed 000's sign.add example (`alipay_api::fixtures`) for this token, user, merchant and bill key.
fn sign_add(token: &str, user: &str, pid: &str, bill_key: &str) -> PdeductSignAdd {
    PdeductSignAdd {
        pay_password_token: token.into(),
        user_id: user.into(),
        bill_key: bill_key.into(),
        pid: pid.into(),
        ..alipay_api::fixtures::pdeduct_sign_add()
    }
}

/// A buyer with `balance` and a signed agreement with the default app's merchant: (user_id, agreement_id).
async fn signed(h: &Harness, balance: &str, bill_key: &str) -> (String, String) {
    let user = h.buyer(balance, "50.00").await;
    let t = token(h, &user).await;
    let r = call(h, &h.app, &sign_add(&t, &user, &h.info.merchant_pid, bill_key)).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    (user, r["agreement_id"].as_str().unwrap().to_owned())
}

fn pay_req(h: &Harness, user: &str, agreement: &str, out_order_no: &str, amount: &str) -> PdeductPay {
    PdeductPay {
        agreement_id: agreement.into(),
        user_id: user.into(),
        open_id: None,
        bill_key: "2015072601".into(),
        pid: h.info.merchant_pid.clone(),
        out_order_no: out_order_no.into(),
        pay_amount: amount.parse().unwrap(),
        fine_amount: "0.00".parse().unwrap(),
        bill_date: Some("201607".into()),
        agent_channel: "PUBLICFORM".into(),
        agent_code: "SECOND".into(),
        memo: Some("memo".into()),
        extend_field: Some(r#"{"key1":"value1"}"#.into()),
    }
}

fn status_req(user: &str, out_order_no: &str) -> PdeductBillPayStatus {
    PdeductBillPayStatus { agreement_id: user.into(), out_order_no: out_order_no.into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_add_with_valid_used_expired_and_foreign_tokens() {
    let h = Harness::start().await;
    let user = h.buyer("100.00", "50.00").await;
    let pid = h.info.merchant_pid.clone();

    // Valid.
    let t = token(&h, &user).await;
    let r = call(&h, &h.app, &sign_add(&t, &user, &pid, "2015072601")).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let agreement = r["agreement_id"].as_str().unwrap().to_owned();
    assert_eq!(agreement.len(), 32, "{r}");
    assert_eq!(r["agreement_status"], "success");
    assert_eq!(r["out_agreement_id"], "123456");
    let typed: ApiResponse<alipay_api::deduct::PdeductSignAddResponse> = serde_json::from_value(r.clone()).unwrap();
    assert!(typed.body.sign_date.is_some(), "{r}");

    // Used: the same token again (another bill key), refused, nothing signed.
    let r = call(&h, &h.app, &sign_add(&t, &user, &pid, "OTHER-KEY")).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "PAY_PASSWORD_TOKEN_INVALID"), "{r}");
    let q = PdeductSignQuery {
        user_id: user.clone(),
        biz_type: Some("JF".into()),
        sub_biz_type: Some("ELECTRIC".into()),
        charge_inst: Some("CQCENTERELECTRIC".into()),
        bill_key: Some("OTHER-KEY".into()),
        ..Default::default()
    };
    assert_eq!(sub_code_of(&call(&h, &h.app, &q).await), "DEDUCT_SIGN_INFO_NOT_EXIST");

    // Unknown token.
    let r = call(&h, &h.app, &sign_add("20160726nosuchtoken", &user, &pid, "OTHER-KEY")).await;
    assert_eq!(sub_code_of(&r), "PAY_PASSWORD_TOKEN_INVALID", "{r}");

    // Foreign: another user's token.
    let someone = h.buyer("1.00", "50.00").await;
    let theirs = token(&h, &someone).await;
    let r = call(&h, &h.app, &sign_add(&theirs, &user, &pid, "OTHER-KEY")).await;
    assert_eq!(sub_code_of(&r), "PAY_PASSWORD_TOKEN_INVALID", "{r}");
    // ... which stays usable by its owner.
    let r = call(&h, &h.app, &sign_add(&theirs, &someone, &pid, "OTHER-KEY")).await;
    assert_eq!(code_of(&r), "10000", "{r}");

    // Expired: the sandbox clock moves past its lifetime.
    let (s, t) = h.admin_post("/admin/deduct/pay-password-tokens", json!({"user_id": user, "ttl_secs": 60})).await;
    assert_eq!(s, 200);
    let expiring = t["pay_password_token"].as_str().unwrap().to_owned();
    let (s, _) = h.admin_post("/admin/clock/advance", json!({"seconds": 61})).await;
    assert_eq!(s, 200);
    let r = call(&h, &h.app, &sign_add(&expiring, &user, &pid, "OTHER-KEY")).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "PAY_PASSWORD_TOKEN_EXPIRED"), "{r}");

    // A pid that is not the caller's merchant.
    let t = token(&h, &user).await;
    let r = call(&h, &h.app, &sign_add(&t, &user, "2088000000000000", "OTHER-KEY")).await;
    assert_eq!(sub_code_of(&r), "PARAMETER_ILLEGAL", "{r}");
    // Signing the same bill again answers the same agreement.
    let r = call(&h, &h.app, &sign_add(&t, &user, &pid, "2015072601")).await;
    assert_eq!(r["agreement_id"], agreement.as_str(), "{r}");

    // Missing fields: the seed's *_IS_NULL codes; other rules PARAMETER_ILLEGAL.
    let t = token(&h, &user).await;
    let r = call(&h, &h.app, &PdeductSignAdd { bill_key: String::new(), ..sign_add(&t, &user, &pid, "") }).await;
    assert_eq!(sub_code_of(&r), "BILL_KEY_IS_NULL", "{r}");
    let r = call(&h, &h.app, &PdeductSignAdd { agent_channel: " ".into(), ..sign_add(&t, &user, &pid, "K2") }).await;
    assert_eq!(sub_code_of(&r), "AGENT_CHANNEL_IS_NULL", "{r}");
    let r = call(&h, &h.app, &sign_add(&t, &user, &pid, &"1".repeat(33))).await;
    assert_eq!(sub_code_of(&r), "PARAMETER_ILLEGAL", "{r}");
    // The token was not consumed by the refused calls.
    let r = call(&h, &h.app, &sign_add(&t, &user, &pid, "K2")).await;
    assert_eq!(code_of(&r), "10000", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_query_both_ways_parameter_illegal_and_injected_errors() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "10.00", "2015072601").await;

    // By agreement id.
    let by_id = PdeductSignQuery { user_id: user.clone(), agreement_id: Some(agreement.clone()), ..Default::default() };
    let r = call(&h, &h.app, &by_id).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(r["agreement_id"], agreement.as_str());
    assert_eq!(r["charge_inst"], "CQCENTERELECTRIC");
    assert_eq!(r["user_id"], user.as_str());
    assert_eq!(r["bill_key"], "2015072601");
    assert_eq!(r["out_agreement_id"], "123456");
    let typed: ApiResponse<alipay_api::deduct::PdeductSignQueryResponse> = serde_json::from_value(r).unwrap();
    assert!(typed.body.sign_date.is_some());

    // By the bill identity.
    let by_bill = PdeductSignQuery {
        user_id: user.clone(),
        biz_type: Some("JF".into()),
        sub_biz_type: Some("ELECTRIC".into()),
        charge_inst: Some("CQCENTERELECTRIC".into()),
        bill_key: Some("2015072601".into()),
        ..Default::default()
    };
    let r = call(&h, &h.app, &by_bill).await;
    assert_eq!(r["agreement_id"], agreement.as_str(), "{r}");

    // Neither: PARAMETER_ILLEGAL (sent raw, since the model's validate refuses it too).
    for biz in [
        json!({"user_id": user, "biz_type": "JF", "sub_biz_type": "ELECTRIC", "charge_inst": "CQCENTERELECTRIC"}),
        json!({"user_id": user}),
        json!({"user_id": user, "agreement_id": "", "biz_type": "JF"}),
        json!({"agreement_id": agreement}),
    ] {
        let r = send(&h, &h.app, PdeductSignQuery::METHOD, vec![("biz_content".into(), biz.to_string())]).await;
        assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "PARAMETER_ILLEGAL"), "{biz}: {r}");
        assert!(sub_msg_of(&r).starts_with("传入的参数非法"), "{r}");
    }

    // Unknown agreement, another user's, another bill key.
    let unknown = PdeductSignQuery { agreement_id: Some("20160726000700130000580400000106".into()), ..by_id.clone() };
    let r = call(&h, &h.app, &unknown).await;
    assert_eq!((sub_code_of(&r), sub_msg_of(&r)), ("DEDUCT_SIGN_INFO_NOT_EXIST", "协议不存在"), "{r}");
    let other_user = PdeductSignQuery { user_id: "2088000000000001".into(), ..by_id.clone() };
    assert_eq!(sub_code_of(&call(&h, &h.app, &other_user).await), "DEDUCT_SIGN_INFO_NOT_EXIST");

    // Another app (another merchant) cannot see it.
    let other = h.new_app().await;
    assert_eq!(sub_code_of(&call(&h, &other, &by_id).await), "DEDUCT_SIGN_INFO_NOT_EXIST");
    assert_eq!(sub_code_of(&call(&h, &other, &by_bill).await), "DEDUCT_SIGN_INFO_NOT_EXIST");

    // Injected failures: QUERY_DEDUCT_SIGN_INFO_ERROR then SYSTEM_ERROR, then the query works again.
    let (s, f) = h
        .admin_post(
            "/admin/deduct/faults",
            json!({"method": PdeductSignQuery::METHOD, "sub_code": "QUERY_DEDUCT_SIGN_INFO_ERROR"}),
        )
        .await;
    assert_eq!(s, 200, "{f}");
    let (s, f) = h
        .admin_post("/admin/deduct/faults", json!({"method": PdeductSignQuery::METHOD, "sub_code": "SYSTEM_ERROR"}))
        .await;
    assert_eq!(s, 200, "{f}");
    assert_eq!(f["pending"].as_array().unwrap().len(), 2, "{f}");
    let r = call(&h, &h.app, &by_id).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "QUERY_DEDUCT_SIGN_INFO_ERROR"), "{r}");
    assert_eq!(sub_msg_of(&r), "查询协议异常");
    let r = call(&h, &h.app, &by_id).await;
    assert_eq!((code_of(&r), sub_code_of(&r), sub_msg_of(&r)), ("40004", "SYSTEM_ERROR", "系统繁忙"), "{r}");
    assert_eq!(code_of(&call(&h, &h.app, &by_id).await), "10000");
    assert!(h.admin_get("/admin/deduct/faults").await["pending"].as_array().unwrap().is_empty());
    // Only documented codes can be injected.
    let (s, _) =
        h.admin_post("/admin/deduct/faults", json!({"method": PdeductSignQuery::METHOD, "sub_code": "WHATEVER"})).await;
    assert_eq!(s, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_success_replay_charges_once_and_status_says_paid() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "100.00", "2015072601").await;
    let req = PdeductPay { fine_amount: "2.00".parse().unwrap(), ..pay_req(&h, &user, &agreement, "D1", "23.00") };

    let r = call(&h, &h.app, &req).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(r["result_status"], "1");
    assert_eq!(r["agreement_id"], agreement.as_str());
    assert_eq!(r["out_order_no"], "D1");
    assert_eq!(r["extend_field"], r#"{"key1":"value1"}"#);
    let bill_no = r["bill_no"].as_str().unwrap().to_owned();
    let typed: ApiResponse<PdeductPayResponse> = serde_json::from_value(r).unwrap();
    assert_eq!(typed.body.result_status, Some(DeductResult::Success));
    assert_eq!(h.balance(&user).await, "77.00");
    assert_eq!(h.merchant_balance().await, "23.00");

    // Replay: same answer, charged once.
    let again = call(&h, &h.app, &req).await;
    assert_eq!(code_of(&again), "10000", "{again}");
    assert_eq!(again["bill_no"], bill_no.as_str());
    assert_eq!(again["result_status"], "1");
    assert_eq!(h.balance(&user).await, "77.00");
    assert_eq!(h.merchant_balance().await, "23.00");

    // Changed replay.
    let changed = PdeductPay { pay_amount: "24.00".parse().unwrap(), ..req.clone() };
    let r = call(&h, &h.app, &changed).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "INST_ORDER_NO_REPEAT"), "{r}");
    assert_eq!(h.balance(&user).await, "77.00");

    // Status, by the user id (seed 000) and by the agreement id.
    for key in [user.as_str(), agreement.as_str()] {
        let s = call(&h, &h.app, &status_req(key, "D1")).await;
        assert_eq!(code_of(&s), "10000", "{s}");
        assert_eq!(s["status"], "1");
        assert_eq!(s["order_no"], bill_no.as_str());
        assert_eq!(s["out_order_no"], "D1");
        assert_eq!(s["agreement_id"], key);
        assert_eq!(s["order_result_code"], "SUCCESS");
    }
    let s = call(&h, &h.app, &status_req(&user, "NOPE")).await;
    assert_eq!(sub_code_of(&s), "DEDUCT_ORDER_NOT_EXIST", "{s}");
    let s = call(&h, &h.app, &status_req("2088000000000001", "D1")).await;
    assert_eq!(sub_code_of(&s), "DEDUCT_ORDER_NOT_EXIST", "{s}");
    let s = call(&h, &h.app, &status_req(&user, "")).await;
    assert_eq!(sub_code_of(&s), "INST_ORDER_NO_IS_NULL", "{s}");
    let s = call(&h, &h.app, &status_req("", "D1")).await;
    assert_eq!(sub_code_of(&s), "AGREEMENT_ID_IS_NULL", "{s}");

    // Another app cannot charge the agreement nor see the deduction.
    let other = h.new_app().await;
    let r = call(&h, &other, &pay_req(&h, &user, &agreement, "D2", "1.00")).await;
    assert_eq!(sub_code_of(&r), "DEDUCT_SIGN_INFO_NOT_EXIST", "{r}");
    let s = call(&h, &other, &status_req(&user, "D1")).await;
    assert_eq!(sub_code_of(&s), "DEDUCT_ORDER_NOT_EXIST", "{s}");
    // pid / bill_key not those of the agreement.
    let r =
        call(&h, &h.app, &PdeductPay { bill_key: "999".into(), ..pay_req(&h, &user, &agreement, "D3", "1.00") }).await;
    assert_eq!(sub_code_of(&r), "PARAMETER_ILLEGAL", "{r}");
    assert_eq!(h.balance(&user).await, "77.00");

    // A restart keeps everything: the replay still charges nothing.
    let mut h = h;
    h.restart().await;
    let again = call(&h, &h.app, &req).await;
    assert_eq!(again["bill_no"], bill_no.as_str(), "{again}");
    assert_eq!(h.balance(&user).await, "77.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_short_balance_is_invoke_payacceptance_exception() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "5.00", "2015072601").await;
    let req = pay_req(&h, &user, &agreement, "S1", "5.01");
    let r = call(&h, &h.app, &req).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "INVOKE_PAYACCEPTANCE_EXCEPTION"), "{r}");
    assert_eq!(sub_msg_of(&r), "调用支付时支付异常");
    assert_eq!(h.balance(&user).await, "5.00");
    assert_eq!(h.merchant_balance().await, "0.00");
    // Recorded as failed; a replay answers result_status 2 and still charges nothing.
    let s = call(&h, &h.app, &status_req(&user, "S1")).await;
    assert_eq!(
        (s["status"].as_str(), s["order_result_code"].as_str()),
        (Some("2"), Some("INVOKE_PAYACCEPTANCE_EXCEPTION"))
    );
    let again = call(&h, &h.app, &req).await;
    assert_eq!((code_of(&again), again["result_status"].as_str()), ("10000", Some("2")), "{again}");
    assert_eq!(h.balance(&user).await, "5.00");
    // Exactly the balance works, down to zero and no further.
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "S2", "5.00")).await;
    assert_eq!(r["result_status"], "1", "{r}");
    assert_eq!(h.balance(&user).await, "0.00");
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "S3", "0.01")).await;
    assert_eq!(sub_code_of(&r), "INVOKE_PAYACCEPTANCE_EXCEPTION", "{r}");
    assert_eq!(h.balance(&user).await, "0.00");
    assert_eq!(h.merchant_balance().await, "5.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_needs_a_fresh_token_and_pay_after_it_is_sign_info_not_exist() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "100.00", "2015072601").await;
    let cancel = |t: &str| PdeductSignCancel {
        user_id: user.clone(),
        open_id: None,
        agreement_id: agreement.clone(),
        agent_channel: "PUBLICPLATFORM".into(),
        agent_code: Some("123456".into()),
        pay_password_token: t.into(),
    };
    // Unknown token: refused, the agreement stays.
    let r = call(&h, &h.app, &cancel("nosuchtoken")).await;
    assert_eq!(sub_code_of(&r), "PAY_PASSWORD_TOKEN_INVALID", "{r}");
    let t = token(&h, &user).await;
    let r = call(&h, &h.app, &PdeductSignCancel { agreement_id: String::new(), ..cancel(&t) }).await;
    assert_eq!((sub_code_of(&r), sub_msg_of(&r)), ("AGREEMENT_ID_IS_NULL", "协议ID为空"), "{r}");
    let r = call(&h, &h.app, &PdeductSignCancel { agent_channel: String::new(), ..cancel(&t) }).await;
    assert_eq!(sub_code_of(&r), "AGENT_CHANNEL_IS_NULL", "{r}");
    // Another app cannot cancel it.
    let other = h.new_app().await;
    let r = call(&h, &other, &cancel(&t)).await;
    assert_eq!(sub_code_of(&r), "DEDUCT_SIGN_INFO_NOT_EXIST", "{r}");

    let r = call(&h, &h.app, &cancel(&t)).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(r["agreement_status"], "cancel");
    assert_eq!(r["agreement_id"], agreement.as_str());
    let v = h.admin_get(&format!("/admin/deduct/agreements/{agreement}")).await;
    assert_eq!(v["status"], "CANCEL");
    // The token was used; a fresh one still cannot cancel twice.
    let r = call(&h, &h.app, &cancel(&t)).await;
    assert_eq!(sub_code_of(&r), "PAY_PASSWORD_TOKEN_INVALID", "{r}");
    let t2 = token(&h, &user).await;
    let r = call(&h, &h.app, &cancel(&t2)).await;
    assert_eq!(sub_code_of(&r), "DEDUCT_SIGN_INFO_NOT_EXIST", "{r}");

    // Pay after cancel, and for an unknown agreement.
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "C1", "1.00")).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "DEDUCT_SIGN_INFO_NOT_EXIST"), "{r}");
    assert_eq!(sub_msg_of(&r), "协议不存在,已被删除");
    let r = call(&h, &h.app, &pay_req(&h, &user, "20160726000700130000580400000106", "C2", "1.00")).await;
    assert_eq!(sub_code_of(&r), "DEDUCT_SIGN_INFO_NOT_EXIST", "{r}");
    assert_eq!(h.balance(&user).await, "100.00");
    // The query no longer finds it either.
    let q = PdeductSignQuery { user_id: user.clone(), agreement_id: Some(agreement.clone()), ..Default::default() };
    assert_eq!(sub_code_of(&call(&h, &h.app, &q).await), "DEDUCT_SIGN_INFO_NOT_EXIST");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_missing_fields_answer_the_is_null_codes() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "100.00", "2015072601").await;
    let base = pay_req(&h, &user, &agreement, "M1", "1.00");
    let cases = [
        (PdeductPay { agreement_id: String::new(), ..base.clone() }, "AGREEMENT_ID_IS_NULL", "协议ID为空"),
        (PdeductPay { agent_channel: String::new(), ..base.clone() }, "AGENT_CHANNEL_IS_NULL", "用户操作渠道为空"),
        (PdeductPay { bill_key: " ".into(), ..base.clone() }, "BILL_KEY_IS_NULL", "户号为空"),
        (PdeductPay { out_order_no: String::new(), ..base.clone() }, "INST_ORDER_NO_IS_NULL", "机构的订单流水号"),
    ];
    for (req, code, msg) in cases {
        let r = call(&h, &h.app, &req).await;
        assert_eq!((code_of(&r), sub_code_of(&r), sub_msg_of(&r)), ("40004", code, msg), "{r}");
    }
    // Left out of the form entirely, too.
    for field in ["agreement_id", "agent_channel", "bill_key", "out_order_no"] {
        let params: Vec<_> = encode_request(&base).unwrap().into_iter().filter(|(k, _)| k != field).collect();
        let r = send(&h, &h.app, PdeductPay::METHOD, params).await;
        assert!(sub_code_of(&r).ends_with("_IS_NULL"), "{field}: {r}");
    }
    // Other field rules (seed 002 lengths, fine within the total, JSON extend_field).
    let illegal = [
        PdeductPay { out_order_no: "1".repeat(31), ..base.clone() },
        PdeductPay { bill_key: "1".repeat(31), ..base.clone() },
        PdeductPay { agent_code: "C".repeat(21), ..base.clone() },
        PdeductPay { memo: Some("备".repeat(151)), ..base.clone() },
        PdeductPay { fine_amount: "1.01".parse().unwrap(), ..base.clone() },
        PdeductPay { extend_field: Some("key1=value1".into()), ..base.clone() },
        PdeductPay { agent_code: String::new(), ..base.clone() },
    ];
    for req in illegal {
        let r = call(&h, &h.app, &req).await;
        assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "PARAMETER_ILLEGAL"), "{r}");
    }
    assert_eq!(h.balance(&user).await, "100.00");
    // The valid request still goes through (nothing was recorded under M1).
    assert_eq!(call(&h, &h.app, &base).await["result_status"], "1");
    assert_eq!(h.balance(&user).await, "99.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_deduction_is_resolved_later_and_charged_once() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "100.00", "2015072601").await;

    // Hold the next deduction of the agreement.
    let (s, b) = h.admin_post("/admin/deduct/holds", json!({"agreement_id": agreement})).await;
    assert_eq!(s, 200, "{b}");
    let req = pay_req(&h, &user, &agreement, "U1", "30.00");
    let r = call(&h, &h.app, &req).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(r["result_status"], "0");
    let u1_bill_no = r["bill_no"].as_str().unwrap().to_owned();
    let typed: ApiResponse<PdeductPayResponse> = serde_json::from_value(r.clone()).unwrap();
    assert_eq!(typed.body.result_status, Some(DeductResult::Undetermined));
    assert_eq!(h.balance(&user).await, "100.00");
    let s = call(&h, &h.app, &status_req(&user, "U1")).await;
    assert_eq!(s["status"], "0", "{s}");
    // A replay while pending: still unknown, nothing charged.
    assert_eq!(call(&h, &h.app, &req).await["result_status"], "0");
    assert_eq!(h.balance(&user).await, "100.00");
    // The hold was for one deduction only.
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "U2", "10.00")).await;
    assert_eq!(r["result_status"], "1", "{r}");
    assert_eq!(h.balance(&user).await, "90.00");

    // Resolve: success moves the money once.
    let (s, d) = h.admin_post("/admin/deduct/resolve", json!({"out_order_no": "U1", "result": "success"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "1");
    let s = call(&h, &h.app, &status_req(&user, "U1")).await;
    assert_eq!(s["status"], "1", "{s}");
    assert_eq!(s["order_no"], u1_bill_no.as_str());
    assert_eq!(d["bill_no"], u1_bill_no.as_str());
    assert_eq!(h.balance(&user).await, "60.00");
    assert_eq!(h.merchant_balance().await, "40.00");
    // Not pending any more: a second resolve is refused, a replay answers 1, nothing more moves.
    let (s, _) = h.admin_post("/admin/deduct/resolve", json!({"out_order_no": "U1", "result": "success"})).await;
    assert_eq!(s, 409);
    assert_eq!(call(&h, &h.app, &req).await["result_status"], "1");
    assert_eq!(h.balance(&user).await, "60.00");
    assert_eq!(h.merchant_balance().await, "40.00");

    // Hold by user, resolve as failed: status 2 with the given code, nothing moves.
    let (s, _) = h.admin_post("/admin/deduct/holds", json!({"user_id": user, "count": 2})).await;
    assert_eq!(s, 200);
    assert_eq!(call(&h, &h.app, &pay_req(&h, &user, &agreement, "U3", "5.00")).await["result_status"], "0");
    assert_eq!(call(&h, &h.app, &pay_req(&h, &user, &agreement, "U4", "500.00")).await["result_status"], "0");
    let (s, d) = h
        .admin_post(
            "/admin/deduct/resolve",
            json!({"out_order_no": "U3", "result": "failed", "order_result_code": "USER_CANCELLED",
                   "order_result_msg": "用户取消"}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let s = call(&h, &h.app, &status_req(&agreement, "U3")).await;
    assert_eq!(s["status"], "2", "{s}");
    assert_eq!(s["order_result_code"], "USER_CANCELLED");
    assert_eq!(s["order_result_msg"], "用户取消");
    // Resolving U4 as success with a short balance is refused; it stays pending.
    let (s, _) = h.admin_post("/admin/deduct/resolve", json!({"out_order_no": "U4", "result": "success"})).await;
    assert_eq!(s, 409);
    assert_eq!(call(&h, &h.app, &status_req(&user, "U4")).await["status"], "0");
    assert_eq!(h.balance(&user).await, "60.00");
    assert_eq!(h.merchant_balance().await, "40.00");
    let d = h.admin_get("/admin/deduct/deductions?out_order_no=U4").await;
    assert_eq!((d["status"].as_str(), d["pay_amount"].as_str()), (Some("0"), Some("500.00")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_query_sign_info_error_changes_nothing_and_can_be_retried() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "100.00", "2015072601").await;
    let (s, f) = h
        .admin_post(
            "/admin/deduct/faults",
            json!({"method": PdeductPay::METHOD, "sub_code": "QUERY_DEDUCT_SIGN_INFO_ERROR"}),
        )
        .await;
    assert_eq!(s, 200, "{f}");
    let req = pay_req(&h, &user, &agreement, "Q1", "12.34");
    let r = call(&h, &h.app, &req).await;
    assert_eq!(
        (code_of(&r), sub_code_of(&r), sub_msg_of(&r)),
        ("40004", "QUERY_DEDUCT_SIGN_INFO_ERROR", "查询代扣协议错误"),
        "{r}"
    );
    assert_eq!(h.balance(&user).await, "100.00");
    let s = call(&h, &h.app, &status_req(&user, "Q1")).await;
    assert_eq!(sub_code_of(&s), "DEDUCT_ORDER_NOT_EXIST", "{s}");
    // The retry succeeds, charged once.
    let r = call(&h, &h.app, &req).await;
    assert_eq!(r["result_status"], "1", "{r}");
    assert_eq!(h.balance(&user).await, "87.66");
    assert_eq!(h.merchant_balance().await, "12.34");
    // SYSTEM_ERROR is documented for sign.query only.
    let (s, _) =
        h.admin_post("/admin/deduct/faults", json!({"method": PdeductPay::METHOD, "sub_code": "SYSTEM_ERROR"})).await;
    assert_eq!(s, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_deduction_reserves_its_amount_until_resolved() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "100.00", "2015072601").await;
    let buyer = |v: Value| (v["balance"].clone(), v["available_balance"].clone(), v["reserved"].clone());

    h.admin_post("/admin/deduct/holds", json!({"agreement_id": agreement})).await;
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "V1", "70.00")).await;
    assert_eq!(r["result_status"], "0", "{r}");
    // Owned 100.00, of which 70.00 reserved: only 30.00 can be spent.
    let b = h.admin_get(&format!("/admin/buyers/{user}")).await;
    assert_eq!(buyer(b.clone()), (json!("100.00"), json!("30.00"), json!("70.00")), "{b}");
    let d = h.admin_get("/admin/deduct/deductions?out_order_no=V1").await;
    assert_eq!(d["reserved"], "70.00", "{d}");
    // A second deduction cannot spend it ...
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "V2", "40.00")).await;
    assert_eq!(sub_code_of(&r), "INVOKE_PAYACCEPTANCE_EXCEPTION", "{r}");
    // ... nor a payment.
    let r = h.pay("T-V", "40.00", &user).await;
    assert_ne!(code_of(&r), "10000", "{r}");
    assert_eq!(h.balance(&user).await, "100.00");
    assert_eq!(h.merchant_balance().await, "0.00");

    // Failed: the reservation is released, nothing moved.
    let (s, d) = h.admin_post("/admin/deduct/resolve", json!({"out_order_no": "V1", "result": "failed"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("2")), "{d}");
    let b = h.admin_get(&format!("/admin/buyers/{user}")).await;
    assert_eq!(buyer(b.clone()), (json!("100.00"), json!("100.00"), json!("0.00")), "{b}");

    // Success: the reserved money moves once, even though the rest was spent meanwhile.
    h.admin_post("/admin/deduct/holds", json!({"user_id": user})).await;
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "V3", "60.00")).await;
    assert_eq!(r["result_status"], "0", "{r}");
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "V4", "40.00")).await;
    assert_eq!(r["result_status"], "1", "{r}");
    let b = h.admin_get(&format!("/admin/buyers/{user}")).await;
    assert_eq!(buyer(b.clone()), (json!("60.00"), json!("0.00"), json!("60.00")), "{b}");
    let (s, d) = h.admin_post("/admin/deduct/resolve", json!({"out_order_no": "V3", "result": "success"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("1")), "{d}");
    let b = h.admin_get(&format!("/admin/buyers/{user}")).await;
    assert_eq!(buyer(b.clone()), (json!("0.00"), json!("0.00"), json!("0.00")), "{b}");
    assert_eq!(h.merchant_balance().await, "100.00");
    let (s, _) = h.admin_post("/admin/deduct/resolve", json!({"out_order_no": "V3", "result": "success"})).await;
    assert_eq!(s, 409);
    assert_eq!(call(&h, &h.app, &status_req(&user, "V3")).await["status"], "1");
    assert_eq!(h.merchant_balance().await, "100.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agreement_past_its_sign_expire_date_cannot_be_charged() {
    let h = Harness::start().await;
    let user = h.buyer("100.00", "50.00").await;
    let pid = h.info.merchant_pid.clone();
    // A malformed date is a broken field rule.
    let t = token(&h, &user).await;
    let bad = PdeductSignAdd { sign_expire_date: Some("next year".into()), ..sign_add(&t, &user, &pid, "2015072601") };
    let r = call(&h, &h.app, &bad).await;
    assert_eq!(sub_code_of(&r), "PARAMETER_ILLEGAL", "{r}");
    // Valid through today (Beijing date of the sandbox clock).
    let today = alipay_core::Timestamp::now().beijing().format("%Y-%m-%d").to_string();
    let add = PdeductSignAdd { sign_expire_date: Some(today), ..sign_add(&t, &user, &pid, "2015072601") };
    let r = call(&h, &h.app, &add).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let agreement = r["agreement_id"].as_str().unwrap().to_owned();
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "E1", "10.00")).await;
    assert_eq!(r["result_status"], "1", "{r}");

    // Two days later the agreement has expired: DEDUCT_SIGN_INFO_NOT_EXIST, nothing recorded or moved.
    h.admin_post("/admin/clock/advance", json!({"seconds": 2 * 86400})).await;
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "E2", "10.00")).await;
    assert_eq!(
        (code_of(&r), sub_code_of(&r), sub_msg_of(&r)),
        ("40004", "DEDUCT_SIGN_INFO_NOT_EXIST", "协议不存在,已被删除"),
        "{r}"
    );
    assert_eq!(h.balance(&user).await, "90.00");
    assert_eq!(h.merchant_balance().await, "10.00");
    assert_eq!(sub_code_of(&call(&h, &h.app, &status_req(&user, "E2")).await), "DEDUCT_ORDER_NOT_EXIST");
    // The deduction made before stays readable.
    assert_eq!(call(&h, &h.app, &status_req(&user, "E1")).await["status"], "1");
}

#[tokio::test]
async fn the_console_lists_a_pending_deduction_and_resolves_it() {
    let h = Harness::start().await;
    let (user, agreement) = signed(&h, "100.00", "2015072601").await;
    let (s, b) = h.admin_post("/admin/deduct/holds", json!({"agreement_id": agreement})).await;
    assert_eq!(s, 200, "{b}");
    let r = call(&h, &h.app, &pay_req(&h, &user, &agreement, "C1", "30.00")).await;
    assert_eq!(r["result_status"], "0", "{r}");

    let page = h.http.get(format!("{}/deduct?q=C1", h.base())).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<title>Deduct") && page.contains("data-testid=\"resolve-C1\""), "{page}");
    let accounts = h.http.get(format!("{}/accounts?q={user}", h.base())).send().await.unwrap().text().await.unwrap();
    assert!(accounts.contains("70.00") && accounts.contains("30.00"), "available and reserved: {accounts}");

    let form = format!("seller_id={}&out_order_no=C1&result=success", h.info.merchant_pid);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = client
        .post(format!("{}/deduct/resolve", h.base()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let s = call(&h, &h.app, &status_req(&user, "C1")).await;
    assert_eq!(s["status"], "1", "the gateway now says paid: {s}");
    assert_eq!(h.balance(&user).await, "70.00");
    let page = h.http.get(format!("{}/deduct?q=C1", h.base())).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("data-testid=\"resolve-C1\""), "no longer pending");
}
