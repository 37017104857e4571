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
            Ok(checked) => output.profile_diagnostics(&source, checked.warnings),
            Err(diagnostics) => output.profile_diagnostics(&source, diagnostics),
        }
    }
}
