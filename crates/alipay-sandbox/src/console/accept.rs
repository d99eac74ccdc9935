//! The acceptance runs (`alipay accept lint | run` keep their reports here, `POST /admin/accept/reports`): `/accept`
//! lists them newest first with their counts, `/accept/{id}` shows one run — each check's verdict, rule, seed line,
//! reason and timeline, as the terminal table does.

use std::sync::Arc;

use alipay_sandbox_admin::{AcceptReport, CaseResult, StoredReport, Verdict};
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use maud::{html, Markup};

use super::pages::ListQuery;
use super::{layout, search_box, when_ms, PageError, PageResult};
use crate::SandboxState;

type St = State<Arc<SandboxState>>;

fn count(r: &AcceptReport, v: Verdict) -> usize {
    r.cases.iter().filter(|c| c.verdict == v).count()
}

fn verdict(v: Verdict) -> Markup {
    let class = match v {
        Verdict::Passed => "ok",
        Verdict::Failed => "bad",
        _ => "muted",
    };
    html! { span class=(class) { (v.as_str()) } }
}

/// `GET /accept?q=`: the kept runs (search by app id, suite or check id).
pub(crate) async fn runs(State(state): St, Query(lq): Query<ListQuery>) -> PageResult {
    let q = lq.q();
    let reports = state.store.read(|r| r.reports(None, 500)).await?;
    let reports: Vec<StoredReport> = reports
        .into_iter()
        .filter(|s| match &q {
            None => true,
            Some(q) => {
                s.report.app_id.contains(q.as_str())
                    || s.report.suite.contains(q.as_str())
                    || s.report.cases.iter().any(|c| c.id.eq_ignore_ascii_case(q))
            }
        })
        .take(200)
        .collect();
    let content = html! {
        h1 { "Acceptance runs" }
        p.muted { "Reports of " code { "alipay accept lint" } " and " code { "alipay accept run" } " against this sandbox, newest first." }
        (search_box("/accept", q.as_deref(), "app id, suite, check id"))
        @if reports.is_empty() {
            p.muted data-testid="no-runs" { "No run yet: " code { "alipay accept lint --config app.json" } }
        } @else {
            table {
                tr { th { "run" } th { "time" } th { "suite" } th { "app" } th { "passed" } th { "failed" } th { "warnings" } th { "review" } th { "not observed" } }
                @for s in &reports {
                    tr {
                        td { a href=(format!("/accept/{}", s.id)) data-testid=(format!("run-{}", s.id)) { "#" (s.id) } }
                        td { (when_ms(s.at_ms)) } td { (s.report.suite) } td { code { (s.report.app_id) } }
                        td.ok { (count(&s.report, Verdict::Passed)) }
                        td class=@if count(&s.report, Verdict::Failed) > 0 { "bad" } { (count(&s.report, Verdict::Failed)) }
                        td { (count(&s.report, Verdict::Warning)) } td { (count(&s.report, Verdict::Review)) }
                        td { (count(&s.report, Verdict::NotObserved)) }
                    }
                }
            }
        }
    };
    Ok(layout("Acceptance runs", "accept", lq.flash.as_deref(), content).into_response())
}

fn timeline(c: &CaseResult) -> Markup {
    let t0 = c.timeline.first().map_or(0, |t| t.t_ms);
    html! {
        table data-testid=(format!("timeline-{}", c.id)) {
            tr { th { "t" } th { "+" } th { "call" } th { "answer" } th { "order" } }
            @for t in &c.timeline {
                tr {
                    td { (format!("{:.1} s", (t.t_ms - t0) as f64 / 1000.0)) }
                    td { (t.interval_ms.map(|i| format!("{:.1} s", i as f64 / 1000.0)).unwrap_or_default()) }
                    td { code { (t.method) } }
                    td { code { (t.code) } " " (t.sub_code.clone().unwrap_or_default()) " " (t.trade_status.clone().unwrap_or_default()) }
                    td { code { (t.out_trade_no.clone().unwrap_or_default()) } " " code { (t.out_request_no.clone().unwrap_or_default()) } }
                }
            }
        }
    }
}

/// `GET /accept/{id}`: one run.
pub(crate) async fn run(State(state): St, Path(id): Path<i64>) -> PageResult {
    let s = state.store.read(move |r| r.report(id)).await?;
    let s = s.ok_or_else(|| PageError::not_found(format!("acceptance run {id} not found")))?;
    let r = &s.report;
    let p = &r.profile;
    let content = html! {
        h1 { "Acceptance run #" (s.id) ": " (r.suite) }
        table {
            tr { th { "app" } td { code { (r.app_id) } } }
            tr { th { "time" } td { (when_ms(s.at_ms)) } }
            tr { th { "profile" } td data-testid="profile" {
                "poll every " (p.poll_interval_s) " s, bill URL valid " (p.bill_url_ttl_s) " s: "
                @if p.alipay_rule { span.ok { "Alipay's rules" } } @else { span.bad { "NOT Alipay's rule (a compressed profile)" } }
            } }
            tr { th { "verdicts" } td data-testid="summary" {
                (count(r, Verdict::Passed)) " passed, " (count(r, Verdict::Failed)) " failed, "
                (count(r, Verdict::Warning)) " warning(s), " (count(r, Verdict::Review)) " to review, "
                (count(r, Verdict::NotObserved)) " not observed"
            } }
        }
        @for c in &r.cases {
            div.card data-testid=(format!("case-{}", c.id)) {
                h2 { (c.id) " " (verdict(c.verdict)) " " span.muted { (c.product) } }
                p { (c.rule) " " span.muted { "(" (c.seed) ")" } }
                p data-testid=(format!("reason-{}", c.id)) { (c.reason) }
                @if !c.timeline.is_empty() { (timeline(c)) }
            }
        }
    };
    Ok(layout(&format!("Acceptance run #{}", s.id), "accept", None, content).into_response())
}
