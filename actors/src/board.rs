//! The live status of every monitor, shared by the engine (writes) and the API (reads).
//!
//! Reading it costs a lock and a clone, never a query: `GET /monitors` with 10,000 monitors
//! must not scan the checks table for each one's newest check.

use std::collections::HashMap;
use std::sync::Arc;

use flatline_types::MonitorStatus;
use parking_lot::RwLock;

use crate::store::entities::checks;

/// What the API shows as a monitor's current state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveStatus {
    pub status: MonitorStatus,
    /// The newest stored check.
    pub last_check: Option<checks::Model>,
}

/// Shared map of monitor id to [`LiveStatus`]; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct StatusBoard {
    inner: Arc<RwLock<HashMap<i64, LiveStatus>>>,
}

impl StatusBoard {
    /// Sets a monitor's status, keeping its last check.
    pub fn set_status(&self, monitor_id: i64, status: MonitorStatus) {
        self.inner
            .write()
            .entry(monitor_id)
            .and_modify(|s| s.status = status)
            .or_insert(LiveStatus {
                status,
                last_check: None,
            });
    }

    /// Records stored checks; only a newer check replaces a monitor's last one.
    pub fn record_checks<'a>(&self, stored: impl IntoIterator<Item = &'a checks::Model>) {
        let mut map = self.inner.write();
        for check in stored {
            // A monitor deleted meanwhile has no entry and must not get one back.
            if let Some(live) = map.get_mut(&check.monitor_id) {
                if live.last_check.as_ref().is_none_or(|c| c.id < check.id) {
                    live.last_check = Some(check.clone());
                }
            }
        }
    }

    /// Seeds a monitor's entry (at start-up or creation).
    pub fn insert(&self, monitor_id: i64, live: LiveStatus) {
        self.inner.write().insert(monitor_id, live);
    }

    /// Forgets a deleted monitor.
    pub fn remove(&self, monitor_id: i64) {
        self.inner.write().remove(&monitor_id);
    }

    /// One monitor's live status.
    pub fn get(&self, monitor_id: i64) -> Option<LiveStatus> {
        self.inner.read().get(&monitor_id).cloned()
    }

    /// Every monitor's status, without its last check.
    pub fn statuses(&self) -> Vec<(i64, MonitorStatus)> {
        self.inner
            .read()
            .iter()
            .map(|(id, live)| (*id, live.status))
            .collect()
    }

    /// Every monitor's live status.
    pub fn snapshot(&self) -> HashMap<i64, LiveStatus> {
        self.inner.read().clone()
    }
}
