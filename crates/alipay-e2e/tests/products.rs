//! EBPP bills, direct deduct and red packets: the SDK's typed calls and flows against the running sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use alipay_api::bill::{BillDownloadUrlQuery, BillType};
use alipay_api::bill_ledger::{LedgerBizType, LedgerRow};
use alipay_api::coupon::{CouponOrderAgreementPay, CouponOrderDisburse, CouponOrderRefund, CouponStatus};
use alipay_api::deduct::{DeductResult, PdeductBillPayStatus, PdeductPay, PdeductSignAdd, PdeductSignQuery};
use alipay_api::ebpp::{EbppBillAdd, EbppBillGet, OrderStatus};
use alipay_api::trade::{TradePay, TradeRefund};
use alipay_client::flows::{CouponOutcome, PollPolicy, RetryPolicy};
use alipay_client::{AlipayClient, ResponseExt};
use alipay_core::Money;
use alipay_sandbox::RunningSandbox;
use alipay_sandbox_admin::{
    AdminClient, FaultKind, FaultSpec, NewBuyer, NewHold, NewPayPasswordToken, NewPaymentCode, PayBill,
    ResolveDeduction,
};
use serde_json::Value;

struct Env {
    _dir: tempfile::TempDir,
    _running: RunningSandbox,
    client: AlipayClient,
    app: Value,
    admin: AdminClient,
}

impl Env {
    async fn start() -> Env {
        let (dir, running) = common::start_sandbox().await;
        let path = dir.path().join("app.json");
        let app: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let client = AlipayClient::from_config_file(&path).unwrap();
        let admin = AdminClient::from_app_json(&path).unwrap();
        Env { _dir: dir, _running: running, client, app, admin }
    }

    /// Signs a direct-deduct agreement (electricity bill key `E0001` at `HZELEC`) for `user` with a
    /// pay-password token the buyer issued; returns its agreement id.
    async fn sign_electricity_agreement(&self, user: &str) -> String {
        let token = self.admin.issue_pay_password_token(&NewPayPasswordToken::for_user(user)).await.unwrap();
        let sign = PdeductSignAdd {
            pay_password_token: token.pay_password_token,
            user_id: user.to_owned(),
            biz_type: "JF".into(),
            sub_biz_type: "ELECTRIC".into(),
            bill_key: "E0001".into(),
            charge_inst: "HZELEC".into(),
            pid: self.pid(),
            agent_channel: "PUBLICPLATFORM".into(),
            ..Default::default()
        };
        self.client.execute(&sign).await.unwrap().ok().unwrap().agreement_id.unwrap()
    }

    async fn buyer(&self, balance: &str) -> String {
        self.admin.create_buyer(&NewBuyer::new(balance, "100000.00")).await.unwrap().user_id
    }

    async fn balance(&self, user_id: &str) -> Money {
        self.admin.buyer(user_id).await.unwrap().balance
    }

    fn pid(&self) -> String {
        self.app["merchant_pid"].as_str().unwrap().to_owned()
    }

    async fn merchant_balance(&self) -> Money {
        self.admin.merchant(&self.pid()).await.unwrap().balance
    }
}

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

