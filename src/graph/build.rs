//! From a profile to a [`Graph`]: the nodes the profile declares, and a candidate edge for each
//! thing it grants (a caller, a gateway route, a tenant's reach, egress), kept with the verdict
//! the simulator gives the requests it stands for.

use std::collections::BTreeMap;

use crate::explain;
use crate::model::{
    Caller, ExternalProtocol, Gateway, GatewayRoute, HttpPath, PathMatch, Profile, Service,
    Target as RouteTarget,
};
use crate::plan::Plan;
use crate::simulate::{Jwt, Mesh, Origin, Request, Token};
use crate::topology;

use super::model::{Edge, EdgeKind, Graph, Group, Node, NodeKind, Verdict, visible};
use super::probe::{self, Arrival, Target};

/// A node before the groups are ordered: what it is, which edges find it by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Tenant(String),
    Gateway(String),
    Namespace(String),
    Account(String, String),
    Service(String),
    AnyService,
    External(String),
}

/// Where a group is drawn: tenants first, the gateway's namespace, the callers' namespaces, the
/// mesh's, then the outside.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Tenants,
    Root,
    Namespace(String),
    Mesh,
    Outside,
}

struct Draft {
    key: Key,
    place: Place,
    node: Node,
}

struct DraftEdge {
    from: Key,
    to: Key,
    kind: EdgeKind,
    labels: Vec<String>,
    verdict: Verdict,
}

/// The graph of `profile`, whose `plan` was rendered and read back into `mesh`.
pub fn build(profile: &Profile, plan: &Plan, mesh: &Mesh) -> Graph {
    let origins = profile
        .services
        .iter()
        .filter_map(|s| {
            Some((
                s.name.as_str(),
                topology::origin(profile, s.name.as_str()).ok()?,
            ))
        })
        .collect();
    let builder = Builder {
        profile,
        mesh,
        origins,
        services: profile
            .services
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect(),
    };
    let mut drafts = builder.nodes(&explain::each(plan));
    let edges = builder.edges(&mut drafts);
    let mut graph = assemble(profile, drafts, edges);
    super::clusters::add(&mut graph, profile);
    graph
}

struct Builder<'a> {
    profile: &'a Profile,
    mesh: &'a Mesh,
    /// Each service's workload, as `meshc query --from SERVICE` picks it.
    origins: BTreeMap<&'a str, Origin>,
    /// The services by name.
    services: BTreeMap<&'a str, &'a Service>,
}

