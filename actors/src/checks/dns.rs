//! The DNS check: one query with hickory's resolver (no cache, one attempt within the
//! monitor's timeout), judged by its answers: `NXDOMAIN`, `SERVFAIL`, `no answer`, `timeout`,
//! or `expected 10.0.0.1, got 10.0.0.2`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Instant;

use flatline_store::clock::now_ms;
use flatline_types::{parse_dns_server, DnsRecordType, DnsTarget, DnsTransport};
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ProtocolConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;

use super::{CheckOutcome, Facts, Plan};

type ResolverKey = (Option<String>, DnsTransport, u32);

thread_local! {
    // A resolver per (server, transport, timeout) and arbiter thread, shared by the monitors
    // on it. Their caches are off: every check asks the server.
    static RESOLVERS: RefCell<HashMap<ResolverKey, TokioResolver>> = RefCell::new(HashMap::new());
}

fn resolver_for(target: &DnsTarget, plan: &Plan) -> Result<TokioResolver, String> {
    let key = (
        target.server.clone(),
        target.transport,
        plan.spec.timeout_ms,
    );
    if let Some(r) = RESOLVERS.with(|m| m.borrow().get(&key).cloned()) {
        return Ok(r);
    }
    let mut opts = ResolverOpts::default();
    opts.timeout = plan.timeout();
    opts.attempts = 1;
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.ndots = 0;
    let protocol = match target.transport {
        DnsTransport::Udp => ProtocolConfig::Udp,
        DnsTransport::Tcp => ProtocolConfig::Tcp,
    };
    let builder = match &target.server {
        Some(server) => {
            let addr = parse_dns_server(server).map_err(|e| e.message)?;
            let mut connection = ConnectionConfig::new(protocol);
            connection.port = addr.port();
            connection.bind_addr =
                super::source_address().map(|ip| std::net::SocketAddr::new(ip, 0));
            let config = ResolverConfig::from_parts(
                None,
                Vec::new(),
                vec![NameServerConfig::new(addr.ip(), true, vec![connection])],
            );
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        }
        None => TokioResolver::builder_tokio()
            .map_err(|e| format!("dns failure: no system resolver ({e})"))?,
    };
    let resolver = builder
        .with_options(opts)
        .build()
        .map_err(|e| format!("dns failure: {e}"))?;
    RESOLVERS.with(|m| m.borrow_mut().insert(key, resolver.clone()));
    Ok(resolver)
}

fn record_type(t: DnsRecordType) -> RecordType {
    match t {
        DnsRecordType::A => RecordType::A,
        DnsRecordType::Aaaa => RecordType::AAAA,
        DnsRecordType::Cname => RecordType::CNAME,
        DnsRecordType::Mx => RecordType::MX,
        DnsRecordType::Txt => RecordType::TXT,
        DnsRecordType::Ns => RecordType::NS,
        DnsRecordType::Soa => RecordType::SOA,
        DnsRecordType::Srv => RecordType::SRV,
    }
}

/// An answer as shown and compared: names without their final dot, TXT strings joined.
fn answer_text(data: &RData) -> String {
    match data {
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|part| String::from_utf8_lossy(part))
            .collect::<String>(),
        other => other.to_string().trim_end_matches('.').to_owned(),
    }
}

/// Whether `expected` is among `answers`: equal (ignoring case and a final dot), or equal to
/// an MX answer's host or an SRV answer's target.
fn found(expected: &str, answers: &[String]) -> bool {
    let want = expected.trim().trim_end_matches('.');
    answers.iter().any(|a| {
        a.eq_ignore_ascii_case(want)
            || a.rsplit(' ')
                .next()
                .is_some_and(|last| last.eq_ignore_ascii_case(want))
    })
}

/// Why a lookup failed, named as operators know it.
fn describe(e: &NetError, timeout_ms: u32) -> String {
    match e {
        NetError::Timeout => "timeout".to_owned(),
        // Every connection to the server failed (over TCP: refused or reset).
        NetError::NoConnections => "cannot connect to the DNS server".to_owned(),
        NetError::Dns(DnsError::NoRecordsFound(no)) => match no.response_code {
            ResponseCode::NXDomain => "NXDOMAIN".to_owned(),
            ResponseCode::ServFail => "SERVFAIL".to_owned(),
            _ => "no answer".to_owned(),
        },
        NetError::Dns(DnsError::ResponseCode(code)) => match code {
            ResponseCode::NXDomain => "NXDOMAIN".to_owned(),
            ResponseCode::ServFail => "SERVFAIL".to_owned(),
            ResponseCode::Refused => "REFUSED".to_owned(),
            other => other.to_string().to_uppercase(),
        },
        NetError::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
            std::io::ErrorKind::TimedOut => format!("timeout after {timeout_ms} ms"),
            _ => format!("dns failure: {io}"),
        },
        other => {
            let text = other.to_string();
            if text.contains("timed out") {
                "timeout".to_owned()
            } else {
                format!("dns failure: {text}")
            }
        }
    }
}

/// Asks for `target`'s records once. Never fails: every failure is described in the outcome.
pub async fn run(plan: &Plan, target: &DnsTarget) -> CheckOutcome {
    let started_at_ms = now_ms();
    let start = Instant::now();
    let result = async {
        let resolver = resolver_for(target, plan)?;
        let fqdn = format!("{}.", target.host.trim_end_matches('.'));
        let name = Name::from_str(&fqdn).map_err(|e| format!("dns failure: {e}"))?;
        let lookup = actix_rt::time::timeout(
            plan.timeout(),
            resolver.lookup(name, record_type(target.record_type)),
        )
        .await
        .map_err(|_| "timeout".to_owned())?
        .map_err(|e| describe(&e, plan.spec.timeout_ms))?;
        let wanted = record_type(target.record_type);
        let answers: Vec<String> = lookup
            .answers()
            .iter()
            .filter(|r| r.record_type() == wanted)
            .map(|r| answer_text(&r.data))
            .collect();
        if answers.is_empty() {
            return Err("no answer".to_owned());
        }
        if let Some(missing) = target.expected.iter().find(|e| !found(e, &answers)) {
            return Err(format!(
                "expected {}, got {}",
                missing.trim(),
                answers.join(", ")
            ));
        }
        Ok(())
    }
    .await;
    let outcome =
        CheckOutcome::without_status(started_at_ms, super::micros(start.elapsed()), result.err());
    super::judge(plan, outcome, Facts::default())
}

#[cfg(test)]
mod tests {
    use super::found;

    #[test]
    fn expected_answers_match_loosely_where_dns_is_loose() {
        let answers = vec!["10 mail.example.com".to_owned(), "10.0.0.1".to_owned()];
        assert!(found("mail.example.com.", &answers));
        assert!(found("10 MAIL.example.com", &answers));
        assert!(found("10.0.0.1", &answers));
        assert!(!found("10.0.0.2", &answers));
        assert!(!found("0.0.1", &answers));
    }
}
