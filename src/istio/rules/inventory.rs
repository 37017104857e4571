//! What the bundle can refer to: the services that exist, and the workloads (pods) that
//! policies may select. A caller that knows them declares them ([`Inventory::add_service`],
//! [`Inventory::add_workload`]: a render knows them from its profile); the Kubernetes objects
//! among the files add theirs ([`Inventory::add_documents`]). In an open world
//! ([`World::Open`]) a look-up says when the files cannot tell: a namespace they hold no
//! Service (or no pod owner) of is not judged.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::hosts::{CLUSTER_DOMAIN, service_namespace};
use crate::istio::World;
use crate::istio::document::Document;
use crate::yaml::{Node, Value};

/// A set of pods: their namespace and labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Namespace.
    pub namespace: String,
    /// Pod labels.
    pub labels: Labels,
}

/// A pod's labels, in the order of their keys, each key once: a sorted list of exactly their
/// number rather than a map, whose node has room for eleven labels, since a render declares a
/// workload per service (at 10,000 services the nodes were 5.4 of the 201.7 MB of heap at the
/// self-check's peak).
pub type Labels = crate::vec_map::VecMap<String, String>;

/// The services and workloads a bundle may refer to: the default is an empty inventory.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Service host names (FQDN).
    services: HashSet<String>,
    /// Workloads.
    workloads: Vec<Workload>,
    /// Namespaces some of whose Services are known: in an open world, a Service of another
    /// namespace is not judged.
    service_namespaces: HashSet<String>,
    /// Namespaces some of whose pod owners (Deployments, StatefulSets, …) are known: in an
    /// open world, selectors are judged only in these.
    workload_namespaces: HashSet<String>,
    /// Whether an IstioOperator declares the gateways (so gateway pods are known).
    gateways_known: bool,
}

impl Inventory {
    /// Adds a service that exists: `name` in `namespace`, whose host is
    /// `name.namespace.svc.cluster.local`.
    pub fn add_service(&mut self, name: &str, namespace: &str) {
        self.services
            .insert(format!("{name}.{namespace}.svc.{CLUSTER_DOMAIN}"));
        self.service_namespaces.insert(namespace.to_string());
    }

    /// Adds a set of pods that policies may select.
    pub fn add_workload(&mut self, workload: Workload) {
        self.workload_namespaces.insert(workload.namespace.clone());
        self.workloads.push(workload);
    }

    /// Adds what the Kubernetes objects among `documents` declare (Services, workloads).
    pub fn add_documents(&mut self, documents: &[Document]) {
        let inventory = self;
        for document in documents {
            let (Some(kind), Some(namespace)) = (document.kind(), document.namespace()) else {
                continue;
            };
            let group = document.api().map_or("", |(g, _)| g);
            // Pod owners tell which pods a namespace runs; a Service's selector and a
            // WorkloadEntry name some of them, but not all.
            let (labels, owner) = match (group, kind) {
                ("", "Service") => {
                    if let Some(name) = document.name() {
                        inventory
                            .services
                            .insert(format!("{name}.{namespace}.svc.{CLUSTER_DOMAIN}"));
                        inventory.service_namespaces.insert(namespace.to_string());
                    }
                    (document.root.at(&["spec", "selector"]), false)
                }
                (
                    "apps" | "batch",
                    "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job",
                ) => (
                    document
                        .root
                        .at(&["spec", "template", "metadata", "labels"]),
                    true,
                ),
                ("", "Pod") => (document.root.at(&["metadata", "labels"]), true),
                ("networking.istio.io", "WorkloadEntry") => {
                    (document.root.at(&["spec", "labels"]), false)
                }
                _ => continue,
            };
            if let Some(labels) = labels.map(string_map).filter(|l| !l.is_empty()) {
                if owner {
                    inventory.workload_namespaces.insert(namespace.to_string());
                }
                inventory.workloads.push(Workload {
                    namespace: namespace.to_string(),
                    labels: labels.into_iter().collect(),
                });
            }
        }
    }

