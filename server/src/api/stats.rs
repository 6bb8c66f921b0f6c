//! `/monitors/{id}/stats`, `/latency` and `/uptime-bars`: uptime and latency from rollups.

use actix_web::{get, web};
use flatline_store::clock::{now_ms, rfc3339};
use flatline_store::stats::WindowTotals as Window;
use flatline_store::stats::SERIES;
use flatline_store::Store;
use flatline_types::{
    ErrorBody, LatencyPoint, LatencySeries, MonitorStats, UptimeBar, UptimeBars, WindowStats,
};

use crate::error::{ApiError, ApiResult};
use crate::service::MonitorService;

/// A window as the API shows it.
pub fn window_to_api(w: &Window) -> WindowStats {
    WindowStats {
        window: w.name.to_owned(),
        from: rfc3339(w.from_ms),
        to: rfc3339(w.to_ms),
        uptime_pct: w.uptime_pct(),
        p50_ms: w.percentile_ms(0.50),
        p95_ms: w.percentile_ms(0.95),
        p99_ms: w.percentile_ms(0.99),
        avg_ms: w.avg_ms(),
        checks: w.checks.max(0) as u64,
        failed_checks: w.failed.max(0) as u64,
        incidents: w.incidents.max(0) as u64,
        downtime_seconds: w.down_ms as f64 / 1000.0,
        monitored_seconds: w.monitored_ms as f64 / 1000.0,
    }
}

/// Uptime (time-weighted) and latency percentiles of a monitor over every window, from
/// rollups: no raw checks are read.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 200, description = "Stats per window", body = MonitorStats),
        (status = 404, description = "No such monitor", body = ErrorBody),
    )
)]
#[get("/monitors/{id}/stats")]
pub async fn get(
    store: web::Data<Store>,
    monitors: web::Data<MonitorService>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<MonitorStats>> {
    let id = id.into_inner();
    let monitor = monitors.get(id).await?;
    let windows = store.monitor_windows(&monitor, now_ms()).await?;
    Ok(web::Json(MonitorStats {
        monitor_id: id,
        windows: windows.iter().map(window_to_api).collect(),
    }))
}

/// Query of `GET /monitors/{id}/latency`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct LatencyQuery {
    /// `1h`, `24h` (default), `7d`, `30d` or `90d`.
    #[param(schema_with = window_schema)]
    window: Option<String>,
}

fn window_schema() -> utoipa::openapi::Object {
    super::string_enum(&["1h", "24h", "7d", "30d", "90d"])
}

/// A latency series for charts: min, average and p99 of successful checks, and check counts,
/// per point (at most 361 points), from rollups.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id"), LatencyQuery),
    responses(
        (status = 200, description = "The series", body = LatencySeries),
        (status = 404, description = "No such monitor", body = ErrorBody),
        (status = 422, description = "Unknown window", body = ErrorBody),
    )
)]
#[get("/monitors/{id}/latency")]
pub async fn latency(
    store: web::Data<Store>,
    monitors: web::Data<MonitorService>,
    id: web::Path<i64>,
    query: web::Query<LatencyQuery>,
) -> ApiResult<web::Json<LatencySeries>> {
    let id = id.into_inner();
    let name = query.into_inner().window.unwrap_or_else(|| "24h".into());
    let spec = SERIES
        .iter()
        .find(|s| s.name == name)
        .copied()
        .ok_or_else(|| ApiError::Validation {
            field: "window".into(),
            message: "must be one of 1h, 24h, 7d, 30d, 90d".into(),
        })?;
    monitors.get(id).await?;
    let points = store.latency_series(id, spec, now_ms()).await?;
    Ok(web::Json(LatencySeries {
        monitor_id: id,
        window: spec.name.to_owned(),
        step_seconds: (spec.step / 1000) as u64,
        points: points
            .into_iter()
            .map(|p| LatencyPoint {
                at: rfc3339(p.at_ms),
                checks: p.checks.max(0) as u64,
                failed_checks: p.failed.max(0) as u64,
                min_ms: p.min_ms,
                avg_ms: p.avg_ms,
                p99_ms: p.p99_ms,
            })
            .collect(),
    }))
}

/// Query of `GET /monitors/{id}/uptime-bars`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct BarsQuery {
    /// Days, 1–365 (default 90), today included.
    #[param(minimum = 1, maximum = 365)]
    days: Option<i64>,
}

/// Per-day uptime for the classic uptime bar: time-weighted per UTC day, with check counts.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id"), BarsQuery),
    responses(
        (status = 200, description = "One bar per day, oldest first", body = UptimeBars),
        (status = 404, description = "No such monitor", body = ErrorBody),
        (status = 422, description = "days out of range", body = ErrorBody),
    )
)]
#[get("/monitors/{id}/uptime-bars")]
pub async fn uptime_bars(
    store: web::Data<Store>,
    monitors: web::Data<MonitorService>,
    id: web::Path<i64>,
    query: web::Query<BarsQuery>,
) -> ApiResult<web::Json<UptimeBars>> {
    let id = id.into_inner();
    let days = query.into_inner().days.unwrap_or(90);
    if !(1..=365).contains(&days) {
        return Err(ApiError::Validation {
            field: "days".into(),
            message: "must be between 1 and 365".into(),
        });
    }
    let monitor = monitors.get(id).await?;
    let bars = store.uptime_bars(&monitor, days, now_ms()).await?;
    Ok(web::Json(UptimeBars {
        monitor_id: id,
        days: bars
            .into_iter()
            .map(|b| UptimeBar {
                date: rfc3339(b.day_ms).chars().take(10).collect(),
                uptime_pct: b.uptime_pct,
                downtime_seconds: b.downtime_ms as f64 / 1000.0,
                maintenance_seconds: b.maintenance_ms as f64 / 1000.0,
                checks: b.checks.max(0) as u64,
                failed_checks: b.failed.max(0) as u64,
            })
            .collect(),
    }))
}
