//! `meshc render PROFILE [--only cluster|operator] [--cluster NAME] [--out DIR [--check]] [--quiet]`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::{CannotRead, Exit, Output, Rendered, load_written, write_stdout};
use crate::diagnostic::suggest;
use crate::pipeline::{Beside, Handed, Written};
use crate::render::{File, OPERATOR_FILE};
use crate::{drift, emit, folder};

/// Arguments of `meshc render`.
#[derive(Debug, Args)]
pub(super) struct RenderArgs {
    /// The profile (TOML).
    profile: PathBuf,
    /// Write the files and their kustomization.yaml into this folder, replacing it atomically,
    /// instead of printing them.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write nothing; exit 0 when DIR holds exactly a fresh render, else print a unified diff
    /// from DIR to the render and exit 1.
    #[arg(long, requires = "out")]
    check: bool,
    /// Print only part of the render: `cluster` for what `kubectl apply -f -` takes (all but
    /// the IstioOperator), `operator` for the IstioOperator alone (`istioctl install -f -`).
    #[arg(long, value_enum, value_name = "PART", conflicts_with = "out")]
    only: Option<Part>,
    /// With `[clusters]`, print only this cluster's files, named as in a one-cluster render (for
    /// `istioctl install -f -` and `kubectl apply -f -` against that cluster).
    #[arg(long, value_name = "NAME", conflicts_with = "out")]
    cluster: Option<String>,
    /// Print no summary line on success (warnings and errors are still printed).
    #[arg(long, short = 'q')]
    pub(super) quiet: bool,
}

/// A part of the render, for a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// Every cluster resource: all but the IstioOperator.
    Cluster,
    /// The IstioOperator alone.
    Operator,
}

impl Part {
    fn holds(self, file: &File) -> bool {
        // A render with clusters names its files `<cluster>/<file>`.
        let name = file.name.rsplit('/').next().unwrap_or_default();
        (name == OPERATOR_FILE) == (self == Part::Operator)
    }
}

impl RenderArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        // Into a folder, the new one is written and synced beside it while the files are
        // checked and proven, and put in its place only once they pass; a failed compile
        // removes it and leaves the folder as it was. The files are not given back then: the
        // summary counts them here.
        let mut staged = None;
        let mut counted = None;
        let mut stage = |files: Vec<Arc<File>>| {
            if let Some(dir) = &self.out {
                counted = Some(Rendered::of_folder(files.iter().map(Arc::as_ref)));
                staged = Some(emit::stage(dir, files));
            }
        };
        let beside: Option<Beside<'_>> = if self.out.is_some() && !self.check {
            Some(&mut stage)
        } else {
            None
        };
        let compiled = match load_written(&self.profile, output, beside) {
            Ok(Handed::Written(written)) => written,
            Ok(Handed::Beside(_)) => {
                let (Some(counted), Some(staged)) = (counted, staged) else {
                    unreachable!("a compile that handed its files on staged them")
                };
                output.rendered(counted);
                return swap_in(staged, output);
            }
            Err(exit) => {
                drop(staged);
                return exit;
            }
        };
        let Some(dir) = &self.out else {
            let mut streamed = match &self.cluster {
                Some(name) => match one_cluster(compiled, name) {
                    Ok(files) => files,
                    Err(message) => return output.trouble(&message),
                },
                None => compiled.into_stream(),
            };
            if let Some(part) = self.only {
                streamed.retain(|file| part.holds(file));
            }
            output.rendered(Rendered::of(&streamed));
            return write_stdout(&emit::stream(&streamed), output);
        };
        let folder = compiled.into_folder();
        output.rendered(Rendered::of_folder(&folder));
        if self.check {
            check_drift(dir, &self.profile, &folder, output)
        } else {
            // With `[clusters]`, the folder is written once every cluster's files are proven.
            swap_in(staged.unwrap_or_else(|| emit::stage(dir, &folder)), output)
        }
    }
}

/// Puts a staged folder in its place.
fn swap_in(staged: Result<emit::Staged, emit::EmitError>, output: &Output) -> Exit {
    match staged.and_then(emit::Staged::swap_in) {
        Ok(()) => Exit::Success,
        Err(error) => output.error(&error),
    }
}

/// The files of one cluster of a render with `[clusters]`.
fn one_cluster(compiled: Written, name: &str) -> Result<Vec<File>, String> {
    let known: Vec<String> = compiled.clusters.iter().map(|c| c.name.clone()).collect();
    compiled
        .clusters
        .into_iter()
        .find(|cluster| cluster.name == name)
        .map(|cluster| cluster.files)
        .ok_or_else(|| {
            if known.is_empty() {
                format!("--cluster {name}: the profile declares no [clusters]")
            } else {
                let known: Vec<&str> = known.iter().map(String::as_str).collect();
                let hint = suggest::help_for(name, &known)
                    .unwrap_or_else(|| format!("the clusters are {}", known.join(", ")));
                format!("--cluster {name}: no such cluster; {hint}")
            }
        })
}

/// `--check`: the diff goes to stdout (it is the result), the verdict to stderr.
fn check_drift(dir: &Path, profile: &Path, files: &[File], output: &Output) -> Exit {
    let entries = match folder::read(dir) {
        Ok(entries) => entries,
        Err(source) => {
            let error = CannotRead {
                path: dir.to_path_buf(),
                source,
            };
            return output.error(&error);
        }
    };
    let drifts = drift::compare(entries.as_deref(), files);
    if drifts.is_empty() {
        return Exit::Success;
    }
    let diff = drift::unified_diff(&dir.to_string_lossy(), &drifts);
    if write_stdout(&diff, output) != Exit::Success {
        return Exit::Trouble;
    }
    let count = drifts.len();
    output.failure(&format!(
        "{} differs from a fresh render of {} ({count} {}); run `meshc render {} --out {}` \
             and commit the result",
        dir.display(),
        profile.display(),
        if count == 1 { "file" } else { "files" },
        profile.display(),
        dir.display()
    ));
    Exit::Invalid
}
