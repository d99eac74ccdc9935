//! F7, the QR order's rule (seed 001:153, 扫码支付 调用流程): after `alipay.trade.precreate` the merchant learns
//! the outcome by polling — wait 5 s, query by `out_trade_no` every 5 s until a final status, and when the last
//! query of the polling still answers `WAIT_BUYER_PAY`, cancel at once ("必须立即调用交易撤销接口") — or by a
//! verified asynchronous notification ("除了主动轮询,也可以通过接受异步通知获得支付结果").
//!
//! Judged per order and calling client, as F1/F2 are, with the profile's poll interval `P`:
//! - an order whose notification was delivered and acknowledged, or that was created with a `notify_url` and
//!   never polled, relies on notifications: passes (N1–N7 judge how they are handled);
//! - no `notify_url` and no query within `3P`: fails (the merchant can never learn that the buyer paid);
//! - polling: a gap under `0.4P` fails (a tight loop); ending still unpaid without a cancel (or close) within
//!   `2P` of the last query fails; a final status, or a prompt cancel, passes.

use std::collections::HashSet;

use alipay_sandbox_admin::{CaseResult, LoggedCall, Notification, Profile, Verdict};

use super::verdict::{acknowledged, secs, timeline, Fold};

const PRECREATE: &str = "alipay.trade.precreate";
const QUERY: &str = "alipay.trade.query";
/// What ends a QR order the merchant gave up on.
const ENDS: &[&str] = &["alipay.trade.cancel", "alipay.trade.close"];
const FINAL: &[&str] = &["TRADE_SUCCESS", "TRADE_FINISHED", "TRADE_CLOSED"];

