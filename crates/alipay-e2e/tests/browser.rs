//! The buyer's side in a real browser (issue 10): headless Chromium driven over WebDriver (`fantoccini`),
//! walking the example merchant shop (`crates/alipay-client/examples/merchant_site.rs`, compiled into this test)
//! through the sandbox's cashier and wallet. Screenshots of every step go to `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the tests skip with a note, unless
//! `ALIPAY_BROWSER=1` (CI), where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

#[path = "../../alipay-client/examples/merchant_site.rs"]
#[allow(unused_imports, missing_docs)]
mod merchant_site;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alipay_api::trade::{TradeAppPay, TradePrecreate, TradeQuery, TradeStatus};
use alipay_client::AlipayClient;
use alipay_sandbox::RunningSandbox;
use alipay_sandbox_admin::AdminClient;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `None` (skip) when the browser is missing and `ALIPAY_BROWSER` is not `1`.
fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        if std::env::var("ALIPAY_BROWSER").as_deref() == Ok("1") {
            panic!("ALIPAY_BROWSER=1 but {CHROMIUM} / {CHROMEDRIVER} are missing: apt-get install chromium chromium-driver");
        }
        eprintln!("skipped: no {CHROMIUM} / {CHROMEDRIVER} (apt-get install chromium chromium-driver; ALIPAY_BROWSER=1 makes this fail)");
    }
    present
}

fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Browser {
    client: Client,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
    name: &'static str,
    step: u32,
}

