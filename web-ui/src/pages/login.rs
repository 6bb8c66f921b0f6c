//! The sign-in page: "Sign in with <provider>" (OIDC) or the local account's form.

use flatline_types::{AuthConfig, LocalLogin, Me};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, ClientError};
use crate::Session;

#[component]
pub fn Login() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let query = use_query_map();
    let next = move || {
        query
            .get_untracked()
            .get("next")
            .filter(|n| n.starts_with('/') && !n.starts_with("//"))
            .unwrap_or_else(|| "/".into())
    };
    // Already signed in: on to where the visitor was going.
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if matches!(session.me.get(), Some(Some(_))) {
                navigate(&next(), Default::default());
            }
        });
    }
    let config = RwSignal::new(None::<Result<AuthConfig, ClientError>>);
    leptos::task::spawn_local(async move {
        config.set(Some(api::get::<AuthConfig>("/auth/config").await));
    });
    let username = RwSignal::new("admin".to_owned());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let body = LocalLogin {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api::post::<_, Me>("/auth/local/login", &body).await {
                Ok(me) => {
                    session.lost.set(false);
                    session.me.set(Some(Some(me)));
                }
                Err(e) => {
                    error.set(Some(e));
                    password.set(String::new());
                }
            }
            busy.set(false);
        });
    };

    view! {
        <div class="login">
            <h1>
                <svg width="26" height="26" viewBox="0 0 16 16" aria-hidden="true">
                    <path d="M1 9h4l2-6 2 10 2-4h4" fill="none" stroke="var(--up)" stroke-width="2" stroke-linejoin="round"/>
                </svg>
                " Flatline"
            </h1>
            {move || match config.get() {
                None => view! { <p class="muted" style="text-align:center">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
                Some(Ok(c)) if c.mode == "oidc" => {
                    let provider = c.provider_name.clone().unwrap_or_else(|| "your identity provider".into());
                    let url = format!(
                        "{}?return_to={}",
                        c.login_url.clone().unwrap_or_else(|| "/auth/login".into()),
                        js_sys::encode_uri_component(&next()),
                    );
                    view! {
                        <div class="panel">
                            <a class="button primary" style="width:100%;justify-content:center" href=url rel="external" id="oidc-login">
                                {format!("Sign in with {provider}")}
                            </a>
                        </div>
                    }.into_any()
                }
                Some(Ok(c)) => view! {
                    <form class="panel" on:submit=submit aria-label="Sign in">
                        <div class="field">
                            <label for="username">"Username"</label>
                            <input id="username" name="username" autocomplete="username" required bind:value=username/>
                        </div>
                        <div class="field">
                            <label for="password">"Password"</label>
                            <input id="password" name="password" type="password" autocomplete="current-password" required autofocus bind:value=password/>
                        </div>
                        {c.first_login_pending.then(|| view! {
                            <p class="hint muted small" id="first-login-hint">
                                "First sign-in: the password of "<strong>"admin"</strong>
                                " was printed once in Flatline's log when it first started (or is the value of "
                                <code>"FLATLINE_ADMIN_PASSWORD"</code>")."
                            </p>
                        })}
                        {move || error.get().map(|e| view! { <div class="error-box" role="alert">{e.message}</div> })}
                        <button class="primary" type="submit" disabled=move || busy.get()>
                            {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                        </button>
                    </form>
                }.into_any(),
            }}
        </div>
    }
}
