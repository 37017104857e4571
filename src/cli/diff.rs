//! `meshc diff OLD NEW`: each side a profile (compiled here) or a rendered folder (read back).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::graph::draw;
use super::{Exit, Output, load, write_stdout};
use crate::diff::{self, Resource};
use crate::graph::{self, Graph};
use crate::pipeline::{Failure, compile_simulated};

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
        // A pull-request comment also draws the edges that change, when both sides are profiles.
        let graphs = self.format == Format::Markdown;
        let (Ok((old, old_graph, old_side)), Ok((new, new_graph, new_side))) = (
            side(&self.old, output, graphs),
            side(&self.new, output, graphs),
        ) else {
            return Exit::Trouble;
        };
        let mut report = match diff::compare(
            &self.old.to_string_lossy(),
            &old,
            &self.new.to_string_lossy(),
            &new,
        ) {
            Ok(report) => report,
            Err(error) => return output.error(&error),
        };
        // What requests get can only be told when both sides say which workloads exist.
        if let (Some(old), Some(new)) = (&old_side, &new_side) {
            report.behave(old, new);
        }
        let text = match self.format {
            Format::Text => diff::text(&report, output.stdout_color()),
            Format::Markdown => {
                let mut text = diff::markdown(&report);
                if let (Some(old), Some(new)) = (&old_graph, &new_graph)
                    && let Some(chart) = graph::changes(old, new)
                {
                    text.push_str("\n#### Who reaches what: edges that change\n\n```mermaid\n");
                    text.push_str(&chart);
                    text.push_str("```\n");
                }
                text
            }
            Format::Json => diff::json(&report),
        };
        if write_stdout(&text, output) != Exit::Success {
            return Exit::Trouble;
        }
        if report.differs() {
            Exit::Invalid
        } else {
            Exit::Success
        }
    }
}

/// The resources of one side, its graph when asked for and the side is a profile, and its
/// simulation when it is a profile; problems are printed here and end in exit 2.
type Read = (Vec<Resource>, Option<Graph>, Option<diff::Side>);

fn side(path: &Path, output: &Output, graph: bool) -> Result<Read, ()> {
    if path.is_dir() {
        let resources = diff::read_folder(path).map_err(|error| {
            output.error(&error);
        })?;
        return Ok((resources, None, None));
    }
    let source = load(path, output).map_err(|_| ())?;
    // The behaviour diff (and the graph) send requests through the mesh the proofs simulated.
    let simulated = match compile_simulated(&source) {
        Ok(simulated) => simulated,
        Err(Failure::Invalid(diagnostics)) => {
            output.profile_diagnostics(&source, diagnostics);
            output.trouble(&format!(
                "{} is not a valid profile, so there is nothing to compare",
                path.display()
            ));
            return Err(());
        }
        Err(Failure::Internal(error)) => {
            output.internal(&source, &error);
            return Err(());
        }
    };
    let drawn = graph.then(|| draw(&simulated));
    let crate::pipeline::Simulated {
        mut compiled,
        profile,
        mesh,
    } = simulated;
    output.profile_diagnostics(&source, std::mem::take(&mut compiled.warnings));
    let mut resources = Vec::new();
    // With clusters, every cluster's files, named as in the folder: `<cluster>/<file>`.
    let files: Vec<(String, &str)> = if compiled.clusters.is_empty() {
        compiled
            .files
            .iter()
            .map(|file| (file.name.clone(), file.content.as_str()))
            .collect()
    } else {
        compiled
            .clusters
            .iter()
            .flat_map(|cluster| {
                cluster.files.iter().map(|file| {
                    (
                        format!("{}/{}", cluster.name, file.name),
                        file.content.as_str(),
                    )
                })
            })
            .collect()
    };
    for (name, content) in &files {
        // The render passed meshc's own check, so its files read back; if one does not, the
        // error says which.
        resources.extend(diff::parse(name, content).map_err(|error| {
            output.error(&error);
        })?);
    }
    let simulated = diff::Side::new(profile, mesh);
    Ok((resources, drawn, Some(simulated)))
}
