//! Storage tests, run on SQLite always and on PostgreSQL when `FLATLINE_TEST_POSTGRES_URL`
//! names a server (the README's test command starts one).

mod auth;
mod batch;
mod deliveries;
mod escalation;
mod probes;
mod rollups;

use flatline_types::MonitorStatus;

use crate::testing::{backends, check, spec};
use crate::*;

#[actix_rt::test]
async fn monitors_round_trip() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let m = s.insert_monitor(&spec("a"), 1000).await.expect("insert");
        assert_eq!(m.status, MonitorStatus::Pending, "{backend}");
        let got = s.get_monitor(m.id).await.expect("get").expect("exists");
        assert_eq!(got, m, "{backend}");
        // Every monitor gets its own random badge key, kept across changes.
        let other = s.insert_monitor(&spec("b"), 1000).await.expect("insert");
        assert_eq!(m.badge_key.len(), 20, "{backend}");
        assert_ne!(m.badge_key, other.badge_key, "{backend}");
        let mut changed = m.spec.clone();
        changed.public_badges = true;
        let upd = s
            .update_monitor(m.id, &changed, 1500)
            .await
            .expect("upd")
            .expect("exists");
        assert_eq!(
            (upd.badge_key.as_str(), upd.spec.public_badges),
            (m.badge_key.as_str(), true),
            "{backend}"
        );
        let mut changed = m.spec.clone();
        changed.enabled = false;
        changed.interval_seconds = 30;
        let upd = s
            .update_monitor(m.id, &changed, 2000)
            .await
            .expect("upd")
            .expect("exists");
        assert_eq!(upd.status, MonitorStatus::Paused, "{backend}");
        assert_eq!(upd.spec.interval_seconds, 30);
        assert_eq!((upd.created_at_ms, upd.updated_at_ms), (1000, 2000));
        assert!(s
            .update_monitor(m.id + 999, &changed, 1)
            .await
            .expect("upd")
            .is_none());
        assert_eq!(s.list_monitors().await.expect("list").len(), 2, "{backend}");
        assert!(s.delete_monitor(m.id).await.expect("del"), "{backend}");
        assert!(!s.delete_monitor(m.id).await.expect("del"), "{backend}");
        assert!(s.get_monitor(m.id).await.expect("get").is_none());
    }
}

#[actix_rt::test]
async fn every_kind_round_trips_and_push_tokens_are_unique() {
    use flatline_types::{CreateMonitor, Target};
    let bodies = [
        r#"{"name":"t","kind":"tcp","host":"db.internal","port":5432,"tls":true,"verify_tls":false,
            "assertions":[{"source":"certificate_days","op":"gt","value":7}]}"#,
        r#"{"name":"d","kind":"dns","host":"example.com","dns_record_type":"MX","dns_server":"127.0.0.1:53","dns_transport":"tcp","dns_expected":["mx.example.com"]}"#,
        r#"{"name":"p","kind":"ping","host":"10.0.0.1","ping_count":3}"#,
        r#"{"name":"c","kind":"push","cron":"0 3 * * *","timezone":"Europe/Berlin","grace_seconds":600}"#,
        r#"{"name":"h","url":"http://127.0.0.1/","assertions":[{"source":"json","path":"$.ok","op":"eq","value":true}]}"#,
    ];
    for (backend, db) in backends().await {
        let s = &db.store;
        for body in bodies {
            let mut spec = serde_json::from_str::<CreateMonitor>(body)
                .expect("json")
                .into_spec()
                .expect("valid");
            if let Target::Push(p) = &mut spec.target {
                p.token_hash = "ab".repeat(32);
                p.token_hint = "AbCd".into();
            }
            let m = s.insert_monitor(&spec, 1000).await.expect("insert");
            let got = s.get_monitor(m.id).await.expect("get").expect("exists");
            assert_eq!(got.spec, spec, "{backend}: {body}");
        }
        // A second push monitor with the same token hash is refused by the database.
        let mut twin = serde_json::from_str::<CreateMonitor>(r#"{"name":"twin","kind":"push"}"#)
            .expect("json")
            .into_spec()
            .expect("valid");
        if let Target::Push(p) = &mut twin.target {
            p.token_hash = "ab".repeat(32);
        }
        assert!(s.insert_monitor(&twin, 1000).await.is_err(), "{backend}");
        assert_eq!(s.list_monitors().await.expect("list").len(), bodies.len());
    }
}

