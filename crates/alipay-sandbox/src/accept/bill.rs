//! B3: an expired bill URL → ask for a new one (seed 001:243 "注意该下载链接仅30秒,在得到链接后系统需要立刻请求
//! 下载账单文件": the link lives 30 s). A pure function over the call log's bill queries and `bill.download`
//! fetches.
//!
//! Triggered by a fetch answered `404` of a URL an earlier query of the app answered and that was never fetched
//! before (a second fetch of a used URL also answers `404`: that is not an expiry). The same client must then ask
//! `alipay.data.dataservice.bill.downloadurl.query` again for the same `bill_date` and download the new URL.
//! Fetching the dead URL again first warns (once or twice) or fails (three times or more, the design's
//! threshold); never asking again fails once `2P` have passed (the bill is never downloaded).

use alipay_sandbox_admin::{CaseResult, LoggedCall, Profile, Verdict, BILL_FETCH};

use super::verdict::{secs, timeline, Fold};

/// `alipay.data.dataservice.bill.downloadurl.query`.
const BILL_QUERY: &str = "alipay.data.dataservice.bill.downloadurl.query";
/// Fetches of a dead URL from which B3 fails.
const DEAD_RETRIES_FAIL: usize = 3;

fn fetches<'a>(calls: &'a [LoggedCall], token: &'a str) -> impl Iterator<Item = &'a LoggedCall> + 'a {
    calls.iter().filter(move |c| c.method == BILL_FETCH && c.bill_token.as_deref() == Some(token))
}

