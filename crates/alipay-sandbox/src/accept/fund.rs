//! The red-packet checks P1–P4 (cash red packets, seed 003), pure functions over the call log.
//!
//! A fund operation (funding, disbursement, refund) is named by its `out_request_no` (seed 003:64
//! "商户本次资金操作的请求流水号,需要保证不重复"). Calls are judged per calling client, in gateway real time; `P` is
//! the profile's poll interval.
//!
//! - **P1** `10003` (seed 003:238 "1)以同样的请求直接发起重试 … 2)调用查询接口确认操作结果") and **P2** `20000` or
//!   no answer (003:241, the same two ways): the same client's next call about the operation must be the
//!   identical request again (same method, `out_request_no` and amount) or `alipay.fund.coupon.operation.query`
//!   for it. The same operation (method and amount) under a new `out_request_no` first fails (the money may move
//!   twice), as does the `out_request_no` again with another amount (not the identical request); nothing within
//!   `6P` fails.
//! - **P3** (003:209 "通过支付宝订单号和操作流水号查询,该查询方式效率高,建议尽可能使用该方式"): a query by
//!   `out_order_no` + `out_request_no` when the app had been answered the operation's `auth_no` and
//!   `operation_id` warns; by `auth_no` + `operation_id`, or by the merchant's numbers when the operation was
//!   never answered with its ids (a `10003`), passes.
//! - **P4** (003:63–64 "需要保证不重复"): an `out_request_no` used again for another operation (another method or
//!   amount), or any answer `UNIQUE_VIOLATION`, fails. The identical request again is the documented retry.

use std::collections::{HashMap, HashSet};

use alipay_core::Money;
use alipay_sandbox_admin::{CaseResult, LoggedCall, Profile, Verdict};

use super::verdict::{secs, timeline, Fold};

/// `alipay.fund.coupon.order.agreement.pay`: funding a red packet.
pub const FUND: &str = "alipay.fund.coupon.order.agreement.pay";
/// `alipay.fund.coupon.order.disburse`.
pub const DISBURSE: &str = "alipay.fund.coupon.order.disburse";
/// `alipay.fund.coupon.order.refund`.
pub const REFUND: &str = "alipay.fund.coupon.order.refund";
/// `alipay.fund.coupon.operation.query`.
pub const QUERY: &str = "alipay.fund.coupon.operation.query";
/// The methods that make a fund operation under an `out_request_no`.
pub const OPERATIONS: &[&str] =
    &[FUND, DISBURSE, REFUND, "alipay.fund.coupon.order.page.pay", "alipay.fund.coupon.order.app.pay"];

fn is_operation(c: &LoggedCall) -> bool {
    OPERATIONS.contains(&c.method.as_str())
}

fn amount(c: &LoggedCall) -> Option<Money> {
    c.amount.as_deref().and_then(|a| a.trim().parse().ok())
}

fn amount_text(c: &LoggedCall) -> &str {
    c.amount.as_deref().unwrap_or("?")
}

fn number(c: &LoggedCall) -> &str {
    c.out_request_no.as_deref().unwrap_or("")
}

fn short(method: &str) -> &str {
    method.strip_prefix("alipay.fund.coupon.").unwrap_or(method)
}

