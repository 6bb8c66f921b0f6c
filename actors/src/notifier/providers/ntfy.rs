//! ntfy: JSON publishing to the server's root URL, with a priority and a tag per event.

use flatline_types::NtfyConfig;
use serde_json::{json, Value};

use super::{fact_lines, HttpCall, Provider, Request};
use crate::notifier::notice::{Event, Notice};

impl Provider for NtfyConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let call = HttpCall::post(&self.server_url, body(notice, &self.topic));
        vec![match &self.token {
            Some(t) => call.header("Authorization", &format!("Bearer {t}")),
            None => call,
        }
        .into()]
    }
}

/// ntfy JSON publishing (to the server's root URL).
fn body(n: &Notice, topic: &str) -> Value {
    let (priority, tag) = match n.event {
        Event::Down | Event::Reminder => (5, "red_circle"),
        Event::Up => (3, "green_circle"),
        Event::CertificateExpiring => (4, "warning"),
        Event::Test => (3, "white_check_mark"),
        Event::MaintenanceStarted => (3, "wrench"),
        Event::MaintenanceEnded => (3, "white_check_mark"),
        Event::ProbeOffline => (4, "satellite"),
        Event::ProbeOnline => (3, "satellite"),
    };
    let title = n.title();
    let title = title
        .split_once(' ')
        .map_or(title.as_str(), |(_, rest)| rest)
        .to_owned();
    json!({
        "topic": topic,
        "title": title,
        "message": fact_lines(n),
        "priority": priority,
        "tags": [tag],
    })
}
