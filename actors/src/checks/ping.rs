//! The ping check: ICMP echo requests with surge-ping, through an unprivileged ICMP socket
//! where the kernel allows it (`net.ipv4.ping_group_range`) and a raw socket otherwise (root or
//! `CAP_NET_RAW`). Up if any of `ping_count` requests is answered; latency is the mean RTT.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use flatline_store::clock::now_ms;
use flatline_types::PingTarget;
use surge_ping::{Client, Config, PingIdentifier, PingSequence, SurgeError, ICMP};

use super::{CheckOutcome, Facts, Plan};

thread_local! {
    // One ICMP socket per address family and arbiter thread, shared by its monitors.
    static CLIENTS: RefCell<HashMap<bool, Client>> = RefCell::new(HashMap::new());
    static NEXT_IDENT: Cell<u16> = const { Cell::new(1) };
}

fn client_for(v6: bool) -> Result<Client, String> {
    if let Some(c) = CLIENTS.with(|m| m.borrow().get(&v6).cloned()) {
        return Ok(c);
    }
    let config = Config::builder()
        .kind(if v6 { ICMP::V6 } else { ICMP::V4 })
        .sock_type_hint(socket2::Type::DGRAM);
    let config = match super::source_address().filter(|ip| ip.is_ipv6() == v6) {
        Some(ip) => config.bind(std::net::SocketAddr::new(ip, 0)),
        None => config,
    }
    .build();
    let client = Client::new(&config).map_err(|e| socket_error(&e, v6))?;
    CLIENTS.with(|m| m.borrow_mut().insert(v6, client.clone()));
    Ok(client)
}

/// Why no ICMP socket could be opened, and how to allow one.
pub(crate) fn socket_error(e: &std::io::Error, v6: bool) -> String {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        let family = if v6 { "ipv6" } else { "ipv4" };
        format!(
            "ping not permitted: this process may open neither an unprivileged ICMP socket nor \
             a raw one; allow it with `sysctl -w net.{family}.ping_group_range=\"0 2147483647\"` \
             or give the binary CAP_NET_RAW (`setcap cap_net_raw+ep flatline`)"
        )
    } else {
        format!("ping failed: cannot open an ICMP socket ({e})")
    }
}

async fn resolve(host: &str) -> Result<IpAddr, String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(ip);
    }
    tokio::net::lookup_host((bare, 0))
        .await
        .map_err(|e| format!("dns failure: {e}"))?
        .next()
        .map(|a| a.ip())
        .ok_or_else(|| "dns failure: no address found for host".to_owned())
}

/// Pings `target` `count` times. Never fails: every failure is described in the outcome.
pub async fn run(plan: &Plan, target: &PingTarget) -> CheckOutcome {
    let started_at_ms = now_ms();
    let start = Instant::now();
    let count = u16::from(target.count.max(1));
    let attempt = async {
        let ip = resolve(&target.host).await?;
        let client = client_for(ip.is_ipv6())?;
        let ident = NEXT_IDENT.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1));
            id
        });
        let mut pinger = client.pinger(ip, PingIdentifier(ident)).await;
        // The requests share the monitor's timeout.
        pinger.timeout(plan.timeout() / u32::from(count));
        let mut rtts = Vec::new();
        let mut last_error = None;
        for seq in 0..count {
            match pinger.ping(PingSequence(seq), &[0u8; 56]).await {
                Ok((_, rtt)) => rtts.push(rtt),
                Err(e) => last_error = Some(e),
            }
        }
        if rtts.is_empty() {
            return Err(match last_error {
                Some(SurgeError::Timeout { .. }) | None => format!(
                    "no reply to {count} echo request{} within {} ms",
                    if count == 1 { "" } else { "s" },
                    plan.spec.timeout_ms
                ),
                Some(SurgeError::IOError(e)) => socket_error(&e, ip.is_ipv6()),
                Some(other) => format!("ping failed: {other}"),
            });
        }
        Ok(rtts.iter().sum::<Duration>() / rtts.len() as u32)
    };
    let result = actix_rt::time::timeout(plan.timeout() + Duration::from_millis(50), attempt).await;
    let (latency, error) = match result {
        Err(_) => (
            start.elapsed(),
            Some(format!("timeout after {} ms", plan.spec.timeout_ms)),
        ),
        Ok(Err(reason)) => (start.elapsed(), Some(reason)),
        Ok(Ok(rtt)) => (rtt, None),
    };
    let outcome = CheckOutcome::without_status(started_at_ms, super::micros(latency), error);
    super::judge(plan, outcome, Facts::default())
}

#[cfg(test)]
mod tests {
    use super::socket_error;

    #[test]
    fn a_refused_socket_says_why_and_how_to_allow_it() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let reason = socket_error(&denied, false);
        assert!(reason.starts_with("ping not permitted"), "{reason}");
        assert!(reason.contains("net.ipv4.ping_group_range"), "{reason}");
        assert!(reason.contains("CAP_NET_RAW"), "{reason}");
        assert!(socket_error(&denied, true).contains("net.ipv6.ping_group_range"));
        let other = std::io::Error::other("boom");
        assert_eq!(
            socket_error(&other, false),
            "ping failed: cannot open an ICMP socket (boom)"
        );
    }
}
