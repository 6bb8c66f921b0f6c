//! The web UI in a real browser: Debian's Chromium, headless, against the real binary.

use std::time::Duration;

use e2e::browser::Browser;
use e2e::{closed_port, eventually, Flatline, FlatlineOptions, Receiver, Target};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

fn start_flatline() -> Flatline {
    Flatline::start_with(FlatlineOptions {
        address: Some(format!("127.0.0.1:{}", closed_port())),
        env: vec![
            ("FLATLINE_ADMIN_PASSWORD".into(), PASSWORD.into()),
            // Stats in the list show up quickly.
            ("SUMMARY_REFRESH_SECONDS".into(), "1".into()),
        ],
        ..Default::default()
    })
}

async fn sign_in(b: &Browser, fl: &Flatline) {
    b.goto(&fl.url("/")).await;
    // Not signed in: the app sends the browser to the sign-in page.
    b.find("#password").await;
    assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
    assert!(
        !b.text("#first-login-hint").await.is_empty(),
        "first sign-in hint shown"
    );
    b.fill("#password", "wrong password").await;
    b.click("button[type=submit]").await;
    b.until_text(".error-box", "password").await;
    // With the keyboard alone: Enter in the password field signs in.
    b.fill("#password", PASSWORD).await;
    b.press_enter("#password").await;
    b.find("#account-button").await;
    b.until_text("#account-button", "admin").await;
}

/// Whether the dashboard row of monitor `id` shows `status`.
fn row_status(id: i64, status: &str) -> String {
    format!(
        "return document.querySelector('.row[data-id=\"{id}\"]')?.dataset.status === '{status}';"
    )
}

/// Waits for a monitor's detail page and returns the monitor's id from its path.
async fn detail_page_id(b: &Browser) -> i64 {
    b.until(
        "the detail page",
        "return location.pathname.match(/^\\/monitors\\/\\d+$/) !== null;",
    )
    .await;
    b.path()
        .await
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("monitor id in the URL")
}

