//! `GET /metrics`: Prometheus text exposition of the engine's metrics, each monitor's status,
//! open incidents and the process's own metrics. Needs credentials (an API token, for
//! Prometheus' `authorization` setting) unless `FLATLINE_METRICS_PUBLIC=true`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use flatline_types::{ErrorBody, MonitorStatus};
use std::sync::Arc;

use parking_lot::Mutex;
use prometheus::{Encoder, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

use flatline_actors::{EngineMetrics, StatusBoard};
use flatline_store::Store;

use crate::auth::{authenticate, Auth};
use crate::error::{ApiError, ApiResult};

/// Metrics computed at scrape time, and the process collector.
pub struct ServerMetrics {
    /// The engine's own metrics, exposed alongside.
    engine: Arc<EngineMetrics>,
    registry: Registry,
    up: IntGaugeVec,
    status: IntGaugeVec,
    open_incidents: IntGauge,
    pending_deliveries: IntGauge,
    /// Clients connected to the live stream.
    pub live_clients: IntGauge,
    /// Live-stream clients dropped for not reading.
    pub live_dropped: prometheus::IntCounter,
    /// Follows `logging::PEER_PROTOCOL_ERRORS`.
    peer_protocol_errors: prometheus::IntCounter,
    /// Scrapes reset and refill the gauges: one at a time.
    scrape: Mutex<()>,
    /// Whether `/metrics` answers without credentials.
    pub public: bool,
}

impl ServerMetrics {
    /// Registers the scrape-time gauges and the process collector.
    pub fn new(engine: Arc<EngineMetrics>, public: bool) -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let up = IntGaugeVec::new(
            Opts::new(
                "flatline_monitor_up",
                "1 if the monitor is up, 0 if it is down; absent while pending or paused",
            ),
            &["monitor_id"],
        )?;
        let status = IntGaugeVec::new(
            Opts::new(
                "flatline_monitor_status",
                "The monitor's status: 1 for its current one of pending, up, down, paused",
            ),
            &["monitor_id", "status"],
        )?;
        let open_incidents =
            IntGauge::new("flatline_open_incidents", "Incidents not yet resolved")?;
        registry.register(Box::new(up.clone()))?;
        registry.register(Box::new(status.clone()))?;
        registry.register(Box::new(open_incidents.clone()))?;
        let pending_deliveries = IntGauge::new(
            "flatline_notification_deliveries_pending",
            "Notifications queued and not yet delivered (or given up)",
        )?;
        registry.register(Box::new(pending_deliveries.clone()))?;
        let live_clients = IntGauge::new(
            "flatline_live_stream_clients",
            "Clients connected to the live stream (/api/v1/stats/stream)",
        )?;
        let live_dropped = prometheus::IntCounter::new(
            "flatline_live_stream_dropped_total",
            "Live-stream clients dropped because they stopped reading",
        )?;
        registry.register(Box::new(live_clients.clone()))?;
        registry.register(Box::new(live_dropped.clone()))?;
        let peer_protocol_errors = prometheus::IntCounter::new(
            "flatline_peer_protocol_errors_total",
            "Malformed HTTP from clients or monitored targets (kept out of the log below debug)",
        )?;
        registry.register(Box::new(peer_protocol_errors.clone()))?;
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Self {
            engine,
            registry,
            up,
            status,
            open_incidents,
            pending_deliveries,
            live_clients,
            live_dropped,
            peer_protocol_errors,
            scrape: Mutex::new(()),
            public,
        })
    }
}

/// Prometheus metrics (text exposition format 0.0.4).
#[utoipa::path(
    tag = "metrics",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain; version=0.0.4", body = String),
        (status = 401, description = "No valid credentials (unless FLATLINE_METRICS_PUBLIC=true)", body = ErrorBody),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    m: web::Data<ServerMetrics>,
    auth: web::Data<Auth>,
    store: web::Data<Store>,
    board: web::Data<StatusBoard>,
) -> ApiResult<HttpResponse> {
    if !m.public {
        authenticate(&auth, &req).await?;
    }
    // While the database is down the engine's metrics matter most: the two counts it gives
    // are left at their last value then.
    let open = store.count_open_incidents().await.ok();
    let pending = store.count_pending_deliveries().await.ok();
    let families = {
        let _one_at_a_time = m.scrape.lock();
        m.up.reset();
        m.status.reset();
        for (id, status) in board.statuses() {
            let id = id.to_string();
            match status {
                MonitorStatus::Up => m.up.with_label_values(&[id.as_str()]).set(1),
                MonitorStatus::Down => m.up.with_label_values(&[id.as_str()]).set(0),
                MonitorStatus::Pending | MonitorStatus::Paused | MonitorStatus::Maintenance => {}
            }
            m.status
                .with_label_values(&[id.as_str(), status.as_str()])
                .set(1);
        }
        if let Some(open) = open {
            m.open_incidents
                .set(i64::try_from(open).unwrap_or(i64::MAX));
        }
        if let Some(pending) = pending {
            m.pending_deliveries
                .set(i64::try_from(pending).unwrap_or(i64::MAX));
        }
        let peer = crate::logging::PEER_PROTOCOL_ERRORS.load(std::sync::atomic::Ordering::Relaxed);
        m.peer_protocol_errors
            .inc_by(peer.saturating_sub(m.peer_protocol_errors.get()));
        let mut families = m.engine.registry.gather();
        families.extend(m.registry.gather());
        families
    };
    let mut body = Vec::with_capacity(64 * 1024);
    TextEncoder::new()
        .encode(&families, &mut body)
        .map_err(|e| ApiError::Internal(format!("cannot encode metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(prometheus::TEXT_FORMAT)
        .body(body))
}
