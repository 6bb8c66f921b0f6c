//! Gotify: `POST /message` with an application token.

use flatline_types::GotifyConfig;
use serde_json::{json, Value};

use super::{fact_lines, HttpCall, Provider, Request};
use crate::notifier::notice::{Event, Notice};

impl Provider for GotifyConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let url = format!("{}/message", self.server_url.trim_end_matches('/'));
        vec![HttpCall::post(&url, body(notice))
            .header("X-Gotify-Key", &self.token)
            .into()]
    }
}

/// Gotify `POST /message`.
fn body(n: &Notice) -> Value {
    let priority = match n.event {
        Event::Down | Event::Reminder => 8,
        Event::CertificateExpiring => 6,
        Event::Up
        | Event::Test
        | Event::MaintenanceStarted
        | Event::MaintenanceEnded
        | Event::ProbeOnline => 4,
        Event::ProbeOffline => 6,
    };
    json!({
        "title": n.title(),
        "message": fact_lines(n),
        "priority": priority,
    })
}
