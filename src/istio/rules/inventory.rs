//! What the bundle can refer to: the services that exist, and the workloads (pods) that
//! policies may select. A caller that knows them all declares them ([`Inventory::add_service`],
//! [`Inventory::add_workload`]: a render knows them from its profile); for hand-written files
//! they come from the Kubernetes objects among the files ([`Inventory::from_documents`]), and
//! what the files cannot tell is not judged.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::hosts::{CLUSTER_DOMAIN, service_namespace};
use crate::istio::document::Document;
use crate::yaml::{Node, Value};

/// A set of pods: their namespace and labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Namespace.
    pub namespace: String,
    /// Pod labels.
    pub labels: BTreeMap<String, String>,
}

/// The services and workloads a bundle may refer to. The default is an empty inventory that
/// declares everything there is: a host or selector it does not hold names nothing.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Service host names (FQDN).
    services: HashSet<String>,
    /// Workloads.
    workloads: Vec<Workload>,
    /// When the inventory comes from files: any `name.ns.svc.cluster.local` is taken to exist
    /// unless the files hold the Services of `ns`, and selectors are judged only in namespaces
    /// whose pod owners (Deployments, StatefulSets, …) the files hold.
    partial: bool,
    /// Namespaces whose Services the files hold.
    service_namespaces: HashSet<String>,
    /// Namespaces whose pod owners the files hold.
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
    }

    /// Adds a set of pods that policies may select.
    pub fn add_workload(&mut self, workload: Workload) {
        self.workloads.push(workload);
    }

    /// What Kubernetes objects among `documents` declare (Services, workloads).
    pub fn from_documents(documents: &[Document]) -> Self {
        let mut inventory = Self {
            partial: true,
            ..Self::default()
        };
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
                    labels,
                });
            }
        }
        inventory
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
                    match gateway
                        .get("label")
                        .map(string_map)
                        .filter(|l| !l.is_empty())
                    {
                        Some(labels) => {
                            self.workload_namespaces.insert(namespace.to_string());
                            self.workloads.push(Workload {
                                namespace: namespace.to_string(),
                                labels,
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

    /// Whether `host` (an FQDN) is a service that exists, or that the files cannot rule out.
    pub fn has_service(&self, host: &str) -> bool {
        if self.services.contains(host) {
            return true;
        }
        self.partial
            && service_namespace(host).is_some_and(|ns| !self.service_namespaces.contains(ns))
    }

    /// The workloads, indexed for selector look-ups.
    pub fn workload_index(&self) -> WorkloadIndex<'_> {
        let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, workload) in self.workloads.iter().enumerate() {
            for (key, value) in &workload.labels {
                by_label.entry((key, value)).or_default().push(i);
            }
        }
        WorkloadIndex {
            inventory: self,
            by_label,
        }
    }
}

/// Workloads by label, so that a selector is matched without scanning every workload.
pub struct WorkloadIndex<'a> {
    inventory: &'a Inventory,
    by_label: HashMap<(&'a str, &'a str), Vec<usize>>,
}

impl WorkloadIndex<'_> {
    /// `Some(true)` when a workload in `namespace` (any namespace for `None`) carries every
    /// label of `selector`; `None` when none does and the files do not say which workloads
    /// there are (a namespace without workloads in the files, or the whole mesh).
    pub fn matches(
        &self,
        namespace: Option<&str>,
        selector: &BTreeMap<String, String>,
    ) -> Option<bool> {
        let inventory = self.inventory;
        let Some((key, value)) = selector.iter().next() else {
            return Some(true);
        };
        let found = self
            .by_label
            .get(&(key.as_str(), value.as_str()))
            .is_some_and(|candidates| {
                candidates.iter().any(|&i| {
                    let workload = &inventory.workloads[i];
                    namespace.is_none_or(|ns| workload.namespace == ns)
                        && selector
                            .iter()
                            .all(|(k, v)| workload.labels.get(k) == Some(v))
                })
            });
        let known = !inventory.partial
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
pub fn string_map(node: &Node) -> BTreeMap<String, String> {
    node.entries()
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
        .collect()
}
