//! Stats from rollups, through the real binary: counts match the stored checks, downtime
//! matches the incident, paused time is not monitored time, and all of it survives a restart.

use std::time::Duration;

use e2e::{eventually, Flatline, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn window<'a>(stats: &'a Value, name: &str) -> &'a Value {
    stats["windows"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["window"] == name))
        .unwrap_or_else(|| panic!("no {name} window in {stats}"))
}

fn ms(rfc3339: &Value) -> i64 {
    let t = time::OffsetDateTime::parse(
        rfc3339.as_str().expect("time"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339");
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Stats and the stored checks at one moment: stats, checks, stats again, until both stats
/// agree (checks and their rollups are stored in one transaction).
async fn snapshot(fl: &Flatline, id: i64) -> (Value, Vec<Value>) {
    let path = format!("/api/v1/monitors/{id}/stats");
    eventually("a consistent snapshot", WAIT, || async {
        let first = fl.get(&path).await;
        let checks = fl.checks(id).await;
        let second = fl.get(&path).await;
        let n = window(&first, "7d")["checks"].clone();
        (n == window(&second, "7d")["checks"] && n == checks.len()).then_some((second, checks))
    })
    .await
}

/// Asserts every window agrees with `checks` and the one incident.
async fn assert_consistent(fl: &Flatline, id: i64, stats: &Value, checks: &[Value]) {
    let failed = checks.iter().filter(|c| c["up"] == false).count();
    assert!(failed >= 1);
    let incident = fl.incidents(id).await.into_iter().next().expect("incident");
    let incident_ms = ms(&incident["resolved_at"]) - ms(&incident["started_at"]);
    for name in ["24h", "7d", "30d", "90d"] {
        let w = window(stats, name);
        assert_eq!(w["checks"], checks.len(), "{name}");
        assert_eq!(w["failed_checks"], failed, "{name}");
        assert_eq!(w["incidents"], 1, "{name}");
        let down = w["downtime_seconds"].as_f64().expect("downtime");
        assert!(
            (down - incident_ms as f64 / 1000.0).abs() < 0.002,
            "{name}: {down}"
        );
        let monitored = w["monitored_seconds"].as_f64().expect("monitored");
        let uptime = w["uptime_pct"].as_f64().expect("uptime");
        assert!((uptime - 100.0 * (monitored - down) / monitored).abs() < 1e-6);
        assert!(uptime < 100.0 && uptime > 0.0, "{name}: {uptime}");
        let (p50, p99) = (w["p50_ms"].as_f64(), w["p99_ms"].as_f64());
        assert!(p50.is_some() && p99 >= p50, "{name}: {w}");
    }
}

#[actix_rt::test]
async fn stats_match_the_checks_and_the_incident_and_survive_a_restart() {
    let target = Target::start();
    let mut fl = Flatline::start();
    let m = fl
        .create_monitor(json!({"name": "s", "url": target.url("/s"), "interval_seconds": 1}))
        .await;
    let id = m["id"].as_i64().expect("id");
    let path = format!("/api/v1/monitors/{id}/stats");
    fl.wait_for_status(id, "up", WAIT).await;
    target.set_status(500);
    fl.wait_for_status(id, "down", WAIT).await;
    target.set_status(200);
    fl.wait_for_status(id, "up", WAIT).await;
    // Pause, so the numbers stop moving, and let the last checks reach the database.
    let (status, _) = fl
        .patch(
            &format!("/api/v1/monitors/{id}"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, 200);
    eventually("the recovery stored", WAIT, || async {
        let c = fl.checks(id).await;
        (c.first()?["up"] == true && c.iter().any(|c| c["up"] == false)).then_some(())
    })
    .await;
    let (stats, checks) = snapshot(&fl, id).await;
    let names: Vec<&str> = stats["windows"]
        .as_array()
        .expect("windows")
        .iter()
        .filter_map(|w| w["window"].as_str())
        .collect();
    assert_eq!(names, ["24h", "7d", "30d", "90d"]);
    assert!(checks.len() >= 3, "up, down, up");
    assert_consistent(&fl, id, &stats, &checks).await;

    // Chart data agrees with the same checks.
    let series = fl
        .get(&format!("/api/v1/monitors/{id}/latency?window=1h"))
        .await;
    assert_eq!(series["step_seconds"], 60);
    let points = series["points"].as_array().expect("points");
    let total: u64 = points.iter().filter_map(|p| p["checks"].as_u64()).sum();
    assert_eq!(total, checks.len() as u64);
    assert!(points
        .iter()
        .all(|p| p["p99_ms"].is_null() || p["p99_ms"].as_f64() >= p["min_ms"].as_f64()));
    let bars = fl
        .get(&format!("/api/v1/monitors/{id}/uptime-bars?days=7"))
        .await;
    let days = bars["days"].as_array().expect("days");
    assert_eq!(days.len(), 7);
    let today = days.last().expect("today");
    assert_eq!(today["checks"], checks.len());
    assert!(today["uptime_pct"].as_f64() < Some(100.0));
    assert!(
        days[0]["uptime_pct"].is_null(),
        "the monitor did not exist a week ago"
    );
    for bad in [
        "latency?window=2h",
        "uptime-bars?days=0",
        "uptime-bars?days=366",
    ] {
        let (status, err) = fl
            .request("GET", &format!("/api/v1/monitors/{id}/{bad}"), None)
            .await;
        assert_eq!(status, 422, "{bad}: {err}");
    }
    // Paused time is not monitored time: 1.5 s later (by the server's clock) it has not grown.
    let w24 = window(&stats, "24h");
    let (before, then) = (w24["monitored_seconds"].as_f64(), ms(&w24["to"]));
    let later = eventually("1.5 s pass while paused", WAIT, || async {
        let s = fl.get(&path).await;
        let w = window(&s, "24h").clone();
        (ms(&w["to"]) >= then + 1_500).then_some(w)
    })
    .await;
    assert_eq!(later["monitored_seconds"].as_f64(), before);

    // Rollups are stored with the checks: a restart changes nothing.
    assert!(fl.stop().success());
    fl.restart();
    let (again, after) = snapshot(&fl, id).await;
    assert!(after.len() >= checks.len());
    assert_consistent(&fl, id, &again, &after).await;
    assert_eq!(
        fl.request("GET", "/api/v1/monitors/999/stats", None)
            .await
            .0,
        404
    );
}
