//! What the rules across resources keep of a document once it has been checked on its own: the
//! fields they, and the [`Inventory`](super::Inventory), read, and nothing else. A render of a
//! large mesh is mostly authorization rules and route matches, which no rule across resources
//! reads; trimming each document as it is read keeps the bundle's memory to the index those
//! rules need, not the whole mesh's trees (issue 13).
//!
//! Trimming removes entries and never moves one: what is kept is the node it was, with its
//! line, so every finding of the rules points where it pointed in the whole tree. A kind is
//! trimmed only where this module names what its rules read; every other kind is kept whole.

use super::super::document::Document;
use crate::yaml::{Node, Value};

/// The keys of an AuthorizationPolicy's, RequestAuthentication's or PeerAuthentication's
/// `spec` that rules read: the selector ([`super::policy`]).
const POLICY_SPEC: &[&str] = &["selector"];

/// The keys of a VirtualService's `spec` that rules read ([`super::VirtualService`]).
const ROUTE_SPEC: &[&str] = &["hosts", "gateways", "http", "tcp", "tls"];

/// The keys of an `http`, `tcp` or `tls` route that rules read: its destinations, and an HTTP
/// route's timeout and retries ([`super::routing`]).
const ROUTE_RULE: &[&str] = &["route", "mirror", "mirrors", "timeout", "retries"];

/// The keys of a route destination (`route[].destination`, `mirror`,
/// `mirrors[].destination`) that rules read.
const DESTINATION: &[&str] = &["host", "subset"];

/// The keys of an HTTP route's `retries` that the retry rule reads.
const RETRIES: &[&str] = &["attempts", "perTryTimeout"];

/// The keys of a DestinationRule's `spec` that rules read: its host and subsets' names
/// ([`super::routing`]), whether it selects workloads, and the traffic policies' failover
/// ([`super::policy`]).
const DESTINATION_SPEC: &[&str] = &["host", "subsets", "workloadSelector", "trafficPolicy"];

/// The keys of a subset that rules read.
const SUBSET: &[&str] = &["name", "trafficPolicy"];

/// The keys of a traffic policy (and of its port-level ones) that the failover rule reads.
const TRAFFIC_POLICY: &[&str] = &["loadBalancer", "outlierDetection", "portLevelSettings"];

/// Drops from `document` what no rule across resources reads.
pub(crate) fn trim(document: &mut Document) {
    let (Some((group, _)), Some(kind)) = (document.api(), document.kind()) else {
        return;
    };
    let trim_spec: fn(&mut Node) = match (group, kind) {
        (
            "security.istio.io",
            "AuthorizationPolicy" | "RequestAuthentication" | "PeerAuthentication",
        ) => |spec| keep(spec, POLICY_SPEC),
        ("networking.istio.io", "VirtualService") => |spec| {
            keep(spec, ROUTE_SPEC);
            for protocol in ["http", "tcp", "tls"] {
                for rule in items_mut(spec, protocol) {
                    route_rule(rule);
                }
            }
        },
        ("networking.istio.io", "DestinationRule") => |spec| {
            keep(spec, DESTINATION_SPEC);
            traffic_policy(get_mut(spec, "trafficPolicy"));
            for subset in items_mut(spec, "subsets") {
                keep(subset, SUBSET);
                traffic_policy(get_mut(subset, "trafficPolicy"));
            }
        },
        _ => return,
    };
    if let Some(spec) = get_mut(&mut document.root, "spec") {
        trim_spec(spec);
    }
}

fn route_rule(rule: &mut Node) {
    keep(rule, ROUTE_RULE);
    for list in ["route", "mirrors"] {
        for item in items_mut(rule, list) {
            keep(item, &["destination"]);
            if let Some(destination) = get_mut(item, "destination") {
                keep(destination, DESTINATION);
            }
        }
    }
    if let Some(mirror) = get_mut(rule, "mirror") {
        keep(mirror, DESTINATION);
    }
    if let Some(retries) = get_mut(rule, "retries") {
        keep(retries, RETRIES);
    }
}

fn traffic_policy(policy: Option<&mut Node>) {
    let Some(policy) = policy else { return };
    keep(policy, TRAFFIC_POLICY);
    for port in items_mut(policy, "portLevelSettings") {
        keep(port, TRAFFIC_POLICY);
    }
}

/// Keeps the entries of a mapping under `keys`; anything else is left as it is.
fn keep(node: &mut Node, keys: &[&str]) {
    if let Value::Map(entries) = &mut node.value {
        entries.retain(|(key, _)| keys.contains(&key.as_str()));
        entries.shrink_to_fit();
    }
}

fn get_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

