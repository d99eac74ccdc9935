//! The wallet (`GET /wallet`): the buyer's phone, in a browser. Console surface: behind the admin token off
//! loopback (see `Sandbox::router_for`).

use std::sync::Arc;

use alipay_api::trade::TradeAppPay;
use alipay_api::AlipayRequest;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::{forbidden, pages};
use crate::accounts;
use crate::admin::AdminError;
use crate::defaults::meta_keys;
use crate::origin::same_origin;
use crate::products::coupon::admin as coupon_admin;
use crate::products::coupon::engine as coupon;
use crate::products::trade::store::TradeRepo;
use crate::products::trade::store::{TradeKind, TradeRecord, TradeState};
use crate::products::trade::{engine as trade, input};
use crate::store::{BuyerRecord, StoreError};
use crate::SandboxState;

type St = State<Arc<SandboxState>>;

/// The wallet routes.
pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/wallet", get(view))
        .route("/wallet/qr-pay", post(qr_pay))
        .route("/wallet/qr-refuse", post(qr_refuse))
        .route("/wallet/app-pay", post(app_pay))
        .with_state(state)
}

#[derive(Debug, Default, Deserialize)]
struct ViewQuery {
    #[serde(default)]
    buyer: Option<String>,
    #[serde(default)]
    msg: Option<String>,
}

/// An inline SVG QR code of `text` (the `qrcode` crate; no external service).
pub(crate) fn qr_svg(text: &str, size: u32) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(size, size).quiet_zone(true).build(),
        Err(_) => String::new(),
    }
}

