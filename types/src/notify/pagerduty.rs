//! PagerDuty: the Events API v2, with a routing key.

use serde::{Deserialize, Serialize};

use super::fields::{http_url, mask, required, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::FieldError;

/// PagerDuty's public Events API v2 endpoint.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// PagerDuty Events API v2: triggers on down, resolves on up with the same dedup key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PagerdutyConfig {
    pub routing_key: String,
    /// The Events API endpoint; default the public one.
    #[serde(default = "pagerduty_url")]
    pub url: String,
}

fn pagerduty_url() -> String {
    PAGERDUTY_EVENTS_URL.to_owned()
}

impl ChannelKind for PagerdutyConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "pagerduty",
        label: "PagerDuty",
        fields: &[
            ConfigField::new(
                "routing_key",
                "Integration (routing) key",
                FieldInput::Secret,
                true,
                "Events API v2",
            ),
            ConfigField::new(
                "url",
                "Events API URL",
                FieldInput::Text,
                false,
                "Empty: the public PagerDuty endpoint",
            ),
        ],
        // PagerDuty escalates by itself.
        reminders: false,
    };

    fn validate(&self) -> Result<(), FieldError> {
        required("routing_key", &self.routing_key)?;
        http_url("url", &self.url)
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask(&mut c.routing_key);
        c
    }
}
