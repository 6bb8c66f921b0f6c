//! Apprise: an Apprise API server, which reaches 100+ services, by a stored configuration's
//! key or by Apprise URLs given here.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, identifier, mask_optional, optional, ChannelKind, ChannelType, ConfigField,
    FieldInput,
};
use crate::FieldError;

/// Apprise API: the server's `url`, and either `config_key` (a configuration stored on the
/// server) or `urls` (Apprise URLs, space- or comma-separated; they carry credentials, so
/// they are kept secret); `tag` picks among a configuration's services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppriseConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

impl ChannelKind for AppriseConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "apprise",
        label: "Apprise",
        fields: &[
            ConfigField::new(
                "url",
                "Apprise API URL",
                FieldInput::Text,
                true,
                "http://apprise:8000",
            ),
            ConfigField::new(
                "config_key",
                "Configuration key",
                FieldInput::Text,
                false,
                "A configuration stored on the server…",
            ),
            ConfigField::new(
                "urls",
                "Apprise URLs",
                FieldInput::Secret,
                false,
                "…or URLs, e.g. mailto://… tgram://…",
            ),
            ConfigField::new(
                "tag",
                "Tag",
                FieldInput::Text,
                false,
                "Optional: which of the configuration's services",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        match (&self.config_key, &self.urls) {
            (Some(key), None) => identifier("config_key", key)?,
            (None, Some(_)) => optional("urls", &self.urls)?,
            (Some(_), Some(_)) => {
                return Err(field("urls", "give a configuration key or URLs, not both"))
            }
            (None, None) => {
                return Err(field(
                    "config_key",
                    "give a configuration key or Apprise URLs",
                ))
            }
        }
        optional("tag", &self.tag)
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask_optional(&mut c.urls);
        c
    }
}
