//! Fault injection: the next N calls of a method answer a chosen failure instead of (or after) doing
//! their work. Faults live in memory and are cleared by a restart or `/admin/reset`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The fault types are the admin API's own ([`alipay_sandbox_admin::FaultSpec`] is the body of
/// `POST /admin/faults` and an entry of its answer); this module keeps only the queue.
pub(crate) use alipay_sandbox_admin::{FaultKind, FaultSpec};

/// The faults waiting to fire, per method, in the order they were added.
#[derive(Debug, Default)]
pub struct Faults {
    queue: Mutex<HashMap<String, VecDeque<FaultSpec>>>,
}

impl Faults {
    /// Adds a fault.
    pub fn add(&self, spec: FaultSpec) {
        if spec.count == 0 {
            return;
        }
        if let Ok(mut q) = self.queue.lock() {
            q.entry(spec.method.clone()).or_default().push_back(spec);
        }
    }

    /// Takes the fault for the next call of `method`, if any (method-specific ones first, then `*`).
    pub fn take(&self, method: &str) -> Option<FaultSpec> {
        let mut q = self.queue.lock().ok()?;
        for key in [method, "*"] {
            if let Some(list) = q.get_mut(key) {
                if let Some(front) = list.front_mut() {
                    let fired = front.clone();
                    front.count = front.count.saturating_sub(1);
                    if front.count == 0 {
                        list.pop_front();
                    }
                    return Some(fired);
                }
            }
        }
        None
    }

    /// The faults still waiting.
    pub fn pending(&self) -> Vec<FaultSpec> {
        self.queue.lock().map(|q| q.values().flatten().cloned().collect()).unwrap_or_default()
    }

    /// Removes all faults.
    pub fn clear(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.clear();
        }
    }
}
