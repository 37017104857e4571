//! The workloads a checked profile describes, as the simulator's [`Topology`]: one workload per
//! service subset (labels `app: <service>` plus the subset's), or one per service without
//! subsets, each in every region of the profile; and the ingress gateway istioctl installs
//! (labels `istio: ingressgateway`, service account `istio-ingressgateway-service-account`, in
//! the root namespace, on the profile's gateway ports), each gateway's deployment of its own
//! (`istio: <gateway>-ingressgateway`, `<gateway>-ingressgateway-service-account`, on its own
//! ports), and the egress gateway when it is
//! installed (labels `istio: egressgateway`, its Service `istio-egressgateway` with istioctl's
//! default ports 80 and 443 on container ports 8080 and 8443).

use std::collections::HashSet;
use std::sync::Arc;

use crate::model::Profile;
use crate::model::{Labels as ModelLabels, Service, ServicePort};
use crate::simulate::{GatewayPort, GatewayWorkload, PodLabels, Topology, Workload, WorkloadPort};

/// The service account istioctl gives the default ingress gateway.
pub(crate) const INGRESS_SERVICE_ACCOUNT: &str = "istio-ingressgateway-service-account";

/// The name of the default ingress gateway workload.
pub(crate) const INGRESS_GATEWAY: &str = crate::model::DEFAULT_INGRESS;

/// The name istioctl gives the egress gateway's Deployment and Service.
pub(crate) const EGRESS_GATEWAY: &str = "istio-egressgateway";

/// The service account istioctl gives the egress gateway.
pub(crate) const EGRESS_SERVICE_ACCOUNT: &str = "istio-egressgateway-service-account";

/// One copy of each label key and value, handed to every workload that carries it: the keys
/// repeat across all workloads, and a service's labels across its subsets.
#[derive(Default)]
struct Shared(HashSet<Arc<str>>);

impl Shared {
    fn text(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(text) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        self.0.insert(Arc::clone(&shared));
        shared
    }

    fn labels(&mut self, model: &ModelLabels) -> Vec<(Arc<str>, Arc<str>)> {
        model
            .iter()
            .map(|(k, v)| (self.text(k.as_str()), self.text(v.as_str())))
            .collect()
    }
}

/// A gateway's labels `istio: <istio>` and `app: <app>`.
fn gateway_labels(istio: &str, app: &str) -> PodLabels {
    PodLabels::from_shared([
        (Arc::from("istio"), Arc::from(istio)),
        (Arc::from("app"), Arc::from(app)),
    ])
}

/// An ingress gateway's Service ports, as the simulator reads them.
fn gateway_ports(ports: &[ServicePort]) -> Vec<GatewayPort> {
    ports
        .iter()
        .map(|p| GatewayPort {
            port: p.port.get(),
            target_port: Some(p.target_port.get()),
        })
        .collect()
}

/// The Service host of a profile service, in its namespace.
pub fn host(service: &Service) -> String {
    format!("{}.{}.svc.cluster.local", service.name, service.namespace)
}

