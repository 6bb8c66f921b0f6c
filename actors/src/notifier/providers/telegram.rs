//! Telegram: a bot's `sendMessage`, with HTML formatting.

use flatline_types::TelegramConfig;
use serde_json::{json, Value};

use super::{escape_html, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for TelegramConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        vec![HttpCall::post(&self.url, body(notice, &self.chat_id)).into()]
    }
}

/// Telegram `sendMessage` with HTML formatting.
fn body(n: &Notice, chat_id: &str) -> Value {
    let mut text = format!("<b>{}</b>", escape_html(&n.title()));
    for (k, v) in n.facts() {
        text.push_str(&format!("\n<b>{k}:</b> {}", escape_html(&v)));
    }
    // Numeric ids go as numbers, `@channel` names as strings.
    let chat: Value = chat_id
        .parse::<i64>()
        .map_or_else(|_| json!(chat_id), |id| json!(id));
    json!({
        "chat_id": chat,
        "text": text,
        "parse_mode": "HTML",
        "disable_web_page_preview": true,
    })
}
