//! Follows the location's monitors: the stream `GET /api/v1/probe/stream`, reconnected with
//! backoff whenever it breaks. While the server is away the monitors last known keep being
//! checked.

use std::time::Duration;

use eventsource_stream::Eventsource;
use flatline_store::clock::now_ms;
use flatline_types::ProbeEvent;
use futures_util::StreamExt;

use super::{Checks, Link};

/// No event (a beat comes every 5 s) for this long: the stream is dead, connect again.
const IDLE: Duration = Duration::from_secs(20);
/// First wait before connecting again, doubled up to [`BACKOFF_MAX`].
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// How one connection ended.
enum End {
    /// It was up, then broke: connect again soon.
    Broke(String),
    /// It could not be opened.
    Refused(String),
    /// Another probe process holds the location.
    Held,
}

/// Follows the stream until the token is refused (an error) or forever.
pub(super) async fn follow(link: Link, mut checks: Checks) -> Result<(), String> {
    let mut backoff = BACKOFF_MIN;
    loop {
        let end = match connect(&link, &mut checks).await {
            Ok(end) => end,
            Err(fatal) => return Err(fatal),
        };
        match end {
            End::Broke(why) => {
                tracing::warn!(
                    reason = why.as_str(),
                    monitors = checks.len(),
                    "lost the server's stream; checking on, reconnecting"
                );
                backoff = BACKOFF_MIN;
            }
            End::Refused(why) => {
                tracing::warn!(
                    reason = why.as_str(),
                    retry_in_ms = backoff.as_millis() as u64,
                    "cannot reach the server; checking on"
                );
            }
            End::Held => {
                tracing::warn!(
                    location = link.location.as_str(),
                    "another probe process holds this location; standing by"
                );
                backoff = BACKOFF_MAX.min(Duration::from_secs(10));
            }
        }
        actix_rt::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One connection: opens the stream and applies its events until it ends.
async fn connect(link: &Link, checks: &mut Checks) -> Result<End, String> {
    let url = format!(
        "{}?probe_id={}&version={}&now_ms={}",
        link.url("/api/v1/probe/stream"),
        link.probe_id,
        env!("CARGO_PKG_VERSION"),
        now_ms()
    );
    let response = link
        .client
        .get(url)
        .bearer_auth(&link.token)
        .timeout(Duration::from_secs(15))
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => return Ok(End::Refused(e.to_string())),
    };
    match response.status().as_u16() {
        200 => {}
        409 => return Ok(End::Held),
        401 | 403 => {
            return Err(format!(
                "the server refused the token ({}): create a probe token for location `{}` \
                 (flatline token create --probe {})",
                response.status(),
                link.location,
                link.location
            ))
        }
        _ => return Ok(End::Refused(format!("answered {}", response.status()))),
    }
    let mut events = response.eventsource();
    loop {
        let next = match actix_rt::time::timeout(IDLE, events.next()).await {
            Err(_) => return Ok(End::Broke(format!("no event for {} s", IDLE.as_secs()))),
            Ok(None) => return Ok(End::Broke("the server closed the stream".into())),
            Ok(Some(Err(e))) => return Ok(End::Broke(e.to_string())),
            Ok(Some(Ok(event))) => event,
        };
        let event: ProbeEvent = match serde_json::from_str(&next.data) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "an event of the stream does not parse; ignored");
                continue;
            }
        };
        match event {
            ProbeEvent::Snapshot { monitors, .. } => {
                tracing::info!(
                    monitors = monitors.len(),
                    "following the location's monitors"
                );
                checks.replace(monitors);
            }
            ProbeEvent::Upsert { monitor } => checks.upsert(*monitor),
            ProbeEvent::Remove { id } => checks.remove(id),
            ProbeEvent::Beat { .. } => {}
        }
    }
}
