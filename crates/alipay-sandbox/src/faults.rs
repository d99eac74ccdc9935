//! Fault injection: the next N calls of a method answer a chosen failure instead of (or after) doing
//! their work. Faults are kept in the store (`meta`, as one ordered JSON list), so every instance on a shared
//! store sees a fault injected through any of them and each fires exactly `count` times in all; they are
//! cleared by `/admin/reset`.
//!
//! Taking a fault is a write, so each instance keeps a hint of whether any fault may be pending and skips
//! the store when none is: on the embedded store the hint is exact (one process); on a shared store it is
//! read again with every request (`crate::shared`).

use std::sync::atomic::{AtomicBool, Ordering};

/// The fault types are the admin API's own ([`alipay_sandbox_admin::FaultSpec`] is the body of
/// `POST /admin/faults` and an entry of its answer); this module keeps only the queue.
pub(crate) use alipay_sandbox_admin::{FaultKind, FaultSpec};

use crate::store::{Repo, Store, StoreError};

/// The `meta` key holding the pending faults (a JSON list, in the order they were added).
pub const FAULTS_KEY: &str = "faults.pending";

/// Whether a fault may be pending in the store.
#[derive(Debug, Default)]
pub struct Faults {
    hint: AtomicBool,
}

/// The pending faults as stored.
pub(crate) fn stored(r: &dyn Repo) -> Result<Vec<FaultSpec>, StoreError> {
    match r.meta(FAULTS_KEY)? {
        Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("faults: {e}"))),
        None => Ok(Vec::new()),
    }
}

fn save(r: &dyn Repo, list: &[FaultSpec]) -> Result<(), StoreError> {
    let text = serde_json::to_string(list).map_err(|e| StoreError::Corrupt(format!("faults: {e}")))?;
    r.set_meta(FAULTS_KEY, &text)
}

impl Faults {
    /// Adds a fault; the faults pending after it.
    pub async fn add(&self, store: &Store, spec: FaultSpec) -> Result<Vec<FaultSpec>, StoreError> {
        let list = store
            .write(move |r| -> Result<_, StoreError> {
                let mut list = stored(r)?;
                if spec.count > 0 {
                    list.push(spec.clone());
                    save(r, &list)?;
                }
                Ok(list)
            })
            .await?;
        self.hint.store(!list.is_empty(), Ordering::SeqCst);
        Ok(list)
    }

    /// Takes the fault for the next call of `method` by `app_id`, if any (the oldest for `method`, else the
    /// oldest for `*`; a fault armed for another app is left alone). Without a pending fault this does not touch
    /// the store.
    pub async fn take(&self, store: &Store, method: &str, app_id: &str) -> Result<Option<FaultSpec>, StoreError> {
        if !self.hint.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let (method, app_id) = (method.to_owned(), app_id.to_owned());
        let (fired, left) = store
            .write(move |r| -> Result<_, StoreError> {
                let mut list = stored(r)?;
                let mine = |f: &FaultSpec| f.app_id.as_deref().is_none_or(|a| a == app_id);
                let index = list
                    .iter()
                    .position(|f| f.method == method && mine(f))
                    .or_else(|| list.iter().position(|f| f.method == "*" && mine(f)));
                let Some(i) = index else { return Ok((None, list.len())) };
                let fired = list.get(i).cloned();
                if let Some(f) = list.get_mut(i) {
                    f.count = f.count.saturating_sub(1);
                    if f.count == 0 {
                        list.remove(i);
                    }
                }
                save(r, &list)?;
                Ok((fired, list.len()))
            })
            .await?;
        self.hint.store(left > 0, Ordering::SeqCst);
        Ok(fired)
    }

    /// Removes the faults scoped to `app_id` (faults for every app stay); how many there were.
    pub async fn remove_for_app(&self, store: &Store, app_id: &str) -> Result<usize, StoreError> {
        let app_id = app_id.to_owned();
        let (removed, left) = store
            .write(move |r| -> Result<_, StoreError> {
                let mut list = stored(r)?;
                let before = list.len();
                list.retain(|f| f.app_id.as_deref() != Some(app_id.as_str()));
                let removed = before - list.len();
                if removed > 0 {
                    save(r, &list)?;
                }
                Ok((removed, list.len()))
            })
            .await?;
        self.hint.store(left > 0, Ordering::SeqCst);
        Ok(removed)
    }

    /// The faults still waiting.
    pub async fn pending(&self, store: &Store) -> Result<Vec<FaultSpec>, StoreError> {
        let list = store.read(|r| stored(r)).await?;
        self.hint.store(!list.is_empty(), Ordering::SeqCst);
        Ok(list)
    }

    /// Removes all faults.
    pub async fn clear(&self, store: &Store) -> Result<(), StoreError> {
        store.write(|r| -> Result<(), StoreError> { save(r, &[]) }).await?;
        self.hint.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// Sets the hint from what another read of the store found (a shared store's refresh; a reset).
    pub fn set_hint(&self, pending: bool) {
        self.hint.store(pending, Ordering::SeqCst);
    }
}
