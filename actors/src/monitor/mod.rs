//! One actor per enabled monitor: owns its schedule and its up/down state.

mod certificate;
mod handlers;
mod push;
pub mod quorum;

use certificate::CertificateWatch;
pub use certificate::CERTIFICATE_READ_EVERY;
use push::{push_state, PushState};
use quorum::{PlaceStatus, Quorum};

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{
    Actor, ActorFutureExt, AsyncContext, Context, Recipient, SpawnHandle, Supervised, WrapFuture,
};
use flatline_types::{MonitorSpec, MonitorStatus, LOCAL};

use crate::board::StatusBoard;
use crate::checks::{self, CheckOutcome, Plan};
use crate::messages::{CertificateExpiring, RecordCertificate, RecordCheck, Transition};
use crate::metrics::{EngineMetrics, MonitorSeries};
use flatline_store::clock::now_ms;
use flatline_store::cluster::Lease;
use flatline_store::{CertificateRecord, CheckRecord};

/// What every monitor actor is handed by the registry: where results and transitions go.
#[derive(Clone)]
pub struct MonitorDeps {
    pub writer: Recipient<RecordCheck>,
    /// Incident actor first, then any other subscriber (notifications).
    pub transitions: Vec<Recipient<Transition>>,
    pub board: StatusBoard,
    pub metrics: Arc<EngineMetrics>,
    /// Certificates read: kept on the monitor (the writer).
    pub certificates: Recipient<RecordCertificate>,
    /// Certificates crossing an expiry threshold: announced (the notifier).
    pub expiring: Recipient<CertificateExpiring>,
}

/// When a monitor's first check runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstCheck {
    /// At once (a monitor just created, resumed or changed).
    Now,
    /// At the monitor's own place within its interval, so that monitors sharing an interval
    /// are spread over it rather than fired together (start-up).
    Spread,
}

/// The actor checking one monitor.
pub struct MonitorActor {
    id: i64,
    plan: Arc<Plan>,
    /// `Some` for push monitors, which wait for pings instead of checking.
    push: Option<PushState>,
    status: MonitorStatus,
    /// Failed checks in a row.
    failures: u32,
    first: FirstCheck,
    /// Planned start of the next check.
    next_due: Instant,
    timer: Option<SpawnHandle>,
    in_flight: bool,
    /// The target changed while a check was in flight: check again as soon as it ends.
    recheck: bool,
    /// Set by `Retire`: stopping for good, not to be restarted.
    retired: bool,
    certificate: CertificateWatch,
    series: MonitorSeries,
    /// In a maintenance window: checks go on, failures change nothing, the board reads
    /// `maintenance`; `status` keeps the monitor's real state.
    maintenance: bool,
    /// The lease this node runs the monitor under (several nodes); stamped on every result.
    lease: Option<Lease>,
    /// Checked from remote locations too: each location's state, and their verdict, which
    /// is the monitor's. `None` for monitors checked here alone.
    quorum: Option<Quorum>,
    /// Start of the check that last changed the status (UTC ms).
    changed_at_ms: i64,
    deps: MonitorDeps,
}

