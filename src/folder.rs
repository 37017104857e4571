//! Reading an output folder back: the entries it holds, by name, as `--check` and `diff` need.
//! A file is read up to [`MAX_YAML_BYTES`] and never further: a huge or sparse file in the
//! folder costs one bounded read, not all its bytes.

use std::fs;
use std::io;
use std::path::Path;

use crate::limits::{MAX_YAML_BYTES, read_at_most};

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File name.
    pub name: String,
    /// What it holds.
    pub content: Content,
}

/// What an entry of a folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// The bytes of a regular file.
    File(Vec<u8>),
    /// A regular file larger than [`MAX_YAML_BYTES`], not read past that.
    TooLarge,
    /// Anything else (a folder, a link, a socket), never read.
    Other,
}

impl Entry {
    /// The bytes of a regular file read whole.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Content::File(bytes) => Some(bytes),
            Content::TooLarge | Content::Other => None,
        }
    }
}

/// The entries of `dir`, sorted by name; `None` when `dir` does not exist. A folder inside
/// `dir` (a cluster's, in a render with `[clusters]`) is read one level deep, its entries named
/// `<folder>/<name>`; anything deeper is an entry that is never read.
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
        let kind = entry.file_type()?;
        if kind.is_dir() {
            for inner in fs::read_dir(entry.path())? {
                let inner = inner?;
                let inner_name = inner.file_name().to_string_lossy().into_owned();
                entries.push(Entry {
                    name: format!("{name}/{inner_name}"),
                    content: content(&inner)?,
                });
            }
            continue;
        }
        entries.push(Entry {
            name,
            content: content(&entry)?,
        });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(entries))
}

/// A regular file's bytes; anything else is never read.
fn content(entry: &fs::DirEntry) -> io::Result<Content> {
    if entry.file_type()?.is_file() {
        read_bounded(&entry.path())
    } else {
        Ok(Content::Other)
    }
}

/// A regular file's bytes, as [`read_at_most`] reads them.
fn read_bounded(path: &Path) -> io::Result<Content> {
    Ok(match read_at_most(fs::File::open(path)?, MAX_YAML_BYTES)? {
        Some(bytes) => Content::File(bytes),
        None => Content::TooLarge,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sparse file of 6 GB costs one bounded read (it would take 6 GB of memory whole).
    #[test]
    fn a_huge_sparse_file_is_not_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = fs::File::create(dir.path().join("virtual-services.yaml")).unwrap();
        file.set_len(6 << 30).unwrap();
        fs::write(dir.path().join("gateway.yaml"), "a: 1\n").unwrap();
        let entries = read(dir.path()).unwrap().unwrap();
        assert_eq!(
            entries,
            [
                Entry {
                    name: "gateway.yaml".into(),
                    content: Content::File(b"a: 1\n".to_vec()),
                },
                Entry {
                    name: "virtual-services.yaml".into(),
                    content: Content::TooLarge,
                },
            ]
        );
    }
}
