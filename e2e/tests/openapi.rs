//! The OpenAPI document tells the truth about every route and answer, and the router keeps
//! to it: a method a route does not take gets 405 with `Allow`. Schemathesis, with every
//! check and its coverage, fuzzing and stateful phases, proves the document against the
//! real binary.

use std::collections::BTreeSet;
use std::process::Command;

use e2e::{Flatline, FlatlineOptions, InProcess, Target};
use serde_json::json;

#[actix_rt::test]
async fn the_openapi_document_lists_every_route() {
    let fl = InProcess::start().await;
    let doc = fl.get("/api-docs/openapi.json").await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            if ["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                listed.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let expected: BTreeSet<String> = [
        "GET /api/v1/monitors",
        "POST /api/v1/monitors",
        "GET /api/v1/monitors/{id}",
        "PATCH /api/v1/monitors/{id}",
        "DELETE /api/v1/monitors/{id}",
        "POST /api/v1/monitors/{id}/push-token",
        "GET /api/v1/monitors/{id}/checks",
        "GET /api/v1/monitors/{id}/stats",
        "GET /api/v1/monitors/{id}/latency",
        "GET /api/v1/monitors/{id}/uptime-bars",
        "GET /api/v1/stats/stream",
        "GET /api/v1/monitors/{id}/incidents",
        "GET /api/v1/incidents",
        "GET /api/v1/incidents/{id}",
        "GET /api/v1/incidents/{id}/updates",
        "POST /api/v1/incidents/{id}/updates",
        "DELETE /api/v1/incidents/{id}/updates/{update_id}",
        "POST /api/v1/incidents/{id}/ack",
        "POST /api/v1/escalation-policies",
        "GET /api/v1/escalation-policies",
        "GET /api/v1/escalation-policies/{id}",
        "PATCH /api/v1/escalation-policies/{id}",
        "DELETE /api/v1/escalation-policies/{id}",
        "GET /ack/{token}",
        "POST /ack/{token}",
        "POST /api/v1/tokens",
        "GET /api/v1/tokens",
        "DELETE /api/v1/tokens/{id}",
        "POST /api/v1/notification-channels",
        "GET /api/v1/notification-channels",
        "GET /api/v1/notification-channels/{id}",
        "PATCH /api/v1/notification-channels/{id}",
        "DELETE /api/v1/notification-channels/{id}",
        "POST /api/v1/notification-channels/{id}/test",
        "GET /api/v1/notification-channels/{id}/deliveries",
        "POST /api/v1/monitors/{id}/notifications",
        "GET /api/v1/monitors/{id}/notifications",
        "DELETE /api/v1/monitors/{id}/notifications/{channel_id}",
        "GET /auth/config",
        "GET /auth/login",
        "GET /auth/callback",
        "POST /auth/local/login",
        "POST /auth/logout",
        "GET /auth/me",
        "GET /metrics",
        "GET /healthz",
        "GET /push/{token}",
        "POST /push/{token}",
        "GET /push/{token}/fail",
        "POST /push/{token}/fail",
        "GET /push/{token}/start",
        "POST /push/{token}/start",
        "GET /badge/{key}/status.svg",
        "GET /badge/{key}/uptime.svg",
        "GET /badge/{key}/latency.svg",
        "POST /api/v1/maintenance",
        "GET /api/v1/maintenance",
        "GET /api/v1/maintenance/{id}",
        "PATCH /api/v1/maintenance/{id}",
        "DELETE /api/v1/maintenance/{id}",
        "POST /api/v1/status-pages",
        "GET /api/v1/status-pages",
        "GET /api/v1/status-pages/{id}",
        "PATCH /api/v1/status-pages/{id}",
        "DELETE /api/v1/status-pages/{id}",
        "GET /api/v1/status-pages/{id}/notices",
        "POST /api/v1/status-pages/{id}/notices",
        "PATCH /api/v1/status-pages/{id}/notices/{notice_id}",
        "DELETE /api/v1/status-pages/{id}/notices/{notice_id}",
        "GET /status/{slug}",
        "GET /status/{slug}/status.json",
        "GET /status/{slug}/feed.atom",
        "POST /status/{slug}/unlock",
        "GET /api/v1/cluster",
        "GET /api/v1/probes",
        "GET /api/v1/monitors/{id}/locations",
        "GET /api/v1/probe/stream",
        "POST /api/v1/probe/results",
        "POST /api/v1/config/apply",
        "GET /api/v1/config/export",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(listed, expected);
    for schema in [
        "Monitor",
        "CreateMonitor",
        "PatchMonitor",
        "Check",
        "Incident",
        "ErrorBody",
        "CreateToken",
        "CreatedToken",
        "ApiToken",
        "Me",
        "User",
        "AuthConfig",
        "LocalLogin",
        "MonitorStats",
        "WindowStats",
        "ChannelConfig",
        "NotificationChannel",
        "CreateChannel",
        "PatchChannel",
        "Delivery",
        "TestOutcome",
        "MonitorSummary",
        "LiveMonitor",
        "LiveUpdate",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema}"
        );
    }
    // Every documented route exists: none answers "no route".
    let target = Target::start();
    let m = fl
        .create_monitor(json!({"name": "o", "url": target.url("/"), "interval_seconds": 60}))
        .await;
    for route in &listed {
        let (method, path) = route.split_once(' ').expect("route");
        let path = path
            .replace("{id}", &m["id"].to_string())
            .replace("{channel_id}", "1")
            .replace("{update_id}", "1")
            .replace("{notice_id}", "1")
            .replace("{slug}", "no-such-page")
            .replace("{token}", "unknown")
            .replace("{key}", "unknown");
        let body = matches!(method, "POST" | "PATCH").then_some("{}");
        let (status, resp) = fl.request(method, &path, body).await;
        assert!(
            status != 405
                && !(resp["message"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&format!("no route for {method}")))),
            "{route} is documented but not routed"
        );
    }
}

