//! Push benchmark: N push monitors on the real binary, pinged over HTTP at R pings/s (each
//! monitor in turn) for S seconds. Prints pings answered per second vs sent, their answers
//! (200 / 429 / other), request latency, Flatline's CPU per 1,000 pings and its peak RSS,
//! and whether the pings reached the checks.
//!
//! cargo build --release -p flatline-server && \
//! FLATLINE_BIN=$PWD/target/release/flatline \
//!   cargo run --release -p e2e --bin bench-push -- --monitors 10000 --rate 1000 --seconds 60

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use e2e::proc::{cpu_seconds, status_kib};
use e2e::Flatline;
use futures_util::StreamExt;
use serde_json::json;

struct Args {
    monitors: usize,
    rate: usize,
    seconds: u64,
}

fn parse_args() -> Args {
    let mut args = Args {
        monitors: 1000,
        rate: 1000,
        seconds: 30,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--monitors" => args.monitors = value.parse().expect("--monitors N"),
            "--rate" => args.rate = value.parse().expect("--rate PINGS_PER_SECOND"),
            "--seconds" => args.seconds = value.parse().expect("--seconds N"),
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    args
}

#[derive(Default)]
struct Tally {
    ok: u64,
    limited: u64,
    other: u64,
    latency: Vec<Duration>,
}

#[actix_rt::main]
async fn main() {
    let args = parse_args();
    let fl = Flatline::start();
    let pid = fl.pid().to_string();

    let t = Instant::now();
    let urls: Vec<String> = futures_util::stream::iter(0..args.monitors)
        .map(|i| {
            let fl = &fl;
            async move {
                let (status, m) = fl
                    .post(
                        "/api/v1/monitors",
                        &json!({"name": format!("job-{i}"), "kind": "push", "interval_seconds": 600, "grace_seconds": 600}),
                    )
                    .await;
                assert_eq!(status, 201, "{m}");
                m["push_url"].as_str().expect("push url").to_owned()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    println!(
        "bench-push: {} push monitors created in {:.1} s",
        urls.len(),
        t.elapsed().as_secs_f64()
    );

    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let tally = Rc::new(RefCell::new(Tally::default()));
    let cpu0 = cpu_seconds(&pid);
    let start = Instant::now();
    let tick = Duration::from_millis(10);
    let per_tick = (args.rate / 100).max(1);
    let mut sent = 0usize;
    let mut next = start;
    while start.elapsed() < Duration::from_secs(args.seconds) {
        for _ in 0..per_tick {
            let url = fl.url(&urls[sent % urls.len()]);
            sent += 1;
            let client = client.clone();
            let tally = tally.clone();
            actix_rt::spawn(async move {
                let t = Instant::now();
                let status = client.get(url).send().await.map(|r| r.status().as_u16());
                let mut tally = tally.borrow_mut();
                tally.latency.push(t.elapsed());
                match status {
                    Ok(200) => tally.ok += 1,
                    Ok(429) => tally.limited += 1,
                    _ => tally.other += 1,
                }
            });
        }
        next += tick;
        actix_rt::time::sleep(next.saturating_duration_since(Instant::now())).await;
    }
    let window = start.elapsed().as_secs_f64();
    // Let the last requests finish.
    let deadline = Instant::now() + Duration::from_secs(10);
    while tally.borrow().latency.len() < sent && Instant::now() < deadline {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    let cpu = cpu_seconds(&pid) - cpu0;
    let peak_rss = status_kib(&pid, "VmHWM:");
    let mut tally = std::mem::take(&mut *tally.borrow_mut());
    tally.latency.sort_unstable();
    let q = |p: f64| {
        let n = tally.latency.len().max(1);
        tally.latency[((p * n as f64).ceil() as usize).clamp(1, n) - 1].as_secs_f64() * 1e3
    };
    println!(
        "  pings sent / answered 200     {:>8} / {} ({:.1}/s sent, {:.1}/s answered)",
        sent,
        tally.ok,
        sent as f64 / window,
        tally.ok as f64 / window
    );
    println!(
        "  answered 429 / other          {:>8} / {}",
        tally.limited, tally.other
    );
    println!(
        "  ping latency p50 / p99 / max  {:>8.2} / {:.2} / {:.2} ms",
        q(0.5),
        q(0.99),
        tally.latency.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    println!(
        "  flatline CPU per 1,000 pings  {:>8.3} s ({:.1} % of one core)",
        1000.0 * cpu / tally.ok.max(1) as f64,
        100.0 * cpu / window
    );
    println!(
        "  flatline peak RSS             {:>8.1} MB",
        peak_rss as f64 / 1024.0
    );
    let id = fl.get("/api/v1/monitors").await[0]["id"]
        .as_i64()
        .expect("id");
    let checks = fl.checks(id).await.len();
    println!("  checks stored for the first monitor: {checks} (its pings)");
}
