//! The active notification checks N2–N4: the trade family builds the probes
//! ([`crate::products::trade::probe`]); this module sends them to the merchant's `notify_url` and judges the
//! replies. A probe never goes through the outbox, so it never changes the trade, never counts as its
//! notification (N1 never sees it) and is never retried.

use std::time::Duration;

use alipay_core::{Charset, PrivateKey};
use alipay_sandbox_admin::{AcceptReport, CaseResult, NotifyProbeRequest, Profile, TimelineEntry, Verdict};

use super::lint::case;
use crate::admin::AdminError;
use crate::modes::ModesRepo;
use crate::products::trade::probe;
use crate::products::trade::store::TradeRepo;
use crate::SandboxState;

/// The checks this module judges.
pub const IDS: &[&str] = &["N2", "N3", "N4"];

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

/// Sends the probes of `req` and judges them.
pub(crate) async fn report(state: &SandboxState, req: NotifyProbeRequest) -> Result<AcceptReport, AdminError> {
    let mut ids: Vec<&'static str> = Vec::new();
    for id in &req.checks {
        match IDS.iter().find(|i| i.eq_ignore_ascii_case(id)) {
            Some(i) => ids.push(i),
            None => return Err(AdminError::BadRequest(format!("{id:?} is not a notification probe (N2, N3, N4)"))),
        }
    }
    if ids.is_empty() {
        ids = IDS.to_vec();
    }
    let done = |cases| AcceptReport {
        suite: "notify".to_owned(),
        app_id: req.app_id.clone(),
        profile: Profile::default(),
        cases,
    };
    let (app, out) = (req.app_id.clone(), req.out_trade_no.clone());
    let Some(trade) = state.store.read(move |r| r.pending_notified_trade(&app, out.as_deref())).await? else {
        let reason = "no unpaid trade of the app with a notify_url to probe: create one (alipay.trade.precreate with \
                      notify_url, or a trade.pay answered 10003) and run again";
        return Ok(done(ids.iter().map(|id| case(id, Verdict::NotObserved, reason, Vec::new())).collect()));
    };
    let now = state.clock.now();
    let t = trade.clone();
    let app = trade.app_id.clone();
    let (claim, modes) = state.store.read(move |r| Ok((probe::success_claim(r, &t, now)?, r.app_modes(&app)?))).await?;
    let genuine = state.authority.configured_key(modes.as_ref(), &state.alipay_key);
    let forger = tokio::task::spawn_blocking(PrivateKey::generate)
        .await
        .map_err(|e| AdminError::Conflict(format!("cannot make a key: {e}")))?
        .map_err(|e| AdminError::Conflict(format!("cannot make a key: {e}")))?;
    let charset: Charset = trade.charset.parse().unwrap_or(Charset::Utf8);
    let probes = probe::build(&ids, &claim, &genuine, &forger, trade.sign_type, charset)
        .map_err(|e| AdminError::Conflict(e.to_string()))?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());
    let url = trade.notify_url.clone().unwrap_or_default();
    let mut answered = Vec::new();
    for p in probes {
        let at = crate::clock::real_now_ms();
        let answer = send(&http, &url, &trade.charset, p.body.clone()).await;
        answered.push((p, at, answer));
    }
    let cases = ids
        .iter()
        .map(|id| judge(id, &trade.out_trade_no, answered.iter().filter(|(p, _, _)| p.check == *id)))
        .collect();
    Ok(done(cases))
}

fn judge<'a>(
    id: &str,
    out_trade_no: &str,
    answered: impl Iterator<Item = &'a (probe::Probe, i64, Answer)>,
) -> CaseResult {
    let mut timeline = Vec::new();
    let mut accepted = Vec::new();
    let mut unanswered = Vec::new();
    let mut refused = Vec::new();
    for (p, at, a) in answered {
        timeline.push(TimelineEntry {
            t_ms: *at,
            interval_ms: None,
            method: format!("notify probe ({})", p.flaw.split(':').next().unwrap_or("")),
            code: a.text(),
            sub_code: None,
            out_trade_no: Some(out_trade_no.to_owned()),
            out_request_no: None,
            trade_status: Some("TRADE_SUCCESS".to_owned()),
        });
        if a.accepted() {
            accepted.push(p.flaw);
        } else if a.status.is_none() {
            unanswered.push(format!("{} ({})", p.flaw, a.text()));
        } else {
            refused.push(format!("{} → {}", p.flaw.split(':').next().unwrap_or(""), a.text()));
        }
    }
    if !accepted.is_empty() {
        let reason = format!(
            "the notify_url answered `success` to a notification claiming out_trade_no {out_trade_no} was paid that \
             Alipay never sent — {}: verify every notification's signature with Alipay's public key and the app's \
             sign type before acting on it",
            accepted.join("; ")
        );
        return case(id, Verdict::Failed, reason, timeline);
    }
    if !unanswered.is_empty() {
        let reason = format!("the notify_url did not answer: {}", unanswered.join("; "));
        return case(id, Verdict::NotObserved, reason, timeline);
    }
    let reason = format!("out_trade_no {out_trade_no}: refused {}", refused.join("; "));
    case(id, Verdict::Passed, reason, timeline)
}
