//! Routing rules: destinations exist, subsets are defined by the host's one DestinationRule,
//! no two VirtualServices claim a host for one binding, bound Gateways exist and cover the
//! hosts, ingress keeps the mesh's subset routing (IST0140), retries fit their timeout.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::hosts::{covering_wildcards, covers, fqdn};
use super::{Bundle, Found, GatewayRef, Inventory};
use crate::diagnostic::Code;
use crate::diagnostic::Path;
use crate::istio::cel::parse_duration;
use crate::yaml::Node;

/// Runs the routing rules.
pub(crate) fn check(bundle: &Bundle<'_>, inventory: &Inventory, out: &mut Found) {
    let subsets = destination_rules(bundle, out);
    destinations(bundle, inventory, &subsets, out);
    host_claims(bundle, out);
    gateways(bundle, out);
    ingress_subsets(bundle, out);
    retries(bundle, out);
}

/// Subsets by host, over every DestinationRule; reports a second DestinationRule for one host
/// in one namespace (Istio merges them, keeping one traffic policy and dropping the others).
fn destination_rules<'a>(
    bundle: &Bundle<'a>,
    out: &mut Found,
) -> HashMap<String, BTreeSet<&'a str>> {
    let mut subsets: HashMap<String, BTreeSet<&'a str>> = HashMap::new();
    let mut first: HashMap<(&str, String), &str> = HashMap::new();
    for document in &bundle.destination_rules {
        let namespace = document.namespace().unwrap_or_default();
        let Some(host) = document
            .spec()
            .and_then(|s| s.get("host"))
            .and_then(Node::as_str)
        else {
            continue;
        };
        let host = fqdn(host, namespace).into_owned();
        let names = subsets.entry(host.clone()).or_default();
        for subset in document
            .spec()
            .and_then(|s| s.get("subsets"))
            .map(Node::items)
            .unwrap_or_default()
        {
            if let Some(name) = subset.get("name").and_then(Node::as_str) {
                names.insert(name);
            }
        }
        if document
            .spec()
            .and_then(|s| s.get("workloadSelector"))
            .is_some()
        {
            continue;
        }
        let name = document.name().unwrap_or_default();
        match first.get(&(namespace, host.clone())) {
            Some(earlier) => out.add(
                document,
                Code::DuplicateDestinationRule,
                Path::of(&["spec", "host"]),
                format!(
                    "DestinationRule {earlier} in {namespace} already configures {host}; Istio \
                     keeps one traffic policy and silently drops the other: merge them into one"
                ),
            ),
            None => {
                first.insert((namespace, host), name);
            }
        }
    }
    subsets
}

