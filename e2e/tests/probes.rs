//! Remote probes: real `flatline probe` processes, each checking from its own loopback
//! address (127.0.0.2, .3, .4) against a target that fails by peer address. A monitor is
//! down only when `confirm_locations` of them see it down; a killed probe's location is
//! unknown, never down; results buffered while the server was away are all stored, once;
//! a probe token opens nothing but its location's two routes.

use std::time::{Duration, Instant};

use e2e::browser::Browser;
use e2e::live::LiveClient;
use e2e::{eventually, Flatline, FlatlineOptions, Probe, Receiver, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);
const PASSWORD: &str = "correct horse battery";
/// A probe unheard of for 30 s is offline.
const OFFLINE_WAIT: Duration = Duration::from_secs(75);

async fn probe_token(fl: &Flatline, location: &str) -> String {
    let (status, body) = fl
        .post(
            "/api/v1/tokens",
            &json!({"name": format!("probe {location}"), "scope": "probe", "location": location}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["scope"], "probe");
    assert_eq!(body["location"], location);
    body["token"].as_str().expect("token").to_owned()
}

async fn locations(fl: &Flatline, id: i64) -> Value {
    fl.get(&format!("/api/v1/monitors/{id}/locations")).await
}

/// Waits until location `location` of monitor `id` reads `status`.
async fn location_reads(fl: &Flatline, id: i64, location: &str, status: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let all = locations(fl, id).await;
        let ok = all.as_array().is_some_and(|a| {
            a.iter()
                .any(|l| l["location"] == location && l["status"] == status)
        });
        if ok {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{location} never read {status} within {timeout:?}; last: {all}"
        );
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Checks stored from `location` for monitor `id`.
async fn checks_from(fl: &Flatline, id: i64, location: &str) -> Vec<Value> {
    fl.get(&format!(
        "/api/v1/monitors/{id}/checks?location={location}&limit=1000"
    ))
    .await
    .as_array()
    .cloned()
    .unwrap_or_default()
}

fn webhooks(receiver: &Receiver, event: &str) -> usize {
    receiver
        .received("/hook")
        .iter()
        .filter(|r| r.body["event"] == event)
        .count()
}

#[actix_rt::test]
async fn an_outage_seen_from_one_location_alerts_no_one_and_from_two_alerts_once() {
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![("FLATLINE_ADMIN_PASSWORD".into(), PASSWORD.into())],
        ..Default::default()
    });
    let target = Target::start();
    let receiver = Receiver::start();
    let mut probes = Vec::new();
    for (location, source) in [
        ("eu", "127.0.0.2"),
        ("us", "127.0.0.3"),
        ("ap", "127.0.0.4"),
    ] {
        let token = probe_token(&fl, location).await;
        probes.push(Probe::start(&fl.base_url, &token, location, source));
    }
    let m = fl
        .create_monitor(json!({
            "name": "three places",
            "url": target.url("/app"),
            "interval_seconds": 1,
            "locations": ["eu", "us", "ap"],
            "confirm_locations": 2,
        }))
        .await;
    assert_eq!(m["locations"], json!(["eu", "us", "ap"]));
    assert_eq!(m["confirm_locations"], 2);
    let id = m["id"].as_i64().expect("id");
    fl.webhook_to(id, &receiver.url("/hook")).await;
    for location in ["eu", "us", "ap"] {
        location_reads(&fl, id, location, "up", WAIT).await;
    }
    fl.wait_for_status(id, "up", WAIT).await;
    // Each probe's checks leave from its own address; the server checks nothing itself.
    for source in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] {
        assert!(target.hits_from(source) > 0, "no check from {source}");
    }
    assert_eq!(
        target.hits_from("127.0.0.1"),
        0,
        "the server checked it itself"
    );

    // One location sees it fail: that location is down, the monitor is not.
    target.fail_for(&["127.0.0.2"]);
    location_reads(&fl, id, "eu", "down", WAIT).await;
    let us_before = checks_from(&fl, id, "us").await.len();
    eventually("three more checks from us", WAIT, || async {
        (checks_from(&fl, id, "us").await.len() >= us_before + 3).then_some(())
    })
    .await;
    assert_eq!(fl.status(id).await, "up");
    assert!(
        fl.incidents(id).await.is_empty(),
        "an incident opened on one location"
    );
    assert_eq!(
        receiver.received("/hook").len(),
        0,
        "alerted on one location"
    );

    // Two of three: down, once, naming both.
    target.fail_for(&["127.0.0.2", "127.0.0.3"]);
    fl.wait_for_status(id, "down", WAIT).await;
    let incidents = eventually("the incident", WAIT, || async {
        let i = fl.incidents(id).await;
        (!i.is_empty()).then_some(i)
    })
    .await;
    assert_eq!(incidents.len(), 1);
    let cause = incidents[0]["cause"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        cause.starts_with("down from eu, us: unexpected status 503") && cause.contains("ap: up"),
        "{cause}"
    );
    eventually("the down alert", WAIT, || async {
        (webhooks(&receiver, "down") == 1).then_some(())
    })
    .await;
    let down = receiver.received("/hook");
    assert!(
        down[0].body.to_string().contains("down from eu, us"),
        "the alert names the locations: {}",
        down[0].body
    );

    // Recovery everywhere: up, once.
    target.fail_for(&[]);
    fl.wait_for_status(id, "up", WAIT).await;
    eventually("the up alert", WAIT, || async {
        (webhooks(&receiver, "up") == 1).then_some(())
    })
    .await;
    let ap_before = checks_from(&fl, id, "ap").await.len();
    eventually("three more checks from ap", WAIT, || async {
        (checks_from(&fl, id, "ap").await.len() >= ap_before + 3).then_some(())
    })
    .await;
    assert_eq!(webhooks(&receiver, "down"), 1, "one down alert");
    assert_eq!(webhooks(&receiver, "up"), 1, "one up alert");
    assert_eq!(fl.incidents(id).await.len(), 1, "one incident");

    // Checks carry their location; stats per location.
    let all = fl
        .get(&format!("/api/v1/monitors/{id}/checks?limit=50"))
        .await;
    let places: std::collections::BTreeSet<String> = all
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["location"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(places, ["ap", "eu", "us"].map(String::from).into());
    let states = locations(&fl, id).await;
    for state in states.as_array().expect("locations") {
        assert_eq!(state["online"], true, "{state}");
        assert!(state["checks_24h"].as_u64() >= Some(3), "{state}");
        assert!(state["p99_ms"].as_f64().is_some(), "{state}");
    }
    let eu = &states[0];
    assert!(
        eu["uptime_24h"].as_f64() < Some(1.0),
        "eu saw failures: {eu}"
    );
    let probes_seen = fl.get("/api/v1/probes").await;
    let listed: Vec<&str> = probes_seen
        .as_array()
        .expect("probes")
        .iter()
        .filter(|p| p["online"] == true && p["monitors"] == 1)
        .filter_map(|p| p["location"].as_str())
        .collect();
    assert_eq!(listed, ["ap", "eu", "us"], "{probes_seen}");
    let text = e2e::scrape::scrape(&fl).await;
    assert!(
        text.contains("flatline_probe_online{location=\"eu\""),
        "probe series on /metrics"
    );

    // The detail page shows each location's state and latency, and where each check ran.
    let b = Browser::start(1280, 900).await;
    b.goto(&fl.url("/")).await;
    b.fill("#password", PASSWORD).await;
    b.press_enter("#password").await;
    b.find("#account-button").await;
    b.goto(&fl.url(&format!("/monitors/{id}"))).await;
    b.until_text("#locations", "Down when 2 of them").await;
    for location in ["eu", "us", "ap"] {
        b.until_text(
            &format!("#locations tr[data-location=\"{location}\"]"),
            "up",
        )
        .await;
    }
    b.until_text("#checks", "ap").await;
    b.screenshot("probes-detail").await;
}

