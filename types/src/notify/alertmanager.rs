//! Prometheus Alertmanager: alerts posted to its v2 API, so that its routing, silences and
//! inhibition apply.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fields::{field, http_url, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::FieldError;

/// Labels Flatline sets itself, which `labels` may not.
pub const ALERTMANAGER_OWN_LABELS: &[&str] =
    &["alertname", "monitor", "monitor_id", "kind", "severity"];

/// Alertmanager: its `url` (`/api/v2/alerts` is appended) and extra `labels` for every alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl ChannelKind for AlertmanagerConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "alertmanager",
        label: "Prometheus Alertmanager",
        fields: &[
            ConfigField::new(
                "url",
                "Alertmanager URL",
                FieldInput::Text,
                true,
                "http://alertmanager:9093",
            ),
            ConfigField::new(
                "labels",
                "Labels",
                FieldInput::Headers,
                false,
                "One per line, name: value (e.g. team: web)",
            ),
        ],
        // Alerts stay firing until resolved; reminders renew them.
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        if self.labels.len() > 20 {
            return Err(field("labels", "must be at most 20"));
        }
        for (name, value) in &self.labels {
            let label = format!("labels.{name}");
            let mut chars = name.chars();
            let valid = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with("__");
            if !valid {
                return Err(field(&label, "must be a label name: letters, digits and '_', not starting with a digit or '__'"));
            }
            if ALERTMANAGER_OWN_LABELS.contains(&name.as_str()) {
                return Err(field(&label, "is set by Flatline"));
            }
            if value.is_empty() || value.len() > 1024 || value.chars().any(char::is_control) {
                return Err(field(
                    &label,
                    "must be 1–1024 bytes without control characters",
                ));
            }
        }
        Ok(())
    }

    fn masked(&self) -> Self {
        self.clone()
    }
}
