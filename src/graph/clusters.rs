//! A mesh of several clusters (`[clusters]`): one group per cluster, after the mesh's own
//! groups, holding what that cluster runs of the install. A primary runs istiod, which holds
//! the whole mesh configuration drawn in the other groups (every primary holds the same); a
//! remote runs no istiod, and its proxies are configured by its primary's (an edge says so).
//! Where the mesh spans networks, each cluster's east-west gateway is a node, and an edge joins
//! the gateways of every two clusters on different networks: the traffic that crosses networks
//! goes gateway to gateway, mTLS passed through on port 15443 (Istio's multi-network install,
//! `samples/multicluster/gen-eastwest-gateway.sh`, `expose-services.yaml`).
//!
//! These nodes and edges are the install's, not grants: the simulator has nothing to judge on
//! them, so their verdict is [`Verdict::Allowed`].

use std::fmt::Write;

use crate::model::{Cluster, LabelValue, Profile, Role};

use super::model::{Edge, EdgeKind, Graph, Group, Node, NodeKind, Verdict, visible};

/// The port of the east-west gateway that passes mTLS between networks through.
const CROSS_NETWORK_PORT: u16 = 15443;

/// One cluster's nodes, by index into the graph.
struct Drawn<'a> {
    cluster: &'a Cluster,
    istiod: Option<usize>,
    east_west: Option<usize>,
    workloads: Option<usize>,
}

/// Adds the clusters of `profile` to `graph`, and a note that says what their groups mean;
/// nothing for a profile without clusters.
pub(super) fn add(graph: &mut Graph, profile: &Profile) {
    if profile.clusters.is_empty() {
        return;
    }
    let mut clusters: Vec<&Cluster> = profile.clusters.iter().collect();
    clusters.sort_by(|a, b| a.name.cmp(&b.name));
    let mut networks: Vec<&str> = clusters
        .iter()
        .filter_map(|c| c.network.as_ref().map(LabelValue::as_str))
        .collect();
    networks.sort_unstable();
    networks.dedup();
    let spans_networks = networks.len() > 1;
    let remotes_of = |primary: &Cluster| -> Vec<String> {
        clusters
            .iter()
            .filter(|c| matches!(&c.role, Role::Remote { primary: p } if *p == primary.name))
            .map(|c| c.name.to_string())
            .collect()
    };
    let root = &profile.mesh.root_namespace;
    let mut drawn = Vec::with_capacity(clusters.len());
    for cluster in &clusters {
        let remotes = remotes_of(cluster);
        let mut facts = Vec::new();
        if let Some(network) = &cluster.network {
            facts.push(format!("network {network}"));
        }
        if !cluster.regions.is_empty() {
            let regions: Vec<String> = cluster.regions.iter().map(ToString::to_string).collect();
            facts.push(format!("regions {}", regions.join(", ")));
        }
        let role = match &cluster.role {
            Role::Primary { .. } => "primary",
            Role::Remote { .. } => "remote",
        };
        graph.groups.push(Group {
            title: visible(&format!("cluster {} ({role})", cluster.name)),
        });
        let group = graph.groups.len() - 1;
        let push = |graph: &mut Graph, kind, title: String, details: Vec<String>, explain| {
            graph.nodes.push(Node {
                kind,
                group,
                title: visible(&title),
                details: details.iter().map(|d| visible(d)).collect(),
                explain,
            });
            Some(graph.nodes.len() - 1)
        };
        let mut this = Drawn {
            cluster,
            istiod: None,
            east_west: None,
            workloads: None,
        };
        match &cluster.role {
            Role::Primary { discovery_address } => {
                let mut details = vec!["holds the mesh configuration".to_string()];
                details.extend(facts.iter().cloned());
                let mut explain = format!(
                    "istiod of cluster {}: it reads the mesh configuration from this cluster \
                     alone, so every primary holds the same (the render's folder {}/)\n",
                    cluster.name, cluster.name
                );
                if !remotes.is_empty() {
                    let _ = writeln!(
                        explain,
                        "it configures the proxies of its remotes: {}",
                        remotes.join(", ")
                    );
                }
                if let Some(address) = discovery_address {
                    let _ = writeln!(explain, "its remotes reach it at {address}");
                }
                this.istiod = push(
                    graph,
                    NodeKind::Istiod,
                    format!("istiod {}", cluster.name),
                    details,
                    explain,
                );
            }
            Role::Remote { primary } => {
                let mut details = vec!["no istiod".to_string()];
                details.extend(facts.iter().cloned());
                this.workloads = push(
                    graph,
                    NodeKind::Workloads,
                    format!("proxies of {}", cluster.name),
                    details,
                    format!(
                        "the sidecars and gateways of remote cluster {}: the istiod of {primary} \
                         configures them, from {primary}'s folder\n",
                        cluster.name
                    ),
                );
            }
        }
        let on_a_network = spans_networks && cluster.network.is_some();
        if on_a_network || !remotes.is_empty() {
            let mut details = vec![format!("namespace {root}")];
            details.extend(cluster.network.iter().map(|n| format!("network {n}")));
            this.east_west = push(
                graph,
                NodeKind::Gateway,
                format!("east-west gateway {}", cluster.name),
                details,
                format!(
                    "the east-west gateway of cluster {}: traffic from other networks enters \
                     here, mTLS passed through on :{CROSS_NETWORK_PORT}{}\n",
                    cluster.name,
                    if remotes.is_empty() {
                        ""
                    } else {
                        "; remotes reach istiod through it"
                    }
                ),
            );
        }
        drawn.push(this);
    }
    edges(graph, &drawn);
    let primaries: Vec<String> = clusters
        .iter()
        .filter(|c| matches!(c.role, Role::Primary { .. }))
        .map(|c| c.name.to_string())
        .collect();
    graph.notes.push(visible(&format!(
        "every primary ({}) holds the whole mesh configuration drawn outside the clusters' groups",
        primaries.join(", ")
    )));
}

/// A remote's "configured by" edge from its primary's istiod, and a cross-network edge between
/// the east-west gateways of every two clusters on different networks.
fn edges(graph: &mut Graph, drawn: &[Drawn<'_>]) {
    let mut edge = |from: usize, to: usize, kind, labels: Vec<String>| {
        graph.edges.push(Edge {
            from,
            to,
            kind,
            labels: labels.iter().map(|l| visible(l)).collect(),
            verdict: Verdict::Allowed,
        });
    };
    for remote in drawn {
        let (Role::Remote { primary }, Some(workloads)) = (&remote.cluster.role, remote.workloads)
        else {
            continue;
        };
        let istiod = drawn
            .iter()
            .find(|d| d.cluster.name == *primary)
            .and_then(|d| d.istiod);
        if let Some(istiod) = istiod {
            edge(
                istiod,
                workloads,
                EdgeKind::Configures,
                vec![format!("configured by {primary}")],
            );
        }
    }
    for (k, a) in drawn.iter().enumerate() {
        for b in &drawn[k + 1..] {
            let (Some(from), Some(to)) = (a.east_west, b.east_west) else {
                continue;
            };
            let (Some(x), Some(y)) = (&a.cluster.network, &b.cluster.network) else {
                continue;
            };
            if x != y {
                edge(
                    from,
                    to,
                    EdgeKind::CrossNetwork,
                    vec![
                        format!("cross-network: {x} - {y}"),
                        format!("both ways, mTLS passed through :{CROSS_NETWORK_PORT}"),
                    ],
                );
            }
        }
    }
}
