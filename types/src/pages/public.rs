//! What the public reads: `GET /status/<slug>/status.json`, and the page rendered from it.
//! Names and states only: never a monitor's URL, host or error.

use serde::{Deserialize, Serialize};

use crate::{MonitorStatus, NoticeLevel, PageTheme};

/// A page's overall state, as its banner reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OverallState {
    /// "All systems operational".
    Operational,
    /// "Partial outage": some monitors are down.
    PartialOutage,
    /// "Major outage": every monitor that is watched is down.
    MajorOutage,
    /// "Under maintenance": nothing is down, and some monitors are in a maintenance window.
    UnderMaintenance,
}

impl OverallState {
    /// The banner's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Operational => "All systems operational",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
            Self::UnderMaintenance => "Under maintenance",
        }
    }
}

/// `GET /status/<slug>/status.json`: what the public page shows, as data. Names and states
/// only: never a monitor's URL, host or error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicStatusPage {
    pub slug: String,
    pub title: String,
    /// Sanitised HTML of the description.
    pub description_html: String,
    pub footer_html: String,
    pub theme: PageTheme,
    pub overall: OverallState,
    pub sections: Vec<PublicSection>,
    /// Notices that have not ended, newest first.
    pub notices: Vec<PublicNotice>,
    /// Open incidents of the page's monitors, newest first.
    pub active_incidents: Vec<PublicIncident>,
    /// Incidents of the page's monitors resolved in the last 90 days, newest first.
    pub past_incidents: Vec<PublicIncident>,
    /// Notices that ended in the last 90 days, newest first.
    pub past_notices: Vec<PublicNotice>,
    /// Maintenance of the page's monitors under way or coming (the next three occurrences of
    /// each window), soonest first.
    pub maintenance: Vec<PublicMaintenance>,
    /// When these data were gathered, RFC 3339 UTC.
    pub generated_at: String,
    /// Changes whenever what the page shows changes (also the `ETag`).
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicSection {
    pub name: String,
    pub monitors: Vec<PublicMonitor>,
}

/// A monitor as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicMonitor {
    /// Its display name.
    pub name: String,
    pub status: MonitorStatus,
    /// Time-weighted uptime in percent, absent before there is any.
    pub uptime_24h: Option<f64>,
    pub uptime_30d: Option<f64>,
    pub uptime_90d: Option<f64>,
    /// P99 latency of the last 24 hours, when the page shows latency.
    pub p99_24h_ms: Option<f64>,
    /// The last 90 UTC days, oldest first.
    pub days: Vec<PublicDay>,
}

/// One day's bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicDay {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// Absent for a day the monitor was not watched (not yet created, or paused).
    pub uptime_pct: Option<f64>,
    pub downtime_seconds: f64,
    /// Time in maintenance windows, left out of the uptime.
    pub maintenance_seconds: f64,
}

/// An incident as the public sees it: which monitor (by display name), when, and what its
/// handlers wrote; never its cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicIncident {
    pub id: i64,
    /// The display name of the monitor it is about.
    pub monitor: String,
    pub started_at: String,
    pub resolved_at: Option<String>,
    /// Oldest first.
    pub updates: Vec<PublicIncidentUpdate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicIncidentUpdate {
    pub state: crate::IncidentUpdateState,
    pub message_html: String,
    pub created_at: String,
}

/// A maintenance window as the public sees it: what and when, not which monitors by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicMaintenance {
    pub title: String,
    pub description_html: String,
    /// The occurrence under way, if any.
    pub active: Option<crate::Occurrence>,
    pub upcoming: Vec<crate::Occurrence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicNotice {
    pub id: i64,
    pub title: String,
    pub message_html: String,
    pub level: NoticeLevel,
    pub created_at: String,
    pub updated_at: String,
    pub ends_at: Option<String>,
}
