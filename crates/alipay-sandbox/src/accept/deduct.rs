//! The EBPP and direct-deduct checks D1–D5, pure functions over the call log (seeds 000, 002, 004).
//!
//! A deduction is named by its `out_order_no` (seed 002:93 `INST_ORDER_NO_IS_NULL` "用于控制幂等": it is the
//! idempotency key), an agreement by its `agreement_id`. Calls are judged per calling client (the caller's
//! host), in gateway real time; `P` is the profile's poll interval (Alipay: 5 s).
//!
//! - **D1** `merchant_order_no` is unique (seed 000:30 "外部订单号,需要唯一"): a bill.add answered
//!   `MERCHANT_ORDER_NO_REPEAT`, or one reusing a number for another amount, fails. The same bill again is
//!   the idempotent replay.
//! - **D2** a `pdeduct.pay` answered `20000` or without an answer (seed 000:76 "请一定要在确定本次调用结果后,再
//!   发起重试 … 可调用查询接口发起查询确定结果"): the same client's next call about it must be
//!   `bill.pay.status` for its `out_order_no`; a retry before it, or a deduction of the same amount on the same
//!   agreement under a new `out_order_no` (charged twice if the first went through), fails; nothing within `6P`
//!   fails. After the status query, a retry keeps the `out_order_no` until an answer says paid (`1`) or failed
//!   (`2`); a deduction after that is a new one.
//! - **D3** `result_status` `0` (seed 002:46 "0:未知"): poll `bill.pay.status` until `1` or `2`. A new
//!   deduction of the same amount on the agreement while unknown fails, as does polling under `0.4P`; no query
//!   for `120P` (10 minutes at Alipay's 5 s) while unknown warns.
//! - **D4** `QUERY_DEDUCT_SIGN_INFO_ERROR` (seed 002:95 "查询协议的时候出现超时或网络异常时,建议再次重试"): the retry
//!   keeps the `out_order_no`; a new number fails, no retry within `6P` warns.
//! - **D5** `DEDUCT_SIGN_INFO_NOT_EXIST` (seed 002:94 "机构需要检查自身协议是否和支付宝的协议存在单边账的问题"):
//!   reconcile with `sign.query` (within `6P`) and charge the agreement no more, unless that query found it.

use std::collections::HashMap;

use alipay_core::Money;
use alipay_sandbox_admin::{CaseResult, LoggedCall, Profile, Verdict};

use super::verdict::{secs, timeline, Fold};

/// `alipay.ebpp.bill.add`.
pub const BILL_ADD: &str = "alipay.ebpp.bill.add";
/// `alipay.ebpp.pdeduct.pay`.
pub const PAY: &str = "alipay.ebpp.pdeduct.pay";
/// `alipay.ebpp.pdeduct.bill.pay.status`.
pub const STATUS: &str = "alipay.ebpp.pdeduct.bill.pay.status";
/// `alipay.ebpp.pdeduct.sign.query`.
pub const SIGN_QUERY: &str = "alipay.ebpp.pdeduct.sign.query";

const SIGN_ERROR: &str = "QUERY_DEDUCT_SIGN_INFO_ERROR";
const NOT_EXIST: &str = "DEDUCT_SIGN_INFO_NOT_EXIST";

fn amount(c: &LoggedCall) -> Option<Money> {
    c.amount.as_deref().and_then(|a| a.trim().parse().ok())
}

fn amount_text(c: &LoggedCall) -> &str {
    c.amount.as_deref().unwrap_or("?")
}

fn order(c: &LoggedCall) -> &str {
    c.out_order_no.as_deref().unwrap_or("")
}

/// The answer leaves the outcome unknown: `20000`, or no answer.
fn uncertain(c: &LoggedCall) -> bool {
    c.dropped || c.code == "20000"
}

/// A deduction of the same amount on the same agreement as `first`, under another `out_order_no`.
fn same_charge_new_number(first: &LoggedCall, c: &LoggedCall) -> bool {
    c.method == PAY
        && c.out_order_no != first.out_order_no
        && c.agreement_no.is_some()
        && c.agreement_no == first.agreement_no
        && amount(c).is_some()
        && amount(c) == amount(first)
}

