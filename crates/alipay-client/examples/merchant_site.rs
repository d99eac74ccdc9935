//! A small merchant web shop in axum: a product page, checkout with `alipay.trade.page.pay` (website) or
//! `alipay.trade.wap.pay` (mobile), the `return_url` page that verifies Alipay's signed return with the SDK, and
//! the `notify_url` endpoint that verifies the notification. Also a red-packet page pay
//! (`alipay.fund.coupon.order.page.pay`).
//!
//! ```sh
//! alipay sandbox &                     # the local Alipay; writes alipay-sandbox/app.json
//! cargo run -p alipay-client --example merchant_site -- alipay-sandbox/app.json 127.0.0.1:3000
//! ```
//! Open <http://127.0.0.1:3000/>, press "Buy": the sandbox's cashier signs you in as the default buyer and
//! pays; you come back to the shop's success page. `/?mode=wap` checks out with wap pay, `/red-packet` funds a
//! red packet. The browser tests (`crates/alipay-e2e/tests/browser.rs`) walk this very code.
#![allow(clippy::print_stdout, clippy::print_stderr, dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use alipay_client::api::coupon::CouponOrderPagePay;
use alipay_client::api::trade::{TradePagePay, TradeWapPay};
use alipay_client::{AlipayClient, CallOptions};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

/// The shop: its SDK client, its own public URL, and what it learned from Alipay.
#[derive(Debug)]
pub struct Shop {
    client: AlipayClient,
    public_url: String,
    seq: AtomicU64,
    /// `out_trade_no`s whose signed return verified.
    pub returned: Mutex<Vec<String>>,
    /// `(out_trade_no, trade_status)` of every verified notification.
    pub notified: Mutex<Vec<(String, String)>>,
}

type St = State<Arc<Shop>>;

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <style>body{{font-family:'Noto Sans CJK SC',sans-serif;max-width:640px;margin:24px auto;padding:0 12px}}\
         button{{padding:10px 24px;font-size:16px;background:#ff5000;color:#fff;border:0;border-radius:6px}}</style>\
         </head><body><h1>Demo Shop</h1>{body}</body></html>"
    ))
}

#[derive(Debug, Deserialize)]
struct ModeQuery {
    #[serde(default)]
    mode: Option<String>,
}

async fn product(axum::extract::Query(q): axum::extract::Query<ModeQuery>) -> Html<String> {
    let mode = if q.mode.as_deref() == Some("wap") { "wap" } else { "page" };
    page(
        "Demo Shop - Mechanical keyboard",
        &format!(
            "<h2 data-testid=\"product\">Mechanical keyboard 机械键盘</h2><p>¥ 88.88</p>\
             <form method=\"post\" action=\"/buy\"><input type=\"hidden\" name=\"mode\" value=\"{mode}\">\
             <button type=\"submit\" data-testid=\"buy\">Buy with Alipay ({mode})</button></form>"
        ),
    )
}

#[derive(Debug, Deserialize)]
struct BuyForm {
    #[serde(default)]
    mode: String,
}

/// Checkout: the SDK's auto-submitting form takes the browser to Alipay's cashier.
async fn buy(State(shop): St, Form(f): Form<BuyForm>) -> Html<String> {
    let no = format!("SHOP{}{}", std::process::id(), shop.seq.fetch_add(1, Ordering::Relaxed));
    let (ret, notify) = (format!("{}/return", shop.public_url), format!("{}/notify", shop.public_url));
    let amount = "88.88".parse().unwrap_or_default();
    let form = if f.mode == "wap" {
        let mut order = TradeWapPay::new(&no, amount, "Mechanical keyboard 机械键盘");
        order.quit_url = Some(format!("{}/?mode=wap", shop.public_url));
        shop.client.trade_wap_pay_form(&order, &ret, &notify)
    } else {
        shop.client.trade_page_pay_form(&TradePagePay::new(&no, amount, "Mechanical keyboard 机械键盘"), &ret, &notify)
    };
    match form {
        Ok(html) => page("Redirecting to Alipay", &html),
        Err(e) => page("Checkout failed", &format!("<p data-testid=\"error\">{e}</p>")),
    }
}

