//! Zulip: `POST /api/v1/messages`, a form, as the bot (HTTP Basic with its email and key).

use flatline_types::ZulipConfig;

use super::{join, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for ZulipConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let topic = self.topic.clone().unwrap_or_else(|| {
            // Zulip's topics hold 60 characters.
            notice.monitor_name.chars().take(60).collect()
        });
        let facts: Vec<String> = notice
            .facts()
            .iter()
            .map(|(k, v)| format!("**{k}:** {v}"))
            .collect();
        let content = format!("**{}**\n{}", notice.title(), facts.join("\n"));
        vec![HttpCall::form(
            &join(&self.site, "api/v1/messages"),
            &[
                ("type", "stream"),
                ("to", &self.stream),
                ("topic", &topic),
                ("content", &content),
            ],
        )
        .basic_auth(&self.bot_email, &self.api_key)
        .into()]
    }
}
