//! VirtualServices: a service's routes in order (priority, canary override, region pins, the
//! profile's routes, then the match-less final route), and external services' HTTP routes.

use std::collections::HashMap;

use serde::Serialize;

use super::ids::{RouteFor, RouteId, VirtualServiceId};
use super::{Context, Meta, Resource, ResourceList};
use crate::model::{
    Duration, ExternalService, GatewayRoute, HeaderName, HeaderValue, Host, HttpPath, Method, Name,
    PathMatch, Port, Retries, Service, Target, region_subset,
};

/// A VirtualService.
#[derive(Debug, Clone, Serialize)]
pub struct VirtualService {
    /// Id, name, namespace, comment.
    pub meta: Meta<VirtualServiceId>,
    /// `spec.hosts`.
    pub hosts: Vec<String>,
    /// `spec.gateways` (empty: the mesh).
    pub gateways: Vec<String>,
    /// `spec.http`, in order.
    pub http: Vec<HttpRoute>,
}

impl Resource for VirtualService {
    type Id = VirtualServiceId;

    fn id(&self) -> &VirtualServiceId {
        &self.meta.id
    }
}

/// One HTTP route.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRoute {
    /// What the route was generated for (not written out).
    #[serde(skip)]
    pub id: RouteId,
    /// `name`.
    pub name: String,
    /// `match` (ORed; empty: every request).
    pub matches: Vec<RouteMatch>,
    /// `route`.
    pub destinations: Vec<RouteDestination>,
    /// `timeout`.
    pub timeout: Option<Duration>,
    /// `retries`.
    pub retries: Option<RetryPolicy>,
    /// `corsPolicy`.
    pub cors: Option<CorsPolicy>,
}

/// One `match` entry: its conditions are ANDed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RouteMatch {
    /// `uri.exact` or `uri.prefix`.
    pub uri: Option<UriMatch>,
    /// `method.exact`.
    pub method: Option<Method>,
    /// `headers.<name>.exact`.
    pub headers: Vec<HeaderMatch>,
    /// `port`.
    pub port: Option<Port>,
}

/// A URI condition.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UriMatch {
    /// `exact`.
    Exact(HttpPath),
    /// `prefix` (a string prefix, as Envoy matches it).
    Prefix(String),
}

/// An exact header condition.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeaderMatch {
    /// Header name.
    pub name: HeaderName,
    /// Exact value.
    pub exact: HeaderValue,
}

/// One destination of a route.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RouteDestination {
    /// `destination.host` (always a FQDN).
    pub host: Host,
    /// `destination.subset`.
    pub subset: Option<Name>,
    /// `destination.port.number`.
    pub port: Option<Port>,
    /// `weight` (only with several destinations).
    pub weight: Option<u32>,
}

/// `retries`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The budget it came from (for the comment).
    pub budget: Name,
    /// `attempts`.
    pub attempts: u32,
    /// `perTryTimeout` (absent when attempts is 0: Istio refuses it then).
    pub per_try_timeout: Option<Duration>,
    /// `retryOn`.
    pub retry_on: Option<String>,
}

impl RetryPolicy {
    fn from_budget(retries: &Retries) -> Self {
        let active = retries.attempts > 0;
        Self {
            budget: retries.budget.clone(),
            attempts: retries.attempts,
            per_try_timeout: active.then_some(retries.per_try_timeout),
            retry_on: active.then(|| {
                retries
                    .retry_on
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            }),
        }
    }
}

/// `corsPolicy`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CorsPolicy {
    /// `allowOrigins` entries.
    pub origins: Vec<OriginMatch>,
    /// `allowMethods`.
    pub methods: Vec<Method>,
    /// `allowHeaders`.
    pub allow_headers: Vec<HeaderName>,
    /// `exposeHeaders`.
    pub expose_headers: Vec<HeaderName>,
    /// `maxAge`.
    pub max_age: Option<Duration>,
    /// `allowCredentials`.
    pub allow_credentials: bool,
}

/// An origin condition.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OriginMatch {
    /// `exact`.
    Exact(String),
    /// `regex`.
    Regex(String),
}

