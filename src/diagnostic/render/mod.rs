//! The one place diagnostics become text: annotated source for people ([`human`]), one JSON
//! object per line for tools ([`json`]), each stream closed by a [`Summary`]. Every command
//! prints through here, so a profile error and a YAML finding look alike.

mod human;
mod json;
mod text;

pub(crate) use text::plain;

use std::error::Error;

use super::{Diagnostic, Severity};
use crate::source::Source;

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Annotated source for people, with or without ANSI colour.
    Human {
        /// Whether to emit ANSI colour codes.
        color: bool,
    },
    /// One JSON object per line, for tools.
    Json,
}

/// The texts diagnostics point into: the profile (for byte ranges) and YAML files by name.
/// A location whose text is missing is printed without its source line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Files<'a> {
    profile: Option<&'a Source>,
    yaml: &'a [Source],
}

impl<'a> Files<'a> {
    /// The texts of a command that read this profile.
    pub fn profile(profile: &'a Source) -> Self {
        Self {
            profile: Some(profile),
            yaml: &[],
        }
    }

    /// The texts of YAML files, found by name.
    pub fn yaml(sources: &'a [Source]) -> Self {
        Self {
            profile: None,
            yaml: sources,
        }
    }

    /// These texts, and also the YAML files `sources`.
    #[must_use]
    pub fn and_yaml(self, sources: &'a [Source]) -> Self {
        Self {
            yaml: sources,
            ..self
        }
    }

    fn named(&self, name: &str) -> Option<&'a Source> {
        self.yaml.iter().rev().find(|source| source.name() == name)
    }
}

/// Renders `diagnostics` in `style`; each ends with a newline (a human one with a blank line).
pub fn render(diagnostics: &[Diagnostic], files: &Files<'_>, style: Style) -> String {
    match style {
        Style::Human { color } => human::render(diagnostics, files, color),
        Style::Json => diagnostics
            .iter()
            .map(|d| json::diagnostic(d, files) + "\n")
            .collect(),
    }
}

/// What a command checked, and how many diagnostics of each severity it reported: the line
/// (human) or object (JSON) that closes its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Errors reported.
    pub errors: usize,
    /// Warnings reported.
    pub warnings: usize,
    /// Notes reported.
    pub notes: usize,
    /// The profiles read, by name, or the YAML files read.
    pub files: Checked,
    /// Objects checked, for YAML; `None` for profiles.
    pub objects: Option<usize>,
    /// Whether objects were checked against schemas (`meshc verify --crds`); `None` for
    /// profiles.
    pub schemas: Option<bool>,
    /// The namespace objects that name none were taken to be in (`meshc verify
    /// --namespace`); `None` for profiles.
    pub namespace: Option<String>,
    /// How many objects named no namespace.
    pub without_namespace: usize,
    /// How many files were left out as Kustomize patches.
    pub patches: usize,
    /// How many files a render wrote or printed (or, for `validate`, would write).
    pub rendered: Option<usize>,
}

/// The files a command read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Profiles, by name.
    Profiles(Vec<String>),
    /// YAML files, counted.
    Yaml(usize),
}

impl Default for Checked {
    fn default() -> Self {
        Checked::Profiles(Vec::new())
    }
}

impl Summary {
    /// Counts `diagnostics` in.
    pub fn count(&mut self, diagnostics: &[Diagnostic]) {
        for diagnostic in diagnostics {
            match diagnostic.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
        }
    }

    /// The closing line (human, after any caveat) or object (JSON), with a final newline.
    pub fn render(&self, style: Style) -> String {
        match style {
            Style::Human { .. } => human::summary(self),
            Style::Json => json::summary(self) + "\n",
        }
    }
}

/// A failure of the run itself rather than a finding about its input (a file that cannot be
/// read, a folder that cannot be written, a stale `--out`), with a final newline. An error
/// passes through [`chain`] first, so that its causes are printed too.
pub(crate) fn failure(message: &str, style: Style) -> String {
    match style {
        Style::Human { .. } => format!("error: {}\n", text::plain(message)),
        Style::Json => json::failure(message) + "\n",
    }
}

/// An error and its causes (`source()`), as one line: `cannot read p.toml: No such file …`.
pub(crate) fn chain(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}
