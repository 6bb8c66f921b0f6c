//! `/notification-channels`: where alerts go. Secrets are masked in every answer.

use std::time::Instant;

use actix_web::{delete, get, patch, post, web, HttpResponse};
use flatline_actors::notifier::notice::Notice;
use flatline_actors::notifier::send::{self, Outcome};
use flatline_store::clock::now_ms;
use flatline_store::deliveries::AttemptRecord;
use flatline_store::StoredChannel;
use flatline_types::{
    validate_channel_name, CreateChannel, Delivery, DeliveryStatus, ErrorBody, NotificationChannel,
    PatchChannel, TestOutcome,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::{channel_to_api, delivery_to_api, AppState};

/// The 404 for an unknown channel id.
pub fn channel_not_found(id: i64) -> ApiError {
    ApiError::NotFound {
        what: "notification channel",
        id,
    }
}

/// The stored channel `id`, or a 404.
pub async fn require_channel(state: &AppState, id: i64) -> ApiResult<StoredChannel> {
    state
        .store
        .get_channel(id)
        .await?
        .ok_or_else(|| channel_not_found(id))
}

/// One channel as the API shows it, with the monitors linked to it.
pub async fn shown(state: &AppState, channel: StoredChannel) -> ApiResult<NotificationChannel> {
    with_links(state, vec![channel])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("a channel went missing".into()))
}

/// Channels as the API shows them, each with the monitors linked to it.
pub async fn with_links(
    state: &AppState,
    channels: Vec<StoredChannel>,
) -> ApiResult<Vec<NotificationChannel>> {
    let mut links = state.store.channel_links().await?;
    Ok(channels
        .into_iter()
        .map(|c| {
            let ids = links.remove(&c.id).unwrap_or_default();
            channel_to_api(c, ids)
        })
        .collect())
}

/// Create a channel. With `default`, monitors created from now on get it; with
/// `apply_to_existing` too, every existing monitor is linked to it at once.
#[utoipa::path(
    tag = "notifications",
    request_body = CreateChannel,
    responses(
        (status = 201, description = "Created (secrets masked)", body = NotificationChannel),
        (status = 400, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it (`config.url`, …)", body = ErrorBody),
    )
)]
#[post("/notification-channels")]
pub async fn create(
    state: web::Data<AppState>,
    body: ApiJson<CreateChannel>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let name = validate_channel_name(&body.name)?;
    body.config.validate()?;
    let link_all = body.default && body.apply_to_existing;
    let channel = state
        .store
        .insert_channel(&name, &body.config, body.default, link_all, now_ms())
        .await?;
    tracing::info!(
        channel_id = channel.id,
        channel_type = channel.config.kind(),
        "notification channel created"
    );
    let id = channel.id;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/notification-channels/{id}")))
        .json(shown(&state, channel).await?))
}

/// Every channel, by id, with the monitors linked to it. Secrets masked.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, description = "All channels", body = [NotificationChannel]))
)]
#[get("/notification-channels")]
pub async fn list(state: web::Data<AppState>) -> ApiResult<web::Json<Vec<NotificationChannel>>> {
    let channels = state.store.list_channels().await?;
    Ok(web::Json(with_links(&state, channels).await?))
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
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<NotificationChannel>> {
    let channel = require_channel(&state, id.into_inner()).await?;
    Ok(web::Json(shown(&state, channel).await?))
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
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[patch("/notification-channels/{id}")]
pub async fn patch(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: ApiJson<PatchChannel>,
) -> ApiResult<web::Json<NotificationChannel>> {
    let id = id.into_inner();
    let current = require_channel(&state, id).await?;
    let body = body.0;
    let name = match &body.name {
        Some(n) => validate_channel_name(n)?,
        None => current.name.clone(),
    };
    let config = match body.config {
        Some(patch) => current.config.merge_patch(patch)?,
        None => current.config.clone(),
    };
    let is_default = body.default.unwrap_or(current.is_default);
    let updated = state
        .store
        .update_channel(id, &name, &config, is_default, now_ms())
        .await?
        .ok_or_else(|| channel_not_found(id))?;
    tracing::info!(channel_id = id, "notification channel updated");
    Ok(web::Json(shown(&state, updated).await?))
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
pub async fn delete(state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if !state.store.delete_channel(id).await? {
        return Err(channel_not_found(id));
    }
    tracing::info!(channel_id = id, "notification channel deleted");
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
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<TestOutcome>> {
    let channel = require_channel(&state, id.into_inner()).await?;
    let started_ms = now_ms();
    let row = state
        .store
        .start_test_delivery(channel.id, started_ms)
        .await?;
    let notice = Notice::test(&channel.name, row.id, started_ms);
    let timeout = state.notification_timeout;
    let started = Instant::now();
    let outcome = send::deliver(&send::client(timeout), &channel.config, &notice, timeout).await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (ok, status_code, error) = match outcome {
        Outcome::Sent { status } => (true, status, None),
        Outcome::Failed { error, status, .. } => (false, status, Some(error)),
    };
    let record = AttemptRecord {
        status: if ok {
            DeliveryStatus::Sent
        } else {
            DeliveryStatus::Failed
        },
        attempts: 1,
        next_attempt_at_ms: started_ms,
        error: error.clone(),
    };
    state
        .store
        .record_attempt(row.id, &record, now_ms())
        .await?;
    let outcome = if ok { "sent" } else { "failed" };
    state
        .engine_metrics
        .deliveries
        .with_label_values(&[channel.config.kind(), outcome])
        .inc();
    tracing::info!(channel_id = channel.id, ok, "test notification attempted");
    Ok(web::Json(TestOutcome {
        ok,
        status_code,
        error,
        duration_ms,
    }))
}

/// Paging of a delivery list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// How many deliveries (1–1000, default 100).
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
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<DeliveriesQuery>,
) -> ApiResult<web::Json<Vec<Delivery>>> {
    let id = id.into_inner();
    let limit = super::limit_param(query.limit)?;
    require_channel(&state, id).await?;
    let rows = state.store.channel_deliveries(id, limit).await?;
    Ok(web::Json(
        rows.iter().map(delivery_to_api).collect::<Result<_, _>>()?,
    ))
}
