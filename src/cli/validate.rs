//! `meshc validate PROFILE`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::{Exit, Output, Rendered, load};
use crate::pipeline::{Failure, Handed, compile_written_beside};
use crate::render::File;

/// Arguments of `meshc validate`.
#[derive(Debug, Args)]
pub(super) struct ValidateArgs {
    /// The profile (TOML).
    profile: PathBuf,
    /// Print no summary line on success (warnings and errors are still printed).
    #[arg(long, short = 'q')]
    pub(super) quiet: bool,
}

impl ValidateArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let source = match load(&self.profile, output) {
            Ok(source) => source,
            Err(exit) => return exit,
        };
        // The whole render but writing, so that the summary says what `render` would write, a
        // valid profile is one that renders, and the expectations are checked against the
        // files a render would write.
        // A one-folder profile's files are counted as soon as they are rendered, and not kept
        // through the proofs.
        let mut counted = None;
        let mut count = |files: Vec<Arc<File>>| {
            counted = Some(Rendered::of_folder(files.iter().map(Arc::as_ref)));
        };
        match compile_written_beside(&source, &mut count) {
            Ok(Handed::Beside(warnings)) => {
                let Some(counted) = counted else {
                    unreachable!("a compile that handed its files on counted them")
                };
                output.rendered(counted);
                output.profile_diagnostics(&source, warnings)
            }
            Ok(Handed::Written(mut compiled)) => {
                let warnings = std::mem::take(&mut compiled.warnings);
                output.rendered(Rendered::of(&compiled.into_stream()));
                output.profile_diagnostics(&source, warnings)
            }
            Err(Failure::Invalid(diagnostics)) => output.profile_diagnostics(&source, diagnostics),
            Err(Failure::Internal(error)) => output.internal(&source, &error),
        }
    }
}
