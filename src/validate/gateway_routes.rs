//! `[gateway.routes.<name>]`: path, method and header conditions, public routes, header
//! operations and faults, and the order Envoy tries the routes in.

use std::collections::BTreeMap;

use super::Checker;
use super::header_sample::header_value;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    Gateway, GatewayRoute, HeaderCondition, HeaderName, Host, PathMatch, RateLimit, Tenancy,
};
use crate::profile::Sp;
use crate::profile::raw::{Named, RawGatewayRoute, RawProfile, RawService};

/// Most requests a rate-limit bucket may hold; Envoy's token bucket is a uint32.
const MAX_RATE: i64 = 1_000_000;

impl Checker {
    pub(super) fn gateway_routes(
        &mut self,
        raw: &Named<RawGatewayRoute>,
        profile: &RawProfile,
        hosts: Option<&[Host]>,
    ) -> Option<Vec<GatewayRoute>> {
        // Two plain prefix routes on one prefix: the second could never match. Routes that
        // name their hosts are compared once they are checked, host by host.
        self.unique(
            raw.values()
                .filter(|r| r.hosts.is_none())
                .filter(|r| r.exact.is_none() && r.methods.is_empty())
                .filter(|r| r.headers.is_none() && r.header_regexes.is_none())
                .filter_map(|r| r.prefix.as_ref().map(|p| (&p.value, p.span()))),
            "gateway prefix",
        );
        let mut routes = self.each(raw, |c, (name, route)| {
            c.gateway_route(name, route, profile, hosts)
        })?;
        routes.sort_by(|a, b| order(a).cmp(&order(b)));
        self.same_prefix_on_a_host(&routes);
        self.same_conditions(&routes);
        Some(routes)
    }