/// A route before it is bound to a VirtualService: its conditions stay structured so that the
/// gateway can narrow them to its own path prefixes.
#[derive(Debug, Clone)]
pub(super) struct Rule {
    /// Which of the service's routes this is.
    origin: RouteFor,
    /// The gateway route it is narrowed to, if any.
    via: Option<Via>,
    pub(super) name: String,
    path: Option<PathMatch>,
    method: Option<Method>,
    headers: Vec<HeaderMatch>,
    destinations: Vec<RouteDestination>,
    timeout: Option<Duration>,
    retries: Option<RetryPolicy>,
}

/// A gateway route and the service it leads to.
#[derive(Debug, Clone)]
struct Via {
    gateway_route: Name,
    service: Name,
}

impl Rule {
    /// This rule of a service limited to requests under the prefix of a gateway route, renamed
    /// `<route>-<rule>`; `None` when no request can satisfy both.
    pub(super) fn within(&self, route: &GatewayRoute) -> Option<Rule> {
        let prefix = &route.prefix;
        let path = match &self.path {
            None => PathMatch::Prefix(prefix.clone()),
            Some(PathMatch::Prefix(own)) if own.is_within(prefix) => PathMatch::Prefix(own.clone()),
            Some(PathMatch::Prefix(own)) if prefix.is_within(own) => {
                PathMatch::Prefix(prefix.clone())
            }
            Some(PathMatch::Exact(own)) if own.is_within(prefix) => PathMatch::Exact(own.clone()),
            Some(_) => return None,
        };
        Some(Rule {
            via: Some(Via {
                gateway_route: route.name.clone(),
                service: route.service.clone(),
            }),
            name: format!("{}-{}", route.name, self.name),
            path: Some(path),
            ..self.clone()
        })
    }

    /// Whether every request `later` matches, this rule matches first (so `later` is dead).
    pub(super) fn covers(&self, later: &Rule) -> bool {
        let method = self.method.is_none() || self.method == later.method;
        let headers = self.headers.iter().all(|h| later.headers.contains(h));
        let path = match &later.path {
            Some(path) => path.within(self.path.as_ref()),
            None => self.path.is_none(),
        };
        method && headers && path
    }

    /// The HTTP route, with `cors` attached.
    pub(super) fn into_route(self, cors: Option<CorsPolicy>) -> HttpRoute {
        let uris = match &self.path {
            None => vec![None],
            Some(PathMatch::Exact(path)) => vec![Some(UriMatch::Exact(path.clone()))],
            Some(PathMatch::Prefix(path)) if path.ends_with_slash() => {
                vec![Some(UriMatch::Prefix(path.to_string()))]
            }
            // A profile prefix covers whole path segments: `/v1/intent` is the path itself and
            // everything under `/v1/intent/`, never `/v1/intentional`.
            Some(PathMatch::Prefix(path)) => vec![
                Some(UriMatch::Exact(path.clone())),
                Some(UriMatch::Prefix(format!("{path}/"))),
            ],
        };
        let has_conditions =
            self.path.is_some() || self.method.is_some() || !self.headers.is_empty();
        let matches = if has_conditions {
            uris.into_iter()
                .map(|uri| RouteMatch {
                    uri,
                    method: self.method.clone(),
                    headers: self.headers.clone(),
                    port: None,
                })
                .collect()
        } else {
            Vec::new()
        };
        let id = match self.via {
            None => RouteId::Service(self.origin),
            Some(Via {
                gateway_route,
                service,
            }) => RouteId::Gateway {
                gateway_route,
                service,
                rule: self.origin,
            },
        };
        HttpRoute {
            id,
            name: self.name,
            matches,
            destinations: self.destinations,
            timeout: self.timeout,
            retries: self.retries,
            cors,
        }
    }
}

/// The mesh VirtualServices: one per service, then one per TLS-originating external service.
pub(super) fn build(context: &Context<'_>) -> ResourceList<VirtualService> {
    let profile = context.profile;
    let mut services: Vec<VirtualService> = profile
        .services
        .iter()
        .map(|service| {
            let rules = service_rules(context, service);
            let summary = rules
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            VirtualService {
                meta: Meta::new(
                    VirtualServiceId::Service {
                        service: service.name.clone(),
                    },
                    context.namespace(),
                    format!("Routes to {} in order: {summary}.", service.name),
                ),
                hosts: vec![host_of(context, &service.name).to_string()],
                gateways: Vec::new(),
                http: rules
                    .into_iter()
                    .map(|rule| rule.into_route(None))
                    .collect(),
            }
        })
        .collect();
    services.extend(
        profile
            .external_services
            .iter()
            .filter_map(|external| external_service(context, external)),
    );
    services.into()
}

