//! OIDC sign-in against a real provider (`oidc-provider` on 127.0.0.1): the full code flow
//! through its login and consent forms, first-user ownership, and every way a callback can be
//! forged or replayed.

use std::time::Duration;

use actix_web::cookie::{Cookie, CookieJar, Key};
use e2e::oidc::{OidcProvider, ProviderOptions, SignInClient, CLIENT_SECRET};
use e2e::{closed_port, eventually, Flatline, FlatlineOptions};
use serde_json::Value;

const JWT_SECRET: &str = "oidc-e2e-jwt-secret-oidc-e2e-jwt-secret";

/// A Flatline on a fixed port (the provider must know its redirect URL) and a provider.
fn setup(
    provider: ProviderOptions,
    client_id: &str,
    extra: &[(&str, &str)],
) -> (Flatline, OidcProvider) {
    let port = closed_port();
    let redirect = format!("http://127.0.0.1:{port}/auth/callback");
    let provider = OidcProvider::start(ProviderOptions {
        redirect_uris: vec![redirect.clone()],
        ..provider
    });
    let fl = start_flatline(port, &provider.issuer, client_id, extra);
    (fl, provider)
}

fn start_flatline(port: u16, issuer: &str, client_id: &str, extra: &[(&str, &str)]) -> Flatline {
    let mut env: Vec<(String, String)> = [
        ("OAUTH_ISSUER_URL", issuer),
        ("OAUTH_CLIENT_ID", client_id),
        ("OAUTH_CLIENT_SECRET", CLIENT_SECRET),
        (
            "OAUTH_REDIRECT_URL",
            &format!("http://127.0.0.1:{port}/auth/callback"),
        ),
        ("JWT_SECRET", JWT_SECRET),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Flatline::start_with(FlatlineOptions {
        env,
        address: Some(format!("127.0.0.1:{port}")),
        anonymous: true,
        ..Default::default()
    })
}

/// Runs the code flow as `user` up to the provider's redirect back to Flatline.
async fn to_callback(
    fl: &Flatline,
    provider: &OidcProvider,
    browser: &mut SignInClient,
    user: &str,
) -> String {
    let callback = browser
        .sign_in_at_provider(
            &fl.url("/auth/login?return_to=/monitors/3"),
            &provider.issuer,
            user,
        )
        .await;
    assert!(
        callback.starts_with(&fl.url("/auth/callback?")),
        "the provider sends the browser back to Flatline: {callback}"
    );
    callback
}

async fn me(fl: &Flatline, browser: &mut SignInClient) -> (u16, Value) {
    let page = browser.get(&fl.url("/auth/me")).await;
    (
        page.status,
        serde_json::from_str(&page.body).unwrap_or(Value::Null),
    )
}

fn replace_param(url: &str, name: &str, value: &str) -> String {
    let mut u = url::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

fn param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[actix_rt::test]
async fn the_first_identity_owns_flatline_and_no_other_gets_in() {
    let (fl, provider) = setup(ProviderOptions::default(), "flatline", &[]);
    let config: Value = fl.send("GET", "/auth/config", &[], None).await.body;
    assert_eq!(config["mode"], "oidc");
    assert_eq!(config["login_url"], "/auth/login");
    assert_eq!(config["provider_name"], "127.0.0.1");
    assert_eq!(config["local_login"], false);

    // The authorization request carries state, nonce and PKCE (S256).
    let start = fl.send("GET", "/auth/login", &[], None).await;
    assert_eq!(start.status, 302);
    let to = start.header("location").expect("location").to_owned();
    assert!(to.starts_with(&provider.issuer), "{to}");
    for p in ["state", "nonce", "code_challenge"] {
        assert!(param(&to, p).len() >= 16, "{p} in {to}");
    }
    assert_eq!(param(&to, "code_challenge_method"), "S256");
    assert!(param(&to, "scope").contains("email"));
    assert!(start.set_cookie("flatline_oidc").is_some());

    let mut alice = SignInClient::default();
    let callback = to_callback(&fl, &provider, &mut alice, "alice").await;
    assert_eq!(param(&callback, "iss"), provider.issuer, "RFC 9207 iss");
    let done = alice.get(&callback).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some(fl.url("/monitors/3").as_str())
    );
    assert!(alice.cookies.contains_key("flatline_session"));
    assert!(
        !alice.cookies.contains_key("flatline_oidc"),
        "single-use flow cookie"
    );
    let (status, who) = me(&fl, &mut alice).await;
    assert_eq!(status, 200, "{who}");
    assert_eq!(who["via"], "session");
    // This provider gives the e-mail only from userinfo, not in the ID token.
    assert_eq!(who["user"]["email"], "alice@example.test");
    assert_eq!(who["user"]["username"], "alice@example.test");
    assert_eq!(who["user"]["name"], "User alice");
    assert_eq!(who["user"]["role"], "owner");
    assert_eq!(who["user"]["issuer"], provider.issuer);
    let api = alice.get(&fl.url("/api/v1/monitors")).await;
    assert_eq!(api.status, 200);
    assert!(fl
        .log()
        .contains("first sign-in: this identity now owns Flatline"));

    // Replaying the callback: the flow cookie is gone, so its state matches nothing.
    let replay = alice.get(&callback).await;
    assert_eq!(replay.status, 400, "{}", replay.body);
    assert!(replay.body.contains("invalid_login_state"));
    // Replaying the code inside a fresh sign-in (valid state): the provider refuses it.
    let fresh = alice.get(&fl.url("/auth/login")).await;
    let state = param(fresh.location.as_deref().unwrap_or_default(), "state");
    let injected = replace_param(&callback, "state", &state);
    let refused = alice.get(&injected).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.body.contains("login_failed"), "{}", refused.body);

    // Alice signs in again: same user, still the owner.
    let again = to_callback(&fl, &provider, &mut alice, "alice").await;
    assert_eq!(alice.get(&again).await.status, 303);
    let (_, who2) = me(&fl, &mut alice).await;
    assert_eq!(who2["user"]["id"], who["user"]["id"]);

    // Bob has an account at the provider, but Flatline is Alice's.
    let mut bob = SignInClient::default();
    let callback = to_callback(&fl, &provider, &mut bob, "bob").await;
    let refused = bob.get(&callback).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let body: Value = serde_json::from_str(&refused.body).expect("json");
    assert_eq!(body["error"], "not_owner");
    assert!(!bob.cookies.contains_key("flatline_session"));
    assert_eq!(me(&fl, &mut bob).await.0, 401);
    // Local accounts are off in OIDC mode.
    let local = fl
        .send(
            "POST",
            "/auth/local/login",
            &[],
            Some(r#"{"username":"admin","password":"whatever-it-is"}"#),
        )
        .await;
    assert_eq!(local.status, 403);
    assert_eq!(local.body["error"], "local_login_disabled");
}

#[actix_rt::test]
async fn forged_callbacks_are_refused() {
    let (fl, provider) = setup(ProviderOptions::default(), "flatline", &[]);

    // State mismatch.
    let mut browser = SignInClient::default();
    let callback = to_callback(&fl, &provider, &mut browser, "alice").await;
    let tampered = replace_param(&callback, "state", "not-the-state-we-sent");
    let page = browser.get(&tampered).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("state parameter does not match"));
    assert!(!browser.cookies.contains_key("flatline_session"));

    // A response naming another issuer (RFC 9207 mix-up defence).
    let mut browser = SignInClient::default();
    let callback = to_callback(&fl, &provider, &mut browser, "alice").await;
    let page = browser
        .get(&replace_param(&callback, "iss", "http://127.0.0.1:1"))
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("issuer"));

    // A provider error is reported, not swallowed.
    let mut browser = SignInClient::default();
    let start = browser.get(&fl.url("/auth/login")).await;
    let state = param(start.location.as_deref().unwrap_or_default(), "state");
    let page = browser
        .get(&fl.url(&format!(
            "/auth/callback?error=access_denied&error_description=no&state={state}"
        )))
        .await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("access_denied"));

    // Wrong nonce: the real code and state, with a flow cookie whose nonce differs from the
    // one the ID token carries. (The cookie is encrypted with a key derived from JWT_SECRET,
    // which the test knows.)
    let mut browser = SignInClient::default();
    let callback = to_callback(&fl, &provider, &mut browser, "alice").await;
    let key = Key::derive_from(JWT_SECRET.as_bytes());
    let sealed = browser
        .cookies
        .get("flatline_oidc")
        .cloned()
        .expect("flow cookie");
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::new("flatline_oidc", sealed));
    let plain = jar.private(&key).get("flatline_oidc").expect("decrypts");
    let mut flow: Value = serde_json::from_str(plain.value()).expect("flow");
    assert_eq!(flow["state"], param(&callback, "state"));
    flow["nonce"] = Value::String("a-nonce-the-provider-never-saw".into());
    let mut jar = CookieJar::new();
    jar.private_mut(&key)
        .add(Cookie::new("flatline_oidc", flow.to_string()));
    let forged = jar.get("flatline_oidc").expect("sealed").value().to_owned();
    browser.cookies.insert("flatline_oidc".into(), forged);
    let page = browser.get(&callback).await;
    assert_eq!(page.status, 401, "{}", page.body);
    assert!(page.body.to_lowercase().contains("nonce"), "{}", page.body);
    assert!(!browser.cookies.contains_key("flatline_session"));

    // The owner was never created by any of these.
    let out = fl.cli(&["owner", "show"]);
    assert!(!out.status.success(), "{out:?}");
}

