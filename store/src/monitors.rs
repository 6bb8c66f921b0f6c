//! Monitors: their configuration as stored, created, changed, paused and deleted.

use flatline_types::{
    HttpMethod, HttpTarget, MonitorKind, MonitorSpec, MonitorStatus, PushTarget, Target,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
};

use crate::certificates::CertificateRecord;
use crate::entities::{checks, incidents, monitor_channels, monitors, pauses, rollups};
use crate::incidents::{open_incident_in, record_pause};
use crate::peers::PeerEvent;
use crate::{Store, StoreError, StoreResult};

/// A monitor as stored: its validated configuration and its last known status.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMonitor {
    pub id: i64,
    pub spec: MonitorSpec,
    pub status: MonitorStatus,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The TLS certificate its target last presented, if it has one.
    pub certificate: Option<CertificateRecord>,
    /// The random key in its badge URLs (`/badge/<key>/status.svg`), given at creation.
    pub badge_key: String,
    /// The key a configuration file knows it by, if any.
    pub key: Option<String>,
    /// What a file last set (JSON `{digest, refs}`), if it came from one.
    pub applied: Option<String>,
}

/// A new badge key: 20 random hex digits (80 bits), so badge URLs cannot be guessed from ids.
fn new_badge_key() -> String {
    use rand::Rng;
    let bytes: [u8; 10] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn monitor_columns(spec: &MonitorSpec, am: &mut monitors::ActiveModel) {
    am.name = Set(spec.name.clone());
    am.kind = Set(spec.kind().as_str().to_owned());
    am.interval_seconds = Set(spec.interval_seconds as i32);
    am.timeout_ms = Set(spec.timeout_ms as i32);
    am.retries = Set(spec.retries as i32);
    am.retry_interval_seconds = Set(spec.retry_interval_seconds as i32);
    am.enabled = Set(spec.enabled);
    am.public_badges = Set(spec.public_badges);
    am.locations =
        Set(serde_json::to_string(&spec.locations).unwrap_or_else(|_| "[\"local\"]".into()));
    am.confirm_locations = Set(spec.confirm_locations.map(|n| n as i32));
    am.resend_interval_minutes = Set(spec.resend_interval_minutes as i32);
    am.escalation_policy_id = Set(spec.escalation_policy_id);
    am.assertions = Set(serde_json::to_string(&spec.assertions).unwrap_or_else(|_| "[]".into()));
    am.certificate_expiry_days =
        Set(serde_json::to_string(&spec.certificate_expiry_days).unwrap_or_else(|_| "[]".into()));
    // HTTP's settings keep the columns they had before there were kinds; the other kinds'
    // are one JSON document. The HTTP columns of other kinds hold neutral values.
    let http = match &spec.target {
        Target::Http(t) => t.clone(),
        _ => HttpTarget {
            url: String::new(),
            method: HttpMethod::Get,
            headers: Default::default(),
            body: None,
            expected_status_codes: Vec::new(),
            follow_redirects: true,
            verify_tls: true,
        },
    };
    am.url = Set(http.url);
    am.method = Set(http.method.as_str().to_owned());
    am.headers = Set(serde_json::to_string(&http.headers).unwrap_or_else(|_| "{}".into()));
    am.body = Set(http.body);
    am.expected_status_codes =
        Set(serde_json::to_string(&http.expected_status_codes).unwrap_or_else(|_| "[]".into()));
    am.follow_redirects = Set(http.follow_redirects);
    let json = |v: Result<String, serde_json::Error>| v.ok();
    let (verify_tls, settings, token_hash) = match &spec.target {
        Target::Http(t) => (t.verify_tls, None, None),
        Target::Tcp(t) => (t.verify_tls, json(serde_json::to_string(t)), None),
        Target::Dns(t) => (true, json(serde_json::to_string(t)), None),
        Target::Ping(t) => (true, json(serde_json::to_string(t)), None),
        Target::Push(t) => {
            // The hash lives in its own indexed column only.
            let stored = PushTarget {
                token_hash: String::new(),
                ..t.clone()
            };
            (
                true,
                json(serde_json::to_string(&stored)),
                Some(t.token_hash.clone()).filter(|h| !h.is_empty()),
            )
        }
    };
    am.verify_tls = Set(verify_tls);
    am.settings = Set(settings);
    am.push_token_hash = Set(token_hash);
}

impl Store {
    /// Every monitor, by id.
    pub async fn list_monitors(&self) -> StoreResult<Vec<StoredMonitor>> {
        monitors::Entity::find()
            .order_by_asc(monitors::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(decode_monitor)
            .collect()
    }

    /// One monitor, or `None` if there is no such id.
    pub async fn get_monitor(&self, id: i64) -> StoreResult<Option<StoredMonitor>> {
        monitors::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(decode_monitor)
            .transpose()
    }

    /// Stores a new monitor; it starts `pending`, or `paused` when disabled.
    pub async fn insert_monitor(
        &self,
        spec: &MonitorSpec,
        now_ms: i64,
    ) -> StoreResult<StoredMonitor> {
        self.insert_monitor_in(&self.write, spec, now_ms).await
    }

    /// [`Store::insert_monitor`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn insert_monitor_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        spec: &MonitorSpec,
        now_ms: i64,
    ) -> StoreResult<StoredMonitor> {
        let mut am = monitors::ActiveModel {
            status: Set(initial_status(spec).as_str().to_owned()),
            created_at: Set(now_ms),
            updated_at: Set(now_ms),
            badge_key: Set(Some(new_badge_key())),
            ..Default::default()
        };
        monitor_columns(spec, &mut am);
        let txn = db.begin().await?;
        let model = am.insert(&txn).await?;
        if !spec.enabled {
            record_pause(&txn, model.id, true, now_ms).await?;
        }
        crate::channels::link_defaults(&txn, model.id, now_ms).await?;
        let monitor_id = model.id;
        crate::peers::tell_in(self, &txn, &PeerEvent::Monitor { monitor_id }).await?;
        txn.commit().await?;
        decode_monitor(model)
    }

    /// Replaces a monitor's configuration. Pausing sets `paused`; resuming sets `pending` (or
    /// `down` while an incident is still open). `None` if there is no such id.
    pub async fn update_monitor(
        &self,
        id: i64,
        spec: &MonitorSpec,
        now_ms: i64,
    ) -> StoreResult<Option<StoredMonitor>> {
        self.update_monitor_in(&self.write, id, spec, now_ms).await
    }

    /// [`Store::update_monitor`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn update_monitor_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        id: i64,
        spec: &MonitorSpec,
        now_ms: i64,
    ) -> StoreResult<Option<StoredMonitor>> {
        let txn = db.begin().await?;
        let Some(current) = monitors::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(None);
        };
        let was_enabled = current.enabled;
        // A certificate belongs to the target it came from.
        let same_target = decode_monitor(current.clone())
            .is_ok_and(|old| old.spec.label() == spec.label() && spec.sees_certificates());
        let mut am: monitors::ActiveModel = current.into();
        if !same_target {
            am.certificate = Set(None);
        }
        monitor_columns(spec, &mut am);
        am.updated_at = Set(now_ms);
        if was_enabled != spec.enabled {
            let status = if !spec.enabled {
                MonitorStatus::Paused
            } else if open_incident_in(&txn, id).await?.is_some() {
                MonitorStatus::Down
            } else {
                MonitorStatus::Pending
            };
            am.status = Set(status.as_str().to_owned());
            record_pause(&txn, id, !spec.enabled, now_ms).await?;
        }
        let model = am.update(&txn).await?;
        crate::peers::tell_in(self, &txn, &PeerEvent::Monitor { monitor_id: id }).await?;
        txn.commit().await?;
        decode_monitor(model).map(Some)
    }

    /// Deletes a monitor with its checks and incidents. False if there was no such id.
    pub async fn delete_monitor(&self, id: i64) -> StoreResult<bool> {
        self.delete_monitor_in(&self.write, id).await
    }

    /// [`Store::delete_monitor`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn delete_monitor_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        id: i64,
    ) -> StoreResult<bool> {
        let txn = db.begin().await?;
        // Explicit deletes rather than relying on ON DELETE CASCADE alone, so a database
        // opened without foreign-key enforcement loses nothing it should keep either.
        checks::Entity::delete_many()
            .filter(checks::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        incidents::Entity::delete_many()
            .filter(incidents::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        rollups::Entity::delete_many()
            .filter(rollups::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        pauses::Entity::delete_many()
            .filter(pauses::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        monitor_channels::Entity::delete_many()
            .filter(monitor_channels::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        let res = monitors::Entity::delete_by_id(id).exec(&txn).await?;
        crate::peers::tell_in(self, &txn, &PeerEvent::Monitor { monitor_id: id }).await?;
        txn.commit().await?;
        self.closed.invalidate([id]);
        Ok(res.rows_affected > 0)
    }
}

fn decode_monitor(m: monitors::Model) -> StoreResult<StoredMonitor> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("monitor {}: {what}", m.id));
    let to_u32 = |v: i32, what: &str| u32::try_from(v).map_err(|_| corrupt(what));
    let kind = MonitorKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?;
    let settings = m.settings.as_deref().unwrap_or("null");
    let target = match kind {
        MonitorKind::Http => Target::Http(HttpTarget {
            url: m.url.clone(),
            method: HttpMethod::parse(&m.method).ok_or_else(|| corrupt("method"))?,
            headers: serde_json::from_str(&m.headers).map_err(|_| corrupt("headers"))?,
            body: m.body.clone(),
            expected_status_codes: serde_json::from_str(&m.expected_status_codes)
                .map_err(|_| corrupt("expected_status_codes"))?,
            follow_redirects: m.follow_redirects,
            verify_tls: m.verify_tls,
        }),
        MonitorKind::Tcp => {
            Target::Tcp(serde_json::from_str(settings).map_err(|_| corrupt("settings"))?)
        }
        MonitorKind::Dns => {
            Target::Dns(serde_json::from_str(settings).map_err(|_| corrupt("settings"))?)
        }
        MonitorKind::Ping => {
            Target::Ping(serde_json::from_str(settings).map_err(|_| corrupt("settings"))?)
        }
        MonitorKind::Push => {
            let mut push: PushTarget =
                serde_json::from_str(settings).map_err(|_| corrupt("settings"))?;
            push.token_hash = m.push_token_hash.clone().unwrap_or_default();
            Target::Push(push)
        }
    };
    let spec = MonitorSpec {
        name: m.name.clone(),
        target,
        assertions: serde_json::from_str(&m.assertions).map_err(|_| corrupt("assertions"))?,
        interval_seconds: to_u32(m.interval_seconds, "interval_seconds")?,
        timeout_ms: to_u32(m.timeout_ms, "timeout_ms")?,
        retries: to_u32(m.retries, "retries")?,
        retry_interval_seconds: to_u32(m.retry_interval_seconds, "retry_interval_seconds")?,
        enabled: m.enabled,
        resend_interval_minutes: to_u32(m.resend_interval_minutes, "resend_interval_minutes")?,
        escalation_policy_id: m.escalation_policy_id,
        // Rows from before certificates carry the default whatever their kind.
        certificate_expiry_days: if matches!(kind, MonitorKind::Http | MonitorKind::Tcp) {
            serde_json::from_str(&m.certificate_expiry_days)
                .map_err(|_| corrupt("certificate_expiry_days"))?
        } else {
            Vec::new()
        },
        public_badges: m.public_badges,
        locations: serde_json::from_str(&m.locations).map_err(|_| corrupt("locations"))?,
        confirm_locations: m
            .confirm_locations
            .map(|n| to_u32(n, "confirm_locations"))
            .transpose()?,
    };
    Ok(StoredMonitor {
        id: m.id,
        status: MonitorStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
        spec,
        created_at_ms: m.created_at,
        updated_at_ms: m.updated_at,
        key: m.key.clone(),
        applied: m.applied.clone(),
        // An unreadable certificate is only a cache: read again at the next check.
        certificate: m
            .certificate
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok()),
        badge_key: m.badge_key.clone().unwrap_or_default(),
    })
}

/// What a stored monitor checks, in short (see `Target::label`), for notifications built from
/// raw rows.
pub fn target_label(m: &monitors::Model) -> String {
    decode_monitor(m.clone()).map_or_else(|_| m.url.clone(), |d| d.spec.label())
}

fn initial_status(spec: &MonitorSpec) -> MonitorStatus {
    if spec.enabled {
        MonitorStatus::Pending
    } else {
        MonitorStatus::Paused
    }
}
