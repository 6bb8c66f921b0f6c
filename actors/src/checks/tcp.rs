//! The TCP check: connect to `host:port` (and, with `tls`, complete a TLS handshake with SNI).
//! Latency is the connect, plus the handshake.

use std::time::Instant;

use flatline_store::clock::now_ms;
use flatline_types::TcpTarget;

use super::{describe_io_error, CheckOutcome, Facts, Plan};

/// Connects to `target` once. Never fails: every failure is described in the outcome.
pub async fn run(plan: &Plan, target: &TcpTarget) -> CheckOutcome {
    let started_at_ms = now_ms();
    let start = Instant::now();
    let host = target.host.trim_start_matches('[').trim_end_matches(']');
    let attempt = async {
        let stream = super::connect_tcp(host, target.port)
            .await
            .map_err(|e| describe_io_error(&e))?;
        if !target.tls {
            return Ok(None);
        }
        let (mut tls, facts) = super::tls::handshake(stream, host, target.verify_tls).await?;
        // Close politely: the target sees a finished TLS session, not a reset.
        let _ = tokio::io::AsyncWriteExt::shutdown(&mut tls).await;
        Ok::<_, String>(facts)
    };
    let result = actix_rt::time::timeout(plan.timeout(), attempt).await;
    let latency_us = super::micros(start.elapsed());
    let (error, certificate) = match result {
        Err(_) if target.tls => (
            Some(format!(
                "timeout after {} ms (connecting or in the TLS handshake)",
                plan.spec.timeout_ms
            )),
            None,
        ),
        Err(_) => (
            Some(format!("timeout after {} ms", plan.spec.timeout_ms)),
            None,
        ),
        Ok(Err(reason)) => (Some(reason), None),
        Ok(Ok(facts)) => (None, facts),
    };
    let certificate_days = certificate.as_ref().map(|c| c.days_left(now_ms()));
    let outcome = super::judge(
        plan,
        CheckOutcome::without_status(started_at_ms, latency_us, error),
        Facts {
            certificate_days,
            ..Default::default()
        },
    );
    CheckOutcome {
        certificate,
        ..outcome
    }
}