impl MonitorActor {
    /// A monitor actor starting in `status` (`pending`, or `up`/`down` carried over).
    /// `since_ms` is when a push monitor last heard from its job (or began waiting);
    /// `certificate` the one it kept.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: i64,
        spec: MonitorSpec,
        status: MonitorStatus,
        first: FirstCheck,
        since_ms: i64,
        certificate: Option<&CertificateRecord>,
        maintenance: bool,
        lease: Option<Lease>,
        online: &HashSet<String>,
        deps: MonitorDeps,
    ) -> Self {
        let push = push_state(&spec, since_ms);
        let quorum = (!spec.local_only()).then(|| Quorum::new(&spec, online));
        Self {
            id,
            plan: Arc::new(Plan::new(spec)),
            push,
            status,
            failures: 0,
            first,
            next_due: Instant::now(),
            timer: None,
            in_flight: false,
            recheck: false,
            retired: false,
            certificate: CertificateWatch::of(certificate),
            series: deps.metrics.monitor_series(id),
            maintenance,
            lease,
            quorum,
            changed_at_ms: i64::MIN,
            deps,
        }
    }

    /// Whether this node checks the monitor itself (not only from remote probes).
    fn checks_here(&self) -> bool {
        self.push.is_none() && self.plan.spec.checked_locally()
    }

    /// The first start on this monitor's grid that is at least half an interval after the
    /// check that started at `started_ms`: the next slot after an on-grid check, and a return
    /// to the grid after an off-grid one (created, changed, retried).
    fn next_slot(&self, started_ms: i64) -> Instant {
        let half = i64::from(self.plan.spec.interval_seconds) * 500;
        let slot = next_slot_ms(self.id, self.plan.spec.interval_seconds, started_ms + half);
        let wait = u64::try_from(slot - now_ms()).unwrap_or(0);
        Instant::now() + Duration::from_millis(wait)
    }

    fn schedule_at(&mut self, due: Instant, ctx: &mut Context<Self>) {
        if let Some(handle) = self.timer.take() {
            ctx.cancel_future(handle);
        }
        self.next_due = due;
        let delay = due.saturating_duration_since(Instant::now());
        self.timer = Some(ctx.run_later(delay, |act, ctx| {
            act.timer = None;
            act.start_check(ctx);
        }));
    }

    fn start_check(&mut self, ctx: &mut Context<Self>) {
        if self.in_flight || self.retired {
            return;
        }
        let planned = self.next_due;
        let started = Instant::now();
        self.deps
            .metrics
            .record_lag(started.saturating_duration_since(planned));
        self.deps.metrics.checks_started.inc();
        self.in_flight = true;
        let plan = self.plan.clone();
        let read_certificate = plan.spec.sees_certificates() && self.certificate.reading_due();
        ctx.spawn(
            async move { checks::run(&plan, read_certificate).await }
                .into_actor(self)
                .map(move |outcome, act, ctx| act.finish_check(outcome, started, ctx)),
        );
    }

    fn finish_check(&mut self, outcome: CheckOutcome, started: Instant, ctx: &mut Context<Self>) {
        self.in_flight = false;
        if self.retired {
            return;
        }
        if let (Some(facts), false) = (&outcome.certificate, self.recheck) {
            // (A check of a target changed meanwhile saw the old target's certificate.)
            self.saw_certificate(facts);
        }
        let retrying = self.record(&outcome);
        let next = if std::mem::take(&mut self.recheck) {
            Instant::now()
        } else if retrying {
            started + Duration::from_secs(u64::from(self.plan.spec.retry_interval_seconds))
        } else {
            self.next_slot(outcome.started_at_ms)
        };
        self.schedule_at(next.max(Instant::now()), ctx);
    }

    /// Stores an outcome and judges the monitor by it; true if it is retrying (failing, not
    /// yet down).
    fn record(&mut self, outcome: &CheckOutcome) -> bool {
        let up = outcome.up();
        if !up {
            self.deps.metrics.checks_failed.inc();
        }
        self.series
            .record(up, Duration::from_micros(outcome.latency_us.max(0) as u64));
        self.deps.metrics.write_backlog.inc();
        self.deps.writer.do_send(RecordCheck(CheckRecord {
            monitor_id: self.id,
            checked_at_ms: outcome.started_at_ms,
            up,
            latency_us: outcome.latency_us,
            status_code: outcome.status_code,
            error: outcome.error.clone(),
            lease: self.lease,
        }));

        if let Some(quorum) = &mut self.quorum {
            quorum.record(LOCAL, outcome.started_at_ms, outcome.error.as_deref());
            let retrying = quorum.status_of(LOCAL) == Some(PlaceStatus::Pending);
            self.judge_places(outcome.started_at_ms);
            return retrying && !self.maintenance;
        }
        if up {
            self.failures = 0;
            self.change_status(MonitorStatus::Up, outcome);
            false
        } else if self.maintenance {
            // Counted, so that a target still failing when the window ends is down at once;
            // no incident, no alert, no retries meanwhile.
            self.failures = self.failures.saturating_add(1);
            false
        } else {
            self.failures = self.failures.saturating_add(1);
            if self.status == MonitorStatus::Down {
                false
            } else if self.failures > self.plan.spec.retries {
                self.change_status(MonitorStatus::Down, outcome);
                false
            } else {
                self.change_status(MonitorStatus::Pending, outcome);
                true
            }
        }
    }

    /// Several locations: takes the state their verdict gives (in maintenance, only a
    /// recovery).
    pub(crate) fn judge_places(&mut self, at_ms: i64) {
        let Some(quorum) = &self.quorum else { return };
        let to = quorum.verdict(self.status);
        if to == self.status || (self.maintenance && to != MonitorStatus::Up) {
            return;
        }
        let cause = (to != MonitorStatus::Up).then(|| quorum.cause());
        self.change_status(to, &CheckOutcome::without_status(at_ms, 0, cause));
    }

    /// Enters or leaves maintenance. Leaving, the monitor's real state is taken at once: a
    /// check now (a target still failing beyond its retries is down at that check).
    pub(crate) fn set_maintenance(&mut self, on: bool, ctx: &mut Context<Self>) {
        if self.maintenance == on {
            return;
        }
        self.maintenance = on;
        if on {
            self.deps
                .board
                .set_status(self.id, MonitorStatus::Maintenance);
            return;
        }
        self.deps.board.set_status(self.id, self.status);
        // What the locations saw meanwhile counts at once.
        self.judge_places(now_ms());
        if !self.checks_here() {
            // A push monitor's state comes with its next ping, or its next miss.
            return;
        }
        if self.in_flight {
            self.recheck = true;
        } else if !self.retired {
            self.schedule_at(Instant::now(), ctx);
        }
    }

    fn change_status(&mut self, to: MonitorStatus, outcome: &CheckOutcome) {
        let from = self.status;
        if from == to {
            return;
        }
        self.status = to;
        self.changed_at_ms = outcome.started_at_ms;
        if !self.maintenance {
            self.deps.board.set_status(self.id, to);
        }
        let transition = Transition {
            monitor_id: self.id,
            monitor_name: self.plan.spec.name.clone(),
            kind: self.plan.spec.kind(),
            escalation_policy_id: self.plan.spec.escalation_policy_id,
            url: self.plan.spec.label(),
            from,
            to,
            at_ms: outcome.started_at_ms,
            cause: outcome.error.clone(),
            lease: self.lease,
        };
        tracing::info!(
            monitor_id = self.id,
            from = from.as_str(),
            to = to.as_str(),
            cause = transition.cause.as_deref().unwrap_or(""),
            "monitor status changed"
        );
        // The incident actor is always the first recipient; it counts itself down.
        self.deps.metrics.incident_backlog.inc();
        for recipient in &self.deps.transitions {
            recipient.do_send(transition.clone());
        }
    }
}

