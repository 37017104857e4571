//! `meshc explain-code [CODE]`: a diagnostic code's document, as `rustc --explain` prints one,
//! or every code with its summary.

use std::fmt::Write as _;

use clap::Args;

use super::{Exit, Output, write_stdout};
use crate::diagnostic::Code;
use crate::diagnostic::suggest;

/// Arguments of `meshc explain-code`.
#[derive(Debug, Args)]
pub(super) struct ExplainCodeArgs {
    /// The code, as printed in `error[<code>]`; without it, every code is listed.
    code: Option<String>,
}

impl ExplainCodeArgs {
    pub(super) fn run(self, output: &Output) -> Exit {
        let Some(name) = self.code else {
            return write_stdout(&list(), output);
        };
        match Code::from_name(&name) {
            Some(code) => write_stdout(code.doc(), output),
            None => {
                let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
                let hint = suggest::help_for(&name, &names).unwrap_or_else(|| {
                    "`meshc explain-code` with no argument lists every code".to_string()
                });
                output.trouble(&format!("meshc has no diagnostic code `{name}`; {hint}"))
            }
        }
    }
}

/// Every code, its severity, where it fires and what it catches, one per line.
fn list() -> String {
    let width = Code::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for code in Code::ALL {
        let _ = writeln!(
            text,
            "{:width$}  {:7}  {:7}  {}",
            code.as_str(),
            code.severity().as_str(),
            code.fires().as_str(),
            code.summary()
        );
    }
    text
}
