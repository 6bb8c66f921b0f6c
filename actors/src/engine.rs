//! Starting and stopping the whole engine.

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr, Arbiter, Recipient};

use crate::board::{LiveStatus, StatusBoard};
use crate::cluster::coordinator::{Coordinator, LEAVE_TIMEOUT};
use crate::cluster::listen::Listener;
use crate::cluster::{ClusterConfig, ClusterView, Leadership};
use crate::incident::IncidentActor;
use crate::messages::{Drain, Flush, StopAll, Transition};
use crate::metrics::EngineMetrics;
use crate::monitor::MonitorDeps;
use crate::notifier::{Notifier, NotifierConfig};
use crate::registry::Registry;
use crate::summary::SummaryRefresher;
use crate::sweeper::Sweeper;
use crate::writer::CheckWriter;
use flatline_store::clock::now_ms;
use flatline_store::{Store, StoreResult};

/// Tunables of the engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// How often buffered checks are written.
    pub flush_interval: Duration,
    /// Rows that trigger a write before the interval is up.
    pub max_batch: usize,
    /// How often old checks are swept.
    pub sweep_interval: Duration,
    /// How long checks are kept.
    pub retention: Duration,
    /// How long day rollups are kept (minute and hour rollups: 2 and 35 days).
    pub rollup_retention: Duration,
    /// Threads the monitor actors are spread over.
    pub workers: usize,
    /// Notification delivery.
    pub notifier: NotifierConfig,
    /// How often every monitor's headline numbers are recomputed.
    pub summary_period: Duration,
    /// This node (its id and lease; the lease matters only with several nodes).
    pub cluster: ClusterConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            flush_interval: Duration::from_millis(250),
            max_batch: 1000,
            sweep_interval: Duration::from_secs(60),
            retention: Duration::from_secs(90 * 86_400),
            rollup_retention: Duration::from_secs(400 * 86_400),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            notifier: NotifierConfig::default(),
            summary_period: Duration::from_secs(30),
            cluster: ClusterConfig {
                node_id: "local".to_owned(),
                address: String::new(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                lease: Duration::from_secs(10),
            },
        }
    }
}

/// The running engine: what the API needs to reach it, and what shutdown must stop.
pub struct Engine {
    pub registry: Addr<Registry>,
    pub board: StatusBoard,
    /// Wakes the maintenance task when windows change.
    pub maintenance: crate::maintenance::MaintenanceHandle,
    pub metrics: Arc<EngineMetrics>,
    /// The nodes and who runs what.
    pub cluster: ClusterView,
    /// Moves when another node changed status pages (or what they show).
    pub peer_pages: tokio::sync::watch::Receiver<u64>,
    /// Where the API hands a probe's results.
    pub probes: crate::probes::ProbeInbox,
    /// Several nodes: stops the coordinator, which then leaves the cluster and answers.
    leave: Option<(Arc<tokio::sync::Notify>, tokio::sync::oneshot::Receiver<()>)>,
    writer: Addr<CheckWriter>,
    incidents: Addr<IncidentActor>,
    notifier: Addr<Notifier>,
    summaries: Addr<SummaryRefresher>,
    sweeper: Addr<Sweeper>,
    arbiters: Vec<Arbiter>,
}

