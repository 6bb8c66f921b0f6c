//! `/monitors/{id}/stats`: uptime and latency over 24 h, 7 d, 30 d, 90 d (and 365 d).

use actix_web::{get, web};
use flatline_actors::clock::now_ms;
use flatline_actors::store::windows::WindowStats as Window;
use flatline_types::{ErrorBody, MonitorStats, WindowStats};

use super::require_monitor;
use crate::error::ApiResult;
use crate::state::{rfc3339, AppState};

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
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<MonitorStats>> {
    let id = id.into_inner();
    let monitor = require_monitor(&state, id).await?;
    let windows = state.store.monitor_windows(&monitor, now_ms()).await?;
    Ok(web::Json(MonitorStats {
        monitor_id: id,
        windows: windows.iter().map(window_to_api).collect(),
    }))
}