#[tokio::test]
async fn ebpp_bill_added_paid_by_the_buyer_and_read_back() {
    let env = Env::start().await;
    let buyer = env.buyer("200.00").await;
    let add = EbppBillAdd {
        merchant_order_no: "JF202405001".into(),
        order_type: "JF".into(),
        sub_order_type: "WATER".into(),
        charge_inst: "HZWATER".into(),
        bill_key: "1000123".into(),
        bill_date: Some("202405".into()),
        owner_name: Some("张三".into()),
        pay_amount: m("91.00"),
        ..Default::default()
    };
    let bill = env.client.execute(&add).await.unwrap().ok().unwrap();
    assert!(bill.alipay_order_no.is_some(), "{bill:?}");
    let get = EbppBillGet { order_type: "JF".into(), merchant_order_no: "JF202405001".into() };
    assert_eq!(env.client.execute(&get).await.unwrap().ok().unwrap().order_status, Some(OrderStatus::Init));
    let pay_bill = PayBill { merchant_order_no: "JF202405001".into(), buyer_id: Some(buyer.clone()), app_id: None };
    env.admin.pay_ebpp_bill(&pay_bill).await.unwrap();
    let bill = env.client.execute(&get).await.unwrap().ok().unwrap();
    assert_eq!(bill.order_status, Some(OrderStatus::Success));
    assert_eq!(bill.owner_name.as_deref(), Some("张三"));
    assert_eq!(env.balance(&buyer).await, m("109.00"));
}

#[tokio::test]
async fn deduct_sign_pay_and_the_unknown_deduction_path() {
    let env = Env::start().await;
    let user = env.buyer("100.00").await;
    let agreement = env.sign_electricity_agreement(&user).await;
    let q = PdeductSignQuery { user_id: user.clone(), agreement_id: Some(agreement.clone()), ..Default::default() };
    assert_eq!(env.client.execute(&q).await.unwrap().ok().unwrap().bill_key.as_deref(), Some("E0001"));

    let pay = |no: &str| PdeductPay {
        agreement_id: agreement.clone(),
        user_id: user.clone(),
        bill_key: "E0001".into(),
        pid: env.pid(),
        out_order_no: no.into(),
        pay_amount: m("30.00"),
        fine_amount: m("0.00"),
        agent_channel: "PUBLICPLATFORM".into(),
        agent_code: "PC1".into(),
        ..Default::default()
    };
    let paid = env.client.execute(&pay("D001")).await.unwrap().ok().unwrap();
    assert_eq!(paid.result_status, Some(DeductResult::Success));
    assert_eq!(env.balance(&user).await, m("70.00"));

    // Seed 000: a deduction can stay "unknown"; the integrator asks bill.pay.status until it settles.
    let hold = NewHold { agreement_id: Some(agreement.clone()), count: Some(1), ..Default::default() };
    env.admin.hold_deductions(&hold).await.unwrap();
    let pending = env.client.execute(&pay("D002")).await.unwrap().ok().unwrap();
    assert_eq!(pending.result_status, Some(DeductResult::Undetermined));
    let status = PdeductBillPayStatus { agreement_id: user.clone(), out_order_no: "D002".into() };
    assert_eq!(env.client.execute(&status).await.unwrap().ok().unwrap().status, Some(DeductResult::Undetermined));
    assert_eq!(env.balance(&user).await, m("70.00"), "an unknown deduction moves nothing yet");
    env.admin.resolve_deduction(&ResolveDeduction::success("D002")).await.unwrap();
    assert_eq!(env.client.execute(&status).await.unwrap().ok().unwrap().status, Some(DeductResult::Success));
    // The replay after the outcome is known charges nothing more.
    assert_eq!(
        env.client.execute(&pay("D002")).await.unwrap().ok().unwrap().result_status,
        Some(DeductResult::Success)
    );
    assert_eq!(env.balance(&user).await, m("40.00"));
}

