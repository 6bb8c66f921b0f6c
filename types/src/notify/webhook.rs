//! A generic webhook: Flatline POSTs its documented JSON event document.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fields::{http_url, mask, mask_url, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::monitor::validate_header;
use crate::FieldError;

/// Any HTTP endpoint: Flatline POSTs its documented JSON event document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// Extra request headers (their values are treated as secrets).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl ChannelKind for WebhookConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "webhook",
        label: "Webhook",
        fields: &[
            ConfigField::new(
                "url",
                "URL",
                FieldInput::Secret,
                true,
                "Flatline POSTs a JSON document on every event",
            ),
            ConfigField::new(
                "headers",
                "Headers",
                FieldInput::Headers,
                false,
                "One per line, Name: value (values are kept secret)",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        for (name, value) in &self.headers {
            validate_header("config.headers", name, value)?;
        }
        Ok(())
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        c.url = mask_url(&self.url);
        c.headers.values_mut().for_each(mask);
        c
    }
}
