//! The request and response shapes of the monitor routes.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::{default_timeout_ms, limits, HttpMethod, MonitorSpec, MonitorStatus};
use crate::FieldError;

/// The body of `POST /api/v1/monitors`: only `name` and `url` are required.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateMonitor {
    pub name: String,
    /// `http://` or `https://` URL to check.
    pub url: String,
    /// Default `GET`.
    #[serde(default)]
    pub method: Option<HttpMethod>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// Request body, sent as-is.
    #[serde(default)]
    pub body: Option<String>,
    /// 1–86400, default 60.
    #[serde(default)]
    pub interval_seconds: Option<u32>,
    /// 100–120000 and below the interval; default 10000, or 80 % of a shorter interval.
    #[serde(default)]
    pub timeout_ms: Option<u32>,
    /// Re-checks after a failure before the monitor is declared down (0–10, default 0).
    #[serde(default)]
    pub retries: Option<u32>,
    /// Seconds between re-checks; default the interval.
    #[serde(default)]
    pub retry_interval_seconds: Option<u32>,
    /// Status codes that count as up; empty or absent means any 2xx.
    #[serde(default)]
    pub expected_status_codes: Option<Vec<u16>>,
    /// Default true (up to 10 redirects).
    #[serde(default)]
    pub follow_redirects: Option<bool>,
    /// Default true.
    #[serde(default)]
    pub verify_tls: Option<bool>,
    /// Default true; false creates the monitor paused.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Minutes between reminder notifications while down (0–10080, default 0 = none).
    #[serde(default)]
    pub resend_interval_minutes: Option<u32>,
}

impl CreateMonitor {
    /// Fills in the defaults and validates the result.
    pub fn into_spec(self) -> Result<MonitorSpec, FieldError> {
        let interval_seconds = self
            .interval_seconds
            .unwrap_or(limits::DEFAULT_INTERVAL_SECONDS);
        let spec = MonitorSpec {
            name: self.name.trim().to_owned(),
            url: self.url.trim().to_owned(),
            method: self.method.unwrap_or_default(),
            headers: self.headers.unwrap_or_default(),
            body: self.body,
            interval_seconds,
            timeout_ms: self
                .timeout_ms
                .unwrap_or_else(|| default_timeout_ms(interval_seconds)),
            retries: self.retries.unwrap_or(0),
            retry_interval_seconds: self.retry_interval_seconds.unwrap_or(interval_seconds),
            expected_status_codes: self.expected_status_codes.unwrap_or_default(),
            follow_redirects: self.follow_redirects.unwrap_or(true),
            verify_tls: self.verify_tls.unwrap_or(true),
            enabled: self.enabled.unwrap_or(true),
            resend_interval_minutes: self.resend_interval_minutes.unwrap_or(0),
        };
        spec.validate()?;
        Ok(spec)
    }
}

/// The body of `PATCH /api/v1/monitors/{id}`: every field optional; absent fields keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchMonitor {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub method: Option<HttpMethod>,
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// `null` clears the body.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub body: Option<Option<String>>,
    #[serde(default)]
    pub interval_seconds: Option<u32>,
    #[serde(default)]
    pub timeout_ms: Option<u32>,
    #[serde(default)]
    pub retries: Option<u32>,
    #[serde(default)]
    pub retry_interval_seconds: Option<u32>,
    #[serde(default)]
    pub expected_status_codes: Option<Vec<u16>>,
    #[serde(default)]
    pub follow_redirects: Option<bool>,
    #[serde(default)]
    pub verify_tls: Option<bool>,
    /// false pauses the monitor, true resumes it.
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub resend_interval_minutes: Option<u32>,
}

fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

impl PatchMonitor {
    /// Applies the patch to `current` and validates the result as a whole.
    pub fn apply(self, current: &MonitorSpec) -> Result<MonitorSpec, FieldError> {
        let mut spec = current.clone();
        if let Some(v) = self.name {
            spec.name = v.trim().to_owned();
        }
        if let Some(v) = self.url {
            spec.url = v.trim().to_owned();
        }
        if let Some(v) = self.method {
            spec.method = v;
        }
        if let Some(v) = self.headers {
            spec.headers = v;
        }
        if let Some(v) = self.body {
            spec.body = v;
        }
        if let Some(v) = self.interval_seconds {
            // Fields still at the default derived from the interval follow it, so that
            // `{"interval_seconds": 1}` works on a monitor created with the defaults.
            if self.timeout_ms.is_none()
                && spec.timeout_ms == default_timeout_ms(spec.interval_seconds)
            {
                spec.timeout_ms = default_timeout_ms(v);
            }
            if self.retry_interval_seconds.is_none()
                && spec.retry_interval_seconds == spec.interval_seconds
            {
                spec.retry_interval_seconds = v;
            }
            spec.interval_seconds = v;
        }
        if let Some(v) = self.timeout_ms {
            spec.timeout_ms = v;
        }
        if let Some(v) = self.retries {
            spec.retries = v;
        }
        if let Some(v) = self.retry_interval_seconds {
            spec.retry_interval_seconds = v;
        }
        if let Some(v) = self.expected_status_codes {
            spec.expected_status_codes = v;
        }
        if let Some(v) = self.follow_redirects {
            spec.follow_redirects = v;
        }
        if let Some(v) = self.verify_tls {
            spec.verify_tls = v;
        }
        if let Some(v) = self.enabled {
            spec.enabled = v;
        }
        if let Some(v) = self.resend_interval_minutes {
            spec.resend_interval_minutes = v;
        }
        spec.validate()?;
        Ok(spec)
    }
}

/// One check of a monitor, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    pub id: i64,
    pub monitor_id: i64,
    /// RFC 3339, UTC.
    pub checked_at: String,
    pub up: bool,
    /// From request start to the end of reading the body (capped at 1 MiB), in milliseconds.
    pub latency_ms: f64,
    pub status_code: Option<u16>,
    /// Why the check failed: `timeout after N ms`, `connection refused`, `dns failure: …`,
    /// `tls error: …`, `unexpected status N`, `too many redirects`, …
    pub error: Option<String>,
}

/// A monitor as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Monitor {
    pub id: i64,
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
    /// Minutes between reminders while down; 0 = none.
    pub resend_interval_minutes: u32,
    /// Read-only.
    pub status: MonitorStatus,
    /// Read-only: the newest check, or null before the first one.
    pub last_check: Option<Check>,
    /// Read-only: uptime over 24h/7d/30d/90d and P99 latency, refreshed in the background;
    /// null until first computed.
    pub stats: Option<crate::MonitorSummary>,
    /// Read-only, RFC 3339 UTC.
    pub created_at: String,
    /// Read-only, RFC 3339 UTC.
    pub updated_at: String,
}

/// A period during which a monitor was down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: i64,
    pub monitor_id: i64,
    /// RFC 3339 UTC: when the check that declared the monitor down ran.
    pub started_at: String,
    /// RFC 3339 UTC: the first successful check after it, or null while open.
    pub resolved_at: Option<String>,
    /// The failure reason of the check that opened the incident.
    pub cause: String,
}
