//! YAML files on disk: the files a user names, folders searched for `*.yaml` and `*.yml`, and
//! each one read whole but never past [`MAX_YAML_BYTES`].
//!
//! A folder walk never follows a link to a folder (two links to their own folder would make it
//! endless, and one to a parent reads every file again), and never opens what is not a regular
//! file (reading a FIFO waits for a writer forever): both are passed over and reported.

use std::error::Error;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::str::Utf8Error;

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::limits::{MAX_YAML_BYTES, read_at_most, read_capped};

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

/// What a search of the paths given found.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// The files to read: those named, in the order given, with each folder replaced by the
    /// YAML files below it, in name order.
    pub files: Vec<PathBuf>,
    /// Entries of walked folders passed over, in the order met.
    pub skipped: Vec<Skipped>,
}

/// An entry of a walked folder that is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// The entry.
    pub path: PathBuf,
    /// Why it is passed over.
    pub reason: &'static str,
}

impl Skipped {
    /// The `skipped-file` note that says so.
    pub(crate) fn note(&self) -> Diagnostic {
        let file = self.path.to_string_lossy();
        Diagnostic::new(
            Code::SkippedFile,
            Span::File(file.as_ref().into()),
            format!("passed over: {}", self.reason),
        )
    }
}

/// The files named, and the YAML files below each folder named ([`Listing`]). A file named
/// explicitly is read whatever it is (`<(...)` is a pipe).
pub(crate) fn yaml_files(paths: &[PathBuf]) -> Result<Listing, ReadError> {
    let mut listing = Listing::default();
    for path in paths {
        if std::fs::metadata(path).map_err(io_error(path))?.is_dir() {
            walk(path, &mut listing)?;
        } else {
            listing.files.push(path.clone());
        }
    }
    Ok(listing)
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Adds the YAML files below `dir`. Links are looked at, never through, to tell a link to a
/// folder (passed over) from one to a file (read); the walk only descends into real folders,
/// so it ends.
fn walk(dir: &Path, listing: &mut Listing) -> Result<(), ReadError> {
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .map(|entry| entry.and_then(|e| Ok((e.path(), e.file_type()?))))
        .collect::<Result<_, _>>()
        .map_err(io_error(dir))?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        if kind.is_dir() {
            walk(&path, listing)?;
            continue;
        }
        let target = if kind.is_symlink() {
            // A dangling link has no target: passed over like anything else unreadable.
            std::fs::metadata(&path).ok().map(|m| m.file_type())
        } else {
            Some(kind)
        };
        let reason = match target {
            Some(target) if target.is_dir() => "a link to a folder, which is not followed",
            Some(target) if target.is_file() => {
                if is_yaml(&path) {
                    listing.files.push(path);
                }
                continue;
            }
            _ if !is_yaml(&path) => continue,
            Some(_) => "not a regular file (a FIFO, socket or device), which is not opened",
            None => "a link to nothing",
        };
        listing.skipped.push(Skipped { path, reason });
    }
    Ok(())
}

/// The text of one file, refused unread when its size is over the limit ([`read_at_most`]).
pub(crate) fn read(path: &Path) -> Result<String, ReadError> {
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    text(read_at_most(file, MAX_YAML_BYTES), path)
}

/// The text `reader` gives (a file, or standard input named `path`), with the limit of
/// [`read`].
pub(crate) fn read_from(reader: impl Read, path: &Path) -> Result<String, ReadError> {
    read_limited(reader, path, MAX_YAML_BYTES)
}

fn read_limited(reader: impl Read, path: &Path, limit: usize) -> Result<String, ReadError> {
    text(read_capped(reader, limit, 0), path)
}

/// The text of bytes read within the limit, or why there is none.
fn text(bytes: io::Result<Option<Vec<u8>>>, path: &Path) -> Result<String, ReadError> {
    let bytes = bytes
        .map_err(io_error(path))?
        .ok_or_else(|| ReadError::TooLarge {
            path: path.to_path_buf(),
        })?;
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
        assert_eq!(found.skipped, []);
        let names: Vec<_> = found
            .files
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

    /// Links that loop, a link to a parent, FIFOs and a socket: none is followed or opened, and
    /// the walk ends at once, with each passed-over YAML entry or folder link named once.
    #[cfg(unix)]
    #[test]
    fn walks_pass_over_links_to_folders_and_what_is_not_a_file() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.yaml"), "a: 1\n").unwrap();
        symlink(".", root.join("sub/self")).unwrap();
        symlink("..", root.join("sub/parent.yaml")).unwrap();
        symlink("a.yaml", root.join("sub/link.yml")).unwrap();
        symlink("missing", root.join("sub/dangling.yaml")).unwrap();
        // Odd entries not named like YAML are not the walk's business: no note.
        symlink("missing", root.join("sub/dangling.txt")).unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            root.join("pipe.txt"),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let fifo = rustix::fs::mkfifoat(
            rustix::fs::CWD,
            root.join("pipe.yaml"),
            rustix::fs::Mode::from_raw_mode(0o600),
        );
        fifo.unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(root.join("socket.yaml")).unwrap();
        let found = yaml_files(&[root.to_path_buf()]).unwrap();
        let name = |p: &Path| p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let files: Vec<_> = found.files.iter().map(|p| name(p)).collect();
        assert_eq!(files, ["sub/a.yaml", "sub/link.yml"]);
        let skipped: Vec<_> = found
            .skipped
            .iter()
            .map(|s| (name(&s.path), s.reason))
            .collect();
        assert_eq!(
            skipped,
            [
                (
                    "pipe.yaml".to_string(),
                    "not a regular file (a FIFO, socket or device), which is not opened"
                ),
                (
                    "socket.yaml".to_string(),
                    "not a regular file (a FIFO, socket or device), which is not opened"
                ),
                ("sub/dangling.yaml".to_string(), "a link to nothing"),
                (
                    "sub/parent.yaml".to_string(),
                    "a link to a folder, which is not followed"
                ),
                (
                    "sub/self".to_string(),
                    "a link to a folder, which is not followed"
                ),
            ]
        );
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
