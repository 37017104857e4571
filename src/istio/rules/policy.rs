//! Policy rules: locality failover comes with outlier detection (in the traffic policy that
//! takes effect, after subset and port-level merging; found by [`super::record`] while the rule
//! is whole), and every workload selector of a policy matches a declared workload.

use std::collections::BTreeMap;

use super::inventory::string_map;
use super::{Bundle, Found, Inventory};
use crate::diagnostic::Code;
use crate::diagnostic::Path;

/// Runs the policy rules.
pub(crate) fn check(bundle: &Bundle<'_>, inventory: &Inventory, out: &mut Found) {
    // Locality failover comes with outlier detection: found when each rule was read.
    for rule in &bundle.destination_rules {
        out.extend(&rule.rule.failover);
    }
    selectors(bundle, inventory, out);
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
