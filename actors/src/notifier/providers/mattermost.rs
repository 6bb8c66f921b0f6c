//! Mattermost: an incoming webhook, one attachment coloured by the event.

use flatline_types::MattermostConfig;
use serde_json::json;

use super::{attachment, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for MattermostConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let mut body = json!({"attachments": [attachment(notice)]});
        if let Some(channel) = &self.channel {
            body["channel"] = json!(channel);
        }
        if let Some(username) = &self.username {
            body["username"] = json!(username);
        }
        vec![HttpCall::post(&self.url, body).into()]
    }
}
