//! Splunk On-Call (VictorOps): the REST endpoint, `{url}/{routing_key}`; CRITICAL opens an
//! incident under an entity id per Flatline incident, RECOVERY with the same id resolves it.

use flatline_types::SplunkOncallConfig;
use serde_json::{json, Value};

use super::{incident_key, join, segment, HttpCall, Provider, Request};
use crate::notifier::notice::{Event, Notice};

impl Provider for SplunkOncallConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let url = join(&self.url, &segment(&self.routing_key));
        let send = |kind| HttpCall::post(&url, body(notice, kind)).into();
        match notice.event {
            Event::Down | Event::Reminder => vec![send("CRITICAL")],
            Event::CertificateExpiring => vec![send("WARNING")],
            Event::Up => vec![send("RECOVERY")],
            Event::Test => vec![send("INFO")],
            Event::MaintenanceStarted
            | Event::MaintenanceEnded
            | Event::ProbeOffline
            | Event::ProbeOnline => vec![],
        }
    }
}

fn body(n: &Notice, message_type: &str) -> Value {
    let mut body = json!({
        "message_type": message_type,
        "entity_id": incident_key(n),
        "entity_display_name": n.title(),
        "state_message": n.text(),
        "state_start_time": n.incident_started_ms.unwrap_or(n.at_ms) / 1000,
        "monitoring_tool": "Flatline",
    });
    if let Some(url) = &n.page_url {
        body["alert_url"] = json!(url);
    }
    body
}
