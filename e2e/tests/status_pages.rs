//! Public status pages against the real binary: what a page shows (names and states, never
//! a target or an error), its JSON and Atom feed, custom domains, password and private pages,
//! notices, the per-address limit, and a walk of every public route that finds nothing of
//! what it must not show.

use std::time::Duration;

use e2e::{eventually, Answer, Flatline, FlatlineOptions, Target};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn quick() -> Flatline {
    Flatline::start_with(FlatlineOptions {
        env: vec![("SUMMARY_REFRESH_SECONDS".into(), "1".into())],
        ..Default::default()
    })
}

async fn anonymous(fl: &Flatline, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    fl.send(method, path, headers, None).await
}

fn text(a: &Answer) -> String {
    match &a.body {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn create_page(fl: &Flatline, body: Value) -> Value {
    let (status, page) = fl.post("/api/v1/status-pages", &body).await;
    assert_eq!(status, 201, "create page: {page}");
    page
}

#[actix_rt::test]
async fn a_public_page_shows_names_states_incidents_and_notices_but_never_a_target() {
    let up = Target::start();
    let failing = Target::start();
    failing.set_status(503);
    let fl = quick();
    let web = fl
        .create_monitor(
            json!({"name": "Web frontend", "url": up.url("/web-health"), "interval_seconds": 1}),
        )
        .await;
    let db = fl
        .create_monitor(json!({"name": "Internal orders DB", "url": failing.url("/secret-db-path"), "interval_seconds": 1}))
        .await;
    let other = fl
        .create_monitor(
            json!({"name": "Unlisted monitor", "url": up.url("/unlisted"), "interval_seconds": 1}),
        )
        .await;
    let (web_id, db_id) = (
        web["id"].as_i64().unwrap_or(0),
        db["id"].as_i64().unwrap_or(0),
    );
    let page = create_page(
        &fl,
        json!({
            "slug": "acme",
            "title": "Acme status",
            "description": "Live status of **Acme**. <script>alert(1)</script>",
            "footer": "Questions? [Write to us](mailto:ops@example.org)",
            "sections": [
                {"name": "Customer facing", "monitors": [{"monitor_id": web_id}]},
                {"name": "Back office", "monitors": [{"monitor_id": db_id, "display_name": "Orders"}]}
            ]
        }),
    )
    .await;
    assert_eq!(page["url"], "/status/acme");
    assert_eq!(page["visibility"], "public");
    assert_eq!(page["has_password"], false);

    // The page, without signing in: both sections, the display name, the banner.
    let html = eventually("the page shows a partial outage", WAIT, || async {
        let a = anonymous(&fl, "GET", "/status/acme", &[]).await;
        assert_eq!(a.status, 200, "{}", text(&a));
        let t = text(&a);
        t.contains("Partial outage").then_some((t, a))
    })
    .await;
    let (html, answer) = html;
    assert!(answer
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    assert!(answer
        .header("content-security-policy")
        .is_some_and(|c| c.contains("script-src 'sha256-")));
    assert!(answer.header("etag").is_some());
    for shown in [
        "Acme status",
        "Customer facing",
        "Back office",
        "Web frontend",
        "Orders",
        "<strong>Acme</strong>",
        "Write to us",
        "feed.atom",
    ] {
        assert!(html.contains(shown), "the page shows {shown}");
    }
    let up_address = up.url("").replace("http://", "");
    let failing_address = failing.url("").replace("http://", "");
    let never = [
        "Internal orders DB",
        "Unlisted monitor",
        "secret-db-path",
        "web-health",
        up_address.as_str(),
        failing_address.as_str(),
        "503",
        "unexpected status",
        "alert(1)",
    ];
    for hidden in never {
        assert!(!html.contains(hidden), "the page must not show {hidden}");
    }
    // 90 daily bars per monitor, with hover details.
    assert_eq!(
        html.matches("<i class=").count(),
        180,
        "90 bars for each of 2 monitors"
    );
    assert!(html.contains("% up") || html.contains("no data"));

    // The JSON: the same, as data; a second request with its ETag is answered 304.
    let a = anonymous(&fl, "GET", "/status/acme/status.json", &[]).await;
    assert_eq!(a.status, 200);
    let data = &a.body;
    assert_eq!(data["overall"], "partial_outage");
    assert_eq!(data["sections"][0]["monitors"][0]["name"], "Web frontend");
    assert_eq!(data["sections"][0]["monitors"][0]["status"], "up");
    assert_eq!(data["sections"][1]["monitors"][0]["name"], "Orders");
    assert_eq!(data["sections"][1]["monitors"][0]["status"], "down");
    assert_eq!(
        data["sections"][1]["monitors"][0]["days"]
            .as_array()
            .map(Vec::len),
        Some(90)
    );
    let incident_id = data["active_incidents"][0]["id"]
        .as_i64()
        .expect("an active incident");
    assert_eq!(data["active_incidents"][0]["monitor"], "Orders");
    assert!(data["active_incidents"][0].get("cause").is_none());
    let json_text = a.body.to_string();
    for hidden in never {
        assert!(
            !json_text.contains(hidden),
            "status.json must not show {hidden}"
        );
    }
    let etag = a.header("etag").expect("etag").to_owned();
    assert_eq!(
        format!("\"{}\"", data["version"].as_str().unwrap_or("")),
        etag
    );
    let again = anonymous(
        &fl,
        "GET",
        "/status/acme/status.json",
        &[("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(again.status, 304);
    // Served compressed when asked.
    let br = anonymous(&fl, "GET", "/status/acme", &[("Accept-Encoding", "br")]).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    let gz = anonymous(&fl, "GET", "/status/acme", &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));

    // An incident update shows on the page and in the feed, its Markdown rendered.
    let (status, _) = fl
        .post(
            &format!("/api/v1/incidents/{incident_id}/updates"),
            &json!({"state": "identified", "message": "The **orders database** ran out of disk."}),
        )
        .await;
    assert_eq!(status, 201);
    let a = anonymous(&fl, "GET", "/status/acme", &[]).await;
    let t = text(&a);
    assert!(
        t.contains("Identified") && t.contains("<strong>orders database</strong>"),
        "{t}"
    );
    assert_ne!(a.header("etag").map(str::to_owned), Some(etag.clone()));

    // A notice: at the top while it lasts; once ended, in the history.
    let (status, notice) = fl
        .post(
            "/api/v1/status-pages/1/notices",
            &json!({"title": "Payment provider degraded", "message": "Card payments may be slow.", "level": "warning"}),
        )
        .await;
    assert_eq!(status, 201, "{notice}");
    assert_eq!(notice["active"], true);
    let data = anonymous(&fl, "GET", "/status/acme/status.json", &[])
        .await
        .body;
    assert_eq!(data["notices"][0]["title"], "Payment provider degraded");
    let notice_path = format!("/api/v1/status-pages/1/notices/{}", notice["id"]);
    let (status, ended) = fl
        .patch(&notice_path, &json!({"ends_at": "2020-01-01T00:00:00Z"}))
        .await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["active"], false);
    let data = anonymous(&fl, "GET", "/status/acme/status.json", &[])
        .await
        .body;
    assert_eq!(data["notices"].as_array().map(Vec::len), Some(0));
    // Ended before the last 90 days: not in the history either.
    assert_eq!(data["past_notices"].as_array().map(Vec::len), Some(0));
    let recent_end = "2099-01-01T00:00:00Z";
    fl.patch(&notice_path, &json!({"ends_at": recent_end}))
        .await;

    // The feed parses as Atom, with the incident (and its update) and the notice.
    let feed = anonymous(&fl, "GET", "/status/acme/feed.atom", &[]).await;
    assert_eq!(feed.status, 200);
    assert!(feed
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/atom+xml")));
    let parsed =
        atom_syndication::Feed::read_from(text(&feed).as_bytes()).expect("a valid Atom feed");
    assert_eq!(parsed.title().as_str(), "Acme status");
    let titles: Vec<String> = parsed
        .entries()
        .iter()
        .map(|e| e.title().as_str().to_owned())
        .collect();
    assert!(titles.contains(&"Orders is down".to_owned()), "{titles:?}");
    assert!(
        titles.contains(&"Payment provider degraded".to_owned()),
        "{titles:?}"
    );
    let incident_entry = parsed
        .entries()
        .iter()
        .find(|e| e.title().as_str() == "Orders is down")
        .expect("incident entry");
    let content = incident_entry
        .content()
        .and_then(|c| c.value())
        .unwrap_or_default();
    assert!(content.contains("ran out of disk"), "{content}");
    for hidden in never {
        assert!(
            !text(&feed).contains(hidden),
            "the feed must not show {hidden}"
        );
    }

    // The target recovers: the banner turns, and the incident moves to the history.
    failing.set_status(200);
    let last = std::cell::RefCell::new(Value::Null);
    let operational = tokio::time::timeout(WAIT, async {
        loop {
            let data = anonymous(&fl, "GET", "/status/acme/status.json", &[])
                .await
                .body;
            let past = data["past_incidents"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if data["overall"] == "operational" && past.iter().any(|i| i["id"] == incident_id) {
                return;
            }
            *last.borrow_mut() = data;
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    if operational.is_err() {
        let monitors = fl.get("/api/v1/monitors").await;
        panic!(
            "the page did not turn all operational with incident {incident_id} past; last: {}; monitors: {monitors}",
            last.borrow()
        );
    }

    // Badges of monitors on a public page are public; others stay unknown.
    let key = |m: &Value| m["badge_key"].as_str().unwrap_or_default().to_owned();
    let on_page = anonymous(&fl, "GET", &format!("/badge/{}/status.svg", key(&web)), &[]).await;
    assert!(
        text(&on_page).contains("Web frontend: up"),
        "{}",
        text(&on_page)
    );
    let off_page = anonymous(
        &fl,
        "GET",
        &format!("/badge/{}/status.svg", key(&other)),
        &[],
    )
    .await;
    assert!(text(&off_page).contains("unknown"), "{}", text(&off_page));
}

#[actix_rt::test]
async fn pages_are_validated_and_their_slugs_and_domains_unique() {
    let fl = Flatline::start();
    let bad = [
        (json!({"slug": "Not A Slug", "title": "x"}), "slug"),
        (json!({"slug": "ok", "title": ""}), "title"),
        (
            json!({"slug": "ok", "title": "x", "custom_domain": "https://status.example.com/"}),
            "custom_domain",
        ),
        (
            json!({"slug": "ok", "title": "x", "visibility": "password"}),
            "password",
        ),
        (
            json!({"slug": "ok", "title": "x", "visibility": "password", "password": "short"}),
            "password",
        ),
        (
            json!({"slug": "ok", "title": "x", "sections": [{"name": "a", "monitors": [{"monitor_id": 4242}]}]}),
            "sections[0].monitors[0].monitor_id",
        ),
        (
            json!({"slug": "ok", "title": "x", "description": "bell\u{7}"}),
            "description",
        ),
    ];
    for (body, field) in bad {
        let (status, err) = fl.post("/api/v1/status-pages", &body).await;
        assert_eq!(status, 422, "{body}: {err}");
        assert_eq!(err["field"], field, "{body}: {err}");
    }
    let (status, err) = fl
        .post(
            "/api/v1/status-pages",
            &json!({"slug": "ok", "title": "x", "theme": "pink"}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    create_page(
        &fl,
        json!({"slug": "one", "title": "One", "custom_domain": "Status.Example.test"}),
    )
    .await;
    let (status, err) = fl
        .post(
            "/api/v1/status-pages",
            &json!({"slug": "one", "title": "Again"}),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (409, Some("slug")),
        "{err}"
    );
    let (status, err) = fl
        .post(
            "/api/v1/status-pages",
            &json!({"slug": "two", "title": "Two", "custom_domain": "status.example.test"}),
        )
        .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (409, Some("custom_domain")),
        "{err}"
    );
    // Nothing stored was lost.
    let pages = fl.get("/api/v1/status-pages").await;
    assert_eq!(pages.as_array().map(Vec::len), Some(1));
    assert_eq!(pages[0]["custom_domain"], "status.example.test");
    // A patch: `null` removes the domain; an unknown page is 404.
    let (status, p) = fl
        .patch(
            "/api/v1/status-pages/1",
            &json!({"custom_domain": null, "title": "One!"}),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (p["custom_domain"].clone(), p["title"].clone()),
        (Value::Null, json!("One!"))
    );
    assert_eq!(
        fl.patch("/api/v1/status-pages/99", &json!({"title": "x"}))
            .await
            .0,
        404
    );
    assert_eq!(
        fl.post(
            "/api/v1/status-pages/99/notices",
            &json!({"title": "x", "message": "y"})
        )
        .await
        .0,
        404
    );
    assert_eq!(fl.delete("/api/v1/status-pages/1/notices/5").await, 404);
    assert_eq!(fl.delete("/api/v1/status-pages/1").await, 204);
    assert_eq!(fl.delete("/api/v1/status-pages/1").await, 404);
    assert_eq!(anonymous(&fl, "GET", "/status/one", &[]).await.status, 404);
}

#[actix_rt::test]
async fn custom_domains_password_pages_and_private_pages() {
    let target = Target::start();
    let fl = Flatline::start();
    let m = fl
        .create_monitor(json!({"name": "Site", "url": target.url("/"), "interval_seconds": 1}))
        .await;
    let section = json!([{"name": "All", "monitors": [{"monitor_id": m["id"]}]}]);
    create_page(&fl, json!({"slug": "public-one", "title": "Public one", "custom_domain": "status.example.test", "sections": section})).await;
    let locked = create_page(&fl, json!({"slug": "locked", "title": "Partners", "visibility": "password", "password": "open sesame 1", "sections": section})).await;
    assert_eq!(locked["has_password"], true);
    assert!(locked.get("password").is_none() && !locked.to_string().contains("sesame"));
    create_page(&fl, json!({"slug": "hidden", "title": "Team only", "visibility": "private", "sections": section})).await;

    // The custom domain: `/` of that host is the page, with links rooted at `/`.
    let host = [("Host", "status.example.test:8080")];
    let a = anonymous(&fl, "GET", "/", &host).await;
    assert_eq!(a.status, 200);
    let t = text(&a);
    assert!(
        t.contains("Public one") && t.contains("href=\"/feed.atom\""),
        "{t}"
    );
    let a = anonymous(&fl, "GET", "/status.json", &host).await;
    assert_eq!(a.body["slug"], "public-one");
    let a = anonymous(&fl, "GET", "/feed.atom", &host).await;
    assert!(
        text(&a).contains("http://status.example.test:8080/"),
        "{}",
        text(&a)
    );
    // Another host's `/` is the dashboard, not the page.
    let a = anonymous(&fl, "GET", "/", &[]).await;
    assert!(!text(&a).contains("Public one"));

    // The password page asks; a wrong password is refused; the right one opens it.
    let a = anonymous(&fl, "GET", "/status/locked", &[]).await;
    assert_eq!(a.status, 401);
    let t = text(&a);
    assert!(
        t.contains("type=\"password\"") && !t.contains("Site"),
        "{t}"
    );
    assert_eq!(
        anonymous(&fl, "GET", "/status/locked/status.json", &[])
            .await
            .status,
        401
    );
    assert_eq!(
        anonymous(&fl, "GET", "/status/locked/feed.atom", &[])
            .await
            .status,
        401
    );
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let wrong = fl
        .send(
            "POST",
            "/status/locked/unlock",
            &form,
            Some("password=guess"),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(text(&wrong).contains("not right"));
    assert!(wrong.set_cookie("flatline_page_2").is_none());
    let right = fl
        .send(
            "POST",
            "/status/locked/unlock",
            &form,
            Some("password=open+sesame+1"),
        )
        .await;
    assert_eq!(right.status, 303);
    assert_eq!(right.header("location"), Some("/status/locked"));
    let cookie = right
        .set_cookie("flatline_page_2")
        .expect("the page's cookie");
    let with_cookie = [("Cookie", format!("flatline_page_2={cookie}"))];
    let with_cookie: Vec<(&str, &str)> =
        with_cookie.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = anonymous(&fl, "GET", "/status/locked", &with_cookie).await;
    assert_eq!(a.status, 200);
    assert!(text(&a).contains("Site"));
    assert_eq!(
        anonymous(&fl, "GET", "/status/locked/status.json", &with_cookie)
            .await
            .status,
        200
    );
    // A forged cookie opens nothing; a new password voids the old cookie.
    let forged = [("Cookie", "flatline_page_2=AAAA")];
    assert_eq!(
        anonymous(&fl, "GET", "/status/locked", &forged)
            .await
            .status,
        401
    );
    let (status, _) = fl
        .patch(
            "/api/v1/status-pages/2",
            &json!({"password": "another secret"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        anonymous(&fl, "GET", "/status/locked", &with_cookie)
            .await
            .status,
        401
    );
    // Guessing is slowed: five tries, then 429.
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(
            fl.send(
                "POST",
                "/status/locked/unlock",
                &form,
                Some("password=guess"),
            )
            .await
            .status,
        );
    }
    assert!(statuses.contains(&429), "{statuses:?}");

    // The private page: strangers get what a page that does not exist gets; the owner sees it.
    let missing = anonymous(&fl, "GET", "/status/no-such-page", &[]).await;
    for path in [
        "/status/hidden",
        "/status/hidden/status.json",
        "/status/hidden/feed.atom",
    ] {
        let a = anonymous(&fl, "GET", path, &[]).await;
        assert_eq!(a.status, 404, "{path}");
        assert!(!text(&a).contains("Team only"), "{path}");
    }
    assert_eq!(
        text(&anonymous(&fl, "GET", "/status/hidden", &[]).await),
        text(&missing)
    );
    let token = format!("Bearer {}", fl.token.clone().unwrap_or_default());
    let a = anonymous(&fl, "GET", "/status/hidden", &[("Authorization", &token)]).await;
    assert_eq!(a.status, 200);
    assert!(text(&a).contains("Team only"));
}

#[actix_rt::test]
async fn every_public_route_with_every_other_page_finds_nothing() {
    let target = Target::start();
    target.set_status(500);
    let fl = Flatline::start();
    let mut monitors = Vec::new();
    for name in ["Alpha real name", "Beta real name", "Gamma real name"] {
        monitors.push(
            fl.create_monitor(json!({"name": name, "url": target.url(&format!("/{}", name.replace(' ', "-"))), "interval_seconds": 1}))
                .await,
        );
    }
    let on = |i: usize| json!([{"name": "S", "monitors": [{"monitor_id": monitors[i]["id"], "display_name": format!("Shown {i}")}]}]);
    create_page(
        &fl,
        json!({"slug": "open", "title": "Open page", "sections": on(0)}),
    )
    .await;
    create_page(&fl, json!({"slug": "closed", "title": "Closed page", "visibility": "private", "sections": on(1)})).await;
    create_page(&fl, json!({"slug": "guarded", "title": "Guarded page", "visibility": "password", "password": "twelve chars", "sections": on(2), "custom_domain": "guarded.example.test"})).await;
    // Let checks fail and incidents open, so that there are errors to leak.
    for m in &monitors {
        fl.wait_for_status(m["id"].as_i64().unwrap_or(0), "down", WAIT)
            .await;
    }

    // What no anonymous answer may hold: any monitor's real name or target, any error, and
    // the private page's or the password page's contents.
    let mut forbidden: Vec<String> = vec![
        "500".into(),
        "unexpected status".into(),
        target.url("").replace("http://", ""),
        "Closed page".into(),
        "Shown 1".into(),
        "Shown 2".into(),
    ];
    for m in &monitors {
        forbidden.push(m["name"].as_str().unwrap_or_default().to_owned());
        forbidden.push(m["name"].as_str().unwrap_or_default().replace(' ', "-"));
    }
    let mut values: Vec<String> = vec![
        "open".into(),
        "closed".into(),
        "guarded".into(),
        "1".into(),
        "2".into(),
        "3".into(),
        "no-such".into(),
    ];
    for m in &monitors {
        values.push(m["id"].to_string());
        values.push(m["badge_key"].as_str().unwrap_or_default().to_owned());
    }
    let routes = [
        ("GET", "/status/{}"),
        ("GET", "/status/{}/status.json"),
        ("GET", "/status/{}/feed.atom"),
        ("POST", "/status/{}/unlock"),
        ("GET", "/badge/{}/status.svg"),
        ("GET", "/badge/{}/uptime.svg"),
        ("GET", "/badge/{}/latency.svg"),
    ];
    let mut walked = 0;
    for (method, route) in routes {
        for v in &values {
            let path = route.replace("{}", v);
            for host in [None, Some("guarded.example.test")] {
                let headers: Vec<(&str, &str)> = host.map(|h| ("Host", h)).into_iter().collect();
                let a = anonymous(&fl, method, &path, &headers).await;
                walked += 1;
                assert_ne!(a.status, 500, "{method} {path}");
                let t = text(&a);
                for f in &forbidden {
                    assert!(
                        !t.contains(f.as_str()),
                        "{method} {path} (host {host:?}) shows {f:?}: {t}"
                    );
                }
            }
        }
    }
    for path in ["/", "/status.json", "/feed.atom"] {
        let a = anonymous(&fl, "GET", path, &[("Host", "guarded.example.test")]).await;
        walked += 1;
        for f in &forbidden {
            assert!(
                !text(&a).contains(f.as_str()),
                "{path} on the guarded domain shows {f:?}"
            );
        }
    }
    assert!(walked > 100, "{walked} requests");
    // The open page shows what it should.
    let a = anonymous(&fl, "GET", "/status/open", &[]).await;
    assert!(text(&a).contains("Shown 0"));
}

#[actix_rt::test]
async fn public_routes_are_limited_per_address() {
    let fl = Flatline::start_with(FlatlineOptions {
        env: vec![("FLATLINE_PUBLIC_RATE_LIMIT".into(), "2".into())],
        ..Default::default()
    });
    create_page(&fl, json!({"slug": "busy", "title": "Busy"})).await;
    let mut refused = None;
    for i in 0..40 {
        let a = anonymous(&fl, "GET", "/status/busy", &[]).await;
        if a.status == 429 {
            refused = Some((i, a));
            break;
        }
        assert_eq!(a.status, 200);
    }
    let (i, a) = refused.expect("the limit refuses a flood");
    assert!(i >= 20, "a burst of 20 is allowed first, refused at {i}");
    assert_eq!(a.body["error"], "rate_limited");
    assert!(a.header("retry-after").is_some());
    // Badges share the limit; another address has its own.
    assert_eq!(
        anonymous(&fl, "GET", "/badge/x/status.svg", &[])
            .await
            .status,
        429
    );
    let other = fl.from_address([127, 0, 0, 2].into());
    assert_eq!(
        other.send("GET", "/status/busy", &[], None).await.status,
        200
    );
    // The API is not limited by it.
    assert_eq!(fl.request("GET", "/api/v1/status-pages", None).await.0, 200);
}
