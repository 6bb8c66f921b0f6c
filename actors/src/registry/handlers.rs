//! How the registry answers the API and the engine.

use actix::{Handler, ResponseFuture};
use flatline_types::MonitorStatus;

use super::Registry;
use crate::messages::{
    MaintenanceSet, Push, PushReply, PushSignal, Pushed, Reconfigure, Remove, Retire,
    RunningMonitors, SetMaintenance, StopAll, Upsert,
};
use crate::monitor::FirstCheck;
use flatline_store::peers::PeerEvent;
use flatline_store::StoredMonitor;

impl Handler<Upsert> for Registry {
    type Result = ();

    /// (The other nodes hear of the change from the store, at its commit.)
    fn handle(&mut self, msg: Upsert, _ctx: &mut Self::Context) {
        self.apply(msg.monitor, msg.check_now);
    }
}

impl Handler<Remove> for Registry {
    type Result = ();

    fn handle(&mut self, msg: Remove, _ctx: &mut Self::Context) {
        self.forget(msg.0);
    }
}

impl Registry {
    /// Runs `monitor` as stored: starts, reconfigures or stops its actor if this node runs
    /// it, and shows it on the board either way.
    pub(super) fn apply(&mut self, monitor: StoredMonitor, check_now: bool) {
        let id = monitor.id;
        self.deps.metrics.set_monitor_info(id, &monitor.spec);
        self.deps.board.set_monitor(&monitor);
        self.index_push_token(&monitor);
        if !monitor.spec.enabled {
            self.stop_monitor(id);
            self.deps.board.set_status(id, MonitorStatus::Paused);
            return;
        }
        match self.monitors.get(&id) {
            Some(addr) => addr.do_send(Reconfigure(monitor.spec)),
            None => {
                let first = if check_now {
                    FirstCheck::Now
                } else {
                    FirstCheck::Spread
                };
                self.start_monitor(monitor, first);
            }
        }
    }

    /// Stops and forgets a deleted monitor.
    pub(super) fn forget(&mut self, id: i64) {
        self.stop_monitor(id);
        self.forget_push_token(id);
        self.remote.remove(&id);
        self.deps.board.remove(id);
        self.deps.metrics.forget_monitor(id);
    }
}

impl Handler<StopAll> for Registry {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _msg: StopAll, _ctx: &mut Self::Context) -> Self::Result {
        // Wait until every actor has taken its Retire, so no check starts after this returns.
        let retiring: Vec<_> = self
            .monitors
            .drain()
            .map(|(_, addr)| addr.send(Retire))
            .collect();
        self.deps.metrics.monitor_actors.set(0);
        Box::pin(async move {
            futures_util::future::join_all(retiring).await;
        })
    }
}

impl Handler<RunningMonitors> for Registry {
    type Result = Vec<i64>;

    fn handle(&mut self, _msg: RunningMonitors, _ctx: &mut Self::Context) -> Vec<i64> {
        let mut ids: Vec<i64> = self.monitors.keys().copied().collect();
        ids.sort_unstable();
        ids
    }
}

impl Handler<Pushed> for Registry {
    type Result = PushReply;

    fn handle(&mut self, msg: Pushed, _ctx: &mut Self::Context) -> PushReply {
        let Some(&id) = self.push_tokens.get(&msg.token_hash) else {
            return PushReply::Unknown;
        };
        let running_elsewhere = self.lease_of(id).is_none()
            && self
                .deps
                .board
                .get(id)
                .and_then(|live| live.monitor.map(|m| m.spec.enabled))
                .unwrap_or(false);
        let addr = self.monitors.get(&id);
        if addr.is_none() && !running_elsewhere {
            return PushReply::Paused;
        }
        if self.push_limiter.check_key(&id).is_err() {
            return PushReply::RateLimited;
        }
        match addr {
            Some(addr) => addr.do_send(Push(msg.signal)),
            // The node running it hears of it at once.
            None => self.tell_peers(push_event(id, msg.signal)),
        }
        PushReply::Accepted
    }
}

impl Handler<MaintenanceSet> for Registry {
    type Result = ();

    /// Tells each running monitor whose maintenance changed; new and resumed monitors start
    /// in the state this set gives them.
    fn handle(&mut self, msg: MaintenanceSet, _ctx: &mut Self::Context) {
        for (id, addr) in &self.monitors {
            let (was, is) = (self.maintenance.covers(*id), msg.covers(*id));
            if was != is {
                addr.do_send(SetMaintenance(is));
            }
        }
        self.maintenance = msg;
        let elsewhere: Vec<i64> = self.remote.keys().copied().collect();
        for id in elsewhere {
            self.show_remote(id);
        }
    }
}

/// A push for a monitor run on another node, as told to it.
fn push_event(monitor_id: i64, signal: PushSignal) -> PeerEvent {
    let (signal, message) = match signal {
        PushSignal::Start => ("start", None),
        PushSignal::Success => ("success", None),
        PushSignal::Fail(message) => ("fail", message),
    };
    PeerEvent::Push {
        monitor_id,
        signal: signal.to_owned(),
        message,
    }
}
