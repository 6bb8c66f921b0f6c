//! `/incidents` and `/monitors/{id}/incidents`: open ones first, then newest first; one
//! incident with its updates, and the updates its handlers write.

use actix_web::{delete, get, post, web, HttpResponse};
use flatline_store::clock::now_ms;
use flatline_store::escalation::{Ack, AckOutcome};
use flatline_store::Store;
use flatline_types::{AckIncident, CreateIncidentUpdate, ErrorBody, Incident, IncidentUpdate};
use serde::Deserialize;
use utoipa::IntoParams;

use super::limit_param;
use super::views::{incident_to_api, incident_update_to_api};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::pages::StatusPages;
use crate::service::MonitorService;

/// Paging of an incident list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentsQuery {
    /// How many incidents (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

/// A monitor's incidents.
#[utoipa::path(
    tag = "incidents",
    params(("id" = i64, Path, description = "Monitor id"), IncidentsQuery),
    responses(
        (status = 200, description = "Incidents, open first", body = [Incident]),
        (status = 404, description = "No such monitor", body = ErrorBody),
    )
)]
#[get("/monitors/{id}/incidents")]
pub async fn list_for_monitor(
    store: web::Data<Store>,
    monitors: web::Data<MonitorService>,
    id: web::Path<i64>,
    query: web::Query<IncidentsQuery>,
) -> ApiResult<web::Json<Vec<Incident>>> {
    let id = id.into_inner();
    let limit = limit_param(query.limit)?;
    monitors.get(id).await?;
    let list = store.list_incidents(Some(id), limit).await?;
    Ok(web::Json(list.iter().map(incident_to_api).collect()))
}

/// Incidents of every monitor.
#[utoipa::path(
    tag = "incidents",
    params(IncidentsQuery),
    responses((status = 200, description = "Incidents, open first", body = [Incident]))
)]
#[get("/incidents")]
pub async fn list_all(
    store: web::Data<Store>,
    query: web::Query<IncidentsQuery>,
) -> ApiResult<web::Json<Vec<Incident>>> {
    let limit = limit_param(query.limit)?;
    let list = store.list_incidents(None, limit).await?;
    Ok(web::Json(list.iter().map(incident_to_api).collect()))
}

/// One incident, with its updates (oldest first).
#[utoipa::path(
    tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 200, description = "The incident with `updates`", body = Incident),
        (status = 404, description = "No such incident", body = ErrorBody),
    )
)]
#[get("/incidents/{id}")]
pub async fn get(store: web::Data<Store>, id: web::Path<i64>) -> ApiResult<web::Json<Incident>> {
    let id = id.into_inner();
    let incident = store
        .get_incident(id)
        .await?
        .ok_or_else(|| no_incident(id))?;
    let mut shown = incident_to_api(&incident);
    shown.updates = Some(updates_of(&store, id).await?);
    Ok(web::Json(shown))
}

/// An incident's updates, oldest first.
#[utoipa::path(
    tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses(
        (status = 200, description = "Its updates, oldest first", body = [IncidentUpdate]),
        (status = 404, description = "No such incident", body = ErrorBody),
    )
)]
#[get("/incidents/{id}/updates")]
pub async fn list_updates(
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<IncidentUpdate>>> {
    let id = id.into_inner();
    if store.get_incident(id).await?.is_none() {
        return Err(no_incident(id));
    }
    Ok(web::Json(updates_of(&store, id).await?))
}

/// Tell the incident's readers where its handling stands: `investigating`, `identified`,
/// `monitoring` or `resolved`, with a Markdown message. Words only: the incident itself
/// opens and resolves with the monitor's checks.
#[utoipa::path(
    tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    request_body = CreateIncidentUpdate,
    responses(
        (status = 201, description = "Added", body = IncidentUpdate),
        (status = 404, description = "No such incident", body = ErrorBody),
    )
)]
#[post("/incidents/{id}/updates")]
pub async fn add_update(
    store: web::Data<Store>,
    pages: web::Data<StatusPages>,
    principal: Principal,
    id: web::Path<i64>,
    body: ApiJson<CreateIncidentUpdate>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let message = body.0.validated_message()?;
    let added = store
        .add_incident_update(
            id,
            body.0.state.as_str(),
            &message,
            &principal.author(),
            now_ms(),
        )
        .await?
        .ok_or_else(|| no_incident(id))?;
    pages.changed();
    tracing::info!(
        incident_id = id,
        update_id = added.id,
        "incident update added"
    );
    Ok(HttpResponse::Created().json(incident_update_to_api(&added)?))
}

/// Delete one update of an incident.
#[utoipa::path(
    tag = "incidents",
    params(
        ("id" = i64, Path, description = "Incident id"),
        ("update_id" = i64, Path, description = "Update id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such incident or update", body = ErrorBody),
    )
)]
#[delete("/incidents/{id}/updates/{update_id}")]
pub async fn delete_update(
    store: web::Data<Store>,
    pages: web::Data<StatusPages>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, update_id) = path.into_inner();
    if !store.delete_incident_update(id, update_id).await? {
        return Err(ApiError::NotFound {
            what: "incident update",
            id: update_id,
        });
    }
    pages.changed();
    Ok(HttpResponse::NoContent().finish())
}

/// Take an open incident: says someone is on it, stops its escalation (later steps of its
/// monitor's escalation policy are not sent) and its reminders. Once: a second
/// acknowledgement, or one of a resolved incident, is a 409. The body (`{"note": …}`) is
/// optional.
#[utoipa::path(
    tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    request_body(content = Option<AckIncident>, description = "An optional note"),
    responses(
        (status = 200, description = "Acknowledged", body = Incident),
        (status = 404, description = "No such incident", body = ErrorBody),
        (status = 409, description = "Acknowledged already, or resolved", body = ErrorBody),
    )
)]
#[post("/incidents/{id}/ack")]
pub async fn acknowledge(
    store: web::Data<Store>,
    principal: Principal,
    id: web::Path<i64>,
    body: web::Bytes,
) -> ApiResult<web::Json<Incident>> {
    let id = id.into_inner();
    let text = std::str::from_utf8(&body).unwrap_or_default().trim();
    let body: AckIncident = if body.iter().all(u8::is_ascii_whitespace) || text == "null" {
        AckIncident::default()
    } else {
        crate::json::parse(&body)?
    };
    let ack = Ack {
        by: principal.author(),
        via: principal.ack_via(),
        note: body.validated_note()?,
    };
    match store.acknowledge(id, &ack, now_ms()).await? {
        AckOutcome::Acknowledged(i) => {
            tracing::info!(
                incident_id = id,
                monitor_id = i.monitor_id,
                via = ack.via,
                "incident acknowledged"
            );
            Ok(web::Json(incident_to_api(&i)))
        }
        AckOutcome::Already(i) => Err(ApiError::Conflict(format!(
            "incident {id} was acknowledged already by {}",
            i.acknowledged_by.unwrap_or_default()
        ))),
        AckOutcome::Resolved(_) => Err(ApiError::Conflict(format!(
            "incident {id} is resolved: there is nothing to acknowledge"
        ))),
        AckOutcome::NotFound => Err(no_incident(id)),
    }
}

fn no_incident(id: i64) -> ApiError {
    ApiError::NotFound {
        what: "incident",
        id,
    }
}

async fn updates_of(store: &Store, incident_id: i64) -> ApiResult<Vec<IncidentUpdate>> {
    store
        .list_incident_updates(incident_id)
        .await?
        .iter()
        .map(|u| incident_update_to_api(u).map_err(ApiError::from))
        .collect()
}
