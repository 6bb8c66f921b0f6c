//! Patching a monitor: the body that would create it as it is, with the patch laid over it
//! and validated as a whole.

use super::{
    default_timeout_ms, CreateMonitor, MonitorKind, MonitorSpec, PatchMonitor, PushSchedule, Target,
};
use crate::FieldError;

impl CreateMonitor {
    /// The body that would create `spec` as it is (defaults spelled out), without its
    /// kind-specific fields when `with_target` is false.
    pub fn of_spec(spec: &MonitorSpec, with_target: bool) -> Self {
        let push = spec.kind() == MonitorKind::Push;
        let mut body = CreateMonitor {
            name: spec.name.clone(),
            kind: Some(spec.kind()),
            interval_seconds: Some(spec.interval_seconds),
            timeout_ms: (!push).then_some(spec.timeout_ms),
            retries: (!push).then_some(spec.retries),
            retry_interval_seconds: (!push).then_some(spec.retry_interval_seconds),
            enabled: Some(spec.enabled),
            resend_interval_minutes: Some(spec.resend_interval_minutes),
            escalation_policy_id: spec.escalation_policy_id,
            assertions: Some(spec.assertions.clone()),
            public_badges: Some(spec.public_badges),
            locations: (!push).then(|| spec.locations.clone()),
            confirm_locations: spec.confirm_locations.filter(|_| !push),
            ..Default::default()
        };
        if !with_target {
            return body;
        }
        match &spec.target {
            Target::Http(t) => {
                body.url = Some(t.url.clone());
                body.method = Some(t.method);
                body.headers = Some(t.headers.clone());
                body.body = t.body.clone();
                body.expected_status_codes = Some(t.expected_status_codes.clone());
                body.follow_redirects = Some(t.follow_redirects);
                body.verify_tls = Some(t.verify_tls);
                body.certificate_expiry_days = Some(spec.certificate_expiry_days.clone());
            }
            Target::Tcp(t) => {
                body.host = Some(t.host.clone());
                body.port = Some(t.port);
                body.tls = Some(t.tls);
                body.verify_tls = Some(t.verify_tls);
                body.certificate_expiry_days = Some(spec.certificate_expiry_days.clone());
            }
            Target::Dns(t) => {
                body.host = Some(t.host.clone());
                body.dns_record_type = Some(t.record_type);
                body.dns_server = t.server.clone();
                body.dns_transport = Some(t.transport);
                body.dns_expected = Some(t.expected.clone());
            }
            Target::Ping(t) => {
                body.host = Some(t.host.clone());
                body.ping_count = Some(t.count);
            }
            Target::Push(t) => {
                body.grace_seconds = Some(t.grace_seconds);
                if let PushSchedule::Cron {
                    expression,
                    timezone,
                } = &t.schedule
                {
                    body.cron = Some(expression.clone());
                    body.timezone = Some(timezone.clone());
                    body.interval_seconds = None;
                }
            }
        }
        body
    }
}

impl PatchMonitor {
    /// Applies the patch to `current` and validates the result as a whole. A push monitor
    /// keeps its token; a monitor that becomes a push monitor gets an empty token hash, for
    /// the caller to issue.
    pub fn apply(self, current: &MonitorSpec) -> Result<MonitorSpec, FieldError> {
        let kind = self.kind.unwrap_or(current.kind());
        let same_kind = kind == current.kind();
        let mut base = CreateMonitor::of_spec(current, same_kind);
        base.kind = Some(kind);
        if let Some(v) = self.interval_seconds {
            // Fields still at the default derived from the interval follow it, so that
            // `{"interval_seconds": 1}` works on a monitor created with the defaults.
            if self.timeout_ms.is_none()
                && current.timeout_ms == default_timeout_ms(current.interval_seconds)
            {
                base.timeout_ms = None;
            }
            if self.retry_interval_seconds.is_none()
                && current.retry_interval_seconds == current.interval_seconds
            {
                base.retry_interval_seconds = None;
            }
            base.interval_seconds = Some(v);
        }
        if kind == MonitorKind::Push {
            // A push monitor is on either an interval or a cron schedule: the one given wins.
            if self.cron.is_some() {
                base.interval_seconds = None;
            } else if self.interval_seconds.is_some() {
                base.cron = None;
                base.timezone = None;
            }
        } else if !same_kind {
            // Leaving push: the shared check fields come back with their defaults.
            base.timeout_ms = base
                .timeout_ms
                .filter(|_| current.kind() != MonitorKind::Push);
        }
        if kind == MonitorKind::Push {
            // Pinged, not checked: from nowhere but here.
            base.locations = None;
            base.confirm_locations = None;
        }
        self.overlay(&mut base);
        let mut spec = base.into_spec()?;
        spec.keep_push_token(current);
        Ok(spec)
    }
}

impl MonitorSpec {
    /// Keeps `current`'s push token when both are push monitors (a new configuration of a
    /// push monitor does not change its URL).
    pub fn keep_push_token(&mut self, current: &MonitorSpec) {
        if let (Target::Push(new), Target::Push(old)) = (&mut self.target, &current.target) {
            new.token_hash = old.token_hash.clone();
            new.token_hint = old.token_hint.clone();
        }
    }
}
