//! `meshc schema`: the profile format as JSON Schema, for editors.

use super::{Exit, Output, write_stdout};
use crate::profile;

/// Prints the schema.
pub(super) fn run(output: &Output) -> Exit {
    let schema = profile::schema();
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    write_stdout(&(text + "\n"), output)
}
