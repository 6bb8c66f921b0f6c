//! The notifier actor. It receives the same transitions as the incident actor and queues
//! each as a row per linked channel in the outbox (`deliveries`), then delivers due rows,
//! each on its own future so that a slow or dead channel delays nobody else. Failures are
//! retried with exponential backoff (honouring `Retry-After`); rows left pending by a crash
//! or shutdown are picked up at the next start. Reminders for monitors still down, and
//! certificates crossing an expiry threshold, are queued the same way; the jobs that run once
//! per cluster (reminders, reconciliation, sweeps) are in `upkeep`.

pub mod links;
pub mod notice;
mod outbox;
pub mod providers;
pub mod send;
mod upkeep;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, ActorFutureExt, AsyncContext, Context, Handler, SpawnHandle, WrapFuture};
use flatline_store::clock::now_ms;
use flatline_store::deliveries::DueDelivery;
use flatline_store::{CertificateNotice, EventPayload, NewDelivery, Store, StoreResult};
use flatline_types::MonitorStatus;

use crate::cluster::Leadership;
use crate::messages::{CertificateExpiring, MaintenanceEdge, ProbeEdge, Transition};
use crate::metrics::EngineMetrics;
use flatline_store::cluster::Lease;
use outbox::{attempt, certificate_event, down_event, up_event};

pub use outbox::{backoff, send_test};

/// Tunables of notification delivery.
#[derive(Clone, Debug)]
pub struct NotifierConfig {
    /// Wait before the first retry; doubled for each further one (capped at 30 minutes).
    pub retry_base: Duration,
    /// Attempts before a delivery is given up (marked `failed`).
    pub max_attempts: u32,
    /// Longest one attempt may take.
    pub timeout: Duration,
    /// Attempts in flight at once per channel.
    pub per_channel: usize,
    /// How often the outbox is looked at regardless (retries wake the notifier at their
    /// own time; this only catches what a failed read may have missed).
    pub poll: Duration,
    /// How often open incidents are looked at for reminders.
    pub reminder_poll: Duration,
    /// This node, which claims each delivery before sending it.
    pub node: String,
    /// How long a claim holds: a node that dies mid-send hands the delivery on after it.
    pub claim: Duration,
    /// Links back to Flatline in messages (the monitor's page, acknowledgement); none
    /// without them.
    pub links: Option<links::Links>,
}

impl Default for NotifierConfig {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(5),
            max_attempts: 10,
            timeout: Duration::from_secs(10),
            per_channel: 4,
            poll: Duration::from_secs(30),
            reminder_poll: Duration::from_secs(15),
            node: "local".to_owned(),
            claim: Duration::from_secs(30),
            links: None,
        }
    }
}

/// Due rows fetched per scan.
const SCAN_LIMIT: u64 = 200;
/// A delivery another node claimed first (or that could not be claimed): not counted.
const CLAIMED_ELSEWHERE: &str = "claimed_elsewhere";
/// How often finished deliveries past their retention are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Delivers notifications; see the module documentation.
pub struct Notifier {
    store: Store,
    metrics: Arc<EngineMetrics>,
    config: NotifierConfig,
    client: Option<awc::Client>,
    /// Events waiting to be queued, in order (with the lease of the monitor's transition).
    incoming: VecDeque<(NewDelivery, Option<Lease>)>,
    /// Whether this node runs reminders, reconciliation and sweeps (one node per cluster).
    leader: Leadership,
    /// Whether reconciliation ran since this node last became the one in charge.
    reconciled: bool,
    queueing: bool,
    /// Deliveries being attempted (or whose outcome is still being recorded).
    busy: BTreeSet<i64>,
    per_channel: HashMap<i64, usize>,
    scanning: bool,
    rescan: bool,
    /// The timer that wakes the notifier when the next retry comes due.
    wake: Option<(i64, SpawnHandle)>,
}

impl Notifier {
    /// A notifier over `store`.
    pub fn new(
        store: Store,
        metrics: Arc<EngineMetrics>,
        config: NotifierConfig,
        leader: Leadership,
    ) -> Self {
        Self {
            leader,
            reconciled: false,
            store,
            metrics,
            config,
            client: None,
            incoming: VecDeque::new(),
            queueing: false,
            busy: BTreeSet::new(),
            per_channel: HashMap::new(),
            scanning: false,
            rescan: false,
            wake: None,
        }
    }

