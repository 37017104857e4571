//! Where a diagnostic points: a byte range of the TOML profile, a line and field of a YAML file,
//! or a whole file.

use std::ops::Range;
use std::sync::Arc;

use super::Path;

/// A place a diagnostic points at, with an optional note printed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The place.
    pub span: Span,
    /// What the place shows ("unknown subset", "first declared here").
    pub label: Option<String>,
}

/// A place in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// A byte range of the TOML profile the command read. Its name and text come with the
    /// rendering, so that the stages that check a profile need not carry them.
    Toml(Range<usize>),
    /// A line of a YAML file, and the object and field it is about.
    Yaml(YamlSpan),
    /// A file as a whole.
    File(Arc<str>),
}

/// A place in a YAML file: the line of a field, the object it belongs to and the field's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlSpan {
    /// The file, as given.
    pub file: Arc<str>,
    /// 0-based index of the document in its file (empty documents count).
    pub document: usize,
    /// 1-based line.
    pub line: u32,
    /// The object, `Kind namespace/name`, when the document is an object.
    pub resource: Option<String>,
    /// The field within the object (`None`: the document as a whole).
    pub path: Option<Path>,
}

impl Span {
    /// The file a YAML or whole-file span names; `None` for the profile's bytes.
    pub fn file(&self) -> Option<&str> {
        match self {
            Span::Toml(_) => None,
            Span::Yaml(yaml) => Some(&yaml.file),
            Span::File(file) => Some(file),
        }
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Span::Toml(range)
    }
}

impl From<YamlSpan> for Span {
    fn from(span: YamlSpan) -> Self {
        Span::Yaml(span)
    }
}