impl Builder<'_> {
    fn namespace_place(&self, namespace: &str) -> Place {
        if namespace == self.profile.mesh.namespace.as_str() {
            Place::Mesh
        } else if namespace == self.profile.mesh.root_namespace.as_str() {
            Place::Root
        } else {
            Place::Namespace(namespace.to_string())
        }
    }

    /// The nodes the profile declares; `explained` holds each service's `meshc explain` text.
    fn nodes(&self, explained: &BTreeMap<String, String>) -> Vec<Draft> {
        let profile = self.profile;
        let mut drafts = Vec::new();
        if let Some(tenancy) = &profile.tenancy {
            for tenant in &tenancy.tenants {
                let reach = tenant
                    .services
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                drafts.push(Draft {
                    key: Key::Tenant(tenant.id.to_string()),
                    place: Place::Tenants,
                    node: node(
                        NodeKind::Tenant,
                        format!("tenant {}", tenant.id),
                        vec![format!("{} = {}", tenancy.claim, tenant.id)],
                        format!(
                            "tenant {}: a token whose claim {} is {}, through the gateway\n\
                             declared to reach: {reach}\n",
                            tenant.id, tenancy.claim, tenant.id
                        ),
                    ),
                });
            }
        }
        for gateway in &profile.gateways {
            let hosts: Vec<String> = gateway.hosts.iter().map(ToString::to_string).collect();
            drafts.push(Draft {
                key: Key::Gateway(gateway.name.to_string()),
                place: Place::Root,
                node: node(
                    NodeKind::Gateway,
                    format!("gateway {}", gateway.name),
                    hosts.clone(),
                    format!(
                        "gateway {} (HTTPS :{}) for {}\n",
                        gateway.name,
                        gateway.https_port.0,
                        hosts.join(", ")
                    ),
                ),
            });
        }
        for service in &profile.services {
            drafts.push(Draft {
                key: Key::Service(service.name.to_string()),
                place: self.namespace_place(service.namespace.as_str()),
                node: node(
                    NodeKind::Service,
                    service.name.to_string(),
                    service_details(service),
                    explained
                        .get(service.name.as_str())
                        .cloned()
                        .unwrap_or_default(),
                ),
            });
        }
        let for_everyone = profile
            .external_services
            .iter()
            .any(|e| e.callers.is_empty());
        if for_everyone && !profile.services.is_empty() {
            drafts.push(Draft {
                key: Key::AnyService,
                place: Place::Mesh,
                node: node(
                    NodeKind::AnyService,
                    "every service".to_string(),
                    Vec::new(),
                    format!(
                        "every service of namespace {}, as a client of the external services\n",
                        profile.mesh.namespace
                    ),
                ),
            });
        }
        for external in &profile.external_services {
            let mut details = vec![format!("{}:{}", external.host_list(), external.port)];
            if let Some(origination) = &external.origination {
                details.push(format!("TLS originated from :{}", origination.http_port));
            }
            drafts.push(Draft {
                key: Key::External(external.name.to_string()),
                place: Place::Outside,
                node: node(
                    NodeKind::External,
                    external.name.to_string(),
                    details,
                    explained
                        .get(external.name.as_str())
                        .cloned()
                        .unwrap_or_default(),
                ),
            });
        }
        drafts
    }

    /// A caller node for each namespace and service account the callers name, added to
    /// `drafts` as they are first met; the edges of every grant.
    fn edges(&self, drafts: &mut Vec<Draft>) -> Vec<DraftEdge> {
        let mut edges = Vec::new();
        self.route_edges(&mut edges);
        self.tenant_edges(&mut edges);
        for service in &self.profile.services {
            for caller in &service.callers {
                self.caller_edges(service, caller, drafts, &mut edges);
            }
        }
        self.egress_edges(&mut edges);
        edges
    }

    fn token(&self, claims: serde_json::Map<String, serde_json::Value>) -> Token {
        match &self.profile.security.jwt {
            Some(jwt) => Token::Valid(Jwt {
                issuer: jwt.issuer.to_string(),
                subject: Some("meshc-graph".to_string()),
                audiences: jwt.audiences.clone(),
                claims,
            }),
            None => Token::None,
        }
    }

    fn service(&self, name: &str) -> Option<&Service> {
        self.services.get(name).copied()
    }

    /// Judges `requests` against `target`; the verdict, and the labels the simulator adds: the
    /// split of the first request that arrived, and whether the region header pins a region.
    fn judge(
        &self,
        requests: &[(String, Request)],
        service: Option<&Service>,
        target: Target<'_>,
    ) -> (Verdict, Vec<String>) {
        let mut arrivals = Vec::new();
        let mut splits: Vec<(&str, String)> = Vec::new();
        let mut arrived: Option<&Request> = None;
        for (what, request) in requests {
            let trace = self.mesh.evaluate(request);
            let arrival = probe::judge(&trace, target);
            if arrival == Arrival::Full {
                arrived = arrived.or(Some(request));
                if let Some(split) = probe::split(&trace) {
                    splits.push((what, split));
                }
            }
            arrivals.push((what.clone(), arrival));
        }
        let mut labels = split_labels(&splits);
        if let (Some(request), Some(service)) = (arrived, service)
            && let Some(label) = self.region_pin(request, service)
        {
            labels.push(label);
        }
        (probe::verdict(arrivals), labels)
    }

    /// Whether `request`, pinned to the first region by the region header, goes to that
    /// region's subset only.
    fn region_pin(&self, request: &Request, service: &Service) -> Option<String> {
        let region = self.profile.regions.first()?;
        if !service.region_routing {
            return None;
        }
        let header = self.profile.mesh.region_header.as_str();
        let pinned = request.clone().header(header, region.name.as_str());
        let trace = self.mesh.evaluate(&pinned);
        let subset = crate::model::region_subset(&region.name);
        let all = !trace.branches.is_empty()
            && trace
                .branches
                .iter()
                .all(|b| b.subset == Some(subset.as_str()));
        all.then(|| format!("{header} pins a region"))
    }

    /// A request to a gateway for `path`: to the first host whose routes take the path (by
    /// its prefix), or to the first gateway's first host.
    fn gateway_request(&self, path: &str) -> Option<Request> {
        let takes = |route: &&GatewayRoute| {
            HttpPath::parse(path).is_ok_and(|p| route.path.overlaps(&PathMatch::Prefix(p)))
        };
        let host = self
            .profile
            .gateways
            .iter()
            .flat_map(|g| g.hosts.iter().map(move |h| (g, h)))
            .find(|(g, h)| g.routes_for(h).iter().any(&takes))
            .or_else(|| {
                let first = self.profile.gateways.first()?;
                Some((first, first.hosts.first()?))
            })
            .map(|(_, h)| h)?;
        Some(
            Request::new(Origin::Gateway(None), host.to_string())
                .https()
                .path(path),
        )
    }

    fn route_edges(&self, edges: &mut Vec<DraftEdge>) {
        for gateway in &self.profile.gateways {
            self.gateway_route_edges(gateway, edges);
        }
    }

    fn gateway_route_edges(&self, gateway: &Gateway, edges: &mut Vec<DraftEdge>) {
        for route in &gateway.routes {
            let Some(service) = self.service(route.service.as_str()) else {
                continue;
            };
            let Some(host) = gateway.hosts.iter().find(|h| route.serves(h)) else {
                continue;
            };
            let request = Request::new(Origin::Gateway(None), host.to_string())
                .https()
                .path(route.scope().as_str());
            let host = topology::host(service);
            let with_token = request.clone().token(self.token(serde_json::Map::new()));
            let what = format!("GET {}", route.scope());
            let (verdict, added) =
                self.judge(&[(what, with_token)], Some(service), Target::Service(&host));
            let mut labels = vec![format!("{}: {}", route.name, route.scope())];
            if self.profile.security.jwt.is_some()
                && probe::arrival(self.mesh, &request, Target::Service(&host)) != Arrival::Full
            {
                labels.push("token required".to_string());
            }
            if let Some(limit) = &route.rate_limit {
                labels.push(format!("rate limit {} per {}", limit.requests, limit.per));
            }
            labels.extend(added);
            edges.push(DraftEdge {
                from: Key::Gateway(gateway.name.to_string()),
                to: Key::Service(service.name.to_string()),
                kind: EdgeKind::Route,
                labels,
                verdict,
            });
        }
    }

    fn tenant_edges(&self, edges: &mut Vec<DraftEdge>) {
        let Some(tenancy) = &self.profile.tenancy else {
            return;
        };
        for tenant in &tenancy.tenants {
            let mut claims = serde_json::Map::new();
            claims.insert(
                tenancy.claim.clone(),
                serde_json::Value::String(tenant.id.to_string()),
            );
            let methods = methods(&tenant.methods);
            for name in &tenant.services {
                let Some(service) = self.service(name.as_str()) else {
                    continue;
                };
                let host = topology::host(service);
                let mut requests = Vec::new();
                for path in paths(&tenant.paths) {
                    for method in &methods {
                        if let Some(request) = self.gateway_request(path) {
                            let request = request.method(method).token(self.token(claims.clone()));
                            requests.push((format!("{method} {path}"), request));
                        }
                    }
                }
                let (verdict, added) = self.judge(&requests, None, Target::Service(&host));
                let mut labels = grant_labels(&tenant.methods, &tenant.paths);
                labels.extend(added);
                edges.push(DraftEdge {
                    from: Key::Tenant(tenant.id.to_string()),
                    to: Key::Service(name.to_string()),
                    kind: EdgeKind::Tenant,
                    labels,
                    verdict,
                });
            }
        }
    }

    fn caller_edges(
        &self,
        service: &Service,
        caller: &Caller,
        drafts: &mut Vec<Draft>,
        edges: &mut Vec<DraftEdge>,
    ) {
        let mut sources: Vec<(Key, Origin)> = Vec::new();
        for name in &caller.services {
            if let Some(origin) = self.origins.get(name.as_str()) {
                sources.push((Key::Service(name.to_string()), origin.clone()));
            }
        }
        for namespace in &caller.namespaces {
            let key = Key::Namespace(namespace.to_string());
            if !drafts.iter().any(|d| d.key == key) {
                drafts.push(Draft {
                    key: key.clone(),
                    place: self.namespace_place(namespace.as_str()),
                    node: node(
                        NodeKind::Caller,
                        format!("any workload in {namespace}"),
                        Vec::new(),
                        format!("every workload of namespace {namespace}, whatever its service account\n"),
                    ),
                });
            }
            let origin = Origin::Identity {
                namespace: namespace.to_string(),
                service_account: "default".to_string(),
            };
            sources.push((key, origin));
        }
        for (namespace, account) in &caller.service_accounts {
            let key = Key::Account(namespace.to_string(), account.to_string());
            if !drafts.iter().any(|d| d.key == key) {
                drafts.push(Draft {
                    key: key.clone(),
                    place: self.namespace_place(namespace.as_str()),
                    node: node(
                        NodeKind::Caller,
                        format!("service account {account}"),
                        vec![format!("in {namespace}")],
                        format!("workloads running as service account {namespace}/{account}\n"),
                    ),
                });
            }
            let origin = Origin::Identity {
                namespace: namespace.to_string(),
                service_account: account.to_string(),
            };
            sources.push((key, origin));
        }
        let host = topology::host(service);
        // The port the caller dials: a service with several ports needs it said.
        let port = service
            .http_port_for(&caller.ports)
            .unwrap_or(service.port)
            .get();
        let methods = methods(&caller.methods);
        for (key, origin) in sources {
            let mut requests = Vec::new();
            for path in paths(&caller.paths) {
                for method in &methods {
                    let request = Request::new(origin.clone(), host.clone())
                        .method(method)
                        .path(path)
                        .port(port);
                    requests.push((format!("{method} {path}"), request));
                }
            }
            let (verdict, added) = self.judge(&requests, Some(service), Target::Service(&host));
            let mut labels = grant_labels(&caller.methods, &caller.paths);
            labels.extend(added);
            edges.push(DraftEdge {
                from: key,
                to: Key::Service(service.name.to_string()),
                kind: EdgeKind::Caller,
                labels,
                verdict,
            });
        }
    }

    fn egress_edges(&self, edges: &mut Vec<DraftEdge>) {
        for external in &self.profile.external_services {
            let port = external
                .origination
                .as_ref()
                .map_or(external.port, |o| o.http_port);
            // A wildcard is probed with one name it covers.
            let Some(first) = external.hosts.first() else {
                continue;
            };
            let host = match first.as_str().strip_prefix("*.") {
                Some(domain) => format!("any.{domain}"),
                None => first.to_string(),
            };
            let label = match (&external.origination, external.protocol) {
                (Some(o), _) => format!("HTTP :{}, TLS to :{}", o.http_port, external.port),
                (None, ExternalProtocol::Https | ExternalProtocol::Tls) => {
                    format!("TLS :{}", external.port)
                }
                (None, ExternalProtocol::Http) => format!("HTTP :{}", external.port),
                (None, ExternalProtocol::Tcp) => format!("TCP :{}", external.port),
            };
            let label = if external.via_gateway {
                format!("{label}, through the egress gateway")
            } else {
                label
            };
            // An external service with callers is drawn from each of them; one without, from
            // every service.
            let mut arrivals = Vec::new();
            for service in &self.profile.services {
                let Some(origin) = self.origins.get(service.name.as_str()) else {
                    continue;
                };
                if !external.called_by(&service.name) {
                    continue;
                }
                let mut request = Request::new(origin.clone(), host.clone()).port(port.get());
                // The egress gateway reads the requests: probe with what the caller lists.
                if let Some(caller) = external
                    .callers
                    .iter()
                    .find(|c| external.via_gateway && c.services.contains(&service.name))
                {
                    if let Some(method) = caller.methods.first() {
                        request = request.method(method.as_str());
                    }
                    if let Some(path) = caller.paths.first() {
                        request = request.path(path.as_str());
                    }
                }
                let arrival = probe::arrival(self.mesh, &request, Target::External(first.as_str()));
                if external.callers.is_empty() {
                    arrivals.push((service.name.to_string(), arrival));
                } else {
                    edges.push(DraftEdge {
                        from: Key::Service(service.name.to_string()),
                        to: Key::External(external.name.to_string()),
                        kind: EdgeKind::Egress,
                        labels: vec![label.clone()],
                        verdict: probe::verdict(vec![(service.name.to_string(), arrival)]),
                    });
                }
            }
            if arrivals.is_empty() {
                continue;
            }
            edges.push(DraftEdge {
                from: Key::AnyService,
                to: Key::External(external.name.to_string()),
                kind: EdgeKind::Egress,
                labels: vec![label],
                verdict: probe::verdict(arrivals),
            });
        }
    }
}

