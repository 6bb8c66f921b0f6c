//! Slack: an incoming webhook; Flatline posts Block Kit messages.

use serde::{Deserialize, Serialize};

use super::fields::{http_url, mask_url, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::FieldError;

/// Slack incoming webhook (`https://hooks.slack.com/services/…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    pub url: String,
}

impl ChannelKind for SlackConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "slack",
        label: "Slack",
        fields: &[ConfigField::new(
            "url",
            "Incoming webhook URL",
            FieldInput::Secret,
            true,
            "https://hooks.slack.com/services/…",
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
