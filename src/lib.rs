//! meshc: a typed compiler from one TOML mesh profile to Istio manifests.
//!
//! The stages run in one direction, each in its own module:
//! [`profile`] (TOML to raw structs with spans) → [`validate`] (rules, diagnostics, the typed
//! [`model`]) → [`plan`] (the Istio resources) → [`render`] (templates to YAML) →
//! [`selfcheck`] (the YAML read back and checked) → [`emit`] (stdout or a folder).
//!
//! The Istio checker is a library of its own that knows nothing of profiles: [`istio`] (schemas,
//! CEL rules, the admission webhook's rules, rules across resources, and the Istio vocabulary
//! the compiler shares), on [`yaml`] (YAML read with positions) and [`cel`] (the CEL parser).
//! `meshc verify` and the self-check both call it; `tests/architecture.rs` keeps the layers
//! apart. Both report through [`diagnostic`]: one `Diagnostic`, one code registry, one renderer,
//! which imports neither side.
//!
//! Beside the pipeline: [`folder`] and [`drift`] (`render --check`), [`diff`] (the semantic diff
//! for review), [`explain`] (the plan in words). [`synth`] writes synthetic profiles of any size
//! for the benchmarks. [`graph`] draws who reaches what, from the simulator's answers.
//! [`simulate`] answers what the rendered mesh does to a request; [`topology`] describes a
//! profile's workloads to it.

pub mod cel;
pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod drift;
pub mod emit;
pub mod explain;
pub mod folder;
pub mod graph;
pub mod istio;
pub mod limits;
pub mod model;
pub mod plan;
pub mod profile;
pub mod prove;
pub mod render;
pub mod selfcheck;
pub mod simulate;
pub mod source;
pub mod synth;
pub mod topology;
pub mod validate;
pub mod yaml;

use std::error::Error;
use std::fmt;

use diagnostic::Diagnostics;
use plan::Plan;
use render::{File, RenderError};
use selfcheck::SelfCheckFailed;
use source::Source;
use validate::Checked;

/// A compiled profile: its files, its plan and the warnings on the way.
#[derive(Debug)]
pub struct Compiled {
    /// The rendered files, in output order.
    pub files: Vec<File>,
    /// The `kustomization.yaml` that lists them, for a folder.
    pub kustomization: File,
    /// The resources the files hold.
    pub plan: Plan,
    /// Warnings about the profile.
    pub warnings: Diagnostics,
}

impl Compiled {
    /// Every file `render --out` writes: the rendered files, then `kustomization.yaml`. Takes
    /// the files rather than copying them: a large mesh renders to tens of megabytes.
    pub fn into_folder(self) -> Vec<File> {
        let mut files = self.files;
        files.push(self.kustomization);
        files
    }
}

/// Why a profile did not compile.
#[derive(Debug)]
pub enum Failure {
    /// The profile is invalid; the diagnostics say why.
    Invalid(Diagnostics),
    /// meshc failed on its own: a bug in meshc.
    Internal(InternalError),
}

/// meshc failed on a valid profile: a bug in meshc, never the profile's fault. It keeps its
/// cause.
#[derive(Debug)]
pub enum InternalError {
    /// A template failed.
    Template(RenderError),
    /// The rendered files fail meshc's own check.
    SelfCheckFailed(SelfCheckFailed),
    /// The simulator cannot read the rendered files.
    Simulation(simulate::Refused),
}

impl fmt::Display for InternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("meshc failed on its own output, so nothing was written")
    }
}

impl Error for InternalError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Template(error) => Some(error),
            Self::SelfCheckFailed(error) => Some(error),
            Self::Simulation(error) => Some(error),
        }
    }
}

/// Parses and validates a profile.
pub fn check(source: &Source) -> Result<Checked, Diagnostics> {
    let raw = profile::load(source)?;
    validate::check(&raw)
}

/// Runs every stage but emitting.
pub fn compile(source: &Source) -> Result<Compiled, Failure> {
    let checked = check(source).map_err(Failure::Invalid)?;
    let plan = plan::build(&checked.profile);
    let header = header(source.name());
    let template = |error| Failure::Internal(InternalError::Template(error));
    let files = render::render(&plan, &header).map_err(template)?;
    selfcheck::check(&files, &checked.profile)
        .map_err(|failed| Failure::Internal(InternalError::SelfCheckFailed(failed)))?;
    let mut warnings = checked.warnings;
    match prove::check(&files, &checked.profile) {
        Ok(()) => {}
        // A profile refused by its proofs still hears about its warnings, as one refused
        // earlier does.
        Err(prove::ProofFailure::Failed(diagnostics)) => {
            warnings.extend(diagnostics);
            return Err(Failure::Invalid(warnings));
        }
        Err(prove::ProofFailure::Unreadable(refused)) => {
            return Err(Failure::Internal(InternalError::Simulation(refused)));
        }
    }
    Ok(Compiled {
        kustomization: render::kustomization(&files, &header).map_err(template)?,
        files,
        plan,
        warnings,
    })
}

/// The comment that opens every file: where it came from and that it is generated. It holds no
/// time, version or absolute path, so the same profile always gives the same bytes, however
/// its path is spelled ([`shown_path`]).
fn header(profile: &str) -> String {
    let shown = shown_path(std::path::Path::new(profile));
    format!(
        "{} from {shown}. Do not edit: change the profile,\nthen run `meshc render {shown} --out <folder>` again.",
        emit::HEADER_MARK.trim_start_matches("# ")
    )
}

/// How the header names a profile: its path from the root of the Git repository that holds
/// it (the folder with `.git`), which works from there and is the same whether the profile was
/// given as `./profiles/p.toml`, `/abs/.../profiles/p.toml` or `p.toml` from `profiles/`.
/// Outside a repository, its path from the current folder when it lies below it, else the file
/// name alone; a profile not on disk (standard input, a test), its name as given, without a
/// leading `./`.
fn shown_path(path: &std::path::Path) -> String {
    let slashed = |p: &std::path::Path| {
        p.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    };
    let Ok(full) = path.canonicalize() else {
        return slashed(path.strip_prefix(".").unwrap_or(path));
    };
    let root = full
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .map(std::path::Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok()?.canonicalize().ok());
    match root
        .as_deref()
        .and_then(|root| full.strip_prefix(root).ok())
    {
        Some(inside) => slashed(inside),
        None => full
            .file_name()
            .map_or_else(|| slashed(path), |n| n.to_string_lossy().into_owned()),
    }
}