/// The most lines an edge gives to the splits of its requests when they differ.
const SPLIT_LINES: usize = 4;

/// One line when every request that arrived was split alike; else one line per split, naming
/// the paths that go so (`METHOD path` where methods of a path go differently).
fn split_labels(splits: &[(&str, String)]) -> Vec<String> {
    let Some((_, first)) = splits.first() else {
        return Vec::new();
    };
    if splits.iter().all(|(_, s)| s == first) {
        return vec![first.clone()];
    }
    let path = |what: &str| what.split_once(' ').map_or(what, |(_, p)| p).to_string();
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for (what, split) in splits {
        let p = path(what);
        let alike = splits
            .iter()
            .filter(|(w, _)| path(w) == p)
            .all(|(_, s)| s == split);
        let shown = if alike { p } else { (*what).to_string() };
        match groups.iter_mut().find(|(s, _)| s == split) {
            Some((_, shown_list)) => {
                if !shown_list.contains(&shown) {
                    shown_list.push(shown);
                }
            }
            None => groups.push((split, vec![shown])),
        }
    }
    let mut lines: Vec<String> = groups
        .iter()
        .take(SPLIT_LINES)
        .map(|(split, shown)| format!("{}: {split}", shown.join(", ")))
        .collect();
    if groups.len() > SPLIT_LINES {
        lines.push(format!("and {} more", groups.len() - SPLIT_LINES));
    }
    lines
}

