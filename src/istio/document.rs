//! Documents read from files: where each one is, what it is (`apiVersion`, `kind`, name), and
//! how a problem in one becomes a [`Finding`] at its file and line.

use std::sync::Arc;

use super::finding::{Code, Finding, Level};
use crate::diagnostic::Path;
use crate::yaml;
use crate::yaml::{Node, Value};

/// One document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file, as given.
    pub file: Arc<str>,
    /// 0-based index in the file (empty documents count).
    pub index: usize,
    /// Line where its content starts.
    pub line: u32,
    /// The content.
    pub root: Node,
}

/// A problem in one document, before it is placed in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The rule.
    pub code: Code,
    /// How bad.
    pub level: Level,
    /// Where in the document (`None`: the document as a whole).
    pub path: Option<Path>,
    /// What is wrong.
    pub message: String,
    /// The value has a type or an enum value that Istio's protobuf decoder refuses, so the
    /// admission webhook never sees the object.
    pub undecodable: bool,
}

impl Problem {
    /// An error at `path`.
    pub fn error(code: Code, path: Option<Path>, message: impl Into<String>) -> Self {
        Self {
            code,
            level: Level::Error,
            path,
            message: message.into(),
            undecodable: false,
        }
    }
}

/// A file's documents, and the finding that stopped reading it, if any.
pub fn read(file: &str, text: &str) -> (Vec<Document>, Option<Finding>) {
    let name: Arc<str> = file.into();
    let stream = yaml::read(text);
    let documents = stream
        .documents
        .into_iter()
        .map(|d| Document {
            file: name.clone(),
            index: d.index,
            line: d.line,
            root: d.root,
        })
        .collect();
    let error = stream.error.map(|e| Finding {
        code: Code::YamlSyntax,
        level: Level::Error,
        file: file.to_string(),
        document: Some(e.document),
        line: Some(e.line),
        resource: None,
        path: None,
        message: format!("YAML syntax error at column {}: {}", e.column, e.message),
    });
    (documents, error)
}

impl Document {
    /// Whether the document is empty (`---` with nothing after it).
    pub fn is_empty(&self) -> bool {
        self.root.value == Value::Null
    }

    /// A top-level string field.
    fn text(&self, key: &str) -> Option<&str> {
        self.root.get(key).and_then(Node::as_str)
    }

    /// `kind`.
    pub fn kind(&self) -> Option<&str> {
        self.text("kind")
    }

    /// `apiVersion` split into group and version (the core group is `""`).
    pub fn api(&self) -> Option<(&str, &str)> {
        let api = self.text("apiVersion")?;
        Some(api.rsplit_once('/').unwrap_or(("", api)))
    }

    /// `metadata.name`.
    pub fn name(&self) -> Option<&str> {
        self.root.at(&["metadata", "name"]).and_then(Node::as_str)
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> Option<&str> {
        self.root
            .at(&["metadata", "namespace"])
            .and_then(Node::as_str)
    }

    /// `spec`, if it is an object.
    pub fn spec(&self) -> Option<&Node> {
        self.root
            .get("spec")
            .filter(|s| matches!(s.value, Value::Map(_)))
    }

    /// Whether this is an object of `group` and `kind`.
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind() == Some(kind) && self.api().is_some_and(|(g, _)| g == group)
    }

    /// `Kind namespace/name`, for messages.
    pub fn resource(&self) -> Option<String> {
        if !matches!(self.root.value, Value::Map(_)) {
            return None;
        }
        let kind = self.kind().unwrap_or("<no kind>");
        let name = self.name().unwrap_or("<no name>");
        Some(match self.namespace() {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        })
    }

    /// Places a problem of this document in its file.
    pub fn finding(&self, problem: Problem) -> Finding {
        let line = problem
            .path
            .as_ref()
            .map_or(self.line, |path| self.root.deepest(path).line);
        Finding {
            code: problem.code,
            level: problem.level,
            file: self.file.to_string(),
            document: Some(self.index),
            line: Some(line),
            resource: self.resource(),
            path: problem.path,
            message: problem.message,
        }
    }
}
