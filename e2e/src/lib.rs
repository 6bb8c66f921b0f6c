//! A test kit for end-to-end tests: starts the real `flatline` binary on a free loopback port
//! with a fresh database (or, for pure API tests, the same start-up and application inside the
//! test's process), local HTTP targets the test controls, a typed API client, and polling
//! helpers.

pub mod browser;
pub mod client;
pub mod flatline;
pub mod hostile;
pub mod inprocess;
pub mod live;
pub mod nginx;
pub mod oidc;
pub mod postgres;
pub mod probe;
pub mod proc;
pub mod receiver;
pub mod scrape;
pub mod target;

pub use client::{Answer, ApiClient};
pub use flatline::{binary, Flatline, FlatlineOptions};
pub use hostile::HostileTarget;
pub use inprocess::InProcess;
pub use postgres::PrivatePostgres;
pub use probe::Probe;
pub use receiver::{Receiver, Reply, SmtpReceiver};
pub use target::Target;

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `probe` every 50 ms until it returns `Some`, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
