//! The guarantees about who reaches which service, beyond each caller's own list:
//!
//! - with a valid token, every gateway route reaches its service, on its path and below it
//!   (tenants' paths aside: they need their tenant's claim), on the port the route names;
//! - a token for another audience gets nowhere through the gateway;
//! - a workload that is no caller, with or without a token, is refused on a route's path when
//!   it calls the service directly, not through the gateway;
//! - a declared caller of one service is refused by a service that does not declare it;
//! - a tenant's token reaches no service the tenant does not list (through the gateway, or
//!   carried by a caller inside the mesh), and a tenant header without a claim reaches none;
//!   sent to the services the next tenant lists and the first [`UNLISTED_SAMPLE`] no tenant
//!   lists, so that the proof costs what tenants reach, not tenants × services;
//!   except on the public routes open to tenants ([`open_to_tenants`]), which a tenant's token
//!   reaches.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Diagnostic;
use crate::model::{
    Caller, GatewayRoute, HeaderCondition, Host, Method, MtlsMode, Name, PathMatch, Profile,
    Service, Tenancy, open_to_tenants,
};
use crate::simulate::{Jwt, Mesh, Origin, Outcome, Request, Token, Trace};
use crate::topology;
use crate::validate::header_value;

use super::expect::describe;
use super::guarantees::UNDECLARED_TENANT;
use super::guarantees::broken;
use super::index::{self, Naming, Runs, next_outside};
use super::sample::with_header;

/// Every guarantee of this module that does not hold.
pub(super) fn check(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    routes(mesh, profile, failed);
    other_services(mesh, profile, failed);
    if let Some(tenancy) = &profile.tenancy {
        tenants(mesh, profile, tenancy, failed);
    }
}

/// Whether some way the request ends reaches a workload behind `host`.
fn allowed_at(trace: &Trace<'_>, host: &str) -> bool {
    trace.branches.iter().any(|branch| {
        branch.host == host
            && (branch.outcome.as_ref().is_some_and(Outcome::is_allowed)
                || branch
                    .arrivals
                    .iter()
                    .any(|h| h.outcome.as_ref().is_some_and(Outcome::is_allowed)))
    })
}

fn reached(trace: &Trace<'_>) -> bool {
    trace.allowed_everywhere()
}

fn token(profile: &Profile, claims: serde_json::Map<String, serde_json::Value>) -> Option<Token> {
    let jwt = profile.security.jwt.as_ref()?;
    Some(Token::Valid(Jwt {
        issuer: jwt.issuer.to_string(),
        subject: Some("proof".to_string()),
        audiences: jwt.audiences.clone(),
        claims,
    }))
}

/// How many services no tenant lists each tenant's token is sent to.
const UNLISTED_SAMPLE: usize = 8;

/// The tenants' paths, to ask whether a path lies in one.
struct TenantPaths {
    /// Each tenant path without its trailing `/` (a folder `/a/` as `/a`), so that whether a
    /// path lies in one is a lookup of each of its ancestors, not a scan of every tenant (a
    /// large mesh has tenants by the hundred and asks for every route and caller).
    folders: BTreeSet<String>,
    /// A tenant owns `/`: every path.
    all: bool,
}

impl TenantPaths {
    fn of(profile: &Profile) -> Self {
        let mut paths = Self {
            folders: BTreeSet::new(),
            all: false,
        };
        for path in profile
            .tenancy
            .iter()
            .flat_map(|t| &t.tenants)
            .flat_map(|t| &t.paths)
        {
            let path = path.as_str().trim_end_matches('/');
            if path.is_empty() {
                paths.all = true;
            } else {
                paths.folders.insert(path.to_string());
            }
        }
        paths
    }

    /// Whether `path` is a tenant's path or below one.
    fn contains(&self, path: &str) -> bool {
        self.all || index::in_folders(&self.folders, path)
    }
}

