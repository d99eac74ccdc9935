//! The operator console in a real headless Chromium, driven over WebDriver (`chromedriver`): what an operator
//! clicks changes what the gateway answers the SDK.
//!
//! 1. Home lists the default app.
//! 2. Controls → advance clock: a waiting trade times out; `alipay.trade.query` over the SDK says TRADE_CLOSED.
//! 3. Controls → inject fault: the next SDK call answers ACQ.SYSTEM_ERROR.
//! 4. Notifications → resend: the merchant's endpoint receives the notification again.
//! 5. Inspector: a call signed with another app's key, with its diagnosis.
//! 6. Apps: the default app's configuration snippets.
//!
//! Screenshots of each step go to `target/screenshots/console-*.png`. Needs Debian's `chromium` and
//! `chromium-driver` (`.ci/run` installs them); without them the test fails when `ALIPAY_BROWSER=1` (CI) and
//! otherwise prints a note and passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use alipay_api::trade::{TradePay, TradePrecreate, TradeQuery, TradeStatus};
use alipay_client::AlipayClient;
use alipay_core::PrivateKey;
use alipay_sandbox::AppJson;
use alipay_sandbox_admin::{AdminClient, NewApp, NewPaymentCode, ScanTrade};
use fantoccini::{Client, ClientBuilder, Locator};

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.unwrap();
    std::fs::write(screenshots_dir().join(format!("console-{name}.png")), png).unwrap();
}

fn by_testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// chromedriver on a free port, killed when dropped.
async fn chromedriver(program: &Path) -> (tokio::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(program)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (child, port);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser(port: u16, chromium: &Path, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium.to_string_lossy(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--no-first-run", "--disable-component-update",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())],
        }),
    );
    ClientBuilder::rustls().unwrap().capabilities(caps).connect(&format!("http://127.0.0.1:{port}")).await.unwrap()
}

