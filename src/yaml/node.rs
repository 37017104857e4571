//! A parsed YAML value that remembers the line it came from, and paths into it.

use std::fmt::{self, Write as _};

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
pub fn to_json(node: &Node) -> serde_json::Value {
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

/// The value as short JSON, cut to about 60 characters, for messages.
pub fn short(value: &Value) -> String {
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

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// A mapping key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path into a document, printed like `spec.http[0].route[1].destination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// The path of the document itself.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path with a key added.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_string()));
        Self(steps)
    }

    /// This path with an index added.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        Self(steps)
    }

    /// A path of keys.
    pub fn of(keys: &[&str]) -> Self {
        Self(keys.iter().map(|k| Step::Key((*k).to_string())).collect())
    }

    /// The node at this path, or the deepest node on the way to it.
    pub fn deepest<'a>(&self, mut node: &'a Node) -> &'a Node {
        for step in &self.0 {
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

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(".");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Index(index) => write!(f, "[{index}]")?,
                Step::Key(key) if is_plain_key(key) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    f.write_str(key)?;
                }
                Step::Key(key) => write!(f, "[{}]", serde_json::Value::from(key.as_str()))?,
            }
        }
        Ok(())
    }
}

/// Keys printed bare in a path: `[A-Za-z_$@][\w$@-]*`, as the referee prints them.
fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '$' | '@'))
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '@' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_json_paths() {
        let path = Path::of(&["spec", "http"])
            .index(0)
            .key("app.kubernetes.io/name");
        assert_eq!(
            path.to_string(),
            r#"spec.http[0]["app.kubernetes.io/name"]"#
        );
        assert_eq!(Path::root().to_string(), ".");
        assert_eq!(
            Path::of(&["a", "8080"]).index(2).to_string(),
            r#"a["8080"][2]"#
        );
    }

    #[test]
    fn short_cuts_long_values() {
        let long = Value::Str("x".repeat(100));
        assert!(short(&long).ends_with("..."));
        assert_eq!(short(&Value::Int(3)), "3");
    }
}
