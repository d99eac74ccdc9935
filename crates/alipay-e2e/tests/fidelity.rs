//! Where today's Alipay differs from the 2016–2019 documents, the SDK against the local Alipay behaves as
//! against production (issue 16): each test names its evidence.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use alipay_api::trade::{TradePay, TradePrecreate, TradeQuery, TradeStatus};
use alipay_client::{AlipayClient, ClientConfig, Error};
use alipay_core::{ResultCode, Timestamp};
use alipay_sandbox::RunningSandbox;
use alipay_sandbox_admin::{AdminClient, NewBuyer, NewPaymentCode};

struct Env {
    _dir: tempfile::TempDir,
    _running: RunningSandbox,
    config: ClientConfig,
    client: AlipayClient,
    admin: AdminClient,
}

impl Env {
    async fn start() -> Env {
        let (dir, running) = common::start_sandbox().await;
        let path = dir.path().join("app.json");
        let config = ClientConfig::from_file(&path).unwrap();
        let client = AlipayClient::from_config(&config).unwrap();
        let admin = AdminClient::from_app_json(&path).unwrap();
        Env { _dir: dir, _running: running, config, client, admin }
    }

    async fn code(&self) -> String {
        let b = self.admin.create_buyer(&NewBuyer::new("1000.00", "500.00")).await.unwrap();
        self.admin.issue_payment_code(&b.user_id, &NewPaymentCode::default()).await.unwrap().auth_code
    }
}

fn precreate(no: &str) -> TradePrecreate {
    TradePrecreate {
        out_trade_no: no.into(),
        total_amount: "1.00".parse().unwrap(),
        subject: "s".into(),
        ..Default::default()
    }
}

/// An unknown `app_id` is answered unsigned by Alipay (a captured production answer, openapi.alipay.com,
/// 2026-09-11: `{"alipay_trade_query_response":{"code":"40002","msg":"Invalid Arguments","sub_code":
/// "isv.invalid-app-id","sub_msg":"无效的AppID参数"}}`, no `sign`); the SDK turns it into a typed refusal, not a
/// signature failure, while an unsigned success is still refused as unverified.
#[tokio::test]
async fn an_unknown_app_is_an_unsigned_refusal_not_a_signature_failure() {
    let env = Env::start().await;
    let mut config = env.config.clone();
    config.app_id = "2021999999999999".into();
    let stranger = AlipayClient::from_config(&config).unwrap();
    let err = stranger.execute(&TradeQuery { out_trade_no: Some("X".into()), ..Default::default() }).await.unwrap_err();
    match &err {
        Error::UnsignedRefusal { status } => {
            assert_eq!(status.code, ResultCode::InvalidArgument);
            assert_eq!(status.sub_code.as_deref(), Some("isv.invalid-app-id"));
            assert_eq!(status.sub_msg.as_deref(), Some("无效的AppID参数"));
        }
        other => panic!("expected an unsigned refusal, got {other:?}"),
    }
    assert!(!err.outcome_unknown(), "nothing was done for the call");
    // The registered app still gets verified answers.
    assert!(env.client.execute(&precreate("KNOWN1")).await.unwrap().status.is_success());
}

/// `out_trade_no` with `-` (a UUID) is accepted, as by Alipay: its own production tests create trades with
/// `UUID.randomUUID()` numbers and expect `10000` (`alipay/alipay-easysdk`,
/// `java/src/test/java/com/alipay/easysdk/payment/common/ClientTest.java`, `testCreate`).
#[tokio::test]
async fn uuid_order_numbers_are_accepted() {
    let env = Env::start().await;
    let no = "6f1c2a9e-3b7d-4e0a-9c51-8d2f4b6a7e10";
    let answer = env.client.execute(&precreate(no)).await.unwrap();
    assert!(answer.status.is_success(), "{:?}", answer.status);
    assert_eq!(answer.body.out_trade_no.as_deref(), Some(no));
    let paid_no = "0b8e9d1c-7a65-4f32-8e10-c9d8b7a6f5e4";
    let code = env.code().await;
    let pay = TradePay {
        out_trade_no: paid_no.into(),
        auth_code: code,
        subject: "uuid".into(),
        total_amount: "2.00".parse().unwrap(),
        ..Default::default()
    };
    let answer = env.client.execute(&pay).await.unwrap();
    assert!(answer.status.is_success(), "{:?}", answer.status);
    let q = env.client.execute(&TradeQuery { out_trade_no: Some(paid_no.into()), ..Default::default() }).await.unwrap();
    assert_eq!(q.body.trade_status, Some(TradeStatus::TradeSuccess));
}

