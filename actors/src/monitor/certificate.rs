//! A monitor's view of its target's TLS certificate: read hourly (or at once when new), kept
//! on the monitor, and each expiry threshold announced once per certificate.

use std::time::{Duration, Instant};

use flatline_store::clock::now_ms;
use flatline_store::CertificateRecord;

use super::MonitorActor;
use crate::checks;
use crate::messages::{CertificateExpiring, RecordCertificate};

/// How often a monitor reads (and keeps) its target's certificate when nothing changes.
pub const CERTIFICATE_READ_EVERY: Duration = Duration::from_secs(3600);

/// What a monitor knows of its target's certificate.
#[derive(Debug, Default)]
pub(super) struct CertificateWatch {
    /// When a reading was last kept; `None` before the first one of this run or target.
    pub(super) kept_at: Option<Instant>,
    /// The certificate last seen.
    sha256: Option<String>,
    /// The smallest threshold already announced for it.
    warned_days: Option<u32>,
}

impl CertificateWatch {
    /// Starts from what the monitor kept (its warnings survive restarts).
    pub(super) fn of(kept: Option<&CertificateRecord>) -> Self {
        Self {
            kept_at: None,
            sha256: kept.map(|c| c.sha256.clone()),
            warned_days: kept.and_then(|c| c.warned_days),
        }
    }

    pub(super) fn reading_due(&self) -> bool {
        self.kept_at
            .is_none_or(|at| at.elapsed() >= CERTIFICATE_READ_EVERY)
    }

    /// Takes in a reading: the certificate `sha256`, which has crossed `threshold` (the
    /// smallest one at or above its days left). Whether it is a certificate not seen before,
    /// and the threshold to announce: one smaller than any announced for it yet.
    fn observe(&mut self, sha256: &str, threshold: Option<u32>) -> (bool, Option<u32>) {
        let renewed = self.sha256.as_deref() != Some(sha256);
        if renewed {
            self.sha256 = Some(sha256.to_owned());
            self.warned_days = None;
        }
        let crossed = threshold.filter(|&t| self.warned_days.is_none_or(|warned| t < warned));
        if crossed.is_some() {
            self.warned_days = crossed;
        }
        (renewed, crossed)
    }
}

impl MonitorActor {
    /// Keeps what a check read of the target's certificate (hourly, or at once when it is new
    /// or has crossed a threshold) and announces a threshold crossed for the first time: one
    /// notice per threshold per certificate, for the smallest one crossed.
    pub(super) fn saw_certificate(&mut self, facts: &checks::CertificateFacts) {
        let now = now_ms();
        let watch = &mut self.certificate;
        let (renewed, crossed) = watch.observe(
            &facts.sha256,
            self.plan.spec.certificate_threshold(facts.days_left(now)),
        );
        if !(renewed || crossed.is_some() || watch.reading_due()) {
            return;
        }
        watch.kept_at = Some(Instant::now());
        let record = facts.record(now, watch.warned_days);
        if let Some(threshold_days) = crossed {
            tracing::info!(
                monitor_id = self.id,
                days_left = facts.days_left(now),
                threshold_days,
                "certificate expiring"
            );
            self.deps.expiring.do_send(CertificateExpiring {
                monitor_id: self.id,
                monitor_name: self.plan.spec.name.clone(),
                kind: self.plan.spec.kind(),
                url: self.plan.spec.label(),
                certificate: record.clone(),
                threshold_days,
            });
        }
        self.deps.certificates.do_send(RecordCertificate {
            monitor_id: self.id,
            certificate: record,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::CertificateWatch;

    #[test]
    fn each_threshold_is_announced_once_per_certificate() {
        let mut w = CertificateWatch::default();
        // First seen 3 days from expiry: past 14 and 7, one notice, for 7.
        assert_eq!(w.observe("a", Some(7)), (true, Some(7)));
        assert_eq!(w.observe("a", Some(7)), (false, None), "not again");
        // A day later it crosses 1.
        assert_eq!(w.observe("a", Some(1)), (false, Some(1)));
        assert_eq!(w.observe("a", Some(1)), (false, None));
        // Renewed: starts afresh, nothing to say while far from expiry.
        assert_eq!(w.observe("b", None), (true, None));
        assert_eq!(w.observe("b", Some(14)), (false, Some(14)));
        // Thresholds raised later do not announce a larger one after a smaller.
        assert_eq!(w.observe("b", Some(7)), (false, Some(7)));
        assert_eq!(w.observe("b", Some(30)), (false, None));
        // After a restart the watch starts from what was kept.
        let kept = flatline_store::CertificateRecord {
            subject: String::new(),
            issuer: String::new(),
            sans: Vec::new(),
            not_after_ms: 0,
            sha256: "b".into(),
            checked_at_ms: 0,
            warned_days: Some(7),
        };
        let mut w = CertificateWatch::of(Some(&kept));
        assert_eq!(
            w.observe("b", Some(7)),
            (false, None),
            "no repeat after restart"
        );
        assert!(w.reading_due(), "but read at once");
    }
}
