//! Stage 5b, the proofs: the rendered files read back into meshc's simulation of Istio
//! ([`crate::simulate`]), over the workloads the profile describes ([`crate::topology`]), and
//! every `[[expect]]` of the profile sent through them. A request that does not get the outcome
//! its expect states is an `expectation-failed` error at the expect, saying what happened
//! instead and which resource decided.

mod expect;

use crate::diagnostic::Diagnostics;
use crate::istio::document;
use crate::model::Profile;
use crate::render::File;
use crate::simulate::{Mesh, Refused};
use crate::topology;

/// Why the rendered files do not prove what the profile says.
#[derive(Debug)]
pub enum ProofFailure {
    /// Expectations or guarantees that do not hold: the profile's to fix.
    Failed(Diagnostics),
    /// The simulator cannot read the rendered files: a bug in meshc.
    Unreadable(Refused),
}

/// Runs the profile's expectations against its rendered files.
pub fn check(files: &[File], profile: &Profile) -> Result<(), ProofFailure> {
    if profile.expects.is_empty() {
        return Ok(());
    }
    let topology = topology::of(profile);
    let mut documents = Vec::new();
    for file in files {
        documents.extend(document::read(file.name, &file.content).0);
    }
    let mesh = Mesh::from_documents(&documents, &topology)
        .map_err(|errors| ProofFailure::Unreadable(Refused(errors)))?;
    let mut failed = Diagnostics::new();
    for expectation in &profile.expects {
        if let Some(diagnostic) = expect::check(&mesh, profile, expectation) {
            failed.push(diagnostic);
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ProofFailure::Failed(failed))
    }
}
