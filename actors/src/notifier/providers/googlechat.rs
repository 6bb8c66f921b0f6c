//! Google Chat: a space's webhook, sent a card (cardsV2) with the facts and buttons.

use flatline_types::GooglechatConfig;
use serde_json::{json, Value};

use super::{HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for GooglechatConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        vec![HttpCall::post(&self.url, body(notice)).into()]
    }
}

fn body(n: &Notice) -> Value {
    let mut widgets: Vec<Value> = n
        .facts()
        .into_iter()
        .filter(|(k, _)| !matches!(*k, "Acknowledge" | "Details"))
        .map(|(k, v)| json!({"decoratedText": {"topLabel": k, "text": v, "wrapText": true}}))
        .collect();
    let mut buttons = Vec::new();
    if let Some(url) = &n.ack_url {
        buttons.push(json!({"text": "Acknowledge", "onClick": {"openLink": {"url": url}}}));
    }
    if let Some(url) = &n.page_url {
        buttons.push(json!({"text": "Open in Flatline", "onClick": {"openLink": {"url": url}}}));
    }
    if !buttons.is_empty() {
        widgets.push(json!({"buttonList": {"buttons": buttons}}));
    }
    json!({
        "text": n.title(),
        "cardsV2": [{
            "cardId": format!("flatline-{}", n.delivery_id),
            "card": {
                "header": {"title": n.title(), "subtitle": "Flatline"},
                "sections": [{"widgets": widgets}],
            },
        }],
    })
}
