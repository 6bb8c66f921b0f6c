//! `flatline`: the server binary.

use std::process::ExitCode;

use actix_web::HttpServer;
use clap::Parser;
use flatline_actors::messages::StopAll;

use flatline_server::app;
use flatline_server::config::Command;
use flatline_server::config::Config;
use flatline_server::document::cli::apply_file;
use flatline_server::signals::shutdown_signal;
use flatline_server::startup::{self, Started};
use flatline_server::{cli, live, openapi, probe};

fn main() -> ExitCode {
    // A missing .env is normal; a broken one is worth a word.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("flatline: ignoring .env: {e}");
        }
    }
    let mut config = Config::parse();
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();

    if let Some(Command::Probe(args)) = config.command.take_if(|c| matches!(c, Command::Probe(_))) {
        flatline_server::logging::init(&config.log, colour);
        return match actix_web::rt::System::new().block_on(probe::run(args)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                tracing::error!("{message}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(command) = config
        .command
        .take_if(|c| matches!(c, Command::Apply(_) | Command::Export(_)))
    {
        let run = async move {
            match command {
                Command::Apply(args) => flatline_server::document::cli::apply(args).await,
                Command::Export(args) => flatline_server::document::cli::export(args).await,
                _ => Ok(()),
            }
        };
        return match actix_web::rt::System::new().block_on(run) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("flatline: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(command) = config.command.take() {
        // Subcommands print results on stdout; their log goes to stderr, quiet by default.
        let filter = if config.log == "info" {
            "warn"
        } else {
            config.log.as_str()
        };
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_new(filter)
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .with_target(false)
            .with_ansi(colour)
            .with_writer(std::io::stderr)
            .init();
        let url = config.database_url.clone();
        return match actix_web::rt::System::new().block_on(cli::run(command, &url)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("flatline: {message}");
                ExitCode::FAILURE
            }
        };
    }
    flatline_server::logging::init(&config.log, colour);

    match actix_web::rt::System::new().block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let mut signalled = Box::pin(shutdown_signal());
    // A signal while start-up waits (for the database) ends it there.
    let Started {
        store,
        engine,
        data,
        lock: _lock,
    } = tokio::select! {
        started = startup::start(&config) => started?,
        signal = &mut signalled => {
            tracing::info!(signal, "stopped before start-up finished");
            return Ok(());
        }
    };
    if let Some(path) = config.config_file.clone() {
        let prune = config.config_prune;
        let plan = apply_file(&data.config, &path, prune).await?;
        tracing::info!(file = %path.display(), created = plan.summary.create, updated = plan.summary.update, deleted = plan.summary.delete, unchanged = plan.summary.unchanged, "configuration file applied");
        let service = data.config.clone();
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangups =
            signal(SignalKind::hangup()).map_err(|e| format!("cannot listen for SIGHUP: {e}"))?;
        actix_web::rt::spawn(async move {
            while hangups.recv().await.is_some() {
                match apply_file(&service, &path, prune).await {
                    Ok(plan) => {
                        tracing::info!(file = %path.display(), created = plan.summary.create, updated = plan.summary.update, deleted = plan.summary.delete, unchanged = plan.summary.unchanged, "configuration file applied again (SIGHUP)")
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "configuration file not applied; the configuration stays as it was")
                    }
                }
            }
        });
    }
    actix_web::rt::spawn(live::run(data.hub.clone(), data.board.clone()));
    let hub = data.hub.clone();
    let openapi = openapi::document();
    let server = HttpServer::new(move || app::build(&data, openapi.clone()))
        .disable_signals()
        // Compressed bodies go out in several writes; with Nagle on, the last small one waits
        // for the client's delayed ACK (40 ms on Linux).
        .tcp_nodelay(true)
        .shutdown_timeout(10)
        .bind(config.address)
        .map_err(|e| format!("cannot listen on {}: {e}", config.address))?;
    for addr in server.addrs() {
        tracing::info!(address = %format!("http://{addr}"), "listening");
    }
    if let Some(addr) = server.addrs().first() {
        engine.cluster.set_address(&addr.to_string());
    }
    let server = server.run();
    let handle = server.handle();
    let registry = engine.registry.clone();
    actix_web::rt::spawn(async move {
        let signal = signalled.await;
        tracing::info!(signal, "shutting down");
        // Monitors stop first: a check failing because this very server (or the host) is
        // going down must not open an incident.
        let _ = registry.send(StopAll).await;
        // Live streams never finish by themselves: end them, or the graceful stop would
        // wait its whole timeout for them.
        hub.close_all();
        handle.stop(true).await;
    });
    // Runs until the signal, then stops accepting and lets running requests finish.
    let result = server.await;
    engine.shutdown().await;
    store.close().await;
    result.map_err(|e| format!("server error: {e}"))
}