/// P1 (`10003`) or P2 (`20000`, no answer): the identical request again, or `operation.query`, before any new
/// `out_request_no` (seed 003:238, 003:241).
pub fn unknown_outcome(id: &str, calls: &[LoggedCall], profile: &Profile, since_ms: i64, now_ms: i64) -> CaseResult {
    let p = (profile.poll_interval_s * 1000.0).round() as i64;
    let note = if profile.alipay_rule { "" } else { " (profile, not Alipay's rule)" };
    let in_process = id == "P1";
    let mut fold = Fold::new();
    for (i, c) in calls.iter().enumerate() {
        let triggered = if in_process { c.code == "10003" && !c.dropped } else { c.dropped || c.code == "20000" };
        if !is_operation(c) || !triggered || c.at_ms < since_ms || c.out_request_no.is_none() {
            continue;
        }
        let no = number(c);
        let what = match (in_process, c.dropped) {
            (true, _) => "answered 10003 (in process)",
            (false, true) => "got no answer (the connection dropped)",
            (false, false) => "answered 20000 (outcome unknown)",
        };
        let head = format!("{} {no} of {} {what}", short(&c.method), amount_text(c));
        let after: Vec<&LoggedCall> = calls
            .get(i + 1..)
            .unwrap_or_default()
            .iter()
            .filter(|l| l.peer_host() == c.peer_host())
            .filter(|l| {
                (l.method == c.method && (l.out_request_no == c.out_request_no || amount(l) == amount(c)))
                    || (l.method == QUERY && l.out_request_no == c.out_request_no)
                    || (l.method == QUERY && l.operation_id.is_some() && l.operation_id == c.operation_id)
            })
            .collect();
        let evidence = |k: usize| timeline(std::iter::once(c).chain(after.iter().take(k).copied()));
        match after.first() {
            None if now_ms - c.at_ms <= 6 * p => {}
            None => fold.add(
                Verdict::Failed,
                format!(
                    "{head}, and within {}{note} the merchant neither sent the identical request again nor asked \
                     alipay.fund.coupon.operation.query: the money may have moved, and the merchant never learnt it",
                    secs(6 * p)
                ),
                evidence(0),
            ),
            Some(l) if l.method == QUERY => fold.add(Verdict::Passed, String::new(), evidence(1)),
            Some(l) if l.out_request_no != c.out_request_no => fold.add(
                Verdict::Failed,
                format!(
                    "{head}, and {} later the merchant sent the same {} of {} under a new out_request_no {}, before \
                     the outcome was known: if the first went through, the money moves twice — send the identical \
                     request again (Alipay answers it idempotently) or query the operation first",
                    secs(l.at_ms - c.at_ms),
                    short(&l.method),
                    amount_text(l),
                    number(l)
                ),
                evidence(1),
            ),
            Some(l) if amount(l) != amount(c) => fold.add(
                Verdict::Failed,
                format!(
                    "{head}, and {} later the merchant sent out_request_no {no} again for {}: the retry must be the \
                     identical request (同样的请求)",
                    secs(l.at_ms - c.at_ms),
                    amount_text(l)
                ),
                evidence(1),
            ),
            Some(_) => fold.add(Verdict::Passed, String::new(), evidence(1)),
        }
    }
    let (trigger, done) = if in_process {
        ("no red-packet operation answered 10003 (run the coupon suite, or inject the in_process fault)", "10003")
    } else {
        ("no red-packet operation answered 20000 or lost its answer (run the coupon suite with --coupon-fault unknown)", "20000")
    };
    fold.finish(id, trigger, |n| {
        format!("{n} operation(s) answered {done}: each sent again identically or queried first")
    })
}

/// P3: query by `auth_no` + `operation_id` where possible (seed 003:209).
pub fn p3(calls: &[LoggedCall], since_ms: i64) -> CaseResult {
    // The out_request_nos whose operation's ids the app was answered.
    let mut known: HashMap<&str, (&str, &str)> = HashMap::new();
    let mut fold = Fold::new();
    for c in calls {
        if is_operation(c) && c.code == "10000" && !c.dropped {
            if let (Some(no), Some(a), Some(o)) =
                (c.out_request_no.as_deref(), c.auth_no.as_deref(), c.operation_id.as_deref())
            {
                known.entry(no).or_insert((a, o));
            }
            continue;
        }
        if c.method != QUERY || c.at_ms < since_ms {
            continue;
        }
        if c.auth_no.is_some() && c.operation_id.is_some() {
            fold.add(Verdict::Passed, String::new(), Vec::new());
            continue;
        }
        match c.out_request_no.as_deref().and_then(|no| known.get(no).map(|ids| (no, ids))) {
            Some((no, (auth_no, operation_id))) => fold.add(
                Verdict::Warning,
                format!(
                    "alipay.fund.coupon.operation.query asked for out_request_no {no} by out_order_no + out_request_no, \
                     although the operation had been answered with auth_no {auth_no} and operation_id {operation_id}: \
                     Alipay advises the efficient query by auth_no + operation_id (建议尽可能使用该方式)"
                ),
                timeline([c]),
            ),
            None => fold.add(Verdict::Passed, String::new(), Vec::new()),
        }
    }
    fold.finish("P3", "no alipay.fund.coupon.operation.query", |n| {
        format!("{n} operation quer(ies), by auth_no + operation_id wherever the ids were known")
    })
}

