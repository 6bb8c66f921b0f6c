//! Push URLs: `/push/<token>` (GET or POST) reports a run of the watched job, `/fail` a failed
//! one (the body, if any, is the message), `/start` its start. Public by design (the token is
//! the secret), rate-limited per monitor; an unknown token is a 404 that costs a hash and a
//! map lookup.

use actix_web::{get, post, web, HttpResponse};
use flatline_actors::messages::{PushReply, PushSignal};

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

#[get("/push/{token}")]
async fn success_get(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Success).await
}

#[post("/push/{token}")]
async fn success_post(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Success).await
}

#[get("/push/{token}/fail")]
async fn fail_get(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Fail(None)).await
}

#[post("/push/{token}/fail")]
async fn fail_post(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Fail(message(&body))).await
}

#[get("/push/{token}/start")]
async fn start_get(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Start).await
}

#[post("/push/{token}/start")]
async fn start_post(
    monitors: web::Data<MonitorService>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    answer(&monitors, &token, PushSignal::Start).await
}

/// Registers the push routes (outside `/api`: no authentication).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(success_get)
        .service(success_post)
        .service(fail_get)
        .service(fail_post)
        .service(start_get)
        .service(start_post);
}
