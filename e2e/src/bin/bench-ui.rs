//! Dashboard benchmark in Debian's headless Chromium: N monitors checked every I seconds
//! against a local target, the dashboard loaded several times (first render after load), then
//! watched while the live stream delivers N/I check results per second.
//!
//! cargo build --release -p flatline-server && \
//! FLATLINE_BIN=target/release/flatline \
//!   cargo run --release -p e2e --bin bench-ui -- --monitors 1000 --interval 10 --seconds 60
//!
//! `--warm S` waits S more seconds before loading, so each monitor's bar of latest checks (up
//! to 30, all in the snapshot) is full, as on a long-running install.
//!
//! Prints the size of what the browser downloads (raw, gzip, brotli), first render times
//! (navigation start to the `flatline:dashboard-rendered` mark, set two frames after the
//! first snapshot is applied), then for the watching period: events and monitor updates per
//! second, time to apply an event, how old the newest check of each update was once the page
//! had applied it, long tasks (> 50 ms) and frames per second.

use std::time::{Duration, Instant};

use e2e::browser::Browser;
use e2e::{closed_port, eventually, Flatline, FlatlineOptions, Target};
use serde_json::{json, Value};

struct Args {
    monitors: usize,
    interval: u32,
    seconds: u64,
    loads: usize,
    /// Seconds to wait after every monitor's first check, so the latest-checks rings fill.
    warm: u64,
}

