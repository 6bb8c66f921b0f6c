//! The editor of one status page: its words, address, who may read it, and its sections of
//! monitors (ordered with up/down buttons), then its notices and a preview.

use std::sync::atomic::{AtomicU64, Ordering};

use flatline_types::{
    CreateStatusPage, Monitor, PageMonitor, PageSection, PageTheme, PageVisibility,
    PatchStatusPage, StatusPage,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::notices::Notices;
use crate::api::{self, ClientError};
use crate::ui::{local_error, show_error, ErrorBox, TextField};

/// Keys that keep each row's DOM (and focus) while rows move.
fn next_key() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[derive(Clone, Copy)]
struct MonitorRow {
    key: u64,
    monitor_id: i64,
    display_name: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct SectionRow {
    key: u64,
    name: RwSignal<String>,
    monitors: RwSignal<Vec<MonitorRow>>,
}

fn rows_of(sections: &[PageSection]) -> Vec<SectionRow> {
    sections
        .iter()
        .map(|s| SectionRow {
            key: next_key(),
            name: RwSignal::new(s.name.clone()),
            monitors: RwSignal::new(
                s.monitors
                    .iter()
                    .map(|m| MonitorRow {
                        key: next_key(),
                        monitor_id: m.monitor_id,
                        display_name: RwSignal::new(m.display_name.clone().unwrap_or_default()),
                    })
                    .collect(),
            ),
        })
        .collect()
}

fn sections_of(rows: &[SectionRow]) -> Vec<PageSection> {
    rows.iter()
        .map(|s| PageSection {
            name: s.name.get_untracked(),
            monitors: s
                .monitors
                .get_untracked()
                .iter()
                .map(|m| PageMonitor {
                    monitor_id: m.monitor_id,
                    display_name: Some(m.display_name.get_untracked())
                        .filter(|d| !d.trim().is_empty()),
                })
                .collect(),
        })
        .collect()
}

/// Moves item `i` of `v` by `by` (−1 up, +1 down), if it can.
fn shift<T>(v: &mut [T], i: usize, by: isize) {
    let j = i as isize + by;
    if j >= 0 && (j as usize) < v.len() {
        v.swap(i, j as usize);
    }
}

#[component]
pub fn NewStatusPage() -> impl IntoView {
    view! { <Editor existing=None/> }
}

#[component]
pub fn EditStatusPage() -> impl IntoView {
    let params = use_params_map();
    move || {
        let id = params
            .get()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(-1);
        let page = RwSignal::new(None::<Result<StatusPage, ClientError>>);
        leptos::task::spawn_local(async move {
            page.set(Some(
                api::get::<StatusPage>(&format!("/api/v1/status-pages/{id}")).await,
            ));
        });
        view! {
            {move || match page.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
                Some(Ok(p)) => view! {
                    <Editor existing=Some(p.clone())/>
                    <Notices page_id=p.id/>
                    <Preview url=p.url.clone()/>
                }.into_any(),
            }}
        }
    }
}

#[component]
fn Preview(url: String) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="preview-h" style="margin-top:1rem">
            <h2 id="preview-h" style="margin-top:0">"Preview"</h2>
            <p class="small muted">"As your readers see it (refreshed when you save). "<a href=url.clone() target="_blank" rel="external">"Open in a new tab"</a></p>
            <iframe id="preview" title="Preview of the status page" src=url class="preview"></iframe>
        </section>
    }
}