/// The paths a request on a route uses: below a prefix and the prefix itself, or the exact one.
fn route_paths(path: &PathMatch) -> Vec<String> {
    match path {
        PathMatch::Prefix(prefix) if prefix.ends_with_slash() => {
            vec![format!("{prefix}proof"), prefix.to_string()]
        }
        PathMatch::Prefix(prefix) => vec![format!("{prefix}/proof"), prefix.to_string()],
        PathMatch::Exact(exact) => vec![exact.to_string()],
    }
}

/// Whether a route's path condition takes `path`.
fn takes(condition: &PathMatch, path: &str) -> bool {
    match condition {
        PathMatch::Exact(exact) => exact.as_str() == path,
        PathMatch::Prefix(prefix) => {
            let prefix = prefix.as_str().trim_end_matches('/');
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        }
    }
}

/// Every gateway route with the first host it is sent on (a host of its gateway that it
/// serves, not a wildcard); a route served only on wildcard hosts is left out.
fn gateway_routes(profile: &Profile) -> Vec<(&GatewayRoute, &Host)> {
    profile
        .gateways
        .iter()
        .flat_map(|gateway| {
            gateway.routes.iter().filter_map(|route| {
                let host = gateway
                    .hosts
                    .iter()
                    .find(|h| !h.is_wildcard() && route.serves(h))?;
                Some((route, host))
            })
        })
        .collect()
}

fn routes(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    let tenant_paths = TenantPaths::of(profile);
    let claimless = token(profile, serde_json::Map::new());
    let stranger = || Origin::Identity {
        namespace: "meshc-proof-stranger".to_string(),
        service_account: "stranger".to_string(),
    };
    let by_name = index::by_name(profile);
    for (route, host) in gateway_routes(profile) {
        let Some(&(_, service)) = by_name.get(&route.service) else {
            continue;
        };
        // A route whose header regex has no sample is not probed (`unprovable-route` warns).
        let unprovable = route.headers.iter().any(|(_, condition)| {
            matches!(condition, HeaderCondition::Regex(regex) if header_value(regex).is_none())
        });
        if unprovable {
            continue;
        }
        let port = service.route_port(route.port.as_ref());
        // A route without methods takes any: GET and DELETE stand for them.
        let methods: Vec<&str> = if route.methods.is_empty() {
            vec!["GET", "DELETE"]
        } else {
            route.methods.iter().map(Method::as_str).collect()
        };
        for (path, method) in route_paths(&route.path)
            .into_iter()
            .flat_map(|p| methods.iter().map(move |m| (p.clone(), *m)))
        {
            if tenant_paths.contains(&path) {
                continue;
            }
            let mut request = Request::new(Origin::Gateway(None), host.to_string())
                .https()
                .method(method)
                .path(&path);
            for (name, condition) in &route.headers {
                request = with_header(request, name, condition);
            }
            if route.port.is_some() {
                let sent = match &claimless {
                    Some(token) => request.clone().token(token.clone()),
                    None => request.clone(),
                };
                let trace = mesh.evaluate(&sent);
                if let Some(wrong) = trace.branches.iter().find(|b| b.port != port.get()) {
                    failed.push(broken(
                        route.span.clone(),
                        "every gateway route reaches the port it names",
                        &format!(
                            "{method} {path} goes to port {} of `{}`, not {port}",
                            wrong.port, wrong.host
                        ),
                    ));
                }
            }
            if let Some(claimless) = &claimless {
                let trace = mesh.evaluate(&request.clone().token(claimless.clone()));
                // Without mTLS the gateway has no identity for the service's policy to admit:
                // that lockout is the opt-in's, and said by `plaintext-gateway-route`.
                let plaintext = service.mtls.unwrap_or(profile.security.mtls) == MtlsMode::Disable;
                if !reached(&trace) && !plaintext {
                    failed.push(broken(
                        route.span.clone(),
                        "with a valid token, every gateway route reaches its service",
                        &format!(
                            "{method} {path} with a token: {}",
                            describe(profile, &trace)
                        ),
                    ));
                }
                if let Token::Valid(mut jwt) = claimless.clone()
                    && !jwt.audiences.is_empty()
                {
                    jwt.audiences = vec!["meshc-proof-other-audience".to_string()];
                    let trace = mesh.evaluate(&request.clone().token(Token::Valid(jwt)));
                    if trace.allowed_anywhere() {
                        failed.push(broken(
                            route.span.clone(),
                            "a token for another audience gets nowhere",
                            &format!(
                                "{method} {path} with a token for another audience: {}",
                                describe(profile, &trace)
                            ),
                        ));
                    }
                }
            }
            // The service itself, called directly by a workload that is no caller.
            let direct = topology::host(service);
            let tokens = [Some(Token::None), claimless.clone()];
            let ports = super::ports::http_ports(service, &[]);
            let tries = tokens
                .into_iter()
                .flatten()
                .flat_map(|t| ports.iter().map(move |p| (t.clone(), *p)));
            for (token, port) in tries {
                let request = Request::new(stranger(), direct.clone())
                    .method(method)
                    .path(&path)
                    .port(port)
                    .token(token);
                let trace = mesh.evaluate(&request);
                if trace.allowed_anywhere() {
                    failed.push(broken(
                        route.span.clone(),
                        "only the gateway delivers a route's requests",
                        &format!(
                            "a workload that is no caller can {method} {path} on {} directly: {}",
                            super::ports::on(service, port),
                            describe(profile, &trace)
                        ),
                    ));
                }
            }
        }
    }
}

