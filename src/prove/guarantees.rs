//! The guarantees meshc proves on every render, whatever the profile's `[[expect]]`s say:
//! requests generated from the profile, each with the outcome the security model promises.
//!
//! - every tenant reaches its own paths on each service it lists, through each gateway route
//!   that delivers them there;
//! - no other tenant's token, no undeclared tenant and no token without a tenant claim reaches
//!   a tenant's path, also by `..`, `//`, `%2F`, a trailing `/`, upper case, a spoofed tenant
//!   header or a Host with a port, on the service the path is delivered to or any service a
//!   tenant lists (a variant Istio reads as another path may reach a public route elsewhere);
//! - with tokens required, a request without one stops at the gateway, on every route and host
//!   (with and without a port), except on a public route, where it reaches the service, and
//!   on a route that takes only `OPTIONS` where the gateway answers CORS, where the service
//!   refuses it;
//! - a tokenless CORS preflight is answered at the gateway where it has CORS, and with tokens
//!   required stops there where it has none (`preflight`);
//! - every declared caller reaches each method and path it declares (except tenants' paths,
//!   which need the tenant's claim), with the token it is named by if any, and a workload that
//!   is no caller, or a plaintext client, reaches none of them without a token;
//! - every declared caller of an external service reaches it, and with one Sidecar per
//!   service no other service does (`egress`);
//! - where mTLS is STRICT, a client without a sidecar is refused at the connection (`mtls`);
//! - routes, audiences, strangers, other services' callers and tenants' services (`reach`).

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    Caller, HostClass, HttpPath, Method, Name, PathMatch, Profile, Service, Tenancy, deliveries,
};
use crate::simulate::{Jwt, Mesh, Origin, Outcome, Request, Token, Trace};
use crate::topology;

use super::expect::describe;
use super::sample::with_header;

/// A claim value no profile declares (tenant ids are DNS labels, which cannot hold `_`).
pub(super) const UNDECLARED_TENANT: &str = "meshc_undeclared";

/// A path no caller rule of the service names (checked before it is used).
const OUTSIDE_PATH: &str = "/meshc-proof-undeclared";

/// Every guarantee that does not hold, at the profile value it concerns.
pub(super) fn check(mesh: &Mesh, profile: &Profile) -> Vec<Diagnostic> {
    // The shares are sent on two threads, each taking the next share not yet taken, in the
    // order of [`shares`]; the findings keep the parts' order, and within `callers` the
    // services'.
    let lookups = std::sync::OnceLock::new();
    let mut done = crate::pool::run(&shares(profile.services.len()), 2, |share| {
        let mut failed = Vec::new();
        match share {
            Share::Part(part) => PARTS[*part](mesh, profile, &mut failed),
            Share::Callers(services) => {
                let lookups = lookups.get_or_init(|| Lookups::of(profile));
                callers_of(mesh, profile, lookups, services.clone(), &mut failed);
            }
        }
        (share.order(), failed)
    });
    done.sort_by_key(|(order, _)| *order);
    done.into_iter().flat_map(|(_, failed)| failed).collect()
}

/// A part of the guarantees: its requests sent, what does not hold added to the list.
type Part = fn(&Mesh, &Profile, &mut Vec<Diagnostic>);

/// The parts of [`check`], in the order of their findings.
const PARTS: [Part; 7] = [
    every_tenant,
    edge,
    super::preflight::check,
    callers,
    super::egress::check,
    super::mtls::check,
    super::reach::check,
];

/// The position of `callers` in [`PARTS`].
const CALLERS: usize = 3;

/// The order in which the threads of [`check`] take the [`PARTS`]: the largest first, so that
/// no thread is left alone with a large one at the end. Callgrind on the render's first thread,
/// where they ran one after another (f885ec1): at 1,000 services / 100 tenants `callers` 685 M
/// instructions, the tenants 349 M, `reach` 234 M, the rest 12 M; on prod `reach` 8.9 M,
/// `callers` 5.6 M, the tenants 1.9 M, the rest 1.3 M.
const LARGEST_FIRST: [usize; 7] = [CALLERS, 6, 0, 1, 2, 4, 5];

