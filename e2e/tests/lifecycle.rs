//! Restarts, crashes and shutdown of the real binary; the PostgreSQL backend end to end.

use std::time::{Duration, Instant};

use e2e::scrape::{sample, scrape};
use e2e::{eventually, Flatline, FlatlineOptions, PrivatePostgres, Target};
use flatline_store::Store;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

fn id(m: &Value) -> i64 {
    m["id"].as_i64().expect("monitor id")
}

/// Down → restart (graceful, then a crash) → still one incident → recovery resolves it.
async fn incidents_survive_restarts(fl: &mut Flatline, target: &Target) {
    let m = fl
        .create_monitor(json!({"name": "r", "url": target.url("/r"), "interval_seconds": 1}))
        .await;
    let steady_target = Target::start();
    let other = fl
        .create_monitor(
            json!({"name": "steady", "url": steady_target.url("/steady"), "interval_seconds": 1}),
        )
        .await;
    let mid = id(&m);
    target.set_status(503);
    eventually("down with an open incident", WAIT, || async {
        let i = fl.incidents(mid).await;
        (i.len() == 1 && fl.status(mid).await == "down").then_some(())
    })
    .await;
    let checks_before = eventually("checks stored", WAIT, || async {
        let n = fl.checks(mid).await.len();
        (n >= 1).then_some(n)
    })
    .await;

    let status = fl.stop();
    assert!(status.success(), "graceful stop exits 0, got {status:?}");
    fl.restart();
    assert_eq!(fl.status(mid).await, "down", "down carries over a restart");
    let hits = target.hits("/r");
    eventually("checked again after the restart", WAIT, || async {
        (target.hits("/r") >= hits + 2).then_some(())
    })
    .await;
    eventually("steady monitor resumed too", WAIT, || async {
        (steady_target.hits("/steady") >= 2 && fl.status(id(&other)).await == "up").then_some(())
    })
    .await;
    assert!(fl.checks(mid).await.len() >= checks_before, "checks kept");

    fl.kill();
    fl.restart();
    let hits = target.hits("/r");
    eventually("checked again after a crash", WAIT, || async {
        (target.hits("/r") >= hits + 2).then_some(())
    })
    .await;
    let incidents = fl.incidents(mid).await;
    assert_eq!(incidents.len(), 1, "never duplicated: {incidents:?}");
    assert_eq!(incidents[0]["resolved_at"], Value::Null);

    target.set_status(200);
    eventually("resolved by the next success", WAIT, || async {
        let i = fl.incidents(mid).await;
        (i.len() == 1 && i[0]["resolved_at"].is_string()).then_some(())
    })
    .await;
    assert_eq!(fl.status(mid).await, "up");
    assert_eq!(
        fl.get("/api/v1/incidents").await.as_array().map(Vec::len),
        Some(1)
    );
}

#[actix_rt::test]
async fn a_restart_keeps_monitors_running_and_incidents_consistent() {
    let target = Target::start();
    let mut fl = Flatline::start();
    incidents_survive_restarts(&mut fl, &target).await;
}

#[actix_rt::test]
async fn sigterm_flushes_every_buffered_check_and_exits_zero() {
    let target = Target::start();
    // Writes only on shutdown (or 1000 rows): everything stored must come from the final flush.
    let mut fl = Flatline::start_with(FlatlineOptions {
        env: vec![("CHECK_FLUSH_INTERVAL_MS".into(), "60000".into())],
        ..Default::default()
    });
    let m = fl
        .create_monitor(json!({"name": "f", "url": target.url("/f"), "interval_seconds": 1}))
        .await;
    eventually("three checks made", WAIT, || async {
        (target.hits("/f") >= 3).then_some(())
    })
    .await;
    assert!(fl.checks(id(&m)).await.is_empty(), "nothing flushed yet");
    let status = fl.stop();
    assert!(status.success(), "exit status {status:?}");
    let hits = target.hits("/f");
    let store = Store::connect(&fl.database_url)
        .await
        .expect("open the database");
    let stored = store.count_checks(id(&m)).await.expect("count") as usize;
    // A check cut off by the shutdown while in flight is not a result; every finished one is.
    assert!(
        stored + 1 >= hits && stored <= hits,
        "{stored} stored of {hits} made"
    );
    assert!(stored >= 3);
    store.close().await;
}

