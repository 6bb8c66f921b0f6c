//! `/monitors/{id}/notifications`: which channels hear of a monitor's incidents.

use actix_web::{delete, get, post, web, HttpResponse};
use flatline_store::clock::now_ms;
use flatline_types::{ErrorBody, LinkChannel, NotificationChannel};

use super::channels::{require_channel, shown, with_links};
use super::require_monitor;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;

/// Link a channel to a monitor: it hears of the monitor's incidents from now on. 201 when
/// newly linked, 200 when it already was.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Monitor id")),
    request_body = LinkChannel,
    responses(
        (status = 201, description = "Linked", body = NotificationChannel),
        (status = 200, description = "Was linked already", body = NotificationChannel),
        (status = 404, description = "No such monitor", body = ErrorBody),
        (status = 422, description = "No such channel (`field`: `channel_id`)", body = ErrorBody),
    )
)]
#[post("/monitors/{id}/notifications")]
pub async fn link(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<LinkChannel>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    require_monitor(&state, id).await?;
    let channel_id = body.0.channel_id;
    let channel = require_channel(&state, channel_id)
        .await
        .map_err(|_| ApiError::Validation {
            field: "channel_id".into(),
            message: format!("notification channel {channel_id} does not exist"),
        })?;
    let created = state.store.link_channel(id, channel_id, now_ms()).await?;
    if created {
        tracing::info!(monitor_id = id, channel_id, "channel linked");
    }
    let shown = shown(&state, channel).await?;
    Ok(if created {
        HttpResponse::Created().json(shown)
    } else {
        HttpResponse::Ok().json(shown)
    })
}

/// The channels linked to a monitor. Secrets masked.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Monitor id")),
    responses(
        (status = 200, description = "Linked channels", body = [NotificationChannel]),
        (status = 404, description = "No such monitor", body = ErrorBody),
    )
)]
#[get("/monitors/{id}/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<NotificationChannel>>> {
    let id = id.into_inner();
    require_monitor(&state, id).await?;
    let channels = state.store.monitor_channels(id).await?;
    Ok(web::Json(with_links(&state, channels).await?))
}

/// Unlink a channel from a monitor. Notices already queued are still delivered.
#[utoipa::path(
    tag = "notifications",
    params(
        ("id" = i64, Path, description = "Monitor id"),
        ("channel_id" = i64, Path, description = "Channel id"),
    ),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 404, description = "No such monitor, or the channel is not linked to it", body = ErrorBody),
    )
)]
#[delete("/monitors/{id}/notifications/{channel_id}")]
pub async fn unlink(
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, channel_id) = path.into_inner();
    require_monitor(&state, id).await?;
    if !state.store.unlink_channel(id, channel_id).await? {
        return Err(ApiError::NotFound {
            what: "link to notification channel",
            id: channel_id,
        });
    }
    tracing::info!(monitor_id = id, channel_id, "channel unlinked");
    Ok(HttpResponse::NoContent().finish())
}