#[actix_rt::test]
async fn a_certificate_is_kept_until_the_target_changes() {
    use flatline_types::{HttpTarget, Target};
    for (backend, db) in backends().await {
        let s = &db.store;
        let mut https = spec("tls");
        if let Target::Http(HttpTarget { url, .. }) = &mut https.target {
            *url = "https://127.0.0.1:8443/".into();
        }
        assert_eq!(https.certificate_expiry_days, vec![14, 7, 1], "the default");
        let m = s.insert_monitor(&https, 1000).await.expect("insert");
        assert_eq!(m.certificate, None, "{backend}");
        let cert = CertificateRecord {
            subject: "CN=localhost".into(),
            issuer: "CN=Test CA".into(),
            sans: vec!["localhost".into(), "127.0.0.1".into()],
            not_after_ms: 1000 + 3 * 86_400_000,
            sha256: "cd".repeat(32),
            checked_at_ms: 2000,
            warned_days: Some(7),
        };
        s.record_certificate(m.id, &cert).await.expect("record");
        let got = s.get_monitor(m.id).await.expect("get").expect("exists");
        assert_eq!(got.certificate.as_ref(), Some(&cert), "{backend}");
        assert_eq!(cert.days_left(1000), 3);
        assert_eq!(cert.days_left(1001), 2, "whole days, rounded down");
        // A change that keeps the target keeps the certificate (and its warning).
        let mut renamed = https.clone();
        renamed.name = "renamed".into();
        renamed.certificate_expiry_days = vec![30];
        let upd = s
            .update_monitor(m.id, &renamed, 3000)
            .await
            .expect("upd")
            .expect("exists");
        assert_eq!(upd.certificate.as_ref(), Some(&cert), "{backend}");
        assert_eq!(upd.spec.certificate_expiry_days, vec![30], "{backend}");
        // Another URL is another certificate.
        let mut moved = renamed.clone();
        if let Target::Http(HttpTarget { url, .. }) = &mut moved.target {
            *url = "https://127.0.0.1:9443/".into();
        }
        let upd = s
            .update_monitor(m.id, &moved, 4000)
            .await
            .expect("upd")
            .expect("exists");
        assert_eq!(upd.certificate, None, "{backend}");
        // A monitor deleted meanwhile is left alone.
        assert!(s.delete_monitor(m.id).await.expect("del"));
        s.record_certificate(m.id, &cert)
            .await
            .expect("no row, no error");
    }
}

#[actix_rt::test]
async fn checks_page_newest_first_and_sweep_in_chunks() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let m = s.insert_monitor(&spec("a"), 0).await.expect("insert");
        let rows: Vec<_> = (0..25).map(|i| check(m.id, i * 1000, i % 5 != 0)).collect();
        let stored = s.insert_checks(&rows).await.expect("insert checks");
        assert_eq!(stored.len(), 25, "{backend}");
        let page = s.list_checks(m.id, 10, None).await.expect("page");
        assert_eq!(page.len(), 10);
        assert_eq!(page[0].checked_at, 24_000, "{backend}: newest first");
        let next = s
            .list_checks(m.id, 10, Some(page[9].id))
            .await
            .expect("next");
        assert_eq!(next[0].checked_at, 14_000, "{backend}: cursor continues");
        assert_eq!(
            s.last_check(m.id)
                .await
                .expect("last")
                .map(|c| c.checked_at),
            Some(24_000)
        );
        // Older than 10 s: 10 rows, deleted 4 at a time.
        let mut swept = 0;
        loop {
            let n = s.sweep_checks(10_000, 4).await.expect("sweep");
            assert!(n <= 4);
            swept += n;
            if n < 4 {
                break;
            }
        }
        assert_eq!(swept, 10, "{backend}");
        assert_eq!(s.count_checks(m.id).await.expect("count"), 15, "{backend}");
    }
}

