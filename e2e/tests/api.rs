//! The REST API's contract: validation, errors, health, the UI's assets. (The OpenAPI
//! document and methods: `openapi.rs`.)

use e2e::{InProcess, Target};
use flatline_types::CreateMonitor;
use serde_json::{json, Value};

#[actix_rt::test]
async fn bad_input_gets_a_4xx_naming_the_field_and_changes_nothing() {
    let target = Target::start();
    let fl = InProcess::start().await;
    let url = target.url("/");
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"url": url}), 422, "name"),
        (json!({"name": "a"}), 422, "url"),
        (json!({"name": "a", "url": "ftp://x/"}), 422, "url"),
        (json!({"name": "a", "url": "not a url"}), 422, "url"),
        (json!({"name": "", "url": url}), 422, "name"),
        (
            json!({"name": "a", "url": url, "interval_seconds": 0}),
            422,
            "interval_seconds",
        ),
        (
            json!({"name": "a", "url": url, "interval_seconds": 86401}),
            422,
            "interval_seconds",
        ),
        (
            json!({"name": "a", "url": url, "interval_seconds": "60"}),
            422,
            "interval_seconds",
        ),
        (
            json!({"name": "a", "url": url, "interval_seconds": -5}),
            422,
            "interval_seconds",
        ),
        (
            json!({"name": "a", "url": url, "timeout_ms": 99}),
            422,
            "timeout_ms",
        ),
        (
            json!({"name": "a", "url": url, "interval_seconds": 2, "timeout_ms": 2000}),
            422,
            "timeout_ms",
        ),
        (
            json!({"name": "a", "url": url, "retries": 11}),
            422,
            "retries",
        ),
        (
            json!({"name": "a", "url": url, "method": "FETCH"}),
            422,
            "method",
        ),
        (
            json!({"name": "a", "url": url, "expected_status_codes": [200, 600]}),
            422,
            "expected_status_codes[1]",
        ),
        (
            json!({"name": "a", "url": url, "headers": {"bad header": "x"}}),
            422,
            "headers.bad header",
        ),
        (
            json!({"name": "a", "url": url, "headers": {"X": 1}}),
            422,
            "headers.X",
        ),
        (
            json!({"name": "a", "url": url, "status": "up"}),
            422,
            "status",
        ),
        (json!([1, 2]), 422, "body"),
    ];
    for (body, status, field) in cases {
        let (got, err) = fl.post("/api/v1/monitors", &body).await;
        assert_eq!(got, status, "{body} -> {err}");
        assert_eq!(err["error"], "validation_failed", "{body}");
        assert_eq!(err["field"], field, "{body} -> {err}");
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    for raw in [
        "{\"name\": \"a\",",
        "",
        "nonsense",
        "{\"name\":\"a\",\"url\":\"http://x/\"} extra",
    ] {
        let (status, err) = fl.request("POST", "/api/v1/monitors", Some(raw)).await;
        assert_eq!(status, 400, "{raw:?}");
        assert_eq!(err["error"], "malformed_json", "{raw:?}");
    }
    let huge = format!(
        "{{\"name\":\"{}\",\"url\":\"{url}\"}}",
        "x".repeat(300 * 1024)
    );
    let (status, err) = fl.request("POST", "/api/v1/monitors", Some(&huge)).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (413, Some("payload_too_large"))
    );
    assert_eq!(
        fl.get("/api/v1/monitors").await,
        json!([]),
        "nothing was created"
    );

    // A bad PATCH leaves the stored monitor as it was.
    let m = fl
        .add_monitor(&CreateMonitor {
            name: "keep".into(),
            url: Some(url.clone()),
            interval_seconds: Some(30),
            timeout_ms: Some(9000),
            ..Default::default()
        })
        .await;
    let path = format!("/api/v1/monitors/{}", m.id);
    let (status, err) = fl
        .patch(&path, &json!({"interval_seconds": 5, "name": "changed"}))
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("timeout_ms")),
        "{err}"
    );
    let (status, err) = fl.patch(&path, &json!({"retries": "x"})).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (422, Some("retries")),
        "{err}"
    );
    let (status, _) = fl.request("PATCH", &path, Some("{")).await;
    assert_eq!(status, 400);
    let stored = fl.monitor(m.id).await;
    assert_eq!(stored.name, "keep");
    assert_eq!((stored.interval_seconds, stored.timeout_ms), (30, 9000));

    // A good PATCH changes only what it names; null clears the body.
    let (status, _) = fl.patch(&path, &json!({"body": "x"})).await;
    assert_eq!(status, 200);
    let (status, p) = fl
        .patch(&path, &json!({"name": "renamed", "body": null}))
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (p["name"].as_str(), p["body"].clone()),
        (Some("renamed"), Value::Null)
    );
    assert_eq!(p["interval_seconds"], 30);

    let checks = format!("{path}/checks?limit=0");
    let (status, err) = fl.request("GET", &checks, None).await;
    assert_eq!((status, err["field"].as_str()), (422, Some("limit")));
    let (status, err) = fl
        .request("GET", &format!("{path}/checks?limit=1001"), None)
        .await;
    assert_eq!((status, err["field"].as_str()), (422, Some("limit")));
    let (status, err) = fl
        .request("GET", &format!("{path}/checks?limit=abc"), None)
        .await;
    assert_eq!((status, err["error"].as_str()), (400, Some("bad_request")));
}