/// Every destination host is a declared service or ServiceEntry; every subset is defined.
fn destinations(
    bundle: &Bundle<'_>,
    inventory: &Inventory,
    subsets: &HashMap<String, BTreeSet<&str>>,
    out: &mut Found,
) {
    let mut entries: HashSet<String> = HashSet::new();
    for document in &bundle.service_entries {
        let namespace = document.namespace().unwrap_or_default();
        for host in document
            .spec()
            .and_then(|s| s.get("hosts"))
            .map(Node::items)
            .unwrap_or_default()
        {
            if let Some(host) = host.as_str() {
                entries.insert(fqdn(host, namespace).into_owned());
            }
        }
    }
    // `Some(false)`: the host is none of the Services and ServiceEntries that exist.
    let world = out.world;
    let declared = |host: &str| {
        if entries.contains(host) || covering_wildcards(host).any(|w| entries.contains(&w)) {
            return Some(true);
        }
        inventory.has_service(host, world)
    };
    for vs in &bundle.virtual_services {
        for destination in &vs.destinations {
            if declared(&destination.host) == Some(false) {
                out.missing(
                    vs.document,
                    Code::UnknownDestinationHost,
                    destination.at.path().key("host"),
                    format!(
                        "{} is neither a declared service nor a ServiceEntry host; the route \
                         has no endpoints (503)",
                        destination.host
                    ),
                );
            }
            let Some(subset) = destination.subset else {
                continue;
            };
            match subsets.get(&*destination.host) {
                Some(names) if names.contains(subset) => {}
                Some(names) => out.add(
                    vs.document,
                    Code::UnknownSubset,
                    destination.at.path().key("subset"),
                    format!(
                        "the DestinationRule of {} defines no subset {subset} (it defines: {})",
                        destination.host,
                        names.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ),
                None => out.missing(
                    vs.document,
                    Code::UnknownSubset,
                    destination.at.path().key("subset"),
                    format!(
                        "subset {subset} of {} is defined by no DestinationRule",
                        destination.host
                    ),
                ),
            }
        }
    }
}

/// No two VirtualServices (or two entries of one) claim a host for the same binding.
fn host_claims(bundle: &Bundle<'_>, out: &mut Found) {
    // (binding, host) → the VirtualService that claimed it first: its name and index.
    type Claim<'a> = (Option<&'a GatewayRef>, &'a str);
    let mut claimed: HashMap<Claim<'_>, (&str, usize)> = HashMap::new();
    for (index, vs) in bundle.virtual_services.iter().enumerate() {
        for (_, binding) in &vs.bindings {
            for (i, host) in &vs.hosts {
                let key = (binding.as_ref(), host.as_str());
                let scope = match binding {
                    None => "the mesh".to_string(),
                    Some((ns, name)) => format!("gateway {ns}/{name}"),
                };
                match claimed.get(&key) {
                    Some((_, earlier)) if *earlier == index => out.add(
                        vs.document,
                        Code::ConflictingVirtualServiceHost,
                        Path::of(&["spec", "hosts"]).index(*i),
                        format!("{host} is listed twice for {scope} (a short name and its FQDN count as one host)"),
                    ),
                    Some((name, _)) => out.add(
                        vs.document,
                        Code::ConflictingVirtualServiceHost,
                        Path::of(&["spec", "hosts"]).index(*i),
                        format!(
                            "VirtualService {name} already claims {host} for {scope}; Istio \
                             applies only one of them: merge them into one"
                        ),
                    ),
                    None => {
                        claimed.insert(key, (vs.document.name().unwrap_or_default(), index));
                    }
                }
            }
        }
    }
}

/// A Gateway's server hosts: the namespace part (`*` when none) and the host, lower-cased.
type HostPatterns<'a> = Vec<(&'a str, String)>;