/// A red packet funded on the cashier.
async fn red_packet(State(shop): St) -> Html<String> {
    let no = format!("RP{}{}", std::process::id(), shop.seq.fetch_add(1, Ordering::Relaxed));
    let packet = CouponOrderPagePay {
        out_order_no: no.clone(),
        out_request_no: format!("{no}F"),
        order_title: "新年红包".into(),
        amount: "20.00".parse().unwrap_or_default(),
        ..Default::default()
    };
    let opts = CallOptions { return_url: Some(format!("{}/return", shop.public_url)), ..CallOptions::default() };
    match shop.client.page_pay_form(&packet, &opts) {
        Ok(html) => page("Redirecting to Alipay", &html),
        Err(e) => page("Red packet failed", &format!("<p data-testid=\"error\">{e}</p>")),
    }
}

/// `return_url`: trust nothing before the SDK verified the signature.
async fn returned(State(shop): St, RawQuery(query): RawQuery) -> Html<String> {
    let verified = match shop.client.verify_return(query.as_deref().unwrap_or_default()) {
        Ok(v) => v,
        Err(e) => return page("Payment not verified", &format!("<p data-testid=\"error\">{e}</p>")),
    };
    if let Ok(back) = verified.trade() {
        shop.returned.lock().map(|mut r| r.push(back.out_trade_no.clone())).ok();
        return page(
            "Demo Shop - Thank you",
            &format!(
                "<p data-testid=\"paid\">支付成功 Paid ¥{} for order <b data-testid=\"order\">{}</b></p>\
                 <p>Alipay trade {} (signature verified)</p>",
                back.total_amount, back.out_trade_no, back.trade_no
            ),
        );
    }
    let no = verified.get("out_order_no").unwrap_or_default().to_owned();
    shop.returned.lock().map(|mut r| r.push(no.clone())).ok();
    page(
        "Demo Shop - Red packet funded",
        &format!(
            "<p data-testid=\"paid\">红包已充值 Red packet <b data-testid=\"order\">{no}</b> funded: ¥{} ({})</p>",
            verified.get("amount").unwrap_or_default(),
            verified.get("status").unwrap_or_default()
        ),
    )
}

/// `notify_url`: `success` only after verifying.
async fn notify(State(shop): St, headers: HeaderMap, body: Bytes) -> &'static str {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    match shop.client.verify_notification(&body, content_type).map(|v| v.trade()) {
        Ok(Ok(n)) => {
            let status = n.trade_status.map(|s| s.as_str().to_owned()).unwrap_or_default();
            println!("notification: {} {status}", n.out_trade_no);
            shop.notified.lock().map(|mut v| v.push((n.out_trade_no, status))).ok();
            "success"
        }
        Ok(Err(e)) => {
            eprintln!("unreadable notification: {e}");
            "failure"
        }
        Err(e) => {
            eprintln!("rejected notification: {e}");
            "failure"
        }
    }
}

/// The shop's routes; `public_url` is where browsers and Alipay reach it (`http://127.0.0.1:3000`).
pub fn shop(client: AlipayClient, public_url: &str) -> (Router, Arc<Shop>) {
    let shop = Arc::new(Shop {
        client,
        public_url: public_url.trim_end_matches('/').to_owned(),
        seq: AtomicU64::new(1),
        returned: Mutex::new(Vec::new()),
        notified: Mutex::new(Vec::new()),
    });
    let router = Router::new()
        .route("/", get(product))
        .route("/buy", post(buy))
        .route("/red-packet", get(red_packet))
        .route("/return", get(returned))
        .route("/notify", post(notify))
        .with_state(Arc::clone(&shop));
    (router, shop)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config = args.next().unwrap_or_else(|| "alipay-sandbox/app.json".into());
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let client = AlipayClient::from_config_file(&config)?;
    let (app, _) = shop(client, &format!("http://{listen}"));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("the shop is at http://{listen}/");
    axum::serve(listener, app).await?;
    Ok(())
}