/// The first path a caller rule declares, as a request uses it.
fn first_path(caller: &Caller) -> String {
    caller.paths.first().map_or_else(
        || "/proof".to_string(),
        |p| format!("{}/proof", p.as_str().trim_end_matches('/')),
    )
}

fn other_services(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    let services = &profile.services;
    let by_name = index::by_name(profile);
    let naming = Naming::of(services);
    let mesh_namespace = profile.mesh.namespace.as_str();
    for (index, service) in services.iter().enumerate() {
        for caller in &service.callers {
            let path = first_path(caller);
            let method = caller.methods.first().map_or("GET", Method::as_str);
            // What the caller declares, sent from `origin` to a service that does not declare
            // it, gets nowhere.
            let refused_elsewhere =
                |who: &str, origin: Origin, other: &Service, failed: &mut Vec<Diagnostic>| {
                    for port in super::ports::http_ports(other, &[]) {
                        let request = Request::new(origin.clone(), topology::host(other))
                            .method(method)
                            .path(&path)
                            .port(port);
                        let trace = mesh.evaluate(&request);
                        if trace.allowed_anywhere() {
                            failed.push(broken(
                                caller.span.clone(),
                                "a caller reaches only the services that declare it",
                                &format!(
                                    "`{who}` can {method} {path} on {}, which does \
                                     not declare it: {}",
                                    super::ports::on(other, port),
                                    describe(profile, &trace)
                                ),
                            ));
                        }
                    }
                };
            // A namespace or service account the caller rule names, from outside the profile's
            // services: no Sidecar of the profile scopes what it calls.
            let identities = caller
                .namespaces
                .iter()
                .map(|ns| (ns.to_string(), "proof".to_string()));
            let identities = identities.chain(
                caller
                    .service_accounts
                    .iter()
                    .map(|(ns, sa)| (ns.to_string(), sa.to_string())),
            );
            for (namespace, account) in identities {
                if namespace == profile.mesh.namespace.as_str() {
                    continue;
                }
                // The next service with no caller rule naming the namespace or the account.
                let other = next_outside(
                    index,
                    services.len(),
                    &[
                        naming.namespaces.get(namespace.as_str()),
                        naming.accounts.get(&(namespace.as_str(), account.as_str())),
                    ],
                );
                let Some(other) = other.map(|k| &services[k]) else {
                    continue;
                };
                let who = format!("{namespace}/{account}");
                let origin = Origin::Identity {
                    namespace,
                    service_account: account,
                };
                refused_elsewhere(&who, origin, other, failed);
            }
            for name in &caller.services {
                let Some(&(at, from)) = by_name.get(name) else {
                    continue;
                };
                // The next service, other than itself, with no caller rule that admits its
                // requests without a token: none names it, the mesh's namespace, or its
                // service account there.
                let itself = Runs::of([at]);
                let other = next_outside(
                    index,
                    services.len(),
                    &[
                        Some(&itself),
                        naming.services.get(name.as_str()),
                        naming.namespaces.get(mesh_namespace),
                        naming
                            .accounts
                            .get(&(mesh_namespace, from.service_account.as_str())),
                    ],
                );
                let Some(other) = other.map(|k| &services[k]) else {
                    continue;
                };
                refused_elsewhere(name.as_str(), topology::service_origin(from), other, failed);
            }
        }
    }
}

