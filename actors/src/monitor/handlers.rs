//! How a monitor actor answers the registry.

use std::sync::Arc;
use std::time::Instant;

use actix::Handler;
use flatline_store::clock::now_ms;

use super::{push_state, MonitorActor};
use crate::checks::Plan;
use crate::messages::{Push, Reconfigure, Retire, SetMaintenance};

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
        self.plan = Arc::new(Plan::new(msg.0));
        if !(target_changed || interval_changed) {
            return;
        }
        // A new schedule (or a new kind): a push monitor expects the next ping one period (or
        // cron time) from now.
        let run_started = self.push.as_mut().and_then(|p| p.run_started.take());
        self.push = push_state(&self.plan.spec, now_ms());
        if let Some(push) = &mut self.push {
            push.run_started = run_started;
            self.await_ping(ctx);
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