/// An inline SVG Code128 barcode of `text` (encoded by `barcoders`, drawn here).
pub(crate) fn barcode_svg(text: &str) -> String {
    let Ok(code) = barcoders::sym::code128::Code128::new(format!("Ɓ{text}")) else {
        return String::new();
    };
    let bars = code.encode();
    let (module, height, quiet) = (2usize, 80usize, 20usize);
    let width = bars.len() * module + 2 * quiet;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
    );
    for (i, bar) in bars.iter().enumerate() {
        if *bar == 1 {
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"0\" width=\"{module}\" height=\"{height}\" fill=\"#000\"/>",
                quiet + i * module
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

struct WalletView {
    buyers: Vec<BuyerRecord>,
    buyer: Option<BuyerRecord>,
    orders: Vec<TradeRecord>,
    paycode: Option<String>,
}

async fn view(State(state): St, Query(q): Query<ViewQuery>) -> Response {
    let now = state.clock.now();
    let wanted = q.buyer.clone();
    let loaded = state
        .store
        .write(move |r| -> Result<WalletView, StoreError> {
            let mut buyers = Vec::new();
            for id in r.buyer_ids(200)? {
                if let Some(b) = r.buyer(&id)? {
                    buyers.push(b);
                }
            }
            let id = match wanted.clone().filter(|w| !w.is_empty()) {
                Some(w) => Some(w),
                None => r.meta(meta_keys::DEFAULT_BUYER)?,
            };
            let buyer = match &id {
                Some(id) => r.buyer(id)?,
                None => None,
            };
            let paycode = match &buyer {
                Some(b) => accounts::issue_payment_code(r, &b.user_id, 600, now).ok().map(|c| c.code),
                None => None,
            };
            let orders = r.open_qr_trades(50)?.into_iter().filter(|t| t.qr_expire_at.is_none_or(|e| e > now)).collect();
            Ok(WalletView { buyers, buyer, orders, paycode })
        })
        .await;
    match loaded {
        Ok(v) => Html(page(&v, q.msg.as_deref())).into_response(),
        Err(e) => Html(pages::error("钱包出错", "20000", &e.to_string(), "")).into_response(),
    }
}

fn page(v: &WalletView, msg: Option<&str>) -> String {
    let buyer_id = v.buyer.as_ref().map(|b| b.user_id.clone()).unwrap_or_default();
    let body: Markup = html! {
        h1 { "沙箱钱包 (sandbox wallet)" }
        form method="get" action="/wallet" {
            label { "买家 (buyer) "
                select name="buyer" data-testid="wallet-buyer" {
                    @for b in &v.buyers {
                        option value=(b.user_id) selected[b.user_id == buyer_id] { (b.logon_id) " · " (b.user_id) }
                    }
                }
            }
            " " button class="secondary" type="submit" data-testid="wallet-buyer-go" { "切换 (switch)" }
        }
        @if let Some(m) = msg { div class="msg" data-testid="wallet-message" { (m) } }
        @if let Some(b) = &v.buyer {
            p { (b.logon_id) " · 余额 (balance) " strong data-testid="wallet-balance" { "¥" (b.balance.to_string()) } }
        }
        h2 { "待支付的二维码订单 (unpaid QR orders)" }
        @if v.orders.is_empty() { p data-testid="qr-none" { "没有 (none)" } }
        @for t in &v.orders {
            div data-testid=(format!("qr-order-{}", t.out_trade_no)) style="border:1px solid #ddd;border-radius:6px;padding:8px;margin:8px 0;display:flex;gap:16px;align-items:center" {
                @if let Some(qr) = &t.qr_code {
                    div data-testid=(format!("qr-image-{}", t.out_trade_no)) { (PreEscaped(qr_svg(qr, 120))) }
                }
                div {
                    div { strong { (t.subject) } " ¥" (t.total_amount.to_string()) }
                    div style="color:#888" data-testid=(format!("qr-state-{}", t.out_trade_no)) { (t.out_trade_no) " · " (state_words(t.state)) }
                    form method="post" action="/wallet/qr-pay" style="display:inline" {
                        input type="hidden" name="buyer" value=(buyer_id);
                        input type="hidden" name="qr_code" value=(t.qr_code.clone().unwrap_or_default());
                        button class="primary" type="submit" data-testid=(format!("qr-pay-{}", t.out_trade_no)) { "付款 (pay)" }
                    }
                    form method="post" action="/wallet/qr-refuse" style="display:inline" {
                        input type="hidden" name="buyer" value=(buyer_id);
                        input type="hidden" name="qr_code" value=(t.qr_code.clone().unwrap_or_default());
                        button class="secondary" type="submit" data-testid=(format!("qr-refuse-{}", t.out_trade_no)) { "拒绝 (refuse)" }
                    }
                }
            }
        }
        @if let Some(code) = &v.paycode {
            h2 { "付款码 (payment code)" }
            div data-testid="paycode" style="font-family:monospace;font-size:18px" { (code) }
            div data-testid="paycode-barcode" { (PreEscaped(barcode_svg(code))) }
            div data-testid="paycode-qr" { (PreEscaped(qr_svg(code, 140))) }
        }
        h2 { "App 支付 (pay an app-pay order string)" }
        form method="post" action="/wallet/app-pay" {
            input type="hidden" name="buyer" value=(buyer_id);
            textarea name="order_string" data-testid="app-order-string" rows="4" style="width:100%" {}
            button class="primary" type="submit" data-testid="app-pay" { "付款 (pay)" }
        }
    };
    pages::layout("沙箱钱包 - alipay-rs sandbox wallet", false, body)
}

#[derive(Debug, Deserialize)]
struct QrForm {
    #[serde(default)]
    buyer: String,
    #[serde(default)]
    qr_code: String,
}

fn back(buyer: &str, msg: &str) -> Response {
    let query =
        alipay_core::form::encode([("buyer", buyer), ("msg", msg)], alipay_core::Charset::Utf8).unwrap_or_default();
    Redirect::to(&format!("/wallet?{query}")).into_response()
}

async fn qr_pay(State(state): St, headers: HeaderMap, Form(f): Form<QrForm>) -> Response {
    qr_action(state, headers, f, true).await
}

async fn qr_refuse(State(state): St, headers: HeaderMap, Form(f): Form<QrForm>) -> Response {
    qr_action(state, headers, f, false).await
}

async fn qr_action(state: Arc<SandboxState>, headers: HeaderMap, f: QrForm, pay: bool) -> Response {
    if !same_origin(&headers) {
        return forbidden();
    }
    let now = state.clock.now();
    let (buyer, qr) = (f.buyer.clone(), f.qr_code.clone());
    let done = state
        .store
        .write(move |r| -> Result<Result<String, String>, StoreError> {
            let Some(t) = r.trade_by_qr(&qr)? else { return Ok(Err("trade not found".into())) };
            let result = trade::buyer_answers(r, t, &buyer, pay, now);
            Ok(result.map(|t| format!("{} {}", t.out_trade_no, t.state.as_str())).map_err(|e| e.to_string()))
        })
        .await;
    state.wake.notify_one();
    match done {
        Ok(Ok(m)) | Ok(Err(m)) => back(&f.buyer, &m),
        Err(e) => back(&f.buyer, &e.to_string()),
    }
}

#[derive(Debug, Deserialize)]
struct AppForm {
    #[serde(default)]
    buyer: String,
    #[serde(default)]
    order_string: String,
}

async fn app_pay(State(state): St, headers: HeaderMap, Form(f): Form<AppForm>) -> Response {
    if !same_origin(&headers) {
        return forbidden();
    }
    let msg = match pay_order_string(&state, &f).await {
        Ok(m) => m,
        Err(e) => e.to_string(),
    };
    state.wake.notify_one();
    back(&f.buyer, &msg)
}

async fn pay_order_string(state: &SandboxState, f: &AppForm) -> Result<String, AdminError> {
    let coupon_method = <alipay_api::coupon::CouponOrderAppPay as AlipayRequest>::METHOD;
    let (params, caller) =
        coupon_admin::verify_order_string(state, &f.order_string, &[TradeAppPay::METHOD, coupon_method]).await?;
    let now = state.clock.now();
    let buyer = Some(f.buyer.clone()).filter(|b| !b.is_empty());
    if params.iter().any(|(k, v)| k == "method" && v == coupon_method) {
        let order = coupon_admin::check_order_string(state, &f.order_string).await?;
        let (o, _) = state
            .store
            .write(move |r| -> Result<_, AdminError> {
                let buyer = coupon_admin::buyer_or_default(r, &buyer)?;
                coupon::app_pay(r, &order.caller, now, order.fund.clone(), &buyer).map_err(AdminError::from)
            })
            .await?;
        return Ok(format!("{} {}", o.out_order_no, o.status.as_str()));
    }
    let request: TradeAppPay = crate::products::read(&params)
        .map_err(|refusal| AdminError::BadRequest(format!("ACQ.INVALID_PARAMETER: {refusal}")))?;
    let order = request.order();
    let expire_at = input::expiry(order.timeout_express, order.time_expire, now)
        .map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let settings = state.config.settings.clone();
    let t = state
        .store
        .write(move |r| -> Result<_, AdminError> {
            let buyer = coupon_admin::buyer_or_default(r, &buyer)?;
            let out_trade_no = request.out_trade_no.clone();
            let reply = trade::page_create(r, &caller, &settings, now, TradeKind::App, request.order(), expire_at)?;
            if !reply.status.code.is_success() {
                let s = reply.status;
                return Err(AdminError::Conflict(format!(
                    "{}: {}",
                    s.sub_code.unwrap_or_default(),
                    s.sub_msg.unwrap_or_default()
                )));
            }
            let t = r
                .trade_by_out_no(&caller.seller_id, &out_trade_no)?
                .ok_or_else(|| AdminError::NotFound("trade not found".into()))?;
            Ok(trade::buyer_pays(r, t, &buyer, now)?)
        })
        .await?;
    Ok(format!("{} {}", t.out_trade_no, t.state.as_str()))
}

/// What a buyer reads for an unpaid QR order's state (the stored name in brackets, for developers).
fn state_words(state: TradeState) -> String {
    let words = match state {
        TradeState::Created => "待扫码 (not scanned yet)",
        TradeState::WaitBuyerPay => "等待付款 (waiting for payment)",
        TradeState::Success => "已付款 (paid)",
        TradeState::Closed => "已关闭 (closed)",
        TradeState::Finished => "已完结 (finished)",
    };
    format!("{words} [{}]", state.as_str())
}
