//! The per-monitor cache of merged closed buckets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::stats::EncodedSum;

/// Merged sums of each monitor's closed buckets (whole past hours, whole past days), so a
/// stats request reads and merges only today's hours and this hour's minutes. An entry is
/// reused until the next hour (or day) begins, and dropped when a late check lands in a
/// closed bucket. About 3 KB per monitor: sums are kept encoded. (Closed hours: a stats
/// request merges one row per window instead of up to 365.)
#[derive(Default)]
pub struct ClosedCache {
    pub(super) map: parking_lot::Mutex<HashMap<i64, Closed>>,
    /// Bumped by every invalidation: a request stores what it computed only if no
    /// invalidation happened since it started reading.
    pub(super) generation: AtomicU64,
}

impl std::fmt::Debug for ClosedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClosedCache")
            .field("monitors", &self.map.lock().len())
            .finish()
    }
}

impl ClosedCache {
    /// Forgets the given monitors' entries (late checks, deleted monitors).
    pub fn invalidate(&self, monitors: impl IntoIterator<Item = i64>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut map = self.map.lock();
        for id in monitors {
            map.remove(&id);
        }
    }
}

/// One monitor's closed sums.
#[derive(Clone, Default)]
pub(crate) struct Closed {
    /// `hour0` and the closed part of each hour window, shortest first.
    pub(crate) hours: Option<(i64, Vec<EncodedSum>)>,
    /// `day0` and the closed part of each day window, shortest first (365d only with a year
    /// of data).
    pub(crate) days: Option<(i64, Vec<EncodedSum>)>,
}
