//! Reading `/metrics` in tests: one scrape, and one sample of it.

use crate::ApiClient;

/// `GET /metrics` with the client's token when it has one (or none, for
/// `FLATLINE_METRICS_PUBLIC`); asserts a 200 in the text format and returns the text.
pub async fn scrape(client: &ApiClient) -> String {
    let bearer = client.token.as_ref().map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .as_deref()
        .map(|b| vec![("Authorization", b)])
        .unwrap_or_default();
    let a = client.send("GET", "/metrics", &headers, None).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert!(a
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/plain")));
    a.body.as_str().expect("text").to_owned()
}

/// The value of the sample `name` (with its labels, as exposed, e.g.
/// `flatline_schedule_lag_seconds_bucket{le="1"}`); panics if it is not there.
pub fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in the scrape"))
}