/// The merchant's notification endpoint: counts what it receives, answers `success`.
async fn merchant_endpoint() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move || {
            let c = Arc::clone(&counter);
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                "success"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

async fn wait_for_hits(hits: &AtomicUsize, n: usize) {
    for _ in 0..400 {
        if hits.load(Ordering::SeqCst) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the merchant endpoint did not receive {n} notification(s)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_actions_change_what_the_gateway_answers() {
    let (Some(chromium), Some(driver)) = (find_program("chromium"), find_program("chromedriver")) else {
        let note = "chromium and chromedriver not found on PATH (apt-get install chromium chromium-driver)";
        if std::env::var("ALIPAY_BROWSER").as_deref() == Ok("1") {
            panic!("{note}");
        }
        eprintln!("note: skipped: {note}");
        return;
    };

    let (data, running) = common::start_sandbox().await;
    let base = format!("http://{}", running.addr());
    let app_json = data.path().join("app.json");
    let info: AppJson = serde_json::from_slice(&std::fs::read(&app_json).unwrap()).unwrap();
    let (notify_url, hits) = merchant_endpoint().await;
    let mut cfg = alipay_client::ClientConfig::from_file(&app_json).unwrap();
    cfg.notify_url = Some(notify_url);
    let client = AlipayClient::from_config(&cfg).unwrap();
    let admin = AdminClient::from_app_json(&app_json).unwrap();

    let (mut driver_process, port) = chromedriver(&driver).await;
    let profile = tempfile::tempdir().unwrap();
    let b = browser(port, &chromium, profile.path()).await;

    // 1. Home: the default app, linked.
    b.goto(&format!("{base}/")).await.unwrap();
    assert!(b.title().await.unwrap().starts_with("Home"));
    b.find(Locator::Css(&by_testid(&format!("app-{}", info.app_id)))).await.unwrap();
    shot(&b, "1-home").await;

    // 2. A trade waiting for the buyer; advancing the clock past its timeout closes it.
    let pre = TradePrecreate {
        out_trade_no: "CONSOLE_E2E_1".into(),
        total_amount: "8.80".parse().unwrap(),
        subject: "console".into(),
        ..Default::default()
    };
    assert!(client.execute(&pre).await.unwrap().status.is_success());
    let scan = ScanTrade { out_trade_no: Some("CONSOLE_E2E_1".into()), ..Default::default() };
    admin.scan_trade(&scan).await.unwrap();
    let query = TradeQuery { out_trade_no: Some("CONSOLE_E2E_1".into()), ..Default::default() };
    assert_eq!(client.execute(&query).await.unwrap().body.trade_status, Some(TradeStatus::WaitBuyerPay));
    b.find(Locator::Css(&by_testid("nav-controls"))).await.unwrap().click().await.unwrap();
    assert!(b.title().await.unwrap().starts_with("Simulation controls"));
    let seconds = b.find(Locator::Css(&by_testid("advance-seconds"))).await.unwrap();
    seconds.clear().await.unwrap();
    seconds.send_keys("11000").await.unwrap();
    b.find(Locator::Css(&by_testid("advance-clock"))).await.unwrap().click().await.unwrap();
    let flash = b.wait().for_element(Locator::Css(&by_testid("flash"))).await.unwrap().text().await.unwrap();
    assert!(flash.contains("Clock advanced 11000 s"), "{flash}");
    shot(&b, "2-clock-advanced").await;
    assert_eq!(client.execute(&query).await.unwrap().body.trade_status, Some(TradeStatus::TradeClosed));

    // 3. A fault for alipay.trade.query: the next SDK call answers it, the one after is normal again.
    b.find(Locator::Css(&by_testid("fault-method")))
        .await
        .unwrap()
        .select_by_value("alipay.trade.query")
        .await
        .unwrap();
    b.find(Locator::Css(&by_testid("fault-kind"))).await.unwrap().select_by_value("system_error").await.unwrap();
    b.find(Locator::Css(&by_testid("inject-fault"))).await.unwrap().click().await.unwrap();
    let pending = b.wait().for_element(Locator::Css(&by_testid("fault-0"))).await.unwrap().text().await.unwrap();
    assert!(pending.contains("alipay.trade.query") && pending.contains("system_error"), "{pending}");
    shot(&b, "3-fault-injected").await;
    let faulted = client.execute(&query).await.unwrap();
    assert_eq!(faulted.status.sub_code.as_deref(), Some("ACQ.SYSTEM_ERROR"), "{faulted:?}");
    assert!(client.execute(&query).await.unwrap().status.is_success());

    // 4. A paid trade notifies the merchant; "resend" makes it go again.
    let code = admin.issue_payment_code(&info.buyer_user_id, &NewPaymentCode::default()).await.unwrap().auth_code;
    let pay = TradePay {
        out_trade_no: "CONSOLE_E2E_2".into(),
        auth_code: code,
        subject: "console".into(),
        total_amount: "1.00".parse().unwrap(),
        ..Default::default()
    };
    assert!(client.execute(&pay).await.unwrap().status.is_success());
    wait_for_hits(&hits, 1).await;
    let mut resend = None;
    for _ in 0..100 {
        b.goto(&format!("{base}/notifications?q=CONSOLE_E2E_2")).await.unwrap();
        let src = b.source().await.unwrap();
        if src.contains("HTTP 200: success") {
            let id = src.split("data-testid=\"resend-").nth(1).unwrap().split('"').next().unwrap().to_owned();
            resend = Some(id);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = resend.expect("the delivered notification is listed with the merchant's answer");
    b.find(Locator::Css(&by_testid(&format!("resend-{id}")))).await.unwrap().click().await.unwrap();
    let flash = b.wait().for_element(Locator::Css(&by_testid("flash"))).await.unwrap().text().await.unwrap();
    assert!(flash.contains(&format!("Notification {id} queued")), "{flash}");
    wait_for_hits(&hits, 2).await;
    b.goto(&format!("{base}/notifications?q=CONSOLE_E2E_2")).await.unwrap();
    shot(&b, "4-notification-resent").await;

    // 5. A request signed with another app's key: the SDK gets Alipay's answer, the inspector explains it.
    let other_key = PrivateKey::generate().unwrap();
    let new = NewApp { public_key: other_key.public_key().to_spki_pem(), ..Default::default() };
    let other = admin.register_app(&new).await.unwrap();
    let wrong = AlipayClient::builder(&info.app_id, &other_key.to_pkcs8_pem(), &info.alipay_public_key)
        .gateway(&running.gateway_url())
        .build()
        .unwrap();
    let refused = wrong.execute(&query).await.unwrap();
    assert_eq!(refused.status.sub_code.as_deref(), Some("isv.invalid-signature"));
    b.find(Locator::Css(&by_testid("nav-inspector"))).await.unwrap().click().await.unwrap();
    let search = b.find(Locator::Css(&by_testid("search"))).await.unwrap();
    search.send_keys("isv.invalid-signature").await.unwrap();
    b.find(Locator::Css(&by_testid("search-submit"))).await.unwrap().click().await.unwrap();
    shot(&b, "5-inspector-list").await;
    let row = b.wait().for_element(Locator::Css("[data-testid^=\"call-\"]")).await.unwrap();
    row.click().await.unwrap();
    let diagnosis = b.wait().for_element(Locator::Css(&by_testid("diagnosis"))).await.unwrap().text().await.unwrap();
    assert!(diagnosis.contains(&format!("public key of app {}", other.app_id)), "{diagnosis}");
    let content = b.find(Locator::Css(&by_testid("sign-content"))).await.unwrap().text().await.unwrap();
    assert!(content.contains("method=alipay.trade.query"), "{content}");
    shot(&b, "6-inspector-call").await;

    // 6. The default app's page: its snippets for the official SDKs.
    b.find(Locator::Css(&by_testid("nav-apps"))).await.unwrap().click().await.unwrap();
    b.find(Locator::Css(&by_testid(&format!("app-{}", info.app_id)))).await.unwrap().click().await.unwrap();
    let python = b.find(Locator::Css(&by_testid("snippet-python"))).await.unwrap().text().await.unwrap();
    assert!(python.contains("AlipayClientConfig") && python.contains(&info.app_id), "{python}");
    shot(&b, "7-app-snippets").await;

    b.close().await.unwrap();
    let _ = driver_process.kill().await;
    running.stop().await;
}
