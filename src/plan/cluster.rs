//! What one cluster's render adds to the mesh's plan: the remote install, istiod serving remote
//! clusters, and istiod exposed through the east-west gateway (istio/istio
//! `samples/multicluster/expose-istiod.yaml`; istio.io "Install Primary-Remote on different
//! networks": `values.global.externalIstiod`, `values.global.remotePilotAddress` and
//! `istiodRemote.injectionPath`).

use serde::Serialize;

use crate::model::{IstioVersion, Placement, Profile};

/// One cluster's additions to the plan; templates see it as `cluster`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClusterPlan {
    /// The cluster name, also its folder.
    pub name: String,
    /// Its network, if the mesh names networks.
    pub network: Option<String>,
    /// The root namespace, where istiod runs.
    pub root_namespace: String,
    /// The remote install, for a remote cluster.
    pub remote: Option<RemoteInstall>,
    /// `values.global.externalIstiod`: istiod also serves remote clusters.
    pub external_istiod: bool,
    /// istiod's ports on the east-west gateway, for a primary with remotes.
    pub istiod_exposure: Option<IstiodExposure>,
}

/// A remote cluster's install: no istiod, its primary's istiod instead.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RemoteInstall {
    /// The primary cluster.
    pub primary: String,
    /// `values.global.remotePilotAddress`: the primary's east-west gateway.
    pub discovery_address: String,
    /// `istiodRemote.injectionPath`: the primary istiod's injector, told this cluster's name
    /// and network.
    pub injection_path: String,
    /// Whether `istiodRemote` goes under `values.pilot`, where istioctl reads it since the
    /// istiod chart's values were flattened (1.22); before, `values.istiodRemote`, which later
    /// releases deprecate.
    pub under_pilot: bool,
}

/// The Gateway and VirtualService that pass remote proxies' TLS through to istiod.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IstiodExposure {
    /// The root namespace, where both live.
    pub namespace: String,
    /// istiod's Service host.
    pub istiod_host: String,
    /// The remotes it serves, for the comment.
    pub remotes: Vec<String>,
}

/// The plan of `profile` as rendered for its cluster (`Profile::for_cluster`); `None` for a
/// profile without clusters.
pub(crate) fn build(profile: &Profile) -> Option<ClusterPlan> {
    let placement = profile.placement.as_ref()?;
    let name = profile
        .mesh
        .cluster
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let root = profile.mesh.root_namespace.as_str();
    let network = profile.mesh.network.as_ref().map(ToString::to_string);
    Some(match placement {
        Placement::Primary { remotes } => ClusterPlan {
            name,
            network,
            root_namespace: root.to_string(),
            remote: None,
            external_istiod: !remotes.is_empty(),
            istiod_exposure: (!remotes.is_empty()).then(|| IstiodExposure {
                namespace: root.to_string(),
                istiod_host: istiod_host(profile),
                remotes: remotes.iter().map(ToString::to_string).collect(),
            }),
        },
        Placement::Remote {
            primary,
            discovery_address,
        } => {
            let injection_path = match &profile.mesh.network {
                Some(network) => format!("/inject/cluster/{name}/net/{network}"),
                None => format!("/inject/cluster/{name}"),
            };
            ClusterPlan {
                remote: Some(RemoteInstall {
                    primary: primary.to_string(),
                    discovery_address: discovery_address.clone(),
                    injection_path,
                    under_pilot: profile.mesh.istio_version
                        >= IstioVersion {
                            major: 1,
                            minor: 22,
                        },
                }),
                name,
                network,
                root_namespace: root.to_string(),
                external_istiod: false,
                istiod_exposure: None,
            }
        }
    })
}

/// istiod's Service host: `istiod-<revision>` under a revision, as Istio's
/// samples/multicluster/expose-istiod-rev.yaml.tmpl routes it.
fn istiod_host(profile: &Profile) -> String {
    let root = &profile.mesh.root_namespace;
    match &profile.mesh.revision {
        Some(revision) => format!("istiod-{revision}.{root}.svc.cluster.local"),
        None => format!("istiod.{root}.svc.cluster.local"),
    }
}
