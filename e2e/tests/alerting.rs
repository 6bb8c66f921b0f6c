//! Alerting, wider: the providers beyond the first nine, each against a receiver that checks
//! the request as its service documents it; Prometheus Alertmanager itself (Debian's
//! `prometheus-alertmanager`); acknowledgement and escalation policies.

#[path = "alerting/escalation.rs"]
mod escalation;
#[path = "alerting/providers.rs"]
mod providers;