/// `time_expire` is honoured on precreate and pay (Alipay's precreate and pay documents: "订单绝对超时时间 …
/// time_expire 和 timeout_express 两者只需传入一个或者都不传，如果两者都传，优先使用 time_expire"): an unpaid
/// precreate closes when it passes; a past one is refused (`ACQ.INVALID_PARAMETER`, docs/fidelity.md:
/// no captured answer shows Alipay's code) and creates nothing.
#[tokio::test]
async fn time_expire_closes_the_trade_and_a_past_one_is_refused() {
    let env = Env::start().await;
    let clock = env.admin.clock().await.unwrap();
    let now: Timestamp = clock.now.unwrap().parse().unwrap();
    let now = now.unix();
    let soon = Timestamp::from_unix(now + 120).unwrap();
    let pre = TradePrecreate {
        time_expire: Some(soon),
        timeout_express: Some(alipay_api::TimeoutExpress::Hours(2)),
        ..precreate("TE1")
    };
    assert!(env.client.execute(&pre).await.unwrap().status.is_success());
    env.admin.advance_clock(180).await.unwrap();
    // Unscanned precreates are not queryable; closing shows through the trade's state in the store.
    let trade = env
        .admin
        .trade(&alipay_sandbox_admin::TradeLocator { out_trade_no: Some("TE1".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(trade.trade_status, "TRADE_CLOSED", "time_expire wins over timeout_express: {trade:?}");

    let past = Timestamp::from_unix(now - 60).unwrap();
    let answer = env.client.execute(&TradePrecreate { time_expire: Some(past), ..precreate("TE2") }).await.unwrap();
    assert_eq!(answer.status.sub_code.as_deref(), Some("ACQ.INVALID_PARAMETER"), "{:?}", answer.status);
    let code = env.code().await;
    let pay = TradePay {
        out_trade_no: "TE3".into(),
        auth_code: code,
        subject: "s".into(),
        total_amount: "1.00".parse().unwrap(),
        time_expire: Some(past),
        ..Default::default()
    };
    let answer = env.client.execute(&pay).await.unwrap();
    assert_eq!(answer.status.sub_code.as_deref(), Some("ACQ.INVALID_PARAMETER"), "{:?}", answer.status);
    for no in ["TE2", "TE3"] {
        let at = alipay_sandbox_admin::TradeLocator { out_trade_no: Some(no.into()), ..Default::default() };
        assert!(env.admin.trade(&at).await.is_err(), "{no} was not created");
    }
}

/// Apps created since 2023–24 get open ids, not `2088…` user ids (Alipay's openid introduction;
/// jeequan/jeepay#123, smartwalle/alipay#219, casdoor#5749): an app made by `POST /admin/apps` gets
/// `buyer_open_id` in the pay, query and refund answers and in the notification, never `buyer_user_id`; the open id
/// is the app's own (another app sees another) and resolves back to the buyer; the sandbox's default app keeps
/// user ids.
#[tokio::test]
async fn new_apps_get_open_ids_and_the_default_app_keeps_user_ids() {
    use alipay_api::trade::TradeRefund;
    use alipay_sandbox_admin::{NewApp, OpenIdPair};
    let env = Env::start().await;
    let (url, mut received) = notification_sink().await;
    let app = env.admin.register_app(&NewApp::default()).await.unwrap();
    assert_eq!(app.open_id, Some(true), "new apps default to open ids");
    let mut cfg: ClientConfig = serde_json::from_value(serde_json::to_value(&app).unwrap()).unwrap();
    cfg.notify_url = Some(url);
    let client = AlipayClient::from_config(&cfg).unwrap();
    let buyer = env.admin.create_buyer(&NewBuyer::new("100.00", "50.00")).await.unwrap();
    let code = env.admin.issue_payment_code(&buyer.user_id, &NewPaymentCode::default()).await.unwrap().auth_code;
    let pay = TradePay {
        out_trade_no: "OID1".into(),
        auth_code: code,
        subject: "open id".into(),
        total_amount: "5.00".parse().unwrap(),
        ..Default::default()
    };
    let paid = client.execute(&pay).await.unwrap();
    assert!(paid.status.is_success(), "{:?}", paid.status);
    let open_id = paid.body.buyer_open_id.clone().expect("buyer_open_id");
    assert_eq!(paid.body.buyer_user_id, None);
    assert!(open_id.starts_with('0') && !open_id.starts_with("2088"), "{open_id}");
    let q = client.execute(&TradeQuery { out_trade_no: Some("OID1".into()), ..Default::default() }).await.unwrap();
    assert_eq!((q.body.buyer_open_id.as_deref(), q.body.buyer_user_id.as_deref()), (Some(open_id.as_str()), None));
    let refund = TradeRefund {
        out_trade_no: Some("OID1".into()),
        refund_amount: "1.00".parse().unwrap(),
        out_request_no: Some("OID1R".into()),
        ..Default::default()
    };
    let r = client.execute(&refund).await.unwrap();
    assert_eq!((r.body.buyer_open_id.as_deref(), r.body.buyer_user_id.as_deref()), (Some(open_id.as_str()), None));
    // The notification: verified with the SDK, carrying buyer_open_id and no buyer_id.
    let body = received.recv().await.unwrap();
    let n = client.verify_notification(&body, Some("application/x-www-form-urlencoded; charset=utf-8")).unwrap();
    let n = n.trade().unwrap();
    assert_eq!((n.buyer_open_id.as_deref(), n.buyer_id.as_deref()), (Some(open_id.as_str()), None));
    // Both ways, and per app.
    let back = env
        .admin
        .open_id(&OpenIdPair { app_id: app.app_id.clone(), open_id: Some(open_id.clone()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(back.user_id.as_deref(), Some(buyer.user_id.as_str()));
    let other = env.admin.register_app(&NewApp::default()).await.unwrap();
    let theirs = env
        .admin
        .open_id(&OpenIdPair {
            app_id: other.app_id.clone(),
            user_id: Some(buyer.user_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_ne!(theirs.open_id.as_deref(), Some(open_id.as_str()), "an open id is per app");
    // The default app, and an app made with "open_id": false, keep user ids.
    let old = env.admin.register_app(&NewApp { open_id: Some(false), ..Default::default() }).await.unwrap();
    assert_eq!(old.open_id, Some(false));
    let code = env.code().await;
    let pay = TradePay { out_trade_no: "UID1".into(), auth_code: code, ..pay };
    let paid = env.client.execute(&pay).await.unwrap();
    assert!(paid.body.buyer_user_id.as_deref().is_some_and(|u| u.starts_with("2088")), "{:?}", paid.body);
    assert_eq!(paid.body.buyer_open_id, None);
}

/// A notify_url on loopback that hands over every body it receives (and answers `success`).
async fn notification_sink() -> (String, tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body.to_vec());
                "success"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/notify"), rx)
}

/// Failure answers carry the business fields Alipay's do, and the texts are production's (issue 16 point 7;
/// the survey of captured answers is in docs/fidelity.md, "Answer shapes"):
/// - `trade.query` of an unknown order: the four amounts `0.00` and the `out_trade_no` asked about, no `trade_no`
///   (`zdhgithub/HP-API-V1` `src/main/java/cn/heipiao/api/pay/PayService.java`, production 2016;
///   `sunwenwu/first-springboot` `src/main/java/com/example/firstspringboot/common/alipay/AliPayUtils.java`;
///   `jitwxs/express` `src/main/java/com/example/express/service/impl/OrderPaymentServiceImpl.java`, sandbox 2018);
/// - `trade.refund` of an unknown or unpaid trade: `refund_fee` and `send_back_fee` `0.00`, and
///   `ACQ.TRADE_STATUS_ERROR` reads `交易状态不合法` (`alipay/alipay-easysdk`
///   `java/src/test/java/com/alipay/easysdk/payment/common/ClientTest.java`, `testRefund`, production);
///   a refund answers `send_back_fee`: its amount, `0.00` on a replay (`TOBACCOCN/pay-demo`
///   `src/main/java/com/pay/example/alipay/AlipayTrade.java`, 2020);
/// - `trade.fastpay.refund.query` of a refund that does not exist: `10000` and nothing else (`zdhgithub/HP-API-V1`,
///   as above, "退款号不存在的情况下");
/// - `trade.close` of a paid trade: `交易状态不合法` with the `out_trade_no`;
/// - `trade.pay` answering 10003: `msg` `" order success pay inprocess"`, leading space (production captures
///   2016–2019); a payment code that cannot be read: production's `sub_msg` (`alipay/alipay-easysdk`
///   `java/src/test/java/com/alipay/easysdk/payment/facetoface/ClientTest.java`, `testPay`).
#[tokio::test]
async fn failure_answers_carry_alipays_fields_and_texts() {
    use alipay_api::trade::{TradeClose, TradeFastpayRefundQuery, TradeRefund};
    use alipay_core::Money;
    let env = Env::start().await;
    let c = &env.client;
    let q = c.execute(&TradeQuery { out_trade_no: Some("NO-SUCH".into()), ..Default::default() }).await.unwrap();
    assert_eq!(q.status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
    assert_eq!(q.status.sub_msg.as_deref(), Some("交易不存在"));
    assert_eq!(q.body.out_trade_no.as_deref(), Some("NO-SUCH"));
    assert_eq!(q.body.trade_no, None);
    for amount in [q.body.buyer_pay_amount, q.body.invoice_amount, q.body.point_amount, q.body.receipt_amount] {
        assert_eq!(amount, Some(Money::ZERO));
    }
    assert_eq!(q.body.total_amount, None);

    let refund = |no: &str, amount: &str, req: Option<&str>| TradeRefund {
        out_trade_no: Some(no.into()),
        refund_amount: amount.parse().unwrap(),
        out_request_no: req.map(str::to_owned),
        ..Default::default()
    };
    let r = c.execute(&refund("NO-SUCH", "1.00", None)).await.unwrap();
    assert_eq!(r.status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
    assert_eq!((r.body.refund_fee, r.body.send_back_fee), (Some(Money::ZERO), Some(Money::ZERO)));
    assert_eq!(r.body.trade_no, None);

    // An unpaid trade (scanned, waiting for the buyer): not refundable.
    assert!(c.execute(&precreate("F-UNPAID")).await.unwrap().status.is_success());
    let scan = alipay_sandbox_admin::ScanTrade { out_trade_no: Some("F-UNPAID".into()), ..Default::default() };
    env.admin.scan_trade(&scan).await.unwrap();
    let r = c.execute(&refund("F-UNPAID", "0.50", None)).await.unwrap();
    assert_eq!(r.status.sub_code.as_deref(), Some("ACQ.TRADE_STATUS_ERROR"));
    assert_eq!(r.status.sub_msg.as_deref(), Some("交易状态不合法"));
    assert_eq!((r.body.refund_fee, r.body.send_back_fee), (Some(Money::ZERO), Some(Money::ZERO)));

    // Paid: a refund sends back its amount; the replay sends back nothing; an unknown refund number is a bare 10000.
    env.admin.confirm_trade(&alipay_sandbox_admin::TradeLocator::out_trade_no("F-UNPAID")).await.unwrap();
    let r = c.execute(&refund("F-UNPAID", "0.30", Some("RQ-1"))).await.unwrap();
    assert!(r.status.is_success(), "{:?}", r.status);
    assert_eq!(
        (r.body.refund_fee, r.body.send_back_fee),
        (Some("0.30".parse().unwrap()), Some("0.30".parse().unwrap()))
    );
    let again = c.execute(&refund("F-UNPAID", "0.30", Some("RQ-1"))).await.unwrap();
    assert_eq!(again.body.send_back_fee, Some(Money::ZERO));
    let none = c
        .execute(&TradeFastpayRefundQuery {
            out_trade_no: Some("F-UNPAID".into()),
            out_request_no: "RQ-404".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.status.is_success());
    assert_eq!(none.body, alipay_api::trade::TradeFastpayRefundQueryResponse::default(), "nothing but code and msg");

    let closed = c.execute(&TradeClose { out_trade_no: Some("F-UNPAID".into()), ..Default::default() }).await.unwrap();
    assert_eq!(closed.status.sub_msg.as_deref(), Some("交易状态不合法"));
    assert_eq!(closed.body.out_trade_no.as_deref(), Some("F-UNPAID"));

    // 10003 (over the buyer's password-free limit of 500.00) and an unreadable payment code.
    let pay = |no: &str, code: String, amount: &str| TradePay {
        out_trade_no: no.into(),
        auth_code: code,
        subject: "s".into(),
        total_amount: amount.parse().unwrap(),
        ..Default::default()
    };
    let waiting = c.execute(&pay("F-10003", env.code().await, "600.00")).await.unwrap();
    assert_eq!(waiting.status.code, ResultCode::InProcess);
    assert_eq!(waiting.status.msg, " order success pay inprocess");
    let bad = c.execute(&pay("F-BADCODE", "289999999999999999".into(), "1.00")).await.unwrap(); // no such code
    assert_eq!(bad.status.sub_code.as_deref(), Some("ACQ.PAYMENT_AUTH_CODE_INVALID"));
    assert!(bad.status.sub_msg.as_deref().unwrap().starts_with("支付失败，获取顾客账户信息失败"), "{:?}", bad.status);
}
