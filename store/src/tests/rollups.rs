//! Rollups against the raw checks they summarise, on SQLite and (in CI) PostgreSQL.

use flatline_types::MonitorStatus;

use crate::clock::now_ms;
use crate::stats::{bucket_start, DAY, HOUR, MINUTE};
use crate::testing::{backends, check, spec};

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
        let this_hour = checks
            .iter()
            .filter(|c| c.checked_at_ms >= bucket_start(now, HOUR))
            .count() as i64;
        assert_eq!(
            minute_rows.iter().map(|r| r.checks).sum::<i64>(),
            this_hour,
            "{backend}: this hour's minute rows add up to its checks"
        );
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
        let count = |ws: &[crate::stats::WindowTotals], name: &str| {
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

#[actix_rt::test]
async fn latency_series_points_add_up_to_the_checks() {
    use crate::stats::SERIES;
    for (backend, db) in backends().await {
        let s = &db.store;
        let now = now_ms();
        let m = s
            .insert_monitor(&spec("c"), now - 100 * DAY)
            .await
            .expect("insert");
        // One check every 30 s for the last 3 hours, latency rising with time; every 10th fails.
        let checks: Vec<_> = (0..360)
            .map(|i| {
                let mut c = check(m.id, now - i * 30_000, i % 10 != 5);
                c.latency_us = 1_000 + i * 100;
                c
            })
            .collect();
        s.insert_checks(&checks).await.expect("store");
        for spec in SERIES {
            let points = s.latency_series(m.id, spec, now).await.expect("series");
            let from = bucket_start(now, spec.step) + spec.step - spec.span - spec.step;
            let inside = checks.iter().filter(|c| c.checked_at_ms >= from).count() as i64;
            assert_eq!(
                points.iter().map(|p| p.checks).sum::<i64>(),
                inside,
                "{backend} {}",
                spec.name
            );
            assert!(points
                .windows(2)
                .all(|w| w[1].at_ms - w[0].at_ms >= spec.step));
            assert!(points.iter().all(|p| p.at_ms % spec.step == 0));
            assert!(
                points.len() <= 361,
                "{backend} {}: {}",
                spec.name,
                points.len()
            );
        }
        // 1h points are minutes: two checks each, and exact minima.
        let hour = s.latency_series(m.id, SERIES[0], now).await.expect("1h");
        let last = hour.last().expect("points");
        assert_eq!(last.at_ms, bucket_start(now, MINUTE));
        assert_eq!(last.min_ms, Some(1.0), "{backend}: the newest check, 1 ms");
        let p = hour
            .iter()
            .find(|p| p.failed == 0 && p.checks == 2)
            .expect("a full minute");
        let (min, p99) = (p.min_ms.expect("min"), p.p99_ms.expect("p99"));
        assert!(
            p99 >= min && (p99 - (min + 0.1)).abs() / (min + 0.1) <= 0.01,
            "{p:?}"
        );
    }
}

#[actix_rt::test]
async fn uptime_bars_weigh_each_day() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let now = now_ms();
        let day0 = bucket_start(now, DAY);
        let m = s
            .insert_monitor(&spec("b"), day0 - 3 * DAY + 12 * HOUR)
            .await
            .expect("insert");
        let down = day0 - 2 * DAY + 3 * HOUR;
        s.apply_transition(m.id, MonitorStatus::Down, down, Some("x"))
            .await
            .expect("down");
        s.apply_transition(m.id, MonitorStatus::Up, down + HOUR, None)
            .await
            .expect("up");
        let mut paused = m.spec.clone();
        paused.enabled = false;
        s.update_monitor(m.id, &paused, day0 - DAY + 5 * HOUR)
            .await
            .expect("pause");
        s.update_monitor(m.id, &m.spec, day0 - DAY + 11 * HOUR)
            .await
            .expect("resume");
        s.insert_checks(&[check(m.id, down, false), check(m.id, now, true)])
            .await
            .expect("checks");
        let bars = s.uptime_bars(&m, 5, now).await.expect("bars");
        assert_eq!(bars.len(), 5, "{backend}");
        assert_eq!(bars[0].day_ms, day0 - 4 * DAY);
        assert_eq!(
            bars[0].uptime_pct, None,
            "{backend}: before the monitor existed"
        );
        assert_eq!(
            bars[1].uptime_pct,
            Some(100.0),
            "{backend}: half a day, all up"
        );
        let want = 100.0 * 23.0 / 24.0;
        assert!(
            (bars[2].uptime_pct.expect("pct") - want).abs() < 1e-9,
            "{backend}"
        );
        assert_eq!(
            (bars[2].downtime_ms, bars[2].checks, bars[2].failed),
            (HOUR, 1, 1)
        );
        assert_eq!(
            bars[3].uptime_pct,
            Some(100.0),
            "{backend}: paused time is not down"
        );
        assert_eq!(
            (bars[4].day_ms, bars[4].checks),
            (day0, 1),
            "{backend}: today"
        );
    }
}