#[actix_rt::test]
async fn flatline_runs_on_postgresql() {
    let Ok(admin) = std::env::var("FLATLINE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set FLATLINE_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: FLATLINE_TEST_POSTGRES_URL is not set");
        return;
    };
    let name = format!(
        "e2e_{}_{}",
        std::process::id(),
        flatline_store::clock::now_ms()
    );
    let url = flatline_store::create_postgres_database(&admin, &name)
        .await
        .expect("create database");
    let target = Target::start();
    let mut fl = Flatline::start_with(FlatlineOptions {
        database_url: Some(url),
        ..Default::default()
    });
    assert!(fl.log().contains("backend=\"postgres\""), "{}", fl.log());
    incidents_survive_restarts(&mut fl, &target).await;
}

#[actix_rt::test]
async fn shutting_down_opens_no_incident_for_monitors_of_flatline_itself() {
    let mut fl = Flatline::start();
    let own = fl.url("/healthz");
    // Twenty monitors a second on Flatline's own health endpoint: some check is always due
    // or in flight while the server goes away.
    let mut ids = Vec::new();
    for i in 0..20 {
        let m = fl
            .create_monitor(json!({"name": format!("self-{i}"), "url": own, "interval_seconds": 1}))
            .await;
        ids.push(id(&m));
    }
    eventually("all up", WAIT, || async {
        let all = fl.get("/api/v1/monitors").await;
        let up = all
            .as_array()
            .map_or(0, |a| a.iter().filter(|m| m["status"] == "up").count());
        (up == ids.len()).then_some(())
    })
    .await;
    // On their grid by now: a check every 50 ms or so.
    for &mid in &ids {
        eventually("three checks each", WAIT, || async {
            (fl.checks(mid).await.len() >= 3).then_some(())
        })
        .await;
    }
    assert!(fl.stop().success());
    let store = Store::connect(&fl.database_url)
        .await
        .expect("open the database");
    let incidents = store.list_incidents(None, 100).await.expect("incidents");
    assert!(
        incidents.is_empty(),
        "shutdown opened incidents: {incidents:?}"
    );
    for mid in ids {
        let m = store.get_monitor(mid).await.expect("get").expect("monitor");
        assert_eq!(m.status.as_str(), "up");
    }
    store.close().await;
}

/// Waits until the writer has stored everything it buffered.
async fn drained(fl: &Flatline) -> String {
    eventually(
        "the check buffer drained",
        Duration::from_secs(60),
        || async {
            let m = scrape(fl).await;
            (sample(&m, "flatline_check_write_backlog") == 0.0).then_some(m)
        },
    )
    .await
}

