//! Test helpers shared by the storage tests and the engine's: a store on SQLite, and on
//! PostgreSQL too when `FLATLINE_TEST_POSTGRES_URL` names a server (the README's test command
//! starts one; CI must have it).

use flatline_types::{CreateMonitor, MonitorSpec};

use crate::{create_postgres_database, CheckRecord, Store};

/// A store on a throwaway database.
pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

/// Stores on every configured backend, named.
pub async fn backends() -> Vec<(&'static str, TestDb)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let mut dbs = vec![(
        "sqlite",
        TestDb {
            store: Store::connect(&url).await.expect("sqlite"),
            _dir: Some(dir),
        },
    )];
    if let Ok(admin) = std::env::var("FLATLINE_TEST_POSTGRES_URL") {
        let name = format!("t_{}_{}", std::process::id(), crate::clock::now_ms());
        let name = format!("{name}_{}", rand_suffix());
        let url = create_postgres_database(&admin, &name)
            .await
            .expect("create pg db");
        dbs.push((
            "postgres",
            TestDb {
                store: Store::connect(&url).await.expect("postgres"),
                _dir: None,
            },
        ));
    } else if std::env::var("CI").is_ok() {
        panic!("CI must run the storage tests on PostgreSQL: set FLATLINE_TEST_POSTGRES_URL");
    }
    dbs
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish() % 1_000_000
}

/// A valid monitor spec named `name`, pointing at a closed loopback port.
pub fn spec(name: &str) -> MonitorSpec {
    CreateMonitor {
        name: name.into(),
        url: Some("http://127.0.0.1:9/".into()),
        headers: Some([("X-A".to_owned(), "b".to_owned())].into()),
        expected_status_codes: Some(vec![200, 204]),
        ..Default::default()
    }
    .into_spec()
    .expect("valid spec")
}

/// A check of `monitor_id` at `at`, up (200) or down (500).
pub fn check(monitor_id: i64, at: i64, up: bool) -> CheckRecord {
    CheckRecord {
        monitor_id,
        checked_at_ms: at,
        up,
        latency_us: 1500,
        status_code: Some(if up { 200 } else { 500 }),
        error: (!up).then(|| "unexpected status 500".to_owned()),
        lease: None,
    }
}
