//! Every message the engine's actors exchange.

use actix::Message;
use flatline_types::{MonitorSpec, MonitorStatus};

use flatline_store::cluster::Lease;
use flatline_store::{CertificateRecord, CheckRecord, StoredMonitor};

/// Registry: start, reconfigure, pause or resume a monitor to match what is stored.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Upsert {
    pub monitor: StoredMonitor,
    /// Check at once rather than at the monitor's place in the interval (new monitors).
    pub check_now: bool,
}

/// Registry: stop a deleted monitor's actor and forget it.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Remove(pub i64);

/// Registry: stop every monitor actor (shutdown).
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct StopAll;

/// Registry: the ids of the monitors that have a running actor, sorted.
#[derive(Message, Debug)]
#[rtype(result = "Vec<i64>")]
pub struct RunningMonitors;

/// Monitor: new configuration, applied at once.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Reconfigure(pub MonitorSpec);

/// What a push URL was called for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushSignal {
    /// `/push/<token>`: the job ran; the monitor is up.
    Success,
    /// `/push/<token>/fail`: the job failed, with its message if it sent one.
    Fail(Option<String>),
    /// `/push/<token>/start`: the job started; the next success measures its run time.
    Start,
}

/// How the registry answered a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, actix::MessageResponse)]
pub enum PushReply {
    /// Taken by the monitor.
    Accepted,
    /// The monitor is paused: the ping is ignored.
    Paused,
    /// Too many pings for this monitor just now.
    RateLimited,
    /// No push monitor has this token.
    Unknown,
}

/// Registry: a push URL was called; `token_hash` is the SHA-256 (hex) of its token.
#[derive(Message, Debug)]
#[rtype(result = "PushReply")]
pub struct Pushed {
    pub token_hash: String,
    pub signal: PushSignal,
}

/// Monitor: a push for it, accepted by the registry.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Push(pub PushSignal);

/// Monitor: stop for good (deleted or paused); the supervisor must not restart it.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Retire;

/// A monitor's state changed (`pending`→`down`, `down`→`up`, …). Sent only on a real change.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
#[rtype(result = "()")]
pub struct Transition {
    pub monitor_id: i64,
    pub monitor_name: String,
    pub kind: flatline_types::MonitorKind,
    /// Its escalation policy, if it has one.
    pub escalation_policy_id: Option<i64>,
    pub url: String,
    pub from: MonitorStatus,
    pub to: MonitorStatus,
    /// UTC milliseconds: start of the check that caused the change.
    pub at_ms: i64,
    /// The failure reason, for transitions to `down`.
    pub cause: Option<String>,
    /// The lease the monitor ran under (several nodes): recorded only if it still holds.
    pub lease: Option<Lease>,
}

/// Writer: one check result to store.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct RecordCheck(pub CheckRecord);

/// Writer: resolves once everything received so far is stored (or has failed to be).
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Flush;

/// Incident actor: resolves once every transition received so far is recorded.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Drain;

/// Writer: the certificate a monitor's target presented (read at most hourly, and at once
/// when it changes), to keep on the monitor.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct RecordCertificate {
    pub monitor_id: i64,
    pub certificate: CertificateRecord,
}

/// Notifier: a monitor's certificate has crossed one of its expiry thresholds. Sent once per
/// threshold per certificate, for the smallest threshold crossed.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct CertificateExpiring {
    pub monitor_id: i64,
    pub monitor_name: String,
    pub kind: flatline_types::MonitorKind,
    pub url: String,
    pub certificate: CertificateRecord,
    /// The threshold crossed, in days.
    pub threshold_days: u32,
}

/// Which monitors are in a maintenance window now (registry: all of `ids`, or every monitor
/// with `all`). Sent whole whenever it changes.
#[derive(Message, Clone, Debug, Default, PartialEq, Eq)]
#[rtype(result = "()")]
pub struct MaintenanceSet {
    pub all: bool,
    pub ids: std::collections::HashSet<i64>,
}

impl MaintenanceSet {
    /// Adds the monitors of a window under way.
    pub fn add(&mut self, window: &flatline_types::CreateMaintenance) {
        self.all |= window.all;
        self.ids.extend(window.monitors.iter().copied());
    }

    /// Whether monitor `id` is in maintenance.
    pub fn covers(&self, id: i64) -> bool {
        self.all || self.ids.contains(&id)
    }
}

/// Registry: checks stored from a remote location (a probe's results, stored by this node
/// or by another), for the monitors this node runs: `(monitor id, start ms, error)`.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct LocationChecks {
    pub location: String,
    pub checks: Vec<RemoteCheck>,
}

/// A check from a remote location: `(monitor id, start ms, error)`.
pub type RemoteCheck = (i64, i64, Option<String>);

/// Monitor: checks of it from one remote location, oldest first: `(start ms, error)`.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct PlaceChecks {
    pub location: String,
    pub checks: Vec<(i64, Option<String>)>,
}

/// Registry: the remote locations whose probe reports now.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct ProbesOnline(pub std::collections::HashSet<String>);

/// Monitor: a remote location's probe went offline (`false`) or came back.
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct LocationOnline {
    pub location: String,
    pub online: bool,
}

/// A monitor enters (`true`) or leaves (`false`) maintenance.
#[derive(Message, Clone, Copy, Debug)]
#[rtype(result = "()")]
pub struct SetMaintenance(pub bool);

/// A maintenance window with `notify` started or ended: the notifier tells the channels of
/// each covered monitor (`(id, name, target)`).
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct MaintenanceEdge {
    pub started: bool,
    pub window: flatline_store::MaintenanceNotice,
    pub monitors: Vec<(i64, String, String)>,
    /// UTC ms of the edge.
    pub at_ms: i64,
}

/// A location's probe went offline (`offline`) or came back: the notifier tells the channels
/// of the monitors checked from there (`(id, name, target)`), once per channel.
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct ProbeEdge {
    pub offline: bool,
    pub probe: flatline_store::ProbeNotice,
    pub monitors: Vec<(i64, String, String)>,
    /// UTC ms of the edge.
    pub at_ms: i64,
}

/// Registry: this node now holds these leases; start the enabled ones of `monitors` (the
/// monitors of those shards, as stored now).
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Adopt {
    pub leases: Vec<Lease>,
    pub monitors: Vec<StoredMonitor>,
}

/// Registry: this node no longer holds these shards; stop their monitors. Resolves once
/// every one of them has stopped.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct Release(pub Vec<i32>);

/// Registry: another node changed monitor `id` (`None`: deleted it).
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct PeerMonitor {
    pub id: i64,
    pub monitor: Option<StoredMonitor>,
}

/// Registry: the node running a monitor recorded its new state.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct PeerState {
    pub monitor_id: i64,
    pub status: MonitorStatus,
}

/// Registry: another node took a push for a monitor; handed to it if it runs here.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct PeerPush {
    pub monitor_id: i64,
    pub signal: PushSignal,
}

/// Registry: every monitor as stored (after this node missed notifications).
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct PeerSync(pub Vec<StoredMonitor>);
