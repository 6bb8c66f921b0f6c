//! The live state of every monitor, shared by the engine (writes) and the API (reads): its
//! configuration, status, newest check and headline numbers, plus which monitors changed
//! since the live stream last looked.
//!
//! Reading it costs a lock and a clone, never a query: `GET /monitors` with 10,000 monitors
//! answers from here.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

pub use flatline_types::RECENT_CHECKS;
use flatline_types::{MonitorStatus, MonitorSummary};
use parking_lot::RwLock;

use flatline_store::entities::checks;
use flatline_store::StoredMonitor;

/// What the API shows as a monitor's current state.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveStatus {
    pub status: MonitorStatus,
    /// The newest stored check.
    pub last_check: Option<checks::Model>,
    /// The stored configuration, as of the last change through the registry.
    pub monitor: Option<Arc<StoredMonitor>>,
    /// Uptime and latency headline numbers, once computed.
    pub summary: Option<Arc<MonitorSummary>>,
    /// The latest checks in brief, oldest first, at most [`RECENT_CHECKS`].
    pub recent: VecDeque<Beat>,
}

/// One check in brief, for the dashboard's bar of latest checks (about 40 bytes).
#[derive(Clone, Debug, PartialEq)]
pub struct Beat {
    pub id: i64,
    /// Unix milliseconds.
    pub checked_at: i64,
    pub up: bool,
    pub latency_us: u32,
    pub status_code: Option<u16>,
    /// Shared, since a failing monitor repeats the same error.
    pub error: Option<Arc<str>>,
}

impl Beat {
    /// The brief of a stored check; the error reuses `previous`'s allocation when equal.
    pub fn of(check: &checks::Model, previous: Option<&Beat>) -> Self {
        let error = check
            .error
            .as_deref()
            .map(|e| match previous.and_then(|p| p.error.as_ref()) {
                Some(p) if &**p == e => p.clone(),
                _ => Arc::from(e),
            });
        Self {
            id: check.id,
            checked_at: check.checked_at,
            up: check.up,
            latency_us: u32::try_from(check.latency_us.max(0)).unwrap_or(u32::MAX),
            status_code: check.status_code.and_then(|s| u16::try_from(s).ok()),
            error,
        }
    }
}

/// Pushes `check` onto a ring of latest checks, keeping at most [`RECENT_CHECKS`].
pub fn push_beat(recent: &mut VecDeque<Beat>, check: &checks::Model) {
    let beat = Beat::of(check, recent.back());
    if recent.len() >= RECENT_CHECKS {
        recent.pop_front();
    }
    recent.push_back(beat);
}

impl LiveStatus {
    /// A monitor with `status` and nothing else known yet.
    pub fn new(status: MonitorStatus) -> Self {
        Self {
            status,
            last_check: None,
            monitor: None,
            summary: None,
            recent: VecDeque::new(),
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<i64, LiveStatus>,
    /// Changed since the last `take_changes`.
    dirty: HashSet<i64>,
    /// Removed since the last `take_changes`.
    removed: HashSet<i64>,
    /// Badge key → monitor id, for the public badge routes.
    badges: HashMap<String, i64>,
}

impl Inner {
    /// Makes `monitor` findable by its badge key.
    fn index_badge(&mut self, monitor: &StoredMonitor) {
        if !monitor.badge_key.is_empty() {
            self.badges.insert(monitor.badge_key.clone(), monitor.id);
        }
    }
}

/// Shared map of monitor id to [`LiveStatus`]; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct StatusBoard {
    inner: Arc<RwLock<Inner>>,
    /// Moves whenever a monitor's configuration changes or a monitor goes (the probes'
    /// streams follow it).
    configs: Arc<tokio::sync::watch::Sender<u64>>,
}

impl StatusBoard {
    /// Moves whenever a monitor is created, changed or deleted (here or on another node).
    pub fn configs_changed(&self) -> tokio::sync::watch::Receiver<u64> {
        self.configs.subscribe()
    }

    /// The enabled monitors checked from `location`, by id.
    pub fn monitors_at(&self, location: &str) -> Vec<Arc<StoredMonitor>> {
        let inner = self.inner.read();
        let mut found: Vec<Arc<StoredMonitor>> = inner
            .map
            .values()
            .filter_map(|live| live.monitor.clone())
            .filter(|m| m.spec.enabled && m.spec.checked_from(location))
            .collect();
        found.sort_by_key(|m| m.id);
        found
    }

    /// Sets a monitor's status, keeping the rest.
    pub fn set_status(&self, monitor_id: i64, status: MonitorStatus) {
        let mut inner = self.inner.write();
        inner
            .map
            .entry(monitor_id)
            .and_modify(|s| s.status = status)
            .or_insert_with(|| LiveStatus::new(status));
        inner.dirty.insert(monitor_id);
    }

