//! A parsed YAML value that remembers the line it came from.

use std::fmt::Write as _;

use crate::diagnostic::{Path, Step};

/// A value with the 1-based line where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Line of the value in its file.
    pub line: u32,
    /// The value.
    pub value: Value,
}

/// A JSON-like value, as kubectl reads YAML.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true`, `false` (and YAML 1.1's `yes`, `on`, …).
    Bool(bool),
    /// An integer that fits 64 bits.
    Int(i64),
    /// A floating-point number (and an integer too large for 64 bits).
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, keys in document order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// A node at `line`.
    pub fn new(line: u32, value: Value) -> Self {
        Self { line, value }
    }

    /// The entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The node at a path of mapping keys.
    pub fn at(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items, if this is a list.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The strings of a list of strings (other items are skipped).
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        self.items().iter().filter_map(Node::as_str)
    }

    /// The JSON type name of the value, as error messages say it.
    pub fn type_name(&self) -> &'static str {
        self.value.type_name()
    }

    /// The node at `path`, or the deepest node on the way to it.
    pub fn deepest(&self, path: &Path) -> &Node {
        let mut node = self;
        for step in &path.0 {
            let next = match step {
                Step::Key(key) => node.get(key),
                Step::Index(i) => node.items().get(*i),
            };
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        node
    }
}

impl Value {
    /// The JSON type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }
}

/// The value as JSON, as kubectl hands it to the API server.
pub(crate) fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Seq(items) => items.iter().map(to_json).collect(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.clone(), to_json(v)))
            .collect(),
    }
}

/// A JSON value as the YAML reader would have read it (every node at line 0): integers that fit
/// 64 bits are integers, other numbers floats.
pub(crate) fn from_json(value: &serde_json::Value) -> Node {
    let value = match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(items) => Value::Seq(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Value::Map(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    };
    Node::new(0, value)
}

/// The value as short JSON, cut to about 60 characters, for messages.
pub(crate) fn short(value: &Value) -> String {
    let mut text = String::new();
    json(value, &mut text, 64);
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        return cut + "...";
    }
    text
}

fn json(value: &Value, out: &mut String, budget: usize) {
    if out.len() > budget {
        return;
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        Value::Str(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json(&item.value, out, budget);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&serde_json::Value::from(key.as_str()).to_string());
                out.push_str(": ");
                json(&item.value, out, budget);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_cuts_long_values() {
        let long = Value::Str("x".repeat(100));
        assert!(short(&long).ends_with("..."));
        assert_eq!(short(&Value::Int(3)), "3");
    }
}
