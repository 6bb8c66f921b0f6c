//! Monitors: their states, their validated configuration and its bounds. The routes' shapes
//! are in `api`, the field checks shared with channels in `fields`.

mod api;
mod assertions;
mod fields;
mod kinds;
mod locations;
mod patch;
mod requests;
pub mod schedule;

use serde::{Deserialize, Serialize};

use crate::FieldError;
pub use api::*;
pub use assertions::*;
pub use fields::{normalize_url, public_url};
pub(crate) use fields::{validate_header, validate_http_url};
pub use kinds::*;
pub use locations::LOCAL;
pub use requests::*;

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
    /// Most strings a DNS monitor expects among its answers.
    pub const MAX_DNS_EXPECTED: usize = 20;
    /// Most echo requests per ping check.
    pub const MAX_PING_COUNT: u8 = 10;
    /// Smallest and largest grace of a push monitor, in seconds.
    pub const GRACE_SECONDS: (u32, u32) = (1, 7 * 86_400);
    /// Default grace of a push monitor.
    pub const DEFAULT_GRACE_SECONDS: u32 = 60;
    /// Days ahead of a certificate's expiry that a warning is sent, by default.
    pub const DEFAULT_CERTIFICATE_EXPIRY_DAYS: [u32; 3] = [14, 7, 1];
    /// Most warning thresholds, and the largest one (in days).
    pub const MAX_CERTIFICATE_THRESHOLDS: usize = 10;
    pub const MAX_CERTIFICATE_EXPIRY_DAYS: u32 = 365;
    /// Most locations a monitor is checked from.
    pub const MAX_LOCATIONS: usize = 16;
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
    /// In a maintenance window: checked, but failures open no incident and alert no one.
    Maintenance,
}

impl MonitorStatus {
    /// The lowercase name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Up => "up",
            Self::Down => "down",
            Self::Paused => "paused",
            Self::Maintenance => "maintenance",
        }
    }

    /// Parses the lowercase name; unknown names are `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "up" => Self::Up,
            "down" => Self::Down,
            "paused" => Self::Paused,
            "maintenance" => Self::Maintenance,
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
/// What is checked depends on the kind ([`Target`]); the schedule and judgement are shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorSpec {
    pub name: String,
    pub target: Target,
    /// Conditions that must all hold for a check to be up.
    pub assertions: Vec<Assertion>,
    /// Between checks; for push monitors, the expected period between pings.
    pub interval_seconds: u32,
    pub timeout_ms: u32,
    pub retries: u32,
    pub retry_interval_seconds: u32,
    pub enabled: bool,
    /// Minutes between reminders while the monitor stays down; 0 = no reminders.
    pub resend_interval_minutes: u32,
    /// Who hears of its incidents, and when; `None`: its linked channels, at once.
    pub escalation_policy_id: Option<i64>,
    /// Days before its TLS certificate expires that a `certificate_expiring` notification is
    /// sent, largest first; empty: none. Used by kinds that see certificates (`https`, `tcp`
    /// with `tls`).
    pub certificate_expiry_days: Vec<u32>,
    /// Whether its badges (`/badge/<badge_key>/…`) are served to anyone.
    pub public_badges: bool,
    /// Where it is checked from: [`LOCAL`] (the server or cluster itself) and the locations
    /// of remote probes. Never empty; `["local"]` by default.
    pub locations: Vec<String>,
    /// How many locations must see it down for it to be down; `None`: a majority.
    pub confirm_locations: Option<u32>,
}

/// The default timeout for an interval: 10 s, or 80 % of a shorter interval.
pub fn default_timeout_ms(interval_seconds: u32) -> u32 {
    let interval_ms = interval_seconds.saturating_mul(1000);
    limits::DEFAULT_TIMEOUT_MS
        .min(interval_ms / 5 * 4)
        .max(limits::TIMEOUT_MS.0)
}

impl MonitorSpec {
    /// The kind of check.
    pub fn kind(&self) -> MonitorKind {
        self.target.kind()
    }

    /// What is checked, in short (see [`Target::label`]).
    pub fn label(&self) -> String {
        self.target.label()
    }

