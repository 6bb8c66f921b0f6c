//! Push URLs: `/push/<token>` (GET or POST) reports a run of the watched job, `/fail` a failed
//! one (the body, if any, is the message), `/start` its start. Public by design (the token is
//! the secret), rate-limited per monitor; an unknown token is a 404 that costs a hash and a
//! map lookup.

use actix_web::{get, post, web, HttpResponse};
use flatline_actors::messages::{PushReply, PushSignal};
use flatline_types::ErrorBody;

use crate::api::scope_of_routes;
use crate::error::{ApiError, ApiResult};
use crate::service::MonitorService;

/// Longest token looked at; anything longer is no token of ours.
const MAX_TOKEN_LEN: usize = 64;

async fn answer(
    monitors: &MonitorService,
    token: &str,
    signal: PushSignal,
) -> ApiResult<HttpResponse> {
    let reply = if token.len() > MAX_TOKEN_LEN {
        PushReply::Unknown
    } else {
        monitors.push(token, signal).await?
    };
    Ok(match reply {
        PushReply::Accepted => HttpResponse::Ok().content_type("text/plain").body("OK\n"),
        PushReply::Paused => HttpResponse::Ok()
            .content_type("text/plain")
            .body("OK (the monitor is paused: ignored)\n"),
        PushReply::RateLimited => {
            return Err(ApiError::RateLimited(
                "too many pings for this monitor; at most a few per second".to_owned(),
            ))
        }
        PushReply::Unknown => {
            return Err(ApiError::NoRoute {
                method: "push".to_owned(),
                path: "/push/…".to_owned(),
            })
        }
    })
}

fn message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned();
    Some(text).filter(|t| !t.trim().is_empty())
}

/// Report a successful run of the job. Public: the token is the credential.
#[utoipa::path(tag = "push", security(()), params(("token" = String, Path, description = "The push token from the monitor's `push_url`")), responses(PushAnswer))]
#[get("/{token}")]
pub async fn success_get(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Success).await
}

/// Report a successful run of the job (the body is ignored). Public: the token is the credential.
#[utoipa::path(tag = "push", security(()), params(("token" = String, Path, description = "The push token from the monitor's `push_url`")), responses(PushAnswer))]
#[post("/{token}")]
pub async fn success_post(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Success).await
}

/// Report a failed run: the monitor goes down at once. Public: the token is the credential.
#[utoipa::path(tag = "push", security(()), params(("token" = String, Path, description = "The push token from the monitor's `push_url`")), responses(PushAnswer))]
#[get("/{token}/fail")]
pub async fn fail_get(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Fail(None)).await
}

/// Report a failed run: the monitor goes down at once; the body (its first 4 KiB) is the message. Public: the token is the credential.
#[utoipa::path(tag = "push", security(()), params(("token" = String, Path, description = "The push token from the monitor's `push_url`")), request_body(content = String, content_type = "text/plain", description = "What went wrong (optional)"), responses(PushAnswer))]
#[post("/{token}/fail")]
pub async fn fail_post(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Fail(message(&body))).await
}

/// Report that a run started (for run times, and to catch a run that never ends). Public: the token is the credential.
#[utoipa::path(tag = "push", security(()), params(("token" = String, Path, description = "The push token from the monitor's `push_url`")), responses(PushAnswer))]
#[get("/{token}/start")]
pub async fn start_get(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Start).await
}

/// Report that a run started (the body is ignored). Public: the token is the credential.
#[utoipa::path(tag = "push", security(()), params(("token" = String, Path, description = "The push token from the monitor's `push_url`")), responses(PushAnswer))]
#[post("/{token}/start")]
pub async fn start_post(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Start).await
}

/// What a push URL answers.
#[derive(utoipa::IntoResponses)]
pub enum PushAnswer {
    /// Recorded (`OK`), or ignored because the monitor is paused
    #[response(status = 200, content_type = "text/plain")]
    Recorded(String),
    /// No push monitor has this token
    #[response(status = 404)]
    Unknown(ErrorBody),
    /// More than a few pings a second for this monitor; see `Retry-After`
    #[response(status = 429)]
    TooMany(ErrorBody),
}

/// The push routes, under `/push` (outside `/api`: no authentication).
pub fn scope() -> scope_of_routes!() {
    utoipa_actix_web::scope::scope("/push")
        .service(success_get)
        .service(success_post)
        .service(fail_get)
        .service(fail_post)
        .service(start_get)
        .service(start_post)
}
