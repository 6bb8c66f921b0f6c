//! What the process logs. ERROR is kept for Flatline's own faults: malformed HTTP from a
//! client (a bad header byte) or from a monitored target (oversized headers) is the peer's
//! misbehaviour, which the HTTP library logs at ERROR. Such events are counted
//! (`flatline_peer_protocol_errors_total` in `/metrics`) and shown only when the log is set to
//! `debug` or finer.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::EnvFilter;

/// Malformed HTTP from clients or targets, since start.
pub static PEER_PROTOCOL_ERRORS: AtomicU64 = AtomicU64::new(0);

/// What actix-http logs at ERROR when the other side sent malformed HTTP.
const PEER_FAULTS: [&str; 2] = [
    // A client's request that does not parse.
    "stream error: ",
    // A target's response head beyond the client's buffer.
    "MAX_BUFFER_SIZE unprocessed data reached",
];

/// Installs the process's log: `filter` (an `EnvFilter` directive such as `info`) on stdout.
pub fn init(filter: &str, colour: bool) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let verbose = filter
        .max_level_hint()
        .is_some_and(|most| most >= tracing::level_filters::LevelFilter::DEBUG);
    tracing_subscriber::registry()
        .with(filter)
        .with(PeerFaults { show: verbose })
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(colour),
        )
        .init();
}

/// Keeps the peers' protocol errors out of the log (unless `show`), counting them.
struct PeerFaults {
    show: bool,
}

impl<S: Subscriber> Layer<S> for PeerFaults {
    fn event_enabled(&self, event: &Event<'_>, _ctx: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR || !meta.target().starts_with("actix_http::h1") {
            return true;
        }
        if !is_peer_fault(event) {
            return true;
        }
        PEER_PROTOCOL_ERRORS.fetch_add(1, Ordering::Relaxed);
        self.show
    }
}

fn is_peer_fault(event: &Event<'_>) -> bool {
    let mut message = Message(String::new());
    event.record(&mut message);
    PEER_FAULTS.iter().any(|p| message.0.starts_with(p))
}

/// An event's message, as formatted.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}