fn node(kind: NodeKind, title: String, details: Vec<String>, explain: String) -> Node {
    Node {
        kind,
        group: 0,
        title,
        details,
        explain,
    }
}

/// The methods to send for a grant: each one it names, or `GET` for any.
fn methods(methods: &[crate::model::Method]) -> Vec<String> {
    if methods.is_empty() {
        vec!["GET".to_string()]
    } else {
        methods.iter().map(ToString::to_string).collect()
    }
}

/// The paths to send for a grant: each prefix it names, or `/` for any.
fn paths(paths: &[crate::model::HttpPath]) -> Vec<&str> {
    if paths.is_empty() {
        vec!["/"]
    } else {
        paths.iter().map(crate::model::HttpPath::as_str).collect()
    }
}

/// A grant's label: its methods, then its path prefixes.
fn grant_labels(methods: &[crate::model::Method], paths: &[crate::model::HttpPath]) -> Vec<String> {
    fn joined<T: ToString>(items: &[T], separator: &str, none: &str) -> String {
        if items.is_empty() {
            return none.to_string();
        }
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(separator)
    }
    vec![
        joined(methods, " ", "any method"),
        joined(paths, ", ", "any path"),
    ]
}

/// A service's subsets, weights and routes, line by line.
fn service_details(service: &Service) -> Vec<String> {
    let mut lines = vec![format!("port {}", service.port)];
    if !service.subsets.is_empty() {
        let names: Vec<&str> = service.subsets.iter().map(|s| s.name.as_str()).collect();
        lines.push(format!("subsets {}", names.join(", ")));
    }
    if let Some(canary) = &service.canary {
        lines.push(format!(
            "canary {} {}%, {} {}%",
            canary.stable,
            canary.weight.complement(),
            canary.canary,
            canary.weight
        ));
    }
    if let Some(priority) = &service.priority {
        for (value, subset) in &priority.subsets {
            lines.push(format!("{}: {value} to {subset}", priority.header));
        }
    }
    for route in &service.routes {
        let mut condition = Vec::new();
        if let Some(method) = &route.method {
            condition.push(method.to_string());
        }
        match &route.path {
            Some(PathMatch::Prefix(path)) => condition.push(format!("{path}…")),
            Some(PathMatch::Exact(path)) => condition.push(path.to_string()),
            None => {}
        }
        for (name, value) in &route.headers {
            condition.push(format!("{name}={value}"));
        }
        let target = match &route.target {
            RouteTarget::Subset(subset) => subset.to_string(),
            RouteTarget::Split(split) => split
                .iter()
                .map(|(s, w)| format!("{s} {w}%"))
                .collect::<Vec<_>>()
                .join(", "),
        };
        lines.push(format!(
            "{}: {} to {target}",
            route.name,
            condition.join(" ")
        ));
    }
    if let Some(default) = &service.default_subset {
        lines.push(format!("default {default}"));
    }
    lines
}