#[actix_rt::test]
async fn client_secret_post_and_claims_in_the_id_token() {
    let (fl, provider) = setup(
        ProviderOptions {
            claims_in_id_token: true,
            ..Default::default()
        },
        "flatline-post",
        &[("OAUTH_TOKEN_AUTH_METHOD", "client_secret_post")],
    );
    let mut carol = SignInClient::default();
    let callback = to_callback(&fl, &provider, &mut carol, "carol").await;
    let done = carol.get(&callback).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (status, who) = me(&fl, &mut carol).await;
    assert_eq!(status, 200);
    assert_eq!(who["user"]["email"], "carol@example.test");

    // Control: the same client with basic authentication is refused by the provider, so the
    // setting really chose how the secret travels.
    let port = closed_port();
    drop(fl);
    let basic = {
        let redirect = format!("http://127.0.0.1:{port}/auth/callback");
        let provider = OidcProvider::start(ProviderOptions {
            redirect_uris: vec![redirect],
            claims_in_id_token: true,
            ..Default::default()
        });
        let fl = start_flatline(port, &provider.issuer, "flatline-post", &[]);
        let mut dave = SignInClient::default();
        let callback = to_callback(&fl, &provider, &mut dave, "dave").await;
        dave.get(&callback).await
    };
    assert_eq!(basic.status, 401, "{}", basic.body);
    assert!(basic.body.contains("login_failed"));
}

