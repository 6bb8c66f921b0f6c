//! How stored and live things look in the API: one mapper per shape, no I/O.

use flatline_actors::LiveStatus;
use flatline_store::auth::{StoredToken, StoredUser};
use flatline_store::clock::{now_ms, rfc3339};
use flatline_store::entities::{checks, deliveries, incident_updates, incidents};
use flatline_store::{StoreError, StoredChannel, StoredMonitor};
use flatline_types::{
    Certificate, Check, DeliveryStatus, Incident, Monitor, MonitorSpec, MonitorStatus,
    PushSchedule, Target,
};

/// A stored user as the API shows it (never the password hash).
pub fn user_to_api(u: &StoredUser) -> flatline_types::User {
    flatline_types::User {
        id: u.id,
        username: u.username.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role.clone(),
        issuer: u.issuer.clone(),
        created_at: rfc3339(u.created_at),
        last_login_at: u.last_login_at.map(rfc3339),
    }
}

/// A stored API token as the API lists it (never the token or its hash).
pub fn token_to_api(t: &StoredToken, now_ms: i64) -> flatline_types::ApiToken {
    flatline_types::ApiToken {
        id: t.id,
        name: t.name.clone(),
        prefix: t.prefix.clone(),
        created_at: rfc3339(t.created_at),
        last_used_at: t.last_used_at.map(rfc3339),
        expires_at: t.expires_at.map(rfc3339),
        expired: t.expires_at.is_some_and(|e| e <= now_ms),
        scope: if t.location.is_some() {
            flatline_types::TokenScope::Probe
        } else {
            flatline_types::TokenScope::Full
        },
        location: t.location.clone(),
    }
}

/// A stored channel as the API shows it: secrets masked.
pub fn channel_to_api(
    c: StoredChannel,
    monitor_ids: Vec<i64>,
) -> flatline_types::NotificationChannel {
    flatline_types::NotificationChannel {
        id: c.id,
        key: c.key,
        managed: c.applied.is_some(),
        name: c.name,
        config: c.config.masked(),
        default: c.is_default,
        monitor_ids,
        created_at: rfc3339(c.created_at_ms),
        updated_at: rfc3339(c.updated_at_ms),
    }
}

/// A stored delivery as the API shows it.
pub fn delivery_to_api(d: &deliveries::Model) -> Result<flatline_types::Delivery, StoreError> {
    let status = d.status()?;
    Ok(flatline_types::Delivery {
        id: d.id,
        channel_id: d.channel_id,
        monitor_id: d.monitor_id,
        event: d.event()?,
        status,
        attempts: u32::try_from(d.attempts).unwrap_or(0),
        last_error: d.last_error.clone(),
        created_at: rfc3339(d.created_at),
        updated_at: rfc3339(d.updated_at),
        sent_at: d.sent_at.map(rfc3339),
        next_attempt_at: (status == DeliveryStatus::Pending).then(|| rfc3339(d.next_attempt_at)),
    })
}

/// A stored check as the API shows it.
pub fn check_to_api(c: &checks::Model) -> Check {
    Check {
        id: c.id,
        monitor_id: c.monitor_id,
        checked_at: rfc3339(c.checked_at),
        up: c.up,
        latency_ms: c.latency_us as f64 / 1000.0,
        status_code: c.status_code.and_then(|s| u16::try_from(s).ok()),
        error: c.error.clone(),
        location: c.location.clone(),
    }
}

/// A stored incident as the API shows it.
pub fn incident_to_api(i: &incidents::Model) -> Incident {
    Incident {
        id: i.id,
        monitor_id: i.monitor_id,
        started_at: rfc3339(i.started_at),
        resolved_at: i.resolved_at.map(rfc3339),
        cause: i.cause.clone(),
        acknowledged: i.acknowledged_at.map(|at| flatline_types::Acknowledgement {
            at: rfc3339(at),
            by: i.acknowledged_by.clone().unwrap_or_default(),
            via: i.acknowledged_via.clone().unwrap_or_default(),
            note: i.ack_note.clone(),
        }),
        updates: None,
    }
}

/// A stored escalation policy as the API shows it.
pub fn policy_to_api(
    p: &flatline_store::StoredPolicy,
    monitor_ids: Vec<i64>,
) -> flatline_types::EscalationPolicy {
    flatline_types::EscalationPolicy {
        id: p.id,
        name: p.name.clone(),
        steps: p.steps.clone(),
        monitor_ids,
        created_at: rfc3339(p.created_at_ms),
        updated_at: rfc3339(p.updated_at_ms),
    }
}

/// A stored incident update as the API shows it, its Markdown rendered and sanitised.
pub fn incident_update_to_api(
    u: &incident_updates::Model,
) -> Result<flatline_types::IncidentUpdate, StoreError> {
    Ok(flatline_types::IncidentUpdate {
        id: u.id,
        incident_id: u.incident_id,
        state: flatline_types::IncidentUpdateState::parse(&u.state).ok_or_else(|| {
            StoreError::Corrupt(format!("incident update {}: state {:?}", u.id, u.state))
        })?,
        message: u.message.clone(),
        message_html: crate::markdown::to_safe_html(&u.message),
        author: u.author.clone(),
        created_at: rfc3339(u.created_at),
    })
}

/// A stored monitor with its live status, as the API shows it; `push_token` is a push
/// monitor's token when it was just issued (its one showing in full).
pub fn monitor_to_api(
    m: StoredMonitor,
    live: Option<LiveStatus>,
    push_token: Option<&str>,
) -> Monitor {
    let live = live.unwrap_or_else(|| LiveStatus::new(m.status));
    let mut view = monitor_view(&m, &live);
    if let (Some(token), Some(_)) = (push_token, &view.push_url) {
        view.push_url = Some(format!("{PUSH_PATH}/{token}"));
    }
    view
}