    /// Sets a monitor's configuration (created, changed, loaded at start-up). A certificate
    /// read meanwhile is kept while the target stays the same.
    pub fn set_monitor(&self, monitor: &StoredMonitor) {
        let mut inner = self.inner.write();
        let id = monitor.id;
        let live = inner
            .map
            .entry(id)
            .or_insert_with(|| LiveStatus::new(monitor.status));
        let mut monitor = monitor.clone();
        if let Some(old) = &live.monitor {
            if monitor.spec.sees_certificates() && old.spec.label() == monitor.spec.label() {
                let newer = |c: &Option<flatline_store::CertificateRecord>| {
                    c.as_ref().map_or(i64::MIN, |c| c.checked_at_ms)
                };
                if newer(&old.certificate) > newer(&monitor.certificate) {
                    monitor.certificate = old.certificate.clone();
                }
            }
        }
        let monitor = Arc::new(monitor);
        live.monitor = Some(monitor.clone());
        inner.index_badge(&monitor);
        inner.removed.remove(&id);
        inner.dirty.insert(id);
        drop(inner);
        self.configs.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Sets the certificate a monitor's target presented.
    pub fn set_certificate(&self, monitor_id: i64, certificate: flatline_store::CertificateRecord) {
        let mut inner = self.inner.write();
        let Some(live) = inner.map.get_mut(&monitor_id) else {
            return;
        };
        let Some(monitor) = &live.monitor else {
            return;
        };
        let mut monitor = StoredMonitor::clone(monitor);
        monitor.certificate = Some(certificate);
        live.monitor = Some(Arc::new(monitor));
        inner.dirty.insert(monitor_id);
    }

    /// Sets a monitor's headline numbers; marks it changed only if they moved by as much as
    /// the dashboard shows (0.01 % of uptime, 1 % of latency), so a refresh of thousands of
    /// steady monitors sends nothing.
    pub fn set_summary(&self, monitor_id: i64, summary: MonitorSummary) {
        let mut inner = self.inner.write();
        let Some(live) = inner.map.get_mut(&monitor_id) else {
            return;
        };
        let visible = live
            .summary
            .as_deref()
            .is_none_or(|old| visibly_different(old, &summary));
        live.summary = Some(Arc::new(summary));
        if visible {
            inner.dirty.insert(monitor_id);
        }
    }

    /// Records stored checks; only a newer check replaces a monitor's last one.
    pub fn record_checks<'a>(&self, stored: impl IntoIterator<Item = &'a checks::Model>) {
        let mut inner = self.inner.write();
        let Inner { map, dirty, .. } = &mut *inner;
        for check in stored {
            // A monitor deleted meanwhile has no entry and must not get one back.
            if let Some(live) = map.get_mut(&check.monitor_id) {
                if live.last_check.as_ref().is_none_or(|c| c.id < check.id) {
                    push_beat(&mut live.recent, check);
                    live.last_check = Some(check.clone());
                    dirty.insert(check.monitor_id);
                }
            }
        }
    }

    /// Seeds a monitor's entry (at start-up).
    pub fn insert(&self, monitor_id: i64, live: LiveStatus) {
        let mut inner = self.inner.write();
        if let Some(monitor) = &live.monitor {
            inner.index_badge(monitor);
        }
        inner.map.insert(monitor_id, live);
    }

