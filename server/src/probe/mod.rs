//! `flatline probe`: a remote probe. It runs the same monitor actors as the server, with no
//! database: it follows the monitors of its location over a stream from the server
//! ([`follow`]), checks them, and sends the results back in batches ([`spool`]), keeping them
//! on disk while the server is away.

mod follow;
mod spool;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use actix::{Actor, Addr, Arbiter, Supervisor};
use flatline_actors::messages::{Reconfigure, Retire};
use flatline_actors::metrics::EngineMetrics;
use flatline_actors::monitor::{FirstCheck, MonitorActor, MonitorDeps};
use flatline_actors::StatusBoard;
use flatline_store::clock::now_ms;
use flatline_types::{MonitorSpec, MonitorStatus, ProbeAssignment, LOCAL};

pub use spool::Spool;

/// `flatline probe …`
#[derive(Debug, Clone, clap::Args)]
pub struct ProbeArgs {
    /// The Flatline server (or any node of the cluster), e.g. `https://flatline.example.com`.
    #[arg(long, env = "FLATLINE_PROBE_SERVER")]
    pub server: String,
    /// A probe token of this location (`flatline token create --probe LOCATION`).
    #[arg(long, env = "FLATLINE_PROBE_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The location this probe checks from, e.g. `eu-west`.
    #[arg(long, env = "FLATLINE_PROBE_LOCATION")]
    pub location: String,
    /// The local address every check leaves from (a host with several uplinks).
    #[arg(long, env = "FLATLINE_PROBE_SOURCE_ADDRESS")]
    pub source_address: Option<IpAddr>,
    /// Where results wait while the server cannot be reached.
    #[arg(
        long,
        env = "FLATLINE_PROBE_DATA_DIR",
        default_value = "flatline-probe"
    )]
    pub data_dir: PathBuf,
    /// Most results kept while the server cannot be reached; beyond it the oldest are
    /// dropped (and counted in the log).
    #[arg(long, env = "FLATLINE_PROBE_BUFFER_MAX", default_value_t = 100_000)]
    pub buffer_max: usize,
    /// Threads that run the checks (default: one per CPU).
    #[arg(long, env = "FLATLINE_ENGINE_WORKERS")]
    pub workers: Option<usize>,
}

/// Everything the probe's connection to the server needs.
#[derive(Clone)]
pub(crate) struct Link {
    pub server: url::Url,
    pub token: String,
    pub location: String,
    /// This process, to the server (random per start).
    pub probe_id: String,
    pub client: awc::Client,
}

impl Link {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.as_str().trim_end_matches('/'))
    }
}

/// Runs the probe until SIGINT or SIGTERM.
pub async fn run(args: ProbeArgs) -> Result<(), String> {
    flatline_types::validate_location("--location", &args.location)
        .map_err(|e| format!("--location: {}", e.message))?;
    if args.location == LOCAL {
        return Err("--location: `local` is the server itself; name this probe's location".into());
    }
    let server = url::Url::parse(&args.server)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| format!("--server: `{}` is not an http(s) URL", args.server))?;
    if let Some(ip) = args.source_address {
        flatline_actors::checks::bind_checks_to(ip);
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let spool = Spool::open(&args.data_dir, &args.location, args.buffer_max)?;
    let probe_id = {
        use rand::Rng;
        let bytes: [u8; 8] = rand::rng().random();
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let link = Link {
        server,
        token: args.token.clone(),
        location: args.location.clone(),
        probe_id,
        client: awc::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .add_default_header((
                awc::http::header::USER_AGENT,
                concat!("Flatline-probe/", env!("CARGO_PKG_VERSION")),
            ))
            .finish(),
    };
    tracing::info!(
        location = args.location.as_str(),
        server = link.server.as_str(),
        source_address = args
            .source_address
            .map(|a| a.to_string())
            .unwrap_or_default(),
        buffered = spool.len(),
        "probe starting"
    );
    let uploader = spool::Uploader::new(link.clone(), spool).start();
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let arbiters: Vec<Arbiter> = (0..workers.max(1)).map(|_| Arbiter::new()).collect();
    let metrics = Arc::new(EngineMetrics::default());
    let deps = MonitorDeps {
        writer: uploader.clone().recipient(),
        certificates: uploader.clone().recipient(),
        expiring: uploader.clone().recipient(),
        transitions: Vec::new(),
        board: StatusBoard::default(),
        metrics,
    };
    let checks = Checks {
        running: HashMap::new(),
        arbiters,
        next: 0,
        deps,
    };
    let mut signalled = Box::pin(crate::signals::shutdown_signal());
    let outcome = tokio::select! {
        outcome = follow::follow(link, checks) => outcome,
        signal = &mut signalled => {
            tracing::info!(signal, "probe stopping");
            Ok(())
        }
    };
    // What was checked but not sent yet waits on disk for the next start.
    let _ = uploader.send(spool::Stop).await;
    outcome
}

/// The monitor actors of the probe's location.
pub(crate) struct Checks {
    running: HashMap<i64, (Addr<MonitorActor>, MonitorSpec)>,
    arbiters: Vec<Arbiter>,
    next: usize,
    deps: MonitorDeps,
}

impl Checks {
    /// Makes the running set exactly `monitors`.
    pub fn replace(&mut self, monitors: Vec<ProbeAssignment>) {
        let keep: HashSet<i64> = monitors.iter().map(|m| m.id).collect();
        let gone: Vec<i64> = self
            .running
            .keys()
            .copied()
            .filter(|id| !keep.contains(id))
            .collect();
        for id in gone {
            self.remove(id);
        }
        for m in monitors {
            self.upsert(m);
        }
    }

    /// Starts checking a monitor, or applies its new configuration.
    pub fn upsert(&mut self, assignment: ProbeAssignment) {
        // Here, this probe is the only location: the server weighs the locations.
        let mut spec = assignment.spec;
        spec.locations = vec![LOCAL.to_owned()];
        spec.confirm_locations = None;
        let id = assignment.id;
        if let Some((addr, current)) = self.running.get_mut(&id) {
            if *current != spec {
                *current = spec.clone();
                addr.do_send(Reconfigure(spec));
            }
            return;
        }
        let deps = self.deps.clone();
        let started = spec.clone();
        let make = move |_: &mut actix::Context<MonitorActor>| {
            MonitorActor::new(
                id,
                spec,
                MonitorStatus::Pending,
                FirstCheck::Spread,
                now_ms(),
                None,
                false,
                None,
                &HashSet::new(),
                deps,
            )
        };
        let arbiter = &self.arbiters[self.next % self.arbiters.len()];
        self.next = self.next.wrapping_add(1);
        let addr = Supervisor::start_in_arbiter(&arbiter.handle(), make);
        self.running.insert(id, (addr, started));
    }

    /// Stops checking a monitor.
    pub fn remove(&mut self, id: i64) {
        if let Some((addr, _)) = self.running.remove(&id) {
            addr.do_send(Retire);
        }
    }

    pub fn len(&self) -> usize {
        self.running.len()
    }
}