/// Where push URLs live.
pub const PUSH_PATH: &str = "/push";

/// The status a monitor shows: paused while disabled, else what the engine last found.
pub fn shown_status(spec: &MonitorSpec, live: &LiveStatus) -> MonitorStatus {
    if spec.enabled {
        live.status
    } else {
        MonitorStatus::Paused
    }
}

/// A monitor as the API shows it, from its configuration and its live state. A push
/// monitor's URL shows only the first characters of its token.
pub fn monitor_view(m: &StoredMonitor, live: &LiveStatus) -> Monitor {
    let status = shown_status(&m.spec, live);
    let s = &m.spec;
    let mut view = Monitor {
        id: m.id,
        name: s.name.clone(),
        key: m.key.clone(),
        managed: m.applied.is_some(),
        kind: s.kind(),
        target: s.label(),
        url: None,
        method: None,
        headers: None,
        body: None,
        interval_seconds: s.interval_seconds,
        timeout_ms: s.timeout_ms,
        retries: s.retries,
        retry_interval_seconds: s.retry_interval_seconds,
        expected_status_codes: None,
        follow_redirects: None,
        verify_tls: None,
        host: None,
        port: None,
        tls: None,
        dns_record_type: None,
        dns_server: None,
        dns_transport: None,
        dns_expected: None,
        ping_count: None,
        cron: None,
        timezone: None,
        grace_seconds: None,
        push_url: None,
        assertions: s.assertions.clone(),
        certificate_expiry_days: None,
        certificate: None,
        enabled: s.enabled,
        resend_interval_minutes: s.resend_interval_minutes,
        escalation_policy_id: s.escalation_policy_id,
        public_badges: s.public_badges,
        locations: s.locations.clone(),
        confirm_locations: s.confirm(),
        badge_key: m.badge_key.clone(),
        status,
        last_check: live.last_check.as_ref().map(check_to_api),
        stats: live.summary.as_deref().cloned(),
        node: None,
        created_at: rfc3339(m.created_at_ms),
        updated_at: rfc3339(m.updated_at_ms),
    };
    match &s.target {
        Target::Http(t) => {
            view.url = Some(t.url.clone());
            view.method = Some(t.method);
            view.headers = Some(t.headers.clone());
            view.body = Some(t.body.clone());
            view.expected_status_codes = Some(t.expected_status_codes.clone());
            view.follow_redirects = Some(t.follow_redirects);
            view.verify_tls = Some(t.verify_tls);
            view.certificate_expiry_days = Some(s.certificate_expiry_days.clone());
        }
        Target::Tcp(t) => {
            view.host = Some(t.host.clone());
            view.port = Some(t.port);
            view.tls = Some(t.tls);
            view.verify_tls = Some(t.verify_tls);
            view.certificate_expiry_days = Some(s.certificate_expiry_days.clone());
        }
        Target::Dns(t) => {
            view.host = Some(t.host.clone());
            view.dns_record_type = Some(t.record_type);
            view.dns_server = t.server.clone();
            view.dns_transport = Some(t.transport);
            view.dns_expected = Some(t.expected.clone());
        }
        Target::Ping(t) => {
            view.host = Some(t.host.clone());
            view.ping_count = Some(t.count);
        }
        Target::Push(t) => {
            view.grace_seconds = Some(t.grace_seconds);
            if let PushSchedule::Cron {
                expression,
                timezone,
            } = &t.schedule
            {
                view.cron = Some(expression.clone());
                view.timezone = Some(timezone.clone());
            }
            view.push_url = Some(format!("{PUSH_PATH}/{}…", t.token_hint));
        }
    }
    view.certificate = certificate_view(m, live);
    view
}

/// The newest reading of a monitor's certificate: the stored one, or the engine's if it read
/// one since. Null for targets without certificates.
fn certificate_view(m: &StoredMonitor, live: &LiveStatus) -> Option<Certificate> {
    if !m.spec.sees_certificates() {
        return None;
    }
    let from_engine = live
        .monitor
        .as_deref()
        .filter(|l| l.spec.label() == m.spec.label())
        .and_then(|l| l.certificate.as_ref());
    let c = [m.certificate.as_ref(), from_engine]
        .into_iter()
        .flatten()
        .max_by_key(|c| c.checked_at_ms)?;
    Some(Certificate {
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        sans: c.sans.clone(),
        not_after: rfc3339(c.not_after_ms),
        days_left: c.days_left(now_ms()),
        sha256: c.sha256.clone(),
        checked_at: rfc3339(c.checked_at_ms),
    })
}

/// A monitor as the live stream shows it; `None` for an entry without its configuration.
/// `with_recent` adds the latest checks in brief (the stream's snapshot).
pub fn live_view(
    id: i64,
    live: &LiveStatus,
    with_recent: bool,
) -> Option<flatline_types::LiveMonitor> {
    let m = live.monitor.as_deref()?;
    let recent = if with_recent {
        live.recent
            .iter()
            .map(|b| {
                flatline_types::RecentCheck(
                    b.id,
                    b.checked_at,
                    b.up,
                    f64::from(b.latency_us) / 1000.0,
                    b.status_code,
                    b.error.as_deref().map(str::to_owned),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Some(flatline_types::LiveMonitor {
        id,
        name: m.spec.name.clone(),
        kind: m.spec.kind(),
        url: m.spec.label(),
        recent,
        status: shown_status(&m.spec, live),
        last_check: live.last_check.as_ref().map(check_to_api),
        stats: live.summary.as_deref().cloned(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            super::rfc3339(1_764_110_105_123),
            "2025-11-25T22:35:05.123Z"
        );
    }
}