fn items_mut<'a>(node: &'a mut Node, key: &str) -> &'a mut [Node] {
    match get_mut(node, key) {
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => items,
        _ => &mut [],
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::istio::World;
    use crate::istio::document::read;
    use crate::istio::rules::{Inventory, check_bundle};

    const POLICY: &str = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n\
                          metadata: {name: p, namespace: shop}\n\
                          spec:\n  selector: {matchLabels: {app: cart}}\n  action: ALLOW\n  \
                          rules:\n  - from: [{source: {principals: [a]}}]\n";

    fn documents(text: &str) -> Vec<Document> {
        read("f.yaml", text, &Arc::from("default")).0
    }

    fn trimmed(text: &str) -> Node {
        let mut document = documents(text).remove(0);
        trim(&mut document);
        document.root
    }

    #[test]
    fn a_policy_keeps_its_selector_where_it_was() {
        let root = trimmed(POLICY);
        let spec = root.get("spec").expect("spec is kept");
        let keys: Vec<&str> = spec.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["selector"]);
        assert_eq!(spec.get("selector").map(|s| s.line), Some(5));
        assert_eq!(
            root.at(&["metadata", "name"]).and_then(Node::as_str),
            Some("p")
        );
    }

    #[test]
    fn a_route_keeps_its_destinations_timeout_and_retries_at_their_index() {
        let root = trimmed(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\n\
             metadata: {name: r, namespace: shop}\nspec:\n  hosts: [cart]\n  http:\n  \
             - match: [{uri: {prefix: /a}}]\n    route: [{destination: {host: cart}}]\n    \
             timeout: 1s\n    headers: {request: {set: {x: y}}}\n    \
             retries: {attempts: 2, perTryTimeout: 1s, retryOn: 5xx}\n  \
             - route: [{destination: {host: cart, subset: v2, port: {number: 80}}, weight: 9}]\n    \
             mirror: {host: log, port: {number: 80}}\n    \
             mirrors: [{destination: {host: log}, percentage: {value: 5}}]\n",
        );
        let http = root.at(&["spec", "http"]).expect("http is kept").items();
        let keys = |node: Option<&Node>| -> Vec<String> {
            node.map(Node::entries)
                .unwrap_or_default()
                .iter()
                .map(|(k, _)| k.clone())
                .collect()
        };
        assert_eq!(keys(Some(&http[0])), ["route", "timeout", "retries"]);
        assert_eq!(keys(http[0].get("retries")), ["attempts", "perTryTimeout"]);
        assert_eq!(keys(Some(&http[1])), ["route", "mirror", "mirrors"]);
        assert_eq!(http[1].line, 12);
        let route = &http[1].get("route").unwrap().items()[0];
        assert_eq!(keys(Some(route)), ["destination"]);
        assert_eq!(keys(route.get("destination")), ["host", "subset"]);
        assert_eq!(keys(http[1].get("mirror")), ["host"]);
        let mirror = &http[1].get("mirrors").unwrap().items()[0];
        assert_eq!(keys(Some(mirror)), ["destination"]);
    }

    #[test]
    fn a_destination_rule_keeps_what_failover_and_subsets_need() {
        let root = trimmed(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n\
             metadata: {name: r, namespace: shop}\nspec:\n  host: cart\n  \
             trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    outlierDetection: {}\n    \
             portLevelSettings: [{port: {number: 80}, connectionPool: {}, loadBalancer: {}}]\n  \
             subsets: [{name: v1, labels: {v: '1'}, trafficPolicy: {connectionPool: {}}}]\n",
        );
        let spec = root.get("spec").expect("spec is kept");
        let keys = |node: &Node| -> Vec<String> {
            node.entries().iter().map(|(k, _)| k.clone()).collect()
        };
        assert_eq!(keys(spec), ["host", "trafficPolicy", "subsets"]);
        let policy = spec.get("trafficPolicy").expect("policy");
        assert_eq!(keys(policy), ["outlierDetection", "portLevelSettings"]);
        assert_eq!(
            keys(&policy.get("portLevelSettings").unwrap().items()[0]),
            ["loadBalancer"]
        );
        let subset = &spec.get("subsets").unwrap().items()[0];
        assert_eq!(keys(subset), ["name", "trafficPolicy"]);
        assert!(subset.get("trafficPolicy").unwrap().entries().is_empty());
    }

    #[test]
    fn other_kinds_are_kept_whole() {
        for text in [
            POLICY.replace("security.istio.io/v1", "example.com/v1"),
            POLICY.replace("AuthorizationPolicy", "Telemetry"),
        ] {
            assert_eq!(trimmed(&text), documents(&text).remove(0).root);
        }
    }

    /// The rules across resources find the same on trimmed documents as on whole ones, message
    /// for message and line for line, over every bundle of the verify and webhook fixtures and
    /// every committed render.
    #[test]
    fn the_rules_find_on_trimmed_documents_what_they_find_on_whole_ones() {
        let mut bundles: Vec<Vec<std::path::PathBuf>> = Vec::new();
        for dir in ["tests/fixtures/verify", "tests/fixtures/webhook", "out"] {
            let files = crate::yaml::files_below(dir);
            // Each file alone, and each fixture's folder as one bundle.
            bundles.extend(files.iter().map(|f| vec![f.clone()]));
            let mut folders: Vec<&Path> = files.iter().filter_map(|f| f.parent()).collect();
            folders.dedup();
            for folder in folders {
                bundles.push(
                    files
                        .iter()
                        .filter(|f| f.parent() == Some(folder))
                        .cloned()
                        .collect(),
                );
            }
        }
        let mut findings = 0;
        for bundle in bundles {
            let mut whole = Vec::new();
            for file in &bundle {
                let text = std::fs::read_to_string(file).expect("a fixture");
                whole.extend(read(&file.to_string_lossy(), &text, &Arc::from("default")).0);
            }
            let mut kept = whole.clone();
            kept.iter_mut().for_each(trim);
            for world in [World::Open, World::Closed] {
                let check = |documents: &[Document]| {
                    let mut inventory = Inventory::default();
                    inventory.add_documents(documents);
                    inventory.add_operators(documents);
                    format!("{:?}", check_bundle(documents, &inventory, world))
                };
                let expected = check(&whole);
                findings += expected.matches("Diagnostic").count();
                assert_eq!(check(&kept), expected, "{bundle:?}");
            }
        }
        assert!(
            findings > 20,
            "the fixtures hold findings to compare ({findings})"
        );
    }
}