    /// Queues the oldest waiting transition, then the next, one at a time so that a
    /// channel's rows keep the order of the events.
    fn queue_next(&mut self, ctx: &mut Context<Self>) {
        if self.queueing {
            return;
        }
        let Some((event, lease)) = self.incoming.front().cloned() else {
            return;
        };
        self.queueing = true;
        let store = self.store.clone();
        let metrics = self.metrics.clone();
        ctx.spawn(
            async move {
                let mut delay = Duration::from_millis(100);
                loop {
                    match store.enqueue_fenced(&event, None, now_ms(), lease).await {
                        Ok(Some(n)) => return n,
                        Ok(None) => {
                            // Another node took the monitor over; it tells what it sees.
                            metrics.cluster_fenced.inc();
                            tracing::warn!(monitor_id = event.payload.monitor_id, event = event.event.as_str(), "notification dropped: this node no longer runs the monitor");
                            return 0;
                        }
                        Err(e) => {
                            tracing::warn!(monitor_id = event.payload.monitor_id, error = %e, "queueing a notification failed; retrying");
                            actix_rt::time::sleep(delay).await;
                            delay = (delay * 2).min(Duration::from_secs(10));
                        }
                    }
                }
            }
            .into_actor(self)
            .map(|queued, act, ctx| {
                if let Some((event, _)) = act.incoming.pop_front() {
                    tracing::debug!(monitor_id = event.payload.monitor_id, event = event.event.as_str(), queued, "notifications queued");
                }
                act.queueing = false;
                act.queue_next(ctx);
                if queued > 0 {
                    act.scan(ctx);
                }
            }),
        );
    }

    /// Looks for due deliveries and starts them.
    fn scan(&mut self, ctx: &mut Context<Self>) {
        if self.scanning {
            self.rescan = true;
            return;
        }
        self.scanning = true;
        let store = self.store.clone();
        let busy = self.busy.clone();
        ctx.spawn(
            async move {
                let now = now_ms();
                let due = store.due_deliveries(now, &busy, SCAN_LIMIT).await?;
                let next = store.next_due_after(now).await?;
                StoreResult::Ok((due, next))
            }
            .into_actor(self)
            .map(|found, act, ctx| {
                act.scanning = false;
                match found {
                    Ok((due, next)) => {
                        for d in due {
                            act.start(d, ctx);
                        }
                        if let Some(at) = next {
                            act.wake_at(at, ctx);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the notification outbox failed")
                    }
                }
                if std::mem::take(&mut act.rescan) {
                    act.scan(ctx);
                }
            }),
        );
    }

    /// Scans again at `at_ms` (UTC), unless a wake-up at or before it is set already.
    fn wake_at(&mut self, at_ms: i64, ctx: &mut Context<Self>) {
        let now = now_ms();
        if let Some((set, handle)) = self.wake {
            if set <= at_ms && set > now {
                return;
            }
            ctx.cancel_future(handle);
        }
        let wait = Duration::from_millis(u64::try_from(at_ms - now).unwrap_or(0));
        let handle = ctx.run_later(wait, |act, ctx| {
            act.wake = None;
            act.scan(ctx);
        });
        self.wake = Some((at_ms, handle));
    }

    fn start(&mut self, due: DueDelivery, ctx: &mut Context<Self>) {
        let DueDelivery { delivery, channel } = due;
        let Some(client) = self.client.clone() else {
            return;
        };
        let in_flight = self.per_channel.entry(channel.id).or_default();
        if self.busy.contains(&delivery.id) || *in_flight >= self.config.per_channel {
            return;
        }
        *in_flight += 1;
        self.busy.insert(delivery.id);
        let store = self.store.clone();
        let config = self.config.clone();
        let (id, channel_id, kind) = (delivery.id, channel.id, channel.config.kind());
        ctx.spawn(
            async move {
                // Of several nodes seeing it due, one sends it.
                let now = now_ms();
                let until = now + i64::try_from(config.claim.as_millis()).unwrap_or(30_000);
                match store.claim_delivery(id, &config.node, until, now).await {
                    Ok(true) => attempt(&store, &client, &config, delivery, &channel).await,
                    Ok(false) => Some(CLAIMED_ELSEWHERE),
                    Err(e) => {
                        tracing::warn!(delivery_id = id, error = %e, "claiming a delivery failed");
                        Some(CLAIMED_ELSEWHERE)
                    }
                }
            }
            .into_actor(self)
            .map(move |result, act, ctx| {
                if let Some(n) = act.per_channel.get_mut(&channel_id) {
                    *n = n.saturating_sub(1);
                }
                match result {
                    Some(CLAIMED_ELSEWHERE) => {
                        act.busy.remove(&id);
                    }
                    Some(outcome) => {
                        act.busy.remove(&id);
                        act.metrics
                            .deliveries
                            .with_label_values(&[kind, outcome])
                            .inc();
                    }
                    // Attempted but not recorded: keep it busy so that it is not sent
                    // twice; the next start retries it.
                    None => tracing::error!(
                        delivery_id = id,
                        "delivery outcome could not be stored; not retrying it until restart"
                    ),
                }
                act.scan(ctx);
            }),
        );
    }
}

impl Actor for Notifier {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.client = Some(send::client(self.config.timeout));
        if self.leader.is_leader() {
            self.reconciled = true;
            self.reconcile(ctx);
        } else {
            self.scan(ctx);
        }
        ctx.run_interval(self.config.poll, |act, ctx| act.scan(ctx));
        ctx.run_interval(self.config.reminder_poll, |act, ctx| act.remind(ctx));
        self.sweep(ctx);
        ctx.run_interval(SWEEP_EVERY, |act, ctx| act.sweep(ctx));
    }
}

