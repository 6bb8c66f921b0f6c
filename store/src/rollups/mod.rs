//! Rollups: per monitor and per minute, hour and day, the number of checks, how many failed,
//! and a histogram of successful checks' latency. They are written in the same transaction as
//! the checks they count, so they are never ahead of or behind the checks, survive restarts,
//! and stats over long windows merge a few hundred rows instead of scanning raw checks.
//!
//! This module writes and reads rows; `windows`, `series` and `summaries` read them for
//! stats, with the math in [`crate::stats`].

mod cache;
pub mod series;
pub mod summaries;
pub mod windows;

use std::collections::HashMap;

use hdrhistogram::Histogram;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

pub use cache::ClosedCache;

use crate::entities::{checks, rollups};
use crate::stats::{bucket_start, decode, encode, latency_histogram, Counts, TIERS};
use crate::{Store, StoreError, StoreResult};

/// Keys per read of existing rows (3 bound parameters each).
const READ_CHUNK: usize = 300;
/// Rows per upsert (6 bound parameters each).
const WRITE_CHUNK: usize = 500;

impl rollups::Model {
    /// What this row counts, for the sums of [`crate::stats`].
    pub fn counts(&self) -> Counts<'_> {
        Counts {
            bucket_start: self.bucket_start,
            checks: self.checks,
            failed: self.failed,
            latency_sum_us: self.latency_sum_us,
            latency: self.latency.as_deref(),
        }
    }
}

/// What a batch of checks adds to one rollup row.
struct Delta {
    checks: i64,
    failed: i64,
    latency_sum_us: i64,
    latency: Option<Histogram<u32>>,
}

type Key = (i64, i64, i64);

/// Adds `stored` checks to their minute, hour and day rollups, inside the caller's transaction.
pub(crate) async fn apply<C: ConnectionTrait>(db: &C, stored: &[checks::Model]) -> StoreResult<()> {
    let mut deltas: HashMap<Key, Delta> = HashMap::new();
    for c in stored {
        for tier in TIERS {
            let d = deltas
                .entry((c.monitor_id, tier, bucket_start(c.checked_at, tier)))
                .or_insert(Delta {
                    checks: 0,
                    failed: 0,
                    latency_sum_us: 0,
                    latency: None,
                });
            d.checks += 1;
            if c.up {
                d.latency_sum_us += c.latency_us;
                d.latency
                    .get_or_insert_with(latency_histogram)
                    .saturating_record(c.latency_us.clamp(1, 3_600_000_000) as u64);
            } else {
                d.failed += 1;
            }
        }
    }
    let keys: Vec<Key> = deltas.keys().copied().collect();
    let mut existing: HashMap<Key, rollups::Model> = HashMap::new();
    for chunk in keys.chunks(READ_CHUNK) {
        let mut any = Condition::any();
        for (m, t, s) in chunk {
            any = any.add(
                Condition::all()
                    .add(rollups::Column::MonitorId.eq(*m))
                    .add(rollups::Column::BucketMs.eq(*t))
                    .add(rollups::Column::BucketStart.eq(*s)),
            );
        }
        for row in rollups::Entity::find().filter(any).all(db).await? {
            existing.insert((row.monitor_id, row.bucket_ms, row.bucket_start), row);
        }
    }
    let mut rows = Vec::with_capacity(deltas.len());
    for (key, delta) in deltas {
        let old = existing.remove(&key);
        let mut latency = delta.latency;
        if let Some(bytes) = old.as_ref().and_then(|o| o.latency.as_ref()) {
            let stored_h = decode(bytes)?;
            match &mut latency {
                Some(h) => h
                    .add(&stored_h)
                    .map_err(|e| StoreError::Corrupt(format!("rollup histogram: {e:?}")))?,
                None => latency = Some(stored_h),
            }
        }
        let (checks, failed, sum) = old
            .as_ref()
            .map_or((0, 0, 0), |o| (o.checks, o.failed, o.latency_sum_us));
        rows.push(rollups::ActiveModel {
            monitor_id: Set(key.0),
            bucket_ms: Set(key.1),
            bucket_start: Set(key.2),
            checks: Set(checks + delta.checks),
            failed: Set(failed + delta.failed),
            latency_sum_us: Set(sum + delta.latency_sum_us),
            latency: Set(latency.as_ref().map(encode)),
        });
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(WRITE_CHUNK).collect();
        rollups::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([
                    rollups::Column::MonitorId,
                    rollups::Column::BucketMs,
                    rollups::Column::BucketStart,
                ])
                .update_columns([
                    rollups::Column::Checks,
                    rollups::Column::Failed,
                    rollups::Column::LatencySumUs,
                    rollups::Column::Latency,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Whether a monitor has any rollup row of `tier` starting in `[from_ms, to_ms)`.
    pub async fn has_rollups(
        &self,
        monitor_id: i64,
        tier: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<bool> {
        Ok(rollups::Entity::find()
            .filter(rollups::Column::MonitorId.eq(monitor_id))
            .filter(rollups::Column::BucketMs.eq(tier))
            .filter(rollups::Column::BucketStart.gte(from_ms))
            .filter(rollups::Column::BucketStart.lt(to_ms))
            .one(&self.read)
            .await?
            .is_some())
    }

    /// A monitor's rollups of one tier with `from <= bucket_start < to`, oldest first.
    pub async fn rollups(
        &self,
        monitor_id: i64,
        tier: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<rollups::Model>> {
        Ok(rollups::Entity::find()
            .filter(rollups::Column::MonitorId.eq(monitor_id))
            .filter(rollups::Column::BucketMs.eq(tier))
            .filter(rollups::Column::BucketStart.gte(from_ms))
            .filter(rollups::Column::BucketStart.lt(to_ms))
            .order_by_asc(rollups::Column::BucketStart)
            .all(&self.read)
            .await?)
    }

    /// Deletes the oldest `tier` bucket older than `cutoff_ms` (one row per monitor at most);
    /// returns how many rows went, 0 when nothing is past the cutoff.
    pub async fn sweep_rollups(&self, tier: i64, cutoff_ms: i64) -> StoreResult<u64> {
        let oldest = rollups::Entity::find()
            .filter(rollups::Column::BucketMs.eq(tier))
            .filter(rollups::Column::BucketStart.lt(cutoff_ms))
            .order_by_asc(rollups::Column::BucketStart)
            .one(&self.write)
            .await?;
        let Some(oldest) = oldest else {
            return Ok(0);
        };
        let res = rollups::Entity::delete_many()
            .filter(rollups::Column::BucketMs.eq(tier))
            .filter(rollups::Column::BucketStart.eq(oldest.bucket_start))
            .exec(&self.write)
            .await?;
        Ok(res.rows_affected.max(1))
    }
}
