//! The refund checks R1 and R2, pure functions over the call log (seed 001:202 "退款接口会根据外部请求号
//! out_request_no幂等返回,因此同一笔需要多次部分退款时,必须使用不同的out_request_no": the refund answers
//! idempotently per `out_request_no`, so several partial refunds of one trade need different numbers; and 000:76
//! "请一定要在确定本次调用结果后,再发起重试": make sure of a call's outcome before retrying it).
//!
//! A refund is kept under its `out_request_no`, or — when it has none — under the trade's `out_trade_no`, as
//! Alipay does (001:224 "部分退款时必传": required for a partial refund). A trade is named by the `out_trade_no`
//! the merchant sent, else its `trade_no`.
//!
//! - **R1** fails when a refund reuses a number that is already spoken for: for a different amount (Alipay
//!   answers `ACQ.DISCORDANT_REPEAT_REQUEST`), or for the same amount after the first refund's success was known
//!   (Alipay answers the first refund again, `fund_change=N`: the merchant believes money moved twice). The same
//!   request again after an uncertain answer is the documented retry (R2), not a reuse. R1 is observed once a
//!   trade is refunded under two numbers (or a reuse happens).
//! - **R2**: after a refund answered `20000` or lost its answer, the same client's next refund call about the
//!   trade must be that refund again (same `out_request_no`) or `alipay.trade.fastpay.refund.query` for it. A
//!   refund of the same amount under a new number first fails (the buyer may be refunded twice); nothing at all
//!   within `6P` fails (the outcome is never learnt), a confirmation later than `6P` warns.

use std::collections::{HashMap, HashSet};

use alipay_core::Money;
use alipay_sandbox_admin::{CaseResult, LoggedCall, Profile, Verdict};

use super::verdict::{secs, timeline, Fold};

/// `alipay.trade.refund`.
pub const REFUND: &str = "alipay.trade.refund";
/// `alipay.trade.fastpay.refund.query`.
pub const REFUND_QUERY: &str = "alipay.trade.fastpay.refund.query";

/// The trade a refund call is about: the `out_trade_no` sent, else the `trade_no`.
fn trade(c: &LoggedCall) -> Option<&str> {
    c.out_trade_no.as_deref().or(c.trade_no.as_deref())
}

/// The number the refund is kept under: its `out_request_no`, else (as Alipay does) the trade's number.
fn number(c: &LoggedCall) -> Option<&str> {
    c.out_request_no.as_deref().or_else(|| trade(c))
}

fn amount(c: &LoggedCall) -> Option<Money> {
    c.refund_amount.as_deref().and_then(|a| a.trim().parse().ok())
}

fn amount_text(c: &LoggedCall) -> &str {
    c.refund_amount.as_deref().unwrap_or("?")
}

/// The answer of `c` is known: it was answered `10000`.
fn settled(c: &LoggedCall) -> bool {
    c.code == "10000" && !c.dropped
}

/// The answer of `c` leaves its outcome unknown: `20000`, or no answer at all.
fn uncertain(c: &LoggedCall) -> bool {
    c.dropped || c.code == "20000"
}

fn note(profile: &Profile) -> &'static str {
    if profile.alipay_rule {
        ""
    } else {
        " (profile, not Alipay's rule)"
    }
}

/// R1: each partial refund has its own `out_request_no` (seed 001:202).
pub fn r1(calls: &[LoggedCall], since_ms: i64) -> CaseResult {
    let refunds: Vec<&LoggedCall> = calls.iter().filter(|c| c.method == REFUND).collect();
    let mut fold = Fold::new();
    let mut numbers: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (i, c) in refunds.iter().enumerate() {
        let (Some(t), Some(no)) = (trade(c), number(c)) else { continue };
        if c.at_ms < since_ms {
            continue;
        }
        numbers.entry(t).or_default().insert(no);
        let earlier: Vec<&LoggedCall> = refunds
            .get(..i)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|e| trade(e) == Some(t) && number(e) == Some(no))
            .collect();
        let Some(first) = earlier.first() else { continue };
        let named = if c.out_request_no.is_some() {
            format!("out_request_no {no}")
        } else {
            format!("no out_request_no (Alipay then keeps the refund under the out_trade_no {no})")
        };
        let evidence = || timeline(earlier.iter().copied().chain(std::iter::once(*c)));
        // (An entry written before the log kept amounts has none: only the answer can tell.)
        let discordant = c.sub_code.as_deref() == Some("ACQ.DISCORDANT_REPEAT_REQUEST")
            || matches!((amount(first), amount(c)), (Some(a), Some(b)) if a != b);
        if discordant {
            let answered = c.sub_code.as_deref().map(|s| format!(" (answered {s})")).unwrap_or_default();
            let reason = format!(
                "out_trade_no {t}: a refund of {} was sent with {named}, already used {} earlier for a refund of {}{answered}: \
                 each partial refund needs its own out_request_no — Alipay answers a number it has seen idempotently, so \
                 this refund is never made",
                amount_text(c),
                secs(c.at_ms - first.at_ms),
                amount_text(first)
            );
            fold.add(Verdict::Failed, reason, evidence());
        } else if let Some(done) = earlier.iter().find(|e| settled(e)) {
            let fund = match c.fund_change.as_deref() {
                Some("N") => ", and Alipay answered fund_change=N: no money moved",
                _ => "",
            };
            let reason = format!(
                "out_trade_no {t}: the refund of {} under {named} had already succeeded ({} earlier, answer known), and \
                 the merchant sent a refund under the same number again{fund}: Alipay answers the first refund again, \
                 so a second partial refund needs a new out_request_no",
                amount_text(done),
                secs(c.at_ms - done.at_ms)
            );
            fold.add(Verdict::Failed, reason, evidence());
        }
        // Otherwise the same refund again after an uncertain answer: the documented retry (R2).
    }
    let split = numbers.values().filter(|n| n.len() >= 2).count();
    if split > 0 && fold.worst.is_none() {
        fold.add(Verdict::Passed, String::new(), Vec::new());
        fold.judged = split;
    }
    fold.finish("R1", "no trade was refunded under two numbers (refund one trade in two parts to exercise it)", |n| {
        format!("{n} trade(s) refunded in parts, each part under its own out_request_no")
    })
}

