//! The passive checks: verdicts from the call log (`store::calls`) and the notification delivery log of
//! one app, with no setup. Pure functions over the evidence; the route that reads it is in [`super`].
//!
//! Orders are judged per `out_trade_no` and calling client (the caller's host), in gateway real time. The
//! thresholds are the design's proposals anchored on Alipay's numbers (seed 001:56 "等待5秒后调用交易查询接口";
//! the official face-to-face demo's `query_duration = 5000`, `max_query_retry = 5`), scaled by the profile's poll
//! interval `P`: a query gap in `0.8P..=1.2P` passes, `0.4P..0.8P` or over `1.2P` warns, under `0.4P` fails;
//! no query within `3P` of the `10003` fails; a cancel more than `2P` after the last query fails ("立即").

use std::collections::{HashMap, HashSet};

use alipay_sandbox_admin::{CaseResult, LoggedCall, Notification, Profile, TimelineEntry, Verdict, BILL_FETCH};

use super::checks;
use super::verdict::{acknowledged, reply_text, secs, timeline, Fold};

const PAY: &str = "alipay.trade.pay";
const QUERY: &str = "alipay.trade.query";
const CANCEL: &str = "alipay.trade.cancel";
const BILL_QUERY: &str = "alipay.data.dataservice.bill.downloadurl.query";
/// The methods that create a trade under an `out_trade_no` (F6).
const CREATES: &[&str] = &[
    PAY,
    "alipay.trade.precreate",
    "alipay.trade.create",
    "alipay.trade.page.pay",
    "alipay.trade.wap.pay",
    "alipay.trade.app.pay",
];
const FINAL: &[&str] = &["TRADE_SUCCESS", "TRADE_FINISHED", "TRADE_CLOSED"];

/// The ids of the passive checks, in report order.
pub fn passive_ids() -> Vec<&'static str> {
    checks::CHECKS.iter().filter(|c| c.mode == checks::Mode::Passive).map(|c| c.id).collect()
}

/// Judges `ids` (passive checks) over an app's whole call log `calls` (oldest first), its notifications and
/// the `out_trade_no`s of its trades created with a `notify_url` (F7); only traffic at or after `since_ms`
/// triggers a check (earlier calls are history: an `out_trade_no` used before). `now_ms` is the gateway's real
/// time: an order still inside its window is not judged yet.
pub fn judge(
    ids: &[&str],
    calls: &[LoggedCall],
    notifications: &[Notification],
    with_notify_url: &HashSet<String>,
    profile: &Profile,
    since_ms: i64,
    now_ms: i64,
) -> Vec<CaseResult> {
    let ctx = Ctx { calls, profile, since_ms, now_ms, p: (profile.poll_interval_s * 1000.0).round() as i64 };
    ids.iter()
        .filter_map(|id| {
            Some(match *id {
                "F1" => ctx.f1(),
                "F2" => ctx.f2(),
                "F3" => ctx.f3(),
                "F4" => ctx.unknown_outcome("F4"),
                "F5" => ctx.unknown_outcome("F5"),
                "F6" => ctx.f6(),
                "F7" => super::precreate::f7(calls, notifications, with_notify_url, profile, since_ms, now_ms),
                "B1" => ctx.b1(),
                "B2" => ctx.b2(),
                "B3" => super::bill::b3(calls, profile, since_ms, now_ms),
                "R1" => super::refund::r1(calls, since_ms),
                "R2" => super::refund::r2(calls, profile, since_ms, now_ms),
                "N1" => n1(notifications, since_ms),
                "D1" => super::deduct::d1(calls, since_ms),
                "D2" => super::deduct::d2(calls, profile, since_ms, now_ms),
                "D3" => super::deduct::d3(calls, profile, since_ms, now_ms),
                "D4" => super::deduct::d4(calls, profile, since_ms, now_ms),
                "D5" => super::deduct::d5(calls, profile, since_ms, now_ms),
                "P1" | "P2" => super::fund::unknown_outcome(id, calls, profile, since_ms, now_ms),
                "P3" => super::fund::p3(calls, since_ms),
                "P4" => super::fund::p4(calls, since_ms),
                _ => return None,
            })
        })
        .collect()
}