/// From how many services `callers`, the longest part, is cut into [`CALLER_SHARES`] runs of
/// services: taken whole, it was 690 M instructions on one thread at 1,000 services against
/// 595 M for all the rest on the other (callgrind, b3b2334). Below, as on prod, the parts are
/// taken whole.
const SPLIT_FROM: usize = 64;

/// How many runs of services `callers` is cut into from [`SPLIT_FROM`] services.
const CALLER_SHARES: usize = 16;

/// What a thread of [`check`] takes: a whole part, or `callers` on a run of services.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Share {
    Part(usize),
    Callers(std::ops::Range<usize>),
}

impl Share {
    /// Where its findings go: by part, then by service.
    fn order(&self) -> (usize, usize) {
        match self {
            Share::Part(part) => (*part, 0),
            Share::Callers(services) => (CALLERS, services.start),
        }
    }
}

/// The shares of [`check`] for a profile of `services` services, in the order the threads take
/// them: the parts largest first, and from [`SPLIT_FROM`] services `callers` cut into runs,
/// taken after the other large parts so that the runs fill in behind them.
fn shares(services: usize) -> Vec<Share> {
    if services < SPLIT_FROM {
        return LARGEST_FIRST
            .iter()
            .map(|&part| Share::Part(part))
            .collect();
    }
    let (large, small) = LARGEST_FIRST[1..].split_at(2);
    let run = services.div_ceil(CALLER_SHARES);
    large
        .iter()
        .map(|&part| Share::Part(part))
        .chain(
            (0..services)
                .step_by(run)
                .map(|start| Share::Callers(start..services.min(start + run))),
        )
        .chain(small.iter().map(|&part| Share::Part(part)))
        .collect()
}

/// The tenants' guarantees on every route class of every gateway.
fn every_tenant(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    if let Some(tenancy) = &profile.tenancy {
        for gateway in &profile.gateways {
            for class in gateway.classes() {
                tenants(mesh, profile, tenancy, &class, failed);
            }
        }
    }
}

pub(super) fn broken(span: std::ops::Range<usize>, guarantee: &str, what: &str) -> Diagnostic {
    Diagnostic::new(Code::ProofFailed, span, format!("{guarantee}: {what}"))
        .label("this guarantee does not hold in the rendered mesh")
        .help("`meshc query` shows the request hop by hop")
}

/// Whether every way the request ends reaches a workload.
fn reached(trace: &Trace<'_>) -> bool {
    trace.allowed_everywhere()
}

/// A path strictly under a prefix, as a request would use it.
pub(super) fn below(prefix: &HttpPath) -> String {
    if prefix.ends_with_slash() {
        format!("{prefix}proof")
    } else {
        format!("{prefix}/proof")
    }
}

fn token(profile: &Profile, claims: serde_json::Map<String, serde_json::Value>) -> Token {
    let jwt = profile.security.jwt.as_ref();
    Token::Valid(Jwt {
        issuer: jwt.map(|j| j.issuer.to_string()).unwrap_or_default(),
        subject: Some("proof".to_string()),
        audiences: jwt.map(|j| j.audiences.clone()).unwrap_or_default(),
        claims,
    })
}

fn claim(tenancy: &Tenancy, value: &str) -> serde_json::Map<String, serde_json::Value> {
    let mut claims = serde_json::Map::new();
    claims.insert(tenancy.claim.clone(), value.into());
    claims
}

