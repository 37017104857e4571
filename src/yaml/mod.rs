//! YAML read the way kubectl reads it, every value with its line: the stream split into
//! documents ([`read`]) and the value tree ([`Node`], [`Value`]), walked by the field paths of
//! [`crate::diagnostic::Path`].
//!
//! Shared by the Istio checker ([`crate::istio`]) and the semantic diff; it knows nothing of
//! Istio or of profiles.

mod fast;
pub(crate) mod node;
mod scalar;
mod stream;

pub(crate) use node::{Node, Value, from_json, short, to_json};
pub(crate) use stream::{PieceUse, SyntaxError, read, read_each, read_piece};

/// The `.yaml` and `.yml` files below `dir` of the repository (`tests/fixtures`, `out`), in
/// path order, for the tests that hold the readers and rules against every one of them.
#[cfg(test)]
pub(crate) fn files_below(dir: &str) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
        &mut found,
    );
    found.sort();
    found
}
