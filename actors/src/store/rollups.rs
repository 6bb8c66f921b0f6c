//! Rollups: per monitor and per minute, hour and day, the number of checks, how many failed,
//! and a histogram of successful checks' latency. They are written in the same transaction as
//! the checks they count, so they are never ahead of or behind the checks, survive restarts,
//! and stats over long windows merge a few hundred rows instead of scanning raw checks.

use std::collections::HashMap;

use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::entities::{checks, rollups};
use super::{Store, StoreError, StoreResult};

/// A minute, in ms.
pub const MINUTE: i64 = 60_000;
/// An hour, in ms.
pub const HOUR: i64 = 3_600_000;
/// A day, in ms.
pub const DAY: i64 = 86_400_000;
/// The rollup tiers, finest first.
pub const TIERS: [i64; 3] = [MINUTE, HOUR, DAY];

/// Keys per read of existing rows (3 bound parameters each).
const READ_CHUNK: usize = 300;
/// Rows per upsert (6 bound parameters each).
const WRITE_CHUNK: usize = 500;

/// The start of the `tier` bucket holding `t_ms`.
pub fn bucket_start(t_ms: i64, tier: i64) -> i64 {
    t_ms - t_ms.rem_euclid(tier)
}

/// A histogram of latencies in µs, 1 µs to an hour, with 2 significant digits: any percentile
/// read back is within 1 % (at most 1/128) of the exact one.
pub fn latency_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, 3_600_000_000, 2).expect("constant histogram bounds are valid")
}

/// The compact (V2) encoding of a histogram.
pub fn encode(h: &Histogram<u32>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    // Writing to a Vec cannot fail; an empty encoding would decode as an error, not as data.
    let _ = V2Serializer::new().serialize(h, &mut out);
    out
}

/// A histogram from its encoding.
pub fn decode(bytes: &[u8]) -> StoreResult<Histogram<u32>> {
    Deserializer::new()
        .deserialize(&mut &bytes[..])
        .map_err(|e| StoreError::Corrupt(format!("rollup histogram: {e:?}")))
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
pub(super) async fn apply<C: ConnectionTrait>(db: &C, stored: &[checks::Model]) -> StoreResult<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_align_to_utc_minutes_hours_and_days() {
        let t = 1_764_000_123_456; // 2025-11-24T16:02:03.456Z
        assert_eq!(bucket_start(t, MINUTE), 1_764_000_120_000);
        assert_eq!(bucket_start(t, HOUR), 1_764_000_000_000);
        assert_eq!(bucket_start(t, DAY), 1_763_942_400_000);
    }

    #[test]
    fn histograms_round_trip_compactly_and_stay_within_one_percent() {
        let mut h = latency_histogram();
        for v in 1..=10_000u64 {
            h.record(v * 100).expect("record");
        }
        let bytes = encode(&h);
        assert!(bytes.len() < 2_000, "{} bytes", bytes.len());
        let back = decode(&bytes).expect("decode");
        assert_eq!(back.len(), 10_000);
        let exact_p99 = 9_900 * 100;
        let p99 = back.value_at_quantile(0.99);
        let err = (p99 as f64 - exact_p99 as f64).abs() / exact_p99 as f64;
        assert!(err <= 0.01, "p99 {p99} vs {exact_p99}");
        assert!(decode(b"garbage").is_err());
    }
}