/// The tenants' guarantees on the hosts of one class (hosts with the same routes).
fn tenants(
    mesh: &Mesh,
    profile: &Profile,
    tenancy: &Tenancy,
    class: &HostClass<'_>,
    failed: &mut Vec<Diagnostic>,
) {
    let Some(host) = class.hosts.first().map(ToString::to_string) else {
        return;
    };
    let at_gateway = |path: &str| {
        Request::new(Origin::Gateway(None), host.clone())
            .https()
            .path(path)
    };
    let by_name = super::index::by_name(profile);
    let data = TenantData::of(profile, tenancy);
    for delivery in deliveries(&tenancy.tenants, &class.routes) {
        let tenant = &tenancy.tenants[delivery.tenant];
        let route = class.routes[delivery.route];
        if !tenant.services.contains(&route.service) {
            continue;
        }
        let own = &tenant.paths[delivery.path];
        let path = below(own);
        let methods: Vec<&str> = if tenant.methods.is_empty() {
            vec!["GET"]
        } else {
            tenant
                .methods
                .iter()
                .map(crate::model::Method::as_str)
                .collect()
        };
        // The path itself as well as what lies below it: a policy names both.
        let own_paths = [path.clone(), own.to_string()];
        for method in &methods {
            for path in &own_paths {
                let request = at_gateway(path)
                    .method(method)
                    .token(token(profile, claim(tenancy, tenant.id.as_str())));
                let trace = mesh.evaluate(&request);
                if !reached(&trace) {
                    failed.push(broken(
                        tenant.span.clone(),
                        "every tenant reaches its own paths",
                        &format!(
                            "`{}` cannot {method} `{path}` through gateway route `{}`: {}",
                            tenant.id,
                            route.name,
                            describe(profile, &trace)
                        ),
                    ));
                }
            }
        }
        // Inside the mesh (the gateway writes the header from the claim), a caller of the
        // service with the tenant's token and another tenant's header: the header must equal
        // the claim.
        let service = by_name.get(&route.service).map(|&(_, s)| s);
        let rule = service.and_then(|s| s.callers.iter().find(|c| !c.services.is_empty()));
        let caller = rule
            .and_then(|c| c.services.first())
            .and_then(|name| by_name.get(name).map(|&(_, s)| s));
        if let (Some(other), Some(service), Some(rule), Some(caller)) = (
            tenancy.tenants.iter().find(|t| t.id != tenant.id),
            service,
            rule,
            caller,
        ) {
            // On every port the caller dials: a guard's rule may hold on some only.
            for port in super::ports::http_ports(service, &rule.ports) {
                let request =
                    Request::new(topology::service_origin(caller), topology::host(service))
                        .path(&path)
                        .port(port)
                        .method(methods[0])
                        .token(token(profile, claim(tenancy, tenant.id.as_str())))
                        .header(tenancy.header.as_str(), other.id.as_str());
                let trace = mesh.evaluate(&request);
                if trace.allowed_anywhere() {
                    failed.push(broken(
                        tenant.span.clone(),
                        "a tenant header equals the token's tenant claim",
                        &format!(
                            "`{}` with `{}`'s token and header `{}: {}` reaches `{path}`: {}",
                            caller.name,
                            tenant.id,
                            tenancy.header,
                            other.id,
                            describe(profile, &trace)
                        ),
                    ));
                }
            }
        }
        let method = methods[0];
        // Everyone else, by every way of writing the tenant's path.
        let other = tenancy
            .tenants
            .iter()
            .find(|t| t.id != tenant.id)
            .map(|t| (t.id.as_str(), t.paths.first()));
        let mut attackers: Vec<(String, Token, Option<&HttpPath>)> = vec![
            (
                "an undeclared tenant".to_string(),
                token(profile, claim(tenancy, UNDECLARED_TENANT)),
                None,
            ),
            (
                "a token without a tenant claim".to_string(),
                token(profile, serde_json::Map::new()),
                None,
            ),
        ];
        if let Some((id, paths)) = other {
            attackers.push((
                format!("tenant `{id}`"),
                token(profile, claim(tenancy, id)),
                paths,
            ));
        }
        let depth = |p: &HttpPath| p.as_str().trim_matches('/').split('/').count();
        for (who, token, from) in attackers {
            let mut paths = vec![
                path.clone(),
                own.to_string(),
                format!("{path}/"),
                path.replacen('/', "//", 2),
            ];
            if who.starts_with("tenant") {
                paths.push(path.to_uppercase());
            }
            if let Some(from) = from {
                let up = "/..".repeat(depth(from));
                paths.push(format!("{}{up}{path}", from.as_str().trim_end_matches('/')));
                paths.push(
                    format!("{}{up}{path}", from.as_str().trim_end_matches('/')).replacen(
                        "/..",
                        "%2F..",
                        depth(from),
                    ),
                );
            }
            let mut requests: Vec<Request> = paths
                .iter()
                .map(|p| at_gateway(p).method(method).token(token.clone()))
                .collect();
            requests.push(
                at_gateway(&path)
                    .method(method)
                    .token(token.clone())
                    .header(tenancy.header.as_str(), tenant.id.as_str()),
            );
            let mut ported = at_gateway(&path).method(method).token(token.clone());
            ported.host = format!("{host}:443");
            requests.push(ported);
            for request in requests {
                let trace = mesh.evaluate(&request);
                if data.reached(&route.service, &trace) {
                    failed.push(broken(
                        tenant.span.clone(),
                        "no one else reaches a tenant's paths",
                        &format!(
                            "{who} reaches `{}`'s path with {} {} (Host {}): {}",
                            tenant.id,
                            request.method,
                            request.path,
                            request.host,
                            describe(profile, &trace)
                        ),
                    ));
                    break;
                }
            }
        }
    }
}

