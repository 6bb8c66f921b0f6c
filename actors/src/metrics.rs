//! The engine's own measurements: Prometheus counters, gauges and histograms for `/metrics`
//! (in the engine's own registry, no global state), plus HDR histograms the benchmark reads
//! percentiles from.

use std::collections::HashMap;
use std::time::Duration;

use flatline_types::{public_url, MonitorSpec};
use hdrhistogram::Histogram as HdrHistogram;
use parking_lot::Mutex;
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry,
};

/// Counters and histograms of the engine; shared as `Arc<EngineMetrics>`.
pub struct EngineMetrics {
    /// Where every metric below is registered; `/metrics` encodes it.
    pub registry: Registry,
    /// Checks started by monitor actors.
    pub checks_started: IntCounter,
    /// Checks that failed (down results, including retries).
    pub checks_failed: IntCounter,
    /// Checks written to the database.
    pub checks_stored: IntCounter,
    /// Failed batch writes (the batch is kept and retried).
    pub write_errors: IntCounter,
    /// Checks dropped because the write buffer overflowed while the database was unreachable.
    pub checks_dropped: IntCounter,
    /// Monitor actors restarted by their supervisor.
    pub actor_restarts: IntCounter,
    /// Running monitor actors.
    pub monitor_actors: IntGauge,
    /// Check results sent to the writer and not yet stored (its mailbox plus its buffer).
    pub write_backlog: IntGauge,
    /// Transitions sent to the incident actor and not yet recorded.
    pub incident_backlog: IntGauge,
    /// Per monitor: checks by result (`up`, `down`).
    pub monitor_checks: IntCounterVec,
    /// Per monitor: latency of each check.
    pub monitor_check_duration: HistogramVec,
    /// Per monitor: name and URL, value 1 (join on `monitor_id`).
    pub monitor_info: IntGaugeVec,
    /// Notification delivery attempts by channel type and outcome (`sent`, `retried`,
    /// `failed`: gave up after the last attempt, `cancelled`: an escalation step not needed).
    pub deliveries: IntCounterVec,
    /// Nodes alive in the cluster (1 on SQLite).
    pub cluster_nodes: IntGauge,
    /// Monitors this node runs.
    pub cluster_monitors_owned: IntGauge,
    /// Shards this node holds the lease of.
    pub cluster_shards_owned: IntGauge,
    /// Lease renewals that succeeded.
    pub cluster_lease_renewals: IntCounter,
    /// Shards taken over from a node whose lease ran out.
    pub cluster_takeovers: IntCounter,
    /// Checks and transitions dropped because their lease no longer held.
    pub cluster_fenced: IntCounter,
    /// The labels of each monitor's info series, to replace or remove it.
    info_labels: Mutex<HashMap<i64, [String; 3]>>,
    schedule_lag: Histogram,
    batch_rows: Histogram,
    batch_duration: Histogram,
    /// Delay between a check's planned and actual start, in microseconds.
    pub schedule_lag_us: Mutex<HdrHistogram<u64>>,
    /// Rows per check-write batch.
    pub batch_size: Mutex<HdrHistogram<u64>>,
    /// Duration of each check-write batch, in microseconds.
    pub batch_write_us: Mutex<HdrHistogram<u64>>,
}

impl std::fmt::Debug for EngineMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineMetrics")
            .field("checks_started", &self.checks_started.get())
            .field("checks_stored", &self.checks_stored.get())
            .finish_non_exhaustive()
    }
}

fn hdr() -> HdrHistogram<u64> {
    // 3 significant digits up to an hour in microseconds.
    HdrHistogram::new_with_bounds(1, 3_600_000_000, 3).expect("constant histogram bounds are valid")
}

