//! Incident updates: what the people handling an incident tell its readers, through the API.

use std::time::Duration;

use e2e::{eventually, InProcess, Target};
use serde_json::{json, Value};

#[actix_rt::test]
async fn updates_are_added_listed_rendered_safely_and_deleted() {
    let target = Target::start();
    target.set_status(503);
    let fl = InProcess::start().await;
    let m = fl
        .create_monitor(json!({"name": "Payments", "url": target.url("/"), "interval_seconds": 1}))
        .await;
    let mid = m["id"].as_i64().expect("id");
    let incident = eventually("an incident opens", Duration::from_secs(20), || async {
        fl.incidents(mid).await.into_iter().next()
    })
    .await;
    let id = incident["id"].as_i64().expect("incident id");
    let path = format!("/api/v1/incidents/{id}");

    // No updates yet; lists leave `updates` out, the incident itself has them.
    let shown = fl.get(&path).await;
    assert_eq!(shown["updates"], json!([]));
    assert!(fl.get("/api/v1/incidents").await[0]
        .get("updates")
        .is_none());

    let (status, first) = fl
        .post(
            &format!("{path}/updates"),
            &json!({"state": "investigating", "message": "  The **database** is slow. [docs](javascript:alert(1))\n\n<script>alert(1)</script>  "}),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["state"], "investigating");
    assert_eq!(first["author"], "token e2e");
    assert_eq!(
        first["message"],
        "The **database** is slow. [docs](javascript:alert(1))\n\n<script>alert(1)</script>",
        "kept as written, trimmed"
    );
    let html = first["message_html"].as_str().expect("html");
    assert!(html.contains("<strong>database</strong>"), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    let (status, second) = fl
        .post(
            &format!("{path}/updates"),
            &json!({"state": "monitoring", "message": "A fix is out; watching."}),
        )
        .await;
    assert_eq!(status, 201, "{second}");

    let states = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("updates")
            .iter()
            .map(|u| u["state"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        states(&fl.get(&format!("{path}/updates")).await),
        ["investigating", "monitoring"]
    );
    assert_eq!(
        states(&fl.get(&path).await["updates"]),
        ["investigating", "monitoring"]
    );

    // Bad input: a 422 naming the field, and nothing stored.
    for (body, field) in [
        (
            json!({"state": "investigating", "message": "   "}),
            "message",
        ),
        (
            json!({"state": "investigating", "message": "bell \u{7}"}),
            "message",
        ),
        (
            json!({"state": "investigating", "message": "x".repeat(10_001)}),
            "message",
        ),
        (json!({"state": "fixed", "message": "x"}), "state"),
        (json!({"message": "x"}), "state"),
    ] {
        let (status, err) = fl.post(&format!("{path}/updates"), &body).await;
        assert_eq!(
            (status, err["field"].as_str()),
            (422, Some(field)),
            "{body}: {err}"
        );
    }
    assert_eq!(
        fl.get(&format!("{path}/updates"))
            .await
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let (status, err) = fl
        .post(
            "/api/v1/incidents/424242/updates",
            &json!({"state": "identified", "message": "x"}),
        )
        .await;
    assert_eq!((status, err["error"].as_str()), (404, Some("not_found")));
    assert_eq!(
        fl.request("GET", "/api/v1/incidents/424242", None).await.0,
        404
    );

    // Delete one; then it is gone.
    let uid = first["id"].as_i64().expect("update id");
    assert_eq!(fl.delete(&format!("{path}/updates/{uid}")).await, 204);
    assert_eq!(fl.delete(&format!("{path}/updates/{uid}")).await, 404);
    assert_eq!(states(&fl.get(&path).await["updates"]), ["monitoring"]);

    // Deleting the monitor takes its incidents and their updates with it.
    assert_eq!(fl.delete(&format!("/api/v1/monitors/{mid}")).await, 204);
    assert_eq!(fl.request("GET", &path, None).await.0, 404);
}
