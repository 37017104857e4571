//! `meshc explain PROFILE [--service NAME]`.

use std::path::PathBuf;

use clap::Args;

use super::{Exit, Output, load_compiled, steps, write_stdout};
use crate::diagnostic::suggest;
use crate::explain::explain;

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
        let (_, compiled) = match load_compiled(&self.profile, output) {
            Ok(loaded) => loaded,
            Err(exit) => return exit,
        };
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
