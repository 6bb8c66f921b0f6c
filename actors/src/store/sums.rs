//! Running sums of rollup rows, and the per-monitor cache of merged closed buckets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use hdrhistogram::Histogram;

use super::entities::rollups as rollup_rows;
use super::rollups::{decode, encode};
use super::windows::WindowSpec;
use super::StoreResult;

/// A running sum of rollup rows.
#[derive(Clone, Default)]
pub(super) struct Sum {
    pub(super) checks: i64,
    pub(super) failed: i64,
    pub(super) latency_sum_us: i64,
    pub(super) latency: Option<Histogram<u32>>,
}

impl Sum {
    pub(super) fn merge(&mut self, other: &Sum) {
        self.checks += other.checks;
        self.failed += other.failed;
        self.latency_sum_us += other.latency_sum_us;
        if let Some(h) = &other.latency {
            match &mut self.latency {
                // Same bounds everywhere: adding cannot fail.
                Some(sum) => {
                    let _ = sum.add(h);
                }
                None => self.latency = Some(h.clone()),
            }
        }
    }

    /// Takes a row out again (a bucket leaving a sliding window). False if the row was not
    /// in the sum after all (counts would go negative): the caller then recomputes.
    pub(super) fn remove(&mut self, row: &rollup_rows::Model) -> StoreResult<bool> {
        self.checks -= row.checks;
        self.failed -= row.failed;
        self.latency_sum_us -= row.latency_sum_us;
        if self.checks < 0 || self.failed < 0 || self.latency_sum_us < 0 {
            return Ok(false);
        }
        if let Some(bytes) = &row.latency {
            let gone = decode(bytes)?;
            match &mut self.latency {
                Some(sum) => {
                    if sum.subtract(&gone).is_err() {
                        return Ok(false);
                    }
                }
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    pub(super) fn add(&mut self, row: &rollup_rows::Model) -> StoreResult<()> {
        self.checks += row.checks;
        self.failed += row.failed;
        self.latency_sum_us += row.latency_sum_us;
        if let Some(bytes) = &row.latency {
            let h = decode(bytes)?;
            match &mut self.latency {
                // Same bounds everywhere: adding cannot fail.
                Some(sum) => {
                    let _ = sum.add(&h);
                }
                None => self.latency = Some(h),
            }
        }
        Ok(())
    }
}

/// Merged sums of each monitor's closed buckets (whole past hours, whole past days), so a
/// stats request reads and merges only today's hours and this hour's minutes. An entry is
/// reused until the next hour (or day) begins, and dropped when a late check lands in a
/// closed bucket. About 3 KB per monitor: sums are kept encoded. (Closed hours: a stats
/// request merges one row per window instead of up to 365.)
#[derive(Default)]
pub struct ClosedCache {
    pub(super) map: parking_lot::Mutex<HashMap<i64, Closed>>,
    /// Bumped by every invalidation: a request stores what it computed only if no
    /// invalidation happened since it started reading.
    pub(super) generation: AtomicU64,
}

impl std::fmt::Debug for ClosedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClosedCache")
            .field("monitors", &self.map.lock().len())
            .finish()
    }
}

impl ClosedCache {
    /// Forgets the given monitors' entries (late checks, deleted monitors).
    pub fn invalidate(&self, monitors: impl IntoIterator<Item = i64>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut map = self.map.lock();
        for id in monitors {
            map.remove(&id);
        }
    }
}

#[derive(Clone, Default)]
pub(super) struct Closed {
    /// `hour0` and the closed part of each hour window, shortest first.
    pub(super) hours: Option<(i64, Vec<EncodedSum>)>,
    /// `day0` and the closed part of each day window, shortest first (365d only with a year
    /// of data).
    pub(super) days: Option<(i64, Vec<EncodedSum>)>,
}

#[derive(Clone)]
pub(super) struct EncodedSum {
    checks: i64,
    failed: i64,
    latency_sum_us: i64,
    latency: Option<Vec<u8>>,
}

impl From<&Sum> for EncodedSum {
    fn from(s: &Sum) -> Self {
        Self {
            checks: s.checks,
            failed: s.failed,
            latency_sum_us: s.latency_sum_us,
            latency: s.latency.as_ref().map(encode),
        }
    }
}

impl EncodedSum {
    pub(super) fn decode(&self) -> StoreResult<Sum> {
        Ok(Sum {
            checks: self.checks,
            failed: self.failed,
            latency_sum_us: self.latency_sum_us,
            latency: self.latency.as_deref().map(decode).transpose()?,
        })
    }
}

/// Merges rows newest first into a running sum, snapshotting it at each window's start.
pub(super) fn closed_sums(
    rows: &[rollup_rows::Model],
    windows: &[WindowSpec],
    end: i64,
) -> StoreResult<Vec<EncodedSum>> {
    let mut sum = Sum::default();
    let mut newest = rows.iter().rev().peekable();
    let mut out = Vec::with_capacity(windows.len());
    for w in windows {
        let from = end - w.count * w.tier;
        while let Some(row) = newest.next_if(|r| r.bucket_start >= from) {
            sum.add(row)?;
        }
        out.push(EncodedSum::from(&sum));
    }
    Ok(out)
}
