//! Microsoft Teams: a workflow webhook; Flatline posts an Adaptive Card.

use serde::{Deserialize, Serialize};

use super::fields::{http_url, mask_url, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::FieldError;

/// Microsoft Teams workflow webhook ("Post to a channel when a webhook request is received").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamsConfig {
    pub url: String,
}

impl ChannelKind for TeamsConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "teams",
        label: "Microsoft Teams",
        fields: &[ConfigField::new(
            "url",
            "Workflow webhook URL",
            FieldInput::Secret,
            true,
            "From \"Post to a channel when a webhook request is received\"",
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
