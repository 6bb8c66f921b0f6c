//! `/maintenance`: maintenance windows, one-off or recurring. While one is under way its
//! monitors read `maintenance`: checked and stored, but their failures open no incident and
//! alert no one, and the time is left out of uptime.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use flatline_actors::maintenance::MaintenanceHandle;
use flatline_actors::StatusBoard;
use flatline_store::clock::{now_ms, rfc3339};
use flatline_store::{Resource, Store, StoredMaintenance};
use flatline_types::occurrences::Plan;
use flatline_types::{
    validate_key_change, CreateMaintenance, ErrorBody, Maintenance, Occurrence, PatchMaintenance,
};

use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::markdown::to_safe_html;
use crate::pages::StatusPages;

/// How many upcoming occurrences a window lists.
const UPCOMING: usize = 5;

fn occurrence((s, e): (i64, i64)) -> Occurrence {
    Occurrence {
        starts_at: rfc3339(s),
        ends_at: rfc3339(e),
    }
}

/// A window as the API shows it, with its occurrence under way and the next ones.
pub fn maintenance_to_api(w: &StoredMaintenance, now: i64) -> Maintenance {
    let plan = Plan::of(&w.spec, w.created_at_ms).ok();
    let s = &w.spec;
    Maintenance {
        id: w.id,
        key: w.key.clone(),
        managed: w.applied.is_some(),
        title: s.title.clone(),
        description: s.description.clone(),
        description_html: to_safe_html(&s.description),
        monitors: s.monitors.clone(),
        all: s.all,
        starts_at: s.starts_at.clone(),
        ends_at: s.ends_at.clone(),
        rrule: s.rrule.clone(),
        timezone: s.timezone.clone(),
        duration_minutes: s.duration_minutes,
        notify: s.notify,
        active: plan.as_ref().and_then(|p| p.active_at(now)).map(occurrence),
        upcoming: plan
            .map(|p| {
                p.upcoming(now, UPCOMING)
                    .into_iter()
                    .map(occurrence)
                    .collect()
            })
            .unwrap_or_default(),
        created_at: rfc3339(w.created_at_ms),
        updated_at: rfc3339(w.updated_at_ms),
    }
}

/// A window checked whole: fields, times, rule, and that its monitors exist.
fn check(
    board: &StatusBoard,
    spec: CreateMaintenance,
    created_ms: i64,
) -> ApiResult<CreateMaintenance> {
    let spec = spec.validated()?;
    Plan::of(&spec, created_ms)?;
    if !spec.all {
        for (i, id) in spec.monitors.iter().enumerate() {
            let mut exists = false;
            board.visit([*id], |_, live| {
                exists = live.is_some_and(|l| l.monitor.is_some())
            });
            if !exists {
                return Err(ApiError::Validation {
                    field: format!("monitors[{i}]"),
                    message: format!("monitor {id} does not exist"),
                });
            }
        }
    }
    Ok(spec)
}

fn no_window(id: i64) -> ApiError {
    ApiError::NotFound {
        what: "maintenance window",
        id,
    }
}

/// Create a maintenance window: `starts_at` and `ends_at`, or a recurrence (`rrule`,
/// `timezone`, `duration_minutes`).
#[utoipa::path(
    tag = "maintenance",
    request_body = CreateMaintenance,
    responses(
        (status = 201, description = "Created", body = Maintenance),
        (status = 409, description = "The `key` is another's", body = ErrorBody),
        (status = 422, description = "A field is invalid (or names a monitor that does not exist); `field` names it", body = ErrorBody),
    )
)]
#[post("/maintenance")]
pub async fn create(
    store: web::Data<Store>,
    board: web::Data<StatusBoard>,
    engine: web::Data<MaintenanceHandle>,
    pages: web::Data<StatusPages>,
    body: ApiJson<CreateMaintenance>,
) -> ApiResult<HttpResponse> {
    let now = now_ms();
    let mut spec = check(&board, body.0, now)?;
    let window = match spec.key.take() {
        None => store.insert_maintenance(&spec, now).await?,
        Some(key) => {
            let batch = store.batch().await?;
            let mut window = batch.insert_maintenance(&spec, now).await?;
            batch
                .mark(Resource::Maintenance, window.id, Some(&key), None)
                .await?;
            batch.commit().await?;
            window.key = Some(key);
            window
        }
    };
    engine.changed();
    pages.changed();
    tracing::info!(window_id = window.id, "maintenance window created");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/maintenance/{}", window.id)))
        .json(maintenance_to_api(&window, now)))
}