/// The services that hold tenant data, by host: every service a tenant lists, and the one a
/// tenant's path is delivered to.
struct TenantData<'p> {
    /// The services behind each host, and whether a tenant lists one of them.
    hosts: BTreeMap<String, (Vec<&'p Name>, bool)>,
}

impl<'p> TenantData<'p> {
    fn of(profile: &'p Profile, tenancy: &Tenancy) -> Self {
        let listed: BTreeSet<&Name> = tenancy.tenants.iter().flat_map(|t| &t.services).collect();
        let mut hosts: BTreeMap<String, (Vec<&Name>, bool)> = BTreeMap::new();
        for service in &profile.services {
            let (names, any_listed) = hosts.entry(topology::host(service)).or_default();
            names.push(&service.name);
            *any_listed |= listed.contains(&service.name);
        }
        Self { hosts }
    }

    /// Whether the request gets into a workload that holds tenant data: the service the
    /// tenant's path is delivered to, or any service a tenant lists. A variant of a tenant's
    /// path that Istio does not read as that path (upper case, `//` without slash merging:
    /// matches are case-sensitive and exact, istio-rules.md §7) may fall through to a public
    /// route to a service no tenant lists; it reaches nobody's tenant data there.
    fn reached(&self, delivered_to: &Name, trace: &Trace<'_>) -> bool {
        trace.branches.iter().any(|branch| {
            let allowed = branch.outcome.as_ref().is_some_and(Outcome::is_allowed)
                || branch
                    .arrivals
                    .iter()
                    .any(|h| h.outcome.as_ref().is_some_and(Outcome::is_allowed));
            allowed
                && self
                    .hosts
                    .get(branch.host)
                    .is_some_and(|(names, listed)| *listed || names.contains(&delivered_to))
        })
    }
}

fn edge(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    let Some(jwt) = &profile.security.jwt else {
        return;
    };
    if !jwt.require_token {
        return;
    }
    for gateway in &profile.gateways {
        for class in gateway.classes() {
            edge_class(mesh, profile, &class, gateway.cors.is_some(), failed);
        }
    }
}

