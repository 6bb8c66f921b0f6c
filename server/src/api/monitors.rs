//! `/monitors`: create, list, read, update, delete.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use flatline_actors::messages::{Remove, Upsert};
use flatline_store::clock::now_ms;
use flatline_types::{CreateMonitor, ErrorBody, Monitor, PatchMonitor};

use super::{monitor_not_found, require_monitor};
use crate::error::ApiResult;
use crate::json::ApiJson;
use crate::state::{monitor_to_api, monitor_view, AppState};

/// Create a monitor; it is checked at once and then every `interval_seconds`.
#[utoipa::path(
    tag = "monitors",
    request_body = CreateMonitor,
    responses(
        (status = 201, description = "Created", body = Monitor),
        (status = 400, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[post("/monitors")]
pub async fn create(
    state: web::Data<AppState>,
    body: ApiJson<CreateMonitor>,
) -> ApiResult<HttpResponse> {
    let spec = body.0.into_spec()?;
    let stored = state.store.insert_monitor(&spec, now_ms()).await?;
    state
        .registry
        .send(Upsert {
            monitor: stored.clone(),
            check_now: true,
        })
        .await?;
    tracing::info!(monitor_id = stored.id, "monitor created");
    let id = stored.id;
    let live = state.board.get(id);
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/monitors/{id}")))
        .json(monitor_to_api(stored, live)))
}

/// Every monitor, by id, with its current status, newest check and headline numbers
/// (`stats`: uptime over 24h/7d/30d/90d and P99, refreshed in the background about every
/// 30 s). Answered from memory, without a query.
#[utoipa::path(
    tag = "monitors",
    responses((status = 200, description = "All monitors", body = [Monitor]))
)]
#[get("/monitors")]
pub async fn list(state: web::Data<AppState>) -> ApiResult<web::Json<Vec<Monitor>>> {
    let mut monitors: Vec<Monitor> = state.board.with_all(|all| {
        all.values()
            .filter_map(|live| live.monitor.as_deref().map(|m| monitor_view(m, live)))
            .collect()
    });
    monitors.sort_unstable_by_key(|m| m.id);
    Ok(web::Json(monitors))
}

/// One monitor.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 200, description = "The monitor", body = Monitor),
        (status = 404, description = "No such monitor", body = ErrorBody),
    )
)]
#[get("/monitors/{id}")]
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult<web::Json<Monitor>> {
    let id = id.into_inner();
    let m = require_monitor(&state, id).await?;
    Ok(web::Json(monitor_to_api(m, state.board.get(id))))
}

/// Change some fields of a monitor; absent fields keep their value. Applies at once.
/// `enabled: false` pauses the monitor, `enabled: true` resumes it.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id")),
    request_body = PatchMonitor,
    responses(
        (status = 200, description = "The updated monitor", body = Monitor),
        (status = 400, description = "Body is not JSON", body = ErrorBody),
        (status = 404, description = "No such monitor", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[patch("/monitors/{id}")]
pub async fn patch(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<PatchMonitor>,
) -> ApiResult<web::Json<Monitor>> {
    let id = id.into_inner();
    let current = require_monitor(&state, id).await?;
    let spec = body.0.apply(&current.spec)?;
    let updated = state
        .store
        .update_monitor(id, &spec, now_ms())
        .await?
        .ok_or_else(|| monitor_not_found(id))?;
    state
        .registry
        .send(Upsert {
            monitor: updated.clone(),
            check_now: true,
        })
        .await?;
    tracing::info!(monitor_id = id, enabled = spec.enabled, "monitor updated");
    Ok(web::Json(monitor_to_api(updated, state.board.get(id))))
}

/// Delete a monitor: its checks stop at once and its checks and incidents are removed.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such monitor", body = ErrorBody),
    )
)]
#[delete("/monitors/{id}")]
pub async fn delete(state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let stored = require_monitor(&state, id).await?;
    // Stop the actor first so no check of it is started after its data is gone.
    state.registry.send(Remove(id)).await?;
    if let Err(e) = state.store.delete_monitor(id).await {
        // Still stored, so it must still run: the running set follows what is stored.
        state.registry.do_send(Upsert {
            monitor: stored,
            check_now: true,
        });
        return Err(e.into());
    }
    tracing::info!(monitor_id = id, "monitor deleted");
    Ok(HttpResponse::NoContent().finish())
}
