//! Acknowledgement links: `/ack/<token>`, the signed, expiring link in down and reminder
//! messages. Public (the token is the credential, and it acknowledges that one incident
//! only). A GET only shows what would be acknowledged, since chat apps fetch links to
//! preview them; the page's button POSTs to the same URL, which records it once.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use flatline_actors::notifier::links::{LinkError, Links};
use flatline_store::clock::{now_ms, rfc3339};
use flatline_store::entities::incidents;
use flatline_store::escalation::{Ack, AckOutcome};
use flatline_store::Store;
use flatline_types::ErrorBody;
use maud::{html, Markup, DOCTYPE};

use crate::api::scope_of_routes;
use crate::error::ApiResult;

/// What the pages allow: their own inline style, and posting the form to themselves.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                   base-uri 'none'; frame-ancestors 'none'";

const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}\
.card{border:1px solid #dde1e6;border-radius:.5rem;padding:1rem 1.25rem}\
dt{color:#5b6470;font-size:.875rem}dd{margin:0 0 .5rem}\
button{padding:.6rem 1.2rem;font:inherit;border:0;border-radius:.375rem;background:#2f6fdb;color:#fff;cursor:pointer}\
.ok{color:#1a7f45}.bad{color:#c22f2f}";

fn page(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    let html = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · Flatline" }
                style { (CSS) }
            }
            body { main { h1 { (title) } (body) } }
        }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(html.into_string())
}

/// The incident's facts, as the page shows them.
fn facts(store_name: &str, i: &incidents::Model) -> Markup {
    html! {
        dl.card {
            dt { "Monitor" } dd { (store_name) }
            dt { "Down since" } dd { (rfc3339(i.started_at)) }
            dt { "Cause" } dd { (i.cause) }
            @if let Some(at) = i.resolved_at { dt { "Resolved" } dd { (rfc3339(at)) } }
            @if let (Some(at), Some(by)) = (i.acknowledged_at, &i.acknowledged_by) {
                dt { "Acknowledged" } dd { (rfc3339(at)) " by " (by) }
            }
        }
    }
}

fn refused(e: LinkError) -> HttpResponse {
    match e {
        LinkError::Expired => page(
            StatusCode::GONE,
            "This link has expired",
            html! { p { "Acknowledgement links work for a limited time. Sign in to Flatline to acknowledge the incident." } },
        ),
        LinkError::Invalid => page(
            StatusCode::NOT_FOUND,
            "Not a valid link",
            html! { p { "This is not an acknowledgement link of this Flatline." } },
        ),
    }
}

/// The incident a valid link names, with its monitor's name; or the page refusing it.
async fn incident_of(
    store: &Store,
    links: &Links,
    token: &str,
) -> ApiResult<Result<(incidents::Model, String, Option<i64>), HttpResponse>> {
    let (id, channel) = match links.verify(token) {
        Ok(found) => found,
        Err(e) => return Ok(Err(refused(e))),
    };
    let Some(incident) = store.get_incident(id).await? else {
        return Ok(Err(refused(LinkError::Invalid)));
    };
    let name = store.get_monitor(incident.monitor_id).await?.map_or_else(
        || format!("monitor {}", incident.monitor_id),
        |m| m.spec.name,
    );
    Ok(Ok((incident, name, channel)))
}

/// Shows what the link acknowledges, with a button that does it. Changes nothing.
#[utoipa::path(tag = "incidents", security(()), params(("token" = String, Path, description = "From the link in a down or reminder message")), responses(AckPage))]
#[get("/{token}")]
pub async fn show(
    store: web::Data<Store>,
    links: web::Data<Links>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (incident, name, _) = match incident_of(&store, &links, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let open = incident.resolved_at.is_none() && incident.acknowledged_at.is_none();
    let title = if incident.resolved_at.is_some() {
        "This incident is resolved"
    } else if incident.acknowledged_at.is_some() {
        "Already acknowledged"
    } else {
        "Acknowledge this incident?"
    };
    Ok(page(
        StatusCode::OK,
        title,
        html! {
            (facts(&name, &incident))
            @if open {
                p { "Acknowledging tells Flatline someone is on it: the escalation stops and reminders end." }
                form method="post" { button type="submit" id="acknowledge" { "Acknowledge" } }
            }
        },
    ))
}

/// Acknowledges the incident the link names, once.
#[utoipa::path(tag = "incidents", security(()), params(("token" = String, Path, description = "From the link in a down or reminder message")), responses(AckDone))]
#[post("/{token}")]
pub async fn acknowledge(
    store: web::Data<Store>,
    links: web::Data<Links>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (incident, name, channel) = match incident_of(&store, &links, &token).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let by = match channel {
        Some(c) => match store.get_channel(c).await? {
            Some(ch) => format!("the link sent to {}", ch.name),
            None => "a notification's link".to_owned(),
        },
        None => "a notification's link".to_owned(),
    };
    let ack = Ack {
        by,
        via: "link",
        note: None,
    };
    Ok(
        match store.acknowledge(incident.id, &ack, now_ms()).await? {
            AckOutcome::Acknowledged(i) => {
                tracing::info!(
                    incident_id = i.id,
                    monitor_id = i.monitor_id,
                    via = "link",
                    "incident acknowledged"
                );
                page(
                    StatusCode::OK,
                    "Acknowledged",
                    html! { p.ok { "Thanks: the escalation has stopped and reminders end." } (facts(&name, &i)) },
                )
            }
            AckOutcome::Already(i) => page(
                StatusCode::CONFLICT,
                "Already acknowledged",
                html! { p { "Someone was first." } (facts(&name, &i)) },
            ),
            AckOutcome::Resolved(i) => page(
                StatusCode::CONFLICT,
                "This incident is resolved",
                html! { p { "The monitor is up again; there is nothing to acknowledge." } (facts(&name, &i)) },
            ),
            AckOutcome::NotFound => refused(LinkError::Invalid),
        },
    )
}

/// What `GET /ack/{token}` answers.
#[derive(utoipa::IntoResponses)]
pub enum AckPage {
    /// The incident, and a button that acknowledges it if it is open
    #[response(status = 200, content_type = "text/html")]
    Shown(String),
    /// Not a link of this Flatline
    #[response(status = 404, content_type = "text/html")]
    Invalid(String),
    /// The link has expired
    #[response(status = 410, content_type = "text/html")]
    Expired(String),
    /// Too many requests from this address
    #[response(status = 429)]
    TooMany(ErrorBody),
}

/// What `POST /ack/{token}` answers.
#[derive(utoipa::IntoResponses)]
pub enum AckDone {
    /// Acknowledged now
    #[response(status = 200, content_type = "text/html")]
    Acknowledged(String),
    /// Not a link of this Flatline
    #[response(status = 404, content_type = "text/html")]
    Invalid(String),
    /// Acknowledged before, or resolved
    #[response(status = 409, content_type = "text/html")]
    Conflict(String),
    /// The link has expired
    #[response(status = 410, content_type = "text/html")]
    Expired(String),
    /// Too many requests from this address
    #[response(status = 429)]
    TooMany(ErrorBody),
}

/// The acknowledgement routes, under `/ack` (outside `/api`: the token is the credential).
pub fn scope() -> scope_of_routes!() {
    utoipa_actix_web::scope::scope("/ack")
        .wrap(actix_web::middleware::from_fn(
            crate::pages::limit::rate_limit,
        ))
        .service(show)
        .service(acknowledge)
}