/// Seconds-scale buckets for engine-internal delays (0.5 ms to 10 s).
const FAST_SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Buckets for a check's latency (5 ms to 60 s): few, because there is a series per monitor.
const CHECK_SECONDS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Builds and registers every metric. Names are constants, so registration cannot clash.
fn build() -> Result<EngineMetrics, prometheus::Error> {
    let registry = Registry::new();
    let counter = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
        let c = IntCounter::new(name, help)?;
        registry.register(Box::new(c.clone()))?;
        Ok(c)
    };
    let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
        let g = IntGauge::new(name, help)?;
        registry.register(Box::new(g.clone()))?;
        Ok(g)
    };
    let histogram =
        |name: &str, help: &str, buckets: &[f64]| -> Result<Histogram, prometheus::Error> {
            let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec()))?;
            registry.register(Box::new(h.clone()))?;
            Ok(h)
        };
    let monitor_checks = IntCounterVec::new(
        Opts::new(
            "flatline_monitor_checks_total",
            "Checks made, by monitor and result (up or down; retries included)",
        ),
        &["monitor_id", "result"],
    )?;
    registry.register(Box::new(monitor_checks.clone()))?;
    let monitor_check_duration = HistogramVec::new(
        HistogramOpts::new(
            "flatline_monitor_check_duration_seconds",
            "Latency of each successful check, from the request's start to the end of reading the body",
        )
        .buckets(CHECK_SECONDS.to_vec()),
        &["monitor_id"],
    )?;
    registry.register(Box::new(monitor_check_duration.clone()))?;
    let monitor_info = IntGaugeVec::new(
        Opts::new(
            "flatline_monitor_info",
            "Each monitor's name, kind and target (always 1; join on monitor_id); url is the \
             URL of HTTP monitors without credentials or query, and what is checked for others",
        ),
        &["monitor_id", "name", "kind", "url"],
    )?;
    registry.register(Box::new(monitor_info.clone()))?;
    let deliveries = IntCounterVec::new(
        Opts::new(
            "flatline_notification_deliveries_total",
            "Notification delivery attempts by channel type and outcome (sent; retried: failed, \
             will try again; failed: gave up; cancelled: an escalation step no longer needed)",
        ),
        &["type", "outcome"],
    )?;
    registry.register(Box::new(deliveries.clone()))?;
    // Every series from the start, so rates and alerts work before the first delivery.
    for kind in flatline_types::CHANNEL_TYPES.iter().map(|t| t.kind) {
        for outcome in ["sent", "retried", "failed", "cancelled"] {
            deliveries.with_label_values(&[kind, outcome]);
        }
    }
    Ok(EngineMetrics {
        deliveries,
        cluster_nodes: gauge(
            "flatline_cluster_nodes",
            "Nodes alive in the cluster (heartbeat within the lease)",
        )?,
        cluster_monitors_owned: gauge(
            "flatline_cluster_monitors_owned",
            "Enabled monitors this node runs",
        )?,
        cluster_shards_owned: gauge(
            "flatline_cluster_shards_owned",
            "Shards this node holds the lease of",
        )?,
        cluster_lease_renewals: counter(
            "flatline_cluster_lease_renewals_total",
            "Renewals of this node's leases that succeeded",
        )?,
        cluster_takeovers: counter(
            "flatline_cluster_takeovers_total",
            "Shards this node took over from a node whose lease had run out",
        )?,
        cluster_fenced: counter(
            "flatline_cluster_fenced_total",
            "Check results and transitions dropped because the lease they ran under no longer held",
        )?,
        checks_started: counter("flatline_checks_started_total", "Checks started")?,
        checks_failed: counter("flatline_checks_failed_total", "Checks that failed")?,
        checks_stored: counter("flatline_checks_stored_total", "Check results stored")?,
        write_errors: counter(
            "flatline_check_write_errors_total",
            "Batch writes of check results that failed (and were retried)",
        )?,
        checks_dropped: counter(
            "flatline_checks_dropped_total",
            "Check results dropped because the database stayed unreachable too long",
        )?,
        actor_restarts: counter(
            "flatline_monitor_actor_restarts_total",
            "Monitor actors restarted by their supervisor",
        )?,
        monitor_actors: gauge("flatline_monitor_actors", "Running monitor actors")?,
        write_backlog: gauge(
            "flatline_check_write_backlog",
            "Check results waiting to be stored (the writer's mailbox and buffer)",
        )?,
        incident_backlog: gauge(
            "flatline_incident_backlog",
            "State transitions waiting for the incident actor",
        )?,
        schedule_lag: histogram(
            "flatline_schedule_lag_seconds",
            "Delay between a check's planned and actual start",
            FAST_SECONDS,
        )?,
        batch_rows: histogram(
            "flatline_check_write_batch_size",
            "Rows per batch write of check results",
            &[1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0],
        )?,
        batch_duration: histogram(
            "flatline_check_write_batch_duration_seconds",
            "Duration of each batch write of check results",
            FAST_SECONDS,
        )?,
        monitor_checks,
        monitor_check_duration,
        monitor_info,
        info_labels: Mutex::new(HashMap::new()),
        registry,
        schedule_lag_us: Mutex::new(hdr()),
        batch_size: Mutex::new(hdr()),
        batch_write_us: Mutex::new(hdr()),
    })
}

impl Default for EngineMetrics {
    fn default() -> Self {
        build().expect("constant metric definitions are valid and distinct")
    }
}

/// One monitor's series, looked up once per actor so a check costs only atomic updates.
#[derive(Clone)]
pub struct MonitorSeries {
    up: IntCounter,
    down: IntCounter,
    duration: Histogram,
}