/// P4: `out_order_no` / `out_request_no` never repeated for another operation (seed 003:63–64).
pub fn p4(calls: &[LoggedCall], since_ms: i64) -> CaseResult {
    let mut first: HashMap<&str, &LoggedCall> = HashMap::new();
    let mut fold = Fold::new();
    let mut ops = HashSet::new();
    for c in calls.iter().filter(|c| is_operation(c)) {
        let Some(no) = c.out_request_no.as_deref() else { continue };
        if c.at_ms >= since_ms {
            ops.insert(no);
            let earlier = first.get(no).copied();
            let other = earlier.filter(|e| e.method != c.method || (amount(e).is_some() && amount(e) != amount(c)));
            if other.is_some() || c.sub_code.as_deref() == Some("UNIQUE_VIOLATION") {
                let was = other
                    .map(|e| {
                        format!(
                            ", already used {} earlier by {} of {}",
                            secs(c.at_ms - e.at_ms),
                            short(&e.method),
                            amount_text(e)
                        )
                    })
                    .unwrap_or_default();
                let answered = c.sub_code.as_deref().map(|s| format!(" (answered {s})")).unwrap_or_default();
                let reason = format!(
                    "{} of {} used out_request_no {no}{was}{answered}: out_order_no and out_request_no must never be \
                     repeated for another operation (需要保证不重复) — only the identical request again is a retry",
                    short(&c.method),
                    amount_text(c)
                );
                fold.add(Verdict::Failed, reason, timeline(earlier.into_iter().chain(std::iter::once(c))));
                continue;
            }
        }
        first.entry(no).or_insert(c);
    }
    if !ops.is_empty() && fold.worst.is_none() {
        fold.add(Verdict::Passed, String::new(), Vec::new());
        fold.judged = ops.len();
    }
    fold.finish("P4", "no red-packet operation", |n| format!("{n} operation(s), each under its own out_request_no"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(at_ms: i64, method: &str, no: &str, amount: &str, code: &str) -> LoggedCall {
        LoggedCall {
            at_ms,
            app_id: "A".into(),
            method: method.into(),
            out_order_no: Some("O-1".into()),
            out_request_no: Some(no.into()),
            amount: Some(amount.into()),
            code: code.into(),
            peer: Some("127.0.0.1:5000".into()),
            ..LoggedCall::default()
        }
    }

    fn profile() -> Profile {
        Profile::default().with_poll_interval(1.0)
    }

    #[test]
    fn p1_p2_the_identical_request_or_a_query_passes_a_new_number_fails() {
        for (id, code) in [("P1", "10003"), ("P2", "20000")] {
            let same = vec![op(0, FUND, "R-1", "10.00", code), op(900, FUND, "R-1", "10.00", "10000")];
            assert_eq!(unknown_outcome(id, &same, &profile(), 0, 60_000).verdict, Verdict::Passed, "{id}");
            let mut q = op(900, QUERY, "R-1", "", "10000");
            q.amount = None;
            let query = vec![op(0, DISBURSE, "R-1", "1.00", code), q];
            assert_eq!(unknown_outcome(id, &query, &profile(), 0, 60_000).verdict, Verdict::Passed, "{id}");
            let new = vec![op(0, REFUND, "R-1", "1.00", code), op(900, REFUND, "R-2", "1.00", "10000")];
            let v = unknown_outcome(id, &new, &profile(), 0, 60_000);
            assert_eq!(v.verdict, Verdict::Failed, "{id}");
            assert!(v.reason.contains("new out_request_no R-2"), "{}", v.reason);
            let nothing = vec![op(0, FUND, "R-1", "10.00", code)];
            assert_eq!(unknown_outcome(id, &nothing, &profile(), 0, 3000).verdict, Verdict::NotObserved);
            assert_eq!(unknown_outcome(id, &nothing, &profile(), 0, 60_000).verdict, Verdict::Failed);
        }
    }

    #[test]
    fn p3_warns_on_the_slow_query_when_the_ids_were_known() {
        let mut paid = op(0, FUND, "R-1", "10.00", "10000");
        paid.auth_no = Some("AUTH".into());
        paid.operation_id = Some("OP".into());
        let mut slow = op(500, QUERY, "R-1", "", "10000");
        slow.amount = None;
        assert_eq!(p3(&[paid.clone(), slow.clone()], 0).verdict, Verdict::Warning);
        let fast = LoggedCall {
            auth_no: Some("AUTH".into()),
            operation_id: Some("OP".into()),
            out_request_no: None,
            ..slow.clone()
        };
        assert_eq!(p3(&[paid, fast], 0).verdict, Verdict::Passed);
        // After a 10003 the ids were never answered: the merchant's numbers are the only way.
        assert_eq!(p3(&[op(0, FUND, "R-1", "10.00", "10003"), slow], 0).verdict, Verdict::Passed);
    }

    #[test]
    fn p4_a_number_for_another_operation_fails() {
        let calls = vec![op(0, FUND, "R-1", "10.00", "10000"), op(900, DISBURSE, "R-1", "1.00", "40004")];
        assert_eq!(p4(&calls, 0).verdict, Verdict::Failed);
        let calls = vec![op(0, FUND, "R-1", "10.00", "10003"), op(900, FUND, "R-1", "10.00", "10000")];
        assert_eq!(p4(&calls, 0).verdict, Verdict::Passed);
    }
}
