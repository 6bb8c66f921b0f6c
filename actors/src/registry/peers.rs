//! How the registry follows the cluster: shards this node gains or loses, and what the other
//! nodes did to monitors.

use actix::{Handler, ResponseFuture};
use flatline_store::cluster::shard_of;

use super::Registry;
use crate::messages::{Adopt, PeerMonitor, PeerPush, PeerState, PeerSync, Push, Release, Retire};
use crate::monitor::FirstCheck;

impl Handler<Adopt> for Registry {
    type Result = ();

    /// Starts the monitors of shards just claimed, at their places in their intervals (the
    /// grid is the same on every node, so a takeover keeps the rhythm), in the state their
    /// last holder recorded: a monitor down stays down, and opens no second incident.
    fn handle(&mut self, msg: Adopt, _ctx: &mut Self::Context) {
        let owned = self.owned.get_or_insert_with(Default::default);
        for lease in &msg.leases {
            owned.insert(lease.shard, lease.epoch);
        }
        for monitor in msg.monitors {
            if self.monitors.contains_key(&monitor.id) {
                continue;
            }
            self.remote.remove(&monitor.id);
            self.deps.board.set_monitor(&monitor);
            self.index_push_token(&monitor);
            if monitor.spec.enabled {
                self.start_monitor(monitor, FirstCheck::Spread);
            }
        }
        tracing::info!(
            shards = msg.leases.len(),
            running = self.monitors.len(),
            "took on shards"
        );
    }
}

impl Handler<Release> for Registry {
    type Result = ResponseFuture<()>;

    /// Stops the monitors of shards this node no longer holds; resolves once they have
    /// stopped (a check in flight is dropped, not stored).
    fn handle(&mut self, msg: Release, _ctx: &mut Self::Context) -> Self::Result {
        if let Some(owned) = &mut self.owned {
            for shard in &msg.0 {
                owned.remove(shard);
            }
        }
        let going: Vec<i64> = self
            .monitors
            .keys()
            .copied()
            .filter(|id| msg.0.contains(&shard_of(*id)))
            .collect();
        let mut retiring = Vec::with_capacity(going.len());
        for id in going {
            if let Some(addr) = self.monitors.remove(&id) {
                retiring.push(addr.send(Retire));
            }
            // Its state as this node knew it, until the new holder records another.
            let status = self.deps.board.get(id).map(|l| l.status);
            if let Some(status) = status {
                self.remote.insert(id, status);
            }
        }
        self.count_running();
        tracing::info!(
            shards = msg.0.len(),
            stopped = retiring.len(),
            "gave up shards"
        );
        Box::pin(async move {
            futures_util::future::join_all(retiring).await;
        })
    }
}

impl Handler<PeerMonitor> for Registry {
    type Result = ();

    fn handle(&mut self, msg: PeerMonitor, _ctx: &mut Self::Context) {
        match msg.monitor {
            Some(monitor) => self.apply(monitor, true),
            None => self.forget(msg.id),
        }
    }
}

impl Handler<PeerState> for Registry {
    type Result = ();

    fn handle(&mut self, msg: PeerState, _ctx: &mut Self::Context) {
        if self.monitors.contains_key(&msg.monitor_id) {
            return;
        }
        self.remote.insert(msg.monitor_id, msg.status);
        self.show_remote(msg.monitor_id);
    }
}

impl Handler<PeerPush> for Registry {
    type Result = ();

    fn handle(&mut self, msg: PeerPush, _ctx: &mut Self::Context) {
        if let Some(addr) = self.monitors.get(&msg.monitor_id) {
            addr.do_send(Push(msg.signal));
        }
    }
}

impl Handler<PeerSync> for Registry {
    type Result = ();

    /// Brings the board in step with every monitor as stored, after notifications were
    /// missed: monitors run elsewhere take their stored state; monitors this node runs are
    /// reconfigured if they changed; monitors deleted meanwhile are forgotten.
    fn handle(&mut self, msg: PeerSync, _ctx: &mut Self::Context) {
        let stored: std::collections::HashSet<i64> = msg.0.iter().map(|m| m.id).collect();
        for id in self.deps.board.ids() {
            if !stored.contains(&id) {
                self.forget(id);
            }
        }
        for monitor in msg.0 {
            let changed = self
                .deps
                .board
                .get(monitor.id)
                .and_then(|l| l.monitor)
                .is_none_or(|m| m.spec != monitor.spec);
            if self.monitors.contains_key(&monitor.id) {
                if changed {
                    self.apply(monitor, false);
                }
            } else {
                if monitor.spec.enabled {
                    self.remote.insert(monitor.id, monitor.status);
                }
                self.apply(monitor, false);
            }
        }
    }
}