/// R2: after a refund answered `20000` or lost its answer, the same `out_request_no` again or a refund query
/// first (seed 001:202, 000:76). `P` is the profile's poll interval.
pub fn r2(calls: &[LoggedCall], profile: &Profile, since_ms: i64, now_ms: i64) -> CaseResult {
    let p = (profile.poll_interval_s * 1000.0).round() as i64;
    let note = note(profile);
    let mut fold = Fold::new();
    for (i, c) in calls.iter().enumerate() {
        if c.method != REFUND || !uncertain(c) || c.at_ms < since_ms {
            continue;
        }
        let (Some(t), Some(no)) = (trade(c), number(c)) else { continue };
        let what =
            if c.dropped { "got no answer (the connection dropped)" } else { "answered 20000 (outcome unknown)" };
        let later: Vec<&LoggedCall> = calls
            .get(i + 1..)
            .unwrap_or_default()
            .iter()
            .filter(|l| {
                (l.method == REFUND || l.method == REFUND_QUERY)
                    && trade(l) == Some(t)
                    && l.peer_host() == c.peer_host()
            })
            .collect();
        // The first later call that confirms this refund (the same number again, or its query), or that makes
        // the same refund under another number first.
        let decisive = later.iter().position(|l| {
            number(l) == Some(no) || (l.method == REFUND && amount(l).is_some() && amount(l) == amount(c))
        });
        let evidence = |upto: usize| timeline(std::iter::once(c).chain(later.iter().take(upto).copied()));
        match decisive.and_then(|k| later.get(k).map(|l| (k, *l))) {
            None if now_ms - c.at_ms <= 6 * p => {} // still inside its window
            None => fold.add(
                Verdict::Failed,
                format!(
                    "out_trade_no {t}: the refund {no} of {} {what}, and within {}{note} the merchant neither sent it \
                     again with the same out_request_no nor asked alipay.trade.fastpay.refund.query: the refund may \
                     have been made, and the merchant never learnt it",
                    amount_text(c),
                    secs(6 * p)
                ),
                evidence(later.len()),
            ),
            Some((k, l)) if number(l) != Some(no) => fold.add(
                Verdict::Failed,
                format!(
                    "out_trade_no {t}: the refund {no} of {} {what}, and {} later the merchant refunded {} again under a \
                     new out_request_no {}, before any alipay.trade.fastpay.refund.query: if the first refund went \
                     through, the buyer is refunded twice — send the same out_request_no again (Alipay answers it \
                     idempotently) or query the refund first",
                    amount_text(c),
                    secs(l.at_ms - c.at_ms),
                    amount_text(l),
                    number(l).unwrap_or("?")
                ),
                evidence(k + 1),
            ),
            Some((k, l)) if l.at_ms - c.at_ms > 6 * p => fold.add(
                Verdict::Warning,
                format!(
                    "out_trade_no {t}: the refund {no} {what} and was confirmed ({}) only {} later; expected within {}{note}",
                    l.method,
                    secs(l.at_ms - c.at_ms),
                    secs(6 * p)
                ),
                evidence(k + 1),
            ),
            Some((k, _)) => fold.add(Verdict::Passed, String::new(), evidence(k + 1)),
        }
    }
    fold.finish(
        "R2",
        "no refund answered 20000 or lost its answer (run the refund suite, or inject the unknown_error or \
         drop_after_commit fault on alipay.trade.refund)",
        |n| {
            format!(
                "{n} refund(s) with an unknown outcome, each sent again under the same out_request_no or queried first"
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refund(at_ms: i64, no: Option<&str>, amount: &str, code: &str) -> LoggedCall {
        LoggedCall {
            at_ms,
            app_id: "A".into(),
            method: REFUND.into(),
            out_trade_no: Some("T1".into()),
            out_request_no: no.map(str::to_owned),
            refund_amount: Some(amount.into()),
            code: code.into(),
            peer: Some("127.0.0.1:5000".into()),
            ..LoggedCall::default()
        }
    }

    fn query(at_ms: i64, no: &str) -> LoggedCall {
        LoggedCall { method: REFUND_QUERY.into(), refund_amount: None, ..refund(at_ms, Some(no), "", "10000") }
    }

    fn profile() -> Profile {
        Profile::default().with_poll_interval(1.0)
    }

    #[test]
    fn two_parts_under_two_numbers_pass_r1_and_one_refund_is_not_observed() {
        let calls = vec![refund(0, Some("R-1"), "1.00", "10000"), refund(1000, Some("R-2"), "1.00", "10000")];
        assert_eq!(r1(&calls, 0).verdict, Verdict::Passed);
        assert_eq!(r1(&calls[..1], 0).verdict, Verdict::NotObserved);
        assert_eq!(r2(&calls, &profile(), 0, 60_000).verdict, Verdict::NotObserved);
    }

    #[test]
    fn a_second_part_under_a_settled_number_fails_r1() {
        let mut again = refund(1000, Some("R-1"), "1.00", "10000");
        again.fund_change = Some("N".into());
        let calls = vec![refund(0, Some("R-1"), "1.00", "10000"), again];
        let v = r1(&calls, 0);
        assert_eq!(v.verdict, Verdict::Failed);
        assert!(v.reason.contains("fund_change=N"), "{}", v.reason);
        // Two parts without any out_request_no are kept under the out_trade_no: the same reuse.
        let calls = vec![refund(0, None, "1.00", "10000"), refund(1000, None, "2.00", "40004")];
        let v = r1(&calls, 0);
        assert_eq!(v.verdict, Verdict::Failed);
        assert!(v.reason.contains("no out_request_no"), "{}", v.reason);
    }

    #[test]
    fn the_same_refund_again_after_20000_is_the_retry_not_a_reuse() {
        let calls = vec![
            refund(0, Some("R-1"), "1.00", "20000"),
            refund(1000, Some("R-1"), "1.00", "10000"),
            refund(2000, Some("R-2"), "1.00", "10000"),
        ];
        assert_eq!(r1(&calls, 0).verdict, Verdict::Passed);
        assert_eq!(r2(&calls, &profile(), 0, 60_000).verdict, Verdict::Passed);
        // A replay with a changed amount is a reuse, uncertain or not.
        let calls = vec![refund(0, Some("R-1"), "1.00", "20000"), refund(1000, Some("R-1"), "2.00", "40004")];
        assert_eq!(r1(&calls, 0).verdict, Verdict::Failed);
    }

    #[test]
    fn a_new_number_for_the_same_refund_after_20000_fails_r2_and_a_query_first_passes() {
        let calls = vec![refund(0, Some("R-1"), "1.00", "20000"), refund(500, Some("R-9"), "1.00", "10000")];
        let v = r2(&calls, &profile(), 0, 60_000);
        assert_eq!(v.verdict, Verdict::Failed);
        assert!(v.reason.contains("refunded twice"), "{}", v.reason);
        let calls =
            vec![refund(0, Some("R-1"), "1.00", "20000"), query(500, "R-1"), refund(900, Some("R-2"), "1.00", "10000")];
        assert_eq!(r2(&calls, &profile(), 0, 60_000).verdict, Verdict::Passed);
        // A lost answer and nothing after it: fails once the window is over, not before.
        let mut lost = refund(0, Some("R-1"), "1.00", "10000");
        lost.dropped = true;
        assert_eq!(r2(&[lost.clone()], &profile(), 0, 3000).verdict, Verdict::NotObserved);
        assert_eq!(r2(&[lost], &profile(), 0, 60_000).verdict, Verdict::Failed);
    }

    #[test]
    fn another_client_refunding_the_same_trade_is_judged_apart() {
        let mut other = refund(500, Some("R-9"), "1.00", "10000");
        other.peer = Some("10.0.0.9:4000".into());
        let calls = vec![refund(0, Some("R-1"), "1.00", "20000"), other, refund(900, Some("R-1"), "1.00", "10000")];
        assert_eq!(r2(&calls, &profile(), 0, 60_000).verdict, Verdict::Passed);
    }
}
