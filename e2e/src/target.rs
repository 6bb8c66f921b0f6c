//! A local HTTP target whose behaviour the test controls: status, delay, body, redirects.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

#[derive(Default)]
struct State {
    status: AtomicU16,
    delay_ms: AtomicU64,
    /// Request times by path.
    hits: Mutex<HashMap<String, Vec<Instant>>>,
    /// Method, headers and body of the newest request.
    last_request: Mutex<Option<(String, Vec<(String, String)>, String)>>,
}

/// An HTTP server on 127.0.0.1, in a thread of its own.
///
/// - any path answers with the current status (default 200) after the current delay;
/// - `/loop` redirects to itself forever; `/redirect` redirects to `/`.
pub struct Target {
    pub port: u16,
    state: Arc<State>,
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
    *state.last_request.lock().expect("lock") = Some((
        req.method().to_string(),
        req.headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        String::from_utf8_lossy(&body).into_owned(),
    ));
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
        _ => {}
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
                .disable_signals()
                .bind("127.0.0.1:0")
                .expect("bind target");
                let port = server.addrs()[0].port();
                tx.send(port).expect("send port");
                let _ = server.run().await;
            });
        });
        let port = rx.recv().expect("target port");
        Self { port, state }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
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
    pub fn last_request(&self) -> Option<(String, Vec<(String, String)>, String)> {
        self.state.last_request.lock().expect("lock").clone()
    }
}
