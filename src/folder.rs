//! Reading an output folder back: the entries it holds, by name, as `--check` and `diff` need.

use std::fs;
use std::io;
use std::path::Path;

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File name.
    pub name: String,
    /// The bytes of a regular file; `None` for anything else (a folder, a link, a socket).
    pub content: Option<Vec<u8>>,
}

/// The entries of `dir`, sorted by name; `None` when `dir` does not exist.
pub fn read(dir: &Path) -> io::Result<Option<Vec<Entry>>> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut entries = Vec::new();
    for entry in listing {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // `file_type` does not follow links: a link is reported, never read through.
        let content = if entry.file_type()?.is_file() {
            Some(fs::read(entry.path())?)
        } else {
            None
        };
        entries.push(Entry { name, content });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(entries))
}
