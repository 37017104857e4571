//! YAML files on disk: the files a user names, folders searched for `*.yaml` and `*.yml`, and
//! each one read whole but never past [`MAX_YAML_BYTES`].

use std::error::Error;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::str::Utf8Error;

use crate::limits::MAX_YAML_BYTES;

/// Why a file or folder could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file system refused: a missing path, a folder that cannot be listed, a failed read.
    Io {
        /// The path, as given or as found in a folder.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// A file larger than [`MAX_YAML_BYTES`].
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// A file that is not UTF-8 text.
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Where its first bad byte is.
        source: Utf8Error,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::TooLarge { path } => write!(
                f,
                "{} is larger than {} MiB",
                path.display(),
                MAX_YAML_BYTES >> 20
            ),
            Self::NotUtf8 { path, source } => write!(
                f,
                "{} is not UTF-8 text (byte {})",
                path.display(),
                source.valid_up_to()
            ),
        }
    }
}

impl Error for ReadError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::NotUtf8 { source, .. } => Some(source),
            Self::TooLarge { .. } => None,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ReadError + '_ {
    move |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The files named, in the order given, with each folder replaced by the YAML files below it,
/// in name order.
pub fn yaml_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReadError> {
    let mut out = Vec::new();
    for path in paths {
        if std::fs::metadata(path).map_err(io_error(path))?.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReadError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io_error(dir))?;
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// The text of one file; a file over the limit is refused after reading one byte past it.
pub fn read(path: &Path) -> Result<String, ReadError> {
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    read_from(file, path)
}

/// The text `reader` gives (a file, or standard input named `path`), with the limit of
/// [`read`].
pub fn read_from(reader: impl Read, path: &Path) -> Result<String, ReadError> {
    read_limited(reader, path, MAX_YAML_BYTES)
}

fn read_limited(reader: impl Read, path: &Path, limit: usize) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(u64::try_from(limit).unwrap_or(u64::MAX) + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error(path))?;
    if bytes.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        path: path.to_path_buf(),
        source: e.utf8_error(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_give_their_yaml_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("b")).unwrap();
        for name in ["b/z.YML", "a.yaml", "notes.txt", "c.yml"] {
            std::fs::write(root.join(name), "a: 1\n").unwrap();
        }
        let found = yaml_files(&[root.to_path_buf()]).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| {
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(names, ["a.yaml", "b/z.YML", "c.yml"]);
    }

    #[test]
    fn errors_name_the_path_and_keep_their_cause() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.yaml");
        let error = yaml_files(std::slice::from_ref(&missing)).unwrap_err();
        assert!(matches!(&error, ReadError::Io { path, .. } if *path == missing));
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot read {}: ", missing.display()))
        );
        let cause = error.source().and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(cause.map(io::Error::kind), Some(io::ErrorKind::NotFound));

        let latin1 = dir.path().join("latin1.yaml");
        std::fs::write(&latin1, b"a: caf\xe9\n").unwrap();
        let error = read(&latin1).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{} is not UTF-8 text (byte 6)", latin1.display())
        );
        assert!(matches!(error.source(), Some(cause) if cause.is::<Utf8Error>()));
    }

    #[test]
    fn a_stream_is_read_with_the_file_limit() {
        let stdin = Path::new("<stdin>");
        assert_eq!(read_from(&b"a: 1\n"[..], stdin).unwrap(), "a: 1\n");
        assert_eq!(read_limited(&b"a: 1\n"[..], stdin, 5).unwrap(), "a: 1\n");
        let error = read_limited(&b"a: 12\n"[..], stdin, 5).unwrap_err();
        assert!(matches!(error, ReadError::TooLarge { .. }));
        assert!(error.to_string().starts_with("<stdin> is larger than"));
        let error = read_from(&b"a: caf\xe9\n"[..], stdin).unwrap_err();
        assert!(matches!(error, ReadError::NotUtf8 { .. }));
    }
}
