//! Notifications end to end: the real binary, real HTTP receivers on 127.0.0.1 for every
//! channel type, a real SMTP server, failures, a hang, a SIGKILL and a crash gap.

use std::time::{Duration, Instant};

use e2e::{
    eventually, Flatline, FlatlineOptions, HostileTarget, Receiver, Reply, SmtpReceiver, Target,
};
use flatline_types::CreateChannel;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn fast_retries(extra: &[(&str, &str)]) -> Flatline {
    let mut env = vec![("NOTIFICATION_RETRY_BASE_MS".to_owned(), "200".to_owned())];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Flatline::start_with(FlatlineOptions {
        env,
        ..Default::default()
    })
}

async fn channel(fl: &Flatline, name: &str, config: Value) -> i64 {
    let config = serde_json::from_value(config.clone())
        .unwrap_or_else(|e| panic!("{config} is not a channel config: {e}"));
    fl.add_channel(&CreateChannel {
        key: None,
        name: name.into(),
        config,
        default: false,
        apply_to_existing: false,
    })
    .await
    .id
}

async fn link(fl: &Flatline, monitor: i64, channel: i64) {
    let linked = fl.link_channel(monitor, channel).await;
    assert_eq!(linked.id, channel);
    assert!(linked.monitor_ids.contains(&monitor), "{linked:?}");
}

/// A channel linked to `monitor`.
async fn linked(fl: &Flatline, monitor: i64, name: &str, config: Value) -> i64 {
    let id = channel(fl, name, config).await;
    link(fl, monitor, id).await;
    id
}

/// A webhook channel to `url`, linked to `monitor`.
async fn webhook(fl: &Flatline, monitor: i64, name: &str, url: &str) -> i64 {
    linked(fl, monitor, name, json!({"type": "webhook", "url": url})).await
}

async fn monitor(fl: &Flatline, target: &Target, name: &str) -> i64 {
    let m = fl
        .create_monitor(
            json!({"name": name, "url": target.url("/health?token=s3cret"), "interval_seconds": 1}),
        )
        .await;
    m["id"].as_i64().expect("monitor id")
}

async fn deliveries(fl: &Flatline, channel: i64) -> Vec<Value> {
    let body = fl
        .get(&format!(
            "/api/v1/notification-channels/{channel}/deliveries"
        ))
        .await;
    body.as_array().expect("deliveries").clone()
}

/// Waits until `path` has accepted `n` requests.
async fn accepted(rx: &Receiver, path: &str, n: usize) -> Vec<e2e::receiver::Received> {
    eventually(&format!("{n} accepted at {path}"), WAIT, || async {
        let got = rx.accepted(path);
        (got.len() >= n).then_some(got)
    })
    .await
}

