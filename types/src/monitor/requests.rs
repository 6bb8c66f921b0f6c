//! The request bodies of the monitor routes: `CreateMonitor` and `PatchMonitor`, declared
//! from one field list, which fields each kind takes, and defaults (patching: `patch.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    default_timeout_ms, limits, Assertion, DnsRecordType, DnsTarget, DnsTransport, HttpMethod,
    HttpTarget, MonitorKind, MonitorSpec, PingTarget, PushSchedule, PushTarget, Target, TcpTarget,
};
use crate::{double_option, FieldError};

/// Declares the request bodies of the monitor routes: `POST` takes [`CreateMonitor`], `PATCH`
/// [`PatchMonitor`] with the same fields, every one optional.
macro_rules! monitor_bodies {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty ),* $(,)?) => {
        /// The body of `POST /api/v1/monitors`. `kind` (default `http`) says which fields
        /// apply; a field that does not apply to the kind is refused with a 422 naming it.
        #[derive(Debug, Clone, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(deny_unknown_fields)]
        pub struct CreateMonitor {
            pub name: String,
            /// The stable name a configuration file knows it by: 1–64 of `a-z0-9-_.`;
            /// unique among monitors. Optional; monitors without one are never touched by a file.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
            pub key: Option<String>,
            /// `http` (default), `tcp`, `dns`, `ping` or `push`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub kind: Option<MonitorKind>,
            /// `http`: request body, sent as-is.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub body: Option<String>,
            /// An escalation policy's id: who hears of its incidents, and when. Default none:
            /// its linked channels hear at once.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[cfg_attr(feature = "openapi", schema(minimum = 1))]
            pub escalation_policy_id: Option<i64>,
            $( $(#[$doc])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>, )*
        }

        /// The body of `PATCH /api/v1/monitors/{id}`: every field optional; absent fields keep
        /// their value. Changing `kind` starts the kind's own fields afresh.
        #[derive(Debug, Clone, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(deny_unknown_fields)]
        pub struct PatchMonitor {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub name: Option<String>,
            /// `null` removes the key.
            #[serde(
                default,
                deserialize_with = "double_option",
                skip_serializing_if = "Option::is_none"
            )]
            #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
            pub key: Option<Option<String>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub kind: Option<MonitorKind>,
            /// `null` clears the body.
            #[serde(
                default,
                deserialize_with = "double_option",
                skip_serializing_if = "Option::is_none"
            )]
            #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
            pub body: Option<Option<String>>,
            /// `null` detaches the escalation policy.
            #[serde(
                default,
                deserialize_with = "double_option",
                skip_serializing_if = "Option::is_none"
            )]
            #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1))]
            pub escalation_policy_id: Option<Option<i64>>,
            $( $(#[$doc])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>, )*
        }

        impl CreateMonitor {
            /// The names of the optional fields given, in declaration order.
            fn given(&self) -> Vec<&'static str> {
                let mut given = Vec::new();
                if self.body.is_some() {
                    given.push("body");
                }
                $( if self.$field.is_some() { given.push(stringify!($field)); } )*
                given
            }
        }

        impl PatchMonitor {
            /// Lays the patch's fields over `base`.
            pub(super) fn overlay(self, base: &mut CreateMonitor) {
                if let Some(v) = self.name {
                    base.name = v;
                }
                if let Some(v) = self.body {
                    base.body = v;
                }
                if let Some(v) = self.escalation_policy_id {
                    base.escalation_policy_id = v;
                }
                $( if let Some(v) = self.$field { base.$field = Some(v); } )*
            }
        }
    };
}

