//! Each resource in one comparable form, the document's own: every default spelled out,
//! references by key (by id for a resource without one), secrets in clear. A plan compares
//! these, an apply records their digest, an export writes them (secrets as `${NAME}`).

use std::collections::BTreeSet;

use flatline_types::{
    ChannelConfig, CreateMaintenance, CreateMonitor, FieldChange, MonitorSpec, StatusPageSpec,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::model::{Ref, SectionRef};

/// What is shown for a secret.
pub const MASK: &str = "***";

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Map::new(),
    }
}

fn refs_value(refs: &[Ref]) -> Value {
    serde_json::to_value(refs).unwrap_or_default()
}

/// A monitor, with the channels it is linked to.
pub fn monitor(key: &str, spec: &MonitorSpec, links: &[Ref]) -> Value {
    let mut map =
        object(serde_json::to_value(CreateMonitor::of_spec(spec, true)).unwrap_or_default());
    map.insert("key".into(), key.into());
    map.insert("notification_channels".into(), refs_value(links));
    Value::Object(map)
}

/// A notification channel.
pub fn channel(key: &str, name: &str, config: &ChannelConfig, default: bool) -> Value {
    let mut map = Map::new();
    map.insert("key".into(), key.into());
    map.insert("name".into(), name.into());
    map.insert("default".into(), default.into());
    map.insert(
        "config".into(),
        serde_json::to_value(config).unwrap_or_default(),
    );
    Value::Object(map)
}

/// A status page (never its password), its monitors by reference.
pub fn page(key: &str, spec: &StatusPageSpec, sections: &[SectionRef]) -> Value {
    let mut map = object(serde_json::to_value(spec).unwrap_or_default());
    map.insert("key".into(), key.into());
    map.insert(
        "sections".into(),
        serde_json::to_value(sections).unwrap_or_default(),
    );
    Value::Object(map)
}

/// A maintenance window, its monitors by reference.
pub fn maintenance(key: &str, spec: &CreateMaintenance, monitors: &[Ref]) -> Value {
    let spec = CreateMaintenance {
        key: None,
        ..spec.clone()
    };
    let mut map = object(serde_json::to_value(spec).unwrap_or_default());
    map.insert("key".into(), key.into());
    map.insert("monitors".into(), refs_value(monitors));
    Value::Object(map)
}

/// SHA-256 of the form, in hex: what an apply records, so a later plan can tell an edit made
/// elsewhere. serde_json's maps are sorted, so equal forms give equal text.
pub fn digest(form: &Value) -> String {
    hex::encode(Sha256::digest(form.to_string().as_bytes()))
}

/// The leaves of a form, by dotted path; arrays are leaves.
fn leaves(value: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() || path.is_empty() => {
            for (k, v) in map {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(v, &child, out);
            }
        }
        v => out.push((path.to_owned(), v.clone())),
    }
}

/// The fields of a form that are secrets: a channel's masked fields, and monitor headers
/// that carry credentials.
pub fn secret_fields(form: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(config) = form.get("config") {
        if let Ok(parsed) = serde_json::from_value::<ChannelConfig>(config.clone()) {
            let masked = serde_json::to_value(parsed.masked()).unwrap_or_default();
            let (mut real, mut shown) = (Vec::new(), Vec::new());
            leaves(config, "config", &mut real);
            leaves(&masked, "config", &mut shown);
            for (path, v) in real {
                if shown.iter().any(|(p, s)| *p == path && *s != v) {
                    out.insert(path);
                }
            }
        }
    }
    if let Some(Value::Object(headers)) = form.get("headers") {
        for name in headers.keys() {
            if is_credential_header(name) {
                out.insert(format!("headers.{name}"));
            }
        }
    }
    out
}

/// Whether a request header's value is a credential (exports write it as `${NAME}`).
pub fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie"
    ) || ["token", "secret", "key", "password", "auth"]
        .iter()
        .any(|w| n.contains(w))
}

/// The fields that differ between two forms, secrets masked.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let secrets: BTreeSet<String> = secret_fields(before)
        .into_iter()
        .chain(secret_fields(after))
        .collect();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    leaves(before, "", &mut a);
    leaves(after, "", &mut b);
    let paths: BTreeSet<&String> = a.iter().chain(b.iter()).map(|(p, _)| p).collect();
    let get = |side: &[(String, Value)], p: &str| {
        side.iter()
            .find(|(q, _)| q == p)
            .map_or(Value::Null, |(_, v)| v.clone())
    };
    let mut out = Vec::new();
    for path in paths {
        let (x, y) = (get(&a, path), get(&b, path));
        if x == y {
            continue;
        }
        let shown = |v: Value| {
            if secrets.contains(path) && !v.is_null() {
                Value::from(MASK)
            } else {
                v
            }
        };
        out.push(FieldChange {
            field: path.clone(),
            before: shown(x),
            after: shown(y),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diffs_mask_secrets() {
        let url = |t: &str| format!("https://api.telegram.org/bot{t}/sendMessage");
        let a = json!({"key": "c", "name": "A", "config": {"type": "telegram", "url": url("1:a"), "chat_id": "1"}});
        let b = json!({"key": "c", "name": "B", "config": {"type": "telegram", "url": url("1:b"), "chat_id": "1"}});
        let d = diff(&a, &b);
        let fields: Vec<&str> = d.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["config.url", "name"]);
        assert_eq!(d[0].before, MASK);
        assert_eq!(d[0].after, MASK);
        assert_eq!(d[1].after, "B");
        assert_eq!(digest(&a), digest(&a.clone()));
        assert_ne!(digest(&a), digest(&b));
    }

    #[test]
    fn credential_headers() {
        assert!(is_credential_header("Authorization"));
        assert!(is_credential_header("X-Api-Key"));
        assert!(!is_credential_header("Accept"));
    }
}