fn tenants(mesh: &Mesh, profile: &Profile, tenancy: &Tenancy, failed: &mut Vec<Diagnostic>) {
    let tenant_paths = TenantPaths::of(profile);
    // Indexed once: a large mesh has a route per service and tenants by the hundred.
    let mut routes_to: BTreeMap<&Name, Vec<(&GatewayRoute, &Host)>> = BTreeMap::new();
    for (route, host) in gateway_routes(profile) {
        routes_to
            .entry(&route.service)
            .or_default()
            .push((route, host));
    }
    let open: BTreeMap<&Name, Vec<&PathMatch>> = routes_to
        .keys()
        .map(|name| (*name, open_to_tenants(profile, name)))
        .collect();
    let no_routes = Vec::new();
    let by_name = index::by_name(profile);
    let listed: BTreeSet<&Name> = tenancy.tenants.iter().flat_map(|t| &t.services).collect();
    let unlisted: Vec<&Service> = profile
        .services
        .iter()
        .filter(|s| !listed.contains(&s.name))
        .collect();
    let sample = unlisted.len().min(UNLISTED_SAMPLE);
    // The namespace's guard covers the services no tenant lists on the paths their ALLOWs
    // admit: the first tenant's token is sent on each such path and port of each namespace
    // once, on every service no tenant lists, so that a path missing from it is seen.
    let mut covered: BTreeSet<(&Name, String, u16)> = BTreeSet::new();
    // The public routes open to tenants, in the order of the services' names.
    let open_routes: Vec<(&GatewayRoute, &Host)> = open
        .iter()
        .flat_map(|(name, open)| {
            routes_to[name]
                .iter()
                .filter(|(r, _)| r.public && open.contains(&&r.path))
                .copied()
        })
        .collect();
    // Every tenant, and a claim naming no tenant, which lists no service.
    let mut claimants: Vec<(&str, &[Name], std::ops::Range<usize>)> = tenancy
        .tenants
        .iter()
        .map(|t| (t.id.as_str(), t.services.as_slice(), t.span.clone()))
        .collect();
    if let Some(first) = tenancy.tenants.first() {
        claimants.push((UNDECLARED_TENANT, &[], first.span.clone()));
    }
    for (index, (id, services, span)) in claimants.iter().enumerate() {
        let (id, services) = (*id, *services);
        let mut claims = serde_json::Map::new();
        claims.insert(tenancy.claim.clone(), id.into());
        let Some(token) = token(profile, claims) else {
            return;
        };
        // The public routes open to tenants take the tenant's token.
        for (route, host) in &open_routes {
            let methods: Vec<&str> = if route.methods.is_empty() {
                vec!["GET", "DELETE"]
            } else {
                route.methods.iter().map(Method::as_str).collect()
            };
            let path = &route_paths(&route.path)[0];
            for method in methods {
                let request = Request::new(Origin::Gateway(None), host.to_string())
                    .https()
                    .method(method)
                    .path(path)
                    .token(token.clone());
                let trace = mesh.evaluate(&request);
                if !reached(&trace) {
                    failed.push(broken(
                        route.span.clone(),
                        "a tenant's token reaches a public route",
                        &format!(
                            "`{id}` cannot {method} {path}: {}",
                            describe(profile, &trace)
                        ),
                    ));
                }
            }
        }
        // The services it must not reach: those the next tenant lists (where another tenant's
        // data lives) and the first that no tenant lists, not all of them: on a large mesh
        // that would be tenants × services requests.
        let next = &tenancy.tenants[(index + 1) % tenancy.tenants.len()];
        let next_lists: BTreeMap<usize, &Service> = next
            .services
            .iter()
            .filter_map(|name| by_name.get(name).copied())
            .collect();
        let exhaustive = index == 0;
        let unlisted = &unlisted[..if exhaustive { unlisted.len() } else { sample }];
        let others = next_lists.into_values().chain(unlisted.iter().copied());
        for service in others {
            let sampled = !listed.contains(&service.name)
                && unlisted[..sample].iter().any(|s| s.name == service.name);
            // A path and port this namespace's guard was already tried on, on a service
            // beyond the sample: nothing new to learn.
            let mut fresh = |path: &str, port: u16| {
                // The guard names container ports.
                let target = service
                    .ports
                    .iter()
                    .find(|p| p.port.get() == port)
                    .map_or(service.target_port, |p| p.target_port);
                sampled || covered.insert((&service.namespace, path.to_string(), target.get()))
            };
            let open: &[&PathMatch] = open.get(&service.name).map_or(&[], Vec::as_slice);
            let routes = routes_to.get(&service.name).unwrap_or(&no_routes);
            if services.contains(&service.name) {
                continue;
            }
            let service_host = topology::host(service);
            // Each request is judged as it is made, and how it was sent is said only in a
            // finding: most requests find nothing.
            let judge = |way: Way<'_>, request: &Request, failed: &mut Vec<Diagnostic>| {
                let trace = mesh.evaluate(request);
                // A request that misses the route's conditions may fall through to another
                // route's service: only reaching this one counts.
                if allowed_at(&trace, &service_host) {
                    failed.push(broken(
                        span.clone(),
                        "a tenant reaches only the services it lists",
                        &format!(
                            "`{}` reaches `{}` with {} {} {way}: {}",
                            id,
                            service.name,
                            request.method,
                            request.path,
                            describe(profile, &trace)
                        ),
                    ));
                }
            };
            // Through the gateway, on every route to the service that needs a token.
            {
                for (route, host) in routes.iter().filter(|(r, _)| !r.public) {
                    let method = route.methods.first().map_or("GET", Method::as_str);
                    let paths = route_paths(&route.path);
                    for path in &paths[..if exhaustive { paths.len() } else { 1 }] {
                        if tenant_paths.contains(path)
                            || !fresh(path, service.route_port(route.port.as_ref()).get())
                        {
                            continue;
                        }
                        let request = Request::new(Origin::Gateway(None), host.to_string())
                            .https()
                            .method(method)
                            .path(path)
                            .token(token.clone());
                        judge(Way::Route(route.name.as_str()), &request, failed);
                    }
                }
            }
            // Carried by a caller inside the mesh.
            for caller in &service.callers {
                // The caller the rule names first: a service, a namespace, a service account.
                let named = caller
                    .services
                    .first()
                    .and_then(|n| by_name.get(n))
                    .map(|(_, s)| (s.name.to_string(), topology::service_origin(s)));
                let named = named.or_else(|| {
                    let (namespace, account) = caller
                        .namespaces
                        .first()
                        .map(|ns| (ns.to_string(), "proof".to_string()))
                        .or_else(|| {
                            let (ns, sa) = caller.service_accounts.first()?;
                            Some((ns.to_string(), sa.to_string()))
                        })?;
                    let origin = Origin::Identity {
                        namespace,
                        service_account: account,
                    };
                    Some((origin.to_string(), origin))
                });
                let Some((from, origin)) = named else {
                    continue;
                };
                let method = caller.methods.first().map_or("GET", Method::as_str);
                let paths: Vec<String> = if exhaustive {
                    caller
                        .paths
                        .iter()
                        .flat_map(|p| route_paths(&PathMatch::Prefix(p.clone())))
                        .collect()
                } else {
                    vec![first_path(caller)]
                };
                // On every path and port the caller dials: a guard's rule may hold on some only.
                for (path, port) in paths.iter().flat_map(|path| {
                    super::ports::http_ports(service, &caller.ports)
                        .into_iter()
                        .map(move |port| (path, port))
                }) {
                    if tenant_paths.contains(path)
                        || open.iter().any(|p| takes(p, path))
                        || !fresh(path, port)
                    {
                        continue;
                    }
                    let port_named = (!service.ports.is_empty()).then_some(port);
                    let mut request = Request::new(origin.clone(), service_host.as_str())
                        .method(method)
                        .path(path)
                        .port(port)
                        .token(token.clone());
                    let carried = Way::Carried {
                        from: &from,
                        header: None,
                        port: port_named,
                    };
                    judge(carried, &request, failed);
                    // A tenant header without a claim, whoever's service it is.
                    request.token = Token::None;
                    let request = request.header(tenancy.header.as_str(), id);
                    let header = Way::Carried {
                        from: &from,
                        header: Some(tenancy.header.as_str()),
                        port: port_named,
                    };
                    judge(header, &request, failed);
                }
            }
        }
    }
}

