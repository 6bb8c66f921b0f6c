//! Badges: `/badge/<badge_key>/status.svg`, `/uptime.svg` and `/latency.svg`, SVG in the
//! shields.io look (the `shields` crate, which measures the text), for READMEs and wikis.
//! Public by design for monitors with `public_badges` or on a public status page; the key is random, not the monitor's
//! id. An unknown key, or a monitor whose badges are not public, gets the same grey
//! "unknown" badge, so a key's existence is not revealed. Answered from memory (the status
//! board), cached by clients for a minute.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use std::sync::Arc;

use flatline_actors::{LiveStatus, StatusBoard};
use flatline_store::StoredMonitor;
use flatline_types::{ErrorBody, MonitorStatus, MonitorSummary};
use serde::Deserialize;
use shields::builder::Badge;
use utoipa::IntoParams;

use crate::api::scope_of_routes;
use crate::api::views::shown_status;
use crate::error::{ApiError, ApiResult};
use crate::pages::StatusPages;

/// Longest label, in characters.
const LABEL_MAX_CHARS: usize = 100;

/// The shields.io palette.
const GREEN: &str = "#4c1";
const LIGHT_GREEN: &str = "#97ca00";
const YELLOW_GREEN: &str = "#a4a61d";
const YELLOW: &str = "#dfb317";
const ORANGE: &str = "#fe7d37";
const RED: &str = "#e05d44";
const GREY: &str = "#9f9f9f";
const BLUE: &str = "#007ec6";

/// The status badge's options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// The left side's text; default the monitor's name. Control characters are dropped.
    #[param(max_length = 100)]
    label: Option<String>,
}

/// The uptime and latency badges' options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    /// `24h` (default), `7d`, `30d` or `90d`.
    #[param(schema_with = window_schema)]
    window: Option<String>,
    /// The left side's text; default `uptime 24h` or `p99 24h`. Control characters are
    /// dropped.
    #[param(max_length = 100)]
    label: Option<String>,
}

/// The windows a badge can cover.
const WINDOWS: [&str; 4] = ["24h", "7d", "30d", "90d"];

fn window_schema() -> utoipa::openapi::Object {
    crate::api::string_enum(&WINDOWS)
}

/// An SVG badge.
#[derive(utoipa::IntoResponses)]
pub enum BadgeAnswer {
    /// The badge (grey "unknown" for a key that names no monitor with public badges)
    #[response(status = 200, content_type = "image/svg+xml")]
    Svg(String),
    /// `window` or `label` is invalid; `field` names it
    #[response(status = 422)]
    Invalid(ErrorBody),
}

/// A monitor's current status: up, down, pending or paused. Public.
#[utoipa::path(
    tag = "badges",
    security(()),
    params(("key" = String, Path, description = "The monitor's `badge_key`"), StatusQuery),
    responses(BadgeAnswer)
)]
#[get("/{key}/status.svg")]
pub async fn status(
    board: web::Data<StatusBoard>,
    pages: web::Data<StatusPages>,
    key: web::Path<String>,
    query: web::Query<StatusQuery>,
) -> ApiResult<HttpResponse> {
    let label = label(query.into_inner().label)?;
    let Some(Public {
        live,
        monitor,
        name,
    }) = public(&board, &pages, &key)
    else {
        return Ok(svg(label.as_deref().unwrap_or("status"), "unknown", GREY));
    };
    let (message, color) = match shown_status(&monitor.spec, &live) {
        MonitorStatus::Up => ("up", GREEN),
        MonitorStatus::Down => ("down", RED),
        MonitorStatus::Pending => ("pending", YELLOW),
        MonitorStatus::Paused => ("paused", GREY),
        MonitorStatus::Maintenance => ("maintenance", BLUE),
    };
    Ok(svg(label.as_deref().unwrap_or(&name), message, color))
}

/// Time-weighted uptime over a window, in percent. Public.
#[utoipa::path(
    tag = "badges",
    security(()),
    params(("key" = String, Path, description = "The monitor's `badge_key`"), WindowQuery),
    responses(BadgeAnswer)
)]
#[get("/{key}/uptime.svg")]
pub async fn uptime(
    board: web::Data<StatusBoard>,
    pages: web::Data<StatusPages>,
    key: web::Path<String>,
    query: web::Query<WindowQuery>,
) -> ApiResult<HttpResponse> {
    let (window, label) = window_and_label(query.into_inner())?;
    let label = label.unwrap_or_else(|| format!("uptime {window}"));
    let pct = |s: &MonitorSummary| match window {
        "7d" => s.uptime_7d,
        "30d" => s.uptime_30d,
        "90d" => s.uptime_90d,
        _ => s.uptime_24h,
    };
    Ok(number_badge(&board, &pages, &key, &label, pct, |pct| {
        (percent(pct), uptime_color(pct))
    }))
}