/// A monitor's fixed offset within its interval: a multiplicative hash of its id (Fibonacci
/// hashing), so that monitors sharing an interval are spread evenly over it and keep their
/// places across restarts.
pub fn phase(id: i64, interval_seconds: u32) -> Duration {
    let interval_ms = u64::from(interval_seconds).max(1) * 1000;
    let hash = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // The high bits of the product are the well-mixed ones; scale them onto the interval.
    Duration::from_millis(((u128::from(hash) * u128::from(interval_ms)) >> 64) as u64)
}

/// The first start time (UTC ms) at or after `earliest_ms` on the monitor's grid: every
/// `interval` from its phase. Wall-clock based, so the grid survives restarts and monitors
/// created in a burst still spread out after their first check.
pub fn next_slot_ms(id: i64, interval_seconds: u32, earliest_ms: i64) -> i64 {
    let interval = i64::from(interval_seconds.max(1)) * 1000;
    let phase = i64::try_from(phase(id, interval_seconds).as_millis()).unwrap_or(0);
    let since = earliest_ms - phase;
    let k = since.div_euclid(interval) + i64::from(since.rem_euclid(interval) != 0);
    k * interval + phase
}

impl Actor for MonitorActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.retired {
            // Ends by itself once its address is gone (see `Retire`).
            return;
        }
        if self.push.is_some() {
            self.await_ping(ctx);
            return;
        }
        if !self.checks_here() {
            // Checked from remote locations only: their results come as messages.
            return;
        }
        let due = match self.first {
            FirstCheck::Now => Instant::now(),
            FirstCheck::Spread => {
                let slot = next_slot_ms(self.id, self.plan.spec.interval_seconds, now_ms());
                Instant::now() + Duration::from_millis(u64::try_from(slot - now_ms()).unwrap_or(0))
            }
        };
        self.schedule_at(due, ctx);
    }
}

impl Supervised for MonitorActor {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // Futures and timers died with the old context.
        self.in_flight = false;
        self.timer = None;
        self.first = FirstCheck::Now;
        self.deps.metrics.actor_restarts.inc();
        tracing::warn!(monitor_id = self.id, "monitor actor restarted");
    }
}

#[cfg(test)]
mod tests {
    use super::{next_slot_ms, phase};

    #[test]
    fn monitors_sharing_an_interval_are_spread_over_it() {
        // 10,000 consecutive ids over a 10 s interval: every 100 ms slot gets close to its
        // fair share of 100 monitors.
        let mut slots = [0u32; 100];
        for id in 1..=10_000 {
            let p = phase(id, 10);
            assert!(p.as_millis() < 10_000);
            slots[(p.as_millis() / 100) as usize] += 1;
        }
        let (min, max) = (slots.iter().min(), slots.iter().max());
        assert!(
            min >= Some(&80) && max <= Some(&120),
            "slots {min:?}..{max:?}"
        );
    }

    #[test]
    fn slots_are_on_the_grid() {
        let p = i64::try_from(phase(7, 10).as_millis()).expect("ms");
        let t = 1_800_000_000_000;
        let slot = next_slot_ms(7, 10, t);
        assert!(slot >= t && slot < t + 10_000);
        assert_eq!((slot - p).rem_euclid(10_000), 0);
        assert_eq!(
            next_slot_ms(7, 10, slot),
            slot,
            "a slot is its own next slot"
        );
        assert_eq!(next_slot_ms(7, 10, slot + 1), slot + 10_000);
    }
}
