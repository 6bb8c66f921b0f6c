//! A configuration document, typed: its monitors, notification channels, status pages and
//! maintenance windows, each entry checked the way the API checks it, every error naming its
//! path in the document (`monitors[2].interval_seconds`).

use std::collections::{BTreeMap, HashSet};

use flatline_types::{
    validate_key, ChannelConfig, CreateMaintenance, CreateMonitor, CreateStatusPage,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::vars;

/// What is wrong with a document, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    /// `monitors[2].interval_seconds`; empty for the document itself.
    pub path: String,
    pub message: String,
    /// Whether the error is about the field's name (an unknown field) rather than its value.
    pub at_key: bool,
}

impl DocError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            at_key: false,
        }
    }
}

/// A reference to another resource: its key, or (for one without a key) its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Ref {
    Id(i64),
    Key(String),
}

/// The top-level sections, in the order an export writes them.
pub const SECTIONS: [&str; 5] = [
    "notification_channels",
    "monitors",
    "status_pages",
    "maintenance",
    "variables",
];

/// A monitor as the document declares it.
#[derive(Debug, Clone)]
pub struct MonitorEntry {
    pub path: String,
    pub key: String,
    /// The body that would create it, without `key`.
    pub body: CreateMonitor,
    /// The channels it is linked to; `None`: the file leaves its links alone.
    pub links: Option<Vec<Ref>>,
}

/// A notification channel as the document declares it.
#[derive(Debug, Clone)]
pub struct ChannelEntry {
    pub path: String,
    pub key: String,
    pub name: String,
    pub config: ChannelConfig,
    pub default: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelDoc {
    name: String,
    config: ChannelConfig,
    #[serde(default)]
    default: bool,
}

/// One monitor on a status page, by reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageMonitorRef {
    pub monitor: Ref,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A section of a status page, its monitors by reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRef {
    pub name: String,
    #[serde(default)]
    pub monitors: Vec<PageMonitorRef>,
}

/// A status page as the document declares it.
#[derive(Debug, Clone)]
pub struct PageEntry {
    pub path: String,
    pub key: String,
    /// The body that would create it, with no sections.
    pub body: CreateStatusPage,
    pub sections: Vec<SectionRef>,
}

/// A maintenance window as the document declares it.
#[derive(Debug, Clone)]
pub struct MaintenanceEntry {
    pub path: String,
    pub key: String,
    /// The body that would create it, with no monitors.
    pub body: CreateMaintenance,
    pub monitors: Vec<Ref>,
}

/// A whole document, variables resolved.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub channels: Vec<ChannelEntry>,
    pub monitors: Vec<MonitorEntry>,
    pub pages: Vec<PageEntry>,
    pub maintenance: Vec<MaintenanceEntry>,
    /// By path, the variable each value that was exactly one `${NAME}` came from.
    pub refs: BTreeMap<String, String>,
    /// Each value a variable gave, with its name: kept out of error messages.
    pub secrets: Vec<(String, String)>,
}

