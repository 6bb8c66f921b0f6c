//! Rocket.Chat: an incoming webhook (integration), sent an attachment coloured by the event.

use serde::{Deserialize, Serialize};

use super::fields::{
    http_url, mask_url, optional, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Rocket.Chat incoming webhook: `url`, and optionally the `channel` and `alias` to post as
/// (#channel or @user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RocketchatConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

impl ChannelKind for RocketchatConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "rocketchat",
        label: "Rocket.Chat",
        fields: &[
            ConfigField::new(
                "url",
                "Webhook URL",
                FieldInput::Secret,
                true,
                "https://chat.example.com/hooks/…",
            ),
            ConfigField::new(
                "channel",
                "Channel",
                FieldInput::Text,
                false,
                "Optional: the webhook's own by default",
            ),
            ConfigField::new("alias", "Post as", FieldInput::Text, false, "Optional"),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        optional("channel", &self.channel)?;
        optional("alias", &self.alias)
    }

    fn masked(&self) -> Self {
        Self {
            url: mask_url(&self.url),
            ..self.clone()
        }
    }
}