/// P99 latency of successful checks over a window. Public.
#[utoipa::path(
    tag = "badges",
    security(()),
    params(("key" = String, Path, description = "The monitor's `badge_key`"), WindowQuery),
    responses(BadgeAnswer)
)]
#[get("/{key}/latency.svg")]
pub async fn latency(
    board: web::Data<StatusBoard>,
    pages: web::Data<StatusPages>,
    key: web::Path<String>,
    query: web::Query<WindowQuery>,
) -> ApiResult<HttpResponse> {
    let (window, label) = window_and_label(query.into_inner())?;
    let label = label.unwrap_or_else(|| format!("p99 {window}"));
    let p99 = |s: &MonitorSummary| match window {
        "7d" => s.p99_7d_ms,
        "30d" => s.p99_30d_ms,
        "90d" => s.p99_90d_ms,
        _ => s.p99_24h_ms,
    };
    Ok(number_badge(&board, &pages, &key, &label, p99, |ms| {
        (milliseconds(ms), BLUE)
    }))
}

/// The badge routes, under `/badge` (outside `/api`: no authentication).
pub fn scope() -> scope_of_routes!() {
    utoipa_actix_web::scope::scope("/badge")
        .wrap(actix_web::middleware::from_fn(
            crate::pages::limit::rate_limit,
        ))
        .service(status)
        .service(uptime)
        .service(latency)
}

/// A monitor whose badges are public, with its live state and the name its badges show.
struct Public {
    live: LiveStatus,
    monitor: Arc<StoredMonitor>,
    name: String,
}

/// The monitor with this badge key, if its badges are public: it has `public_badges`, or it
/// is on a public status page (then its badges go by the name the page shows, never by a
/// name the owner kept off the page).
fn public(board: &StatusBoard, pages: &StatusPages, key: &str) -> Option<Public> {
    let live = board.by_badge_key(key)?;
    let monitor = live.monitor.clone()?;
    let name = if monitor.spec.public_badges {
        monitor.spec.name.clone()
    } else {
        pages
            .on_public_page(monitor.id)?
            .unwrap_or_else(|| monitor.spec.name.clone())
    };
    Some(Public {
        live,
        monitor,
        name,
    })
}

/// A badge of one of the monitor's headline numbers (`pick` from its summary, shown by
/// `show`): grey "unknown" unless its badges are public, "no data" before the first numbers.
fn number_badge(
    board: &StatusBoard,
    pages: &StatusPages,
    key: &str,
    label: &str,
    pick: impl Fn(&MonitorSummary) -> Option<f64>,
    show: impl Fn(f64) -> (String, &'static str),
) -> HttpResponse {
    let Some(Public { live, .. }) = public(board, pages, key) else {
        return svg(label, "unknown", GREY);
    };
    match live.summary.as_deref().and_then(pick) {
        Some(value) => {
            let (text, color) = show(value);
            svg(label, &text, color)
        }
        None => svg(label, "no data", GREY),
    }
}

fn window_and_label(query: WindowQuery) -> ApiResult<(&'static str, Option<String>)> {
    let asked = query.window.as_deref().unwrap_or("24h");
    let window = WINDOWS
        .into_iter()
        .find(|w| *w == asked)
        .ok_or_else(|| ApiError::Validation {
            field: "window".into(),
            message: format!("must be one of {}", WINDOWS.join(", ")),
        })?;
    Ok((window, label(query.label)?))
}

/// The label asked for, without control characters; at most 100 characters.
fn label(raw: Option<String>) -> ApiResult<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.chars().count() > LABEL_MAX_CHARS {
        return Err(ApiError::Validation {
            field: "label".into(),
            message: format!("must be at most {LABEL_MAX_CHARS} characters"),
        });
    }
    Ok(Some(raw.chars().filter(|c| !c.is_control()).collect()))
}

/// `99.95%`, `100%`: two decimals at most, never rounded up to 100.
fn percent(pct: f64) -> String {
    let floored = (pct * 100.0).floor() / 100.0;
    let text = format!("{floored:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

fn uptime_color(pct: f64) -> &'static str {
    match pct {
        p if p >= 99.9 => GREEN,
        p if p >= 99.0 => LIGHT_GREEN,
        p if p >= 97.0 => YELLOW_GREEN,
        p if p >= 95.0 => YELLOW,
        p if p >= 90.0 => ORANGE,
        _ => RED,
    }
}

/// `42 ms`, `3.7 ms`, `1.25 s`.
fn milliseconds(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn svg(label: &str, message: &str, color: &str) -> HttpResponse {
    let body = Badge::flat()
        .label(label)
        .message(message)
        .message_color(color)
        .build();
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_expect() {
        assert_eq!(percent(100.0), "100%");
        assert_eq!(percent(99.999), "99.99%");
        assert_eq!(percent(99.9), "99.9%");
        assert_eq!(percent(50.0), "50%");
        assert_eq!(milliseconds(3.74), "3.7 ms");
        assert_eq!(milliseconds(42.4), "42 ms");
        assert_eq!(milliseconds(1250.0), "1.25 s");
        assert_eq!(uptime_color(99.95), GREEN);
        assert_eq!(uptime_color(80.0), RED);
    }

    #[test]
    fn labels_lose_control_characters_and_are_bounded() {
        assert_eq!(
            label(Some("a\u{7}b\nc".into())).ok().flatten().as_deref(),
            Some("abc")
        );
        assert!(label(Some("x".repeat(101))).is_err());
    }
}
