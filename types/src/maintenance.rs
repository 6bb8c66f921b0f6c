//! Maintenance windows: planned work during which monitors are checked but their failures
//! open no incident and alert no one, and their time is left out of uptime. One-off
//! (`starts_at`–`ends_at`) or recurring (an RFC 5545 `rrule` in a `timezone`, each
//! occurrence lasting `duration_minutes`).

use serde::{Deserialize, Serialize};

use crate::{double_option, validate_name, FieldError};

/// Longest title, in characters.
pub const MAINTENANCE_TITLE_MAX_CHARS: usize = 200;
/// Longest description (Markdown), in characters.
pub const MAINTENANCE_DESCRIPTION_MAX_CHARS: usize = 10_000;
/// Longest occurrence of a recurring window: a week.
pub const MAINTENANCE_MAX_MINUTES: u32 = 10_080;
/// Most monitors one window names.
pub const MAINTENANCE_MONITORS_MAX: usize = 10_000;
/// Longest rule, in characters.
pub const RRULE_MAX_CHARS: usize = 500;

/// The body of `POST /api/v1/maintenance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateMaintenance {
    /// The stable name a configuration file knows it by: 1–64 of `a-z0-9-_.`, unique.
    /// Optional; without one no file touches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<String>,
    /// 1–200 characters, one line.
    pub title: String,
    /// Markdown (sanitised when shown), at most 10,000 characters.
    #[serde(default)]
    pub description: String,
    /// The monitors it covers (ignored with `all`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10000))]
    pub monitors: Vec<i64>,
    /// Covers every monitor.
    #[serde(default)]
    pub all: bool,
    /// RFC 3339. A one-off window's start; for a recurrence, where it starts counting
    /// (its DTSTART; default: midnight of the day it is created, in `timezone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub starts_at: Option<String>,
    /// RFC 3339, after `starts_at`: a one-off window's end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub ends_at: Option<String>,
    /// A recurrence in RFC 5545 form, e.g. `FREQ=WEEKLY;BYDAY=SU;BYHOUR=3;BYMINUTE=0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrule: Option<String>,
    /// The IANA time zone the recurrence is read in (default `UTC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// How long each occurrence lasts (1–10,080 minutes); required with `rrule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10080))]
    pub duration_minutes: Option<u32>,
    /// Tell the monitors' notification channels when each occurrence starts and ends.
    #[serde(default)]
    pub notify: bool,
}

/// The body of `PATCH /api/v1/maintenance/{id}`: the fields given replace the window's
/// (`null` clears `starts_at`, `ends_at`, `rrule`, `timezone`, `duration_minutes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchMaintenance {
    /// A new key; `null` removes it.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 10000))]
    pub monitors: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub starts_at: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ends_at: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub rrule: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub timezone: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, minimum = 1, maximum = 10080))]
    pub duration_minutes: Option<Option<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
}

impl PatchMaintenance {
    /// `current` with the patch laid over it.
    pub fn apply(self, current: &CreateMaintenance) -> CreateMaintenance {
        let mut next = current.clone();
        if let Some(v) = self.title {
            next.title = v;
        }
        if let Some(v) = self.description {
            next.description = v;
        }
        if let Some(v) = self.monitors {
            next.monitors = v;
        }
        if let Some(v) = self.all {
            next.all = v;
        }
        if let Some(v) = self.starts_at {
            next.starts_at = v;
        }
        if let Some(v) = self.ends_at {
            next.ends_at = v;
        }
        if let Some(v) = self.rrule {
            next.rrule = v;
        }
        if let Some(v) = self.timezone {
            next.timezone = v;
        }
        if let Some(v) = self.duration_minutes {
            next.duration_minutes = v;
        }
        if let Some(v) = self.notify {
            next.notify = v;
        }
        next
    }
}

impl CreateMaintenance {
    /// Checks what can be checked without a clock or a rule parser (the server parses the
    /// times and the rule); returns it with its title trimmed.
    pub fn validated(mut self) -> Result<Self, FieldError> {
        if let Some(key) = &self.key {
            crate::validate_key("key", key)?;
        }
        self.title = validate_name("title", &self.title, MAINTENANCE_TITLE_MAX_CHARS)?;
        self.description = crate::pages::validate_markdown("description", &self.description)?;
        if self.monitors.len() > MAINTENANCE_MONITORS_MAX {
            return Err(FieldError::new(
                "monitors",
                format!("must name at most {MAINTENANCE_MONITORS_MAX} monitors"),
            ));
        }
        if !self.all && self.monitors.is_empty() {
            return Err(FieldError::new(
                "monitors",
                "must name at least one monitor (or set `all`)",
            ));
        }
        match (&self.rrule, &self.ends_at) {
            (Some(_), Some(_)) => {
                return Err(FieldError::new(
                    "ends_at",
                    "a recurring window has `duration_minutes`, not `ends_at`",
                ))
            }
            (None, None) => {
                return Err(FieldError::new(
                    "ends_at",
                    "is required (or give `rrule` and `duration_minutes`)",
                ))
            }
            (None, Some(_)) => {
                if self.starts_at.is_none() {
                    return Err(FieldError::new("starts_at", "is required with `ends_at`"));
                }
                if self.duration_minutes.is_some() || self.timezone.is_some() {
                    return Err(FieldError::new(
                        "rrule",
                        "is required with `duration_minutes` and `timezone`",
                    ));
                }
            }
            (Some(rule), None) => {
                if rule.trim().is_empty() || rule.chars().count() > RRULE_MAX_CHARS {
                    return Err(FieldError::new(
                        "rrule",
                        format!("must be 1 to {RRULE_MAX_CHARS} characters"),
                    ));
                }
                match self.duration_minutes {
                    Some(1..=MAINTENANCE_MAX_MINUTES) => {}
                    _ => {
                        return Err(FieldError::new(
                            "duration_minutes",
                            format!("is required with `rrule`: 1 to {MAINTENANCE_MAX_MINUTES}"),
                        ))
                    }
                }
            }
        }
        Ok(self)
    }
}

