//! Notices: what a page's owner tells its readers that is not a monitor's incident.

use serde::{Deserialize, Serialize};

use crate::{double_option, validate_name, validate_text, FieldError};

/// Longest notice title, in characters.
pub const NOTICE_TITLE_MAX_CHARS: usize = 200;
/// Longest notice message (Markdown), in characters.
pub const NOTICE_MESSAGE_MAX_CHARS: usize = 10_000;

/// How much a notice matters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    #[default]
    Info,
    Warning,
    Critical,
}

impl NoticeLevel {
    pub const ALL: [Self; 3] = [Self::Info, Self::Warning, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The body of `POST /api/v1/status-pages/{id}/notices`: something the page's readers
/// should know that is not a monitor's incident (a provider's outage, planned work told in
/// words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePageNotice {
    /// 1–200 characters, one line.
    pub title: String,
    /// Markdown, 1–10,000 characters.
    pub message: String,
    #[serde(default)]
    pub level: NoticeLevel,
    /// RFC 3339; after it the notice leaves the top of the page (it stays in the history
    /// and the feed). Absent: shown until deleted or given an end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub ends_at: Option<String>,
}

/// The body of `PATCH /api/v1/status-pages/{id}/notices/{notice_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchPageNotice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<NoticeLevel>,
    /// `null` removes the end.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ends_at: Option<Option<String>>,
}

/// A notice's checked words (its end is parsed by the server).
pub struct NoticeText {
    pub title: String,
    pub message: String,
}

impl CreatePageNotice {
    pub fn validated_text(&self) -> Result<NoticeText, FieldError> {
        Ok(NoticeText {
            title: validate_name("title", &self.title, NOTICE_TITLE_MAX_CHARS)?,
            message: validate_text("message", &self.message, NOTICE_MESSAGE_MAX_CHARS, true)?,
        })
    }
}

impl PatchPageNotice {
    /// The new title and message, checked, where given.
    pub fn validated_text(&self) -> Result<(Option<String>, Option<String>), FieldError> {
        let title = self
            .title
            .as_deref()
            .map(|t| validate_name("title", t, NOTICE_TITLE_MAX_CHARS))
            .transpose()?;
        let message = self
            .message
            .as_deref()
            .map(|m| validate_text("message", m, NOTICE_MESSAGE_MAX_CHARS, true))
            .transpose()?;
        Ok((title, message))
    }
}

/// A notice as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageNotice {
    pub id: i64,
    pub page_id: i64,
    pub title: String,
    /// Markdown, as written.
    pub message: String,
    /// The message rendered to sanitised HTML.
    pub message_html: String,
    pub level: NoticeLevel,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub updated_at: String,
    pub ends_at: Option<String>,
    /// Whether it shows at the top of the page now (it has not ended).
    pub active: bool,
}