/// The edge's guarantees on every route of one class of hosts, at each of its hosts.
/// Where the gateway answers CORS, the edge lets a tokenless `OPTIONS` through (a browser's
/// preflight carries no credentials, and Envoy's RBAC filter runs before its CORS filter), so
/// the probe uses another of the route's methods; a route whose only method is `OPTIONS` is
/// instead proven to refuse a tokenless `OPTIONS` somewhere (at its service).
fn edge_class(
    mesh: &Mesh,
    profile: &Profile,
    class: &HostClass<'_>,
    cors: bool,
    failed: &mut Vec<Diagnostic>,
) {
    for route in &class.routes {
        // Below a prefix, and the prefix itself: the token rule names both.
        let paths = match &route.path {
            PathMatch::Prefix(prefix) => vec![below(prefix), prefix.to_string()],
            PathMatch::Exact(exact) => vec![exact.to_string()],
        };
        let method = edge_method(&route.methods, cors);
        let preflight_exempt = cors && method == "OPTIONS";
        let hosts = class.hosts.iter().filter(|h| !h.is_wildcard());
        let hosts = hosts.flat_map(|h| [h.to_string(), format!("{h}:443")]);
        let tries: Vec<(String, String)> = hosts
            .flat_map(|host| paths.iter().map(move |path| (host.clone(), path.clone())))
            .collect();
        for (host, path) in tries {
            let mut request = Request::new(Origin::Gateway(None), host.clone())
                .https()
                .method(method)
                .path(&path);
            for (name, condition) in &route.headers {
                request = with_header(request, name, condition);
            }
            let trace = mesh.evaluate(&request);
            if route.public {
                // A public route opens its own path: the request reaches the service. That
                // it opens nothing else is the guarantee below, on every other route.
                if !reached(&trace) {
                    failed.push(broken(
                        route.span.clone(),
                        "a request without a token reaches a public route",
                        &format!(
                            "{method} {path} (Host {host}) {}",
                            describe(profile, &trace)
                        ),
                    ));
                }
                continue;
            }
            if preflight_exempt {
                if trace.allowed_anywhere() {
                    failed.push(broken(
                        route.span.clone(),
                        "a request without a token is refused",
                        &format!(
                            "{method} {path} (Host {host}) {}",
                            describe(profile, &trace)
                        ),
                    ));
                }
                continue;
            }
            let stopped = trace.entry.as_ref().is_some_and(|e| e.outcome.is_some());
            if !stopped || trace.allowed_anywhere() {
                failed.push(broken(
                    route.span.clone(),
                    "a request without a token stops at the gateway",
                    &format!(
                        "{method} {path} (Host {host}) {}",
                        describe(profile, &trace)
                    ),
                ));
            }
        }
    }
}

/// The method of the edge's tokenless probe on a route: its first, `GET` for any, and where
/// the gateway answers CORS its first other than `OPTIONS`, which the edge lets through.
fn edge_method(methods: &[Method], cors: bool) -> &str {
    let mut usable = methods
        .iter()
        .map(Method::as_str)
        .filter(|m| !cors || *m != "OPTIONS");
    match (methods.first(), usable.next()) {
        (None, _) => "GET",
        (Some(_), Some(method)) => method,
        (Some(first), None) => first.as_str(),
    }
}

fn callers(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    let lookups = Lookups::of(profile);
    callers_of(mesh, profile, &lookups, 0..profile.services.len(), failed);
}

/// What the callers' guarantees look up in the profile, built once for all their runs of
/// services (16 builds cost 21 M instructions at 1,000 services).
struct Lookups<'p> {
    /// Tenants' paths without their trailing `/` (`/a/` as `/a`, `/` as the empty path), so
    /// that whether a path lies in one is a lookup of each of its ancestors, not a scan of
    /// every tenant ([`super::index::in_folders`]).
    tenant_folders: BTreeSet<String>,
    by_name: BTreeMap<&'p Name, &'p Service>,
    homes: super::index::Homes<'p>,
}

impl<'p> Lookups<'p> {
    fn of(profile: &'p Profile) -> Self {
        Self {
            tenant_folders: profile
                .tenancy
                .iter()
                .flat_map(|t| &t.tenants)
                .flat_map(|t| &t.paths)
                .map(|p| p.as_str().trim_end_matches('/').to_string())
                .collect(),
            by_name: profile.services.iter().map(|s| (&s.name, s)).collect(),
            homes: super::index::Homes::of(&profile.services),
        }
    }
}

