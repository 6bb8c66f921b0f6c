//! Probes: one process holds a location at a time, and a result sent twice is stored once.

use crate::probes::{ProbeHello, RemoteCheck, PROBE_OFFLINE_MS};
use crate::testing::{backends, check, spec};

fn hello(probe_id: &str) -> ProbeHello {
    ProbeHello {
        location: "eu".into(),
        probe_id: probe_id.into(),
        version: "0.1.0".into(),
        address: "127.0.0.2".into(),
        skew_ms: 5,
        lag_ms: 10,
        buffered: 0,
        checks_per_minute: 6,
    }
}

fn remote(monitor_id: i64, probe_at_ms: i64, up: bool) -> RemoteCheck {
    RemoteCheck {
        monitor_id,
        checked_at_ms: probe_at_ms + 5,
        probe_at_ms,
        up,
        latency_us: 1_000,
        status_code: Some(if up { 200 } else { 500 }),
        error: (!up).then(|| "unexpected status 500".into()),
    }
}

#[actix_rt::test]
async fn a_location_is_held_by_one_probe_until_it_falls_silent() {
    for (backend, db) in backends().await {
        let s = &db.store;
        assert!(
            s.hold_location(&hello("a"), 1_000).await.expect("hold"),
            "{backend}"
        );
        assert!(
            s.hold_location(&hello("a"), 2_000).await.expect("again"),
            "{backend}"
        );
        assert!(
            !s.hold_location(&hello("b"), 2_000 + PROBE_OFFLINE_MS - 1)
                .await
                .expect("held"),
            "{backend}: the holder reported within the window"
        );
        assert!(
            s.hold_location(&hello("b"), 2_000 + PROBE_OFFLINE_MS + 1)
                .await
                .expect("take over"),
            "{backend}"
        );
        assert!(
            !s.touch_probe("eu", "a", 50_000).await.expect("touch"),
            "{backend}"
        );
        let probes = s.list_probes().await.expect("list");
        assert_eq!(probes.len(), 1, "{backend}");
        assert_eq!(probes[0].probe_id, "b", "{backend}");
        assert_eq!(probes[0].checks_per_minute, 6, "{backend}");
    }
}

#[actix_rt::test]
async fn a_resent_batch_is_stored_once_and_local_checks_are_unaffected() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let m = s.insert_monitor(&spec("m"), 0).await.expect("insert");
        let batch = [remote(m.id, 1_000, true), remote(m.id, 2_000, false)];
        let first = s.insert_probe_checks("eu", &batch).await.expect("first");
        assert_eq!(first.len(), 2, "{backend}");
        assert!(first.iter().all(|c| c.location == "eu"), "{backend}");
        let again = s
            .insert_probe_checks("eu", &[batch[1].clone(), remote(m.id, 3_000, true)])
            .await
            .expect("again");
        assert_eq!(again.len(), 1, "{backend}: only the new one");
        assert_eq!(again[0].probe_at, Some(3_000), "{backend}");
        // Another location's result at the same probe time is its own.
        let us = s.insert_probe_checks("us", &batch).await.expect("us");
        assert_eq!(us.len(), 2, "{backend}");
        // Local checks at the same instants are never taken for duplicates.
        s.insert_checks(&[check(m.id, 1_000, true), check(m.id, 1_000, true)])
            .await
            .expect("local");
        assert_eq!(s.count_checks(m.id).await.expect("count"), 7, "{backend}");
        let eu = s.list_checks_at(m.id, "eu", 10, None).await.expect("eu");
        assert_eq!(eu.len(), 3, "{backend}");
        let series = s.location_series(m.id, "eu", 0).await.expect("series");
        assert_eq!(
            series.iter().map(|(_, up, _)| *up).collect::<Vec<_>>(),
            [true, false, true],
            "{backend}"
        );
    }
}