    /// Forgets a deleted monitor.
    pub fn remove(&self, monitor_id: i64) {
        let mut inner = self.inner.write();
        if let Some(live) = inner.map.remove(&monitor_id) {
            if let Some(m) = &live.monitor {
                inner.badges.remove(&m.badge_key);
            }
            inner.dirty.remove(&monitor_id);
            inner.removed.insert(monitor_id);
            drop(inner);
            self.configs.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// One monitor's live status.
    pub fn get(&self, monitor_id: i64) -> Option<LiveStatus> {
        self.inner.read().map.get(&monitor_id).cloned()
    }

    /// Every monitor's id.
    pub fn ids(&self) -> Vec<i64> {
        self.inner.read().map.keys().copied().collect()
    }

    /// Calls `f` with each of `ids` and its live state (if it has one), under one read lock:
    /// for readers of many monitors at once that need only a little of each.
    pub fn visit(
        &self,
        ids: impl IntoIterator<Item = i64>,
        mut f: impl FnMut(i64, Option<&LiveStatus>),
    ) {
        let inner = self.inner.read();
        for id in ids {
            f(id, inner.map.get(&id));
        }
    }

    /// The live status of the monitor whose badge key is `key`.
    pub fn by_badge_key(&self, key: &str) -> Option<LiveStatus> {
        let inner = self.inner.read();
        inner
            .badges
            .get(key)
            .and_then(|id| inner.map.get(id))
            .cloned()
    }

    /// Every monitor's status, without the rest.
    pub fn statuses(&self) -> Vec<(i64, MonitorStatus)> {
        self.inner
            .read()
            .map
            .iter()
            .map(|(id, live)| (*id, live.status))
            .collect()
    }

    /// Every monitor's stored configuration.
    pub fn monitors(&self) -> Vec<Arc<StoredMonitor>> {
        self.inner
            .read()
            .map
            .values()
            .filter_map(|l| l.monitor.clone())
            .collect()
    }

    /// Calls `f` with every monitor's live status, by id, under one read lock (no copy of
    /// the whole map).
    pub fn with_all<T>(&self, f: impl FnOnce(&HashMap<i64, LiveStatus>) -> T) -> T {
        f(&self.inner.read().map)
    }

    /// The monitors changed and removed since the last call, with the changed ones' state.
    pub fn take_changes(&self) -> (Vec<(i64, LiveStatus)>, Vec<i64>) {
        let mut inner = self.inner.write();
        let dirty = std::mem::take(&mut inner.dirty);
        let removed = std::mem::take(&mut inner.removed);
        let changed = dirty
            .into_iter()
            .filter_map(|id| inner.map.get(&id).map(|l| (id, l.clone())))
            .collect();
        (changed, removed.into_iter().collect())
    }
}

fn visibly_different(a: &MonitorSummary, b: &MonitorSummary) -> bool {
    let pct = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => (x - y).abs() >= 0.01,
        (x, y) => x.is_some() != y.is_some(),
    };
    let ms = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => (x - y).abs() >= 0.01 * x.abs().max(y.abs()),
        (x, y) => x.is_some() != y.is_some(),
    };
    pct(a.uptime_24h, b.uptime_24h)
        || pct(a.uptime_7d, b.uptime_7d)
        || pct(a.uptime_30d, b.uptime_30d)
        || pct(a.uptime_90d, b.uptime_90d)
        || ms(a.p99_24h_ms, b.p99_24h_ms)
        || ms(a.p99_7d_ms, b.p99_7d_ms)
        || ms(a.p99_30d_ms, b.p99_30d_ms)
        || ms(a.p99_90d_ms, b.p99_90d_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(uptime: f64, p99: f64) -> MonitorSummary {
        MonitorSummary {
            uptime_24h: Some(uptime),
            uptime_7d: Some(uptime),
            uptime_30d: None,
            uptime_90d: None,
            p99_24h_ms: Some(p99),
            p99_7d_ms: Some(p99),
            p99_30d_ms: None,
            p99_90d_ms: None,
            computed_at: String::new(),
        }
    }

    fn check(id: i64, error: Option<&str>) -> checks::Model {
        checks::Model {
            id,
            monitor_id: 1,
            checked_at: 1_000 * id,
            up: error.is_none(),
            latency_us: 1_500,
            status_code: Some(200),
            error: error.map(str::to_owned),
            location: flatline_types::LOCAL.to_owned(),
            probe_at: None,
        }
    }

    #[test]
    fn the_latest_checks_are_a_ring_and_repeated_errors_share_one_string() {
        let board = StatusBoard::default();
        board.set_status(1, MonitorStatus::Up);
        let all: Vec<checks::Model> = (1..=40)
            .map(|i| check(i, (i > 35).then_some("connection refused")))
            .collect();
        board.record_checks(&all);
        // An older check arriving late changes nothing.
        board.record_checks(&[check(3, None)]);
        let live = board.get(1).expect("entry");
        let ids: Vec<i64> = live.recent.iter().map(|b| b.id).collect();
        assert_eq!(ids, (11..=40).collect::<Vec<_>>());
        assert_eq!(live.recent.back().map(|b| b.latency_us), Some(1_500));
        let errors: Vec<_> = live.recent.iter().filter_map(|b| b.error.clone()).collect();
        assert_eq!(errors.len(), 5);
        assert!(errors.windows(2).all(|w| Arc::ptr_eq(&w[0], &w[1])));
    }

    #[test]
    fn changes_are_taken_once_and_steady_numbers_are_not_changes() {
        let board = StatusBoard::default();
        board.set_status(1, MonitorStatus::Up);
        board.set_status(2, MonitorStatus::Up);
        board.set_summary(1, summary(99.5, 100.0));
        let (changed, removed) = board.take_changes();
        assert_eq!(changed.len(), 2);
        assert!(removed.is_empty());
        assert!(board.take_changes().0.is_empty(), "taken once");
        board.set_summary(1, summary(99.501, 100.5));
        assert!(board.take_changes().0.is_empty(), "too small to show");
        board.set_summary(1, summary(99.4, 100.5));
        assert_eq!(board.take_changes().0.len(), 1);
        board.set_status(2, MonitorStatus::Down);
        board.remove(2);
        let (changed, removed) = board.take_changes();
        assert!(changed.is_empty());
        assert_eq!(removed, vec![2]);
        board.set_summary(2, summary(1.0, 1.0));
        assert!(
            board.get(2).is_none(),
            "a removed monitor gets no entry back"
        );
    }
}
