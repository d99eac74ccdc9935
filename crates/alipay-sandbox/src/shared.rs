//! What each process keeps in memory of the state, kept in step with a shared store.
//!
//! On the embedded store one process owns the state, so what it keeps in memory (the clock offset, whether
//! faults are pending, registered apps with their parsed keys, the Alipay certificates) is exact. On a shared
//! store another instance may change any of it, so [`refresh`] runs before every request: one read of the
//! clock offset, the pending faults and a generation counter that changes with what is rarely changed (a reset
//! that removes apps, a certificate rotation); a new generation empties the app cache and reloads the
//! certificates.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::store::{Repo, StoreError};
use crate::SandboxState;

/// The `meta` key of the generation counter.
pub const GENERATION_KEY: &str = "shared.generation";

/// Moves the generation on, inside the transaction that changed something other instances cache.
pub(crate) fn bump(r: &dyn Repo) -> Result<(), StoreError> {
    let generation: i64 = r.meta(GENERATION_KEY)?.and_then(|v| v.parse().ok()).unwrap_or(0);
    r.set_meta(GENERATION_KEY, &(generation + 1).to_string())
}

/// The generation this process last loaded.
#[derive(Debug, Default)]
pub struct Seen {
    generation: AtomicI64,
}

/// Reads the shared state this process keeps in memory again (nothing on the embedded store).
pub(crate) async fn refresh(state: &SandboxState) -> Result<(), StoreError> {
    if !state.store.is_shared() {
        return Ok(());
    }
    let keys = [GENERATION_KEY, crate::clock::OFFSET_KEY, crate::faults::FAULTS_KEY];
    let values = state.store.lookup(move |r| r.metas(&keys)).await?;
    let value = |key: &str| values.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let (generation, offset, faults) =
        (value(GENERATION_KEY), value(crate::clock::OFFSET_KEY), value(crate::faults::FAULTS_KEY));
    state.clock.set_offset(offset.and_then(|o| o.parse().ok()).unwrap_or(0));
    state.faults.set_hint(faults.is_some_and(|f| f.trim() != "[]"));
    let generation = generation.and_then(|g| g.parse().ok()).unwrap_or(0);
    if state.seen.generation.swap(generation, Ordering::SeqCst) != generation {
        if let Ok(mut apps) = state.apps.lock() {
            apps.clear();
        }
        if let Err(e) = state.authority.reload(&state.store).await {
            tracing::warn!(error = %e, "cannot reload the Alipay certificates");
        }
    }
    Ok(())
}

/// [`refresh`] before every request (installed on a shared store only).
pub(crate) async fn middleware(State(state): State<Arc<SandboxState>>, request: Request, next: Next) -> Response {
    if let Err(e) = refresh(&state).await {
        tracing::warn!(error = %e, "cannot read the shared state");
    }
    next.run(request).await
}
