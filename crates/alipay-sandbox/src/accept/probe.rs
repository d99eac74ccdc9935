//! The active notification checks N2–N7: the trade family builds the probes
//! ([`crate::products::trade::probe`]); this module sends them to the merchant's `notify_url`, reads the
//! merchant's state probe when it has one, and judges. A probe never goes through the outbox, so it never
//! changes the trade, never counts as its notification (N1 never sees it) and is never retried.
//!
//! - N2–N4 must be refused: any reply but `success` passes; `success` fails.
//! - N5, N6 carry Alipay's genuine signature over content the merchant must not act on; a reply cannot show
//!   whether it did, so they are judged by the state probe (`GET URL?out_trade_no=` →
//!   `{"paid":bool,"fulfilled":n}`): the order must not turn paid nor be fulfilled. Without a state probe they
//!   are `REVIEW`. Once a probe made the merchant mark the trade paid, later probes of the trade cannot be
//!   judged (`REVIEW`, saying which probe did it).
//! - N7 sends the newest genuine, acknowledged notification of a paid trade again, twice: each must be
//!   acknowledged (Alipay resends what is not), and `fulfilled` must not grow.
//! - N8 judges a payment whose genuine notification was delivered before its synchronous answer (the
//!   `notify_first` fault, armed by the notify suite): it must be acknowledged, and the order fulfilled once.
//! - W1 judges a page-pay order the buyer paid and whose page the buyer closed (the browser never went back to
//!   `return_url`, as the page-pay suite arranges): the order must be fulfilled all the same, from the
//!   notification or a query — the return is for display only.

use std::time::Duration;

use alipay_core::{Charset, PrivateKey};
use alipay_sandbox_admin::{AcceptReport, CaseResult, NotifyProbeRequest, Profile, TimelineEntry, Verdict};
use serde::Deserialize;

use super::verdict::{acknowledged, case, reply_text};
use crate::admin::AdminError;
use crate::modes::ModesRepo;
use crate::products::trade::probe::{self, Probe};
use crate::products::trade::store::{TradeRepo, TradeState};
use crate::store::{DeliveryRecord, OutboxRecord};
use crate::SandboxState;

/// The checks this module judges.
pub const IDS: &[&str] = &["N2", "N3", "N4", "N5", "N6", "N7", "N8", "W1"];
/// Those probing an unpaid trade (the default).
const OF_UNPAID: &[&str] = &["N2", "N3", "N4", "N5", "N6"];

/// What the notify_url answered to one probe.
struct Answer {
    status: Option<u16>,
    body: String,
    error: Option<String>,
}

impl Answer {
    fn accepted(&self) -> bool {
        self.status.is_some_and(|s| crate::notify::is_acknowledgement(s, self.body.as_bytes()))
    }

    fn text(&self) -> String {
        match (self.status, &self.error) {
            (Some(s), _) => format!("HTTP {s} {:?}", self.body.chars().take(80).collect::<String>()),
            (None, e) => format!("no answer: {}", e.as_deref().unwrap_or("")),
        }
    }
}

/// What the merchant's state probe says of an order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
struct MerchantState {
    #[serde(default)]
    paid: bool,
    #[serde(default)]
    fulfilled: u64,
}

impl MerchantState {
    fn text(self) -> String {
        format!("paid={}, fulfilled={}", self.paid, self.fulfilled)
    }
}

/// The merchant's state of `out_trade_no` by its probe `url`: `404` is an order it does not know (nothing done).
async fn read_state(http: &reqwest::Client, url: &str, out_trade_no: &str) -> Result<MerchantState, String> {
    let mut target = reqwest::Url::parse(url).map_err(|e| format!("the state probe {url:?} is not a URL: {e}"))?;
    target.query_pairs_mut().append_pair("out_trade_no", out_trade_no);
    let resp = http.get(target).send().await.map_err(|e| format!("the state probe {url} did not answer: {e}"))?;
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(MerchantState::default());
    }
    if !resp.status().is_success() {
        return Err(format!("the state probe {url} answered HTTP {}", resp.status().as_u16()));
    }
    let bytes = resp.bytes().await.map_err(|e| format!("the state probe {url}: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "the state probe {url} answered {:?}, not {{\"paid\":bool,\"fulfilled\":n}}: {e}",
            String::from_utf8_lossy(&bytes).chars().take(80).collect::<String>()
        )
    })
}

