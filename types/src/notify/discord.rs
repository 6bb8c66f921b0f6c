//! Discord: a channel webhook; Flatline posts one embed per event.

use serde::{Deserialize, Serialize};

use super::fields::{http_url, mask_url, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::FieldError;

/// Discord channel webhook (`https://discord.com/api/webhooks/…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    pub url: String,
}

impl ChannelKind for DiscordConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "discord",
        label: "Discord",
        fields: &[ConfigField::new(
            "url",
            "Webhook URL",
            FieldInput::Secret,
            true,
            "https://discord.com/api/webhooks/…",
        )],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)
    }

    fn masked(&self) -> Self {
        Self {
            url: mask_url(&self.url),
        }
    }
}
