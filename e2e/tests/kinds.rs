//! Check kinds end to end against real servers on loopback: TCP (and TLS), DNS (a real
//! dnsmasq), ping, push (with the real binary across a restart), and assertions.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{closed_port, eventually, Flatline, InProcess, Receiver, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

fn id(m: &Value) -> i64 {
    m["id"].as_i64().expect("monitor id")
}

/// Polls until the monitor's newest check has an error (or is up, with `None`) and returns it.
async fn newest_error(fl: &InProcess, id: i64, want_up: bool) -> Value {
    eventually(&format!("monitor {id} up={want_up}"), WAIT, || async {
        let c = fl.checks(id).await.into_iter().next()?;
        (c["up"] == want_up).then_some(c)
    })
    .await
}

#[actix_rt::test]
async fn tcp_monitors_connect_and_handshake() {
    let target = Target::start();
    let tls_target = Target::start_tls();
    // Accepts connections and never says a word: a TLS handshake with it can only time out.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    let fl = InProcess::start().await;
    let open = fl
        .create_monitor(json!({"name": "open", "kind": "tcp", "host": "127.0.0.1", "port": target.port, "interval_seconds": 1}))
        .await;
    assert_eq!(open["kind"], "tcp");
    assert_eq!(open["target"], format!("tcp://127.0.0.1:{}", target.port));
    assert!(
        open.get("url").is_none(),
        "no HTTP fields on a TCP monitor: {open}"
    );
    let closed = fl
        .create_monitor(json!({"name": "closed", "kind": "tcp", "host": "127.0.0.1", "port": closed_port(), "interval_seconds": 1}))
        .await;
    let mute = fl
        .create_monitor(json!({"name": "mute", "kind": "tcp", "host": "127.0.0.1", "port": silent_port, "tls": true, "interval_seconds": 2, "timeout_ms": 500}))
        .await;
    let verified = fl
        .create_monitor(json!({"name": "self-signed", "kind": "tcp", "host": "127.0.0.1", "port": tls_target.port, "tls": true, "interval_seconds": 1}))
        .await;
    let unverified = fl
        .create_monitor(json!({"name": "self-signed ok", "kind": "tcp", "host": "127.0.0.1", "port": tls_target.port, "tls": true, "verify_tls": false, "interval_seconds": 1,
            "assertions": [{"source": "certificate_days", "op": "gt", "value": 30}]}))
        .await;

    let up = newest_error(&fl, id(&open), true).await;
    assert!(up["latency_ms"].as_f64().expect("latency") < 1000.0);
    assert_eq!(up["status_code"], Value::Null);
    assert_eq!(
        newest_error(&fl, id(&closed), false).await["error"],
        "connection refused"
    );
    let reason = newest_error(&fl, id(&mute), false).await["error"]
        .as_str()
        .expect("reason")
        .to_owned();
    assert_eq!(
        reason,
        "timeout after 500 ms (connecting or in the TLS handshake)"
    );
    let reason = newest_error(&fl, id(&verified), false).await["error"]
        .as_str()
        .expect("reason")
        .to_owned();
    assert!(
        reason.starts_with("tls error: invalid peer certificate"),
        "{reason}"
    );
    newest_error(&fl, id(&unverified), true).await;
    fl.wait_for_status(id(&open), "up", WAIT).await;
    fl.wait_for_status(id(&closed), "down", WAIT).await;
    drop(silent);
}

#[actix_rt::test]
async fn fields_of_other_kinds_are_refused_by_name() {
    let fl = InProcess::start().await;
    for (body, field) in [
        (
            json!({"name": "t", "kind": "tcp", "host": "127.0.0.1", "port": 1, "url": "http://127.0.0.1/"}),
            "url",
        ),
        (
            json!({"name": "t", "kind": "tcp", "host": "127.0.0.1"}),
            "port",
        ),
        (
            json!({"name": "h", "url": "http://127.0.0.1/", "dns_server": "127.0.0.1"}),
            "dns_server",
        ),
        (
            json!({"name": "p", "kind": "push", "retries": 1}),
            "retries",
        ),
        (
            json!({"name": "a", "url": "http://127.0.0.1/", "assertions": [{"source": "json", "path": "$[", "op": "exists"}]}),
            "assertions[0].path",
        ),
        (
            json!({"name": "a", "url": "http://127.0.0.1/", "assertions": [{"source": "body", "op": "matches", "value": "(unclosed"}]}),
            "assertions[0].value",
        ),
        (
            json!({"name": "a", "url": "http://127.0.0.1/", "assertions": [{"source": "body", "op": "matches", "value": "a{1000}{1000}"}]}),
            "assertions[0].value",
        ),
    ] {
        let (status, err) = fl.post("/api/v1/monitors", &body).await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["field"], field, "{body}: {err}");
        assert_eq!(err["error"], "validation_failed");
    }
    assert_eq!(
        fl.get("/api/v1/monitors").await,
        json!([]),
        "nothing stored"
    );
}

