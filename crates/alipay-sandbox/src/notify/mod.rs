//! Asynchronous notifications (V1 signature) through a durable outbox, for every product family.
//!
//! A family's engine writes a notification into the `notifications` table in the same transaction as the
//! state change it reports (e.g. `crate::products::trade::notify`), so an acknowledged change always has its notification, even
//! after `kill -9`. The [`Notifier`] worker signs each one with the sandbox's Alipay key under the V1 rule
//! (all parameters but `sign` and `sign_type`, sorted), form-encodes it in the request's charset and POSTs it
//! to the `notify_url`, following no redirect. Only a `2xx` answer whose body is `success` ends the retries
//! ([`is_acknowledgement`]: whitespace around it allowed, as Alipay's own demos answer); otherwise it retries after
//! 4m, 10m, 10m, 1h, 2h, 6h, 15h (8 attempts in all), each interval multiplied by the configurable time
//! scale. Every attempt goes into the delivery log. Pending notifications resume after a restart.

use std::sync::Arc;
use std::time::Duration;

use alipay_core::PrivateKey;
use tokio::sync::{watch, Notify};

pub(crate) mod wire;

pub use wire::{is_acknowledgement, signed_body};

use crate::clock::real_now_ms;
use crate::modes::ModesRepo;
use crate::store::{DeliveryRecord, OutboxRecord, Store};

/// How long one delivery attempt may take (the HTTP timeout).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// Retry intervals after each failed attempt, in seconds (trade.md).
pub const RETRY_SCHEDULE_SECS: [u64; 7] = [240, 600, 600, 3600, 7200, 21600, 54000];

/// The delivery worker.
pub struct Notifier {
    store: Arc<Store>,
    key: PrivateKey,
    authority: Option<Arc<crate::modes::Authority>>,
    http: reqwest::Client,
    time_scale: f64,
    wake: Arc<Notify>,
    /// How long a claimed notification stays with this process ([`Notifier::with_lease`]).
    lease: Duration,
}

impl Notifier {
    /// A worker over `store`, signing with `key`; retry intervals are multiplied by `time_scale`.
    pub fn new(store: Arc<Store>, key: PrivateKey, time_scale: f64, wake: Arc<Notify>) -> Notifier {
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Notifier { store, key, authority: None, http, time_scale, wake, lease: Duration::from_secs(20) }
    }

    /// Signs the notifications of a cert-mode app with the Alipay certificate it was configured with (the key
    /// its client verifies notifications with), the others with the sandbox's Alipay key.
    /// How long a notification this worker claimed stays with it (real time; default 20 s, more than the 15 s
    /// one attempt may take). A process that dies holding claims loses them when the lease ends: another
    /// instance on the shared store delivers them then. A lease shorter than an attempt can make two instances
    /// deliver the same notification (allowed: delivery is at least once), so only tests shorten it.
    pub fn with_lease(mut self, lease: Duration) -> Notifier {
        self.lease = lease;
        self
    }

    pub fn with_authority(mut self, authority: Arc<crate::modes::Authority>) -> Notifier {
        self.authority = Some(authority);
        self
    }

    /// The key that signs `app_id`'s notifications.
    async fn key_for(&self, app_id: &str) -> PrivateKey {
        let Some(authority) = &self.authority else { return self.key.clone() };
        let id = app_id.to_owned();
        let modes = self.store.read(move |r| r.app_modes(&id)).await.ok().flatten();
        authority.configured_key(modes.as_ref(), &self.key)
    }

    /// Delivers due notifications until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let now = real_now_ms();
            let lease_ms = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
            // One point read (this loop wakes after every gateway call): when is the earliest pending attempt due?
            // Only then a write, which claims what is due (another instance may have claimed it first).
            let next = self.store.lookup(|r| r.next_outbox_due()).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the notification outbox");
                None
            });
            if next.is_some_and(|t| t <= now) {
                match self.store.write(move |r| r.claim_outbox(now, now.saturating_add(lease_ms), 32)).await {
                    Ok(items) if !items.is_empty() => {
                        futures_util::future::join_all(items.into_iter().map(|i| self.deliver(i))).await;
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot claim notifications"),
                }
            }
            let wait_ms = next.map(|t| (t - real_now_ms()).clamp(5, 1000)).unwrap_or(1000);
            let wait = Duration::from_millis(u64::try_from(wait_ms).unwrap_or(1000));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn deliver(&self, item: OutboxRecord) {
        let attempt = item.attempts + 1;
        let at_ms = real_now_ms();
        let mut delivery = DeliveryRecord {
            notification_id: item.id,
            attempt,
            at_ms,
            http_status: None,
            response_body: None,
            error: None,
        };
        let mut ok = false;
        let key = self.key_for(&item.app_id).await;
        match signed_body(&item, &key) {
            Ok(body) => {
                let sent = wire::post(&self.http, &item.url, &item.charset, body).await;
                match sent {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        delivery.http_status = Some(i64::from(status));
                        match resp.bytes().await {
                            Ok(bytes) => {
                                ok = is_acknowledgement(status, &bytes);
                                let text = String::from_utf8_lossy(&bytes);
                                delivery.response_body = Some(text.chars().take(1024).collect());
                            }
                            Err(e) => delivery.error = Some(e.to_string()),
                        }
                    }
                    Err(e) => delivery.error = Some(e.to_string()),
                }
            }
            Err(e) => delivery.error = Some(e.to_string()),
        }
        let (status, next) = if ok {
            ("delivered", at_ms)
        } else {
            let index = usize::try_from(attempt - 1).unwrap_or(usize::MAX);
            match RETRY_SCHEDULE_SECS.get(index) {
                Some(secs) => ("pending", at_ms + self.scaled_ms(*secs)),
                None => ("failed", at_ms),
            }
        };
        tracing::info!(notify_id = %item.notify_id, attempt, status, "notification attempt");
        let result = self.store.write(move |r| r.record_delivery(&delivery, status, next)).await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot record a delivery attempt");
        }
    }

    fn scaled_ms(&self, secs: u64) -> i64 {
        let ms = (secs as f64) * 1000.0 * self.time_scale;
        if ms.is_finite() && ms >= 0.0 {
            ms.min(i64::MAX as f64) as i64
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_acknowledgement;

    #[test]
    fn success_with_whitespace_around_it_acknowledges_and_nothing_else_does() {
        for body in [&b"success"[..], b"success\n", b"\r\nsuccess", b" success ", b"\tsuccess\r\n"] {
            assert!(is_acknowledgement(200, body), "{body:?}");
        }
        for body in [&b"SUCCESS"[..], b"ok", b"", b"succ ess", b"{\"code\":\"success\"}", b"<html>success</html>"] {
            assert!(!is_acknowledgement(200, body), "{body:?}");
        }
        assert!(!is_acknowledgement(302, b"success"));
        assert!(!is_acknowledgement(500, b"success"));
    }
}
