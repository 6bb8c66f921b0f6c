//! Slack: an incoming webhook, sent Block Kit messages.

use flatline_types::SlackConfig;
use serde_json::{json, Value};

use super::{escape_html, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for SlackConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        vec![HttpCall::post(&self.url, body(notice)).into()]
    }
}

/// Slack incoming webhook: `text` (the notification fallback) plus Block Kit blocks.
fn body(n: &Notice) -> Value {
    let details: Vec<String> = n
        .facts()
        .iter()
        .map(|(k, v)| format!("*{k}:* {}", escape_html(v)))
        .collect();
    json!({
        "text": escape_html(&n.title()),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}*", escape_html(&n.title()))}},
            {"type": "section", "text": {"type": "mrkdwn", "text": details.join("\n")}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Flatline"}]},
        ],
    })
}
