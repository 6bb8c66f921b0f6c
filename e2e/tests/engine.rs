//! The monitor engine end to end: Flatline's own start-up and application, in the test's
//! process, checking real local targets over loopback.

use std::time::Duration;

use e2e::{closed_port, eventually, InProcess, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

fn id(m: &Value) -> i64 {
    m["id"].as_i64().expect("monitor id")
}

#[actix_rt::test]
async fn a_monitor_records_checks_with_latency_and_status() {
    let target = Target::start();
    target.set_delay(Duration::from_millis(120));
    let fl = InProcess::start().await;
    let m = fl
        .create_monitor(json!({
            "name": "api", "url": target.url("/health"), "interval_seconds": 1,
            "method": "POST", "headers": {"X-Probe": "flatline"}, "body": "{\"ping\":1}",
        }))
        .await;
    assert_eq!(m["status"], "pending");
    assert_eq!(m["timeout_ms"], 800, "default timeout for a 1 s interval");
    let checks = eventually("two checks stored", WAIT, || async {
        let c = fl.checks(id(&m)).await;
        (c.len() >= 2).then_some(c)
    })
    .await;
    let newest = &checks[0];
    assert_eq!(newest["up"], true);
    assert_eq!(newest["status_code"], 200);
    assert_eq!(newest["error"], Value::Null);
    let latency = newest["latency_ms"].as_f64().expect("latency");
    assert!(
        (120.0..800.0).contains(&latency),
        "latency {latency} ms covers the 120 ms delay"
    );
    assert!(
        checks[0]["id"].as_i64() > checks[1]["id"].as_i64(),
        "newest first"
    );
    assert!(newest["checked_at"].as_str().expect("time").ends_with('Z'));
    let seen = target.last_request().expect("a request");
    assert_eq!(seen.method, "POST");
    assert!(seen
        .headers
        .iter()
        .any(|(k, v)| k == "x-probe" && v == "flatline"));
    assert_eq!(seen.body, "{\"ping\":1}");

    let shown = eventually("monitor up with its last check", WAIT, || async {
        let m = fl.get(&format!("/api/v1/monitors/{}", id(&m))).await;
        (m["status"] == "up" && m["last_check"].is_object()).then_some(m)
    })
    .await;
    assert_eq!(shown["last_check"]["monitor_id"], id(&m));
    assert!(
        fl.incidents(id(&m)).await.is_empty(),
        "no incident while up"
    );
}

#[actix_rt::test]
async fn failures_go_down_after_the_retries_and_recovery_resolves_the_incident() {
    let target = Target::start();
    let fl = InProcess::start().await;
    let m = fl
        .create_monitor(json!({
            "name": "flaky", "url": target.url("/"), "interval_seconds": 1,
            "retries": 2, "retry_interval_seconds": 1,
        }))
        .await;
    let mid = id(&m);
    fl.wait_for_status(mid, "up", WAIT).await;

    target.set_status(500);
    fl.wait_for_status(mid, "pending", WAIT).await;
    assert!(
        fl.incidents(mid).await.is_empty(),
        "no incident during the retries"
    );
    fl.wait_for_status(mid, "down", WAIT).await;
    let incidents = eventually("an open incident", WAIT, || async {
        let i = fl.incidents(mid).await;
        (!i.is_empty()).then_some(i)
    })
    .await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["cause"], "unexpected status 500");
    assert_eq!(incidents[0]["resolved_at"], Value::Null);
    // Every attempt is stored: the first failure and both retries.
    eventually("three failed checks stored", WAIT, || async {
        let failed = fl
            .checks(mid)
            .await
            .iter()
            .filter(|c| c["up"] == false)
            .count();
        (failed >= 3).then_some(())
    })
    .await;

    // Staying down opens nothing new.
    let before = fl.checks(mid).await.len();
    eventually("more failed checks", WAIT, || async {
        (fl.checks(mid).await.len() >= before + 2).then_some(())
    })
    .await;
    assert_eq!(fl.incidents(mid).await.len(), 1, "still one incident");

    target.set_status(200);
    let resolved = eventually("incident resolved", WAIT, || async {
        let i = fl.incidents(mid).await;
        (i.len() == 1 && i[0]["resolved_at"].is_string()).then_some(i)
    })
    .await;
    assert!(resolved[0]["resolved_at"].as_str() > resolved[0]["started_at"].as_str());
    assert_eq!(fl.status(mid).await, "up");
    let all = fl.get("/api/v1/incidents").await;
    assert_eq!(all.as_array().map(Vec::len), Some(1));
}

