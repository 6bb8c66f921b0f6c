//! A page's notices: post one, end it now, delete it.

use flatline_types::{CreatePageNotice, NoticeLevel, PageNotice, PatchPageNotice};
use leptos::prelude::*;

use crate::api::{self, ClientError};
use crate::fmt;
use crate::ui::{delete_then, local_error, show_error, ErrorBox, TextField};

#[component]
pub fn Notices(page_id: i64) -> impl IntoView {
    let base = format!("/api/v1/status-pages/{page_id}/notices");
    let list = RwSignal::new(None::<Result<Vec<PageNotice>, ClientError>>);
    let load = {
        let base = base.clone();
        move || {
            let base = base.clone();
            leptos::task::spawn_local(async move {
                list.set(Some(api::get::<Vec<PageNotice>>(&base).await));
            });
        }
    };
    load();
    let title = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let level = RwSignal::new(NoticeLevel::Info.as_str().to_owned());
    let errors = RwSignal::new(None);
    let error = RwSignal::new(None::<ClientError>);
    let submit = {
        let base = base.clone();
        let load = load.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = CreatePageNotice {
                title: title.get_untracked(),
                message: message.get_untracked(),
                level: NoticeLevel::parse(&level.get_untracked()).unwrap_or_default(),
                ends_at: None,
            };
            if let Err(e) = body.validated_text() {
                errors.set(Some(local_error(e)));
                return;
            }
            errors.set(None);
            let base = base.clone();
            let load = load.clone();
            leptos::task::spawn_local(async move {
                match api::post::<_, PageNotice>(&base, &body).await {
                    Ok(_) => {
                        title.set(String::new());
                        message.set(String::new());
                        error.set(None);
                        load();
                    }
                    Err(e) => show_error(errors, error, e),
                }
            });
        }
    };
    let end_now = {
        let base = base.clone();
        let load = load.clone();
        move |id: i64| {
            let path = format!("{base}/{id}");
            let load = load.clone();
            let now = String::from(js_sys::Date::new_0().to_iso_string());
            leptos::task::spawn_local(async move {
                let patch = PatchPageNotice {
                    ends_at: Some(Some(now)),
                    ..Default::default()
                };
                match api::patch::<_, PageNotice>(&path, &patch).await {
                    Ok(_) => load(),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let remove = {
        let base = base.clone();
        let load = load.clone();
        move |id: i64| delete_then(format!("{base}/{id}"), error, load.clone())
    };
    view! {
        <section class="panel" aria-labelledby="notices-h" style="margin-top:1rem" id="notices">
            <h2 id="notices-h" style="margin-top:0">"Notices"</h2>
            <p class="small muted">"Tell readers about something that is not a monitor's incident: a provider's outage, planned work. A notice shows at the top of the page until you end it."</p>
            <form on:submit=submit aria-label="Post a notice">
                <div class="grid2">
                    <TextField id="notice-title" label="Title" value=title errors=errors required=true/>
                    <div class="field">
                        <label for="f-level">"Level"</label>
                        <select id="f-level" bind:value=level>
                            <option value="info">"Information"</option>
                            <option value="warning">"Warning"</option>
                            <option value="critical">"Critical"</option>
                        </select>
                    </div>
                </div>
                <TextField id="notice-message" label="Message (Markdown)" value=message errors=errors multiline=true/>
                <ErrorBox error=error/>
                <button class="primary" type="submit" id="post-notice">"Post notice"</button>
            </form>
            {move || match list.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
                Some(Ok(l)) if l.is_empty() => view! { <p class="muted" id="no-notices">"No notices."</p> }.into_any(),
                Some(Ok(l)) => {
                    let end_now = end_now.clone();
                    let remove = remove.clone();
                    view! {
                        <ul class="notices" id="notice-list">
                            {l.into_iter().map(|n| {
                                let (end_now, remove) = (end_now.clone(), remove.clone());
                                let id = n.id;
                                view! {
                                    <li class=format!("notice {}", n.level.as_str()) data-active=n.active.to_string()>
                                        <strong>{n.title.clone()}</strong>
                                        <span class="small muted">{format!(" · {} · posted {}", n.level.as_str(), fmt::local(&n.created_at))}
                                            {n.ends_at.as_deref().map(|e| format!(" · ends {}", fmt::local(e)))}</span>
                                        <div class="md" inner_html=n.message_html.clone()></div>
                                        <div class="actions">
                                            <Show when=move || n.active>
                                                <button type="button" class="end-notice" on:click={ let end_now = end_now.clone(); move |_| end_now(id) }>"End now"</button>
                                            </Show>
                                            <button type="button" class="danger" on:click={ let remove = remove.clone(); move |_| remove(id) }>"Delete"</button>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}
