//! The cashier and the wallet over plain HTTP (no browser): page, wap and app pay end to end with the SDK
//! (issue 10). The browser walk is `browser.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

mod common;

use alipay_api::coupon::CouponOrderPagePay;
use alipay_api::trade::{TradeAppPay, TradePagePay, TradePrecreate, TradeQuery, TradeRefund, TradeStatus, TradeWapPay};
use alipay_client::{AlipayClient, CallOptions};
use alipay_sandbox::RunningSandbox;
use alipay_sandbox_admin::{AdminClient, NotificationQuery};
use reqwest::header::{ACCEPT, LOCATION};
use reqwest::redirect::Policy;

/// The headers a browser sends when it loads a page (Chromium's navigation request).
fn browser(r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    r.header(ACCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-mode", "navigate")
}

struct Env {
    _dir: tempfile::TempDir,
    _running: RunningSandbox,
    base: String,
    client: AlipayClient,
    admin: AdminClient,
    http: reqwest::Client,
}

impl Env {
    async fn start() -> Env {
        let (dir, running) = common::start_sandbox().await;
        let path = dir.path().join("app.json");
        let cfg = alipay_client::ClientConfig::from_file(&path).unwrap();
        let base = cfg.gateway_url.trim_end_matches("/gateway.do").to_owned();
        let client = AlipayClient::from_config(&cfg).unwrap();
        let admin = AdminClient::from_app_json(&path).unwrap();
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        Env { _dir: dir, _running: running, base, client, admin, http }
    }

    /// A browser's page load (what Chromium sends when it follows a redirect): see `cashier::is_page_navigation`.
    async fn get_html(&self, url: &str) -> (u16, String) {
        let url = if url.starts_with('/') { format!("{}{url}", self.base) } else { url.to_owned() };
        let r = browser(self.http.get(url)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Posts a cashier or wallet form; answers the status and the `Location`.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self.http.post(format!("{}{path}", self.base)).form(form).send().await.unwrap();
        let loc = r.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        (r.status().as_u16(), loc)
    }

    async fn status(&self, out_trade_no: &str) -> Option<TradeStatus> {
        let q = TradeQuery { out_trade_no: Some(out_trade_no.into()), ..Default::default() };
        self.client.execute(&q).await.unwrap().body.trade_status
    }
}

/// The value of `attr="..."` in the first tag that has `marker`.
fn attr_near(html: &str, marker: &str, attr: &str) -> String {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker} not in {html}"));
    let tag_start = html[..at].rfind('<').unwrap();
    let tag_end = at + html[at..].find('>').unwrap();
    let tag = &html[tag_start..tag_end];
    let key = format!("{attr}=\"");
    let v = &tag[tag.find(&key).unwrap_or_else(|| panic!("{attr} not in {tag}")) + key.len()..];
    v[..v.find('"').unwrap()].replace("&amp;", "&")
}

fn form_action(html: &str, testid: &str) -> String {
    let at = html.find(&format!("data-testid=\"{testid}\"")).unwrap_or_else(|| panic!("{testid} not in {html}"));
    let form = html[..at].rfind("<form").unwrap();
    attr_near(&html[form..], "action=", "action")
}

fn ticket(html: &str) -> String {
    attr_near(html, "name=\"t\"", "value")
}

fn title(html: &str) -> &str {
    let s = html.find("<title>").unwrap() + 7;
    &html[s..s + html[s..].find("</title>").unwrap()]
}

#[tokio::test]
async fn page_pay_url_opens_the_cashier_pays_and_returns_signed() {
    let env = Env::start().await;
    let order = TradePagePay::new("PAGE_1", "12.34".parse().unwrap(), "Keyboard");
    let url = env.client.trade_page_pay_url(&order, "http://shop.test/return", "http://127.0.0.1:9/notify").unwrap();

    // The browser's GET gets HTML, not the envelope; nothing exists for query before sign-in.
    let (code, html) = env.get_html(&url).await;
    assert_eq!(code, 200, "{html}");
    assert!(title(&html).contains("Keyboard"), "{}", title(&html));
    assert!(html.contains("data-testid=\"login\""));
    assert!(html.contains("12.34"));
    let q = TradeQuery { out_trade_no: Some("PAGE_1".into()), ..Default::default() };
    assert_eq!(env.client.execute(&q).await.unwrap().status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));

    // A stranger without the ticket cannot act on it; a cross-site post is refused.
    let login = form_action(&html, "login");
    let t = ticket(&html);
    let logon = attr_near(&html, "data-testid=\"logon-id\"", "value");
    assert!(!logon.is_empty(), "the default buyer is pre-filled");
    assert_eq!(env.post(&login, &[("t", "0000"), ("logon_id", &logon)]).await.0, 403);
    let cross = env
        .http
        .post(format!("{}{login}", env.base))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("t", t.as_str()), ("logon_id", logon.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);

    // Sign in: the trade now waits for payment.
    let (code, back) = env.post(&login, &[("t", &t), ("logon_id", &logon)]).await;
    assert_eq!(code, 303);
    assert_eq!(env.status("PAGE_1").await, Some(TradeStatus::WaitBuyerPay));
    let (_, html) = env.get_html(&back).await;
    let pay = form_action(&html, "pay");
    assert!(html.contains("data-testid=\"cancel\""));

    // Pay: 303 to return_url with signed return parameters the SDK verifies.
    let (code, location) = env.post(&pay, &[("t", &t)]).await;
    assert_eq!(code, 303);
    let (base, query) = location.split_once('?').unwrap();
    assert_eq!(base, "http://shop.test/return");
    let back = env.client.verify_return(query).unwrap().trade().unwrap();
    assert_eq!(back.method, "alipay.trade.page.pay.return");
    assert_eq!(back.out_trade_no, "PAGE_1");
    assert_eq!(back.total_amount, "12.34".parse().unwrap());
    assert!(back.trade_no.len() >= 16);
    for key in ["charset", "auth_app_id", "version", "app_id", "sign_type", "seller_id", "timestamp", "sign"] {
        assert!(query.contains(&format!("{key}=")), "{key} in {query}");
    }
    // A tampered return does not verify.
    let tampered = query.replace("total_amount=12.34", "total_amount=0.01");
    assert!(env.client.verify_return(tampered.as_str()).is_err());

    // The same trade as face-to-face ones: query, notification, refund.
    assert_eq!(env.status("PAGE_1").await, Some(TradeStatus::TradeSuccess));
    let notes = env
        .admin
        .notifications(&NotificationQuery { out_trade_no: Some("PAGE_1".into()), ..Default::default() })
        .await
        .unwrap();
    assert!(notes.iter().any(|n| n.url == "http://127.0.0.1:9/notify"), "{notes:?}");
    let refund = TradeRefund {
        out_trade_no: Some("PAGE_1".into()),
        refund_amount: "2.34".parse().unwrap(),
        ..Default::default()
    };
    let r = env.client.execute(&refund).await.unwrap();
    assert_eq!(r.body.refund_fee, Some("2.34".parse().unwrap()));

    // Paying again is refused: the cashier shows the result, a new page pay of the same order says so.
    let (code, html) = env.get_html(&url).await;
    assert_eq!(code, 200);
    assert!(html.contains("ACQ.TRADE_HAS_SUCCESS"), "{html}");
}

