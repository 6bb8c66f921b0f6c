//! The form's values as typed, and their translation to the API's request bodies.

use std::collections::{BTreeMap, BTreeSet};

use flatline_types::{
    limits, CreateMonitor, DnsRecordType, DnsTransport, HttpMethod, Monitor, MonitorKind,
    PatchMonitor,
};
use leptos::prelude::*;

use super::assertion_row::AssertionRow;

/// The form's values, as typed.
#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub(super) kind: RwSignal<MonitorKind>,
    pub(super) host: RwSignal<String>,
    pub(super) port: RwSignal<String>,
    pub(super) tls: RwSignal<bool>,
    pub(super) dns_record_type: RwSignal<String>,
    pub(super) dns_server: RwSignal<String>,
    pub(super) dns_transport: RwSignal<String>,
    pub(super) dns_expected: RwSignal<String>,
    pub(super) ping_count: RwSignal<String>,
    pub(super) cron: RwSignal<String>,
    pub(super) timezone: RwSignal<String>,
    pub(super) grace: RwSignal<String>,
    pub(super) assertions: RwSignal<Vec<AssertionRow>>,
    pub(super) name: RwSignal<String>,
    pub(super) key: RwSignal<String>,
    pub(super) url: RwSignal<String>,
    pub(super) method: RwSignal<String>,
    pub(super) headers: RwSignal<String>,
    pub(super) body: RwSignal<String>,
    pub(super) interval: RwSignal<String>,
    pub(super) timeout: RwSignal<String>,
    pub(super) retries: RwSignal<String>,
    pub(super) retry_interval: RwSignal<String>,
    pub(super) codes: RwSignal<String>,
    pub(super) follow_redirects: RwSignal<bool>,
    pub(super) verify_tls: RwSignal<bool>,
    pub(super) enabled: RwSignal<bool>,
    pub(super) public_badges: RwSignal<bool>,
    /// Where it is checked from, comma-separated (`local`, probe locations).
    pub(super) locations: RwSignal<String>,
    /// How many locations must agree it is down; empty: a majority.
    pub(super) confirm: RwSignal<String>,
    pub(super) resend: RwSignal<String>,
    /// An escalation policy's id, or empty.
    pub(super) escalation: RwSignal<String>,
    /// Days before a certificate's expiry to warn, comma-separated.
    pub(super) cert_days: RwSignal<String>,
    pub(super) channels: RwSignal<BTreeSet<i64>>,
}

impl Fields {
    pub(super) fn new() -> Self {
        Self {
            kind: RwSignal::new(MonitorKind::Http),
            host: RwSignal::new(String::new()),
            port: RwSignal::new(String::new()),
            tls: RwSignal::new(false),
            dns_record_type: RwSignal::new("A".into()),
            dns_server: RwSignal::new(String::new()),
            dns_transport: RwSignal::new("udp".into()),
            dns_expected: RwSignal::new(String::new()),
            ping_count: RwSignal::new("1".into()),
            cron: RwSignal::new(String::new()),
            timezone: RwSignal::new("UTC".into()),
            grace: RwSignal::new(limits::DEFAULT_GRACE_SECONDS.to_string()),
            assertions: RwSignal::new(Vec::new()),
            name: RwSignal::new(String::new()),
            key: RwSignal::new(String::new()),
            url: RwSignal::new("https://".into()),
            method: RwSignal::new("GET".into()),
            headers: RwSignal::new(String::new()),
            body: RwSignal::new(String::new()),
            interval: RwSignal::new(limits::DEFAULT_INTERVAL_SECONDS.to_string()),
            timeout: RwSignal::new(String::new()),
            retries: RwSignal::new("0".into()),
            retry_interval: RwSignal::new(String::new()),
            codes: RwSignal::new(String::new()),
            follow_redirects: RwSignal::new(true),
            verify_tls: RwSignal::new(true),
            enabled: RwSignal::new(true),
            public_badges: RwSignal::new(false),
            locations: RwSignal::new(flatline_types::LOCAL.into()),
            confirm: RwSignal::new(String::new()),
            resend: RwSignal::new("0".into()),
            escalation: RwSignal::new(String::new()),
            cert_days: RwSignal::new(days_text(&limits::DEFAULT_CERTIFICATE_EXPIRY_DAYS)),
            channels: RwSignal::new(BTreeSet::new()),
        }
    }

