//! Maintenance windows against the real binary: a target failing during a window opens no
//! incident and alerts no one; the window's time is left out of uptime; a recurrence starts
//! at its time in its time zone; a window ending while the target is down opens the
//! incident then.

use std::time::Duration;

use e2e::{eventually, Flatline, FlatlineOptions, Receiver, Target};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const WAIT: Duration = Duration::from_secs(30);

fn at(offset: Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn ms(rfc3339: &str) -> i128 {
    OffsetDateTime::parse(rfc3339, &Rfc3339).map_or(0, |t| t.unix_timestamp_nanos() / 1_000_000)
}

async fn deliveries(fl: &Flatline, channel: i64) -> Vec<Value> {
    let body = fl
        .get(&format!(
            "/api/v1/notification-channels/{channel}/deliveries"
        ))
        .await;
    body.as_array().cloned().unwrap_or_default()
}

#[actix_rt::test]
async fn failures_in_a_window_open_nothing_and_its_end_takes_the_real_state() {
    let target = Target::start();
    let receiver = Receiver::start();
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![("SUMMARY_REFRESH_SECONDS".into(), "1".into())],
        ..Default::default()
    });
    let m = fl
        .create_monitor(
            json!({"name": "Billing", "url": target.url("/billing"), "interval_seconds": 1}),
        )
        .await;
    let id = m["id"].as_i64().expect("id");
    let channel_id = fl.webhook_to(id, &receiver.url("/hook")).await;
    fl.wait_for_status(id, "up", WAIT).await;

    // A window from now for 8 seconds.
    let (status, window) = fl
        .post(
            "/api/v1/maintenance",
            &json!({"title": "Database upgrade", "description": "Moving to **PostgreSQL 18**.",
                    "monitors": [id], "starts_at": at(Duration::ZERO), "ends_at": at(Duration::from_secs(8)),
                    "notify": true}),
        )
        .await;
    assert_eq!(status, 201, "{window}");
    assert!(window["active"].is_object(), "{window}");
    let ends_at = window["ends_at"].as_str().unwrap_or_default().to_owned();
    fl.wait_for_status(id, "maintenance", WAIT).await;
    // A public page with the monitor says so, and shows the window.
    let (status, _) = fl
        .post("/api/v1/status-pages", &json!({"slug": "s", "title": "S", "sections": [{"name": "All", "monitors": [{"monitor_id": id}]}]}))
        .await;
    assert_eq!(status, 201);
    let page = fl
        .send("GET", "/status/s/status.json", &[], None)
        .await
        .body;
    assert_eq!(page["overall"], "under_maintenance", "{page}");
    assert_eq!(page["sections"][0]["monitors"][0]["status"], "maintenance");
    assert_eq!(page["maintenance"][0]["title"], "Database upgrade");
    assert!(page["maintenance"][0]["active"].is_object(), "{page}");

    // The target fails: checks go on and are stored, but nothing opens and no one is told.
    target.set_status(503);
    eventually("failed checks during the window", WAIT, || async {
        let checks = fl.checks(id).await;
        (checks.iter().filter(|c| c["up"] == false).count() >= 3).then_some(())
    })
    .await;
    assert_eq!(fl.status(id).await, "maintenance");
    assert!(
        fl.incidents(id).await.is_empty(),
        "no incident during maintenance"
    );
    // The channel heard that maintenance started, and nothing else.
    eventually("the start of maintenance told", WAIT, || async {
        let events: Vec<Value> = deliveries(&fl, channel_id)
            .await
            .iter()
            .map(|d| d["event"].clone())
            .collect();
        (events == vec![json!("maintenance_started")]).then_some(())
    })
    .await;
    let hooks = receiver.received("/hook");
    assert!(
        hooks.iter().any(|h| {
            let body = h.body.to_string();
            body.contains("maintenance_started") && body.contains("Database upgrade")
        }),
        "the webhook names the window: {:?}",
        hooks.iter().map(|h| h.body.to_string()).collect::<Vec<_>>()
    );

    // The window ends with the target still down: the incident opens then, and is told.
    fl.wait_for_status(id, "down", WAIT).await;
    // The incident actor stores the incident just after the monitor's state changes.
    let incidents = eventually("the incident opened at the window's end", WAIT, || async {
        let incidents = fl.incidents(id).await;
        (!incidents.is_empty()).then_some(incidents)
    })
    .await;
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let opened = ms(incidents[0]["started_at"].as_str().unwrap_or_default());
    assert!(
        opened >= ms(&ends_at) - 1000,
        "opened at the end of the window, not before"
    );
    assert!(
        opened <= ms(&ends_at) + 5000,
        "opened at once when the window ended"
    );
    eventually(
        "the end of maintenance, then the down alert",
        WAIT,
        || async {
            let events: Vec<Value> = deliveries(&fl, channel_id)
                .await
                .iter()
                .map(|d| d["event"].clone())
                .collect();
            (events.contains(&json!("maintenance_ended")) && events.contains(&json!("down")))
                .then_some(())
        },
    )
    .await;

    // The window's time is left out of uptime, and shows apart in today's bar.
    let bars = fl
        .get(&format!("/api/v1/monitors/{id}/uptime-bars?days=1"))
        .await;
    let today = &bars["days"][0];
    let maintenance = today["maintenance_seconds"].as_f64().unwrap_or_default();
    assert!((6.0..=10.0).contains(&maintenance), "{today}");
    let down = today["downtime_seconds"].as_f64().unwrap_or_default();
    assert!(
        down < 10.0,
        "only the time after the window counts as down: {today}"
    );
}

