//! Hears what the other nodes did (PostgreSQL `LISTEN`) and brings it onto this node: checks
//! they stored go on the board, states they recorded become the board's state of monitors run
//! elsewhere, monitors changed through them are read again (and started here if this node
//! runs their shard), maintenance changes wake the maintenance task, status page changes are
//! counted for the server to read them again, and pushes for monitors run here are handed to
//! them. Notifications are lost while the connection is down, so
//! each time it (re)connects every monitor is read again.

use std::time::Duration;

use actix::Addr;
use flatline_store::peers::{PeerEvent, CHANNELS};
use flatline_store::Store;
use flatline_types::MonitorStatus;

use crate::board::StatusBoard;
use crate::maintenance::MaintenanceHandle;
use crate::messages::{PeerMonitor, PeerPush, PeerState, PeerSync, PushSignal};
use crate::registry::Registry;

/// Wait before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// Where what is heard goes.
pub struct Listener {
    pub store: Store,
    pub me: String,
    pub registry: Addr<Registry>,
    pub board: StatusBoard,
    pub maintenance: MaintenanceHandle,
    /// Counts changes to status pages made on other nodes (the server reads them again).
    pub pages: tokio::sync::watch::Sender<u64>,
}

impl Listener {
    /// Listens on the current actix system for as long as it runs.
    pub fn start(self) {
        actix_rt::spawn(async move {
            loop {
                let mut listener = match self.store.listener().await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen to the other nodes; retrying");
                        actix_rt::time::sleep(RETRY).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen_all(CHANNELS).await {
                    tracing::warn!(error = %e, "cannot listen to the other nodes; retrying");
                    actix_rt::time::sleep(RETRY).await;
                    continue;
                }
                // What was said before this node listened (it may have started a moment
                // ago, while monitors were being created) or while it was cut off is lost.
                self.resync().await;
                loop {
                    match listener.try_recv().await {
                        Ok(Some(n)) => {
                            if let Some(event) =
                                PeerEvent::decode(n.channel(), n.payload(), &self.me)
                            {
                                self.hear(event).await;
                            }
                        }
                        Ok(None) => {
                            // Reconnected: what was said meanwhile is lost.
                            self.resync().await;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the other nodes' notifications; reconnecting");
                            actix_rt::time::sleep(RETRY).await;
                            break;
                        }
                    }
                }
            }
        });
    }

    async fn hear(&self, event: PeerEvent) {
        match event {
            PeerEvent::Checks { first, last } => match self.store.checks_between(first, last).await
            {
                // Only newer checks replace a monitor's last one: this node's own, also in
                // the range when ids interleave, are not counted twice.
                Ok(rows) => {
                    self.board.record_checks(&rows);
                    // A probe's results stored there: judged here if this node runs the
                    // monitor.
                    for message in crate::probes::location_checks(&rows) {
                        self.registry.do_send(message);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "reading another node's checks failed"),
            },
            PeerEvent::State { monitor_id, status } => {
                if let Some(status) = MonitorStatus::parse(&status) {
                    self.registry.do_send(PeerState { monitor_id, status });
                }
            }
            PeerEvent::Monitor { monitor_id } => match self.store.get_monitor(monitor_id).await {
                Ok(monitor) => self.registry.do_send(PeerMonitor {
                    id: monitor_id,
                    monitor,
                }),
                Err(e) => {
                    tracing::warn!(monitor_id, error = %e, "reading a monitor changed on another node failed")
                }
            },
            PeerEvent::Maintenance => self.maintenance.wake(),
            PeerEvent::Pages => self.pages.send_modify(|n| *n += 1),
            PeerEvent::Push {
                monitor_id,
                signal,
                message,
            } => {
                let signal = match signal.as_str() {
                    "start" => PushSignal::Start,
                    "success" => PushSignal::Success,
                    _ => PushSignal::Fail(message),
                };
                self.registry.do_send(PeerPush { monitor_id, signal });
            }
        }
    }

    async fn resync(&self) {
        match self.store.list_monitors().await {
            Ok(monitors) => self.registry.do_send(PeerSync(monitors)),
            Err(e) => tracing::warn!(error = %e, "reading the monitors again failed"),
        }
        self.maintenance.wake();
        self.pages.send_modify(|n| *n += 1);
    }
}
