//! The requests a behaviour diff sends, generated from each profile and merged (first seen
//! first, each request once):
//!
//! - at the gateway, every tenant's token and three others (none, an undeclared tenant, no
//!   tenant claim) × the path classes (each tenant's own paths, another tenant's, every gateway
//!   route's path, public ones included, and a path no route names) × the methods the profile
//!   names (and `GET` and `DELETE`); a tenant's token goes to its own paths, the next tenant's,
//!   and the routes (all of them up to [`ROUTES_PER_TOKEN`], then those to its services);
//! - the edge: every route's path on every gateway host, with and without a port, without a
//!   token;
//! - inside the mesh, for every service: each declared caller (service, service account,
//!   namespace, token principal or claims) with each method and path it declares, and three
//!   strangers (another service of the profile, a workload of another namespace, a plaintext
//!   client);
//! - every `[[expect]]` of the profile.
//!
//! At most [`MAX_REQUESTS`] requests; a larger set is cut, in generation order.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::model::{GatewayRoute, HostClass, HttpPath, Method, PathMatch, Profile, Service};
use crate::simulate::{Jwt, Origin, Request, Token};
use crate::topology;

/// The most requests one diff sends through each side.
pub(super) const MAX_REQUESTS: usize = 50_000;

/// How many gateway routes every tenant's token is sent to, before only those to its services.
const ROUTES_PER_TOKEN: usize = 32;

/// A claim value no profile declares (tenant ids are DNS labels, which cannot hold `_`).
const UNDECLARED_TENANT: &str = "meshc_undeclared";

/// A path no route or caller names.
const STRAY_PATH: &str = "/meshc-diff";

/// One generated request, and how the report names it.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    /// Who sends it: a tenant, `no token`, a caller.
    pub who: String,
    /// What it is sent to: the service meant, or the host.
    pub target: String,
    /// The request.
    pub request: Request,
    /// Whether the label names the Host (a gateway request to another host than the first).
    pub named_host: bool,
}

impl Probe {
    /// `operator-b GET /v1/tenants/operator-b/x → llm-processor`, with the Host when it is not
    /// the gateway's first.
    pub(super) fn label(&self) -> String {
        let mut label = format!(
            "{} {} {} → {}",
            self.who, self.request.method, self.request.path, self.target
        );
        if self.named_host {
            let _ = write!(label, " (Host {})", self.request.host);
        }
        label
    }
}

/// Hands `each` the requests of every profile, each once, in the order generated; gives how
/// many it handed.
pub(super) fn generate(profiles: &[&Profile], each: impl FnMut(Probe)) -> usize {
    let mut out = Sink {
        seen: BTreeSet::new(),
        sent: 0,
        each,
    };
    for profile in profiles {
        if out.sent == MAX_REQUESTS {
            break;
        }
        gateway(profile, &mut out);
        callers(profile, &mut out);
        expects(profile, &mut out);
    }
    out.sent
}

/// Where the requests go as they are generated: each new one straight on, so that none is kept
/// (a profile's list of them, the merged list and the set of those seen were 62 MB together
/// at 1,000 synthetic services).
struct Sink<F> {
    /// Each request handed on, as JSON.
    seen: BTreeSet<String>,
    sent: usize,
    each: F,
}

impl<F: FnMut(Probe)> Sink<F> {
    fn push(&mut self, probe: Probe) {
        if self.sent == MAX_REQUESTS {
            return;
        }
        let key = serde_json::to_string(&probe.request).unwrap_or_default();
        if self.seen.insert(key) {
            self.sent += 1;
            (self.each)(probe);
        }
    }
}

/// A path strictly under a prefix, as a request would use it.
fn below(prefix: &HttpPath) -> String {
    if prefix.ends_with_slash() {
        format!("{prefix}x")
    } else {
        format!("{prefix}/x")
    }
}

/// The service of the first gateway route whose path takes `path` (methods and headers aside):
/// what a request to it is meant for.
fn routed_to<'a>(routes: &[&'a GatewayRoute], path: &str) -> Option<&'a str> {
    let route = routes.iter().find(|route| match &route.path {
        PathMatch::Exact(exact) => exact.as_str() == path,
        PathMatch::Prefix(prefix) => {
            let prefix = prefix.as_str().trim_end_matches('/');
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        }
    })?;
    Some(route.service.as_str())
}

fn route_path(path: &PathMatch) -> String {
    match path {
        PathMatch::Prefix(prefix) => below(prefix),
        PathMatch::Exact(exact) => exact.to_string(),
    }
}