    /// Adds the gateways and istiod that the IstioOperators among `documents` install.
    pub fn add_operators(&mut self, documents: &[Document]) {
        for document in documents
            .iter()
            .filter(|d| d.is("install.istio.io", "IstioOperator"))
        {
            self.gateways_known = true;
            let spec = document.spec();
            let namespace = spec
                .and_then(|s| s.get("namespace"))
                .and_then(Node::as_str)
                .unwrap_or("istio-system");
            let components = spec.and_then(|s| s.get("components"));
            let pilot_on = components
                .and_then(|c| c.at(&["pilot", "enabled"]))
                .is_none_or(|e| e.value != Value::Bool(false));
            if pilot_on {
                self.add_installed(namespace, &[("app", "istiod"), ("istio", "pilot")]);
            }
            for (list, defaults) in [
                (
                    "ingressGateways",
                    [("app", "istio-ingressgateway"), ("istio", "ingressgateway")],
                ),
                (
                    "egressGateways",
                    [("app", "istio-egressgateway"), ("istio", "egressgateway")],
                ),
            ] {
                for gateway in components
                    .and_then(|c| c.get(list))
                    .map(Node::items)
                    .unwrap_or_default()
                {
                    if gateway
                        .get("enabled")
                        .is_some_and(|e| e.value == Value::Bool(false))
                    {
                        continue;
                    }
                    let namespace = gateway
                        .get("namespace")
                        .and_then(Node::as_str)
                        .unwrap_or(namespace);
                    // istioctl names the gateway's Service after the component, and routes may
                    // send to it (sidecars to the egress gateway).
                    if let Some(name) = gateway.get("name").and_then(Node::as_str) {
                        self.add_service(name, namespace);
                    }
                    match gateway
                        .get("label")
                        .map(string_map)
                        .filter(|l| !l.is_empty())
                    {
                        Some(labels) => {
                            self.workload_namespaces.insert(namespace.to_string());
                            self.workloads.push(Workload {
                                namespace: namespace.to_string(),
                                labels: labels.into_iter().collect(),
                            });
                        }
                        None => self.add_installed(namespace, &defaults),
                    }
                }
            }
        }
    }

    /// A workload an IstioOperator installs (istiod, a gateway), with its default labels.
    fn add_installed(&mut self, namespace: &str, labels: &[(&str, &str)]) {
        self.workload_namespaces.insert(namespace.to_string());
        self.workloads.push(Workload {
            namespace: namespace.to_string(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        });
    }

    /// `Some(true)` when `host` (an FQDN) is a known service, `Some(false)` when it is not;
    /// `None` in an open world for a Kubernetes service of a namespace with no known Service.
    pub fn has_service(&self, host: &str, world: World) -> Option<bool> {
        if self.services.contains(host) {
            return Some(true);
        }
        let unseen = world == World::Open
            && service_namespace(host).is_some_and(|ns| !self.service_namespaces.contains(ns));
        (!unseen).then_some(false)
    }

    /// The workloads, indexed for selector look-ups in `world`.
    pub fn workload_index(&self, world: World) -> WorkloadIndex<'_> {
        let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, workload) in self.workloads.iter().enumerate() {
            for (key, value) in workload.labels.iter() {
                by_label
                    .entry((key.as_str(), value.as_str()))
                    .or_default()
                    .push(i);
            }
        }
        let mut exact: HashMap<Vec<(&str, &str)>, HashSet<&str>> = HashMap::new();
        for workload in &self.workloads {
            let labels = workload.labels.iter();
            exact
                .entry(labels.map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .or_default()
                .insert(workload.namespace.as_str());
        }
        WorkloadIndex {
            inventory: self,
            world,
            by_label,
            exact,
        }
    }
}

/// Workloads by label, so that a selector is matched without scanning every workload.
pub struct WorkloadIndex<'a> {
    inventory: &'a Inventory,
    world: World,
    by_label: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// The namespaces of the workloads by their whole set of labels: a render's selectors are
    /// its services' labels, found here at once, where scanning the workloads that carry one of
    /// them took a minute for 16,384 services on 14 labels of two values each.
    exact: HashMap<Vec<(&'a str, &'a str)>, HashSet<&'a str>>,
}

