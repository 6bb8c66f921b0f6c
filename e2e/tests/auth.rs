//! Authentication against the real binary: local account, sessions, CSRF, API tokens, and
//! every protected route refusing anonymous callers.

use std::time::Duration;

use e2e::{eventually, Flatline, FlatlineOptions};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";
const JWT_SECRET: &str = "e2e-jwt-secret-e2e-jwt-secret-e2e-jwt-secret";

fn local(extra: &[(&str, &str)]) -> FlatlineOptions {
    let mut env = vec![
        ("FLATLINE_ADMIN_PASSWORD".to_owned(), PASSWORD.to_owned()),
        ("JWT_SECRET".to_owned(), JWT_SECRET.to_owned()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    FlatlineOptions {
        env,
        anonymous: true,
        ..Default::default()
    }
}

async fn login(fl: &Flatline, password: &str) -> e2e::Answer {
    let body = json!({"username": "admin", "password": password}).to_string();
    fl.send("POST", "/auth/local/login", &[], Some(&body)).await
}

/// Signs in as `admin` and returns the `Cookie` header value.
async fn session(fl: &Flatline) -> String {
    let answer = login(fl, PASSWORD).await;
    assert_eq!(answer.status, 200, "login: {:?}", answer.body);
    let jwt = answer
        .set_cookie("flatline_session")
        .expect("session cookie");
    let raw = answer.header("set-cookie").unwrap_or_default().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(raw.contains(attribute), "{attribute} missing in {raw}");
    }
    assert!(
        !raw.contains("Secure"),
        "plain-HTTP deployments get no Secure flag"
    );
    format!("flatline_session={jwt}")
}

fn forge(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("encode")
}

#[actix_rt::test]
async fn every_protected_route_refuses_anonymous_callers() {
    let fl = Flatline::start_with(local(&[]));
    let doc = fl.get("/api-docs/openapi.json").await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer_token"]["scheme"], "bearer");
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "flatline_session");
    let mut protected = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            // `security: [{}]` marks the public routes (sign-in); the rest inherit the
            // document's requirement.
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            if public {
                // Sign-in, the health check, push URLs and acknowledgement links (their token
                // is the credential), badges and status pages (public by design).
                assert!(
                    path.starts_with("/auth/")
                        || path.starts_with("/push/")
                        || path.starts_with("/ack/")
                        || path.starts_with("/badge/")
                        || path.starts_with("/status/")
                        || path == "/healthz",
                    "{method} {path} is public"
                );
                continue;
            }
            let path = path.replace("{id}", "1");
            let body = matches!(method.as_str(), "post" | "patch").then_some("{}");
            let method = method.to_uppercase();
            for headers in [
                vec![],
                vec![("Authorization", "Bearer flt_not-a-real-token")],
                vec![("Authorization", "Basic YWRtaW46YWRtaW4=")],
                vec![("Cookie", "flatline_session=garbage")],
            ] {
                let a = fl.send(&method, &path, &headers, body).await;
                assert_eq!(
                    a.status, 401,
                    "{method} {path} with {headers:?}: {:?}",
                    a.body
                );
                assert!(a.body["error"].is_string() && a.body["message"].is_string());
                assert!(a.header("www-authenticate").is_some());
            }
            protected += 1;
        }
    }
    assert!(
        protected >= 27,
        "only {protected} protected operations found"
    );
    // What stays public.
    assert_eq!(fl.send("GET", "/healthz", &[], None).await.status, 200);
    assert_eq!(fl.send("GET", "/", &[], None).await.status, 200);
    assert_eq!(fl.send("GET", "/docs/", &[], None).await.status, 200);
    let config = fl.send("GET", "/auth/config", &[], None).await;
    assert_eq!(config.body["mode"], "local");
    assert_eq!(config.body["local_login"], true);
}

