//! `[clusters]`: the Kubernetes clusters a mesh runs in, and how one cluster's render sees the
//! mesh (Istio's multi-primary, primary-remote and multi-network installs).

use super::{LabelValue, Name, Profile};

/// `[clusters.<name>]`, checked.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// The cluster name, also its output folder.
    pub name: Name,
    /// Its network, if the mesh names networks.
    pub network: Option<LabelValue>,
    /// The regions whose nodes belong to it.
    pub regions: Vec<Name>,
    /// What it runs of the control plane.
    pub role: Role,
}

/// What a cluster runs of the control plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// istiod runs here and holds the mesh configuration.
    Primary {
        /// Where remotes reach its istiod, when it has remotes.
        discovery_address: Option<String>,
    },
    /// The cluster's proxies use the istiod of `primary`.
    Remote {
        /// The primary cluster.
        primary: Name,
    },
}

/// One cluster's place in the mesh, as its own render needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// A primary; `remotes` use its istiod, which its east-west gateway then exposes.
    Primary {
        /// The remote clusters of this primary, by name.
        remotes: Vec<Name>,
    },
    /// A remote: the remote install, with its primary's istiod at `discovery_address`.
    Remote {
        /// The primary cluster.
        primary: Name,
        /// Where its istiod is reached.
        discovery_address: String,
    },
}

impl Profile {
    /// The profile as `cluster` renders it: its own cluster name, network and place in the mesh,
    /// everything else shared. A mesh spans networks when its clusters name two or more.
    pub(crate) fn for_cluster(&self, cluster: &Cluster) -> Profile {
        let mut networks: Vec<&LabelValue> = self
            .clusters
            .iter()
            .filter_map(|c| c.network.as_ref())
            .collect();
        networks.sort();
        networks.dedup();
        let placement = match &cluster.role {
            Role::Primary { .. } => Placement::Primary {
                remotes: self
                    .clusters
                    .iter()
                    .filter(
                        |c| matches!(&c.role, Role::Remote { primary } if *primary == cluster.name),
                    )
                    .map(|c| c.name.clone())
                    .collect(),
            },
            Role::Remote { primary } => Placement::Remote {
                primary: primary.clone(),
                discovery_address: self
                    .clusters
                    .iter()
                    .find_map(|c| match &c.role {
                        Role::Primary { discovery_address } if c.name == *primary => {
                            discovery_address.clone()
                        }
                        _ => None,
                    })
                    .unwrap_or_default(),
            },
        };
        let mut profile = self.clone();
        profile.mesh.cluster = Some(LabelValue::from_name(&cluster.name));
        profile.mesh.network.clone_from(&cluster.network);
        profile.mesh.multi_network = networks.len() > 1 && cluster.network.is_some();
        profile.placement = Some(placement);
        profile
    }

    /// Whether this render is a remote cluster's, which holds no mesh configuration.
    pub(crate) fn is_remote(&self) -> bool {
        matches!(self.placement, Some(Placement::Remote { .. }))
    }
}
