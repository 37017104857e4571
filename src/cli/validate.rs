//! `meshc validate PROFILE`.

use std::path::PathBuf;

use clap::Args;

use super::{Exit, Output, load};
use crate::check;

/// Arguments of `meshc validate`.
#[derive(Debug, Args)]
pub(super) struct ValidateArgs {
    /// The profile (TOML).
    profile: PathBuf,
}

impl ValidateArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let source = match load(&self.profile, output) {
            Ok(source) => source,
            Err(exit) => return exit,
        };
        match check(&source) {
            Ok(checked) => {
                if !checked.warnings.is_empty() {
                    output.diagnostics(&source, checked.warnings);
                }
                Exit::Success
            }
            Err(diagnostics) => {
                output.diagnostics(&source, diagnostics);
                Exit::Invalid
            }
        }
    }
}
