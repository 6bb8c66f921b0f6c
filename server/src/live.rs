//! `GET /api/v1/stats/stream`: the live stream (Server-Sent Events).
//!
//! On connect a client gets a `snapshot` event: every monitor's live state. Then, once a
//! second at most, an `update` event with the monitors that changed (a check, a status
//! change, numbers that moved) and those deleted; so each monitor appears at most once a
//! second however often it is checked. A comment line every 15 s keeps proxies from closing
//! an idle stream.
//!
//! The hub serializes each update once and hands it to every client's bounded queue without
//! waiting: a client that does not keep up fills its queue and is dropped, so a slow or
//! stuck client never slows the engine or the other clients.

use std::time::Duration;

use actix_web::{get, web, Responder};
use actix_web_lab::sse;
use flatline_actors::StatusBoard;
use flatline_types::{LiveMonitor, LiveUpdate};
use parking_lot::Mutex;
use prometheus::{IntCounter, IntGauge};
use tokio::sync::mpsc;

use crate::api::views::live_view;

/// Events a client may have queued before it counts as stuck (a minute of updates).
pub const CLIENT_QUEUE: usize = 64;
/// How often changes are sent.
pub const TICK: Duration = Duration::from_secs(1);
/// Keep-alive comment period.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Every connected client's queue.
pub struct Hub {
    clients: Mutex<Vec<mpsc::Sender<sse::Event>>>,
    /// Connected clients.
    pub connected: IntGauge,
    /// Clients dropped for not keeping up.
    pub dropped: IntCounter,
    /// Turns true at shutdown: streams of their own (the probes') end then too.
    closing: tokio::sync::watch::Sender<bool>,
}

impl Hub {
    /// A hub counting into the given metrics.
    pub fn new(connected: IntGauge, dropped: IntCounter) -> Self {
        Self {
            clients: Mutex::new(Vec::new()),
            connected,
            dropped,
            closing: tokio::sync::watch::Sender::new(false),
        }
    }

    /// Resolves-on-change view of shutdown: `true` once every stream is to end.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Adds a client, its first event built under the hub's lock, so that no update can
    /// come between the snapshot and the client's registration.
    pub fn join(&self, first: impl FnOnce() -> Option<sse::Event>) -> mpsc::Receiver<sse::Event> {
        let (tx, rx) = mpsc::channel(CLIENT_QUEUE);
        let mut clients = self.clients.lock();
        if let Some(event) = first() {
            let _ = tx.try_send(event);
        }
        clients.push(tx);
        self.connected.set(clients.len() as i64);
        rx
    }

    /// Ends every stream (shutdown).
    pub fn close_all(&self) {
        self.closing.send_replace(true);
        self.clients.lock().clear();
        self.connected.set(0);
    }

    /// Sends `event` (built under the lock, if there is anyone to send it to) to every
    /// client, dropping those whose queue is full or closed.
    pub fn broadcast(&self, event: impl FnOnce() -> Option<sse::Event>) {
        let mut clients = self.clients.lock();
        if clients.is_empty() {
            return;
        }
        let Some(event) = event() else { return };
        let before = clients.len();
        clients.retain(|tx| match tx.try_send(event.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.dropped.inc();
                tracing::info!("dropped a live-stream client that stopped reading");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        if clients.len() != before {
            self.connected.set(clients.len() as i64);
        }
    }
}

fn event(name: &str, data: &impl serde::Serialize) -> Option<sse::Event> {
    match sse::Data::new_json(data) {
        Ok(d) => Some(sse::Event::Data(d.event(name.to_owned()))),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a live event");
            None
        }
    }
}

/// Sends the changes on the status board to every client, once a second, until the server
/// stops. Changes are taken even with no client, so none pile up.
pub async fn run(hub: web::Data<Hub>, board: web::Data<StatusBoard>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        hub.broadcast(|| {
            let (changed, removed) = board.take_changes();
            if changed.is_empty() && removed.is_empty() {
                return None;
            }
            let mut monitors: Vec<LiveMonitor> = changed
                .iter()
                .filter_map(|(id, live)| live_view(*id, live, false))
                .collect();
            monitors.sort_unstable_by_key(|m| m.id);
            let mut removed = removed;
            removed.sort_unstable();
            event("update", &LiveUpdate { monitors, removed })
        });
    }
}

