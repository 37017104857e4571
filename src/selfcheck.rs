//! Stage 5, the self-check: the rendered files read back and handed to the Istio checker
//! ([`crate::istio`]) in a closed world, with the profile's services and workloads as the
//! inventory the rules judge references against. It runs every rule `meshc verify` runs: the
//! schemas (meshc's built-in ones for the target release), the admission webhook's rules and
//! the rules across resources. Any error is a bug in meshc: the render fails and nothing is
//! written.

use std::fmt;

use crate::diagnostic::{Diagnostic, Severity};
use crate::istio::{self, Document, Input, Inventory, Options, Schemas, Workload, World};
use crate::model::Profile;
use crate::render::{File, OPERATOR_FILE};
use crate::simulate::Decoded;
use crate::source::Source;

/// The rendered files fail meshc's own check: a bug in meshc.
#[derive(Debug)]
pub struct SelfCheckFailed {
    /// Every error found, in the rendered files.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of each rendered file they point into.
    pub sources: Vec<Source>,
}

impl fmt::Display for SelfCheckFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.diagnostics.len();
        write!(
            f,
            "the rendered files fail meshc's own check ({count} {})",
            if count == 1 { "error" } else { "errors" }
        )
    }
}

impl std::error::Error for SelfCheckFailed {}

/// Checks the rendered files of `profile`; `Err` holds every error found.
pub fn verify(files: &[File], profile: &Profile) -> Result<(), SelfCheckFailed> {
    check(files, profile, |(): &mut (), _| {}).map(drop)
}

/// [`verify`], decoding each document for the simulator as it is read: the proofs simulate
/// the documents the self-check read, without reading the files again or keeping their trees.
pub(crate) fn verify_decoding(
    files: &[File],
    profile: &Profile,
) -> Result<Decoded, SelfCheckFailed> {
    check(files, profile, Decoded::add).map(Decoded::join)
}

/// [`verify`], giving back a copy of every document it read, whole, in the order of the files
/// (the proofs' benchmark times [`crate::prove::check_documents`] on them).
pub fn verify_keeping(files: &[File], profile: &Profile) -> Result<Vec<Document>, SelfCheckFailed> {
    let kept = check(files, profile, |kept: &mut Vec<Document>, document| {
        kept.push(document.clone());
    })?;
    Ok(kept.into_iter().flatten().collect())
}

/// The self-check, with `visit` seeing each document whole as it is read, with a state for each
/// file or piece of one ([`istio::check_visiting`]); the states, in the order of the documents.
fn check<V: Default + Send>(
    files: &[File],
    profile: &Profile,
    visit: impl Fn(&mut V, &Document) + Sync,
) -> Result<Vec<V>, SelfCheckFailed> {
    let inputs: Vec<Input<'_>> = files
        .iter()
        .map(|file| Input {
            name: &file.name,
            text: &file.content,
        })
        .collect();
    let (report, states) = istio::check_visiting(
        &inputs,
        Options {
            webhook: true,
            // The profile declares the whole mesh.
            world: World::Closed,
            inventory: inventory(profile),
            install_file: Some(OPERATOR_FILE),
            ..Options::new(Schemas::Builtin(profile.mesh.istio_version))
        },
        visit,
    );
    if report.errors().next().is_none() {
        return Ok(states);
    }
    let mut diagnostics = report.diagnostics;
    diagnostics.retain(|d| d.severity == Severity::Error);
    Err(SelfCheckFailed {
        diagnostics,
        sources: report.sources,
    })
}

/// Everything the profile declares: its services and the pods behind them. The gateways come
/// from the rendered IstioOperator, which the checker reads itself.
fn inventory(profile: &Profile) -> Inventory {
    let mut inventory = Inventory::default();
    for service in &profile.services {
        let namespace = service.namespace.as_str();
        inventory.add_service(service.name.as_str(), namespace);
        inventory.add_workload(Workload {
            namespace: namespace.to_string(),
            labels: service
                .labels
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        });
    }
    // istiod's Service, which a primary with remote clusters exposes on its east-west gateway.
    if matches!(&profile.placement, Some(crate::model::Placement::Primary { remotes }) if !remotes.is_empty())
    {
        let istiod = match &profile.mesh.revision {
            Some(revision) => format!("istiod-{revision}"),
            None => "istiod".to_string(),
        };
        inventory.add_service(&istiod, profile.mesh.root_namespace.as_str());
    }
    inventory
}
