//! The request and response shapes of the channel routes, and the states of a delivery.

use serde::{Deserialize, Serialize};

use super::ChannelConfig;
use crate::{double_option, FieldError};

/// Longest channel name, in characters.
pub const CHANNEL_NAME_MAX_CHARS: usize = 200;

/// The body of `POST /api/v1/notification-channels`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    /// The stable name a configuration file knows it by: 1–64 of `a-z0-9-_.`, unique.
    /// Optional; without one no file touches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<String>,
    pub name: String,
    pub config: ChannelConfig,
    /// Linked to every monitor created from now on. Default false.
    #[serde(default)]
    pub default: bool,
    /// With `default`: link it to every existing monitor too. Default false.
    #[serde(default)]
    pub apply_to_existing: bool,
}

/// The body of `PATCH /api/v1/notification-channels/{id}`: absent fields keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchChannel {
    /// A new key; `null` removes it.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<Option<String>>,
    #[serde(default)]
    pub name: Option<String>,
    /// Some fields of the config; with the same `type`, absent or still-masked secrets keep
    /// their stored value.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub config: Option<serde_json::Value>,
    #[serde(default)]
    pub default: Option<bool>,
}

/// Checks a channel name; returns it trimmed.
pub fn validate_channel_name(name: &str) -> Result<String, FieldError> {
    crate::validate_name("name", name, CHANNEL_NAME_MAX_CHARS)
}

/// A notification channel as the API returns it: secrets masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationChannel {
    /// The key a configuration file knows it by, or null.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<String>,
    /// Whether a configuration file last set it.
    #[serde(default)]
    pub managed: bool,
    pub id: i64,
    pub name: String,
    /// Secrets masked (`***`).
    pub config: ChannelConfig,
    /// New monitors get this channel.
    pub default: bool,
    /// Monitors linked to it.
    pub monitor_ids: Vec<i64>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// The body of `POST /api/v1/monitors/{id}/notifications`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkChannel {
    pub channel_id: i64,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NotificationEvent {
    /// The monitor went down (an incident opened).
    Down,
    /// It recovered (the incident was resolved).
    Up,
    /// It is still down (repeated every `resend_interval_minutes`).
    Reminder,
    /// A test message sent from the channel's page or `POST …/test`.
    Test,
    /// The monitor's TLS certificate has crossed one of its `certificate_expiry_days`
    /// (once per threshold per certificate). Not downtime.
    #[serde(rename = "certificate_expiring")]
    CertificateExpiring,
    /// A maintenance window with `notify` began for the monitor. Not downtime.
    #[serde(rename = "maintenance_started")]
    MaintenanceStarted,
    /// That window ended; the monitor is watched as usual again.
    #[serde(rename = "maintenance_ended")]
    MaintenanceEnded,
    /// The remote probe of a location the monitor is checked from went silent (30 s): its
    /// location counts as unknown. One per channel, whatever the number of monitors.
    #[serde(rename = "probe_offline")]
    ProbeOffline,
    /// That probe reports again.
    #[serde(rename = "probe_online")]
    ProbeOnline,
}

impl NotificationEvent {
    /// The name stored in the outbox and sent in webhooks.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Up => "up",
            Self::Reminder => "reminder",
            Self::Test => "test",
            Self::CertificateExpiring => "certificate_expiring",
            Self::MaintenanceStarted => "maintenance_started",
            Self::MaintenanceEnded => "maintenance_ended",
            Self::ProbeOffline => "probe_offline",
            Self::ProbeOnline => "probe_online",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "down" => Self::Down,
            "up" => Self::Up,
            "reminder" => Self::Reminder,
            "test" => Self::Test,
            "certificate_expiring" => Self::CertificateExpiring,
            "maintenance_started" => Self::MaintenanceStarted,
            "maintenance_ended" => Self::MaintenanceEnded,
            "probe_offline" => Self::ProbeOffline,
            "probe_online" => Self::ProbeOnline,
            _ => return None,
        })
    }

    /// Whether it reports a monitor that is down.
    pub fn is_bad(self) -> bool {
        matches!(self, Self::Down | Self::Reminder)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or for a retry.
    Pending,
    /// A test message being sent right now (the delivery loop never picks it up).
    Sending,
    /// The channel accepted it.
    Sent,
    /// Given up after the last attempt.
    Failed,
    /// A later escalation step that was not needed: the incident was acknowledged or
    /// resolved before it came due.
    Cancelled,
}

impl DeliveryStatus {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }
}

/// One notification on its way to (or delivered to) one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    pub channel_id: i64,
    pub monitor_id: Option<i64>,
    pub event: NotificationEvent,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// RFC 3339 UTC: when the event was queued.
    pub created_at: String,
    /// RFC 3339 UTC: the last attempt, or the queueing.
    pub updated_at: String,
    /// RFC 3339 UTC: when the channel accepted it.
    pub sent_at: Option<String>,
    /// RFC 3339 UTC: the next attempt, while pending.
    pub next_attempt_at: Option<String>,
}

/// The outcome of `POST /api/v1/notification-channels/{id}/test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestOutcome {
    /// Whether the channel accepted the message.
    pub ok: bool,
    /// The HTTP status the channel answered, for HTTP channels.
    pub status_code: Option<u16>,
    /// Why it failed.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: f64,
}
