//! Opsgenie: the Alert API with an API integration's key; an alert per incident, closed on
//! recovery.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, list, mask, required, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Opsgenie's API (the EU instance is `https://api.eu.opsgenie.com`).
pub const OPSGENIE_URL: &str = "https://api.opsgenie.com";

/// Opsgenie: `api_key` of an API integration, the alerts' `priority` (P1–P5), optional
/// `tags`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpsgenieConfig {
    pub api_key: String,
    /// `P1` (default) to `P5`.
    #[serde(default = "opsgenie_priority")]
    pub priority: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The API's URL; default Opsgenie's (US) one.
    #[serde(default = "opsgenie_url")]
    pub url: String,
}

fn opsgenie_url() -> String {
    OPSGENIE_URL.to_owned()
}

fn opsgenie_priority() -> String {
    "P1".to_owned()
}

impl ChannelKind for OpsgenieConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "opsgenie",
        label: "Opsgenie",
        fields: &[
            ConfigField::new(
                "api_key",
                "API key",
                FieldInput::Secret,
                true,
                "Of an API integration",
            ),
            ConfigField::new(
                "priority",
                "Priority",
                FieldInput::Choice(&[
                    ("P1", "P1 (critical)"),
                    ("P2", "P2 (high)"),
                    ("P3", "P3 (moderate)"),
                    ("P4", "P4 (low)"),
                    ("P5", "P5 (informational)"),
                ]),
                false,
                "",
            ),
            ConfigField::new(
                "tags",
                "Tags",
                FieldInput::List,
                false,
                "Optional, comma-separated",
            ),
            ConfigField::new(
                "url",
                "API URL",
                FieldInput::Text,
                false,
                "Empty: https://api.opsgenie.com (EU: https://api.eu.opsgenie.com)",
            ),
        ],
        // Opsgenie escalates by itself.
        reminders: false,
    };

    fn validate(&self) -> Result<(), FieldError> {
        required("api_key", &self.api_key)?;
        if !matches!(self.priority.as_str(), "P1" | "P2" | "P3" | "P4" | "P5") {
            return Err(field("priority", "must be one of P1, P2, P3, P4, P5"));
        }
        if !self.tags.is_empty() {
            list("tags", &self.tags, |t| {
                if t.chars().count() > 50 {
                    Err("must be at most 50 characters")
                } else {
                    Ok(())
                }
            })?;
        }
        http_url("url", &self.url)
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask(&mut c.api_key);
        c
    }
}
