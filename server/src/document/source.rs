//! Reading a configuration document: YAML (or JSON, which YAML contains) into a JSON value,
//! remembering where in the text each value and each mapping key stood, so that an error
//! about `monitors[2].interval_seconds` can say `flatline.yaml:14:7`.

use std::collections::HashMap;
use std::fmt;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, ScalarStyle, YamlData};
use serde_json::{Map, Number, Value};

/// A place in the text: line and column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Where each path (`monitors[2].interval_seconds`) stands in the text: its value, and its
/// key for mapping entries.
#[derive(Debug, Default, Clone)]
pub struct Spans {
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
}

impl Spans {
    /// Where `path` is best pointed at: its key when `at_key` (an unknown field), else its
    /// value; falling back to the nearest enclosing path the text has (a missing field points
    /// at the mapping that lacks it).
    pub fn find(&self, path: &str, at_key: bool) -> Option<Position> {
        let mut path = path;
        loop {
            let hit = if at_key {
                self.keys.get(path).or_else(|| self.values.get(path))
            } else {
                self.values.get(path).or_else(|| self.keys.get(path))
            };
            if hit.is_some() || path.is_empty() {
                return hit.copied();
            }
            path = parent(path);
        }
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → ``.
fn parent(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(i) => &path[..i],
        None => "",
    }
}

/// A document that did not parse, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub position: Position,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.position.line, self.position.column, self.message
        )
    }
}

/// Parses one YAML or JSON document into a JSON value and the spans of its parts. An empty
/// text is an empty mapping.
pub fn parse(text: &str) -> Result<(Value, Spans), SyntaxError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| SyntaxError {
        position: Position {
            line: e.marker().line(),
            column: e.marker().col() + 1,
        },
        message: e.info().to_owned(),
    })?;
    let mut spans = Spans::default();
    match docs.len() {
        0 => Ok((Value::Object(Map::new()), spans)),
        1 => {
            let value = convert(&docs[0], String::new(), &mut spans)?;
            Ok((value, spans))
        }
        _ => Err(SyntaxError {
            position: position(&docs[1]),
            message: "only one document is allowed (found a second `---`)".into(),
        }),
    }
}

fn position(node: &MarkedYaml<'_>) -> Position {
    Position {
        line: node.span.start.line(),
        column: node.span.start.col() + 1,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn scalar(s: &Scalar<'_>, node: &MarkedYaml<'_>) -> Result<Value, SyntaxError> {
    Ok(match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => {
            Value::Number(Number::from_f64(f.into_inner()).ok_or_else(|| SyntaxError {
                position: position(node),
                message: "not a finite number".into(),
            })?)
        }
        Scalar::String(s) => Value::String(s.to_string()),
    })
}

fn convert(node: &MarkedYaml<'_>, path: String, spans: &mut Spans) -> Result<Value, SyntaxError> {
    spans.values.insert(path.clone(), position(node));
    match &node.data {
        YamlData::Value(s) => scalar(s, node),
        YamlData::Representation(text, style, tag) => {
            if *style == ScalarStyle::Plain && tag.is_none() {
                scalar(&Scalar::parse_from_cow(text.clone()), node)
            } else {
                Ok(Value::String(text.to_string()))
            }
        }
        YamlData::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| convert(item, format!("{path}[{i}]"), spans))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        YamlData::Mapping(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = match convert(k, String::new(), &mut Spans::default())? {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                let child = join(&path, &key);
                if map.contains_key(&key) {
                    return Err(SyntaxError {
                        position: position(k),
                        message: format!("`{child}` is given twice"),
                    });
                }
                spans.keys.insert(child.clone(), position(k));
                let value = convert(v, child, spans)?;
                map.insert(key, value);
            }
            Ok(Value::Object(map))
        }
        YamlData::Tagged(_, inner) => convert(inner, path, spans),
        YamlData::Alias(_) | YamlData::BadValue => Err(SyntaxError {
            position: position(node),
            message: "unsupported YAML value".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_spans() {
        let text = "monitors:\n  - key: api\n    interval_seconds: 30\n    url: 'https://x'\n";
        let (v, spans) = parse(text).expect("parses");
        assert_eq!(v["monitors"][0]["interval_seconds"], 30);
        assert_eq!(v["monitors"][0]["url"], "https://x");
        let at = spans
            .find("monitors[0].interval_seconds", false)
            .expect("span");
        assert_eq!((at.line, at.column), (3, 23));
        let key = spans
            .find("monitors[0].interval_seconds", true)
            .expect("span");
        assert_eq!((key.line, key.column), (3, 5));
        // A missing field points at the entry that lacks it.
        let entry = spans.find("monitors[0].name", false).expect("span");
        assert_eq!(entry.line, 2);
    }

    #[test]
    fn json_is_yaml() {
        let (v, _) =
            parse(r#"{"monitors": [{"key": "a", "port": 80, "ok": true}]}"#).expect("parses");
        assert_eq!(v["monitors"][0]["port"], 80);
        assert_eq!(v["monitors"][0]["ok"], true);
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("monitors:\n  - key: [\n").expect_err("bad");
        assert!(e.position.line >= 2, "{e}");
        let e = parse("a: 1\na: 2\n").expect_err("twice");
        assert_eq!(e.position.line, 2, "{e}");
        assert!(parse("").expect("empty").0.as_object().is_some());
    }
}