struct Ctx<'a> {
    calls: &'a [LoggedCall],
    profile: &'a Profile,
    since_ms: i64,
    now_ms: i64,
    /// The poll interval, ms.
    p: i64,
}

/// A `trade.pay` answered `10003` and what the same client did about its order afterwards.
struct Pending<'a> {
    pay: &'a LoggedCall,
    /// The same client's later calls about the order.
    after: Vec<&'a LoggedCall>,
}

impl<'a> Pending<'a> {
    fn first_cancel(&self) -> Option<&'a LoggedCall> {
        self.after.iter().copied().find(|c| c.method == CANCEL)
    }

    /// The queries of the polling: up to the first cancel, up to and including the first final status.
    fn polls(&self) -> Vec<&'a LoggedCall> {
        let cancel_at = self.first_cancel().map_or(i64::MAX, |c| c.at_ms);
        let mut out = Vec::new();
        for c in self.after.iter().copied().filter(|c| c.method == QUERY && c.at_ms <= cancel_at) {
            out.push(c);
            if is_final(c) {
                break;
            }
        }
        out
    }

    fn timeline(&self) -> Vec<TimelineEntry> {
        timeline(std::iter::once(self.pay).chain(self.after.iter().copied()))
    }

    fn order(&self) -> &str {
        self.pay.out_trade_no.as_deref().unwrap_or("")
    }
}

fn is_final(c: &LoggedCall) -> bool {
    c.trade_status.as_deref().is_some_and(|s| FINAL.contains(&s))
}