/// A service's FQDN.
pub(super) fn host_of(context: &Context<'_>, service: &Name) -> Host {
    Host::fqdn(service, context.namespace())
}

/// The rules of a service, in the order Envoy must try them.
pub(super) fn service_rules(context: &Context<'_>, service: &Service) -> Vec<Rule> {
    let to = |subset: Option<&Name>| RouteDestination {
        host: host_of(context, &service.name),
        subset: subset.cloned(),
        port: Some(service.port),
        weight: None,
    };
    let header_rule =
        |origin: RouteFor, name: String, header: &HeaderName, value: HeaderValue, subset: &Name| {
            Rule {
                origin,
                via: None,
                name,
                path: None,
                method: None,
                headers: vec![HeaderMatch {
                    name: header.clone(),
                    exact: value,
                }],
                destinations: vec![to(Some(subset))],
                timeout: service.timeout,
                retries: service.retries.as_ref().map(RetryPolicy::from_budget),
            }
        };
    let mut rules = Vec::new();
    if let Some(priority) = &service.priority {
        for (value, subset) in &priority.subsets {
            let name = format!("priority-{}", route_suffix(value.as_str()));
            let origin = RouteFor::Priority {
                value: value.clone(),
            };
            rules.push(header_rule(
                origin,
                name,
                &priority.header,
                value.clone(),
                subset,
            ));
        }
    }
    if let Some(canary) = &service.canary {
        rules.push(header_rule(
            RouteFor::CanaryOverride,
            "canary-override".to_string(),
            &canary.header,
            canary.header_value.clone(),
            &canary.canary,
        ));
    }
    if service.region_routing {
        for region in &context.profile.regions {
            let subset = region_subset(&region.name);
            if let Ok(value) = HeaderValue::parse(region.name.as_str()) {
                rules.push(header_rule(
                    RouteFor::Region {
                        region: region.name.clone(),
                    },
                    subset.to_string(),
                    &context.profile.mesh.region_header,
                    value,
                    &subset,
                ));
            }
        }
    }
    let first_route = rules.len();
    for route in &service.routes {
        let destinations = match &route.target {
            Target::Subset(subset) => vec![to(Some(subset))],
            Target::Split(parts) => parts
                .iter()
                .map(|(subset, weight)| RouteDestination {
                    weight: Some(weight.get()),
                    ..to(Some(subset))
                })
                .collect(),
        };
        let rule = Rule {
            origin: RouteFor::Route {
                route: route.name.clone(),
            },
            via: None,
            name: route.name.to_string(),
            path: route.path.clone(),
            method: route.method.clone(),
            headers: route
                .headers
                .iter()
                .map(|(name, exact)| HeaderMatch {
                    name: name.clone(),
                    exact: exact.clone(),
                })
                .collect(),
            destinations,
            timeout: route.timeout,
            retries: route.retries.as_ref().map(RetryPolicy::from_budget),
        };
        // A route an earlier one shadows never matches; validation warned about it
        // (`unreachable-route`), and Istio would warn about the dead rule.
        if rules[first_route..]
            .iter()
            .any(|earlier| earlier.covers(&rule))
        {
            continue;
        }
        rules.push(rule);
    }
    let destinations = match &service.canary {
        Some(canary) => vec![
            RouteDestination {
                weight: Some(canary.weight.complement().get()),
                ..to(Some(&canary.stable))
            },
            RouteDestination {
                weight: Some(canary.weight.get()),
                ..to(Some(&canary.canary))
            },
        ],
        None => vec![to(service.default_subset.as_ref())],
    };
    rules.push(Rule {
        origin: RouteFor::Final,
        via: None,
        name: "default".to_string(),
        path: None,
        method: None,
        headers: Vec::new(),
        destinations,
        timeout: service.timeout,
        retries: service.retries.as_ref().map(RetryPolicy::from_budget),
    });
    unique_names(&mut rules);
    rules
}

/// A header value as part of a route name: lower case, `[a-z0-9-]` only.
fn route_suffix(value: &str) -> String {
    let suffix: String = value
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let suffix = suffix.trim_matches('-');
    // A value of punctuation alone still needs a name; `unique_names` numbers repeats.
    if suffix.is_empty() {
        "value".to_string()
    } else {
        suffix.to_string()
    }
}

