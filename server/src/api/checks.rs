//! `/monitors/{id}/checks`: every check of a monitor, newest first, paged by cursor.

use actix_web::{get, web};
use flatline_store::Store;
use flatline_types::{Check, ErrorBody};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::check_to_api;
use crate::error::ApiResult;
use crate::service::MonitorService;

/// Paging of a check list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChecksQuery {
    /// How many checks (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// Only checks older than the check with this id: pass the last id of the previous page.
    before: Option<i64>,
    /// Only checks from this location (`local`, or a remote probe's).
    #[param(pattern = r"^[a-z0-9][a-z0-9-]{0,31}$")]
    location: Option<String>,
}

/// A monitor's checks, newest first.
#[utoipa::path(
    tag = "monitors",
    params(("id" = i64, Path, description = "Monitor id"), ChecksQuery),
    responses(
        (status = 200, description = "Checks, newest first", body = [Check]),
        (status = 404, description = "No such monitor", body = ErrorBody),
        (status = 422, description = "`limit` out of range, or `location` not a location name", body = ErrorBody),
    )
)]
#[get("/monitors/{id}/checks")]
pub async fn list(
    store: web::Data<Store>,
    monitors: web::Data<MonitorService>,
    id: web::Path<i64>,
    query: web::Query<ChecksQuery>,
) -> ApiResult<web::Json<Vec<Check>>> {
    let id = id.into_inner();
    let limit = super::limit_param(query.limit)?;
    monitors.get(id).await?;
    let checks = match &query.location {
        Some(location) => {
            flatline_types::validate_location("location", location)?;
            store
                .list_checks_at(id, location, limit, query.before)
                .await?
        }
        None => store.list_checks(id, limit, query.before).await?,
    };
    Ok(web::Json(checks.iter().map(check_to_api).collect()))
}
