//! Google Chat: a space's incoming webhook, sent a card.

use serde::{Deserialize, Serialize};

use super::fields::{http_url, mask_url, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::FieldError;

/// Google Chat incoming webhook: `url` (it carries the space's key and token in its query).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GooglechatConfig {
    pub url: String,
}

impl ChannelKind for GooglechatConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "googlechat",
        label: "Google Chat",
        fields: &[ConfigField::new(
            "url",
            "Webhook URL",
            FieldInput::Secret,
            true,
            "https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…",
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
