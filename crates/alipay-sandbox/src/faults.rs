//! Fault injection: the next N calls of a method answer a chosen failure instead of (or after) doing
//! their work. Faults live in memory and are cleared by a restart or `/admin/reset`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer `20000` / `isp.unknow-error` (outcome unknown).
    UnknownError,
    /// Answer `10003` (in process).
    InProcess,
    /// Answer `40004` / `ACQ.SYSTEM_ERROR`.
    SystemError,
    /// Do the work normally but answer `latency_ms` later.
    Latency,
    /// Do the work, commit, then drop the connection without an answer.
    DropAfterCommit,
}

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// The gateway method it applies to (`*` for every method).
    pub method: String,
    /// What happens.
    pub kind: FaultKind,
    /// How many calls it affects (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Added latency for `latency` (default 0).
    #[serde(default)]
    pub latency_ms: u64,
    /// For `unknown_error`, `in_process` and `system_error`: do the work (and commit it) before answering
    /// the failure, as a real timeout after the fact would (default false: nothing happens).
    #[serde(default)]
    pub execute: bool,
}

fn one() -> u32 {
    1
}

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