    /// The HTTP request, for HTTP monitors.
    pub fn http(&self) -> Option<&HttpTarget> {
        match &self.target {
            Target::Http(t) => Some(t),
            _ => None,
        }
    }

    /// Checks every field and the rules between them; the first problem found is returned.
    pub fn validate(&self) -> Result<(), FieldError> {
        crate::validate_name("name", &self.name, limits::NAME_MAX_CHARS)?;
        self.target.validate()?;
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
        if self.escalation_policy_id.is_some_and(|id| id < 1) {
            return Err(FieldError::new(
                "escalation_policy_id",
                "must be an escalation policy's id",
            ));
        }
        validate_certificate_expiry_days(&self.certificate_expiry_days)?;
        self.validate_locations()?;
        validate_assertions(&self.assertions, self.kind())
    }

    /// Whether this monitor's checks see a TLS certificate: `https` URLs and `tcp` with `tls`.
    pub fn sees_certificates(&self) -> bool {
        match &self.target {
            Target::Http(t) => t
                .url
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://")),
            Target::Tcp(t) => t.tls,
            _ => false,
        }
    }

    /// The warning threshold a certificate with `days_left` has crossed: the smallest
    /// threshold at or above `days_left`, or `None` while it is further off than all of them.
    pub fn certificate_threshold(&self, days_left: i64) -> Option<u32> {
        self.certificate_expiry_days
            .iter()
            .copied()
            .filter(|&t| days_left <= i64::from(t))
            .min()
    }
}

/// Certificate warning thresholds: each 1–365 days, at most ten, sorted largest first with no
/// repeats (the request's order does not matter).
fn validate_certificate_expiry_days(days: &[u32]) -> Result<(), FieldError> {
    const FIELD: &str = "certificate_expiry_days";
    if days.len() > limits::MAX_CERTIFICATE_THRESHOLDS {
        return Err(FieldError::new(
            FIELD,
            format!("at most {} thresholds", limits::MAX_CERTIFICATE_THRESHOLDS),
        ));
    }
    if let Some(bad) = days
        .iter()
        .find(|&&d| d == 0 || d > limits::MAX_CERTIFICATE_EXPIRY_DAYS)
    {
        return Err(FieldError::new(
            FIELD,
            format!(
                "{bad} is not between 1 and {} days",
                limits::MAX_CERTIFICATE_EXPIRY_DAYS
            ),
        ));
    }
    Ok(())
}