fn note(profile: &Profile) -> &'static str {
    if profile.alipay_rule {
        ""
    } else {
        " (profile, not Alipay's rule)"
    }
}

fn interval_ms(profile: &Profile) -> i64 {
    (profile.poll_interval_s * 1000.0).round() as i64
}

/// The same client's calls after call `i` that `keep` selects.
fn later(calls: &[LoggedCall], i: usize, keep: impl Fn(&LoggedCall) -> bool) -> Vec<&LoggedCall> {
    let Some(first) = calls.get(i) else { return Vec::new() };
    calls.get(i + 1..).unwrap_or_default().iter().filter(|c| c.peer_host() == first.peer_host() && keep(c)).collect()
}

/// D1: `merchant_order_no` is unique (seed 000:30).
pub fn d1(calls: &[LoggedCall], since_ms: i64) -> CaseResult {
    let mut first: HashMap<&str, &LoggedCall> = HashMap::new();
    let mut fold = Fold::new();
    let mut adds = 0;
    for c in calls.iter().filter(|c| c.method == BILL_ADD) {
        let Some(no) = c.merchant_order_no.as_deref() else { continue };
        if c.at_ms >= since_ms {
            adds += 1;
            let earlier = first.get(no).copied();
            let other_amount = earlier.is_some_and(|e| amount(e).is_some() && amount(e) != amount(c));
            if c.sub_code.as_deref() == Some("MERCHANT_ORDER_NO_REPEAT") || other_amount {
                let before = earlier
                    .map(|e| {
                        format!(", already used {} earlier for a bill of {}", secs(c.at_ms - e.at_ms), amount_text(e))
                    })
                    .unwrap_or_default();
                let reason = format!(
                    "alipay.ebpp.bill.add for a bill of {} reused merchant_order_no {no}{before}: the merchant's order \
                     number must be unique (外部订单号,需要唯一) — Alipay refuses the new bill",
                    amount_text(c)
                );
                fold.add(Verdict::Failed, reason, timeline(earlier.into_iter().chain(std::iter::once(c))));
                continue;
            }
        }
        if c.code == "10000" {
            first.entry(no).or_insert(c);
        }
    }
    if adds > 0 && fold.worst.is_none() {
        fold.add(Verdict::Passed, String::new(), Vec::new());
        fold.judged = adds;
    }
    fold.finish("D1", "no alipay.ebpp.bill.add", |n| format!("{n} bill(s) added, each under its own merchant_order_no"))
}

