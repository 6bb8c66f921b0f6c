//! Monitors: their states, their validated configuration and its bounds. The routes' shapes
//! are in `api`, the field checks shared with channels in `fields`.

mod api;
mod fields;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::FieldError;
pub use api::*;
pub use fields::public_url;
pub(crate) use fields::{validate_header, validate_http_url};

/// Bounds of the monitor fields, shared by the API's validation and the UI's forms.
pub mod limits {
    /// Smallest and largest check interval, in seconds.
    pub const INTERVAL_SECONDS: (u32, u32) = (1, 86_400);
    /// Smallest and largest request timeout, in milliseconds.
    pub const TIMEOUT_MS: (u32, u32) = (100, 120_000);
    /// Most retries before a monitor is declared down.
    pub const MAX_RETRIES: u32 = 10;
    /// Longest monitor name, in characters.
    pub const NAME_MAX_CHARS: usize = 200;
    /// Longest URL, in bytes.
    pub const URL_MAX_BYTES: usize = 2048;
    /// Largest request body, in bytes.
    pub const BODY_MAX_BYTES: usize = 64 * 1024;
    /// Most custom request headers.
    pub const MAX_HEADERS: usize = 50;
    /// Default interval when none is given.
    pub const DEFAULT_INTERVAL_SECONDS: u32 = 60;
    /// Default timeout when the interval allows it.
    pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
}

/// What a monitor is doing right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MonitorStatus {
    /// New, or failing but still within its retries.
    Pending,
    /// The last check succeeded.
    Up,
    /// Failed more than `retries` times in a row; an incident is open.
    Down,
    /// Disabled: not checked.
    Paused,
}

impl MonitorStatus {
    /// The lowercase name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Up => "up",
            Self::Down => "down",
            Self::Paused => "paused",
        }
    }

    /// Parses the lowercase name; unknown names are `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "up" => Self::Up,
            "down" => Self::Down,
            "paused" => Self::Paused,
            _ => return None,
        })
    }
}

/// The HTTP method a monitor sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl HttpMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
        }
    }

    /// Parses an uppercase method name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "GET" => Self::Get,
            "HEAD" => Self::Head,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            "OPTIONS" => Self::Options,
            _ => return None,
        })
    }
}

/// Everything that defines how a monitor is checked: the stored, validated configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorSpec {
    pub name: String,
    pub url: String,
    pub method: HttpMethod,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub interval_seconds: u32,
    pub timeout_ms: u32,
    pub retries: u32,
    pub retry_interval_seconds: u32,
    pub expected_status_codes: Vec<u16>,
    pub follow_redirects: bool,
    pub verify_tls: bool,
    pub enabled: bool,
    /// Minutes between reminders while the monitor stays down; 0 = no reminders.
    pub resend_interval_minutes: u32,
}

/// The default timeout for an interval: 10 s, or 80 % of a shorter interval.
pub fn default_timeout_ms(interval_seconds: u32) -> u32 {
    let interval_ms = interval_seconds.saturating_mul(1000);
    limits::DEFAULT_TIMEOUT_MS
        .min(interval_ms / 5 * 4)
        .max(limits::TIMEOUT_MS.0)
}

