//! How the registry hears from remote probes: their results, handed to the monitors this
//! node runs, and which locations' probes are online.

use std::collections::HashMap;

use actix::Handler;

use super::Registry;
use crate::messages::{LocationChecks, LocationOnline, PlaceChecks, ProbesOnline};

impl Handler<LocationChecks> for Registry {
    type Result = ();

    /// Results another node stored reach this one too; each goes to its monitor's actor,
    /// if this node runs it.
    fn handle(&mut self, msg: LocationChecks, _ctx: &mut Self::Context) {
        let mut by_monitor: HashMap<i64, Vec<(i64, Option<String>)>> = HashMap::new();
        for (monitor_id, at_ms, error) in msg.checks {
            if self.monitors.contains_key(&monitor_id) {
                by_monitor
                    .entry(monitor_id)
                    .or_default()
                    .push((at_ms, error));
            }
        }
        for (monitor_id, mut checks) in by_monitor {
            checks.sort_by_key(|(at, _)| *at);
            if let Some(addr) = self.monitors.get(&monitor_id) {
                addr.do_send(PlaceChecks {
                    location: msg.location.clone(),
                    checks,
                });
            }
        }
    }
}

impl Handler<ProbesOnline> for Registry {
    type Result = ();

    /// Tells the monitors checked from a location whose probe came or went.
    fn handle(&mut self, msg: ProbesOnline, _ctx: &mut Self::Context) {
        let gone: Vec<String> = self.online.difference(&msg.0).cloned().collect();
        let came: Vec<String> = msg.0.difference(&self.online).cloned().collect();
        if gone.is_empty() && came.is_empty() {
            return;
        }
        for location in &gone {
            tracing::warn!(
                location = location.as_str(),
                "probe offline: its location counts as unknown"
            );
        }
        for location in &came {
            tracing::info!(location = location.as_str(), "probe online");
        }
        self.online = msg.0;
        let changes: Vec<LocationOnline> = gone
            .into_iter()
            .map(|location| LocationOnline {
                location,
                online: false,
            })
            .chain(came.into_iter().map(|location| LocationOnline {
                location,
                online: true,
            }))
            .collect();
        // Under one read lock of the board, without copying any monitor's live state.
        let monitors = &self.monitors;
        self.deps.board.visit(monitors.keys().copied(), |id, live| {
            let monitor = live.and_then(|l| l.monitor.as_ref());
            let (Some(monitor), Some(addr)) = (monitor, monitors.get(&id)) else {
                return;
            };
            for change in &changes {
                if monitor.spec.checked_from(&change.location) {
                    addr.do_send(change.clone());
                }
            }
        });
    }
}
