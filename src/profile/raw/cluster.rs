//! `[clusters.<name>]`: the clusters a mesh runs in.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Named;
use crate::profile::spanned::Sp;

/// `[clusters.<name>]`: one Kubernetes cluster of the mesh.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCluster {
    /// `primary` (runs istiod, holds the mesh configuration) or `remote` (its proxies use the
    /// istiod of its `primary`). Default: `primary`.
    pub role: Option<Sp<ClusterRole>>,
    /// The primary cluster whose istiod a remote cluster uses (remotes only).
    pub primary: Option<Sp<String>>,
    /// The cluster's network (`values.global.network`). Clusters on different networks reach
    /// each other through east-west gateways, which meshc adds. Default: one network for all.
    pub network: Option<Sp<String>>,
    /// The regions of `[regions]` whose nodes belong to this cluster.
    pub regions: Option<Sp<Vec<Sp<String>>>>,
    /// The address at which remote clusters reach this primary's istiod: the load balancer IP
    /// or host name of its east-west gateway (`values.global.remotePilotAddress` of its
    /// remotes). Required on a primary that has remotes.
    pub discovery_address: Option<Sp<String>>,
    /// Services as this cluster runs them: each must keep the port of `[services.<name>]`.
    #[serde(default)]
    pub services: Named<RawClusterService>,
}

/// `[clusters.<cluster>.services.<service>]`: a service as one cluster runs it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawClusterService {
    /// The service's port in this cluster; it must equal `[services.<name>] port` (Istio merges a
    /// service's endpoints across clusters by host and port).
    pub port: Option<Sp<i64>>,
}

/// What a cluster runs of Istio's control plane.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ClusterRole {
    /// istiod runs here and holds the mesh configuration.
    Primary,
    /// No istiod: the cluster's proxies use the istiod of its primary.
    Remote,
}
