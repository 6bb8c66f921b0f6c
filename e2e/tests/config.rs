//! Configuration as code against the real binary: `flatline apply` and `flatline export`
//! (the CLI, as a client of a running server), `POST /api/v1/config/apply`, and
//! `FLATLINE_CONFIG` at start-up and on SIGHUP. Monitors point at a local target; the webhook
//! channel at a local receiver.

use std::time::Duration;

use e2e::browser::Browser;
use e2e::{eventually, Flatline, FlatlineOptions, Receiver, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct horse battery";

/// A document with every kind of resource; `@TARGET@`, `@PORT@` and `@HOOK@` are filled in.
const DOCUMENT: &str = r#"# Flatline, as code.
notification_channels:
  - key: ops-hook
    name: Ops webhook
    config:
      type: webhook
      url: "@HOOK@"
      headers:
        Authorization: ${HOOK_AUTH}
  - key: team-slack
    name: Team Slack
    default: true
    config: {type: slack, url: "${SLACK_URL}"}
monitors:
  - key: api
    name: Public API
    url: "@TARGET@"
    interval_seconds: 2
    headers: {Accept: application/json, X-Api-Key: "${API_KEY}"}
    assertions:
      - {source: json, path: $.ok, op: eq, value: true}
    notification_channels: [ops-hook, team-slack]
  - key: db
    kind: tcp
    name: Database
    host: 127.0.0.1
    port: @PORT@
  - key: resolver
    kind: dns
    name: Resolver
    host: example.internal
    dns_server: 127.0.0.1:53
  - key: backup
    kind: push
    name: Nightly backup
    cron: "0 3 * * *"
    timezone: Europe/Berlin
status_pages:
  - key: public
    slug: public
    title: Example status
    visibility: password
    password: ${PAGE_PASSWORD}
    sections:
      - name: Core
        monitors:
          - {monitor: api, display_name: API}
          - {monitor: db}
maintenance:
  - key: sunday
    title: Sunday patching
    monitors: [db, api]
    rrule: FREQ=WEEKLY;BYDAY=SU;BYHOUR=3;BYMINUTE=0
    timezone: Europe/Berlin
    duration_minutes: 60
"#;

const SECRETS: [(&str, &str); 4] = [
    ("HOOK_AUTH", "Bearer hook-s3cret"),
    (
        "SLACK_URL",
        "https://hooks.slack.com/services/T000/B000/slack-s3cret",
    ),
    ("API_KEY", "api-s3cret"),
    ("PAGE_PASSWORD", "page-s3cret-password"),
];

fn document(target: &Target, hook: &Receiver) -> String {
    DOCUMENT
        .replace("@TARGET@", &target.url("/status.json"))
        .replace("@HOOK@", &hook.url("/hook"))
        .replace("@PORT@", &target.port.to_string())
}

fn write(fl: &Flatline, name: &str, text: &str) -> String {
    let path = fl.dir.path().join(name);
    std::fs::write(&path, text).expect("write the document");
    path.display().to_string()
}

/// Runs `flatline ARGS` against `fl`; stdout, stderr and success.
fn run(fl: &Flatline, args: &[&str], env: &[(&str, &str)]) -> (String, String, bool) {
    let out = fl.client_cli(args, env);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

fn export(fl: &Flatline) -> String {
    let (yaml, err, ok) = run(fl, &["export"], &[]);
    assert!(ok, "export failed: {err}");
    yaml
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in the document"))
        + 1
}

#[actix_rt::test]
async fn export_then_apply_elsewhere_then_export_is_identical_and_reapplying_changes_nothing() {
    let target = Target::start();
    target.set_json(r#"{"ok": true}"#);
    let hook = Receiver::start();
    let a = Flatline::start();
    let file = write(&a, "flatline.yaml", &document(&target, &hook));

    let (plan, err, ok) = run(&a, &["apply", "-f", &file], &SECRETS);
    assert!(ok, "apply failed: {err}");
    assert!(
        plan.contains("applied: 8 to create, 0 to update, 0 to delete, 0 unchanged"),
        "{plan}"
    );
    assert!(
        plan.contains("push URL (shown once): http://127.0.0.1:"),
        "{plan}"
    );
    for (_, secret) in SECRETS {
        assert!(!plan.contains(secret), "the plan shows a secret: {plan}");
    }

    // What the file declared runs: the HTTP monitor is checked (with its header) and up.
    let monitors = a.get("/api/v1/monitors").await;
    let api = monitors
        .as_array()
        .and_then(|l| l.iter().find(|m| m["key"] == "api"))
        .cloned()
        .expect("monitor api");
    assert_eq!(api["managed"], true);
    let api_id = api["id"].as_i64().expect("id");
    a.wait_for_status(api_id, "up", WAIT).await;
    let channels = a
        .get(&format!("/api/v1/monitors/{api_id}/notifications"))
        .await;
    assert_eq!(channels.as_array().map(Vec::len), Some(2), "{channels}");

    // Applying the same file again changes nothing.
    let (plan, err, ok) = run(&a, &["apply", "-f", &file], &SECRETS);
    assert!(ok, "{err}");
    assert!(
        plan.contains("applied: 0 to create, 0 to update, 0 to delete, 8 unchanged"),
        "{plan}"
    );

    // The export holds no secret in clear: the file's own variable names come back.
    let exported = export(&a);
    for (_, secret) in SECRETS {
        assert!(
            !exported.contains(secret),
            "the export shows a secret:\n{exported}"
        );
    }
    for name in [
        "${HOOK_AUTH}",
        "${SLACK_URL}",
        "${API_KEY}",
        "${PAGE_PASSWORD}",
    ] {
        assert!(exported.contains(name), "{name} missing from:\n{exported}");
    }
    // The webhook's URL path could hold a secret, so it is a variable too (derived name).
    assert!(exported.contains("${OPS_HOOK_URL}"), "{exported}");

    // Applying the export to the instance it came from changes nothing.
    let again = write(&a, "exported.yaml", &exported);
    let hook_url = hook.url("/hook");
    let mut env: Vec<(&str, &str)> = SECRETS.to_vec();
    env.push(("OPS_HOOK_URL", &hook_url));
    let (plan, err, ok) = run(&a, &["apply", "-f", &again, "--dry-run"], &env);
    assert!(ok, "{err}");
    assert!(
        plan.contains("plan: 0 to create, 0 to update, 0 to delete, 8 unchanged"),
        "{plan}"
    );

    // On an empty instance it creates everything, and that instance exports the same text.
    let b = Flatline::start();
    let copy = write(&b, "from-a.yaml", &exported);
    let (plan, err, ok) = run(&b, &["apply", "-f", &copy], &env);
    assert!(ok, "{err}");
    assert!(plan.contains("applied: 8 to create"), "{plan}");
    assert_eq!(export(&b), exported, "exports differ");
    // JSON export is the same document.
    let (json_text, _, ok) = run(&b, &["export", "--format", "json"], &[]);
    assert!(ok);
    let from_json: Value = serde_json::from_str(&json_text).expect("JSON export");
    assert_eq!(from_json["monitors"].as_array().map(Vec::len), Some(4));

    // The password page took its password from the variable: it unlocks with it, only.
    for (password, status) in [("wrong-password", 401), ("page-s3cret-password", 303)] {
        let mut answer = awc::Client::builder()
            .disable_redirects()
            .finish()
            .post(b.url("/status/public/unlock"))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .send_body(format!("password={password}"))
            .await
            .expect("unlock");
        let body = answer.body().await.unwrap_or_default();
        assert_eq!(
            answer.status().as_u16(),
            status,
            "{password}: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[actix_rt::test]
async fn drift_shows_in_the_plan_prune_deletes_only_keyed_and_a_failure_stores_nothing() {
    let target = Target::start();
    let fl = Flatline::start();
    let url = target.url("/ok");
    let unkeyed = fl
        .create_monitor(json!({"name": "made by hand", "url": url}))
        .await;
    let legacy = fl
        .create_monitor(json!({"name": "legacy", "key": "legacy", "url": url}))
        .await;
    assert_eq!(legacy["key"], "legacy");
    assert_eq!(legacy["managed"], false);

    let doc = |names: &[&str]| {
        let monitors: Vec<Value> = names
            .iter()
            .map(|n| json!({"key": n, "name": n, "url": target.url(&format!("/{n}")), "interval_seconds": 60}))
            .collect();
        json!({ "monitors": monitors })
    };
    let apply = |body: Value, query: &'static str| {
        let fl = &fl;
        async move {
            fl.send(
                "POST",
                &format!("/api/v1/config/apply{query}"),
                &[(
                    "Authorization",
                    &format!("Bearer {}", fl.token.clone().unwrap_or_default()),
                )],
                Some(&body.to_string()),
            )
            .await
        }
    };
    let answer = apply(doc(&["a", "b"]), "").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["summary"]["create"], 2);
    let a_id = answer.body["changes"][0]["id"].as_i64().expect("id of a");

    // An edit made outside the file shows as drift, with the fields it changed.
    let (status, _) = fl
        .patch(
            &format!("/api/v1/monitors/{a_id}"),
            &json!({"interval_seconds": 120}),
        )
        .await;
    assert_eq!(status, 200);
    let answer = apply(doc(&["a", "b"]), "?dry_run=true").await;
    let change = &answer.body["changes"][0];
    assert_eq!(change["action"], "update", "{}", answer.body);
    assert_eq!(change["drifted"], true);
    assert!(change["changes"].as_array().is_some_and(|c| c
        .iter()
        .any(|f| f["field"] == "interval_seconds" && f["before"] == 120 && f["after"] == 60)));
    assert_eq!(
        fl.get(&format!("/api/v1/monitors/{a_id}")).await["interval_seconds"],
        120,
        "a dry run changed something"
    );

    // Prune: deletes the keyed resources the file leaves out (b, legacy), never unkeyed ones.
    let answer = apply(doc(&["a"]), "?prune=true").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["summary"]["delete"], 2, "{}", answer.body);
    let names: Vec<String> = fl
        .get("/api/v1/monitors")
        .await
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"made by hand".to_owned()) && names.contains(&"a".to_owned()));
    assert_eq!(
        fl.get(&format!("/api/v1/monitors/{a_id}")).await["interval_seconds"],
        60
    );
    assert_eq!(
        fl.get(&format!("/api/v1/monitors/{}", unkeyed["id"])).await["name"],
        "made by hand"
    );

    // A failure in the middle: two new monitors, then a page whose slug an unkeyed page
    // holds. The database refuses the page; the monitors before it are not stored either.
    let (status, page) = fl
        .post(
            "/api/v1/status-pages",
            &json!({"slug": "taken", "title": "By hand"}),
        )
        .await;
    assert_eq!(status, 201, "{page}");
    let mut body = doc(&["a", "c", "d"]);
    body["status_pages"] = json!([{"key": "p", "slug": "taken", "title": "From the file",
        "sections": [{"name": "S", "monitors": [{"monitor": "c"}]}]}]);
    let answer = apply(body, "").await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_eq!(answer.body["field"], "slug", "{}", answer.body);
    let after = fl.get("/api/v1/monitors").await;
    assert_eq!(
        after.as_array().map(Vec::len),
        Some(2),
        "half applied: {after}"
    );
    assert_eq!(
        fl.get("/api/v1/status-pages")
            .await
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Nor do they run. A new monitor applied next is checked at once; by the time the
    // target sees it, it has seen nothing of c and d.
    let answer = apply(doc(&["a", "e"]), "").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["summary"]["create"], 1, "{}", answer.body);
    eventually("monitor e checked", WAIT, || async {
        (target.hits("/e") > 0).then_some(())
    })
    .await;
    assert_eq!(target.hits("/c") + target.hits("/d"), 0);
}

#[actix_rt::test]
async fn errors_point_into_the_file_and_variables_come_from_the_environment() {
    let hook = Receiver::start();
    let fl = Flatline::start();
    let good = format!(
        "notification_channels:\n  - key: hook\n    name: Hook\n    config:\n      type: webhook\n      url: {}\n      headers:\n        Authorization: ${{HOOK_TOKEN}}\nmonitors:\n  - key: web\n    name: Web\n    url: http://127.0.0.1:9/\n    interval_seconds: 30\n  - key: db\n    kind: tcp\n    name: DB\n    host: 127.0.0.1\n    port: 5432\n",
        hook.url("/hook")
    );
    let cases = [
        (
            "port: 5432",
            "port: abc",
            "port: abc",
            "monitors[1].port",
            "invalid type",
        ),
        (
            "interval_seconds: 30",
            "intervall_seconds: 30",
            "intervall_seconds",
            "monitors[0].intervall_seconds",
            "did you mean `interval_seconds`",
        ),
        (
            "interval_seconds: 30",
            "interval_seconds: 0",
            "interval_seconds: 0",
            "monitors[0].interval_seconds",
            "between 1 and 86400",
        ),
    ];
    for (from, to, needle, path, message) in cases {
        let text = good.replace(from, to);
        let file = write(&fl, "bad.yaml", &text);
        let (_, err, ok) = run(&fl, &["apply", "-f", &file], &[("HOOK_TOKEN", "t")]);
        assert!(!ok, "{to} applied");
        let line = line_of(&text, needle);
        let column = text.lines().nth(line - 1).and_then(|l| {
            let at = if path.ends_with("intervall_seconds") {
                l.find("intervall")
            } else {
                l.find(':').map(|c| c + 2)
            };
            at.map(|c| c + 1)
        });
        let expected = format!("{file}:{line}:{}: {path}: ", column.unwrap_or(0));
        assert!(err.contains(&expected), "expected {expected:?} in {err:?}");
        assert!(err.contains(message), "expected {message:?} in {err}");
    }
    assert_eq!(
        fl.get("/api/v1/monitors").await.as_array().map(Vec::len),
        Some(0)
    );

    // A variable that is not set is named, with where it is used; nothing is stored.
    let file = write(&fl, "good.yaml", &good);
    let (_, err, ok) = run(&fl, &["apply", "-f", &file], &[]);
    assert!(!ok);
    let line = line_of(&good, "HOOK_TOKEN");
    assert!(
        err.contains(&format!("good.yaml:{line}:24: notification_channels[0].config.headers.Authorization: environment variable HOOK_TOKEN is not set")),
        "{err}"
    );
    assert_eq!(
        fl.get("/api/v1/notification-channels")
            .await
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    // Set, it reaches the channel: a test message carries the header.
    let (out, err, ok) = run(
        &fl,
        &["apply", "-f", &file],
        &[("HOOK_TOKEN", "Bearer from-env")],
    );
    assert!(ok, "{err}");
    assert!(out.contains("applied: 3 to create"), "{out}");
    let channel = fl.get("/api/v1/notification-channels").await[0].clone();
    assert_eq!(channel["config"]["headers"]["Authorization"], "***");
    let (status, outcome) = fl
        .post(
            &format!("/api/v1/notification-channels/{}/test", channel["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{outcome}");
    let got = eventually("the test message", WAIT, || async {
        hook.received("/hook").into_iter().next()
    })
    .await;
    assert_eq!(
        got.headers.get("authorization").map(String::as_str),
        Some("Bearer from-env")
    );

    // The API reads YAML too, and says where in it an error is.
    let answer = fl
        .send(
            "POST",
            "/api/v1/config/apply",
            &[("Authorization", &format!("Bearer {}", fl.token.clone().unwrap_or_default())), ("Content-Type", "application/yaml")],
            Some("monitors:\n  - key: x\n    name: X\n    url: http://127.0.0.1:9/\n    retries: 99\n"),
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.body["field"], "monitors[0].retries");
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("line 5, column 14")),
        "{}",
        answer.body
    );
    // A monitor following an escalation policy that does not exist.
    let answer = fl
        .send(
            "POST",
            "/api/v1/config/apply",
            &[("Authorization", &format!("Bearer {}", fl.token.clone().unwrap_or_default())), ("Content-Type", "application/yaml")],
            Some("monitors:\n  - key: y\n    name: Y\n    url: http://127.0.0.1:9/\n    escalation_policy_id: 999\n"),
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.body["field"], "monitors[0].escalation_policy_id");
    // Without credentials: 401, like every /api route.
    let anonymous = fl
        .send("POST", "/api/v1/config/apply", &[], Some("{}"))
        .await;
    assert_eq!(anonymous.status, 401);
    let anonymous = fl.send("GET", "/api/v1/config/export", &[], None).await;
    assert_eq!(anonymous.status, 401);
}

#[actix_rt::test]
async fn flatline_config_applies_at_start_and_again_on_sighup() {
    let target = Target::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flatline.yaml");
    let monitor = |key: &str, interval: u32| {
        format!(
            "  - key: {key}\n    name: {key}\n    url: {}\n    interval_seconds: {interval}\n",
            target.url("/ok")
        )
    };
    std::fs::write(&path, format!("monitors:\n{}", monitor("one", 60))).expect("write");
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![
            ("FLATLINE_CONFIG".into(), path.display().to_string()),
            ("FLATLINE_ADMIN_PASSWORD".into(), PASSWORD.into()),
        ],
        ..Default::default()
    });
    let list = fl.get("/api/v1/monitors").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["key"], "one");
    assert_eq!(list[0]["managed"], true);

    // The monitor's page says who manages it.
    let b = Browser::start(1280, 800).await;
    b.goto(&fl.url("/")).await;
    b.fill("#password", PASSWORD).await;
    b.press_enter("#password").await;
    b.find("#account-button").await;
    b.goto(&fl.url(&format!("/monitors/{}", list[0]["id"])))
        .await;
    b.until_text("#managed-by-file", "managed by a file").await;
    b.until_text("#managed-by-file", "one").await;
    b.screenshot("config-managed-monitor").await;
    b.close().await;

    // Changed and signalled: applied again.
    std::fs::write(
        &path,
        format!("monitors:\n{}{}", monitor("one", 30), monitor("two", 60)),
    )
    .expect("write");
    fl.hangup();
    eventually("the file applied again", WAIT, || async {
        let list = fl.get("/api/v1/monitors").await;
        (list.as_array().map(Vec::len) == Some(2) && list[0]["interval_seconds"] == 30)
            .then_some(())
    })
    .await;

    // A broken file on SIGHUP is logged with its place; what runs stays as it was.
    let broken = format!(
        "monitors:\n  - key: one\n    name: one\n    url: {}\n    retries: 99\n",
        target.url("/ok")
    );
    std::fs::write(&path, broken).expect("write");
    fl.hangup();
    eventually("the error logged", WAIT, || async {
        fl.log()
            .contains("configuration file not applied")
            .then_some(())
    })
    .await;
    assert!(
        fl.log().contains("flatline.yaml:5:14: monitors[0].retries"),
        "{}",
        fl.log()
    );
    assert_eq!(
        fl.get("/api/v1/monitors").await.as_array().map(Vec::len),
        Some(2)
    );

    // At start-up, a broken file stops Flatline with the file's line and column.
    let out = std::process::Command::new(e2e::binary())
        .env(
            "DATABASE_URL",
            format!("sqlite:{}", dir.path().join("other.db").display()),
        )
        .env("FLATLINE_ADDRESS", "127.0.0.1:0")
        .env("FLATLINE_CONFIG", &path)
        .env("NO_COLOR", "1")
        .output()
        .expect("run flatline");
    assert!(!out.status.success());
    let log =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("flatline.yaml:5:14: monitors[0].retries"),
        "{log}"
    );
}
