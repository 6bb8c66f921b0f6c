//! API tokens: create (the secret is shown once), list, revoke.

use flatline_types::{ApiToken, CreateToken, CreatedToken};
use leptos::prelude::*;

use crate::api::{self, ClientError};
use crate::fmt;
use crate::ui::{delete_then, show_error, Confirm, TextField};

#[component]
pub fn Tokens() -> impl IntoView {
    let list = RwSignal::new(None::<Result<Vec<ApiToken>, ClientError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            list.set(Some(api::get::<Vec<ApiToken>>("/api/v1/tokens").await));
        });
    };
    load();
    let name = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let errors = RwSignal::new(None);
    let error = RwSignal::new(None::<ClientError>);
    let created = RwSignal::new(None::<CreatedToken>);
    let copied = RwSignal::new(false);
    // The token whose revocation waits for confirmation.
    let revoke = RwSignal::new(None::<ApiToken>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A date input gives a day: the token works until the end of it, local time.
        let expires_at = {
            let d = expires.get_untracked();
            if d.is_empty() {
                None
            } else {
                let date =
                    js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{d}T23:59:59")));
                if date.get_time().is_nan() {
                    errors.set(Some(("expires_at".into(), "not a date".into())));
                    return;
                }
                Some(String::from(date.to_iso_string()))
            }
        };
        let body = CreateToken {
            name: name.get_untracked(),
            expires_at,
            scope: Default::default(),
            location: None,
        };
        if let Err(e) = body.validated_name() {
            errors.set(Some((e.field, e.message)));
            return;
        }
        errors.set(None);
        leptos::task::spawn_local(async move {
            match api::post::<_, CreatedToken>("/api/v1/tokens", &body).await {
                Ok(t) => {
                    created.set(Some(t));
                    copied.set(false);
                    name.set(String::new());
                    expires.set(String::new());
                    error.set(None);
                    load();
                }
                Err(e) => show_error(errors, error, e),
            }
        });
    };
    let do_revoke = move |t: ApiToken| delete_then(format!("/api/v1/tokens/{}", t.id), error, load);

    view! {
        <h1>"API tokens"</h1>
        <p class="muted">"Scripts, CI jobs and Prometheus use a token as "<code>"Authorization: Bearer …"</code>". A token has your full access."</p>
        <form class="panel" on:submit=submit aria-label="Create a token" style="margin-bottom:1rem">
            <div class="grid2">
                <TextField id="name" label="Name" value=name errors=errors placeholder="e.g. prometheus" required=true/>
                <TextField id="expires_at" label="Expires (optional)" value=expires errors=errors kind="date" hint="Works until the end of that day; empty: never expires."/>
            </div>
            <button class="primary" type="submit" id="create-token">"Create token"</button>
        </form>
        {move || created.get().map(|t| {
            let secret = t.token.clone();
            view! {
                <div class="ok-box" role="status" id="new-token">
                    <p><strong>{format!("Token \"{}\" created.", t.info.name)}</strong>" Copy it now: it is shown only this once."</p>
                    <div class="secret" id="token-secret">{t.token.clone()}</div>
                    <div class="actions" style="margin-top:.5rem">
                        <button on:click=move |_| {
                            let clip = window().navigator().clipboard();
                            let _ = clip.write_text(&secret);
                            copied.set(true);
                        }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                        <button on:click=move |_| created.set(None)>"Done"</button>
                    </div>
                </div>
            }
        })}
        {move || error.get().map(|e| view! { <div class="error-box" role="alert">{e.message}</div> })}
        {move || match list.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
            Some(Ok(l)) if l.is_empty() => view! { <p class="empty panel">"No tokens yet."</p> }.into_any(),
            Some(Ok(l)) => view! {
                <div class="table-wrap">
                    <table id="tokens">
                        <thead><tr><th>"Name"</th><th>"Token"</th><th>"Created"</th><th>"Last used"</th><th>"Expires"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {l.into_iter().map(|t| {
                                let t2 = t.clone();
                                view! {
                                    <tr>
                                        <td>{t.name.clone()}</td>
                                        <td class="mono">{format!("{}…", t.prefix)}</td>
                                        <td>{fmt::local(&t.created_at)}</td>
                                        <td>{t.last_used_at.as_deref().map(fmt::local).unwrap_or_else(|| "never".into())}</td>
                                        <td>{match (&t.expires_at, t.expired) {
                                            (_, true) => "expired".to_owned(),
                                            (Some(e), _) => fmt::local(e),
                                            (None, _) => "never".to_owned(),
                                        }}</td>
                                        <td><button class="danger" aria-label=format!("Revoke {}", t.name) on:click=move |_| revoke.set(Some(t2.clone()))>"Revoke"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any(),
        }}
        <Confirm
            pending=revoke
            title="Revoke this token?"
            message=|t: &ApiToken| format!("Anything using \"{}\" stops working at once.", t.name)
            confirm_label="Revoke"
            on_confirm=do_revoke
        />
    }
}