    pub(super) fn fill(&self, m: &Monitor) {
        self.kind.set(m.kind);
        self.name.set(m.name.clone());
        self.key.set(m.key.clone().unwrap_or_default());
        self.url.set(m.url.clone().unwrap_or_default());
        self.method
            .set(m.method.unwrap_or_default().as_str().into());
        self.headers.set(
            m.headers
                .iter()
                .flatten()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        self.body.set(m.body.clone().flatten().unwrap_or_default());
        self.interval.set(m.interval_seconds.to_string());
        self.timeout.set(m.timeout_ms.to_string());
        self.retries.set(m.retries.to_string());
        self.retry_interval
            .set(m.retry_interval_seconds.to_string());
        self.codes.set(
            m.expected_status_codes
                .iter()
                .flatten()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        );
        self.follow_redirects
            .set(m.follow_redirects.unwrap_or(true));
        self.verify_tls.set(m.verify_tls.unwrap_or(true));
        self.enabled.set(m.enabled);
        self.public_badges.set(m.public_badges);
        self.locations.set(m.locations.join(", "));
        self.confirm.set(if m.locations.len() > 1 {
            m.confirm_locations.to_string()
        } else {
            String::new()
        });
        self.resend.set(m.resend_interval_minutes.to_string());
        self.escalation.set(
            m.escalation_policy_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
        );
        self.host.set(m.host.clone().unwrap_or_default());
        self.port
            .set(m.port.map(|p| p.to_string()).unwrap_or_default());
        self.tls.set(m.tls.unwrap_or(false));
        self.dns_record_type
            .set(m.dns_record_type.unwrap_or_default().as_str().into());
        self.dns_server
            .set(m.dns_server.clone().unwrap_or_default());
        self.dns_transport.set(
            match m.dns_transport.unwrap_or_default() {
                DnsTransport::Udp => "udp",
                DnsTransport::Tcp => "tcp",
            }
            .into(),
        );
        self.dns_expected
            .set(m.dns_expected.clone().unwrap_or_default().join("\n"));
        self.ping_count.set(m.ping_count.unwrap_or(1).to_string());
        self.cron.set(m.cron.clone().unwrap_or_default());
        self.timezone
            .set(m.timezone.clone().unwrap_or_else(|| "UTC".into()));
        self.grace.set(
            m.grace_seconds
                .unwrap_or(limits::DEFAULT_GRACE_SECONDS)
                .to_string(),
        );
        self.assertions
            .set(m.assertions.iter().map(AssertionRow::of).collect());
        self.cert_days.set(days_text(
            m.certificate_expiry_days
                .as_deref()
                .unwrap_or(&limits::DEFAULT_CERTIFICATE_EXPIRY_DAYS),
        ));
    }

    /// The certificate warning days as typed: numbers separated by commas or spaces.
    fn certificate_expiry_days(self) -> Result<Vec<u32>, (String, String)> {
        parse_list(
            self.cert_days,
            "certificate_expiry_days",
            "a number of days",
        )
    }

    /// Parses the typed values into a create request, or the error of the first bad field.
    pub(super) fn to_create(self) -> Result<CreateMonitor, (String, String)> {
        let num = |field: &str, s: RwSignal<String>| -> Result<Option<u32>, (String, String)> {
            let v = s.get_untracked();
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<u32>()
                .map(Some)
                .map_err(|_| (field.to_owned(), "must be a whole number".to_owned()))
        };
        let mut headers = BTreeMap::new();
        for line in self.headers.get_untracked().lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((k, v)) = line.split_once(':') else {
                return Err((
                    "headers".into(),
                    format!("\"{line}\": write one header per line as Name: value"),
                ));
            };
            headers.insert(k.trim().to_owned(), v.trim().to_owned());
        }
        let codes = parse_list(self.codes, "expected_status_codes", "a status code")?;
        let body = self.body.get_untracked();
        let kind = self.kind.get_untracked();
        let text = |s: RwSignal<String>| {
            Some(s.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
        };
        let mut assertions = Vec::new();
        for (i, row) in self.assertions.get_untracked().iter().enumerate() {
            assertions.push(row.to_assertion(i)?);
        }
        let mut c = CreateMonitor {
            name: self.name.get_untracked(),
            key: text(self.key),
            kind: Some(kind),
            interval_seconds: num("interval_seconds", self.interval)?,
            enabled: Some(self.enabled.get_untracked()),
            public_badges: Some(self.public_badges.get_untracked()),
            resend_interval_minutes: num("resend_interval_minutes", self.resend)?,
            escalation_policy_id: text(self.escalation).and_then(|s| s.parse().ok()),
            assertions: Some(assertions),
            ..Default::default()
        };
        if kind != MonitorKind::Push {
            c.timeout_ms = num("timeout_ms", self.timeout)?;
            c.retries = num("retries", self.retries)?;
            c.retry_interval_seconds = num("retry_interval_seconds", self.retry_interval)?;
            c.locations = Some(
                self.locations
                    .get_untracked()
                    .split([',', ' '])
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
            );
            c.confirm_locations = num("confirm_locations", self.confirm)?;
        }
        let small = |field: &str, s: RwSignal<String>| -> Result<Option<u32>, (String, String)> {
            num(field, s)
        };
        match kind {
            MonitorKind::Http => {
                c.url = Some(self.url.get_untracked());
                c.method = HttpMethod::parse(&self.method.get_untracked());
                c.headers = Some(headers);
                c.body = (!body.is_empty()).then_some(body);
                c.expected_status_codes = Some(codes);
                c.follow_redirects = Some(self.follow_redirects.get_untracked());
                c.verify_tls = Some(self.verify_tls.get_untracked());
                c.certificate_expiry_days = Some(self.certificate_expiry_days()?);
            }
            MonitorKind::Tcp => {
                c.host = text(self.host);
                c.port = small("port", self.port)?
                    .map(|p| {
                        u16::try_from(p).map_err(|_| {
                            ("port".to_owned(), "must be between 1 and 65535".to_owned())
                        })
                    })
                    .transpose()?;
                c.tls = Some(self.tls.get_untracked());
                c.verify_tls = Some(self.verify_tls.get_untracked());
                c.certificate_expiry_days = Some(self.certificate_expiry_days()?);
            }
            MonitorKind::Dns => {
                c.host = text(self.host);
                c.dns_record_type = DnsRecordType::parse(&self.dns_record_type.get_untracked());
                c.dns_server = text(self.dns_server);
                c.dns_transport = Some(if self.dns_transport.get_untracked() == "tcp" {
                    DnsTransport::Tcp
                } else {
                    DnsTransport::Udp
                });
                c.dns_expected = Some(
                    self.dns_expected
                        .get_untracked()
                        .split(['\n', ','])
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                        .collect(),
                );
            }
            MonitorKind::Ping => {
                c.host = text(self.host);
                c.ping_count = small("ping_count", self.ping_count)?
                    .map(|n| {
                        u8::try_from(n).map_err(|_| {
                            (
                                "ping_count".to_owned(),
                                "must be between 1 and 10".to_owned(),
                            )
                        })
                    })
                    .transpose()?;
            }
            MonitorKind::Push => {
                c.grace_seconds = num("grace_seconds", self.grace)?;
                if let Some(cron) = text(self.cron) {
                    c.cron = Some(cron);
                    c.timezone = text(self.timezone);
                    c.interval_seconds = None;
                }
            }
        }
        Ok(c)
    }
}

/// The patch that makes a monitor what the form says: every field of its kind.
pub(super) fn to_patch(c: CreateMonitor) -> PatchMonitor {
    PatchMonitor {
        name: Some(c.name),
        // An emptied key field removes the key.
        key: Some(c.key),
        kind: c.kind,
        url: c.url,
        method: c.method,
        headers: c.headers,
        body: c
            .kind
            .is_none_or(|k| k == MonitorKind::Http)
            .then_some(c.body),
        interval_seconds: c.interval_seconds,
        timeout_ms: c.timeout_ms,
        retries: c.retries,
        retry_interval_seconds: c.retry_interval_seconds,
        expected_status_codes: c.expected_status_codes,
        follow_redirects: c.follow_redirects,
        verify_tls: c.verify_tls,
        enabled: c.enabled,
        resend_interval_minutes: c.resend_interval_minutes,
        escalation_policy_id: Some(c.escalation_policy_id),
        host: c.host,
        port: c.port,
        tls: c.tls,
        dns_record_type: c.dns_record_type,
        dns_server: c.dns_server,
        dns_transport: c.dns_transport,
        dns_expected: c.dns_expected,
        ping_count: c.ping_count,
        cron: c.cron,
        timezone: c.timezone,
        grace_seconds: c.grace_seconds,
        assertions: c.assertions,
        certificate_expiry_days: c.certificate_expiry_days,
        public_badges: c.public_badges,
        locations: c.locations,
        confirm_locations: c.confirm_locations,
    }
}

/// Numbers typed separated by commas or spaces; the error names `field` and the bad one
/// (`"x" is not {what}`).
fn parse_list<T: std::str::FromStr>(
    text: RwSignal<String>,
    field: &str,
    what: &str,
) -> Result<Vec<T>, (String, String)> {
    text.get_untracked()
        .split([',', ' '])
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| (field.to_owned(), format!("\"{v}\" is not {what}")))
        })
        .collect()
}

/// `14, 7, 1`.
fn days_text(days: &[u32]) -> String {
    days.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
