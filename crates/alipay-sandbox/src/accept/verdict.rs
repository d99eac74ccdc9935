//! What every check's verdict is made of: a [`case`] (a check's result with its catalogue entry), the
//! [`timeline`] of the calls it rests on, and [`Fold`], which folds the orders one check judged into one verdict.
//! Shared by the passive checks ([`super::lint`] and the per-product modules) and the active ones.

use alipay_sandbox_admin::{CaseResult, LoggedCall, TimelineEntry, Verdict};

use super::checks;

/// A result for check `id` (its product, rule and seed from the catalogue).
pub fn case(id: &str, verdict: Verdict, reason: impl Into<String>, timeline: Vec<TimelineEntry>) -> CaseResult {
    let c = checks::find(id);
    CaseResult {
        id: id.to_owned(),
        product: c.map_or("", |c| c.product).to_owned(),
        rule: c.map_or("", |c| c.rule).to_owned(),
        seed: c.map_or("", |c| c.seed).to_owned(),
        verdict,
        reason: reason.into(),
        timeline,
    }
}

/// The calls as a timeline, with the interval since the previous one.
pub fn timeline<'a>(calls: impl IntoIterator<Item = &'a LoggedCall>) -> Vec<TimelineEntry> {
    let mut prev: Option<i64> = None;
    calls
        .into_iter()
        .map(|c| {
            let entry = TimelineEntry {
                t_ms: c.at_ms,
                interval_ms: prev.map(|p| c.at_ms - p),
                method: c.method.clone(),
                code: if c.dropped { format!("{} (dropped)", c.code) } else { c.code.clone() },
                sub_code: c.sub_code.clone(),
                out_trade_no: c.out_trade_no.clone().or_else(|| c.trade_no.clone()),
                out_request_no: c.out_request_no.clone(),
                trade_status: c.trade_status.clone(),
            };
            prev = Some(c.at_ms);
            entry
        })
        .collect()
}

/// A notification delivery's reply as reports show it: `HTTP 200 "success"`, or `no answer: <error>`. The
/// fields of a delivery (the admin API's and the store's).
pub fn reply_text(http_status: Option<i64>, body: Option<&str>, error: Option<&str>) -> String {
    match http_status {
        Some(s) => format!("HTTP {s} {:?}", body.unwrap_or("")),
        None => format!("no answer: {}", error.unwrap_or("")),
    }
}

/// Whether a delivery's reply acknowledged the notification (the notifier's rule,
/// `notify::is_acknowledgement`).
pub fn acknowledged(http_status: Option<i64>, body: Option<&str>) -> bool {
    http_status.is_some_and(|s| {
        crate::notify::is_acknowledgement(u16::try_from(s).unwrap_or(0), body.unwrap_or("").as_bytes())
    })
}

/// Seconds of `ms`, one decimal: `5.0 s`.
pub fn secs(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// Several orders' outcomes folded into one verdict: the first failure, else the first warning, else a pass.
pub struct Fold {
    /// The worst outcome so far, with its reason and timeline.
    pub worst: Option<(Verdict, String, Vec<TimelineEntry>)>,
    /// How many outcomes were added.
    pub judged: usize,
}

impl Fold {
    /// Nothing judged yet.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Fold {
        Fold { worst: None, judged: 0 }
    }

    /// One order's outcome.
    pub fn add(&mut self, verdict: Verdict, reason: String, timeline: Vec<TimelineEntry>) {
        self.judged += 1;
        let rank = |v: Verdict| match v {
            Verdict::Failed => 3,
            Verdict::Warning => 2,
            _ => 1,
        };
        if self.worst.as_ref().is_none_or(|(w, _, _)| rank(verdict) > rank(*w)) {
            self.worst = Some((verdict, reason, timeline));
        }
    }

    /// The check's result: `not_observed` when nothing was added, `passed(n)` when all passed.
    pub fn finish(self, id: &str, not_observed: &str, passed: impl FnOnce(usize) -> String) -> CaseResult {
        match self.worst {
            None => case(id, Verdict::NotObserved, not_observed, Vec::new()),
            Some((Verdict::Passed, _, t)) => case(id, Verdict::Passed, passed(self.judged), t),
            Some((v, reason, t)) => case(id, v, reason, t),
        }
    }
}

/// A logged call about order `T1` from one client: the check modules' tests' fixture.
#[cfg(test)]
pub(super) fn test_call(at_ms: i64, method: &str, code: &str, status: Option<&str>) -> LoggedCall {
    LoggedCall {
        at_ms,
        app_id: "A".into(),
        method: method.into(),
        out_trade_no: Some("T1".into()),
        code: code.into(),
        trade_status: status.map(str::to_owned),
        peer: Some("127.0.0.1:5000".into()),
        ..LoggedCall::default()
    }
}
