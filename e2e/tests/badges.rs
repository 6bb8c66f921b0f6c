//! Badges: the real binary serves a monitor's status, uptime and latency as SVG at its random
//! badge key, only while `public_badges` is on, and nothing else about it.

use std::time::Duration;

use e2e::{eventually, Answer, Flatline, FlatlineOptions, Target};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(20);

/// The badge's text, after checking it is an SVG document of positive width.
fn badge_text(answer: &Answer) -> (String, f64) {
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.header("content-type"), Some("image/svg+xml"));
    assert_eq!(answer.header("cache-control"), Some("public, max-age=60"));
    let svg = answer.body.as_str().expect("an SVG body");
    let doc = roxmltree::Document::parse(svg).expect("the badge is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let width: f64 = root
        .attribute("width")
        .and_then(|w| w.parse().ok())
        .expect("a numeric width");
    assert!(width > 0.0);
    let label = root.attribute("aria-label").unwrap_or_default().to_owned();
    (label, width)
}

#[actix_rt::test]
async fn public_badges_show_status_uptime_and_latency_and_nothing_else() {
    let target = Target::start();
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![("SUMMARY_REFRESH_SECONDS".into(), "1".into())],
        ..Default::default()
    });
    let url = target.url("/secret-path");
    let m = fl
        .create_monitor(json!({"name": "Checkout API", "url": url, "interval_seconds": 1, "public_badges": true}))
        .await;
    let key = m["badge_key"].as_str().expect("badge_key").to_owned();
    assert_eq!(key.len(), 20, "{key}");
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    assert_ne!(key, m["id"].to_string());
    let id = m["id"].as_i64().expect("id");
    let get = |path: String| {
        let fl = &fl;
        async move { fl.send("GET", &path, &[], None).await }
    };

    // Status, by the monitor's name; up, then down when the target fails.
    let status = format!("/badge/{key}/status.svg");
    eventually("the status badge says up", WAIT, || async {
        let (label, _) = badge_text(&get(status.clone()).await);
        (label == "Checkout API: up").then_some(())
    })
    .await;
    target.set_status(503);
    eventually("the status badge says down", WAIT, || async {
        let (label, _) = badge_text(&get(status.clone()).await);
        (label == "Checkout API: down").then_some(())
    })
    .await;
    // The text is measured: a longer label makes a wider badge.
    let (_, narrow) = badge_text(&get(format!("{status}?label=a")).await);
    let (label, wide) = badge_text(&get(format!("{status}?label=a%20much%20longer%20label")).await);
    assert_eq!(label, "a much longer label: down");
    assert!(wide > narrow + 50.0, "{narrow} → {wide}");

    // Uptime and latency over a window, once the numbers are computed.
    let uptime = eventually("the uptime badge has a number", WAIT, || async {
        let (label, _) = badge_text(&get(format!("/badge/{key}/uptime.svg?window=7d")).await);
        label.ends_with('%').then_some(label)
    })
    .await;
    assert!(uptime.starts_with("uptime 7d: "), "{uptime}");
    let latency = eventually("the latency badge has a number", WAIT, || async {
        let (label, _) = badge_text(&get(format!("/badge/{key}/latency.svg")).await);
        label.ends_with(" ms").then_some(label)
    })
    .await;
    assert!(latency.starts_with("p99 24h: "), "{latency}");

    // Nothing but the name and the numbers: no URL, path, host or error text.
    for file in ["status.svg", "uptime.svg", "latency.svg"] {
        let body = get(format!("/badge/{key}/{file}")).await.body;
        let body = body.as_str().expect("svg");
        for secret in ["secret-path", "127.0.0.1", "503", "unexpected status"] {
            assert!(!body.contains(secret), "{file} shows {secret}");
        }
    }

    // Bad input is a 422 naming the field.
    let bad = get(format!("/badge/{key}/uptime.svg?window=1y")).await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (422, Some("window"))
    );
    let long = "x".repeat(101);
    let bad = get(format!("{status}?label={long}")).await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (422, Some("label"))
    );

    // An unknown key and a monitor whose badges are not public answer alike: grey, unknown.
    let unknown = get("/badge/0123456789abcdef0123/status.svg".into()).await;
    assert_eq!(badge_text(&unknown).0, "status: unknown");
    let (code, _) = fl
        .patch(
            &format!("/api/v1/monitors/{id}"),
            &json!({"public_badges": false}),
        )
        .await;
    assert_eq!(code, 200);
    let private = get(status.clone()).await;
    assert_eq!(
        private.body, unknown.body,
        "a private monitor's badge reveals nothing"
    );
    let private = fl
        .create_monitor(json!({"name": "Private", "url": target.url("/p"), "interval_seconds": 60}))
        .await;
    assert_eq!(private["public_badges"], false);
    let key = private["badge_key"].as_str().expect("badge_key");
    let answer = get(format!("/badge/{key}/latency.svg")).await;
    assert_eq!(badge_text(&answer).0, "p99 24h: unknown");

    // Keys survive a restart, and public badges are served again at once.
    let (code, _) = fl
        .patch(
            &format!("/api/v1/monitors/{id}"),
            &json!({"public_badges": true}),
        )
        .await;
    assert_eq!(code, 200);
    let mut fl = fl;
    fl.stop();
    fl.restart();
    let (label, _) = badge_text(&fl.send("GET", &status, &[], None).await);
    assert!(label.starts_with("Checkout API: "), "{label}");
}
