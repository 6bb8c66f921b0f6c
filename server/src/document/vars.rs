//! `${NAME}` in a configuration document: secrets (and anything else) come from variables
//! rather than the file. `$${` stands for a literal `${`. A value that is exactly one
//! reference remembers the variable's name, so an export writes the same reference back.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// A reference to a variable nobody set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// Where the reference is, e.g. `notification_channels[0].config.webhook_url`.
    pub path: String,
    pub name: String,
}

/// One piece of a string: text, or a variable's name.
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn is_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits a string at its references; `None` when it has none.
fn pieces(s: &str) -> Option<Vec<Piece<'_>>> {
    if !s.contains("${") {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        let after = &rest[i..];
        if let Some(stripped) = after.strip_prefix("$${") {
            out.push(Piece::Text(&rest[..i]));
            out.push(Piece::Text("${"));
            rest = stripped;
        } else if let Some(end) = after.strip_prefix("${").and_then(|a| a.find('}')) {
            let name = &after[2..2 + end];
            if is_name(name) {
                out.push(Piece::Text(&rest[..i]));
                out.push(Piece::Var(name));
                rest = &after[3 + end..];
            } else {
                out.push(Piece::Text(&rest[..=i]));
                rest = &after[1..];
            }
        } else {
            out.push(Piece::Text(&rest[..=i]));
            rest = &after[1..];
        }
    }
    out.push(Piece::Text(rest));
    Some(out)
}

fn walk(value: &Value, path: &str, f: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(s) => f(path, s),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}[{i}]"), f);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, &child, f);
            }
        }
        _ => {}
    }
}

/// Every variable a document refers to.
pub fn names(value: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    walk(value, "", &mut |_, s| {
        for piece in pieces(s).unwrap_or_default() {
            if let Piece::Var(name) = piece {
                names.insert(name.to_owned());
            }
        }
    });
    names
}

/// Every reference and where it is (for pointing at a missing one in the text).
pub fn places(value: &Value) -> Vec<Missing> {
    let mut out = Vec::new();
    walk(value, "", &mut |path, s| {
        for piece in pieces(s).unwrap_or_default() {
            if let Piece::Var(name) = piece {
                out.push(Missing {
                    path: path.to_owned(),
                    name: name.to_owned(),
                });
            }
        }
    });
    out
}

/// Replaces every reference with its variable's value. Returns, by path, the name of each
/// value that was exactly one reference; the first missing variable is an error.
pub fn resolve(
    value: &mut Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, Missing> {
    let mut refs = BTreeMap::new();
    resolve_at(value, String::new(), lookup, &mut refs)?;
    Ok(refs)
}

fn resolve_at(
    value: &mut Value,
    path: String,
    lookup: &dyn Fn(&str) -> Option<String>,
    refs: &mut BTreeMap<String, String>,
) -> Result<(), Missing> {
    match value {
        Value::String(s) => {
            let Some(parts) = pieces(s) else {
                return Ok(());
            };
            let mut out = String::new();
            let mut vars = 0;
            let mut only = None;
            for piece in &parts {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Var(name) => {
                        vars += 1;
                        only = Some(*name);
                        out.push_str(&lookup(name).ok_or_else(|| Missing {
                            path: path.clone(),
                            name: (*name).to_owned(),
                        })?);
                    }
                }
            }
            let text_len: usize = parts
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => t.len(),
                    Piece::Var(_) => 0,
                })
                .sum();
            if let (1, 0, Some(name)) = (vars, text_len, only) {
                refs.insert(path, name.to_owned());
            }
            *s = out;
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                resolve_at(v, format!("{path}[{i}]"), lookup, refs)?;
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                resolve_at(v, child, lookup, refs)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A variable name for a secret of the resource `key` at `field`, as an export writes it:
/// `ops-slack` + `config.webhook_url` → `OPS_SLACK_WEBHOOK_URL`.
pub fn derived_name(key: &str, field: &str) -> String {
    let field = field.strip_prefix("config.").unwrap_or(field);
    format!("{key}_{field}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_and_remembers_whole_references() {
        let mut doc =
            json!({"a": {"url": "${URL}", "h": "Bearer ${TOKEN}", "lit": "$${X} and $5"}});
        let vars = |n: &str| match n {
            "URL" => Some("https://x".to_owned()),
            "TOKEN" => Some("t0k".to_owned()),
            _ => None,
        };
        let refs = resolve(&mut doc, &vars).expect("resolves");
        assert_eq!(doc["a"]["url"], "https://x");
        assert_eq!(doc["a"]["h"], "Bearer t0k");
        assert_eq!(doc["a"]["lit"], "${X} and $5");
        assert_eq!(refs.get("a.url").map(String::as_str), Some("URL"));
        assert!(!refs.contains_key("a.h"));
        assert_eq!(
            names(&json!({"x": ["${A}", "${B}${A}", "$${C}"]}))
                .into_iter()
                .collect::<Vec<_>>(),
            ["A", "B"]
        );
    }

    #[test]
    fn missing_names_the_variable_and_place() {
        let mut doc = json!({"channels": [{"config": {"token": "${NOPE}"}}]});
        let e = resolve(&mut doc, &|_| None).expect_err("missing");
        assert_eq!(e.name, "NOPE");
        assert_eq!(e.path, "channels[0].config.token");
    }

    #[test]
    fn derived_names() {
        assert_eq!(
            derived_name("ops-slack", "config.webhook_url"),
            "OPS_SLACK_WEBHOOK_URL"
        );
        assert_eq!(derived_name("status", "password"), "STATUS_PASSWORD");
    }
}
