//! Remote probes, as the engine sees them: their results handed to the monitors' actors,
//! and a watch on which locations' probes report (every node looks for itself: each judges
//! only the monitors it runs). The probe process itself is `flatline probe` (the server
//! crate).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use actix::{Addr, Recipient};
use flatline_store::clock::now_ms;
use flatline_store::entities::checks;
use flatline_store::probes::PROBE_OFFLINE_MS;
use flatline_store::Store;
use flatline_types::LOCAL;
use prometheus::{GaugeVec, IntCounterVec, IntGaugeVec, Opts, Registry as Metrics};

use crate::messages::{LocationChecks, ProbeEdge, ProbesOnline, RemoteCheck};
use crate::registry::Registry;

/// How often each node reads which probes report.
pub const PROBE_WATCH_EVERY: Duration = Duration::from_secs(3);

/// The remote checks among `rows`, by location, for the registry.
pub fn location_checks(rows: &[checks::Model]) -> Vec<LocationChecks> {
    let mut by_location: BTreeMap<&str, Vec<RemoteCheck>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.location != LOCAL) {
        by_location.entry(&row.location).or_default().push((
            row.monitor_id,
            row.checked_at,
            row.error.clone(),
        ));
    }
    by_location
        .into_iter()
        .map(|(location, checks)| LocationChecks {
            location: location.to_owned(),
            checks,
        })
        .collect()
}

/// Where the API hands the results a probe sent, once stored.
#[derive(Clone)]
pub struct ProbeInbox {
    pub board: crate::StatusBoard,
    pub registry: Addr<Registry>,
    pub metrics: ProbeMetrics,
}

impl ProbeInbox {
    /// A probe's results just stored from `location`: shown, and judged by the monitors'
    /// actors (those this node runs; the other nodes hear of them through the database).
    pub fn deliver(&self, location: &str, stored: &[checks::Model]) {
        self.board.record_checks(stored);
        self.metrics
            .results
            .with_label_values(&[location])
            .inc_by(stored.len() as u64);
        for message in location_checks(stored) {
            self.registry.do_send(message);
        }
    }
}

/// Each location's probe on `/metrics`.
#[derive(Clone)]
pub struct ProbeMetrics {
    /// 1 while the location's probe reports.
    pub online: IntGaugeVec,
    /// Seconds since it was last heard from.
    pub last_seen: GaugeVec,
    /// Server clock minus probe clock.
    pub skew: GaugeVec,
    /// A check's start to its result reaching the server.
    pub lag: GaugeVec,
    /// Results stored per second over the last minute.
    pub rate: GaugeVec,
    /// Results stored by this node, by location.
    pub results: IntCounterVec,
}

impl ProbeMetrics {
    /// Registers the probe series in `registry`.
    pub fn register(registry: &Metrics) -> prometheus::Result<Self> {
        let by_location = |name: &str, help: &str| {
            GaugeVec::new(Opts::new(name, help), &["location"]).and_then(|g| {
                registry.register(Box::new(g.clone()))?;
                Ok(g)
            })
        };
        let online = IntGaugeVec::new(
            Opts::new(
                "flatline_probe_online",
                "1 while the location's remote probe reports (heard from within 30 s)",
            ),
            &["location", "version"],
        )?;
        registry.register(Box::new(online.clone()))?;
        let results = IntCounterVec::new(
            Opts::new(
                "flatline_probe_results_total",
                "Results of remote probes stored by this node (a result sent twice counts once)",
            ),
            &["location"],
        )?;
        registry.register(Box::new(results.clone()))?;
        Ok(Self {
            online,
            last_seen: by_location(
                "flatline_probe_last_seen_seconds",
                "Seconds since the location's probe was last heard from",
            )?,
            skew: by_location(
                "flatline_probe_clock_skew_seconds",
                "Server clock minus the probe's clock (its results are corrected by it)",
            )?,
            lag: by_location(
                "flatline_probe_lag_seconds",
                "From a check's start at the probe to its result reaching the server (median of the last batch)",
            )?,
            rate: by_location(
                "flatline_probe_checks_per_second",
                "Results of the location's probe stored per second, over the last minute",
            )?,
            results,
        })
    }
}

/// What the probe watch needs.
pub struct Watch {
    pub store: Store,
    pub registry: Addr<Registry>,
    pub metrics: ProbeMetrics,
    pub board: crate::StatusBoard,
    /// Told when a probe goes offline or comes back (by the node in charge only).
    pub notifier: Recipient<ProbeEdge>,
    pub leader: crate::cluster::Leadership,
}

/// Reads the probes every [`PROBE_WATCH_EVERY`]: tells the registry which locations report,
/// keeps the probe series of `/metrics` current, and (the node in charge) has the channels
/// told when a probe goes offline or comes back.
pub fn watch(w: Watch) {
    let Watch {
        store,
        registry,
        metrics,
        board,
        notifier,
        leader,
    } = w;
    actix_rt::spawn(async move {
        let mut ticks = actix_rt::time::interval(PROBE_WATCH_EVERY);
        // What the last look saw (none before the first: a probe silent since before this
        // start is not news).
        let mut seen: Option<HashSet<String>> = None;
        // Locations whose silence was announced: their return is news, a first appearance
        // is not.
        let mut announced: HashSet<String> = HashSet::new();
        loop {
            ticks.tick().await;
            let probes = match store.list_probes().await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the probes failed");
                    continue;
                }
            };
            let now = now_ms();
            let mut online = HashSet::new();
            metrics.online.reset();
            for p in &probes {
                let on = now - p.last_seen_at < PROBE_OFFLINE_MS;
                if on {
                    online.insert(p.location.clone());
                }
                let l = [p.location.as_str()];
                metrics
                    .online
                    .with_label_values(&[p.location.as_str(), p.version.as_str()])
                    .set(i64::from(on));
                metrics
                    .last_seen
                    .with_label_values(&l)
                    .set((now - p.last_seen_at) as f64 / 1000.0);
                metrics
                    .skew
                    .with_label_values(&l)
                    .set(p.skew_ms as f64 / 1000.0);
                metrics
                    .lag
                    .with_label_values(&l)
                    .set(p.lag_ms as f64 / 1000.0);
                metrics
                    .rate
                    .with_label_values(&l)
                    .set(p.checks_per_minute as f64 / 60.0);
            }
            if let Some(before) = &seen {
                if leader.is_leader() {
                    for p in &probes {
                        let (was, is) =
                            (before.contains(&p.location), online.contains(&p.location));
                        if was == is || (is && !announced.remove(&p.location)) {
                            continue;
                        }
                        if !is {
                            announced.insert(p.location.clone());
                        }
                        let monitors: Vec<(i64, String, String)> = board
                            .monitors_at(&p.location)
                            .iter()
                            .map(|m| (m.id, m.spec.name.clone(), m.spec.label()))
                            .collect();
                        notifier.do_send(ProbeEdge {
                            offline: !is,
                            probe: flatline_store::ProbeNotice {
                                location: p.location.clone(),
                                last_seen_ms: if is { p.connected_at } else { p.last_seen_at },
                                monitors: u32::try_from(monitors.len()).unwrap_or(u32::MAX),
                            },
                            monitors,
                            at_ms: now,
                        });
                    }
                }
            }
            seen = Some(online.clone());
            if registry.try_send(ProbesOnline(online)).is_err() && !registry.connected() {
                return;
            }
        }
    });
}
