//! The HTTP check: one request to the monitor's URL with awc (a client per arbiter thread),
//! judged by its status code and assertions, turned into a [`CheckOutcome`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_http::error::ParseError;
use awc::error::{ConnectError, PayloadError, SendRequestError};
use awc::http::Method;
use flatline_types::{HttpMethod, HttpTarget};
use futures_util::StreamExt;

use flatline_store::clock::now_ms;

use super::{describe_io_error, CertificateFacts, CheckOutcome, Facts, Plan};

/// How much of a response body is read; latency includes reading it.
pub const BODY_CAP_BYTES: usize = 1024 * 1024;
/// Redirects followed when a monitor follows redirects.
pub const MAX_REDIRECTS: u8 = 10;

thread_local! {
    // awc clients are !Send and hold connection pools: one per arbiter thread and per
    // (follow redirects, verify TLS) combination, shared by every monitor on that thread.
    static CLIENTS: RefCell<HashMap<(bool, bool), awc::Client>> = RefCell::new(HashMap::new());
}

fn client_for(target: &HttpTarget) -> awc::Client {
    let key = (target.follow_redirects, target.verify_tls);
    CLIENTS.with(|clients| {
        clients
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| build_client(key.0, key.1))
            .clone()
    })
}

fn build_client(follow_redirects: bool, verify_tls: bool) -> awc::Client {
    // The probe enforces each monitor's own timeout around the whole exchange; awc's own
    // limits must never fire first.
    let ceiling = Duration::from_secs(300);
    let mut connector = awc::Connector::new()
        .timeout(ceiling)
        .handshake_timeout(ceiling)
        .limit(0)
        .conn_keep_alive(Duration::from_secs(30));
    if let Some(source) = super::source_address() {
        connector = connector.local_address(source);
    }
    if !verify_tls {
        match super::tls::insecure::client_config(&[b"h2", b"http/1.1"]) {
            Some(config) => connector = connector.rustls_0_23(Arc::new(config)),
            None => tracing::error!("no TLS configuration without verification; verifying"),
        }
    }
    let builder = awc::Client::builder()
        .connector(connector)
        .timeout(ceiling)
        .add_default_header((
            awc::http::header::USER_AGENT,
            concat!("Flatline/", env!("CARGO_PKG_VERSION")),
        ));
    if follow_redirects {
        builder.max_redirects(MAX_REDIRECTS).finish()
    } else {
        builder.disable_redirects().finish()
    }
}

fn method_of(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
    }
}

enum Failure {
    Send(SendRequestError),
    Body(PayloadError),
}

/// What the exchange saw, beyond the status.
struct Response {
    status: awc::http::StatusCode,
    has_location: bool,
    body: Vec<u8>,
    body_cut: bool,
    headers: Vec<(String, String)>,
}