#[actix_rt::test]
async fn all_monitors_at_once_match_each_monitor_alone() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let now = now_ms();
        let a = s
            .insert_monitor(&spec("a"), now - 3 * DAY)
            .await
            .expect("a");
        let b = s.insert_monitor(&spec("b"), now - DAY).await.expect("b");
        let quiet = s.insert_monitor(&spec("q"), now).await.expect("q");
        let mut checks = Vec::new();
        for i in 0..300 {
            let at = now - 2 * DAY + i * 10 * 60_000;
            let mut c = check(if i % 3 == 0 { b.id } else { a.id }, at, i % 7 != 0);
            c.latency_us = 1_000 + i * 37;
            checks.push(c);
        }
        s.insert_checks(&checks).await.expect("store");
        s.apply_transition(a.id, MonitorStatus::Down, now - 5 * HOUR, Some("x"))
            .await
            .expect("down");
        let mut paused = b.spec.clone();
        paused.enabled = false;
        s.update_monitor(b.id, &paused, now - HOUR)
            .await
            .expect("pause");
        let mut all = std::collections::HashMap::new();
        s.all_monitor_windows([&a, &b, &quiet], now, |id, w| {
            all.insert(id, w);
        })
        .await
        .expect("all");
        for m in [&a, &b, &quiet] {
            let alone = s.monitor_windows(m, now).await.expect("alone");
            let together = &all[&m.id];
            assert_eq!(alone.len(), together.len(), "{backend}");
            for (x, y) in alone.iter().zip(together) {
                assert_eq!(
                    (
                        x.name,
                        x.checks,
                        x.failed,
                        x.monitored_ms,
                        x.down_ms,
                        x.incidents
                    ),
                    (
                        y.name,
                        y.checks,
                        y.failed,
                        y.monitored_ms,
                        y.down_ms,
                        y.incidents
                    ),
                    "{backend} monitor {}",
                    m.id
                );
                assert_eq!(x.percentile_ms(0.99), y.percentile_ms(0.99));
            }
        }
        let summary = crate::stats::summary_of(&all[&a.id], now);
        assert!(summary.uptime_24h.is_some_and(|u| u < 100.0), "{backend}");
        assert!(summary.p99_7d_ms.is_some());
    }
}

#[actix_rt::test]
async fn sums_slid_to_a_new_hour_or_day_equal_sums_merged_afresh() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let now = now_ms();
        let m = s
            .insert_monitor(&spec("s"), now - 100 * DAY)
            .await
            .expect("m");
        // Checks over 95 days (so the 365d window exists), denser in the last 8.
        let checks: Vec<_> = (0..3_000)
            .map(|i| {
                let at = if i < 1_000 {
                    now - 95 * DAY + i * 87 * 86_400
                } else {
                    now - 8 * DAY + (i - 1_000) * 6 * 60_000
                };
                let mut c = check(m.id, at, i % 11 != 0);
                c.latency_us = 500 + (i * 7919) % 20_000;
                c
            })
            .filter(|c| c.checked_at_ms <= now)
            .collect();
        s.insert_checks(&checks).await.expect("store");
        // Cached five hours (then three days) ago, slid forward, then merged afresh.
        for ago in [5 * HOUR, 3 * DAY] {
            s.closed.invalidate([m.id]);
            s.monitor_windows(&m, now - ago).await.expect("then");
            let slid = s.monitor_windows(&m, now).await.expect("slid");
            s.closed.invalidate([m.id]);
            let fresh = s.monitor_windows(&m, now).await.expect("fresh");
            assert_eq!(slid.len(), 5, "{backend}: 365d too");
            for (a, b) in slid.iter().zip(&fresh) {
                assert_eq!(
                    (a.name, a.checks, a.failed, a.latency_sum_us),
                    (b.name, b.checks, b.failed, b.latency_sum_us),
                    "{backend}, cached {ago} ms before"
                );
                for q in [0.5, 0.99] {
                    assert_eq!(
                        a.percentile_ms(q),
                        b.percentile_ms(q),
                        "{backend} {}",
                        a.name
                    );
                }
            }
        }
    }
}
