//! Escalation policies and acknowledgement, end to end: a policy of [0 s → A, 20 s → B]; B
//! hears after ~20 s unless someone acknowledges through the link in A's message; the link
//! shows a page on GET, acknowledges once on POST and not after it expires; a SIGKILL and
//! restart between the steps keeps B's timing; reminders stop once acknowledged.

use std::time::{Duration, Instant};

use e2e::receiver::Received;
use e2e::{eventually, Flatline, FlatlineOptions, Receiver, Target};
use flatline_types::CreateChannel;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

async fn webhook(fl: &Flatline, name: &str, url: &str) -> i64 {
    fl.add_channel(&CreateChannel {
        key: None,
        name: name.into(),
        config: serde_json::from_value(json!({"type": "webhook", "url": url})).expect("config"),
        default: false,
        apply_to_existing: false,
    })
    .await
    .id
}

/// The accepted messages at `path` about monitor `m` with event `event`.
fn heard(rx: &Receiver, path: &str, m: i64, event: &str) -> Vec<Received> {
    rx.accepted(path)
        .into_iter()
        .filter(|r| r.body["monitor"]["id"] == m && r.body["event"] == event)
        .collect()
}

async fn first(rx: &Receiver, path: &str, m: i64, event: &str, within: Duration) -> Received {
    eventually(
        &format!("{event} of monitor {m} at {path}"),
        within,
        || async { heard(rx, path, m, event).into_iter().next() },
    )
    .await
}

async fn monitor(fl: &Flatline, target: &Target, name: &str, policy: i64) -> i64 {
    let m = fl
        .create_monitor(
            json!({"name": name, "url": target.url("/"), "interval_seconds": 1,
                               "resend_interval_minutes": 1, "escalation_policy_id": policy}),
        )
        .await;
    assert_eq!(m["escalation_policy_id"], policy, "{m}");
    m["id"].as_i64().expect("id")
}

/// The path of a link under Flatline's public URL.
fn path_of(url: &str) -> String {
    let u = url::Url::parse(url).expect("a URL");
    u.path().to_owned()
}

