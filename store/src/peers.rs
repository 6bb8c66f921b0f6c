//! What nodes sharing a PostgreSQL tell each other, over `LISTEN`/`NOTIFY`: checks stored,
//! a monitor's state changed, a monitor or the maintenance windows changed, a push monitor
//! pinged on a node that does not run it. Each message names its sender, which ignores its
//! own. A notification sent inside a transaction is delivered at its commit, so a node that
//! hears of stored rows can read them.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::StoreResult;

/// Checks stored: `node first_id last_id`.
pub const CHECKS: &str = "flatline_checks";
/// A monitor's recorded state changed: `node monitor_id status`.
pub const STATES: &str = "flatline_states";
/// A monitor was created, changed or deleted: `node monitor_id`.
pub const MONITORS: &str = "flatline_monitors";
/// Maintenance windows changed: `node`.
pub const MAINTENANCE: &str = "flatline_maintenance";
/// A push URL was called: `node monitor_id signal[ message]`.
pub const PUSHES: &str = "flatline_pushes";
/// Status pages, their notices or what they show changed: `node`.
pub const PAGES: &str = "flatline_pages";
/// Every channel a node listens on.
pub const CHANNELS: [&str; 6] = [CHECKS, STATES, MONITORS, MAINTENANCE, PUSHES, PAGES];

/// A message from another node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerEvent {
    /// Checks with ids in `first..=last` were stored.
    Checks { first: i64, last: i64 },
    /// A monitor's recorded state is now `status` (as in the `monitors` table).
    State { monitor_id: i64, status: String },
    /// A monitor was created, changed or deleted: read it again.
    Monitor { monitor_id: i64 },
    /// The maintenance windows changed.
    Maintenance,
    /// Status pages (or notices, incident updates) changed: read them again.
    Pages,
    /// A push monitor's URL was called: `signal` is `start`, `success` or `fail`.
    Push {
        monitor_id: i64,
        signal: String,
        message: Option<String>,
    },
}

impl PeerEvent {
    /// The channel it goes on and its payload, as sent by `node`.
    pub fn encode(&self, node: &str) -> (&'static str, String) {
        match self {
            Self::Checks { first, last } => (CHECKS, format!("{node} {first} {last}")),
            Self::State { monitor_id, status } => (STATES, format!("{node} {monitor_id} {status}")),
            Self::Monitor { monitor_id } => (MONITORS, format!("{node} {monitor_id}")),
            Self::Maintenance => (MAINTENANCE, node.to_owned()),
            Self::Pages => (PAGES, node.to_owned()),
            Self::Push {
                monitor_id,
                signal,
                message,
            } => {
                let mut payload = format!("{node} {monitor_id} {signal}");
                if let Some(m) = message {
                    payload.push(' ');
                    // NOTIFY payloads are limited to 8000 bytes.
                    payload.extend(m.chars().take(1000));
                }
                (PUSHES, payload)
            }
        }
    }

    /// Reads a notification; `None` for one this node sent (or one it cannot read).
    pub fn decode(channel: &str, payload: &str, me: &str) -> Option<Self> {
        let mut words = payload.splitn(4, ' ');
        let sender = words.next()?;
        if sender == me {
            return None;
        }
        let mut number = || words.next().and_then(|w| w.parse::<i64>().ok());
        match channel {
            CHECKS => Some(Self::Checks {
                first: number()?,
                last: number()?,
            }),
            STATES => {
                let monitor_id = number()?;
                Some(Self::State {
                    monitor_id,
                    status: words.next()?.to_owned(),
                })
            }
            MONITORS => Some(Self::Monitor {
                monitor_id: number()?,
            }),
            MAINTENANCE => Some(Self::Maintenance),
            PAGES => Some(Self::Pages),
            PUSHES => {
                let monitor_id = number()?;
                Some(Self::Push {
                    monitor_id,
                    signal: words.next()?.to_owned(),
                    message: words.next().map(str::to_owned),
                })
            }
            _ => None,
        }
    }
}

/// Sends `event` from `node` on `conn` (inside a transaction: at its commit).
pub(crate) async fn send<C: ConnectionTrait>(
    conn: &C,
    node: &str,
    event: &PeerEvent,
) -> StoreResult<()> {
    let (channel, payload) = event.encode(node);
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        vec![channel.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// Tells the other nodes of `event` at the commit of the transaction `conn` is in, if
/// `store` is one node of several.
pub(crate) async fn tell_in<C: ConnectionTrait>(
    store: &crate::Store,
    conn: &C,
    event: &PeerEvent,
) -> StoreResult<()> {
    match store.node() {
        Some(node) => send(conn, node, event).await,
        None => Ok(()),
    }
}

/// Tells the other nodes that checks `first..=last` are stored.
pub(crate) async fn announce_checks<C: ConnectionTrait>(
    conn: &C,
    node: &str,
    first: i64,
    last: i64,
) -> StoreResult<()> {
    send(conn, node, &PeerEvent::Checks { first, last }).await
}

impl crate::Store {
    /// Tells the other nodes sharing the database (none on SQLite, or without a node).
    pub async fn tell_peers(&self, event: &PeerEvent) -> StoreResult<()> {
        match self.node() {
            Some(node) if self.is_shared() => send(&self.write, node, event).await,
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PeerEvent;

    #[test]
    fn events_read_back_as_sent_and_a_node_ignores_its_own() {
        let events = [
            PeerEvent::Checks { first: 4, last: 90 },
            PeerEvent::State {
                monitor_id: 7,
                status: "down".into(),
            },
            PeerEvent::Monitor { monitor_id: 3 },
            PeerEvent::Maintenance,
            PeerEvent::Pages,
            PeerEvent::Push {
                monitor_id: 9,
                signal: "fail".into(),
                message: Some("disk full on /var".into()),
            },
            PeerEvent::Push {
                monitor_id: 9,
                signal: "start".into(),
                message: None,
            },
        ];
        for event in events {
            let (channel, payload) = event.encode("node-a");
            assert_eq!(
                PeerEvent::decode(channel, &payload, "node-b"),
                Some(event.clone())
            );
            assert_eq!(PeerEvent::decode(channel, &payload, "node-a"), None);
        }
        assert_eq!(PeerEvent::decode("flatline_checks", "x 1", "y"), None);
    }
}