impl MonitorSpec {
    /// Checks every field and the rules between them; the first problem found is returned.
    pub fn validate(&self) -> Result<(), FieldError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(FieldError::new("name", "must not be empty"));
        }
        if name.chars().count() > limits::NAME_MAX_CHARS {
            return Err(FieldError::new(
                "name",
                format!("must be at most {} characters", limits::NAME_MAX_CHARS),
            ));
        }
        validate_http_url("url", &self.url)?;
        if self.headers.len() > limits::MAX_HEADERS {
            return Err(FieldError::new(
                "headers",
                format!("at most {} headers", limits::MAX_HEADERS),
            ));
        }
        for (name, value) in &self.headers {
            validate_header("headers", name, value)?;
        }
        if let Some(body) = &self.body {
            if body.len() > limits::BODY_MAX_BYTES {
                return Err(FieldError::new(
                    "body",
                    format!("must be at most {} bytes", limits::BODY_MAX_BYTES),
                ));
            }
        }
        let (lo, hi) = limits::INTERVAL_SECONDS;
        if !(lo..=hi).contains(&self.interval_seconds) {
            return Err(FieldError::new(
                "interval_seconds",
                format!("must be between {lo} and {hi}"),
            ));
        }
        let (lo, hi) = limits::TIMEOUT_MS;
        if !(lo..=hi).contains(&self.timeout_ms) {
            return Err(FieldError::new(
                "timeout_ms",
                format!("must be between {lo} and {hi}"),
            ));
        }
        if u64::from(self.timeout_ms) >= u64::from(self.interval_seconds) * 1000 {
            return Err(FieldError::new(
                "timeout_ms",
                format!(
                    "must be below the interval ({} ms)",
                    u64::from(self.interval_seconds) * 1000
                ),
            ));
        }
        if self.retries > limits::MAX_RETRIES {
            return Err(FieldError::new(
                "retries",
                format!("must be between 0 and {}", limits::MAX_RETRIES),
            ));
        }
        let (lo, hi) = limits::INTERVAL_SECONDS;
        if !(lo..=hi).contains(&self.retry_interval_seconds) {
            return Err(FieldError::new(
                "retry_interval_seconds",
                format!("must be between {lo} and {hi}"),
            ));
        }
        if u64::from(self.timeout_ms) >= u64::from(self.retry_interval_seconds) * 1000 {
            return Err(FieldError::new(
                "retry_interval_seconds",
                "must be longer than timeout_ms",
            ));
        }
        if self.resend_interval_minutes > crate::RESEND_INTERVAL_MAX_MINUTES {
            return Err(FieldError::new(
                "resend_interval_minutes",
                format!(
                    "must be between 0 and {}",
                    crate::RESEND_INTERVAL_MAX_MINUTES
                ),
            ));
        }
        for (i, code) in self.expected_status_codes.iter().enumerate() {
            if !(100..=599).contains(code) {
                return Err(FieldError::new(
                    format!("expected_status_codes[{i}]"),
                    "must be between 100 and 599",
                ));
            }
        }
        Ok(())
    }

    /// Whether `status` counts as success for this monitor (empty list: any 2xx).
    pub fn accepts_status(&self, status: u16) -> bool {
        if self.expected_status_codes.is_empty() {
            (200..300).contains(&status)
        } else {
            self.expected_status_codes.contains(&status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(json: &str) -> Result<MonitorSpec, FieldError> {
        serde_json::from_str::<CreateMonitor>(json)
            .map_err(|e| FieldError::new("json", e.to_string()))?
            .into_spec()
    }

    #[test]
    fn defaults_fill_in() {
        let spec = create(r#"{"name":" a ","url":"http://127.0.0.1:1/x"}"#).expect("valid");
        assert_eq!(spec.name, "a");
        assert_eq!(spec.interval_seconds, 60);
        assert_eq!(spec.timeout_ms, 10_000);
        assert_eq!(spec.retry_interval_seconds, 60);
        assert!(spec.follow_redirects && spec.verify_tls && spec.enabled);
        assert!(spec.accepts_status(204) && !spec.accepts_status(301));
    }

    #[test]
    fn short_interval_gets_a_shorter_default_timeout() {
        let spec = create(r#"{"name":"a","url":"http://h/","interval_seconds":1}"#).expect("ok");
        assert_eq!(spec.timeout_ms, 800);
        assert_eq!(default_timeout_ms(5), 4000);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"name":"","url":"http://h/"}"#, "name"),
            (r#"{"name":"a","url":"ftp://h/"}"#, "url"),
            (r#"{"name":"a","url":"not a url"}"#, "url"),
            (
                r#"{"name":"a","url":"http://h/","interval_seconds":0}"#,
                "interval_seconds",
            ),
            (
                r#"{"name":"a","url":"http://h/","interval_seconds":86401}"#,
                "interval_seconds",
            ),
            (
                r#"{"name":"a","url":"http://h/","timeout_ms":50}"#,
                "timeout_ms",
            ),
            (
                r#"{"name":"a","url":"http://h/","interval_seconds":5,"timeout_ms":5000}"#,
                "timeout_ms",
            ),
            (r#"{"name":"a","url":"http://h/","retries":11}"#, "retries"),
            (
                r#"{"name":"a","url":"http://h/","expected_status_codes":[200,99]}"#,
                "expected_status_codes[1]",
            ),
            (
                r#"{"name":"a","url":"http://h/","headers":{"bad name":"x"}}"#,
                "headers.bad name",
            ),
            (
                r#"{"name":"a","url":"http://h/","retry_interval_seconds":2}"#,
                "retry_interval_seconds",
            ),
        ];
        for (json, field) in cases {
            let err = create(json).expect_err(json);
            assert_eq!(err.field, field, "{json}");
        }
    }

    #[test]
    fn patch_keeps_absent_fields_and_clears_body_with_null() {
        let mut spec =
            create(r#"{"name":"a","url":"http://h/","body":"x","retries":2}"#).expect("ok");
        let patch: PatchMonitor = serde_json::from_str(r#"{"interval_seconds":30}"#).expect("p");
        spec = patch.apply(&spec).expect("ok");
        assert_eq!(spec.body.as_deref(), Some("x"));
        assert_eq!((spec.interval_seconds, spec.retries), (30, 2));
        let patch: PatchMonitor = serde_json::from_str(r#"{"body":null}"#).expect("p");
        assert_eq!(patch.apply(&spec).expect("ok").body, None);
    }

    #[test]
    fn patch_validates_the_whole_result() {
        let spec = create(r#"{"name":"a","url":"http://h/","timeout_ms":9000}"#).expect("ok");
        let patch: PatchMonitor = serde_json::from_str(r#"{"interval_seconds":5}"#).expect("p");
        assert_eq!(patch.apply(&spec).expect_err("timeout").field, "timeout_ms");
    }

    #[test]
    fn defaulted_fields_follow_a_patched_interval() {
        let spec = create(r#"{"name":"a","url":"http://h/"}"#).expect("ok");
        let patch: PatchMonitor = serde_json::from_str(r#"{"interval_seconds":2}"#).expect("p");
        let spec = patch.apply(&spec).expect("defaults follow");
        assert_eq!((spec.timeout_ms, spec.retry_interval_seconds), (1600, 2));
        let spec =
            create(r#"{"name":"a","url":"http://h/","retry_interval_seconds":30}"#).expect("ok");
        let patch: PatchMonitor = serde_json::from_str(r#"{"interval_seconds":20}"#).expect("p");
        assert_eq!(
            patch.apply(&spec).expect("ok").retry_interval_seconds,
            30,
            "explicit value kept"
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_str::<CreateMonitor>(r#"{"name":"a","url":"u","x":1}"#).is_err());
    }
}
