//! Remote probes: which probe process holds each location, what it said about itself, and
//! the results it sends (stored once, however often they are sent).

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::entities::{checks, probes};
use crate::{is_unique_violation, Store, StoreResult};

/// A probe unheard of for this long is offline: its location counts as unknown, and another
/// probe process may take the location over.
pub const PROBE_OFFLINE_MS: i64 = 30_000;

/// A location's probe as stored.
pub type StoredProbe = probes::Model;

/// What a probe says of itself with each batch (and the stream, when it connects).
#[derive(Clone, Debug)]
pub struct ProbeHello {
    pub location: String,
    pub probe_id: String,
    pub version: String,
    pub address: String,
    pub skew_ms: i64,
    pub lag_ms: i64,
    pub buffered: i64,
    pub checks_per_minute: i64,
}

/// One result of a probe, its time corrected to the server's clock.
#[derive(Clone, Debug)]
pub struct RemoteCheck {
    pub monitor_id: i64,
    /// UTC ms, server clock.
    pub checked_at_ms: i64,
    /// UTC ms, the probe's own clock: the result's identity.
    pub probe_at_ms: i64,
    pub up: bool,
    pub latency_us: i64,
    pub status_code: Option<u16>,
    pub error: Option<String>,
}

impl Store {
    /// Records that probe `hello.probe_id` holds `hello.location` and what it says of itself.
    /// False, and nothing changed, while another probe process holds the location and has
    /// been heard from within [`PROBE_OFFLINE_MS`].
    pub async fn hold_location(&self, hello: &ProbeHello, now_ms: i64) -> StoreResult<bool> {
        use probes::Column as C;
        // The holder goes on; an offline holder's place is taken (and the connection time
        // restarts).
        let same = self
            .update_probe(hello, now_ms, C::ProbeId.eq(hello.probe_id.as_str()))
            .await?;
        if same {
            return Ok(true);
        }
        let stale = now_ms - PROBE_OFFLINE_MS;
        let taken = probes::Entity::update_many()
            .col_expr(C::ProbeId, Expr::value(hello.probe_id.clone()))
            .col_expr(C::ConnectedAt, Expr::value(now_ms))
            .filter(C::Location.eq(hello.location.as_str()))
            .filter(C::LastSeenAt.lt(stale))
            .exec(&self.write)
            .await?
            .rows_affected
            > 0;
        if taken {
            return self
                .update_probe(hello, now_ms, C::ProbeId.eq(hello.probe_id.as_str()))
                .await;
        }
        let first = probes::ActiveModel {
            location: Set(hello.location.clone()),
            probe_id: Set(hello.probe_id.clone()),
            version: Set(hello.version.clone()),
            address: Set(hello.address.clone()),
            connected_at: Set(now_ms),
            last_seen_at: Set(now_ms),
            skew_ms: Set(hello.skew_ms),
            lag_ms: Set(hello.lag_ms),
            buffered: Set(hello.buffered),
            checks_per_minute: Set(hello.checks_per_minute),
        };
        match probes::Entity::insert(first)
            .on_conflict(OnConflict::column(C::Location).do_nothing().to_owned())
            .exec_without_returning(&self.write)
            .await
        {
            Ok(n) => Ok(n > 0),
            Err(DbErr::RecordNotInserted) => Ok(false),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn update_probe(
        &self,
        hello: &ProbeHello,
        now_ms: i64,
        holder: sea_orm::sea_query::SimpleExpr,
    ) -> StoreResult<bool> {
        use probes::Column as C;
        Ok(probes::Entity::update_many()
            .col_expr(C::Version, Expr::value(hello.version.clone()))
            .col_expr(C::Address, Expr::value(hello.address.clone()))
            .col_expr(C::LastSeenAt, Expr::value(now_ms))
            .col_expr(C::SkewMs, Expr::value(hello.skew_ms))
            .col_expr(C::LagMs, Expr::value(hello.lag_ms))
            .col_expr(C::Buffered, Expr::value(hello.buffered))
            .col_expr(C::ChecksPerMinute, Expr::value(hello.checks_per_minute))
            .filter(C::Location.eq(hello.location.as_str()))
            .filter(holder)
            .exec(&self.write)
            .await?
            .rows_affected
            > 0)
    }

    /// Marks the holder of `location` as heard from now (its stream is open); false if
    /// `probe_id` no longer holds it.
    pub async fn touch_probe(
        &self,
        location: &str,
        probe_id: &str,
        now_ms: i64,
    ) -> StoreResult<bool> {
        use probes::Column as C;
        Ok(probes::Entity::update_many()
            .col_expr(C::LastSeenAt, Expr::value(now_ms))
            .filter(C::Location.eq(location))
            .filter(C::ProbeId.eq(probe_id))
            .exec(&self.write)
            .await?
            .rows_affected
            > 0)
    }

    /// Every location's probe, by location.
    pub async fn list_probes(&self) -> StoreResult<Vec<StoredProbe>> {
        Ok(probes::Entity::find()
            .order_by_asc(probes::Column::Location)
            .all(&self.read)
            .await?)
    }

    /// Stores a probe's results from `location`; returns those stored now (a result already
    /// stored, from a batch sent again, is skipped). They count in the monitors' rollups
    /// like any check, and the other nodes hear of them.
    pub async fn insert_probe_checks(
        &self,
        location: &str,
        rows: &[RemoteCheck],
    ) -> StoreResult<Vec<checks::Model>> {
        let txn = self.write.begin().await?;
        let mut stored = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(500) {
            let models = chunk.iter().map(|r| checks::ActiveModel {
                monitor_id: Set(r.monitor_id),
                checked_at: Set(r.checked_at_ms),
                up: Set(r.up),
                latency_us: Set(r.latency_us),
                status_code: Set(r.status_code.map(i32::from)),
                error: Set(r.error.clone()),
                location: Set(location.to_owned()),
                probe_at: Set(Some(r.probe_at_ms)),
                ..Default::default()
            });
            // No conflict target: the partial unique index on (monitor, location, probe
            // time) is the one a resent result meets.
            match checks::Entity::insert_many(models)
                .on_conflict(OnConflict::new().do_nothing().to_owned())
                .exec_with_returning(&txn)
                .await
            {
                Ok(rows) => stored.extend(rows),
                Err(DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e.into()),
            }
        }
        stored.sort_by_key(|c| c.id);
        self.finish_insert(txn, &stored).await?;
        Ok(stored)
    }

    /// A monitor's checks from `location` since `since_ms`: (time, up, latency µs), oldest
    /// first.
    pub async fn location_series(
        &self,
        monitor_id: i64,
        location: &str,
        since_ms: i64,
    ) -> StoreResult<Vec<(i64, bool, i64)>> {
        use checks::Column as C;
        Ok(checks::Entity::find()
            .select_only()
            .columns([C::CheckedAt, C::Up, C::LatencyUs])
            .filter(C::MonitorId.eq(monitor_id))
            .filter(C::Location.eq(location))
            .filter(C::CheckedAt.gte(since_ms))
            .order_by_asc(C::CheckedAt)
            .into_tuple()
            .all(&self.read)
            .await?)
    }
}
