//! `meshc diff OLD NEW`: each side a profile (compiled here) or a rendered folder (read back).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::graph::draw;
use super::{Exit, Output, load, write_stdout};
use crate::diff::{self, Resource};
use crate::graph::{self, Graph};
use crate::pipeline::{self, Compiled, Failure, compile_simulated};
use crate::source::Source;

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
        let old = open(&self.old, output).and_then(|input| side(input, output, graphs, Some));
        let new = open(&self.new, output);
        // The old side answers its requests before the new side is compiled, so that one
        // side's mesh is alive at a time.
        let mut old = old.map(|(resources, graph, simulated)| {
            let answered = match (simulated, &new) {
                (Some(simulated), Ok(Input::Profile(_, source))) => answer(simulated, source),
                _ => None,
            };
            (resources, graph, answered)
        });
        // The new side's mesh sends them before its files are read back, and is dropped with
        // the old side's answers: it was alive beside both sides' objects.
        let answered = old
            .as_mut()
            .ok()
            .and_then(|(_, _, answered)| answered.take());
        let new = new.and_then(|input| {
            side(input, output, graphs, |new| {
                answered.map(|answered| answered.compare(&new))
            })
        });
        let (Ok((old, old_graph, _)), Ok((new, new_graph, behaviour))) = (old, new) else {
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
        report.behaviour = behaviour;
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

/// The resources of one side, its graph when asked for and the side is a profile, and what
/// [`side`] kept of its simulation when it is a profile; problems are printed here and end in
/// exit 2.
type Read<T> = (Vec<Resource>, Option<Graph>, Option<T>);

/// What one side names: a rendered folder, or a profile read (not yet compiled).
enum Input<'a> {
    Folder(&'a Path),
    Profile(&'a Path, Source),
}

fn open<'a>(path: &'a Path, output: &Output) -> Result<Input<'a>, ()> {
    if path.is_dir() {
        Ok(Input::Folder(path))
    } else {
        load(path, output)
            .map(|source| Input::Profile(path, source))
            .map_err(|_| ())
    }
}

/// The old side's answers to the requests of both profiles, when the new profile is valid: its
/// problems are printed when it is compiled, and without it there is no comparison to make.
fn answer(old: diff::Side, new: &Source) -> Option<diff::Answered> {
    let new = pipeline::check(new).ok()?;
    Some(old.answer(&new.profile))
}

/// The side `input` names; a profile's simulation is handed to `with_mesh` before the files are
/// read back, so that what it does not keep is dropped first.
fn side<T>(
    input: Input<'_>,
    output: &Output,
    graph: bool,
    with_mesh: impl FnOnce(diff::Side) -> Option<T>,
) -> Result<Read<T>, ()> {
    let (path, source) = match input {
        Input::Folder(path) => {
            let resources = diff::read_folder(path).map_err(|error| {
                output.error(&error);
            })?;
            return Ok((resources, None, None));
        }
        Input::Profile(path, source) => (path, source),
    };
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
    let pipeline::Simulated {
        compiled,
        profile,
        mesh,
    } = simulated;
    // The plan is not compared, and each file's text is dropped once read: they were alive
    // beside the objects read from them. The plan is dropped here, not with `..`: a field left
    // in a partly moved struct lives to the end of the scope, and the plan of 4,000 synthetic
    // services was alive through the requests and the reading back.
    let Compiled {
        files,
        warnings,
        clusters,
        plan,
        kustomization,
    } = compiled;
    drop((plan, kustomization));
    output.profile_diagnostics(&source, warnings);
    let kept = with_mesh(diff::Side::new(profile, mesh));
    // With clusters, every cluster's files, named as in the folder: `<cluster>/<file>`.
    let files: Vec<(String, String)> = if clusters.is_empty() {
        files
            .into_iter()
            .map(|file| (file.name, file.content))
            .collect()
    } else {
        drop(files);
        clusters
            .into_iter()
            .flat_map(|cluster| {
                let folder = cluster.name;
                cluster
                    .files
                    .into_iter()
                    .map(move |file| (format!("{folder}/{}", file.name), file.content))
            })
            .collect()
    };
    let mut resources = Vec::new();
    for (name, content) in files {
        // The render passed meshc's own check, so its files read back; if one does not, the
        // error says which.
        resources.extend(diff::parse(&name, &content).map_err(|error| {
            output.error(&error);
        })?);
    }
    Ok((resources, drawn, kept))
}
