//! The HTTP check: one request to the monitor's URL with awc (a client per arbiter thread),
//! judged by its status code, turned into a [`CheckOutcome`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use awc::error::{ConnectError, PayloadError, SendRequestError};
use awc::http::Method;
use flatline_types::{HttpMethod, MonitorSpec};
use futures_util::StreamExt;

use flatline_store::clock::now_ms;

use super::CheckOutcome;

/// How much of a response body is read; latency includes reading it.
pub const BODY_CAP_BYTES: usize = 1024 * 1024;
/// Redirects followed when a monitor follows redirects.
pub const MAX_REDIRECTS: u8 = 10;

thread_local! {
    // awc clients are !Send and hold connection pools: one per arbiter thread and per
    // (follow redirects, verify TLS) combination, shared by every monitor on that thread.
    static CLIENTS: RefCell<HashMap<(bool, bool), awc::Client>> = RefCell::new(HashMap::new());
}

fn client_for(spec: &MonitorSpec) -> awc::Client {
    let key = (spec.follow_redirects, spec.verify_tls);
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
    if !verify_tls {
        match insecure::client_config() {
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

/// Checks `spec`'s URL once. Never fails: every failure is described in the outcome.
pub async fn run(spec: &MonitorSpec) -> CheckOutcome {
    let client = client_for(spec);
    let started_at_ms = now_ms();
    let start = Instant::now();
    let exchange = async {
        let mut req = client.request(method_of(spec.method), spec.url.as_str());
        for (name, value) in &spec.headers {
            req = req.insert_header((name.as_str(), value.as_str()));
        }
        let mut res = match &spec.body {
            Some(body) => req.send_body(body.clone()).await,
            None => req.send().await,
        }
        .map_err(Failure::Send)?;
        let status = res.status();
        let mut read = 0usize;
        while read < BODY_CAP_BYTES {
            match res.next().await {
                Some(chunk) => read += chunk.map_err(Failure::Body)?.len(),
                None => break,
            }
        }
        Ok::<_, Failure>((
            status,
            res.headers().contains_key(awc::http::header::LOCATION),
        ))
    };
    let timeout = Duration::from_millis(u64::from(spec.timeout_ms));
    let result = actix_rt::time::timeout(timeout, exchange).await;
    let latency_us = i64::try_from(start.elapsed().as_micros()).unwrap_or(i64::MAX);
    let (status_code, error) = match result {
        Err(_elapsed) => (None, Some(format!("timeout after {} ms", spec.timeout_ms))),
        Ok(Err(Failure::Send(e))) => (None, Some(describe_send_error(&e, spec.timeout_ms))),
        Ok(Err(Failure::Body(e))) => (None, Some(format!("response body error: {e}"))),
        Ok(Ok((status, has_location))) => {
            let code = status.as_u16();
            let error = if spec.follow_redirects && status.is_redirection() && has_location {
                // awc hands back the last redirect once it has followed its maximum.
                Some("too many redirects".to_owned())
            } else if spec.accepts_status(code) {
                None
            } else {
                Some(format!("unexpected status {code}"))
            };
            (Some(code), error)
        }
    };
    CheckOutcome {
        started_at_ms,
        latency_us,
        status_code,
        error,
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
        SendRequestError::Url(e) => format!("invalid url: {e}"),
        other => format!("request failed: {other}"),
    }
}

fn describe_io_error(io: &std::io::Error) -> String {
    use std::io::ErrorKind;
    if let Some(tls) = io
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return format!("tls error: {tls}");
    }
    match io.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        ErrorKind::ConnectionReset => "connection reset".to_owned(),
        ErrorKind::TimedOut => "connection timed out".to_owned(),
        ErrorKind::InvalidData => format!("tls error: {io}"),
        _ => format!("connection failed: {io}"),
    }
}

/// A rustls configuration that accepts any server certificate, for monitors with
/// `verify_tls: false` (self-signed internal services). Signatures are still checked, so the
/// handshake stays a real TLS handshake.
mod insecure {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

    #[derive(Debug)]
    struct AcceptAnyCertificate(Arc<CryptoProvider>);

    impl ServerCertVerifier for AcceptAnyCertificate {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    pub(super) fn client_config() -> Option<ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .ok()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Some(config)
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
    }
}
