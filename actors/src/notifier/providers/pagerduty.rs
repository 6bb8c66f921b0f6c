//! PagerDuty: the Events API v2, trigger on down and resolve on up with one dedup key per
//! incident.

use flatline_types::PagerdutyConfig;
use serde_json::{json, Value};

use super::{incident_key, HttpCall, Provider, Request};
use crate::notifier::notice::{rfc3339, Event, Notice};

impl Provider for PagerdutyConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        events(notice, &self.routing_key)
            .into_iter()
            .map(|body| HttpCall::post(&self.url, body).into())
            .collect()
    }
}

/// PagerDuty Events API v2: trigger on down, resolve on up, with one dedup key per
/// incident. A test triggers and at once resolves its own event.
fn events(n: &Notice, routing_key: &str) -> Vec<Value> {
    let dedup_key = incident_key(n);
    let trigger = || {
        let details: serde_json::Map<String, Value> = n
            .facts()
            .into_iter()
            .map(|(k, v)| (k.to_lowercase().replace(' ', "_"), json!(v)))
            .collect();
        json!({
            "routing_key": routing_key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "client": "Flatline",
            "payload": {
                "summary": n.title(),
                "source": if n.monitor_url.is_empty() { "flatline" } else { n.monitor_url.as_str() },
                "severity": match n.event {
                    Event::Test => "info",
                    Event::CertificateExpiring => "warning",
                    _ => "critical",
                },
                "timestamp": rfc3339(n.at_ms),
                "component": n.monitor_name,
                "custom_details": details,
            },
        })
    };
    let resolve =
        || json!({"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key});
    match n.event {
        Event::Down | Event::Reminder | Event::CertificateExpiring => vec![trigger()],
        Event::Up => vec![resolve()],
        Event::Test => vec![trigger(), resolve()],
        // Planned work pages no one.
        // Not an incident of a monitor: PagerDuty hears of monitors going down and up.
        Event::MaintenanceStarted
        | Event::MaintenanceEnded
        | Event::ProbeOffline
        | Event::ProbeOnline => vec![],
    }
}
