//! Push monitors check nothing: the watched job calls the monitor's push URL. This is their
//! schedule: when the next ping is expected (an interval after the last one, or the next time
//! a cron expression gives, in its time zone) and how a missed one is described.

use chrono::TimeZone;
use flatline_types::{PushSchedule, PushTarget};

use super::CheckOutcome;

/// A push monitor's schedule, parsed once per configuration.
#[derive(Debug)]
pub enum Schedule {
    /// A ping every so many milliseconds.
    Interval { period_ms: i64 },
    /// A ping at every time the expression gives, in the zone.
    Cron {
        cron: Box<croner::Cron>,
        zone: chrono_tz::Tz,
        expression: String,
    },
    /// The stored expression no longer parses: every deadline is missed with this reason.
    Invalid(String),
}

impl Schedule {
    /// Parses `target`'s schedule; `interval_seconds` is the period of interval schedules.
    pub fn of(target: &PushTarget, interval_seconds: u32) -> Self {
        match &target.schedule {
            PushSchedule::Interval => Self::Interval {
                period_ms: i64::from(interval_seconds) * 1000,
            },
            PushSchedule::Cron {
                expression,
                timezone,
            } => match (
                flatline_types::schedule::parse_cron(expression),
                flatline_types::schedule::parse_timezone(timezone),
            ) {
                (Ok(cron), Ok(zone)) => Self::Cron {
                    cron: Box::new(cron),
                    zone,
                    expression: expression.clone(),
                },
                (Err(e), _) | (_, Err(e)) => Self::Invalid(e.to_string()),
            },
        }
    }

    /// When the first ping after `after_ms` is expected (UTC ms).
    pub fn next_expected_ms(&self, after_ms: i64) -> i64 {
        match self {
            Self::Interval { period_ms } => after_ms + period_ms,
            Self::Cron { cron, zone, .. } => zone
                .timestamp_millis_opt(after_ms)
                .single()
                .and_then(|t| cron.find_next_occurrence(&t, false).ok())
                .map(|t| t.timestamp_millis())
                // No further occurrence (a date in the past): check again in a day.
                .unwrap_or(after_ms + 86_400_000),
            Self::Invalid(_) => after_ms + 60_000,
        }
    }

    /// Why the monitor is down when the ping expected at `expected_ms` has not come within
    /// `grace_seconds`.
    pub fn missed(&self, expected_ms: i64, grace_seconds: u32) -> String {
        let grace = human(i64::from(grace_seconds));
        match self {
            Self::Interval { period_ms } => {
                format!("no ping within {} + {grace} grace", human(period_ms / 1000))
            }
            Self::Cron {
                zone, expression, ..
            } => {
                let at = zone
                    .timestamp_millis_opt(expected_ms)
                    .single()
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S %Z").to_string())
                    .unwrap_or_default();
                format!("no ping within {grace} grace of {at} (cron {expression})")
            }
            Self::Invalid(reason) => format!("invalid schedule: {reason}"),
        }
    }
}

/// `90` → `1m 30s`, `3600` → `1h`.
fn human(seconds: i64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (s, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

/// What a push monitor's check would be if something asked it to run one: nothing is checked;
/// its outcomes come from pings and their absence.
pub fn not_checked() -> CheckOutcome {
    CheckOutcome::without_status(
        flatline_store::clock::now_ms(),
        0,
        Some("push monitors are not checked; they wait for pings".to_owned()),
    )
}

/// A reported failure's message as stored: one line, at most 500 characters.
pub fn failure_reason(message: Option<&str>) -> String {
    let cleaned: String = message
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(500)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "failure reported by the job".to_owned()
    } else {
        format!("failure reported by the job: {cleaned}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cron(expression: &str, timezone: &str) -> Schedule {
        Schedule::of(
            &PushTarget {
                schedule: PushSchedule::Cron {
                    expression: expression.into(),
                    timezone: timezone.into(),
                },
                grace_seconds: 60,
                token_hash: String::new(),
                token_hint: String::new(),
            },
            60,
        )
    }

    #[test]
    fn cron_schedules_follow_their_zone() {
        // 2026-12-02T10:17:30Z.
        let t = 1_796_206_650_000;
        let every_minute = cron("*/1 * * * *", "UTC");
        assert_eq!(every_minute.next_expected_ms(t), 1_796_206_680_000);
        // 03:00 in Berlin (UTC+1 in December) is 02:00 UTC on the next day.
        let nightly = cron("0 3 * * *", "Europe/Berlin");
        assert_eq!(nightly.next_expected_ms(t), 1_796_263_200_000);
        let reason = nightly.missed(1_796_263_200_000, 300);
        assert_eq!(
            reason,
            "no ping within 5m grace of 2026-12-03 03:00:00 CET (cron 0 3 * * *)"
        );
    }

    #[test]
    fn interval_schedules_and_reasons() {
        let s = Schedule::of(
            &PushTarget {
                schedule: PushSchedule::Interval,
                grace_seconds: 90,
                token_hash: String::new(),
                token_hint: String::new(),
            },
            3600,
        );
        assert_eq!(s.next_expected_ms(1000), 3_601_000);
        assert_eq!(s.missed(0, 90), "no ping within 1h + 1m 30s grace");
        assert_eq!(
            failure_reason(Some("disk\nfull")),
            "failure reported by the job: disk full"
        );
        assert_eq!(failure_reason(None), "failure reported by the job");
    }
}