monitor_bodies! {
    /// `http`: the `http://` or `https://` URL to check.
    url: String,
    /// `http`: default `GET`.
    method: HttpMethod,
    /// `http`: extra request headers.
    headers: BTreeMap<String, String>,
    /// 1–86400, default 60. For `push`, the expected period between pings.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86400))]
    interval_seconds: u32,
    /// 100–120000 and below the interval; default 10000, or 80 % of a shorter interval.
    /// Not for `push`.
    #[cfg_attr(feature = "openapi", schema(minimum = 100, maximum = 120000))]
    timeout_ms: u32,
    /// Re-checks after a failure before the monitor is declared down (0–10, default 0).
    /// Not for `push`.
    #[cfg_attr(feature = "openapi", schema(maximum = 10))]
    retries: u32,
    /// Seconds between re-checks; default the interval. Not for `push`.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86400))]
    retry_interval_seconds: u32,
    /// `http`: status codes that count as up; empty or absent means any 2xx.
    expected_status_codes: Vec<u16>,
    /// `http`: default true (up to 10 redirects).
    follow_redirects: bool,
    /// `http` and `tcp` with `tls`: default true.
    verify_tls: bool,
    /// Default true; false creates the monitor paused.
    enabled: bool,
    /// Minutes between reminder notifications while down (0–10080, default 0 = none).
    #[cfg_attr(feature = "openapi", schema(maximum = 10080))]
    resend_interval_minutes: u32,
    /// `tcp`, `ping`: the host name or IP address; `dns`: the name to resolve.
    host: String,
    /// `tcp`: 1–65535.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 65535))]
    port: u16,
    /// `tcp`: do a TLS handshake (with SNI) after connecting; default false.
    tls: bool,
    /// `dns`: A (default), AAAA, CNAME, MX, TXT, NS, SOA or SRV.
    dns_record_type: DnsRecordType,
    /// `dns`: `IP` or `IP:PORT` of the server to ask; default the system resolver.
    dns_server: String,
    /// `dns`: `udp` (default) or `tcp`.
    dns_transport: DnsTransport,
    /// `dns`: strings that must all be among the answers; empty: at least one answer.
    dns_expected: Vec<String>,
    /// `ping`: echo requests per check, 1–10 (default 1); up if any is answered.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    ping_count: u8,
    /// `push`: a cron expression (5 fields, or 6 with seconds) for when pings are due,
    /// instead of `interval_seconds`.
    cron: String,
    /// `push` with `cron`: an IANA time zone, default `UTC`.
    timezone: String,
    /// `push`: how late a ping may be before the monitor is down (1–604800, default 60).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 604800))]
    grace_seconds: u32,
    /// Conditions that must all hold for a check to be up.
    assertions: Vec<Assertion>,
    /// `http` and `tcp`: days before the TLS certificate expires that a
    /// `certificate_expiring` notification is sent (each 1–365, at most ten; default
    /// `[14, 7, 1]`; empty: none).
    certificate_expiry_days: Vec<u32>,
    /// Serve the monitor's status, uptime and latency badges (`/badge/<badge_key>/…`) to
    /// anyone; default false.
    public_badges: bool,
    /// Where it is checked from: `local` (this server or cluster) and the locations of
    /// remote probes (`flatline probe --location …`); default `["local"]`. Not for `push`.
    locations: Vec<String>,
    /// How many of its locations must see it down (each after its own retries) for it to
    /// be down; default a majority. Not for `push`.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 16))]
    confirm_locations: u32,
}

/// The optional fields each kind takes, beside `name`, `kind` and the shared ones.
fn kind_fields(kind: MonitorKind) -> &'static [&'static str] {
    match kind {
        MonitorKind::Http => &[
            "url",
            "method",
            "headers",
            "body",
            "expected_status_codes",
            "follow_redirects",
            "verify_tls",
            "certificate_expiry_days",
        ],
        MonitorKind::Tcp => &[
            "host",
            "port",
            "tls",
            "verify_tls",
            "certificate_expiry_days",
        ],
        MonitorKind::Dns => &[
            "host",
            "dns_record_type",
            "dns_server",
            "dns_transport",
            "dns_expected",
        ],
        MonitorKind::Ping => &["host", "ping_count"],
        MonitorKind::Push => &["cron", "timezone", "grace_seconds"],
    }
}

/// Fields every kind takes (push has no timeout or retries: nothing is checked).
fn shared_fields(kind: MonitorKind) -> &'static [&'static str] {
    match kind {
        MonitorKind::Push => &[
            "interval_seconds",
            "enabled",
            "resend_interval_minutes",
            "assertions",
            "public_badges",
        ],
        _ => &[
            "interval_seconds",
            "timeout_ms",
            "retries",
            "retry_interval_seconds",
            "enabled",
            "resend_interval_minutes",
            "assertions",
            "public_badges",
            "locations",
            "confirm_locations",
        ],
    }
}

fn required(field: &str, kind: MonitorKind) -> FieldError {
    FieldError::new(field, format!("is required for {} monitors", kind.as_str()))
}