/// The callers' guarantees of the services at `services` (positions in the profile).
fn callers_of(
    mesh: &Mesh,
    profile: &Profile,
    lookups: &Lookups<'_>,
    services: std::ops::Range<usize>,
    failed: &mut Vec<Diagnostic>,
) {
    let Lookups {
        tenant_folders,
        by_name,
        homes,
    } = lookups;
    let in_tenant_path = |path: &HttpPath| {
        super::index::in_folders(tenant_folders, path.as_str().trim_end_matches('/'))
    };
    for service in profile.services.get(services).unwrap_or_default() {
        let host = topology::host(service);
        for caller in &service.callers {
            // The ports the caller dials: each of its own HTTP ports, or every HTTP port of the
            // service. A caller held to TCP ports only is not proven: the simulator sends HTTP
            // requests.
            let ports = super::ports::http_ports(service, &caller.ports);
            if ports.is_empty() {
                continue;
            }
            // A caller named by its token sends it; the strangers below send none.
            let token_of = |subject: Option<&str>| {
                if caller.request_principals.is_empty() && caller.claims.is_empty() {
                    return Token::None;
                }
                let claims = caller
                    .claims
                    .iter()
                    .filter_map(|(name, values)| {
                        Some((name.to_string(), values.first()?.as_str().into()))
                    })
                    .collect();
                let Token::Valid(mut jwt) = token(profile, claims) else {
                    return Token::None;
                };
                let principal = subject
                    .and_then(|s| caller.request_principals.iter().find(|p| p.subject == s))
                    .or_else(|| caller.request_principals.first());
                if let Some(principal) = principal {
                    jwt.subject = Some(principal.subject.clone());
                    // A token of the principal's issuer, with that issuer's audiences.
                    if let Some((_, more)) = profile
                        .security
                        .issuers
                        .iter()
                        .find(|(_, more)| more.issuer == principal.issuer)
                    {
                        jwt.issuer = more.issuer.to_string();
                        jwt.audiences.clone_from(&more.audiences);
                    }
                }
                Token::Valid(jwt)
            };
            // One request for each path, port and method, sent from each source in turn: only
            // its origin and token change, so its host, method and path are not copied again.
            let request_to = |path: &str, method: &str, port: u16| {
                Request::new(Origin::Plaintext, host.as_str())
                    .method(method)
                    .path(path)
                    .port(port)
            };
            let mut sources: Vec<(String, Origin, Option<&str>)> = Vec::new();
            let bearer = || Origin::Identity {
                namespace: "meshc-proof-bearer".to_string(),
                service_account: "bearer".to_string(),
            };
            for principal in &caller.request_principals {
                sources.push((
                    format!("a workload with a token of `{principal}`"),
                    bearer(),
                    Some(principal.subject.as_str()),
                ));
            }
            let named = !caller.services.is_empty()
                || !caller.service_accounts.is_empty()
                || !caller.namespaces.is_empty();
            if caller.request_principals.is_empty() && !named {
                sources.push((
                    "a workload with the token claims".to_string(),
                    bearer(),
                    None,
                ));
            }
            for name in &caller.services {
                if let Some(caller) = by_name.get(name) {
                    sources.push((
                        format!("service `{name}`"),
                        topology::service_origin(caller),
                        None,
                    ));
                }
            }
            for (namespace, account) in &caller.service_accounts {
                sources.push((
                    format!("`{namespace}/{account}`"),
                    Origin::Identity {
                        namespace: namespace.to_string(),
                        service_account: account.to_string(),
                    },
                    None,
                ));
            }
            for namespace in &caller.namespaces {
                sources.push((
                    format!("namespace `{namespace}`"),
                    Origin::Identity {
                        namespace: namespace.to_string(),
                        service_account: "proof".to_string(),
                    },
                    None,
                ));
            }
            // With Sidecars, the profile's own services that a namespace or service account
            // rule covers go through their own proxies' scope too.
            if profile.sidecar.is_some() {
                sources.extend(
                    super::egress::covered_services(profile, homes, caller)
                        .into_iter()
                        .map(|(who, origin)| (who, origin, None)),
                );
            }
            let paths: Vec<String> = if caller.paths.is_empty() {
                vec!["/proof".to_string()]
            } else {
                caller
                    .paths
                    .iter()
                    .filter(|p| !in_tenant_path(p))
                    .flat_map(|p| [below(p), p.to_string()])
                    .collect()
            };
            let methods: Vec<&str> = if caller.methods.is_empty() {
                vec!["GET"]
            } else {
                caller
                    .methods
                    .iter()
                    .map(crate::model::Method::as_str)
                    .collect()
            };
            for (path, port) in paths
                .iter()
                .flat_map(|p| ports.iter().map(move |port| (p, *port)))
            {
                for method in &methods {
                    let mut request = request_to(path, method, port);
                    for (who, origin, subject) in &sources {
                        request.from.clone_from(origin);
                        request.token = token_of(*subject);
                        let trace = mesh.evaluate(&request);
                        if !reached(&trace) {
                            failed.push(broken(
                                caller.span.clone(),
                                "every caller reaches what it declares",
                                &format!(
                                    "{who} cannot {method} {path} on {}: {}",
                                    super::ports::on(service, port),
                                    describe(profile, &trace)
                                ),
                            ));
                        }
                    }
                    let strangers = [
                        (
                            "a workload that is no caller",
                            Origin::Identity {
                                namespace: "meshc-proof-stranger".to_string(),
                                service_account: "stranger".to_string(),
                            },
                        ),
                        ("a plaintext client", Origin::Plaintext),
                    ];
                    for (who, origin) in strangers {
                        request.from = origin;
                        request.token = Token::None;
                        let trace = mesh.evaluate(&request);
                        if trace.allowed_anywhere() {
                            failed.push(broken(
                                caller.span.clone(),
                                "only declared callers get in",
                                &format!(
                                    "{who} can {method} {path} on {}: {}",
                                    super::ports::on(service, port),
                                    describe(profile, &trace)
                                ),
                            ));
                        }
                    }
                }
            }
            // Exactly what it declares: where every caller rule of the service names its paths
            // (or its methods), a declared caller is refused on a path (a method) none names.
            let mut outside: Vec<(String, &str)> = Vec::new();
            let declared = |path: &HttpPath| {
                let path = path.as_str().trim_end_matches('/');
                OUTSIDE_PATH == path || OUTSIDE_PATH.starts_with(&format!("{path}/"))
            };
            if service.callers.iter().all(|c| !c.paths.is_empty())
                && !service.callers.iter().flat_map(|c| &c.paths).any(declared)
            {
                outside.push((OUTSIDE_PATH.to_string(), methods[0]));
            }
            let undeclared = ["DELETE", "PATCH", "PUT", "POST", "GET"]
                .into_iter()
                .find(|m| {
                    !service
                        .callers
                        .iter()
                        .flat_map(|c| &c.methods)
                        .any(|d| d.as_str() == *m)
                });
            if service.callers.iter().all(|c| !c.methods.is_empty())
                && let (Some(method), Some(path)) = (undeclared, paths.first())
            {
                outside.push((path.clone(), method));
            }
            let mut refused: Vec<(String, &str, u16, &str)> = outside
                .into_iter()
                .flat_map(|(path, method)| {
                    ports.iter().map(move |port| {
                        (path.clone(), method, *port, "which no caller rule declares")
                    })
                })
                .collect();
            // Held to some ports, refused on the others, where no other caller rule of the
            // service may admit the same workloads there.
            let alone = service
                .callers
                .iter()
                .filter(|c| !std::ptr::eq(*c, caller))
                .all(|c| !may_share(by_name, c, caller));
            if let (true, Some(path), Some(method)) = (alone, paths.first(), methods.first()) {
                refused.extend(
                    super::ports::other_http_ports(service, &caller.ports)
                        .into_iter()
                        .map(|port| {
                            (
                                path.clone(),
                                *method,
                                port,
                                "which its caller rule does not name",
                            )
                        }),
                );
            }
            for (path, method, port, why) in &refused {
                let mut request = request_to(path, method, *port);
                for (who, origin, subject) in &sources {
                    request.from.clone_from(origin);
                    request.token = token_of(*subject);
                    let trace = mesh.evaluate(&request);
                    if trace.allowed_anywhere() {
                        failed.push(broken(
                            caller.span.clone(),
                            "every caller reaches exactly what it declares",
                            &format!(
                                "{who} can {method} {path} on {}, {why}: {}",
                                super::ports::on(service, *port),
                                describe(profile, &trace)
                            ),
                        ));
                    }
                }
            }
        }
    }
}