#[actix_rt::test]
async fn failure_reasons_are_specific() {
    let target = Target::start();
    target.set_delay(Duration::from_millis(1500));
    let fl = InProcess::start().await;
    let slow = fl
        .create_monitor(json!({"name": "slow", "url": target.url("/slow"), "interval_seconds": 2, "timeout_ms": 300}))
        .await;
    let refused = fl
        .create_monitor(json!({"name": "closed", "url": format!("http://127.0.0.1:{}/", closed_port()), "interval_seconds": 5}))
        .await;
    let looping = fl
        .create_monitor(json!({"name": "loop", "url": target.url("/loop"), "interval_seconds": 5}))
        .await;
    let no_follow = fl
        .create_monitor(json!({"name": "nofollow", "url": target.url("/redirect"), "interval_seconds": 5, "follow_redirects": false}))
        .await;

    for (m, expected) in [
        (&slow, "timeout after 300 ms"),
        (&refused, "connection refused"),
        (&looping, "too many redirects"),
        (&no_follow, "unexpected status 302"),
    ] {
        let mid = id(m);
        let incident = eventually(&format!("{expected} incident"), WAIT, || async {
            fl.incidents(mid).await.into_iter().next()
        })
        .await;
        let cause = incident["cause"].as_str().expect("cause").to_owned();
        assert!(
            cause.starts_with(expected),
            "cause {cause:?}, expected {expected:?}"
        );
        assert_eq!(fl.status(mid).await, "down");
        let check = fl.newest_check(mid, WAIT).await;
        assert!(check["error"]
            .as_str()
            .expect("error")
            .starts_with(expected));
    }
    // The timed-out check's latency is the timeout, not the target's delay.
    let c = &fl.checks(id(&slow)).await[0];
    let latency = c["latency_ms"].as_f64().expect("latency");
    assert!(
        (300.0..1200.0).contains(&latency),
        "timeout latency {latency}"
    );
    assert_eq!(c["status_code"], Value::Null);
}

#[actix_rt::test]
async fn expected_status_codes_decide_what_is_up() {
    let target = Target::start();
    target.set_status(418);
    let fl = InProcess::start().await;
    let teapot = fl
        .create_monitor(json!({"name": "t", "url": target.url("/"), "interval_seconds": 5, "expected_status_codes": [418]}))
        .await;
    let default = fl
        .create_monitor(json!({"name": "d", "url": target.url("/x"), "interval_seconds": 5}))
        .await;
    fl.wait_for_status(id(&teapot), "up", WAIT).await;
    fl.wait_for_status(id(&default), "down", WAIT).await;
}

#[actix_rt::test]
async fn patching_the_interval_changes_the_check_rate() {
    let target = Target::start();
    let fl = InProcess::start().await;
    let m = fl
        .create_monitor(json!({"name": "r", "url": target.url("/rate"), "interval_seconds": 3}))
        .await;
    // The first check runs at once, the next ones on the monitor's 3 s grid.
    eventually("three checks at 3 s", WAIT, || async {
        (target.hits("/rate") >= 3).then_some(())
    })
    .await;
    let t = target.hit_times("/rate");
    let gap = t[2] - t[1];
    assert!(
        (Duration::from_millis(2700)..Duration::from_millis(3400)).contains(&gap),
        "3 s interval, gap {gap:?}"
    );

    let (status, patched) = fl
        .patch(
            &format!("/api/v1/monitors/{}", id(&m)),
            &json!({"interval_seconds": 1}),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["interval_seconds"], 1);
    let start = target.hits("/rate");
    eventually("four checks at 1 s", Duration::from_secs(8), || async {
        (target.hits("/rate") >= start + 4).then_some(())
    })
    .await;
    let t = target.hit_times("/rate");
    let recent = &t[t.len() - 3..];
    for pair in recent.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            (Duration::from_millis(700)..Duration::from_millis(1600)).contains(&gap),
            "1 s interval, gap {gap:?}"
        );
    }
}

