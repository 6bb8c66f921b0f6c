//! The response shapes of the monitor routes: monitors, checks and incidents.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Assertion, CreateMonitor, DnsRecordType, DnsTransport, HttpMethod, MonitorKind, MonitorStatus,
};
use crate::double_option;

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
    /// Where it ran: `local`, or a remote probe's location.
    #[serde(default = "local")]
    pub location: String,
}

fn local() -> String {
    super::LOCAL.to_owned()
}

/// A monitor as the API returns it. Fields of other kinds than its own are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Monitor {
    pub id: i64,
    pub name: String,
    /// The key a configuration file knows it by, or null.
    #[serde(default)]
    pub key: Option<String>,
    /// Whether it was last set by a configuration file (`flatline apply`): edits made
    /// elsewhere show as drift in the file's next plan.
    #[serde(default)]
    pub managed: bool,
    pub kind: MonitorKind,
    /// Read-only: what is checked, in short (the URL, `tcp://host:port`, `dns A name`,
    /// `ping host`, `push`).
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<HttpMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// `http` only: the request body, or null.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub body: Option<Option<String>>,
    pub interval_seconds: u32,
    pub timeout_ms: u32,
    pub retries: u32,
    pub retry_interval_seconds: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_status_codes: Option<Vec<u16>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_redirects: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_tls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_record_type: Option<DnsRecordType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_transport: Option<DnsTransport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_expected: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_count: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_seconds: Option<u32>,
    /// Read-only, `push` only: the path the watched job calls (`GET` or `POST`), with
    /// `/start` and `/fail` beneath it. In full (`/push/<token>`) only in the answers to
    /// creating the monitor and to `POST /api/v1/monitors/{id}/push-token`; elsewhere the
    /// token is cut to its first characters (`/push/AbC123…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_url: Option<String>,
    pub assertions: Vec<Assertion>,
    /// `http` and `tcp`: days before the certificate expires that a warning is sent,
    /// largest first; empty: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_expiry_days: Option<Vec<u32>>,
    /// Read-only: the TLS certificate the last reading found (`https` and `tcp` with `tls`;
    /// read at most hourly), or null.
    #[serde(default)]
    pub certificate: Option<Certificate>,
    pub enabled: bool,
    /// Minutes between reminders while down; 0 = none.
    pub resend_interval_minutes: u32,
    /// Its escalation policy, or null (its linked channels hear at once).
    #[serde(default)]
    pub escalation_policy_id: Option<i64>,
    /// Whether its badges are served to anyone (`/badge/<badge_key>/status.svg`, …).
    #[serde(default)]
    pub public_badges: bool,
    /// Where it is checked from (`local`: this server or cluster; others: remote probes).
    #[serde(default = "locals")]
    pub locations: Vec<String>,
    /// How many locations must see it down for it to be down (a majority unless set).
    #[serde(default = "one")]
    pub confirm_locations: u32,
    /// Read-only: the random key in the monitor's badge URLs (not its id).
    #[serde(default)]
    pub badge_key: String,
    /// Read-only.
    pub status: MonitorStatus,
    /// Read-only: the newest check, or null before the first one.
    pub last_check: Option<Check>,
    /// Read-only: uptime over 24h/7d/30d/90d and P99 latency, refreshed in the background;
    /// null until first computed.
    pub stats: Option<crate::MonitorSummary>,
    /// Read-only: the node that runs its checks (with several nodes on PostgreSQL; the
    /// one node otherwise), or null while no live node holds it.
    #[serde(default)]
    pub node: Option<String>,
    /// Read-only, RFC 3339 UTC.
    pub created_at: String,
    /// Read-only, RFC 3339 UTC.
    pub updated_at: String,
}

fn locals() -> Vec<String> {
    vec![local()]
}

fn one() -> u32 {
    1
}

impl Monitor {
    /// The body that would create this monitor again (the UI's edit form starts from it).
    pub fn to_create(&self) -> CreateMonitor {
        CreateMonitor {
            name: self.name.clone(),
            key: self.key.clone(),
            kind: Some(self.kind),
            url: self.url.clone(),
            method: self.method,
            headers: self.headers.clone(),
            body: self.body.clone().flatten(),
            interval_seconds: (self.cron.is_none()).then_some(self.interval_seconds),
            timeout_ms: (self.kind != MonitorKind::Push).then_some(self.timeout_ms),
            retries: (self.kind != MonitorKind::Push).then_some(self.retries),
            retry_interval_seconds: (self.kind != MonitorKind::Push)
                .then_some(self.retry_interval_seconds),
            expected_status_codes: self.expected_status_codes.clone(),
            follow_redirects: self.follow_redirects,
            verify_tls: self.verify_tls,
            enabled: Some(self.enabled),
            resend_interval_minutes: Some(self.resend_interval_minutes),
            escalation_policy_id: self.escalation_policy_id,
            host: self.host.clone(),
            port: self.port,
            tls: self.tls,
            dns_record_type: self.dns_record_type,
            dns_server: self.dns_server.clone(),
            dns_transport: self.dns_transport,
            dns_expected: self.dns_expected.clone(),
            ping_count: self.ping_count,
            cron: self.cron.clone(),
            timezone: self.timezone.clone(),
            grace_seconds: self.grace_seconds,
            assertions: Some(self.assertions.clone()),
            certificate_expiry_days: self.certificate_expiry_days.clone(),
            public_badges: Some(self.public_badges),
            locations: (self.kind != MonitorKind::Push).then(|| self.locations.clone()),
            confirm_locations: (self.kind != MonitorKind::Push && self.locations.len() > 1)
                .then_some(self.confirm_locations),
        }
    }
}

/// The leaf certificate a monitor's target presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    /// Its subject, e.g. `CN=example.com`.
    pub subject: String,
    pub issuer: String,
    /// The DNS names and IP addresses it is valid for.
    pub sans: Vec<String>,
    /// RFC 3339 UTC: when it expires.
    pub not_after: String,
    /// Whole days until `not_after` (negative once expired).
    pub days_left: i64,
    /// SHA-256 of the certificate (DER), hex.
    pub sha256: String,
    /// RFC 3339 UTC: when Flatline last read it.
    pub checked_at: String,
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
    /// Who took it, when and how; null while nobody has.
    #[serde(default)]
    pub acknowledged: Option<crate::Acknowledgement>,
    /// What its handlers told its readers, oldest first: in `GET /api/v1/incidents/{id}`
    /// only (absent from lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updates: Option<Vec<crate::IncidentUpdate>>,
}
