//! The registry: the one owner of `monitor id → monitor actor`. The API asks it to start,
//! reconfigure, pause and remove monitors so the running set always equals what is stored.

mod handlers;

use std::collections::HashMap;

use actix::{Actor, Addr, ArbiterHandle, Context, Supervisor};
use flatline_types::MonitorStatus;

use crate::messages::Retire;
use crate::monitor::{FirstCheck, MonitorActor, MonitorDeps};
use flatline_store::StoredMonitor;

/// Supervises one [`MonitorActor`] per enabled monitor.
pub struct Registry {
    monitors: HashMap<i64, Addr<MonitorActor>>,
    /// Threads the monitor actors are spread over (each has its own awc connection pools).
    arbiters: Vec<ArbiterHandle>,
    next_arbiter: usize,
    deps: MonitorDeps,
}

impl Registry {
    /// A registry that starts monitor actors round-robin on `arbiters`.
    pub fn new(arbiters: Vec<ArbiterHandle>, deps: MonitorDeps) -> Self {
        Self {
            monitors: HashMap::new(),
            arbiters,
            next_arbiter: 0,
            deps,
        }
    }

    fn start_monitor(&mut self, monitor: StoredMonitor, first: FirstCheck) {
        let StoredMonitor {
            id, spec, status, ..
        } = monitor;
        // A resumed monitor starts `pending`; `up`/`down` carry over (restart, open incident).
        let status = match status {
            MonitorStatus::Paused => MonitorStatus::Pending,
            s => s,
        };
        // Visible to the API at once, before the actor has even started on its thread.
        self.deps.board.set_status(id, status);
        let deps = self.deps.clone();
        let make =
            move |_: &mut Context<MonitorActor>| MonitorActor::new(id, spec, status, first, deps);
        let addr = if self.arbiters.is_empty() {
            Supervisor::start(make)
        } else {
            let arbiter = &self.arbiters[self.next_arbiter % self.arbiters.len()];
            self.next_arbiter = self.next_arbiter.wrapping_add(1);
            Supervisor::start_in_arbiter(arbiter, make)
        };
        self.monitors.insert(id, addr);
        self.deps
            .metrics
            .monitor_actors
            .set(self.monitors.len() as i64);
    }

    fn stop_monitor(&mut self, id: i64) {
        if let Some(addr) = self.monitors.remove(&id) {
            addr.do_send(Retire);
        }
        self.deps
            .metrics
            .monitor_actors
            .set(self.monitors.len() as i64);
    }

    /// Starts every enabled monitor of a freshly started Flatline, spread over their intervals.
    pub fn start_all(&mut self, monitors: Vec<StoredMonitor>) {
        for monitor in monitors {
            let spec = &monitor.spec;
            self.deps
                .metrics
                .set_monitor_info(monitor.id, &spec.name, &spec.url);
            if spec.enabled {
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