#[actix_rt::test]
async fn local_login_issues_a_session_that_works_until_logout() {
    let fl = Flatline::start_with(local(&[]));
    let config = fl.send("GET", "/auth/config", &[], None).await;
    assert_eq!(config.body["first_login_pending"], true);
    let wrong = login(&fl, "not the password").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["error"], "invalid_credentials");
    assert!(wrong.set_cookie("flatline_session").is_none());

    let cookie = session(&fl).await;
    let me = fl
        .send("GET", "/auth/me", &[("Cookie", &cookie)], None)
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["via"], "session");
    assert_eq!(me.body["user"]["username"], "admin");
    assert_eq!(me.body["user"]["role"], "owner");
    assert!(me.body["user"]["last_login_at"].is_string());
    let config = fl.send("GET", "/auth/config", &[], None).await;
    assert_eq!(config.body["first_login_pending"], false);

    // The same session drives the API, writes included (same-origin, as the UI sends them).
    let created = fl
        .send(
            "POST",
            "/api/v1/monitors",
            &[("Cookie", &cookie), ("Sec-Fetch-Site", "same-origin")],
            Some(r#"{"name":"a","url":"http://127.0.0.1:9/","enabled":false}"#),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let list = fl
        .send("GET", "/api/v1/monitors", &[("Cookie", &cookie)], None)
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));

    let out = fl
        .send(
            "POST",
            "/auth/logout",
            &[("Cookie", &cookie), ("Origin", &fl.base_url)],
            None,
        )
        .await;
    assert_eq!(out.status, 204);
    assert_eq!(out.set_cookie("flatline_session").as_deref(), Some(""));
    // The old cookie is dead on the server, not just in the browser.
    let after = fl
        .send("GET", "/auth/me", &[("Cookie", &cookie)], None)
        .await;
    assert_eq!(after.status, 401);
    assert_eq!(after.body["error"], "invalid_session");
}

#[actix_rt::test]
async fn a_cookie_alone_never_authorizes_a_cross_site_write() {
    let fl = Flatline::start_with(local(&[]));
    let cookie = session(&fl).await;
    let body = r#"{"name":"csrf","url":"http://127.0.0.1:9/"}"#;
    for headers in [
        vec![
            ("Cookie", cookie.as_str()),
            ("Origin", "http://evil.example"),
        ],
        vec![
            ("Cookie", cookie.as_str()),
            ("Sec-Fetch-Site", "cross-site"),
        ],
        vec![
            ("Cookie", cookie.as_str()),
            ("Sec-Fetch-Site", "same-site"),
            ("Origin", "http://sub.127.0.0.1"),
        ],
    ] {
        let a = fl
            .send("POST", "/api/v1/monitors", &headers, Some(body))
            .await;
        assert_eq!(a.status, 403, "{headers:?}");
        assert_eq!(a.body["error"], "cross_origin_rejected");
        let t = fl.send("DELETE", "/api/v1/tokens/1", &headers, None).await;
        assert_eq!(t.status, 403);
    }
    // Reads stay fine cross-site (they change nothing), and nothing was created.
    let list = fl
        .send(
            "GET",
            "/api/v1/monitors",
            &[("Cookie", &cookie), ("Sec-Fetch-Site", "cross-site")],
            None,
        )
        .await;
    assert_eq!(list.body, json!([]));
    // Logging in from another site (login CSRF) is refused too.
    let body = json!({"username": "admin", "password": PASSWORD}).to_string();
    let a = fl
        .send(
            "POST",
            "/auth/local/login",
            &[("Origin", "http://evil.example")],
            Some(&body),
        )
        .await;
    assert_eq!(a.status, 403);
}

#[actix_rt::test]
async fn failed_logins_are_throttled() {
    let fl = Flatline::start_with(local(&[]));
    for attempt in 1..=5 {
        let a = login(&fl, "guess").await;
        assert_eq!(a.status, 401, "attempt {attempt}");
    }
    let throttled = login(&fl, "guess").await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.body["error"], "too_many_requests");
    let wait: u64 = throttled
        .header("retry-after")
        .and_then(|s| s.parse().ok())
        .expect("Retry-After");
    assert!((1..=12).contains(&wait), "Retry-After {wait}");
    // Even the right password waits: the throttle does not tell guesses apart.
    let right = login(&fl, PASSWORD).await;
    assert_eq!(right.status, 429);
    assert!(right.set_cookie("flatline_session").is_none());

    // The flood goes on from this address, and the owner signs in from another: the guesser
    // is slowed, not handed a lockout.
    for _ in 0..20 {
        assert_eq!(login(&fl, "guess").await.status, 429);
    }
    let owner = fl.from_address([127, 0, 0, 2].into());
    let body = json!({"username": "admin", "password": PASSWORD}).to_string();
    let signed_in = owner
        .send("POST", "/auth/local/login", &[], Some(&body))
        .await;
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
    assert!(signed_in.set_cookie("flatline_session").is_some());

    // One address trying many usernames is slowed too.
    let sprayer = fl.from_address([127, 0, 0, 3].into());
    let mut statuses = Vec::new();
    for i in 0..25 {
        let body = json!({"username": format!("user{i}"), "password": "guess"}).to_string();
        statuses.push(
            sprayer
                .send("POST", "/auth/local/login", &[], Some(&body))
                .await
                .status,
        );
    }
    assert!(statuses[..20].iter().all(|&s| s == 401), "{statuses:?}");
    assert!(statuses[20..].iter().all(|&s| s == 429), "{statuses:?}");
}