    fn gateway_route(
        &mut self,
        name: &Sp<String>,
        route: &RawGatewayRoute,
        profile: &RawProfile,
        hosts: Option<&[Host]>,
    ) -> Option<GatewayRoute> {
        let route_name = self.name(name);
        let route_hosts = self.route_hosts(route, hosts);
        let path = match (&route.prefix, &route.exact) {
            (Some(prefix), None) => self.path(prefix).map(PathMatch::Prefix),
            (None, Some(exact)) => self.path(exact).map(PathMatch::Exact),
            (Some(prefix), Some(exact)) => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        exact.span(),
                        "a gateway route matches either a `prefix` or an `exact` path, not both",
                    )
                    .secondary(prefix.span(), "prefix set here"),
                );
                None
            }
            (None, None) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        name.span(),
                        format!("gateway route `{}` has no path", name.as_str()),
                    )
                    .help("add `prefix = \"/...\"` (the path and everything below it) or `exact = \"/...\"`"),
                );
                None
            }
        };
        let target = profile.services.get(route.service.as_str());
        let service = self.service_reference(&route.service, &profile.services);
        let rate_limit = match &route.rate_limit {
            Some(limit) => {
                if let Some(target) = target {
                    self.rate_limit_bypasses_subsets(name, limit.span(), target);
                }
                let requests = self.count(&limit.value.requests, 1..=MAX_RATE);
                let per = self.duration(&limit.value.per);
                Some(Some(RateLimit {
                    requests: requests?,
                    per: per?,
                }))
            }
            None => Some(None),
        };
        self.unique(route.methods.iter().map(|m| (&m.value, m.span())), "method");
        let methods = self.each(&route.methods, Self::method);
        let headers = self.gateway_header_conditions(route, target, profile);
        let public = route.public.as_ref().is_some_and(|p| p.value);
        if public {
            self.public_without_conditions(route);
        }
        let header_ops = self.route_headers(
            route.request_headers.as_ref(),
            route.response_headers.as_ref(),
            profile,
        );
        let fault = self.fault(route.fault.as_ref());
        let port = self.gateway_route_port(route, target);
        if let (Some(fault), Some(target)) = (&route.fault, target)
            && service_retries_or_timeout(target)
        {
            self.report(
                Diagnostic::new(
                    Code::FaultWithRetries,
                    fault.span(),
                    format!(
                        "gateway route `{}` injects faults into service `{}`, whose routes have retries or a timeout",
                        name.as_str(),
                        route.service.as_str()
                    ),
                )
                .help("Istio turns off a route's retries and timeout when it injects faults: inject the fault on a service without a retry budget or timeout"),
            );
            return None;
        }
        Some(GatewayRoute {
            span: name.span(),
            name: route_name?,
            path: path?,
            service: service?,
            rate_limit: rate_limit?,
            methods: methods?,
            headers: headers?,
            public,
            header_ops: header_ops?,
            fault: fault?,
            hosts: route_hosts?,
            port: port?,
        })
    }

    /// `headers` and `header-regexes` of a gateway route. A header the target service routes by
    /// is refused: the route's condition and the service's would meet in one match, where
    /// Istio takes one condition per header.
    fn gateway_header_conditions(
        &mut self,
        route: &RawGatewayRoute,
        target: Option<&RawService>,
        profile: &RawProfile,
    ) -> Option<Vec<(HeaderName, HeaderCondition)>> {
        let routed_by: Vec<&str> = target
            .map(|t| routing_headers(t, profile))
            .unwrap_or_default();
        let mut conditions = BTreeMap::new();
        let mut ok = true;
        for (list, regex) in [(&route.headers, false), (&route.header_regexes, true)] {
            let Some(list) = list else { continue };
            if list.value.is_empty() {
                self.report(Diagnostic::new(
                    Code::EmptyList,
                    list.span(),
                    if regex {
                        "`header-regexes` is empty"
                    } else {
                        "`headers` is empty"
                    },
                ));
                ok = false;
                continue;
            }
            for (name, value) in &list.value {
                let checked = self.header_name(name);
                let condition = if regex {
                    self.regex(value).map(|()| {
                        if header_value(&value.value).is_none() {
                            self.report(
                                Diagnostic::new(
                                    Code::UnprovableRoute,
                                    value.span(),
                                    "the proofs find no header value this regex matches",
                                )
                                .label("no short printable value matches it")
                                .help("a simpler regex lets every render prove the route; until then nothing proves that it delivers"),
                            );
                        }
                        HeaderCondition::Regex(value.value.clone())
                    })
                } else {
                    self.header_value(value).map(HeaderCondition::Exact)
                };
                let (Some(checked), Some(condition)) = (checked, condition) else {
                    ok = false;
                    continue;
                };
                if routed_by.contains(&checked.as_str()) {
                    self.report(
                        Diagnostic::new(
                            Code::ConflictingKeys,
                            name.span(),
                            format!(
                                "service `{}` already routes by header `{checked}`",
                                route.service.as_str()
                            ),
                        )
                        .help("match on another header, or route by this one in the service's own routes"),
                    );
                    ok = false;
                    continue;
                }
                if conditions.insert(checked.clone(), condition).is_some() {
                    self.report(Diagnostic::new(
                        Code::ConflictingKeys,
                        name.span(),
                        format!("header `{checked}` is in both `headers` and `header-regexes`"),
                    ));
                    ok = false;
                }
            }
        }
        ok.then(|| conditions.into_iter().collect())
    }

    /// A public route opens exactly its path: conditions on methods or headers would leave
    /// the requests that miss them to the routes after it, which the edge's token rule,
    /// written per path, cannot tell apart.
    fn public_without_conditions(&mut self, route: &RawGatewayRoute) {
        let conditions = [
            route.methods.first().map(Sp::span),
            route.headers.as_ref().map(Sp::span),
            route.header_regexes.as_ref().map(Sp::span),
        ];
        for span in conditions.into_iter().flatten() {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    span,
                    "a public route matches on its path alone",
                )
                .help("the edge exempts a public route's path from the token requirement; remove this condition, or make the route not public"),
            );
        }
    }

    /// Reports two plain prefix routes on one prefix for one host, where one of them names
    /// its hosts (the others were compared as written): the later never matches there.
    fn same_prefix_on_a_host(&mut self, routes: &[GatewayRoute]) {
        for (i, later) in routes.iter().enumerate() {
            let Some(earlier) = routes[..i].iter().find(|earlier| {
                (!earlier.hosts.is_empty() || !later.hosts.is_empty())
                    && earlier.is_plain_prefix()
                    && later.is_plain_prefix()
                    && earlier.path == later.path
                    && share_a_host(earlier, later)
            }) else {
                continue;
            };
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    later.span.clone(),
                    format!(
                        "gateway routes `{}` and `{}` both take prefix `{}` for a host",
                        earlier.name,
                        later.name,
                        later.scope()
                    ),
                )
                .secondary(earlier.span.clone(), "first here")
                .help("give the routes `hosts` that do not overlap, or different prefixes"),
            );
        }
    }

    /// Reports routes with the same path and the same conditions: the later never matches.
    fn same_conditions(&mut self, routes: &[GatewayRoute]) {
        for (i, later) in routes.iter().enumerate() {
            let Some(earlier) = routes[..i].iter().find(|earlier| {
                share_a_host(earlier, later)
                    && earlier.is_conditional()
                    && earlier.path == later.path
                    && earlier.methods == later.methods
                    && earlier.headers == later.headers
            }) else {
                continue;
            };
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    later.span.clone(),
                    format!(
                        "gateway route `{}` has the path and conditions of route `{}`",
                        later.name, earlier.name
                    ),
                )
                .secondary(earlier.span.clone(), "first here")
                .help("the later route would never match; remove it or change its conditions"),
            );
        }
    }

    /// Refuses public, exact and conditional gateway routes that receive requests under a
    /// tenant's path: tenants' paths are served by plain prefix routes, which require a token
    /// and deliver every request under the path, so that the proofs can show each tenant
    /// reaches its paths and nobody else does.
    /// A gateway whose routes name hosts is checked per class of hosts (a route in several
    /// is reported once).
    pub(super) fn routes_on_tenant_paths(&mut self, tenancy: &Tenancy, gateway: &Gateway) {
        let mut reported = Vec::new();
        for class in gateway.classes() {
            self.class_on_tenant_paths(tenancy, &class.routes, &mut reported);
        }
    }

    fn class_on_tenant_paths(
        &mut self,
        tenancy: &Tenancy,
        routes: &[&GatewayRoute],
        reported: &mut Vec<std::ops::Range<usize>>,
    ) {
        for (i, route) in routes.iter().enumerate() {
            if (route.is_plain_prefix() && !route.public) || reported.contains(&route.span) {
                continue;
            }
            let reached = tenancy.tenants.iter().find_map(|tenant| {
                let path = tenant.paths.iter().find(|path| {
                    let own = PathMatch::Prefix((*path).clone());
                    route.path.overlaps(&own)
                        && !routes[..i].iter().any(|earlier| {
                            earlier.is_plain_prefix() && path.is_within(earlier.scope())
                        })
                })?;
                Some((tenant, path))
            });
            let Some((tenant, path)) = reached else {
                continue;
            };
            reported.push(route.span.clone());
            let kind = if route.public {
                "public route"
            } else if route.is_conditional() {
                "route with conditions"
            } else {
                "exact route"
            };
            self.report(
                Diagnostic::new(
                    Code::RouteOnTenantPath,
                    route.span.clone(),
                    format!(
                        "{kind} `{}` receives requests under tenant `{}`'s path `{path}`",
                        route.name, tenant.id
                    ),
                )
                .secondary(tenant.span.clone(), "tenant declared here")
                .help(if route.public {
                    "a tenant's paths need the tenant's token: give the public route a path outside every tenant's paths, or put a plain prefix route on the tenant paths before it"
                } else {
                    "tenants' paths are served by plain prefix routes (no `exact`, `methods` or headers), so that every request under them meets the tenant's guard"
                }),
            );
        }
    }
}