/// Every bound Gateway exists and one of its servers covers each host (IST0101, IST0132).
fn gateways(bundle: &Bundle<'_>, out: &mut Found) {
    // A bare name means the VirtualService's namespace; the Gateway is often elsewhere.
    let elsewhere = |name: &str| {
        let mut found: Vec<String> = bundle
            .gateways
            .keys()
            .filter(|(_, n)| *n == name)
            .map(|(ns, n)| format!("{ns}/{n}"))
            .collect();
        found.sort();
        match found.first() {
            Some(first) => format!(
                "; the files define {}: name it with its namespace (`{first}`)",
                found.join(", ")
            ),
            None => String::new(),
        }
    };
    for vs in &bundle.virtual_services {
        // The host patterns of each bound Gateway that exists; `None` once a bound Gateway is
        // missing, whose hosts the files cannot show.
        let mut accepting: Option<Vec<(String, HostPatterns<'_>)>> = Some(Vec::new());
        for (index, binding) in &vs.bindings {
            let (Some(index), Some((namespace, name))) = (index, binding) else {
                continue;
            };
            let path = Path::of(&["spec", "gateways"]).index(*index);
            let Some(gateway) = bundle.gateways.get(&(namespace.as_str(), name.as_str())) else {
                out.missing(
                    vs.document,
                    Code::UnknownGateway,
                    path,
                    format!(
                        "Gateway {namespace}/{name} is not defined{}",
                        elsewhere(name)
                    ),
                );
                accepting = None;
                continue;
            };
            let servers = gateway
                .spec()
                .and_then(|s| s.get("servers"))
                .map(Node::items)
                .unwrap_or_default();
            let patterns: Vec<(&str, String)> = servers
                .iter()
                .flat_map(|s| s.get("hosts").map(Node::strings).into_iter().flatten())
                .map(|h| match h.split_once('/') {
                    Some((ns, host)) => (ns, host.to_ascii_lowercase()),
                    None => ("*", h.to_ascii_lowercase()),
                })
                .collect();
            if let Some(accepting) = &mut accepting {
                accepting.push((format!("{namespace}/{name}"), patterns));
            }
        }
        // A host is used if any binding takes it: the mesh takes every host, so only a
        // VirtualService bound to gateways alone can hold a host that nothing routes.
        let Some(accepting) = accepting.filter(|a| !a.is_empty() && !vs.binds_mesh()) else {
            continue;
        };
        for (i, host) in &vs.hosts {
            let accepted = accepting.iter().any(|(gateway, patterns)| {
                let namespace = gateway.split_once('/').map_or("", |(ns, _)| ns);
                let visible = |ns: &str| {
                    ns == "*" || ns == vs.namespace || (ns == "." && namespace == vs.namespace)
                };
                patterns
                    .iter()
                    .any(|(ns, pattern)| visible(ns) && covers(pattern, host))
            });
            if !accepted {
                let names: Vec<&str> = accepting.iter().map(|(g, _)| g.as_str()).collect();
                let (gateway, names) = if names.len() == 1 {
                    ("Gateway", names.join(""))
                } else {
                    ("the bound Gateways", names.join(", "))
                };
                out.add(
                    vs.document,
                    Code::GatewayHostMismatch,
                    Path::of(&["spec", "hosts"]).index(*i),
                    format!(
                        "no server of {gateway} {names} accepts host {host}, so this route is \
                         never used"
                    ),
                );
            }
        }
    }
}

/// A gateway does not apply mesh VirtualServices, so a gateway-bound VirtualService must keep
/// the subset routing of the mesh's routes to a host (IST0140). It loses it when it routes to a
/// host with no subset at all while the mesh uses subsets for it, or routes without a subset to
/// a host that the mesh only ever routes by subset.
fn ingress_subsets(bundle: &Bundle<'_>, out: &mut Found) {
    // Per host: the mesh VirtualService that routes it by subset, and whether the mesh also
    // routes it without one.
    let mut mesh: HashMap<&str, (&str, Vec<&str>, bool)> = HashMap::new();
    for vs in bundle.virtual_services.iter().filter(|vs| vs.binds_mesh()) {
        for destination in &vs.destinations {
            if let Some(subset) = destination.subset {
                let entry = mesh.entry(&*destination.host).or_insert((
                    vs.document.name().unwrap_or_default(),
                    Vec::new(),
                    false,
                ));
                if !entry.1.contains(&subset) {
                    entry.1.push(subset);
                }
            }
        }
    }
    for vs in bundle.virtual_services.iter().filter(|vs| vs.binds_mesh()) {
        for destination in vs.destinations.iter().filter(|d| d.subset.is_none()) {
            if let Some(entry) = mesh.get_mut(&*destination.host) {
                entry.2 = true;
            }
        }
    }
    for vs in bundle.virtual_services.iter().filter(|vs| !vs.binds_mesh()) {
        let with_subset: HashSet<&str> = vs
            .destinations
            .iter()
            .filter(|d| d.subset.is_some())
            .map(|d| &*d.host)
            .collect();
        let mut reported = HashSet::new();
        for destination in vs.destinations.iter().filter(|d| d.subset.is_none()) {
            let host = &*destination.host;
            let Some((name, subsets, plain)) = mesh.get(host) else {
                continue;
            };
            if (with_subset.contains(host) && *plain) || !reported.insert(host) {
                continue;
            }
            // A warning, as istioctl's IST0140: a rate-limited gateway route keeps only the
            // service's final route on purpose (one token bucket per Envoy route).
            out.add(
                vs.document,
                Code::IngressBypassesSubsets,
                destination.at.path().key("host"),
                format!(
                    "ingress traffic to {host} skips the subset routing of VirtualService {name} \
                     (which routes it by subset: {}): a gateway does not apply mesh \
                     VirtualServices, so repeat their subset routes here",
                    subsets.join(", ")
                ),
            );
        }
    }
}

/// A route's per-try timeout fits its timeout (error), and so do all its tries (warning).
fn retries(bundle: &Bundle<'_>, out: &mut Found) {
    let duration = |node: &Node, key: &str| {
        node.get(key)
            .and_then(Node::as_str)
            .and_then(|d| parse_duration(d).ok())
    };
    for vs in &bundle.virtual_services {
        for (i, route) in &vs.http {
            let (Some(timeout), Some(retries)) = (duration(route, "timeout"), route.get("retries"))
            else {
                continue;
            };
            let Some(per_try) = duration(retries, "perTryTimeout") else {
                continue;
            };
            let attempts = match retries.get("attempts").map(|a| &a.value) {
                Some(crate::yaml::Value::Int(n)) => *n,
                _ => continue,
            };
            let path = Path::of(&["spec", "http"])
                .index(*i)
                .key("retries")
                .key("perTryTimeout");
            let shown = |nanos: i64| {
                if nanos % 1_000_000_000 == 0 {
                    format!("{}s", nanos / 1_000_000_000)
                } else {
                    format!("{}ms", nanos / 1_000_000)
                }
            };
            if timeout > 0 && per_try > timeout {
                out.add(
                    vs.document,
                    Code::PerTryExceedsTimeout,
                    path,
                    format!(
                        "perTryTimeout {} exceeds the route timeout {}, so no retry can run",
                        shown(per_try),
                        shown(timeout)
                    ),
                );
            } else if timeout > 0
                && attempts > 0
                && i128::from(per_try) * i128::from(attempts + 1) > i128::from(timeout)
            {
                out.add(
                    vs.document,
                    Code::RetriesCutByTimeout,
                    path,
                    format!(
                        "{} tries of {} need more than the route timeout {}; the last retries never run",
                        attempts + 1,
                        shown(per_try),
                        shown(timeout)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::istio::{Input, Options, Schemas, World, check};

    /// `code: message` of each finding of the rules across resources in `yaml`.
    fn findings(yaml: &str) -> Vec<String> {
        let input = [Input {
            name: "t.yaml",
            text: yaml,
        }];
        let options = Options {
            webhook: false,
            world: World::Open,
            ..Options::new(Schemas::Nothing)
        };
        check(&input, options)
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect()
    }

    fn gateway(namespace: &str, hosts: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: edge, namespace: \
             {namespace}}}\nspec: {{selector: {{istio: ingressgateway}}, servers: [{{port: \
             {{number: 80, name: http, protocol: HTTP}}, hosts: {hosts}}}]}}\n---\n"
        )
    }

    fn route(namespace: &str, gateway: &str, host: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: r, \
             namespace: {namespace}}}\nspec: {{hosts: [{host}], gateways: [{gateway}], http: \
             [{{route: [{{destination: {{host: web.{namespace}.svc.cluster.local}}}}]}}]}}\n---\n"
        )
    }

    #[test]
    fn a_bare_gateway_name_of_another_namespace_is_named() {
        let found =
            findings(&(gateway("istio-system", "[\"*\"]") + &route("shop", "edge", "a.com")));
        assert_eq!(
            found,
            [
                "unknown-gateway: Gateway shop/edge is not defined; the files define \
                 istio-system/edge: name it with its namespace (`istio-system/edge`)"
            ]
        );
    }

    #[test]
    fn server_hosts_admit_the_namespaces_they_name() {
        let mismatch = |gateway_ns: &str, hosts: &str, route_ns: &str| {
            let bound = format!("{gateway_ns}/edge");
            findings(&(gateway(gateway_ns, hosts) + &route(route_ns, &bound, "a.com")))
                .iter()
                .any(|f| f.starts_with("gateway-host-mismatch"))
        };
        assert!(
            !mismatch("shop", "[\"./a.com\"]", "shop"),
            "`.` is the Gateway's namespace"
        );
        assert!(
            mismatch("edge", "[\"./a.com\"]", "shop"),
            "`.` is not the route's"
        );
        assert!(!mismatch("edge", "[\"shop/a.com\"]", "shop"));
        assert!(mismatch("edge", "[\"other/a.com\"]", "shop"));
        assert!(!mismatch("edge", "[\"*/a.com\"]", "shop"));
    }

    #[test]
    fn a_gateway_route_that_keeps_a_subset_where_the_mesh_also_routes_plainly_is_fine() {
        let mesh = |plain: bool| {
            let extra = if plain {
                ", {destination: {host: web.shop.svc.cluster.local}}"
            } else {
                ""
            };
            format!(
                "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: web, \
                 namespace: shop}}\nspec: {{hosts: [web.shop.svc.cluster.local], http: [{{route: \
                 [{{destination: {{host: web.shop.svc.cluster.local, subset: v1}}}}{extra}]}}]}}\n---\n"
            )
        };
        let ingress = |subset_too: bool| {
            let extra = if subset_too {
                ", {destination: {host: web.shop.svc.cluster.local, subset: v1}}"
            } else {
                ""
            };
            format!(
                "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: in, \
                 namespace: shop}}\nspec: {{hosts: [a.com], gateways: [edge], http: [{{route: \
                 [{{destination: {{host: web.shop.svc.cluster.local}}}}{extra}]}}]}}\n---\n"
            )
        };
        let warned = |plain: bool, subset_too: bool| {
            findings(&(gateway("shop", "[\"*\"]") + &mesh(plain) + &ingress(subset_too)))
                .iter()
                .any(|f| f.starts_with("ingress-bypasses-subsets"))
        };
        assert!(warned(false, false));
        assert!(warned(true, false));
        assert!(warned(false, true));
        assert!(!warned(true, true));
    }
}
