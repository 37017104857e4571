//! `meshc verify PATH... [--crds FILE|DIR] [--namespace NS] [--closed-world]`: checks any
//! Istio YAML, hand-written too, with the Istio checker ([`crate::istio`]); this file only
//! turns its report into output.

use std::path::PathBuf;

use clap::Args;

use super::{Exit, Output};
use crate::diagnostic::render::Files;
use crate::istio::metadata::is_dns_label;
use crate::istio::{self, Crds, Options, Schemas, World};

/// Arguments of `meshc verify`.
#[derive(Debug, Args)]
pub(super) struct VerifyArgs {
    /// YAML files, folders searched for `*.yaml` and `*.yml`, or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// CustomResourceDefinitions to check against (a file or folder, such as the output of
    /// `kubectl get crd -o yaml`); may be given more than once.
    #[arg(long, value_name = "FILE|DIR")]
    crds: Vec<PathBuf>,
    /// The namespace of objects that name none, as `kubectl apply --namespace` takes it.
    #[arg(long, short = 'n', value_name = "NS", default_value = istio::document::DEFAULT_NAMESPACE, value_parser = namespace)]
    namespace: String,
    /// The files are the whole configuration: a reference to a Gateway, DestinationRule
    /// subset, Service, workload or telemetry provider they do not define is an error (by
    /// default it is a note, since it may be defined in a file not given).
    #[arg(long)]
    closed_world: bool,
}

/// A namespace as Kubernetes names them.
fn namespace(value: &str) -> Result<String, String> {
    if is_dns_label(value) {
        Ok(value.to_string())
    } else {
        Err(
            "not a namespace name: a DNS-1123 label (lower-case letters, digits and '-', at \
             most 63 characters)"
                .to_string(),
        )
    }
}

impl VerifyArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        if self.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
            return output.trouble("standard input (`-`) can be read only once");
        }
        let crds = match Crds::load(&self.crds) {
            Ok(crds) => crds,
            Err(error) => return output.error(&error),
        };
        let options = Options {
            world: if self.closed_world {
                World::Closed
            } else {
                World::Open
            },
            namespace: &self.namespace,
            ..Options::new(if crds.is_empty() {
                Schemas::Nothing
            } else {
                Schemas::Crds(&crds)
            })
        };
        let report = match istio::check_paths(&self.paths, options) {
            Ok(report) => report,
            Err(error) => return output.error(&error),
        };
        output.checked_yaml(&report, !crds.is_empty(), &self.namespace);
        output.diagnostics(&Files::yaml(&report.sources), &report.diagnostics);
        Exit::for_diagnostics(&report.diagnostics)
    }
}