fn token(profile: &Profile, claims: serde_json::Map<String, serde_json::Value>) -> Token {
    let jwt = profile.security.jwt.as_ref();
    Token::Valid(Jwt {
        issuer: jwt.map(|j| j.issuer.to_string()).unwrap_or_default(),
        subject: Some("meshc-diff".to_string()),
        audiences: jwt.map(|j| j.audiences.clone()).unwrap_or_default(),
        claims,
    })
}

/// The methods requests are sent with: `GET`, `DELETE` and every one the profile names.
fn methods(profile: &Profile) -> Vec<String> {
    let mut all: BTreeSet<&str> = ["GET", "DELETE"].into();
    let tenants = profile.tenancy.iter().flat_map(|t| &t.tenants);
    all.extend(tenants.flat_map(|t| &t.methods).map(Method::as_str));
    let routes = profile.gateways.iter().flat_map(|g| &g.routes);
    all.extend(routes.flat_map(|r| &r.methods).map(Method::as_str));
    all.into_iter().map(str::to_string).collect()
}

fn gateway(profile: &Profile, out: &mut Sink<impl FnMut(Probe)>) {
    for gateway in &profile.gateways {
        for class in gateway.classes() {
            hosts(profile, &class, out);
        }
    }
}

/// The requests for one set of a gateway's hosts that share their routes.
fn hosts(profile: &Profile, class: &HostClass<'_>, out: &mut Sink<impl FnMut(Probe)>) {
    let Some(first) = class.hosts.iter().find(|h| !h.is_wildcard()) else {
        return;
    };
    let first = first.to_string();
    let methods = methods(profile);
    let send =
        |who: &str, target: &str, host: &str, method: &str, path: &str, token: &Token| Probe {
            who: who.to_string(),
            target: target.to_string(),
            request: Request::new(Origin::Gateway(None), host)
                .https()
                .method(method)
                .path(path)
                .token(token.clone()),
            named_host: host != first,
        };
    // Every path class: (path, the service it is meant for).
    let routes: Vec<(String, String)> = class
        .routes
        .iter()
        .map(|r| (route_path(&r.path), r.service.to_string()))
        .collect();
    let tenants = profile.tenancy.iter().flat_map(|t| &t.tenants);
    let routed = |path: String| {
        let target = routed_to(&class.routes, &path)
            .unwrap_or(&first)
            .to_string();
        (path, target)
    };
    let tenant_paths: Vec<(String, String)> = tenants
        .flat_map(|t| t.paths.iter().map(below))
        .map(routed)
        .collect();
    let stray = (STRAY_PATH.to_string(), first.clone());
    let mut tokens: Vec<(String, Token)> = Vec::new();
    if profile.security.jwt.is_some() {
        let claim = |value: Option<&str>| {
            let mut claims = serde_json::Map::new();
            if let (Some(tenancy), Some(value)) = (&profile.tenancy, value) {
                claims.insert(tenancy.claim.clone(), value.into());
            }
            token(profile, claims)
        };
        if profile.tenancy.is_some() {
            tokens.push((
                "an undeclared tenant".to_string(),
                claim(Some(UNDECLARED_TENANT)),
            ));
        }
        tokens.push(("a token without a tenant claim".to_string(), claim(None)));
    }
    tokens.push(("no token".to_string(), Token::None));
    // The tokens of no tenant: every path class.
    for (who, token) in &tokens {
        for (path, target) in routes.iter().chain(&tenant_paths).chain([&stray]) {
            for method in &methods {
                out.push(send(who, target, &first, method, path, token));
            }
        }
    }
    // The edge: every route on every host, with and without a port, without a token.
    for host in class.hosts.iter().filter(|h| !h.is_wildcard()) {
        for host in [host.to_string(), format!("{host}:443")] {
            for route in &class.routes {
                let method = route.methods.first().map_or("GET", Method::as_str);
                let path = route_path(&route.path);
                let target = route.service.as_str();
                out.push(send("no token", target, &host, method, &path, &Token::None));
            }
        }
    }
    // Each tenant: its own paths, the next tenant's, and the routes.
    let Some(tenancy) = &profile.tenancy else {
        return;
    };
    for (index, tenant) in tenancy.tenants.iter().enumerate() {
        let mut claims = serde_json::Map::new();
        claims.insert(tenancy.claim.clone(), tenant.id.as_str().into());
        let token = token(profile, claims);
        let next = &tenancy.tenants[(index + 1) % tenancy.tenants.len()];
        let own = tenant.paths.iter().map(below).map(routed);
        let other = next.paths.iter().map(below).map(routed);
        let reached = class.routes.iter().enumerate().filter(|(i, r)| {
            *i < ROUTES_PER_TOKEN || r.public || tenant.services.contains(&r.service)
        });
        let reached = reached.map(|(_, r)| (route_path(&r.path), r.service.to_string()));
        let paths: Vec<(String, String)> = own
            .chain(other)
            .chain(reached)
            .chain([stray.clone()])
            .collect();
        for (path, target) in &paths {
            for method in &methods {
                out.push(send(
                    tenant.id.as_str(),
                    target,
                    &first,
                    method,
                    path,
                    &token,
                ));
            }
        }
    }
}

