//! `meshc explain PROFILE [--service NAME]`.

use std::path::PathBuf;

use clap::Args;

use super::{Exit, Output, load, write_stdout};
use crate::diagnostic::suggest;
use crate::explain::explain;
use crate::pipeline::{Failure, compile};

/// Arguments of `meshc explain`.
#[derive(Debug, Args)]
pub(super) struct ExplainArgs {
    /// The profile (TOML).
    profile: PathBuf,
    /// Only this service.
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
}

impl ExplainArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let source = match load(&self.profile, output) {
            Ok(source) => source,
            Err(exit) => return exit,
        };
        let mut compiled = match compile(&source) {
            Ok(compiled) => compiled,
            Err(Failure::Invalid(diagnostics)) => {
                return output.profile_diagnostics(&source, diagnostics);
            }
            Err(Failure::Internal(error)) => return output.internal(&source, &error),
        };
        output.profile_diagnostics(&source, std::mem::take(&mut compiled.warnings));
        let text = match explain(&compiled.plan, self.service.as_deref()) {
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
