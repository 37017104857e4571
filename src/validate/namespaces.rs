//! `[services.<name>] namespace`: a service's own workload namespace.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Name;
use crate::profile::raw::{RawProfile, RawService};

impl Checker {
    /// The namespace of a service: its own, or the mesh's. A mesh namespace that is not a name
    /// gives `None` without a second diagnostic (`[mesh]` reports it).
    pub(super) fn service_namespace(
        &mut self,
        raw: &RawService,
        profile: &RawProfile,
    ) -> Option<Name> {
        let Some(own) = &raw.namespace else {
            let mesh = profile
                .mesh
                .namespace
                .as_ref()
                .map_or("default", |n| n.as_str());
            return Name::parse(mesh).ok();
        };
        let name = self.name(own)?;
        let root = profile
            .mesh
            .root_namespace
            .as_ref()
            .map_or("istio-system", |n| n.as_str());
        if name.as_str() == root {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    own.span(),
                    format!("workloads cannot live in the root namespace `{root}`"),
                )
                .label("the root namespace")
                .help("policies in the root namespace apply to the whole mesh; use a namespace of its own"),
            );
            return None;
        }
        Some(name)
    }
}