/// F7 over an app's call log (oldest first), its notifications and the orders created with a `notify_url`.
pub fn f7(
    calls: &[LoggedCall],
    notifications: &[Notification],
    with_notify_url: &HashSet<String>,
    profile: &Profile,
    since_ms: i64,
    now_ms: i64,
) -> CaseResult {
    let p = (profile.poll_interval_s * 1000.0).round() as i64;
    let note = if profile.alipay_rule { "" } else { " (profile, not Alipay's rule)" };
    let acknowledged = |order: &str| {
        notifications.iter().any(|n| {
            n.out_trade_no == order
                && n.deliveries.iter().any(|d| acknowledged(d.http_status, d.response_body.as_deref()))
        })
    };
    let mut seen = HashSet::new();
    let mut fold = Fold::new();
    for (i, pre) in calls.iter().enumerate() {
        if pre.method != PRECREATE || pre.code != "10000" || pre.dropped || pre.at_ms < since_ms {
            continue;
        }
        let Some(order) = pre.out_trade_no.as_deref() else { continue };
        if !seen.insert((order, pre.peer_host())) {
            continue;
        }
        let after: Vec<&LoggedCall> = calls
            .get(i + 1..)
            .unwrap_or_default()
            .iter()
            .filter(|c| {
                c.out_trade_no.as_deref() == Some(order)
                    && c.peer_host() == pre.peer_host()
                    && c.method.starts_with("alipay.trade.")
            })
            .collect();
        let evidence = || timeline(std::iter::once(pre).chain(after.iter().copied()));
        let end = after.iter().copied().find(|c| ENDS.contains(&c.method.as_str()));
        let end_at = end.map_or(i64::MAX, |c| c.at_ms);
        let mut polls = Vec::new();
        for c in after.iter().copied().filter(|c| c.method == QUERY && c.at_ms <= end_at) {
            polls.push(c);
            if c.trade_status.as_deref().is_some_and(|s| FINAL.contains(&s)) {
                break;
            }
        }
        if acknowledged(order) && polls.is_empty() {
            fold.add(Verdict::Passed, String::new(), evidence());
            continue;
        }
        let Some(last) = polls.last() else {
            if with_notify_url.contains(order) {
                fold.add(Verdict::Passed, String::new(), evidence());
            } else if now_ms - pre.at_ms >= 3 * p || end.is_some() {
                fold.add(
                    Verdict::Failed,
                    format!(
                        "precreate of out_trade_no {order} gave no notify_url and no alipay.trade.query followed \
                         within {}{note}: the merchant cannot learn whether the buyer paid; poll every {} and cancel \
                         when polling ends, or take the result from a verified notification",
                        secs(3 * p),
                        secs(p)
                    ),
                    evidence(),
                );
            }
            continue;
        };
        let mut prev = pre.at_ms;
        let mut tight = None;
        for q in &polls {
            if (q.at_ms - prev) * 10 < 4 * p {
                tight = Some(q.at_ms - prev);
                break;
            }
            prev = q.at_ms;
        }
        if let Some(gap) = tight {
            fold.add(
                Verdict::Failed,
                format!(
                    "out_trade_no {order}: a query came {} after the previous call, under {}{note}: poll the QR order \
                     every {} (Alipay: wait 5 s, then query every 5 s), not in a tight loop",
                    secs(gap),
                    secs(4 * p / 10),
                    secs(p)
                ),
                evidence(),
            );
            continue;
        }
        if last.trade_status.as_deref().is_some_and(|s| FINAL.contains(&s)) {
            fold.add(Verdict::Passed, String::new(), evidence());
            continue;
        }
        let status = last.trade_status.as_deref().or(last.sub_code.as_deref()).unwrap_or(&last.code);
        match end {
            None if now_ms - last.at_ms <= 2 * p => {} // maybe still polling
            None if with_notify_url.contains(order) => fold.add(
                Verdict::Warning,
                format!(
                    "out_trade_no {order}: polling stopped at {status} and the order was never cancelled; the \
                     notify_url will still say if the buyer pays, but Alipay's flow cancels at once when polling ends"
                ),
                evidence(),
            ),
            None => fold.add(
                Verdict::Failed,
                format!(
                    "out_trade_no {order}: the last query answered {status}, polling stopped, and the merchant never \
                     called alipay.trade.cancel: the buyer can still scan and pay an order the merchant gave up on"
                ),
                evidence(),
            ),
            Some(c) if c.at_ms - last.at_ms > 2 * p => fold.add(
                Verdict::Failed,
                format!(
                    "out_trade_no {order}: {} came {} after the last unpaid answer; Alipay: cancel at once (立即), here \
                     within {}{note}",
                    c.method,
                    secs(c.at_ms - last.at_ms),
                    secs(2 * p)
                ),
                evidence(),
            ),
            Some(_) => fold.add(Verdict::Passed, String::new(), evidence()),
        }
    }
    fold.finish("F7", "no alipay.trade.precreate answered 10000", |n| {
        format!("{n} QR order(s), each polled to a final status or cancelled at once, or watched by notify_url")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::accept::verdict::test_call as call;

    fn judge(calls: &[LoggedCall], notify_url: bool, now_ms: i64) -> CaseResult {
        let with: HashSet<String> = if notify_url { ["T1".to_owned()].into() } else { HashSet::new() };
        f7(calls, &[], &with, &Profile::default(), 0, now_ms)
    }

    const W: Option<&str> = Some("WAIT_BUYER_PAY");

    #[test]
    fn polled_then_cancelled_at_once_passes_and_a_late_cancel_fails() {
        let mut calls = vec![call(0, PRECREATE, "10000", None)];
        calls.extend((1..=5).map(|i| call(i * 5000, QUERY, "10000", W)));
        calls.push(call(25_400, "alipay.trade.cancel", "10000", None));
        assert_eq!(judge(&calls, false, 60_000).verdict, Verdict::Passed);
        calls.last_mut().unwrap().at_ms = 45_000;
        let late = judge(&calls, false, 60_000);
        assert_eq!(late.verdict, Verdict::Failed);
        assert!(late.reason.contains("at once"), "{}", late.reason);
    }

    #[test]
    fn never_watched_fails_unless_a_notify_url_was_given() {
        let calls = vec![call(0, PRECREATE, "10000", None)];
        assert_eq!(judge(&calls, false, 5000).verdict, Verdict::NotObserved, "still inside its window");
        let f7 = judge(&calls, false, 60_000);
        assert_eq!(f7.verdict, Verdict::Failed);
        assert!(f7.reason.contains("no notify_url"), "{}", f7.reason);
        assert_eq!(judge(&calls, true, 60_000).verdict, Verdict::Passed);
    }

    #[test]
    fn polling_that_stops_unpaid_without_a_cancel_fails_and_a_paid_order_passes() {
        let calls = vec![call(0, PRECREATE, "10000", None), call(5000, QUERY, "10000", W)];
        assert_eq!(judge(&calls, false, 60_000).verdict, Verdict::Failed);
        assert_eq!(judge(&calls, true, 60_000).verdict, Verdict::Warning);
        let calls = vec![call(0, PRECREATE, "10000", None), call(5000, QUERY, "10000", Some("TRADE_SUCCESS"))];
        assert_eq!(judge(&calls, false, 60_000).verdict, Verdict::Passed);
    }

    #[test]
    fn a_tight_loop_fails() {
        let mut calls = vec![call(0, PRECREATE, "10000", None)];
        calls.extend((1..=20).map(|i| call(i * 300, QUERY, "10000", W)));
        let f7 = judge(&calls, true, 60_000);
        assert_eq!(f7.verdict, Verdict::Failed);
        assert!(f7.reason.contains("tight loop"), "{}", f7.reason);
    }
}
