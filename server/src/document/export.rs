//! What is stored, written back as a document: every keyed resource in its form (sorted by
//! key), secrets as `${NAME}` (the name a file used, else one derived from the key), a
//! password page's password as `${<KEY>_PASSWORD}`. Resources without a key are left out;
//! references to them are by id.

use flatline_types::PageVisibility;
use serde_json::{Map, Value};

use super::canonical;
use super::plan::{Applied, State};
use super::vars::derived_name;

/// Replaces each secret of `form` with a reference to a variable.
fn hide_secrets(form: &mut Value, key: &str, applied: Option<&str>) {
    let refs = Applied::parse(applied).map(|a| a.refs).unwrap_or_default();
    for field in canonical::secret_fields(form) {
        let name = refs
            .get(&field)
            .cloned()
            .unwrap_or_else(|| derived_name(key, &field));
        // Header names may hold dots; config fields nest.
        let parts: Vec<&str> = match field.strip_prefix("headers.") {
            Some(name) => vec!["headers", name],
            None => field.split('.').collect(),
        };
        let pointer: String = parts
            .into_iter()
            .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
            .collect();
        if let Some(slot) = form.pointer_mut(&pointer) {
            *slot = Value::String(format!("${{{name}}}"));
        }
    }
}

/// The document for everything keyed in `state`.
pub fn export(state: &State) -> Value {
    let mut channels: Vec<(String, Value)> = state
        .channels
        .iter()
        .filter_map(|c| {
            let key = c.key.clone()?;
            let mut form = canonical::channel(&key, &c.name, &c.config, c.is_default);
            hide_secrets(&mut form, &key, c.applied.as_deref());
            Some((key, form))
        })
        .collect();
    let mut monitors: Vec<(String, Value)> = state
        .monitors
        .iter()
        .filter_map(|m| {
            let key = m.key.clone()?;
            let mut form = state.monitor_form(&key, m);
            hide_secrets(&mut form, &key, m.applied.as_deref());
            Some((key, form))
        })
        .collect();
    let mut pages: Vec<(String, Value)> = state
        .pages
        .iter()
        .filter_map(|p| {
            let key = p.key.clone()?;
            let mut form = state.page_form(&key, p);
            if p.spec.visibility == PageVisibility::Password {
                let name = Applied::parse(p.applied.as_deref())
                    .and_then(|a| a.refs.get("password").cloned())
                    .unwrap_or_else(|| derived_name(&key, "password"));
                if let Value::Object(map) = &mut form {
                    map.insert("password".into(), format!("${{{name}}}").into());
                }
            }
            Some((key, form))
        })
        .collect();
    let mut windows: Vec<(String, Value)> = state
        .maintenance
        .iter()
        .filter_map(|w| {
            let key = w.key.clone()?;
            Some((key.clone(), state.maintenance_form(&key, w)))
        })
        .collect();
    let mut doc = Map::new();
    for (section, items) in [
        ("notification_channels", &mut channels),
        ("monitors", &mut monitors),
        ("status_pages", &mut pages),
        ("maintenance", &mut windows),
    ] {
        items.sort_by(|a, b| a.0.cmp(&b.0));
        doc.insert(
            section.into(),
            Value::Array(items.drain(..).map(|(_, v)| v).collect()),
        );
    }
    Value::Object(doc)
}

/// Writes a document as YAML, each entry's `key` first, then its name, then the rest in
/// alphabetical order.
pub fn to_yaml(doc: &Value) -> String {
    let mut out = String::new();
    let yaml = to_node(doc, &super::model::SECTIONS);
    let mut emitter = saphyr::YamlEmitter::new(&mut out);
    emitter.multiline(true);
    if emitter.dump(&yaml).is_err() {
        return String::new();
    }
    let body = out.strip_prefix("---\n").unwrap_or(&out).to_owned();
    body + "\n"
}

/// Fields written first in an entry, in this order; the rest follow alphabetically.
const FIRST: [&str; 6] = ["key", "monitor", "name", "title", "slug", "kind"];

fn to_node(value: &Value, first: &[&str]) -> saphyr::Yaml<'static> {
    use saphyr::{Scalar, Yaml};
    match value {
        Value::Null => Yaml::Value(Scalar::Null),
        Value::Bool(b) => Yaml::Value(Scalar::Boolean(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Value(Scalar::Integer(i)),
            None => Yaml::Value(Scalar::FloatingPoint(n.as_f64().unwrap_or_default().into())),
        },
        Value::String(s) => Yaml::Value(Scalar::String(s.clone().into())),
        Value::Array(items) => Yaml::Sequence(items.iter().map(|v| to_node(v, &FIRST)).collect()),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| {
                (
                    first.iter().position(|f| f == k).unwrap_or(first.len()),
                    k.as_str(),
                )
            });
            let mut mapping = saphyr::Mapping::new();
            for k in keys {
                mapping.insert(
                    Yaml::Value(Scalar::String(k.clone().into())),
                    to_node(&map[k], &FIRST),
                );
            }
            Yaml::Mapping(mapping)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_round_trips_through_the_reader() {
        let doc = json!({"monitors": [{"url": "http://x", "key": "a", "name": "A: b", "port": 80,
            "enabled": true, "body": "line\nnext", "codes": [], "headers": {}, "n": "123", "t": "true"}]});
        let text = to_yaml(&doc);
        assert!(text.starts_with("monitors:"), "{text}");
        assert!(
            text.find("key: a").expect("key") < text.find("name:").expect("name"),
            "{text}"
        );
        let (back, _) = crate::document::source::parse(&text).expect("parses");
        assert_eq!(back, doc, "{text}");
    }
}
