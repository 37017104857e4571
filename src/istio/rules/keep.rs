//! What the rules across resources keep of a document once it has been checked on its own: the
//! fields they, and the [`Inventory`](super::Inventory), read, and nothing else. A render of a
//! large mesh is mostly authorization rules, routes and destination rules, whose trees no rule
//! across resources needs whole; trimming each document as it is read keeps the bundle's memory
//! to the index those rules need, not the whole mesh's trees (issue 13).
//!
//! A VirtualService or DestinationRule keeps a [`Record`] read from its whole tree (the strings
//! the rules compare, and the line of each field a finding points at) and no `spec`. Of a policy
//! the `spec` keeps its selector: trimming removes entries and never moves one, so what is kept
//! is the node it was, with its line, and every finding points where it pointed in the whole
//! tree. A kind is trimmed only where this module names what its rules read; every other kind
//! is kept whole.

use std::borrow::Cow;

use super::super::document::Document;
use super::record::{Record, Routes, Rule};
use crate::yaml::{Node, Value};

/// The keys of an AuthorizationPolicy's, RequestAuthentication's or PeerAuthentication's
/// `spec` that rules read: the selector ([`super::policy`]).
const POLICY_SPEC: &[&str] = &["selector"];

/// The keys of a trimmed kind's `metadata` that rules read: what names the object.
const METADATA: &[&str] = &["name", "namespace"];

/// The `apiVersion`s and kinds of the trimmed kinds, which thousands of kept documents repeat.
const WORDS: &[&str] = &[
    "networking.istio.io/v1",
    "networking.istio.io/v1beta1",
    "networking.istio.io/v1alpha3",
    "security.istio.io/v1",
    "security.istio.io/v1beta1",
    "VirtualService",
    "DestinationRule",
    "AuthorizationPolicy",
    "RequestAuthentication",
    "PeerAuthentication",
];

/// `document` trimmed ([`trim`]), owning what is left. Of a trimmed document every key is one
/// of this module's and its `apiVersion` and `kind` mostly one of [`WORDS`]: those are kept as
/// `'static` strings rather than copied, seven of a trimmed document's nine strings (issue 13).
pub(crate) fn kept(mut document: Document<'_>) -> Document<'static> {
    if !trim(&mut document) {
        return document.into_owned();
    }
    document.map_root(|root| owned(root, &["apiVersion", "kind", "metadata", "spec"]))
}

/// A trimmed mapping, owned, its keys among `keys` taken from there.
fn owned(node: Node<'_>, keys: &[&'static str]) -> Node<'static> {
    let Value::Map(entries) = node.value else {
        return node.into_owned();
    };
    let entries = entries
        .into_iter()
        .map(|(key, value)| {
            let value = match &*key {
                "metadata" => owned(value, METADATA),
                "spec" => owned(value, POLICY_SPEC),
                "apiVersion" | "kind" => word(value),
                _ => value.into_owned(),
            };
            let key = match keys.iter().find(|k| **k == key) {
                Some(k) => Cow::Borrowed(*k),
                None => Cow::Owned(key.into_owned()),
            };
            (key, value)
        })
        .collect();
    Node::new(node.line, Value::Map(entries))
}

