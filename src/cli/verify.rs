//! `meshc verify PATH... [--crds FILE|DIR]`: checks any Istio YAML, hand-written too, with the
//! Istio checker ([`crate::istio`]); this file only turns its report into output.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, MessageFormat, Output};
use crate::istio::{self, Crds, Level, Options, Report, Schemas};

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
            Err(error) => return output.trouble(&error.to_string()),
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
            Err(error) => return output.trouble(&error.to_string()),
        };
        print(output, &report, crds.is_empty());
        if report.count(Level::Error) > 0 {
            Exit::Invalid
        } else {
            Exit::Success
        }
    }
}

fn print(output: &Output, report: &Report, no_crds: bool) {
    let mut text = String::new();
    match output.format {
        MessageFormat::Json => {
            for finding in &report.findings {
                let mut object = serde_json::to_value(finding).unwrap_or_default();
                if let Some(map) = object.as_object_mut() {
                    map.insert(
                        "family".into(),
                        serde_json::to_value(finding.family()).unwrap_or_default(),
                    );
                }
                text.push_str(&object.to_string());
                text.push('\n');
            }
        }
        MessageFormat::Human => {
            for finding in &report.findings {
                text.push_str(&finding.to_string());
                text.push('\n');
            }
            if no_crds {
                text.push_str(
                    "note: no --crds given: objects were not checked against their schemas\n",
                );
            }
            let _ = writeln!(
                text,
                "{} objects checked, {} errors, {} warnings",
                report.objects,
                report.count(Level::Error),
                report.count(Level::Warning)
            );
        }
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