/// Whether two caller rules of a service may admit one workload: a service, namespace or
/// service account both name or cover, or a rule that admits by token, which the proof does not
/// sort out.
fn may_share(by_name: &BTreeMap<&Name, &Service>, a: &Caller, b: &Caller) -> bool {
    let by_token = |c: &Caller| {
        !c.request_principals.is_empty()
            || !c.claims.is_empty()
            || (c.services.is_empty() && c.namespaces.is_empty() && c.service_accounts.is_empty())
    };
    // Each workload a rule names, as (namespace, service account), with its namespaces.
    let accounts = |c: &Caller| -> Vec<(Name, Name)> {
        let services = c.services.iter().filter_map(|n| by_name.get(n));
        services
            .map(|s| (s.namespace.clone(), s.service_account.clone()))
            .chain(c.service_accounts.iter().cloned())
            .collect()
    };
    let covers = |x: &Caller, accounts: &[(Name, Name)]| {
        accounts.iter().any(|(ns, _)| x.namespaces.contains(ns))
    };
    let (of_a, of_b) = (accounts(a), accounts(b));
    by_token(a)
        || by_token(b)
        || a.namespaces.iter().any(|n| b.namespaces.contains(n))
        || of_a.iter().any(|w| of_b.contains(w))
        || covers(a, &of_b)
        || covers(b, &of_a)
}

