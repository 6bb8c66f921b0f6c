//! Status pages: the list, and the editor of one page (`editor`) with its notices
//! (`notices`).

mod editor;
mod notices;

pub use editor::{EditStatusPage, NewStatusPage};

use flatline_types::{PageVisibility, StatusPage};
use leptos::prelude::*;

use crate::api::{self, ClientError};
use crate::ui::{delete_then, Confirm};

#[component]
pub fn StatusPages() -> impl IntoView {
    let list = RwSignal::new(None::<Result<Vec<StatusPage>, ClientError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            list.set(Some(
                api::get::<Vec<StatusPage>>("/api/v1/status-pages").await,
            ));
        });
    };
    load();
    let deleting = RwSignal::new(None::<StatusPage>);
    let error = RwSignal::new(None::<ClientError>);
    let do_delete =
        move |p: StatusPage| delete_then(format!("/api/v1/status-pages/{}", p.id), error, load);
    view! {
        <div class="detail-head">
            <h1>"Status pages"</h1>
            <span class="spacer"></span>
            <a class="button primary" id="new-status-page" href="/status-pages/new">"+ New status page"</a>
        </div>
        <p class="muted">"Public pages that tell your users how your services are doing: names and states only, never a monitor's URL or error."</p>
        {move || error.get().map(|e| view! { <div class="error-box" role="alert">{e.message}</div> })}
        {move || match list.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
            Some(Ok(l)) if l.is_empty() => view! {
                <div class="empty panel" id="no-status-pages">
                    <h2>"No status pages"</h2>
                    <p>"Create one to show your users which services are up, with 90 days of uptime, incidents and notices."</p>
                </div>
            }.into_any(),
            Some(Ok(l)) => view! {
                <div class="table-wrap">
                    <table id="status-pages">
                        <thead><tr><th>"Title"</th><th>"Address"</th><th>"Who can read it"</th><th>"Monitors"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {l.into_iter().map(|p| {
                                let p2 = p.clone();
                                let monitors: usize = p.sections.iter().map(|s| s.monitors.len()).sum();
                                let who = match p.visibility {
                                    PageVisibility::Public => "Anyone",
                                    PageVisibility::Password => "Anyone with the password",
                                    PageVisibility::Private => "Only you",
                                };
                                view! {
                                    <tr data-slug=p.slug.clone()>
                                        <td><a class="page-link" href=format!("/status-pages/{}", p.id)>{p.title.clone()}</a></td>
                                        <td>
                                            <a href=p.url.clone() rel="external" target="_blank">{p.url.clone()}</a>
                                            {p.custom_domain.clone().map(|d| view! { <span class="small muted">{format!(" · {d}")}</span> })}
                                        </td>
                                        <td>{who}</td>
                                        <td>{monitors}</td>
                                        <td><button class="danger" aria-label=format!("Delete {}", p.title) on:click=move |_| deleting.set(Some(p2.clone()))>"Delete"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any(),
        }}
        <Confirm
            pending=deleting
            title="Delete this status page?"
            message=|p: &StatusPage| format!("\"{}\" and its notices are deleted; its address stops answering. Monitors are kept.", p.title)
            confirm_label="Delete page"
            on_confirm=do_delete
        />
    }
}