/// D2: a deduction answered `20000` or without an answer: `bill.pay.status` before any retry, which keeps the
/// `out_order_no` (seed 000:76).
pub fn d2(calls: &[LoggedCall], profile: &Profile, since_ms: i64, now_ms: i64) -> CaseResult {
    let p = interval_ms(profile);
    let note = note(profile);
    let mut fold = Fold::new();
    for (i, c) in calls.iter().enumerate() {
        if c.method != PAY || !uncertain(c) || c.at_ms < since_ms || c.out_order_no.is_none() {
            continue;
        }
        let no = order(c);
        let what =
            if c.dropped { "got no answer (the connection dropped)" } else { "answered 20000 (outcome unknown)" };
        let after = later(calls, i, |l| {
            ((l.method == PAY || l.method == STATUS) && l.out_order_no.as_deref() == Some(no))
                || same_charge_new_number(c, l)
        });
        let evidence = |upto: usize| timeline(std::iter::once(c).chain(after.iter().take(upto).copied()));
        let head = format!(
            "the deduction {no} of {} on agreement {}",
            amount_text(c),
            c.agreement_no.as_deref().unwrap_or("?")
        );
        let Some(first) = after.first() else {
            if now_ms - c.at_ms > 6 * p {
                fold.add(
                    Verdict::Failed,
                    format!(
                        "{head} {what}, and within {}{note} the merchant never asked alipay.ebpp.pdeduct.bill.pay.status: \
                         the user may have been charged, and the merchant never learnt it",
                        secs(6 * p)
                    ),
                    evidence(0),
                );
            }
            continue;
        };
        if first.method == PAY && first.out_order_no.as_deref() == Some(no) {
            fold.add(
                Verdict::Failed,
                format!(
                    "{head} {what}, and {} later the merchant sent it again before any \
                     alipay.ebpp.pdeduct.bill.pay.status: make sure of the outcome first (请一定要在确定本次调用结果后,\
                     再发起重试)",
                    secs(first.at_ms - c.at_ms)
                ),
                evidence(1),
            );
            continue;
        }
        if first.method == PAY {
            fold.add(
                Verdict::Failed,
                format!(
                    "{head} {what}, and {} later the merchant charged {} again under a new out_order_no {}, before any \
                     alipay.ebpp.pdeduct.bill.pay.status: if the first deduction went through, the user is charged \
                     twice — query its status, and retry under the same out_order_no",
                    secs(first.at_ms - c.at_ms),
                    amount_text(first),
                    order(first)
                ),
                evidence(1),
            );
            continue;
        }
        // Queried first. Until an answer says paid (1) or failed (2), a retry keeps the number; once the outcome
        // is known, another deduction on the agreement is a new one (the next bill).
        let mut known = false;
        let mut renumbered = None;
        for (k, l) in after.iter().enumerate() {
            if same_charge_new_number(c, l) && !known {
                renumbered = Some(k);
                break;
            }
            if l.out_order_no.as_deref() == Some(no) && matches!(l.result_status.as_deref(), Some("1" | "2")) {
                known = true;
            }
        }
        match renumbered {
            Some(k) => fold.add(
                Verdict::Failed,
                format!(
                    "{head} {what}; alipay.ebpp.pdeduct.bill.pay.status answered {}, and then the merchant charged the \
                     agreement again under a new out_order_no {}: a retry keeps the out_order_no (Alipay answers it \
                     idempotently), else the user may be charged twice",
                    first.result_status.as_deref().or(first.sub_code.as_deref()).unwrap_or(&first.code),
                    after.get(k).map_or("?", |l| order(l))
                ),
                evidence(k + 1),
            ),
            _ if first.at_ms - c.at_ms > 6 * p => fold.add(
                Verdict::Warning,
                format!(
                    "{head} {what} and its status was asked only {} later; expected within {}{note}",
                    secs(first.at_ms - c.at_ms),
                    secs(6 * p)
                ),
                evidence(1),
            ),
            _ => fold.add(Verdict::Passed, String::new(), evidence(1)),
        }
    }
    fold.finish(
        "D2",
        "no alipay.ebpp.pdeduct.pay answered 20000 or lost its answer (run the deduct suite, or inject the \
         unknown_error or drop_after_commit fault on alipay.ebpp.pdeduct.pay)",
        |n| format!("{n} deduction(s) with an unknown outcome, each queried with bill.pay.status before a retry"),
    )
}

