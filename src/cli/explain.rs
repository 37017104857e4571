//! `meshc explain PROFILE [--service NAME] [--origin]`.

use std::path::PathBuf;

use clap::Args;

use super::{Exit, Output, load_compiled, steps, write_stdout};
use crate::diagnostic::render::plain;
use crate::diagnostic::suggest;
use crate::explain::explain;
use crate::profile::{self, Origin};
use crate::source::Source;

/// Arguments of `meshc explain`.
#[derive(Debug, Args)]
pub(super) struct ExplainArgs {
    /// The profile (TOML).
    profile: PathBuf,
    /// Only this service.
    #[arg(long, value_name = "NAME", conflicts_with = "origin")]
    service: Option<String>,
    /// Instead of the mesh, every value the profile sets, one per line, with the file and line
    /// that set it (for a layered profile, the overlay or one of its bases).
    #[arg(long)]
    origin: bool,
}

impl ExplainArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let (source, compiled) = match load_compiled(&self.profile, output) {
            Ok(loaded) => loaded,
            Err(exit) => return exit,
        };
        if self.origin {
            return match profile::origins(&source) {
                Ok(origins) => write_stdout(&origin_lines(&source, &origins), output),
                Err(diagnostics) => output.profile_diagnostics(&source, diagnostics),
            };
        }
        let text = match explain(&compiled.plan, self.service.as_deref()) {
            Ok(text) if self.service.is_none() => {
                text + &steps::section(
                    &compiled.clusters,
                    compiled.plan.operator.mesh_id.as_deref(),
                )
            }
            Ok(text) => text,
            Err(unknown) => {
                let known: Vec<&str> = unknown.known.iter().map(String::as_str).collect();
                let hint = suggest::help_for(&unknown.name, &known)
                    .unwrap_or_else(|| format!("the services are {}", known.join(", ")));
                return output.trouble(&format!(
                    "{} has no service `{}`; {hint}",
                    self.profile.display(),
                    unknown.name
                ));
            }
        };
        write_stdout(&text, output)
    }
}

/// One line per effective value: its key path and value, then the file and line that set it.
fn origin_lines(source: &Source, origins: &[Origin]) -> String {
    let lines: Vec<(String, String)> = origins
        .iter()
        .map(|origin| {
            let (file, local) = source.locate(&origin.span);
            let line = file.position(local.start).line;
            (
                plain(&format!("{} = {}", origin.path, origin.value)),
                plain(&format!("{}:{line}", file.name())),
            )
        })
        .collect();
    // Places line up, unless a long value would push them all far to the right.
    let width = lines
        .iter()
        .map(|(value, _)| value.chars().count())
        .filter(|&n| n <= 60)
        .max()
        .unwrap_or(0);
    lines
        .iter()
        .map(|(value, place)| {
            let pad = width.saturating_sub(value.chars().count());
            format!("{value}{}  # {place}\n", " ".repeat(pad))
        })
        .collect()
}
