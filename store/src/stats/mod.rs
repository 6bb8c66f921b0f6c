//! Uptime and latency math over rollups, with no database in it: bucket arithmetic and the
//! latency histogram codec, running sums of rollup rows, windows with time-weighted uptime,
//! and chart series. The `rollups` module reads the rows; everything here is unit-tested on
//! plain values.

mod buckets;
mod series;
mod sums;
mod windows;

pub use buckets::{bucket_start, decode, encode, latency_histogram, DAY, HOUR, MINUTE, TIERS};
pub use series::{point, DayBar, Point, SeriesSpec, SERIES};
pub use sums::{closed_sums, Counts, EncodedSum, Sum};
pub use windows::{summary_of, time_weighted, union, WindowSpec, WindowTotals, WINDOWS};