#[actix_rt::test]
async fn deleting_stops_checks_and_pausing_skips_them() {
    let target = Target::start();
    let fl = InProcess::start().await;
    let doomed = fl
        .create_monitor(
            json!({"name": "doomed", "url": target.url("/doomed"), "interval_seconds": 1}),
        )
        .await;
    let paused = fl
        .create_monitor(json!({"name": "paused", "url": target.url("/paused"), "interval_seconds": 1, "enabled": false}))
        .await;
    assert_eq!(paused["status"], "paused");
    eventually("doomed checked", WAIT, || async {
        (target.hits("/doomed") >= 2).then_some(())
    })
    .await;
    eventually("doomed checks stored", WAIT, || async {
        (!fl.checks(id(&doomed)).await.is_empty()).then_some(())
    })
    .await;

    assert_eq!(
        fl.delete(&format!("/api/v1/monitors/{}", id(&doomed)))
            .await,
        204
    );
    let after_delete = target.hits("/doomed");
    // A sentinel checked every second proves time passes without fixed sleeps.
    let _sentinel = fl
        .create_monitor(
            json!({"name": "sentinel", "url": target.url("/sentinel"), "interval_seconds": 1}),
        )
        .await;
    eventually("sentinel checked 4 times", WAIT, || async {
        (target.hits("/sentinel") >= 4).then_some(())
    })
    .await;
    assert!(
        target.hits("/doomed") <= after_delete + 1,
        "deleted monitor still checked"
    );
    assert_eq!(target.hits("/paused"), 0, "paused monitor was checked");
    let (status, _) = fl
        .request("GET", &format!("/api/v1/monitors/{}", id(&doomed)), None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = fl
        .request(
            "GET",
            &format!("/api/v1/monitors/{}/checks", id(&doomed)),
            None,
        )
        .await;
    assert_eq!(status, 404);

    // Resuming checks it again.
    let (status, resumed) = fl
        .patch(
            &format!("/api/v1/monitors/{}", id(&paused)),
            &json!({"enabled": true}),
        )
        .await;
    assert_eq!(status, 200);
    assert_ne!(resumed["status"], "paused");
    eventually("resumed monitor checked", WAIT, || async {
        (target.hits("/paused") >= 1).then_some(())
    })
    .await;
    // Pausing again stops it and shows paused.
    let (_, again) = fl
        .patch(
            &format!("/api/v1/monitors/{}", id(&paused)),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(again["status"], "paused");
    let at_pause = target.hits("/paused");
    let s = target.hits("/sentinel");
    eventually("sentinel checked 3 more times", WAIT, || async {
        (target.hits("/sentinel") >= s + 3).then_some(())
    })
    .await;
    assert!(
        target.hits("/paused") <= at_pause + 1,
        "paused monitor was checked"
    );
}

#[actix_rt::test]
async fn checks_page_with_limit_and_before() {
    let target = Target::start();
    let fl = InProcess::start().await;
    let m = fl
        .create_monitor(json!({"name": "p", "url": target.url("/"), "interval_seconds": 1}))
        .await;
    let mid = id(&m);
    eventually("five checks", Duration::from_secs(15), || async {
        (fl.checks(mid).await.len() >= 5).then_some(())
    })
    .await;
    let page1 = fl
        .get(&format!("/api/v1/monitors/{mid}/checks?limit=2"))
        .await;
    let page1 = page1.as_array().expect("array");
    assert_eq!(page1.len(), 2);
    let cursor = page1[1]["id"].as_i64().expect("id");
    let page2 = fl
        .get(&format!(
            "/api/v1/monitors/{mid}/checks?limit=2&before={cursor}"
        ))
        .await;
    let page2 = page2.as_array().expect("array");
    assert_eq!(page2.len(), 2);
    assert!(page2.iter().all(|c| c["id"].as_i64().expect("id") < cursor));
}

#[actix_rt::test]
async fn tls_is_verified_unless_turned_off() {
    let target = Target::start_tls();
    let fl = InProcess::start().await;
    let strict = fl
        .create_monitor(json!({"name": "strict", "url": target.url("/"), "interval_seconds": 5}))
        .await;
    let lax = fl
        .create_monitor(json!({"name": "lax", "url": target.url("/"), "interval_seconds": 5, "verify_tls": false}))
        .await;
    let incident = eventually("self-signed certificate rejected", WAIT, || async {
        fl.incidents(id(&strict)).await.into_iter().next()
    })
    .await;
    let cause = incident["cause"].as_str().expect("cause");
    assert!(cause.starts_with("tls error"), "cause {cause:?}");
    fl.wait_for_status(id(&lax), "up", WAIT).await;
    let check = fl.newest_check(id(&lax), WAIT).await;
    assert_eq!(check["status_code"], 200);
}
