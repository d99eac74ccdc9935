//! Acceptance checks (`alipay accept`): does the merchant's integration follow Alipay's rules? A local version
//! of Alipay's online acceptance ("在线验收", seed 001:330), judged from the durable call log
//! (`store::calls`) and the notification delivery log.
//!
//! - [`checks`]: the catalogue (stable ids, rule, seed line); [`verdict`]: what a check's result is made of.
//! - [`lint`]: the passive checks, pure functions over the evidence; the QR order's F7 in [`precreate`]; the
//!   refund checks R1, R2 in [`refund`] and
//!   the expired-URL check B3 in [`bill`]; the EBPP / direct-deduct checks D1–D5 in [`deduct`]; the red-packet
//!   checks P1–P4 in [`fund`].
//!
//! - `probe`: the notification probes N2–N4 (built by the trade family), sent and judged.
//! - `arm`: the provocations of the refund and bill suites, armed for one app's next matching call; those of
//!   the deduct and coupon suites in `provoke_fund`.
//!
//! Routes: `GET /admin/calls`, `POST /admin/accept/lint`, `POST /admin/accept/notify-probes`,
//! `POST /admin/accept/arm`, `POST /admin/accept/disarm`, `POST /admin/accept/reports` (a run's report, kept
//! for the console's `/accept/{id}`) and `GET /admin/accept/reports`.

mod arm;
pub mod bill;
pub mod checks;
pub mod deduct;
pub mod fund;
pub mod lint;
pub mod precreate;
pub(crate) mod probe;
mod provoke_fund;
pub mod refund;
pub mod verdict;

use std::collections::HashSet;
use std::sync::Arc;

use alipay_sandbox_admin::{
    AcceptReport, CallLogQuery, LintRequest, LoggedCall, NotificationQuery, NotifyProbeRequest, ReportsQuery,
    SavedReport, StoredReport,
};
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::admin::{AdminError, AdminResult};
use crate::products::trade::store::TradeRepo;
use crate::store::StoreError;
use crate::SandboxState;

/// The acceptance routes.
pub(crate) fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/admin/calls", get(calls))
        .route("/admin/accept/lint", post(lint_route))
        .route("/admin/accept/notify-probes", post(notify_probes))
        .route("/admin/accept/arm", post(arm::route))
        .route("/admin/accept/disarm", post(arm::disarm))
        .route("/admin/accept/reports", post(save_report).get(list_reports))
        .with_state(state)
}

/// Every call log entry of `app_id` (all when `None`) since `since_ms`, after what is queued is written.
pub(crate) async fn read_calls(
    state: &SandboxState,
    app_id: Option<String>,
    since_ms: i64,
    limit: usize,
) -> Result<Vec<LoggedCall>, StoreError> {
    state.journal.flush(&state.store).await;
    state.store.read(move |r| r.calls(app_id.as_deref(), since_ms, limit)).await
}

async fn calls(State(state): State<Arc<SandboxState>>, Query(q): Query<CallLogQuery>) -> AdminResult<Vec<LoggedCall>> {
    let limit = q.limit.unwrap_or(1000).min(10_000);
    Ok(Json(read_calls(&state, q.app_id, q.since_ms.unwrap_or(0), limit).await?))
}

/// The passive report of `req`.
pub(crate) async fn lint_report(state: &Arc<SandboxState>, req: LintRequest) -> Result<AcceptReport, AdminError> {
    let ids: Vec<&'static str> = if req.checks.is_empty() {
        lint::passive_ids()
    } else {
        let mut ids = Vec::new();
        for id in &req.checks {
            match checks::find(id) {
                Some(c) if c.mode == checks::Mode::Passive => ids.push(c.id),
                Some(c) => {
                    return Err(AdminError::BadRequest(format!(
                        "{} is not a passive check ({}): `alipay accept list` shows how each check is judged",
                        c.id,
                        c.mode.as_str()
                    )))
                }
                None => return Err(AdminError::BadRequest(format!("no check {id:?}"))),
            }
        }
        ids
    };
    let since = req.since_ms.unwrap_or(0);
    // The whole history: an out_trade_no used before `since` is still a reuse (F6).
    let calls = read_calls(state, Some(req.app_id.clone()), 0, usize::MAX).await?;
    let q = NotificationQuery { app_id: Some(req.app_id.clone()), ..NotificationQuery::default() };
    let notifications = crate::admin::notification_list(state, q, 1000).await?;
    let with_notify_url = orders_with_notify_url(state, &req.app_id, &calls, since).await?;
    let profile = req.profile.unwrap_or_default();
    let now = crate::clock::real_now_ms();
    let cases = lint::judge(&ids, &calls, &notifications, &with_notify_url, &profile, since, now);
    Ok(AcceptReport { suite: "lint".to_owned(), app_id: req.app_id, profile, cases })
}

/// The `out_trade_no`s of the app's QR orders (precreates since `since`) whose trade has a `notify_url` (F7).
async fn orders_with_notify_url(
    state: &SandboxState,
    app_id: &str,
    calls: &[LoggedCall],
    since: i64,
) -> Result<HashSet<String>, StoreError> {
    let orders: HashSet<String> = calls
        .iter()
        .filter(|c| c.method == "alipay.trade.precreate" && c.code == "10000" && c.at_ms >= since)
        .filter_map(|c| c.out_trade_no.clone())
        .collect();
    if orders.is_empty() {
        return Ok(orders);
    }
    let app_id = app_id.to_owned();
    state
        .store
        .read(move |r| {
            let Some(app) = r.app(&app_id)? else { return Ok(HashSet::new()) };
            let mut out = HashSet::new();
            for order in orders {
                if r.trade_by_out_no(&app.merchant_pid, &order)?.is_some_and(|t| t.notify_url.is_some()) {
                    out.insert(order);
                }
            }
            Ok(out)
        })
        .await
}

async fn lint_route(State(state): State<Arc<SandboxState>>, Json(req): Json<LintRequest>) -> AdminResult<AcceptReport> {
    if req.app_id.is_empty() {
        return Err(AdminError::BadRequest("app_id is required".to_owned()));
    }
    Ok(Json(lint_report(&state, req).await?))
}

async fn notify_probes(
    State(state): State<Arc<SandboxState>>,
    Json(req): Json<NotifyProbeRequest>,
) -> AdminResult<AcceptReport> {
    if req.app_id.is_empty() {
        return Err(AdminError::BadRequest("app_id is required".to_owned()));
    }
    Ok(Json(probe::report(&state, req).await?))
}

async fn save_report(
    State(state): State<Arc<SandboxState>>,
    Json(report): Json<AcceptReport>,
) -> AdminResult<SavedReport> {
    if report.app_id.is_empty() {
        return Err(AdminError::BadRequest("the report names no app_id".to_owned()));
    }
    let at = crate::clock::real_now_ms();
    let id = state.store.write(move |r| r.insert_report(at, &report)).await?;
    Ok(Json(SavedReport { id, console_path: format!("/accept/{id}") }))
}

async fn list_reports(
    State(state): State<Arc<SandboxState>>,
    Query(q): Query<ReportsQuery>,
) -> AdminResult<Vec<StoredReport>> {
    let limit = q.limit.unwrap_or(100).min(1000);
    Ok(Json(state.store.read(move |r| r.reports(q.app_id.as_deref(), limit)).await?))
}
