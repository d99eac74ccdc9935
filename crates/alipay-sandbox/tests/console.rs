//! The operator console over plain HTTP: every page renders with a title; its forms change what the gateway
//! answers; the inspector records calls and explains the common mistakes; off loopback every console and admin
//! route answers 401 without the token (and changes nothing), the token works as a bearer header or as the
//! cookie a browser gets from `?token=`; cross-site form posts are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod common;

use alipay_core::{Charset, Timestamp};
use alipay_sandbox::{AppJson, Sandbox};
use common::{code_of, sub_code_of, Harness};
use serde_json::json;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn page(h: &Harness, path: &str) -> (u16, String) {
    let resp = h.http.get(format!("{}{path}", h.base())).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn post_form(client: &reqwest::Client, url: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> u16 {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let mut req = client.post(url).header("content-type", "application/x-www-form-urlencoded").body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn home_says_where_the_state_lives_without_the_password() {
    let h = Harness::start().await;
    let (status, body) = page(&h, "/").await;
    assert_eq!(status, 200);
    match &h.config.store {
        Some(url) => {
            assert!(body.contains("State: PostgreSQL"), "{body}");
            let password = url::Url::parse(url).unwrap().password().map(str::to_owned);
            if let Some(p) = password {
                assert!(!body.contains(&format!(":{p}@")), "the store's password is on the page");
            }
        }
        None => assert!(body.contains("State: SQLite in"), "{body}"),
    }
}

#[tokio::test]
async fn every_page_renders_with_a_title() {
    let h = Harness::start().await;
    h.pay("CONSOLE_T1", "10.00", &h.info.buyer_user_id).await;
    let trade_no = h.call("alipay.trade.query", json!({"out_trade_no": "CONSOLE_T1"})).await["trade_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let app = &h.info.app_id;
    let pages = [
        ("/", "Home"),
        ("/inspector", "Request inspector"),
        ("/inspector/1", "Call 1"),
        ("/controls", "Simulation controls"),
        ("/notifications", "Notifications"),
        ("/trades", "Trades"),
        (&format!("/trades/{trade_no}"), "Trade CONSOLE_T1"),
        ("/trades?q=CONSOLE_T1", "Trades"),
        ("/deduct", "Deduct"),
        ("/redpackets", "Red packets"),
        ("/ebpp", "EBPP bills"),
        ("/bills", "Bill files"),
        ("/accounts", "Merchants and buyers"),
        ("/apps", "Apps"),
        (&format!("/apps/{app}"), "App "),
    ];
    for (path, title) in pages {
        let (status, body) = page(&h, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains(&format!("<title>{title}")), "{path}: no title {title:?}");
        assert!(body.contains("data-testid=\"nav-wallet\""), "{path}: the nav links to /wallet");
    }
    // Home lists the app ids and the recent calls; the trade's page has its timeline.
    let (_, home) = page(&h, "/").await;
    assert!(home.contains(app.as_str()) && home.contains("alipay.trade.query"));
    let (_, trade) = page(&h, &format!("/trades/{trade_no}")).await;
    assert!(trade.contains("data-testid=\"timeline\"") && trade.contains("paid by buyer"), "{trade}");
    // The search narrows: another out_trade_no finds nothing.
    let (_, none) = page(&h, "/trades?q=NO_SUCH_ORDER").await;
    assert!(!none.contains(&trade_no));
    // The default app's page shows its private key and working snippets; app.json is the sandbox's own.
    let (_, app_page) = page(&h, &format!("/apps/{app}")).await;
    for testid in ["snippet-java", "snippet-python", "snippet-node", "snippet-rust", "snippet-cli", "private-key"] {
        assert!(app_page.contains(&format!("data-testid=\"{testid}\"")), "{testid}");
    }
    assert!(app_page.contains("new DefaultAlipayClient(config)") && app_page.contains("new AlipaySdk("));
    let bytes = h.http.get(format!("{}/apps/{app}/app.json", h.base())).send().await.unwrap().bytes().await.unwrap();
    let json: AppJson = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json.app_private_key, h.info.app_private_key);
    assert_eq!(json.gateway_url, h.gateway());
    // Another app: no private key anywhere.
    let other = h.new_app().await;
    let (_, other_page) = page(&h, &format!("/apps/{}", other.app_id)).await;
    assert!(!other_page.contains("data-testid=\"private-key\"") && !other_page.contains("PRIVATE KEY-----"));
}

#[tokio::test]
async fn forms_change_what_the_gateway_answers() {
    let h = Harness::start().await;
    let client = no_redirects();
    let base = h.base();
    // Inject a fault: the next trade.query answers it.
    let status = post_form(
        &client,
        &format!("{base}/controls/faults"),
        &[("method", "alipay.trade.query"), ("kind", "system_error"), ("count", "1")],
        &[("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(status, 303);
    let r = h.call("alipay.trade.query", json!({"out_trade_no": "ANY"})).await;
    assert_eq!(sub_code_of(&r), "ACQ.SYSTEM_ERROR", "{r}");
    let r = h.call("alipay.trade.query", json!({"out_trade_no": "ANY"})).await;
    assert_eq!(sub_code_of(&r), "ACQ.TRADE_NOT_EXIST", "the fault fired once: {r}");

    // Advance the clock: an unpaid trade times out.
    let biz = json!({"out_trade_no": "CONSOLE_QR", "total_amount": "1.00", "subject": "x"});
    assert_eq!(code_of(&h.call("alipay.trade.precreate", biz).await), "10000");
    h.admin_post("/admin/trades/scan", json!({"out_trade_no": "CONSOLE_QR", "buyer_id": h.info.buyer_user_id})).await;
    let status =
        post_form(&client, &format!("{base}/controls/clock"), &[("seconds", "10900")], &[("origin", &base)]).await;
    assert_eq!(status, 303);
    let r = h.call("alipay.trade.query", json!({"out_trade_no": "CONSOLE_QR"})).await;
    assert_eq!(r["trade_status"], "TRADE_CLOSED", "{r}");

    // A cross-site post is refused and changes nothing, on loopback too.
    let before = h.admin_get("/admin/clock").await;
    for headers in [[("sec-fetch-site", "cross-site")], [("origin", "http://evil.example")]] {
        let status = post_form(&client, &format!("{base}/controls/clock"), &[("seconds", "60")], &headers).await;
        assert_eq!(status, 403);
        let status = post_form(&client, &format!("{base}/controls/reset"), &[], &headers).await;
        assert_eq!(status, 403);
    }
    assert_eq!(h.admin_get("/admin/clock").await["offset_secs"], before["offset_secs"]);
    assert_eq!(code_of(&h.call("alipay.trade.query", json!({"out_trade_no": "CONSOLE_QR"})).await), "10000");
}

#[tokio::test]
async fn the_inspector_explains_a_signature_made_with_another_apps_key() {
    let h = Harness::start().await;
    let other = h.new_app().await;
    let mut params = h.common(&h.app, "alipay.trade.query", Charset::Utf8);
    params.push(("biz_content".into(), json!({"out_trade_no": "WRONG_KEY"}).to_string()));
    Harness::sign(&mut params, &other.key, other.sign_type, Charset::Utf8);
    let (_, _, body) = h.post_form(&params, Charset::Utf8).await;
    let (_, obj) = h.verify(&body, "alipay.trade.query", Charset::Utf8, h.app.sign_type);
    assert_eq!(sub_code_of(&obj), "isv.invalid-signature", "the wire answer is Alipay's: {obj}");

    let (_, list) = page(&h, "/inspector?q=WRONG_KEY").await;
    assert!(list.contains("isv.invalid-signature") && list.contains("another app"), "{list}");
    let id = list.split("data-testid=\"call-").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (_, call) = page(&h, &format!("/inspector/{id}")).await;
    assert!(call.contains(&format!("verifies with the public key of app {}", other.app_id)), "{call}");
    assert!(call.contains("data-testid=\"sign-content\"") && call.contains("method=alipay.trade.query"));
}

#[tokio::test]
async fn the_inspector_explains_a_timestamp_off_by_whole_hours() {
    let h = Harness::start().await;
    let mut params = h.common(&h.app, "alipay.trade.query", Charset::Utf8);
    // A host on UTC stamping its local time: 8 hours behind Beijing.
    let utc = Timestamp::from_unix(Timestamp::now().unix() - 8 * 3600).unwrap().to_string();
    for p in params.iter_mut().filter(|p| p.0 == "timestamp") {
        p.1 = utc.clone();
    }
    params.push(("biz_content".into(), json!({"out_trade_no": "TZ"}).to_string()));
    Harness::sign(&mut params, &h.app.key, h.app.sign_type, Charset::Utf8);
    let (_, _, body) = h.post_form(&params, Charset::Utf8).await;
    let (_, obj) = h.verify(&body, "alipay.trade.query", Charset::Utf8, h.app.sign_type);
    assert_eq!(sub_code_of(&obj), "isv.invalid-timestamp");
    let (_, list) = page(&h, "/inspector").await;
    assert!(list.contains("8 hour(s) behind Beijing time") && list.contains("UTC+0"), "{list}");
    assert!(list.contains("TZ=Asia/Shanghai"), "{list}");
}

#[tokio::test]
async fn the_inspector_notes_empty_values_signed() {
    let h = Harness::start().await;
    // As Alipay's Python and Node SDKs sign: every parameter, the empty return_url included.
    let mut params = h.common(&h.app, "alipay.trade.query", Charset::Utf8);
    params.push(("return_url".into(), String::new()));
    params.push(("biz_content".into(), json!({"out_trade_no": "EMPTY_SIGNED"}).to_string()));
    params.sort_by(|a, b| a.0.cmp(&b.0));
    let content = params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let sign = h.app.key.sign(h.app.sign_type, content.as_bytes()).unwrap();
    params.push(("sign".into(), sign));
    let (_, _, answer) = h.post_form(&params, Charset::Utf8).await;
    let (_, obj) = h.verify(&answer, "alipay.trade.query", Charset::Utf8, h.app.sign_type);
    assert_eq!(sub_code_of(&obj), "ACQ.TRADE_NOT_EXIST", "accepted: {obj}");
    let (_, list) = page(&h, "/inspector?q=EMPTY_SIGNED").await;
    assert!(list.contains("the signature covers parameters with empty values"), "{list}");
}

#[tokio::test]
async fn the_inspector_explains_a_charset_mismatch() {
    let h = Harness::start().await;
    // Declares GBK, sends and signs UTF-8 bytes.
    let mut params = h.common(&h.app, "alipay.trade.query", Charset::Gbk);
    params.push(("biz_content".into(), json!({"out_trade_no": "GBK_MISMATCH", "memo": "中文"}).to_string()));
    Harness::sign(&mut params, &h.app.key, h.app.sign_type, Charset::Utf8);
    let body = alipay_core::form::encode(params.iter().map(|(k, v)| (k.as_str(), v.as_str())), Charset::Utf8).unwrap();
    let (_, _, answer) = h.post_raw("", body.into_bytes(), Charset::Gbk).await;
    // The bytes round-trip, so the signature verifies: the wire answer is the normal one.
    let (_, obj) = h.verify(&answer, "alipay.trade.query", Charset::Gbk, h.app.sign_type);
    assert_eq!(sub_code_of(&obj), "ACQ.TRADE_NOT_EXIST", "{obj}");
    let (_, list) = page(&h, "/inspector?q=GBK_MISMATCH").await;
    assert!(list.contains("Charset mismatch: the request says charset=GBK but its bytes are UTF-8"), "{list}");
}

#[tokio::test]
async fn apps_are_created_from_the_form_and_a_bill_downloads() {
    let h = Harness::start().await;
    let client = no_redirects();
    let key = alipay_core::PrivateKey::generate().unwrap();
    let pem = key.public_key().to_spki_pem();
    let resp = client
        .post(format!("{}/apps", h.base()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("public_key", pem.as_str()), ("sign_type", "RSA2")])
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/apps/"), "{location}");
    let (status, app_page) = page(&h, &location).await;
    assert_eq!(status, 200);
    assert!(app_page.contains("App created") || app_page.contains("created."), "the flash");
    // A bad key: refused with a message, nothing created.
    let before = page(&h, "/apps").await.1.matches("data-testid=\"app-").count();
    let resp = client
        .post(format!("{}/apps", h.base()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("public_key=not-a-key")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"].to_str().unwrap().split('?').next().unwrap(), "/apps");
    assert_eq!(page(&h, "/apps").await.1.matches("data-testid=\"app-").count(), before);

    // A payment today, the clock a day later: yesterday's bill downloads as a zip.
    h.pay("BILL_1", "3.00", &h.info.buyer_user_id).await;
    let t = h.admin_get("/admin/trades?out_trade_no=BILL_1").await;
    let day = t["gmt_payment"].as_str().unwrap()[..10].to_owned();
    h.admin_post("/admin/clock/advance", json!({"seconds": 2 * 86400})).await;
    let form = format!("app_id={}&bill_date={day}&bill_type=trade", h.info.app_id);
    let resp = client
        .post(format!("{}/bills", h.base()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/bills/"), "{location}");
    let zip = h.http.get(format!("{}{location}", h.base())).send().await.unwrap().bytes().await.unwrap();
    assert!(zip.starts_with(b"PK"), "a zip file");
}

#[tokio::test]
async fn resend_makes_a_delivered_notification_go_again() {
    let h = Harness::start().await;
    // A merchant endpoint that counts what it receives and answers success.
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&hits);
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move || {
            let c = std::sync::Arc::clone(&counter);
            async move {
                c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "success"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let code = h.code(&h.info.buyer_user_id).await;
    let biz = json!({"out_trade_no": "CONSOLE_N", "scene": "bar_code", "auth_code": code, "subject": "x",
                     "total_amount": "1.00"});
    let r = h.call_as(&h.app, "alipay.trade.pay", biz, &[("notify_url", &url)]).await;
    assert_eq!(code_of(&r), "10000", "{r}");
    let wait_for = |n: usize| {
        let hits = std::sync::Arc::clone(&hits);
        async move {
            for _ in 0..200 {
                if hits.load(std::sync::atomic::Ordering::SeqCst) >= n {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            panic!("the endpoint did not receive {n} notification(s)");
        }
    };
    wait_for(1).await;
    let list = h.admin_get("/admin/notifications?out_trade_no=CONSOLE_N").await;
    let id = list[0]["id"].as_i64().unwrap();
    for _ in 0..100 {
        if h.admin_get("/admin/notifications?out_trade_no=CONSOLE_N").await[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (_, page_text) = page(&h, "/notifications").await;
    assert!(page_text.contains(&format!("data-testid=\"resend-{id}\"")) && page_text.contains("HTTP 200: success"));
    let status = post_form(&no_redirects(), &format!("{}/notifications/{id}/resend", h.base()), &[], &[]).await;
    assert_eq!(status, 303);
    wait_for(2).await;
}

#[tokio::test]
async fn off_loopback_every_console_route_needs_the_token_and_a_refusal_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::open(dir.path(), common::test_config()).await.unwrap();
    let token = sandbox.admin_token().to_owned();
    let running = sandbox.start("0.0.0.0:0".parse().unwrap()).await.unwrap();
    let base = format!("http://127.0.0.1:{}", running.addr().port());
    let client = no_redirects();
    let gets = [
        "/",
        "/inspector",
        "/controls",
        "/notifications",
        "/trades",
        "/deduct",
        "/redpackets",
        "/ebpp",
        "/bills",
        "/accounts",
        "/apps",
        "/admin/clock",
        "/admin/faults",
    ];
    let app_id =
        serde_json::from_slice::<AppJson>(&std::fs::read(dir.path().join("app.json")).unwrap()).unwrap().app_id;
    let private = [
        format!("/apps/{app_id}"),
        format!("/apps/{app_id}/app.json"),
        "/inspector/1".to_owned(),
        "/trades/2026".to_owned(),
        "/redpackets/1".to_owned(),
    ];
    let gets: Vec<&str> = gets.iter().copied().chain(private.iter().map(String::as_str)).collect();
    let posts: [(&str, &[(&str, &str)]); 8] = [
        ("/controls/clock", &[("seconds", "3600")]),
        ("/controls/faults", &[("method", "*"), ("kind", "system_error")]),
        ("/controls/reset", &[]),
        ("/notifications/1/resend", &[]),
        ("/apps", &[("public_key", "x")]),
        ("/controls/faults/clear", &[]),
        ("/deduct/resolve", &[("seller_id", "x"), ("out_order_no", "x"), ("result", "success")]),
        ("/bills", &[("app_id", "x"), ("bill_date", "2020-01-01"), ("bill_type", "trade")]),
    ];
    let wrong = format!("{token}0");
    let cookie_wrong = format!("{}={wrong}", alipay_sandbox_admin_cookie());
    let bearer_wrong = format!("Bearer {wrong}");
    let attempts: [&[(&str, &str)]; 3] = [&[], &[("authorization", &bearer_wrong)], &[("cookie", &cookie_wrong)]];
    for headers in attempts {
        for path in &gets {
            let mut req = client.get(format!("{base}{path}"));
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 401, "GET {path} with {headers:?}");
            assert!(!resp.text().await.unwrap().contains("<html"), "nothing of the page leaks");
        }
        for (path, form) in posts {
            assert_eq!(post_form(&client, &format!("{base}{path}"), form, headers).await, 401, "POST {path}");
        }
    }
    // A wrong ?token= is refused too, and sets no cookie.
    let resp = client.get(format!("{base}/?token={wrong}")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.headers().get("set-cookie").is_none());

    // Nothing changed: the clock, the faults, the apps.
    let admin = reqwest::Client::new();
    let get = |path: &str| admin.get(format!("{base}{path}")).bearer_auth(&token).send();
    let clock: serde_json::Value = json_of(get("/admin/clock").await.unwrap()).await;
    assert_eq!(clock["offset_secs"], 0);
    let faults: serde_json::Value = json_of(get("/admin/faults").await.unwrap()).await;
    assert_eq!(faults["pending"], json!([]));

    // The right token: as a bearer header, or once in the URL → an HttpOnly SameSite=Strict cookie.
    assert_eq!(get("/controls").await.unwrap().status().as_u16(), 200);
    let resp = client.get(format!("{base}/trades?q=X&token={token}")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/trades?q=X", "the token leaves the URL");
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let resp = client.get(format!("{base}/")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // With the cookie, a same-origin form works and a cross-site one does not.
    let status = post_form(
        &client,
        &format!("{base}/controls/clock"),
        &[("seconds", "60")],
        &[("cookie", &cookie), ("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(status, 403);
    let status = post_form(
        &client,
        &format!("{base}/controls/clock"),
        &[("seconds", "60")],
        &[("cookie", &cookie), ("sec-fetch-site", "same-origin")],
    )
    .await;
    assert_eq!(status, 303);
    let clock: serde_json::Value = json_of(get("/admin/clock").await.unwrap()).await;
    assert_eq!(clock["offset_secs"], 60);
    // The gateway stays open.
    let resp = reqwest::Client::new().post(format!("{base}/gateway.do")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    running.stop().await;
}

fn alipay_sandbox_admin_cookie() -> &'static str {
    "alipay_sandbox_token"
}

async fn json_of(resp: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The Node snippet of the default app's page, pasted into a file, runs with Alipay's official Node SDK (pinned in
/// `interop/`, installed by `interop/install.sh`): it reaches the sandbox and verifies the signed answer.
#[tokio::test]
async fn the_node_snippet_works_as_pasted_with_the_official_sdk() {
    let modules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/node_modules");
    if !modules.join("alipay-sdk").is_dir() {
        let note = format!("{} missing: run interop/install.sh", modules.display());
        if std::env::var("ALIPAY_INTEROP").as_deref() == Ok("1") {
            panic!("{note}");
        }
        eprintln!("note: skipped: {note}");
        return;
    }
    let h = Harness::start().await;
    let (_, app_page) = page(&h, &format!("/apps/{}", h.info.app_id)).await;
    let snippet = app_page.split("data-testid=\"snippet-node\">").nth(1).unwrap().split("</pre>").next().unwrap();
    let file = h.dir.path().join("app.js");
    std::fs::write(&file, unescape(snippet)).unwrap();
    let mut node = std::process::Command::new("node");
    node.arg(&file).env("NODE_PATH", &modules).env("TZ", "Asia/Shanghai");
    // Blocking, off the runtime: the sandbox must keep answering meanwhile.
    let out = tokio::task::spawn_blocking(move || node.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // The SDK verified the answer and returns it: the query of an unknown order.
    assert!(stdout.contains("ACQ.TRADE_NOT_EXIST"), "{stdout}");
}