/// How a request of [`tenants`] was sent to a service, as a finding says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way<'w> {
    /// Through the gateway route of this name.
    Route(&'w str),
    /// By this caller inside the mesh: with the tenant's token, or (`header`) with the tenant
    /// header of this name and no token; on `port` where the service declares its ports.
    Carried {
        from: &'w str,
        header: Option<&'w str>,
        port: Option<u16>,
    },
}

impl std::fmt::Display for Way<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Way::Route(name) => write!(f, "through gateway route `{name}`"),
            Way::Carried { from, header, port } => {
                match header {
                    None => write!(f, "carried by `{from}`")?,
                    Some(header) => write!(f, "as a `{header}` header from `{from}`")?,
                }
                match port {
                    Some(port) => write!(f, " on port {port}"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::path_match::{exact, prefix};

    /// A prefix takes itself and what lies below it segment by segment, with or without its
    /// trailing `/`; an exact path takes only itself.
    #[test]
    fn a_route_takes_the_paths_its_condition_matches() {
        for (condition, path, taken) in [
            (prefix("/a"), "/a", true),
            (prefix("/a"), "/a/b", true),
            (prefix("/a/"), "/a", true),
            (prefix("/a/"), "/a/b", true),
            (prefix("/"), "/x", true),
            (prefix("/a"), "/ab", false),
            (prefix("/a"), "/b", false),
            (exact("/a"), "/a", true),
            (exact("/a"), "/a/b", false),
        ] {
            assert_eq!(takes(&condition, path), taken, "{condition:?} takes {path}");
        }
    }

    /// A finding says how its request was sent as the proof said it when it wrote the words
    /// for every request before sending it.
    #[test]
    fn a_way_reads_as_the_request_was_sent() {
        let carried = |header, port| Way::Carried {
            from: "svc-a",
            header,
            port,
        };
        for (way, said) in [
            (Way::Route("api"), "through gateway route `api`"),
            (carried(None, None), "carried by `svc-a`"),
            (carried(None, Some(8080)), "carried by `svc-a` on port 8080"),
            (
                carried(Some("x-tenant"), None),
                "as a `x-tenant` header from `svc-a`",
            ),
            (
                carried(Some("x-tenant"), Some(80)),
                "as a `x-tenant` header from `svc-a` on port 80",
            ),
        ] {
            assert_eq!(way.to_string(), said);
        }
    }

    /// A tenant's path holds itself and what lies below it, not a sibling that shares its
    /// beginning; a tenant of `/` holds every path.
    #[test]
    fn tenant_paths_hold_their_folders_and_what_lies_below() {
        let paths = |all, folders: &[&str]| TenantPaths {
            folders: folders.iter().map(ToString::to_string).collect(),
            all,
        };
        let some = paths(false, &["/a"]);
        assert!(some.contains("/a") && some.contains("/a/b"));
        assert!(!some.contains("/ab") && !some.contains("/b"));
        assert!(paths(true, &[]).contains("/b"));
        assert!(paths(true, &["/a"]).contains("/a"));
    }
}
