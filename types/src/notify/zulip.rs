//! Zulip: a bot posting to a channel (stream) and topic.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, mask, optional, required, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Zulip: the organisation's `site`, a bot's `bot_email` and `api_key`, the `stream` and an
/// optional `topic` (default: the monitor's name, so each monitor gets its own thread).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ZulipConfig {
    pub site: String,
    pub bot_email: String,
    pub api_key: String,
    pub stream: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

impl ChannelKind for ZulipConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "zulip",
        label: "Zulip",
        fields: &[
            ConfigField::new(
                "site",
                "Zulip URL",
                FieldInput::Text,
                true,
                "https://example.zulipchat.com",
            ),
            ConfigField::new(
                "bot_email",
                "Bot email",
                FieldInput::Text,
                true,
                "alerts-bot@example.zulipchat.com",
            ),
            ConfigField::new("api_key", "Bot API key", FieldInput::Secret, true, ""),
            ConfigField::new("stream", "Channel (stream)", FieldInput::Text, true, "ops"),
            ConfigField::new(
                "topic",
                "Topic",
                FieldInput::Text,
                false,
                "Empty: the monitor's name",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("site", &self.site)?;
        required("bot_email", &self.bot_email)?;
        if !self.bot_email.contains('@') {
            return Err(field("bot_email", "must be the bot's email address"));
        }
        required("api_key", &self.api_key)?;
        required("stream", &self.stream)?;
        if self.stream.chars().count() > 60 {
            return Err(field("stream", "must be at most 60 characters"));
        }
        optional("topic", &self.topic)?;
        if self.topic.as_ref().is_some_and(|t| t.chars().count() > 60) {
            return Err(field("topic", "must be at most 60 characters"));
        }
        Ok(())
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask(&mut c.api_key);
        c
    }
}