#[actix_rt::test]
async fn every_type_hears_one_down_and_one_up_in_its_own_format() {
    let fl = fast_retries(&[]);
    let rx = Receiver::start();
    let smtp = SmtpReceiver::start();
    let target = Target::start();
    let m = monitor(&fl, &target, "Shop <prod>").await;
    let http = [
        (
            "slack",
            json!({"type": "slack", "url": rx.url("/slack/T0/B0/xoxb")}),
            "/slack/T0/B0/xoxb",
        ),
        (
            "discord",
            json!({"type": "discord", "url": rx.url("/discord/api/webhooks/1/tok")}),
            "/discord/api/webhooks/1/tok",
        ),
        (
            "telegram",
            json!({"type": "telegram", "url": rx.url("/bot123:ABC/sendMessage"), "chat_id": -1001}),
            "/bot123:ABC/sendMessage",
        ),
        (
            "webhook",
            json!({"type": "webhook", "url": rx.url("/webhook"), "headers": {"X-Secret": "hdr-secret"}}),
            "/webhook",
        ),
        (
            "ntfy",
            json!({"type": "ntfy", "server_url": rx.url("/ntfy"), "topic": "flatline-alerts", "token": "tk_ntfy"}),
            "/ntfy",
        ),
        (
            "gotify",
            json!({"type": "gotify", "server_url": rx.url("/gotify"), "token": "gotify-app-token"}),
            "/gotify/message",
        ),
        (
            "teams",
            json!({"type": "teams", "url": rx.url("/teams/workflows/abc")}),
            "/teams/workflows/abc",
        ),
        (
            "pagerduty",
            json!({"type": "pagerduty", "routing_key": "R0UTING", "url": rx.url("/pagerduty")}),
            "/pagerduty",
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (kind, config, _) in &http {
        let id = channel(&fl, kind, config.clone()).await;
        link(&fl, m, id).await;
        ids.insert(*kind, id);
    }
    let email = channel(
        &fl,
        "email",
        json!({"type": "email", "host": "127.0.0.1", "port": smtp.port, "security": "none",
               "from": "Flatline <flatline@example.test>", "to": ["ops@example.test"]}),
    )
    .await;
    link(&fl, m, email).await;
    channel(
        &fl,
        "unlinked",
        json!({"type": "webhook", "url": rx.url("/unlinked")}),
    )
    .await;

    fl.wait_for_status(m, "up", WAIT).await;
    target.set_status(500);
    for (_, _, path) in &http {
        accepted(&rx, path, 1).await;
    }
    eventually("the down email", WAIT, || async {
        (!smtp.messages().is_empty()).then_some(())
    })
    .await;
    target.set_status(200);
    for (_, _, path) in &http {
        accepted(&rx, path, 2).await;
    }
    eventually("the up email", WAIT, || async {
        (smtp.messages().len() >= 2).then_some(())
    })
    .await;
    let incident = fl.incidents(m).await[0].clone();
    let incident_id = incident["id"].as_i64().expect("incident id");

    // Exactly one down and one up per channel, none lost or doubled by retries.
    let all_sent = |d: &Vec<Value>| {
        d.len() == 2
            && d.iter()
                .all(|d| d["status"] == "sent" && d["attempts"] == 1)
    };
    for (kind, id) in &ids {
        let d = deliveries(&fl, *id).await;
        assert!(all_sent(&d), "{kind}: {d:?}");
        assert_eq!(
            (d[0]["event"].as_str(), d[1]["event"].as_str()),
            (Some("up"), Some("down")),
            "{kind}"
        );
    }
    assert!(all_sent(&deliveries(&fl, email).await));
    for (kind, _, path) in &http {
        assert_eq!(
            rx.received(path).len(),
            2,
            "{kind}: exactly one down and one up"
        );
    }
    assert!(
        rx.received("/unlinked").is_empty(),
        "an unlinked channel hears nothing"
    );

    // Each in its service's documented format.
    let body = |path: &str, i: usize| rx.received(path)[i].body.clone();
    let slack = body("/slack/T0/B0/xoxb", 0);
    assert!(
        slack["text"]
            .as_str()
            .is_some_and(|t| t.contains("Shop &lt;prod&gt; is down")),
        "{slack}"
    );
    assert_eq!(slack["blocks"][0]["text"]["type"], "mrkdwn");
    let (down, up) = (
        body("/discord/api/webhooks/1/tok", 0),
        body("/discord/api/webhooks/1/tok", 1),
    );
    assert_eq!(
        (
            down["embeds"][0]["color"].as_u64(),
            up["embeds"][0]["color"].as_u64()
        ),
        (Some(0xE03E3E), Some(0x2EB86E))
    );
    let telegram = body("/bot123:ABC/sendMessage", 1);
    assert_eq!(
        (
            telegram["chat_id"].as_i64(),
            telegram["parse_mode"].as_str()
        ),
        (Some(-1001), Some("HTML"))
    );
    assert!(
        telegram["text"]
            .as_str()
            .is_some_and(|t| t.contains("<b>") && t.contains("is up again")),
        "{telegram}"
    );
    let (down, up) = (
        rx.received("/webhook")[0].clone(),
        rx.received("/webhook")[1].clone(),
    );
    assert_eq!(
        down.headers.get("x-secret").map(String::as_str),
        Some("hdr-secret")
    );
    assert_eq!(
        down.headers.get("x-flatline-event").map(String::as_str),
        Some("down")
    );
    assert_eq!(down.body["event"], "down");
    assert_eq!(down.body["monitor"]["id"], m);
    assert_eq!(
        down.body["monitor"]["url"],
        target.url("/health"),
        "no query: tokens live there"
    );
    assert_eq!(down.body["incident"]["id"], incident_id);
    assert_eq!(down.body["incident"]["started_at"], incident["started_at"]);
    assert!(
        down.body["incident"]["cause"]
            .as_str()
            .is_some_and(|c| c.contains("500")),
        "{}",
        down.body
    );
    assert_eq!(up.body["event"], "up");
    assert_eq!(up.body["incident"]["id"], incident_id);
    assert_eq!(up.body["incident"]["resolved_at"], incident["resolved_at"]);
    assert!(up.body["incident"]["duration_seconds"]
        .as_i64()
        .is_some_and(|d| d >= 0));
    let ntfy = rx.received("/ntfy")[0].clone();
    assert_eq!(
        ntfy.headers.get("authorization").map(String::as_str),
        Some("Bearer tk_ntfy")
    );
    assert_eq!(
        (ntfy.body["topic"].as_str(), ntfy.body["priority"].as_i64()),
        (Some("flatline-alerts"), Some(5))
    );
    let gotify = rx.received("/gotify/message")[0].clone();
    assert_eq!(
        gotify.headers.get("x-gotify-key").map(String::as_str),
        Some("gotify-app-token")
    );
    assert_eq!(gotify.body["priority"], 8);
    let teams = body("/teams/workflows/abc", 0);
    assert_eq!(
        teams["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(teams["attachments"][0]["content"]["type"], "AdaptiveCard");
    let (trigger, resolve) = (body("/pagerduty", 0), body("/pagerduty", 1));
    assert_eq!(
        (
            trigger["event_action"].as_str(),
            resolve["event_action"].as_str()
        ),
        (Some("trigger"), Some("resolve"))
    );
    assert_eq!(trigger["routing_key"], "R0UTING");
    assert_eq!(
        trigger["dedup_key"], resolve["dedup_key"],
        "the resolve closes the trigger's alert"
    );
    assert_eq!(trigger["payload"]["severity"], "critical");
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0]["to"], json!(["ops@example.test"]));
    assert!(
        mails[0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("Shop <prod> is down")),
        "{}",
        mails[0]
    );
    assert!(
        mails[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("Cause: unexpected status 500")),
        "{}",
        mails[0]
    );
    assert!(
        mails[1]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("is up again")),
        "{}",
        mails[1]
    );

    // Counted for Prometheus, by type and outcome.
    let metrics = fl
        .send(
            "GET",
            "/metrics",
            &[(
                "Authorization",
                &format!("Bearer {}", fl.token.as_deref().unwrap_or("")),
            )],
            None,
        )
        .await;
    let text = metrics.body.as_str().unwrap_or_default().to_owned();
    let sent_slack = text.lines().find(|l| {
        l.starts_with("flatline_notification_deliveries_total{")
            && l.contains(r#"type="slack""#)
            && l.contains(r#"outcome="sent""#)
    });
    assert_eq!(
        sent_slack.and_then(|l| l.rsplit(' ').next()),
        Some("2"),
        "{text}"
    );
}

#[actix_rt::test]
async fn failing_receivers_get_exactly_one_message_once_they_recover() {
    let fl = fast_retries(&[]);
    let rx = Receiver::start();
    let mut down = Receiver::start();
    down.stop().await;
    let target = Target::start();
    let m = monitor(&fl, &target, "flaky").await;
    let five = webhook(&fl, m, "500s", &rx.url("/five-hundred")).await;
    let many = linked(
        &fl,
        m,
        "429",
        json!({"type": "slack", "url": rx.url("/too-many")}),
    )
    .await;
    let gone = linked(
        &fl,
        m,
        "down for a while",
        json!({"type": "discord", "url": down.url("/hook")}),
    )
    .await;
    rx.script("/five-hundred", &[Reply::Status(500), Reply::Status(500)]);
    rx.script("/too-many", &[Reply::TooManyRequests(2)]);
    fl.wait_for_status(m, "up", WAIT).await;

    target.set_status(500);
    accepted(&rx, "/five-hundred", 1).await;
    let tries = rx.received("/five-hundred");
    assert_eq!(
        tries.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![500, 500, 200]
    );
    let ids: Vec<&String> = tries
        .iter()
        .filter_map(|r| r.headers.get("x-flatline-delivery"))
        .collect();
    assert!(
        ids.len() == 3 && ids.iter().all(|i| *i == ids[0]),
        "one delivery, retried: {ids:?}"
    );
    accepted(&rx, "/too-many", 1).await;
    let tries = rx.received("/too-many");
    assert_eq!(tries.len(), 2);
    let waited = tries[1].at - tries[0].at;
    assert!(
        waited >= Duration::from_millis(1900),
        "Retry-After: 2 honoured (waited {waited:?})"
    );

    // The dead receiver: retried meanwhile, then delivered once it is back.
    eventually("retries of the dead channel", WAIT, || async {
        let d = deliveries(&fl, gone).await;
        (d.len() == 1 && d[0]["status"] == "pending" && d[0]["attempts"].as_i64() >= Some(2))
            .then_some(())
    })
    .await;
    let d = deliveries(&fl, gone).await;
    assert!(
        d[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("connection refused")),
        "{d:?}"
    );
    assert!(
        !d[0]["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("/hook"),
        "errors never quote the URL"
    );
    down.start_again();
    accepted(&down, "/hook", 1).await;

    target.set_status(200);
    for (r, path) in [(&rx, "/five-hundred"), (&rx, "/too-many"), (&down, "/hook")] {
        accepted(r, path, 2).await;
    }
    for (c, expected_attempts) in [(five, 3), (many, 2)] {
        let d = deliveries(&fl, c).await;
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[1]["attempts"], expected_attempts, "{d:?}");
        assert!(d.iter().all(|d| d["status"] == "sent"), "{d:?}");
    }
    assert_eq!(
        rx.accepted("/five-hundred").len(),
        2,
        "exactly one down and one up"
    );
    assert_eq!(rx.accepted("/too-many").len(), 2);
    assert_eq!(down.accepted("/hook").len(), 2);
    let events: Vec<Value> = down
        .accepted("/hook")
        .iter()
        .map(|r| r.body["embeds"][0]["title"].clone())
        .collect();
    assert!(
        events[0].as_str().is_some_and(|t| t.contains("down"))
            && events[1].as_str().is_some_and(|t| t.contains("up")),
        "in order: {events:?}"
    );
}

#[actix_rt::test]
async fn a_sigkill_with_deliveries_pending_loses_and_doubles_nothing() {
    let mut fl = fast_retries(&[]);
    let mut rx = Receiver::start();
    rx.stop().await;
    let target = Target::start();
    let m = monitor(&fl, &target, "crashy").await;
    let c = webhook(&fl, m, "hook", &rx.url("/hook")).await;
    fl.wait_for_status(m, "up", WAIT).await;
    target.set_status(500);
    eventually("a pending, failing delivery", WAIT, || async {
        let d = deliveries(&fl, c).await;
        (d.len() == 1 && d[0]["status"] == "pending" && d[0]["attempts"].as_i64() >= Some(1))
            .then_some(())
    })
    .await;
    fl.kill();
    rx.start_again();
    fl.restart();
    accepted(&rx, "/hook", 1).await;
    target.set_status(200);
    accepted(&rx, "/hook", 2).await;
    let events: Vec<Value> = rx
        .received("/hook")
        .iter()
        .map(|r| r.body["event"].clone())
        .collect();
    assert_eq!(
        events,
        vec![json!("down"), json!("up")],
        "each exactly once, in order"
    );

    // A crash between recording an incident and queueing its notices (simulated by
    // deleting the queued rows while Flatline is stopped) is repaired at the next start.
    fl.stop();
    let db = sea_orm::Database::connect(&fl.database_url)
        .await
        .expect("db");
    sea_orm::ConnectionTrait::execute_unprepared(&db, "DELETE FROM deliveries")
        .await
        .expect("delete");
    drop(db);
    fl.restart();
    accepted(&rx, "/hook", 4).await;
    let events: Vec<Value> = rx
        .received("/hook")
        .iter()
        .map(|r| r.body["event"].clone())
        .collect();
    assert_eq!(
        &events[2..],
        &[json!("down"), json!("up")],
        "re-queued from the incidents"
    );
    let d = deliveries(&fl, c).await;
    assert_eq!(d.len(), 2, "{d:?}");
}

#[actix_rt::test]
async fn a_hanging_receiver_delays_neither_other_channels_nor_checks() {
    let fl = fast_retries(&[("NOTIFICATION_TIMEOUT_SECONDS", "60")]);
    let rx = Receiver::start();
    rx.hang("/hang");
    let target = Target::start();
    let m = monitor(&fl, &target, "busy").await;
    let hang = webhook(&fl, m, "hangs", &rx.url("/hang")).await;
    webhook(&fl, m, "fast", &rx.url("/fast")).await;
    fl.wait_for_status(m, "up", WAIT).await;
    target.set_status(500);
    let first = accepted(&rx, "/fast", 1).await[0].clone();
    let hung = eventually("the hanging request", WAIT, || async {
        rx.received("/hang").first().cloned()
    })
    .await;
    let gap = if first.at > hung.at {
        first.at - hung.at
    } else {
        Duration::ZERO
    };
    assert!(
        gap < Duration::from_secs(2),
        "the fast channel waited {gap:?} for the hanging one"
    );
    let checks_then = fl.checks(m).await.len();
    eventually("checks go on while a delivery hangs", WAIT, || async {
        (fl.checks(m).await.len() >= checks_then + 3).then_some(())
    })
    .await;
    let d = deliveries(&fl, hang).await;
    assert_eq!(
        (d[0]["status"].as_str(), d[0]["attempts"].as_i64()),
        (Some("pending"), Some(0)),
        "still in flight: {d:?}"
    );
    assert!(
        Instant::now() < hung.at + Duration::from_secs(60),
        "all this within the hang"
    );
}

#[actix_rt::test]
async fn a_receiver_answering_just_in_time_and_one_that_never_reads_get_no_duplicates() {
    let fl = fast_retries(&[("NOTIFICATION_TIMEOUT_SECONDS", "10")]);
    let rx = Receiver::start();
    // Answers 100 ms inside the 10 s timeout.
    rx.script("/slow", &[Reply::SlowOk(9_900)]);
    // Accepts the connection and never reads the request.
    let deaf_server = HostileTarget::start_silent();
    let target = Target::start();
    let m = monitor(&fl, &target, "edges").await;
    let slow = webhook(&fl, m, "slow", &rx.url("/slow")).await;
    let deaf = webhook(&fl, m, "deaf", &deaf_server.url("/deaf")).await;
    webhook(&fl, m, "fast", &rx.url("/fast")).await;
    fl.wait_for_status(m, "up", WAIT).await;
    target.set_status(500);
    accepted(&rx, "/fast", 1).await;

    // The deaf one times out and is retried, again and again: the outbox is not stuck on it.
    let d = eventually(
        "two timed-out attempts at the receiver that never reads",
        Duration::from_secs(60),
        || async {
            let d = deliveries(&fl, deaf).await;
            (d.first()?["attempts"].as_i64()? >= 2).then_some(d)
        },
    )
    .await;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["status"], "pending", "{d:?}");
    assert!(
        d[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("timeout") || e.contains("timed out")),
        "{d:?}"
    );
    // The one that answered just in time was delivered once and never retried, although
    // the deaf one's retries ran meanwhile.
    let d = deliveries(&fl, slow).await;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        (d[0]["status"].as_str(), d[0]["attempts"].as_i64()),
        (Some("sent"), Some(1)),
        "{d:?}"
    );
    assert_eq!(rx.received("/slow").len(), 1);
    assert_eq!(rx.received("/fast").len(), 1);
}

#[actix_rt::test]
async fn reminders_repeat_while_down_except_to_pagerduty() {
    let fl = fast_retries(&[]);
    let rx = Receiver::start();
    let target = Target::start();
    target.set_status(500);
    let m = fl
        .create_monitor(
            json!({"name": "nag", "url": target.url("/"), "interval_seconds": 1,
                               "resend_interval_minutes": 1, "enabled": false}),
        )
        .await;
    let m = m["id"].as_i64().expect("id");
    webhook(&fl, m, "hook", &rx.url("/hook")).await;
    linked(
        &fl,
        m,
        "pd",
        json!({"type": "pagerduty", "routing_key": "rk", "url": rx.url("/pd")}),
    )
    .await;
    let (status, _) = fl
        .patch(&format!("/api/v1/monitors/{m}"), &json!({"enabled": true}))
        .await;
    assert_eq!(status, 200);
    accepted(&rx, "/hook", 1).await;
    // A reminder comes a minute after the incident started (looked for every 15 s).
    let reminder = eventually("a reminder", Duration::from_secs(120), || async {
        rx.accepted("/hook").get(1).cloned()
    })
    .await;
    assert_eq!(reminder.body["event"], "reminder");
    assert!(
        reminder.body["title"]
            .as_str()
            .is_some_and(|t| t.contains("still down")),
        "{}",
        reminder.body
    );
    let started = fl.incidents(m).await[0]["started_at"].clone();
    assert_eq!(reminder.body["incident"]["started_at"], started);
    assert!(
        reminder.body["incident"]["duration_seconds"].as_i64() >= Some(60),
        "{}",
        reminder.body
    );
    target.set_status(200);
    accepted(&rx, "/hook", 3).await;
    let events: Vec<Value> = rx
        .accepted("/hook")
        .iter()
        .map(|r| r.body["event"].clone())
        .collect();
    assert_eq!(events, vec![json!("down"), json!("reminder"), json!("up")]);
    accepted(&rx, "/pd", 2).await;
    let pd_events: Vec<Value> = rx
        .received("/pd")
        .iter()
        .map(|r| r.body["event_action"].clone())
        .collect();
    assert_eq!(
        pd_events,
        vec![json!("trigger"), json!("resolve")],
        "PagerDuty escalates by itself: no reminders"
    );
}

#[actix_rt::test]
async fn channel_secrets_are_masked_kept_and_never_logged() {
    let fl = Flatline::start();
    let rx = Receiver::start();
    let secrets = [
        "xoxb-SECRET-1",
        "bot9:SECRET-2",
        "SECRET-3-gotify",
        "SECRET-4-routing",
        "SECRET-5-smtp",
        "SECRET-6-header",
        "SECRET-7-ntfy",
    ];
    let configs = [
        json!({"type": "slack", "url": rx.url("/services/xoxb-SECRET-1")}),
        json!({"type": "telegram", "url": rx.url("/bot9:SECRET-2/sendMessage"), "chat_id": "@ops"}),
        json!({"type": "gotify", "server_url": rx.url("/g"), "token": "SECRET-3-gotify"}),
        json!({"type": "pagerduty", "routing_key": "SECRET-4-routing"}),
        json!({"type": "email", "host": "smtp.example.test", "username": "u", "password": "SECRET-5-smtp", "from": "a@example.test", "to": ["b@example.test"]}),
        json!({"type": "webhook", "url": rx.url("/w"), "headers": {"Authorization": "SECRET-6-header"}}),
        json!({"type": "ntfy", "topic": "t", "token": "SECRET-7-ntfy"}),
    ];
    let mut ids = Vec::new();
    for (i, config) in configs.iter().enumerate() {
        ids.push(channel(&fl, &format!("c{i}"), config.clone()).await);
    }
    let listed = fl.get("/api/v1/notification-channels").await.to_string();
    for s in secrets {
        assert!(!listed.contains(s), "{s} leaked: {listed}");
    }
    assert!(
        listed.contains(&format!("http://127.0.0.1:{}/***", rx.port)),
        "{listed}"
    );
    assert!(listed.contains(r#""chat_id":"@ops""#) && listed.contains(r#""username":"u""#));

    // A rename keeps the secret; so does sending back the masked config as shown.
    let slack = ids[0];
    let (status, _) = fl
        .patch(
            &format!("/api/v1/notification-channels/{slack}"),
            &json!({"name": "renamed"}),
        )
        .await;
    assert_eq!(status, 200);
    let shown = fl
        .get(&format!("/api/v1/notification-channels/{slack}"))
        .await;
    assert_eq!(shown["name"], "renamed");
    let (status, body) = fl
        .patch(
            &format!("/api/v1/notification-channels/{slack}"),
            &json!({"config": shown["config"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, outcome) = fl
        .post(
            &format!("/api/v1/notification-channels/{slack}/test"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (outcome["ok"].as_bool(), outcome["status_code"].as_u64()),
        (Some(true), Some(200)),
        "{outcome}"
    );
    let got = rx.accepted("/services/xoxb-SECRET-1");
    assert_eq!(got.len(), 1, "the stored URL was kept");
    assert!(got[0].body["text"]
        .as_str()
        .is_some_and(|t| t.contains("Test notification")));
    let (_, outcome) = fl
        .post(
            &format!("/api/v1/notification-channels/{}/test", ids[5]),
            &json!({}),
        )
        .await;
    assert_eq!(outcome["ok"], true);
    assert_eq!(
        rx.received("/w")[0]
            .headers
            .get("authorization")
            .map(String::as_str),
        Some("SECRET-6-header")
    );
    let d = deliveries(&fl, slack).await;
    assert_eq!(
        (d[0]["event"].as_str(), d[0]["status"].as_str()),
        (Some("test"), Some("sent"))
    );

    // A test against a dead endpoint reports why.
    let dead = channel(
        &fl,
        "dead",
        json!({"type": "webhook", "url": format!("http://127.0.0.1:{}/x", e2e::closed_port())}),
    )
    .await;
    let (status, outcome) = fl
        .post(
            &format!("/api/v1/notification-channels/{dead}/test"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(outcome["ok"], false);
    assert!(
        outcome["error"]
            .as_str()
            .is_some_and(|e| e.contains("connection refused")),
        "{outcome}"
    );
    assert_eq!(deliveries(&fl, dead).await[0]["status"], "failed");

    // Validation names the field; nothing stored changes.
    for (body, field) in [
        (
            json!({"name": "x", "config": {"type": "slack", "url": "ftp://h/"}}),
            "config.url",
        ),
        (
            json!({"name": "x", "config": {"type": "email", "host": "h", "from": "nope", "to": ["a@b.c"]}}),
            "config.from",
        ),
        (
            json!({"name": " ", "config": {"type": "slack", "url": "http://h/"}}),
            "name",
        ),
    ] {
        let (status, err) = fl.post("/api/v1/notification-channels", &body).await;
        assert_eq!((status, err["field"].as_str()), (422, Some(field)), "{err}");
    }
    for body in [
        json!({"name": "x", "config": {"type": "carrier-pigeon"}}),
        json!({"name": "x", "config": {"type": "telegram", "url": "http://h/"}}),
    ] {
        let (status, err) = fl.post("/api/v1/notification-channels", &body).await;
        assert_eq!(
            (status, err["error"].as_str()),
            (422, Some("validation_failed")),
            "{err}"
        );
    }
    let (status, err) = fl
        .patch(
            &format!("/api/v1/notification-channels/{slack}"),
            &json!({"config": {"url": "not a url"}}),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("config.url")),
        "{err}"
    );
    let (_, outcome) = fl
        .post(
            &format!("/api/v1/notification-channels/{slack}/test"),
            &json!({}),
        )
        .await;
    assert_eq!(outcome["ok"], true, "the failed PATCH changed nothing");

    // Links: unknown ids are clear errors; a default channel comes with new monitors.
    let target = Target::start();
    let m = monitor(&fl, &target, "linked").await;
    let (status, err) = fl
        .post(
            &format!("/api/v1/monitors/{m}/notifications"),
            &json!({"channel_id": 999}),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("channel_id")),
        "{err}"
    );
    let (status, _) = fl
        .post(
            "/api/v1/monitors/999/notifications",
            &json!({"channel_id": slack}),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        fl.delete(&format!("/api/v1/monitors/{m}/notifications/{slack}"))
            .await,
        404
    );
    link(&fl, m, slack).await;
    let (status, _) = fl
        .post(
            &format!("/api/v1/monitors/{m}/notifications"),
            &json!({"channel_id": slack}),
        )
        .await;
    assert_eq!(status, 200, "linking twice is harmless");
    let (status, body) = fl
        .post("/api/v1/notification-channels", &json!({"name": "everyone", "default": true, "config": {"type": "webhook", "url": rx.url("/all")}}))
        .await;
    assert_eq!(status, 201, "{body}");
    let everyone = body["id"].as_i64().expect("id");
    let m2 = monitor(&fl, &target, "new").await;
    let linked: Vec<i64> = fl
        .get(&format!("/api/v1/monitors/{m2}/notifications"))
        .await
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(linked, vec![everyone]);
    assert_eq!(
        fl.delete(&format!("/api/v1/monitors/{m}/notifications/{slack}"))
            .await,
        204
    );
    assert_eq!(
        fl.delete(&format!("/api/v1/notification-channels/{slack}"))
            .await,
        204
    );
    assert_eq!(
        fl.delete(&format!("/api/v1/notification-channels/{slack}"))
            .await,
        404
    );

    let log = fl.log();
    for s in secrets {
        assert!(!log.contains(s), "{s} in the log");
    }
}
