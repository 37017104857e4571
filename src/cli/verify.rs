//! `meshc verify PATH... [--crds FILE|DIR]`: checks any Istio YAML, hand-written too, with the
//! Istio checker ([`crate::istio`]); this file only turns its report into output.

use std::path::PathBuf;

use clap::Args;

use super::{Exit, Output};
use crate::diagnostic::render::Files;
use crate::istio::{self, Crds, Options, Schemas};

/// Arguments of `meshc verify`.
#[derive(Debug, Args)]
pub(super) struct VerifyArgs {
    /// YAML files, or folders searched for `*.yaml` and `*.yml`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// CustomResourceDefinitions to check against (a file or folder, such as the output of
    /// `kubectl get crd -o yaml`); may be given more than once.
    #[arg(long, value_name = "FILE|DIR")]
    crds: Vec<PathBuf>,
}

impl VerifyArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let crds = match Crds::load(&self.crds) {
            Ok(crds) => crds,
            Err(error) => return output.error(&error),
        };
        let options = Options {
            schemas: if crds.is_empty() {
                Schemas::Nothing
            } else {
                Schemas::Crds(&crds)
            },
            webhook: true,
            inventory: None,
            install_file: None,
        };
        let report = match istio::check_paths(&self.paths, options) {
            Ok(report) => report,
            Err(error) => return output.error(&error),
        };
        output.checked_yaml(report.files, report.objects, !crds.is_empty());
        output.diagnostics(&Files::yaml(&report.sources), &report.diagnostics);
        Exit::for_diagnostics(&report.diagnostics)
    }
}