#[component]
fn Editor(existing: Option<StatusPage>) -> impl IntoView {
    let navigate = use_navigate();
    let id = existing.as_ref().map(|p| p.id);
    let had_password = existing.as_ref().is_some_and(|p| p.has_password);
    let e = existing.clone();
    let text = |f: fn(&StatusPage) -> String| RwSignal::new(e.as_ref().map(f).unwrap_or_default());
    let slug = text(|p| p.slug.clone());
    let title = text(|p| p.title.clone());
    let description = text(|p| p.description.clone());
    let footer = text(|p| p.footer.clone());
    let domain = text(|p| p.custom_domain.clone().unwrap_or_default());
    let password = RwSignal::new(String::new());
    let visibility = RwSignal::new(
        e.as_ref()
            .map_or(PageVisibility::Public, |p| p.visibility)
            .as_str()
            .to_owned(),
    );
    let theme = RwSignal::new(
        e.as_ref()
            .map_or(PageTheme::Auto, |p| p.theme)
            .as_str()
            .to_owned(),
    );
    let show_latency = RwSignal::new(e.as_ref().is_none_or(|p| p.show_latency));
    let sections = RwSignal::new(rows_of(
        e.as_ref()
            .map(|p| p.sections.as_slice())
            .unwrap_or_default(),
    ));
    if e.is_none() {
        sections.set(rows_of(&[PageSection {
            name: "Services".into(),
            monitors: vec![],
        }]));
    }
    let monitors = RwSignal::new(Vec::<Monitor>::new());
    leptos::task::spawn_local(async move {
        if let Ok(l) = api::get::<Vec<Monitor>>("/api/v1/monitors").await {
            monitors.set(l);
        }
    });
    let errors = RwSignal::new(None);
    let error = RwSignal::new(None::<ClientError>);
    let saved = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let visibility_v = PageVisibility::parse(&visibility.get_untracked()).unwrap_or_default();
        let theme_v = PageTheme::parse(&theme.get_untracked()).unwrap_or_default();
        let domain_v = Some(domain.get_untracked().trim().to_owned()).filter(|d| !d.is_empty());
        let password_v = Some(password.get_untracked()).filter(|p| !p.is_empty());
        let body = CreateStatusPage {
            key: None,
            slug: slug.get_untracked().trim().to_owned(),
            title: title.get_untracked(),
            description: description.get_untracked(),
            sections: sections_of(&sections.get_untracked()),
            custom_domain: domain_v.clone(),
            show_latency: show_latency.get_untracked(),
            visibility: visibility_v,
            password: password_v.clone(),
            footer: footer.get_untracked(),
            theme: theme_v,
        };
        // The same checks as the server's, before sending (a stored password counts).
        let check = match id {
            None => body.clone().validate().map(|_| ()),
            Some(_) => {
                let mut b = body.clone();
                if had_password && b.password.is_none() {
                    b.password = Some("stored password".into());
                }
                b.validate().map(|_| ())
            }
        };
        if let Err(e) = check {
            errors.set(Some(local_error(e)));
            return;
        }
        errors.set(None);
        saved.set(false);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = match id {
                None => api::post::<_, StatusPage>("/api/v1/status-pages", &body).await,
                Some(id) => {
                    let patch = PatchStatusPage {
                        key: None,
                        slug: Some(body.slug),
                        title: Some(body.title),
                        description: Some(body.description),
                        sections: Some(body.sections),
                        custom_domain: Some(domain_v),
                        show_latency: Some(body.show_latency),
                        visibility: Some(body.visibility),
                        password: password_v,
                        footer: Some(body.footer),
                        theme: Some(body.theme),
                    };
                    api::patch::<_, StatusPage>(&format!("/api/v1/status-pages/{id}"), &patch).await
                }
            };
            match result {
                Ok(p) => {
                    error.set(None);
                    password.set(String::new());
                    if id.is_none() {
                        navigate(&format!("/status-pages/{}", p.id), Default::default());
                    } else {
                        saved.set(true);
                        // Reload the preview.
                        if let Some(frame) = document().get_element_by_id("preview") {
                            let _ = frame.set_attribute("src", &p.url);
                        }
                    }
                }
                Err(e) => show_error(errors, error, e),
            }
        });
    };

    let add_section = move |_| {
        sections.update(|s| {
            s.push(SectionRow {
                key: next_key(),
                name: RwSignal::new(String::new()),
                monitors: RwSignal::new(Vec::new()),
            })
        })
    };
    let heading = if id.is_some() {
        "Edit status page"
    } else {
        "New status page"
    };
    view! {
        <h1>{heading}</h1>
        <form class="panel" on:submit=submit aria-label="Status page" id="status-page-form">
            <div class="grid2">
                <TextField id="title" label="Title" value=title errors=errors required=true placeholder="Acme status"/>
                <TextField id="slug" label="Address" value=slug errors=errors required=true placeholder="acme"
                    hint="The page is at /status/<address>: lower-case letters, digits and hyphens."/>
            </div>
            <TextField id="description" label="Description (Markdown)" value=description errors=errors multiline=true
                hint="Shown under the title."/>
            <fieldset class="sections">
                <legend>"Sections"</legend>
                <For each={move || sections.get().into_iter().enumerate().collect::<Vec<_>>()} key={|(i, s): &(usize, SectionRow)| (*i, s.key)} let:item>
                    <SectionEditor index=item.0 row=item.1 sections=sections monitors=monitors/>
                </For>
                {move || errors.get().filter(|(f, _)| f == "sections").map(|(_, m)| view! { <span class="err" role="alert">{m}</span> })}
                <button type="button" id="add-section" on:click=add_section>"+ Add section"</button>
            </fieldset>
            <div class="grid2">
                <div class="field">
                    <label for="f-visibility">"Who can read it"</label>
                    <select id="f-visibility" bind:value=visibility>
                        <option value="public">"Anyone (public)"</option>
                        <option value="password">"Anyone with the password"</option>
                        <option value="private">"Only you (signed in)"</option>
                    </select>
                </div>
                <Show when=move || visibility.get() == "password">
                    <TextField id="password" label="Password" value=password errors=errors kind="password"
                        hint=if had_password { "Leave empty to keep the current one; a new one signs readers out." } else { "8 to 200 characters; stored hashed." }/>
                </Show>
            </div>
            <div class="grid2">
                <TextField id="custom_domain" label="Custom domain (optional)" value=domain errors=errors placeholder="status.example.com"
                    hint="Point its DNS at this server; the page is then served at its root."/>
                <div class="field">
                    <label for="f-theme">"Colours"</label>
                    <select id="f-theme" bind:value=theme>
                        <option value="auto">"Follow the reader's system"</option>
                        <option value="light">"Light"</option>
                        <option value="dark">"Dark"</option>
                    </select>
                </div>
            </div>
            <label class="check"><input type="checkbox" id="f-show_latency" bind:checked=show_latency/>"Show P99 latency"</label>
            <TextField id="footer" label="Footer (Markdown)" value=footer errors=errors multiline=true/>
            <ErrorBox error=error/>
            <div class="actions">
                <button class="primary" type="submit" id="save-page">{if id.is_some() { "Save" } else { "Create page" }}</button>
                <a class="button" href="/status-pages">"Back"</a>
                <Show when=move || saved.get()><span class="small muted" role="status" id="page-saved">"Saved."</span></Show>
            </div>
        </form>
    }
}

