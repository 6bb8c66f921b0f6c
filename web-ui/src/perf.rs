//! Numbers the browser benchmark and tests read: `window.__flatline` holds counters of the
//! live stream's events (how many, how long applying them took, how old their newest check
//! was once applied), and a `flatline:dashboard-rendered` performance mark is set once the
//! dashboard has painted its first snapshot.

use wasm_bindgen::JsValue;

/// `performance.now()`, in ms.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default()
}

fn counters() -> Option<js_sys::Object> {
    let window = web_sys::window()?;
    let key = JsValue::from_str("__flatline");
    let existing = js_sys::Reflect::get(&window, &key).ok()?;
    if existing.is_object() {
        return Some(existing.into());
    }
    let obj = js_sys::Object::new();
    for name in [
        "events",
        "monitors",
        "apply_ms_total",
        "apply_ms_max",
        "lag_ms_max",
        "lag_ms_total",
        "lag_samples",
    ] {
        let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(name), &JsValue::from_f64(0.0));
    }
    let _ = js_sys::Reflect::set(&window, &key, &obj);
    Some(obj)
}

fn add(obj: &js_sys::Object, name: &str, f: impl FnOnce(f64) -> f64) {
    let key = JsValue::from_str(name);
    let old = js_sys::Reflect::get(obj, &key)
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or_default();
    let _ = js_sys::Reflect::set(obj, &key, &JsValue::from_f64(f(old)));
}

/// Counts one applied stream event carrying `monitors` monitors, which took `ms`.
pub fn applied(monitors: usize, ms: f64) {
    if let Some(obj) = counters() {
        add(&obj, "events", |v| v + 1.0);
        add(&obj, "monitors", |v| v + monitors as f64);
        add(&obj, "apply_ms_total", |v| v + ms);
        add(&obj, "apply_ms_max", |v| v.max(ms));
    }
}

/// Records how old the newest check of an update was when it was applied, in ms: if the page
/// fell behind the stream, this would grow.
pub fn lag(ms: f64) {
    if let Some(obj) = counters() {
        add(&obj, "lag_ms_max", |v| v.max(ms));
        add(&obj, "lag_ms_total", |v| v + ms);
        add(&obj, "lag_samples", |v| v + 1.0);
    }
}

/// Marks the first snapshot's render, after the browser has painted it.
pub fn first_snapshot(monitors: usize) {
    if let Some(obj) = counters() {
        add(&obj, "snapshot_monitors", |_| monitors as f64);
    }
    // Two animation frames: the DOM update runs in a microtask, the paint after the first.
    leptos::prelude::request_animation_frame(|| {
        leptos::prelude::request_animation_frame(|| {
            if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                let _ = p.mark("flatline:dashboard-rendered");
            }
        });
    });
}
