//! `meshc validate PROFILE`.

use std::path::PathBuf;

use clap::Args;

use super::{Exit, Output, load};
use crate::{Failure, compile};

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
        // Compiled in memory, so that the expectations are checked against the files a render
        // would write.
        match compile(&source) {
            Ok(compiled) => output.profile_diagnostics(&source, compiled.warnings),
            Err(Failure::Invalid(diagnostics)) => output.profile_diagnostics(&source, diagnostics),
            Err(Failure::Internal(error)) => output.internal(&source, &error),
        }
    }
}