#[component]
fn SectionEditor(
    index: usize,
    row: SectionRow,
    sections: RwSignal<Vec<SectionRow>>,
    monitors: RwSignal<Vec<Monitor>>,
) -> impl IntoView {
    let name_id = format!("section-{index}-name");
    let pick = RwSignal::new(String::new());
    let count = move || sections.with(Vec::len);
    let name_of = move |id: i64| {
        monitors.with(|l| {
            l.iter()
                .find(|m| m.id == id)
                .map_or_else(|| format!("monitor {id}"), |m| m.name.clone())
        })
    };
    let add = move |_| {
        if let Ok(id) = pick.get_untracked().parse::<i64>() {
            row.monitors.update(|l| {
                l.push(MonitorRow {
                    key: next_key(),
                    monitor_id: id,
                    display_name: RwSignal::new(String::new()),
                })
            });
            pick.set(String::new());
        }
    };
    view! {
        <div class="section-edit" data-section=index>
            <div class="row-line">
                <label for=name_id.clone() class="sr-only">{format!("Section {} name", index + 1)}</label>
                <input id=name_id placeholder="Section name" bind:value=row.name class="section-name"/>
                <button type="button" aria-label=format!("Move section {} up", index + 1) disabled={move || index == 0}
                    on:click=move |_| sections.update(|s| shift(s, index, -1))>"↑"</button>
                <button type="button" aria-label=format!("Move section {} down", index + 1) disabled={move || index + 1 >= count()}
                    on:click=move |_| sections.update(|s| shift(s, index, 1))>"↓"</button>
                <button type="button" class="danger" aria-label=format!("Remove section {}", index + 1)
                    on:click=move |_| sections.update(|s| { if index < s.len() { s.remove(index); } })>"Remove"</button>
            </div>
            <ul class="section-monitors">
                <For each={move || row.monitors.get().into_iter().enumerate().collect::<Vec<_>>()} key={|(i, m): &(usize, MonitorRow)| (*i, m.key)} let:item>
                    {
                        let (j, m) = item;
                        let total = move || row.monitors.with(Vec::len);
                        let label_id = format!("section-{index}-monitor-{j}");
                        view! {
                            <li data-monitor=m.monitor_id>
                                <span class="monitor-name">{move || name_of(m.monitor_id)}</span>
                                <label for=label_id.clone() class="sr-only">{move || format!("Name shown for {}", name_of(m.monitor_id))}</label>
                                <input id=label_id placeholder=move || format!("Shown as: {}", name_of(m.monitor_id)) bind:value=m.display_name/>
                                <button type="button" aria-label=move || format!("Move {} up", name_of(m.monitor_id)) disabled={move || j == 0}
                                    on:click=move |_| row.monitors.update(|l| shift(l, j, -1))>"↑"</button>
                                <button type="button" aria-label=move || format!("Move {} down", name_of(m.monitor_id)) disabled={move || j + 1 >= total()}
                                    on:click=move |_| row.monitors.update(|l| shift(l, j, 1))>"↓"</button>
                                <button type="button" class="danger" aria-label=move || format!("Remove {}", name_of(m.monitor_id))
                                    on:click=move |_| row.monitors.update(|l| { if j < l.len() { l.remove(j); } })>"Remove"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <div class="row-line">
                <label for=format!("section-{index}-add") class="sr-only">{format!("Monitor to add to section {}", index + 1)}</label>
                <select id=format!("section-{index}-add") bind:value=pick class="add-monitor">
                    <option value="">"Choose a monitor…"</option>
                    {move || {
                        let taken: Vec<i64> = row.monitors.with(|l| l.iter().map(|m| m.monitor_id).collect());
                        monitors.get().into_iter().filter(|m| !taken.contains(&m.id)).map(|m| view! {
                            <option value=m.id.to_string()>{m.name.clone()}</option>
                        }).collect_view()
                    }}
                </select>
                <button type="button" class="add-monitor-button" on:click=add>"Add monitor"</button>
            </div>
        </div>
    }
}
