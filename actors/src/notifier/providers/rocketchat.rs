//! Rocket.Chat: an incoming webhook, the title as text and one attachment coloured by the
//! event.

use flatline_types::RocketchatConfig;
use serde_json::json;

use super::{attachment, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for RocketchatConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let mut body = json!({"text": notice.title(), "attachments": [attachment(notice)]});
        if let Some(channel) = &self.channel {
            body["channel"] = json!(channel);
        }
        if let Some(alias) = &self.alias {
            body["alias"] = json!(alias);
        }
        vec![HttpCall::post(&self.url, body).into()]
    }
}