impl<'a> Ctx<'a> {
    /// The trade calls on `order` after call `i`, from the client that made call `i` (orders are judged per
    /// calling client).
    fn later_trade_calls(&self, i: usize, order: &str) -> Vec<&'a LoggedCall> {
        let Some(first) = self.calls.get(i) else { return Vec::new() };
        self.calls
            .get(i + 1..)
            .unwrap_or_default()
            .iter()
            .filter(|c| {
                c.out_trade_no.as_deref() == Some(order)
                    && c.peer_host() == first.peer_host()
                    && c.method.starts_with("alipay.trade.")
            })
            .collect()
    }

    /// Every `trade.pay` answered `10003` since `since_ms`, with the same client's later calls on its order.
    fn pending(&self) -> Vec<Pending<'a>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (i, pay) in self.calls.iter().enumerate() {
            if pay.method != PAY || pay.code != "10003" || pay.dropped || pay.at_ms < self.since_ms {
                continue;
            }
            let Some(order) = pay.out_trade_no.as_deref() else { continue };
            if !seen.insert((order, pay.peer_host())) {
                continue;
            }
            out.push(Pending { pay, after: self.later_trade_calls(i, order) });
        }
        out
    }

    fn profile_note(&self) -> &'static str {
        if self.profile.alipay_rule {
            ""
        } else {
            " (profile, not Alipay's rule)"
        }
    }

    /// F1: polling after a `10003` (seed 001:56).
    fn f1(&self) -> CaseResult {
        let p = self.p;
        let note = self.profile_note();
        let mut fold = Fold::new();
        for order in self.pending() {
            let polls = order.polls();
            let out = order.order();
            if polls.is_empty() {
                if self.now_ms - order.pay.at_ms < 3 * p && order.first_cancel().is_none() {
                    continue; // still inside its window
                }
                fold.add(
                    Verdict::Failed,
                    format!(
                        "trade.pay of out_trade_no {out} answered 10003 (waiting for the buyer) and no alipay.trade.query \
                         by out_trade_no followed within {}{note}: the merchant must wait {} and then query until a \
                         final status",
                        secs(3 * p),
                        secs(p)
                    ),
                    order.timeline(),
                );
                continue;
            }
            let mut verdict = Verdict::Passed;
            let mut reason = String::new();
            let mut prev = order.pay.at_ms;
            for (n, q) in polls.iter().enumerate() {
                let gap = q.at_ms - prev;
                let what = if n == 0 { "the first query came".to_owned() } else { format!("query {} came", n + 1) };
                let after = if n == 0 { "the 10003 answer" } else { "the previous query" };
                if gap * 10 < 4 * p {
                    verdict = Verdict::Failed;
                    reason = format!(
                        "out_trade_no {out}: {what} {} after {after}, under {}{note}: poll every {} (Alipay: wait 5 s, \
                         then query every 5 s), not in a tight loop",
                        secs(gap),
                        secs(4 * p / 10),
                        secs(p)
                    );
                    break;
                }
                if (gap * 10 < 8 * p || gap * 10 > 12 * p) && verdict == Verdict::Passed {
                    verdict = Verdict::Warning;
                    reason = format!(
                        "out_trade_no {out}: {what} {} after {after}; expected {}{note} (±20 %)",
                        secs(gap),
                        secs(p)
                    );
                }
                prev = q.at_ms;
            }
            if verdict != Verdict::Failed {
                if let Some(paid_at) = polls.iter().find(|q| q.trade_status.as_deref() == Some("TRADE_SUCCESS")) {
                    if let Some(c) = order
                        .after
                        .iter()
                        .find(|c| c.at_ms >= paid_at.at_ms && (c.method == CANCEL || c.method == "alipay.trade.refund"))
                    {
                        verdict = Verdict::Failed;
                        reason = format!(
                            "out_trade_no {out}: the query answered TRADE_SUCCESS, then the merchant called {} on the \
                             paid trade",
                            c.method
                        );
                    } else if verdict == Verdict::Passed
                        && order.after.iter().any(|c| c.method == QUERY && c.at_ms > paid_at.at_ms)
                    {
                        verdict = Verdict::Warning;
                        reason = format!("out_trade_no {out}: kept querying after the trade was TRADE_SUCCESS");
                    }
                }
            }
            fold.add(verdict, reason, order.timeline());
        }
        let p_text = secs(p);
        fold.finish(
            "F1",
            "no trade.pay answered 10003 (waiting for the buyer): pay above the buyer's password-free limit, or run \
             the face-to-face suite",
            |n| format!("{n} order(s) answered 10003: queried after ~{p_text} and every ~{p_text}{note}"),
        )
    }

    /// F2: still `WAIT_BUYER_PAY` when polling ends → cancel at once (seed 001:56).
    fn f2(&self) -> CaseResult {
        let p = self.p;
        let note = self.profile_note();
        let mut fold = Fold::new();
        for order in self.pending() {
            let out = order.order();
            let polls = order.polls();
            if polls.iter().any(|q| is_final(q)) {
                continue; // paid or closed: nothing to cancel
            }
            let cancel = order.first_cancel();
            let Some(last) = polls.last() else {
                if let Some(c) = cancel {
                    fold.add(
                        Verdict::Failed,
                        format!(
                            "out_trade_no {out}: cancelled {} after the 10003 answer without any alipay.trade.query: \
                             the buyer may have been paying; poll first, cancel when polling ends",
                            secs(c.at_ms - order.pay.at_ms)
                        ),
                        order.timeline(),
                    );
                }
                continue; // never polled: F1's failure
            };
            match cancel {
                None => {
                    if self.now_ms - last.at_ms <= 2 * p {
                        continue; // maybe still polling
                    }
                    fold.add(
                        Verdict::Failed,
                        format!(
                            "out_trade_no {out}: the last query ({}) answered {}, polling stopped, and the merchant \
                             never called alipay.trade.cancel: the buyer can still pay a trade the merchant gave up on",
                            secs(last.at_ms - order.pay.at_ms),
                            last.trade_status.as_deref().unwrap_or(&last.code)
                        ),
                        order.timeline(),
                    );
                }
                Some(c) => {
                    let delay = c.at_ms - last.at_ms;
                    let window = last.at_ms - order.pay.at_ms;
                    if delay > 2 * p {
                        fold.add(
                            Verdict::Failed,
                            format!(
                                "out_trade_no {out}: cancelled {} after the last WAIT_BUYER_PAY answer; Alipay: cancel \
                                 at once (立即), here within {}{note}",
                                secs(delay),
                                secs(2 * p)
                            ),
                            order.timeline(),
                        );
                    } else if order.after.iter().any(|q| q.method == QUERY && q.at_ms > c.at_ms) {
                        fold.add(
                            Verdict::Failed,
                            format!("out_trade_no {out}: kept querying after the cancel"),
                            order.timeline(),
                        );
                    } else if window < 3 * p || window > 24 * p {
                        fold.add(
                            Verdict::Warning,
                            format!(
                                "out_trade_no {out}: polled for {} before cancelling; Alipay's demo polls about {} \
                                 (expected {}–{}{note})",
                                secs(window),
                                secs(5 * p),
                                secs(3 * p),
                                secs(24 * p)
                            ),
                            order.timeline(),
                        );
                    } else {
                        fold.add(Verdict::Passed, String::new(), order.timeline());
                    }
                }
            }
        }
        fold.finish(
            "F2",
            "no order stayed WAIT_BUYER_PAY until polling ended (after a 10003 the buyer always paid, or the order is \
             still being polled)",
            |n| format!("{n} order(s) still WAIT_BUYER_PAY when polling ended: each cancelled at once"),
        )
    }

    /// F3: a cancel answered `retry_flag=Y` is sent again (seed 001:139 "retry_flag 是否需要重试"; the official
    /// demo retries 3 times at 2 s, `max_cancel_retry = 3`, `cancel_duration = 2000`). Another cancel of the same
    /// order by the same client within `2P` passes, a later one warns, none fails.
    fn f3(&self) -> CaseResult {
        let p = self.p;
        let note = self.profile_note();
        let mut fold = Fold::new();
        for (i, c) in self.calls.iter().enumerate() {
            if c.method != CANCEL || c.retry_flag.as_deref() != Some("Y") || c.at_ms < self.since_ms {
                continue;
            }
            let order = c.out_trade_no.as_deref().unwrap_or("");
            let next = self
                .calls
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .find(|n| n.method == CANCEL && n.out_trade_no == c.out_trade_no && n.peer_host() == c.peer_host());
            let evidence = || timeline([Some(c), next].into_iter().flatten());
            match next {
                None if self.now_ms - c.at_ms <= 2 * p => {}
                None => fold.add(
                    Verdict::Failed,
                    format!(
                        "out_trade_no {order}: alipay.trade.cancel answered {} with retry_flag=Y and the merchant \
                         never cancelled again: the trade may still be payable; retry the cancel (Alipay's demo: 3 \
                         times, 2 s apart)",
                        c.code
                    ),
                    evidence(),
                ),
                Some(n) if n.at_ms - c.at_ms > 2 * p => fold.add(
                    Verdict::Warning,
                    format!(
                        "out_trade_no {order}: the cancel was retried {} after retry_flag=Y; expected within {}{note}",
                        secs(n.at_ms - c.at_ms),
                        secs(2 * p)
                    ),
                    evidence(),
                ),
                Some(_) => fold.add(Verdict::Passed, String::new(), evidence()),
            }
        }
        fold.finish(
            "F3",
            "no alipay.trade.cancel answered retry_flag=Y (inject a fault on alipay.trade.cancel to provoke one)",
            |n| format!("{n} cancel(s) answered retry_flag=Y, each retried"),
        )
    }

    /// F4 (`trade.pay` answered 20000) and F5 (no answer: the connection dropped): query before deciding (seed
    /// 001:57 "调用查询接口确认支付结果"; 000:76 "请一定要在确定本次调用结果后,再发起重试"). The same client's first later
    /// call about the order must be `alipay.trade.query`, within `6P` (the design's 30 s); a paid trade must not be
    /// cancelled.
    fn unknown_outcome(&self, id: &str) -> CaseResult {
        let p = self.p;
        let note = self.profile_note();
        let what = if id == "F4" { "answered 20000" } else { "got no answer (the connection dropped)" };
        let mut fold = Fold::new();
        let mut seen = HashSet::new();
        for (i, pay) in self.calls.iter().enumerate() {
            let triggers = if id == "F4" { pay.code == "20000" && !pay.dropped } else { pay.dropped };
            if pay.method != PAY || !triggers || pay.at_ms < self.since_ms {
                continue;
            }
            let Some(order) = pay.out_trade_no.as_deref() else { continue };
            if !seen.insert((order, pay.peer_host())) {
                continue;
            }
            let after = self.later_trade_calls(i, order);
            let evidence = || timeline(std::iter::once(pay).chain(after.iter().copied()));
            match after.first() {
                None if self.now_ms - pay.at_ms <= 6 * p => {}
                None => fold.add(
                    Verdict::Failed,
                    format!(
                        "trade.pay of out_trade_no {order} {what} and no alipay.trade.query followed within {}{note}: \
                         the money may have moved; query to learn the outcome",
                        secs(6 * p)
                    ),
                    evidence(),
                ),
                Some(next) if next.method != QUERY => fold.add(
                    Verdict::Failed,
                    format!(
                        "trade.pay of out_trade_no {order} {what}; the next call about the order was {} ({} later), \
                         before any alipay.trade.query: confirm the outcome first (the buyer may have paid)",
                        next.method,
                        secs(next.at_ms - pay.at_ms)
                    ),
                    evidence(),
                ),
                Some(q) => {
                    let paid = after.iter().position(|c| c.trade_status.as_deref() == Some("TRADE_SUCCESS"));
                    let cancelled_paid = paid.and_then(|k| after.get(k..)).and_then(|rest| {
                        rest.iter().find(|c| c.method == CANCEL || c.method == "alipay.trade.refund").copied()
                    });
                    if let Some(c) = cancelled_paid {
                        fold.add(
                            Verdict::Failed,
                            format!(
                                "out_trade_no {order}: the query answered TRADE_SUCCESS, then the merchant called {} on \
                                 the paid trade",
                                c.method
                            ),
                            evidence(),
                        );
                    } else if q.at_ms - pay.at_ms > 6 * p {
                        fold.add(
                            Verdict::Warning,
                            format!(
                                "out_trade_no {order}: queried {} after the pay {what}; expected within {}{note}",
                                secs(q.at_ms - pay.at_ms),
                                secs(6 * p)
                            ),
                            evidence(),
                        );
                    } else {
                        fold.add(Verdict::Passed, String::new(), evidence());
                    }
                }
            }
        }
        let trigger = if id == "F4" {
            "no trade.pay answered 20000 (inject the unknown_error fault on alipay.trade.pay to provoke one)"
        } else {
            "no trade.pay lost its answer (inject the drop_after_commit fault on alipay.trade.pay to provoke one)"
        };
        fold.finish(id, trigger, |n| format!("{n} trade.pay(s) {what}: each queried before anything else"))
    }

    /// F6: an `out_trade_no` is never reused (seed 001:58).
    fn f6(&self) -> CaseResult {
        // The first call that created (10000) or failed (40004) a trade under each number: a known outcome. A
        // repeat after 20000, 10003 or no answer is the documented retry (F4/F5), not a reuse.
        let mut known: HashMap<&str, &LoggedCall> = HashMap::new();
        let mut fold = Fold::new();
        let mut creations = 0;
        for c in self.calls.iter().filter(|c| CREATES.contains(&c.method.as_str())) {
            let Some(order) = c.out_trade_no.as_deref() else { continue };
            if c.at_ms >= self.since_ms {
                creations += 1;
                if let Some(first) = known.get(order) {
                    let reason = format!(
                        "{} reused out_trade_no {order}, already used by {} {} earlier (answered {}{}): a new attempt \
                         needs a new out_trade_no, even after a failed or cancelled trade",
                        c.method,
                        first.method,
                        secs(c.at_ms - first.at_ms),
                        first.code,
                        first.sub_code.as_deref().map(|s| format!(" {s}")).unwrap_or_default()
                    );
                    fold.add(Verdict::Failed, reason, timeline([*first, c]));
                    continue;
                }
            }
            if c.code == "10000" || c.code == "40004" {
                known.entry(order).or_insert(c);
            }
        }
        if creations > 0 && fold.worst.is_none() {
            fold.add(Verdict::Passed, String::new(), Vec::new());
            fold.judged = creations;
        }
        fold.finish("F6", "no trade.pay or precreate", |n| {
            format!("{n} trade creation(s), each with an out_trade_no not used before")
        })
    }

    fn bill_queries(&self) -> impl Iterator<Item = &'a LoggedCall> + '_ {
        self.calls.iter().filter(move |c| c.method == BILL_QUERY && c.at_ms >= self.since_ms)
    }

    /// B1: bills only for past days (seed 001:236, 001:262): the gateway answers `isp.bill_date_error`.
    fn b1(&self) -> CaseResult {
        let mut fold = Fold::new();
        for q in self.bill_queries() {
            if q.sub_code.as_deref() == Some("isp.bill_date_error") {
                let reason = format!(
                    "asked for the bill of {}, a period that is not over yet: bills exist only for past days (当天除外)",
                    q.bill_date.as_deref().unwrap_or("?")
                );
                fold.add(Verdict::Failed, reason, timeline([q]));
            } else {
                fold.add(Verdict::Passed, String::new(), Vec::new());
            }
        }
        fold.finish("B1", "no bill URL query", |n| format!("{n} bill query(ies), each for a past period"))
    }

    /// B2: the bill URL fetched at once, valid 30 s (seed 001:243, 001:267).
    fn b2(&self) -> CaseResult {
        let ttl = (self.profile.bill_url_ttl_s * 1000.0).round() as i64;
        let note = self.profile_note();
        let mut fold = Fold::new();
        for q in self.bill_queries() {
            let Some(token) = q.bill_token.as_deref() else { continue };
            let fetch = self.calls.iter().find(|c| c.method == BILL_FETCH && c.bill_token.as_deref() == Some(token));
            match fetch {
                None if self.now_ms - q.at_ms <= ttl => {}
                None => fold.add(
                    Verdict::Failed,
                    format!(
                        "the bill URL answered for {} was never fetched within its {}{note}",
                        q.bill_date.as_deref().unwrap_or("?"),
                        secs(ttl)
                    ),
                    timeline([q]),
                ),
                Some(f) => {
                    let d = f.at_ms - q.at_ms;
                    // A URL found dead within its life (an armed dead URL, a shorter real TTL) is the
                    // sandbox's doing, not the merchant's: B2 judges only how soon it was fetched (B3 judges the
                    // reaction to the expiry).
                    if d > ttl {
                        fold.add(
                            Verdict::Failed,
                            format!(
                                "the bill URL was fetched {} after it was answered (HTTP {}); it is valid {}{note}: \
                                 fetch it at once",
                                secs(d),
                                f.http_status.unwrap_or_default(),
                                secs(ttl)
                            ),
                            timeline([q, f]),
                        );
                    } else if d * 3 > ttl * 2 {
                        fold.add(
                            Verdict::Warning,
                            format!(
                                "the bill URL was fetched {} after it was answered, close to its {}",
                                secs(d),
                                secs(ttl)
                            ),
                            timeline([q, f]),
                        );
                    } else {
                        fold.add(Verdict::Passed, String::new(), Vec::new());
                    }
                }
            }
        }
        fold.finish("B2", "no bill URL was answered (or its validity has not ended yet)", |n| {
            format!("{n} bill URL(s), each fetched at once")
        })
    }
}

