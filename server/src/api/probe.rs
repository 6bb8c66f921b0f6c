//! `/probe/…`: what a remote probe (`flatline probe`) does, with a probe token of its
//! location, and nothing else opens: follow the location's monitors (a stream of server-sent
//! events) and send their results. One probe process holds a location at a time; another may
//! take it over once the holder has been silent for 30 s.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use actix_web::{get, post, web, HttpRequest, Responder};
use actix_web_lab::sse;
use flatline_actors::probes::ProbeInbox;
use flatline_actors::StatusBoard;
use flatline_store::clock::now_ms;
use flatline_store::probes::{ProbeHello, RemoteCheck};
use flatline_store::Store;
use flatline_types::{
    ErrorBody, ProbeAssignment, ProbeBatch, ProbeBatchAnswer, ProbeEvent, PROBE_BATCH_MAX,
};
use parking_lot::Mutex;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AuthError, Principal};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;

/// How often an open stream says the probe is alive (and checks it still holds the location).
const STREAM_BEAT: Duration = Duration::from_secs(5);
/// Longest error text stored from a probe.
const ERROR_MAX_CHARS: usize = 1000;

/// Results stored per location over the last minute, on this node (for `checks_per_second`).
#[derive(Default)]
pub struct ProbeRates {
    windows: Mutex<HashMap<String, VecDeque<(i64, u64)>>>,
}

impl ProbeRates {
    /// Adds `n` results now; returns the count over the last minute.
    fn add(&self, location: &str, n: u64, now: i64) -> u64 {
        let mut windows = self.windows.lock();
        let w = windows.entry(location.to_owned()).or_default();
        w.push_back((now, n));
        while w.front().is_some_and(|(t, _)| *t < now - 60_000) {
            w.pop_front();
        }
        w.iter().map(|(_, n)| n).sum()
    }
}

fn location_of(principal: &Principal) -> ApiResult<String> {
    principal
        .probe_location()
        .map(str::to_owned)
        .ok_or_else(|| {
            AuthError::OutOfScope("the probe routes take a probe token (scope `probe`)").into()
        })
}

fn validate_probe_id(id: &str) -> ApiResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::Validation {
            field: "probe_id".into(),
            message: "must be 1–64 of A-Z, a-z, 0-9, - and _".into(),
        })
    }
}

fn held_elsewhere(location: &str) -> ApiError {
    ApiError::Conflict(format!(
        "another probe process holds location `{location}` and reported within 30 s; \
         this one may take over once it is silent"
    ))
}

fn peer(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// Who connects to the stream.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The probe process (random per start).
    #[param(pattern = r"^[A-Za-z0-9_-]{1,64}$")]
    probe_id: String,
    /// Its Flatline version.
    version: Option<String>,
    /// Its clock (UTC ms) when it connected, to measure the skew.
    now_ms: Option<i64>,
}

