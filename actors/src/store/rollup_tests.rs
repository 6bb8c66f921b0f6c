//! Rollups against the raw checks they summarise, on SQLite and (in CI) PostgreSQL.

use flatline_types::MonitorStatus;

use super::rollups::{bucket_start, DAY, HOUR, MINUTE};
use super::tests::{backends, check, spec};
use crate::clock::now_ms;

/// Nearest-rank percentile of `values` (sorted).
fn exact(values: &[i64], q: f64) -> i64 {
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

#[actix_rt::test]
async fn percentiles_from_rollups_are_within_one_percent_of_the_raw_checks() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let now = now_ms();
        let m = s
            .insert_monitor(&spec("p"), now - 10 * DAY)
            .await
            .expect("insert");
        // 5,000 checks over the last 6 days; latencies from a long-tailed distribution, 3 %
        // failures; stored in batches of 700 so rows are merged again and again.
        let mut seed: u64 = 42;
        let mut rand = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        let span = 6 * DAY;
        let checks: Vec<_> = (0..5_000)
            .map(|i| {
                let at = now - span + i * (span / 5_000);
                let up = rand() > 0.03;
                let latency_us = (2_000.0 * (1.0 / (1.0 - rand() * 0.999)).powf(1.3)) as i64;
                let mut c = check(m.id, at, up);
                c.latency_us = latency_us;
                c
            })
            .collect();
        for batch in checks.chunks(700) {
            s.insert_checks(batch).await.expect("store");
        }
        let windows = s.monitor_windows(&m, now).await.expect("windows");
        assert_eq!(
            windows.iter().map(|w| w.name).collect::<Vec<_>>(),
            ["24h", "7d", "30d", "90d"],
            "{backend}: no 365d without a year of data"
        );
        for w in &windows {
            let inside: Vec<_> = checks
                .iter()
                .filter(|c| c.checked_at_ms >= w.from_ms && c.checked_at_ms <= now)
                .collect();
            assert_eq!(w.checks, inside.len() as i64, "{backend} {}", w.name);
            let failed = inside.iter().filter(|c| !c.up).count() as i64;
            assert_eq!(w.failed, failed, "{backend} {}", w.name);
            let mut ok: Vec<i64> = inside
                .iter()
                .filter(|c| c.up)
                .map(|c| c.latency_us)
                .collect();
            ok.sort_unstable();
            for q in [0.5, 0.95, 0.99] {
                let want = exact(&ok, q) as f64 / 1000.0;
                let got = w.percentile_ms(q).expect("percentile");
                let err = (got - want).abs() / want;
                assert!(
                    err <= 0.01,
                    "{backend} {} p{q}: {got} vs exact {want} ({err})",
                    w.name
                );
            }
            let avg = ok.iter().sum::<i64>() as f64 / ok.len() as f64 / 1000.0;
            assert!((w.avg_ms().expect("avg") - avg).abs() < 1e-6);
        }
        // The day window reads 6 day rows at most, not 5,000 checks.
        let day_rows = s.rollups(m.id, DAY, 0, now + 1).await.expect("days");
        assert!(
            day_rows.len() <= 7,
            "{backend}: {} day rows",
            day_rows.len()
        );
        let minute_rows = s
            .rollups(m.id, MINUTE, bucket_start(now, HOUR), now + 1)
            .await
            .expect("minutes");
        assert!(minute_rows
            .iter()
            .all(|r| r.bucket_start >= bucket_start(now, HOUR)));
    }
}

#[actix_rt::test]
async fn uptime_is_time_weighted_over_incidents_and_excludes_pauses() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let now = now_ms();
        let created = now - 3 * DAY;
        let m = s.insert_monitor(&spec("u"), created).await.expect("insert");
        // Down for exactly one hour, two days ago.
        let down_at = now - 2 * DAY;
        s.apply_transition(m.id, MonitorStatus::Down, down_at, Some("boom"))
            .await
            .expect("down");
        s.apply_transition(m.id, MonitorStatus::Up, down_at + HOUR, None)
            .await
            .expect("up");
        // Paused for six hours, one day ago.
        let mut paused = m.spec.clone();
        paused.enabled = false;
        s.update_monitor(m.id, &paused, now - DAY)
            .await
            .expect("pause");
        s.update_monitor(m.id, &m.spec, now - DAY + 6 * HOUR)
            .await
            .expect("resume");
        let windows = s.monitor_windows(&m, now).await.expect("windows");
        let w7 = windows.iter().find(|w| w.name == "7d").expect("7d");
        // Monitored: 3 days since creation, less 6 h paused.
        assert_eq!(w7.monitored_ms, 3 * DAY - 6 * HOUR, "{backend}");
        assert_eq!(w7.down_ms, HOUR);
        assert_eq!(w7.incidents, 1);
        let want = 100.0 * (3 * DAY - 7 * HOUR) as f64 / (3 * DAY - 6 * HOUR) as f64;
        assert!((w7.uptime_pct().expect("uptime") - want).abs() < 1e-9);
        let w24 = windows.iter().find(|w| w.name == "24h").expect("24h");
        assert_eq!((w24.down_ms, w24.incidents), (0, 0), "{backend}");
        assert_eq!(w24.uptime_pct(), Some(100.0));
    }
}

#[actix_rt::test]
async fn a_late_check_in_a_closed_bucket_shows_up_at_once() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let now = now_ms();
        let m = s
            .insert_monitor(&spec("l"), now - 40 * DAY)
            .await
            .expect("insert");
        let at = |ago| {
            let mut c = check(m.id, now - ago, true);
            c.latency_us = 10_000;
            c
        };
        s.insert_checks(&[at(2 * DAY), at(3 * HOUR), at(0)])
            .await
            .expect("store");
        let count = |ws: &[super::windows::WindowStats], name: &str| {
            ws.iter().find(|w| w.name == name).map(|w| w.checks)
        };
        let first = s.monitor_windows(&m, now).await.expect("windows");
        assert_eq!(count(&first, "24h"), Some(2), "{backend}");
        assert_eq!(count(&first, "30d"), Some(3), "{backend}");
        // Closed sums are cached now; checks arriving late (a buffer flushed after an outage)
        // land in closed hours and days, and must not be hidden by the cache.
        s.insert_checks(&[at(5 * HOUR), at(10 * DAY)])
            .await
            .expect("late");
        let again = s.monitor_windows(&m, now).await.expect("windows");
        assert_eq!(count(&again, "24h"), Some(3), "{backend}");
        assert_eq!(count(&again, "7d"), Some(4), "{backend}");
        assert_eq!(count(&again, "30d"), Some(5), "{backend}");
        // A check in the current hour needs no invalidation and is counted too.
        s.insert_checks(&[at(1)]).await.expect("now");
        let last = s.monitor_windows(&m, now).await.expect("windows");
        assert_eq!(count(&last, "90d"), Some(6), "{backend}");
    }
}
