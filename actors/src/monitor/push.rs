//! Push monitors: they check nothing, they wait for their job's pings (and their absence).

use std::time::{Duration, Instant};

use actix::{AsyncContext, Context};
use flatline_types::{MonitorSpec, Target};

use super::MonitorActor;
use crate::checks::push::Schedule;
use crate::checks::{self, CheckOutcome};
use crate::messages::PushSignal;
use flatline_store::clock::now_ms;

/// A push monitor's waiting: which ping it expects when, and a job's start.
pub(super) struct PushState {
    pub(super) schedule: Schedule,
    pub(super) grace_ms: i64,
    /// UTC ms when the ping being waited for is expected; down at this plus the grace.
    pub(super) expected_ms: i64,
    /// When `/start` was called, for the run time of the next success.
    pub(super) run_started: Option<Instant>,
}

impl MonitorActor {
    /// Push monitors: waits until the expected ping's grace is over.
    pub(super) fn await_ping(&mut self, ctx: &mut Context<Self>) {
        let Some(push) = &self.push else { return };
        let deadline_ms = push.expected_ms + push.grace_ms;
        let wait = u64::try_from(deadline_ms - now_ms()).unwrap_or(0);
        if let Some(handle) = self.timer.take() {
            ctx.cancel_future(handle);
        }
        self.timer = Some(ctx.run_later(Duration::from_millis(wait), |act, ctx| {
            act.timer = None;
            act.ping_missed(ctx);
        }));
    }

    /// Push monitors: the grace is over and no ping came. Down, and the next ping is awaited.
    fn ping_missed(&mut self, ctx: &mut Context<Self>) {
        if self.retired {
            return;
        }
        let Some(push) = &mut self.push else { return };
        let reason = push
            .schedule
            .missed(push.expected_ms, (push.grace_ms / 1000) as u32);
        let now = now_ms();
        // The next ping is expected at the schedule's next time after the missed one (or
        // after now, if the process slept through several).
        let mut next = push.schedule.next_expected_ms(push.expected_ms);
        if next + push.grace_ms <= now {
            next = push.schedule.next_expected_ms(now);
        }
        push.expected_ms = next;
        self.deps.metrics.checks_started.inc();
        self.record(&CheckOutcome::without_status(now, 0, Some(reason)));
        self.await_ping(ctx);
    }

    /// Push monitors: the job called.
    pub(super) fn pushed(&mut self, signal: PushSignal, ctx: &mut Context<Self>) {
        let Some(push) = &mut self.push else { return };
        let now = now_ms();
        let outcome = match signal {
            PushSignal::Start => {
                push.run_started = Some(Instant::now());
                return;
            }
            PushSignal::Success => {
                let run = push.run_started.take().map(|s| s.elapsed());
                let latency_us = run.map_or(0, checks::micros);
                let outcome = CheckOutcome::without_status(now, latency_us, None);
                checks::judge(&self.plan, outcome, checks::Facts::default())
            }
            PushSignal::Fail(message) => {
                push.run_started = None;
                CheckOutcome::without_status(
                    now,
                    0,
                    Some(checks::push::failure_reason(message.as_deref())),
                )
            }
        };
        push.expected_ms = push.schedule.next_expected_ms(now);
        self.deps.metrics.checks_started.inc();
        self.record(&outcome);
        self.await_ping(ctx);
    }
}

/// A push monitor's waiting state, expecting the ping after `since_ms`.
pub(super) fn push_state(spec: &MonitorSpec, since_ms: i64) -> Option<PushState> {
    let Target::Push(target) = &spec.target else {
        return None;
    };
    let schedule = Schedule::of(target, spec.interval_seconds);
    Some(PushState {
        expected_ms: schedule.next_expected_ms(since_ms),
        schedule,
        grace_ms: i64::from(target.grace_seconds) * 1000,
        run_started: None,
    })
}