impl Engine {
    /// Loads every monitor and starts checking the enabled ones. Must run inside an actix
    /// system. Transitions go to the incident actor, the notifier, then `subscribers`.
    pub async fn start(
        store: Store,
        mut config: EngineConfig,
        subscribers: Vec<Recipient<Transition>>,
    ) -> StoreResult<Self> {
        let shared = store.is_shared();
        let node = config.cluster.node_id.clone();
        // With several nodes, what this one writes for a monitor is fenced by its leases.
        let store = if shared {
            store.fenced_by(&node)
        } else {
            store
        };
        config.notifier.node = node.clone();
        // awc builds its default TLS configuration with the process-wide provider.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let board = StatusBoard::default();
        let metrics = Arc::new(EngineMetrics::default());
        let monitors = store.list_monitors().await?;
        // Newest first: the last check, and the dashboard's bar of latest checks.
        let mut latest_checks = store
            .latest_checks(crate::board::RECENT_CHECKS as u64)
            .await?;
        for m in &monitors {
            let latest = latest_checks.remove(&m.id).unwrap_or_default();
            let mut recent = std::collections::VecDeque::with_capacity(latest.len());
            for check in latest.iter().rev() {
                crate::board::push_beat(&mut recent, check);
            }
            board.insert(
                m.id,
                LiveStatus {
                    status: m.status,
                    last_check: latest.into_iter().next(),
                    monitor: Some(std::sync::Arc::new(m.clone())),
                    summary: None,
                    recent,
                },
            );
        }

        let writer = CheckWriter::new(
            store.clone(),
            board.clone(),
            metrics.clone(),
            config.flush_interval,
            config.max_batch,
        )
        .start();
        let incidents = IncidentActor::new(store.clone(), metrics.clone()).start();
        let (leader, joined) = if shared {
            let leader = Leadership::shared();
            let joined = Coordinator::join(
                store.clone(),
                config.cluster.clone(),
                metrics.clone(),
                leader.clone(),
            )
            .await?;
            (leader, Some(joined))
        } else {
            metrics.cluster_nodes.set(1);
            // Alone on the file: a claim left by a send this process's predecessor never
            // finished (a crash) holds nothing back.
            store.drop_delivery_claims().await?;
            (Leadership::alone(), None)
        };
        let sweeper = Sweeper::new(
            store.clone(),
            config.sweep_interval,
            config.retention,
            config.rollup_retention,
            leader.clone(),
        )
        .start();

        let notifier = Notifier::new(
            store.clone(),
            metrics.clone(),
            config.notifier.clone(),
            leader.clone(),
        )
        .start();
        let mut transitions: Vec<Recipient<Transition>> =
            vec![incidents.clone().recipient(), notifier.clone().recipient()];
        transitions.extend(subscribers);
        let deps = MonitorDeps {
            writer: writer.clone().recipient(),
            certificates: writer.clone().recipient(),
            expiring: notifier.clone().recipient(),
            transitions,
            board: board.clone(),
            metrics: metrics.clone(),
        };
        let arbiters: Vec<Arbiter> = (0..config.workers.max(1)).map(|_| Arbiter::new()).collect();
        let mut registry = Registry::new(arbiters.iter().map(Arbiter::handle).collect(), deps);
        // Monitors in a window now start in maintenance: their first checks after a restart
        // must not open incidents before the maintenance task has looked.
        registry.set_maintenance(crate::maintenance::current_set(&store, now_ms()).await?);
        if let Some((_, leases)) = &joined {
            registry.share(leases, store.clone());
        }
        let count = monitors.len();
        registry.start_all(monitors);
        let summaries_thread = Arbiter::new();
        let refresher = SummaryRefresher::new(store.clone(), board.clone(), config.summary_period);
        let summaries =
            SummaryRefresher::start_in_arbiter(&summaries_thread.handle(), |_| refresher);
        tracing::info!(monitors = count, workers = arbiters.len(), "engine started");
        let registry = registry.start();
        let probe_leader = leader.clone();
        let maintenance = crate::maintenance::start(
            store.clone(),
            registry.clone(),
            board.clone(),
            notifier.clone().recipient(),
            leader,
        );
        let (pages_changed, peer_pages) = tokio::sync::watch::channel(0);
        let probe_metrics = crate::probes::ProbeMetrics::register(&metrics.registry)
            .expect("constant metric definitions are valid and distinct");
        crate::probes::watch(crate::probes::Watch {
            store: store.clone(),
            registry: registry.clone(),
            metrics: probe_metrics.clone(),
            board: board.clone(),
            notifier: notifier.clone().recipient(),
            leader: probe_leader,
        });
        let probes = crate::probes::ProbeInbox {
            board: board.clone(),
            registry: registry.clone(),
            metrics: probe_metrics,
        };
        let (cluster, leave) = match joined {
            Some((coordinator, _)) => {
                let view = coordinator.view();
                let stop = Arc::new(tokio::sync::Notify::new());
                let (left, gone) = tokio::sync::oneshot::channel();
                coordinator.run(registry.clone(), writer.clone(), stop.clone(), left);
                Listener {
                    store: store.clone(),
                    me: node,
                    registry: registry.clone(),
                    board: board.clone(),
                    maintenance: maintenance.clone(),
                    pages: pages_changed,
                }
                .start();
                (view, Some((stop, gone)))
            }
            None => (ClusterView::single(&node), None),
        };
        Ok(Self {
            registry,
            board,
            maintenance,
            metrics,
            cluster,
            peer_pages,
            probes,
            leave,
            writer,
            incidents,
            notifier,
            sweeper,
            summaries,
            arbiters: arbiters.into_iter().chain([summaries_thread]).collect(),
        })
    }

    /// Stops every monitor, stores every buffered check and recorded transition, then stops
    /// the engine's threads.
    pub async fn shutdown(self) {
        let _ = self.registry.send(StopAll).await;
        let _ = self.incidents.send(Drain).await;
        let _ = self.writer.send(Flush).await;
        if let Some((stop, gone)) = self.leave {
            // Its shards are free for the other nodes at once, not when the leases run out.
            stop.notify_one();
            let _ = tokio::time::timeout(LEAVE_TIMEOUT, gone).await;
        }
        drop(self.sweeper);
        // Deliveries in flight stay pending in the outbox and are resumed at the next start.
        drop(self.notifier);
        drop(self.summaries);
        for arbiter in self.arbiters {
            arbiter.stop();
            let _ = arbiter.join();
        }
        tracing::info!("engine stopped; pending checks flushed");
    }
}