/// A free port on 127.0.0.1, for a server that must come back at the same address.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[actix_rt::test]
async fn a_killed_probe_is_unknown_and_results_buffered_while_the_server_was_away_are_stored_once()
{
    let port = free_port();
    let mut fl = Flatline::start_with(FlatlineOptions {
        address: Some(format!("127.0.0.1:{port}")),
        ..Default::default()
    });
    let target = Target::start();
    let receiver = Receiver::start();
    let eu_token = probe_token(&fl, "eu").await;
    let us_token = probe_token(&fl, "us").await;
    let mut eu = Probe::start(&fl.base_url, &eu_token, "eu", "127.0.0.2");
    let _us = Probe::start(&fl.base_url, &us_token, "us", "127.0.0.3");
    let m = fl
        .create_monitor(json!({
            "name": "two places",
            "url": target.url("/two"),
            "interval_seconds": 1,
            "locations": ["eu", "us"],
        }))
        .await;
    let id = m["id"].as_i64().expect("id");
    assert_eq!(m["confirm_locations"], 2, "a majority of two");
    fl.webhook_to(id, &receiver.url("/hook")).await;
    location_reads(&fl, id, "eu", "up", WAIT).await;
    location_reads(&fl, id, "us", "up", WAIT).await;
    fl.wait_for_status(id, "up", WAIT).await;

    // eu's probe dies: unknown, not down; us failing alone alerts no one.
    eu.kill();
    target.fail_for(&["127.0.0.3"]);
    location_reads(&fl, id, "eu", "unknown", OFFLINE_WAIT).await;
    location_reads(&fl, id, "us", "down", WAIT).await;
    let states = locations(&fl, id).await;
    assert_eq!(states[0]["online"], false, "{states}");
    assert_eq!(fl.status(id).await, "up");
    assert!(fl.incidents(id).await.is_empty());
    // The owner hears that the probe went silent: once, and no down alert.
    eventually("the probe_offline notice", WAIT, || async {
        (webhooks(&receiver, "probe_offline") == 1).then_some(())
    })
    .await;
    let notice = receiver
        .received("/hook")
        .into_iter()
        .find(|r| r.body["event"] == "probe_offline")
        .expect("notice");
    assert_eq!(notice.body["probe"]["location"], "eu", "{}", notice.body);
    assert_eq!(notice.body["probe"]["monitors"], 1, "{}", notice.body);
    assert_eq!(
        webhooks(&receiver, "down"),
        0,
        "alerted with a probe offline"
    );

    // Back: it resumes.
    target.fail_for(&[]);
    let resumed_after = checks_from(&fl, id, "eu").await.len();
    eu.restart();
    eventually("eu's checks again", WAIT, || async {
        (checks_from(&fl, id, "eu").await.len() > resumed_after + 2).then_some(())
    })
    .await;
    location_reads(&fl, id, "eu", "up", WAIT).await;
    eventually("the probe_online notice", WAIT, || async {
        (webhooks(&receiver, "probe_online") == 1).then_some(())
    })
    .await;
    assert_eq!(webhooks(&receiver, "probe_offline"), 1);

    // The server goes away; the probe checks on and keeps its results.
    let buffered = fl
        .create_monitor(json!({
            "name": "eu only",
            "url": target.url("/buffered"),
            "interval_seconds": 1,
            "locations": ["eu"],
        }))
        .await;
    let bid = buffered["id"].as_i64().expect("id");
    eventually("eu checks the new monitor", WAIT, || async {
        (target.hits("/buffered") >= 2).then_some(())
    })
    .await;
    let status = fl.stop();
    assert!(status.success(), "{status:?}");
    let stopped_at = flatline_store::clock::now_ms();
    let hits_at_stop = target.hits("/buffered");
    eventually("checks while the server is away", WAIT, || async {
        (target.hits("/buffered") >= hits_at_stop + 5).then_some(())
    })
    .await;
    let restarted_at = flatline_store::clock::now_ms();
    fl.restart();
    // Paused, it is checked no more: what was checked can then all be counted.
    let (code, _) = fl
        .patch(
            &format!("/api/v1/monitors/{bid}"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(code, 200);
    let stored = eventually("every check of the probe stored", WAIT, || async {
        let stored = checks_from(&fl, bid, "eu").await;
        (stored.len() == target.hits("/buffered")).then_some(stored)
    })
    .await;
    let mut times: Vec<&str> = stored
        .iter()
        .filter_map(|c| c["checked_at"].as_str())
        .collect();
    let count = times.len();
    times.dedup();
    assert_eq!(times.len(), count, "a result stored twice");
    let during = stored
        .iter()
        .filter_map(|c| c["checked_at"].as_str())
        .filter_map(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .filter(|t| *t > stopped_at && *t < restarted_at)
        .count();
    assert!(
        during >= 4,
        "results stamped while the server was away: {during}"
    );
    assert!(
        eu.log().contains("sending results failed"),
        "the probe said it kept its results"
    );
    // Nothing of this touched the two-place monitor.
    assert!(fl.incidents(id).await.is_empty());
}

#[actix_rt::test]
async fn a_probe_token_opens_only_its_locations_routes() {
    let fl = Flatline::start();
    let target = Target::start();
    let token = probe_token(&fl, "eu").await;
    let mine = fl
        .create_monitor(
            json!({"name": "eu's", "url": target.url("/eu"), "locations": ["eu", "local"]}),
        )
        .await;
    let other = fl
        .create_monitor(json!({"name": "us's", "url": target.url("/us"), "locations": ["us"]}))
        .await;
    let probe = e2e::ApiClient::new(fl.base_url.clone(), Some(token.clone()));
    for (method, path, body) in [
        ("GET", "/api/v1/monitors", None),
        ("GET", &*format!("/api/v1/monitors/{}", other["id"]), None),
        (
            "GET",
            &*format!("/api/v1/monitors/{}/checks", mine["id"]),
            None,
        ),
        (
            "POST",
            "/api/v1/monitors",
            Some(r#"{"name":"x","url":"http://127.0.0.1:9/"}"#),
        ),
        ("GET", "/api/v1/tokens", None),
        ("POST", "/api/v1/tokens", Some(r#"{"name":"mine now"}"#)),
        ("GET", "/api/v1/probes", None),
        ("GET", "/api/v1/notification-channels", None),
        ("GET", "/auth/me", None),
    ] {
        let a = probe
            .send(
                method,
                path,
                &[("Authorization", &format!("Bearer {token}"))],
                body,
            )
            .await;
        assert_eq!(a.status, 403, "{method} {path}: {}", a.body);
        assert_eq!(a.body["error"], "out_of_scope", "{method} {path}");
    }
    // The owner's credentials do not open the probe routes; no credentials, nothing.
    let stream = "/api/v1/probe/stream?probe_id=p1";
    let owner = fl
        .send(
            "GET",
            stream,
            &[(
                "Authorization",
                &format!("Bearer {}", fl.token.clone().unwrap_or_default()),
            )],
            None,
        )
        .await;
    assert_eq!(owner.status, 403, "{}", owner.body);
    let anonymous = fl.send("GET", stream, &[], None).await;
    assert_eq!(anonymous.status, 401);

    // The stream shows its location's monitors only.
    let client = e2e::live::many_streams_client();
    let live = LiveClient::connect(&client, &fl.url(stream), &token).await;
    let first = live
        .wait_for("the snapshot", Duration::from_secs(10), |e| {
            e.name == "snapshot"
        })
        .await;
    let ids: Vec<i64> = first.data["monitors"]
        .as_array()
        .expect("monitors")
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .collect();
    assert_eq!(ids, [mine["id"].as_i64().expect("id")]);
    // While this process holds eu, another is refused.
    let batch = |probe_id: &str, monitor: &Value, at: i64| {
        json!({"probe_id": probe_id, "version": "test", "sent_at_ms": flatline_store::clock::now_ms(),
               "results": [{"monitor_id": monitor["id"], "started_at_ms": at, "latency_us": 1200}]})
            .to_string()
    };
    let auth = format!("Bearer {token}");
    let send = |body: String| {
        let (probe, auth) = (&probe, &auth);
        async move {
            probe
                .send(
                    "POST",
                    "/api/v1/probe/results",
                    &[("Authorization", auth.as_str())],
                    Some(&body),
                )
                .await
        }
    };
    let counts = |a: &e2e::Answer| (a.body["stored"].as_u64(), a.body["ignored"].as_u64());
    let now = flatline_store::clock::now_ms();
    let stored = send(batch("p1", &mine, now)).await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    assert_eq!(stored.body["stored"], 1);
    let again = send(batch("p1", &mine, now)).await;
    assert_eq!(
        counts(&again),
        (Some(0), Some(1)),
        "sent twice, stored once"
    );
    let elsewhere = send(batch("p1", &other, now)).await;
    assert_eq!(
        counts(&elsewhere),
        (Some(0), Some(1)),
        "another location's monitor"
    );
    let second = send(batch("p2", &mine, now + 1)).await;
    assert_eq!(second.status, 409, "{}", second.body);
    let bad = send(
        r#"{"probe_id":"p1","version":"x","sent_at_ms":1,"results":[{"monitor_id":1,"started_at_ms":1,"latency_us":-5}]}"#
            .to_owned(),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["field"], "results[0].latency_us");
    let eu_checks = checks_from(&fl, mine["id"].as_i64().expect("id"), "eu").await;
    assert_eq!(eu_checks.len(), 1);

    // `flatline token create --probe`, listed with its scope; a revoked probe token is refused.
    let out = fl.cli(&["token", "create", "--probe", "ap"]);
    assert!(out.status.success(), "{out:?}");
    let ap_token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let listed = String::from_utf8_lossy(&fl.cli(&["token", "list"]).stdout).into_owned();
    assert!(listed.contains("probe ap"), "{listed}");
    let tokens = fl.get("/api/v1/tokens").await;
    let ap = tokens
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["location"] == "ap")
        .cloned()
        .expect("the ap token");
    assert_eq!(ap["scope"], "probe");
    assert_eq!(
        fl.delete(&format!("/api/v1/tokens/{}", ap["id"])).await,
        204
    );
    let revoked = fl
        .send(
            "GET",
            stream,
            &[("Authorization", &format!("Bearer {ap_token}"))],
            None,
        )
        .await;
    assert_eq!(revoked.status, 401);
    // Bad locations are refused, naming the field.
    let (code, body) = fl
        .post(
            "/api/v1/monitors",
            &json!({"name": "x", "url": target.url("/x"), "locations": ["EU"]}),
        )
        .await;
    assert_eq!(
        (code, body["field"].as_str()),
        (422, Some("locations[0]")),
        "{body}"
    );
    let (code, body) = fl
        .post("/api/v1/monitors", &json!({"name": "x", "url": target.url("/x"), "locations": ["eu"], "confirm_locations": 2}))
        .await;
    assert_eq!(
        (code, body["field"].as_str()),
        (422, Some("confirm_locations")),
        "{body}"
    );
    let (code, body) = fl
        .post("/api/v1/tokens", &json!({"name": "p", "scope": "probe"}))
        .await;
    assert_eq!(
        (code, body["field"].as_str()),
        (422, Some("location")),
        "{body}"
    );
}