/// D3: `result_status` `0` (unknown): poll `bill.pay.status` until it is resolved (seed 002:46).
pub fn d3(calls: &[LoggedCall], profile: &Profile, since_ms: i64, now_ms: i64) -> CaseResult {
    let p = interval_ms(profile);
    let silence = 120 * p;
    let note = note(profile);
    let mut fold = Fold::new();
    let mut seen = std::collections::HashSet::new();
    for (i, c) in calls.iter().enumerate() {
        let unknown = c.method == PAY && c.code == "10000" && !c.dropped && c.result_status.as_deref() == Some("0");
        if !unknown || c.at_ms < since_ms || c.out_order_no.is_none() || !seen.insert((order(c), c.peer_host())) {
            continue;
        }
        let no = order(c);
        let after = later(calls, i, |l| {
            ((l.method == STATUS || l.method == PAY) && l.out_order_no.as_deref() == Some(no))
                || same_charge_new_number(c, l)
        });
        let head = format!("the deduction {no} of {} answered result_status 0 (unknown)", amount_text(c));
        let mut prev = c.at_ms;
        let mut verdict = Verdict::Passed;
        let mut reason = String::new();
        let mut resolved = false;
        let mut upto = 0;
        for (k, l) in after.iter().enumerate() {
            upto = k + 1;
            if same_charge_new_number(c, l) {
                verdict = Verdict::Failed;
                reason = format!(
                    "{head}, and {} later, while it was still unknown, the merchant charged {} again under a new \
                     out_order_no {}: an unknown deduction may still succeed — poll \
                     alipay.ebpp.pdeduct.bill.pay.status until it is 1 or 2",
                    secs(l.at_ms - c.at_ms),
                    amount_text(l),
                    order(l)
                );
                break;
            }
            let gap = l.at_ms - prev;
            if gap * 10 < 4 * p {
                verdict = Verdict::Failed;
                reason = format!(
                    "{head}; a status query came {} after the previous call, under {}{note}: poll every {}, not in a \
                     tight loop",
                    secs(gap),
                    secs(4 * p / 10),
                    secs(p)
                );
                break;
            }
            if gap > silence && verdict == Verdict::Passed {
                verdict = Verdict::Warning;
                reason = format!(
                    "{head}; {} passed without a status query (expected at most {}{note})",
                    secs(gap),
                    secs(silence)
                );
            }
            prev = l.at_ms;
            if matches!(l.result_status.as_deref(), Some("1" | "2")) {
                resolved = true;
                break;
            }
        }
        if !resolved && verdict != Verdict::Failed {
            if now_ms - prev <= silence {
                continue; // maybe still polling
            }
            verdict = Verdict::Warning;
            reason = format!(
                "{head}, and {} passed without an alipay.ebpp.pdeduct.bill.pay.status query while it was still unknown \
                 (expected at most {}{note}): poll until the status is 1 (paid) or 2 (failed)",
                secs(now_ms - prev),
                secs(silence)
            );
        }
        fold.add(verdict, reason, timeline(std::iter::once(c).chain(after.iter().take(upto).copied())));
    }
    fold.finish(
        "D3",
        "no deduction answered result_status 0 (run the deduct suite, or hold deductions with POST /admin/deduct/holds)",
        |n| format!("{n} unknown deduction(s), each polled until resolved"),
    )
}

/// D4: `QUERY_DEDUCT_SIGN_INFO_ERROR`: retry with the same `out_order_no` (seed 002:95).
pub fn d4(calls: &[LoggedCall], profile: &Profile, since_ms: i64, now_ms: i64) -> CaseResult {
    let p = interval_ms(profile);
    let note = note(profile);
    let mut fold = Fold::new();
    for (i, c) in calls.iter().enumerate() {
        if c.method != PAY || c.sub_code.as_deref() != Some(SIGN_ERROR) || c.at_ms < since_ms {
            continue;
        }
        let no = order(c);
        let after = later(calls, i, |l| {
            l.method == PAY && (l.out_order_no.as_deref() == Some(no) || same_charge_new_number(c, l))
        });
        let head = format!("the deduction {no} of {} answered {SIGN_ERROR} (查询代扣协议错误)", amount_text(c));
        match after.first() {
            None if now_ms - c.at_ms <= 6 * p => {}
            None => fold.add(
                Verdict::Warning,
                format!(
                    "{head}, and the merchant never retried it within {}{note}: Alipay advises retrying (建议再次重试)",
                    secs(6 * p)
                ),
                timeline([c]),
            ),
            Some(l) if l.out_order_no.as_deref() != Some(no) => fold.add(
                Verdict::Failed,
                format!(
                    "{head}, and {} later the merchant retried under a new out_order_no {}: retry with the same \
                     out_order_no, the deduction's idempotency key",
                    secs(l.at_ms - c.at_ms),
                    order(l)
                ),
                timeline([c, *l]),
            ),
            Some(l) => fold.add(Verdict::Passed, String::new(), timeline([c, *l])),
        }
    }
    fold.finish("D4", "no deduction answered QUERY_DEDUCT_SIGN_INFO_ERROR (run the deduct suite)", |n| {
        format!("{n} deduction(s) answered {SIGN_ERROR}, each retried under the same out_order_no")
    })
}