impl Browser {
    async fn start(name: &'static str, phone: bool) -> Browser {
        let port = free_port();
        let driver = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--no-first-run".into(),
            "--disable-component-update".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.push(if phone { "--window-size=390,844".into() } else { "--window-size=1280,900".into() });
        let mut caps = serde_json::Map::new();
        let mut options = json!({"binary": CHROMIUM, "args": args});
        if phone {
            // A phone's viewport (headless windows are at least 500 px wide).
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 1.0, "mobile": true}});
        }
        caps.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::rustls().unwrap().capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!("chromedriver did not start: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Browser { client, driver, _profile: profile, name, step: 0 }
    }

    async fn shot(&mut self, what: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.unwrap();
        let path = screenshots_dir().join(format!("{}-{:02}-{what}.png", self.name, self.step));
        std::fs::write(path, png).unwrap();
    }

    async fn testid(&self, id: &str) -> fantoccini::elements::Element {
        let css = format!("[data-testid=\"{id}\"]");
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no {id} on the page: {e}"))
    }

    /// Waits until the element `id` shows `needle`: after a click that posts a form, the old page's element
    /// may still be found (then go stale) before the new page has loaded, so look again until it says so.
    async fn wait_text(&self, id: &str, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let css = format!("[data-testid=\"{id}\"]");
        loop {
            let last = match self.client.find(Locator::Css(&css)).await {
                Ok(e) => e.text().await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match last {
                Ok(text) if text.contains(needle) => return text,
                last if std::time::Instant::now() > deadline => panic!("{id} never showed {needle:?}: {last:?}"),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn title(&self) -> String {
        self.client.title().await.unwrap()
    }

    async fn stop(mut self) {
        self.client.close().await.ok();
        self.driver.kill().await.ok();
    }
}

struct Env {
    _dir: tempfile::TempDir,
    _running: RunningSandbox,
    base: String,
    client: AlipayClient,
    _admin: AdminClient,
    shop_url: String,
    shop: Arc<merchant_site::Shop>,
}

impl Env {
    async fn start() -> Env {
        let (dir, running) = common::start_sandbox().await;
        let path = dir.path().join("app.json");
        let cfg = alipay_client::ClientConfig::from_file(&path).unwrap();
        let base = cfg.gateway_url.trim_end_matches("/gateway.do").to_owned();
        let client = AlipayClient::from_config(&cfg).unwrap();
        let admin = AdminClient::from_app_json(&path).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let shop_url = format!("http://{}", listener.local_addr().unwrap());
        let (router, shop) = merchant_site::shop(client.clone(), &shop_url);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Env { _dir: dir, _running: running, base, client, _admin: admin, shop_url, shop }
    }

    /// Waits until the shop verified a notification for `out_trade_no` with `status`.
    async fn notified(&self, out_trade_no: &str, status: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.shop.notified.lock().unwrap().iter().any(|(n, s)| n == out_trade_no && s == status) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    async fn status(&self, out_trade_no: &str) -> Option<TradeStatus> {
        let q = TradeQuery { out_trade_no: Some(out_trade_no.into()), ..Default::default() };
        self.client.execute(&q).await.unwrap().body.trade_status
    }
}

/// Product page → Buy → cashier (sign in, pay) → the shop's verified success page; the shop verified the
/// notification too.
async fn checkout(name: &'static str, phone: bool) {
    if !browser_available() {
        return;
    }
    let env = Env::start().await;
    let mut b = Browser::start(name, phone).await;
    let mode = if phone { "wap" } else { "page" };
    b.client.goto(&format!("{}/?mode={mode}", env.shop_url)).await.unwrap();
    b.testid("product").await;
    assert!(b.title().await.contains("Demo Shop"));
    b.shot("product").await;

    b.testid("buy").await.click().await.unwrap();
    let login = b.testid("login").await;
    let title = b.title().await;
    assert!(title.contains("支付宝收银台") && title.contains("88.88"), "{title}");
    assert!(b.testid("amount").await.text().await.unwrap().contains("88.88"));
    assert!(b.testid("subject").await.text().await.unwrap().contains("Mechanical keyboard"));
    assert!(b.client.current_url().await.unwrap().as_str().starts_with(&env.base), "on the sandbox's cashier");
    b.shot("cashier-sign-in").await;

    login.click().await.unwrap();
    let pay = b.testid("pay").await;
    assert!(b.testid("buyer").await.text().await.unwrap().contains("余额"));
    b.shot("cashier-pay").await;

    pay.click().await.unwrap();
    let paid = b.testid("paid").await.text().await.unwrap();
    assert!(paid.contains("88.88"), "{paid}");
    let order = b.testid("order").await.text().await.unwrap();
    assert!(b.client.current_url().await.unwrap().as_str().starts_with(&format!("{}/return?", env.shop_url)));
    b.shot("merchant-success").await;

    assert_eq!(*env.shop.returned.lock().unwrap(), vec![order.clone()], "the shop verified the return");
    assert!(env.notified(&order, "TRADE_SUCCESS").await, "the shop received and verified the notification");
    assert_eq!(env.status(&order).await, Some(TradeStatus::TradeSuccess));
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_pay_checkout_in_a_browser() {
    checkout("page-pay", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wap_pay_checkout_on_a_phone_sized_window() {
    checkout("wap-pay", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qr_order_paid_from_the_wallet() {
    if !browser_available() {
        return;
    }
    let env = Env::start().await;
    let pre = TradePrecreate {
        out_trade_no: "QRB1".into(),
        total_amount: "6.60".parse().unwrap(),
        subject: "Latte 拿铁".into(),
        ..Default::default()
    };
    env.client.execute(&pre).await.unwrap();
    let mut b = Browser::start("wallet-qr", false).await;
    b.client.goto(&format!("{}/wallet", env.base)).await.unwrap();
    b.testid("qr-image-QRB1").await;
    b.testid("paycode-barcode").await;
    assert!(b.title().await.contains("钱包"));
    b.shot("wallet").await;
    b.testid("qr-pay-QRB1").await.click().await.unwrap();
    b.wait_text("wallet-message", "QRB1 TRADE_SUCCESS").await;
    b.shot("wallet-paid").await;
    assert_eq!(env.status("QRB1").await, Some(TradeStatus::TradeSuccess));

    // An in-app order: the app's order string pasted in the wallet and paid.
    let app = TradeAppPay::new("APPB1", "9.90".parse().unwrap(), "Gems 宝石");
    let order_string = env.client.trade_app_order_string(&app, &format!("{}/notify", env.shop_url)).unwrap();
    b.testid("app-order-string").await.send_keys(&order_string).await.unwrap();
    b.shot("wallet-app-order").await;
    b.testid("app-pay").await.click().await.unwrap();
    b.wait_text("wallet-message", "APPB1 TRADE_SUCCESS").await;
    b.shot("wallet-app-paid").await;
    assert!(env.notified("APPB1", "TRADE_SUCCESS").await, "the shop verified the app-pay notification");
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_packet_funded_through_the_cashier() {
    if !browser_available() {
        return;
    }
    let env = Env::start().await;
    let mut b = Browser::start("red-packet", false).await;
    b.client.goto(&format!("{}/red-packet", env.shop_url)).await.unwrap();
    let login = b.testid("login").await;
    assert!(b.testid("amount").await.text().await.unwrap().contains("20.00"));
    b.shot("cashier-sign-in").await;
    login.click().await.unwrap();
    b.testid("pay").await.click().await.unwrap();
    let paid = b.testid("paid").await.text().await.unwrap();
    assert!(paid.contains("SUCCESS") && paid.contains("20.00"), "{paid}");
    b.shot("merchant-funded").await;
    b.stop().await;
}

/// The ISV flow in a real browser (issue 16): a merchant opens the app-to-app authorization page
/// (`/oauth2/appToAppAuth.htm?app_id=&redirect_uri=&state=`, production's `openauth.alipay.com` path and
/// parameters), signs in with its pid and authorizes; the browser lands on the ISV's callback with
/// `app_id`, `source=alipay_app_auth`, `app_auth_code` and `state` (callbacks pasted in public projects, e.g.
/// `…?app_id=2019011162891191&source=alipay_app_auth&app_auth_code=f841…X27`). The ISV exchanges the code
/// (`alipay.open.auth.token.app`), creates and refunds a trade for the merchant with the `app_auth_token`; the
/// trade is the merchant's, and another merchant's token cannot touch it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_authorizes_an_isv_app_in_a_browser() {
    use alipay_api::trade::TradeRefund;
    use alipay_client::CallOptions;
    use alipay_sandbox_admin::{NewApp, NewBuyer, ScanTrade};
    use axum::extract::Query;
    if !browser_available() {
        return;
    }
    let env = Env::start().await;
    let admin = &env._admin;
    let app = |open_id| NewApp { open_id: Some(open_id), ..Default::default() };
    let client_of = |a: &alipay_sandbox_admin::RegisteredApp| {
        let cfg: alipay_client::ClientConfig = serde_json::from_value(serde_json::to_value(a).unwrap()).unwrap();
        AlipayClient::from_config(&cfg).unwrap()
    };
    let isv = admin.register_app(&app(false)).await.unwrap();
    let isv_client = client_of(&isv);
    let merchant = admin.register_app(&app(false)).await.unwrap();
    let merchant_client = client_of(&merchant);

    // The ISV's callback page: records what the browser brought.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<(String, String)>>();
    let callback = axum::Router::new().route(
        "/cb",
        axum::routing::get(move |Query(q): Query<Vec<(String, String)>>| async move {
            tx.send(q).ok();
            axum::response::Html(
                "<html><head><title>ISV</title></head><body><p data-testid=\"isv-callback\">授权完成</p></body></html>",
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cb_url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, callback).await });

    let mut b = Browser::start("isv-app-auth", false).await;
    let url = alipay_client::auth::app_to_app_authorize_url(&env.base, &isv.app_id, &cb_url, Some("b-1"));
    b.client.goto(&url).await.unwrap();
    let asking = b.testid("consent-app").await.text().await.unwrap();
    assert!(asking.contains(&isv.app_id), "{asking}");
    assert!(b.title().await.contains("商家授权"));
    b.testid("merchant-pid").await.send_keys(&merchant.merchant_pid).await.unwrap();
    b.shot("app-auth-consent").await;
    b.testid("app-auth-agree").await.click().await.unwrap();
    b.testid("isv-callback").await;
    assert!(b.client.current_url().await.unwrap().as_str().starts_with(&cb_url));
    b.shot("isv-callback").await;
    b.stop().await;

    let got = rx.recv().await.unwrap();
    let get = |k: &str| got.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(
        (get("app_id"), get("source"), get("state")),
        (isv.app_id.clone(), "alipay_app_auth".into(), "b-1".into())
    );
    let exchanged = isv_client.app_auth_token(&get("app_auth_code")).await.unwrap();
    assert!(exchanged.status.is_success(), "{:?}", exchanged.status);
    let token = exchanged.body.token().unwrap().clone();
    assert_eq!(token.user_id.as_deref(), Some(merchant.merchant_pid.as_str()));
    let for_merchant = CallOptions::for_merchant(token.app_auth_token.as_deref().unwrap());

    let pre = TradePrecreate {
        out_trade_no: "ISVB1".into(),
        total_amount: "12.00".parse().unwrap(),
        subject: "ISV 代下单".into(),
        ..Default::default()
    };
    assert!(isv_client.execute_with(&pre, &for_merchant).await.unwrap().status.is_success());
    let buyer = admin.create_buyer(&NewBuyer::new("100.00", "100.00")).await.unwrap();
    let scan = ScanTrade {
        app_id: Some(merchant.app_id.clone()),
        out_trade_no: Some("ISVB1".into()),
        buyer_id: Some(buyer.user_id),
        confirm: true,
        ..Default::default()
    };
    assert_eq!(admin.scan_trade(&scan).await.unwrap().trade_status, "TRADE_SUCCESS", "the merchant's trade");
    let refund = TradeRefund {
        out_trade_no: Some("ISVB1".into()),
        refund_amount: "12.00".parse().unwrap(),
        ..Default::default()
    };
    let refunded = isv_client.execute_with(&refund, &for_merchant).await.unwrap();
    assert!(refunded.status.is_success(), "{:?}", refunded.status);
    let q = TradeQuery { out_trade_no: Some("ISVB1".into()), ..Default::default() };
    let seen = merchant_client.execute(&q).await.unwrap();
    assert_eq!(
        seen.body.trade_status,
        Some(TradeStatus::TradeClosed),
        "refunded in full, seen by the merchant's own app"
    );

    // Another merchant's token (through the same ISV) cannot touch it.
    let other = admin.register_app(&app(false)).await.unwrap();
    let other_token = admin
        .issue_auth_token(&alipay_sandbox_admin::NewAuthToken {
            app_id: isv.app_id.clone(),
            merchant_pid: other.merchant_pid.clone(),
            ttl_secs: None,
        })
        .await
        .unwrap()
        .app_auth_token;
    let theirs = CallOptions::for_merchant(&other_token);
    let q2 = isv_client.execute_with(&q, &theirs).await.unwrap();
    assert_eq!(q2.status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
    assert!(!isv_client.execute_with(&refund, &theirs).await.unwrap().status.is_success());
}

/// An acceptance run in the console, clicked through: a QR order nobody watches (no `notify_url`, never
/// queried) judged by the passive check F7, the report kept as `alipay accept` keeps it
/// (`POST /admin/accept/reports`); Home → Acceptance → the run → the failed case with its reason and timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acceptance_run_in_the_console() {
    use alipay_sandbox_admin::{LintRequest, Profile, Verdict};
    if !browser_available() {
        return;
    }
    let env = Env::start().await;
    let admin = &env._admin;
    let pre = TradePrecreate {
        out_trade_no: "ACC-QR-1".into(),
        total_amount: "20.00".parse().unwrap(),
        subject: "nobody looks".into(),
        ..Default::default()
    };
    assert!(env.client.execute(&pre).await.unwrap().status.is_success());
    tokio::time::sleep(Duration::from_millis(800)).await; // 4 poll intervals of the profile below
    let profile = Profile { poll_interval_s: 0.2, bill_url_ttl_s: 30.0, alipay_rule: false };
    let lint = LintRequest {
        app_id: env.client.app_id().to_owned(),
        since_ms: None,
        profile: Some(profile),
        checks: vec!["F7".into(), "F6".into()],
    };
    let report = admin.accept_lint(&lint).await.unwrap();
    assert_eq!(report.cases[0].verdict, Verdict::Failed, "{:?}", report.cases);
    let saved = admin.save_accept_report(&report).await.unwrap();

    let mut b = Browser::start("acceptance-run", false).await;
    b.client.goto(&format!("{}/", env.base)).await.unwrap();
    b.testid("nav-accept").await.click().await.unwrap();
    let row = b.testid(&format!("run-{}", saved.id)).await;
    b.shot("acceptance-runs").await;
    row.click().await.unwrap();
    let reason = b.wait_text("reason-F7", "no notify_url").await;
    assert!(reason.contains("ACC-QR-1"), "{reason}");
    let case = b.testid("case-F7").await.text().await.unwrap();
    assert!(case.contains("FAILED") && case.contains("001_cd7107dff871e3cf.txt:153"), "{case}");
    let timeline = b.testid("timeline-F7").await.text().await.unwrap();
    assert!(timeline.contains("alipay.trade.precreate"), "{timeline}");
    assert!(b.testid("summary").await.text().await.unwrap().contains("1 failed"));
    assert!(b.testid("profile").await.text().await.unwrap().contains("NOT Alipay's rule"));
    assert!(b.title().await.contains(&format!("Acceptance run #{}", saved.id)));
    b.shot("acceptance-run").await;
    b.stop().await;
}