#[tokio::test]
async fn wap_pay_form_cancel_goes_to_quit_url_unpaid() {
    let env = Env::start().await;
    let mut order = TradeWapPay::new("WAP_1", "1.00".parse().unwrap(), "Phone case");
    order.quit_url = Some("http://shop.test/cart".into());
    let form = env.client.trade_wap_pay_form(&order, "http://shop.test/return", "").unwrap();
    // Submit the form as the browser would: action URL + hidden inputs.
    let action = attr_near(&form, "action=", "action");
    let biz = attr_near(&form, "name=\"biz_content\"", "value").replace("&quot;", "\"");
    let r = browser(env.http.post(&action)).form(&[("biz_content", biz.as_str())]).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("width=device-width"), "{html}");
    assert!(html.contains("class=\"phone\""));
    let cancel = form_action(&html, "cancel");
    let (code, location) = env.post(&cancel, &[("t", &ticket(&html))]).await;
    assert_eq!((code, location.as_str()), (303, "http://shop.test/cart"));
    let q = TradeQuery { out_trade_no: Some("WAP_1".into()), ..Default::default() };
    assert_eq!(env.client.execute(&q).await.unwrap().status.sub_code.as_deref(), Some("ACQ.TRADE_NOT_EXIST"));
}

#[tokio::test]
async fn a_bad_signature_shows_an_error_page_with_the_code() {
    let env = Env::start().await;
    let order = TradePagePay::new("PAGE_BAD", "1.00".parse().unwrap(), "x");
    let url = env.client.trade_page_pay_url(&order, "", "").unwrap();
    let tampered = url.replace("PAGE_BAD", "PAGE_EVIL");
    let (code, html) = env.get_html(&tampered).await;
    assert_eq!(code, 200);
    assert!(html.contains("data-testid=\"error\""), "{html}");
    assert!(html.contains("40002") && html.contains("isv.invalid-signature"), "{html}");
    // Field rules answer with the family's code.
    let wrong = TradePagePay { product_code: "QUICK_WAP_WAY".into(), ..order };
    let opts = CallOptions::default();
    assert!(env.client.page_pay_url(&wrong, &opts).is_err(), "the SDK checks the product code first");
}

