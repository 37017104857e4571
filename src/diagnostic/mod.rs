//! Diagnostics as data: the one [`Diagnostic`] every producer reports (the profile's stages,
//! the Istio checker, the render's check of its own output), the code [registry](Code), and
//! the one place they become text ([`render`]). It imports nothing of the compiler or of the
//! checker; both import it.

mod code;
mod location;
mod path;
pub(crate) mod render;
pub(crate) mod suggest;

use std::fmt;
use std::ops::Range;

pub use code::{Code, Fires};
pub use location::Span;
pub(crate) use location::{Location, YamlSpan};
pub(crate) use path::{Path, Step};

/// How serious a diagnostic is. Its code gives the default; a finding carries another only
/// where the code's document says so (a webhook warning, a reference the files given cannot
/// resolve in an open world).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is refused: a profile renders nothing, `meshc verify` exits 1.
    Error,
    /// Accepted, but probably not what was meant.
    Warning,
    /// Not checked, and why; or what the files given cannot show (a reference to a file not
    /// given, in an open world).
    Note,
}

impl Severity {
    /// The word printed before the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: a stable code, a severity, what is wrong, where (one primary location and any
/// secondary ones), and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that fired.
    pub code: Code,
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is.
    pub primary: Location,
    /// Other places that explain it ("first declared here").
    pub secondary: Vec<Location>,
    /// How to fix it, including "did you mean".
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `code`, with the code's default severity, at `at`.
    pub fn new(code: Code, at: impl Into<Span>, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: Location {
                span: at.into(),
                label: None,
            },
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Gives it another severity than its code's default, where the code's document allows.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Adds the note printed at the primary location.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.primary.label = Some(label.into());
        self
    }

    /// Adds how to fix it.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds help only when there is some.
    #[must_use]
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Adds a secondary location with its note.
    #[must_use]
    pub fn secondary(mut self, at: impl Into<Span>, label: impl Into<String>) -> Self {
        self.secondary.push(Location {
            span: at.into(),
            label: Some(label.into()),
        });
        self
    }

    /// Every location, the primary first.
    pub fn locations(&self) -> impl Iterator<Item = &Location> {
        std::iter::once(&self.primary).chain(&self.secondary)
    }

    /// Moves every byte range of the profile by `offset` bytes.
    #[must_use]
    pub fn shifted(mut self, offset: usize) -> Self {
        let shift = |location: &mut Location| {
            if let Span::Toml(range) = &mut location.span {
                *range = range.start + offset..range.end + offset;
            }
        };
        shift(&mut self.primary);
        self.secondary.iter_mut().for_each(shift);
        self
    }

    /// The byte range of the primary location in the profile, if it is there.
    pub fn profile_span(&self) -> Option<Range<usize>> {
        match &self.primary.span {
            Span::Toml(range) => Some(range.clone()),
            Span::Yaml(_) | Span::File(_) => None,
        }
    }
}

/// The diagnostics of one run, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Records all of another run's diagnostics.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Whether any recorded diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The diagnostics ordered by position in the profile, errors before warnings at one
    /// position; diagnostics about other files keep their order, after those.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by_key(|d| {
            (
                d.profile_span().map_or(usize::MAX, |span| span.start),
                d.severity,
            )
        });
        self.0
    }

    /// Iterates in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(vec![diagnostic])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