impl Document {
    /// Reads a parsed document. `${NAME}` is looked up in its own `variables` first, then
    /// with `fallback` (the environment, for a file the server reads itself).
    pub fn from_value(
        mut value: Value,
        fallback: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, DocError> {
        let Value::Object(top) = &mut value else {
            return Err(DocError::new("", "must be a mapping of sections"));
        };
        for name in top.keys() {
            if !SECTIONS.contains(&name.as_str()) {
                return Err(unknown(name.clone(), name, &SECTIONS));
            }
        }
        let variables: BTreeMap<String, String> = match top.remove("variables") {
            Some(v) => from_value(v, "variables")?,
            None => BTreeMap::new(),
        };
        let lookup = |name: &str| variables.get(name).cloned().or_else(|| fallback(name));
        // Values that came from variables never appear in an error (they may be secrets).
        let secrets: Vec<(String, String)> = vars::names(&value)
            .into_iter()
            .filter_map(|name| lookup(&name).map(|v| (v, name)))
            .filter(|(v, _)| v.len() >= 3)
            .collect();
        let redact = |mut e: DocError| {
            e.message = redact(&secrets, &e.message);
            e
        };
        let refs = vars::resolve(&mut value, &lookup).map_err(|m| {
            DocError::new(
                m.path,
                format!(
                    "variable {} is not set (no such environment variable)",
                    m.name
                ),
            )
        })?;
        let Value::Object(top) = value else {
            return Err(DocError::new("", "must be a mapping of sections"));
        };
        let mut doc = Document {
            refs,
            ..Default::default()
        };
        doc.read_sections(top).map_err(redact)?;
        doc.secrets = secrets;
        Ok(doc)
    }

    /// A message with every value that came from a variable replaced by its `${NAME}`.
    pub fn redact(&self, message: &str) -> String {
        redact(&self.secrets, message)
    }

    fn read_sections(&mut self, mut top: Map<String, Value>) -> Result<(), DocError> {
        let doc = self;
        for (path, key, mut entry) in entries(&mut top, "notification_channels")? {
            let parsed: ChannelDoc = from_value(Value::Object(std::mem::take(&mut entry)), &path)?;
            doc.channels.push(ChannelEntry {
                path,
                key,
                name: parsed.name,
                config: parsed.config,
                default: parsed.default,
            });
        }
        for (path, key, mut entry) in entries(&mut top, "monitors")? {
            let links = entry
                .remove("notification_channels")
                .map(|v| from_value(v, &format!("{path}.notification_channels")))
                .transpose()?;
            let body = from_value(Value::Object(entry), &path)?;
            doc.monitors.push(MonitorEntry {
                path,
                key,
                body,
                links,
            });
        }
        for (path, key, mut entry) in entries(&mut top, "status_pages")? {
            let sections = entry
                .remove("sections")
                .map(|v| from_value(v, &format!("{path}.sections")))
                .transpose()?
                .unwrap_or_default();
            let body = from_value(Value::Object(entry), &path)?;
            doc.pages.push(PageEntry {
                path,
                key,
                body,
                sections,
            });
        }
        for (path, key, mut entry) in entries(&mut top, "maintenance")? {
            let monitors = entry
                .remove("monitors")
                .map(|v| from_value(v, &format!("{path}.monitors")))
                .transpose()?
                .unwrap_or_default();
            let body = from_value(Value::Object(entry), &path)?;
            doc.maintenance.push(MaintenanceEntry {
                path,
                key,
                body,
                monitors,
            });
        }
        Ok(())
    }

    /// The variables that fed the entry at `path`, by field within it.
    pub fn refs_of(&self, path: &str) -> BTreeMap<String, String> {
        let prefix = format!("{path}.");
        self.refs
            .iter()
            .filter_map(|(p, name)| {
                p.strip_prefix(&prefix)
                    .map(|field| (field.to_owned(), name.clone()))
            })
            .collect()
    }
}

/// One entry of a section: its path, its key, and its other fields.
type Entry = (String, String, Map<String, Value>);

/// `message` with each of `secrets`' values replaced by `${NAME}`, longest first.
fn redact(secrets: &[(String, String)], message: &str) -> String {
    let mut sorted: Vec<&(String, String)> = secrets.iter().collect();
    sorted.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
    sorted
        .into_iter()
        .fold(message.to_owned(), |m, (value, name)| {
            m.replace(value.as_str(), &format!("${{{name}}}"))
        })
}

/// The entries of one section, each with its path and checked, unique key (removed from it).
fn entries(top: &mut Map<String, Value>, section: &str) -> Result<Vec<Entry>, DocError> {
    let items = match top.remove(section) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(DocError::new(section, "must be a list")),
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let path = format!("{section}[{i}]");
        let Value::Object(mut entry) = item else {
            return Err(DocError::new(path, "must be a mapping"));
        };
        let key = match entry.remove("key") {
            Some(Value::String(k)) => validate_key("key", &k)
                .map_err(|e| DocError::new(format!("{path}.key"), e.message))?,
            Some(_) => return Err(DocError::new(format!("{path}.key"), "must be a string")),
            None => {
                return Err(DocError::new(
                    format!("{path}.key"),
                    "is required: a file matches what it declares by key",
                ))
            }
        };
        if !seen.insert(key.clone()) {
            return Err(DocError::new(
                format!("{path}.key"),
                format!("`{key}` is the key of an earlier entry in {section}"),
            ));
        }
        out.push((path, key, entry));
    }
    Ok(out)
}

