//! Formatting of numbers, times and durations for people.

/// Milliseconds since the Unix epoch of an RFC 3339 time (NaN-safe: 0 when unparsable).
pub fn parse_ms(rfc3339: &str) -> i64 {
    let ms = js_sys::Date::parse(rfc3339);
    if ms.is_finite() {
        ms as i64
    } else {
        0
    }
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A local date and time, `2026-11-29 21:13:05`.
pub fn local_time(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// A local date and time from RFC 3339.
pub fn local(rfc3339: &str) -> String {
    local_time(parse_ms(rfc3339))
}

/// A short local time for chart axes: `21:13` within a day, else `11-29`.
pub fn axis_time(ms: i64, span_ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    if span_ms <= 2 * 86_400_000 {
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
    } else {
        format!("{:02}-{:02}", d.get_month() + 1, d.get_date())
    }
}

/// A duration: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as i64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// Uptime: `99.95 %`, `100 %`, or `–` when unknown.
pub fn pct(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v >= 100.0 => "100 %".into(),
        Some(v) if v >= 99.995 => "99.99 %".into(),
        Some(v) => format!("{v:.2} %"),
    }
}

/// Latency: `84 ms`, `1.25 s`, or `–`.
pub fn ms(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
        Some(v) if v >= 10.0 => format!("{v:.0} ms"),
        Some(v) => format!("{v:.1} ms"),
    }
}