fn callers(profile: &Profile, out: &mut Sink<impl FnMut(Probe)>) {
    for service in &profile.services {
        let host = topology::host(service);
        let mut first_path = None;
        for caller in &service.callers {
            let mut sources: Vec<(String, Origin, Token)> = Vec::new();
            let bearer = || Origin::Identity {
                namespace: "meshc-diff-bearer".to_string(),
                service_account: "bearer".to_string(),
            };
            let claims: serde_json::Map<_, _> = caller
                .claims
                .iter()
                .filter_map(|(name, values)| {
                    Some((name.to_string(), values.first()?.as_str().into()))
                })
                .collect();
            for principal in &caller.request_principals {
                let Token::Valid(mut jwt) = token(profile, claims.clone()) else {
                    continue;
                };
                jwt.subject = Some(principal.subject.clone());
                jwt.issuer = principal.issuer.to_string();
                if let Some((_, more)) = profile
                    .security
                    .issuers
                    .iter()
                    .find(|(_, more)| more.issuer == principal.issuer)
                {
                    jwt.audiences.clone_from(&more.audiences);
                }
                sources.push((principal.to_string(), bearer(), Token::Valid(jwt)));
            }
            if caller.request_principals.is_empty() && !caller.claims.is_empty() {
                sources.push(("a token with the claims".to_string(), bearer(), {
                    token(profile, claims.clone())
                }));
            }
            // A workload named by the caller entry sends the token it is named by, if any.
            let named_token = if caller.claims.is_empty() {
                Token::None
            } else {
                token(profile, claims)
            };
            for name in &caller.services {
                if let Some(from) = profile.services.iter().find(|s| &s.name == name) {
                    let origin = topology::service_origin(from);
                    sources.push((name.to_string(), origin, named_token.clone()));
                }
            }
            for (namespace, account) in &caller.service_accounts {
                let origin = Origin::Identity {
                    namespace: namespace.to_string(),
                    service_account: account.to_string(),
                };
                sources.push((origin.to_string(), origin, named_token.clone()));
            }
            for namespace in &caller.namespaces {
                let origin = Origin::Identity {
                    namespace: namespace.to_string(),
                    service_account: "meshc-diff".to_string(),
                };
                sources.push((
                    format!("namespace {namespace}"),
                    origin,
                    named_token.clone(),
                ));
            }
            let paths: Vec<String> = if caller.paths.is_empty() {
                vec!["/".to_string()]
            } else {
                caller.paths.iter().map(below).collect()
            };
            first_path.get_or_insert_with(|| paths[0].clone());
            let mut methods: Vec<&str> = caller.methods.iter().map(Method::as_str).collect();
            if !methods.contains(&"GET") {
                methods.push("GET");
            }
            for (who, origin, token) in &sources {
                for path in paths.iter().chain([&STRAY_PATH.to_string()]) {
                    for method in &methods {
                        out.push(Probe {
                            who: who.clone(),
                            target: service.name.to_string(),
                            request: Request::new(origin.clone(), host.clone())
                                .method(method)
                                .path(path)
                                .token(token.clone()),
                            named_host: false,
                        });
                    }
                }
            }
        }
        strangers(profile, service, first_path.as_deref().unwrap_or("/"), out);
    }
}