#[tokio::test]
async fn red_packets_with_seed_003_retries() {
    let env = Env::start().await;
    // Fund the merchant with a payment first (merchants start at 0.00).
    let buyer = env.buyer("1000.00").await;
    let code = env.admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap();
    let pay = TradePay {
        out_trade_no: "FUND1".into(),
        auth_code: code.auth_code.clone(),
        subject: "funding".into(),
        total_amount: m("500.00"),
        ..Default::default()
    };
    env.client.pay_barcode(&pay, &PollPolicy::default()).await.unwrap();
    let start = env.merchant_balance().await;
    assert_eq!(start, m("500.00"));

    // 20000 after the work committed: the SDK re-sends the same request, which answers the earlier result.
    let fault = FaultSpec::new("alipay.fund.coupon.order.agreement.pay", FaultKind::UnknownError).execute();
    env.admin.inject_fault(&fault).await.unwrap();
    let retry = RetryPolicy { attempts: 3, backoff: Duration::from_millis(20) };
    let req = CouponOrderAgreementPay {
        out_order_no: "RP1".into(),
        out_request_no: "RP1-PAY".into(),
        order_title: "新年红包".into(),
        amount: m("100.00"),
        ..Default::default()
    };
    let auth_no = match env.client.red_packet_agreement_pay(&req, &retry).await.unwrap() {
        CouponOutcome::Done(r) => {
            assert_eq!(r.status, Some(CouponStatus::Success));
            r.auth_no.unwrap()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(env.merchant_balance().await, m("400.00"), "charged once despite the retry");

    // 10003 before any work: the retry does it, once.
    env.admin.inject_fault(&FaultSpec::new("alipay.fund.coupon.order.disburse", FaultKind::InProcess)).await.unwrap();
    let disburse = CouponOrderDisburse {
        out_order_no: "RP1-D1".into(),
        out_request_no: "RP1-D1".into(),
        deduct_auth_no: Some(auth_no.clone()),
        order_title: "领取".into(),
        amount: m("30.00"),
        payee_user_id: Some(buyer.clone()),
        ..Default::default()
    };
    assert!(matches!(env.client.red_packet_disburse(&disburse, &retry).await.unwrap(), CouponOutcome::Done(_)));
    assert_eq!(env.balance(&buyer).await, m("530.00"));

    // Every attempt unknown: settled by operation.query.
    let fault = FaultSpec::new("alipay.fund.coupon.order.refund", FaultKind::UnknownError).count(3).execute();
    env.admin.inject_fault(&fault).await.unwrap();
    let refund =
        CouponOrderRefund { auth_no, out_request_no: "RP1-R".into(), amount: m("70.00"), ..Default::default() };
    match env.client.red_packet_refund(&refund, "RP1", &retry).await.unwrap() {
        CouponOutcome::Queried(q) => assert_eq!(q.status, Some(CouponStatus::Success)),
        other => panic!("{other:?}"),
    }
    assert_eq!(env.merchant_balance().await, m("470.00"));

    // Over the rest: MONEY_NOT_ENOUGH, final.
    let over = CouponOrderRefund { out_request_no: "RP1-R2".into(), amount: m("0.01"), ..refund };
    match env.client.red_packet_refund(&over, "RP1", &retry).await.unwrap() {
        CouponOutcome::Failed(s) => assert_eq!(s.sub_code.as_deref(), Some("MONEY_NOT_ENOUGH")),
        other => panic!("{other:?}"),
    }
}

/// The ledger bill (`signcustomer`, 账务明细) through the SDK: a day with a payment, a partial refund, a direct
/// deduction and a red packet the merchant funds; the rows' signed amounts and running balances end at the
/// balance the admin API reports. A day without movements is `isp.bill_not_exist`.
#[tokio::test]
async fn ledger_bill_of_a_day_matches_the_merchant_balance() {
    let env = Env::start().await;
    let now = env.admin.clock().await.unwrap().now.unwrap();
    if &now[11..] >= "23:58:00" {
        env.admin.advance_clock(300).await.unwrap();
    }
    let opening = env.merchant_balance().await;
    let buyer = env.buyer("1000.00").await;
    let code = env.admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap();
    let pay = TradePay {
        out_trade_no: "L1".into(),
        auth_code: code.auth_code.clone(),
        subject: "咖啡 大杯".into(),
        total_amount: m("100.00"),
        ..Default::default()
    };
    env.client.pay_barcode(&pay, &PollPolicy::default()).await.unwrap();
    let refund = TradeRefund {
        out_trade_no: Some("L1".into()),
        refund_amount: m("30.50"),
        out_request_no: Some("L1-R1".into()),
        refund_reason: Some("少糖".into()),
        ..Default::default()
    };
    env.client.refund(&refund, &RetryPolicy::default()).await.unwrap();

    let agreement = env.sign_electricity_agreement(&buyer).await;
    let deduct = PdeductPay {
        agreement_id: agreement,
        user_id: buyer.clone(),
        bill_key: "E0001".into(),
        pid: env.pid(),
        out_order_no: "LD1".into(),
        pay_amount: m("30.00"),
        fine_amount: m("0.00"),
        agent_channel: "PUBLICPLATFORM".into(),
        agent_code: "PC1".into(),
        memo: Some("电费 5月".into()),
        ..Default::default()
    };
    assert_eq!(env.client.execute(&deduct).await.unwrap().ok().unwrap().result_status, Some(DeductResult::Success));

    let retry = RetryPolicy { attempts: 3, backoff: Duration::from_millis(20) };
    let rp = CouponOrderAgreementPay {
        out_order_no: "LRP1".into(),
        out_request_no: "LRP1-PAY".into(),
        order_title: "新年红包".into(),
        amount: m("20.00"),
        ..Default::default()
    };
    assert!(matches!(env.client.red_packet_agreement_pay(&rp, &retry).await.unwrap(), CouponOutcome::Done(_)));
    let closing = env.merchant_balance().await;
    assert_eq!(opening.checked_add(m("79.50")), Some(closing));

    let day = env.admin.clock().await.unwrap().now.unwrap()[..10].to_owned();
    env.admin.advance_clock(86_400).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let query = BillDownloadUrlQuery { bill_type: BillType::Signcustomer, bill_date: day.clone() };
    let bill = env.client.download_bill(&query, dir.path()).await.unwrap();
    let rows: Vec<LedgerRow> = bill.ledger().unwrap().collect::<Result<_, _>>().unwrap();
    let brief: Vec<(LedgerBizType, Money, &str)> =
        rows.iter().map(|r| (r.biz_type.clone(), r.amount().unwrap(), r.out_biz_no.as_str())).collect();
    assert_eq!(
        brief,
        vec![
            (LedgerBizType::OnlinePayment, m("100.00"), "L1"),
            (LedgerBizType::TradeRefund, m("-30.50"), "L1"),
            (LedgerBizType::Deduct, m("30.00"), "LD1"),
            (LedgerBizType::RedPacket, m("-20.00"), "LRP1"),
        ]
    );
    let mut running = opening;
    for r in &rows {
        running = running.checked_add(r.amount().unwrap()).unwrap();
        assert_eq!(r.balance, running, "{r:?}");
    }
    assert_eq!(running, closing);
    assert_eq!((rows[1].memo.as_str(), rows[2].memo.as_str()), ("少糖", "电费 5月"));
    assert!(!rows[2].counterparty.is_empty() && rows[2].counterparty == rows[0].counterparty, "{rows:?}");
    let summary = std::fs::read(bill.ledger_summary_path().unwrap()).unwrap();
    let text = alipay_core::Charset::Gbk.decode(&summary).unwrap().into_owned();
    assert!(text.contains("\r\n合计,2,130.00,2,-50.50\r\n"), "{text}");

    // The day before: no movement, no bill.
    let before = format!("{}{:02}", &day[..8], day[8..].parse::<u32>().unwrap().saturating_sub(1));
    if !before.ends_with("00") {
        let query = BillDownloadUrlQuery { bill_type: BillType::Signcustomer, bill_date: before };
        match env.client.download_bill(&query, dir.path()).await.unwrap_err() {
            alipay_client::Error::Api(status) => assert_eq!(status.sub_code.as_deref(), Some("isp.bill_not_exist")),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn red_packet_notifications_are_verified_and_typed_by_the_sdk() {
    use std::sync::{Arc, Mutex};

    use alipay_api::coupon::OperationType;
    use alipay_api::notify::{FundNotification, FUND_STDTRUSTEE_DISBURSE, FUND_STDTRUSTEE_REFUND};

    // The merchant's endpoint: verify with the SDK, read the typed notification, answer success.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let base = Env::start().await;
    let mut cfg = alipay_client::ClientConfig::from_file(base._dir.path().join("app.json")).unwrap();
    cfg.notify_url = Some(url);
    let client = AlipayClient::from_config(&cfg).unwrap();
    type Received = Arc<Mutex<Vec<(FundNotification, Vec<u8>)>>>;
    let received: Received = Arc::new(Mutex::new(Vec::new()));
    let (verifier, sink) = (client.clone(), Arc::clone(&received));
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let (client, sink) = (verifier.clone(), Arc::clone(&sink));
            async move {
                let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
                match client.verify_notification(&body, ct.as_deref()).map(|n| n.fund()) {
                    Ok(Ok(n)) => {
                        sink.lock().unwrap().push((n, body.to_vec()));
                        "success"
                    }
                    _ => "failure",
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let buyer = base.buyer("500.00").await;
    let code = base.admin.issue_payment_code(&buyer, &NewPaymentCode::default()).await.unwrap();
    let pay = TradePay {
        out_trade_no: "FUNDN".into(),
        auth_code: code.auth_code,
        subject: "funding".into(),
        total_amount: m("200.00"),
        ..Default::default()
    };
    client.pay_barcode(&pay, &PollPolicy::default()).await.unwrap();
    let req = CouponOrderAgreementPay {
        out_order_no: "RPN".into(),
        out_request_no: "RPN-PAY".into(),
        order_title: "红包".into(),
        amount: m("100.00"),
        ..Default::default()
    };
    let auth_no = client.execute(&req).await.unwrap().ok().unwrap().auth_no.unwrap();
    let disburse = CouponOrderDisburse {
        out_order_no: "RPN-D".into(),
        out_request_no: "RPN-D".into(),
        deduct_auth_no: Some(auth_no.clone()),
        order_title: "领取".into(),
        amount: m("30.00"),
        payee_user_id: Some(buyer.clone()),
        ..Default::default()
    };
    let d = client.execute(&disburse).await.unwrap().ok().unwrap();
    let refund = CouponOrderRefund {
        auth_no: auth_no.clone(),
        out_request_no: "RPN-R".into(),
        amount: m("20.00"),
        remark: None,
    };
    let r = client.execute(&refund).await.unwrap().ok().unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while received.lock().unwrap().len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "notifications not verified: {:?}", received.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = received.lock().unwrap().clone();
    let (dn, body) = got.iter().find(|(n, _)| n.notify_type == FUND_STDTRUSTEE_DISBURSE).unwrap();
    assert_eq!((dn.auth_no.as_str(), dn.operation_id.as_str()), (auth_no.as_str(), d.operation_id.as_deref().unwrap()));
    assert_eq!((dn.amount, dn.operation_type.clone()), (Some(m("30.00")), Some(OperationType::Pay)));
    assert_eq!(dn.payee_user_id.as_deref(), Some(buyer.as_str()));
    let (rn, _) = got.iter().find(|(n, _)| n.notify_type == FUND_STDTRUSTEE_REFUND).unwrap();
    assert_eq!(rn.operation_id.as_str(), r.operation_id.as_deref().unwrap());
    assert_eq!((rn.amount, rn.rest_amount), (Some(m("20.00")), Some(m("50.00"))));
    assert_eq!(rn.status, Some(CouponStatus::Success));
    // The same body with its amount changed does not verify.
    let text = String::from_utf8(body.clone()).unwrap().replace("amount=30.00", "amount=31.00");
    assert!(text.contains("amount=31.00"));
    assert!(client.verify_notification(text.as_bytes(), None).is_err());
}