#[actix_rt::test]
async fn the_latest_checks_of_every_monitor_come_newest_first() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let a = s.insert_monitor(&spec("a"), 0).await.expect("insert");
        let b = s.insert_monitor(&spec("b"), 0).await.expect("insert");
        let quiet = s.insert_monitor(&spec("quiet"), 0).await.expect("insert");
        let rows: Vec<_> = (0..6)
            .flat_map(|i| {
                [
                    check(a.id, i * 1000, true),
                    check(b.id, i * 1000 + 1, false),
                ]
            })
            .collect();
        s.insert_checks(&rows).await.expect("insert checks");
        let latest = s.latest_checks(4).await.expect("latest");
        let at = |id: i64| -> Vec<i64> {
            latest
                .get(&id)
                .map(|l| l.iter().map(|c| c.checked_at).collect())
                .unwrap_or_default()
        };
        assert_eq!(at(a.id), [5000, 4000, 3000, 2000], "{backend}");
        assert_eq!(at(b.id), [5001, 4001, 3001, 2001], "{backend}");
        assert!(at(quiet.id).is_empty(), "{backend}");
    }
}

#[actix_rt::test]
async fn checks_of_a_deleted_monitor_do_not_sink_the_batch() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let keep = s.insert_monitor(&spec("keep"), 0).await.expect("insert");
        let gone = s.insert_monitor(&spec("gone"), 0).await.expect("insert");
        assert!(s.delete_monitor(gone.id).await.expect("delete"));
        let rows = vec![
            check(keep.id, 1, true),
            check(gone.id, 2, true),
            check(keep.id, 3, true),
        ];
        let stored = s.insert_checks(&rows).await.expect("batch survives");
        assert_eq!(stored.len(), 2, "{backend}");
        assert_eq!(s.count_all_checks().await.expect("count"), 2, "{backend}");
    }
}

#[actix_rt::test]
async fn transitions_open_one_incident_and_resolve_it() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let m = s.insert_monitor(&spec("a"), 0).await.expect("insert");
        let opened = s
            .apply_transition(m.id, MonitorStatus::Down, 10, Some("timeout after 100 ms"))
            .await
            .expect("down");
        assert!(opened.is_some(), "{backend}");
        // A replayed down (restart, retry) opens nothing new.
        let again = s
            .apply_transition(m.id, MonitorStatus::Down, 20, Some("x"))
            .await
            .expect("down again");
        assert_eq!(again, None, "{backend}");
        let open = s
            .open_incident(m.id)
            .await
            .expect("open")
            .expect("one open");
        assert_eq!(
            (open.started_at, open.cause.as_str()),
            (10, "timeout after 100 ms")
        );
        assert_eq!(
            s.get_monitor(m.id).await.expect("get").expect("m").status,
            MonitorStatus::Down
        );
        let resolved = s
            .apply_transition(m.id, MonitorStatus::Up, 30, None)
            .await
            .expect("up");
        assert_eq!(resolved, opened, "{backend}");
        assert_eq!(
            s.apply_transition(m.id, MonitorStatus::Up, 40, None)
                .await
                .expect("up"),
            None
        );
        let all = s.list_incidents(Some(m.id), 100).await.expect("list");
        assert_eq!(all.len(), 1, "{backend}");
        assert_eq!(all[0].resolved_at, Some(30));
        // A second outage is a second incident, listed first while open.
        s.apply_transition(m.id, MonitorStatus::Down, 50, Some("connection refused"))
            .await
            .expect("down");
        let all = s.list_incidents(None, 100).await.expect("list");
        assert_eq!(all.len(), 2, "{backend}");
        assert_eq!(all[0].resolved_at, None, "{backend}: open first");
        // Deleting the monitor removes its incidents and checks.
        s.insert_checks(&[check(m.id, 60, false)])
            .await
            .expect("check");
        assert!(s.delete_monitor(m.id).await.expect("delete"));
        assert!(
            s.list_incidents(None, 100).await.expect("list").is_empty(),
            "{backend}"
        );
        assert_eq!(s.count_all_checks().await.expect("count"), 0, "{backend}");
    }
}

