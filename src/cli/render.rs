//! `meshc render PROFILE [--out DIR]`.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, Output, load};
use crate::{Failure, compile, emit};

/// Arguments of `meshc render`.
#[derive(Debug, Args)]
pub(super) struct RenderArgs {
    /// The profile (TOML).
    profile: PathBuf,
    /// Write the files into this folder, replacing it atomically, instead of printing them.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

impl RenderArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let source = match load(&self.profile, output) {
            Ok(source) => source,
            Err(exit) => return exit,
        };
        let compiled = match compile(&source) {
            Ok(compiled) => compiled,
            Err(Failure::Invalid(diagnostics)) => {
                output.diagnostics(&source, diagnostics);
                return Exit::Invalid;
            }
            Err(Failure::Internal(findings)) => return output.internal(&findings),
        };
        if !compiled.warnings.is_empty() {
            output.diagnostics(&source, compiled.warnings);
        }
        match &self.out {
            Some(dir) => match emit::write_dir(dir, &compiled.files) {
                Ok(()) => Exit::Success,
                Err(error) => output.trouble(&error.message),
            },
            None => {
                let stream = emit::stream(&compiled.files);
                match std::io::stdout().lock().write_all(stream.as_bytes()) {
                    Ok(()) => Exit::Success,
                    Err(error) => output.trouble(&format!("cannot write to stdout: {error}")),
                }
            }
        }
    }
}
