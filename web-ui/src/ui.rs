//! Small shared pieces: status badges, error boxes, confirmation dialogs, form fields.

use flatline_types::MonitorStatus;
use leptos::prelude::*;

use crate::api::ClientError;

/// A status as a coloured dot with a text label for screen readers.
#[component]
pub fn StatusDot(#[prop(into)] status: Signal<MonitorStatus>) -> impl IntoView {
    view! {
        <span
            class=move || format!("dot {}", status.get().as_str())
            role="img"
            aria-label=move || status.get().as_str()
            title=move || status.get().as_str()
        ></span>
    }
}

/// A status as a labelled badge.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<MonitorStatus>) -> impl IntoView {
    view! { <span class=move || format!("badge {}", status.get().as_str())>{move || status.get().as_str()}</span> }
}

/// An API error, if any.
#[component]
pub fn ErrorBox(#[prop(into)] error: Signal<Option<ClientError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <div class="error-box" role="alert">
                    {e.message}
                </div>
            }
        })
    }
}

/// A modal asking to confirm a destructive action on `pending`'s item; it shows while there
/// is one. Confirming hands the item to `on_confirm`; either button clears it.
#[component]
pub fn Confirm<T, M, F>(
    pending: RwSignal<Option<T>>,
    #[prop(into)] title: String,
    /// The sentence about the item.
    message: M,
    #[prop(into)] confirm_label: String,
    on_confirm: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    M: Fn(&T) -> String + Send + Sync + 'static,
    F: Fn(T) + Copy + Send + Sync + 'static,
{
    let title_id = "confirm-title";
    move || {
        pending.get().map(|item| {
            let text = message(&item);
            view! {
                <div class="backdrop" on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { pending.set(None) }>
                    <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby=title_id>
                        <h2 id=title_id>{title.clone()}</h2>
                        <p>{text}</p>
                        <div class="actions">
                            <button class="danger solid" id="confirm-yes" autofocus on:click=move |_| { pending.set(None); on_confirm(item.clone()); }>
                                {confirm_label.clone()}
                            </button>
                            <button id="confirm-no" on:click=move |_| pending.set(None)>"Cancel"</button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}

/// The error shown at a form field, from a client-side check or the API's answer.
pub type FieldErrors = RwSignal<Option<(String, String)>>;

/// A failed client-side check, as the form shows it: (field, message).
pub fn local_error(e: flatline_types::FieldError) -> (String, String) {
    (crate::api::field_key(&e.field), e.message)
}

/// Deletes `path`, then calls `then`; a failure goes to `error`.
pub fn delete_then(path: String, error: RwSignal<Option<ClientError>>, then: impl Fn() + 'static) {
    leptos::task::spawn_local(async move {
        match crate::api::delete(&path).await {
            Ok(()) => then(),
            Err(e) => error.set(Some(e)),
        }
    });
}

/// Shows an API error at the field it names, or else in the form's error box.
pub fn show_error(errors: FieldErrors, error: RwSignal<Option<ClientError>>, e: ClientError) {
    match e.field_key() {
        Some(f) => errors.set(Some((f, e.message))),
        None => {
            errors.set(None);
            error.set(Some(e));
        }
    }
}

/// A labelled text input with its hint and error.
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    errors: FieldErrors,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] kind: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let key = id.clone();
    let key2 = id.clone();
    let key3 = id.clone();
    // Typing into a field clears its error.
    let clear = move |_: leptos::ev::Event| {
        if errors.with_untracked(|e| e.as_ref().is_some_and(|(f, _)| *f == key3)) {
            errors.set(None);
        }
    };
    let error = move || errors.get().filter(|(f, _)| *f == key).map(|(_, m)| m);
    let error2 = error.clone();
    let input_id = format!("f-{id}");
    let hint_id = format!("f-{id}-hint");
    let err_id = format!("f-{key2}-err");
    let described = {
        let hint_id = hint_id.clone();
        let err_id = err_id.clone();
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error2().is_some() {
                ids.push(err_id.clone());
            }
            ids.join(" ")
        }
    };
    let described2 = described.clone();
    let invalid = {
        let error = error.clone();
        move || error().is_some()
    };
    let invalid2 = invalid.clone();
    let invalid3 = invalid.clone();
    let input = if multiline {
        view! {
            <textarea
                id=input_id.clone()
                name=id.clone()
                placeholder=placeholder.clone()
                aria-invalid=move || invalid2().to_string()
                aria-describedby=described
                bind:value=value
                on:input=clear
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=input_id.clone()
                name=id.clone()
                type=kind.unwrap_or_else(|| "text".into())
                placeholder=placeholder
                required=required
                aria-invalid=move || invalid3().to_string()
                aria-describedby=described2
                bind:value=value
                on:input=clear
            />
        }
        .into_any()
    };
    view! {
        <div class="field" class:invalid=invalid>
            <label for=input_id>{label}</label>
            {input}
            {hint.map(|h| view! { <span class="hint" id=hint_id>{h}</span> })}
            {move || error().map(|m| view! { <span class="err" id=err_id.clone() role="alert">{m}</span> })}
        </div>
    }
}