/// Orders the groups and their nodes, resolves the edges' ends, and makes every text visible.
fn assemble(profile: &Profile, mut drafts: Vec<Draft>, edges: Vec<DraftEdge>) -> Graph {
    // A stable sort: within a group, nodes keep the order the profile gives them.
    drafts.sort_by(|a, b| a.place.cmp(&b.place));
    let mut graph = Graph::default();
    let mut index = BTreeMap::new();
    for draft in drafts {
        let title = visible(&match &draft.place {
            Place::Tenants => "tenants, through the gateway".to_string(),
            Place::Root => format!("namespace {}", profile.mesh.root_namespace),
            Place::Namespace(namespace) => format!("namespace {namespace}"),
            Place::Mesh => format!("namespace {}", profile.mesh.namespace),
            Place::Outside => "outside the mesh".to_string(),
        });
        if graph.groups.last().is_none_or(|g| g.title != title) {
            graph.groups.push(Group { title });
        }
        let mut node = draft.node;
        node.group = graph.groups.len() - 1;
        node.title = visible(&node.title);
        node.details = node.details.iter().map(|d| visible(d)).collect();
        index.insert(draft.key, graph.nodes.len());
        graph.nodes.push(node);
    }
    for edge in edges {
        let (Some(&from), Some(&to)) = (index.get(&edge.from), index.get(&edge.to)) else {
            continue;
        };
        graph.edges.push(Edge {
            from,
            to,
            kind: edge.kind,
            labels: edge.labels.iter().map(|l| visible(l)).collect(),
            verdict: match edge.verdict {
                Verdict::Allowed => Verdict::Allowed,
                Verdict::Partial(reasons) => {
                    Verdict::Partial(reasons.iter().map(|r| visible(r)).collect())
                }
                Verdict::Denied(reason) => Verdict::Denied(visible(&reason)),
            },
        });
    }
    graph
}