/// One occurrence of a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Occurrence {
    /// RFC 3339 UTC.
    pub starts_at: String,
    pub ends_at: String,
}

/// A maintenance window as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Maintenance {
    /// The key a configuration file knows it by, or null.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub key: Option<String>,
    /// Whether a configuration file last set it.
    #[serde(default)]
    pub managed: bool,
    pub id: i64,
    pub title: String,
    pub description: String,
    /// The description rendered to sanitised HTML.
    pub description_html: String,
    pub monitors: Vec<i64>,
    pub all: bool,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub rrule: Option<String>,
    pub timezone: Option<String>,
    pub duration_minutes: Option<u32>,
    /// Whether the monitors' channels hear when each occurrence starts and ends.
    pub notify: bool,
    /// The occurrence under way now, if any.
    pub active: Option<Occurrence>,
    /// The next occurrences (up to 5), soonest first.
    pub upcoming: Vec<Occurrence>,
    pub created_at: String,
    pub updated_at: String,
}

/// When a window's occurrences are: its times parsed and its rule compiled (the server).
#[cfg(feature = "patterns")]
pub mod occurrences {
    use chrono::{DateTime, TimeZone, Utc};
    use rrule::{RRule, RRuleSet, Tz, Unvalidated};

    use super::CreateMaintenance;
    use crate::FieldError;

    /// How many occurrences are looked at, at most, per question (bounds the work a rule
    /// like `FREQ=MINUTELY` can cause).
    const LOOKUP_LIMIT: u16 = 500;

    /// A window's occurrences.
    #[derive(Clone, Debug)]
    pub enum Plan {
        OneOff {
            start_ms: i64,
            end_ms: i64,
        },
        Recurring {
            set: Box<RRuleSet>,
            duration_ms: i64,
        },
    }

