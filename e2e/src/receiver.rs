//! Receivers for notifications: an HTTP server on 127.0.0.1 that records every request and
//! answers as the test scripts it (statuses, `429 Retry-After`, hanging, being down), and a
//! real SMTP server (Python's aiosmtpd) that records every message.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

/// One request as a receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// The query string, without `?` (empty if none).
    pub query: String,
    /// The body as sent.
    pub raw: String,
    /// Lowercase names.
    pub headers: HashMap<String, String>,
    /// The body as JSON (Null if it was not JSON).
    pub body: Value,
    pub at: Instant,
    /// What the receiver answered (0: never answered).
    pub status: u16,
}

/// How to answer the next request to a path.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    Status(u16),
    /// 429 with `Retry-After: N` seconds.
    TooManyRequests(u64),
    /// 200, after this many milliseconds.
    SlowOk(u64),
}

#[derive(Default)]
struct Shared {
    log: Mutex<Vec<Received>>,
    /// Scripted answers by path, consumed in order; then 200.
    script: Mutex<HashMap<String, VecDeque<Reply>>>,
    /// Paths that never answer.
    hang: Mutex<HashSet<String>>,
    /// Scripted answers by path prefix (when no exact path is scripted).
    prefix_script: Mutex<Vec<(String, VecDeque<Reply>)>>,
}

/// An HTTP receiver; `stop` and `start_again` take it down and bring it back on its port.
pub struct Receiver {
    pub port: u16,
    shared: Arc<Shared>,
    handle: Option<ServerHandle>,
}

async fn record(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Arc<Shared>>,
) -> HttpResponse {
    let path = req.path().to_owned();
    let hang = shared.hang.lock().expect("lock").contains(&path);
    let reply = shared
        .script
        .lock()
        .expect("lock")
        .get_mut(&path)
        .and_then(VecDeque::pop_front)
        .or_else(|| {
            shared
                .prefix_script
                .lock()
                .expect("lock")
                .iter_mut()
                .find(|(prefix, _)| path.starts_with(prefix.as_str()))
                .and_then(|(_, replies)| replies.pop_front())
        });
    let status = match (hang, reply) {
        (true, _) => 0,
        (false, Some(Reply::Status(s))) => s,
        (false, Some(Reply::TooManyRequests(_))) => 429,
        (false, Some(Reply::SlowOk(_))) => 200,
        (false, None) => 200,
    };
    shared.log.lock().expect("lock").push(Received {
        status,
        method: req.method().to_string(),
        path: path.clone(),
        query: req.query_string().to_owned(),
        raw: String::from_utf8_lossy(&body).into_owned(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at: Instant::now(),
    });
    if hang {
        actix_rt::time::sleep(Duration::from_secs(600)).await;
    }
    match reply {
        Some(Reply::Status(s)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(s).expect("status"))
                .body("scripted failure")
        }
        Some(Reply::TooManyRequests(secs)) => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", secs.to_string()))
            .body("slow down"),
        Some(Reply::SlowOk(ms)) => {
            actix_rt::time::sleep(Duration::from_millis(ms)).await;
            HttpResponse::Ok().json(serde_json::json!({"ok": true}))
        }
        None => HttpResponse::Ok().json(serde_json::json!({"ok": true})),
    }
}

impl Receiver {
    /// Starts a receiver on a free port.
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Starts a receiver on `port` (0: any free one).
    pub fn start_on(port: u16) -> Self {
        let mut r = Self {
            port,
            shared: Arc::new(Shared::default()),
            handle: None,
        };
        r.start_again();
        r
    }

    /// Brings a stopped receiver back on its port, keeping what it recorded.
    pub fn start_again(&mut self) {
        assert!(self.handle.is_none(), "running already");
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = self.shared.clone();
        let port = self.port;
        std::thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let data = web::Data::new(shared);
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .default_service(web::to(record))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(0)
                .bind(("127.0.0.1", port))
                .expect("bind receiver");
                let port = server.addrs()[0].port();
                let server = server.run();
                tx.send((port, server.handle())).expect("send port");
                let _ = server.await;
            });
        });
        let (port, handle) = rx.recv().expect("receiver port");
        self.port = port;
        self.handle = Some(handle);
    }

    /// Takes the receiver down: its port refuses connections until `start_again`.
    pub async fn stop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.stop(false).await;
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Answers the next requests to `path` with `replies`, in order; then 200 again.
    pub fn script(&self, path: &str, replies: &[Reply]) {
        self.shared
            .script
            .lock()
            .expect("lock")
            .insert(path.to_owned(), replies.iter().copied().collect());
    }

    /// Answers the next requests to any path starting with `prefix` (and not scripted
    /// exactly) with `replies`, in order; then 200 again.
    pub fn script_prefix(&self, prefix: &str, replies: &[Reply]) {
        self.shared
            .prefix_script
            .lock()
            .expect("lock")
            .push((prefix.to_owned(), replies.iter().copied().collect()));
    }

    /// Every request to a path starting with `prefix`, oldest first.
    pub fn received_under(&self, prefix: &str) -> Vec<Received> {
        self.shared
            .log
            .lock()
            .expect("lock")
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Requests to `path` never get an answer.
    pub fn hang(&self, path: &str) {
        self.shared
            .hang
            .lock()
            .expect("lock")
            .insert(path.to_owned());
    }

    /// Requests to `path` are answered again (as scripted, or 200).
    pub fn unhang(&self, path: &str) {
        self.shared.hang.lock().expect("lock").remove(path);
    }

    /// Every request to `path`, oldest first.
    pub fn received(&self, path: &str) -> Vec<Received> {
        self.shared
            .log
            .lock()
            .expect("lock")
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// The requests to `path` it accepted (answered 2xx), oldest first.
    pub fn accepted(&self, path: &str) -> Vec<Received> {
        self.received(path)
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .collect()
    }
}

/// A real SMTP server (aiosmtpd, installed by `scripts/test.sh`) on 127.0.0.1.
pub struct SmtpReceiver {
    pub port: u16,
    child: Child,
    messages: Arc<Mutex<Vec<Value>>>,
}

impl SmtpReceiver {
    /// Starts it and waits until it accepts connections.
    pub fn start() -> Self {
        let port = crate::closed_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp/receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test.sh installs it)");
        let stdout = child.stdout.take().expect("stdout");
        let messages = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let sink = messages.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if v.get("ready").is_some() {
                    let _ = ready_tx.send(());
                } else {
                    sink.lock().expect("lock").push(v);
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the SMTP receiver starts (is aiosmtpd installed?)");
        Self {
            port,
            child,
            messages,
        }
    }

    /// Every message so far: `from`, `to` (list), `subject`, `content_type`, `body` (decoded).
    pub fn messages(&self) -> Vec<Value> {
        self.messages.lock().expect("lock").clone()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
