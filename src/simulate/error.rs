//! Why a set of documents cannot be simulated: a resource of a kind the simulator reads holds a
//! value Istio would not accept either (a field of the wrong type, a regex RE2 refuses), or the
//! topology contradicts itself. Each error is placed at its file and line.

use std::fmt;

use serde::Serialize;

/// One reason [`Mesh::from_documents`](super::Mesh::from_documents) refused its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompileError {
    /// The file, as given to the reader (empty for the topology).
    pub file: String,
    /// The line of the offending value (0 for the topology).
    pub line: u32,
    /// `Kind namespace/name`, or `topology`.
    pub resource: String,
    /// What is wrong.
    pub message: String,
}

impl CompileError {
    /// An error of the topology, which has no file.
    pub(crate) fn topology(message: impl Into<String>) -> Self {
        Self {
            file: String::new(),
            line: 0,
            resource: "topology".to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            write!(f, "{}: {}", self.resource, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.file, self.line, self.resource, self.message
            )
        }
    }
}

impl std::error::Error for CompileError {}

/// Every reason a set of documents could not be simulated, as one error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Vec<CompileError>);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the simulator cannot read the rendered resources")?;
        for error in &self.0 {
            write!(f, "\n  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}
