//! The console's pages and actions (the table in the module documentation).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::{back, layout, search_box, when, when_ms, PageError, PageResult};
use crate::defaults::meta_keys;
use crate::faults::{FaultKind, FaultSpec};
use crate::products::coupon::store::CouponRepo;
use crate::products::deduct::store::DeductRepo;
use crate::products::ebpp::store::EbppRepo;
use crate::products::trade::store::TradeRecord;
use crate::products::trade::store::TradeRepo;
use crate::store::{DeliveryRecord, OutboxRecord};
use crate::SandboxState;

type St = State<Arc<SandboxState>>;

/// `?q=` and `?flash=` of a list page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    pub(crate) q: Option<String>,
    #[serde(default)]
    pub(crate) flash: Option<String>,
}

impl ListQuery {
    pub(crate) fn q(&self) -> Option<String> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned)
    }
}

/// A stored enum's text (its serde form), for display.
pub(crate) fn label<T: serde::Serialize + std::fmt::Debug>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{v:?}"),
    }
}

fn code_class(code: &str) -> &'static str {
    if code == "10000" {
        "ok"
    } else {
        "bad"
    }
}

fn calls_table(calls: &[super::inspector::CallRecord]) -> Markup {
    html! {
        table {
            tr { th { "#" } th { "time (Beijing)" } th { "app" } th { "method" } th { "code" } th { "sub_code" } th { "diagnosis" } }
            @for c in calls {
                tr {
                    td { a href=(format!("/inspector/{}", c.id)) data-testid=(format!("call-{}", c.id)) { (c.id) } }
                    td { (when_ms(c.at_ms)) }
                    td { code { (c.app_id) } }
                    td { code { (c.method) } }
                    td class=(code_class(&c.code)) { (c.code) }
                    td { (c.sub_code.clone().unwrap_or_default()) }
                    td { @if let Some(d) = c.diagnosis.first() { span.bad { (d) } } }
                }
            }
        }
    }
}

fn delivery_text(d: &DeliveryRecord) -> String {
    match (&d.http_status, &d.response_body, &d.error) {
        (Some(s), body, _) => format!("HTTP {s}: {}", body.clone().unwrap_or_default()),
        (None, _, Some(e)) => format!("error: {e}"),
        _ => "no answer".into(),
    }
}

