//! Routing rules: destinations exist, subsets are defined by the host's one DestinationRule,
//! no two VirtualServices claim a host for one binding, bound Gateways exist and cover the
//! hosts, ingress keeps the mesh's subset routing (IST0140), retries fit their timeout (found by
//! [`super::record`] while the VirtualService is whole).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::hosts::{covers, fqdn, wildcard_suffixes};
use super::{Bundle, Found, GatewayRef, Inventory};
use crate::diagnostic::Code;
use crate::diagnostic::Path;
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
fn destination_rules<'b>(
    bundle: &'b Bundle<'_>,
    out: &mut Found,
) -> HashMap<&'b str, BTreeSet<&'b str>> {
    let mut subsets: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let mut first: HashMap<(&str, &str), &str> = HashMap::new();
    for rule in &bundle.destination_rules {
        let document = rule.document;
        let namespace = document.namespace().unwrap_or_default();
        let Some((host, line)) = &rule.rule.host else {
            continue;
        };
        let host: &str = host;
        subsets
            .entry(host)
            .or_default()
            .extend(rule.rule.subsets.iter().map(|name| &**name));
        if rule.rule.selects_workloads {
            continue;
        }
        let name = document.name().unwrap_or_default();
        match first.get(&(namespace, host)) {
            Some(earlier) => out.add_at(
                document,
                (Path::of(&["spec", "host"]), *line),
                Code::DuplicateDestinationRule,
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
    subsets: &HashMap<&str, BTreeSet<&str>>,
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
    // The wildcard hosts `*.x` by their suffix `.x`, so that the patterns covering a host are
    // looked up, not built for every destination (issue 13).
    let suffixes: HashSet<&str> = entries
        .iter()
        .filter_map(|e| e.strip_prefix('*').filter(|s| s.starts_with('.')))
        .collect();
    let any_host = entries.contains("*");
    // `Some(false)`: the host is none of the Services and ServiceEntries that exist.
    let world = out.world;
    let declared = |host: &str| {
        if entries.contains(host)
            || any_host
            || wildcard_suffixes(host).any(|suffix| suffixes.contains(suffix))
        {
            return Some(true);
        }
        inventory.has_service(host, world)
    };
    for vs in &bundle.virtual_services {
        for destination in &vs.routes.destinations {
            if declared(&destination.host) == Some(false) {
                out.missing_at(
                    vs.document,
                    (destination.at.path().key("host"), destination.host_line),
                    Code::UnknownDestinationHost,
                    format!(
                        "{} is neither a declared service nor a ServiceEntry host; the route \
                         has no endpoints (503)",
                        destination.host
                    ),
                );
            }
            let Some((subset, line)) = &destination.subset else {
                continue;
            };
            let subset: &str = subset;
            let at = || (destination.at.path().key("subset"), *line);
            match subsets.get(&*destination.host) {
                Some(names) if names.contains(subset) => {}
                Some(names) => out.add_at(
                    vs.document,
                    at(),
                    Code::UnknownSubset,
                    format!(
                        "the DestinationRule of {} defines no subset {subset} (it defines: {})",
                        destination.host,
                        names.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ),
                None => out.missing_at(
                    vs.document,
                    at(),
                    Code::UnknownSubset,
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
        for (_, binding) in &vs.routes.bindings {
            for (i, line, host) in &vs.routes.hosts {
                let host: &str = host;
                let key = (binding.as_ref(), host);
                let scope = || match binding {
                    None => "the mesh".to_string(),
                    Some((ns, name)) => format!("gateway {ns}/{name}"),
                };
                let at = || (Path::of(&["spec", "hosts"]).index(*i), *line);
                match claimed.get(&key) {
                    Some((_, earlier)) if *earlier == index => out.add_at(
                        vs.document,
                        at(),
                        Code::ConflictingVirtualServiceHost,
                        format!("{host} is listed twice for {} (a short name and its FQDN count as one host)", scope()),
                    ),
                    Some((name, _)) => out.add_at(
                        vs.document,
                        at(),
                        Code::ConflictingVirtualServiceHost,
                        format!(
                            "VirtualService {name} already claims {host} for {}; Istio \
                             applies only one of them: merge them into one",
                            scope()
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
        for (index, binding) in &vs.routes.bindings {
            let (Some((index, line)), Some((namespace, name))) = (index, binding) else {
                continue;
            };
            let Some(gateway) = bundle.gateways.get(&(namespace.as_str(), name.as_str())) else {
                out.missing_at(
                    vs.document,
                    (Path::of(&["spec", "gateways"]).index(*index), *line),
                    Code::UnknownGateway,
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
        let Some(accepting) = accepting.filter(|a| !a.is_empty() && !vs.routes.binds_mesh()) else {
            continue;
        };
        for (i, line, host) in &vs.routes.hosts {
            let host: &str = host;
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
                out.add_at(
                    vs.document,
                    (Path::of(&["spec", "hosts"]).index(*i), *line),
                    Code::GatewayHostMismatch,
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
    for vs in bundle
        .virtual_services
        .iter()
        .filter(|vs| vs.routes.binds_mesh())
    {
        for destination in &vs.routes.destinations {
            if let Some(subset) = destination.subset() {
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
    for vs in bundle
        .virtual_services
        .iter()
        .filter(|vs| vs.routes.binds_mesh())
    {
        for destination in vs.routes.destinations.iter().filter(|d| d.subset.is_none()) {
            if let Some(entry) = mesh.get_mut(&*destination.host) {
                entry.2 = true;
            }
        }
    }
    for vs in bundle
        .virtual_services
        .iter()
        .filter(|vs| !vs.routes.binds_mesh())
    {
        let with_subset: HashSet<&str> = vs
            .routes
            .destinations
            .iter()
            .filter(|d| d.subset.is_some())
            .map(|d| &*d.host)
            .collect();
        let mut reported = HashSet::new();
        for destination in vs.routes.destinations.iter().filter(|d| d.subset.is_none()) {
            let host = &*destination.host;
            let Some((name, subsets, plain)) = mesh.get(host) else {
                continue;
            };
            if (with_subset.contains(host) && *plain) || !reported.insert(host) {
                continue;
            }
            // A warning, as istioctl's IST0140: a rate-limited gateway route keeps only the
            // service's final route on purpose (one token bucket per Envoy route).
            out.add_at(
                vs.document,
                (destination.at.path().key("host"), destination.host_line),
                Code::IngressBypassesSubsets,
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

/// Each HTTP route's retries fit its timeout: found when the VirtualService was read.
fn retries(bundle: &Bundle<'_>, out: &mut Found) {
    for vs in &bundle.virtual_services {
        out.extend(&vs.routes.retries);
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
