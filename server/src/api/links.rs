//! `/monitors/{id}/notifications`: which channels hear of a monitor's incidents.

use actix_web::{delete, get, post, web, HttpResponse};
use flatline_types::{ErrorBody, LinkChannel, NotificationChannel};

use super::channels::{shown, shown_one};
use crate::error::ApiResult;
use crate::json::ApiJson;
use crate::service::ChannelService;

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
    channels: web::Data<ChannelService>,
    id: web::Path<i64>,
    body: ApiJson<LinkChannel>,
) -> ApiResult<HttpResponse> {
    let (channel, created) = channels.link(id.into_inner(), body.0.channel_id).await?;
    let shown = shown_one(&channels, channel).await?;
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
    channels: web::Data<ChannelService>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<NotificationChannel>>> {
    let linked = channels.of_monitor(id.into_inner()).await?;
    Ok(web::Json(shown(&channels, linked).await?))
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
    channels: web::Data<ChannelService>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, channel_id) = path.into_inner();
    channels.unlink(id, channel_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
