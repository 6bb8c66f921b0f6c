//! Pushover: the message API, JSON, with the title, the facts and a link.

use flatline_types::PushoverConfig;
use serde_json::{json, Value};

use super::{fact_lines, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for PushoverConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        vec![HttpCall::post(&self.url, body(self, notice)).into()]
    }
}

fn body(c: &PushoverConfig, n: &Notice) -> Value {
    // Only bad news is as loud as configured.
    let priority = if n.event.is_bad() {
        c.priority
    } else {
        c.priority.min(0)
    };
    let mut body = json!({
        "token": c.token,
        "user": c.user_key,
        "title": n.title(),
        "message": fact_lines(n),
        "priority": priority,
        "timestamp": n.at_ms / 1000,
    });
    if priority == 2 {
        // Emergency: repeated every minute until acknowledged in the app, for an hour.
        body["retry"] = json!(60);
        body["expire"] = json!(3600);
    }
    if let Some(sound) = &c.sound {
        body["sound"] = json!(sound);
    }
    if let Some(url) = &n.ack_url {
        body["url"] = json!(url);
        body["url_title"] = json!("Acknowledge");
    } else if let Some(url) = &n.page_url {
        body["url"] = json!(url);
        body["url_title"] = json!("Open in Flatline");
    }
    body
}