/// The topology of a profile.
pub fn of(profile: &Profile) -> Topology {
    // One list for every workload: copied into each, the regions were 5 MB of the topology at
    // 10,000 services (30,000 workloads, three regions), alive through the proofs.
    let regions: Arc<[String]> = profile
        .regions
        .iter()
        .map(|r| r.name.as_str().to_string())
        .collect();
    // Of its final length: grown by pushing, the list held room for 2,768 more workloads at
    // 10,000 services (30,000 workloads).
    let count = profile
        .services
        .iter()
        .map(|s| s.subsets.len().max(1))
        .sum();
    let mut workloads = Vec::with_capacity(count);
    let mut shared = Shared::default();
    for service in &profile.services {
        let ports: Arc<[WorkloadPort]> = if service.ports.is_empty() {
            Arc::new([WorkloadPort {
                service: host(service),
                port: service.port.get(),
                target_port: Some(service.target_port.get()),
            }])
        } else {
            service
                .ports
                .iter()
                .map(|p| WorkloadPort {
                    service: host(service),
                    port: p.port.get(),
                    target_port: Some(p.target_port.get()),
                })
                .collect()
        };
        let base = shared.labels(&service.labels);
        let mut workload = |name: String, extra: &ModelLabels| {
            // The subset's labels after the service's: of a key in both, the subset's wins.
            let all = base.iter().cloned().chain(shared.labels(extra));
            Workload {
                name,
                namespace: service.namespace.to_string(),
                labels: PodLabels::from_shared(all),
                service_account: service.service_account.as_str().to_string(),
                regions: Arc::clone(&regions),
                ports: Arc::clone(&ports),
            }
        };
        if service.subsets.is_empty() {
            workloads.push(workload(service.name.to_string(), &ModelLabels::new()));
        }
        for subset in &service.subsets {
            workloads.push(workload(
                format!("{}-{}", service.name, subset.name),
                &subset.labels,
            ));
        }
    }
    let gateway = GatewayWorkload {
        name: INGRESS_GATEWAY.to_string(),
        namespace: profile.mesh.root_namespace.as_str().to_string(),
        labels: gateway_labels("ingressgateway", INGRESS_GATEWAY),
        service_account: INGRESS_SERVICE_ACCOUNT.to_string(),
        ports: gateway_ports(&profile.control_plane.ingress_gateway.ports),
        service: None,
    };
    // Each gateway on a deployment of its own: its pods, labels, identity and Service ports.
    let own = profile.gateways.iter().filter_map(|g| {
        let deployment = g.deployment.as_ref()?;
        Some(GatewayWorkload {
            name: g.workload(),
            namespace: profile.mesh.root_namespace.as_str().to_string(),
            labels: gateway_labels(&g.workload_label(), &g.workload()),
            service_account: g.service_account(),
            ports: gateway_ports(&deployment.ports),
            service: None,
        })
    });
    let root = profile.mesh.root_namespace.as_str();
    let egress = profile
        .control_plane
        .egress_gateway
        .as_ref()
        .map(|_| GatewayWorkload {
            name: EGRESS_GATEWAY.to_string(),
            namespace: root.to_string(),
            labels: gateway_labels("egressgateway", EGRESS_GATEWAY),
            service_account: EGRESS_SERVICE_ACCOUNT.to_string(),
            ports: [(80, 8080), (443, 8443)]
                .into_iter()
                .map(|(port, target)| GatewayPort {
                    port,
                    target_port: Some(target),
                })
                .collect(),
            service: Some(format!("{EGRESS_GATEWAY}.{root}.svc.cluster.local")),
        });
    Topology {
        trust_domain: Some(profile.mesh.trust_domain.to_string()),
        workloads,
        // The ingress gateway first: it is the one `--from gateway` names.
        gateways: std::iter::once(gateway).chain(own).chain(egress).collect(),
    }
}

