//! Face-to-face trades driven over HTTP with real signatures, against persistent state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{code_of, sub_code_of, Harness};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_success_balance_code_and_confirmation() {
    let h = Harness::start().await;
    let buyer = h.buyer("100.00", "50.00").await;

    // Success: money moves exactly.
    let code = h.code(&buyer).await;
    let biz = json!({"out_trade_no": "P1", "scene": "bar_code", "auth_code": code, "subject": "Iphone6 16G",
                     "total_amount": "10.00", "store_id": "NJ_001", "timeout_express": "2m"});
    let r = h.call("alipay.trade.pay", biz.clone()).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let trade_no = r["trade_no"].as_str().unwrap().to_owned();
    assert_eq!(trade_no.len(), 28);
    assert!(trade_no.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(r["total_amount"], "10.00");
    assert_eq!(r["buyer_user_id"], buyer.as_str());
    let masked = r["buyer_logon_id"].as_str().unwrap();
    assert!(masked.starts_with("139******") && masked.len() == 11, "{masked}");
    assert_eq!(r["fund_bill_list"][0]["amount"], "10.00");
    assert_eq!(h.balance(&buyer).await, "90.00");
    assert_eq!(h.merchant_balance().await, "10.00");

    // The same request again: same trade, no second charge.
    let again = h.call("alipay.trade.pay", biz.clone()).await;
    assert_eq!(code_of(&again), "10000", "{again}");
    assert_eq!(again["trade_no"], trade_no.as_str());
    assert_eq!(h.balance(&buyer).await, "90.00");

    // A changed replay.
    let mut changed = biz.clone();
    changed["total_amount"] = json!("11.00");
    let r = h.call("alipay.trade.pay", changed).await;
    assert_eq!(sub_code_of(&r), "ACQ.CONTEXT_INCONSISTENT", "{r}");
    let mut changed = biz.clone();
    changed["subject"] = json!("other");
    assert_eq!(sub_code_of(&h.call("alipay.trade.pay", changed).await), "ACQ.CONTEXT_INCONSISTENT");

    // A used code, an unknown code.
    let mut reused = biz.clone();
    reused["out_trade_no"] = json!("P2");
    let r = h.call("alipay.trade.pay", reused).await;
    assert_eq!((code_of(&r), sub_code_of(&r)), ("40004", "ACQ.PAYMENT_AUTH_CODE_INVALID"), "{r}");
    let mut unknown = biz.clone();
    unknown["out_trade_no"] = json!("P3");
    unknown["auth_code"] = json!("280000000000000000");
    assert_eq!(sub_code_of(&h.call("alipay.trade.pay", unknown.clone()).await), "ACQ.PAYMENT_AUTH_CODE_INVALID");
    unknown["auth_code"] = json!("123");
    assert_eq!(sub_code_of(&h.call("alipay.trade.pay", unknown).await), "ACQ.PAYMENT_AUTH_CODE_INVALID");

    // Insufficient balance (under the limit so no confirmation is asked).
    let poor = h.buyer("5.00", "50.00").await;
    let r = h.pay("P4", "20.00", &poor).await;
    assert_eq!(sub_code_of(&r), "ACQ.BUYER_BALANCE_NOT_ENOUGH", "{r}");
    assert_eq!(h.balance(&poor).await, "5.00");

    // Amount rules.
    let r = h.pay("P5", "0.00", &buyer).await;
    assert_eq!(sub_code_of(&r), "ACQ.TOTAL_FEE_EXCEED", "{r}");
    let r = h.pay("P6", "1.001", &buyer).await;
    assert_eq!(sub_code_of(&r), "ACQ.INVALID_PARAMETER", "{r}");
    // Alipay's text exactly, not a parser's (captured `{"code":"40004","msg":"Business Failed","sub_code":
    // "ACQ.INVALID_PARAMETER","sub_msg":"参数无效"}` answers of precreate, cancel and refund in public merchant code).
    assert_eq!(r["sub_msg"], "参数无效", "{r}");

    // Over the password-free limit: 10003, nothing charged until the buyer confirms.
    let r = h.pay("P7", "60.00", &buyer).await;
    assert_eq!(code_of(&r), "10003", "{r}");
    // With production's leading space (captured trade.pay answers 2016–2019).
    assert_eq!(r["msg"], " order success pay inprocess");
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "P7"})).await;
    assert_eq!(q["trade_status"], "WAIT_BUYER_PAY", "{q}");
    assert_eq!(h.balance(&buyer).await, "90.00");
    let (s, t) = h.admin_post("/admin/trades/confirm", json!({"out_trade_no": "P7"})).await;
    assert_eq!(s, 200, "{t}");
    let q = h.call("alipay.trade.query", json!({"trade_no": r["trade_no"]})).await;
    assert_eq!(q["trade_status"], "TRADE_SUCCESS", "{q}");
    assert_eq!(q["buyer_pay_amount"], "60.00");
    assert_eq!(h.balance(&buyer).await, "30.00");
    assert_eq!(h.merchant_balance().await, "70.00");

    // Over the limit and then refused: closed, nothing charged.
    let r = h.pay("P8", "60.00", &buyer).await;
    assert_eq!(code_of(&r), "10003");
    let (s, _) = h.admin_post("/admin/trades/refuse", json!({"out_trade_no": "P8"})).await;
    assert_eq!(s, 200);
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "P8"})).await;
    assert_eq!(q["trade_status"], "TRADE_CLOSED");
    assert_eq!(h.balance(&buyer).await, "30.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precreate_scan_confirm() {
    let h = Harness::start().await;
    let biz = json!({"out_trade_no": "Q1", "total_amount": "25.50", "subject": "扫码支付"});
    let r = h.call("alipay.trade.precreate", biz.clone()).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let qr = r["qr_code"].as_str().unwrap().to_owned();
    assert!(qr.starts_with("https://qr.alipay.com/"), "{qr}");
    // Idempotent replay gives the same code; a changed one is refused.
    assert_eq!(h.call("alipay.trade.precreate", biz.clone()).await["qr_code"], qr.as_str());
    let mut changed = biz.clone();
    changed["total_amount"] = json!("1.00");
    assert_eq!(sub_code_of(&h.call("alipay.trade.precreate", changed).await), "ACQ.CONTEXT_INCONSISTENT");

    let q = h.call("alipay.trade.query", json!({"out_trade_no": "Q1"})).await;
    assert_eq!(sub_code_of(&q), "ACQ.TRADE_NOT_EXIST", "{q}");

    let (s, t) = h.admin_post("/admin/trades/scan", json!({"qr_code": qr})).await;
    assert_eq!(s, 200, "{t}");
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "Q1"})).await;
    assert_eq!(q["trade_status"], "WAIT_BUYER_PAY", "{q}");
    let before = h.balance(&h.info.buyer_user_id).await;
    assert_eq!(before, "10000.00");

    let (s, t) = h.admin_post("/admin/trades/confirm", json!({"out_trade_no": "Q1"})).await;
    assert_eq!(s, 200, "{t}");
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "Q1"})).await;
    assert_eq!(q["trade_status"], "TRADE_SUCCESS", "{q}");
    assert_eq!(q["subject"], "扫码支付");
    assert_eq!(h.balance(&h.info.buyer_user_id).await, "9974.50");
    assert_eq!(sub_code_of(&h.call("alipay.trade.precreate", biz).await), "ACQ.TRADE_HAS_SUCCESS");
    // A second confirmation is refused.
    let (s, _) = h.admin_post("/admin/trades/confirm", json!({"out_trade_no": "Q1"})).await;
    assert_eq!(s, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_close() {
    let h = Harness::start().await;
    let buyer = h.buyer("500.00", "100.00").await;

    // Cancel an unpaid trade: action close.
    assert_eq!(code_of(&h.pay("C1", "150.00", &buyer).await), "10003");
    let r = h.call("alipay.trade.cancel", json!({"out_trade_no": "C1"})).await;
    assert_eq!(
        (code_of(&r), r["action"].as_str(), r["retry_flag"].as_str()),
        ("10000", Some("close"), Some("N")),
        "{r}"
    );
    assert_eq!(h.call("alipay.trade.query", json!({"out_trade_no": "C1"})).await["trade_status"], "TRADE_CLOSED");
    assert_eq!(h.balance(&buyer).await, "500.00");

    // Cancel a paid trade: action refund, the money goes back.
    assert_eq!(code_of(&h.pay("C2", "40.00", &buyer).await), "10000");
    assert_eq!(h.balance(&buyer).await, "460.00");
    let r = h.call("alipay.trade.cancel", json!({"out_trade_no": "C2"})).await;
    assert_eq!(r["action"], "refund", "{r}");
    assert_eq!(h.balance(&buyer).await, "500.00");
    assert_eq!(h.merchant_balance().await, "0.00");
    // Cancelling again repeats the answer and moves nothing.
    let r = h.call("alipay.trade.cancel", json!({"out_trade_no": "C2"})).await;
    assert_eq!(r["action"], "refund");
    assert_eq!(h.balance(&buyer).await, "500.00");
    // A trade that does not exist: success without action.
    let r = h.call("alipay.trade.cancel", json!({"out_trade_no": "NOPE"})).await;
    assert_eq!(code_of(&r), "10000");
    assert!(r.get("action").is_none(), "{r}");

    // Close: only trades waiting for payment.
    assert_eq!(code_of(&h.pay("C3", "150.00", &buyer).await), "10003");
    let r = h.call("alipay.trade.close", json!({"out_trade_no": "C3", "operator_id": "op1"})).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_eq!(h.call("alipay.trade.query", json!({"out_trade_no": "C3"})).await["trade_status"], "TRADE_CLOSED");
    // Closed trades can't be paid again under the same number.
    assert_eq!(sub_code_of(&h.pay("C3", "150.00", &buyer).await), "ACQ.TRADE_HAS_CLOSE");
    assert_eq!(code_of(&h.pay("C4", "10.00", &buyer).await), "10000");
    let r = h.call("alipay.trade.close", json!({"out_trade_no": "C4"})).await;
    assert_eq!(sub_code_of(&r), "ACQ.TRADE_STATUS_ERROR", "{r}");
    let r = h.call("alipay.trade.close", json!({"out_trade_no": "NOPE"})).await;
    assert_eq!(sub_code_of(&r), "ACQ.TRADE_NOT_EXIST");

    // After 24 h a paid trade can no longer be cancelled.
    let (s, _) = h.admin_post("/admin/clock/advance", json!({"seconds": 25 * 3600})).await;
    assert_eq!(s, 200);
    let r = h.call("alipay.trade.cancel", json!({"out_trade_no": "C4"})).await;
    assert_eq!(sub_code_of(&r), "ACQ.TRADE_CANCEL_TIME_OUT", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_partial_full_replay_and_limits() {
    let h = Harness::start().await;
    let buyer = h.buyer("100.00", "100.00").await;
    let paid = h.pay("R1", "10.00", &buyer).await;
    assert_eq!(code_of(&paid), "10000");
    assert_eq!(h.balance(&buyer).await, "90.00");

    let refund = |no: &str, amount: &str| json!({"out_trade_no": "R1", "refund_amount": amount, "out_request_no": no, "refund_reason": "正常退款"});
    let r = h.call("alipay.trade.refund", refund("RQ1", "3.00")).await;
    assert_eq!(
        (code_of(&r), r["fund_change"].as_str(), r["refund_fee"].as_str()),
        ("10000", Some("Y"), Some("3.00")),
        "{r}"
    );
    assert_eq!(h.balance(&buyer).await, "93.00");
    assert_eq!(h.merchant_balance().await, "7.00");

    // Replay: the earlier result, no money moves.
    let r = h.call("alipay.trade.refund", refund("RQ1", "3.00")).await;
    assert_eq!(
        (code_of(&r), r["fund_change"].as_str(), r["refund_fee"].as_str()),
        ("10000", Some("N"), Some("3.00")),
        "{r}"
    );
    assert_eq!(h.balance(&buyer).await, "93.00");
    // Same request number, other amount.
    let r = h.call("alipay.trade.refund", refund("RQ1", "4.00")).await;
    assert_eq!(sub_code_of(&r), "ACQ.DISCORDANT_REPEAT_REQUEST", "{r}");
    // Over the total.
    let r = h.call("alipay.trade.refund", refund("RQ2", "7.01")).await;
    assert_eq!(sub_code_of(&r), "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "{r}");
    let r = h.call("alipay.trade.refund", refund("RQ2", "0")).await;
    assert_eq!(sub_code_of(&r), "ACQ.REASON_TRADE_REFUND_FEE_ERR", "{r}");
    assert_eq!(h.balance(&buyer).await, "93.00");
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "R1"})).await;
    assert_eq!(q["trade_status"], "TRADE_SUCCESS");

    // The rest: fully refunded, the trade closes.
    let r = h.call("alipay.trade.refund", refund("RQ2", "7.00")).await;
    assert_eq!(r["refund_fee"], "10.00", "{r}");
    assert_eq!(h.balance(&buyer).await, "100.00");
    assert_eq!(h.merchant_balance().await, "0.00");
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "R1"})).await;
    assert_eq!(q["trade_status"], "TRADE_CLOSED");
    let r = h.call("alipay.trade.refund", refund("RQ3", "0.01")).await;
    assert_eq!(sub_code_of(&r), "ACQ.TRADE_STATUS_ERROR", "{r}");

    // Refund query.
    let rq = h.call("alipay.trade.fastpay.refund.query", json!({"out_trade_no": "R1", "out_request_no": "RQ1"})).await;
    assert_eq!(
        (rq["refund_status"].as_str(), rq["refund_amount"].as_str(), rq["total_amount"].as_str()),
        (Some("REFUND_SUCCESS"), Some("3.00"), Some("10.00")),
        "{rq}"
    );
    let rq = h
        .call("alipay.trade.fastpay.refund.query", json!({"trade_no": paid["trade_no"], "out_request_no": "RQ9"}))
        .await;
    assert_eq!(code_of(&rq), "10000");
    assert!(rq.get("refund_status").is_none(), "{rq}");

    // A refund without out_request_no uses out_trade_no.
    assert_eq!(code_of(&h.pay("R2", "5.00", &buyer).await), "10000");
    let r = h.call("alipay.trade.refund", json!({"out_trade_no": "R2", "refund_amount": "5.00"})).await;
    assert_eq!(r["fund_change"], "Y", "{r}");
    let rq = h.call("alipay.trade.fastpay.refund.query", json!({"out_trade_no": "R2", "out_request_no": "R2"})).await;
    assert_eq!(rq["refund_status"], "REFUND_SUCCESS", "{rq}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_app_cannot_see_or_touch_this_apps_trade() {
    let h = Harness::start().await;
    let paid = h.pay("ISO1", "10.00", &h.info.buyer_user_id).await;
    assert_eq!(code_of(&paid), "10000");
    let other = h.new_app().await;
    for biz in [json!({"out_trade_no": "ISO1"}), json!({"trade_no": paid["trade_no"]})] {
        let q = h.call_as(&other, "alipay.trade.query", biz.clone(), &[]).await;
        assert_eq!(sub_code_of(&q), "ACQ.TRADE_NOT_EXIST", "{q}");
        let mut refund = biz.clone();
        refund["refund_amount"] = json!("1.00");
        let r = h.call_as(&other, "alipay.trade.refund", refund, &[]).await;
        assert_eq!(sub_code_of(&r), "ACQ.TRADE_NOT_EXIST", "{r}");
        let r = h.call_as(&other, "alipay.trade.close", biz.clone(), &[]).await;
        assert_eq!(sub_code_of(&r), "ACQ.TRADE_NOT_EXIST", "{r}");
    }
    // The other app's cancel finds nothing and changes nothing.
    let r = h.call_as(&other, "alipay.trade.cancel", json!({"trade_no": paid["trade_no"]}), &[]).await;
    assert!(r.get("action").is_none(), "{r}");
    assert_eq!(h.call("alipay.trade.query", json!({"out_trade_no": "ISO1"})).await["trade_status"], "TRADE_SUCCESS");
    // Its own out_trade_no space is separate.
    let code = h.code(&h.info.buyer_user_id).await;
    let r = h
        .call_as(&other, "alipay.trade.pay", json!({"out_trade_no": "ISO1", "scene": "bar_code", "auth_code": code, "subject": "x", "total_amount": "2.00"}), &[])
        .await;
    assert_eq!(code_of(&r), "10000", "{r}");
    assert_ne!(r["trade_no"], paid["trade_no"]);

    // With an app_auth_token issued by the merchant, the other app acts for it.
    let (s, t) =
        h.admin_post("/admin/auth-tokens", json!({"app_id": other.app_id, "merchant_pid": h.info.merchant_pid})).await;
    assert_eq!(s, 200, "{t}");
    let token = t["app_auth_token"].as_str().unwrap();
    let q =
        h.call_as(&other, "alipay.trade.query", json!({"out_trade_no": "ISO1"}), &[("app_auth_token", token)]).await;
    assert_eq!(q["trade_status"], "TRADE_SUCCESS", "{q}");
    assert_eq!(q["total_amount"], "10.00");
    // The token is bound to the app it was issued to.
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "ISO1"})).await;
    assert_eq!(code_of(&q), "10000");
    let params = [("app_auth_token", token)];
    let q = h.call_as(&h.app, "alipay.trade.query", json!({"out_trade_no": "ISO1"}), &params).await;
    assert_eq!(sub_code_of(&q), "aop.invalid-app-auth-token", "{q}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_trades_balances_and_clock() {
    let mut h = Harness::start().await;
    let buyer = h.buyer("100.00", "100.00").await;
    assert_eq!(code_of(&h.pay("RS1", "12.34", &buyer).await), "10000");
    let r = h
        .call("alipay.trade.refund", json!({"out_trade_no": "RS1", "refund_amount": "2.34", "out_request_no": "a"}))
        .await;
    assert_eq!(code_of(&r), "10000");
    let pre =
        h.call("alipay.trade.precreate", json!({"out_trade_no": "RS2", "total_amount": "1.00", "subject": "s"})).await;
    let (s, _) = h.admin_post("/admin/clock/advance", json!({"seconds": 60})).await;
    assert_eq!(s, 200);
    let app_id = h.info.app_id.clone();

    h.restart().await;
    assert_eq!(h.info.app_id, app_id, "the default app survives");
    let q = h.call("alipay.trade.query", json!({"out_trade_no": "RS1"})).await;
    assert_eq!((q["trade_status"].as_str(), q["total_amount"].as_str()), (Some("TRADE_SUCCESS"), Some("12.34")), "{q}");
    assert_eq!(h.balance(&buyer).await, "90.00");
    assert_eq!(h.merchant_balance().await, "10.00");
    let r = h
        .call("alipay.trade.refund", json!({"out_trade_no": "RS1", "refund_amount": "2.34", "out_request_no": "a"}))
        .await;
    assert_eq!(r["fund_change"], "N", "the refund is remembered: {r}");
    assert_eq!(
        h.call("alipay.trade.precreate", json!({"out_trade_no": "RS2", "total_amount": "1.00", "subject": "s"})).await
            ["qr_code"],
        pre["qr_code"]
    );
    assert!(h.admin_get("/admin/clock").await["offset_secs"].as_i64().unwrap() >= 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_pays_make_one_trade_and_one_charge() {
    let h = std::sync::Arc::new(Harness::start().await);
    let buyer = h.buyer("1000.00", "1000.00").await;
    let code = h.code(&buyer).await;
    let biz = json!({"out_trade_no": "CONC1", "scene": "bar_code", "auth_code": code, "subject": "s", "total_amount": "9.99"});
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let h = std::sync::Arc::clone(&h);
        let biz = biz.clone();
        tasks.push(tokio::spawn(async move { h.call("alipay.trade.pay", biz).await }));
    }
    let mut trade_nos = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(code_of(&r), "10000", "{r}");
        trade_nos.insert(r["trade_no"].as_str().unwrap().to_owned());
    }
    assert_eq!(trade_nos.len(), 1);
    assert_eq!(h.balance(&buyer).await, "990.01");
    assert_eq!(h.merchant_balance().await, "9.99");
}
