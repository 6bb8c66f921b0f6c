//! Start-up: the database, authentication, the engine and the pieces handlers are handed,
//! from the configuration. Shared by the binary and by the in-process test kit, so tests run
//! exactly what `flatline` runs.

use std::time::Duration;

use flatline_actors::cluster::ClusterConfig;
use flatline_actors::notifier::NotifierConfig;
use flatline_actors::{Engine, EngineConfig};
use flatline_store::{redact_url, Store};

use crate::app::AppData;
use crate::config::Config;
use crate::{auth, metrics};

/// A started Flatline, not yet listening.
pub struct Started {
    pub store: Store,
    pub engine: Engine,
    pub data: AppData,
    /// The lock that keeps a second Flatline off the same SQLite file (held until dropped).
    pub lock: Option<std::fs::File>,
}

/// The file of a `sqlite:` URL (`None` for a memory database or another backend).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// Takes an exclusive lock on the SQLite file, so a second `flatline` on the same file
/// stops at start instead of checking every monitor a second time. (Only one process may
/// run on a SQLite file; several nodes need PostgreSQL.) The lock goes with the process,
/// even on kill -9.
fn lock_sqlite(url: &str) -> Result<Option<std::fs::File>, String> {
    let Some(path) = sqlite_file(url) else {
        return Ok(None);
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| format!("cannot open the database file {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "another flatline is already running on {}: only one process may use a SQLite \
             database (run several nodes on PostgreSQL instead)",
            path.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!(
            "cannot lock the database file {}: {e}",
            path.display()
        )),
    }
}

/// Opens the database. A PostgreSQL server that cannot be reached (not started yet, restarting)
/// is retried, every 1 s doubling to 30 s, with a warning each time; any other failure ends
/// start-up.
async fn open_store(url: &str, shown: &str) -> Result<Store, String> {
    let mut wait = std::time::Duration::from_secs(1);
    loop {
        match Store::connect(url).await {
            Ok(store) => return Ok(store),
            Err(e) if e.is_unreachable() && !url.starts_with("sqlite:") => {
                tracing::warn!(database = %shown, error = %e, retry_in_seconds = wait.as_secs(), "cannot reach the database; retrying");
                actix_web::rt::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(30));
            }
            Err(e) => return Err(format!("cannot open the database {shown}: {e}")),
        }
    }
}

/// Opens the database (migrating it), sets up authentication, starts the engine and builds
/// what handlers are handed. Must run inside an actix system.
pub async fn start(config: &Config) -> Result<Started, String> {
    let db = redact_url(&config.database_url);
    let lock = lock_sqlite(&config.database_url)?;
    let store = open_store(&config.database_url, &db).await?;
    tracing::info!(database = %db, backend = store.backend_name(), "database ready; migrations applied");
    let engine_config = engine_config(config);
    // With several nodes, what this node changes (monitors, pages) is announced to the
    // others as this node.
    let store = if store.is_shared() {
        store.fenced_by(&engine_config.cluster.node_id)
    } else {
        store
    };

    let auth = auth::setup(&config.auth, &store).await?;
    let mut engine_config = engine_config;
    let public_url = config.public_url();
    if config.public_url.is_none() {
        tracing::info!(public_url = %public_url, "FLATLINE_PUBLIC_URL is not set: links in notifications point here");
    }
    let links = flatline_actors::notifier::links::Links::new(
        &public_url,
        auth.keys.derived_secret(),
        Duration::from_secs(config.ack_link_ttl_seconds),
    )?;
    engine_config.notifier.links = Some(links.clone());
    let engine = Engine::start(store.clone(), engine_config, Vec::new())
        .await
        .map_err(|e| format!("cannot start the monitor engine: {e}"))?;
    let metrics = metrics::ServerMetrics::new(engine.metrics.clone(), config.metrics_public)
        .map_err(|e| format!("cannot set up metrics: {e}"))?;
    let data = AppData::new(
        store.clone(),
        &engine,
        auth,
        metrics,
        Duration::from_secs(config.notification_timeout_seconds),
        config.public_rate_limit,
        links,
    )
    .await
    .map_err(|e| format!("cannot read the status pages: {e}"))?;
    let (pages, mut peer_pages) = (data.pages.clone(), engine.peer_pages.clone());
    actix_web::rt::spawn(async move {
        while peer_pages.changed().await.is_ok() {
            if let Err(e) = pages.peers_changed().await {
                tracing::warn!(error = %e, "reading status pages changed on another node failed");
            }
        }
    });
    if data.auth.oidc.is_some() {
        // Discover the provider now, without holding up start-up; a failure is retried at
        // the next sign-in.
        let auth = data.auth.clone();
        actix_web::rt::spawn(async move {
            if let Some(oidc) = &auth.oidc {
                let _ = oidc.metadata(false).await;
            }
        });
    }
    Ok(Started {
        store,
        engine,
        data,
        lock,
    })
}

/// The engine's settings from the configuration.
fn engine_config(config: &Config) -> EngineConfig {
    let mut engine = EngineConfig {
        flush_interval: Duration::from_millis(config.check_flush_interval_ms),
        sweep_interval: Duration::from_secs(config.sweep_interval_seconds),
        retention: Duration::from_secs(u64::from(config.monitor_checks_retention_days) * 86_400),
        rollup_retention: Duration::from_secs(u64::from(config.rollup_retention_days) * 86_400),
        summary_period: Duration::from_secs(config.summary_refresh_seconds),
        notifier: NotifierConfig {
            retry_base: Duration::from_millis(config.notification_retry_base_ms),
            max_attempts: config.notification_max_attempts,
            timeout: Duration::from_secs(config.notification_timeout_seconds),
            // An attempt's time and a margin: a node dying mid-send hands it on after this.
            claim: Duration::from_secs(config.notification_timeout_seconds * 2 + 5),
            ..NotifierConfig::default()
        },
        cluster: ClusterConfig {
            node_id: config
                .node_id
                .clone()
                .unwrap_or_else(crate::config::default_node_id),
            address: config.address.to_string(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            lease: Duration::from_secs(config.lease_seconds),
        },
        ..EngineConfig::default()
    };
    if let Some(workers) = config.engine_workers {
        engine.workers = workers.max(1);
    }
    engine
}