/// Checks `target`'s URL once and judges the response by its status and the monitor's
/// assertions; reads the certificate of an `https` target when asked to (or when an assertion
/// needs it). Never fails: every failure is described in the outcome.
pub async fn run(plan: &Plan, target: &HttpTarget, read_certificate: bool) -> CheckOutcome {
    let client = client_for(target);
    let keep_body = plan.assertions.needs_body();
    let keep_headers = plan.assertions.needs_headers();
    let started_at_ms = now_ms();
    let start = Instant::now();
    let exchange = async {
        let mut req = client.request(method_of(target.method), target.url.as_str());
        for (name, value) in &target.headers {
            req = req.insert_header((name.as_str(), value.as_str()));
        }
        let mut res = match &target.body {
            Some(body) => req.send_body(body.clone()).await,
            None => req.send().await,
        }
        .map_err(Failure::Send)?;
        let status = res.status();
        let mut read = 0usize;
        let mut body = Vec::new();
        let mut body_cut = false;
        while read < BODY_CAP_BYTES {
            match res.next().await {
                Some(chunk) => {
                    let chunk = chunk.map_err(Failure::Body)?;
                    if keep_body {
                        let room = BODY_CAP_BYTES - body.len();
                        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                        body_cut |= chunk.len() > room;
                    }
                    read += chunk.len();
                }
                None => break,
            }
        }
        if keep_body && read >= BODY_CAP_BYTES && !body_cut {
            // The cap was reached exactly: cut if anything is left.
            body_cut = matches!(
                actix_rt::time::timeout(Duration::from_millis(1), res.next()).await,
                Ok(Some(_))
            );
        }
        let headers = if keep_headers {
            res.headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok::<_, Failure>(Response {
            status,
            has_location: res.headers().contains_key(awc::http::header::LOCATION),
            body,
            body_cut,
            headers,
        })
    };
    let result = actix_rt::time::timeout(plan.timeout(), exchange).await;
    let latency_us = super::micros(start.elapsed());
    let timeout_ms = plan.spec.timeout_ms;
    let outcome = |status_code, error| CheckOutcome {
        started_at_ms,
        latency_us,
        status_code,
        error,
        certificate: None,
    };
    let response = match result {
        Err(_elapsed) => return outcome(None, Some(format!("timeout after {timeout_ms} ms"))),
        Ok(Err(Failure::Send(e))) => {
            let reason = describe_send_error(&e, timeout_ms);
            // A certificate the check refused (expired, wrong name) is still worth reading.
            let certificate = if read_certificate && reason.starts_with("tls error") {
                read_certificate_of(target, plan).await
            } else {
                None
            };
            return CheckOutcome {
                certificate,
                ..outcome(None, Some(reason))
            };
        }
        Ok(Err(Failure::Body(e))) => return outcome(None, Some(describe_payload_error(&e))),
        Ok(Ok(response)) => response,
    };
    let code = response.status.as_u16();
    let error =
        if target.follow_redirects && response.status.is_redirection() && response.has_location {
            // awc hands back the last redirect once it has followed its maximum.
            Some("too many redirects".to_owned())
        } else if target.accepts_status(code) {
            None
        } else {
            Some(format!("unexpected status {code}"))
        };
    let certificate =
        if read_certificate || (error.is_none() && plan.assertions.needs_certificate()) {
            read_certificate_of(target, plan).await
        } else {
            None
        };
    let judged = super::judge(
        plan,
        outcome(Some(code), error),
        Facts {
            status_code: Some(code),
            body: keep_body.then_some(response.body.as_slice()),
            body_cut: response.body_cut,
            headers: response.headers,
            certificate_days: certificate.as_ref().map(|c| c.days_left(now_ms())),
            ..Default::default()
        },
    );
    CheckOutcome {
        certificate,
        ..judged
    }
}

/// An `https` target's certificate, read by a handshake of its own (awc does not show the
/// certificate of the connection it used). Not verified: an expired certificate is still
/// read. `None` for `http://` URLs and when the handshake fails.
async fn read_certificate_of(target: &HttpTarget, plan: &Plan) -> Option<CertificateFacts> {
    let url = url::Url::parse(&target.url).ok()?;
    if url.scheme() != "https" {
        return None;
    }
    let host = url.host_str()?.to_owned();
    let port = url.port_or_known_default()?;
    let read = async {
        let stream = super::connect_tcp(host.trim_start_matches('[').trim_end_matches(']'), port)
            .await
            .ok()?;
        let (_, facts) = super::tls::handshake(stream, &host, false).await.ok()?;
        facts
    };
    actix_rt::time::timeout(plan.timeout(), read).await.ok()?
}

/// A failure while reading the body, as a reason (never a `Debug` dump of the error).
pub(crate) fn describe_payload_error(e: &PayloadError) -> String {
    match e {
        PayloadError::Incomplete(Some(io)) | PayloadError::Io(io)
            if io.kind() == std::io::ErrorKind::ConnectionReset =>
        {
            "connection reset while reading the body".to_owned()
        }
        PayloadError::Incomplete(Some(io)) | PayloadError::Io(io) => {
            format!("response body error: {}", describe_io_error(io))
        }
        PayloadError::Incomplete(None) => {
            "response body cut short: the connection closed early".to_owned()
        }
        other => format!("response body error: {other}"),
    }
}

pub(crate) fn describe_send_error(e: &SendRequestError, timeout_ms: u32) -> String {
    match e {
        SendRequestError::Timeout | SendRequestError::Connect(ConnectError::Timeout) => {
            format!("timeout after {timeout_ms} ms")
        }
        SendRequestError::Connect(ConnectError::Resolver(inner)) => {
            format!("dns failure: {inner}")
        }
        SendRequestError::Connect(ConnectError::NoRecords | ConnectError::Unresolved) => {
            "dns failure: no address found for host".to_owned()
        }
        SendRequestError::Connect(ConnectError::SslIsNotSupported) => {
            "tls error: https is not supported".to_owned()
        }
        SendRequestError::Connect(ConnectError::Io(io)) => describe_io_error(io),
        SendRequestError::Send(io) => describe_io_error(io),
        SendRequestError::Response(ParseError::Io(io)) => describe_io_error(io),
        SendRequestError::Response(ParseError::TooLarge) => "response headers too large".to_owned(),
        SendRequestError::Response(ParseError::Timeout) => format!("timeout after {timeout_ms} ms"),
        SendRequestError::Response(other) => format!("invalid response: {other}"),
        SendRequestError::Url(e) => format!("invalid url: {e}"),
        other => format!("request failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // DNS failures cannot be produced end to end without a resolver query leaving the
    // machine, so the mapping is checked here.
    #[test]
    fn failures_are_named_specifically() {
        let dns = SendRequestError::Connect(ConnectError::Resolver(Box::new(
            std::io::Error::other("no such host"),
        )));
        assert_eq!(describe_send_error(&dns, 100), "dns failure: no such host");
        let none = SendRequestError::Connect(ConnectError::NoRecords);
        assert!(describe_send_error(&none, 100).starts_with("dns failure"));
        let refused = SendRequestError::Connect(ConnectError::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(describe_send_error(&refused, 100), "connection refused");
        let tls = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let tls = SendRequestError::Connect(ConnectError::Io(tls));
        assert!(describe_send_error(&tls, 100).starts_with("tls error: invalid peer certificate"));
        assert_eq!(
            describe_send_error(&SendRequestError::Timeout, 250),
            "timeout after 250 ms"
        );
        let reset = || std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(
            describe_send_error(&SendRequestError::Response(ParseError::Io(reset())), 100),
            "connection reset"
        );
        assert_eq!(
            describe_send_error(&SendRequestError::Response(ParseError::TooLarge), 100),
            "response headers too large"
        );
        assert_eq!(
            describe_payload_error(&PayloadError::Incomplete(Some(reset()))),
            "connection reset while reading the body"
        );
        assert_eq!(
            describe_payload_error(&PayloadError::Incomplete(None)),
            "response body cut short: the connection closed early"
        );
    }
}
