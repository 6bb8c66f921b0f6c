//! How a monitor actor answers the registry.

use std::sync::Arc;
use std::time::Instant;

use actix::{ActorContext, Handler};

use super::MonitorActor;
use crate::messages::{Reconfigure, Retire};

impl Handler<Reconfigure> for MonitorActor {
    type Result = ();

    fn handle(&mut self, msg: Reconfigure, ctx: &mut Self::Context) {
        let target_changed = {
            let (old, new) = (&*self.spec, &msg.0);
            old.url != new.url
                || old.method != new.method
                || old.headers != new.headers
                || old.body != new.body
                || old.expected_status_codes != new.expected_status_codes
                || old.follow_redirects != new.follow_redirects
                || old.verify_tls != new.verify_tls
                || old.timeout_ms != new.timeout_ms
        };
        let interval_changed = self.spec.interval_seconds != msg.0.interval_seconds;
        self.spec = Arc::new(msg.0);
        if !(target_changed || interval_changed) {
            return;
        }
        if self.in_flight {
            // The running check used the old settings; the next one runs as soon as it ends.
            self.recheck = true;
        } else {
            // Applies at once: check now, then keep the new rhythm from there.
            self.schedule_at(Instant::now(), ctx);
        }
    }
}

impl Handler<Retire> for MonitorActor {
    type Result = ();

    fn handle(&mut self, _msg: Retire, ctx: &mut Self::Context) {
        self.retired = true;
        if let Some(handle) = self.timer.take() {
            actix::AsyncContext::cancel_future(ctx, handle);
        }
        ctx.stop();
    }
}