#[actix_rt::test]
async fn a_method_a_route_does_not_take_gets_405_with_allow() {
    let fl = InProcess::start().await;
    let token = format!("Bearer {}", fl.token.clone().expect("token"));
    let auth = [("Authorization", token.as_str())];
    for (method, path, allow) in [
        ("TRACE", "/api/v1/monitors", "GET, POST, OPTIONS, HEAD"),
        (
            "PUT",
            "/api/v1/monitors/7",
            "GET, DELETE, OPTIONS, HEAD, PATCH",
        ),
        ("DELETE", "/api/v1/monitors", "GET, POST, OPTIONS, HEAD"),
        ("POST", "/api/v1/incidents", "GET, OPTIONS, HEAD"),
        ("GET", "/auth/local/login", "POST, OPTIONS"),
        ("GET", "/auth/logout", "POST, OPTIONS"),
        ("DELETE", "/push/abc", "GET, POST, OPTIONS, HEAD"),
        ("POST", "/healthz", "GET, OPTIONS, HEAD"),
        ("POST", "/dashboard", "GET, HEAD, OPTIONS"),
    ] {
        let answer = fl.send(method, path, &auth, None).await;
        assert_eq!(answer.status, 405, "{method} {path}: {:?}", answer.body);
        assert_eq!(answer.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(
            answer.body["error"], "method_not_allowed",
            "{method} {path}"
        );
    }
    // OPTIONS answers with the methods, and is no error.
    let answer = fl.send("OPTIONS", "/auth/logout", &[], None).await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
    // Without credentials the API says 401 before it says anything about methods.
    let answer = fl.send("TRACE", "/api/v1/monitors", &[], None).await;
    assert_eq!(answer.status, 401);
    // HEAD is a GET without the body, wherever GET is allowed.
    let answer = fl.send("HEAD", "/api/v1/monitors", &auth, None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert!(answer.body.is_null(), "{:?}", answer.body);
    let answer = fl.send("HEAD", "/healthz", &[], None).await;
    assert_eq!(answer.status, 200);
    // A path no route has is still a 404 under /api, and the UI elsewhere.
    let answer = fl.send("TRACE", "/api/v1/nothing", &auth, None).await;
    assert_eq!(answer.status, 404);
}

/// Set inside the network namespace the schemathesis run gets.
const INSIDE: &str = "FLATLINE_E2E_IN_NETNS";

/// Schemathesis makes up monitors and channels that point anywhere, so it runs, with the
/// Flatline it tests, in a network namespace of its own where only loopback exists: this test
/// starts itself again under `unshare --net`.
#[test]
fn schemathesis_finds_nothing_against_the_real_binary() {
    if std::env::var_os(INSIDE).is_none() {
        let exe = std::env::current_exe().expect("the test binary");
        // As root a network namespace is at hand; otherwise through a user namespace.
        let user_namespace: &[&str] = if is_root() { &[] } else { &["--map-root-user"] };
        let status = Command::new("unshare")
            .args(user_namespace)
            .args(["--net", "--"])
            .arg(&exe)
            .args([
                "--exact",
                "schemathesis_finds_nothing_against_the_real_binary",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .env(INSIDE, "1")
            .status()
            .expect("run unshare");
        assert!(status.success(), "schemathesis found something (see above)");
        return;
    }
    let up = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .expect("run ip");
    assert!(up.success(), "bring up loopback in the namespace");
    // Thousands of requests from one address: the public routes' limit would answer 429s
    // that hide what schemathesis is after (the limit has tests of its own).
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![("FLATLINE_PUBLIC_RATE_LIMIT".into(), "0".into())],
        ..Default::default()
    });
    let st = std::env::var("FLATLINE_SCHEMATHESIS").unwrap_or_else(|_| "st".into());
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemathesis/schemathesis.toml"
    );
    let out = Command::new(&st)
        .args(["--config-file", config, "run", "--no-color"])
        .arg(fl.url(flatline_server::openapi::OPENAPI_PATH))
        .env("FLATLINE_TOKEN", fl.token.clone().expect("token"))
        .current_dir(fl.dir.path())
        .output()
        .unwrap_or_else(|e| panic!("run {st} (schemathesis; scripts/test.sh installs it): {e}"));
    let report = String::from_utf8_lossy(&out.stdout);
    let summary = report
        .find("=== SUMMARY")
        .map_or(report.as_ref(), |i| &report[i..]);
    println!("{summary}");
    assert!(
        out.status.success(),
        "schemathesis failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains("✅ Coverage")
            && report.contains("✅ Fuzzing")
            && report.contains("✅ Stateful"),
        "every phase ran and passed"
    );
    let log = fl.log();
    assert!(
        !log.contains(" ERROR ") && !log.contains("panicked"),
        "the server logged an error under fuzzing:\n{log}"
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