async fn send(http: &reqwest::Client, url: &str, charset: &str, body: Vec<u8>) -> Answer {
    let sent = crate::notify::wire::post(http, url, charset, body).await;
    match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match resp.bytes().await {
                Ok(b) => Answer { status: Some(status), body: String::from_utf8_lossy(&b).into_owned(), error: None },
                Err(e) => Answer { status: Some(status), body: String::new(), error: Some(e.to_string()) },
            }
        }
        Err(e) => Answer { status: None, body: String::new(), error: Some(e.to_string()) },
    }
}

/// What the state probe showed after one probe.
enum Effect {
    /// No state probe.
    Unknown,
    /// The state probe could not be read.
    Unreadable(String),
    /// An earlier probe (named) had already made the merchant mark the trade paid.
    Spoiled(String),
    /// Nothing changed.
    None(MerchantState),
    /// The merchant acted on it: the state before and after.
    Acted(MerchantState, MerchantState),
}

/// One probe sent: when, what came back, what it did.
struct Sent {
    probe: Probe,
    at: i64,
    answer: Answer,
    effect: Effect,
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Sends the probes of `req` and judges them.
pub(crate) async fn report(state: &SandboxState, req: NotifyProbeRequest) -> Result<AcceptReport, AdminError> {
    let mut ids: Vec<&'static str> = Vec::new();
    for id in &req.checks {
        match IDS.iter().find(|i| i.eq_ignore_ascii_case(id)) {
            Some(i) => ids.push(i),
            None => return Err(AdminError::BadRequest(format!("{id:?} is not a notification probe (N2 … N8, W1)"))),
        }
    }
    if ids.is_empty() {
        ids = OF_UNPAID.to_vec();
    }
    let http = http();
    let mut cases = Vec::new();
    let unpaid: Vec<&'static str> = ids.iter().copied().filter(|i| OF_UNPAID.contains(i)).collect();
    if !unpaid.is_empty() {
        cases.extend(of_unpaid(state, &req, &unpaid, &http).await?);
    }
    if ids.contains(&"N7") {
        cases.push(duplicate(state, &req, &http).await?);
    }
    if ids.contains(&"N8") {
        cases.push(early(state, &req, &http).await?);
    }
    if ids.contains(&"W1") {
        cases.push(without_return(state, &req, &http).await?);
    }
    cases.sort_by_key(|c| ids.iter().position(|i| *i == c.id));
    Ok(AcceptReport { suite: "notify".to_owned(), app_id: req.app_id.clone(), profile: Profile::default(), cases })
}

/// N2–N6 on the app's unpaid trade with a notify_url.
async fn of_unpaid(
    state: &SandboxState,
    req: &NotifyProbeRequest,
    ids: &[&'static str],
    http: &reqwest::Client,
) -> Result<Vec<CaseResult>, AdminError> {
    let (app, out) = (req.app_id.clone(), req.out_trade_no.clone());
    let Some(trade) = state.store.read(move |r| r.pending_notified_trade(&app, out.as_deref())).await? else {
        let reason = "no unpaid trade of the app with a notify_url to probe: create one (alipay.trade.precreate with \
                      notify_url, or a trade.pay answered 10003) and run again";
        return Ok(ids.iter().map(|id| case(id, Verdict::NotObserved, reason, Vec::new())).collect());
    };
    let now = state.clock.now();
    let t = trade.clone();
    let app = trade.app_id.clone();
    let (success, waiting, closed, modes) = state
        .store
        .read(move |r| {
            Ok((
                probe::success_claim(r, &t, now)?,
                probe::claim(r, &t, TradeState::WaitBuyerPay, now)?,
                probe::claim(r, &t, TradeState::Closed, now)?,
                r.app_modes(&app)?,
            ))
        })
        .await?;
    let genuine = state.authority.configured_key(modes.as_ref(), &state.alipay_key);
    let forger = tokio::task::spawn_blocking(PrivateKey::generate)
        .await
        .map_err(|e| AdminError::Conflict(format!("cannot make a key: {e}")))?
        .map_err(|e| AdminError::Conflict(format!("cannot make a key: {e}")))?;
    let charset: Charset = trade.charset.parse().unwrap_or(Charset::Utf8);
    let conflict = |e: crate::notify::wire::NotifyError| AdminError::Conflict(e.to_string());
    let mut probes = probe::build(ids, &success, &genuine, &forger, trade.sign_type, charset).map_err(conflict)?;
    if ids.contains(&"N5") {
        let unknown = format!("ACCEPT{}", crate::ids::digits(20));
        probes.extend(probe::inconsistent(&success, &unknown, &genuine, trade.sign_type, charset).map_err(conflict)?);
    }
    if ids.contains(&"N6") {
        probes.extend(probe::non_final(&waiting, &closed, &genuine, trade.sign_type, charset).map_err(conflict)?);
    }
    let url = trade.notify_url.clone().unwrap_or_default();
    let order = trade.out_trade_no.clone();
    // The trade's state before any probe: already paid at the merchant's means nothing can be judged by it.
    let mut spoiled: Option<String> = None;
    let mut baseline = MerchantState::default();
    if let Some(sp) = &req.state_probe {
        match read_state(http, sp, &order).await {
            Ok(s) if s.paid || s.fulfilled > 0 => {
                spoiled = Some(format!("the state probe said {} before any probe was sent", s.text()));
            }
            Ok(s) => baseline = s,
            Err(e) => spoiled = Some(e),
        }
    }
    let mut sent = Vec::new();
    for p in probes {
        let at = crate::clock::real_now_ms();
        let answer = send(http, &url, &trade.charset, p.body.clone()).await;
        let effect = match &req.state_probe {
            None => Effect::Unknown,
            Some(_) if p.out_trade_no == order && spoiled.is_some() => {
                Effect::Spoiled(spoiled.clone().unwrap_or_default())
            }
            Some(sp) => match read_state(http, sp, &p.out_trade_no).await {
                Err(e) => Effect::Unreadable(e),
                Ok(after) => {
                    let before = if p.out_trade_no == order { baseline } else { MerchantState::default() };
                    if after.paid || after.fulfilled > before.fulfilled {
                        if p.out_trade_no == order {
                            spoiled = Some(format!("the {} probe ({}) had made it {}", p.check, p.flaw, after.text()));
                        }
                        Effect::Acted(before, after)
                    } else {
                        Effect::None(after)
                    }
                }
            },
        };
        sent.push(Sent { probe: p, at, answer, effect });
    }
    Ok(ids.iter().map(|id| judge(id, &order, sent.iter().filter(|s| s.probe.check == *id))).collect())
}

fn entry(s: &Sent, trade_status: &str) -> TimelineEntry {
    let effect = match &s.effect {
        Effect::Acted(_, after) | Effect::None(after) => format!("; state probe: {}", after.text()),
        _ => String::new(),
    };
    TimelineEntry {
        t_ms: s.at,
        interval_ms: None,
        method: format!("notify probe ({})", s.probe.flaw.split(':').next().unwrap_or("")),
        code: format!("{}{effect}", s.answer.text()),
        sub_code: None,
        out_trade_no: Some(s.probe.out_trade_no.clone()),
        out_request_no: None,
        trade_status: Some(trade_status.to_owned()),
    }
}

fn judge<'a>(id: &str, out_trade_no: &str, sent: impl Iterator<Item = &'a Sent>) -> CaseResult {
    let sent: Vec<&Sent> = sent.collect();
    let status_of = |s: &Sent| match s.probe.check {
        "N6" => s.probe.flaw.split(':').next().unwrap_or("").to_owned(),
        _ => "TRADE_SUCCESS".to_owned(),
    };
    let timeline: Vec<TimelineEntry> = sent.iter().map(|s| entry(s, &status_of(s))).collect();
    let acted: Vec<String> = sent
        .iter()
        .filter_map(|s| match &s.effect {
            Effect::Acted(before, after) => Some(format!(
                "{} — answered {}, and the state probe went from {} to {}",
                s.probe.flaw,
                s.answer.text(),
                before.text(),
                after.text()
            )),
            _ => None,
        })
        .collect();
    if matches!(id, "N2" | "N3" | "N4") {
        let accepted: Vec<&str> = sent.iter().filter(|s| s.answer.accepted()).map(|s| s.probe.flaw).collect();
        if !accepted.is_empty() || !acted.is_empty() {
            let what = if accepted.is_empty() { acted.join("; ") } else { accepted.join("; ") };
            let reason = format!(
                "the notify_url {} a notification claiming out_trade_no {out_trade_no} was paid that Alipay never \
                 sent — {what}: verify every notification's signature with Alipay's public key and the app's sign \
                 type before acting on it",
                if accepted.is_empty() { "acted on" } else { "answered `success` to" }
            );
            return case(id, Verdict::Failed, reason, timeline);
        }
        let unanswered: Vec<String> = sent
            .iter()
            .filter(|s| s.answer.status.is_none())
            .map(|s| format!("{} ({})", s.probe.flaw, s.answer.text()))
            .collect();
        if !unanswered.is_empty() {
            let reason = format!("the notify_url did not answer: {}", unanswered.join("; "));
            return case(id, Verdict::NotObserved, reason, timeline);
        }
        let refused: Vec<String> = sent
            .iter()
            .map(|s| format!("{} → {}", s.probe.flaw.split(':').next().unwrap_or(""), s.answer.text()))
            .collect();
        return case(
            id,
            Verdict::Passed,
            format!("out_trade_no {out_trade_no}: refused {}", refused.join("; ")),
            timeline,
        );
    }
    // N5, N6: genuinely signed; only the merchant's state shows whether it acted.
    if !acted.is_empty() {
        let what = if id == "N5" {
            "check that out_trade_no is an order of yours, total_amount its amount, seller_id and app_id your own, \
             and ignore the notification otherwise (Alipay's demo: 务必忽略)"
        } else {
            "only TRADE_SUCCESS and TRADE_FINISHED mean paid; WAIT_BUYER_PAY and TRADE_CLOSED do not"
        };
        let reason = format!(
            "the merchant acted on a notification Alipay signed but must not be acted on — {}: {what}",
            acted.join("; ")
        );
        return case(id, Verdict::Failed, reason, timeline);
    }
    let replies: Vec<String> = sent
        .iter()
        .map(|s| format!("{} → {}", s.probe.flaw.split(':').next().unwrap_or(""), s.answer.text()))
        .collect();
    let first_issue = sent.iter().find_map(|s| match &s.effect {
        Effect::Unknown => Some("no --state-probe was given".to_owned()),
        Effect::Unreadable(e) => Some(e.clone()),
        Effect::Spoiled(why) => Some(format!("the trade was already marked paid: {why}")),
        _ => None,
    });
    if let Some(issue) = first_issue {
        let reason = format!(
            "out_trade_no {out_trade_no}: {}; whether the merchant acted on them cannot be seen on the wire, and \
             {issue}: give a state probe (GET URL?out_trade_no= → {{\"paid\":bool,\"fulfilled\":n}}) to judge it",
            replies.join("; ")
        );
        return case(id, Verdict::Review, reason, timeline);
    }
    if sent.is_empty() {
        return case(id, Verdict::NotObserved, "no probe was sent", timeline);
    }
    if id == "N6" {
        if let Some(s) = sent.iter().find(|s| s.probe.flaw.starts_with("WAIT_BUYER_PAY") && !s.answer.accepted()) {
            let reason = format!(
                "out_trade_no {out_trade_no}: not taken as paid, but the genuine WAIT_BUYER_PAY notification was \
                 answered {}: a verified notification is acknowledged with `success` whatever its status (Alipay's \
                 demo), else Alipay sends it again",
                s.answer.text()
            );
            return case(id, Verdict::Warning, reason, timeline);
        }
    }
    let reason = format!("out_trade_no {out_trade_no}: not acted on — {}", replies.join("; "));
    case(id, Verdict::Passed, reason, timeline)
}

/// N7: the newest genuine, acknowledged notification of a paid trade of the app, sent again twice.
async fn duplicate(
    state: &SandboxState,
    req: &NotifyProbeRequest,
    http: &reqwest::Client,
) -> Result<CaseResult, AdminError> {
    let (app, out) = (req.app_id.clone(), req.out_trade_no.clone());
    let found = state
        .store
        .read(move |r| {
            for item in r.outbox(Some(&app), out.as_deref(), 200)? {
                let paid = item
                    .params
                    .iter()
                    .any(|(k, v)| k == "trade_status" && (v == "TRADE_SUCCESS" || v == "TRADE_FINISHED"));
                if item.status == "delivered" && paid {
                    return Ok(Some((item, r.app_modes(&app)?)));
                }
            }
            Ok(None)
        })
        .await?;
    let Some((item, modes)) = found else {
        return Ok(case(
            "N7",
            Verdict::NotObserved,
            "no genuine notification of a paid trade was delivered to the app and acknowledged yet: pay a trade \
             with a notify_url first (the notify suite pays its QR order itself)",
            Vec::new(),
        ));
    };
    let genuine = state.authority.configured_key(modes.as_ref(), &state.alipay_key);
    let body = crate::notify::signed_body(&item, &genuine).map_err(|e| AdminError::Conflict(e.to_string()))?;
    Ok(judge_duplicate(&item, &body, req.state_probe.as_deref(), http).await)
}

async fn judge_duplicate(
    item: &OutboxRecord,
    body: &[u8],
    state_probe: Option<&str>,
    http: &reqwest::Client,
) -> CaseResult {
    let order = item.out_trade_no.as_str();
    let before = match state_probe {
        Some(sp) => Some(read_state(http, sp, order).await),
        None => None,
    };
    let mut timeline = Vec::new();
    let mut refused = Vec::new();
    for n in 1..=2 {
        let at = crate::clock::real_now_ms();
        let answer = send(http, &item.url, &item.charset, body.to_vec()).await;
        if !answer.accepted() {
            refused.push(format!("duplicate {n} → {}", answer.text()));
        }
        timeline.push(TimelineEntry {
            t_ms: at,
            interval_ms: None,
            method: format!("notify probe (duplicate {n} of notify_id {})", item.notify_id),
            code: answer.text(),
            sub_code: None,
            out_trade_no: Some(order.to_owned()),
            out_request_no: None,
            trade_status: item.params.iter().find(|(k, _)| k == "trade_status").map(|(_, v)| v.clone()),
        });
    }
    if !refused.is_empty() {
        let reason = format!(
            "out_trade_no {order}: Alipay's genuine notification {} sent again was not acknowledged ({}): a duplicate \
             is acknowledged with `success` like the first (Alipay resends until it is, 8 times over 25 h), and \
             acted on once (filter by notify_id or by the order's state)",
            item.notify_id,
            refused.join("; ")
        );
        return case("N7", Verdict::Failed, reason, timeline);
    }
    let Some(before) = before else {
        let reason = format!(
            "out_trade_no {order}: both duplicates of notification {} were acknowledged; whether the merchant acted \
             on them once cannot be seen on the wire: give a state probe to judge it",
            item.notify_id
        );
        return case("N7", Verdict::Review, reason, timeline);
    };
    let after = match state_probe {
        Some(sp) => read_state(http, sp, order).await,
        None => Err(String::new()),
    };
    match (before, after) {
        (Ok(b), Ok(a)) if !b.paid || b.fulfilled == 0 => case(
            "N7",
            Verdict::Review,
            format!(
                "out_trade_no {order}: its genuine notification was acknowledged, yet the state probe says {} before \
                 the duplicates (now {}): was the first one acted on?",
                b.text(),
                a.text()
            ),
            timeline,
        ),
        (Ok(b), Ok(a)) if a.fulfilled > b.fulfilled => case(
            "N7",
            Verdict::Failed,
            format!(
                "out_trade_no {order}: the same notification (notify_id {}) sent twice more made the merchant act \
                 again: fulfilled went from {} to {}; act on a notification once (filter by notify_id or by the \
                 order's state)",
                item.notify_id, b.fulfilled, a.fulfilled
            ),
            timeline,
        ),
        (Ok(b), Ok(_)) => case(
            "N7",
            Verdict::Passed,
            format!(
                "out_trade_no {order}: two duplicates of notification {} acknowledged, fulfilled stayed {}",
                item.notify_id, b.fulfilled
            ),
            timeline,
        ),
        (Err(e), _) | (_, Err(e)) => case("N7", Verdict::Review, format!("out_trade_no {order}: {e}"), timeline),
    }
}

/// The first notification of the app's order `out_trade_no`, with its delivery attempts.
async fn first_notification(
    state: &SandboxState,
    app_id: &str,
    out_trade_no: &str,
) -> Result<Option<(OutboxRecord, Vec<DeliveryRecord>)>, AdminError> {
    let (app, o) = (app_id.to_owned(), out_trade_no.to_owned());
    Ok(state
        .store
        .read(move |r| {
            let Some(item) = r.outbox(Some(&app), Some(&o), 50)?.pop() else { return Ok(None) };
            let deliveries = r.deliveries(item.id)?;
            Ok(Some((item, deliveries)))
        })
        .await?)
}

fn reply_of(d: &DeliveryRecord) -> String {
    reply_text(d.http_status, d.response_body.as_deref(), d.error.as_deref())
}

/// N8: the trade.pay of `req.out_trade_no` whose notification was delivered before its synchronous answer.
async fn early(
    state: &SandboxState,
    req: &NotifyProbeRequest,
    http: &reqwest::Client,
) -> Result<CaseResult, AdminError> {
    let not_observed = |reason: String| Ok(case("N8", Verdict::NotObserved, reason, Vec::new()));
    let Some(order) = req.out_trade_no.clone() else {
        return not_observed("N8 judges one trade.pay: give its out_trade_no".to_owned());
    };
    let calls = super::read_calls(state, Some(req.app_id.clone()), 0, usize::MAX).await?;
    let Some(pay) = calls
        .iter()
        .rev()
        .find(|c| c.method == "alipay.trade.pay" && c.out_trade_no.as_deref() == Some(order.as_str()))
        .cloned()
    else {
        return not_observed(format!("no alipay.trade.pay of out_trade_no {order}"));
    };
    let Some((item, deliveries)) = first_notification(state, &req.app_id, &order).await? else {
        return not_observed(format!(
            "the trade.pay of out_trade_no {order} made no notification: was it sent with a notify_url?"
        ));
    };
    let Some(d) = deliveries.first() else {
        return not_observed(format!("the notification of out_trade_no {order} was never attempted"));
    };
    let reply = reply_of(d);
    let mut timeline = vec![
        TimelineEntry {
            t_ms: d.at_ms,
            interval_ms: None,
            method: format!("notify (notify_id {})", item.notify_id),
            code: reply.clone(),
            sub_code: None,
            out_trade_no: Some(order.clone()),
            out_request_no: None,
            trade_status: item.params.iter().find(|(k, _)| k == "trade_status").map(|(_, v)| v.clone()),
        },
        TimelineEntry {
            t_ms: pay.at_ms,
            interval_ms: Some(pay.at_ms - d.at_ms),
            method: pay.method.clone(),
            code: pay.code.clone(),
            sub_code: pay.sub_code.clone(),
            out_trade_no: Some(order.clone()),
            out_request_no: None,
            trade_status: None,
        },
    ];
    if d.at_ms > pay.at_ms {
        timeline.reverse();
        return Ok(case(
            "N8",
            Verdict::NotObserved,
            format!("the notification of out_trade_no {order} came after the synchronous answer: nothing to judge"),
            timeline,
        ));
    }
    if !acknowledged(d.http_status, d.response_body.as_deref()) {
        let reason = format!(
            "the notification of out_trade_no {order} arrived before the synchronous answer of alipay.trade.pay and \
             was not acknowledged ({}): a notification may come first, so the order must already be stored when \
             trade.pay is called; refused, it is resent only minutes later (Alipay's schedule: 4 m, 10 m, 10 m, 1 h …)",
            reply
        );
        return Ok(case("N8", Verdict::Failed, reason, timeline));
    }
    let Some(sp) = &req.state_probe else {
        let reason = format!(
            "out_trade_no {order}: the early notification was acknowledged; whether the order was fulfilled once \
             (not by the notification and again by the synchronous answer) cannot be seen on the wire: give a state \
             probe to judge it"
        );
        return Ok(case("N8", Verdict::Review, reason, timeline));
    };
    Ok(match read_state(http, sp, &order).await {
        Err(e) => case("N8", Verdict::Review, format!("out_trade_no {order}: {e}"), timeline),
        Ok(s) if s.fulfilled == 1 => case(
            "N8",
            Verdict::Passed,
            format!("out_trade_no {order}: notified before the synchronous answer, acknowledged, fulfilled once"),
            timeline,
        ),
        Ok(s) => case(
            "N8",
            Verdict::Failed,
            format!(
                "out_trade_no {order}: notified before the synchronous answer and acknowledged, and the state probe \
                 says {}: the notification and the synchronous answer are two reports of one payment — fulfil the \
                 order once, whichever comes first",
                s.text()
            ),
            timeline,
        ),
    })
}

/// W1: the paid page-pay order `req.out_trade_no`, whose buyer never went back to `return_url`.
async fn without_return(
    state: &SandboxState,
    req: &NotifyProbeRequest,
    http: &reqwest::Client,
) -> Result<CaseResult, AdminError> {
    let not_observed = |reason: String| Ok(case("W1", Verdict::NotObserved, reason, Vec::new()));
    let Some(order) = req.out_trade_no.clone() else {
        return not_observed("W1 judges one page-pay order: give its out_trade_no".to_owned());
    };
    let (app, o) = (req.app_id.clone(), order.clone());
    let trade = state
        .store
        .read(move |r| match r.app(&app)? {
            Some(a) => r.trade_by_out_no(&a.merchant_pid, &o),
            None => Ok(None),
        })
        .await?;
    let Some(trade) = trade else {
        return not_observed(format!("no trade of out_trade_no {order} for this app"));
    };
    if trade.gmt_payment.is_none() {
        return not_observed(format!("out_trade_no {order} was never paid"));
    }
    let Some((item, deliveries)) = first_notification(state, &req.app_id, &order).await? else {
        return not_observed(format!("out_trade_no {order} has no notify_url: nothing but a query can tell"));
    };
    let timeline: Vec<TimelineEntry> = deliveries
        .iter()
        .map(|d| TimelineEntry {
            t_ms: d.at_ms,
            interval_ms: None,
            method: format!("notify (notify_id {}; the buyer closed the page: no return)", item.notify_id),
            code: reply_of(d),
            sub_code: None,
            out_trade_no: Some(order.clone()),
            out_request_no: None,
            trade_status: Some("TRADE_SUCCESS".to_owned()),
        })
        .collect();
    let Some(sp) = &req.state_probe else {
        let reason = format!(
            "out_trade_no {order} was paid and its buyer never went back to return_url; whether the merchant \
             fulfilled it anyway (from the notification or a query) cannot be seen on the wire: give a state probe"
        );
        return Ok(case("W1", Verdict::Review, reason, timeline));
    };
    Ok(match read_state(http, sp, &order).await {
        Err(e) => case("W1", Verdict::Review, format!("out_trade_no {order}: {e}"), timeline),
        Ok(s) if s.paid || s.fulfilled > 0 => case(
            "W1",
            Verdict::Passed,
            format!(
                "out_trade_no {order}: fulfilled without the return ({}): the notification is the authority",
                s.text()
            ),
            timeline,
        ),
        Ok(s) => case(
            "W1",
            Verdict::Failed,
            format!(
                "out_trade_no {order}: the buyer paid and closed the page before being sent back to return_url, and \
                 the merchant still has it unpaid ({}) although Alipay's notification came: the return is for \
                 display only (Alipay's page-pay demo) — fulfil the order on the verified notification or a query",
                s.text()
            ),
            timeline,
        ),
    })
}
