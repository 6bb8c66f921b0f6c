//! Stopping on SIGINT or SIGTERM (the server and the probe).

/// Listens for SIGTERM from the moment it is called (so a signal that arrives while Flatline
/// starts is not fatal); the future resolves on SIGINT or SIGTERM, naming it.
pub fn shutdown_signal() -> impl std::future::Future<Output = &'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let (term, int) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            (term, int) => {
                let e = term
                    .err()
                    .or(int.err())
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                tracing::warn!(error = %e, "cannot listen for signals; falling back to Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
}