#[cfg(test)]
mod tests {
    use super::{CALLERS, LARGEST_FIRST, PARTS, SPLIT_FROM, Share, edge_method, shares};
    use crate::model::Method;

    #[test]
    fn every_part_is_taken_once() {
        let mut taken = LARGEST_FIRST.to_vec();
        taken.sort_unstable();
        assert_eq!(taken, (0..PARTS.len()).collect::<Vec<_>>());
    }

    /// Every part once, `callers` as runs that cover each service once; sorted by where their
    /// findings go, the shares are the parts in order and the runs in the services' order.
    #[test]
    fn the_shares_cover_every_part_and_every_service_once() {
        for services in [0, 7, SPLIT_FROM - 1, SPLIT_FROM, 100, 1000, 1001, 10_000] {
            let taken = shares(services);
            let mut sorted = taken.clone();
            sorted.sort_by_key(Share::order);
            let mut next = 0;
            let mut parts = Vec::new();
            for share in &sorted {
                match share {
                    Share::Part(part) => parts.push(*part),
                    Share::Callers(run) => {
                        assert_eq!(run.start, next, "{services} services: {sorted:?}");
                        assert!(run.end > run.start);
                        next = run.end;
                        if parts.last() != Some(&CALLERS) {
                            parts.push(CALLERS);
                        }
                    }
                }
            }
            assert_eq!(parts, (0..PARTS.len()).collect::<Vec<_>>());
            if services < SPLIT_FROM {
                assert_eq!(taken, LARGEST_FIRST.map(Share::Part).to_vec());
            } else {
                assert_eq!(next, services);
                assert!(taken.len() > PARTS.len());
            }
        }
    }

    fn methods(names: &[&str]) -> Vec<Method> {
        names.iter().map(|m| Method::parse(m).unwrap()).collect()
    }

    #[test]
    fn the_edge_probe_avoids_options_only_where_the_gateway_answers_cors() {
        assert_eq!(edge_method(&[], true), "GET");
        assert_eq!(edge_method(&methods(&["OPTIONS", "POST"]), true), "POST");
        assert_eq!(
            edge_method(&methods(&["OPTIONS", "POST"]), false),
            "OPTIONS"
        );
        assert_eq!(edge_method(&methods(&["OPTIONS"]), true), "OPTIONS");
    }
}
