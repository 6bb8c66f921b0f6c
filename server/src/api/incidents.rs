//! `/incidents` and `/monitors/{id}/incidents`: open ones first, then newest first.

use actix_web::{get, web};
use flatline_store::Store;
use flatline_types::{ErrorBody, Incident};
use serde::Deserialize;
use utoipa::IntoParams;

use super::limit_param;
use super::views::incident_to_api;
use crate::error::ApiResult;
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
