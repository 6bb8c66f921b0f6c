//! Microsoft Teams: a workflow webhook, sent a message with one Adaptive Card.

use flatline_types::TeamsConfig;
use serde_json::{json, Value};

use super::{HttpCall, Provider, Request};
use crate::notifier::notice::{Event, Notice};

impl Provider for TeamsConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        vec![HttpCall::post(&self.url, body(notice)).into()]
    }
}

/// Teams workflow webhook: a message with one Adaptive Card.
fn body(n: &Notice) -> Value {
    let style = match n.event {
        Event::Down | Event::Reminder => "Attention",
        Event::Up => "Good",
        Event::CertificateExpiring => "Warning",
        Event::Test | Event::MaintenanceStarted | Event::MaintenanceEnded | Event::ProbeOnline => {
            "Accent"
        }
        Event::ProbeOffline => "Warning",
    };
    let facts: Vec<Value> = n
        .facts()
        .into_iter()
        .map(|(k, v)| json!({"title": k, "value": v}))
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": n.title(), "weight": "Bolder", "size": "Medium", "color": style, "wrap": true},
                    {"type": "FactSet", "facts": facts},
                ],
            },
        }],
    })
}