/// The monitors of the probe's location, as server-sent events: a `snapshot` of them all
/// first, then `upsert` and `remove` as they change and a `beat` every 5 s, each a JSON
/// `ProbeEvent` (its `type` is the event's name). The stream
/// ends if another probe process takes the location over.
#[utoipa::path(
    tag = "probes",
    params(StreamQuery),
    responses(
        (status = 200, description = "The stream (text/event-stream)", content_type = "text/event-stream"),
        (status = 403, description = "Not a probe token", body = ErrorBody),
        (status = 409, description = "Another probe process holds the location", body = ErrorBody),
    )
)]
#[get("/probe/stream")]
pub async fn stream(
    req: HttpRequest,
    principal: Principal,
    store: web::Data<Store>,
    board: web::Data<StatusBoard>,
    hub: web::Data<crate::live::Hub>,
    query: web::Query<StreamQuery>,
) -> ApiResult<impl Responder> {
    let mut closing = hub.closing();
    let location = location_of(&principal)?;
    let query = query.into_inner();
    validate_probe_id(&query.probe_id)?;
    let now = now_ms();
    let hello = ProbeHello {
        location: location.clone(),
        probe_id: query.probe_id.clone(),
        version: query.version.unwrap_or_default().chars().take(32).collect(),
        address: peer(&req),
        skew_ms: query.now_ms.map_or(0, |t| now - t),
        lag_ms: 0,
        buffered: 0,
        checks_per_minute: 0,
    };
    if !store.hold_location(&hello, now).await? {
        return Err(held_elsewhere(&location));
    }
    tracing::info!(
        location = location.as_str(),
        probe_id = hello.probe_id.as_str(),
        address = hello.address.as_str(),
        "probe connected"
    );
    let (tx, rx) = tokio::sync::mpsc::channel::<sse::Event>(16);
    let board = board.get_ref().clone();
    let store = store.get_ref().clone();
    actix_web::rt::spawn(async move {
        let mut changes = board.configs_changed();
        changes.mark_changed();
        let mut sent: HashMap<i64, ProbeAssignment> = HashMap::new();
        let mut first = true;
        let mut beat = actix_web::rt::time::interval(STREAM_BEAT);
        beat.tick().await;
        loop {
            tokio::select! {
                _ = closing.wait_for(|closing| *closing) => return,
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let now: HashMap<i64, ProbeAssignment> = board
                        .monitors_at(&location)
                        .into_iter()
                        .map(|m| (m.id, ProbeAssignment { id: m.id, spec: m.spec.clone() }))
                        .collect();
                    let mut events = Vec::new();
                    if first {
                        let mut monitors: Vec<ProbeAssignment> = now.values().cloned().collect();
                        monitors.sort_by_key(|m| m.id);
                        events.push(ProbeEvent::Snapshot { monitors, server_time_ms: now_ms() });
                        first = false;
                    } else {
                        for (id, a) in &now {
                            if sent.get(id) != Some(a) {
                                events.push(ProbeEvent::Upsert { monitor: Box::new(a.clone()) });
                            }
                        }
                        for id in sent.keys().filter(|id| !now.contains_key(id)) {
                            events.push(ProbeEvent::Remove { id: *id });
                        }
                    }
                    sent = now;
                    for event in events {
                        let Ok(data) = sse::Data::new_json(&event) else { continue };
                        let data = data.event(event.name());
                        if tx.send(sse::Event::Data(data)).await.is_err() {
                            return;
                        }
                    }
                }
                _ = beat.tick() => {
                    match store.touch_probe(&location, &hello.probe_id, now_ms()).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(location = location.as_str(), probe_id = hello.probe_id.as_str(), "another probe process took the location over; ending this one's stream");
                            return;
                        }
                        Err(e) => tracing::warn!(error = %e, "recording a probe's heartbeat failed"),
                    }
                    let beat = ProbeEvent::Beat { server_time_ms: now_ms() };
                    let Ok(data) = sse::Data::new_json(&beat) else { continue };
                    let data = data.event(beat.name());
                    if tx.send(sse::Event::Data(data)).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    Ok(sse::Sse::from_infallible_receiver(rx))
}

/// Stores a batch of the probe's results (at most 1,000). Each result is identified by its
/// monitor, the location and its start by the probe's clock: a batch sent again stores
/// nothing twice. Times are corrected by the probe's clock skew, measured from `sent_at_ms`.
/// Results of monitors not (or no longer) checked from the location are ignored.
#[utoipa::path(
    tag = "probes",
    request_body = ProbeBatch,
    responses(
        (status = 200, description = "Stored", body = ProbeBatchAnswer),
        (status = 403, description = "Not a probe token", body = ErrorBody),
        (status = 409, description = "Another probe process holds the location", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[post("/probe/results")]
pub async fn results(
    req: HttpRequest,
    principal: Principal,
    store: web::Data<Store>,
    inbox: web::Data<ProbeInbox>,
    rates: web::Data<ProbeRates>,
    body: ApiJson<ProbeBatch>,
) -> ApiResult<web::Json<ProbeBatchAnswer>> {
    let location = location_of(&principal)?;
    let batch = body.0;
    validate_probe_id(&batch.probe_id)?;
    if batch.results.len() > PROBE_BATCH_MAX {
        return Err(ApiError::Validation {
            field: "results".into(),
            message: format!("at most {PROBE_BATCH_MAX} results per batch"),
        });
    }
    let now = now_ms();
    let skew_ms = now - batch.sent_at_ms;
    // Which results' monitors are checked from here: one look at the board for the batch.
    let mut here = std::collections::HashSet::new();
    inbox
        .board
        .visit(batch.results.iter().map(|r| r.monitor_id), |id, live| {
            if live
                .and_then(|l| l.monitor.as_ref())
                .is_some_and(|m| m.spec.checked_from(&location))
            {
                here.insert(id);
            }
        });
    let mut rows = Vec::with_capacity(batch.results.len());
    let mut ignored = 0u64;
    let mut lags = Vec::with_capacity(batch.results.len());
    for (i, r) in batch.results.iter().enumerate() {
        if r.latency_us < 0 {
            return Err(ApiError::Validation {
                field: format!("results[{i}].latency_us"),
                message: "must not be negative".into(),
            });
        }
        if !here.contains(&r.monitor_id) {
            ignored += 1;
            continue;
        }
        // By the server's clock; never in the future.
        let checked_at_ms = r.started_at_ms.saturating_add(skew_ms).min(now);
        lags.push(now - checked_at_ms);
        rows.push(RemoteCheck {
            monitor_id: r.monitor_id,
            checked_at_ms,
            probe_at_ms: r.started_at_ms,
            up: r.error.is_none(),
            latency_us: r.latency_us,
            status_code: r.status_code,
            error: r
                .error
                .as_deref()
                .map(|e| e.chars().take(ERROR_MAX_CHARS).collect()),
        });
    }
    lags.sort_unstable();
    let hello = ProbeHello {
        location: location.clone(),
        probe_id: batch.probe_id.clone(),
        version: batch.version.chars().take(32).collect(),
        address: peer(&req),
        skew_ms,
        lag_ms: lags.get(lags.len() / 2).copied().unwrap_or(0),
        buffered: i64::try_from(batch.buffered).unwrap_or(i64::MAX),
        checks_per_minute: i64::try_from(rates.add(&location, rows.len() as u64, now))
            .unwrap_or(i64::MAX),
    };
    // Only the holder's results count: two probe processes of one location would count
    // its checks twice.
    if !store.hold_location(&hello, now).await? {
        return Err(held_elsewhere(&location));
    }
    let stored = store.insert_probe_checks(&location, &rows).await?;
    inbox.deliver(&location, &stored);
    Ok(web::Json(ProbeBatchAnswer {
        stored: stored.len() as u64,
        ignored: ignored + (rows.len() - stored.len()) as u64,
        skew_ms,
    }))
}
