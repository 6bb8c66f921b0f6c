//! Rollup tiers, bucket arithmetic, and the compact encoding of latency histograms.

use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;

use crate::{StoreError, StoreResult};

/// A minute, in ms.
pub const MINUTE: i64 = 60_000;
/// An hour, in ms.
pub const HOUR: i64 = 3_600_000;
/// A day, in ms.
pub const DAY: i64 = 86_400_000;
/// The rollup tiers, finest first.
pub const TIERS: [i64; 3] = [MINUTE, HOUR, DAY];

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
