//! The registry: the one owner of `monitor id → monitor actor`. The API asks it to start,
//! reconfigure, pause and remove monitors so the running set always equals what is stored.

mod handlers;
mod peers;
mod probes;

use std::collections::{HashMap, HashSet};

use flatline_store::cluster::{shard_of, Lease};
use flatline_store::peers::PeerEvent;
use flatline_store::Store;
use std::num::NonZeroU32;

use actix::{Actor, Addr, ArbiterHandle, Context, Supervisor};
use flatline_types::{MonitorStatus, Target};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::messages::{MaintenanceSet, Retire};
use crate::monitor::{FirstCheck, MonitorActor, MonitorDeps};
use flatline_store::StoredMonitor;

/// Pings one push monitor may send per second, sustained.
pub const PUSH_PER_SECOND: u32 = 5;
/// Pings one push monitor may send at once.
pub const PUSH_BURST: u32 = 20;

/// Supervises one [`MonitorActor`] per enabled monitor.
pub struct Registry {
    monitors: HashMap<i64, Addr<MonitorActor>>,
    /// Push monitors by the hash of their token (paused ones too, to answer them).
    push_tokens: HashMap<String, i64>,
    /// Pings per push monitor, so a runaway job cannot flood the check writer.
    push_limiter: DefaultKeyedRateLimiter<i64>,
    /// Threads the monitor actors are spread over (each has its own awc connection pools).
    arbiters: Vec<ArbiterHandle>,
    next_arbiter: usize,
    /// Which monitors are in a maintenance window now.
    maintenance: MaintenanceSet,
    /// Several nodes: the shards this node holds (shard → epoch), whose monitors it runs;
    /// `None` alone, running every monitor.
    owned: Option<HashMap<i32, i64>>,
    /// Several nodes: the recorded state of monitors run elsewhere, as last heard.
    remote: HashMap<i64, MonitorStatus>,
    /// Several nodes: where changes made through this node are announced.
    peers: Option<Store>,
    /// Remote locations whose probe reports now.
    online: HashSet<String>,
    deps: MonitorDeps,
}

impl Registry {
    /// A registry that starts monitor actors round-robin on `arbiters`.
    pub fn new(arbiters: Vec<ArbiterHandle>, deps: MonitorDeps) -> Self {
        let quota = Quota::per_second(NonZeroU32::new(PUSH_PER_SECOND).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(PUSH_BURST).unwrap_or(NonZeroU32::MIN));
        Self {
            monitors: HashMap::new(),
            push_tokens: HashMap::new(),
            push_limiter: RateLimiter::keyed(quota),
            arbiters,
            next_arbiter: 0,
            maintenance: MaintenanceSet::default(),
            owned: None,
            remote: HashMap::new(),
            peers: None,
            online: HashSet::new(),
            deps,
        }
    }

    /// Several nodes: run only the monitors of the shards of `leases` (more come with
    /// `Adopt`), and announce changes made here through `peers`.
    pub fn share(&mut self, leases: &[Lease], peers: Store) {
        self.owned = Some(leases.iter().map(|l| (l.shard, l.epoch)).collect());
        self.peers = Some(peers);
    }

    /// Whether this node runs monitor `id`, and under which lease: `None` if another node
    /// does, `Some(None)` alone (unfenced).
    fn lease_of(&self, id: i64) -> Option<Option<Lease>> {
        match &self.owned {
            None => Some(None),
            Some(owned) => {
                let shard = shard_of(id);
                owned.get(&shard).map(|&epoch| Some(Lease { shard, epoch }))
            }
        }
    }

    /// Tells the other nodes (in the background; a lost message is made good by their
    /// resync after a reconnect, or their next look).
    fn tell_peers(&self, event: PeerEvent) {
        if let Some(store) = self.peers.clone() {
            actix_rt::spawn(async move {
                if let Err(e) = store.tell_peers(&event).await {
                    tracing::warn!(error = %e, "telling the other nodes failed");
                }
            });
        }
    }

