//! The workloads that exist: what the documents configure but do not describe. The compiler
//! builds a topology from a profile; a user may write one by hand (it reads from TOML or JSON).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::pod_labels::PodLabels;

/// A label selector (a workload's own labels are [`PodLabels`]).
pub type Labels = BTreeMap<String, String>;

/// Every workload of the mesh, and the gateways.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Topology {
    /// The trust domain of workload identities; the IstioOperator's `meshConfig.trustDomain`
    /// wins when the documents hold one, and `cluster.local` when neither says.
    #[serde(default)]
    pub trust_domain: Option<String>,
    /// Workloads with a sidecar.
    #[serde(default)]
    pub workloads: Vec<Workload>,
    /// Gateway deployments: ingress gateways, and gateways that routes send to (egress).
    #[serde(default)]
    pub gateways: Vec<GatewayWorkload>,
}

/// A set of identical pods with a sidecar (a Deployment, say).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Workload {
    /// A name unique in the topology, for answers.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Its pod labels.
    #[serde(default)]
    pub labels: PodLabels,
    /// Its service account (identity `<trust-domain>/ns/<namespace>/sa/<service-account>`).
    pub service_account: String,
    /// Regions its pods run in (each pod's endpoint carries `topology.kubernetes.io/region`);
    /// empty when locality does not matter. Shared: a profile's workloads all run in its
    /// regions.
    #[serde(default)]
    pub regions: Arc<[String]>,
    /// The Service ports it backs. Shared by the workloads of one Service (a profile service's
    /// subsets).
    #[serde(default)]
    pub ports: Arc<[WorkloadPort]>,
}

/// A Service port a workload backs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct WorkloadPort {
    /// The Service's host, `name.namespace.svc.cluster.local`.
    pub service: String,
    /// The Service port.
    pub port: u16,
    /// The container port (the Service's `targetPort`), the port policies see; `port` when
    /// absent.
    #[serde(default)]
    pub target_port: Option<u16>,
}

impl WorkloadPort {
    /// The container port.
    pub fn target(&self) -> u16 {
        self.target_port.unwrap_or(self.port)
    }
}

/// A gateway deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GatewayWorkload {
    /// A name unique in the topology, for answers.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Its pod labels (Gateway `selector`s and policy selectors match them).
    #[serde(default)]
    pub labels: PodLabels,
    /// Its service account.
    pub service_account: String,
    /// Its Service ports and the container ports behind them.
    #[serde(default)]
    pub ports: Vec<GatewayPort>,
    /// The host of its Service (`istio-egressgateway.istio-system.svc.cluster.local`), for a
    /// gateway that routes send to in the middle of a request's path, such as an egress
    /// gateway; absent when nothing in the mesh sends to it.
    #[serde(default)]
    pub service: Option<String>,
}

/// A port of the gateway's Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GatewayPort {
    /// The Service port clients dial (and Gateway servers name).
    pub port: u16,
    /// The container port Envoy listens on (the port policies see); `port` when absent.
    #[serde(default)]
    pub target_port: Option<u16>,
}

impl GatewayPort {
    /// The container port.
    pub fn target(&self) -> u16 {
        self.target_port.unwrap_or(self.port)
    }
}

/// Whether every label of `selector` is among `labels`.
pub(crate) fn selects(selector: &Labels, labels: &PodLabels) -> bool {
    selector
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topology_reads_from_toml() {
        let topology: Topology = toml::from_str(
            r#"trust-domain = "td"
[[workloads]]
name = "a"
namespace = "n"
labels = { app = "a" }
service-account = "a-sa"
regions = ["r1"]
ports = [{ service = "a.n.svc.cluster.local", port = 80, target-port = 8080 }]
[[gateways]]
name = "gw"
namespace = "istio-system"
labels = { istio = "ingressgateway" }
service-account = "gw-sa"
ports = [{ port = 443, target-port = 8443 }, { port = 80 }]
"#,
        )
        .unwrap();
        assert_eq!(topology.trust_domain.as_deref(), Some("td"));
        let w = &topology.workloads[0];
        assert_eq!(w.ports[0].target(), 8080);
        assert_eq!(*w.regions, ["r1"]);
        let g = &topology.gateways[0];
        assert_eq!(g.ports[0].target(), 8443);
        assert_eq!(g.ports[1].target(), 80);
        assert!(toml::from_str::<Topology>("unknown = 1").is_err());
    }

    #[test]
    fn selectors_need_every_label() {
        let labels: PodLabels = [("a", "1"), ("b", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(selects(&Labels::new(), &labels));
        let mut selector = Labels::new();
        selector.insert("a".into(), "1".into());
        assert!(selects(&selector, &labels));
        selector.insert("b".into(), "3".into());
        assert!(!selects(&selector, &labels));
        selector.insert("b".into(), "2".into());
        assert!(selects(&selector, &labels));
        selector.insert("c".into(), "2".into());
        assert!(!selects(&selector, &labels));
        let port = WorkloadPort {
            service: "s".into(),
            port: 80,
            target_port: None,
        };
        assert_eq!(port.target(), 80);
    }
}
