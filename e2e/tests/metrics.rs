//! `/metrics`: what it exposes, that `promtool` accepts it, that it needs a token, and that a
//! real Prometheus scrapes it with one.

use std::process::{Command, Stdio};
use std::time::Duration;

use e2e::scrape::scrape;
use e2e::{closed_port, eventually, Flatline, FlatlineOptions, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn id(m: &Value) -> i64 {
    m["id"].as_i64().expect("id")
}

fn promtool_check(text: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; scripts/test.sh installs it)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    assert!(out.status.success(), "promtool failed: {out:?}");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[actix_rt::test]
async fn metrics_cover_monitors_and_the_engine_and_pass_promtool() {
    let target = Target::start();
    let fl = Flatline::start();
    let up = fl
        .create_monitor(
            json!({"name": "web", "url": target.url("/ok?token=s3cret"), "interval_seconds": 1}),
        )
        .await;
    let down = fl
        .create_monitor(json!({"name": "gone", "url": format!("http://127.0.0.1:{}/", closed_port()), "interval_seconds": 1}))
        .await;
    fl.wait_for_status(id(&up), "up", WAIT).await;
    fl.wait_for_status(id(&down), "down", WAIT).await;

    let anonymous = fl.send("GET", "/metrics", &[], None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["error"], "unauthorized");

    let (u, d) = (id(&up), id(&down));
    let text = eventually("both monitors' checks in the metrics", WAIT, || async {
        let t = scrape(&fl).await;
        (t.contains(&format!(
            r#"flatline_monitor_checks_total{{monitor_id="{d}",result="down"}}"#
        )) && t.contains(&format!(
            r#"flatline_monitor_check_duration_seconds_count{{monitor_id="{u}"}}"#
        )))
        .then_some(t)
    })
    .await;
    for line in [
        format!(r#"flatline_monitor_up{{monitor_id="{u}"}} 1"#),
        format!(r#"flatline_monitor_up{{monitor_id="{d}"}} 0"#),
        format!(r#"flatline_monitor_status{{monitor_id="{d}",status="down"}} 1"#),
        "flatline_open_incidents 1".to_owned(),
        "flatline_monitor_actors 2".to_owned(),
        "flatline_monitor_actor_restarts_total 0".to_owned(),
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
    for family in [
        "# TYPE flatline_monitor_check_duration_seconds histogram",
        "# TYPE flatline_monitor_checks_total counter",
        "# TYPE flatline_schedule_lag_seconds histogram",
        "# TYPE flatline_check_write_batch_size histogram",
        "# TYPE flatline_check_write_batch_duration_seconds histogram",
        "flatline_check_write_backlog ",
        "flatline_incident_backlog ",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
    ] {
        assert!(text.contains(family), "missing {family}");
    }
    // The info series names the monitor, without the URL's query (tokens live there).
    assert!(text.contains(&format!(r#"monitor_id="{u}",name="web""#)));
    assert!(!text.contains("s3cret"), "a URL secret leaked into a label");

    let complaints = promtool_check(&text);
    assert!(complaints.trim().is_empty(), "promtool: {complaints}");

    // A deleted monitor's series go with it.
    assert_eq!(fl.delete(&format!("/api/v1/monitors/{d}")).await, 204);
    let after = scrape(&fl).await;
    assert!(!after.contains(&format!(r#"monitor_id="{d}""#)), "{after}");
    assert!(after.lines().any(|l| l == "flatline_monitor_actors 1"));
}

#[actix_rt::test]
async fn metrics_can_be_made_public() {
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![("FLATLINE_METRICS_PUBLIC".into(), "true".into())],
        anonymous: true,
        ..Default::default()
    });
    let a = fl.send("GET", "/metrics", &[], None).await;
    assert_eq!(a.status, 200);
    // Only /metrics: the API still needs credentials.
    assert_eq!(
        fl.send("GET", "/api/v1/monitors", &[], None).await.status,
        401
    );
}

/// A real Prometheus on 127.0.0.1, scraping Flatline every second with a bearer token.
struct Prometheus {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: &str, token: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: flatline\n    scrape_interval: 1s\n\
                 \x20   authorization:\n      type: Bearer\n      credentials: {token}\n\
                 \x20   static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("config");
        let port = closed_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (Debian's prometheus package; scripts/test.sh installs it)");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[actix_rt::test]
async fn prometheus_scrapes_flatline_with_a_bearer_token() {
    let target = Target::start();
    let fl = Flatline::start();
    let m = fl
        .create_monitor(json!({"name": "web", "url": target.url("/"), "interval_seconds": 1}))
        .await;
    fl.wait_for_status(id(&m), "up", WAIT).await;
    let host = fl.base_url.trim_start_matches("http://").to_owned();
    let prometheus = Prometheus::start(&host, fl.token.as_deref().expect("token"));
    let client = awc::Client::default();
    let query = format!("{}/api/v1/query?query=flatline_monitor_up", prometheus.url);
    let want = m["id"].to_string();
    eventually(
        "Prometheus reports flatline_monitor_up 1",
        Duration::from_secs(60),
        || {
            let (client, query, want) = (&client, &query, &want);
            async move {
                let mut res = client.get(query).send().await.ok()?;
                let v: Value = res.json().await.ok()?;
                v["data"]["result"].as_array()?.iter().find(|r| {
                    r["metric"]["monitor_id"].as_str() == Some(want.as_str())
                        && r["metric"]["job"] == "flatline"
                        && r["value"][1] == "1"
                })?;
                Some(())
            }
        },
    )
    .await;
}
