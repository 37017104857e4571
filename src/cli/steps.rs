//! The steps of a mesh of several clusters that no file can carry, cluster by cluster, for
//! `meshc explain` (istio.io: "Install Multi-Primary on different networks", "Install
//! Primary-Remote on different networks", "Plug in CA Certificates").

use std::fmt::Write;

use crate::pipeline::ClusterFolder;

/// The clusters' section of `meshc explain`; empty without clusters.
pub(super) fn section(clusters: &[ClusterFolder], mesh_id: Option<&str>) -> String {
    let mut out = String::new();
    if clusters.is_empty() {
        return out;
    }
    let mesh = mesh_id.map_or_else(|| "the mesh".to_string(), |id| format!("mesh {id}"));
    let _ = writeln!(
        out,
        "\nclusters: {} clusters of {mesh}, one folder each; every step below needs a person or \
         a pipeline with access to the clusters",
        clusters.len()
    );
    for cluster in clusters {
        cluster_steps(&mut out, cluster, clusters);
    }
    out
}

fn cluster_steps(out: &mut String, cluster: &ClusterFolder, all: &[ClusterFolder]) {
    let name = &cluster.name;
    let plan = &cluster.plan;
    let root = &plan.root_namespace;
    let network = plan
        .network
        .as_deref()
        .map_or_else(String::new, |n| format!(" on network {n}"));
    let remotes: Vec<&str> = all
        .iter()
        .filter(|c| c.plan.remote.as_ref().is_some_and(|r| r.primary == *name))
        .map(|c| c.name.as_str())
        .collect();
    match &plan.remote {
        Some(remote) => {
            let _ = writeln!(
                out,
                "  cluster {name}: remote of {}{network}; no istiod, no mesh configuration of its own",
                remote.primary
            );
        }
        None if remotes.is_empty() => {
            let _ = writeln!(out, "  cluster {name}: primary{network}");
        }
        None => {
            let _ = writeln!(
                out,
                "  cluster {name}: primary{network}; its istiod also serves {}",
                remotes.join(", ")
            );
        }
    }
    let mut step = |text: String| {
        let _ = writeln!(out, "    - {text}");
    };
    step(format!(
        "a shared root CA: the `cacerts` secret in {root}, an intermediate CA of the mesh's one \
         root, before istiod starts (clusters with different roots cannot verify each other's \
         mTLS)"
    ));
    if let Some(network) = &plan.network {
        step(format!(
            "kubectl --context={name} label namespace {root} topology.istio.io/network={network}"
        ));
    }
    match &plan.remote {
        Some(remote) => {
            step(format!(
                "kubectl --context={name} annotate namespace {root} \
                 topology.istio.io/controlPlaneClusters={}",
                remote.primary
            ));
            step(format!(
                "once {}'s east-west gateway answers at {}: istioctl install --context={name} -f \
                 {name}/istio-service-mesh-config.yaml",
                remote.primary, remote.discovery_address
            ));
        }
        None => {
            step(format!(
                "istioctl install --context={name} -f {name}/istio-service-mesh-config.yaml, then \
                 kubectl apply --context={name} -k {name}"
            ));
            for other in all.iter().filter(|c| c.name != *name) {
                step(format!(
                    "istioctl create-remote-secret --context={0} --name={0} | kubectl apply -f - \
                     --context={name}   (istiod here watches {0}'s endpoints)",
                    other.name
                ));
            }
        }
    }
}