impl Handler<Transition> for Notifier {
    type Result = ();

    fn handle(&mut self, t: Transition, ctx: &mut Context<Self>) {
        let payload = EventPayload {
            monitor_id: t.monitor_id,
            monitor_name: t.monitor_name,
            monitor_url: t.url,
            cause: t.cause,
            at_ms: t.at_ms,
            incident_started_ms: None,
            certificate: None,
            maintenance: None,
            probe: None,
            monitor_kind: Some(t.kind.as_str().to_owned()),
            escalation_policy_id: t.escalation_policy_id,
        };
        let event = match (t.from, t.to) {
            (_, MonitorStatus::Down) => down_event(EventPayload {
                incident_started_ms: Some(t.at_ms),
                ..payload
            }),
            (MonitorStatus::Down, MonitorStatus::Up) => up_event(payload),
            _ => return,
        };
        self.incoming.push_back((event, t.lease));
        self.queue_next(ctx);
    }
}

impl Handler<CertificateExpiring> for Notifier {
    type Result = ();

    fn handle(&mut self, e: CertificateExpiring, ctx: &mut Context<Self>) {
        let c = e.certificate;
        let payload = EventPayload {
            monitor_id: e.monitor_id,
            monitor_name: e.monitor_name,
            monitor_url: e.url,
            cause: None,
            at_ms: c.checked_at_ms,
            incident_started_ms: None,
            certificate: Some(CertificateNotice {
                subject: c.subject,
                issuer: c.issuer,
                not_after_ms: c.not_after_ms,
                threshold_days: e.threshold_days,
                sha256: c.sha256,
            }),
            maintenance: None,
            probe: None,
            monitor_kind: Some(e.kind.as_str().to_owned()),
            escalation_policy_id: None,
        };
        if let Some(event) = certificate_event(payload) {
            self.incoming.push_back((event, None));
            self.queue_next(ctx);
        }
    }
}

impl Handler<MaintenanceEdge> for Notifier {
    type Result = ();

    /// One notice per covered monitor, to its channels (as every event is).
    fn handle(&mut self, e: MaintenanceEdge, ctx: &mut Context<Self>) {
        for monitor in e.monitors {
            let payload = EventPayload {
                maintenance: Some(e.window.clone()),
                ..notice_about(monitor, e.at_ms)
            };
            if let Some(event) = outbox::maintenance_event(payload, e.started) {
                self.incoming.push_back((event, None));
            }
        }
        self.queue_next(ctx);
    }
}

impl Handler<ProbeEdge> for Notifier {
    type Result = ();

    /// One notice per channel: every monitor of the location carries the same event key.
    fn handle(&mut self, e: ProbeEdge, ctx: &mut Context<Self>) {
        for monitor in e.monitors {
            let payload = EventPayload {
                probe: Some(e.probe.clone()),
                ..notice_about(monitor, e.at_ms)
            };
            if let Some(event) = outbox::probe_event(payload, e.offline) {
                self.incoming.push_back((event, None));
            }
        }
        self.queue_next(ctx);
    }
}

/// A notice about one monitor (`(id, name, target)`) at `at_ms` that is about no incident:
/// the event's own part is added by the caller.
fn notice_about(
    (monitor_id, monitor_name, monitor_url): (i64, String, String),
    at_ms: i64,
) -> EventPayload {
    EventPayload {
        monitor_id,
        monitor_name,
        monitor_url,
        cause: None,
        at_ms,
        incident_started_ms: None,
        certificate: None,
        maintenance: None,
        probe: None,
        monitor_kind: None,
        escalation_policy_id: None,
    }
}