/// The live stream: a `snapshot` event with every monitor, then an `update` event at most
/// once a second with the monitors that changed (`{"monitors": [LiveMonitor…], "removed":
/// [id…]}`), and a keep-alive comment every 15 s. `LiveMonitor` is `{id, name, url, status,
/// last_check, stats}`, `stats` holding 24h/7d/30d/90d uptime and P99; in the snapshot it
/// also has `recent`, the latest checks as `[id, checked_at_ms, up, latency_ms, status_code,
/// error]`, oldest first. A client that stops
/// reading for about a minute is dropped.
#[utoipa::path(
    tag = "monitors",
    responses(
        (status = 200, description = "`text/event-stream`: events `snapshot` (data: `[LiveMonitor]`) then `update` (data: `LiveUpdate`)", content_type = "text/event-stream", body = [LiveMonitor]),
    )
)]
#[get("/stats/stream")]
pub async fn stream(hub: web::Data<Hub>, board: web::Data<StatusBoard>) -> impl Responder {
    let rx = hub.join(|| {
        let mut monitors: Vec<LiveMonitor> = board.with_all(|all| {
            all.iter()
                .filter_map(|(id, live)| live_view(*id, live, true))
                .collect()
        });
        monitors.sort_unstable_by_key(|m| m.id);
        event("snapshot", &monitors)
    });
    let sse = sse::Sse::from_infallible_receiver(rx).with_keep_alive(KEEP_ALIVE);
    // Compression would hold events back until a buffer fills.
    sse.customize()
        .insert_header(("Content-Encoding", "identity"))
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
}

/// The stream's path in the OpenAPI document.
pub const STREAM_PATH: &str = "/api/v1/stats/stream";

/// States in the OpenAPI document (3.2's `itemSchema`) what each event of the stream is: its
/// name, and its data as JSON of the named schema.
pub fn document_events(op: &mut serde_json::Map<String, serde_json::Value>) {
    use serde_json::json;
    let event = |name: &str, data: serde_json::Value| {
        json!({
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": {"const": name},
                "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
                "id": {"type": "string"},
                "retry": {"type": "integer"}
            }
        })
    };
    let items = json!({
        "itemSchema": {"oneOf": [
            event("snapshot", json!({"type": "array", "items": {"$ref": "#/components/schemas/LiveMonitor"}})),
            event("update", json!({"$ref": "#/components/schemas/LiveUpdate"})),
        ]}
    });
    if let Some(ok) = op.get_mut("responses").and_then(|r| r.get_mut("200")) {
        ok["content"] = json!({"text/event-stream": items});
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub() -> Hub {
        Hub::new(
            IntGauge::new("c", "c").expect("gauge"),
            IntCounter::new("d", "d").expect("counter"),
        )
    }

    fn ping() -> Option<sse::Event> {
        Some(sse::Event::Comment("x".into()))
    }

    #[test]
    fn a_client_that_stops_reading_is_dropped_and_the_rest_keep_theirs() {
        let hub = hub();
        let mut reader = hub.join(ping);
        let _stuck = hub.join(ping);
        assert_eq!(hub.connected.get(), 2);
        for _ in 0..CLIENT_QUEUE * 2 {
            hub.broadcast(ping);
            while reader.try_recv().is_ok() {}
        }
        assert_eq!(hub.connected.get(), 1);
        assert_eq!(hub.dropped.get(), 1);
        hub.broadcast(ping);
        assert!(
            reader.try_recv().is_ok(),
            "the reading client still gets events"
        );
    }

    #[test]
    fn a_closed_client_goes_quietly() {
        let hub = hub();
        drop(hub.join(ping));
        hub.broadcast(ping);
        assert_eq!((hub.connected.get(), hub.dropped.get()), (0, 0));
    }

    #[test]
    fn nothing_is_built_for_nobody() {
        let hub = hub();
        hub.broadcast(|| panic!("built an event with no client"));
    }
}