#[tokio::test]
async fn coupon_page_pay_is_json_for_clients_and_a_cashier_for_browsers() {
    let env = Env::start().await;
    let packet = CouponOrderPagePay {
        out_order_no: "RP_1".into(),
        out_request_no: "RP_1_F".into(),
        order_title: "红包".into(),
        amount: "5.00".parse().unwrap(),
        ..Default::default()
    };
    let opts = CallOptions { return_url: Some("http://shop.test/rp".into()), ..Default::default() };
    let url = env.client.page_pay_url(&packet, &opts).unwrap();
    let json = env.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(json.contains("alipay_fund_coupon_order_page_pay_response") && json.contains("INIT"), "{json}");
    // The official Java SDK's execute() sends `Accept: text/plain,text/xml,text/javascript,text/html` and
    // `User-Agent: aop-sdk-java` (com.alipay.api.internal.util.WebUtils, alipay-sdk-java 4.40.0.ALL): an API call,
    // answered with the JSON envelope although its Accept names text/html.
    let java = env
        .http
        .get(&url)
        .header(ACCEPT, "text/plain,text/xml,text/javascript,text/html")
        .header(reqwest::header::USER_AGENT, "aop-sdk-java")
        .send()
        .await
        .unwrap();
    let json = java.text().await.unwrap();
    assert!(json.contains("alipay_fund_coupon_order_page_pay_response") && json.contains("INIT"), "{json}");
    let (code, html) = env.get_html(&url).await;
    assert_eq!(code, 200);
    assert!(html.contains("data-testid=\"login\""), "{html}");
    let t = ticket(&html);
    let logon = attr_near(&html, "data-testid=\"logon-id\"", "value");
    let (code, _) = env.post(&form_action(&html, "login"), &[("t", &t), ("logon_id", &logon)]).await;
    assert_eq!(code, 303);
    let (_, html) = env.get_html(&format!("{}?t={t}", form_action(&html, "login").trim_end_matches("/login"))).await;
    let (code, location) = env.post(&form_action(&html, "pay"), &[("t", &t)]).await;
    assert_eq!(code, 303);
    let (_, query) = location.split_once('?').unwrap();
    let back = env.client.verify_return(query).unwrap();
    assert_eq!(back.get("method"), Some("alipay.fund.coupon.order.page.pay.return"));
    assert_eq!(back.get("status"), Some("SUCCESS"));
    assert_eq!(back.get("out_order_no"), Some("RP_1"));
}

#[tokio::test]
async fn the_wallet_pays_qr_orders_and_app_order_strings() {
    let env = Env::start().await;
    let pre = TradePrecreate {
        out_trade_no: "QR_1".into(),
        total_amount: "3.00".parse().unwrap(),
        subject: "Coffee".into(),
        ..Default::default()
    };
    env.client.execute(&pre).await.unwrap();
    let (code, html) = env.get_html("/wallet").await;
    assert_eq!(code, 200);
    assert!(html.contains("data-testid=\"qr-pay-QR_1\""), "{html}");
    let qr = &html[html.find("data-testid=\"qr-image-QR_1\"").unwrap()..];
    assert!(qr.contains("<svg"), "the QR code is an inline SVG");
    assert!(html.contains("data-testid=\"paycode-barcode\""));
    let buyer = attr_near(&html, "type=\"hidden\" name=\"buyer\"", "value");
    let qr_code = attr_near(&html[html.find("action=\"/wallet/qr-pay\"").unwrap()..], "name=\"qr_code\"", "value");
    let (code, location) = env.post("/wallet/qr-pay", &[("buyer", &buyer), ("qr_code", &qr_code)]).await;
    assert_eq!(code, 303, "{location}");
    assert_eq!(env.status("QR_1").await, Some(TradeStatus::TradeSuccess));

    let app = TradeAppPay::new("APP_1", "4.00".parse().unwrap(), "Gems");
    let order_string = env.client.trade_app_order_string(&app, "http://127.0.0.1:9/notify").unwrap();
    let (code, location) = env.post("/wallet/app-pay", &[("buyer", &buyer), ("order_string", &order_string)]).await;
    assert_eq!(code, 303);
    let (_, html) = env.get_html(&location).await;
    assert!(html.contains("APP_1 TRADE_SUCCESS"), "{html}");
    assert_eq!(env.status("APP_1").await, Some(TradeStatus::TradeSuccess));
    // The same order string again moves nothing more.
    let (_, location) = env.post("/wallet/app-pay", &[("buyer", &buyer), ("order_string", &order_string)]).await;
    let (_, html) = env.get_html(&location).await;
    assert!(html.contains("ACQ.TRADE_HAS_SUCCESS"), "{html}");
}
