//! The workload namespaces as Kubernetes Namespaces, labelled so that Istio injects its pods'
//! sidecars and, in a mesh of several networks, knows their network.
//!
//! Labels from istio.io "Installing the Sidecar" (`istio-injection=enabled` selects the
//! namespace for the default injector) and "Install Multi-Primary on different networks"
//! (`topology.istio.io/network` on a namespace gives its pods' network). The root namespace is
//! not rendered: `istioctl install` creates it, and its network label is a manual step of
//! `meshc explain` because it must be in place before istiod starts.

use serde::Serialize;

use super::{Context, Label, label};

/// A Namespace object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Namespace {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`, in the order written.
    pub labels: Vec<Label>,
}

/// The workload namespaces, unless the profile leaves namespaces to someone else
/// (`manage-namespaces = false`).
pub(super) fn build(context: &Context<'_>) -> Vec<Namespace> {
    let mesh = &context.profile.mesh;
    if !mesh.manage_namespaces {
        return Vec::new();
    }
    context
        .namespaces()
        .into_iter()
        .map(|name| {
            // Never both labels: istio-injection wins over istio.io/rev (istio.io "Installing
            // the Sidecar", and the analyzer's IST0123 NamespaceMultipleInjectionLabels).
            let mut labels = vec![match &mesh.revision {
                Some(revision) => label("istio.io/rev", revision.as_str()),
                None => label("istio-injection", "enabled"),
            }];
            if let Some(network) = &mesh.network {
                labels.push(label("topology.istio.io/network", &network.to_string()));
            }
            Namespace {
                name: name.to_string(),
                labels,
            }
        })
        .collect()
}
