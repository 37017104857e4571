//! Diagnostics as data: what every stage reports, independent of how it is printed.

mod code;
mod path;
pub mod report;
pub mod suggest;

use std::ops::Range;

pub use code::Code;
pub(crate) use code::stable_codes;
pub use path::{Path, Step};

/// Whether a diagnostic refuses the profile or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The profile is refused; nothing is written.
    Error,
    /// The profile is accepted; the user should look.
    Warning,
}

/// A secondary location that explains the primary one ("first declared here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Byte range in the source.
    pub span: Range<usize>,
    /// What this location shows.
    pub message: String,
}

/// One finding: a stable code, a location in the profile, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that fired.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Byte range of the primary location in the source.
    pub span: Range<usize>,
    /// A short note printed under the primary location.
    pub label: Option<String>,
    /// Other locations that explain the finding.
    pub secondary: Vec<Label>,
    /// How to fix it, including "did you mean".
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `code` at `span`.
    pub fn new(code: Code, span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            span,
            label: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Its severity, which the code decides.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Adds the note printed under the primary location.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
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

    /// Adds a secondary location.
    #[must_use]
    pub fn secondary(mut self, span: Range<usize>, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
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
        self.0.iter().any(|d| d.severity() == Severity::Error)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The diagnostics ordered by position, errors before warnings at one position.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by_key(|d| (d.span.start, d.severity()));
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
