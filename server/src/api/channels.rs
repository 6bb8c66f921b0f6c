//! `/notification-channels`: where alerts go. Secrets are masked in every answer.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use flatline_store::{Store, StoredChannel};
use flatline_types::{
    CreateChannel, Delivery, ErrorBody, NotificationChannel, PatchChannel, TestOutcome,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{channel_to_api, delivery_to_api};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::service::ChannelService;

/// Channels as the API shows them: secrets masked, each with the monitors linked to it.
pub(super) async fn shown(
    channels: &ChannelService,
    stored: Vec<StoredChannel>,
) -> ApiResult<Vec<NotificationChannel>> {
    let mut links = channels.links().await?;
    Ok(stored
        .into_iter()
        .map(|c| {
            let ids = links.remove(&c.id).unwrap_or_default();
            channel_to_api(c, ids)
        })
        .collect())
}

/// One channel as the API shows it.
pub(super) async fn shown_one(
    channels: &ChannelService,
    channel: StoredChannel,
) -> ApiResult<NotificationChannel> {
    shown(channels, vec![channel])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("a channel went missing".into()))
}

/// Create a channel. With `default`, monitors created from now on get it; with
/// `apply_to_existing` too, every existing monitor is linked to it at once.
#[utoipa::path(
    tag = "notifications",
    request_body = CreateChannel,
    responses(
        (status = 201, description = "Created (secrets masked)", body = NotificationChannel),
        (status = 400, description = "Body is not JSON", body = ErrorBody),
        (status = 409, description = "The `key` is another's", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it (`config.url`, …)", body = ErrorBody),
    )
)]
#[post("/notification-channels")]
pub async fn create(
    channels: web::Data<ChannelService>,
    body: ApiJson<CreateChannel>,
) -> ApiResult<HttpResponse> {
    let channel = channels.create(body.0).await?;
    let id = channel.id;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/notification-channels/{id}")))
        .json(shown_one(&channels, channel).await?))
}

/// Every channel, by id, with the monitors linked to it. Secrets masked.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, description = "All channels", body = [NotificationChannel]))
)]
#[get("/notification-channels")]
pub async fn list(
    channels: web::Data<ChannelService>,
) -> ApiResult<web::Json<Vec<NotificationChannel>>> {
    let all = channels.list().await?;
    Ok(web::Json(shown(&channels, all).await?))
}

/// One channel. Secrets masked.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    responses(
        (status = 200, description = "The channel", body = NotificationChannel),
        (status = 404, description = "No such channel", body = ErrorBody),
    )
)]
#[get("/notification-channels/{id}")]
pub async fn get(
    channels: web::Data<ChannelService>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<NotificationChannel>> {
    let channel = channels.get(id.into_inner()).await?;
    Ok(web::Json(shown_one(&channels, channel).await?))
}

/// Change a channel. `config` may be partial: with the same `type`, absent fields, and
/// secrets sent back still masked (`***`), keep their stored value.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    request_body = PatchChannel,
    responses(
        (status = 200, description = "The updated channel", body = NotificationChannel),
        (status = 404, description = "No such channel", body = ErrorBody),
        (status = 409, description = "The `key` is another's", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[patch("/notification-channels/{id}")]
pub async fn patch(
    channels: web::Data<ChannelService>,
    id: web::Path<i64>,
    body: ApiJson<PatchChannel>,
) -> ApiResult<web::Json<NotificationChannel>> {
    let updated = channels.update(id.into_inner(), body.0).await?;
    Ok(web::Json(shown_one(&channels, updated).await?))
}

/// Delete a channel, its links and its delivery history. Pending deliveries are dropped.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such channel", body = ErrorBody),
    )
)]
#[delete("/notification-channels/{id}")]
pub async fn delete(
    channels: web::Data<ChannelService>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    channels.delete(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a test message now (once, no retries) and report how the channel answered. The
/// attempt is recorded among the channel's deliveries as event `test`.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id")),
    responses(
        (status = 200, description = "Attempted; `ok` tells whether the channel accepted it", body = TestOutcome),
        (status = 404, description = "No such channel", body = ErrorBody),
    )
)]
#[post("/notification-channels/{id}/test")]
pub async fn test(
    channels: web::Data<ChannelService>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<TestOutcome>> {
    Ok(web::Json(channels.test(id.into_inner()).await?))
}

/// Paging of a delivery list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// How many deliveries (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

/// A channel's recent deliveries, newest first: event, status, attempts, last error.
#[utoipa::path(
    tag = "notifications",
    params(("id" = i64, Path, description = "Channel id"), DeliveriesQuery),
    responses(
        (status = 200, description = "Deliveries, newest first", body = [Delivery]),
        (status = 404, description = "No such channel", body = ErrorBody),
        (status = 422, description = "`limit` out of range", body = ErrorBody),
    )
)]
#[get("/notification-channels/{id}/deliveries")]
pub async fn deliveries(
    channels: web::Data<ChannelService>,
    store: web::Data<Store>,
    id: web::Path<i64>,
    query: web::Query<DeliveriesQuery>,
) -> ApiResult<web::Json<Vec<Delivery>>> {
    let id = id.into_inner();
    let limit = super::limit_param(query.limit)?;
    channels.get(id).await?;
    let rows = store.channel_deliveries(id, limit).await?;
    Ok(web::Json(
        rows.iter().map(delivery_to_api).collect::<Result<_, _>>()?,
    ))
}
