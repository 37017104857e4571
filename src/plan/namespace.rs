//! The workload namespace as a Kubernetes Namespace, labelled so that Istio injects its pods'
//! sidecars and, in a mesh of several networks, knows their network.
//!
//! Labels from istio.io "Installing the Sidecar" (`istio-injection=enabled` selects the
//! namespace for the default injector) and "Install Multi-Primary on different networks"
//! (`topology.istio.io/network` on a namespace gives its pods' network). The root namespace is
//! not rendered: `istioctl install` creates it, and its network label is a manual step of
//! `meshc explain` because it must be in place before istiod starts.

use serde::Serialize;

use super::{Label, label};
use crate::model::Profile;

/// A Namespace object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Namespace {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`, in the order written.
    pub labels: Vec<Label>,
}

/// The workload namespace, unless the profile leaves namespaces to someone else
/// (`manage-namespaces = false`).
pub(super) fn build(profile: &Profile) -> Option<Namespace> {
    let mesh = &profile.mesh;
    if !mesh.manage_namespaces {
        return None;
    }
    // Never both labels: istio-injection wins over istio.io/rev (istio.io "Installing the
    // Sidecar", and the analyzer's IST0123 NamespaceMultipleInjectionLabels).
    let mut labels = vec![match &mesh.revision {
        Some(revision) => label("istio.io/rev", revision.as_str()),
        None => label("istio-injection", "enabled"),
    }];
    if let Some(network) = &mesh.network {
        labels.push(label("topology.istio.io/network", &network.to_string()));
    }
    Some(Namespace {
        name: mesh.namespace.to_string(),
        labels,
    })
}