#[actix_rt::test]
async fn forged_tampered_expired_and_orphaned_sessions_are_refused() {
    let fl = Flatline::start_with(local(&[]));
    let cookie = session(&fl).await;
    let jwt = cookie.trim_start_matches("flatline_session=");
    let me = |c: String| {
        let fl = &fl;
        async move {
            fl.send("GET", "/api/v1/monitors", &[("Cookie", &c)], None)
                .await
        }
    };
    assert_eq!(me(cookie.clone()).await.status, 200);

    // Tampered: the payload changed, the signature not.
    let mut parts: Vec<&str> = jwt.split('.').collect();
    let forged_payload = base64_url(br#"{"sub":"1","sid":"x","iat":0,"exp":4102444800}"#);
    parts[1] = &forged_payload;
    assert_eq!(
        me(format!("flatline_session={}", parts.join(".")))
            .await
            .status,
        401
    );
    // Unsigned.
    let none = format!(
        "{}.{}.",
        base64_url(br#"{"alg":"none","typ":"JWT"}"#),
        jwt.split('.').nth(1).unwrap_or_default()
    );
    assert_eq!(me(format!("flatline_session={none}")).await.status, 401);
    // Signed with another secret.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let claims = |sid: &str, exp: i64| json!({"sub": "1", "sid": sid, "iat": now, "exp": exp});
    let other = forge(
        &claims("x", now + 3600),
        "another-secret-another-secret-another",
    );
    assert_eq!(me(format!("flatline_session={other}")).await.status, 401);
    // Correctly signed, but naming no stored session: a JWT secret alone cannot mint sessions.
    let orphan = forge(&claims("made-up", now + 3600), JWT_SECRET);
    let a = me(format!("flatline_session={orphan}")).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["error"], "invalid_session");
    // Expired: the real session id, with an expiry in the past.
    let payload: Value =
        serde_json::from_slice(&base64_decode(jwt.split('.').nth(1).unwrap_or_default()))
            .expect("claims");
    let sid = payload["sid"].as_str().expect("sid");
    let expired = forge(&claims(sid, now - 5), JWT_SECRET);
    assert_eq!(me(format!("flatline_session={expired}")).await.status, 401);
    let renewed = forge(&claims(sid, now + 60), JWT_SECRET);
    assert_eq!(
        me(format!("flatline_session={renewed}")).await.status,
        200,
        "control"
    );

    // A deleted owner takes their sessions along.
    let out = fl.cli(&["owner", "reset"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(me(cookie).await.status, 401);
}

#[actix_rt::test]
async fn a_generated_admin_password_is_logged_once_and_sessions_survive_restarts() {
    let mut fl = Flatline::start_with(FlatlineOptions {
        anonymous: true,
        ..Default::default()
    });
    let log = fl.log();
    let password = log
        .split("with the password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the generated password is in the log")
        .to_owned();
    assert!(password.len() >= 16, "{password}");
    assert!(log.contains("JWT_SECRET is not set: generated"));
    let answer = login(&fl, &password).await;
    assert_eq!(answer.status, 200);
    let cookie = format!(
        "flatline_session={}",
        answer.set_cookie("flatline_session").expect("cookie")
    );

    assert!(fl.stop().success());
    fl.restart();
    let after = fl.log();
    assert_eq!(
        after.matches(&password).count(),
        1,
        "the password is printed only at first start"
    );
    let me = fl
        .send("GET", "/auth/me", &[("Cookie", &cookie)], None)
        .await;
    assert_eq!(
        me.status, 200,
        "the generated JWT secret was kept: {:?}",
        me.body
    );
}

#[actix_rt::test]
async fn api_tokens_work_until_revoked_or_expired_and_never_show_again() {
    let fl = Flatline::start();
    let (status, created) = fl
        .post("/api/v1/tokens", &json!({"name": "  prometheus  "}))
        .await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with("flt_") && token.len() > 40);
    assert_eq!(created["name"], "prometheus");
    assert!(token.starts_with(created["prefix"].as_str().expect("prefix")));
    let bearer = format!("Bearer {token}");
    let with = |path: &'static str, method: &'static str| {
        let (fl, bearer) = (&fl, bearer.clone());
        async move {
            fl.send(method, path, &[("Authorization", &bearer)], None)
                .await
        }
    };
    assert_eq!(with("/api/v1/monitors", "GET").await.status, 200);
    let me = with("/auth/me", "GET").await;
    assert_eq!(me.body["via"], "token");
    assert_eq!(me.body["token"]["name"], "prometheus");

    // Listings never carry the secret, and show when a token was used.
    let listed = eventually("last_used_at recorded", Duration::from_secs(10), || async {
        let list = fl.get("/api/v1/tokens").await;
        let mine = list
            .as_array()?
            .iter()
            .find(|t| t["id"] == created["id"])?
            .clone();
        mine["last_used_at"].is_string().then_some(list)
    })
    .await;
    let text = listed.to_string();
    assert!(!text.contains(&token[4..]), "a listing leaked a token");
    assert!(!text.contains("hash"));

    // Bad input.
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x", "expires_at": "tomorrow"}), "expires_at"),
        (
            json!({"name": "x", "expires_at": "2020-01-01T00:00:00Z"}),
            "expires_at",
        ),
    ] {
        let (status, err) = fl.post("/api/v1/tokens", &body).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(err["field"], field);
    }

    // Revoked: refused at once.
    let (id, status) = (created["id"].as_i64().expect("id"), 204);
    assert_eq!(fl.delete(&format!("/api/v1/tokens/{id}")).await, status);
    let refused = with("/api/v1/monitors", "GET").await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body["error"], "invalid_token");
    assert_eq!(fl.delete(&format!("/api/v1/tokens/{id}")).await, 404);

    // Expiring: works, then stops.
    let soon = time_in(2);
    let (_, short) = fl
        .post(
            "/api/v1/tokens",
            &json!({"name": "short", "expires_at": soon}),
        )
        .await;
    let short = format!("Bearer {}", short["token"].as_str().expect("token"));
    let status = fl
        .send("GET", "/api/v1/tokens", &[("Authorization", &short)], None)
        .await
        .status;
    assert_eq!(status, 200);
    eventually(
        "the short token expires",
        Duration::from_secs(10),
        || async {
            let a = fl
                .send("GET", "/api/v1/tokens", &[("Authorization", &short)], None)
                .await;
            (a.status == 401).then_some(())
        },
    )
    .await;
    let list = fl.get("/api/v1/tokens").await;
    let expired = list
        .as_array()
        .and_then(|l| l.iter().find(|t| t["name"] == "short"))
        .expect("listed");
    assert_eq!(expired["expired"], true);

    // The command line lists and revokes too.
    let out = fl.cli(&["token", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("short") && text.contains("e2e"), "{text}");
    assert!(!text.contains(&fl.token.clone().unwrap_or_default()[4..]));
    let kit_id = fl
        .get("/api/v1/tokens")
        .await
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|t| t["name"] == "e2e")
                .map(|t| t["id"].to_string())
        })
        .expect("the kit's token");
    assert!(fl.cli(&["token", "revoke", &kit_id]).status.success());
    let (status, _) = fl.request("GET", "/api/v1/monitors", None).await;
    assert_eq!(status, 401, "revoked from the command line");
}

fn time_in(seconds: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap_or_default()
}

#[actix_rt::test]
async fn cookies_are_secure_behind_https() {
    let fl = Flatline::start_with(local(&[("FLATLINE_SECURE_COOKIES", "true")]));
    let answer = login(&fl, PASSWORD).await;
    assert_eq!(answer.status, 200);
    let raw = answer.header("set-cookie").unwrap_or_default();
    assert!(raw.contains("Secure") && raw.contains("HttpOnly"), "{raw}");
}
