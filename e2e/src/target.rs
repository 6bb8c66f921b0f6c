//! A local HTTP target whose behaviour the test controls: status, delay, body, redirects.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// What a target saw of a request.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub method: String,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Default)]
struct State {
    status: AtomicU16,
    delay_ms: AtomicU64,
    /// Request times by path.
    hits: Mutex<HashMap<String, Vec<Instant>>>,
    /// Method, headers and body of the newest request.
    last_request: Mutex<Option<SeenRequest>>,
    /// What `/status.json` answers.
    json: Mutex<String>,
    /// Requests from these peer addresses get a 503 (one vantage point failing).
    failing_peers: Mutex<Vec<std::net::IpAddr>>,
    /// Requests by peer address.
    peers: Mutex<HashMap<std::net::IpAddr, usize>>,
}

/// An HTTP server on 127.0.0.1, in a thread of its own.
///
/// - any path answers with the current status (default 200) after the current delay;
/// - `/loop` redirects to itself forever; `/redirect` redirects to `/`;
/// - `/status.json` answers the JSON set by [`Target::set_json`] with an `X-Build: 42` header;
/// - requests from the peer addresses set by [`Target::fail_for`] get a 503.
pub struct Target {
    pub port: u16,
    state: Arc<State>,
    tls: bool,
}

/// A rustls server configuration with a fresh self-signed certificate for `127.0.0.1` and
/// `localhost`, valid until `days` from now (default rcgen validity when `None`).
pub fn self_signed_config_expiring(days: Option<i64>) -> rustls::ServerConfig {
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("certificate params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "flatline test target");
    if let Some(days) = days {
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(days) + time::Duration::hours(12);
    }
    let key = rcgen::KeyPair::generate().expect("key pair");
    let cert = params.self_signed(&key).expect("self-signed certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .expect("server config")
}

fn self_signed_config() -> rustls::ServerConfig {
    self_signed_config_expiring(None)
}

async fn handle(req: HttpRequest, body: web::Bytes, state: web::Data<Arc<State>>) -> HttpResponse {
    let path = req.path().to_owned();
    state
        .hits
        .lock()
        .expect("lock")
        .entry(path.clone())
        .or_default()
        .push(Instant::now());
    *state.last_request.lock().expect("lock") = Some(SeenRequest {
        method: req.method().to_string(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    match path.as_str() {
        "/loop" => {
            return HttpResponse::Found()
                .insert_header(("Location", "/loop"))
                .finish()
        }
        "/redirect" => {
            return HttpResponse::Found()
                .insert_header(("Location", "/"))
                .finish()
        }
        "/status.json" => {
            return HttpResponse::Ok()
                .content_type("application/json")
                .insert_header(("X-Build", "42"))
                .body(state.json.lock().expect("lock").clone())
        }
        _ => {}
    }
    let peer = req.peer_addr().map(|a| a.ip());
    if let Some(ip) = peer {
        *state.peers.lock().expect("lock").entry(ip).or_default() += 1;
        if state.failing_peers.lock().expect("lock").contains(&ip) {
            return HttpResponse::ServiceUnavailable().body("not from there");
        }
    }
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        actix_rt::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = state.status.load(Ordering::SeqCst);
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .body("target says hello")
}

impl Target {
    /// Starts a target answering 200 at once.
    pub fn start() -> Self {
        Self::start_inner(None)
    }

    /// Makes requests from `peers` fail with 503 (and the others succeed as before).
    pub fn fail_for(&self, peers: &[&str]) {
        *self.state.failing_peers.lock().expect("lock") = peers
            .iter()
            .map(|p| p.parse().expect("an IP address"))
            .collect();
    }

    /// Requests seen from `peer`.
    pub fn hits_from(&self, peer: &str) -> usize {
        let ip: std::net::IpAddr = peer.parse().expect("an IP address");
        self.state
            .peers
            .lock()
            .expect("lock")
            .get(&ip)
            .copied()
            .unwrap_or(0)
    }

    /// Sets what `/status.json` answers.
    pub fn set_json(&self, json: &str) {
        *self.state.json.lock().expect("lock") = json.to_owned();
    }

    /// Starts a target speaking HTTPS with a freshly made self-signed certificate for
    /// `127.0.0.1` and `localhost`.
    pub fn start_tls() -> Self {
        Self::start_inner(Some(self_signed_config()))
    }

    /// Starts an HTTPS target whose self-signed certificate expires in `days` and a half.
    pub fn start_tls_expiring(days: i64) -> Self {
        Self::start_inner(Some(self_signed_config_expiring(Some(days))))
    }

    fn start_inner(tls_config: Option<rustls::ServerConfig>) -> Self {
        let tls = tls_config.is_some();
        let state = Arc::new(State::default());
        state.status.store(200, Ordering::SeqCst);
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = state.clone();
        std::thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let data = web::Data::new(shared);
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .default_service(web::to(handle))
                })
                .workers(1)
                .disable_signals();
                let server = if let Some(config) = tls_config {
                    server.bind_rustls_0_23("127.0.0.1:0", config)
                } else {
                    server.bind("127.0.0.1:0")
                }
                .expect("bind target");
                let port = server.addrs()[0].port();
                tx.send(port).expect("send port");
                let _ = server.run().await;
            });
        });
        let port = rx.recv().expect("target port");
        Self { port, state, tls }
    }

    /// `http://127.0.0.1:PORT{path}` (`https://` for a TLS target).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    /// Answer with `status` from now on.
    pub fn set_status(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    /// Wait `delay` before answering from now on.
    pub fn set_delay(&self, delay: Duration) {
        self.state
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// How many requests `path` has received.
    pub fn hits(&self, path: &str) -> usize {
        self.state
            .hits
            .lock()
            .expect("lock")
            .get(path)
            .map_or(0, Vec::len)
    }

    /// When `path` was requested, oldest first.
    pub fn hit_times(&self, path: &str) -> Vec<Instant> {
        self.state
            .hits
            .lock()
            .expect("lock")
            .get(path)
            .cloned()
            .unwrap_or_default()
    }

    /// Method, headers and body of the newest request.
    pub fn last_request(&self) -> Option<SeenRequest> {
        self.state.last_request.lock().expect("lock").clone()
    }
}
