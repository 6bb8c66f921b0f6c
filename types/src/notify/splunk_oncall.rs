//! Splunk On-Call (VictorOps): the REST endpoint integration, an incident per Flatline
//! incident, recovered on up.

use serde::{Deserialize, Serialize};

use super::fields::{
    http_url, identifier, mask_url, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Splunk On-Call: the REST endpoint `url` (it carries the integration's API key) and the
/// `routing_key` that picks the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SplunkOncallConfig {
    pub url: String,
    pub routing_key: String,
}

impl ChannelKind for SplunkOncallConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "splunk_oncall",
        label: "Splunk On-Call",
        fields: &[
            ConfigField::new(
                "url",
                "REST endpoint URL",
                FieldInput::Secret,
                true,
                "https://alert.victorops.com/integrations/generic/20131114/alert/<api key>",
            ),
            ConfigField::new("routing_key", "Routing key", FieldInput::Text, true, ""),
        ],
        // Splunk On-Call escalates by itself.
        reminders: false,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        identifier("routing_key", &self.routing_key)
    }

    fn masked(&self) -> Self {
        Self {
            url: mask_url(&self.url),
            routing_key: self.routing_key.clone(),
        }
    }
}
