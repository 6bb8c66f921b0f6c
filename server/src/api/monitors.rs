//! `/monitors`: create, list, read, update, delete.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use flatline_actors::cluster::ClusterView;
use flatline_actors::StatusBoard;
use flatline_types::{CreateMonitor, ErrorBody, Monitor, PatchMonitor};

use super::views::{monitor_to_api, monitor_view};
use crate::error::ApiResult;
use crate::json::ApiJson;
use crate::service::MonitorService;

/// Create a monitor; it is checked at once and then every `interval_seconds`. A push monitor
/// is not checked: its answer holds its `push_url` in full, the one time it is shown.
#[utoipa::path(
    tag = "monitors",
    request_body = CreateMonitor,
    responses(
        (status = 201, description = "Created", body = Monitor),
        (status = 400, description = "Body is not JSON", body = ErrorBody),
        (status = 409, description = "The `key` is another's", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[post("/monitors")]
pub async fn create(
    monitors: web::Data<MonitorService>,
    board: web::Data<StatusBoard>,
    body: ApiJson<CreateMonitor>,
) -> ApiResult<HttpResponse> {
    let (stored, token) = monitors.create(body.0).await?;
    let id = stored.id;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/monitors/{id}")))
        .json(monitor_to_api(stored, board.get(id), token.as_deref())))
}

/// Every monitor, by id, with its current status, newest check and headline numbers
/// (`stats`: uptime over 24h/7d/30d/90d and P99, refreshed in the background about every
/// 30 s). Answered from memory, without a query.
#[utoipa::path(
    tag = "monitors",
    responses((status = 200, description = "All monitors", body = [Monitor]))
)]
#[get("/monitors")]
pub async fn list(
    board: web::Data<StatusBoard>,
    cluster: web::Data<ClusterView>,
) -> ApiResult<web::Json<Vec<Monitor>>> {
    let cluster = cluster.snapshot();
    let mut monitors: Vec<Monitor> = board.with_all(|all| {
        all.values()
            .filter_map(|live| live.monitor.as_deref().map(|m| monitor_view(m, live)))
            .map(|mut m| {
                m.node = cluster.node_of(m.id);
                m
            })
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
pub async fn get(
    monitors: web::Data<MonitorService>,
    board: web::Data<StatusBoard>,
    cluster: web::Data<ClusterView>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Monitor>> {
    let id = id.into_inner();
    let m = monitors.get(id).await?;
    let mut view = monitor_to_api(m, board.get(id), None);
    view.node = cluster.node_of(id);
    Ok(web::Json(view))
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
        (status = 409, description = "The `key` is another's", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[patch("/monitors/{id}")]
pub async fn patch(
    monitors: web::Data<MonitorService>,
    board: web::Data<StatusBoard>,
    id: web::Path<i64>,
    body: ApiJson<PatchMonitor>,
) -> ApiResult<web::Json<Monitor>> {
    let id = id.into_inner();
    let (updated, token) = monitors.update(id, body.0).await?;
    Ok(web::Json(monitor_to_api(
        updated,
        board.get(id),
        token.as_deref(),
    )))
}

/// Give a push monitor a new token. The answer's `push_url` holds it in full, once; the old
/// URL stops working at once.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 200, description = "The monitor with its new push URL", body = Monitor),
        (status = 404, description = "No such monitor", body = ErrorBody),
        (status = 409, description = "Not a push monitor", body = ErrorBody),
    )
)]
#[post("/monitors/{id}/push-token")]
pub async fn rotate_push_token(
    monitors: web::Data<MonitorService>,
    board: web::Data<StatusBoard>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Monitor>> {
    let id = id.into_inner();
    let (updated, token) = monitors.rotate_push_token(id).await?;
    Ok(web::Json(monitor_to_api(
        updated,
        board.get(id),
        Some(&token),
    )))
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
pub async fn delete(
    monitors: web::Data<MonitorService>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    monitors.delete(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
