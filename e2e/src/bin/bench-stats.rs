//! Stats benchmark: N monitors whose rollups cover D days of 60 s checks, generated straight
//! into the database, then `GET /api/v1/monitors/{id}/stats` timed against the real binary.
//! Prints generation time, database size, start-up time, stats latency (in-process window
//! computation and over HTTP), the summary refresher's pass over every monitor, `GET
//! /monitors` with every monitor's stats, and the live stream's snapshot.
//!
//! cargo build --release -p flatline-server && \
//! FLATLINE_BIN=target/release/flatline \
//!   cargo run --release -p e2e --bin bench-stats -- --monitors 10000 --days 90
//!
//! Per monitor it writes D day rows, 168 hour rows and the current hour's minute rows, which
//! is everything a stats request reads (older hour and minute rows are only kept, never read
//! by stats); `--raw-hours H` adds H hours of raw 60 s checks per monitor. `BENCH_DB=PATH`
//! keeps the generated SQLite database there (it must not exist yet).

use std::time::{Duration, Instant};

use e2e::{Flatline, FlatlineOptions};
use flatline_store::clock::now_ms;
use flatline_store::entities::{checks, rollups};
use flatline_store::stats::{bucket_start, encode, latency_histogram, DAY, HOUR, MINUTE};
use flatline_store::Store;
use flatline_types::CreateMonitor;
use hdrhistogram::Histogram;
use sea_orm::{ConnectionTrait, Database, EntityTrait, Set, TransactionTrait};

struct Args {
    monitors: i64,
    days: i64,
    raw_hours: i64,
    samples: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        monitors: 10_000,
        days: 90,
        raw_hours: 0,
        samples: 2_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--monitors" => args.monitors = value.parse().expect("--monitors N"),
            "--days" => args.days = value.parse().expect("--days N"),
            "--raw-hours" => args.raw_hours = value.parse().expect("--raw-hours N"),
            "--samples" => args.samples = value.parse().expect("--samples N"),
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    args
}

/// A pseudo-random generator good enough for synthetic latencies.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (self.0 >> 33) as f64 / (1u64 << 31) as f64
    }
    /// A long-tailed latency in µs around 20–40 ms.
    fn latency(&mut self) -> u64 {
        (20_000.0 * (1.0 / (1.0 - self.next() * 0.999)).powf(0.6)) as u64
    }
}

