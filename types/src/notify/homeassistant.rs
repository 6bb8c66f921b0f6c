//! Home Assistant: a notify service, called with a long-lived access token.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, mask, required, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Home Assistant: its `url`, a long-lived access `token`, and the notify `service`
/// (`mobile_app_pixel_8`, or `notify` for the default group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HomeassistantConfig {
    pub url: String,
    pub token: String,
    pub service: String,
}

impl ChannelKind for HomeassistantConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "homeassistant",
        label: "Home Assistant",
        fields: &[
            ConfigField::new(
                "url",
                "Home Assistant URL",
                FieldInput::Text,
                true,
                "http://homeassistant.local:8123",
            ),
            ConfigField::new(
                "token",
                "Long-lived access token",
                FieldInput::Secret,
                true,
                "Your profile, Security",
            ),
            ConfigField::new(
                "service",
                "Notify service",
                FieldInput::Text,
                true,
                "mobile_app_… (notify.mobile_app_… works too)",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        required("token", &self.token)?;
        let service = self.service_name();
        if service.is_empty()
            || service.len() > 128
            || !service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(field(
                "service",
                "must be a notify service's name: lowercase letters, digits and '_'",
            ));
        }
        Ok(())
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask(&mut c.token);
        c
    }
}

impl HomeassistantConfig {
    /// The service without a `notify.` prefix.
    pub fn service_name(&self) -> &str {
        let s = self.service.trim();
        s.strip_prefix("notify.").unwrap_or(s)
    }
}
