//! `meshc schema`: the profile format as JSON Schema, for editors.

use std::io::Write;

use super::Exit;
use crate::profile;

/// Prints the schema.
pub(super) fn run() -> Exit {
    let schema = profile::schema();
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    match writeln!(std::io::stdout(), "{text}") {
        Ok(()) => Exit::Success,
        Err(error) => {
            eprintln!("error: cannot write to stdout: {error}");
            Exit::Trouble
        }
    }
}