/// N1: a genuine notification answered with exactly `success` (seed 001:154; Alipay's demos: "必须打印输出
/// success … 不是success这7个字符,支付宝服务器会不断重发通知 … 该页面不能执行页面跳转"). Whitespace around it
/// passes, as the notifier accepts it (Alipay's Java demo prints `success` and a line break).
fn n1(notifications: &[Notification], since_ms: i64) -> CaseResult {
    let mut fold = Fold::new();
    for n in notifications {
        for d in n.deliveries.iter().filter(|d| d.at_ms >= since_ms) {
            let entry = TimelineEntry {
                t_ms: d.at_ms,
                interval_ms: None,
                method: "notify".to_owned(),
                code: reply_text(d.http_status, d.response_body.as_deref(), d.error.as_deref()),
                sub_code: None,
                out_trade_no: Some(n.out_trade_no.clone()),
                out_request_no: None,
                trade_status: n.params.get("trade_status").map(str::to_owned),
            };
            let body = d.response_body.as_deref().unwrap_or("");
            match d.http_status {
                Some(_) if acknowledged(d.http_status, d.response_body.as_deref()) => {
                    fold.add(Verdict::Passed, String::new(), Vec::new())
                }
                Some(s) => {
                    let what = if (300..400).contains(&s) {
                        format!("a redirect (HTTP {s})")
                    } else {
                        format!("HTTP {s} with the body {:?}", truncate(body, 80))
                    };
                    let reason = format!(
                        "the genuine notification {} (out_trade_no {}) was answered with {what}: Alipay needs exactly \
                         the 7 characters `success` (no HTML, no redirect); anything else makes it resend, 8 times \
                         over 25 h",
                        n.notify_id, n.out_trade_no
                    );
                    fold.add(Verdict::Failed, reason, vec![entry]);
                }
                None => fold.add(
                    Verdict::Warning,
                    format!(
                        "the notification {} (out_trade_no {}) got no answer ({}): was the merchant's server up?",
                        n.notify_id,
                        n.out_trade_no,
                        d.error.as_deref().unwrap_or("")
                    ),
                    vec![entry],
                ),
            }
        }
    }
    fold.finish("N1", "no notification was delivered to the app (no trade with a notify_url was paid)", |n| {
        format!("{n} delivery(ies) of genuine notifications, each answered `success`")
    })
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accept::verdict::test_call as call;

    fn verdict(id: &str, calls: &[LoggedCall], now_ms: i64) -> CaseResult {
        judge(&[id], calls, &[], &HashSet::new(), &Profile::default(), 0, now_ms).remove(0)
    }

    const W: Option<&str> = Some("WAIT_BUYER_PAY");

    /// Alipay's numbers: wait 5 s, query every 5 s, cancel at once.
    fn by_the_book() -> Vec<LoggedCall> {
        let mut calls = vec![call(0, PAY, "10003", None)];
        calls.extend((1..=5).map(|i| call(i * 5000, QUERY, "10000", W)));
        calls.push(call(25_500, CANCEL, "10000", None));
        calls
    }

    #[test]
    fn alipays_own_numbers_pass_f1_and_f2() {
        assert_eq!(verdict("F1", &by_the_book(), 60_000).verdict, Verdict::Passed);
        assert_eq!(verdict("F2", &by_the_book(), 60_000).verdict, Verdict::Passed);
    }

    #[test]
    fn a_gap_of_three_seconds_warns_and_one_of_one_second_fails() {
        let mut calls = by_the_book();
        calls[2].at_ms = 7000; // 2 s after the first query
        assert_eq!(verdict("F1", &calls, 60_000).verdict, Verdict::Warning);
        calls[2].at_ms = 5500; // 0.5 s
        let f1 = verdict("F1", &calls, 60_000);
        assert_eq!(f1.verdict, Verdict::Failed, "{}", f1.reason);
    }

    #[test]
    fn another_client_polling_the_same_order_is_judged_apart() {
        let mut calls = by_the_book();
        let mut other = call(5200, QUERY, "10000", W);
        other.peer = Some("10.0.0.9:4000".into());
        calls.insert(2, other);
        assert_eq!(verdict("F1", &calls, 60_000).verdict, Verdict::Passed);
    }

    #[test]
    fn an_order_still_inside_its_window_is_not_judged_yet() {
        let calls = vec![call(0, PAY, "10003", None)];
        assert_eq!(verdict("F1", &calls, 2000).verdict, Verdict::NotObserved);
        assert_eq!(verdict("F1", &calls, 20_000).verdict, Verdict::Failed);
    }

    #[test]
    fn cancelling_a_paid_trade_fails_f1() {
        let calls = vec![
            call(0, PAY, "10003", None),
            call(5000, QUERY, "10000", Some("TRADE_SUCCESS")),
            call(6000, CANCEL, "10000", None),
        ];
        let f1 = verdict("F1", &calls, 60_000);
        assert_eq!(f1.verdict, Verdict::Failed);
        assert!(f1.reason.contains("paid trade"), "{}", f1.reason);
        assert_eq!(verdict("F2", &calls, 60_000).verdict, Verdict::NotObserved, "paid: nothing to cancel");
    }

    #[test]
    fn a_late_cancel_fails_f2() {
        let mut calls = by_the_book();
        calls.last_mut().unwrap().at_ms = 40_000; // 15 s after the last WAIT answer
        let f2 = verdict("F2", &calls, 60_000);
        assert_eq!(f2.verdict, Verdict::Failed);
        assert!(f2.reason.contains("at once"), "{}", f2.reason);
    }

    #[test]
    fn the_same_out_trade_no_after_an_unknown_outcome_is_the_documented_retry_not_a_reuse() {
        let calls = vec![call(0, PAY, "20000", None), call(1000, QUERY, "40004", None), call(2000, PAY, "10000", None)];
        assert_eq!(verdict("F6", &calls, 60_000).verdict, Verdict::Passed);
        let calls = vec![call(0, PAY, "40004", None), call(2000, PAY, "10000", None)];
        assert_eq!(verdict("F6", &calls, 60_000).verdict, Verdict::Failed, "a failed trade's number is used");
    }

    #[test]
    fn history_before_since_still_counts_as_used() {
        let calls = vec![call(0, PAY, "10000", None), call(100_000, PAY, "40004", None)];
        let f6 = judge(&["F6"], &calls, &[], &HashSet::new(), &Profile::default(), 50_000, 200_000).remove(0);
        assert_eq!(f6.verdict, Verdict::Failed);
    }

    #[test]
    fn a_cancel_answered_retry_flag_y_must_be_sent_again() {
        let mut first = call(1000, CANCEL, "20000", None);
        first.retry_flag = Some("Y".into());
        let calls = vec![call(0, PAY, "10003", None), first.clone(), call(3000, CANCEL, "10000", None)];
        assert_eq!(verdict("F3", &calls, 60_000).verdict, Verdict::Passed);
        let calls = vec![call(0, PAY, "10003", None), first];
        let f3 = verdict("F3", &calls, 60_000);
        assert_eq!(f3.verdict, Verdict::Failed);
        assert!(f3.reason.contains("never cancelled again"), "{}", f3.reason);
        assert_eq!(verdict("F3", &by_the_book(), 60_000).verdict, Verdict::NotObserved);
    }

    #[test]
    fn an_unknown_outcome_is_queried_before_anything_else() {
        let calls = vec![call(0, PAY, "20000", None), call(300, QUERY, "10000", Some("TRADE_SUCCESS"))];
        assert_eq!(verdict("F4", &calls, 60_000).verdict, Verdict::Passed);
        let calls = vec![call(0, PAY, "20000", None), call(300, PAY, "10000", None)];
        assert_eq!(verdict("F4", &calls, 60_000).verdict, Verdict::Failed);
        let calls = vec![
            call(0, PAY, "20000", None),
            call(300, QUERY, "10000", Some("TRADE_SUCCESS")),
            call(900, CANCEL, "10000", None),
        ];
        assert_eq!(verdict("F4", &calls, 60_000).verdict, Verdict::Failed, "cancel of a paid trade");
        let mut dropped = call(0, PAY, "10000", None);
        dropped.dropped = true;
        let calls = vec![dropped, call(500, CANCEL, "10000", None)];
        assert_eq!(verdict("F5", &calls, 60_000).verdict, Verdict::Failed);
        assert_eq!(verdict("F4", &calls, 60_000).verdict, Verdict::NotObserved);
    }
}
