//! Stage 5b, the proofs: the rendered files read back into meshc's simulation of Istio
//! ([`crate::simulate`]), over the workloads the profile describes ([`crate::topology`]), and
//! requests sent through them: those that prove the security model's guarantees for this
//! profile (a `proof-failed` error at the profile value a broken one concerns), and every
//! `[[expect]]` of the profile (`expectation-failed` at the expect). Each error says what
//! happened instead and which resource decided.

mod egress;
mod expect;
mod guarantees;
mod mtls;
mod reach;

pub(crate) use expect::request as expect_request;

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

/// Proves the security model's guarantees of the profile ([`guarantees`]) and runs its
/// expectations against its rendered files.
pub fn check(files: &[File], profile: &Profile) -> Result<(), ProofFailure> {
    let mesh = simulate(files, profile).map_err(ProofFailure::Unreadable)?;
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
        Ok(())
    } else {
        Err(ProofFailure::Failed(failed))
    }
}

/// The rendered files of `profile` read back into the simulator, as Istio would read them,
/// over the workloads the profile describes: what the proofs, `meshc query` and `meshc graph`
/// send their requests through.
pub(crate) fn simulate(files: &[File], profile: &Profile) -> Result<Mesh, Refused> {
    // meshc's own render names the namespace of every object; the default is never used.
    let namespace = document::DEFAULT_NAMESPACE.into();
    let namespace = &namespace;
    // Reading YAML is most of the proofs' cost on a large mesh: one file per thread, as the
    // self-check reads them.
    let documents: Vec<_> = std::thread::scope(|scope| {
        let readers: Vec<_> = files
            .iter()
            .map(|file| scope.spawn(move || document::read(&file.name, &file.content, namespace).0))
            .collect();
        readers
            .into_iter()
            .flat_map(|reader| {
                reader
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    Mesh::from_documents(&documents, &topology::of(profile)).map_err(Refused)
}