#[actix_rt::test]
async fn an_unreachable_provider_does_not_stop_flatline_and_is_retried_at_login() {
    let provider_port = closed_port();
    let port = closed_port();
    let issuer = format!("http://127.0.0.1:{provider_port}");
    let fl = start_flatline(port, &issuer, "flatline", &[]);
    eventually(
        "the discovery failure is logged",
        Duration::from_secs(20),
        || async { fl.log().contains("OIDC discovery failed").then_some(()) },
    )
    .await;
    assert_eq!(fl.send("GET", "/healthz", &[], None).await.status, 200);
    let down = fl.send("GET", "/auth/login", &[], None).await;
    assert_eq!(down.status, 503);
    assert_eq!(down.body["error"], "identity_provider_unavailable");

    let provider = OidcProvider::start(ProviderOptions {
        redirect_uris: vec![format!("http://127.0.0.1:{port}/auth/callback")],
        port: Some(provider_port),
        ..Default::default()
    });
    let up = fl.send("GET", "/auth/login", &[], None).await;
    assert_eq!(up.status, 302, "{:?}", up.body);
    let mut erin = SignInClient::default();
    let callback = to_callback(&fl, &provider, &mut erin, "erin").await;
    assert_eq!(erin.get(&callback).await.status, 303);
    assert_eq!(me(&fl, &mut erin).await.0, 200);
}