#[actix_rt::test]
async fn assertions_judge_status_body_json_headers_and_latency() {
    let target = Target::start();
    target.set_json(r#"{"status":"degraded","checks":{"db":"ok"},"n":5}"#);
    let fl = InProcess::start().await;
    let url = target.url("/status.json");
    let json_monitor = fl
        .create_monitor(
            json!({"name": "json", "url": url, "interval_seconds": 1, "assertions": [
                {"source": "status_code", "op": "eq", "value": 200},
                {"source": "latency_ms", "op": "lt", "value": 5000},
                {"source": "json", "path": "$.status", "op": "eq", "value": "ok"},
            ]}),
        )
        .await;
    let others = fl
        .create_monitor(
            json!({"name": "others", "url": url, "interval_seconds": 1, "assertions": [
                {"source": "header", "path": "X-Build", "op": "eq", "value": "42"},
                {"source": "body", "op": "contains", "value": "\"db\":\"ok\""},
                {"source": "body", "op": "matches", "value": "\"n\":\\d+"},
                {"source": "json", "path": "$.n", "op": "ge", "value": 5},
                {"source": "json", "path": "$.missing", "op": "not_exists"},
            ]}),
        )
        .await;
    let missing = fl
        .create_monitor(
            json!({"name": "missing", "url": url, "interval_seconds": 1, "assertions": [
                {"source": "json", "path": "$.checks.cache", "op": "eq", "value": "ok"},
            ]}),
        )
        .await;
    let header = fl
        .create_monitor(
            json!({"name": "header", "url": url, "interval_seconds": 1, "assertions": [
                {"source": "header", "path": "content-type", "op": "contains", "value": "xml"},
            ]}),
        )
        .await;
    let failed = newest_error(&fl, id(&json_monitor), false).await;
    assert_eq!(failed["error"], "json $.status eq \"ok\": got \"degraded\"");
    assert_eq!(failed["status_code"], 200);
    newest_error(&fl, id(&others), true).await;
    assert_eq!(
        newest_error(&fl, id(&missing), false).await["error"],
        "json $.checks.cache eq \"ok\": no match"
    );
    assert_eq!(
        newest_error(&fl, id(&header), false).await["error"],
        "header content-type contains \"xml\": got \"application/json\""
    );
    target.set_json(r#"{"status":"ok"}"#);
    fl.wait_for_status(id(&json_monitor), "up", WAIT).await;
    let shown = fl
        .get(&format!("/api/v1/monitors/{}", id(&json_monitor)))
        .await;
    assert_eq!(shown["assertions"].as_array().map(Vec::len), Some(3));
}

#[actix_rt::test]
async fn certificate_days_are_read_from_https_and_tls_targets() {
    let target = Target::start_tls_expiring(3);
    let fl = InProcess::start().await;
    let https = fl
        .create_monitor(json!({"name": "https", "url": target.url("/"), "verify_tls": false, "interval_seconds": 1,
            "assertions": [{"source": "certificate_days", "op": "gt", "value": 7}]}))
        .await;
    let tcp = fl
        .create_monitor(json!({"name": "tls", "kind": "tcp", "host": "127.0.0.1", "port": target.port, "tls": true, "verify_tls": false, "interval_seconds": 1,
            "assertions": [{"source": "certificate_days", "op": "ge", "value": 2}]}))
        .await;
    assert_eq!(
        newest_error(&fl, id(&https), false).await["error"],
        "certificate_days gt 7: got 3"
    );
    newest_error(&fl, id(&tcp), true).await;
}

/// The `certificate_expiring` webhooks received so far.
fn certificate_notices(rx: &Receiver) -> Vec<Value> {
    rx.accepted("/hook")
        .into_iter()
        .filter(|r| r.body["event"] == "certificate_expiring")
        .map(|r| {
            assert_eq!(
                r.headers.get("x-flatline-event").map(String::as_str),
                Some("certificate_expiring")
            );
            r.body
        })
        .collect()
}

/// Waits until `fl`'s monitor shows a certificate read after `not` (its `checked_at`).
async fn certificate_read(fl: &Flatline, id: i64, not: Option<&Value>) -> Value {
    eventually(&format!("monitor {id}'s certificate"), WAIT, || async {
        let c = fl.get(&format!("/api/v1/monitors/{id}")).await["certificate"].clone();
        (!c.is_null() && Some(&c["checked_at"]) != not.map(|n| &n["checked_at"])).then_some(c)
    })
    .await
}

#[actix_rt::test]
async fn an_expiring_certificate_is_announced_once_per_threshold_across_a_restart() {
    let target = Target::start_tls_expiring(3);
    let rx = Receiver::start();
    let mut fl = Flatline::start();
    // The default channel: linked to each monitor as it is created, before its first check.
    let (status, _) = fl
        .post(
            "/api/v1/notification-channels",
            &json!({"name": "hook", "config": {"type": "webhook", "url": rx.url("/hook")}, "default": true}),
        )
        .await;
    assert_eq!(status, 201);
    let https = id(&fl
        .create_monitor(json!({"name": "https", "url": target.url("/"), "verify_tls": false, "interval_seconds": 1}))
        .await);
    let tcp = id(&fl
        .create_monitor(json!({"name": "tls", "kind": "tcp", "host": "127.0.0.1", "port": target.port,
            "tls": true, "verify_tls": false, "interval_seconds": 1, "certificate_expiry_days": [30, 2, 5]}))
        .await);
    let shown = fl.get(&format!("/api/v1/monitors/{https}")).await;
    assert_eq!(
        shown["certificate_expiry_days"],
        json!([14, 7, 1]),
        "the default"
    );
    let shown = fl.get(&format!("/api/v1/monitors/{tcp}")).await;
    assert_eq!(
        shown["certificate_expiry_days"],
        json!([30, 5, 2]),
        "largest first"
    );

    // Both read the certificate: 3 days and 12 hours left.
    let cert = certificate_read(&fl, https, None).await;
    assert_eq!(cert["days_left"], 3, "{cert}");
    assert!(
        cert["subject"]
            .as_str()
            .is_some_and(|s| s.contains("flatline test target")),
        "{cert}"
    );
    assert!(
        cert["sans"]
            .as_array()
            .is_some_and(|s| s.contains(&json!("127.0.0.1"))),
        "{cert}"
    );
    assert_eq!(cert["sha256"].as_str().map(str::len), Some(64), "{cert}");
    let tcp_cert = certificate_read(&fl, tcp, None).await;
    assert_eq!(tcp_cert["sha256"], cert["sha256"], "the same certificate");

    // First seen past several thresholds: one notice each, for the smallest crossed.
    let notices = eventually("two certificate notices", WAIT, || async {
        let n = certificate_notices(&rx);
        (n.len() >= 2).then_some(n)
    })
    .await;
    let of = |name: &str| {
        notices
            .iter()
            .find(|n| n["monitor"]["name"] == name)
            .unwrap_or_else(|| panic!("no notice for {name}: {notices:?}"))
            .clone()
    };
    let (h, t) = (of("https"), of("tls"));
    assert_eq!(h["certificate"]["threshold_days"], 7, "{h}");
    assert_eq!(t["certificate"]["threshold_days"], 5, "{t}");
    assert_eq!(h["certificate"]["days_left"], 3, "{h}");
    assert_eq!(h["certificate"]["not_after"], cert["not_after"]);
    assert!(h["incident"].is_null(), "not downtime: {h}");
    assert!(
        h["title"]
            .as_str()
            .is_some_and(|t| t.contains("expires in 3 days")),
        "{h}"
    );

    // A smaller threshold crossed later (here: set lower) is announced once more.
    let (status, body) = fl
        .patch(
            &format!("/api/v1/monitors/{https}"),
            &json!({"certificate_expiry_days": [3]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["certificate"]["sha256"], cert["sha256"],
        "the same target keeps its certificate"
    );
    let three = eventually("the 3-day notice", WAIT, || async {
        certificate_notices(&rx)
            .into_iter()
            .find(|n| n["certificate"]["threshold_days"] == 3)
    })
    .await;
    assert_eq!(three["monitor"]["name"], "https");

    // Not downtime: both stayed up, with no incident.
    for id in [https, tcp] {
        assert_eq!(fl.status(id).await, "up");
        assert!(fl.incidents(id).await.is_empty(), "monitor {id}");
        assert!(
            fl.checks(id).await.iter().all(|c| c["up"] == true),
            "monitor {id}"
        );
    }

    // Restarted, both read the certificate again and announce nothing.
    let before = (
        certificate_read(&fl, https, None).await,
        certificate_read(&fl, tcp, None).await,
    );
    fl.stop();
    fl.restart();
    certificate_read(&fl, https, Some(&before.0)).await;
    certificate_read(&fl, tcp, Some(&before.1)).await;
    // A marker: a down notice queued after those readings, delivered through the same channel.
    let down = id(&fl
        .create_monitor(json!({"name": "marker", "kind": "tcp", "host": "127.0.0.1", "port": closed_port(), "interval_seconds": 1}))
        .await);
    eventually("the marker's down notice", WAIT, || async {
        rx.accepted("/hook")
            .into_iter()
            .any(|r| r.body["event"] == "down" && r.body["monitor"]["id"] == down)
            .then_some(())
    })
    .await;
    let notices = certificate_notices(&rx);
    assert_eq!(
        notices.len(),
        3,
        "one per threshold, none after the restart: {notices:?}"
    );
}

/// A dnsmasq answering for `flatline.test` from a hosts file, on a loopback port.
struct Dns {
    child: Child,
    port: u16,
    hosts: tempfile::NamedTempFile,
}

impl Dns {
    fn start() -> Self {
        let binary = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("dnsmasq (scripts/test.sh installs dnsmasq-base)");
        let mut hosts = tempfile::NamedTempFile::new().expect("hosts file");
        writeln!(
            hosts,
            "10.0.0.1 app.flatline.test\nfd00::1 app.flatline.test"
        )
        .expect("write");
        let port = closed_port();
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        let child = Command::new(binary)
            .args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                "--pid-file=",
                "--local=/flatline.test/",
                "--mx-host=flatline.test,mail.flatline.test,10",
                "--txt-record=flatline.test,v=spf1 -all",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--addn-hosts={}", hosts.path().display()))
            .arg(format!(
                "--user={}",
                if user.is_empty() { "root" } else { &user }
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: dnsmasq forks a child per TCP connection, and stopping
            // the server must stop those too.
            .process_group(0)
            .spawn()
            .expect("start dnsmasq");
        Self { child, port, hosts }
    }

    fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Rewrites the hosts file and has dnsmasq read it again.
    fn set_hosts(&mut self, lines: &str) {
        std::fs::write(self.hosts.path(), lines).expect("rewrite hosts");
        let _ = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status();
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        self.stop();
    }
}

#[actix_rt::test]
async fn dns_monitors_ask_a_real_server() {
    let mut dns = Dns::start();
    let fl = InProcess::start().await;
    let server = dns.server();
    let monitor = |name: &str, extra: Value| {
        let mut body = json!({"name": name, "kind": "dns", "dns_server": server, "interval_seconds": 1, "timeout_ms": 500});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    let a = fl
        .create_monitor(monitor(
            "a",
            json!({"host": "app.flatline.test", "dns_expected": ["10.0.0.1"]}),
        ))
        .await;
    let aaaa = fl
        .create_monitor(monitor("aaaa", json!({"host": "app.flatline.test", "dns_record_type": "AAAA", "dns_expected": ["fd00::1"]})))
        .await;
    let mx = fl
        .create_monitor(monitor("mx", json!({"host": "flatline.test", "dns_record_type": "MX", "dns_expected": ["mail.flatline.test"]})))
        .await;
    let txt = fl
        .create_monitor(monitor("txt", json!({"host": "flatline.test", "dns_record_type": "TXT", "dns_expected": ["v=spf1 -all"], "dns_transport": "tcp"})))
        .await;
    let nx = fl
        .create_monitor(monitor("nx", json!({"host": "missing.flatline.test"})))
        .await;
    assert_eq!(a["target"], "dns A app.flatline.test");
    for m in [&a, &aaaa, &mx, &txt] {
        newest_error(&fl, id(m), true).await;
    }
    assert_eq!(newest_error(&fl, id(&nx), false).await["error"], "NXDOMAIN");

    dns.set_hosts("10.0.0.2 app.flatline.test\n");
    let changed = eventually("the changed record seen", WAIT, || async {
        let c = fl.checks(id(&a)).await.into_iter().next()?;
        (c["error"] == "expected 10.0.0.1, got 10.0.0.2").then_some(c)
    })
    .await;
    assert_eq!(changed["up"], false);
    fl.wait_for_status(id(&a), "down", WAIT).await;

    dns.stop();
    eventually(
        "no TCP connection once the server is gone",
        WAIT,
        || async {
            let c = fl.checks(id(&txt)).await.into_iter().next()?;
            (c["error"] == "cannot connect to the DNS server").then_some(())
        },
    )
    .await;
    eventually("a UDP timeout once the server is gone", WAIT, || async {
        let c = fl.checks(id(&mx)).await.into_iter().next()?;
        (c["error"] == "timeout").then_some(())
    })
    .await;
}

#[actix_rt::test]
async fn ping_reaches_loopback() {
    let fl = InProcess::start().await;
    let m = fl
        .create_monitor(json!({"name": "lo", "kind": "ping", "host": "127.0.0.1", "ping_count": 3, "interval_seconds": 1}))
        .await;
    let check = fl.newest_check(id(&m), WAIT).await;
    assert_eq!(check["up"], true, "{check}");
    let rtt = check["latency_ms"].as_f64().expect("rtt");
    assert!(rtt > 0.0 && rtt < 50.0, "a loopback RTT: {rtt} ms");
    fl.wait_for_status(id(&m), "up", WAIT).await;
}

#[actix_rt::test]
async fn push_monitors_wait_for_their_job() {
    let receiver = Receiver::start();
    let fl = InProcess::start().await;
    let channel = fl
        .post(
            "/api/v1/notification-channels",
            &json!({"name": "hook", "config": {"type": "webhook", "url": receiver.url("/hook")}}),
        )
        .await;
    assert_eq!(channel.0, 201, "{}", channel.1);
    let m = fl
        .create_monitor(
            json!({"name": "backup", "kind": "push", "interval_seconds": 2, "grace_seconds": 1}),
        )
        .await;
    let push_url = m["push_url"].as_str().expect("push url").to_owned();
    let token = push_url.trim_start_matches("/push/").to_owned();
    assert!(token.len() >= 22, "at least 128 random bits: {push_url}");
    assert_eq!(m["status"], "pending");
    fl.link_channel(id(&m), channel.1["id"].as_i64().expect("channel id"))
        .await;

    // The token is shown in full only once.
    let listed = fl.get("/api/v1/monitors").await;
    let shown = listed[0]["push_url"].as_str().expect("masked url");
    assert!(shown.ends_with('…') && !shown.contains(&token), "{shown}");
    assert!(!fl
        .get(&format!("/api/v1/monitors/{}", id(&m)))
        .await
        .to_string()
        .contains(&token));

    // Pings keep it up.
    let (status, _) = fl.request("GET", &push_url, None).await;
    assert_eq!(status, 200);
    fl.wait_for_status(id(&m), "up", WAIT).await;
    let (status, _) = fl.request("POST", &push_url, Some("")).await;
    assert_eq!(status, 200);

    // Silence past period + grace: down, one incident, one notification.
    fl.wait_for_status(id(&m), "down", WAIT).await;
    let incidents = eventually("the incident stored", WAIT, || async {
        let list = fl.incidents(id(&m)).await;
        (!list.is_empty()).then_some(list)
    })
    .await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["cause"], "no ping within 2s + 1s grace");
    eventually("the down notification", WAIT, || async {
        receiver
            .received("/hook")
            .iter()
            .any(|r| r.body["event"] == "down")
            .then_some(())
    })
    .await;

    // A ping resolves it.
    fl.request("GET", &push_url, None).await;
    fl.wait_for_status(id(&m), "up", WAIT).await;
    eventually("the incident resolved", WAIT, || async {
        fl.incidents(id(&m)).await[0]["resolved_at"]
            .is_string()
            .then_some(())
    })
    .await;

    // `/fail` opens an incident at once, with the job's message.
    let (status, _) = fl
        .request("POST", &format!("{push_url}/fail"), Some("disk full"))
        .await;
    assert_eq!(status, 200);
    fl.wait_for_status(id(&m), "down", Duration::from_secs(2))
        .await;
    let incidents = eventually("the second incident", WAIT, || async {
        let list = fl.incidents(id(&m)).await;
        (list.len() == 2).then_some(list)
    })
    .await;
    assert_eq!(
        incidents[0]["cause"],
        "failure reported by the job: disk full"
    );

    // `/start`, then a ping: the run time is the latency.
    fl.request("GET", &format!("{push_url}/start"), None).await;
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    fl.request("GET", &push_url, None).await;
    let run = eventually("the run's check", WAIT, || async {
        let c = fl.checks(id(&m)).await.into_iter().next()?;
        (c["up"] == true).then_some(c)
    })
    .await;
    let latency = run["latency_ms"].as_f64().expect("latency");
    assert!((300.0..2000.0).contains(&latency), "run time {latency} ms");

    // Unknown tokens are 404, and a flood is cut down to size.
    let (status, body) = fl.request("GET", "/push/not-a-token", None).await;
    assert_eq!(status, 404, "{body}");
    let started = Instant::now();
    let mut limited = 0;
    for _ in 0..60 {
        if fl.request("GET", &push_url, None).await.0 == 429 {
            limited += 1;
        }
    }
    assert!(
        limited > 0,
        "60 pings in {:?}: none limited",
        started.elapsed()
    );

    // A new token: the old URL stops working.
    let (status, rotated) = fl
        .post(
            &format!("/api/v1/monitors/{}/push-token", id(&m)),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    let new_url = rotated["push_url"].as_str().expect("new url").to_owned();
    assert_ne!(new_url, push_url);
    assert_eq!(fl.request("GET", &push_url, None).await.0, 404);
    // The monitor's ping budget refills within a second of the flood above.
    eventually(
        "the new URL takes a ping",
        Duration::from_secs(5),
        || async {
            let status = fl.request("GET", &new_url, None).await.0;
            assert!(matches!(status, 200 | 429), "{status}");
            (status == 200).then_some(())
        },
    )
    .await;

    // Other kinds have no push token to replace.
    let http = fl
        .create_monitor(json!({"name": "h", "url": "http://127.0.0.1:9/", "interval_seconds": 60}))
        .await;
    let (status, err) = fl
        .post(
            &format!("/api/v1/monitors/{}/push-token", id(&http)),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (409, Some("conflict")),
        "{err}"
    );
}

#[actix_rt::test]
async fn a_cron_push_monitor_keeps_its_schedule_across_a_restart() {
    let mut fl = Flatline::start();
    // Every 3 seconds (cron with a seconds field), 2 s grace.
    let m = fl
        .create_monitor(json!({"name": "cron", "kind": "push", "cron": "*/3 * * * * *", "timezone": "Europe/Berlin", "grace_seconds": 2}))
        .await;
    assert_eq!(m["cron"], "*/3 * * * * *");
    let push_url = m["push_url"].as_str().expect("push url").to_owned();
    assert_eq!(fl.request("GET", &push_url, None).await.0, 200);
    fl.wait_for_status(id(&m), "up", WAIT).await;

    fl.stop();
    fl.restart();
    // Silent after the restart: the schedule still runs and the monitor goes down.
    fl.wait_for_status(id(&m), "down", WAIT).await;
    let incidents = eventually("the incident stored", WAIT, || async {
        let list = fl.incidents(id(&m)).await;
        (!list.is_empty()).then_some(list)
    })
    .await;
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let cause = incidents[0]["cause"].as_str().expect("cause");
    assert!(
        cause.starts_with("no ping within 2s grace of ") && cause.ends_with("(cron */3 * * * * *)"),
        "{cause}"
    );
    // The token survived the restart (only its hash is stored).
    assert_eq!(fl.request("GET", &push_url, None).await.0, 200);
    fl.wait_for_status(id(&m), "up", WAIT).await;
}