#[actix_rt::test]
async fn steps_escalate_until_acknowledged_through_the_link_and_survive_a_restart() {
    let port = e2e::closed_port();
    let public = format!("http://127.0.0.1:{port}");
    let mut fl = Flatline::start_with(FlatlineOptions {
        address: Some(format!("127.0.0.1:{port}")),
        env: vec![
            ("NOTIFICATION_RETRY_BASE_MS".into(), "200".into()),
            ("FLATLINE_PUBLIC_URL".into(), public.clone()),
            ("FLATLINE_ACK_LINK_TTL_SECONDS".into(), "15".into()),
        ],
        ..Default::default()
    });
    let rx = Receiver::start();
    let a = webhook(&fl, "A on call", &rx.url("/a")).await;
    let b = webhook(&fl, "B backup", &rx.url("/b")).await;
    let (status, policy) = fl
        .post(
            "/api/v1/escalation-policies",
            &json!({"name": "web", "steps": [{"after_seconds": 0, "channels": [a]}, {"after_seconds": 20, "channels": [b]}]}),
        )
        .await;
    assert_eq!(status, 201, "{policy}");
    let p = policy["id"].as_i64().expect("id");
    let (t1, t2, t3) = (Target::start(), Target::start(), Target::start());
    let acked = monitor(&fl, &t2, "acked", p).await;
    let escalated = monitor(&fl, &t1, "escalated", p).await;
    let expiring = monitor(&fl, &t3, "expiring", p).await;
    assert_eq!(
        fl.get(&format!("/api/v1/escalation-policies/{p}")).await["monitor_ids"],
        json!([acked, escalated, expiring])
    );
    for m in [acked, escalated, expiring] {
        fl.wait_for_status(m, "up", WAIT).await;
    }

    // The acknowledged one goes down first, so that any reminder pass that finds the
    // others due would have found it due too.
    t2.set_status(500);
    let down = first(&rx, "/a", acked, "down", WAIT).await;
    t1.set_status(500);
    t3.set_status(500);
    let a_escalated = first(&rx, "/a", escalated, "down", WAIT).await;
    let a_expiring = first(&rx, "/a", expiring, "down", WAIT).await;
    assert!(rx.accepted("/b").is_empty(), "step 2 waits");

    // The down carries its links.
    assert_eq!(
        down.body["monitor_url"],
        format!("{public}/monitors/{acked}")
    );
    let ack_url = down.body["ack_url"]
        .as_str()
        .expect("an ack link")
        .to_owned();
    assert!(ack_url.starts_with(&format!("{public}/ack/")), "{ack_url}");
    assert!(down.body["message"]
        .as_str()
        .is_some_and(|t| t.contains(&format!("Acknowledge: {ack_url}"))));

    // A GET (a chat app's preview) only shows the page.
    let page = fl.send("GET", &path_of(&ack_url), &[], None).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().expect("html");
    assert!(
        html.contains("Acknowledge this incident?") && html.contains(r#"<form method="post">"#),
        "{html}"
    );
    assert!(html.contains("acked"), "names the monitor: {html}");
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let incident = fl.incidents(acked).await[0].clone();
    assert!(
        incident["acknowledged"].is_null(),
        "a GET changes nothing: {incident}"
    );

    // The button's POST acknowledges, once.
    let done = fl.send("POST", &path_of(&ack_url), &[], None).await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert!(done
        .body
        .as_str()
        .is_some_and(|h| h.contains("Acknowledged")));
    let incident = fl.incidents(acked).await[0].clone();
    assert_eq!(incident["acknowledged"]["via"], "link", "{incident}");
    assert_eq!(incident["acknowledged"]["by"], "the link sent to A on call");
    let again = fl.send("POST", &path_of(&ack_url), &[], None).await;
    assert_eq!(again.status, 409);
    let (status, body) = fl
        .post(
            &format!("/api/v1/incidents/{}/ack", incident["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    // Its step 2 is cancelled in the outbox.
    let b_rows = fl
        .get(&format!("/api/v1/notification-channels/{b}/deliveries"))
        .await;
    let row = b_rows
        .as_array()
        .expect("list")
        .iter()
        .find(|d| d["monitor_id"] == acked)
        .cloned()
        .expect("B's row");
    assert_eq!(row["status"], "cancelled", "{row}");
    // A forged or mangled link acknowledges nothing.
    let forged = fl
        .send("POST", &format!("{}x", path_of(&ack_url)), &[], None)
        .await;
    assert_eq!(forged.status, 404);

    // A crash between the steps: step 2 keeps its time (it is in the outbox, not a timer).
    actix_rt::time::sleep_until((a_escalated.at + Duration::from_secs(8)).into()).await;
    fl.kill();
    fl.restart();
    let b_escalated = first(&rx, "/b", escalated, "down", Duration::from_secs(60)).await;
    let took = b_escalated.at - a_escalated.at;
    assert!(
        (Duration::from_secs(19)..Duration::from_secs(27)).contains(&took),
        "step 2 came {took:?} after step 1 (due 20 s after the down, whatever the restart)"
    );
    assert_eq!(
        b_escalated.body["incident"]["id"],
        a_escalated.body["incident"]["id"]
    );
    first(&rx, "/b", expiring, "down", WAIT).await;

    // The expiring one's link is past its 15 s.
    let expired_url = a_expiring.body["ack_url"]
        .as_str()
        .expect("ack link")
        .to_owned();
    assert!(Instant::now() > a_expiring.at + Duration::from_secs(16));
    let expired = fl.send("POST", &path_of(&expired_url), &[], None).await;
    assert_eq!(expired.status, 410);
    assert!(fl.incidents(expiring).await[0]["acknowledged"].is_null());

    // Reminders: the unacknowledged ones get theirs (to both steps, which heard the down);
    // the acknowledged one none.
    first(&rx, "/a", escalated, "reminder", Duration::from_secs(120)).await;
    first(&rx, "/b", escalated, "reminder", WAIT).await;
    let a_rows = fl
        .get(&format!("/api/v1/notification-channels/{a}/deliveries"))
        .await;
    let reminded: Vec<i64> = a_rows
        .as_array()
        .expect("list")
        .iter()
        .filter(|d| d["event"] == "reminder")
        .filter_map(|d| d["monitor_id"].as_i64())
        .collect();
    assert!(
        reminded.contains(&escalated) && !reminded.contains(&acked),
        "{reminded:?}"
    );

    // Recovery goes to every channel that heard the down: B never heard the acknowledged one.
    for t in [&t1, &t2, &t3] {
        t.set_status(200);
    }
    for m in [acked, escalated, expiring] {
        first(&rx, "/a", m, "up", WAIT).await;
    }
    first(&rx, "/b", escalated, "up", WAIT).await;
    first(&rx, "/b", expiring, "up", WAIT).await;
    let b_heard: Vec<Value> = rx
        .accepted("/b")
        .iter()
        .map(|r| r.body["monitor"]["id"].clone())
        .collect();
    assert!(
        !b_heard.contains(&json!(acked)),
        "B never heard of the acknowledged incident: {b_heard:?}"
    );
    // A resolved incident has nothing to acknowledge.
    let resolved = fl.incidents(escalated).await[0]["id"].clone();
    let (status, err) = fl
        .post(
            &format!("/api/v1/incidents/{resolved}/ack"),
            &json!({"note": "late"}),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("resolved")),
        "{err}"
    );
}

#[actix_rt::test]
async fn policies_are_checked_and_what_they_use_is_guarded() {
    let fl = Flatline::start();
    let rx = Receiver::start();
    let a = webhook(&fl, "A", &rx.url("/a")).await;
    for (body, field) in [
        (json!({"name": "p", "steps": []}), "steps"),
        (
            json!({"name": "p", "steps": [{"after_seconds": 10, "channels": [a]}]}),
            "steps[0].after_seconds",
        ),
        (
            json!({"name": "p", "steps": [{"after_seconds": 0, "channels": [a]}, {"after_seconds": 0, "channels": [a]}]}),
            "steps[1].after_seconds",
        ),
        (
            json!({"name": "p", "steps": [{"after_seconds": 0, "channels": [a, 999]}]}),
            "steps[0].channels[1]",
        ),
        (
            json!({"name": " ", "steps": [{"after_seconds": 0, "channels": [a]}]}),
            "name",
        ),
    ] {
        let (status, err) = fl.post("/api/v1/escalation-policies", &body).await;
        assert_eq!(
            (status, err["field"].as_str()),
            (422, Some(field)),
            "{body}: {err}"
        );
    }
    let (status, p) = fl
        .post(
            "/api/v1/escalation-policies",
            &json!({"name": "p", "steps": [{"after_seconds": 0, "channels": [a]}]}),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let p = p["id"].as_i64().expect("id");
    let (status, patched) = fl
        .patch(
            &format!("/api/v1/escalation-policies/{p}"),
            &json!({"name": "web team"}),
        )
        .await;
    assert_eq!((status, patched["name"].as_str()), (200, Some("web team")));
    assert_eq!(patched["steps"][0]["channels"], json!([a]), "steps kept");
    let (status, err) = fl
        .post(
            "/api/v1/monitors",
            &json!({"name": "m", "url": "http://127.0.0.1:9/", "escalation_policy_id": 999}),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("escalation_policy_id")),
        "{err}"
    );
    let m = fl
        .create_monitor(json!({"name": "m", "url": "http://127.0.0.1:9/", "escalation_policy_id": p, "enabled": false}))
        .await["id"]
        .as_i64()
        .expect("id");
    // In use: neither the policy nor its channel can go.
    let (status, err) = fl
        .request("DELETE", &format!("/api/v1/escalation-policies/{p}"), None)
        .await;
    assert_eq!(status, 409, "{err}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|t| t.contains(&format!("monitor(s) {m}"))),
        "{err}"
    );
    let (status, err) = fl
        .request(
            "DELETE",
            &format!("/api/v1/notification-channels/{a}"),
            None,
        )
        .await;
    assert_eq!(status, 409, "{err}");
    // Detached (PATCH null), the policy can go; a missing one is a 404.
    let (status, body) = fl
        .patch(
            &format!("/api/v1/monitors/{m}"),
            &json!({"escalation_policy_id": null}),
        )
        .await;
    assert_eq!(
        (status, &body["escalation_policy_id"]),
        (200, &Value::Null),
        "{body}"
    );
    assert_eq!(
        fl.delete(&format!("/api/v1/escalation-policies/{p}")).await,
        204
    );
    assert_eq!(
        fl.delete(&format!("/api/v1/escalation-policies/{p}")).await,
        404
    );
    assert_eq!(
        fl.delete(&format!("/api/v1/notification-channels/{a}"))
            .await,
        204
    );
    // Acknowledging: unknown incidents are 404s, and every route needs credentials.
    let (status, _) = fl
        .post("/api/v1/incidents/424242/ack", &json!({"note": "on it"}))
        .await;
    assert_eq!(status, 404);
    let anonymous = fl
        .send("POST", "/api/v1/incidents/1/ack", &[], Some("{}"))
        .await;
    assert_eq!(anonymous.status, 401);
    let anonymous = fl
        .send("GET", "/api/v1/escalation-policies", &[], None)
        .await;
    assert_eq!(anonymous.status, 401);
}
