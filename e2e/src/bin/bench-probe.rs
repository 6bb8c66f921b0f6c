//! Remote-probe benchmark: one real `flatline probe` checking N monitors of its location
//! against a local nginx, sending its results to a real `flatline` server (SQLite). Prints
//! results stored per second against the schedule, the server's CPU per 1,000 remote results
//! (receiving, storing with rollups, judging), the probe's CPU per 1,000 checks and its
//! memory, and the probe's lag and skew as the server measured them.
//!
//! FLATLINE_BIN=$PWD/target/release/flatline cargo run --release -p e2e --bin bench-probe -- \
//!     --monitors 2000 --interval 10 --seconds 60

use std::time::{Duration, Instant};

use e2e::proc::{cpu_seconds, status_kib};
use e2e::scrape::scrape;
use e2e::{Flatline, FlatlineOptions, Probe};
use flatline_store::clock::now_ms;
use flatline_store::Store;
use flatline_types::CreateMonitor;
use serde_json::{json, Value};

struct Args {
    monitors: usize,
    interval: u32,
    seconds: u64,
}

fn parse_args() -> Args {
    let mut args = Args {
        monitors: 2_000,
        interval: 10,
        seconds: 60,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--monitors" => args.monitors = value.parse().expect("--monitors N"),
            "--interval" => args.interval = value.parse().expect("--interval SECONDS"),
            "--seconds" => args.seconds = value.parse().expect("--seconds N"),
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    args
}

/// The sum of `name`'s samples in a scrape (labels ignored).
fn summed(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
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
        let url = format!("sqlite:{}", dir.path().join("bench.db").display());
        let store = Store::connect(&url).await.expect("database");
        for i in 0..args.monitors {
            let spec = CreateMonitor {
                name: format!("bench-{i}"),
                url: Some(format!("http://127.0.0.1:{port}/m/{i}")),
                interval_seconds: Some(args.interval),
                locations: Some(vec!["eu".into()]),
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
        let fl = Flatline::start_with(FlatlineOptions {
            database_url: Some(url),
            ..Default::default()
        });
        let (status, token) = fl
            .post(
                "/api/v1/tokens",
                &json!({"name": "bench", "scope": "probe", "location": "eu"}),
            )
            .await;
        assert_eq!(status, 201, "{token}");
        let token = token["token"].as_str().expect("token").to_owned();
        let probe = Probe::start(&fl.base_url, &token, "eu", "127.0.0.2");
        // Warm-up: every monitor has had its first check and the rate has a minute behind it.
        let t = Instant::now();
        loop {
            let p = fl.get("/api/v1/probes").await;
            let rate = p[0]["checks_per_second"].as_f64().unwrap_or(0.0);
            if rate >= 0.9 * args.monitors as f64 / f64::from(args.interval) {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(180),
                "the probe never reached its rate: {p}\n{}",
                probe.log()
            );
            actix_rt::time::sleep(Duration::from_secs(1)).await;
        }
        let (server_pid, probe_pid) = (fl.pid().to_string(), probe.pid().to_string());
        let stored = |text: &str| summed(text, "flatline_probe_results_total");
        let before = stored(&scrape(&fl).await);
        let (server0, probe0) = (cpu_seconds(&server_pid), cpu_seconds(&probe_pid));
        let t = Instant::now();
        actix_rt::time::sleep(Duration::from_secs(args.seconds)).await;
        let window = t.elapsed().as_secs_f64();
        let (server1, probe1) = (cpu_seconds(&server_pid), cpu_seconds(&probe_pid));
        let after = stored(&scrape(&fl).await);
        let probes: Value = fl.get("/api/v1/probes").await;
        let results = after - before;
        let scheduled = args.monitors as f64 / f64::from(args.interval);
        println!(
            "bench-probe: 1 probe, {} monitors at {} s, {:.0} s measured, server on SQLite",
            args.monitors, args.interval, window
        );
        println!(
            "  results stored/s              {:>9.1} / {:.1} scheduled ({:.1} %)",
            results / window,
            scheduled,
            100.0 * results / window / scheduled
        );
        println!(
            "  server CPU per 1,000 results  {:>9.3} s ({:.1} % of a core)",
            (server1 - server0) / results.max(1.0) * 1000.0,
            100.0 * (server1 - server0) / window
        );
        println!(
            "  probe CPU per 1,000 checks    {:>9.3} s ({:.1} % of a core)",
            (probe1 - probe0) / results.max(1.0) * 1000.0,
            100.0 * (probe1 - probe0) / window
        );
        println!(
            "  probe RSS now / peak          {:>9.1} / {:.1} MB",
            status_kib(&probe_pid, "VmRSS:") as f64 / 1024.0,
            status_kib(&probe_pid, "VmHWM:") as f64 / 1024.0
        );
        println!(
            "  lag (median, last batch)      {:>9} ms; skew {} ms",
            probes[0]["lag_ms"], probes[0]["skew_ms"]
        );
        drop(probe);
        drop(fl);
    });
    let _ = nginx.kill();
    let _ = nginx.wait();
}