/// The origin `--from` names: `gateway`, `gateway:<name>` (a gateway of the profile),
/// `plaintext`, `<namespace>/<service-account>`, a workload of the topology, or a service of
/// the profile (its first workload).
pub fn origin(profile: &Profile, text: &str) -> Result<crate::simulate::Origin, String> {
    use crate::simulate::Origin;
    let origin: Origin = text.parse()?;
    if let Origin::Gateway(Some(name)) = &origin {
        // A gateway runs on the default ingress gateway's workload, which may be named too, or
        // on its deployment of its own.
        return match gateway(profile, Some(name)) {
            _ if name == INGRESS_GATEWAY => Ok(origin),
            Some(g) => Ok(Origin::Gateway(Some(g.workload()))),
            None => Err(format!(
                "the profile has no gateway `{name}`; its gateways are {}",
                profile
                    .gateways
                    .iter()
                    .map(|g| format!("`gateway:{}`", g.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
    }
    let Origin::Workload(name) = &origin else {
        return Ok(origin);
    };
    // The workload names `of` gives, without building the topology: this runs once per
    // caller when `meshc graph` draws a large mesh.
    let is_workload = profile.services.iter().any(|s| {
        if s.subsets.is_empty() {
            s.name.as_str() == name
        } else {
            let subset = name
                .strip_prefix(s.name.as_str())
                .and_then(|rest| rest.strip_prefix('-'));
            subset.is_some_and(|subset| s.subsets.iter().any(|t| t.name.as_str() == subset))
        }
    });
    if is_workload {
        return Ok(origin);
    }
    let service = profile
        .services
        .iter()
        .find(|s| s.name.as_str() == name)
        .ok_or_else(|| format!("the profile has no service or workload `{name}`"))?;
    Ok(service_origin(service))
}

/// The gateway `gateway:<name>` names, or the first for `gateway`.
fn gateway<'a>(profile: &'a Profile, name: Option<&str>) -> Option<&'a crate::model::Gateway> {
    match name {
        Some(name) => profile.gateways.iter().find(|g| g.name.as_str() == name),
        None => profile.gateways.first(),
    }
}

/// The Host of a request from `gateway` or `gateway:<name>` that names none: the gateway's
/// first host.
pub(crate) fn gateway_host(profile: &Profile, origin: &str) -> Option<String> {
    let name = match origin {
        "gateway" => None,
        _ => Some(origin.strip_prefix("gateway:")?),
    };
    gateway(profile, name)
        .and_then(|g| g.hosts.first())
        .map(ToString::to_string)
}

/// The workload a request from a service is sent from: the subset most of its traffic runs
/// on (the default or the canary's stable one), or the service's only workload.
pub(crate) fn service_origin(service: &Service) -> crate::simulate::Origin {
    let preferred = service
        .default_subset
        .as_ref()
        .or(service.canary.as_ref().map(|c| &c.stable));
    let subset = preferred
        .and_then(|p| service.subsets.iter().find(|s| &s.name == p))
        .or(service.subsets.first());
    // Joined rather than formatted: the proofs ask for a caller's origin on every rule that
    // names it, and `format!` cost several times the join.
    let first = match subset {
        Some(subset) => [service.name.as_str(), "-", subset.name.as_str()].concat(),
        None => service.name.to_string(),
    };
    crate::simulate::Origin::Workload(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::Origin;
    use crate::source::Source;

    fn prod() -> Profile {
        let source =
            Source::new("prod.toml", include_str!("../profiles/prod.toml")).with_base(Source::new(
                "base/nephoran.toml",
                include_str!("../profiles/base/nephoran.toml"),
            ));
        crate::pipeline::check(&source).unwrap().profile
    }

    #[test]
    fn an_origin_is_a_workload_or_a_service_s_main_workload() {
        let profile = prod();
        let workload = |name: &str| Ok(Origin::Workload(name.to_string()));
        let names: Vec<String> = of(&profile).workloads.into_iter().map(|w| w.name).collect();
        for name in &names {
            assert_eq!(origin(&profile, name), workload(name));
        }
        assert_eq!(origin(&profile, "weaviate"), workload("weaviate-stable"));
        assert_eq!(
            origin(&profile, "llm-processor"),
            workload("llm-processor-stable")
        );
        assert!(origin(&profile, "weaviate-nope").is_err());
        assert!(origin(&profile, "nope").is_err());
    }

    #[test]
    fn a_workload_carries_its_service_s_labels_and_its_subset_s() {
        let topology = of(&prod());
        let labels = |name: &str| {
            let workload = topology.workloads.iter().find(|w| w.name == name).unwrap();
            workload.labels.iter().collect::<Vec<_>>()
        };
        assert_eq!(
            labels("llm-processor-canary"),
            [("app", "llm-processor"), ("version", "canary")]
        );
        assert_eq!(
            labels("llm-processor-high-priority"),
            [("app", "llm-processor"), ("version", "v2")]
        );
        let ingress = &topology.gateways[0];
        assert_eq!(
            ingress.labels.iter().collect::<Vec<_>>(),
            [("app", INGRESS_GATEWAY), ("istio", "ingressgateway")]
        );
    }
}
