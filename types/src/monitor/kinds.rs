//! What a monitor checks, one variant per kind: an HTTP request, a TCP connection (with TLS), a
//! DNS query, an ICMP echo, or a heartbeat the watched job sends (push).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{limits, validate_header, validate_http_url, HttpMethod};
use crate::FieldError;

/// The kinds of check a monitor can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MonitorKind {
    /// An HTTP(S) request, judged by status code and assertions.
    #[default]
    Http,
    /// A TCP connection, optionally with a TLS handshake.
    Tcp,
    /// A DNS query, judged by its answers.
    Dns,
    /// ICMP echo requests.
    Ping,
    /// Nothing is checked: the watched job calls the monitor's push URL.
    Push,
}

impl MonitorKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [Self; 5] = [Self::Http, Self::Tcp, Self::Dns, Self::Ping, Self::Push];

    /// The lowercase name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Tcp => "tcp",
            Self::Dns => "dns",
            Self::Ping => "ping",
            Self::Push => "push",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What a form calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Http => "HTTP(S)",
            Self::Tcp => "TCP port",
            Self::Dns => "DNS",
            Self::Ping => "Ping (ICMP)",
            Self::Push => "Push (heartbeat / cron)",
        }
    }
}

/// DNS record types a DNS monitor can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DnsRecordType {
    #[default]
    A,
    #[serde(rename = "AAAA")]
    Aaaa,
    #[serde(rename = "CNAME")]
    Cname,
    #[serde(rename = "MX")]
    Mx,
    #[serde(rename = "TXT")]
    Txt,
    #[serde(rename = "NS")]
    Ns,
    #[serde(rename = "SOA")]
    Soa,
    #[serde(rename = "SRV")]
    Srv,
}

impl DnsRecordType {
    /// Every record type, in the order forms list them.
    pub const ALL: [Self; 8] = [
        Self::A,
        Self::Aaaa,
        Self::Cname,
        Self::Mx,
        Self::Txt,
        Self::Ns,
        Self::Soa,
        Self::Srv,
    ];

    /// The type's name on the wire and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::Aaaa => "AAAA",
            Self::Cname => "CNAME",
            Self::Mx => "MX",
            Self::Txt => "TXT",
            Self::Ns => "NS",
            Self::Soa => "SOA",
            Self::Srv => "SRV",
        }
    }

    /// Parses the uppercase name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How a DNS monitor reaches its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DnsTransport {
    #[default]
    Udp,
    Tcp,
}

/// An HTTP monitor's request and what counts as success.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpTarget {
    pub url: String,
    pub method: HttpMethod,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub expected_status_codes: Vec<u16>,
    pub follow_redirects: bool,
    pub verify_tls: bool,
}

/// A TCP monitor's endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpTarget {
    pub host: String,
    pub port: u16,
    /// Do a TLS handshake (with SNI) after connecting.
    pub tls: bool,
    pub verify_tls: bool,
}

/// A DNS monitor's query and the answers it expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsTarget {
    /// The name to resolve.
    pub host: String,
    pub record_type: DnsRecordType,
    /// `IP` or `IP:PORT`; `None` is the system resolver.
    pub server: Option<String>,
    pub transport: DnsTransport,
    /// Strings that must all be among the answers; empty: at least one answer.
    pub expected: Vec<String>,
}

/// A ping monitor's host and how many echo requests each check sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingTarget {
    pub host: String,
    pub count: u8,
}

/// When a push monitor expects its pings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PushSchedule {
    /// Every `interval_seconds` of the monitor.
    Interval,
    /// At every time a cron expression gives, in an IANA time zone.
    Cron {
        expression: String,
        timezone: String,
    },
}

/// A push monitor: its schedule, its grace and the hash of its secret token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushTarget {
    pub schedule: PushSchedule,
    /// How late a ping may be before the monitor is down.
    pub grace_seconds: u32,
    /// SHA-256 of the token in the push URL, hex; the token itself is never stored.
    pub token_hash: String,
    /// The token's first characters, to tell URLs apart in listings.
    #[serde(default)]
    pub token_hint: String,
}

/// What a monitor checks: one variant per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Http(HttpTarget),
    Tcp(TcpTarget),
    Dns(DnsTarget),
    Ping(PingTarget),
    Push(PushTarget),
}

