//! How a monitor actor answers the registry.

use std::sync::Arc;
use std::time::Instant;

use actix::Handler;
use flatline_store::clock::now_ms;

use super::{push_state, MonitorActor};
use crate::checks::Plan;
use crate::messages::{LocationOnline, PlaceChecks, Push, Reconfigure, Retire, SetMaintenance};

impl Handler<Reconfigure> for MonitorActor {
    type Result = ();

    fn handle(&mut self, msg: Reconfigure, ctx: &mut Self::Context) {
        let target_changed = {
            let (old, new) = (&self.plan.spec, &msg.0);
            old.target != new.target
                || old.assertions != new.assertions
                || old.timeout_ms != new.timeout_ms
        };
        let interval_changed = self.plan.spec.interval_seconds != msg.0.interval_seconds;
        if self.plan.spec.label() != msg.0.label()
            || self.plan.spec.sees_certificates() != msg.0.sees_certificates()
            || self.plan.spec.certificate_expiry_days != msg.0.certificate_expiry_days
        {
            // Another target, or other thresholds: read the certificate at the next check.
            self.certificate.kept_at = None;
        }
        let was_checked_here = self.checks_here();
        let locations_changed = self.plan.spec.locations != msg.0.locations
            || self.plan.spec.confirm_locations != msg.0.confirm_locations
            || self.plan.spec.retries != msg.0.retries;
        if msg.0.local_only() {
            self.quorum = None;
        } else if let Some(quorum) = &mut self.quorum {
            quorum.reconfigure(&msg.0);
        } else {
            // Unknown until a result comes, whatever the registry knows of the probes.
            let all = msg.0.locations.iter().cloned().collect();
            self.quorum = Some(super::Quorum::new(&msg.0, &all));
        }
        self.plan = Arc::new(Plan::new(msg.0));
        if locations_changed {
            self.judge_places(now_ms());
        }
        let checked_here = self.checks_here();
        if was_checked_here && !checked_here && self.push.is_none() {
            // Only remote locations check it now.
            if let Some(handle) = self.timer.take() {
                actix::AsyncContext::cancel_future(ctx, handle);
            }
            return;
        }
        if !(target_changed || interval_changed || (checked_here && !was_checked_here)) {
            return;
        }
        // A new schedule (or a new kind): a push monitor expects the next ping one period (or
        // cron time) from now.
        let run_started = self.push.as_mut().and_then(|p| p.run_started.take());
        self.push = push_state(&self.plan.spec, now_ms());
        if let Some(push) = &mut self.push {
            push.run_started = run_started;
            self.await_ping(ctx);
        } else if !checked_here {
            // Nothing to check here.
        } else if self.in_flight {
            // The running check used the old settings; the next one runs as soon as it ends.
            self.recheck = true;
        } else {
            // Applies at once: check now, then keep the new rhythm from there.
            self.schedule_at(Instant::now(), ctx);
        }
    }
}

impl Handler<Push> for MonitorActor {
    type Result = ();

    fn handle(&mut self, msg: Push, ctx: &mut Self::Context) {
        if !self.retired {
            self.pushed(msg.0, ctx);
        }
    }
}

impl Handler<Retire> for MonitorActor {
    type Result = ();

    /// Cancels the schedule and lets the actor end by itself: once the registry has dropped
    /// its address and no check is in flight, the context has nothing left and stops, and its
    /// supervisor, seeing no address alive, does not restart it. Stopping here instead would
    /// race the registry still holding the address, and the supervisor restarts a stopped
    /// actor whose address lives (thousands of restarts when many monitors are paused).
    fn handle(&mut self, _msg: Retire, ctx: &mut Self::Context) {
        self.retired = true;
        if let Some(handle) = self.timer.take() {
            actix::AsyncContext::cancel_future(ctx, handle);
        }
    }
}

impl Handler<SetMaintenance> for MonitorActor {
    type Result = ();

    fn handle(&mut self, msg: SetMaintenance, ctx: &mut Self::Context) {
        self.set_maintenance(msg.0, ctx);
    }
}

impl Handler<PlaceChecks> for MonitorActor {
    type Result = ();

    fn handle(&mut self, msg: PlaceChecks, _ctx: &mut Self::Context) {
        let Some(quorum) = &mut self.quorum else {
            return;
        };
        if self.retired {
            return;
        }
        let mut last = None;
        for (at_ms, error) in &msg.checks {
            if quorum.record(&msg.location, *at_ms, error.as_deref()) {
                last = Some(*at_ms);
            }
        }
        // Results that come late (buffered while the server was away) update the location
        // but do not flip the monitor: its state is decided by fresh ones.
        let stale_before = (now_ms() - i64::from(self.plan.spec.interval_seconds.max(10)) * 3_000)
            .max(self.changed_at_ms);
        if let Some(at_ms) = last.filter(|at| *at >= stale_before) {
            self.judge_places(at_ms);
        }
    }
}

impl Handler<LocationOnline> for MonitorActor {
    type Result = ();

    fn handle(&mut self, msg: LocationOnline, _ctx: &mut Self::Context) {
        let Some(quorum) = &mut self.quorum else {
            return;
        };
        if !self.retired && quorum.set_online(&msg.location, msg.online) {
            self.judge_places(now_ms());
        }
    }
}
