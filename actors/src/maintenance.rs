//! Maintenance windows at run time: which monitors are in one now. A task wakes at each
//! window's next start or end (and at least every 30 s), tells the registry the monitors in
//! maintenance (they then read `maintenance`, and their failures open no incident), and
//! records the periods they spend in it, which uptime leaves out.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::{Addr, Recipient};
use flatline_store::clock::now_ms;
use flatline_store::peers::PeerEvent;
use flatline_store::{MaintenanceNotice, Store, StoreResult};
use flatline_types::occurrences::Plan;
use tokio::sync::Notify;

use crate::board::StatusBoard;
use crate::cluster::Leadership;
use crate::messages::{MaintenanceEdge, MaintenanceSet};
use crate::registry::Registry;

/// Longest sleep between two looks.
const MAX_SLEEP: Duration = Duration::from_secs(30);
/// Wait after a database failure.
const RETRY: Duration = Duration::from_secs(5);

/// Wakes the maintenance task to read the windows again (one was created, changed or
/// deleted). Cheap to clone.
#[derive(Clone, Default)]
pub struct MaintenanceHandle {
    notify: Arc<Notify>,
    /// Several nodes: where a change is announced to the others.
    peers: Option<Store>,
}

impl MaintenanceHandle {
    /// The windows changed: look again now, here and on every other node.
    pub fn changed(&self) {
        self.wake();
        if let Some(store) = self.peers.clone() {
            actix_rt::spawn(async move {
                if let Err(e) = store.tell_peers(&PeerEvent::Maintenance).await {
                    tracing::warn!(error = %e, "telling the other nodes of a maintenance change failed");
                }
            });
        }
    }

    /// Look again now, on this node only.
    pub fn wake(&self) {
        self.notify.notify_one();
    }
}

struct Scheduler {
    store: Store,
    registry: Addr<Registry>,
    board: StatusBoard,
    /// Window id → its occurrence under way, as last seen.
    active: HashMap<i64, (i64, i64)>,
    /// What the registry was last told.
    told: Option<MaintenanceSet>,
    /// Active windows with `notify`: their title and monitors as last seen, for the notice
    /// of their end (even if the window was deleted meanwhile).
    noted: HashMap<i64, (String, Vec<i64>)>,
    /// Where start and end notices go (the notifier).
    notices: Recipient<MaintenanceEdge>,
    first: bool,
    /// Whether this node records periods and sends notices (one node per cluster); every
    /// node tells its own registry.
    leader: Leadership,
}

/// Which monitors the windows stored put in maintenance at `now_ms`.
pub async fn current_set(store: &Store, now_ms: i64) -> StoreResult<MaintenanceSet> {
    let mut set = MaintenanceSet::default();
    for w in store.list_maintenance().await? {
        let active = Plan::of(&w.spec, w.created_at_ms)
            .ok()
            .and_then(|p| p.active_at(now_ms))
            .is_some();
        if active {
            set.add(&w.spec);
        }
    }
    Ok(set)
}

/// Starts the task on the current actix system.
pub fn start(
    store: Store,
    registry: Addr<Registry>,
    board: StatusBoard,
    notices: Recipient<MaintenanceEdge>,
    leader: Leadership,
) -> MaintenanceHandle {
    let handle = MaintenanceHandle {
        notify: Arc::default(),
        peers: store.node().is_some().then(|| store.clone()),
    };
    let notify = handle.notify.clone();
    let mut scheduler = Scheduler {
        store,
        registry,
        board,
        active: HashMap::new(),
        told: None,
        noted: HashMap::new(),
        notices,
        first: true,
        leader,
    };
    actix_rt::spawn(async move {
        loop {
            let sleep = match scheduler.look().await {
                Ok(next) => next,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read maintenance windows; retrying");
                    RETRY
                }
            };
            tokio::select! {
                () = actix_rt::time::sleep(sleep) => {}
                () = notify.notified() => {}
            }
        }
    });
    handle
}