    fn parse_time(field: &str, text: &str) -> Result<i64, FieldError> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .map_err(|_| {
                FieldError::new(field, "must be an RFC 3339 time, e.g. 2027-01-31T02:00:00Z")
            })
    }

    fn utc(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
    }

    impl Plan {
        /// The plan of a checked window (see `CreateMaintenance::validated`) created at
        /// `created_ms`: the times parsed, the rule compiled in its time zone.
        pub fn of(w: &CreateMaintenance, created_ms: i64) -> Result<Self, FieldError> {
            let Some(rule) = &w.rrule else {
                let start_ms = parse_time("starts_at", w.starts_at.as_deref().unwrap_or_default())?;
                let end_ms = parse_time("ends_at", w.ends_at.as_deref().unwrap_or_default())?;
                if end_ms <= start_ms {
                    return Err(FieldError::new("ends_at", "must be after `starts_at`"));
                }
                return Ok(Self::OneOff { start_ms, end_ms });
            };
            let zone_name = w.timezone.as_deref().unwrap_or("UTC");
            let zone: chrono_tz::Tz = zone_name.parse().map_err(|_| {
                FieldError::new("timezone", "must be an IANA time zone, e.g. Europe/Berlin")
            })?;
            let tz = Tz::Tz(zone);
            let start = match &w.starts_at {
                Some(s) => utc(parse_time("starts_at", s)?).with_timezone(&tz),
                None => {
                    // Midnight of the day it was created, there: a rule's unset minutes and
                    // seconds come from its start, so `BYHOUR=3` means 03:00.
                    let local = utc(created_ms).with_timezone(&zone).date_naive();
                    let midnight = local.and_hms_opt(0, 0, 0).unwrap_or_default();
                    zone.from_local_datetime(&midnight)
                        .earliest()
                        .map(|t| t.with_timezone(&tz))
                        .unwrap_or_else(|| utc(created_ms).with_timezone(&tz))
                }
            };
            let rule = rule.trim();
            let rule = rule.strip_prefix("RRULE:").unwrap_or(rule);
            let unvalidated: RRule<Unvalidated> = rule
                .parse()
                .map_err(|e| FieldError::new("rrule", format!("is not an RFC 5545 rule: {e}")))?;
            let set = unvalidated
                .build(start)
                .map_err(|e| FieldError::new("rrule", format!("is not a usable rule: {e}")))?;
            let duration_ms = i64::from(w.duration_minutes.unwrap_or(0)) * 60_000;
            Ok(Self::Recurring {
                set: Box::new(set),
                duration_ms,
            })
        }

        /// Occurrences that end after `from_ms`, soonest first, at most `n`.
        pub fn occurrences_after(&self, from_ms: i64, n: usize) -> Vec<(i64, i64)> {
            match self {
                Self::OneOff { start_ms, end_ms } => {
                    if *end_ms > from_ms && n > 0 {
                        vec![(*start_ms, *end_ms)]
                    } else {
                        vec![]
                    }
                }
                Self::Recurring { set, duration_ms } => {
                    let after = utc(from_ms - duration_ms + 1).with_timezone(&Tz::UTC);
                    let limit = u16::try_from(n).unwrap_or(u16::MAX).min(LOOKUP_LIMIT);
                    RRuleSet::clone(set)
                        .after(after)
                        .all(limit)
                        .dates
                        .into_iter()
                        .map(|d| {
                            let s = d.timestamp_millis();
                            (s, s + duration_ms)
                        })
                        .filter(|(_, e)| *e > from_ms)
                        .take(n)
                        .collect()
                }
            }
        }

        /// The occurrence under way at `now_ms`, if any.
        pub fn active_at(&self, now_ms: i64) -> Option<(i64, i64)> {
            self.occurrences_after(now_ms, 3)
                .into_iter()
                .find(|(s, e)| *s <= now_ms && now_ms < *e)
        }

        /// The next time after `now_ms` at which an occurrence starts or ends.
        pub fn next_change(&self, now_ms: i64) -> Option<i64> {
            self.occurrences_after(now_ms, 3)
                .into_iter()
                .flat_map(|(s, e)| [s, e])
                .filter(|t| *t > now_ms)
                .min()
        }

        /// The next `n` occurrences that have not started at `now_ms`.
        pub fn upcoming(&self, now_ms: i64, n: usize) -> Vec<(i64, i64)> {
            self.occurrences_after(now_ms, n + 1)
                .into_iter()
                .filter(|(s, _)| *s > now_ms)
                .take(n)
                .collect()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn window(rule: Option<&str>, tz: Option<&str>) -> CreateMaintenance {
            CreateMaintenance {
                key: None,
                title: "t".into(),
                description: String::new(),
                monitors: vec![1],
                all: false,
                starts_at: None,
                ends_at: None,
                rrule: rule.map(str::to_owned),
                timezone: tz.map(str::to_owned),
                duration_minutes: Some(60),
                notify: false,
            }
        }

        #[test]
        fn a_daily_rule_recurs_at_its_hour_in_its_zone() {
            // 2026-12-02T12:00:00Z
            let created = 1_796_212_800_000;
            let plan = Plan::of(
                &window(Some("FREQ=DAILY;BYHOUR=3"), Some("Europe/Berlin")),
                created,
            )
            .expect("plan");
            let next = plan.upcoming(created, 2);
            // 03:00 in Berlin (UTC+1 in December) is 02:00Z, the next day.
            assert_eq!(next[0].0, 1_796_263_200_000, "{next:?}");
            assert_eq!(next[0].1 - next[0].0, 3_600_000);
            assert_eq!(next[1].0 - next[0].0, 86_400_000);
            assert_eq!(plan.active_at(next[0].0 + 1), Some(next[0]));
            assert_eq!(plan.active_at(next[0].1), None);
            assert_eq!(plan.next_change(next[0].0 + 1), Some(next[0].1));
        }

        #[test]
        fn bad_rules_and_zones_name_their_field() {
            let e = Plan::of(&window(Some("FREQ=SOMETIMES"), None), 0).err();
            assert_eq!(e.map(|e| e.field), Some("rrule".into()));
            let e = Plan::of(&window(Some("FREQ=DAILY"), Some("Mars/Olympus")), 0).err();
            assert_eq!(e.map(|e| e.field), Some("timezone".into()));
        }

        #[test]
        fn a_one_off_window_is_active_between_its_times() {
            let mut w = window(None, None);
            w.rrule = None;
            w.duration_minutes = None;
            w.starts_at = Some("2026-12-02T12:00:00Z".into());
            w.ends_at = Some("2026-12-02T13:00:00Z".into());
            let plan = Plan::of(&w, 0).expect("plan");
            assert!(plan.active_at(1_796_212_800_000).is_some());
            assert!(plan.active_at(1_796_216_400_000).is_none());
            w.ends_at = Some("2026-12-02T11:00:00Z".into());
            assert_eq!(
                Plan::of(&w, 0).err().map(|e| e.field),
                Some("ends_at".into())
            );
        }
    }
}