    fn start_monitor(&mut self, monitor: StoredMonitor, first: FirstCheck) {
        let Some(lease) = self.lease_of(monitor.id) else {
            // Another node runs it: show its state as last heard.
            self.remote.insert(monitor.id, monitor.status);
            self.show_remote(monitor.id);
            return;
        };
        self.remote.remove(&monitor.id);
        // A push monitor waits from its last check (a ping or a miss), or from its last
        // change: a restart does not reset how long it has been silent.
        let last_check_ms = self
            .deps
            .board
            .get(monitor.id)
            .and_then(|live| live.last_check.map(|c| c.checked_at));
        let since_ms =
            last_check_ms.map_or(monitor.updated_at_ms, |c| c.max(monitor.updated_at_ms));
        let StoredMonitor {
            id,
            spec,
            status,
            certificate,
            ..
        } = monitor;
        // A resumed monitor starts `pending`; `up`/`down` carry over (restart, open incident).
        let status = match status {
            MonitorStatus::Paused => MonitorStatus::Pending,
            s => s,
        };
        let maintenance = self.maintenance.covers(id);
        // Visible to the API at once, before the actor has even started on its thread.
        self.deps.board.set_status(
            id,
            if maintenance {
                MonitorStatus::Maintenance
            } else {
                status
            },
        );
        let deps = self.deps.clone();
        let online = if spec.local_only() {
            HashSet::new()
        } else {
            self.online.clone()
        };
        let make = move |_: &mut Context<MonitorActor>| {
            MonitorActor::new(
                id,
                spec,
                status,
                first,
                since_ms,
                certificate.as_ref(),
                maintenance,
                lease,
                &online,
                deps,
            )
        };
        let addr = if self.arbiters.is_empty() {
            Supervisor::start(make)
        } else {
            let arbiter = &self.arbiters[self.next_arbiter % self.arbiters.len()];
            self.next_arbiter = self.next_arbiter.wrapping_add(1);
            Supervisor::start_in_arbiter(arbiter, make)
        };
        self.monitors.insert(id, addr);
        self.count_running();
    }

    fn count_running(&self) {
        let running = self.monitors.len() as i64;
        self.deps.metrics.monitor_actors.set(running);
        self.deps.metrics.cluster_monitors_owned.set(running);
    }

    /// The board's state of a monitor another node runs: paused, in maintenance, or as
    /// that node last recorded it.
    fn show_remote(&self, id: i64) {
        let enabled = self
            .deps
            .board
            .get(id)
            .and_then(|live| live.monitor.map(|m| m.spec.enabled))
            .unwrap_or(true);
        let status = if !enabled {
            MonitorStatus::Paused
        } else if self.maintenance.covers(id) {
            MonitorStatus::Maintenance
        } else {
            match self.remote.get(&id) {
                Some(MonitorStatus::Paused) | None => MonitorStatus::Pending,
                Some(s) => *s,
            }
        };
        self.deps.board.set_status(id, status);
    }

    /// Keeps the push-token index in step with a stored monitor.
    fn index_push_token(&mut self, monitor: &StoredMonitor) {
        self.push_tokens.retain(|_, id| *id != monitor.id);
        if let Target::Push(push) = &monitor.spec.target {
            if !push.token_hash.is_empty() {
                self.push_tokens.insert(push.token_hash.clone(), monitor.id);
            }
        }
    }

    fn forget_push_token(&mut self, id: i64) {
        self.push_tokens.retain(|_, monitor| *monitor != id);
    }

    fn stop_monitor(&mut self, id: i64) {
        if let Some(addr) = self.monitors.remove(&id) {
            addr.do_send(Retire);
        }
        self.count_running();
    }

    /// Which monitors are in maintenance, before any is started.
    pub fn set_maintenance(&mut self, set: MaintenanceSet) {
        self.maintenance = set;
    }

    /// Starts every enabled monitor of a freshly started Flatline, spread over their intervals.
    pub fn start_all(&mut self, monitors: Vec<StoredMonitor>) {
        for monitor in monitors {
            self.deps
                .metrics
                .set_monitor_info(monitor.id, &monitor.spec);
            self.index_push_token(&monitor);
            if monitor.spec.enabled {
                self.start_monitor(monitor, FirstCheck::Spread);
            } else {
                self.deps
                    .board
                    .set_status(monitor.id, MonitorStatus::Paused);
            }
        }
    }
}

impl Actor for Registry {
    type Context = Context<Self>;
}
