//! Why two sides cannot be compared.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::Utf8Error;

use crate::yaml::SyntaxError;

/// Why a side cannot be read, or two sides cannot be compared.
#[derive(Debug)]
pub enum Error {
    /// A file that is not valid YAML.
    Yaml {
        /// The file.
        file: String,
        /// Where and why reading stopped.
        source: SyntaxError,
    },
    /// A document that is not a Kubernetes object with a `kind` and a `metadata.name`.
    NotAnObject {
        /// The file.
        file: String,
        /// 0-based index of the document in its file.
        document: usize,
    },
    /// A file that is not UTF-8 text.
    NotUtf8 {
        /// The file.
        file: String,
        /// Where its first bad byte is.
        source: Utf8Error,
    },
    /// One side holds an object twice, so the comparison would be ambiguous.
    Twice {
        /// The side, as the user named it.
        side: String,
        /// The object, `Kind namespace/name`.
        resource: String,
    },
    /// A folder that cannot be read.
    Read {
        /// The folder.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// A problem with a file of a rendered folder.
    InFolder {
        /// The folder; the inner error names the file in it.
        dir: PathBuf,
        /// The problem.
        source: Box<Error>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Yaml { file, source } => write!(
                f,
                "{file}:{}:{}: not valid YAML: {}",
                source.line, source.column, source.message
            ),
            Self::NotAnObject { file, document } => write!(
                f,
                "{file}: document {} has no `kind` or `metadata.name`; meshc diff compares \
                 Kubernetes objects",
                document + 1
            ),
            Self::NotUtf8 { file, .. } => write!(f, "{file} is not UTF-8 text"),
            Self::Twice { side, resource } => write!(
                f,
                "{side} holds {resource} twice; meshc diff needs each object once"
            ),
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::InFolder { dir, source } => write!(f, "{}/{source}", dir.display()),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Yaml { source, .. } => Some(source),
            Self::NotUtf8 { source, .. } => Some(source),
            Self::Read { source, .. } => Some(source),
            Self::InFolder { source, .. } => Some(source.as_ref()),
            Self::NotAnObject { .. } | Self::Twice { .. } => None,
        }
    }
}
