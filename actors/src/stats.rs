//! The engine's own measurements: counters and histograms the benchmark and `/metrics` read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use parking_lot::Mutex;

/// Counters and histograms of the engine; shared as `Arc<EngineStats>`.
#[derive(Debug)]
pub struct EngineStats {
    /// Checks started by monitor actors.
    pub checks_started: AtomicU64,
    /// Checks that failed (down results, including retries).
    pub checks_failed: AtomicU64,
    /// Checks written to the database.
    pub checks_stored: AtomicU64,
    /// Failed batch writes (the batch is kept and retried).
    pub write_errors: AtomicU64,
    /// Checks dropped because the write buffer overflowed while the database was unreachable.
    pub checks_dropped: AtomicU64,
    /// Monitor actors restarted by their supervisor.
    pub actor_restarts: AtomicU64,
    /// Delay between a check's planned and actual start, in microseconds.
    pub schedule_lag_us: Mutex<Histogram<u64>>,
    /// Rows per check-write batch.
    pub batch_size: Mutex<Histogram<u64>>,
    /// Duration of each check-write batch, in microseconds.
    pub batch_write_us: Mutex<Histogram<u64>>,
}

fn histogram() -> Histogram<u64> {
    // 3 significant digits up to an hour in microseconds.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("constant histogram bounds are valid")
}

impl Default for EngineStats {
    fn default() -> Self {
        Self {
            checks_started: AtomicU64::new(0),
            checks_failed: AtomicU64::new(0),
            checks_stored: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
            checks_dropped: AtomicU64::new(0),
            actor_restarts: AtomicU64::new(0),
            schedule_lag_us: Mutex::new(histogram()),
            batch_size: Mutex::new(histogram()),
            batch_write_us: Mutex::new(histogram()),
        }
    }
}

impl EngineStats {
    /// Adds one to a counter.
    pub fn incr(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a schedule lag.
    pub fn record_lag(&self, lag: Duration) {
        let us = u64::try_from(lag.as_micros()).unwrap_or(u64::MAX);
        self.schedule_lag_us.lock().saturating_record(us.max(1));
    }

    /// Records one batch write.
    pub fn record_batch(&self, rows: usize, took: Duration) {
        self.batch_size.lock().saturating_record(rows.max(1) as u64);
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.batch_write_us.lock().saturating_record(us.max(1));
        self.checks_stored.fetch_add(rows as u64, Ordering::Relaxed);
    }
}