/// Every maintenance window, oldest first, each with its occurrence under way and the next
/// five.
#[utoipa::path(
    tag = "maintenance",
    responses((status = 200, description = "All windows", body = [Maintenance]))
)]
#[get("/maintenance")]
pub async fn list(store: web::Data<Store>) -> ApiResult<web::Json<Vec<Maintenance>>> {
    let now = now_ms();
    Ok(web::Json(
        store
            .list_maintenance()
            .await?
            .iter()
            .map(|w| maintenance_to_api(w, now))
            .collect(),
    ))
}

/// One maintenance window.
#[utoipa::path(
    tag = "maintenance",
    params(("id" = i64, Path, description = "Window id")),
    responses(
        (status = 200, description = "The window", body = Maintenance),
        (status = 404, description = "No such window", body = ErrorBody),
    )
)]
#[get("/maintenance/{id}")]
pub async fn get(store: web::Data<Store>, id: web::Path<i64>) -> ApiResult<web::Json<Maintenance>> {
    let id = id.into_inner();
    let w = store
        .get_maintenance(id)
        .await?
        .ok_or_else(|| no_window(id))?;
    Ok(web::Json(maintenance_to_api(&w, now_ms())))
}

/// Change a maintenance window: the fields given replace its own. Takes effect at once (a
/// window that no longer covers now ends now).
#[utoipa::path(
    tag = "maintenance",
    params(("id" = i64, Path, description = "Window id")),
    request_body = PatchMaintenance,
    responses(
        (status = 200, description = "Changed", body = Maintenance),
        (status = 404, description = "No such window", body = ErrorBody),
        (status = 409, description = "The `key` is another's", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[patch("/maintenance/{id}")]
pub async fn patch(
    store: web::Data<Store>,
    board: web::Data<StatusBoard>,
    engine: web::Data<MaintenanceHandle>,
    pages: web::Data<StatusPages>,
    id: web::Path<i64>,
    body: ApiJson<PatchMaintenance>,
) -> ApiResult<web::Json<Maintenance>> {
    let id = id.into_inner();
    let current = store
        .get_maintenance(id)
        .await?
        .ok_or_else(|| no_window(id))?;
    let mut body = body.0;
    let key = validate_key_change("key", body.key.take())?;
    let spec = check(&board, body.apply(&current.spec), current.created_at_ms)?;
    let now = now_ms();
    if let Some(key) = key {
        store
            .set_key(Resource::Maintenance, id, key.as_deref())
            .await?;
    }
    let window = store
        .update_maintenance(id, &spec, now)
        .await?
        .ok_or_else(|| no_window(id))?;
    engine.changed();
    pages.changed();
    Ok(web::Json(maintenance_to_api(&window, now)))
}

/// Delete a maintenance window; one under way ends now. The time its monitors already spent
/// in it stays left out of their uptime.
#[utoipa::path(
    tag = "maintenance",
    params(("id" = i64, Path, description = "Window id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such window", body = ErrorBody),
    )
)]
#[delete("/maintenance/{id}")]
pub async fn delete(
    store: web::Data<Store>,
    engine: web::Data<MaintenanceHandle>,
    pages: web::Data<StatusPages>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if !store.delete_maintenance(id).await? {
        return Err(no_window(id));
    }
    engine.changed();
    pages.changed();
    Ok(HttpResponse::NoContent().finish())
}
