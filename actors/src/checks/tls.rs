//! TLS for checks: the client configurations (verifying against the system's roots, or
//! accepting any certificate for `verify_tls: false`), a handshake over a connected stream, and
//! the facts of the leaf certificate it presented.

use std::sync::{Arc, OnceLock};

use flatline_store::CertificateRecord;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::ClientConfig;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// What a leaf certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses it is valid for.
    pub sans: Vec<String>,
    /// UTC milliseconds.
    pub not_after_ms: i64,
    /// SHA-256 of the DER certificate, hex.
    pub sha256: String,
}

impl CertificateFacts {
    /// Reads a DER certificate; `None` if it does not parse.
    pub fn of(der: &CertificateDer<'_>) -> Option<Self> {
        use x509_parser::extensions::GeneralName;
        let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
        let sans = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|ext| {
                ext.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        GeneralName::DNSName(dns) => Some((*dns).to_owned()),
                        GeneralName::IPAddress(bytes) => match bytes.len() {
                            4 => <[u8; 4]>::try_from(*bytes)
                                .ok()
                                .map(|b| std::net::IpAddr::from(b).to_string()),
                            16 => <[u8; 16]>::try_from(*bytes)
                                .ok()
                                .map(|b| std::net::IpAddr::from(b).to_string()),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            sans,
            not_after_ms: cert.validity().not_after.timestamp().saturating_mul(1000),
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(der.as_ref())),
        })
    }

    /// Whole days left until it expires at `now_ms` (negative once expired).
    pub fn days_left(&self, now_ms: i64) -> i64 {
        flatline_store::certificates::days_left(self.not_after_ms, now_ms)
    }

    /// As a monitor keeps it, read at `now_ms`, with the expiry warning already sent for it.
    pub fn record(&self, now_ms: i64, warned_days: Option<u32>) -> CertificateRecord {
        CertificateRecord {
            subject: self.subject.clone(),
            issuer: self.issuer.clone(),
            sans: self.sans.clone(),
            not_after_ms: self.not_after_ms,
            sha256: self.sha256.clone(),
            checked_at_ms: now_ms,
            warned_days,
        }
    }
}

/// The client configuration for checks: verifying against the system's roots, or not.
/// `None` only if the crypto provider offers no safe protocol version.
pub fn client_config(verify: bool) -> Option<Arc<ClientConfig>> {
    static VERIFYING: OnceLock<Option<Arc<ClientConfig>>> = OnceLock::new();
    static INSECURE: OnceLock<Option<Arc<ClientConfig>>> = OnceLock::new();
    if verify {
        VERIFYING
            .get_or_init(|| {
                let mut roots = rustls::RootCertStore::empty();
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .ok()
                    .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
            })
            .clone()
    } else {
        INSECURE
            .get_or_init(|| insecure::client_config(&[]).map(Arc::new))
            .clone()
    }
}

/// Does a TLS handshake over `stream` with SNI `host`; the leaf certificate's facts on
/// success, the failure reason otherwise.
pub async fn handshake(
    stream: TcpStream,
    host: &str,
    verify: bool,
) -> Result<(TlsStream<TcpStream>, Option<CertificateFacts>), String> {
    let name = ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
    )
    .map_err(|_| format!("tls error: {host} is not a valid server name"))?;
    let config = client_config(verify).ok_or("tls error: no TLS configuration available")?;
    let connector = TlsConnector::from(config);
    let tls = connector
        .connect(name, stream)
        .await
        .map_err(|e| describe_tls_io_error(&e))?;
    let facts = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|certs| certs.first())
        .and_then(CertificateFacts::of);
    Ok((tls, facts))
}

/// A failed handshake, as a reason: `tls error: invalid peer certificate: UnknownIssuer`.
pub fn describe_tls_io_error(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    if let Some(reason) = super::rustls_reason(e) {
        return reason;
    }
    match e.kind() {
        ErrorKind::UnexpectedEof => "tls error: connection closed during the handshake".to_owned(),
        ErrorKind::ConnectionReset => "tls error: connection reset during the handshake".to_owned(),
        _ => format!("tls error: {e}"),
    }
}

/// A rustls configuration that accepts any server certificate, for monitors with
/// `verify_tls: false` (self-signed internal services). Signatures are still checked, so the
/// handshake stays a real TLS handshake.
pub(crate) mod insecure {
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

    /// Accepts any certificate; offers the given ALPN protocols.
    pub(crate) fn client_config(alpn: &[&[u8]]) -> Option<ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .ok()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Some(config)
    }
}