fn parse_args() -> Args {
    let mut args = Args {
        monitors: 1000,
        interval: 10,
        seconds: 60,
        loads: 7,
        warm: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--monitors" => args.monitors = value.parse().expect("--monitors N"),
            "--interval" => args.interval = value.parse().expect("--interval S"),
            "--seconds" => args.seconds = value.parse().expect("--seconds S"),
            "--loads" => args.loads = value.parse().expect("--loads N"),
            "--warm" => args.warm = value.parse().expect("--warm S"),
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    args
}

const PASSWORD: &str = "bench password";

async fn asset_sizes(fl: &Flatline) {
    let (_, index) = fl.request("GET", "/", None).await;
    let html = index.as_str().unwrap_or_default().to_owned();
    let mut assets: Vec<String> = html
        .split('"')
        .filter(|s| {
            s.starts_with('/')
                && (s.ends_with(".js") || s.ends_with(".wasm") || s.ends_with(".css"))
        })
        .map(str::to_owned)
        .collect();
    assets.sort();
    assets.dedup();
    let client = awc::Client::default();
    let mut totals = [0usize; 3];
    println!("assets (bytes on the wire): raw / gzip / br");
    for a in &assets {
        let mut sizes = [0usize; 3];
        for (i, enc) in ["identity", "gzip", "br"].iter().enumerate() {
            let mut res = client
                .get(fl.url(a))
                .insert_header(("Accept-Encoding", *enc))
                .no_decompress()
                .send()
                .await
                .expect("asset");
            let body = res.body().limit(64 << 20).await.expect("body");
            sizes[i] = body.len();
            totals[i] += body.len();
        }
        println!("  {a}: {} / {} / {}", sizes[0], sizes[1], sizes[2]);
    }
    println!(
        "  total: {:.1} KB / {:.1} KB / {:.1} KB",
        totals[0] as f64 / 1024.0,
        totals[1] as f64 / 1024.0,
        totals[2] as f64 / 1024.0
    );
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_default()
}

#[actix_rt::main]
async fn main() {
    let args = parse_args();
    let target = Target::start();
    let fl = Flatline::start_with(FlatlineOptions {
        address: Some(format!("127.0.0.1:{}", closed_port())),
        env: vec![("FLATLINE_ADMIN_PASSWORD".into(), PASSWORD.into())],
        ..Default::default()
    });
    asset_sizes(&fl).await;

    let started = Instant::now();
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
    }
    println!(
        "created {} monitors in {:.1} s",
        args.monitors,
        started.elapsed().as_secs_f64()
    );
    eventually(
        "every monitor checked",
        Duration::from_secs(u64::from(args.interval) * 3 + 30),
        || async {
            let list = fl.get("/api/v1/monitors").await;
            let checked = list.as_array().map_or(0, |l| {
                l.iter().filter(|m| !m["last_check"].is_null()).count()
            });
            (checked == args.monitors).then_some(())
        },
    )
    .await;

    if args.warm > 0 {
        println!("letting the latest-checks rings fill for {} s", args.warm);
        actix_rt::time::sleep(Duration::from_secs(args.warm)).await;
    }

    let b = Browser::start(1440, 900).await;
    b.goto(&fl.url("/login")).await;
    b.fill("#password", PASSWORD).await;
    b.click("button[type=submit]").await;
    b.find("#account-button").await;

    // First render after a full load, several times (the first load fills the cache).
    let mut renders = Vec::new();
    for i in 0..args.loads {
        b.goto(&fl.url("/")).await;
        let t = b
            .until_within(
                "the dashboard rendered",
                "const m = performance.getEntriesByName('flatline:dashboard-rendered')[0]; return m ? m.startTime : 0;",
                Duration::from_secs(30),
            )
            .await
            .as_f64()
            .unwrap_or_default();
        let rows = b
            .js("return document.querySelectorAll('#monitor-rows .row').length;")
            .await;
        let nav = b.js("const n = performance.getEntriesByType('navigation')[0]; return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd};").await;
        println!(
            "load {i}: first render {t:.0} ms after navigation start (DOMContentLoaded {:.0} ms), {rows} rows in the DOM",
            num(&nav, "dcl")
        );
        if i > 0 {
            renders.push(t);
        }
    }
    renders.sort_by(f64::total_cmp);
    if !renders.is_empty() {
        println!(
            "first render, warm cache ({} loads): p50 {:.0} ms, max {:.0} ms",
            renders.len(),
            pct(&renders, 0.5),
            renders[renders.len() - 1]
        );
    }

    // Watch the stream.
    b.js("window.__long = []; new PerformanceObserver(l => l.getEntries().forEach(e => window.__long.push(e.duration))).observe({type: 'longtask', buffered: false}); window.__frames = 0; const tick = () => { window.__frames++; requestAnimationFrame(tick); }; requestAnimationFrame(tick); return true;").await;
    let before = b.js("return Object.assign({}, window.__flatline);").await;
    let t0 = Instant::now();
    // Scroll through the list meanwhile, as a person would.
    let mut y = 0;
    while t0.elapsed() < Duration::from_secs(args.seconds) {
        y = (y + 600) % (args.monitors as i64 * 60);
        b.js(&format!("window.scrollTo(0, {y}); return true;"))
            .await;
        actix_rt::time::sleep(Duration::from_millis(500)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    let after = b.js("return Object.assign({}, window.__flatline);").await;
    let long = b.js("return window.__long;").await;
    let frames = b
        .js("return window.__frames;")
        .await
        .as_f64()
        .unwrap_or_default();
    let events = num(&after, "events") - num(&before, "events");
    let monitors = num(&after, "monitors") - num(&before, "monitors");
    let apply = num(&after, "apply_ms_total") - num(&before, "apply_ms_total");
    let lag_n = num(&after, "lag_samples") - num(&before, "lag_samples");
    let lag = num(&after, "lag_ms_total") - num(&before, "lag_ms_total");
    let long: Vec<f64> = long
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    println!(
        "live for {secs:.0} s: {:.2} events/s carrying {:.0} monitor updates/s ({} monitors every {} s)",
        events / secs,
        monitors / secs,
        args.monitors,
        args.interval
    );
    println!(
        "apply an event: mean {:.2} ms, max {:.2} ms (over the whole session)",
        if events > 0.0 { apply / events } else { 0.0 },
        num(&after, "apply_ms_max")
    );
    println!(
        "newest check's age once applied: mean {:.0} ms, max {:.0} ms (session)",
        if lag_n > 0.0 { lag / lag_n } else { 0.0 },
        num(&after, "lag_ms_max")
    );
    println!(
        "long tasks (> 50 ms): {} (longest {:.0} ms); frames: {:.0}/s",
        long.len(),
        long.iter().copied().fold(0.0, f64::max),
        frames / secs
    );
    b.screenshot("bench-dashboard").await;
    b.close().await;
}
