//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use meshc::diagnostic::Diagnostic;
use meshc::diagnostic::report::{self, Style};
use meshc::source::Source;

/// The repository root.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A profile read from disk as the command line reads it, named by its path relative to
/// `base` so that snapshots do not depend on where the repository is checked out. `Err` holds
/// the diagnostic of a profile that is not UTF-8.
pub(crate) fn read(path: &Path, base: &Path) -> Result<Source, Box<(Source, Diagnostic)>> {
    let bytes = std::fs::read(path).unwrap();
    let name = path
        .strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    Source::from_bytes(name, bytes)
}

/// Diagnostics as a person sees them, without colour.
pub(crate) fn human(source: &Source, diagnostics: &[Diagnostic]) -> String {
    let mut text = report::render(source, diagnostics, Style::Human { color: false });
    if let Some(summary) = report::summary(diagnostics) {
        text.push_str(&summary);
        text.push('\n');
    }
    text
}

/// The codes a fixture declares on a comment line `# <key> = ["a", "b"]`.
pub(crate) fn declared_codes(text: &str, key: &str) -> Option<Vec<String>> {
    let prefix = format!("# {key} =");
    let line = text.lines().find(|line| line.starts_with(&prefix))?;
    let list: toml::Value = toml::from_str(&format!("v ={}", &line[prefix.len()..])).unwrap();
    Some(
        list["v"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
    )
}

/// Runs the built `meshc` in the repository root, without colour.
pub(crate) fn meshc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Output bytes as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