/// Rules in order, indexed by path, so that looking for an earlier rule that catches every
/// request of a new one only visits the rules on the new rule's path and its parent prefixes. A
/// gateway that routes to thousands of services holds tens of thousands of rules, and comparing
/// each with every earlier one made planning quadratic.
#[derive(Debug, Default)]
pub(super) struct OrderedRules {
    rules: Vec<Rule>,
    /// Rules without a path condition.
    anywhere: Vec<usize>,
    /// Prefix rules, by their prefix without its trailing `/`.
    prefixes: HashMap<String, Vec<usize>>,
    /// Exact-path rules, by their path.
    exact: HashMap<String, Vec<usize>>,
}

impl OrderedRules {
    /// Appends `rule` unless an earlier rule [covers](Rule::covers) it; whether it was added.
    pub(super) fn push(&mut self, rule: Rule) -> bool {
        if self.candidates(&rule).any(|i| self.rules[i].covers(&rule)) {
            return false;
        }
        let index = self.rules.len();
        match &rule.path {
            None => self.anywhere.push(index),
            Some(PathMatch::Prefix(path)) => self
                .prefixes
                .entry(path.as_str().trim_end_matches('/').to_string())
                .or_default()
                .push(index),
            Some(PathMatch::Exact(path)) => {
                self.exact.entry(path.to_string()).or_default().push(index);
            }
        }
        self.rules.push(rule);
        true
    }

    /// The rules, in the order they were added.
    pub(super) fn into_rules(self) -> Vec<Rule> {
        self.rules
    }

    /// Every earlier rule whose path condition can hold all the paths of `rule`: those without
    /// one, prefixes equal to its path or to a parent of it (`/a` and `/` for `/a/b`, as
    /// [`HttpPath::is_within`] has it), and for an exact path the same exact path.
    fn candidates<'a>(&'a self, rule: &'a Rule) -> impl Iterator<Item = usize> + 'a {
        let path = match &rule.path {
            Some(PathMatch::Prefix(path) | PathMatch::Exact(path)) => Some(path.as_str()),
            None => None,
        };
        let parents = path.into_iter().flat_map(|path| {
            std::iter::once(path).chain(path.match_indices('/').map(move |(at, _)| &path[..at]))
        });
        let prefixed = parents.flat_map(|parent| self.prefixes.get(parent).into_iter().flatten());
        let exact = match &rule.path {
            Some(PathMatch::Exact(path)) => self.exact.get(path.as_str()),
            _ => None,
        };
        self.anywhere
            .iter()
            .chain(prefixed)
            .chain(exact.into_iter().flatten())
            .copied()
    }
}

/// Appends `-2`, `-3`… to repeated names, so that every route of a VirtualService has its own.
pub(super) fn unique_names(rules: &mut [Rule]) {
    let mut seen = std::collections::BTreeSet::new();
    for rule in rules {
        let mut candidate = rule.name.clone();
        let mut n = 2;
        while !seen.insert(candidate.clone()) {
            candidate = format!("{}-{n}", rule.name);
            n += 1;
        }
        rule.name = candidate;
    }
}

/// The HTTP side of a TLS-originating external service (istio-rules.md §4.3); validation
/// leaves it one exact host.
fn external_service(context: &Context<'_>, external: &ExternalService) -> Option<VirtualService> {
    let origination = external.origination.as_ref()?;
    let host = external.hosts.first()?;
    Some(VirtualService {
        meta: Meta::new(
            VirtualServiceId::External {
                external: external.name.clone(),
            },
            context.namespace(),
            format!(
                "Plain HTTP to {host} on port {}; the sidecar originates TLS to port {}.",
                origination.http_port, external.port
            ),
        ),
        hosts: vec![host.to_string()],
        gateways: Vec::new(),
        http: vec![HttpRoute {
            id: RouteId::External,
            name: external.name.to_string(),
            matches: vec![RouteMatch {
                uri: None,
                method: None,
                headers: Vec::new(),
                port: Some(origination.http_port),
            }],
            destinations: vec![RouteDestination {
                host: host.clone(),
                subset: None,
                port: Some(origination.http_port),
                weight: None,
            }],
            timeout: origination.timeout,
            retries: origination.retries.as_ref().map(RetryPolicy::from_budget),
            cors: None,
        }],
    })
}
