//! A parsed YAML value that remembers the line it came from.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::diagnostic::{Path, Step};

/// A value with the 1-based line where it starts. Its keys and strings borrow from the text
/// read (`'a`) where they need no unescaping: a tree lives while its document is checked, and a
/// copy of each key and string was an allocation, a copy and a free (issue 13); what outlives
/// the text is made [`Node::into_owned`].
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    /// Line of the value in its file.
    pub line: u32,
    /// The value.
    pub value: Value<'a>,
}

/// A JSON-like value, as kubectl reads YAML.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`, `~` or nothing.
    Null,
    /// `true`, `false` (and YAML 1.1's `yes`, `on`, …).
    Bool(bool),
    /// An integer that fits 64 bits.
    Int(i64),
    /// A floating-point number (and an integer too large for 64 bits).
    Float(f64),
    /// A string.
    Str(Cow<'a, str>),
    /// A list.
    Seq(Vec<Node<'a>>),
    /// A mapping, keys in document order.
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// A node at `line`.
    pub fn new(line: u32, value: Value<'a>) -> Self {
        Self { line, value }
    }

    /// The same tree, owning its keys and strings, for what outlives the text it was read from.
    pub fn into_owned(self) -> Node<'static> {
        Node::new(self.line, self.value.into_owned())
    }

    /// The entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The node at a path of mapping keys.
    pub fn at(&self, keys: &[&str]) -> Option<&Node<'a>> {
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
    pub fn entries(&self) -> &[(Cow<'a, str>, Node<'a>)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items, if this is a list.
    pub fn items(&self) -> &[Node<'a>] {
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
    pub fn deepest(&self, path: &Path) -> &Node<'a> {
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

impl Value<'_> {
    /// The same value, owning its keys and strings.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Seq(items) => Value::Seq(items.into_iter().map(Node::into_owned).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }

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
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::Seq(items) => items.iter().map(to_json).collect(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.to_string(), to_json(v)))
            .collect(),
    }
}

/// A JSON value as the YAML reader would have read it (every node at line 0): integers that fit
/// 64 bits are integers, other numbers floats.
pub(crate) fn from_json(value: &serde_json::Value) -> Node<'static> {
    let value = match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Str(Cow::Owned(s.clone())),
        serde_json::Value::Array(items) => Value::Seq(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (Cow::Owned(k.clone()), from_json(v)))
                .collect(),
        ),
    };
    Node::new(0, value)
}

/// The value as short JSON, cut to about 60 characters, for messages.
pub(crate) fn short(value: &Value<'_>) -> String {
    let mut text = String::new();
    json(value, &mut text, 64);
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        return cut + "...";
    }
    text
}

fn json(value: &Value<'_>, out: &mut String, budget: usize) {
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
        Value::Str(s) => out.push_str(&serde_json::Value::from(s.as_ref()).to_string()),
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
                out.push_str(&serde_json::Value::from(key.as_ref()).to_string());
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
        let long = Value::Str("x".repeat(100).into());
        assert!(short(&long).ends_with("..."));
        assert_eq!(short(&Value::Int(3)), "3");
    }
}