#[actix_rt::test]
async fn the_database_refuses_a_second_open_incident() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let m = s.insert_monitor(&spec("a"), 0).await.expect("insert");
        let sql = format!(
            "INSERT INTO incidents (monitor_id, started_at, resolved_at, cause) VALUES ({}, 1, NULL, 'x')",
            m.id
        );
        s.write
            .execute_unprepared(&sql)
            .await
            .expect("first open incident");
        assert!(s.write.execute_unprepared(&sql).await.is_err(), "{backend}");
    }
}

#[actix_rt::test]
async fn resuming_a_monitor_with_an_open_incident_resumes_it_down() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let m = s.insert_monitor(&spec("a"), 0).await.expect("insert");
        s.apply_transition(m.id, MonitorStatus::Down, 1, Some("x"))
            .await
            .expect("down");
        let mut paused = m.spec.clone();
        paused.enabled = false;
        let p = s
            .update_monitor(m.id, &paused, 2)
            .await
            .expect("pause")
            .expect("m");
        assert_eq!(p.status, MonitorStatus::Paused, "{backend}");
        // A transition arriving after the pause does not un-pause it.
        s.apply_transition(m.id, MonitorStatus::Up, 3, None)
            .await
            .expect("late up");
        assert_eq!(
            s.get_monitor(m.id).await.expect("g").expect("m").status,
            MonitorStatus::Paused
        );
        let r = s
            .update_monitor(m.id, &m.spec, 4)
            .await
            .expect("resume")
            .expect("m");
        assert_eq!(r.status, MonitorStatus::Down, "{backend}");
    }
}

#[test]
fn database_passwords_are_redacted() {
    assert_eq!(
        redact_url("postgres://flatline:s3cret@db:5432/flatline"),
        "postgres://flatline:***@db:5432/flatline"
    );
    assert_eq!(redact_url("sqlite:flatline.db"), "sqlite:flatline.db");
}

#[actix_rt::test]
async fn incident_updates_are_kept_in_order_and_go_with_their_incident() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let m = s.insert_monitor(&spec("a"), 0).await.expect("insert");
        let incident = s
            .apply_transition(m.id, MonitorStatus::Down, 1_000, Some("boom"))
            .await
            .expect("down")
            .expect("an incident opened");
        for (state, at) in [("investigating", 2_000), ("identified", 3_000)] {
            s.add_incident_update(incident, state, "words", "admin", at)
                .await
                .expect("add")
                .expect("the incident exists");
        }
        assert!(s
            .add_incident_update(incident + 99, "identified", "x", "admin", 1)
            .await
            .expect("add")
            .is_none());
        let updates = s.list_incident_updates(incident).await.expect("list");
        let states: Vec<&str> = updates.iter().map(|u| u.state.as_str()).collect();
        assert_eq!(states, ["investigating", "identified"], "{backend}");
        assert!(s
            .delete_incident_update(incident, updates[0].id)
            .await
            .expect("delete"));
        assert!(
            !s.delete_incident_update(incident + 1, updates[1].id)
                .await
                .expect("delete"),
            "{backend}: another incident's update is not deleted"
        );
        assert!(s.delete_monitor(m.id).await.expect("delete monitor"));
        assert!(
            s.get_incident(incident).await.expect("get").is_none(),
            "{backend}"
        );
        assert!(
            s.list_incident_updates(incident)
                .await
                .expect("list")
                .is_empty(),
            "{backend}"
        );
    }
}
