//! `/probes` and `/monitors/{id}/locations`: the remote probes as the owner sees them, and
//! how each location sees a monitor.

use actix_web::{get, web};
use flatline_actors::StatusBoard;
use flatline_store::clock::{now_ms, rfc3339};
use flatline_store::probes::PROBE_OFFLINE_MS;
use flatline_store::Store;
use flatline_types::{ErrorBody, LocationState, Probe, LOCAL};

use super::views::check_to_api;
use crate::error::ApiResult;
use crate::service::MonitorService;

const DAY_MS: i64 = 86_400_000;

/// Every location's probe as last heard from, with the enabled monitors checked from there.
#[utoipa::path(
    tag = "probes",
    responses((status = 200, description = "The probes, by location", body = [Probe]))
)]
#[get("/probes")]
pub async fn list(
    store: web::Data<Store>,
    board: web::Data<StatusBoard>,
) -> ApiResult<web::Json<Vec<Probe>>> {
    let now = now_ms();
    let probes = store.list_probes().await?;
    Ok(web::Json(
        probes
            .into_iter()
            .map(|p| Probe {
                monitors: u32::try_from(board.monitors_at(&p.location).len()).unwrap_or(u32::MAX),
                online: now - p.last_seen_at < PROBE_OFFLINE_MS,
                location: p.location,
                probe_id: p.probe_id,
                version: p.version,
                last_seen: rfc3339(p.last_seen_at),
                connected_at: rfc3339(p.connected_at),
                skew_ms: p.skew_ms,
                lag_ms: p.lag_ms,
                checks_per_second: p.checks_per_minute as f64 / 60.0,
                buffered: u64::try_from(p.buffered).unwrap_or(0),
            })
            .collect(),
    ))
}

/// A latency percentile (nearest rank) of sorted `values`, in ms.
fn percentile(sorted_us: &[i64], p: f64) -> Option<f64> {
    if sorted_us.is_empty() {
        return None;
    }
    let rank = ((p * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len());
    Some(sorted_us[rank - 1] as f64 / 1000.0)
}

/// How each of the monitor's locations sees it now, with its last 24 hours: the state after
/// the monitor's retries from that location's checks alone (`unknown` while its probe is
/// offline), the newest check, uptime and latency percentiles.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 200, description = "One entry per location, in the monitor's order", body = [LocationState]),
        (status = 404, description = "No such monitor", body = ErrorBody),
    )
)]
#[get("/monitors/{id}/locations")]
pub async fn locations(
    store: web::Data<Store>,
    monitors: web::Data<MonitorService>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<LocationState>>> {
    let monitor = monitors.get(id.into_inner()).await?;
    let now = now_ms();
    let probes = store.list_probes().await?;
    let mut states = Vec::with_capacity(monitor.spec.locations.len());
    for location in &monitor.spec.locations {
        let online = location == LOCAL
            || probes
                .iter()
                .any(|p| &p.location == location && now - p.last_seen_at < PROBE_OFFLINE_MS);
        let series = store
            .location_series(monitor.id, location, now - DAY_MS)
            .await?;
        let newest = store
            .list_checks_at(
                monitor.id,
                location,
                u64::from(monitor.spec.retries) + 1,
                None,
            )
            .await?;
        let failing = newest.iter().take_while(|c| !c.up).count();
        let status = match newest.first() {
            _ if !online => "unknown",
            None => "unknown",
            Some(c) if c.up => "up",
            Some(_) if failing > monitor.spec.retries as usize => "down",
            Some(_) => "pending",
        };
        let up = series.iter().filter(|(_, up, _)| *up).count();
        let mut latencies: Vec<i64> = series
            .iter()
            .filter(|(_, up, _)| *up)
            .map(|(_, _, l)| *l)
            .collect();
        latencies.sort_unstable();
        states.push(LocationState {
            location: location.clone(),
            status: status.to_owned(),
            online,
            last_check: newest.first().map(check_to_api),
            uptime_24h: (!series.is_empty()).then(|| up as f64 / series.len() as f64),
            p50_ms: percentile(&latencies, 0.50),
            p95_ms: percentile(&latencies, 0.95),
            p99_ms: percentile(&latencies, 0.99),
            checks_24h: series.len() as u64,
        });
    }
    Ok(web::Json(states))
}