/// Another service (the first that no caller entry of `service` names), a workload of a
/// namespace the profile does not use, and a plaintext client.
fn strangers(profile: &Profile, service: &Service, path: &str, out: &mut Sink<impl FnMut(Probe)>) {
    let host = topology::host(service);
    let named = |s: &Service| service.callers.iter().any(|c| c.services.contains(&s.name));
    let mut strangers: Vec<(String, Origin)> = profile
        .services
        .iter()
        .find(|s| s.name != service.name && !named(s))
        .map(|s| (s.name.to_string(), topology::service_origin(s)))
        .into_iter()
        .collect();
    let elsewhere = Origin::Identity {
        namespace: "meshc-diff-elsewhere".to_string(),
        service_account: "default".to_string(),
    };
    strangers.push(("another namespace".to_string(), elsewhere));
    strangers.push(("plaintext".to_string(), Origin::Plaintext));
    for (who, origin) in strangers {
        out.push(Probe {
            who,
            target: service.name.to_string(),
            request: Request::new(origin, host.clone()).path(path),
            named_host: false,
        });
    }
}

fn expects(profile: &Profile, out: &mut Sink<impl FnMut(Probe)>) {
    for expect in &profile.expects {
        let Ok(request) = crate::prove::expect_request(profile, expect) else {
            continue;
        };
        let who = match &request.token {
            Token::None => format!("[[expect]] from {}", request.from),
            Token::Invalid => format!("[[expect]] from {} with an invalid token", request.from),
            Token::Valid(jwt) => {
                let claims: Vec<String> = jwt
                    .claims
                    .iter()
                    .map(|(name, value)| match value {
                        serde_json::Value::String(text) => format!("{name}={text}"),
                        other => format!("{name}={other}"),
                    })
                    .collect();
                format!(
                    "[[expect]] from {} with a token ({})",
                    request.from,
                    claims.join(", ")
                )
            }
        };
        let first = profile
            .gateways
            .first()
            .and_then(|g| g.hosts.first())
            .map(ToString::to_string);
        let all_routes: Vec<&GatewayRoute> =
            profile.gateways.iter().flat_map(|g| &g.routes).collect();
        let service = profile
            .services
            .iter()
            .find(|s| topology::host(s) == request.host)
            .map(|s| s.name.as_str());
        let routed = match &request.from {
            Origin::Gateway(_) => routed_to(&all_routes, &request.path),
            _ => None,
        };
        let target = service.or(routed).unwrap_or(&request.host).to_string();
        let named_host = service.is_none() && first.as_deref() != Some(request.host.as_str());
        out.push(Probe {
            who,
            target,
            request,
            named_host,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_meant_for_the_first_route_that_takes_it() {
        let profile = crate::pipeline::check(&crate::source::Source::new(
            "p.toml",
            "[services.a]\nport = 80\n[services.b]\nport = 80\n\
             [gateway]\nhosts = [\"h.example.com\"]\ncredential = \"c\"\n\
             [gateway.routes.x]\nexact = \"/ab\"\nservice = \"b\"\n\
             [gateway.routes.y]\nprefix = \"/a\"\nservice = \"a\"\n",
        ))
        .unwrap()
        .profile;
        let routes: Vec<&GatewayRoute> = profile.gateways[0].routes.iter().collect();
        let routes = routes.as_slice();
        assert_eq!(routed_to(routes, "/ab"), Some("b"));
        assert_eq!(routed_to(routes, "/a"), Some("a"));
        assert_eq!(routed_to(routes, "/a/x"), Some("a"));
        assert_eq!(routed_to(routes, "/abc"), None);
        assert_eq!(routed_to(routes, "/b"), None);
    }

    #[test]
    fn requests_are_sent_once_and_labelled_with_a_foreign_host() {
        let source = crate::source::Source::new(
            "p.toml",
            std::fs::read_to_string("tests/fixtures/diff/tenant-access/new.toml").unwrap(),
        );
        let profile = crate::pipeline::check(&source).unwrap().profile;
        let all = |profiles: &[&Profile]| {
            let mut probes = Vec::new();
            generate(profiles, |probe| probes.push(probe));
            probes
        };
        let once = all(&[&profile]);
        let twice = all(&[&profile, &profile]);
        assert_eq!(once.len(), twice.len());
        let labels: Vec<String> = once.iter().map(Probe::label).collect();
        assert!(labels.contains(&"acme GET /cart/acme/x → cart".to_string()));
        assert!(
            labels.contains(&"no token GET /cart/x → cart (Host shop.example.com:443)".to_string())
        );
        assert!(labels.contains(&"globex DELETE /cart/acme/x → cart".to_string()));
        assert!(labels.contains(&"plaintext GET / → cart".to_string()));
    }
}