/// B3 over `calls` (an app's call log, oldest first).
pub fn b3(calls: &[LoggedCall], profile: &Profile, since_ms: i64, now_ms: i64) -> CaseResult {
    let p = (profile.poll_interval_s * 1000.0).round() as i64;
    let ttl = (profile.bill_url_ttl_s * 1000.0).round() as i64;
    let mut fold = Fold::new();
    let mut seen = std::collections::HashSet::new();
    for f in calls.iter() {
        if f.method != BILL_FETCH || f.http_status != Some(404) || f.at_ms < since_ms {
            continue;
        }
        let Some(token) = f.bill_token.as_deref() else { continue };
        // The first 404 of a URL never downloaded: an expired URL (a used one answers 404 too).
        if !fetches(calls, token).next().is_some_and(|x| std::ptr::eq(x, f)) || !seen.insert(token) {
            continue;
        }
        let Some(query) = calls.iter().find(|c| c.method == BILL_QUERY && c.bill_token.as_deref() == Some(token))
        else {
            continue; // not a URL this app was given
        };
        let day = query.bill_date.as_deref().unwrap_or("?");
        let mine = |c: &&LoggedCall| c.at_ms >= f.at_ms && c.peer_host() == f.peer_host();
        let again = calls
            .iter()
            .filter(mine)
            .find(|c| c.method == BILL_QUERY && c.bill_date == query.bill_date && c.id != query.id);
        let until = again.map_or(i64::MAX, |a| a.at_ms);
        let dead: Vec<&LoggedCall> =
            fetches(calls, token).filter(|c| c.at_ms > f.at_ms && c.at_ms <= until).filter(mine).collect();
        let got = again
            .and_then(|a| a.bill_token.as_deref())
            .and_then(|t| fetches(calls, t).find(|c| c.http_status == Some(200)));
        let mut evidence: Vec<&LoggedCall> = vec![query, f];
        evidence.extend(dead.iter().copied());
        evidence.extend(again);
        evidence.extend(got);
        let evidence = timeline(evidence);
        let retried = if dead.is_empty() {
            String::new()
        } else {
            format!(" after fetching the dead URL {} more time(s)", dead.len())
        };
        match (again, got) {
            _ if dead.len() >= DEAD_RETRIES_FAIL => fold.add(
                Verdict::Failed,
                format!(
                    "the bill URL for {day} had expired (HTTP 404 {} after it was answered) and the merchant fetched \
                     the dead URL {} more time(s){}: an expired URL never comes back; ask \
                     alipay.data.dataservice.bill.downloadurl.query for a new one",
                    secs(f.at_ms - query.at_ms),
                    dead.len(),
                    if again.is_some() { " before asking for a new one" } else { " and never asked for a new one" }
                ),
                evidence,
            ),
            (None, _) if now_ms - f.at_ms <= 2 * p => {} // may still ask
            (None, _) => fold.add(
                Verdict::Failed,
                format!(
                    "the bill URL for {day} had expired (HTTP 404 {} after it was answered) and the merchant never \
                     asked for a new one: the bill of {day} was never downloaded — on an expired URL, query \
                     alipay.data.dataservice.bill.downloadurl.query again and fetch the new URL at once",
                    secs(f.at_ms - query.at_ms)
                ),
                evidence,
            ),
            (Some(a), None) if now_ms - a.at_ms <= ttl => {} // the new URL may still be fetched
            (Some(_), None) => fold.add(
                Verdict::Failed,
                format!(
                    "the bill URL for {day} had expired; the merchant asked for a new one{retried} but never \
                     downloaded the bill with it"
                ),
                evidence,
            ),
            (Some(_), Some(_)) if !dead.is_empty() => fold.add(
                Verdict::Warning,
                format!(
                    "the bill URL for {day} had expired; the merchant asked for a new one and downloaded the bill, \
                     but only{retried}: a 404 means the URL is gone, ask again at once"
                ),
                evidence,
            ),
            (Some(_), Some(_)) => fold.add(Verdict::Passed, String::new(), evidence),
        }
    }
    fold.finish(
        "B3",
        "no bill URL was found expired (run the bill suite: it arms a dead URL for the next bill query)",
        |n| format!("{n} expired bill URL(s): each time a new URL was asked for and downloaded"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(id: i64, at_ms: i64, token: &str) -> LoggedCall {
        LoggedCall {
            id,
            at_ms,
            app_id: "A".into(),
            method: BILL_QUERY.into(),
            code: "10000".into(),
            bill_date: Some("2026-12-01".into()),
            bill_token: Some(token.into()),
            peer: Some("127.0.0.1:5000".into()),
            ..LoggedCall::default()
        }
    }

    fn fetch(id: i64, at_ms: i64, token: &str, status: i64) -> LoggedCall {
        LoggedCall {
            method: BILL_FETCH.into(),
            code: status.to_string(),
            bill_date: None,
            http_status: Some(status),
            ..query(id, at_ms, token)
        }
    }

    fn judge(calls: &[LoggedCall], now_ms: i64) -> CaseResult {
        b3(calls, &Profile::default().with_poll_interval(1.0), 0, now_ms)
    }

    #[test]
    fn asking_again_and_downloading_passes() {
        let calls =
            vec![query(1, 0, "dead"), fetch(2, 50, "dead", 404), query(3, 100, "new"), fetch(4, 150, "new", 200)];
        assert_eq!(judge(&calls, 60_000).verdict, Verdict::Passed);
    }

    #[test]
    fn retrying_the_dead_url_fails_and_a_url_fetched_in_time_is_not_observed() {
        let mut calls = vec![query(1, 0, "dead")];
        calls.extend((0..4).map(|i| fetch(2 + i, 50 + i * 100, "dead", 404)));
        let v = judge(&calls, 60_000);
        assert_eq!(v.verdict, Verdict::Failed);
        assert!(v.reason.contains("never asked for a new one"), "{}", v.reason);
        let calls = vec![query(1, 0, "ok"), fetch(2, 50, "ok", 200), fetch(3, 60, "ok", 404)];
        assert_eq!(judge(&calls, 60_000).verdict, Verdict::NotObserved, "a used URL's 404 is not an expiry");
    }

    #[test]
    fn giving_up_fails_once_the_window_is_over() {
        let calls = vec![query(1, 0, "dead"), fetch(2, 50, "dead", 404)];
        assert_eq!(judge(&calls, 1000).verdict, Verdict::NotObserved);
        assert_eq!(judge(&calls, 60_000).verdict, Verdict::Failed);
    }
}