impl CreateMonitor {
    /// Fills in the defaults and validates the result. A push monitor's token hash is left
    /// empty: the caller issues the token.
    pub fn into_spec(self) -> Result<MonitorSpec, FieldError> {
        let kind = self.kind.unwrap_or_default();
        for field in self.given() {
            if !kind_fields(kind).contains(&field) && !shared_fields(kind).contains(&field) {
                return Err(FieldError::new(
                    field,
                    format!("does not apply to {} monitors", kind.as_str()),
                ));
            }
        }
        if kind == MonitorKind::Push && self.cron.is_some() && self.interval_seconds.is_some() {
            return Err(FieldError::new(
                "interval_seconds",
                "give either interval_seconds or cron, not both",
            ));
        }
        if self.timezone.is_some() && self.cron.is_none() {
            return Err(FieldError::new("timezone", "applies only with cron"));
        }
        let interval_seconds = self
            .interval_seconds
            .unwrap_or(limits::DEFAULT_INTERVAL_SECONDS);
        let host = || {
            self.host
                .as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| required("host", kind))
        };
        let target = match kind {
            MonitorKind::Http => Target::Http(HttpTarget {
                url: super::normalize_url(
                    self.url
                        .as_deref()
                        .map(str::trim)
                        .ok_or_else(|| required("url", kind))?,
                ),
                method: self.method.unwrap_or_default(),
                headers: self.headers.clone().unwrap_or_default(),
                body: self.body.clone(),
                expected_status_codes: self.expected_status_codes.clone().unwrap_or_default(),
                follow_redirects: self.follow_redirects.unwrap_or(true),
                verify_tls: self.verify_tls.unwrap_or(true),
            }),
            MonitorKind::Tcp => Target::Tcp(TcpTarget {
                host: host()?,
                port: self.port.ok_or_else(|| required("port", kind))?,
                tls: self.tls.unwrap_or(false),
                verify_tls: self.verify_tls.unwrap_or(true),
            }),
            MonitorKind::Dns => Target::Dns(DnsTarget {
                host: host()?,
                record_type: self.dns_record_type.unwrap_or_default(),
                server: self
                    .dns_server
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
                transport: self.dns_transport.unwrap_or_default(),
                expected: self.dns_expected.clone().unwrap_or_default(),
            }),
            MonitorKind::Ping => Target::Ping(PingTarget {
                host: host()?,
                count: self.ping_count.unwrap_or(1),
            }),
            MonitorKind::Push => Target::Push(PushTarget {
                schedule: match &self.cron {
                    Some(expression) => PushSchedule::Cron {
                        expression: expression.trim().to_owned(),
                        timezone: self
                            .timezone
                            .as_deref()
                            .map(str::trim)
                            .unwrap_or("UTC")
                            .to_owned(),
                    },
                    None => PushSchedule::Interval,
                },
                grace_seconds: self.grace_seconds.unwrap_or(limits::DEFAULT_GRACE_SECONDS),
                token_hash: String::new(),
                token_hint: String::new(),
            }),
        };
        let spec = MonitorSpec {
            name: self.name.trim().to_owned(),
            target,
            assertions: self.assertions.unwrap_or_default(),
            interval_seconds,
            timeout_ms: self
                .timeout_ms
                .unwrap_or_else(|| default_timeout_ms(interval_seconds)),
            retries: self.retries.unwrap_or(0),
            retry_interval_seconds: self.retry_interval_seconds.unwrap_or(interval_seconds),
            enabled: self.enabled.unwrap_or(true),
            resend_interval_minutes: self.resend_interval_minutes.unwrap_or(0),
            certificate_expiry_days: match kind {
                MonitorKind::Http | MonitorKind::Tcp => super::normalize_certificate_expiry_days(
                    self.certificate_expiry_days
                        .unwrap_or_else(|| limits::DEFAULT_CERTIFICATE_EXPIRY_DAYS.to_vec()),
                ),
                _ => Vec::new(),
            },
            public_badges: self.public_badges.unwrap_or(false),
            locations: self
                .locations
                .map(|l| l.iter().map(|l| l.trim().to_owned()).collect())
                .unwrap_or_else(|| vec![super::LOCAL.to_owned()]),
            confirm_locations: self.confirm_locations,
            escalation_policy_id: self.escalation_policy_id,
        };
        spec.validate()?;
        Ok(spec)
    }
}