/// Deserializes `value` as `T`; errors name the path below `prefix`, and an unknown field
/// gets the nearest valid name suggested.
pub fn from_value<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, DocError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner = err.path().to_string();
        let message = err.into_inner().to_string();
        let mut path = match inner.as_str() {
            "." | "" => prefix.to_owned(),
            p if prefix.is_empty() => p.to_owned(),
            p if p.starts_with('[') => format!("{prefix}{p}"),
            p => format!("{prefix}.{p}"),
        };
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let name = rest.split('`').next().unwrap_or_default().to_owned();
            let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
            let field = if path.is_empty() || path == name {
                name.clone()
            } else if path.ends_with(&format!(".{name}")) {
                path
            } else {
                format!("{path}.{name}")
            };
            return unknown(field, &name, &expected);
        }
        if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or_default();
            path = if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            return DocError::new(path, "is required");
        }
        DocError::new(path, message)
    })
}

/// An unknown field, with the nearest of `expected` suggested when one is close.
fn unknown(path: String, name: &str, expected: &[&str]) -> DocError {
    let nearest = expected
        .iter()
        .map(|e| (strsim::levenshtein(name, e), *e))
        .filter(|(d, e)| *d <= (e.len() / 3).max(2))
        .min();
    let message = match nearest {
        Some((_, e)) => format!("unknown field `{name}`; did you mean `{e}`?"),
        None => format!(
            "unknown field `{name}`; expected one of {}",
            expected
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    DocError {
        path,
        message,
        at_key: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<Document, DocError> {
        Document::from_value(v, &|_| None)
    }

    #[test]
    fn unknown_fields_suggest_the_nearest() {
        let e = read(json!({"monitors": [{"key": "a", "name": "A", "url": "http://x", "intervall_seconds": 5}]}))
            .expect_err("unknown");
        assert_eq!(e.path, "monitors[0].intervall_seconds");
        assert!(e.at_key);
        assert!(
            e.message.contains("did you mean `interval_seconds`"),
            "{}",
            e.message
        );
        let e = read(json!({"monitor": []})).expect_err("unknown section");
        assert!(e.message.contains("`monitors`"), "{}", e.message);
    }

    #[test]
    fn type_errors_and_keys_name_their_path() {
        let e = read(json!({"monitors": [{"key": "a", "name": "A", "interval_seconds": "x"}]}))
            .expect_err("type");
        assert_eq!(e.path, "monitors[0].interval_seconds");
        let e = read(json!({"monitors": [{"name": "A"}]})).expect_err("no key");
        assert_eq!(e.path, "monitors[0].key");
        let e = read(json!({"monitors": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]}))
            .expect_err("twice");
        assert_eq!(e.path, "monitors[1].key");
        let e = read(
            json!({"status_pages": [{"key": "p", "slug": "p", "title": "P",
            "sections": [{"name": "S", "monitors": [{"monitor": "a", "extra": 1}]}]}]}),
        )
        .expect_err("unknown in a section");
        assert_eq!(e.path, "status_pages[0].sections[0].monitors[0].extra");
    }

    #[test]
    fn values_from_variables_stay_out_of_errors() {
        let e = read(json!({"variables": {"P": "hunter2"}, "monitors": [{"key": "m", "name": "M", "kind": "tcp", "host": "h", "port": "${P}"}]}))
            .expect_err("type");
        assert_eq!(e.path, "monitors[0].port");
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        assert!(e.message.contains("${P}"), "{}", e.message);
    }

    #[test]
    fn variables_resolve_from_the_document_then_the_fallback() {
        let doc = Document::from_value(
            json!({"variables": {"A": "https://a"}, "monitors": [{"key": "m", "name": "M", "url": "${A}", "host": "${B}"}]}),
            &|n| (n == "B").then(|| "b".to_owned()),
        )
        .expect("reads");
        assert_eq!(doc.monitors[0].body.url.as_deref(), Some("https://a"));
        assert_eq!(
            doc.refs_of("monitors[0]").get("url").map(String::as_str),
            Some("A")
        );
        let e = read(json!({"monitors": [{"key": "m", "name": "${NOPE}"}]})).expect_err("missing");
        assert_eq!(e.path, "monitors[0].name");
        assert!(e.message.contains("NOPE"));
    }
}
