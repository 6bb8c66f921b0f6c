//! Mattermost: an incoming webhook, sent an attachment coloured by the event.

use serde::{Deserialize, Serialize};

use super::fields::{
    http_url, mask_url, optional, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Mattermost incoming webhook: `url`, and optionally the `channel` and `username` to post as
/// (when the webhook allows overriding them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MattermostConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl ChannelKind for MattermostConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "mattermost",
        label: "Mattermost",
        fields: &[
            ConfigField::new(
                "url",
                "Webhook URL",
                FieldInput::Secret,
                true,
                "https://mattermost.example.com/hooks/…",
            ),
            ConfigField::new(
                "channel",
                "Channel",
                FieldInput::Text,
                false,
                "Optional: the webhook's own by default",
            ),
            ConfigField::new("username", "Post as", FieldInput::Text, false, "Optional"),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        optional("channel", &self.channel)?;
        optional("username", &self.username)
    }

    fn masked(&self) -> Self {
        Self {
            url: mask_url(&self.url),
            ..self.clone()
        }
    }
}