fn notifications_table(items: &[(OutboxRecord, Vec<DeliveryRecord>)], actions: bool) -> Markup {
    html! {
        table {
            tr { th { "id" } th { "about" } th { "app" } th { "url" } th { "status" } th { "attempts: the merchant's answers" } @if actions { th { "" } } }
            @for (n, deliveries) in items {
                tr data-testid=(format!("notification-{}", n.id)) {
                    td { (n.id) }
                    td { code { (n.out_trade_no) } br; span.muted { (n.trade_no) } br;
                         span.muted { (n.params.iter().find(|(k, _)| k == "notify_type").map(|(_, v)| v.as_str()).unwrap_or_default()) " "
                         (n.params.iter().find(|(k, _)| k == "trade_status" || k == "status").map(|(_, v)| v.as_str()).unwrap_or_default()) } }
                    td { code { (n.app_id) } }
                    td { code { (n.url) } }
                    td class=(if n.status == "delivered" { "ok" } else if n.status == "failed" { "bad" } else { "" }) { (n.status) }
                    td {
                        @if deliveries.is_empty() { span.muted { "not attempted yet" } }
                        ol { @for d in deliveries { li { (when_ms(d.at_ms)) " — " (delivery_text(d)) } } }
                    }
                    @if actions {
                        td {
                            form.inline method="post" action=(format!("/notifications/{}/resend", n.id)) {
                                button type="submit" data-testid=(format!("resend-{}", n.id)) {
                                    @if n.status == "pending" { "Deliver now" } @else { "Resend" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn notifications_with_deliveries(
    state: &SandboxState,
    q: Option<String>,
    limit: usize,
) -> Result<Vec<(OutboxRecord, Vec<DeliveryRecord>)>, PageError> {
    Ok(state
        .store
        .read(move |r| {
            let items = r.outbox(None, None, if q.is_some() { 1000 } else { limit })?;
            let mut out = Vec::new();
            for n in items {
                let hit = match &q {
                    None => true,
                    Some(q) => {
                        n.out_trade_no.contains(q.as_str())
                            || n.trade_no.contains(q.as_str())
                            || n.app_id.contains(q.as_str())
                            || n.notify_id.contains(q.as_str())
                    }
                };
                if hit && out.len() < limit {
                    let d = r.deliveries(n.id)?;
                    out.push((n, d));
                }
            }
            Ok(out)
        })
        .await?)
}

/// `GET /`.
pub(crate) async fn home(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let (apps, default_app, buyer) = state
        .store
        .read(|r| Ok((r.apps(50)?, r.meta(meta_keys::DEFAULT_APP_ID)?, r.meta(meta_keys::DEFAULT_BUYER)?)))
        .await?;
    let calls = state.calls.list(None, 10);
    let notes = notifications_with_deliveries(&state, None, 10).await?;
    let content = html! {
        h1 { "Alipay sandbox" }
        div.card {
            p { "A local Alipay gateway at " code { "/gateway.do" } ". Point an SDK at it with one of the apps below (the "
                a href="/apps" { "Apps" } " page has configuration snippets for the Java, Python and Node SDKs, this project's SDK and CLI), "
                "then watch its calls in the " a href="/inspector" { "Inspector" } "." }
            p { "Sandbox clock: " strong data-testid="clock-now" { (when(state.clock.now())) } " (offset " (state.clock.offset()) " s) — "
                a href="/controls" { "advance it, inject faults, reset" } "." }
            @if let Some(b) = &buyer { p { "Default buyer: " code { (b) } " — " a href="/wallet" { "its wallet" } } }
            p data-testid="store" {
                @match state.store.display() {
                    Some(shared) => { "State: PostgreSQL " code { (shared) } ", shared by every instance started on it (this page shows them all; "
                        "the Inspector shows the calls this instance answered)." }
                    None => { "State: SQLite in " code { (state.data_dir.display()) } " (this process only)." }
                }
            }
        }
        h2 { "Apps" }
        table {
            tr { th { "app_id" } th { "merchant (PID)" } th { "sign type" } th { "created" } }
            @for a in &apps {
                tr {
                    td { a href=(format!("/apps/{}", a.app_id)) data-testid=(format!("app-{}", a.app_id)) { code { (a.app_id) } }
                         @if default_app.as_deref() == Some(a.app_id.as_str()) { " " span.muted { "(default)" } } }
                    td { code { (a.merchant_pid) } }
                    td { (a.sign_type.as_str()) }
                    td { (when(a.created_at)) }
                }
            }
        }
        h2 { "Recent calls" }
        (calls_table(&calls))
        p { a href="/inspector" { "All calls →" } }
        h2 { "Recent notifications" }
        (notifications_table(&notes, false))
        p { a href="/notifications" { "All notifications →" } }
    };
    Ok(layout("Home", "home", lq.flash.as_deref(), content).into_response())
}

/// `GET /inspector`.
pub(crate) async fn inspector(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let q = lq.q();
    let calls = state.calls.list(q.as_deref(), super::inspector::CAPACITY);
    let content = html! {
        h1 { "Request inspector" }
        p.muted { "Every gateway call (the last " (super::inspector::CAPACITY) "), newest first. Search by app id, method, sub_code or any parameter value (out_trade_no, trade_no...)." }
        (search_box("/inspector", q.as_deref(), "app_id, method, sub_code, out_trade_no..."))
        (calls_table(&calls))
    };
    Ok(layout("Request inspector", "inspector", lq.flash.as_deref(), content).into_response())
}

/// `GET /inspector/{id}`.
pub(crate) async fn call(State(state): St, Path(id): Path<u64>) -> PageResult {
    let c = state.calls.get(id).ok_or_else(|| PageError::not_found(format!("call {id} is not in the history")))?;
    let content = html! {
        h1 { "Call " (c.id) ": " code { (c.method) } }
        table {
            tr { th { "time (Beijing)" } td { (when_ms(c.at_ms)) } }
            tr { th { "app_id" } td { code { (c.app_id) } } }
            tr { th { "code" } td class=(code_class(&c.code)) data-testid="call-code" { (c.code) " " (c.sub_code.clone().unwrap_or_default()) } }
        }
        @if !c.diagnosis.is_empty() {
            h2 { "Diagnosis" }
            div data-testid="diagnosis" { @for d in &c.diagnosis { div.diag { (d) } } }
        }
        @if let Some(content) = &c.sign_content {
            h2 { "Sign content the gateway verified" }
            pre data-testid="sign-content" { (content) }
        }
        h2 { "Parameters" }
        table.params {
            @for (k, v) in &c.params { tr { th { code { (k) } } td { code { (v) } } } }
        }
        h2 { "Answer (as sent)" }
        pre data-testid="answer" { (c.answer) }
    };
    Ok(layout(&format!("Call {} {}", c.id, c.method), "inspector", None, content).into_response())
}

/// `GET /controls`.
pub(crate) async fn controls(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let pending = state.faults.pending(&state.store).await?;
    let methods: Vec<&str> = crate::gateway::methods::METHODS.iter().map(|m| m.name).collect();
    let content = html! {
        h1 { "Simulation controls" }
        h2 { "Clock" }
        div.card {
            p { "Sandbox clock: " strong data-testid="clock-now" { (when(state.clock.now())) } " (offset " (state.clock.offset()) " s). "
                "Advancing it applies what became due: unpaid trades time out, refund windows end, red packets expire." }
            form method="post" action="/controls/clock" {
                "Advance by " input type="number" name="seconds" min="0" value="900" data-testid="advance-seconds";
                " seconds " button type="submit" data-testid="advance-clock" { "Advance clock" }
            }
        }
        h2 { "Faults" }
        div.card {
            p.muted { "The next calls of a method answer a failure instead of (or after) doing their work." }
            form method="post" action="/controls/faults" {
                select name="method" data-testid="fault-method" {
                    option value="*" { "* (every method)" }
                    @for m in &methods { option value=(m) { (m) } }
                }
                select name="kind" data-testid="fault-kind" {
                    option value="system_error" { "system_error (40004 ACQ.SYSTEM_ERROR)" }
                    option value="unknown_error" { "unknown_error (20000)" }
                    option value="in_process" { "in_process (10003)" }
                    option value="latency" { "latency" }
                    option value="drop_after_commit" { "drop_after_commit" }
                    option value="notify_first" { "notify_first (the notification before the answer)" }
                }
                " count " input type="number" name="count" min="1" value="1" size="4" data-testid="fault-count";
                " latency ms " input type="number" name="latency_ms" min="0" value="0" size="6" data-testid="fault-latency";
                label { input type="checkbox" name="execute" value="true" data-testid="fault-execute"; " do the work first" }
                " " button type="submit" data-testid="inject-fault" { "Inject fault" }
            }
            h3 { "Pending" }
            @if pending.is_empty() { p.muted data-testid="no-faults" { "none" } }
            ul { @for (i, f) in pending.iter().enumerate() {
                li data-testid=(format!("fault-{i}")) { code { (f.method) } " → " (label(&f.kind)) " × " (f.count)
                    @if f.execute { " (after doing the work)" } @if f.latency_ms > 0 { " " (f.latency_ms) " ms" } }
            } }
            form method="post" action="/controls/faults/clear" { button.plain type="submit" data-testid="clear-faults" { "Clear faults" } }
        }
        h2 { "Reset" }
        div.card {
            p { "Deletes every trade, bill, agreement, red packet, notification, app and buyer; keeps the Alipay key, the default app's id and key, and the admin token; creates the default app and a buyer again." }
            form method="post" action="/controls/reset" { button.danger type="submit" data-testid="reset" { "Reset the sandbox" } }
        }
    };
    Ok(layout("Simulation controls", "controls", lq.flash.as_deref(), content).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct AdvanceForm {
    seconds: i64,
}

/// `POST /controls/clock`.
pub(crate) async fn advance(State(state): St, Form(f): Form<AdvanceForm>) -> PageResult {
    match crate::admin::advance_clock(&state, f.seconds).await {
        Ok(swept) => Ok(back(
            "/controls",
            &format!("Clock advanced {} s: now {}; {swept} record(s) changed.", f.seconds, when(state.clock.now())),
        )),
        Err(e) => Ok(back("/controls", &format!("Not advanced: {e}"))),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct FaultForm {
    method: String,
    kind: FaultKind,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    latency_ms: Option<u64>,
    #[serde(default)]
    execute: Option<String>,
}

/// `POST /controls/faults`.
pub(crate) async fn inject(State(state): St, Form(f): Form<FaultForm>) -> PageResult {
    let spec = FaultSpec {
        method: f.method,
        kind: f.kind,
        count: f.count.unwrap_or(1).max(1),
        latency_ms: f.latency_ms.unwrap_or(0),
        execute: f.execute.is_some(),
        app_id: None,
    };
    let text = format!("Fault injected: {} → {} × {}", spec.method, label(&spec.kind), spec.count);
    tracing::info!(method = %spec.method, kind = ?spec.kind, "fault injected from the console");
    state.faults.add(&state.store, spec).await?;
    Ok(back("/controls", &text))
}

/// `POST /controls/faults/clear`.
pub(crate) async fn clear_faults(State(state): St) -> PageResult {
    state.faults.clear(&state.store).await?;
    Ok(back("/controls", "Faults cleared."))
}

/// `POST /controls/reset`.
pub(crate) async fn reset(State(state): St) -> PageResult {
    match crate::admin::reset_all(&state).await {
        Ok((app, _)) => Ok(back("/", &format!("Sandbox reset; default app {}.", app.unwrap_or_default()))),
        Err(e) => Ok(back("/controls", &format!("Reset failed: {e}"))),
    }
}

/// `GET /notifications`.
pub(crate) async fn notifications(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let q = lq.q();
    let items = notifications_with_deliveries(&state, q.clone(), 200).await?;
    let content = html! {
        h1 { "Notifications" }
        p.muted { "Every asynchronous notification with each delivery attempt and what the merchant answered (only " code { "success" } " ends the retries)." }
        (search_box("/notifications", q.as_deref(), "out_trade_no, trade_no, app_id, notify_id"))
        (notifications_table(&items, true))
    };
    Ok(layout("Notifications", "notifications", lq.flash.as_deref(), content).into_response())
}

/// `POST /notifications/{id}/resend`: due now, whatever its status; wakes the notifier.
pub(crate) async fn resend(State(state): St, Path(id): Path<i64>) -> PageResult {
    let now = crate::clock::real_now_ms();
    let found = state.store.write(move |r| r.requeue_notification(id, now)).await?;
    if !found {
        return Err(PageError::not_found(format!("notification {id} not found")));
    }
    state.wake.notify_one();
    Ok(back("/notifications", &format!("Notification {id} queued for delivery now.")))
}

fn trade_rows(trades: &[TradeRecord]) -> Markup {
    html! {
        table {
            tr { th { "trade_no" } th { "out_trade_no" } th { "state" } th { "amount" } th { "refunded" } th { "buyer" } th { "seller" } th { "created" } }
            @for t in trades {
                tr {
                    td { a href=(format!("/trades/{}", t.trade_no)) data-testid=(format!("trade-{}", t.trade_no)) { code { (t.trade_no) } } }
                    td { code { (t.out_trade_no) } }
                    td { (t.state.as_str()) }
                    td { (t.total_amount.to_string()) }
                    td { (t.refund_fee.to_string()) }
                    td { code { (t.buyer_id.clone().unwrap_or_default()) } }
                    td { code { (t.seller_id) } }
                    td { (when(t.gmt_create)) }
                }
            }
        }
    }
}

/// `GET /trades`.
pub(crate) async fn trades(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let q = lq.q();
    let lookup = q.clone();
    let list = state.store.read(move |r| r.search_trades(lookup.as_deref(), 200)).await?;
    let content = html! {
        h1 { "Trades" }
        (search_box("/trades", q.as_deref(), "out_trade_no, trade_no, buyer id, seller id, app id"))
        (trade_rows(&list))
    };
    Ok(layout("Trades", "trades", lq.flash.as_deref(), content).into_response())
}

/// `GET /trades/{trade_no}`: the trade and its timeline.
pub(crate) async fn trade(State(state): St, Path(trade_no): Path<String>) -> PageResult {
    let no = trade_no.clone();
    let (t, refunds, notes) = state
        .store
        .read(move |r| {
            let t = r.trade_by_no_any(&no)?;
            let refunds = r.refunds_of_trade(&no)?;
            let notes = match &t {
                Some(t) => r.outbox(Some(&t.app_id), Some(&t.out_trade_no), 100)?,
                None => Vec::new(),
            };
            let mut with = Vec::new();
            for n in notes.into_iter().filter(|n| n.trade_no == no) {
                let d = r.deliveries(n.id)?;
                with.push((n, d));
            }
            Ok((t, refunds, with))
        })
        .await?;
    let t = t.ok_or_else(|| PageError::not_found(format!("trade {trade_no} not found")))?;
    let mut events: Vec<(i64, String)> = vec![(
        t.gmt_create,
        format!("created by {} ({}) for {} — {}", t.app_id, t.kind.as_str(), t.total_amount, t.subject),
    )];
    if let Some(p) = t.gmt_payment {
        events.push((p, format!("paid by buyer {}", t.buyer_id.clone().unwrap_or_default())));
    }
    for f in &refunds {
        events.push((
            f.gmt_refund,
            format!(
                "refund {} of {} ({}); refunded in all {}",
                f.out_request_no,
                f.amount,
                f.reason.clone().unwrap_or_default(),
                f.refund_fee_after
            ),
        ));
    }
    if let Some(c) = t.gmt_close {
        let why = match (&t.cancel_action, &t.fail_code) {
            (Some(a), _) => format!("cancelled (action {a})"),
            (None, Some(code)) => format!("closed at creation: {code}"),
            _ if t.refund_fee == t.total_amount && t.gmt_payment.is_some() => "closed: fully refunded".to_owned(),
            _ if t.gmt_payment.is_none() => "closed unpaid (timed out or closed by the merchant)".to_owned(),
            _ => "closed".to_owned(),
        };
        events.push((c, why));
    }
    events.sort_by_key(|e| e.0);
    let content = html! {
        h1 { "Trade " code { (t.trade_no) } }
        table {
            tr { th { "out_trade_no" } td { code { (t.out_trade_no) } } }
            tr { th { "state" } td data-testid="trade-state" { (t.state.as_str()) } }
            tr { th { "amount / refunded" } td { (t.total_amount.to_string()) " / " (t.refund_fee.to_string()) } }
            tr { th { "seller / app" } td { code { (t.seller_id) } " / " code { (t.app_id) } } }
            tr { th { "buyer" } td { code { (t.buyer_id.clone().unwrap_or_default()) } } }
            tr { th { "unpaid trade closes at" } td { (when(t.expire_at)) } }
            tr { th { "notify_url" } td { code { (t.notify_url.clone().unwrap_or_default()) } } }
        }
        h2 { "Timeline" }
        ol data-testid="timeline" { @for (at, what) in &events { li { (when(*at)) " — " (what) } } }
        h2 { "Notifications" }
        (notifications_table(&notes, true))
        p { a href=(format!("/inspector?q={}", t.out_trade_no)) { "Its gateway calls in the inspector →" } }
    };
    Ok(layout(&format!("Trade {}", t.out_trade_no), "trades", None, content).into_response())
}

/// `GET /deduct`.
pub(crate) async fn deduct(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let q = lq.q();
    let lookup = q.clone();
    let (agreements, deductions) = state
        .store
        .read(move |r| Ok((r.search_agreements(lookup.as_deref(), 200)?, r.search_deductions(lookup.as_deref(), 200)?)))
        .await?;
    let content = html! {
        h1 { "Deduct agreements and deductions" }
        (search_box("/deduct", q.as_deref(), "out_order_no, bill_no, agreement id, user id, bill key"))
        h2 { "Deductions" }
        table {
            tr { th { "out_order_no" } th { "bill_no" } th { "agreement" } th { "user" } th { "amount" } th { "status" } th { "result" } th { "created / finished" } th { "" } }
            @for d in &deductions {
                tr {
                    td { code { (d.out_order_no) } } td { code { (d.bill_no) } } td { code { (d.agreement_id) } }
                    td { code { (d.user_id) } } td { (d.amount.to_string()) } td { (d.status.to_string()) }
                    td { (d.result_code) " " (d.result_msg) }
                    td { (when(d.gmt_create)) br; (d.gmt_finish.map(when).unwrap_or_default()) }
                    td {
                        @if d.status == alipay_api::deduct::DeductResult::Undetermined {
                            form.inline method="post" action="/deduct/resolve" {
                                input type="hidden" name="seller_id" value=(d.seller_id);
                                input type="hidden" name="out_order_no" value=(d.out_order_no);
                                button type="submit" name="result" value="success" data-testid=(format!("resolve-{}", d.out_order_no)) { "Resolve: success" }
                                button.danger type="submit" name="result" value="failed" data-testid=(format!("fail-{}", d.out_order_no)) { "Resolve: failed" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Agreements" }
        table {
            tr { th { "agreement_id" } th { "user" } th { "biz" } th { "bill key" } th { "status" } th { "signed / cancelled" } }
            @for a in &agreements {
                tr {
                    td { code { (a.agreement_id) } } td { code { (a.user_id) } } td { (a.biz_type) " / " (a.sub_biz_type) }
                    td { code { (a.bill_key) } } td { (a.status.as_str()) }
                    td { (when(a.sign_date)) br; (a.cancel_date.map(when).unwrap_or_default()) }
                }
            }
        }
    };
    Ok(layout("Deduct", "deduct", lq.flash.as_deref(), content).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResolveForm {
    seller_id: String,
    out_order_no: String,
    result: String,
}

/// `POST /deduct/resolve`.
pub(crate) async fn resolve(State(state): St, Form(f): Form<ResolveForm>) -> PageResult {
    let success = f.result == "success";
    let now = state.clock.now();
    let no = f.out_order_no.clone();
    let done = state
        .store
        .write(move |r| crate::products::deduct::engine::resolve(r, &f.seller_id, &f.out_order_no, success, None, now))
        .await;
    state.wake.notify_one();
    Ok(match done {
        Ok(d) => back("/deduct", &format!("Deduction {no} resolved: {} {}", d.status, d.result_code)),
        Err(e) => back("/deduct", &format!("Deduction {no} not resolved: {e}")),
    })
}

/// `GET /redpackets`.
pub(crate) async fn redpackets(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let q = lq.q();
    let orders = state.store.read(|r| r.coupon_orders(None, 1000)).await?;
    let orders: Vec<_> = orders
        .into_iter()
        .filter(|o| match &q {
            None => true,
            Some(q) => {
                o.auth_no.contains(q.as_str())
                    || o.out_order_no.contains(q.as_str())
                    || o.payer_id.as_deref().is_some_and(|p| p.contains(q.as_str()))
            }
        })
        .take(200)
        .collect();
    let content = html! {
        h1 { "Red packets" }
        (search_box("/redpackets", q.as_deref(), "auth_no, out_order_no, payer id"))
        table {
            tr { th { "auth_no" } th { "out_order_no" } th { "kind" } th { "status" } th { "amount" } th { "disbursed" } th { "refunded" } th { "payer" } th { "created" } }
            @for o in &orders {
                tr {
                    td { a href=(format!("/redpackets/{}", o.auth_no)) data-testid=(format!("redpacket-{}", o.auth_no)) { code { (o.auth_no) } } }
                    td { code { (o.out_order_no) } } td { (label(&o.kind)) } td { (label(&o.status)) }
                    td { (o.amount.to_string()) } td { (o.disbursed.to_string()) } td { (o.refunded.to_string()) }
                    td { code { (o.payer_id.clone().unwrap_or_default()) } } td { (when(o.gmt_create)) }
                }
            }
        }
    };
    Ok(layout("Red packets", "redpackets", lq.flash.as_deref(), content).into_response())
}

/// `GET /redpackets/{auth_no}`: the red packet and its operations (its timeline).
pub(crate) async fn redpacket(State(state): St, Path(auth_no): Path<String>) -> PageResult {
    let no = auth_no.clone();
    let (o, ops) = state.store.read(move |r| Ok((r.coupon_order(&no)?, r.coupon_operations_of(&no)?))).await?;
    let o = o.ok_or_else(|| PageError::not_found(format!("red packet {auth_no} not found")))?;
    let content = html! {
        h1 { "Red packet " code { (o.auth_no) } }
        table {
            tr { th { "out_order_no" } td { code { (o.out_order_no) } } }
            tr { th { "status" } td { (label(&o.status)) } }
            tr { th { "amount / disbursed / refunded" } td { (o.amount.to_string()) " / " (o.disbursed.to_string()) " / " (o.refunded.to_string()) } }
            tr { th { "title" } td { (o.order_title) } }
            tr { th { "pay before" } td { (when(o.pay_expire_at)) } }
        }
        h2 { "Operations" }
        table data-testid="timeline" {
            tr { th { "time" } th { "operation" } th { "kind" } th { "type" } th { "status" } th { "amount" } th { "payee" } th { "out_request_no" } }
            @for op in &ops {
                tr { td { (when(op.gmt_create)) } td { code { (op.operation_id) } } td { (label(&op.kind)) } td { (label(&op.operation_type)) }
                     td { (label(&op.status)) } td { (op.amount.to_string()) } td { code { (op.payee_id.clone().unwrap_or_default()) } }
                     td { code { (op.out_request_no.clone().unwrap_or_default()) } } }
            }
        }
    };
    Ok(layout(&format!("Red packet {}", o.out_order_no), "redpackets", None, content).into_response())
}

/// `GET /ebpp`.
pub(crate) async fn ebpp(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let q = lq.q();
    let lookup = q.clone();
    let bills = state.store.read(move |r| r.search_ebpp_bills(lookup.as_deref(), 200)).await?;
    let content = html! {
        h1 { "EBPP bills" }
        (search_box("/ebpp", q.as_deref(), "merchant_order_no, alipay_order_no, buyer id"))
        table {
            tr { th { "merchant_order_no" } th { "alipay_order_no" } th { "type" } th { "status" } th { "buyer" } th { "created" } th { "paid" } }
            @for b in &bills {
                tr { td { code { (b.merchant_order_no) } } td { code { (b.alipay_order_no) } } td { (b.order_type) }
                     td { (label(&b.status)) } td { code { (b.buyer_id.clone().unwrap_or_default()) } }
                     td { (when(b.gmt_create)) } td { (b.gmt_pay.map(when).unwrap_or_default()) } }
            }
        }
    };
    Ok(layout("EBPP bills", "ebpp", lq.flash.as_deref(), content).into_response())
}

/// `GET /bills`.
pub(crate) async fn bills(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let apps = state.store.read(|r| r.apps(200)).await?;
    let yesterday = when(state.clock.now() - 86400).chars().take(10).collect::<String>();
    let content = html! {
        h1 { "Bill files" }
        p.muted { "The file " code { "alipay.data.dataservice.bill.downloadurl.query" } " would point to: a merchant's money movements of a past Beijing day (yyyy-MM-dd) or month (yyyy-MM), downloaded directly." }
        form method="post" action="/bills" {
            "Merchant of app " select name="app_id" data-testid="bill-app" { @for a in &apps { option value=(a.app_id) { (a.app_id) " (" (a.merchant_pid) ")" } } }
            " date " input type="text" name="bill_date" value=(yesterday) size="10" data-testid="bill-date";
            " type " select name="bill_type" data-testid="bill-type" { option value="trade" { "trade (业务明细)" } option value="signcustomer" { "signcustomer (账务明细)" } }
            " " button type="submit" data-testid="download-bill" { "Download" }
        }
    };
    Ok(layout("Bill files", "bills", lq.flash.as_deref(), content).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct BillForm {
    app_id: String,
    bill_date: String,
    bill_type: String,
}

/// `POST /bills`: builds the file with the bill engine and redirects to its single-use download URL.
pub(crate) async fn bill_download(State(state): St, Form(f): Form<BillForm>) -> PageResult {
    use crate::products::bill::engine as bill;
    let now = state.clock.now();
    let Some(period) = bill::Period::parse(&f.bill_date) else {
        return Ok(back("/bills", "The date must be yyyy-MM-dd or yyyy-MM."));
    };
    if !period.is_over(now) {
        return Ok(back(
            "/bills",
            "That period is not over yet on the sandbox clock (as at Alipay: isp.bill_date_error).",
        ));
    }
    let id = f.app_id.clone();
    let Some(app) = state.store.read(move |r| r.app(&id)).await? else {
        return Ok(back("/bills", "Unknown app."));
    };
    let (seller, p) = (app.merchant_pid.clone(), period.clone());
    let packed = if f.bill_type == "signcustomer" {
        let rows = state.store.read(move |r| bill::collect_ledger(r, &seller, &p)).await?;
        if rows.is_empty() {
            return Ok(back("/bills", "No balance movement in that period (isp.bill_not_exist)."));
        }
        bill::build_ledger(&app.merchant_pid, &period, now, &rows)
    } else {
        let rows = state.store.read(move |r| bill::collect(r, &seller, &p)).await?;
        if rows.is_empty() {
            return Ok(back("/bills", "No payment or refund in that period (isp.bill_not_exist)."));
        }
        bill::build(&app.merchant_pid, &period, now, &rows)
    };
    let file = packed?;
    let token = crate::products::bill::download::issue(&state.store, file, state.config.bill_url_ttl).await?;
    Ok((axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, format!("/bills/{token}"))]).into_response())
}

/// `GET /accounts`.
pub(crate) async fn accounts(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let q = lq.q();
    let lookup = q.clone();
    let (merchants, buyers) = state
        .store
        .read(move |r| {
            let buyers = r.buyers(lookup.as_deref(), 200)?;
            let mut with = Vec::new();
            for b in buyers {
                let reserved = r.reserved(&b.user_id)?;
                with.push((b, reserved));
            }
            Ok((r.merchants(200)?, with))
        })
        .await?;
    let merchants: Vec<_> = merchants
        .into_iter()
        .filter(|m| q.as_deref().is_none_or(|q| m.pid.contains(q) || m.name.contains(q) || m.email.contains(q)))
        .collect();
    let content = html! {
        h1 { "Merchants and buyers" }
        (search_box("/accounts", q.as_deref(), "PID, user id, logon id, name"))
        h2 { "Merchants" }
        table {
            tr { th { "PID" } th { "name" } th { "email" } th { "balance" } th { "own app" } }
            @for m in &merchants {
                tr { td { code { (m.pid) } } td { (m.name) } td { (m.email) } td { (m.balance.to_string()) }
                     td { @if let Some(a) = &m.primary_app_id { a href=(format!("/apps/{a}")) { code { (a) } } } } }
            }
        }
        h2 { "Buyers" }
        table {
            tr { th { "user id" } th { "logon id" } th { "available balance" } th { "reserved by pending deductions" } th { "password-free limit" } }
            @for (b, reserved) in &buyers {
                tr { td { code { (b.user_id) } } td { (b.logon_id) } td { (b.balance.to_string()) } td { (reserved.to_string()) }
                     td { (b.password_free_limit.to_string()) } }
            }
        }
    };
    Ok(layout("Merchants and buyers", "accounts", lq.flash.as_deref(), content).into_response())
}