impl Scheduler {
    /// Brings everything in step with the windows now; how long until the next change.
    async fn look(&mut self) -> StoreResult<Duration> {
        let now = now_ms();
        let windows = self.store.list_maintenance().await?;
        let leader = self.leader.is_leader();
        if !leader {
            // Another node records; when this one takes over it starts from what is stored.
            self.first = true;
            self.active.clear();
            self.noted.clear();
        } else if self.first {
            // After a restart: windows whose periods are open are under way already; the
            // ones no longer active are closed below.
            for id in self.store.windows_with_open_periods().await? {
                self.active.insert(id, (now, now));
            }
            self.first = false;
        }
        let mut next = now + MAX_SLEEP.as_millis() as i64;
        let mut now_active: HashMap<i64, (i64, i64)> = HashMap::new();
        let mut set = MaintenanceSet::default();
        let mut covers: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut notify: HashMap<i64, String> = HashMap::new();
        for w in &windows {
            let plan = match Plan::of(&w.spec, w.created_at_ms) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(window_id = w.id, error = %e, "maintenance window cannot be read; ignored");
                    continue;
                }
            };
            if let Some(change) = plan.next_change(now) {
                next = next.min(change);
            }
            if let Some(occurrence) = plan.active_at(now) {
                now_active.insert(w.id, occurrence);
                set.add(&w.spec);
                let monitors = if w.spec.all {
                    self.board.ids()
                } else {
                    w.spec.monitors.clone()
                };
                covers.insert(w.id, monitors);
                if w.spec.notify {
                    notify.insert(w.id, w.spec.title.clone());
                }
            }
        }
        if leader {
            self.record(now, &now_active, &covers, &notify).await?;
        }
        if self.told.as_ref() != Some(&set) {
            self.registry.do_send(set.clone());
            self.told = Some(set);
        }
        Ok(Duration::from_millis(
            u64::try_from((next - now).max(50)).unwrap_or(50),
        ))
    }

    /// Records the periods of windows that started or ended, and sends their notices.
    async fn record(
        &mut self,
        now: i64,
        now_active: &HashMap<i64, (i64, i64)>,
        covers: &HashMap<i64, Vec<i64>>,
        notify: &HashMap<i64, String>,
    ) -> StoreResult<()> {
        // Ended, deleted or moved on to another occurrence: close their periods. (After a
        // restart an occurrence is not known yet: `(t, t)`.)
        let unknown = |occ: &(i64, i64)| occ.0 == occ.1;
        let ended: Vec<(i64, (i64, i64))> = self
            .active
            .iter()
            .filter(|(id, occ)| match now_active.get(id) {
                None => true,
                Some(o) => !unknown(occ) && o.0 != occ.0,
            })
            .map(|(id, occ)| (*id, *occ))
            .collect();
        for (id, occ) in ended {
            let at = if unknown(&occ) { now } else { occ.1.min(now) };
            self.store.close_maintenance_periods(Some(id), at).await?;
            self.active.remove(&id);
            if let Some((title, monitors)) = self.noted.remove(&id) {
                self.tell(false, id, title, occ, &monitors, at);
            }
            tracing::info!(window_id = id, "maintenance ended");
        }
        // Started: open their periods.
        for (id, occurrence) in now_active {
            if !self.active.contains_key(id) {
                let monitors = covers.get(id).cloned().unwrap_or_default();
                self.store
                    .open_maintenance_periods(*id, &monitors, now)
                    .await?;
                tracing::info!(
                    window_id = id,
                    monitors = monitors.len(),
                    "maintenance started"
                );
                if let Some(title) = notify.get(id) {
                    self.tell(true, *id, title.clone(), *occurrence, &monitors, now);
                }
            }
            self.active.insert(*id, *occurrence);
            match notify.get(id) {
                Some(title) => {
                    let monitors = covers.get(id).cloned().unwrap_or_default();
                    self.noted.insert(*id, (title.clone(), monitors));
                }
                None => {
                    self.noted.remove(id);
                }
            }
        }
        Ok(())
    }

    /// Sends the notice of a window's start or end for each of `monitors` that still
    /// exists.
    fn tell(
        &self,
        started: bool,
        window_id: i64,
        title: String,
        occurrence: (i64, i64),
        monitors: &[i64],
        at_ms: i64,
    ) {
        let mut named = Vec::with_capacity(monitors.len());
        self.board.visit(monitors.iter().copied(), |id, live| {
            if let Some(m) = live.and_then(|l| l.monitor.as_ref()) {
                named.push((id, m.spec.name.clone(), m.spec.label()));
            }
        });
        let (starts_at_ms, ends_at_ms) = if occurrence.0 == occurrence.1 {
            (at_ms, at_ms)
        } else {
            occurrence
        };
        self.notices.do_send(MaintenanceEdge {
            started,
            window: MaintenanceNotice {
                window_id,
                title,
                starts_at_ms,
                ends_at_ms,
            },
            monitors: named,
            at_ms,
        });
    }
}