/// Thresholds in their stored order: largest first, without repeats.
pub fn normalize_certificate_expiry_days(mut days: Vec<u32>) -> Vec<u32> {
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    days
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
        let http = spec.http().expect("http");
        assert!(http.follow_redirects && http.verify_tls && spec.enabled);
        let http = spec.http().expect("http");
        assert!(http.accepts_status(204) && !http.accepts_status(301));
    }

    #[test]
    fn certificate_thresholds_are_kept_largest_first_and_bounded() {
        let spec = create(r#"{"name":"a","url":"https://h/"}"#).expect("ok");
        assert_eq!(spec.certificate_expiry_days, vec![14, 7, 1]);
        assert!(spec.sees_certificates());
        assert_eq!(spec.certificate_threshold(30), None);
        assert_eq!(spec.certificate_threshold(14), Some(14));
        assert_eq!(spec.certificate_threshold(3), Some(7));
        assert_eq!(spec.certificate_threshold(-2), Some(1), "expired");
        let spec = create(
            r#"{"name":"a","kind":"tcp","host":"h","port":443,"tls":true,"certificate_expiry_days":[3,30,3]}"#,
        )
        .expect("ok");
        assert_eq!(spec.certificate_expiry_days, vec![30, 3]);
        let off =
            create(r#"{"name":"a","url":"https://h/","certificate_expiry_days":[]}"#).expect("ok");
        assert_eq!(off.certificate_threshold(-5), None, "empty: no warnings");
        assert!(!create(r#"{"name":"a","url":"http://h/"}"#)
            .expect("ok")
            .sees_certificates());
        for (body, field) in [
            (
                r#"{"name":"a","url":"https://h/","certificate_expiry_days":[0]}"#,
                "certificate_expiry_days",
            ),
            (
                r#"{"name":"a","url":"https://h/","certificate_expiry_days":[400]}"#,
                "certificate_expiry_days",
            ),
            (
                r#"{"name":"a","url":"https://h/","certificate_expiry_days":[1,2,3,4,5,6,7,8,9,10,11]}"#,
                "certificate_expiry_days",
            ),
            (
                r#"{"name":"a","kind":"dns","host":"h","certificate_expiry_days":[7]}"#,
                "certificate_expiry_days",
            ),
        ] {
            assert_eq!(
                create(body).map_err(|e| e.field).err().as_deref(),
                Some(field),
                "{body}"
            );
        }
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
            (r#"{"name":"a","url":"http://h/a\r\nX-Injected: 1"}"#, "url"),
            (r#"{"name":"a","url":"http://h/a\tb"}"#, "url"),
            (r#"{"name":"a\u0000b","url":"http://h/"}"#, "name"),
            (r#"{"name":"a\nb","url":"http://h/"}"#, "name"),
            (
                r#"{"name":"a","kind":"dns","host":"h","dns_expected":["1.2.3.4\u0007"]}"#,
                "dns_expected[0]",
            ),
        ];
        for (json, field) in cases {
            let err = create(json).expect_err(json);
            assert_eq!(err.field, field, "{json}");
        }
    }

    #[test]
    fn urls_are_stored_as_the_url_crate_normalises_them() {
        let spec = create(r#"{"name":"a","url":"HTTP://Example.COM:80/éè?q=a b"}"#).expect("ok");
        assert_eq!(
            spec.http().map(|h| h.url.as_str()),
            Some("http://example.com/%C3%A9%C3%A8?q=a%20b")
        );
        let spec = create(r#"{"name":"a","url":"https://h"}"#).expect("ok");
        assert_eq!(spec.http().map(|h| h.url.as_str()), Some("https://h/"));
    }

    #[test]
    fn patch_keeps_absent_fields_and_clears_body_with_null() {
        let mut spec =
            create(r#"{"name":"a","url":"http://h/","body":"x","retries":2}"#).expect("ok");
        let patch: PatchMonitor = serde_json::from_str(r#"{"interval_seconds":30}"#).expect("p");
        spec = patch.apply(&spec).expect("ok");
        assert_eq!(spec.http().and_then(|h| h.body.as_deref()), Some("x"));
        assert_eq!((spec.interval_seconds, spec.retries), (30, 2));
        let patch: PatchMonitor = serde_json::from_str(r#"{"body":null}"#).expect("p");
        assert_eq!(
            patch.apply(&spec).expect("ok").http().expect("http").body,
            None
        );
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
    fn each_kind_takes_its_own_fields_and_refuses_others() {
        let ok = [
            r#"{"name":"t","kind":"tcp","host":"127.0.0.1","port":5432}"#,
            r#"{"name":"t","kind":"tcp","host":"db.internal","port":443,"tls":true,"verify_tls":false}"#,
            r#"{"name":"d","kind":"dns","host":"example.com","dns_record_type":"MX","dns_server":"127.0.0.1:5353","dns_expected":["mx.example.com"]}"#,
            r#"{"name":"p","kind":"ping","host":"127.0.0.1","ping_count":3}"#,
            r#"{"name":"h","kind":"push","interval_seconds":300,"grace_seconds":30}"#,
            r#"{"name":"c","kind":"push","cron":"*/5 * * * *","timezone":"Europe/Berlin"}"#,
            r#"{"name":"a","url":"http://h/","assertions":[{"source":"json","path":"$.ok","op":"eq","value":true}]}"#,
        ];
        for json in ok {
            create(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        }
        let refused = [
            (
                r#"{"name":"t","kind":"tcp","host":"h","port":1,"url":"http://h/"}"#,
                "url",
            ),
            (r#"{"name":"t","kind":"tcp","host":"h"}"#, "port"),
            (r#"{"name":"t","kind":"tcp","host":"h","port":0}"#, "port"),
            (r#"{"name":"t","kind":"tcp","port":80}"#, "host"),
            (
                r#"{"name":"t","kind":"tcp","host":"http://h/","port":80}"#,
                "host",
            ),
            (
                r#"{"name":"d","kind":"dns","host":"h","dns_server":"nope"}"#,
                "dns_server",
            ),
            (
                r#"{"name":"d","kind":"dns","host":"h","ping_count":2}"#,
                "ping_count",
            ),
            (
                r#"{"name":"p","kind":"ping","host":"h","ping_count":11}"#,
                "ping_count",
            ),
            (r#"{"name":"h","kind":"http","host":"h"}"#, "host"),
            (r#"{"name":"h","kind":"http"}"#, "url"),
            (r#"{"name":"p","kind":"push","retries":2}"#, "retries"),
            (
                r#"{"name":"p","kind":"push","timeout_ms":500}"#,
                "timeout_ms",
            ),
            (r#"{"name":"p","kind":"push","cron":"* * *"}"#, "cron"),
            (
                r#"{"name":"p","kind":"push","cron":"* * * * *","timezone":"Mars/Base"}"#,
                "timezone",
            ),
            (
                r#"{"name":"p","kind":"push","cron":"* * * * *","interval_seconds":60}"#,
                "interval_seconds",
            ),
            (
                r#"{"name":"p","kind":"push","grace_seconds":0}"#,
                "grace_seconds",
            ),
            (
                r#"{"name":"a","url":"http://h/","assertions":[{"source":"json","path":"$[","op":"exists"}]}"#,
                "assertions[0].path",
            ),
            (
                r#"{"name":"a","url":"http://h/","assertions":[{"source":"status_code","op":"eq","value":200},{"source":"body","op":"matches","value":"("}]}"#,
                "assertions[1].value",
            ),
            (
                r#"{"name":"a","url":"http://h/","assertions":[{"source":"json","op":"exists"}]}"#,
                "assertions[0].path",
            ),
            (
                r#"{"name":"a","url":"http://h/","assertions":[{"source":"status_code","op":"contains","value":"2"}]}"#,
                "assertions[0].op",
            ),
            (
                r#"{"name":"a","url":"http://h/","assertions":[{"source":"status_code","op":"eq","value":"200"}]}"#,
                "assertions[0].value",
            ),
            (
                r#"{"name":"a","url":"http://h/","assertions":[{"source":"header","path":"x","op":"exists","value":"1"}]}"#,
                "assertions[0].value",
            ),
            (
                r#"{"name":"t","kind":"tcp","host":"h","port":1,"assertions":[{"source":"body","op":"contains","value":"x"}]}"#,
                "assertions[0].source",
            ),
        ];
        for (json, field) in refused {
            let err = create(json).expect_err(json);
            assert_eq!(err.field, field, "{json}: {err}");
        }
    }

    #[test]
    fn a_patch_can_change_the_kind_and_keeps_a_push_token() {
        let spec = create(r#"{"name":"a","url":"http://h/","retries":2}"#).expect("ok");
        let patch: PatchMonitor =
            serde_json::from_str(r#"{"kind":"tcp","host":"127.0.0.1","port":22}"#).expect("p");
        let tcp = patch.apply(&spec).expect("tcp");
        assert_eq!((tcp.kind(), tcp.retries), (MonitorKind::Tcp, 2));
        let patch: PatchMonitor = serde_json::from_str(r#"{"port":23}"#).expect("p");
        assert!(matches!(
            patch.apply(&tcp).expect("ok").target,
            Target::Tcp(TcpTarget { port: 23, .. })
        ));
        let mut push = create(r#"{"name":"p","kind":"push"}"#).expect("push");
        if let Target::Push(p) = &mut push.target {
            p.token_hash = "abc".into();
        }
        let patch: PatchMonitor =
            serde_json::from_str(r#"{"cron":"0 3 * * *","grace_seconds":600}"#).expect("p");
        let patched = patch.apply(&push).expect("cron");
        let Target::Push(p) = &patched.target else {
            panic!("still push")
        };
        assert_eq!(p.token_hash, "abc");
        assert_eq!(p.grace_seconds, 600);
        let patch: PatchMonitor = serde_json::from_str(r#"{"url":"http://h/"}"#).expect("p");
        assert_eq!(patch.apply(&push).expect_err("url").field, "url");
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_str::<CreateMonitor>(r#"{"name":"a","url":"u","x":1}"#).is_err());
    }
}
