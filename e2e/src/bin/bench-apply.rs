//! Configuration-as-code benchmark: a document of N monitors (with two channels linked to
//! each, a status page showing 100 of them and a maintenance window over 100) applied to a
//! real `flatline` (SQLite) through `POST /api/v1/config/apply`, as YAML. Prints the time of
//! the first apply (everything created, in one transaction), of applying it again (all
//! unchanged), of a dry run, of an apply that changes a tenth of the monitors, and of an
//! export; and the server's memory after.
//!
//! FLATLINE_BIN=$PWD/target/release/flatline cargo run --release -p e2e --bin bench-apply -- \
//!     --monitors 1000

use std::time::Instant;

use e2e::proc::status_kib;
use e2e::Flatline;
use serde_json::Value;

fn document(monitors: usize, interval: u32) -> String {
    let mut doc = String::from(
        "notification_channels:\n  - key: hook\n    name: Hook\n    config: {type: webhook, url: \"http://127.0.0.1:9/hook\"}\n  - key: chat\n    name: Chat\n    config: {type: slack, url: \"${SLACK_URL}\"}\nvariables:\n  SLACK_URL: https://hooks.slack.com/services/T/B/bench\nmonitors:\n",
    );
    for i in 0..monitors {
        doc.push_str(&format!(
            "  - key: m{i}\n    name: Monitor {i}\n    url: http://127.0.0.1:9/m/{i}\n    interval_seconds: {interval}\n    retries: 1\n    headers: {{Accept: application/json}}\n    assertions:\n      - {{source: status_code, op: eq, value: 200}}\n    notification_channels: [hook, chat]\n"
        ));
    }
    doc.push_str("status_pages:\n  - key: public\n    slug: public\n    title: Bench\n    sections:\n      - name: All\n        monitors:\n");
    for i in 0..monitors.min(100) {
        doc.push_str(&format!("          - {{monitor: m{i}}}\n"));
    }
    doc.push_str("maintenance:\n  - key: weekly\n    title: Weekly\n    rrule: FREQ=WEEKLY;BYDAY=SU;BYHOUR=3\n    duration_minutes: 30\n    monitors: [");
    doc.push_str(
        &(0..monitors.min(100))
            .map(|i| format!("m{i}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    doc.push_str("]\n");
    doc
}

fn main() {
    let mut monitors = 1_000;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--monitors" => {
                monitors = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--monitors N")
            }
            other => panic!("unknown flag {other}; see the file's header"),
        }
    }
    assert!(
        std::env::var("FLATLINE_BIN").is_ok(),
        "FLATLINE_BIN=/absolute/path/to/a/release/flatline is needed"
    );
    actix_rt::System::new().block_on(async move {
        let fl = Flatline::start();
        let token = format!("Bearer {}", fl.token.clone().unwrap_or_default());
        let headers = [
            ("Authorization", token.as_str()),
            ("Content-Type", "application/yaml"),
        ];
        let first = document(monitors, 300);
        let changed = {
            // A tenth of the monitors get another interval.
            let mut d = document(monitors, 300);
            for i in (0..monitors).step_by(10) {
                d = d.replacen(
                    &format!("/m/{i}\n    interval_seconds: 300"),
                    &format!("/m/{i}\n    interval_seconds: 600"),
                    1,
                );
            }
            d
        };
        println!(
            "document: {monitors} monitors, {} KiB of YAML",
            first.len() / 1024
        );
        let timed = |label: &'static str, query: &'static str, body: String| {
            let fl = &fl;
            let headers = &headers;
            async move {
                let started = Instant::now();
                let answer = fl
                    .send(
                        "POST",
                        &format!("/api/v1/config/apply{query}"),
                        headers,
                        Some(&body),
                    )
                    .await;
                let took = started.elapsed();
                assert_eq!(answer.status, 200, "{label}: {}", answer.body);
                let s = &answer.body["summary"];
                println!(
                    "{label:<28} {:>7.0} ms  (create {}, update {}, unchanged {})",
                    took.as_secs_f64() * 1000.0,
                    s["create"],
                    s["update"],
                    s["unchanged"]
                );
                took
            }
        };
        let created = timed("first apply (all created)", "", first.clone()).await;
        timed("same document again", "", first.clone()).await;
        timed("dry run", "?dry_run=true", first.clone()).await;
        timed("a tenth changed", "", changed).await;
        let started = Instant::now();
        let export = fl.get("/api/v1/config/export").await;
        println!(
            "{:<28} {:>7.0} ms  ({} monitors)",
            "export (JSON)",
            started.elapsed().as_secs_f64() * 1000.0,
            export["monitors"].as_array().map_or(0, Vec::len)
        );
        let list: Value = fl.get("/api/v1/monitors").await;
        assert_eq!(list.as_array().map(Vec::len), Some(monitors));
        println!(
            "server RSS after: {:.1} MB",
            status_kib(&fl.pid().to_string(), "VmRSS:") as f64 / 1024.0
        );
        for line in fl
            .log()
            .lines()
            .filter(|l| l.contains("configuration applied"))
        {
            println!(
                "  server: {}",
                line.split("configuration applied")
                    .nth(1)
                    .unwrap_or(line)
                    .trim()
            );
        }
        println!(
            "first apply under 5 s: {}",
            if created.as_secs_f64() < 5.0 {
                "yes"
            } else {
                "NO"
            }
        );
    });
}
