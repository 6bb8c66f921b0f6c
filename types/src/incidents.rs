//! Incident updates: what the people handling an incident tell its readers, from
//! "investigating" to "resolved", in Markdown.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Longest update message, in characters.
pub const INCIDENT_UPDATE_MAX_CHARS: usize = 10_000;

/// Where the handling of an incident stands, as its readers are told. Only words: the
/// incident itself opens and resolves with the monitor's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IncidentUpdateState {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl IncidentUpdateState {
    /// Every state, in the order an incident usually goes through them.
    pub const ALL: [Self; 4] = [
        Self::Investigating,
        Self::Identified,
        Self::Monitoring,
        Self::Resolved,
    ];

    /// The state as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }

    /// The state as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
        }
    }

    /// The state named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The body of `POST /api/v1/incidents/{id}/updates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateIncidentUpdate {
    pub state: IncidentUpdateState,
    /// Markdown, 1–10,000 characters; line breaks and tabs allowed, other control
    /// characters not.
    pub message: String,
}

impl CreateIncidentUpdate {
    /// The trimmed message, or the error naming `message`.
    pub fn validated_message(&self) -> Result<String, FieldError> {
        crate::validate_text("message", &self.message, INCIDENT_UPDATE_MAX_CHARS, true)
    }
}

/// An incident update as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentUpdate {
    pub id: i64,
    pub incident_id: i64,
    pub state: IncidentUpdateState,
    /// Markdown, as written.
    pub message: String,
    /// The message rendered to HTML, sanitised (no scripts, styles or event handlers).
    pub message_html: String,
    /// Who wrote it: the user's name, or `token <name>` for an API token.
    pub author: String,
    /// RFC 3339 UTC.
    pub created_at: String,
}