/// A string of [`WORDS`] as the `'static` one, anything else owned.
fn word(node: Node<'_>) -> Node<'static> {
    match &node.value {
        Value::Str(s) => match WORDS.iter().find(|w| **w == s) {
            Some(w) => Node::new(node.line, Value::Str(Cow::Borrowed(*w))),
            None => node.into_owned(),
        },
        _ => node.into_owned(),
    }
}

/// Drops from `document` what no rule across resources reads; whether it was of a kind this
/// module trims.
fn trim(document: &mut Document) -> bool {
    let (Some((group, _)), Some(kind)) = (document.api(), document.kind()) else {
        return false;
    };
    let record = match (group, kind) {
        (
            "security.istio.io",
            "AuthorizationPolicy" | "RequestAuthentication" | "PeerAuthentication",
        ) => None,
        ("networking.istio.io", "VirtualService") => Some(Record::Routes(Routes::of(document))),
        ("networking.istio.io", "DestinationRule") => Some(Record::Rule(Rule::of(document))),
        _ => return false,
    };
    if let Some(metadata) = get_mut(&mut document.root, "metadata") {
        keep(metadata, METADATA);
    }
    match record {
        Some(record) => {
            keep(&mut document.root, &["apiVersion", "kind", "metadata"]);
            document.record = Some(Box::new(record));
        }
        None => {
            keep(
                &mut document.root,
                &["apiVersion", "kind", "metadata", "spec"],
            );
            if let Some(spec) = get_mut(&mut document.root, "spec") {
                keep(spec, POLICY_SPEC);
            }
        }
    }
    true
}

/// Keeps the entries of a mapping under `keys`; anything else is left as it is.
fn keep(node: &mut Node, keys: &[&str]) {
    if let Value::Map(entries) = &mut node.value {
        entries.retain(|(key, _)| keys.contains(&key.as_ref()));
        entries.shrink_to_fit();
    }
}

fn get_mut<'a, 'y>(node: &'a mut Node<'y>, key: &str) -> Option<&'a mut Node<'y>> {
    match &mut node.value {
        Value::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
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

    fn documents(text: &str) -> Vec<Document<'_>> {
        read("f.yaml", text, &Arc::from("default")).0
    }

    fn trimmed(text: &str) -> Node<'static> {
        kept(documents(text).remove(0)).root
    }

    #[test]
    fn a_policy_keeps_its_selector_where_it_was() {
        let root = trimmed(POLICY);
        let spec = root.get("spec").expect("spec is kept");
        let keys: Vec<&str> = spec.entries().iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["selector"]);
        assert_eq!(spec.get("selector").map(|s| s.line), Some(5));
        assert_eq!(
            root.at(&["metadata", "name"]).and_then(Node::as_str),
            Some("p")
        );
    }

    #[test]
    fn a_kept_document_shares_its_keys_and_known_words() {
        // Whether a kept string is the module's own rather than a copy.
        let shared = |s: &Cow<str>| matches!(s, Cow::Borrowed(_));
        let root = trimmed(POLICY);
        assert!(root.entries().iter().all(|(k, _)| shared(k)));
        let metadata = root.get("metadata").unwrap().entries();
        assert!(metadata.iter().all(|(k, _)| shared(k)));
        let spec = root.get("spec").unwrap().entries();
        assert!(!spec.is_empty() && spec.iter().all(|(k, _)| shared(k)));
        let Some(Value::Str(kind)) = root.get("kind").map(|k| &k.value) else {
            panic!("a kind")
        };
        assert!(shared(kind));
        let Some(Value::Str(name)) = metadata.first().map(|(_, v)| &v.value) else {
            panic!("a name")
        };
        assert!(!shared(name));
        let other = POLICY.replace("security.istio.io/v1", "security.istio.io/v9");
        let root = trimmed(&other);
        let Some(Value::Str(api)) = root.get("apiVersion").map(|a| &a.value) else {
            panic!("an apiVersion")
        };
        assert_eq!((&**api, shared(api)), ("security.istio.io/v9", false));
    }

    /// The line a finding points at.
    fn line(diagnostic: &crate::diagnostic::Diagnostic) -> u32 {
        match &diagnostic.primary.span {
            crate::diagnostic::Span::Yaml(at) => at.line,
            _ => 0,
        }
    }

    /// The document trimmed, and its record.
    fn recorded(text: &str) -> (Node<'static>, Record) {
        let mut document = kept(documents(text).remove(0));
        let record = document.record.take().expect("a record");
        (document.root, *record)
    }

    #[test]
    fn a_route_keeps_its_destinations_and_their_lines_and_no_spec() {
        let (root, record) = recorded(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\n\
             metadata: {name: r, namespace: shop, labels: {a: b}}\nspec:\n  hosts: [cart]\n  \
             gateways: [edge]\n  http:\n  \
             - match: [{uri: {prefix: /a}}]\n    route: [{destination: {host: cart}}]\n    \
             timeout: 1s\n    retries: {attempts: 2, perTryTimeout: 2s, retryOn: 5xx}\n  \
             - route: [{destination: {host: cart, subset: v2, port: {number: 80}}, weight: 9}]\n    \
             mirror: {host: log, port: {number: 80}}\n",
        );
        let keys: Vec<&str> = root.entries().iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata"]);
        let metadata: Vec<&str> = root
            .get("metadata")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, _)| k.as_ref())
            .collect();
        assert_eq!(metadata, ["name", "namespace"]);
        let Record::Routes(routes) = record else {
            panic!("a VirtualService keeps its routes")
        };
        assert_eq!(routes.hosts, [(0, 5, "cart.shop.svc.cluster.local".into())]);
        assert_eq!(
            routes.bindings,
            [(Some((0, 6)), Some(("shop".into(), "edge".into())))]
        );
        let destinations: Vec<String> = routes
            .destinations
            .iter()
            .map(|d| format!("{} {} {:?} {}", d.host, d.host_line, d.subset, d.at.path()))
            .collect();
        assert_eq!(
            destinations,
            [
                "cart.shop.svc.cluster.local 9 None spec.http[0].route[0].destination",
                "cart.shop.svc.cluster.local 12 Some((\"v2\", 12)) spec.http[1].route[0].destination",
                "log.shop.svc.cluster.local 13 None spec.http[1].mirror",
            ]
        );
        let [first, second, _] = &routes.destinations[..] else {
            panic!("three destinations")
        };
        assert!(
            Arc::ptr_eq(&routes.hosts[0].2, &first.host),
            "shares the host"
        );
        assert!(
            Arc::ptr_eq(&first.host, &second.host),
            "shares the last host"
        );
        assert_eq!(size_of::<super::super::DestinationAt>(), 16);
        assert_eq!(size_of::<super::super::record::Destination>(), 64);
        let retries: Vec<(u32, String)> = routes
            .retries
            .iter()
            .map(|d| (line(d), d.message.clone()))
            .collect();
        assert_eq!(
            retries,
            [(
                11,
                "perTryTimeout 2s exceeds the route timeout 1s, so no retry can run".into()
            )]
        );
    }

    #[test]
    fn a_destination_rule_keeps_its_host_subsets_and_failover_findings() {
        let (root, record) = recorded(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n\
             metadata: {name: r, namespace: shop}\nspec:\n  host: cart\n  \
             workloadSelector: {matchLabels: {app: cart}}\n  \
             trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        \
             failover: [{from: a, to: b}]\n  \
             subsets: [{name: v1, labels: {v: '1'}}, {name: v2}]\n",
        );
        assert!(root.get("spec").is_none());
        let Record::Rule(rule) = record else {
            panic!("a DestinationRule keeps its rule")
        };
        assert_eq!(rule.host, Some(("cart.shop.svc.cluster.local".into(), 5)));
        assert_eq!(rule.subsets, ["v1".into(), "v2".into()]);
        assert!(rule.selects_workloads);
        let failover: Vec<String> = rule
            .failover
            .iter()
            .map(|d| format!("{} {}", line(d), d.code))
            .collect();
        assert_eq!(failover, ["10 failover-without-outlier-detection"]);
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
                let (documents, _) = read(&file.to_string_lossy(), &text, &Arc::from("default"));
                whole.extend(documents.into_iter().map(Document::into_owned));
            }
            let small: Vec<Document> = whole.iter().cloned().map(kept).collect();
            for world in [World::Open, World::Closed] {
                let check = |documents: &[Document]| {
                    let mut inventory = Inventory::default();
                    inventory.add_documents(documents);
                    inventory.add_operators(documents);
                    format!("{:?}", check_bundle(documents, &inventory, world))
                };
                let expected = check(&whole);
                findings += expected.matches("Diagnostic").count();
                assert_eq!(check(&small), expected, "{bundle:?}");
            }
        }
        assert!(
            findings > 20,
            "the fixtures hold findings to compare ({findings})"
        );
    }
}
