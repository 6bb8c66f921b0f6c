//! Running sums of rollup rows: merged, slid (rows added and taken out again), and kept
//! encoded between requests.

use hdrhistogram::Histogram;

use super::buckets::{decode, encode};
use super::windows::WindowSpec;
use crate::StoreResult;

/// What one rollup row counts, borrowed from it.
#[derive(Clone, Copy, Debug)]
pub struct Counts<'a> {
    pub bucket_start: i64,
    pub checks: i64,
    pub failed: i64,
    pub latency_sum_us: i64,
    /// The encoded histogram of successful checks' latency, if any succeeded.
    pub latency: Option<&'a [u8]>,
}

/// A running sum of rollup rows.
#[derive(Clone, Default)]
pub struct Sum {
    pub checks: i64,
    pub failed: i64,
    pub latency_sum_us: i64,
    pub latency: Option<Histogram<u32>>,
}

impl Sum {
    /// Adds another sum.
    pub fn merge(&mut self, other: &Sum) {
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
    pub fn remove(&mut self, row: Counts<'_>) -> StoreResult<bool> {
        self.checks -= row.checks;
        self.failed -= row.failed;
        self.latency_sum_us -= row.latency_sum_us;
        if self.checks < 0 || self.failed < 0 || self.latency_sum_us < 0 {
            return Ok(false);
        }
        if let Some(bytes) = row.latency {
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

    /// Adds a row.
    pub fn add(&mut self, row: Counts<'_>) -> StoreResult<()> {
        self.checks += row.checks;
        self.failed += row.failed;
        self.latency_sum_us += row.latency_sum_us;
        if let Some(bytes) = row.latency {
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

/// A sum with its histogram encoded: about 3 KB instead of 13 KB, for sums kept between
/// requests.
#[derive(Clone)]
pub struct EncodedSum {
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
    /// The sum, its histogram decoded.
    pub fn decode(&self) -> StoreResult<Sum> {
        Ok(Sum {
            checks: self.checks,
            failed: self.failed,
            latency_sum_us: self.latency_sum_us,
            latency: self.latency.as_deref().map(decode).transpose()?,
        })
    }
}

/// Merges rows (oldest first) newest first into a running sum, snapshotting it at each
/// window's start: the closed part of each window ending at `end`, shortest window first.
pub fn closed_sums<'a>(
    rows: impl DoubleEndedIterator<Item = Counts<'a>>,
    windows: &[WindowSpec],
    end: i64,
) -> StoreResult<Vec<EncodedSum>> {
    let mut sum = Sum::default();
    let mut newest = rows.rev().peekable();
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

#[cfg(test)]
mod tests {
    use super::super::buckets::{latency_histogram, HOUR};
    use super::*;

    fn row(bucket_start: i64, checks: i64, failed: i64, latency: &[u8]) -> Counts<'_> {
        Counts {
            bucket_start,
            checks,
            failed,
            latency_sum_us: (checks - failed) * 1000,
            latency: Some(latency),
        }
    }

    fn histogram(values: &[u64]) -> Vec<u8> {
        let mut h = latency_histogram();
        for v in values {
            h.record(*v).expect("record");
        }
        encode(&h)
    }

    #[test]
    fn rows_added_and_taken_out_leave_the_sum_as_before() {
        let (a, b) = (histogram(&[1000, 2000]), histogram(&[5000]));
        let mut sum = Sum::default();
        sum.add(row(0, 2, 0, &a)).expect("add");
        sum.add(row(HOUR, 3, 2, &b)).expect("add");
        assert_eq!((sum.checks, sum.failed, sum.latency_sum_us), (5, 2, 3000));
        assert_eq!(sum.latency.as_ref().map(|h| h.len()), Some(3));
        assert!(sum.remove(row(0, 2, 0, &a)).expect("remove"));
        assert_eq!((sum.checks, sum.failed), (3, 2));
        let left = sum.latency.as_ref().expect("histogram");
        assert_eq!(left.len(), 1);
        assert!(
            left.equivalent(left.max(), 5000),
            "only the 5 ms check is left"
        );
        // A row that was never in the sum is refused, so the caller recomputes.
        assert!(!sum.remove(row(0, 9, 0, &a)).expect("remove"));
    }

    #[test]
    fn closed_sums_snapshot_each_window_from_the_newest_row() {
        let one = histogram(&[1000]);
        let rows: Vec<Counts<'_>> = (0..10).map(|i| row(i * HOUR, 1, 0, &one)).collect();
        let windows = [
            WindowSpec {
                name: "3h",
                tier: HOUR,
                count: 3,
            },
            WindowSpec {
                name: "8h",
                tier: HOUR,
                count: 8,
            },
        ];
        let sums = closed_sums(rows.into_iter(), &windows, 10 * HOUR).expect("sums");
        let checks: Vec<i64> = sums
            .iter()
            .map(|s| s.decode().expect("decode").checks)
            .collect();
        assert_eq!(checks, [3, 8]);
        let merged = sums[1].decode().expect("decode");
        let mut total = Sum::default();
        total.merge(&merged);
        total.merge(&merged);
        assert_eq!(total.latency.map(|h| h.len()), Some(16));
    }
}