/// D5: `DEDUCT_SIGN_INFO_NOT_EXIST`: reconcile with `sign.query`, charge the agreement no more (seed 002:94).
pub fn d5(calls: &[LoggedCall], profile: &Profile, since_ms: i64, now_ms: i64) -> CaseResult {
    let p = interval_ms(profile);
    let note = note(profile);
    let mut fold = Fold::new();
    let mut seen = std::collections::HashSet::new();
    for (i, c) in calls.iter().enumerate() {
        if c.method != PAY || c.sub_code.as_deref() != Some(NOT_EXIST) || c.at_ms < since_ms {
            continue;
        }
        let Some(agreement) = c.agreement_no.as_deref() else { continue };
        if !seen.insert((agreement, c.peer_host())) {
            continue;
        }
        let after = later(calls, i, |l| {
            (l.method == SIGN_QUERY && l.agreement_no.as_deref().is_none_or(|a| a == agreement))
                || (l.method == PAY && l.agreement_no.as_deref() == Some(agreement))
        });
        let head = format!("the deduction {} on agreement {agreement} answered {NOT_EXIST} (协议不存在)", order(c));
        let query = after.iter().position(|l| l.method == SIGN_QUERY);
        let found_live = query.and_then(|k| after.get(k)).is_some_and(|q| q.code == "10000");
        let charged = after.iter().position(|l| l.method == PAY);
        let upto = |k: usize| timeline(std::iter::once(c).chain(after.iter().take(k + 1).copied()));
        match (query, charged) {
            (_, Some(k)) if !(found_live && query.is_some_and(|q| q < k)) => {
                let l = after.get(k).copied().unwrap_or(c);
                fold.add(
                    Verdict::Failed,
                    format!(
                        "{head}, and {} later the merchant charged the same agreement again ({}){}: stop charging an \
                         agreement Alipay no longer has, and reconcile it with alipay.ebpp.pdeduct.sign.query (单边账)",
                        secs(l.at_ms - c.at_ms),
                        order(l),
                        if query.is_some_and(|q| q < k) { ", although sign.query did not find it" } else { "" }
                    ),
                    upto(k),
                );
            }
            (None, _) if now_ms - c.at_ms <= 6 * p => {}
            (None, _) => fold.add(
                Verdict::Failed,
                format!(
                    "{head}, and within {}{note} the merchant never asked alipay.ebpp.pdeduct.sign.query: check whether \
                     the merchant's agreement and Alipay's disagree (机构需要检查自身协议是否和支付宝的协议存在单边账的问题)",
                    secs(6 * p)
                ),
                upto(after.len()),
            ),
            (Some(k), _) => fold.add(Verdict::Passed, String::new(), upto(k)),
        }
    }
    fold.finish("D5", "no deduction answered DEDUCT_SIGN_INFO_NOT_EXIST (run the deduct suite)", |n| {
        format!("{n} agreement(s) found gone: each reconciled with sign.query and charged no more")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pay(at_ms: i64, no: &str, code: &str) -> LoggedCall {
        LoggedCall {
            at_ms,
            app_id: "A".into(),
            method: PAY.into(),
            out_order_no: Some(no.into()),
            agreement_no: Some("AG-1".into()),
            amount: Some("1.00".into()),
            code: code.into(),
            result_status: (code == "10000").then(|| "1".to_owned()),
            peer: Some("127.0.0.1:5000".into()),
            ..LoggedCall::default()
        }
    }

    fn status(at_ms: i64, no: &str, result: &str) -> LoggedCall {
        LoggedCall {
            method: STATUS.into(),
            result_status: Some(result.into()),
            amount: None,
            ..pay(at_ms, no, "10000")
        }
    }

    fn profile() -> Profile {
        Profile::default().with_poll_interval(1.0)
    }

    #[test]
    fn d2_a_status_query_first_passes_a_retry_or_a_new_number_first_fails() {
        let good = vec![pay(0, "D-1", "20000"), status(900, "D-1", "1")];
        assert_eq!(d2(&good, &profile(), 0, 60_000).verdict, Verdict::Passed);
        let retry = vec![pay(0, "D-1", "20000"), pay(500, "D-1", "10000")];
        assert_eq!(d2(&retry, &profile(), 0, 60_000).verdict, Verdict::Failed);
        let twice = vec![pay(0, "D-1", "20000"), pay(500, "D-2", "10000")];
        let v = d2(&twice, &profile(), 0, 60_000);
        assert_eq!(v.verdict, Verdict::Failed);
        assert!(v.reason.contains("charged twice"), "{}", v.reason);
        let mut lost = pay(0, "D-1", "10000");
        lost.dropped = true;
        assert_eq!(d2(&[lost.clone()], &profile(), 0, 3000).verdict, Verdict::NotObserved);
        assert_eq!(d2(&[lost], &profile(), 0, 60_000).verdict, Verdict::Failed);
        // A new attempt after the status said failed is a new deduction.
        let again = vec![pay(0, "D-1", "20000"), status(900, "D-1", "2"), pay(1900, "D-2", "10000")];
        assert_eq!(d2(&again, &profile(), 0, 60_000).verdict, Verdict::Passed);
        // After "paid" the next deduction on the agreement is the next bill; after "still unknown" it is a
        // second charge.
        let next = vec![pay(0, "D-1", "20000"), status(900, "D-1", "1"), pay(1900, "D-2", "10000")];
        assert_eq!(d2(&next, &profile(), 0, 60_000).verdict, Verdict::Passed);
        let unsure = vec![pay(0, "D-1", "20000"), status(900, "D-1", "0"), pay(1900, "D-2", "10000")];
        assert_eq!(d2(&unsure, &profile(), 0, 60_000).verdict, Verdict::Failed);
    }

    #[test]
    fn d3_polling_until_resolved_passes_a_new_charge_while_unknown_fails_silence_warns() {
        let mut unknown = pay(0, "D-1", "10000");
        unknown.result_status = Some("0".into());
        let good = vec![unknown.clone(), status(1000, "D-1", "0"), status(2000, "D-1", "0"), status(3000, "D-1", "1")];
        assert_eq!(d3(&good, &profile(), 0, 60_000).verdict, Verdict::Passed);
        let bad = vec![unknown.clone(), pay(1000, "D-2", "10000")];
        assert_eq!(d3(&bad, &profile(), 0, 60_000).verdict, Verdict::Failed);
        assert_eq!(d3(&[unknown.clone()], &profile(), 0, 60_000).verdict, Verdict::NotObserved, "inside 120 P");
        assert_eq!(d3(&[unknown.clone()], &profile(), 0, 130_000).verdict, Verdict::Warning);
        let tight = vec![unknown, status(100, "D-1", "0")];
        assert_eq!(d3(&tight, &profile(), 0, 60_000).verdict, Verdict::Failed);
    }

    #[test]
    fn d4_and_d5() {
        let mut err = pay(0, "D-1", "40004");
        err.sub_code = Some(SIGN_ERROR.into());
        assert_eq!(d4(&[err.clone(), pay(900, "D-1", "10000")], &profile(), 0, 60_000).verdict, Verdict::Passed);
        assert_eq!(d4(&[err.clone(), pay(900, "D-9", "10000")], &profile(), 0, 60_000).verdict, Verdict::Failed);
        assert_eq!(d4(&[err], &profile(), 0, 60_000).verdict, Verdict::Warning);
        let mut gone = pay(0, "D-1", "40004");
        gone.sub_code = Some(NOT_EXIST.into());
        let mut q = status(500, "D-1", "");
        q.method = SIGN_QUERY.into();
        q.code = "40004".into();
        assert_eq!(d5(&[gone.clone(), q.clone()], &profile(), 0, 60_000).verdict, Verdict::Passed);
        assert_eq!(d5(&[gone.clone(), q, pay(900, "D-2", "40004")], &profile(), 0, 60_000).verdict, Verdict::Failed);
        assert_eq!(d5(&[gone], &profile(), 0, 60_000).verdict, Verdict::Failed);
    }

    #[test]
    fn d1_a_number_reused_for_another_bill_fails() {
        let add = |at_ms, amount: &str, code: &str| LoggedCall {
            at_ms,
            method: BILL_ADD.into(),
            merchant_order_no: Some("M-1".into()),
            amount: Some(amount.into()),
            code: code.into(),
            ..LoggedCall::default()
        };
        assert_eq!(d1(&[add(0, "1.00", "10000"), add(1, "1.00", "10000")], 0).verdict, Verdict::Passed);
        assert_eq!(d1(&[add(0, "1.00", "10000"), add(1, "2.00", "40004")], 0).verdict, Verdict::Failed);
        assert_eq!(d1(&[], 0).verdict, Verdict::NotObserved);
    }
}