#[actix_rt::test]
async fn postgresql_stopped_and_restarted_under_load_loses_no_check() {
    let pg = PrivatePostgres::start();
    let target = Target::start();
    let fl = Flatline::start_with(FlatlineOptions {
        database_url: Some(pg.url()),
        env: vec![("FLATLINE_METRICS_PUBLIC".into(), "true".into())],
        ..Default::default()
    });
    let ids = fl.create_monitors("pg", &target.url("/"), 20, 1).await;
    fl.wait_for_status(ids[19], "up", WAIT).await;

    // Stopped: unhealthy, the API answers 503 promptly, checks go on into the buffer.
    pg.stop();
    eventually("/healthz unhealthy", WAIT, || async {
        (fl.send("GET", "/healthz", &[], None).await.status == 503).then_some(())
    })
    .await;
    let asked = Instant::now();
    let (status, body) = fl
        .request("GET", &format!("/api/v1/monitors/{}/checks", ids[0]), None)
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "storage_unavailable", "{body}");
    assert!(
        asked.elapsed() < Duration::from_secs(8),
        "{:?}",
        asked.elapsed()
    );
    let buffered = eventually(
        "checks buffered meanwhile",
        Duration::from_secs(60),
        || async {
            let n = sample(&scrape(&fl).await, "flatline_check_write_backlog");
            (n >= 200.0).then_some(n)
        },
    )
    .await;

    // Back: everything buffered is stored; then a restart under load, the same.
    pg.start_again();
    drained(&fl).await;
    assert_eq!(fl.send("GET", "/healthz", &[], None).await.status, 200);
    pg.restart();
    let m = drained(&fl).await;
    assert!(sample(&m, "flatline_check_write_errors_total") >= 1.0);
    assert_eq!(sample(&m, "flatline_checks_dropped_total"), 0.0);
    assert!(!fl.log().contains("panicked"));

    // Count them: every check stored is a row, and the rows cover the outage.
    for &m in &ids {
        let (status, body) = fl
            .patch(&format!("/api/v1/monitors/{m}"), &json!({"enabled": false}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let m = drained(&fl).await;
    let store = Store::connect(&pg.url()).await.expect("open the database");
    let mut rows = 0;
    for &m in &ids {
        rows += store.count_checks(m).await.expect("count");
    }
    store.close().await;
    assert_eq!(rows as f64, sample(&m, "flatline_checks_stored_total"));
    assert!(
        rows as f64 >= buffered,
        "{rows} rows, {buffered} buffered during the outage"
    );
    assert!(
        fl.incidents(ids[0]).await.is_empty(),
        "no incident from a database outage"
    );
}

#[actix_rt::test]
async fn start_up_waits_for_an_unreachable_postgresql() {
    let pg = PrivatePostgres::start();
    pg.stop();
    // Flatline's first connection attempt is taken here and cut; then PostgreSQL starts.
    let port = pg.port;
    let starter = std::thread::spawn(move || {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind");
        let (first_attempt, _) = listener.accept().expect("an attempt to connect");
        drop(first_attempt);
        drop(listener);
        pg.start_again();
        pg
    });
    let fl = Flatline::start_with(FlatlineOptions {
        database_url: Some(format!("postgres://flatline@127.0.0.1:{port}/postgres")),
        anonymous: true,
        ..Default::default()
    });
    let _pg = starter.join().expect("the starter thread");
    assert!(
        fl.log().contains("cannot reach the database; retrying"),
        "{}",
        fl.log()
    );
    assert_eq!(fl.send("GET", "/healthz", &[], None).await.status, 200);
}

/// A small tmpfs mounted for one test, as a disk that can really fill up; unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` where mounting is not permitted (not root, or no CAP_SYS_ADMIN).
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self { dir })
    }

    /// Writes zeros to `filler` until the disk is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.path().join("filler");
        let mut f = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).and_then(|()| f.flush()).is_ok() {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[actix_rt::test]
async fn a_full_disk_buffers_checks_logs_once_and_corrupts_nothing() {
    let Some(disk) = SmallDisk::mount("3m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
        return;
    };
    let db_path = disk.dir.path().join("flatline.db");
    let target = Target::start();
    let mut fl = Flatline::start_with(FlatlineOptions {
        database_url: Some(format!("sqlite:{}", db_path.display())),
        env: vec![("FLATLINE_METRICS_PUBLIC".into(), "true".into())],
        ..Default::default()
    });
    let ids = fl.create_monitors("d", &target.url("/"), 20, 1).await;
    fl.wait_for_status(ids[19], "up", WAIT).await;

    let filler = disk.fill();
    let before = scrape(&fl).await;
    let started = sample(&before, "flatline_checks_started_total");
    // SQLite fails a write or more with "database or disk is full", then gets by in its
    // write-ahead log for a while; checks go on meanwhile.
    eventually(
        "a write failing, checks going on",
        Duration::from_secs(60),
        || async {
            let m = scrape(&fl).await;
            (sample(&m, "flatline_check_write_errors_total") >= 1.0
                && sample(&m, "flatline_checks_started_total") >= started + 60.0)
                .then_some(())
        },
    )
    .await;
    std::fs::remove_file(&filler).expect("free the space");
    let m = drained(&fl).await;
    assert_eq!(sample(&m, "flatline_checks_dropped_total"), 0.0);
    let log = fl.log();
    assert_eq!(
        log.matches("storing checks failed").count(),
        1,
        "once a minute, not once a batch:\n{log}"
    );
    assert!(log.contains("storing checks works again"), "{log}");
    assert!(
        fl.incidents(ids[0]).await.is_empty(),
        "a full disk is not the targets' outage"
    );

    // Stopped, the database is whole and holds every stored check.
    for &m in &ids {
        fl.patch(&format!("/api/v1/monitors/{m}"), &json!({"enabled": false}))
            .await;
    }
    let stored = sample(&drained(&fl).await, "flatline_checks_stored_total");
    assert!(fl.stop().success());
    let db = sea_orm::Database::connect(format!("sqlite:{}?mode=ro", db_path.display()))
        .await
        .expect("open the database");
    use sea_orm::ConnectionTrait;
    let integrity = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .expect("integrity_check")
        .expect("a row");
    assert_eq!(integrity.try_get_by_index::<String>(0).expect("text"), "ok");
    let rows = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "SELECT COUNT(*) FROM checks",
        ))
        .await
        .expect("count")
        .expect("a row")
        .try_get_by_index::<i64>(0)
        .expect("number");
    assert_eq!(rows as f64, stored);
    db.close().await.expect("close");
}
