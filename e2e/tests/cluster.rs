//! Several real `flatline` processes on one real PostgreSQL: they split the monitors, check
//! each once, take over from a node killed (kill -9) or frozen (SIGSTOP) within the lease,
//! rebalance when a node joins, and send every alert once, through a rolling restart too.
//! A second process on one SQLite file is refused.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use e2e::{eventually, Flatline, FlatlineOptions, Receiver, Target};
use serde_json::{json, Value};

/// Lease used by these tests: short, so failover is quick to see.
const LEASE_SECONDS: u64 = 3;
const WAIT: Duration = Duration::from_secs(60);

/// A fresh database on the test PostgreSQL, or `None` (skipped) outside CI without one.
async fn database() -> Option<String> {
    let Ok(admin) = std::env::var("FLATLINE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set FLATLINE_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: FLATLINE_TEST_POSTGRES_URL is not set");
        return None;
    };
    let name = format!(
        "cluster_{}_{}_{}",
        std::process::id(),
        flatline_store::clock::now_ms(),
        rand_suffix()
    );
    Some(
        flatline_store::create_postgres_database(&admin, &name)
            .await
            .expect("create database"),
    )
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish() as u32
}

fn node(url: &str, name: &str, extra: &[(&str, &str)]) -> Flatline {
    let mut env = vec![
        ("FLATLINE_NODE_ID".to_owned(), name.to_owned()),
        (
            "FLATLINE_LEASE_SECONDS".to_owned(),
            LEASE_SECONDS.to_string(),
        ),
        ("FLATLINE_ENGINE_WORKERS".to_owned(), "1".to_owned()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Flatline::start_with(FlatlineOptions {
        database_url: Some(url.to_owned()),
        env,
        ..Default::default()
    })
}

/// Waits until `fl` sees `alive` nodes alive, every shard held by one of them with none
/// holding more than its share, and no node over 1.5× its fair share of monitors (nor, with
/// enough monitors, without any); returns monitor id → node.
async fn balanced(fl: &Flatline, alive: usize, monitors: usize) -> HashMap<i64, String> {
    let deadline = Instant::now() + WAIT;
    loop {
        // A client of its own each time: awc's pool of the instance's client has been seen
        // to fail ("connector has been disconnected") while other nodes restart.
        let client = e2e::ApiClient::new(fl.base_url.clone(), fl.token.clone());
        let c = client.get("/api/v1/cluster").await;
        if let Some(placed) = is_balanced(&c, alive, monitors) {
            return placed;
        }
        assert!(
            Instant::now() < deadline,
            "no balanced cluster of {alive} within {WAIT:?}; last seen: {c}"
        );
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
}

fn is_balanced(c: &Value, alive: usize, monitors: usize) -> Option<HashMap<i64, String>> {
    let nodes: Vec<&Value> = c["nodes"]
        .as_array()?
        .iter()
        .filter(|n| n["alive"] == true)
        .collect();
    let placed: HashMap<i64, String> = c["monitors"]
        .as_array()?
        .iter()
        .filter_map(|m| Some((m["monitor_id"].as_i64()?, m["node"].as_str()?.to_owned())))
        .collect();
    let shards: Vec<u64> = nodes
        .iter()
        .map(|n| n["shards_owned"].as_u64().unwrap_or(0))
        .collect();
    let share = 256_u64.div_ceil(alive as u64);
    let fair = monitors as f64 / alive as f64;
    let ok = nodes.len() == alive
        && shards.iter().sum::<u64>() == 256
        && shards.iter().all(|s| *s <= share)
        && placed.len() == monitors
        && nodes.iter().all(|n| {
            let owned = n["monitors_owned"].as_u64().unwrap_or(0) as f64;
            owned <= (1.5 * fair).ceil() && (monitors < 3 * alive || owned >= 1.0)
        });
    ok.then_some(placed)
}

async fn monitors(fl: &Flatline, target: &Target, count: usize, interval: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..count {
        let m = fl
            .create_monitor(json!({"name": format!("m{i}"), "url": target.url(&format!("/m/{i}")), "interval_seconds": interval}))
            .await;
        ids.push(m["id"].as_i64().expect("id"));
    }
    ids
}

/// A monitor of `failing`'s `/billing` every second, whose alerts go to `receiver`.
async fn watched(fl: &Flatline, failing: &Target, receiver: &Receiver) -> i64 {
    let id = fl
        .create_monitor(
            json!({"name": "billing", "url": failing.url("/billing"), "interval_seconds": 1}),
        )
        .await["id"]
        .as_i64()
        .expect("id");
    fl.webhook_to(id, &receiver.url("/hook")).await;
    id
}

/// The events the receiver accepted, in order (`down`, `up`, …).
fn events(receiver: &Receiver) -> Vec<String> {
    receiver
        .accepted("/hook")
        .iter()
        .map(|r| r.body["event"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Hits of `path` at or after `since`.
fn hits_since(target: &Target, path: &str, since: Instant) -> usize {
    target
        .hit_times(path)
        .into_iter()
        .filter(|t| *t >= since)
        .count()
}

fn by_id<'a>(nodes: &'a [Flatline], names: &[&str], id: &str) -> &'a Flatline {
    let i = names.iter().position(|n| *n == id).expect("a known node");
    &nodes[i]
}

#[actix_rt::test]
async fn nodes_split_the_monitors_check_each_once_and_rebalance_when_one_joins() {
    let Some(url) = database().await else { return };
    let target = Target::start();
    let a = node(&url, "node-a", &[]);
    let b = node(&url, "node-b", &[]);
    let ids = monitors(&a, &target, 60, 2).await;
    balanced(&a, 2, 60).await;

    // A third node joins: within a minute it has its share and nobody has much more.
    let joined = Instant::now();
    let c = node(&url, "node-c", &[]);
    let placed = balanced(&b, 3, 60).await;
    eprintln!("rebalanced {:?} after the join", joined.elapsed());
    let mut per_node: HashMap<&str, usize> = HashMap::new();
    for n in placed.values() {
        *per_node.entry(n).or_default() += 1;
    }
    assert_eq!(per_node.len(), 3, "{per_node:?}");

    // 20 s of checks at a 2 s interval: 10 per monitor, not 20 or 30.
    let start = Instant::now() + Duration::from_secs(1);
    eventually("20 s of checks", WAIT, || async {
        (start.elapsed() >= Duration::from_secs(21)).then_some(())
    })
    .await;
    let counts: Vec<usize> = (0..60)
        .map(|i| {
            target
                .hit_times(&format!("/m/{i}"))
                .into_iter()
                .filter(|t| *t >= start && *t < start + Duration::from_secs(20))
                .count()
        })
        .collect();
    let total: usize = counts.iter().sum();
    assert!(
        (540..=660).contains(&total),
        "the scheduled rate is 600 checks in 20 s; got {total}: {counts:?}"
    );
    assert!(
        counts.iter().all(|c| (8..=12).contains(c)),
        "every monitor checked once per interval: {counts:?}"
    );

    // Every node answers for every monitor, with a fresh last check and who runs it.
    for fl in [&a, &b, &c] {
        let list = fl.get("/api/v1/monitors").await;
        let list = list.as_array().expect("monitors");
        assert_eq!(list.len(), 60);
        let now = time::OffsetDateTime::now_utc();
        for m in list {
            let at = m["last_check"]["checked_at"].as_str().unwrap_or_default();
            let at =
                time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                    .expect("a last check");
            assert!(now - at < time::Duration::seconds(6), "stale: {m}");
            assert!(m["node"].is_string(), "{m}");
        }
    }
    let one = a.get(&format!("/api/v1/monitors/{}", ids[0])).await;
    assert_eq!(
        one["node"].as_str(),
        placed.get(&ids[0]).map(String::as_str)
    );
    // A change made through a node that does not run the monitor reaches the one that
    // does at once; its new state shows on every node within seconds.
    let moved = ids[5];
    let owner = placed[&moved].clone();
    let (elsewhere, elsewhere_name) = [(&a, "node-a"), (&b, "node-b"), (&c, "node-c")]
        .into_iter()
        .find(|(_, n)| *n != owner)
        .expect("another node");
    let changed = Instant::now();
    let (status, _) = elsewhere
        .patch(
            &format!("/api/v1/monitors/{moved}"),
            &json!({"url": target.url("/moved"), "expected_status_codes": [404]}),
        )
        .await;
    assert_eq!(status, 200);
    eventually("the owner checks the new URL", WAIT, || async {
        (target.hits("/moved") > 0).then_some(())
    })
    .await;
    eprintln!(
        "a change through {elsewhere_name} reached {owner} after {:?}",
        changed.elapsed()
    );
    assert!(
        changed.elapsed() < Duration::from_secs(3),
        "{:?}",
        changed.elapsed()
    );
    // (The target answers 200 on /moved; 404 is expected: down after its retries.)
    for fl in [&a, &b, &c] {
        fl.wait_for_status(moved, "down", Duration::from_secs(10))
            .await;
    }

    // Deleted through a node that does not run it: the node that did stops checking it.
    let gone = ids[6];
    let gone_owner = placed[&gone].clone();
    let deleter = [(&a, "node-a"), (&b, "node-b"), (&c, "node-c")]
        .into_iter()
        .find(|(_, n)| *n != gone_owner)
        .map(|(fl, _)| fl)
        .expect("another node");
    assert_eq!(
        deleter.delete(&format!("/api/v1/monitors/{gone}")).await,
        204
    );
    let deleted = Instant::now();
    eventually("no node lists the deleted monitor", WAIT, || async {
        let mut all = Vec::new();
        for fl in [&a, &b, &c] {
            let listed = fl.get("/api/v1/monitors").await;
            all.push(
                listed
                    .as_array()
                    .is_some_and(|l| l.iter().all(|m| m["id"] != gone)),
            );
        }
        all.iter().all(|gone| *gone).then_some(())
    })
    .await;
    let path = "/m/6";
    let settled = deleted + Duration::from_secs(1);
    eventually("4 s after the deletion", WAIT, || async {
        (settled.elapsed() >= Duration::from_secs(4)).then_some(())
    })
    .await;
    assert_eq!(
        hits_since(&target, path, settled),
        0,
        "still checked after deletion"
    );

    // A status page made through one node is served by every node at once.
    let (status, _) = a
        .post(
            "/api/v1/status-pages",
            &json!({"slug": "public", "title": "Acme", "sections": [{"name": "All", "monitors": [{"monitor_id": ids[0]}]}]}),
        )
        .await;
    assert_eq!(status, 201);
    eventually("the page on every node", WAIT, || async {
        let mut ok = true;
        for fl in [&a, &b, &c] {
            ok &= fl
                .send("GET", "/status/public/status.json", &[], None)
                .await
                .status
                == 200;
        }
        ok.then_some(())
    })
    .await;

    // A push monitor pinged through a node that does not run it.
    let push = a
        .create_monitor(json!({"name": "nightly", "kind": "push", "interval_seconds": 60}))
        .await;
    let push_id = push["id"].as_i64().expect("id");
    let push_url = push["push_url"].as_str().expect("push url").to_owned();
    let runs_push = eventually("the push monitor placed", WAIT, || async {
        a.get(&format!("/api/v1/monitors/{push_id}")).await["node"]
            .as_str()
            .map(str::to_owned)
    })
    .await;
    let pinger = [(&a, "node-a"), (&b, "node-b"), (&c, "node-c")]
        .into_iter()
        .find(|(_, n)| *n != runs_push)
        .map(|(fl, _)| fl)
        .expect("another node");
    let answer = pinger.send("GET", &push_url, &[], None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    for fl in [&a, &b, &c] {
        fl.wait_for_status(push_id, "up", Duration::from_secs(10))
            .await;
    }

    let metrics = e2e::scrape::scrape(&c).await;
    assert_eq!(e2e::scrape::sample(&metrics, "flatline_cluster_nodes"), 3.0);
    assert!(metrics.contains("flatline_cluster_monitors_owned"));
    assert!(metrics.contains("flatline_cluster_takeovers_total"));
}

#[actix_rt::test]
async fn an_outage_alerts_once_and_a_killed_node_is_replaced_within_the_lease() {
    let Some(url) = database().await else { return };
    let steady = Target::start();
    let failing = Target::start();
    let receiver = Receiver::start();
    let names = ["k-a", "k-b", "k-c"];
    let mut nodes: Vec<Flatline> = names.iter().map(|n| node(&url, n, &[])).collect();
    let ids = monitors(&nodes[0], &steady, 12, 1).await;
    let watched = watched(&nodes[1], &failing, &receiver).await;
    balanced(&nodes[0], 3, 13).await;
    nodes[0].wait_for_status(watched, "up", WAIT).await;

    // One outage: one down alert and one up alert across the three nodes.
    failing.set_status(503);
    eventually("the down alert", WAIT, || async {
        (events(&receiver) == ["down"]).then_some(())
    })
    .await;
    failing.set_status(200);
    eventually("the up alert", WAIT, || async {
        (events(&receiver) == ["down", "up"]).then_some(())
    })
    .await;
    assert_eq!(nodes[1].incidents(watched).await.len(), 1);

    // kill -9 the node running the first steady monitor: its monitors are checked again
    // within the lease and an interval (and a tick of the survivors).
    let placed = balanced(&nodes[0], 3, 13).await;
    let victim = placed[&ids[0]].clone();
    let theirs: Vec<usize> = (0..12).filter(|i| placed[&ids[*i]] == victim).collect();
    let i = names.iter().position(|n| *n == victim).expect("victim");
    nodes[i].kill();
    let killed = Instant::now();
    let survivor = &nodes[(i + 1) % 3];
    eventually("the victim's monitors checked again", WAIT, || async {
        theirs
            .iter()
            .all(|m| {
                hits_since(
                    &steady,
                    &format!("/m/{m}"),
                    killed + Duration::from_millis(500),
                ) > 0
            })
            .then_some(())
    })
    .await;
    let took = killed.elapsed();
    eprintln!("failover after kill -9: {took:?}");
    assert!(
        took <= Duration::from_secs(LEASE_SECONDS + 1 + 1 + 2),
        "taken over within lease + interval + a renewal period (and 2 s for a loaded machine): {took:?}"
    );
    balanced(survivor, 2, 13).await;
    let took_over: f64 = [&nodes[(i + 1) % 3], &nodes[(i + 2) % 3]]
        .iter()
        .map(|fl| async move {
            e2e::scrape::sample(
                &e2e::scrape::scrape(fl).await,
                "flatline_cluster_takeovers_total",
            )
        })
        .collect::<futures_util::future::JoinAll<_>>()
        .await
        .into_iter()
        .sum();
    assert!(took_over > 0.0, "the survivors counted their takeovers");
    for id in &ids {
        assert!(
            survivor.incidents(*id).await.is_empty(),
            "the failover opened an incident for {id}"
        );
    }
    assert_eq!(events(&receiver), ["down", "up"], "nothing more was sent");
}

#[actix_rt::test]
async fn a_frozen_node_is_replaced_and_when_it_thaws_it_acts_on_nothing_it_lost() {
    let Some(url) = database().await else { return };
    let steady = Target::start();
    let failing = Target::start();
    let receiver = Receiver::start();
    let names = ["f-a", "f-b", "f-c"];
    let nodes: Vec<Flatline> = names.iter().map(|n| node(&url, n, &[])).collect();
    let ids = monitors(&nodes[0], &steady, 12, 1).await;
    let watched = watched(&nodes[0], &failing, &receiver).await;
    let placed = balanced(&nodes[0], 3, 13).await;
    nodes[0].wait_for_status(watched, "up", WAIT).await;

    // Freeze the node running the watched monitor past its lease.
    let frozen_id = placed[&watched].clone();
    let frozen = by_id(&nodes, &names, &frozen_id);
    let other = nodes
        .iter()
        .zip(names)
        .find(|(_, n)| *n != frozen_id)
        .map(|(f, _)| f)
        .expect("another node");
    frozen.freeze();
    let froze = Instant::now();
    eventually("another node runs the watched monitor", WAIT, || async {
        let m = other.get(&format!("/api/v1/monitors/{watched}")).await;
        (m["node"].is_string() && m["node"] != frozen_id.as_str()).then_some(())
    })
    .await;
    eprintln!("taken over from a frozen node after {:?}", froze.elapsed());

    // An outage while it is frozen is alerted once, by the new holder.
    failing.set_status(503);
    eventually("the down alert", WAIT, || async {
        (events(&receiver) == ["down"]).then_some(())
    })
    .await;

    // It thaws: whatever it held is fenced; it gets a share again, and each monitor is
    // checked once per interval again.
    frozen.thaw();
    balanced(other, 3, 13).await;
    let start = Instant::now() + Duration::from_secs(1);
    eventually("10 s of checks", WAIT, || async {
        (start.elapsed() >= Duration::from_secs(11)).then_some(())
    })
    .await;
    for i in 0..12 {
        let n = steady
            .hit_times(&format!("/m/{i}"))
            .into_iter()
            .filter(|t| *t >= start && *t < start + Duration::from_secs(10))
            .count();
        assert!(
            (8..=12).contains(&n),
            "monitor {i}: {n} checks in 10 s at 1 s"
        );
    }
    assert_eq!(events(&receiver), ["down"], "the thawed node sent nothing");
    assert_eq!(other.incidents(watched).await.len(), 1);
    failing.set_status(200);
    eventually("the up alert", WAIT, || async {
        (events(&receiver) == ["down", "up"]).then_some(())
    })
    .await;
    assert_eq!(other.incidents(watched).await.len(), 1);
    for id in &ids {
        assert!(other.incidents(*id).await.is_empty());
    }
}

#[actix_rt::test]
async fn a_delivery_in_flight_on_a_killed_node_is_sent_by_another_once() {
    let Some(url) = database().await else { return };
    let failing = Target::start();
    let receiver = Receiver::start();
    let slow = [("NOTIFICATION_TIMEOUT_SECONDS", "10")];
    let names = ["d-a", "d-b"];
    let mut nodes: Vec<Flatline> = names.iter().map(|n| node(&url, n, &slow)).collect();
    let watched = watched(&nodes[0], &failing, &receiver).await;
    balanced(&nodes[1], 2, 1).await;
    nodes[0].wait_for_status(watched, "up", WAIT).await;

    // The receiver takes the alert and never answers; the sender is killed mid-send.
    receiver.hang("/hook");
    failing.set_status(503);
    eventually("the alert in flight", WAIT, || async {
        (!receiver.received("/hook").is_empty()).then_some(())
    })
    .await;
    let db = sea_orm::Database::connect(url.as_str()).await.expect("db");
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT claimed_by FROM deliveries WHERE event = 'down'",
        ))
        .await
        .expect("query")
        .expect("the delivery");
    let sender: String = row.try_get_by_index(0).expect("claimed_by");
    let i = names
        .iter()
        .position(|n| *n == sender)
        .expect("a node sent it");
    nodes[i].kill();
    receiver.unhang("/hook");
    let survivor = &nodes[1 - i];

    // The other node sends it when the claim runs out (10 s × 2 + 5 s), once.
    let channel = survivor.get("/api/v1/notification-channels").await[0]["id"]
        .as_i64()
        .expect("channel");
    eventually("the delivery sent by the survivor", WAIT, || async {
        let list = survivor
            .get(&format!(
                "/api/v1/notification-channels/{channel}/deliveries"
            ))
            .await;
        (list[0]["status"] == "sent").then_some(())
    })
    .await;
    assert_eq!(events(&receiver), ["down"], "accepted once");
    assert_eq!(
        receiver.received("/hook").len(),
        2,
        "the lost attempt and the one sent"
    );
}

#[actix_rt::test]
async fn a_rolling_restart_under_an_outage_opens_one_incident_and_alerts_once() {
    let Some(url) = database().await else { return };
    let failing = Target::start();
    let receiver = Receiver::start();
    let names = ["r-a", "r-b", "r-c"];
    let mut nodes: Vec<Flatline> = names.iter().map(|n| node(&url, n, &[])).collect();
    let watched = watched(&nodes[0], &failing, &receiver).await;
    nodes[0].wait_for_status(watched, "up", WAIT).await;
    failing.set_status(503);
    eventually("the down alert", WAIT, || async {
        (events(&receiver) == ["down"]).then_some(())
    })
    .await;

    // One by one: a graceful stop, a start, and the cluster whole again.
    for i in 0..3 {
        let status = nodes[i].stop();
        assert!(status.success(), "{status:?}");
        nodes[i].restart();
        balanced(&nodes[(i + 1) % 3], 3, 1).await;
        nodes[i].wait_for_status(watched, "down", WAIT).await;
    }
    failing.set_status(200);
    eventually("the up alert", WAIT, || async {
        (events(&receiver) == ["down", "up"]).then_some(())
    })
    .await;
    assert_eq!(nodes[0].incidents(watched).await.len(), 1);
    assert_eq!(events(&receiver), ["down", "up"]);
}

#[actix_rt::test]
async fn a_second_process_on_one_sqlite_file_is_refused() {
    let fl = Flatline::start();
    let out = std::process::Command::new(e2e::binary())
        .args(["--address", "127.0.0.1:0"])
        .env("DATABASE_URL", &fl.database_url)
        .output()
        .expect("run flatline");
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("another flatline is already running"),
        "{text}"
    );
    // The first one still runs.
    assert_eq!(fl.get("/api/v1/cluster").await["shared"], false);
}