impl WorkloadIndex<'_> {
    /// `Some(true)` when a workload in `namespace` (any namespace for `None`) carries every
    /// label of `selector`; `None` when none does and, in an open world, the files do not say
    /// which workloads there are (a namespace without pod owners in the files, or the whole
    /// mesh).
    pub fn matches(
        &self,
        namespace: Option<&str>,
        selector: &BTreeMap<String, String>,
    ) -> Option<bool> {
        let inventory = self.inventory;
        let labels: Vec<(&str, &str)> = selector
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if labels.is_empty() {
            return Some(true);
        }
        let exactly = self
            .exact
            .get(&labels)
            .is_some_and(|namespaces| namespace.is_none_or(|ns| namespaces.contains(ns)));
        // Otherwise only the workloads on the selector's rarest label can match.
        let found = exactly
            || labels
                .iter()
                .filter_map(|label| self.by_label.get(label))
                .min_by_key(|candidates| candidates.len())
                .filter(|_| labels.iter().all(|label| self.by_label.contains_key(label)))
                .is_some_and(|candidates| {
                    candidates.iter().any(|&i| {
                        let workload = &inventory.workloads[i];
                        namespace.is_none_or(|ns| workload.namespace == ns)
                            && selector
                                .iter()
                                .all(|(k, v)| workload.labels.get(k) == Some(v))
                    })
                });
        let known = self.world == World::Closed
            || namespace.is_some_and(|ns| inventory.workload_namespaces.contains(ns));
        (found || known).then_some(found)
    }

    /// Like [`WorkloadIndex::matches`] for a Gateway's selector, which picks gateway pods in
    /// any namespace: known when an IstioOperator among the files declares the gateways.
    pub fn matches_gateway(&self, selector: &BTreeMap<String, String>) -> Option<bool> {
        let found = self.matches(None, selector);
        match found {
            None if self.inventory.gateways_known => Some(false),
            other => other,
        }
    }
}

/// A mapping of strings (other values are skipped).
pub(crate) fn string_map(node: &Node) -> BTreeMap<String, String> {
    node.entries()
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.to_string(), v.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pod labels or a selector of these pairs.
    fn pairs<C: FromIterator<(String, String)>>(pairs: &[(&str, &str)]) -> C {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn a_selector_matches_a_workload_that_carries_each_of_its_labels() {
        let mut inventory = Inventory::default();
        inventory.add_workload(Workload {
            namespace: "shop".to_string(),
            labels: pairs(&[("app", "cart"), ("version", "v1")]),
        });
        let index = inventory.workload_index(World::Closed);
        let selector = pairs::<BTreeMap<String, String>>;
        assert_eq!(
            index.matches(Some("shop"), &selector(&[("app", "cart")])),
            Some(true)
        );
        assert_eq!(
            index.matches(None, &selector(&[("version", "v1"), ("app", "cart")])),
            Some(true)
        );
        assert_eq!(
            index.matches(
                Some("shop"),
                &selector(&[("app", "cart"), ("version", "v2")])
            ),
            Some(false)
        );
        assert_eq!(
            index.matches(Some("web"), &selector(&[("app", "cart")])),
            Some(false)
        );
    }

    /// A selector equal to a workload's labels is found in that workload's namespace only, and
    /// one of fewer labels among the workloads on its rarest label, in any order of workloads.
    #[test]
    fn a_selector_is_found_by_its_whole_labels_or_by_its_rarest_label() {
        let mut inventory = Inventory::default();
        for (namespace, app) in [("shop", "cart"), ("web", "ui"), ("web", "api")] {
            inventory.add_workload(Workload {
                namespace: namespace.to_string(),
                labels: pairs(&[("app", app), ("tier", "front")]),
            });
        }
        let index = inventory.workload_index(World::Closed);
        let selector = pairs::<BTreeMap<String, String>>;
        let cart = selector(&[("tier", "front"), ("app", "cart")]);
        assert_eq!(index.matches(Some("shop"), &cart), Some(true));
        assert_eq!(index.matches(Some("web"), &cart), Some(false));
        assert_eq!(index.matches(None, &cart), Some(true));
        let front = selector(&[("tier", "front")]);
        assert_eq!(index.matches(Some("shop"), &front), Some(true));
        assert_eq!(
            index.matches(Some("web"), &selector(&[("app", "api")])),
            Some(true)
        );
        assert_eq!(
            index.matches(None, &selector(&[("app", "api"), ("zone", "a")])),
            Some(false)
        );
    }
}
