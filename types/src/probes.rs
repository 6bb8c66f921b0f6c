//! Remote probes: `flatline probe` processes that check monitors from other locations. What
//! a probe fetches and sends (`/api/v1/probe/…`, with a probe token), and what the owner reads
//! about probes and locations.

use serde::{Deserialize, Serialize};

use crate::{FieldError, MonitorSpec};

/// Longest location name.
pub const LOCATION_MAX_CHARS: usize = 32;
/// Most results in one batch a probe sends.
pub const PROBE_BATCH_MAX: usize = 1_000;

/// Checks a location name: 1–32 of `a-z`, `0-9` and `-`, starting with a letter or digit.
pub fn validate_location(field: &str, location: &str) -> Result<(), FieldError> {
    let ok = !location.is_empty()
        && location.len() <= LOCATION_MAX_CHARS
        && location
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !location.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "a location is 1–{LOCATION_MAX_CHARS} of a-z, 0-9 and -, starting with a letter or digit"
            ),
        ))
    }
}

/// A monitor a probe checks: its id and its configuration (secrets included: the probe
/// must send them to the target).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeAssignment {
    pub id: i64,
    pub spec: MonitorSpec,
}

/// What the probe stream (`GET /api/v1/probe/stream`, server-sent events) says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProbeEvent {
    /// Every monitor of the probe's location: the first event, and after a missed change.
    Snapshot {
        monitors: Vec<ProbeAssignment>,
        /// The server's clock (UTC ms) when it was sent.
        server_time_ms: i64,
    },
    /// A monitor added to the location, or changed.
    Upsert { monitor: Box<ProbeAssignment> },
    /// A monitor gone from the location (deleted, paused, moved).
    Remove { id: i64 },
    /// Every 5 s: the stream is alive.
    Beat { server_time_ms: i64 },
}

impl ProbeEvent {
    /// Its name in the stream (and its `type`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Snapshot { .. } => "snapshot",
            Self::Upsert { .. } => "upsert",
            Self::Remove { .. } => "remove",
            Self::Beat { .. } => "beat",
        }
    }
}

/// One check a probe ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProbeResult {
    pub monitor_id: i64,
    /// UTC ms by the probe's clock when the check started; with the monitor, its identity
    /// (a result sent twice is stored once).
    pub started_at_ms: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub latency_us: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 65535))]
    pub status_code: Option<u16>,
    /// Why it failed; null when it succeeded.
    #[serde(default)]
    pub error: Option<String>,
}

/// The body of `POST /api/v1/probe/results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProbeBatch {
    /// The probe process (random per start), to tell a restarted probe apart.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9_-]{1,64}$")
    )]
    pub probe_id: String,
    /// Its Flatline version.
    pub version: String,
    /// UTC ms by the probe's clock when the batch was sent: the server measures the skew
    /// from it.
    pub sent_at_ms: i64,
    /// Results the probe still holds besides these (buffered while the server was away).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 0, maximum = 9007199254740991_i64)
    )]
    pub buffered: u64,
    /// At most 1,000.
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    pub results: Vec<ProbeResult>,
}

/// The answer to a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProbeBatchAnswer {
    /// Results stored now.
    pub stored: u64,
    /// Results already stored before (a batch sent again), or of monitors no longer at the
    /// location: not stored.
    pub ignored: u64,
    /// Server clock minus probe clock, in ms, as this batch measured it.
    pub skew_ms: i64,
}

/// `GET /api/v1/probes`: a location's probe as last heard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Probe {
    pub location: String,
    /// The probe process last heard from.
    pub probe_id: String,
    pub version: String,
    /// Heard from within the last 30 s.
    pub online: bool,
    /// RFC 3339 UTC.
    pub last_seen: String,
    /// RFC 3339 UTC: when this probe process first reported.
    pub connected_at: String,
    /// Server clock minus probe clock, in ms (results are stamped by the probe and corrected
    /// by this).
    pub skew_ms: i64,
    /// From a check's start to its result reaching the server, in ms (the last batch's
    /// median).
    pub lag_ms: i64,
    /// Results stored per second over the last minute.
    pub checks_per_second: f64,
    /// Results the probe held back, as it last said.
    pub buffered: u64,
    /// Enabled monitors checked from this location.
    pub monitors: u32,
}

/// `GET /api/v1/monitors/{id}/locations`: how each location sees a monitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationState {
    pub location: String,
    /// `up`, `down` (failing beyond the monitor's retries), `pending` (failing, retrying)
    /// or `unknown` (its probe is offline, or no check yet).
    pub status: String,
    /// `local` is always online; a remote location while its probe reports.
    pub online: bool,
    /// The location's newest check.
    pub last_check: Option<crate::Check>,
    /// Over the last 24 hours, from this location's checks: share of checks up (null without
    /// checks).
    pub uptime_24h: Option<f64>,
    /// Latency percentiles over the last 24 hours, in ms.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub checks_24h: u64,
}

#[cfg(test)]
mod tests {
    use super::validate_location;

    #[test]
    fn location_names() {
        for ok in ["eu", "us-east-1", "local", "a", "0ap"] {
            assert!(validate_location("l", ok).is_ok(), "{ok}");
        }
        for bad in ["", "-eu", "EU", "eu west", "eu_west", &"x".repeat(33)] {
            assert!(validate_location("l", bad).is_err(), "{bad}");
        }
    }
}
