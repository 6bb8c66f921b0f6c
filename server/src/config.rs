//! Configuration: command-line flags, each also settable by environment variable (and `.env`).

use std::net::SocketAddr;

use clap::Parser;

/// Flatline: self-hosted uptime monitoring in one binary.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "flatline",
    version,
    about = "Flatline: self-hosted uptime monitoring in one binary."
)]
pub struct Config {
    /// Address to listen on.
    #[arg(short, long, env = "FLATLINE_ADDRESS", default_value = "0.0.0.0:3000")]
    pub address: SocketAddr,

    /// Database: `sqlite:PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:flatline.db",
        hide_env_values = true
    )]
    pub database_url: String,

    /// Days of raw check results to keep.
    #[arg(long, env = "MONITOR_CHECKS_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub monitor_checks_retention_days: u32,

    /// Seconds between two sweeps of checks past their retention.
    #[arg(long, env = "SWEEP_INTERVAL_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub sweep_interval_seconds: u64,

    /// Milliseconds between two writes of buffered check results.
    #[arg(long, env = "CHECK_FLUSH_INTERVAL_MS", default_value_t = 250, value_parser = clap::value_parser!(u64).range(10..=60000))]
    pub check_flush_interval_ms: u64,

    /// Threads that run monitor checks (default: one per CPU).
    #[arg(long, env = "FLATLINE_ENGINE_WORKERS")]
    pub engine_workers: Option<usize>,

    /// Log filter, e.g. `info`, `flatline=debug` (tracing-subscriber syntax).
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log: String,
}