/// `variants` encoded histograms of `n` checks each.
fn pool(rng: &mut Lcg, n: usize, variants: usize) -> Vec<(Vec<u8>, i64)> {
    (0..variants)
        .map(|_| {
            let mut h: Histogram<u32> = latency_histogram();
            let mut sum = 0i64;
            for _ in 0..n {
                let v = rng.latency();
                sum += v as i64;
                h.saturating_record(v);
            }
            (encode(&h), sum)
        })
        .collect()
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn report(what: &str, mut d: Vec<Duration>) {
    d.sort_unstable();
    println!(
        "{what}: n={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        d.len(),
        percentile(&d, 0.5).as_secs_f64() * 1e3,
        percentile(&d, 0.99).as_secs_f64() * 1e3,
        d.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
}

#[actix_rt::main]
async fn main() {
    let args = parse_args();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = match std::env::var("BENCH_DB") {
        Ok(p) => std::path::PathBuf::from(p),
        Err(_) => dir.path().join("bench.db"),
    };
    let url = format!("sqlite:{}", path.display());
    let store = Store::connect(&url).await.expect("database");
    let db = Database::connect(&url).await.expect("connection");
    let now = now_ms();
    let mut rng = Lcg(7);
    let (days_pool, hours_pool, minutes_pool) = (
        pool(&mut rng, 1440, 32),
        pool(&mut rng, 60, 64),
        pool(&mut rng, 1, 64),
    );

    let started = Instant::now();
    let created = now - (args.days + 1) * DAY;
    let mut ids = Vec::with_capacity(args.monitors as usize);
    for i in 0..args.monitors {
        let spec = CreateMonitor {
            name: format!("monitor {i}"),
            url: Some(format!("http://127.0.0.1:9/{i}")),
            interval_seconds: Some(60),
            enabled: Some(false),
            ..Default::default()
        }
        .into_spec()
        .expect("spec");
        ids.push(
            store
                .insert_monitor(&spec, created)
                .await
                .expect("monitor")
                .id,
        );
    }
    let (day0, hour0) = (bucket_start(now, DAY), bucket_start(now, HOUR));
    let minutes_now = (now - hour0) / MINUTE;
    let mut rows = 0u64;
    for chunk in ids.chunks(50) {
        let txn = db.begin().await.expect("txn");
        let mut batch = Vec::new();
        for &id in chunk {
            let mut push = |tier: i64, start: i64, p: &[(Vec<u8>, i64)], n: i64, k: usize| {
                let (bytes, sum) = &p[k % p.len()];
                let failed = i64::from(k.is_multiple_of(97));
                batch.push(rollups::ActiveModel {
                    monitor_id: Set(id),
                    bucket_ms: Set(tier),
                    bucket_start: Set(start),
                    checks: Set(n),
                    failed: Set(failed),
                    latency_sum_us: Set(*sum),
                    latency: Set(Some(bytes.clone())),
                });
            };
            for d in 1..=args.days {
                push(DAY, day0 - d * DAY, &days_pool, 1440, (id + d) as usize);
            }
            for h in 0..(168 + (now - day0) / HOUR) {
                push(
                    HOUR,
                    hour0 - (h + 1) * HOUR,
                    &hours_pool,
                    60,
                    (id + h) as usize,
                );
            }
            for m in 0..minutes_now {
                push(
                    MINUTE,
                    hour0 + m * MINUTE,
                    &minutes_pool,
                    1,
                    (id + m) as usize,
                );
            }
        }
        rows += batch.len() as u64;
        for part in batch.chunks(500) {
            rollups::Entity::insert_many(part.to_vec())
                .exec_without_returning(&txn)
                .await
                .expect("rollups");
        }
        if args.raw_hours > 0 {
            let mut raw = Vec::new();
            for &id in chunk {
                for k in 0..args.raw_hours * 60 {
                    raw.push(checks::ActiveModel {
                        monitor_id: Set(id),
                        checked_at: Set(now - k * MINUTE),
                        up: Set(true),
                        latency_us: Set(rng.latency() as i64),
                        status_code: Set(Some(200)),
                        error: Set(None),
                        ..Default::default()
                    });
                }
            }
            for part in raw.chunks(1000) {
                checks::Entity::insert_many(part.to_vec())
                    .exec_without_returning(&txn)
                    .await
                    .expect("checks");
            }
        }
        txn.commit().await.expect("commit");
    }
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("checkpoint");
    println!(
        "generated {} monitors, {rows} rollup rows, {} raw checks in {:.1} s",
        args.monitors,
        args.monitors * args.raw_hours * 60,
        started.elapsed().as_secs_f64()
    );
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("database size: {:.1} MB", size as f64 / 1e6);

    // In-process: the window computation itself; first for monitors not asked this hour (closed
    // buckets read and merged), then again (closed buckets cached).
    for pass in ["cold", "warm"] {
        let mut inproc = Vec::new();
        for i in 0..args.samples {
            let id = ids[(i * 7919) % ids.len()];
            let m = store.get_monitor(id).await.expect("get").expect("monitor");
            let t = Instant::now();
            let w = store.monitor_windows(&m, now_ms()).await.expect("windows");
            inproc.push(t.elapsed());
            assert_eq!(w.len(), 4);
        }
        report(&format!("monitor_windows, {pass} (in-process)"), inproc);
    }
    // Where the time goes: the three rollup reads alone.
    let mut reads = Vec::new();
    for i in 0..args.samples.min(500) {
        let id = ids[(i * 7919) % ids.len()];
        let now = now_ms();
        let (day0, hour0) = (bucket_start(now, DAY), bucket_start(now, HOUR));
        let t = Instant::now();
        let d = store
            .rollups(id, DAY, day0 - 365 * DAY, day0)
            .await
            .expect("days");
        let h = store
            .rollups(id, HOUR, hour0 - 168 * HOUR, hour0)
            .await
            .expect("hours");
        let m = store
            .rollups(id, MINUTE, hour0, now + 1)
            .await
            .expect("minutes");
        reads.push(t.elapsed());
        assert!(d.len() + h.len() + m.len() > 0);
    }
    report("  of which the rollup reads", reads);
    store.close().await;

    // Every monitor at once, as the summary refresher does it: first with nothing cached
    // (a fresh store: what start-up and each new hour cost), then warm (every other pass).
    let fresh = Store::connect(&url).await.expect("database");
    let monitors = fresh.list_monitors().await.expect("monitors");
    let at = now_ms();
    for (pass, when) in [
        ("cold", at),
        ("warm", at),
        ("an hour later (sums slid, not merged again)", at + HOUR),
    ] {
        let t = Instant::now();
        let mut seen = 0;
        fresh
            .all_monitor_windows(&monitors, when, |_, w| {
                assert_eq!(w.len(), 4);
                seen += 1;
            })
            .await
            .expect("all windows");
        assert_eq!(seen, monitors.len());
        println!(
            "all_monitor_windows for {} monitors, {pass}: {:.2} s",
            monitors.len(),
            t.elapsed().as_secs_f64()
        );
    }
    fresh.close().await;
    db.close().await.expect("close");

    // Over HTTP, against the real binary.
    let t = Instant::now();
    let fl = Flatline::start_with(FlatlineOptions {
        database_url: Some(url.clone()),
        ..Default::default()
    });
    println!(
        "start-up (token creation included): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    // The list carries every monitor's headline numbers once the refresher's first pass is
    // done.
    let t = Instant::now();
    let deadline = t + Duration::from_secs(600);
    loop {
        let (_, body) = fl.request("GET", "/api/v1/monitors", None).await;
        let with = body
            .as_array()
            .map_or(0, |l| l.iter().filter(|m| m["stats"].is_object()).count());
        if with == ids.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "stats for {with} of {} monitors",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "every monitor's stats in GET /monitors after start-up: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let auth = format!("Bearer {}", fl.token.clone().unwrap_or_default());
    // Per-monitor stats, measured once the refresher's start-up pass is over (it reads
    // every monitor's closed buckets, so it competes for the CPU and the read pool).
    for pass in ["pass 1", "pass 2"] {
        let mut http = Vec::new();
        for i in 0..args.samples {
            let id = ids[(i * 7919) % ids.len()];
            let t = Instant::now();
            let (status, body) = fl
                .request("GET", &format!("/api/v1/monitors/{id}/stats"), None)
                .await;
            http.push(t.elapsed());
            assert_eq!(status, 200, "{body}");
        }
        report(
            &format!("GET /api/v1/monitors/{{id}}/stats, {pass} (HTTP, closed buckets cached)"),
            http,
        );
    }
    // Timed to the last byte received (and decompressed), without parsing the JSON.
    let raw = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    for encoding in ["identity", "gzip", "br"] {
        let mut list = Vec::new();
        let (mut size, mut wire) = (0, String::new());
        for _ in 0..30 {
            let t = Instant::now();
            let mut res = raw
                .get(fl.url("/api/v1/monitors"))
                .insert_header(("Authorization", auth.as_str()))
                .insert_header(("Accept-Encoding", encoding))
                .send()
                .await
                .expect("list");
            let body = res.body().limit(256 << 20).await.expect("body");
            list.push(t.elapsed());
            assert_eq!(res.status().as_u16(), 200);
            size = body.len();
            wire = res
                .headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("identity")
                .to_owned();
        }
        report(
            &format!(
                "GET /api/v1/monitors with stats, Accept-Encoding {encoding} (sent as {wire}; {:.1} MB of JSON)",
                size as f64 / 1e6
            ),
            list,
        );
    }
    let client = e2e::live::many_streams_client();
    let mut snapshot = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let live = e2e::live::LiveClient::connect(
            &client,
            &fl.url("/api/v1/stats/stream"),
            fl.token.as_deref().unwrap_or(""),
        )
        .await;
        live.wait_for("the snapshot", Duration::from_secs(60), |e| {
            e.name == "snapshot"
        })
        .await;
        snapshot.push(t.elapsed());
    }
    report("live stream: connect to snapshot received", snapshot);
    println!(
        "peak RSS of the server: {}",
        std::fs::read_to_string(format!("/proc/{}/status", fl.pid()))
            .ok()
            .and_then(|s| s
                .lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_owned))
            .unwrap_or_default()
    );
}
