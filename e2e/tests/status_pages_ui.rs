//! Status pages in a real browser (Debian's Chromium, headless): the owner builds one in the
//! dashboard; the public reads it without signing in, with JavaScript on and off, sees a
//! monitor go down and an incident update arrive without reloading; light, dark and phone
//! width screenshots in `target/e2e-artifacts/`.

use std::time::Duration;

use e2e::browser::Browser;
use e2e::{closed_port, Flatline, FlatlineOptions, Target};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";
/// The page refreshes itself every 10 s; a change shows within two rounds.
const LIVE: Duration = Duration::from_secs(40);

#[actix_rt::test]
async fn the_owner_builds_a_page_and_the_public_reads_it_live() {
    let target = Target::start();
    let fl = Flatline::start_with(FlatlineOptions {
        address: Some(format!("127.0.0.1:{}", closed_port())),
        env: vec![
            ("FLATLINE_ADMIN_PASSWORD".into(), PASSWORD.into()),
            ("SUMMARY_REFRESH_SECONDS".into(), "1".into()),
        ],
        ..Default::default()
    });
    let web = fl
        .create_monitor(
            json!({"name": "Web frontend", "url": target.url("/web"), "interval_seconds": 1}),
        )
        .await;
    let api = fl
        .create_monitor(
            json!({"name": "api-prod-eu-1", "url": target.url("/api"), "interval_seconds": 1}),
        )
        .await;

    // The owner: sign in, build the page in the editor.
    let b = Browser::start(1280, 900).await;
    b.goto(&fl.url("/login")).await;
    b.fill("#password", PASSWORD).await;
    b.press_enter("#password").await;
    b.find("#account-button").await;
    b.goto(&fl.url("/status-pages")).await;
    b.find("#no-status-pages").await;
    b.click("#new-status-page").await;
    b.fill("#f-title", "Acme status").await;
    b.fill("#f-slug", "acme").await;
    b.fill("#f-description", "Live status of **Acme**.").await;
    b.fill("#section-0-name", "Customer facing").await;
    b.until(
        "the monitors to pick from",
        "return document.querySelectorAll('#section-0-add option').length >= 3;",
    )
    .await;
    b.select("#section-0-add", &api["id"].to_string()).await;
    b.click(".section-edit[data-section=\"0\"] .add-monitor-button")
        .await;
    b.select("#section-0-add", &web["id"].to_string()).await;
    b.click(".section-edit[data-section=\"0\"] .add-monitor-button")
        .await;
    b.fill("#section-0-monitor-0", "API").await;
    b.screenshot("status-page-editor").await;
    b.click("#save-page").await;
    b.until(
        "the editor of the saved page",
        "return /^\\/status-pages\\/\\d+$/.test(location.pathname);",
    )
    .await;
    let pages = fl.get("/api/v1/status-pages").await;
    let page = &pages[0];
    assert_eq!(page["slug"], "acme");
    assert_eq!(page["sections"][0]["name"], "Customer facing");
    assert_eq!(page["sections"][0]["monitors"][0]["display_name"], "API");
    let order: Vec<i64> = page["sections"][0]["monitors"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["monitor_id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(
        order,
        vec![
            api["id"].as_i64().unwrap_or(0),
            web["id"].as_i64().unwrap_or(0)
        ]
    );
    // Move the web frontend up, save again.
    b.click(&format!(
        "li[data-monitor=\"{}\"] button[aria-label^=\"Move\"][aria-label$=\"up\"]",
        web["id"]
    ))
    .await;
    b.click("#save-page").await;
    b.find("#page-saved").await;
    let page = fl.get("/api/v1/status-pages/1").await;
    assert_eq!(page["sections"][0]["monitors"][0]["monitor_id"], web["id"]);
    // A notice, from the editor; the preview shows the page.
    b.fill("#f-notice-title", "Provider maintenance").await;
    b.fill(
        "#f-notice-message",
        "Our DNS provider works on its network tonight.",
    )
    .await;
    b.click("#post-notice").await;
    b.until_text("#notice-list", "Provider maintenance").await;
    b.find("iframe#preview").await;
    let unlabelled = b.unlabelled_controls().await;
    assert!(
        unlabelled.is_empty(),
        "controls without a label: {unlabelled:?}"
    );
    b.screenshot("status-page-editor-saved").await;

    // A recurring maintenance window, with its next occurrences listed.
    b.goto(&fl.url("/maintenance")).await;
    b.find("#no-maintenance").await;
    b.click("#new-maintenance").await;
    b.fill("#f-title", "Weekly database upkeep").await;
    b.click(&format!(
        "#maintenance-monitors input[value=\"{}\"]",
        api["id"]
    ))
    .await;
    b.click("#f-recurring").await;
    b.fill("#f-rrule", "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3;BYMINUTE=0")
        .await;
    b.fill("#f-timezone", "Europe/Berlin").await;
    b.fill("#f-duration_minutes", "90").await;
    b.click("#save-maintenance").await;
    b.until(
        "the window with five next occurrences",
        "return document.querySelectorAll('#maintenance-list .maintenance-item ul.upcoming li').length === 5;",
    )
    .await;
    b.until_text("#maintenance-list", "api-prod-eu-1").await;
    let windows = fl.get("/api/v1/maintenance").await;
    assert_eq!(
        windows[0]["rrule"],
        "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3;BYMINUTE=0"
    );
    assert_eq!(windows[0]["duration_minutes"], 90);
    assert_eq!(windows[0]["monitors"], json!([api["id"]]));
    let unlabelled = b.unlabelled_controls().await;
    assert!(
        unlabelled.is_empty(),
        "controls without a label: {unlabelled:?}"
    );
    b.screenshot("maintenance").await;
    // The page lists it as coming.
    let page = fl
        .send("GET", "/status/acme/status.json", &[], None)
        .await
        .body;
    assert_eq!(
        page["maintenance"][0]["title"], "Weekly database upkeep",
        "{page}"
    );
    b.close().await;

    // The public, in another browser: no session.
    let reader = Browser::start(1280, 900).await;
    reader.goto(&fl.url("/status/acme")).await;
    reader
        .until_text("#overall", "All systems operational")
        .await;
    reader.until_text("main", "Provider maintenance").await;
    let body = reader.text("main").await;
    assert!(
        body.contains("Web frontend") && body.contains("API"),
        "{body}"
    );
    assert!(
        !body.contains("api-prod-eu-1") && !body.contains("127.0.0.1"),
        "{body}"
    );
    reader.screenshot("status-page-light").await;
    // Mark this document: a reload would lose the mark.
    reader.js("window.__kept = true; return true;").await;
    target.set_status(503);
    reader
        .until_within(
            "the open page to show the outage",
            "return document.querySelector('#overall')?.textContent.includes('outage');",
            LIVE,
        )
        .await;
    reader.until_text("main", "API is down").await;
    let incidents = fl.get("/api/v1/incidents").await;
    let incident_id = incidents[0]["id"].as_i64().expect("an incident");
    let (status, _) = fl
        .post(
            &format!("/api/v1/incidents/{incident_id}/updates"),
            &json!({"state": "identified", "message": "A bad deploy; **rolling back**."}),
        )
        .await;
    assert_eq!(status, 201);
    reader
        .until_within(
            "the update to show on the open page",
            "return document.querySelector('main')?.innerHTML.includes('<strong>rolling back</strong>');",
            LIVE,
        )
        .await;
    assert_eq!(
        reader.js("return window.__kept === true;").await,
        json!(true),
        "no reload happened"
    );
    reader.screenshot("status-page-outage").await;
    reader.close().await;

    // Dark, and at phone width.
    let dark = Browser::start_with(1280, 900, &["--force-dark-mode"]).await;
    dark.goto(&fl.url("/status/acme")).await;
    dark.find("#overall").await;
    let bg = dark
        .js("return getComputedStyle(document.body).backgroundColor;")
        .await;
    assert_eq!(bg, json!("rgb(15, 18, 22)"), "the dark palette");
    dark.screenshot("status-page-dark").await;
    dark.close().await;
    let phone = Browser::start(390, 844).await;
    phone.goto(&fl.url("/status/acme")).await;
    phone.find("#overall").await;
    let overflow = phone
        .js("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await;
    assert_eq!(overflow, json!(true), "nothing wider than the phone");
    phone.screenshot("status-page-phone").await;
    phone.close().await;

    // JavaScript off: the page is all there.
    let plain = Browser::start_with(1280, 900, &["--blink-settings=scriptEnabled=false"]).await;
    plain.goto(&fl.url("/status/acme")).await;
    plain.until_text("#overall", "outage").await;
    let text = plain.text("main").await;
    assert!(
        text.contains("Web frontend") && text.contains("rolling back"),
        "{text}"
    );
    plain.close().await;
}
