//! `meshc diff OLD NEW`: each side a profile (compiled here) or a rendered folder (read back).

use std::io::Write;
use std::path::Path;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Exit, Output, load};
use crate::diff::{self, Resource};
use crate::{Failure, compile, folder, render};

/// Arguments of `meshc diff`.
#[derive(Debug, Args)]
pub(super) struct DiffArgs {
    /// The old side: a profile (TOML) or a folder rendered by meshc.
    old: PathBuf,
    /// The new side: a profile (TOML) or a folder rendered by meshc.
    new: PathBuf,
    /// How to print the differences.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One line per changed field (coloured on a terminal).
    Text,
    /// A pull-request comment: a collapsible section per resource.
    Markdown,
    /// The whole report, for tools.
    Json,
}

impl DiffArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        // Like diff(1): any trouble is exit 2, whatever the other side holds.
        let (Ok(old), Ok(new)) = (side(&self.old, output), side(&self.new, output)) else {
            return Exit::Trouble;
        };
        let report = match diff::compare(
            &self.old.to_string_lossy(),
            &old,
            &self.new.to_string_lossy(),
            &new,
        ) {
            Ok(report) => report,
            Err(message) => return output.trouble(&message),
        };
        let text = match self.format {
            Format::Text => diff::text(&report, output.stdout_color()),
            Format::Markdown => diff::markdown(&report),
            Format::Json => diff::json(&report),
        };
        if let Err(error) = std::io::stdout().lock().write_all(text.as_bytes()) {
            return output.trouble(&format!("cannot write to stdout: {error}"));
        }
        if report.resources.is_empty() {
            Exit::Success
        } else {
            Exit::Invalid
        }
    }
}

/// The resources of one side; problems are printed here and end in exit 2.
fn side(path: &Path, output: &Output) -> Result<Vec<Resource>, ()> {
    if path.is_dir() {
        return rendered_folder(path).map_err(|message| {
            output.trouble(&message);
        });
    }
    let source = load(path, output).map_err(|_| ())?;
    let compiled = match compile(&source) {
        Ok(compiled) => compiled,
        Err(Failure::Invalid(diagnostics)) => {
            output.diagnostics(&source, diagnostics);
            output.trouble(&format!(
                "{} is not a valid profile, so there is nothing to compare",
                path.display()
            ));
            return Err(());
        }
        Err(Failure::Internal(findings)) => {
            output.internal(&findings);
            return Err(());
        }
    };
    let mut resources = Vec::new();
    for file in &compiled.files {
        resources.extend(diff::parse(file.name, &file.content).map_err(|message| {
            output.internal(&[message]);
        })?);
    }
    Ok(resources)
}

/// Every object in the folder's YAML files. `kustomization.yaml` only lists the other files,
/// and files of another kind (a README) hold no resources.
fn rendered_folder(dir: &Path) -> Result<Vec<Resource>, String> {
    let entries = folder::read(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .unwrap_or_default();
    let mut resources = Vec::new();
    for entry in entries {
        let yaml = Path::new(&entry.name)
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml");
        let Some(bytes) = entry
            .content
            .filter(|_| yaml && entry.name != render::KUSTOMIZATION_FILE)
        else {
            continue;
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("{}/{} is not UTF-8 text", dir.display(), entry.name))?;
        resources
            .extend(diff::parse(&entry.name, &text).map_err(|e| format!("{}/{e}", dir.display()))?);
    }
    Ok(resources)
}
