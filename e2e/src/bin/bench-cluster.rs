//! Cluster benchmark: several real `flatline` processes on one PostgreSQL, N monitors against
//! a local nginx. Prints checks/s cluster-wide against the schedule, schedule lag (from each
//! node's `/metrics` histogram), the database writes spent on coordination (heartbeats, lease
//! rows) next to the check rows written, and how long after a kill -9 every monitor of the
//! killed node is checked again.
//!
//! FLATLINE_BIN=$PWD/target/release/flatline cargo run --release -p e2e --bin bench-cluster -- \
//!     --database-url postgres://flatline@127.0.0.1:5432/postgres \
//!     --nodes 3 --monitors 10000 --interval 10 --seconds 60
//!
//! `--database-url` is an administrative URL: a fresh database is created on that server.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use e2e::scrape::scrape;
use e2e::{Flatline, FlatlineOptions};
use flatline_store::clock::now_ms;
use flatline_store::Store;
use flatline_types::CreateMonitor;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::Value;

struct Args {
    nodes: usize,
    monitors: usize,
    interval: u32,
    seconds: u64,
    lease: u64,
    database_url: String,
}

fn parse_args() -> Args {
    let mut args = Args {
        nodes: 3,
        monitors: 10_000,
        interval: 10,
        seconds: 60,
        lease: 10,
        database_url: std::env::var("FLATLINE_TEST_POSTGRES_URL").unwrap_or_default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--nodes" => args.nodes = value.parse().expect("--nodes N"),
            "--monitors" => args.monitors = value.parse().expect("--monitors N"),
            "--interval" => args.interval = value.parse().expect("--interval SECONDS"),
            "--seconds" => args.seconds = value.parse().expect("--seconds N"),
            "--lease" => args.lease = value.parse().expect("--lease SECONDS"),
            "--database-url" => args.database_url = value,
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    assert!(
        args.database_url.starts_with("postgres"),
        "--database-url postgres://… (an administrative URL) is needed"
    );
    args
}

/// Rows inserted, updated and deleted so far in `table` (PostgreSQL's statistics).
async fn writes(db: &DatabaseConnection, table: &str) -> i64 {
    // Statistics are flushed at the end of each transaction, at most once a second.
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT (n_tup_ins + n_tup_upd + n_tup_del)::bigint FROM pg_stat_user_tables \
             WHERE relname = $1",
            vec![table.into()],
        ))
        .await
        .expect("pg_stat_user_tables");
    row.and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0)
}

