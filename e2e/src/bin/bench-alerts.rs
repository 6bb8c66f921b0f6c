//! Alert-storm benchmark: N HTTP monitors on one target, every one linked to a webhook
//! channel (and, with `--policy`, following an escalation policy of [0 s → A, 1 h → B]); the
//! target fails at once, so N incidents open together. Prints how long their downs took to
//! reach the receiver (from each incident's start, P50/P95/max, and until the last), how
//! long acknowledging each took (`--policy`: the later step is cancelled), how long the ups
//! took, and Flatline's CPU and peak RSS.
//!
//! cargo build --release -p flatline-server --bin flatline -p e2e --bin bench-alerts && \
//! FLATLINE_BIN=$PWD/target/release/flatline ./target/release/bench-alerts --monitors 2000 [--policy]

use std::time::{Duration, Instant, SystemTime};

use e2e::proc::{cpu_seconds, status_kib};
use e2e::receiver::Received;
use e2e::{Flatline, FlatlineOptions, Receiver, Target};
use futures_util::StreamExt;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

struct Args {
    monitors: usize,
    policy: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        monitors: 2000,
        policy: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--monitors" => {
                args.monitors = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--monitors N")
            }
            "--policy" => args.policy = true,
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    args
}

/// Milliseconds since the epoch of an RFC 3339 time.
fn epoch_ms(s: &str) -> i64 {
    let t = time::OffsetDateTime::parse(s, &Rfc3339).expect("an RFC 3339 time");
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).expect("ms")
}

/// Wall-clock milliseconds of a receipt, through one (Instant, SystemTime) pair.
struct Clock(Instant, i64);

impl Clock {
    fn now() -> Self {
        let wall = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis();
        Self(Instant::now(), i64::try_from(wall).expect("ms"))
    }

    fn wall_ms(&self, at: Instant) -> i64 {
        let since = at.saturating_duration_since(self.0).as_millis();
        self.1 + i64::try_from(since).expect("ms")
    }
}

fn percentiles(mut lags: Vec<i64>) -> String {
    lags.sort_unstable();
    let at = |p: f64| lags[((lags.len() as f64 - 1.0) * p).round() as usize];
    format!(
        "P50 {} ms, P95 {} ms, max {} ms",
        at(0.5),
        at(0.95),
        lags.last().copied().unwrap_or(0)
    )
}

/// Waits until `rx` accepted `n` messages with `event` at `path`; returns them.
async fn wait_for(rx: &Receiver, path: &str, event: &str, n: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let got: Vec<Received> = rx
            .accepted(path)
            .into_iter()
            .filter(|r| r.body["event"] == event)
            .collect();
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} {event}s arrived",
            got.len()
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::main]
async fn main() {
    let args = parse_args();
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![("FLATLINE_PUBLIC_URL".into(), "http://127.0.0.1:1".into())],
        ..Default::default()
    });
    let pid = fl.pid().to_string();
    let rx = Receiver::start();
    let target = Target::start();
    let channel = |name: &str, path: &str| json!({"name": name, "config": {"type": "webhook", "url": rx.url(path)}});
    let (_, a) = fl
        .post("/api/v1/notification-channels", &channel("A", "/a"))
        .await;
    let (_, b) = fl
        .post("/api/v1/notification-channels", &channel("B", "/b"))
        .await;
    let (a, b) = (a["id"].as_i64().expect("a"), b["id"].as_i64().expect("b"));
    let policy = if args.policy {
        let (status, p) = fl
            .post(
                "/api/v1/escalation-policies",
                &json!({"name": "storm", "steps": [{"after_seconds": 0, "channels": [a]}, {"after_seconds": 3600, "channels": [b]}]}),
            )
            .await;
        assert_eq!(status, 201, "{p}");
        Some(p["id"].as_i64().expect("policy"))
    } else {
        None
    };
    let ids: Vec<i64> = futures_util::stream::iter(0..args.monitors)
        .map(|i| {
            let (fl, target) = (&fl, &target);
            async move {
                let mut body = json!({"name": format!("storm-{i}"), "url": target.url(&format!("/{i}")), "interval_seconds": 2});
                if let Some(p) = policy {
                    body["escalation_policy_id"] = json!(p);
                }
                let (status, m) = fl.post("/api/v1/monitors", &body).await;
                assert_eq!(status, 201, "{m}");
                m["id"].as_i64().expect("id")
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    if policy.is_none() {
        // Without a policy, the channel is linked to every monitor.
        for chunk in ids.chunks(64) {
            futures_util::future::join_all(chunk.iter().map(|m| fl.link_channel(*m, a))).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let all = fl.get("/api/v1/monitors").await;
        let up = all
            .as_array()
            .expect("list")
            .iter()
            .filter(|m| m["status"] == "up")
            .count();
        if up == ids.len() {
            break;
        }
        assert!(Instant::now() < deadline, "{up} of {} up", ids.len());
        actix_rt::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "bench-alerts: {} monitors up{}",
        ids.len(),
        if args.policy {
            ", each with an escalation policy [0 s → A, 1 h → B]"
        } else {
            ", each linked to channel A"
        }
    );

    let cpu0 = cpu_seconds(&pid);
    let clock = Clock::now();
    let failed = Instant::now();
    target.set_status(500);
    let downs = wait_for(&rx, "/a", "down", ids.len()).await;
    let last = downs.iter().map(|r| r.at).max().expect("downs");
    let lags: Vec<i64> = downs
        .iter()
        .map(|r| {
            clock.wall_ms(r.at)
                - epoch_ms(r.body["incident"]["started_at"].as_str().expect("started"))
        })
        .collect();
    println!(
        "downs: {} delivered to A, the last {:.1} s after the target failed; from each incident's start: {}",
        downs.len(),
        (last - failed).as_secs_f64(),
        percentiles(lags)
    );

    if args.policy {
        let started = Instant::now();
        let incidents = fl
            .get(&format!("/api/v1/incidents?limit={}", ids.len().min(1000)))
            .await;
        let open: Vec<Value> = incidents.as_array().expect("list").clone();
        let mut took = Vec::new();
        for i in &open {
            let t = Instant::now();
            let (status, _) = fl
                .post(&format!("/api/v1/incidents/{}/ack", i["id"]), &json!({}))
                .await;
            assert_eq!(status, 200);
            took.push(i64::try_from(t.elapsed().as_millis()).expect("ms"));
        }
        println!(
            "acknowledged {} incidents one by one in {:.1} s: {}",
            open.len(),
            started.elapsed().as_secs_f64(),
            percentiles(took)
        );
    }

    let clock = Clock::now();
    let recovered = Instant::now();
    target.set_status(200);
    let ups = wait_for(&rx, "/a", "up", ids.len()).await;
    let last = ups.iter().map(|r| r.at).max().expect("ups");
    let lags: Vec<i64> = ups
        .iter()
        .map(|r| {
            clock.wall_ms(r.at)
                - epoch_ms(
                    r.body["incident"]["resolved_at"]
                        .as_str()
                        .expect("resolved"),
                )
        })
        .collect();
    println!(
        "ups: {} delivered, the last {:.1} s after the target recovered; from each recovery: {}",
        ups.len(),
        (last - recovered).as_secs_f64(),
        percentiles(lags)
    );
    assert!(
        rx.accepted("/b").is_empty(),
        "B heard nothing: its step was an hour away"
    );
    println!(
        "flatline: {:.1} CPU-seconds from the failure to the last up; peak RSS {} MB",
        cpu_seconds(&pid) - cpu0,
        status_kib(&pid, "VmHWM") / 1024
    );
}