impl MonitorSeries {
    /// Records one check; only successful checks' latencies count (a refused connection is
    /// fast and a timeout is the timeout: neither says how fast the target answers).
    pub fn record(&self, up: bool, latency: Duration) {
        if up {
            self.up.inc();
            self.duration.observe(latency.as_secs_f64());
        } else {
            self.down.inc();
        }
    }
}

impl EngineMetrics {
    /// Records a schedule lag.
    pub fn record_lag(&self, lag: Duration) {
        let us = u64::try_from(lag.as_micros()).unwrap_or(u64::MAX);
        self.schedule_lag_us.lock().saturating_record(us.max(1));
        self.schedule_lag.observe(lag.as_secs_f64());
    }

    /// Records one batch write of `rows` check results.
    pub fn record_batch(&self, rows: usize, took: Duration) {
        self.batch_size.lock().saturating_record(rows.max(1) as u64);
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.batch_write_us.lock().saturating_record(us.max(1));
        self.checks_stored.inc_by(rows as u64);
        self.batch_rows.observe(rows as f64);
        self.batch_duration.observe(took.as_secs_f64());
    }

    /// Monitor `id`'s series.
    pub fn monitor_series(&self, id: i64) -> MonitorSeries {
        let id = id.to_string();
        MonitorSeries {
            up: self.monitor_checks.with_label_values(&[id.as_str(), "up"]),
            down: self
                .monitor_checks
                .with_label_values(&[id.as_str(), "down"]),
            duration: self
                .monitor_check_duration
                .with_label_values(&[id.as_str()]),
        }
    }

    /// Sets a monitor's info series (replacing one with an old name, kind or target).
    pub fn set_monitor_info(&self, id: i64, spec: &MonitorSpec) {
        let key = id.to_string();
        let url = match spec.http() {
            Some(http) => public_url(&http.url),
            None => spec.label(),
        };
        let labels = [spec.name.clone(), spec.kind().as_str().to_owned(), url];
        let mut info = self.info_labels.lock();
        if let Some(old) = info.get(&id) {
            if *old == labels {
                return;
            }
            let _ =
                self.monitor_info
                    .remove_label_values(&[key.as_str(), &old[0], &old[1], &old[2]]);
        }
        self.monitor_info
            .with_label_values(&[key.as_str(), &labels[0], &labels[1], &labels[2]])
            .set(1);
        info.insert(id, labels);
    }

    /// Drops every series of a deleted monitor.
    pub fn forget_monitor(&self, id: i64) {
        let key = id.to_string();
        for result in ["up", "down"] {
            let _ = self
                .monitor_checks
                .remove_label_values(&[key.as_str(), result]);
        }
        let _ = self
            .monitor_check_duration
            .remove_label_values(&[key.as_str()]);
        if let Some([name, kind, url]) = self.info_labels.lock().remove(&id) {
            let _ = self
                .monitor_info
                .remove_label_values(&[key.as_str(), &name, &kind, &url]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EngineMetrics;
    use flatline_types::public_url;

    #[test]
    fn urls_in_labels_carry_no_secrets() {
        assert_eq!(
            public_url("https://user:hunter2@api.example.com:8443/health?token=abc#x"),
            "https://api.example.com:8443/health"
        );
        assert_eq!(public_url("http://127.0.0.1:9/"), "http://127.0.0.1:9/");
    }

    #[test]
    fn a_deleted_monitor_leaves_no_series_behind() {
        let metrics = EngineMetrics::default();
        metrics
            .monitor_series(7)
            .record(true, std::time::Duration::from_millis(12));
        let mut spec = flatline_types::CreateMonitor {
            name: "old".into(),
            url: Some("http://a/".into()),
            ..Default::default()
        }
        .into_spec()
        .expect("valid");
        metrics.set_monitor_info(7, &spec);
        spec.name = "new".into();
        metrics.set_monitor_info(7, &spec);
        let text = |s: &EngineMetrics| {
            let mut out = Vec::new();
            let _ = prometheus::Encoder::encode(
                &prometheus::TextEncoder::new(),
                &s.registry.gather(),
                &mut out,
            );
            String::from_utf8(out).unwrap_or_default()
        };
        let before = text(&metrics);
        assert!(before.contains(r#"name="new""#) && !before.contains(r#"name="old""#));
        assert!(before.contains(r#"kind="http""#));
        assert!(before.contains(r#"flatline_monitor_checks_total{monitor_id="7",result="up"} 1"#));
        metrics.forget_monitor(7);
        assert!(!text(&metrics).contains(r#"monitor_id="7""#));
    }
}