#[actix_rt::test]
async fn a_daily_recurrence_starts_at_its_time_in_its_zone() {
    let target = Target::start();
    let fl = Flatline::start();
    let m = fl
        .create_monitor(
            json!({"name": "Reports", "url": target.url("/reports"), "interval_seconds": 1}),
        )
        .await;
    let id = m["id"].as_i64().expect("id");
    fl.wait_for_status(id, "up", WAIT).await;
    // The next whole minute, in Kolkata (UTC+05:30, no daylight saving).
    let now = OffsetDateTime::now_utc();
    let next = now + Duration::from_secs(60 - u64::from(now.second()));
    let local = next.to_offset(time::macros::offset!(+5:30));
    let rule = format!(
        "FREQ=DAILY;BYHOUR={};BYMINUTE={};BYSECOND=0",
        local.hour(),
        local.minute()
    );
    let (status, window) = fl
        .post(
            "/api/v1/maintenance",
            &json!({"title": "Nightly reports", "monitors": [id], "rrule": rule,
                    "timezone": "Asia/Kolkata", "duration_minutes": 1}),
        )
        .await;
    assert_eq!(status, 201, "{window}");
    let first = window["upcoming"][0]["starts_at"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        ms(first),
        next.unix_timestamp_nanos() / 1_000_000 / 1000 * 1000,
        "{window}"
    );
    assert_eq!(window["upcoming"].as_array().map(Vec::len), Some(5));
    let second = window["upcoming"][1]["starts_at"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(ms(second) - ms(first), 86_400_000);
    // Not before its time; then in maintenance; then back.
    assert_eq!(fl.status(id).await, "up");
    fl.wait_for_status(id, "maintenance", Duration::from_secs(90))
        .await;
    let started = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    assert!(started >= ms(first), "in maintenance only from its start");
    fl.wait_for_status(id, "up", Duration::from_secs(90)).await;
}

#[actix_rt::test]
async fn windows_are_validated() {
    let target = Target::start();
    let fl = Flatline::start();
    let m = fl
        .create_monitor(json!({"name": "x", "url": target.url("/"), "interval_seconds": 60}))
        .await;
    let id = &m["id"];
    let bad = [
        (
            json!({"title": "w", "monitors": [id], "rrule": "FREQ=SOMETIMES", "duration_minutes": 5}),
            "rrule",
        ),
        (
            json!({"title": "w", "monitors": [id], "rrule": "FREQ=DAILY", "timezone": "Mars/Olympus", "duration_minutes": 5}),
            "timezone",
        ),
        (
            json!({"title": "w", "monitors": [id], "rrule": "FREQ=DAILY"}),
            "duration_minutes",
        ),
        (
            json!({"title": "w", "monitors": [id], "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}),
            "ends_at",
        ),
        (
            json!({"title": "w", "monitors": [id], "starts_at": "tomorrow", "ends_at": "2030-01-01T00:00:00Z"}),
            "starts_at",
        ),
        (
            json!({"title": "w", "monitors": [], "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z"}),
            "monitors",
        ),
        (
            json!({"title": "w", "monitors": [4242], "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z"}),
            "monitors[0]",
        ),
        (
            json!({"title": "w", "monitors": [id], "rrule": "FREQ=DAILY", "duration_minutes": 5, "ends_at": "2030-01-02T00:00:00Z"}),
            "ends_at",
        ),
        (
            json!({"title": "", "monitors": [id], "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z"}),
            "title",
        ),
    ];
    for (body, field) in bad {
        let (status, err) = fl.post("/api/v1/maintenance", &body).await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["field"], field, "{body}: {err}");
    }
    let (status, w) = fl
        .post("/api/v1/maintenance", &json!({"title": "Later", "all": true, "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-01T02:00:00Z"}))
        .await;
    assert_eq!(status, 201, "{w}");
    assert!(w["active"].is_null());
    assert_eq!(
        ms(w["upcoming"][0]["starts_at"].as_str().unwrap_or_default()),
        ms("2030-01-01T00:00:00Z")
    );
    let (status, w) = fl
        .patch("/api/v1/maintenance/1", &json!({"starts_at": null, "ends_at": null, "rrule": "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3", "duration_minutes": 60, "timezone": "Europe/Berlin"}))
        .await;
    assert_eq!(status, 200, "{w}");
    assert_eq!(w["rrule"], "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3");
    assert_eq!(w["upcoming"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        fl.patch("/api/v1/maintenance/9", &json!({"title": "x"}))
            .await
            .0,
        404
    );
    assert_eq!(fl.delete("/api/v1/maintenance/1").await, 204);
    assert_eq!(fl.delete("/api/v1/maintenance/1").await, 404);
    assert_eq!(
        fl.get("/api/v1/maintenance").await.as_array().map(Vec::len),
        Some(0)
    );
}

#[actix_rt::test]
async fn a_crash_during_a_window_neither_ends_it_nor_opens_an_incident() {
    let target = Target::start();
    let mut fl = Flatline::start();
    let m = fl
        .create_monitor(
            json!({"name": "Search", "url": target.url("/search"), "interval_seconds": 1}),
        )
        .await;
    let id = m["id"].as_i64().expect("id");
    fl.wait_for_status(id, "up", WAIT).await;
    let (status, window) = fl
        .post(
            "/api/v1/maintenance",
            &json!({"title": "Reindex", "monitors": [id], "starts_at": at(Duration::ZERO),
                    "ends_at": at(Duration::from_secs(15))}),
        )
        .await;
    assert_eq!(status, 201, "{window}");
    let ends_at = window["ends_at"].as_str().unwrap_or_default().to_owned();
    fl.wait_for_status(id, "maintenance", WAIT).await;
    target.set_status(503);

    // kill -9 mid-window: started again, the monitor is still in maintenance and its
    // failures still open nothing.
    fl.kill();
    fl.restart();
    fl.wait_for_status(id, "maintenance", WAIT).await;
    eventually("failed checks after the restart", WAIT, || async {
        let checks = fl.checks(id).await;
        (checks.iter().filter(|c| c["up"] == false).count() >= 2).then_some(())
    })
    .await;
    assert!(
        fl.incidents(id).await.is_empty(),
        "no incident during maintenance"
    );

    // It ends on time; the target still down opens the incident then.
    fl.wait_for_status(id, "down", WAIT).await;
    let incidents = eventually("the incident opened at the window's end", WAIT, || async {
        let incidents = fl.incidents(id).await;
        (!incidents.is_empty()).then_some(incidents)
    })
    .await;
    let opened = ms(incidents[0]["started_at"].as_str().unwrap_or_default());
    assert!(opened >= ms(&ends_at) - 1000, "not before the window's end");
    // One period, carried over the crash: about the window's 15 s.
    let bars = fl
        .get(&format!("/api/v1/monitors/{id}/uptime-bars?days=1"))
        .await;
    let maintenance = bars["days"][0]["maintenance_seconds"]
        .as_f64()
        .unwrap_or_default();
    assert!((13.0..=17.0).contains(&maintenance), "{bars}");
}
