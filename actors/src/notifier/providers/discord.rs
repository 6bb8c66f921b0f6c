//! Discord: a channel webhook, sent one embed per event.

use flatline_types::DiscordConfig;
use serde_json::{json, Value};

use super::{colour, HttpCall, Provider, Request};
use crate::notifier::notice::{rfc3339, Notice};

impl Provider for DiscordConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        vec![HttpCall::post(&self.url, body(notice)).into()]
    }
}

/// Discord webhook: one embed, coloured by event.
fn body(n: &Notice) -> Value {
    let fields: Vec<Value> = n
        .facts()
        .into_iter()
        .map(|(k, v)| json!({"name": k, "value": v, "inline": k != "URL" && k != "Cause"}))
        .collect();
    json!({
        "username": "Flatline",
        "embeds": [{
            "title": n.title(),
            "color": colour(n.event),
            "fields": fields,
            "timestamp": rfc3339(n.at_ms),
            "footer": {"text": "Flatline"},
        }],
    })
}
