//! Stage 5b, the proofs: the rendered files read back into meshc's simulation of Istio
//! ([`crate::simulate`]), over the workloads the profile describes ([`crate::topology`]), and
//! requests sent through them: those that prove the security model's guarantees for this
//! profile (a `proof-failed` error at the profile value a broken one concerns), and every
//! `[[expect]]` of the profile (`expectation-failed` at the expect). Each error says what
//! happened instead and which resource decided.

mod egress;
mod expect;
mod guarantees;
mod index;
mod mtls;
mod ports;
mod preflight;
mod reach;
mod sample;

pub(crate) use expect::request as expect_request;

use crate::diagnostic::Diagnostics;
use crate::istio::{self, Document, Input, document};
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

/// Proves the security model's guarantees of the profile ([`guarantees`]) and runs its
/// expectations against its rendered files; gives back the mesh it simulated.
pub fn check(files: &[File], profile: &Profile) -> Result<Mesh, ProofFailure> {
    check_documents(&read(files), profile)
}

/// [`check`] on the documents of the rendered files, already read (by the self-check).
pub fn check_documents(documents: &[Document], profile: &Profile) -> Result<Mesh, ProofFailure> {
    let mesh = Mesh::from_documents(documents, &topology::of(profile))
        .map_err(|errors| ProofFailure::Unreadable(Refused(errors)))?;
    check_mesh(mesh, profile).map_err(ProofFailure::Failed)
}

/// The proofs of a mesh built from the rendered files (as the self-check decoded them), which
/// they give back; the expectations and guarantees that do not hold, if any.
pub(crate) fn check_mesh(mesh: Mesh, profile: &Profile) -> Result<Mesh, Diagnostics> {
    let mut failed = Diagnostics::new();
    for diagnostic in guarantees::check(&mesh, profile) {
        failed.push(diagnostic);
    }
    for expectation in &profile.expects {
        if let Some(diagnostic) = expect::check(&mesh, profile, expectation) {
            failed.push(diagnostic);
        }
    }
    if failed.is_empty() {
        Ok(mesh)
    } else {
        Err(failed)
    }
}

/// The rendered files of `profile` read back into the simulator, as Istio would read them,
/// over the workloads the profile describes: what the proofs, `meshc query` and `meshc graph`
/// send their requests through.
pub(crate) fn simulate(files: &[File], profile: &Profile) -> Result<Mesh, Refused> {
    Mesh::from_documents(&read(files), &topology::of(profile)).map_err(Refused)
}

/// Every document of the rendered files, read as the self-check reads them (on several threads
/// for a large mesh). meshc's own render names the namespace of every object; the default is
/// never used.
fn read(files: &[File]) -> Vec<Document<'_>> {
    let inputs: Vec<Input<'_>> = files
        .iter()
        .map(|file| Input {
            name: &file.name,
            text: &file.content,
        })
        .collect();
    istio::read_all(&inputs, document::DEFAULT_NAMESPACE)
        .into_iter()
        .flat_map(|(documents, _)| documents)
        .collect()
}