#[actix_rt::test]
async fn unknown_ids_and_routes_are_404_json() {
    let fl = InProcess::start().await;
    for (method, path) in [
        ("GET", "/api/v1/monitors/424242"),
        ("PATCH", "/api/v1/monitors/424242"),
        ("DELETE", "/api/v1/monitors/424242"),
        ("GET", "/api/v1/monitors/424242/checks"),
        ("GET", "/api/v1/monitors/424242/incidents"),
        ("GET", "/api/v1/monitors/not-a-number"),
        ("GET", "/api/v1/nothing-here"),
        ("POST", "/api/v1/nothing-here"),
    ] {
        let body = (method == "PATCH").then_some("{}");
        let (status, err) = fl.request(method, path, body).await;
        assert_eq!(status, 404, "{method} {path}: {err}");
        assert_eq!(err["error"], "not_found", "{method} {path}");
    }
}

#[actix_rt::test]
async fn swagger_ui_and_health_answer() {
    let fl = InProcess::start().await;
    let (status, _) = fl.request("GET", "/docs", None).await;
    assert!(
        (300..400).contains(&status),
        "/docs redirects, got {status}"
    );
    let (status, html) = fl.request("GET", "/docs/", None).await;
    assert_eq!(status, 200);
    assert!(
        html.as_str().is_some_and(|h| h.contains("swagger")),
        "Swagger UI page"
    );
    let health = fl.get("/healthz").await;
    assert_eq!(health["status"], "ok");
}

#[actix_rt::test]
async fn the_ui_is_served_precompressed_with_hashed_names_and_cache_headers() {
    let fl = InProcess::start().await;
    let get = |path: &'static str, encoding: &'static str| {
        let fl = &fl;
        async move {
            fl.send("GET", path, &[("Accept-Encoding", encoding)], None)
                .await
        }
    };
    let index = get("/", "identity").await;
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    let csp = index.header("content-security-policy").unwrap_or_default();
    for part in [
        "default-src 'self'",
        "'sha256-",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{part} in the CSP: {csp}");
    }
    let script_src = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap_or_default();
    assert!(
        !script_src.contains("'unsafe-inline'") && !script_src.contains("'unsafe-eval'"),
        "only the hashed inline script: {script_src}"
    );
    let html = index.body.as_str().expect("html").to_owned();
    let asset = |ext: &str| {
        html.split('"')
            .find(|s| {
                s.starts_with("/flatline-") && s.ends_with(ext)
                    || s.starts_with("/style-") && s.ends_with(ext)
            })
            .unwrap_or_else(|| panic!("a hashed {ext} in {html}"))
            .to_owned()
    };
    let (js, wasm, css) = (asset(".js"), asset(".wasm"), asset(".css"));
    for name in [&js, &wasm, &css] {
        let hash = name
            .rsplit_once('-')
            .and_then(|(_, h)| h.split('.').next())
            .unwrap_or_default();
        assert_eq!(hash.len(), 12, "content hash in {name}");
    }
    // Client-side routes get the same page; an unknown asset is a 404, never HTML.
    let route = get("/monitors/7/edit", "br").await;
    assert_eq!(route.status, 200);
    assert_eq!(route.header("content-encoding"), Some("br"));
    assert_eq!(route.header("cache-control"), Some("no-cache"));
    assert!(route.body.as_str().is_some_and(|h| h.contains(&js)));
    assert_eq!(get("/flatline-000000000000.js", "br").await.status, 404);
    assert_eq!(
        fl.send("GET", &format!("{js}.br"), &[], None).await.status,
        404
    );

    for (path, encoding, coding, mime) in [
        (&js, "gzip, deflate, br, zstd", "br", "javascript"),
        (&js, "gzip", "gzip", "javascript"),
        (&js, "identity", "identity", "javascript"),
        (&wasm, "br;q=0.5, gzip", "gzip", "application/wasm"),
        (&wasm, "br", "br", "application/wasm"),
        (&css, "br", "br", "text/css"),
    ] {
        let a = fl
            .send("GET", path, &[("Accept-Encoding", encoding)], None)
            .await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(
            a.header("content-encoding"),
            Some(coding),
            "{path} for {encoding}"
        );
        assert!(
            a.header("content-type").is_some_and(|t| t.contains(mime)),
            "{path}: {:?}",
            a.header("content-type")
        );
        assert_eq!(
            a.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(a.header("vary"), Some("Accept-Encoding"));
        // awc decodes the body: the same content whatever the encoding.
        let body = a.body.as_str().unwrap_or_default();
        if path.ends_with(".js") {
            assert!(body.contains("__wbg_init"), "wasm-bindgen glue");
        }
        if path.ends_with(".wasm") {
            assert!(body.starts_with("\u{0}asm"), "a wasm module");
        }
    }
}
