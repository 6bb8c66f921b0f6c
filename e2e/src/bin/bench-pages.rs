//! Status page benchmark: N monitors checked every I seconds against a local target (10,000
//! every 10 s is 1,000 checks/s), a public page of P of them, then `wrk` against the page for
//! S seconds, as browsers ask for it (brotli), with the checks running.
//!
//! cargo build --release -p flatline-server -p e2e --bin bench-pages && \
//! FLATLINE_BIN=target/release/flatline ./target/release/bench-pages \
//!   --monitors 10000 --interval 10 --page-monitors 100 --seconds 30
//!
//! Prints the page's size, wrk's requests/s and latency percentiles, and the checks stored
//! per second meanwhile (from `/metrics`). The per-address limit is off: wrk is one address.

use std::process::Command;
use std::time::{Duration, Instant};

use e2e::{closed_port, eventually, Flatline, FlatlineOptions, Target};
use serde_json::{json, Value};

struct Args {
    monitors: usize,
    interval: u32,
    page_monitors: usize,
    seconds: u64,
    connections: u32,
}

fn parse_args() -> Args {
    let mut args = Args {
        monitors: 10_000,
        interval: 10,
        page_monitors: 100,
        seconds: 30,
        connections: 32,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--monitors" => args.monitors = value.parse().expect("--monitors N"),
            "--interval" => args.interval = value.parse().expect("--interval S"),
            "--page-monitors" => args.page_monitors = value.parse().expect("--page-monitors P"),
            "--seconds" => args.seconds = value.parse().expect("--seconds S"),
            "--connections" => args.connections = value.parse().expect("--connections C"),
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    assert!(args.page_monitors <= args.monitors);
    args
}

/// The value of an unlabelled counter in a Prometheus exposition.
fn counter(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_default()
}

async fn stored(fl: &Flatline) -> f64 {
    let (_, body) = fl.request("GET", "/metrics", None).await;
    counter(
        body.as_str().unwrap_or_default(),
        "flatline_checks_stored_total",
    )
}

#[actix_rt::main]
async fn main() {
    let args = parse_args();
    let target = Target::start();
    let fl = Flatline::start_with(FlatlineOptions {
        address: Some(format!("127.0.0.1:{}", closed_port())),
        env: vec![("FLATLINE_PUBLIC_RATE_LIMIT".into(), "0".into())],
        ..Default::default()
    });
    let started = Instant::now();
    let mut ids = Vec::with_capacity(args.monitors);
    for i in 0..args.monitors {
        let (status, body) = fl
            .post(
                "/api/v1/monitors",
                &json!({
                    "name": format!("service-{i:05}"),
                    "url": target.url(&format!("/svc/{i}")),
                    "interval_seconds": args.interval,
                }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["id"].as_i64().unwrap_or_default());
    }
    println!(
        "created {} monitors in {:.1} s",
        args.monitors,
        started.elapsed().as_secs_f64()
    );
    let sections: Vec<Value> = ids[..args.page_monitors]
        .chunks(25)
        .enumerate()
        .map(|(i, chunk)| {
            json!({
                "name": format!("Region {i}"),
                "monitors": chunk.iter().map(|id| json!({"monitor_id": id, "display_name": format!("Service {id}")})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let (status, page) = fl
        .post(
            "/api/v1/status-pages",
            &json!({"slug": "bench", "title": "Bench status", "sections": sections}),
        )
        .await;
    assert_eq!(status, 201, "{page}");
    eventually(
        "every monitor checked",
        Duration::from_secs(u64::from(args.interval) * 3 + 60),
        || async {
            let list = fl.get("/api/v1/monitors").await;
            let checked = list.as_array().map_or(0, |l| {
                l.iter().filter(|m| !m["last_check"].is_null()).count()
            });
            (checked == args.monitors).then_some(())
        },
    )
    .await;

    let url = fl.url("/status/bench");
    for (encoding, label) in [("identity", "plain"), ("gzip", "gzip"), ("br", "brotli")] {
        let a = fl
            .send(
                "GET",
                "/status/bench",
                &[("Accept-Encoding", encoding)],
                None,
            )
            .await;
        assert_eq!(a.status, 200);
        let length = a.header("content-length").unwrap_or("?").to_owned();
        println!(
            "page of {} monitors, {label}: {length} bytes",
            args.page_monitors
        );
    }

    let before = stored(&fl).await;
    let t0 = Instant::now();
    let out = Command::new(std::env::var("WRK").unwrap_or_else(|_| "wrk".into()))
        .args([
            "-t2",
            &format!("-c{}", args.connections),
            &format!("-d{}s", args.seconds),
            "--latency",
            "-H",
            "Accept-Encoding: br",
            &url,
        ])
        .output()
        .expect("run wrk (Debian package wrk)");
    let checks = (stored(&fl).await - before) / t0.elapsed().as_secs_f64();
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    println!("checks stored meanwhile: {checks:.0}/s");
}
