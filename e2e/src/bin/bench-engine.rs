//! Engine benchmark: N monitors against a local nginx on loopback, run in-process so the
//! engine's own histograms can be read. Prints checks/s achieved vs scheduled, schedule lag,
//! CPU per 1,000 checks, peak RSS and check-write batch latency.
//!
//! cargo run --release -p e2e --bin bench-engine -- --monitors 10000 --interval 10 --seconds 60
//!
//! `--kind http` (default) checks `GET /m/<i>`; `--kind http-assertions` adds three assertions
//! (status code, a body substring, latency); `--kind tcp` connects to nginx's port.

use std::time::{Duration, Instant};

use e2e::proc::{cpu_seconds, status_kib};
use flatline_actors::{Engine, EngineConfig};
use flatline_store::clock::now_ms;
use flatline_store::Store;
use flatline_types::CreateMonitor;

struct Args {
    monitors: usize,
    interval: u32,
    seconds: u64,
    database_url: Option<String>,
    kind: String,
}

fn parse_args() -> Args {
    let mut args = Args {
        monitors: 1000,
        interval: 10,
        seconds: 60,
        database_url: None,
        kind: "http".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--monitors" => args.monitors = value.parse().expect("--monitors N"),
            "--interval" => args.interval = value.parse().expect("--interval SECONDS"),
            "--seconds" => args.seconds = value.parse().expect("--seconds N"),
            "--database-url" => args.database_url = Some(value),
            "--kind" => args.kind = value,
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut nginx, port) = e2e::nginx::start(dir.path());
    let database_url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite:{}", dir.path().join("bench.db").display()));

    let result = actix_rt::System::new().block_on(async move {
        let store = Store::connect(&database_url).await.expect("database");
        let t = Instant::now();
        for i in 0..args.monitors {
            let mut body = CreateMonitor {
                name: format!("bench-{i}"),
                interval_seconds: Some(args.interval),
                ..Default::default()
            };
            match args.kind.as_str() {
                "http" => body.url = Some(format!("http://127.0.0.1:{port}/m/{i}")),
                "http-assertions" => {
                    body.url = Some(format!("http://127.0.0.1:{port}/m/{i}"));
                    body.assertions = Some(
                        serde_json::from_str(
                            r#"[{"source":"status_code","op":"eq","value":200},
                                {"source":"body","op":"contains","value":"ok"},
                                {"source":"latency_ms","op":"lt","value":5000}]"#,
                        )
                        .expect("assertions"),
                    );
                }
                "tcp" => {
                    body.kind = Some(flatline_types::MonitorKind::Tcp);
                    body.host = Some("127.0.0.1".into());
                    body.port = Some(port);
                }
                other => panic!("unknown --kind {other}: http, http-assertions or tcp"),
            }
            let spec = body.into_spec().expect("valid monitor");
            store
                .insert_monitor(&spec, now_ms())
                .await
                .expect("insert monitor");
        }
        let created = t.elapsed();
        let rss_before = status_kib("self", "VmRSS:");
        let t = Instant::now();
        let engine = Engine::start(store.clone(), EngineConfig::default(), Vec::new())
            .await
            .expect("engine");
        let startup = t.elapsed();
        let stats = engine.metrics.clone();

        // Warm-up: one full interval, so every monitor has had its first (spread) check.
        actix_rt::time::sleep(Duration::from_secs(u64::from(args.interval))).await;
        stats.schedule_lag_us.lock().reset();
        stats.batch_size.lock().reset();
        stats.batch_write_us.lock().reset();
        let me = std::process::id().to_string();
        let nginx_pid = std::fs::read_to_string(dir.path().join("nginx.pid")).unwrap_or_default();
        let nginx_workers: Vec<String> = std::fs::read_to_string(format!(
            "/proc/{}/task/{}/children",
            nginx_pid.trim(),
            nginx_pid.trim()
        ))
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
        let nginx_cpu = || nginx_workers.iter().map(|p| cpu_seconds(p)).sum::<f64>();
        let (cpu0, ncpu0) = (cpu_seconds(&me), nginx_cpu());
        let started0 = stats.checks_started.get();
        let stored0 = stats.checks_stored.get();
        let failed0 = stats.checks_failed.get();
        let t = Instant::now();
        actix_rt::time::sleep(Duration::from_secs(args.seconds)).await;
        let window = t.elapsed().as_secs_f64();
        let started = stats.checks_started.get() - started0;
        let stored_in_window = stats.checks_stored.get() - stored0;
        let failed = stats.checks_failed.get() - failed0;
        let cpu = cpu_seconds(&me) - cpu0;
        let ncpu = nginx_cpu() - ncpu0;
        let lag = stats.schedule_lag_us.lock().clone();
        let batch_size = stats.batch_size.lock().clone();
        let batch_us = stats.batch_write_us.lock().clone();
        engine.shutdown().await;
        let started_total = stats.checks_started.get();
        let stored_total = store.count_all_checks().await.expect("count");
        let peak_rss = status_kib("self", "VmHWM:");
        store.close().await;

        let scheduled = args.monitors as f64 / f64::from(args.interval);
        let achieved = started as f64 / window;
        println!(
            "bench-engine: {} {} monitors, {} s interval, {:.0} s measured, database {}",
            args.monitors,
            args.kind,
            args.interval,
            window,
            if database_url.starts_with("sqlite") {
                "SQLite"
            } else {
                "PostgreSQL"
            }
        );
        println!(
            "  monitors created            {:>10.2} s   engine start-up {:.3} s",
            created.as_secs_f64(),
            startup.as_secs_f64()
        );
        println!(
            "  checks/s achieved/scheduled {:>10.1} / {:.1} ({:.1} %)",
            achieved,
            scheduled,
            100.0 * achieved / scheduled
        );
        println!("  failed checks in window     {:>10}", failed);
        println!(
            "  checks stored in window     {:>10} of {} started",
            stored_in_window, started
        );
        println!(
            "  checks stored overall       {:>10} of {} started (after shutdown flush)",
            stored_total, started_total
        );
        println!(
            "  schedule lag p50 / p99 / max {:>8.2} / {:.2} / {:.2} ms",
            lag.value_at_quantile(0.5) as f64 / 1000.0,
            lag.value_at_quantile(0.99) as f64 / 1000.0,
            lag.max() as f64 / 1000.0
        );
        println!(
            "  CPU per 1,000 checks        {:>10.3} s (flatline engine), {:.3} s (nginx)",
            1000.0 * cpu / started.max(1) as f64,
            1000.0 * ncpu / started.max(1) as f64
        );
        println!(
            "  CPU use                     {:>10.1} % of one core",
            100.0 * cpu / window
        );
        println!(
            "  RSS before engine / peak    {:>10.1} / {:.1} MB",
            rss_before as f64 / 1024.0,
            peak_rss as f64 / 1024.0
        );
        println!(
            "  write batch size p50 / max  {:>10} / {}",
            batch_size.value_at_quantile(0.5),
            batch_size.max()
        );
        println!(
            "  write batch latency p50/p99 {:>10.2} / {:.2} ms",
            batch_us.value_at_quantile(0.5) as f64 / 1000.0,
            batch_us.value_at_quantile(0.99) as f64 / 1000.0
        );
        // What a Prometheus scrape of the engine's metrics costs at this many monitors.
        let t = Instant::now();
        let mut text = Vec::new();
        let _ = prometheus::Encoder::encode(
            &prometheus::TextEncoder::new(),
            &stats.registry.gather(),
            &mut text,
        );
        println!(
            "  metrics gather + encode     {:>10.1} ms, {:.1} MB, {} series",
            t.elapsed().as_secs_f64() * 1000.0,
            text.len() as f64 / 1e6,
            text.split(|b| *b == b'\n')
                .filter(|l| !l.is_empty() && l[0] != b'#')
                .count()
        );
        stored_total >= started_total.saturating_sub(args.monitors as u64)
    });
    let _ = nginx.kill();
    let _ = nginx.wait();
    if !result {
        eprintln!("bench-engine: checks were lost");
        std::process::exit(1);
    }
}