impl Target {
    /// The kind of check this target is.
    pub fn kind(&self) -> MonitorKind {
        match self {
            Self::Http(_) => MonitorKind::Http,
            Self::Tcp(_) => MonitorKind::Tcp,
            Self::Dns(_) => MonitorKind::Dns,
            Self::Ping(_) => MonitorKind::Ping,
            Self::Push(_) => MonitorKind::Push,
        }
    }

    /// A short description of what is checked, for lists, notifications and metric labels:
    /// the URL, `host:port`, `A example.com`, the host, or `push`. Push tokens never appear.
    pub fn label(&self) -> String {
        match self {
            Self::Http(t) => t.url.clone(),
            Self::Tcp(t) => {
                let scheme = if t.tls { "tls" } else { "tcp" };
                if t.host.contains(':') {
                    format!("{scheme}://[{}]:{}", t.host, t.port)
                } else {
                    format!("{scheme}://{}:{}", t.host, t.port)
                }
            }
            Self::Dns(t) => format!("dns {} {}", t.record_type.as_str(), t.host),
            Self::Ping(t) => format!("ping {}", t.host),
            Self::Push(_) => "push".to_owned(),
        }
    }

    /// Checks the kind's own fields.
    pub fn validate(&self) -> Result<(), FieldError> {
        match self {
            Self::Http(t) => t.validate(),
            Self::Tcp(t) => {
                validate_host("host", &t.host)?;
                if t.port == 0 {
                    return Err(FieldError::new("port", "must be between 1 and 65535"));
                }
                Ok(())
            }
            Self::Dns(t) => {
                validate_host("host", &t.host)?;
                if let Some(server) = &t.server {
                    parse_dns_server(server)?;
                }
                if t.expected.len() > limits::MAX_DNS_EXPECTED {
                    return Err(FieldError::new(
                        "dns_expected",
                        format!("at most {} values", limits::MAX_DNS_EXPECTED),
                    ));
                }
                for (i, v) in t.expected.iter().enumerate() {
                    let field = format!("dns_expected[{i}]");
                    if v.trim().is_empty() || v.len() > 1024 {
                        return Err(FieldError::new(field, "must be 1–1024 bytes and not blank"));
                    }
                    crate::refuse_control_characters(&field, v)?;
                }
                Ok(())
            }
            Self::Ping(t) => {
                validate_host("host", &t.host)?;
                if !(1..=limits::MAX_PING_COUNT).contains(&t.count) {
                    return Err(FieldError::new(
                        "ping_count",
                        format!("must be between 1 and {}", limits::MAX_PING_COUNT),
                    ));
                }
                Ok(())
            }
            Self::Push(t) => {
                let (lo, hi) = limits::GRACE_SECONDS;
                if !(lo..=hi).contains(&t.grace_seconds) {
                    return Err(FieldError::new(
                        "grace_seconds",
                        format!("must be between {lo} and {hi}"),
                    ));
                }
                if let PushSchedule::Cron {
                    expression,
                    timezone,
                } = &t.schedule
                {
                    super::schedule::validate_cron(expression, timezone)?;
                }
                Ok(())
            }
        }
    }
}

impl HttpTarget {
    fn validate(&self) -> Result<(), FieldError> {
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

    /// Whether `status` counts as success (empty list: any 2xx).
    pub fn accepts_status(&self, status: u16) -> bool {
        if self.expected_status_codes.is_empty() {
            (200..300).contains(&status)
        } else {
            self.expected_status_codes.contains(&status)
        }
    }
}

/// Checks a host name or IP address (no scheme, port or path).
fn validate_host(field: &str, raw: &str) -> Result<(), FieldError> {
    if raw.is_empty() {
        return Err(FieldError::new(field, "is required for this kind"));
    }
    if raw.len() > 253 {
        return Err(FieldError::new(field, "must be at most 253 bytes"));
    }
    let bare = raw.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let valid = raw.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) || raw == ".";
    if !valid {
        return Err(FieldError::new(
            field,
            "must be a host name or an IP address (no scheme, port or path)",
        ));
    }
    Ok(())
}

/// Parses a DNS server given as `IP` (port 53) or `IP:PORT` / `[IPv6]:PORT`.
pub fn parse_dns_server(raw: &str) -> Result<std::net::SocketAddr, FieldError> {
    if let Ok(addr) = raw.parse::<std::net::SocketAddr>() {
        return Ok(addr);
    }
    raw.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .map(|ip| std::net::SocketAddr::new(ip, 53))
        .map_err(|_| FieldError::new("dns_server", "must be IP or IP:PORT"))
}
