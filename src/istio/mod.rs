//! The Istio checker: Istio YAML checked as the API server and istiod would check it. Every
//! document against a schema of its kind (meshc's built-in schemas, or the CRDs a user supplies,
//! CEL rules included) and istiod's admission webhook rules, then the bundle against rules
//! across resources. It knows nothing of profiles: `meshc verify` hands it files and folders,
//! and the compiler's self-check ([`crate::selfcheck`]) the files it rendered.
//!
//! [`check`] and [`check_paths`] are the entry points; both feed a [`Checker`] one file at a
//! time. The pieces: [`files`] (the folder walk and capped reads), [`document`] (files into
//! documents), [`crd`] and [`schema`] (structural schemas), [`cel`] (the CEL evaluator),
//! [`metadata`], [`webhook`], [`rules`] (across resources, with the [`Inventory`] they judge
//! references against), [`finding`] (what is reported) and [`vocab`] (the Istio vocabulary the
//! compiler shares).

pub mod cel;
mod checker;
pub mod crd;
pub mod document;
pub mod files;
pub mod finding;
pub mod metadata;
mod object;
pub mod rules;
pub mod schema;
pub mod vocab;
pub mod webhook;

use std::path::PathBuf;

pub use checker::Checker;
pub use crd::{CrdError, Crds};
pub use document::{Document, Problem};
pub use files::ReadError;
pub use finding::{Code, Family, Finding, Level};
pub use rules::{Inventory, Workload};

use vocab::IstioVersion;

/// What each document is checked against.
#[derive(Debug, Clone, Copy)]
pub enum Schemas<'a> {
    /// meshc's built-in schemas and the apiVersions of the target release.
    Builtin(IstioVersion),
    /// CustomResourceDefinitions.
    Crds(&'a Crds),
    /// Nothing: the webhook's rules and the rules across resources only.
    Nothing,
}

/// How to check.
#[derive(Debug)]
pub struct Options<'a> {
    /// What each document is checked against.
    pub schemas: Schemas<'a>,
    /// Whether istiod's admission webhook rules ([`webhook`]) run on each document.
    pub webhook: bool,
    /// The services and workloads that exist, when the caller knows them all; `None`: what the
    /// files declare, and what they cannot tell is not judged. The gateways of an
    /// IstioOperator among the files are added either way.
    pub inventory: Option<Inventory>,
    /// The name of the file meant for `istioctl install -f`, which must hold exactly one
    /// object.
    pub install_file: Option<&'a str>,
}

/// One YAML file to check, already in memory.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The name findings give for it.
    pub name: &'a str,
    /// Its text.
    pub text: &'a str,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Every finding, in the order of the files given, then document and line.
    pub findings: Vec<Finding>,
    /// How many objects (documents that are not empty) were checked.
    pub objects: usize,
}

impl Report {
    /// How many findings have this level.
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }

    /// The errors, leaving out warnings and notes.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.level == Level::Error)
    }
}

/// Checks files in memory. A large bundle (a megabyte of YAML or more) is read on several
/// threads.
pub fn check(inputs: &[Input<'_>], options: Options<'_>) -> Report {
    let bytes: usize = inputs.iter().map(|input| input.text.len()).sum();
    let read = |input: &Input<'_>| document::read(input.name, input.text);
    let read: Vec<_> = if bytes >= checker::PARALLEL_FROM_BYTES {
        checker::in_parallel(inputs, read)
    } else {
        inputs.iter().map(read).collect()
    };
    let mut checker = Checker::new(options);
    for (input, (documents, error)) in inputs.iter().zip(read) {
        checker.add_read(input.name, documents, error);
    }
    checker.finish()
}

/// Checks files on disk: the files named, and the YAML files below each folder named
/// ([`files::yaml_files`]), each read and checked in turn. Any file or folder that cannot be
/// read ends the check.
pub fn check_paths(paths: &[PathBuf], options: Options<'_>) -> Result<Report, ReadError> {
    let mut checker = Checker::new(options);
    for path in files::yaml_files(paths)? {
        let text = files::read(&path)?;
        checker.add(Input {
            name: &path.to_string_lossy(),
            text: &text,
        });
    }
    Ok(checker.finish())
}