/// Whether some host gets both routes.
fn share_a_host(a: &GatewayRoute, b: &GatewayRoute) -> bool {
    a.hosts.is_empty() || b.hosts.is_empty() || a.hosts.iter().any(|h| b.hosts.contains(h))
}

/// The order Envoy must try gateway routes in: exact paths first, then longer prefixes, and
/// at one path the routes with more conditions first; then by name.
fn order(
    route: &GatewayRoute,
) -> (
    bool,
    std::cmp::Reverse<usize>,
    std::cmp::Reverse<usize>,
    &str,
) {
    let conditions = route.headers.len() + usize::from(!route.methods.is_empty());
    (
        matches!(route.path, PathMatch::Prefix(_)),
        std::cmp::Reverse(route.scope().as_str().len()),
        std::cmp::Reverse(conditions),
        route.name.as_str(),
    )
}

/// The headers a service's own routes match on: its priority and canary headers, and its
/// routes' headers, and the mesh's region header when it pins regions.
fn routing_headers<'a>(service: &'a RawService, profile: &'a RawProfile) -> Vec<&'a str> {
    let mut headers: Vec<&str> = Vec::new();
    if service.region_routing.as_ref().is_some_and(|r| r.value) {
        headers.push(
            profile
                .mesh
                .region_header
                .as_ref()
                .map_or("x-region", Sp::as_str),
        );
    }
    if let Some(priority) = &service.priority {
        headers.push(
            priority
                .value
                .header
                .as_ref()
                .map_or("x-priority", Sp::as_str),
        );
    }
    if let Some(canary) = &service.canary {
        headers.push(canary.value.header.as_ref().map_or("x-canary", Sp::as_str));
    }
    for route in &service.routes {
        if let Some(list) = &route.headers {
            headers.extend(list.value.keys().map(Sp::as_str));
        }
    }
    headers
}

/// Whether any route of the service has retries or a timeout.
pub(super) fn service_retries_or_timeout(service: &RawService) -> bool {
    service.retry_budget.is_some()
        || service.timeout.is_some()
        || service
            .routes
            .iter()
            .any(|r| r.retry_budget.is_some() || r.timeout.is_some())
        || service
            .canary
            .as_ref()
            .is_some_and(|c| c.value.retry_budget.is_some() || c.value.timeout.is_some())
        || service
            .priority
            .as_ref()
            .is_some_and(|p| p.value.retry_budget.is_some() || p.value.timeout.is_some())
}
