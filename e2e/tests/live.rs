//! The live stream and the headline numbers of `GET /monitors`, against the real binary.

use std::io::Write;
use std::time::{Duration, Instant};

use e2e::live::{many_streams_client, LiveClient};
use e2e::{eventually, Flatline, FlatlineOptions, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn flatline() -> Flatline {
    Flatline::start_with(FlatlineOptions {
        env: vec![("SUMMARY_REFRESH_SECONDS".into(), "1".into())],
        ..Default::default()
    })
}

/// Creates monitor `a`, checked every second; returns its id.
async fn monitor_every_second(fl: &Flatline, target: &Target) -> i64 {
    fl.create_monitor(json!({"name": "a", "url": target.url("/"), "interval_seconds": 1}))
        .await["id"]
        .as_i64()
        .expect("id")
}

fn mentions(e: &e2e::live::LiveEvent, id: i64) -> Option<Value> {
    (e.name == "update")
        .then(|| e.data["monitors"].as_array().cloned())
        .flatten()?
        .into_iter()
        .find(|m| m["id"] == id)
}

#[actix_rt::test]
async fn the_monitor_list_carries_each_monitors_uptime_and_p99() {
    let fl = flatline();
    let target = Target::start();
    let m = fl
        .create_monitor(json!({"name": "a", "url": target.url("/"), "interval_seconds": 1}))
        .await;
    let id = m["id"].as_i64().expect("id");
    assert!(m["stats"].is_null(), "not computed yet: {m}");
    let stats = eventually("stats in the list", WAIT, || async {
        let list = fl.get("/api/v1/monitors").await;
        let stats = list[0]["stats"].clone();
        stats["p99_24h_ms"].is_number().then_some(stats)
    })
    .await;
    for window in ["uptime_24h", "uptime_7d", "uptime_30d", "uptime_90d"] {
        assert_eq!(stats[window].as_f64(), Some(100.0), "{window}: {stats}");
    }
    // The same numbers as the monitor's own stats (the list's are at most a refresh old).
    let own = fl.get(&format!("/api/v1/monitors/{id}/stats")).await;
    let p99 = own["windows"][0]["p99_ms"].as_f64().expect("p99");
    let listed = stats["p99_24h_ms"].as_f64().expect("p99");
    assert!(
        listed > 0.0 && listed <= p99 * 10.0 + 50.0,
        "{listed} vs {p99}"
    );
    // Down time shows in the list's uptime.
    target.set_status(500);
    fl.wait_for_status(id, "down", WAIT).await;
    eventually("uptime below 100 %", WAIT, || async {
        let list = fl.get("/api/v1/monitors").await;
        list[0]["stats"]["uptime_24h"]
            .as_f64()
            .filter(|u| *u < 100.0)
    })
    .await;
}

#[actix_rt::test]
async fn the_stream_sends_a_snapshot_then_coalesced_changes() {
    let fl = flatline();
    let target = Target::start();
    let a = monitor_every_second(&fl, &target).await;
    fl.wait_for_status(a, "up", WAIT).await;
    eventually("a check on the monitor", WAIT, || async {
        let m = fl.get(&format!("/api/v1/monitors/{a}")).await;
        m["last_check"].is_object().then_some(())
    })
    .await;
    let client = many_streams_client();
    let token = fl.token.clone().expect("token");
    let url = fl.url("/api/v1/stats/stream");
    let live = LiveClient::connect(&client, &url, &token).await;
    let snapshot = live
        .wait_for("the snapshot", WAIT, |e| e.name == "snapshot")
        .await;
    assert_eq!(
        live.events()[0].name,
        "snapshot",
        "the snapshot comes first"
    );
    assert_eq!(snapshot.data[0]["id"], a);
    assert_eq!(snapshot.data[0]["status"], "up");
    assert_eq!(snapshot.data[0]["url"], target.url("/"));
    assert!(snapshot.data[0]["last_check"]["latency_ms"].is_number());
    // The latest checks in brief, oldest first, the newest being `last_check`.
    let recent = snapshot.data[0]["recent"]
        .as_array()
        .expect("recent")
        .clone();
    assert!(!recent.is_empty() && recent.len() <= 30);
    let newest = &recent[recent.len() - 1];
    assert_eq!(newest[0], snapshot.data[0]["last_check"]["id"]);
    assert_eq!(newest[2], true);
    assert_eq!(newest[4], 200);
    assert!(newest[1].as_i64().is_some_and(|ms| ms > 1_700_000_000_000));
    assert!(recent
        .windows(2)
        .all(|w| w[0][0].as_i64() < w[1][0].as_i64()));

    // Every check shows up, each monitor at most once a second.
    let first = live
        .wait_for("a check", WAIT, |e| mentions(e, a).is_some())
        .await;
    let check_id = |e: &e2e::live::LiveEvent| mentions(e, a).map(|m| m["last_check"]["id"].clone());
    let before = check_id(&first);
    live.wait_for("a newer check", WAIT, |e| {
        check_id(e).is_some_and(|c| Some(c) != before)
    })
    .await;
    // Twenty changes in a burst: at most a few updates, the last one final.
    let burst = Instant::now();
    for i in 0..20 {
        let (status, _) = fl
            .patch(
                &format!("/api/v1/monitors/{a}"),
                &json!({"name": format!("a{i}")}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let last = live
        .wait_for("the burst's last name", WAIT, |e| {
            mentions(e, a).is_some_and(|m| m["name"] == "a19")
        })
        .await;
    let during: Vec<_> = live
        .events()
        .into_iter()
        .filter(|e| e.at >= burst && e.at <= last.at && mentions(e, a).is_some())
        .collect();
    let span = last.at.duration_since(burst).as_secs_f64();
    assert!(
        (during.len() as f64) <= span.ceil() + 1.0,
        "{} updates of one monitor in {span:.1} s",
        during.len()
    );
    let updates: Vec<Instant> = live
        .events()
        .iter()
        .filter(|e| e.name == "update")
        .map(|e| e.at)
        .collect();
    for pair in updates.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(800),
            "updates {:?} apart",
            pair[1] - pair[0]
        );
    }

    // Status changes and deletions.
    target.set_status(500);
    live.wait_for("down", WAIT, |e| {
        mentions(e, a).is_some_and(|m| m["status"] == "down")
    })
    .await;
    assert_eq!(fl.delete(&format!("/api/v1/monitors/{a}")).await, 204);
    live.wait_for("removed", WAIT, |e| {
        e.name == "update" && e.data["removed"] == json!([a])
    })
    .await;
    assert!(live.comments() >= 1, "keep-alive comments");
}

#[actix_rt::test]
async fn a_hundred_clients_and_a_stuck_one_slow_nothing_down() {
    let mut fl = flatline();
    let target = Target::start();
    let a = monitor_every_second(&fl, &target).await;
    let token = fl.token.clone().expect("token");
    // A client that connects and never reads a byte.
    let addr = fl.base_url.trim_start_matches("http://").to_owned();
    let mut stuck = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        stuck,
        "GET /api/v1/stats/stream HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .expect("request");

    let client = many_streams_client();
    let url = fl.url("/api/v1/stats/stream");
    let mut clients = Vec::new();
    for _ in 0..100 {
        clients.push(LiveClient::connect(&client, &url, &token).await);
    }
    for c in &clients {
        c.wait_for("the snapshot", WAIT, |e| e.name == "snapshot")
            .await;
    }
    let metrics = fl
        .send(
            "GET",
            "/metrics",
            &[("Authorization", &format!("Bearer {token}"))],
            None,
        )
        .await;
    let text = metrics.body.as_str().unwrap_or_default().to_owned();
    assert!(
        text.lines()
            .any(|l| l == "flatline_live_stream_clients 101"),
        "{}",
        text.lines()
            .filter(|l| l.contains("live_stream"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    // One change reaches all hundred within a couple of seconds, and checks go on.
    let checks_before = fl.checks(a).await.len();
    let changed = Instant::now();
    let (status, _) = fl
        .patch(
            &format!("/api/v1/monitors/{a}"),
            &json!({"name": "renamed"}),
        )
        .await;
    assert_eq!(status, 200);
    for c in &clients {
        c.wait_for("the rename", WAIT, |e| {
            mentions(e, a).is_some_and(|m| m["name"] == "renamed")
        })
        .await;
    }
    let took = changed.elapsed();
    assert!(took < Duration::from_secs(3), "fan-out took {took:?}");
    eventually("checks go on", WAIT, || async {
        (fl.checks(a).await.len() >= checks_before + 3).then_some(())
    })
    .await;
    drop(stuck);

    // Open streams do not hold up a graceful stop.
    let stopping = Instant::now();
    assert!(fl.stop().success());
    let took = stopping.elapsed();
    assert!(took < Duration::from_secs(5), "stopping took {took:?}");
}

#[actix_rt::test]
async fn the_latest_checks_survive_a_restart() {
    let mut fl = flatline();
    let target = Target::start();
    let a = monitor_every_second(&fl, &target).await;
    let before: Vec<i64> = eventually("three checks", WAIT, || async {
        let list = fl.get(&format!("/api/v1/monitors/{a}/checks")).await;
        let ids: Vec<i64> = list
            .as_array()?
            .iter()
            .filter_map(|c| c["id"].as_i64())
            .collect();
        (ids.len() >= 3).then_some(ids)
    })
    .await;
    assert!(fl.stop().success());
    fl.restart();
    let client = many_streams_client();
    let token = fl.token.clone().expect("token");
    let live = LiveClient::connect(&client, &fl.url("/api/v1/stats/stream"), &token).await;
    let snapshot = live
        .wait_for("the snapshot", WAIT, |e| e.name == "snapshot")
        .await;
    let recent: Vec<i64> = snapshot.data[0]["recent"]
        .as_array()
        .expect("recent")
        .iter()
        .filter_map(|c| c[0].as_i64())
        .collect();
    for id in &before[..3] {
        assert!(
            recent.contains(id),
            "check {id} from before the restart in {recent:?}"
        );
    }
}