/// A sample of `name` summed over `text`'s series (labels ignored).
fn summed(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| {
            l.starts_with(name)
                && (l.as_bytes().get(name.len()) == Some(&b' ')
                    || l.as_bytes().get(name.len()) == Some(&b'{'))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The schedule-lag histogram's cumulative bucket counts by upper bound.
fn lag_buckets(text: &str) -> Vec<(f64, f64)> {
    let mut buckets: Vec<(f64, f64)> = text
        .lines()
        .filter(|l| l.starts_with("flatline_schedule_lag_seconds_bucket{le=\""))
        .filter_map(|l| {
            let le = l.split("le=\"").nth(1)?.split('"').next()?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, l.rsplit(' ').next()?.parse().ok()?))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    buckets
}

/// The smallest bucket bound under which `q` of the observations fall.
fn quantile_bound(buckets: &[(f64, f64)], q: f64) -> f64 {
    let total = buckets.last().map_or(0.0, |b| b.1);
    buckets
        .iter()
        .find(|(_, count)| *count >= q * total)
        .map_or(f64::INFINITY, |b| b.0)
}

async fn cluster(fl: &Flatline) -> Value {
    fl.get("/api/v1/cluster").await
}

fn main() {
    let args = parse_args();
    assert!(
        std::env::var("FLATLINE_BIN").is_ok(),
        "FLATLINE_BIN=/absolute/path/to/a/release/flatline is needed"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut nginx, port) = e2e::nginx::start(dir.path());
    actix_rt::System::new().block_on(async move {
        let name = format!("bench_cluster_{}", now_ms());
        let url = flatline_store::create_postgres_database(&args.database_url, &name)
            .await
            .expect("create database");
        let store = Store::connect(&url).await.expect("database");
        for i in 0..args.monitors {
            let spec = CreateMonitor {
                name: format!("bench-{i}"),
                url: Some(format!("http://127.0.0.1:{port}/m/{i}")),
                interval_seconds: Some(args.interval),
                ..Default::default()
            }
            .into_spec()
            .expect("valid monitor");
            store
                .insert_monitor(&spec, now_ms())
                .await
                .expect("insert monitor");
        }
        store.close().await;
        let db = Database::connect(url.as_str()).await.expect("stats connection");

        let mut nodes: Vec<Flatline> = (0..args.nodes)
            .map(|i| {
                Flatline::start_with(FlatlineOptions {
                    database_url: Some(url.clone()),
                    env: vec![
                        ("FLATLINE_NODE_ID".into(), format!("bench-{i}")),
                        ("FLATLINE_LEASE_SECONDS".into(), args.lease.to_string()),
                    ],
                    ..Default::default()
                })
            })
            .collect();
        let share = 256_u64.div_ceil(args.nodes as u64);
        let t = Instant::now();
        loop {
            let c = cluster(&nodes[0]).await;
            let alive: Vec<&Value> = c["nodes"]
                .as_array()
                .map(|n| n.iter().filter(|n| n["alive"] == true).collect())
                .unwrap_or_default();
            let held: Vec<u64> = alive
                .iter()
                .map(|n| n["shards_owned"].as_u64().unwrap_or(0))
                .collect();
            if alive.len() == args.nodes
                && held.iter().sum::<u64>() == 256
                && held.iter().all(|h| *h <= share)
            {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(120), "no balance: {c}");
            actix_rt::time::sleep(Duration::from_millis(200)).await;
        }
        let balanced = t.elapsed();
        // Warm-up: every monitor has had its first check on its node.
        actix_rt::time::sleep(Duration::from_secs(u64::from(args.interval) + 2)).await;

        let coordination = |db: &DatabaseConnection| {
            let db = db.clone();
            async move {
                writes(&db, "cluster_nodes").await + writes(&db, "cluster_leases").await
            }
        };
        // Each node's counters are read at their own times: a scrape of 10,000 monitors'
        // series takes a while, and each node's rate is taken over its own window.
        let mut before = Vec::new();
        for fl in &nodes {
            before.push((scrape(fl).await, Instant::now()));
        }
        let (coord0, checks0) = (coordination(&db).await, writes(&db, "checks").await);
        let t = Instant::now();
        actix_rt::time::sleep(Duration::from_secs(args.seconds)).await;
        let window = t.elapsed().as_secs_f64();
        let mut after = Vec::new();
        for fl in &nodes {
            after.push((scrape(fl).await, Instant::now()));
        }
        // Let the last second's statistics reach pg_stat.
        actix_rt::time::sleep(Duration::from_millis(1500)).await;
        let (coord1, checks1) = (coordination(&db).await, writes(&db, "checks").await);
        let rate: f64 = after
            .iter()
            .zip(&before)
            .map(|((a, ta), (b, tb))| {
                (summed(a, "flatline_checks_started_total")
                    - summed(b, "flatline_checks_started_total"))
                    / ta.duration_since(*tb).as_secs_f64()
            })
            .sum();
        let mut lag: HashMap<u64, f64> = HashMap::new();
        for ((a, _), (b, _)) in after.iter().zip(&before) {
            let (a, b) = (lag_buckets(a), lag_buckets(b));
            for ((le, ca), (_, cb)) in a.iter().zip(&b) {
                *lag.entry(le.to_bits()).or_default() += ca - cb;
            }
        }
        let mut lag: Vec<(f64, f64)> = lag.into_iter().map(|(k, v)| (f64::from_bits(k), v)).collect();
        lag.sort_by(|a, b| a.0.total_cmp(&b.0));
        let scheduled = args.monitors as f64 / f64::from(args.interval);
        let coord = (coord1 - coord0) as f64 / window;
        let check_rows = (checks1 - checks0) as f64 / window;
        println!(
            "bench-cluster: {} nodes, {} monitors at {} s, lease {} s, {:.0} s measured, one PostgreSQL",
            args.nodes, args.monitors, args.interval, args.lease, window
        );
        println!("  balanced after start          {:>9.1} s", balanced.as_secs_f64());
        println!(
            "  checks/s cluster-wide         {:>9.1} / {:.1} scheduled ({:.1} %)",
            rate,
            scheduled,
            100.0 * rate / scheduled
        );
        println!(
            "  schedule lag p50 / p99 ≤      {:>9.1} / {:.1} ms (histogram bucket bounds)",
            quantile_bound(&lag, 0.5) * 1000.0,
            quantile_bound(&lag, 0.99) * 1000.0
        );
        println!(
            "  coordination row writes/s     {:>9.2} ({:.3} % of {:.0} check rows/s)",
            coord,
            100.0 * coord / check_rows.max(1.0),
            check_rows
        );

        // kill -9 one node: how long until every one of its monitors is checked again.
        let c = cluster(&nodes[0]).await;
        let victim = "bench-1";
        let theirs: Vec<i64> = c["monitors"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter(|m| m["node"] == victim)
                    .filter_map(|m| m["monitor_id"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        nodes[1].kill();
        let killed_ms = now_ms();
        let t = Instant::now();
        let ids = theirs
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        loop {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    format!(
                        "SELECT count(DISTINCT monitor_id) FROM checks \
                         WHERE checked_at > $1 AND monitor_id IN ({ids})"
                    ),
                    vec![killed_ms.into()],
                ))
                .await
                .expect("count");
            let checked: i64 = row.and_then(|r| r.try_get_by_index(0).ok()).unwrap_or(0);
            if checked as usize >= theirs.len() {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(120), "{checked} of {} checked again", theirs.len());
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "  failover after kill -9        {:>9.1} s until all {} of its monitors were checked again (bound: lease {} s + a third + interval {} s)",
            t.elapsed().as_secs_f64(),
            theirs.len(),
            args.lease,
            args.interval
        );
        drop(nodes);
    });
    let _ = nginx.kill();
    let _ = nginx.wait();
}
