//! What attacking the running binary found, each proved fixed against the real binary: the
//! actor lifecycle under mass pause and delete, failure reasons of connections reset by the
//! target, URLs that could never be checked, ERROR lines anyone could cause, and a sign-in
//! throttle that locked the owner out.

use std::time::Duration;

use e2e::scrape::{sample, scrape};
use e2e::{eventually, Flatline, HostileTarget, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn id(m: &Value) -> i64 {
    m["id"].as_i64().expect("monitor id")
}

/// Schedule lags of more than a second so far.
fn slow_lags(text: &str) -> f64 {
    sample(text, "flatline_schedule_lag_seconds_count")
        - sample(text, "flatline_schedule_lag_seconds_bucket{le=\"1\"}")
}

#[actix_rt::test]
async fn pausing_resuming_and_deleting_hundreds_of_monitors_restarts_no_actor() {
    let target = Target::start();
    let fl = Flatline::start();
    let ids = fl.create_monitors("m", &target.url("/"), 300, 2).await;
    for &m in &ids {
        fl.wait_for_status(m, "up", WAIT).await;
    }
    let before = scrape(&fl).await;

    for &m in &ids[..100] {
        let (status, body) = fl
            .patch(&format!("/api/v1/monitors/{m}"), &json!({"enabled": false}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    for &m in &ids[..50] {
        let (status, body) = fl
            .patch(&format!("/api/v1/monitors/{m}"), &json!({"enabled": true}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    for &m in &ids[100..200] {
        assert_eq!(fl.delete(&format!("/api/v1/monitors/{m}")).await, 204);
    }
    // The rest keep their rhythm: a few more checks of the last one.
    let seen = fl.checks(ids[299]).await.len();
    eventually(
        "three more checks of a monitor left alone",
        WAIT,
        || async { (fl.checks(ids[299]).await.len() >= seen + 3).then_some(()) },
    )
    .await;
    let after = scrape(&fl).await;
    assert_eq!(sample(&after, "flatline_monitor_actors"), 150.0);
    assert_eq!(
        sample(&after, "flatline_monitor_actor_restarts_total"),
        0.0,
        "no monitor actor was restarted"
    );
    assert!(!fl.log().contains("monitor actor restarted"));
    assert_eq!(
        slow_lags(&after),
        slow_lags(&before),
        "no check of the others started a second or more late"
    );
    // Resumed monitors check again; deleted ones are gone.
    fl.wait_for_status(ids[0], "up", WAIT).await;
    assert_eq!(fl.status(ids[60]).await, "paused");
    assert_eq!(
        fl.request("GET", &format!("/api/v1/monitors/{}", ids[150]), None)
            .await
            .0,
        404
    );
}

#[actix_rt::test]
async fn targets_that_reset_or_flood_headers_get_plain_reasons_and_no_error_lines() {
    let hostile = HostileTarget::start();
    let fl = Flatline::start();
    let mut reasons = Vec::new();
    // The last one: the target that floods headers.
    let mut flooding = 0;
    for (path, want) in [
        ("/reset", "connection reset"),
        ("/reset-mid-body", "connection reset while reading the body"),
        ("/huge-headers", "response headers too large"),
    ] {
        let m = id(&fl
            .create_monitor(json!({"name": path, "url": hostile.url(path), "interval_seconds": 1}))
            .await);
        let check = eventually(&format!("a failed check of {path}"), WAIT, || async {
            fl.checks(m).await.into_iter().find(|c| c["up"] == false)
        })
        .await;
        reasons.push((path, check["error"].clone(), want));
        flooding = m;
    }
    for (path, got, want) in &reasons {
        assert_eq!(got, want, "{path}: {reasons:?}");
    }
    // A client's bad request is not Flatline's error either.
    let port = url::Url::parse(&fl.url("/"))
        .ok()
        .and_then(|u| u.port())
        .expect("port");
    let mut raw = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    std::io::Write::write_all(
        &mut raw,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: \x01\x7f\r\n\r\n",
    )
    .expect("write");
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut raw, &mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // Several checks of each later, the log has no ERROR line.
    let seen = fl.checks(flooding).await.len();
    eventually("more checks of the flooding target", WAIT, || async {
        (fl.checks(flooding).await.len() >= seen + 3).then_some(())
    })
    .await;
    let log = fl.log();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(errors.is_empty(), "ERROR lines: {errors:#?}");
    // Counted instead: the bad request and each check of the flooding target.
    let counted = sample(&scrape(&fl).await, "flatline_peer_protocol_errors_total");
    assert!(counted >= 4.0, "{counted}");
}

#[actix_rt::test]
async fn urls_that_could_never_be_checked_are_refused_or_normalised() {
    let target = Target::start();
    let fl = Flatline::start();
    let injected = format!("{}a\r\nX-Injected: 1", target.url("/"));
    let (status, body) = fl
        .post(
            "/api/v1/monitors",
            &json!({"name": "injected", "url": injected}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "url");
    assert_eq!(body["error"], "validation_failed");
    for (path, name) in [
        (
            "/api/v1/monitors",
            json!({"name": "nul\u{0}name", "url": target.url("/")}),
        ),
        (
            "/api/v1/notification-channels",
            json!({"name": "line\nbreak", "config": {"type": "webhook", "url": target.url("/")}}),
        ),
        ("/api/v1/tokens", json!({"name": "bell\u{7}"})),
    ] {
        let (status, body) = fl.post(path, &name).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["field"], "name", "{path}: {body}");
    }
    // Non-ASCII is stored percent-encoded, as the URL parser writes it, and checks fine.
    let m = fl
        .create_monitor(json!({"name": "accents", "url": target.url("/éè"), "interval_seconds": 1}))
        .await;
    assert_eq!(m["url"], target.url("/%C3%A9%C3%A8"));
    fl.wait_for_status(id(&m), "up", WAIT).await;
    let stored = fl.get("/api/v1/monitors").await;
    assert_eq!(
        stored.as_array().map(Vec::len),
        Some(1),
        "nothing refused was stored"
    );
}