#[actix_rt::test]
async fn a_person_creates_watches_edits_notifies_and_deletes_a_monitor() {
    let fl = start_flatline();
    let target = Target::start();
    let receiver = Receiver::start();
    let b = Browser::start(1280, 900).await;
    sign_in(&b, &fl).await;

    // Anything the Content-Security-Policy blocks from here on is recorded.
    b.js("window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); return true;").await;
    // No monitors yet: the empty state says what to do.
    b.until_text("#empty-state", "No monitors yet").await;
    b.until_text("#conn-state", "Live").await;

    // Create through the form. A bad URL is refused at its field before anything is sent.
    b.click("#new-monitor").await;
    b.find("#f-name").await;
    let unlabelled = b.unlabelled_controls().await;
    assert!(
        unlabelled.is_empty(),
        "controls without a label: {unlabelled:?}"
    );
    b.fill("#f-name", "Checkout API").await;
    b.fill("#f-url", "ftp://127.0.0.1/").await;
    b.fill("#f-interval_seconds", "1").await;
    b.click("#save").await;
    b.until_text("#f-url-err", "http").await;
    assert_eq!(b.path().await, "/monitors/new");
    b.fill("#f-url", &target.url("/health")).await;
    b.fill("#f-headers", "X-Probe: flatline").await;
    b.screenshot("monitor-form").await;
    b.click("#save").await;
    let id = detail_page_id(&b).await;
    let m = fl.get(&format!("/api/v1/monitors/{id}")).await;
    assert_eq!(m["name"], "Checkout API");
    assert_eq!(m["interval_seconds"], 1);
    assert_eq!(m["headers"]["X-Probe"], "flatline");
    b.until_text("#monitor-name", "Checkout API").await;
    // Which node checks it (here, the one node).
    let node = m["node"].as_str().expect("node").to_owned();
    b.until_text("#monitor-node", &format!("checked by {node}"))
        .await;

    // It turns up live on the dashboard, without a reload.
    b.click("a.brand").await;
    b.until("the row to turn up", &row_status(id, "up")).await;
    b.until_text("#summary", "1 up").await;
    b.until(
        "latest checks in the bar",
        &format!(
            "return document.querySelectorAll('.row[data-id=\"{id}\"] .beat.up').length >= 2;"
        ),
    )
    .await;
    b.until(
        "stats in the row",
        &format!("return document.querySelector('.row[data-id=\"{id}\"] .c-u24').innerText.includes('100');"),
    )
    .await;
    let reloads = b
        .js("return performance.getEntriesByType('navigation').length;")
        .await;

    // The target fails: down, live, and the incident appears.
    target.set_status(503);
    b.until("the row to turn down", &row_status(id, "down"))
        .await;
    b.until_text("#summary", "1 down").await;
    b.until(
        "a failed check in the bar",
        &format!(
            "return document.querySelectorAll('.row[data-id=\"{id}\"] .beat.down').length >= 1;"
        ),
    )
    .await;
    assert_eq!(
        b.js("return performance.getEntriesByType('navigation').length;")
            .await,
        reloads,
        "no reload happened"
    );
    b.screenshot("dashboard").await;
    let unlabelled = b.unlabelled_controls().await;
    assert!(
        unlabelled.is_empty(),
        "controls without a label: {unlabelled:?}"
    );
    b.click(&format!(".row[data-id=\"{id}\"] .name a")).await;
    b.until_text("table.incidents", "open").await;
    b.until_text("table.incidents", "unexpected status 503")
        .await;
    b.until_text("#checks", "503").await;
    b.find("svg.chart").await;
    b.until(
        "latency drawn",
        "return (document.querySelector('svg.chart path.avg')?.getAttribute('d') || '').length > 0;",
    )
    .await;
    b.screenshot("detail").await;

    // The incident's page: an update posted there is shown, rendered from its Markdown.
    b.click("table.incidents a.incident-link").await;
    b.until_text("#incident-title", "is down").await;
    b.find("#no-updates").await;
    b.select("#f-state", "identified").await;
    b.fill("#f-message", "The **payment provider** times out.")
        .await;
    b.click("#post-update").await;
    b.until_text("#updates", "Identified").await;
    let strong = b
        .js("return document.querySelector('#updates .update-message strong')?.textContent")
        .await;
    assert_eq!(strong, json!("payment provider"));
    // Acknowledged from the page, with a note: recorded as the signed-in person, via the UI.
    b.until_text("#incident-ack", "not yet").await;
    b.fill("#f-ack-note", "on it").await;
    b.click("#acknowledge").await;
    b.until_text("#incident-ack", "(via ui): on it").await;
    let incident = fl.incidents(id).await[0].clone();
    assert_eq!(incident["acknowledged"]["via"], "ui", "{incident}");
    assert_eq!(incident["acknowledged"]["note"], "on it", "{incident}");
    assert!(
        b.js("return document.querySelector('#acknowledge') === null")
            .await
            == json!(true),
        "the button is gone once acknowledged"
    );
    b.screenshot("incident").await;
    b.click("#incident-monitor").await;

    // Edit: rename, through the form prefilled with the monitor.
    b.click("#edit").await;
    b.until(
        "the form prefilled",
        "return document.querySelector('#f-name')?.value === 'Checkout API';",
    )
    .await;
    b.fill("#f-name", "Checkout API (EU)").await;
    b.fill("#f-retries", "2").await;
    b.click("#save").await;
    b.until_text("#monitor-name", "Checkout API (EU)").await;
    let m = fl.get(&format!("/api/v1/monitors/{id}")).await;
    assert_eq!(m["name"], "Checkout API (EU)");
    assert_eq!(m["retries"], 2);
    assert_eq!(m["headers"]["X-Probe"], "flatline", "unchanged fields kept");

    // A webhook channel, linked to the monitor, and a test message.
    b.click("nav.main a[href='/channels']").await;
    b.until_text("#no-channels", "No notification channels")
        .await;
    b.click("#new-channel").await;
    b.select("#f-type", "webhook").await;
    let unlabelled = b.unlabelled_controls().await;
    assert!(
        unlabelled.is_empty(),
        "controls without a label: {unlabelled:?}"
    );
    b.fill("#f-name", "Ops hook").await;
    b.fill("#f-url", &receiver.url("/hook?token=s3cret")).await;
    b.click(&format!("input[name=monitor][value=\"{id}\"]"))
        .await;
    b.click("#save-channel").await;
    b.until_text("#channels", "Ops hook").await;
    b.until_text("#channels", "1 monitor").await;
    let channels = fl.get("/api/v1/notification-channels").await;
    assert_eq!(channels[0]["monitor_ids"], json!([id]));
    assert!(
        !b.text("#channels").await.contains("s3cret"),
        "the secret is masked in the list"
    );
    b.click("#channels .item button.test").await;
    b.until_text("#channels .test-outcome", "Test delivered")
        .await;
    b.click("#channels .item button[aria-expanded]").await;
    b.until_text("#channels table.deliveries", "sent").await;
    assert!(b.text("#channels table.deliveries").await.contains("test"));
    b.screenshot("channels").await;
    let got = receiver.received("/hook");
    assert!(
        got.iter()
            .any(|r| r.headers.get("x-flatline-event").map(String::as_str) == Some("test")),
        "the receiver got the test: {:?}",
        got.iter().map(|r| &r.headers).collect::<Vec<_>>()
    );

    // The API's own validation error is shown at its field (edits are checked by the server).
    b.click("#channels .item button:nth-of-type(3)").await;
    b.until(
        "the edit form",
        "return document.querySelector('#f-name')?.value === 'Ops hook';",
    )
    .await;
    b.fill("#f-url", "not a url").await;
    b.click("#save-channel").await;
    b.until_text("#f-url-err", "").await;
    assert!(!b.text("#f-url-err").await.is_empty());
    let channels = fl.get("/api/v1/notification-channels").await;
    assert!(
        channels[0]["config"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1")),
        "nothing stored changed: {channels}"
    );

    assert_eq!(
        b.js("return window.__csp;").await,
        json!([]),
        "CSP violations"
    );

    // Another type through the same per-type form: Opsgenie, with a choice and a list.
    b.goto(&fl.url("/channels")).await;
    b.click("#new-channel").await;
    b.select("#f-type", "opsgenie").await;
    b.fill("#f-name", "Genie").await;
    b.fill("#f-api_key", "genie-key").await;
    b.select("#f-priority", "P3").await;
    b.fill("#f-tags", "web, api").await;
    b.fill("#f-url", &receiver.url("/opsgenie")).await;
    let unlabelled = b.unlabelled_controls().await;
    assert!(
        unlabelled.is_empty(),
        "controls without a label: {unlabelled:?}"
    );
    b.click("#save-channel").await;
    b.until_text("#channels", "Genie").await;
    let channels = fl.get("/api/v1/notification-channels").await;
    let genie = channels
        .as_array()
        .and_then(|l| l.iter().find(|c| c["name"] == "Genie"))
        .cloned()
        .expect("the Opsgenie channel");
    assert_eq!(genie["config"]["priority"], "P3", "{genie}");
    assert_eq!(genie["config"]["tags"], json!(["web", "api"]), "{genie}");
    assert_eq!(genie["config"]["api_key"], "***", "{genie}");

    // Delete the monitor, after confirming.
    b.goto(&fl.url(&format!("/monitors/{id}"))).await;
    b.click("#delete").await;
    b.until_text(".dialog", "cannot be undone").await;
    b.click("#confirm-no").await;
    assert_eq!(
        fl.request("GET", &format!("/api/v1/monitors/{id}"), None)
            .await
            .0,
        200
    );
    b.click("#delete").await;
    b.click("#confirm-yes").await;
    b.until("back on the dashboard", "return location.pathname === '/';")
        .await;
    b.until_text("#empty-state", "No monitors yet").await;
    eventually("the monitor to be gone", Duration::from_secs(5), || async {
        (fl.request("GET", &format!("/api/v1/monitors/{id}"), None)
            .await
            .0
            == 404)
            .then_some(())
    })
    .await;

    // Sign out: back to the sign-in page, and the API refuses the browser.
    b.click("#account-button").await;
    b.click("#sign-out").await;
    b.find("#password").await;
    let status = b
        .js("return fetch('/api/v1/monitors').then(r => r.status);")
        .await;
    assert_eq!(status, 401);
    b.close().await;
}

#[actix_rt::test]
async fn the_stream_reconnects_and_the_page_keeps_working() {
    let mut fl = start_flatline();
    let target = Target::start();
    let (_, m) = fl
        .post(
            "/api/v1/monitors",
            &json!({"name": "steady", "url": target.url("/"), "interval_seconds": 1}),
        )
        .await;
    let id = m["id"].as_i64().expect("id");
    let b = Browser::start(1280, 900).await;
    sign_in(&b, &fl).await;
    b.until("the row", &row_status(id, "up")).await;

    // The server goes away: the page says so and keeps the last known state.
    fl.kill();
    b.until_text("[role=alert].banner", "reconnecting").await;
    b.until_text("#conn-state", "Reconnecting").await;
    assert!(b.text("#monitor-rows").await.contains("steady"));
    b.screenshot("disconnected").await;

    // Back on the same address: live again, and changes arrive without a reload.
    fl.restart();
    b.until_within(
        "live again",
        "return document.querySelector('#conn-state')?.innerText.includes('Live');",
        Duration::from_secs(45),
    )
    .await;
    fl.patch(
        &format!("/api/v1/monitors/{id}"),
        &json!({"name": "steady renamed"}),
    )
    .await;
    b.until_text("#monitor-rows", "steady renamed").await;
    b.close().await;
}

#[actix_rt::test]
async fn tokens_search_and_the_phone_layout() {
    let fl = start_flatline();
    let target = Target::start();
    for name in ["alpha shop", "beta blog", "gamma api"] {
        fl.post(
            "/api/v1/monitors",
            &json!({"name": name, "url": target.url("/"), "interval_seconds": 2}),
        )
        .await;
    }
    fl.post(
        "/api/v1/monitors",
        &json!({"name": "delta paused", "url": target.url("/"), "enabled": false}),
    )
    .await;
    // A phone, in dark mode.
    let b = Browser::start_with(390, 844, &["--force-dark-mode"]).await;
    sign_in(&b, &fl).await;
    assert_eq!(
        b.js("return matchMedia('(prefers-color-scheme: dark)').matches;")
            .await,
        true
    );
    assert_eq!(
        b.js("return getComputedStyle(document.body).backgroundColor;")
            .await,
        "rgb(15, 18, 22)",
        "the dark palette"
    );
    b.until_text("#summary", "3 up").await;
    b.until_text("#summary", "1 paused").await;

    // Search and filter narrow the list.
    b.fill("#search", "blog").await;
    b.until(
        "one row",
        "return document.querySelectorAll('#monitor-rows .row').length === 1;",
    )
    .await;
    assert!(b.text("#monitor-rows").await.contains("beta blog"));
    b.fill("#search", "").await;
    b.select("#filter", "paused").await;
    b.until(
        "the paused row",
        "return document.querySelectorAll('#monitor-rows .row').length === 1 && document.querySelector('#monitor-rows').innerText.includes('delta paused');",
    )
    .await;
    b.select("#filter", "all").await;
    b.select("#sort", "name").await;
    b.until(
        "sorted by name",
        "const n = [...document.querySelectorAll('#monitor-rows .row .name a')].map(a => a.innerText); return n.length === 4 && n[0] === 'alpha shop' && n[3] === 'gamma api';",
    )
    .await;
    // Phone width: no horizontal scrolling.
    let overflow = b
        .js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
        .await;
    assert_eq!(overflow, 0, "the page fits a 390 px wide screen");
    b.screenshot("dashboard-phone").await;

    // API tokens: the secret once, then it works against the API.
    b.goto(&fl.url("/tokens")).await;
    b.fill("#f-name", "deploy script").await;
    b.click("#create-token").await;
    b.until_text("#token-secret", "flt_").await;
    let secret = b.text("#token-secret").await;
    let bearer = format!("Bearer {}", secret.trim());
    let answer = fl
        .send(
            "GET",
            "/api/v1/monitors",
            &[("Authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(answer.status, 200);
    b.until_text("#tokens", "deploy script").await;
    b.close().await;
}

#[actix_rt::test]
async fn sign_in_with_an_oidc_provider() {
    use e2e::oidc::{OidcProvider, ProviderOptions, CLIENT_SECRET};
    let port = closed_port();
    let redirect = format!("http://127.0.0.1:{port}/auth/callback");
    let provider = OidcProvider::start(ProviderOptions {
        redirect_uris: vec![redirect.clone()],
        ..Default::default()
    });
    let fl = Flatline::start_with(FlatlineOptions {
        address: Some(format!("127.0.0.1:{port}")),
        env: [
            ("OAUTH_ISSUER_URL", provider.issuer.as_str()),
            ("OAUTH_CLIENT_ID", "flatline"),
            ("OAUTH_CLIENT_SECRET", CLIENT_SECRET),
            ("OAUTH_REDIRECT_URL", redirect.as_str()),
            ("OAUTH_PROVIDER_NAME", "Test IdP"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect(),
        ..Default::default()
    });
    let b = Browser::start(1280, 900).await;
    // A deep link survives the trip through the provider.
    b.goto(&fl.url("/incidents")).await;
    b.until_text("#oidc-login", "Sign in with Test IdP").await;
    assert_eq!(
        b.js("return document.querySelector('#password') === null;")
            .await,
        true,
        "no local form when OIDC is configured"
    );
    b.click("#oidc-login").await;
    // The provider's own pages: login, then consent.
    b.fill("input[name=login]", "alice").await;
    b.fill("input[name=password]", "anything").await;
    b.click("form [type=submit]").await;
    b.until(
        "the consent page",
        "return !!document.querySelector('form [type=submit]') && !document.querySelector('input[name=login]');",
    )
    .await;
    b.click("form [type=submit]").await;
    b.until_text("#account-button", "User alice").await;
    assert_eq!(b.path().await, "/incidents");
    b.until_text("main", "No incidents").await;
    b.close().await;
}

#[actix_rt::test]
async fn the_form_creates_a_tcp_and_a_push_monitor_with_only_their_fields() {
    let fl = start_flatline();
    let target = Target::start();
    let b = Browser::start(1280, 900).await;
    sign_in(&b, &fl).await;

    // TCP: choosing the kind swaps the HTTP fields for host and port.
    b.click("#new-monitor").await;
    b.select("#f-kind", "tcp").await;
    b.find("#f-port").await;
    assert_eq!(
        b.js("return document.querySelector('#f-url') === null;")
            .await,
        json!(true),
        "no URL field on a TCP monitor"
    );
    b.fill("#f-name", "Database port").await;
    b.fill("#f-host", "127.0.0.1").await;
    b.fill("#f-port", &target.port.to_string()).await;
    b.fill("#f-interval_seconds", "1").await;
    b.click("#add-assertion").await;
    b.select(".assertion-row[data-row=\"0\"] .a-source", "latency_ms")
        .await;
    b.select(".assertion-row[data-row=\"0\"] .a-op", "lt").await;
    b.fill(".assertion-row[data-row=\"0\"] .a-value", "5000")
        .await;
    let unlabelled = b.unlabelled_controls().await;
    assert!(
        unlabelled.is_empty(),
        "controls without a label: {unlabelled:?}"
    );
    b.screenshot("monitor-form-tcp").await;
    b.click("#save").await;
    let id = detail_page_id(&b).await;
    let m = fl.get(&format!("/api/v1/monitors/{id}")).await;
    assert_eq!(m["kind"], "tcp");
    assert_eq!(m["port"], target.port);
    assert_eq!(m["assertions"][0]["source"], "latency_ms");
    assert_eq!(m["assertions"][0]["value"], 5000);
    assert!(m.get("url").is_none(), "{m}");
    fl.wait_for_status(id, "up", Duration::from_secs(20)).await;
    b.until_text(".detail-head .url", "tcp://127.0.0.1").await;

    // Push: the URL is shown once, with lines to paste, and works.
    b.goto(&fl.url("/monitors/new")).await;
    b.select("#f-kind", "push").await;
    b.find("#f-grace_seconds").await;
    assert_eq!(
        b.js("return document.querySelector('#f-timeout_ms') === null && document.querySelector('#f-host') === null;").await,
        json!(true),
        "no timeout or host on a push monitor"
    );
    b.fill("#f-name", "Nightly backup").await;
    b.fill("#f-interval_seconds", "3600").await;
    b.fill("#f-grace_seconds", "600").await;
    b.click("#save").await;
    b.find("#push-url").await;
    let url = b.text("#push-url").await;
    assert!(url.starts_with(&fl.url("/push/")), "{url}");
    assert!(b.text("#push-curl").await.contains(&url));
    b.screenshot("push-url").await;
    let path = url.trim_start_matches(&fl.url(""));
    assert_eq!(fl.request("GET", path, None).await.0, 200);
    let list = fl.get("/api/v1/monitors").await;
    let push = list
        .as_array()
        .and_then(|l| l.iter().find(|m| m["kind"] == "push"))
        .cloned()
        .expect("the push monitor");
    assert_eq!(push["grace_seconds"], 600);
    fl.wait_for_status(
        push["id"].as_i64().expect("id"),
        "up",
        Duration::from_secs(20),
    )
    .await;
    b.click("#go-to-monitor").await;
    b.find("#push-url-masked").await;
    assert!(!b
        .text("#push-url-masked")
        .await
        .contains(path.trim_start_matches("/push/")));

    // TLS: the form takes the warning days, and the detail page shows the certificate.
    let tls_target = Target::start_tls_expiring(3);
    b.goto(&fl.url("/monitors/new")).await;
    b.select("#f-kind", "tcp").await;
    b.fill("#f-name", "Mail TLS").await;
    b.fill("#f-host", "127.0.0.1").await;
    b.fill("#f-port", &tls_target.port.to_string()).await;
    b.fill("#f-interval_seconds", "1").await;
    b.click("#f-tls").await;
    b.click("#f-verify_tls").await;
    b.fill("#f-certificate_expiry_days", "3, 10").await;
    b.click("#f-public_badges").await;
    b.click("#save").await;
    let id = detail_page_id(&b).await;
    let m = fl.get(&format!("/api/v1/monitors/{id}")).await;
    assert_eq!(m["tls"], true);
    assert_eq!(m["verify_tls"], false);
    assert_eq!(m["certificate_expiry_days"], json!([10, 3]));
    b.until_text("#certificate-days", "3 days left").await;
    assert!(b
        .text("#certificate")
        .await
        .contains("flatline test target"));
    b.screenshot("certificate-card").await;

    // Public badges: the detail page shows them, loaded, with snippets naming their URL.
    assert_eq!(m["public_badges"], true);
    let key = m["badge_key"].as_str().expect("badge_key");
    b.until(
        "three badges, loaded",
        "const imgs = [...document.querySelectorAll('#badges img')]; \
         return imgs.length === 3 && imgs.every(i => i.complete && i.naturalWidth > 0);",
    )
    .await;
    let snippet = b
        .js("return document.querySelector('#badges input.snippet').value")
        .await;
    assert!(
        snippet
            .as_str()
            .is_some_and(|s| s.contains(&format!("/badge/{key}/status.svg"))),
        "{snippet}"
    );
    b.screenshot("badges-card").await;
    b.close().await;
}
