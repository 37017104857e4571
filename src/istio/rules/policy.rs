//! Policy rules: locality failover comes with outlier detection (in the traffic policy that
//! takes effect, after subset and port-level merging), and every workload selector of a policy
//! matches a declared workload.

use std::collections::{BTreeMap, HashSet};

use super::inventory::string_map;
use super::{Bundle, Found, Inventory};
use crate::diagnostic::Code;
use crate::diagnostic::Path;
use crate::istio::document::Document;
use crate::yaml::{Node, Value};

/// Runs the policy rules.
pub(crate) fn check(bundle: &Bundle<'_>, inventory: &Inventory, out: &mut Found) {
    for document in &bundle.destination_rules {
        failover(document, out);
    }
    selectors(bundle, inventory, out);
}

/// What failover depends on in a traffic policy, after merging.
#[derive(Clone)]
struct Effective {
    /// Path of the `failover` (or `failoverPriority`) list that applies.
    failover: Option<Path>,
    /// Whether outlier detection applies.
    outlier: bool,
}

impl Effective {
    /// `policy` merged over `base` field by field, as Istio merges subset and port policies.
    fn of(policy: &Node, path: &Path, base: Option<&Effective>) -> Self {
        let locality = policy.at(&["loadBalancer", "localityLbSetting"]);
        let enabled = locality
            .and_then(|l| l.get("enabled"))
            .is_none_or(|e| e.value != Value::Bool(false));
        let own = locality.filter(|_| enabled).and_then(|l| {
            ["failover", "failoverPriority"]
                .into_iter()
                .find(|k| l.get(k).is_some_and(|f| !f.items().is_empty()))
                .map(|k| path.key("loadBalancer").key("localityLbSetting").key(k))
        });
        let inherits_balancer = policy.get("loadBalancer").is_none();
        Self {
            failover: own.or_else(|| {
                base.filter(|_| inherits_balancer)
                    .and_then(|b| b.failover.clone())
            }),
            outlier: policy.get("outlierDetection").is_some() || base.is_some_and(|b| b.outlier),
        }
    }
}

/// Locality failover without outlier detection never fails over: endpoints are never ejected.
/// Checked for the rule's traffic policy, each subset's and each port-level one, as merged.
fn failover(document: &Document, out: &mut Found) {
    let Some(spec) = document.spec() else { return };
    let mut policies: Vec<Effective> = Vec::new();
    let add =
        |policy: &Node, path: Path, base: Option<&Effective>, policies: &mut Vec<Effective>| {
            let effective = Effective::of(policy, &path, base);
            for (i, port) in policy
                .get("portLevelSettings")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                policies.push(Effective::of(
                    port,
                    &path.key("portLevelSettings").index(i),
                    Some(&effective),
                ));
            }
            policies.push(effective.clone());
            effective
        };
    let top = spec
        .get("trafficPolicy")
        .map(|p| add(p, Path::of(&["spec", "trafficPolicy"]), None, &mut policies));
    for (i, subset) in spec
        .get("subsets")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(policy) = subset.get("trafficPolicy") {
            let path = Path::of(&["spec", "subsets"]).index(i).key("trafficPolicy");
            add(policy, path, top.as_ref(), &mut policies);
        }
    }
    let mut reported = HashSet::new();
    for policy in policies {
        if let (Some(path), false) = (policy.failover, policy.outlier)
            && reported.insert(path.clone())
        {
            out.add(
                document,
                Code::FailoverWithoutOutlierDetection,
                path,
                "locality failover without outlierDetection: unhealthy endpoints are never \
                 ejected, so traffic never fails over; add outlierDetection"
                    .to_string(),
            );
        }
    }
}

/// Every policy selector matches a workload the bundle declares. A policy in the root
/// namespace applies mesh-wide, and a Gateway may select pods anywhere.
fn selectors(bundle: &Bundle<'_>, inventory: &Inventory, out: &mut Found) {
    let index = inventory.workload_index(out.world);
    let root = bundle
        .operators
        .iter()
        .find_map(|o| o.spec()?.at(&["meshConfig", "rootNamespace"])?.as_str())
        .unwrap_or("istio-system");
    for document in bundle.documents {
        let Some((group, _)) = document.api() else {
            continue;
        };
        let keys: &[&str] = match (group, document.kind().unwrap_or_default()) {
            (
                "security.istio.io",
                "AuthorizationPolicy" | "RequestAuthentication" | "PeerAuthentication",
            )
            | ("telemetry.istio.io", "Telemetry") => &["spec", "selector", "matchLabels"],
            ("networking.istio.io", "EnvoyFilter") => &["spec", "workloadSelector", "labels"],
            ("networking.istio.io", "Gateway") => &["spec", "selector"],
            _ => continue,
        };
        let Some(selector) = document.root.at(keys) else {
            continue;
        };
        let labels: BTreeMap<String, String> = string_map(selector);
        if labels.is_empty() {
            continue;
        }
        let namespace = document.namespace().unwrap_or_default();
        let scope = if document.kind() == Some("Gateway") || namespace == root {
            None
        } else {
            Some(namespace)
        };
        let found = if document.kind() == Some("Gateway") {
            index.matches_gateway(&labels)
        } else {
            index.matches(scope, &labels)
        };
        if found == Some(false) {
            let shown: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let place =
                scope.map_or_else(|| "the mesh".to_string(), |ns| format!("namespace {ns}"));
            out.missing(
                document,
                Code::SelectorMatchesNoWorkload,
                Path::of(keys),
                format!(
                    "selector {} matches no declared workload in {place}, so it applies to nothing",
                    shown.join(",")
                ),
            );
        }
    }
}
