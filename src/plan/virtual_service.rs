//! VirtualServices: a service's routes in order (priority, canary override, region pins, the
//! profile's routes, then the match-less final route), and external services' HTTP routes.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::ids::{RouteFor, RouteId, VirtualServiceId};
use super::{Context, Meta, Resource, ResourceList};
use crate::model::{
    Duration, ExternalService, Fault, GatewayRoute, HeaderCondition, HeaderName, HeaderOps,
    HeaderValue, Host, HttpPath, Method, Name, PathMatch, Port, Retries, RouteHeaders, Service,
    Target, region_subset,
};

/// A VirtualService.
#[derive(Clone, Serialize)]
pub struct VirtualService {
    /// Id, name, namespace, comment.
    pub meta: Meta<VirtualServiceId>,
    /// `spec.hosts`.
    pub hosts: Vec<String>,
    /// `spec.gateways` (empty: the mesh).
    pub gateways: Vec<String>,
    /// `spec.http`, in order.
    pub http: Vec<HttpRoute>,
    /// `spec.tls` and `spec.tcp`: TLS and TCP through the egress gateway.
    pub l4: Option<super::egress_l4::L4Routes>,
}

impl std::fmt::Debug for VirtualService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("VirtualService");
        s.field("meta", &self.meta)
            .field("hosts", &self.hosts)
            .field("gateways", &self.gateways)
            .field("http", &self.http);
        if let Some(l4) = &self.l4 {
            s.field("l4", l4);
        }
        s.finish()
    }
}

impl Resource for VirtualService {
    type Id = VirtualServiceId;

    fn id(&self) -> &VirtualServiceId {
        &self.meta.id
    }
}

/// One HTTP route.
#[derive(Clone, Serialize)]
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
    /// `retries`, shared by the routes of one budget ([`Context::retry_policy`]).
    pub retries: Option<Arc<RetryPolicy>>,
    /// `corsPolicy`. This and the two below are boxed: a route rarely has them, and inline
    /// they were more than half of every route's size (216 bytes now), which each route of
    /// the plan holds through the render.
    pub cors: Option<Box<CorsPolicy>>,
    /// `headers` (request and response operations).
    pub header_ops: Option<Box<HeaderOperations>>,
    /// `fault`.
    pub fault: Option<Box<FaultPolicy>>,
}

// The plan snapshots show a route's header operations and fault only when it has them, so
// that the plan of a profile without them reads as before they existed.
impl std::fmt::Debug for HttpRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("HttpRoute");
        s.field("id", &self.id)
            .field("name", &self.name)
            .field("matches", &self.matches)
            .field("destinations", &self.destinations)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("cors", &self.cors);
        if let Some(ops) = &self.header_ops {
            s.field("header_ops", ops);
        }
        if let Some(fault) = &self.fault {
            s.field("fault", fault);
        }
        s.finish()
    }
}

/// One `match` entry: its conditions are ANDed.
#[derive(Clone, Serialize, PartialEq, Eq)]
pub struct RouteMatch {
    /// `uri.exact` or `uri.prefix`.
    pub uri: Option<UriMatch>,
    /// `method.exact`.
    pub method: Option<Method>,
    /// `headers.<name>.exact`.
    #[serde(serialize_with = "super::empty_as_none")]
    pub headers: Vec<HeaderMatch>,
    /// `port`.
    pub port: Option<Port>,
    /// `headers.<name>.regex` (in the same `headers` map as the exact ones).
    #[serde(serialize_with = "super::empty_as_none")]
    pub header_regexes: Vec<HeaderRegex>,
    /// `gateways`: the match applies to these only (empty: the VirtualService's own).
    #[serde(serialize_with = "super::empty_as_none")]
    pub gateways: Vec<String>,
}

impl std::fmt::Debug for RouteMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("RouteMatch");
        s.field("uri", &self.uri)
            .field("method", &self.method)
            .field("headers", &self.headers)
            .field("port", &self.port);
        if !self.header_regexes.is_empty() {
            s.field("header_regexes", &self.header_regexes);
        }
        if !self.gateways.is_empty() {
            s.field("gateways", &self.gateways);
        }
        s.finish()
    }
}

/// A header condition by RE2 regular expression over the whole value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeaderRegex {
    /// Header name.
    pub name: HeaderName,
    /// The regular expression (checked by validation).
    pub regex: String,
}

/// `headers`: header operations of a route.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeaderOperations {
    /// `request`.
    pub request: Option<HeaderSide>,
    /// `response`.
    pub response: Option<HeaderSide>,
}

/// `set`, `add` and `remove` of one side.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeaderSide {
    /// `set`.
    pub set: Vec<HeaderPair>,
    /// `add`.
    pub add: Vec<HeaderPair>,
    /// `remove`.
    pub remove: Vec<HeaderName>,
}

/// One header and its value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HeaderPair {
    /// Name.
    pub name: HeaderName,
    /// Value.
    pub value: HeaderValue,
}

impl HeaderSide {
    fn of(ops: &HeaderOps) -> Option<Self> {
        let pairs = |list: &[(HeaderName, HeaderValue)]| {
            list.iter()
                .map(|(name, value)| HeaderPair {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect()
        };
        (!ops.is_empty()).then(|| Self {
            set: pairs(&ops.set),
            add: pairs(&ops.add),
            remove: ops.remove.clone(),
        })
    }
}

impl HeaderOperations {
    fn of(headers: &RouteHeaders) -> Option<Self> {
        (!headers.is_empty()).then(|| Self {
            request: HeaderSide::of(&headers.request),
            response: HeaderSide::of(&headers.response),
        })
    }
}

/// `fault`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FaultPolicy {
    /// `delay`.
    pub delay: Option<FaultDelay>,
    /// `abort`.
    pub abort: Option<FaultAbort>,
}

/// `fault.delay`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FaultDelay {
    /// `percentage.value`.
    pub percent: f64,
    /// `fixedDelay`.
    pub fixed_delay: Duration,
}

/// `fault.abort`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FaultAbort {
    /// `percentage.value`.
    pub percent: f64,
    /// `httpStatus`.
    pub status: u16,
}

impl FaultPolicy {
    fn of(fault: &Fault) -> Self {
        Self {
            delay: fault.delay.map(|(fixed_delay, percent)| FaultDelay {
                percent: percent.get(),
                fixed_delay,
            }),
            abort: fault.abort.map(|(status, percent)| FaultAbort {
                percent: percent.get(),
                status,
            }),
        }
    }
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
    pub(super) fn from_budget(retries: &Retries) -> Self {
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
    /// Methods, ORed (empty: any).
    methods: Vec<Method>,
    headers: Vec<HeaderMatch>,
    header_regexes: Vec<HeaderRegex>,
    destinations: Vec<RouteDestination>,
    timeout: Option<Duration>,
    retries: Option<Arc<RetryPolicy>>,
    header_ops: RouteHeaders,
    fault: Option<Fault>,
}

/// A gateway route and the service it leads to.
#[derive(Debug, Clone)]
struct Via {
    gateway_route: Name,
    service: Name,
}

impl Rule {
    /// This rule of a service limited to the requests a gateway route matches (its path, methods
    /// and headers), renamed `<route>-<rule>`, with the route's header operations after the
    /// rule's own and the route's fault; `None` when no request can satisfy both.
    pub(super) fn within(&self, route: &GatewayRoute) -> Option<Rule> {
        let path = match (&route.path, &self.path) {
            (_, None) => route.path.clone(),
            (PathMatch::Prefix(prefix), Some(PathMatch::Prefix(own))) if own.is_within(prefix) => {
                PathMatch::Prefix(own.clone())
            }
            (PathMatch::Prefix(prefix), Some(PathMatch::Prefix(own))) if prefix.is_within(own) => {
                PathMatch::Prefix(prefix.clone())
            }
            (PathMatch::Prefix(prefix), Some(PathMatch::Exact(own))) if own.is_within(prefix) => {
                PathMatch::Exact(own.clone())
            }
            (PathMatch::Exact(exact), Some(own))
                if PathMatch::Exact(exact.clone()).within(Some(own)) =>
            {
                PathMatch::Exact(exact.clone())
            }
            _ => return None,
        };
        let methods = match (route.methods.is_empty(), self.methods.is_empty()) {
            (true, _) => self.methods.clone(),
            (false, true) => route.methods.clone(),
            (false, false) => {
                let both: Vec<Method> = self
                    .methods
                    .iter()
                    .filter(|m| route.methods.contains(m))
                    .cloned()
                    .collect();
                if both.is_empty() {
                    return None;
                }
                both
            }
        };
        let mut headers = self.headers.clone();
        let mut header_regexes = self.header_regexes.clone();
        for (name, condition) in &route.headers {
            match condition {
                HeaderCondition::Exact(value) => headers.push(HeaderMatch {
                    name: name.clone(),
                    exact: value.clone(),
                }),
                HeaderCondition::Regex(regex) => header_regexes.push(HeaderRegex {
                    name: name.clone(),
                    regex: regex.clone(),
                }),
            }
        }
        Some(Rule {
            via: Some(Via {
                gateway_route: route.name.clone(),
                service: route.service.clone(),
            }),
            name: format!("{}-{}", route.name, self.name),
            path: Some(path),
            methods,
            headers,
            header_regexes,
            header_ops: self.header_ops.then(&route.header_ops),
            fault: route.fault.or(self.fault),
            ..self.clone()
        })
    }

    /// This rule with every destination on the Service port `port` (a gateway route's
    /// `port`); Istio sends a route's requests to the port its destination names.
    pub(super) fn on_port(mut self, port: Port) -> Rule {
        for destination in &mut self.destinations {
            destination.port = Some(port);
        }
        self
    }

    /// Whether every request `later` matches, this rule matches first (so `later` is dead).
    pub(super) fn covers(&self, later: &Rule) -> bool {
        let method = self.methods.is_empty()
            || (!later.methods.is_empty()
                && later.methods.iter().all(|m| self.methods.contains(m)));
        let headers = self.headers.iter().all(|h| later.headers.contains(h))
            && self
                .header_regexes
                .iter()
                .all(|h| later.header_regexes.contains(h));
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
        let has_conditions = self.path.is_some()
            || !self.methods.is_empty()
            || !self.headers.is_empty()
            || !self.header_regexes.is_empty();
        let methods: Vec<Option<Method>> = if self.methods.is_empty() {
            vec![None]
        } else {
            self.methods.iter().cloned().map(Some).collect()
        };
        let (headers, header_regexes) = (&self.headers, &self.header_regexes);
        // Room for exactly the matches: collecting them from nested iterators gave every route
        // room for four (544 bytes) where most have one or two, 32.6 MB of the plan at 10,000
        // services and 1,000 tenants (heaptrack), kept through the render.
        let mut matches = Vec::with_capacity(if has_conditions {
            uris.len() * methods.len()
        } else {
            0
        });
        if has_conditions {
            for uri in uris {
                for method in &methods {
                    matches.push(RouteMatch {
                        uri: uri.clone(),
                        method: method.clone(),
                        headers: headers.clone(),
                        port: None,
                        header_regexes: header_regexes.clone(),
                        gateways: Vec::new(),
                    });
                }
            }
        }
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
            cors: cors.map(Box::new),
            header_ops: HeaderOperations::of(&self.header_ops).map(Box::new),
            fault: self
                .fault
                .as_ref()
                .map(|fault| Box::new(FaultPolicy::of(fault))),
        }
    }
}

/// The HTTP routes of `rules`, with `cors` attached to each. Collected into a vector of their
/// own: `collect` from the rules' vector reuses its buffer in place, so each route kept the room
/// of a rule (448 bytes against 216), 13 MB of the plan at 10,000 services and 1,000 tenants
/// (heaptrack), alive through the render.
pub(super) fn routes_of(rules: Vec<Rule>, cors: Option<&CorsPolicy>) -> Vec<HttpRoute> {
    let mut routes = Vec::with_capacity(rules.len());
    routes.extend(rules.into_iter().map(|rule| rule.into_route(cors.cloned())));
    routes
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
                    &service.namespace,
                    format!("Routes to {} in order: {summary}.", service.name),
                ),
                hosts: vec![host_of(context, &service.name).to_string()],
                gateways: Vec::new(),
                http: super::ports::for_every_port(service, routes_of(rules, None)),
                l4: None,
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

/// A service's FQDN, in its own namespace.
pub(super) fn host_of(context: &Context<'_>, service: &Name) -> Host {
    Host::fqdn(service, context.namespace_of(service))
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
        |origin: RouteFor,
         name: String,
         (header, value): (&HeaderName, HeaderValue),
         subset: &Name,
         (retries, timeout): (Option<&Arc<Retries>>, Option<Duration>)| {
            Rule {
                origin,
                via: None,
                name,
                path: None,
                methods: Vec::new(),
                headers: vec![HeaderMatch {
                    name: header.clone(),
                    exact: value,
                }],
                header_regexes: Vec::new(),
                destinations: vec![to(Some(subset))],
                timeout,
                retries: retries.map(|retries| context.retry_policy(retries)),
                header_ops: RouteHeaders::default(),
                fault: None,
            }
        };
    let service_policy = (service.retries.as_ref(), service.timeout);
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
                (&priority.header, value.clone()),
                subset,
                (priority.retries.as_ref(), priority.timeout),
            ));
        }
    }
    if let Some(canary) = &service.canary {
        rules.push(header_rule(
            RouteFor::CanaryOverride,
            "canary-override".to_string(),
            (&canary.header, canary.header_value.clone()),
            &canary.canary,
            (canary.retries.as_ref(), canary.timeout),
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
                    (&context.profile.mesh.region_header, value),
                    &subset,
                    service_policy,
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
            methods: route.method.iter().cloned().collect(),
            headers: route
                .headers
                .iter()
                .map(|(name, exact)| HeaderMatch {
                    name: name.clone(),
                    exact: exact.clone(),
                })
                .collect(),
            header_regexes: Vec::new(),
            destinations,
            timeout: route.timeout,
            retries: route
                .retries
                .as_ref()
                .map(|retries| context.retry_policy(retries)),
            header_ops: route.header_ops.clone(),
            fault: route.fault,
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
        methods: Vec::new(),
        headers: Vec::new(),
        header_regexes: Vec::new(),
        destinations,
        timeout: service.timeout,
        retries: service
            .retries
            .as_ref()
            .map(|retries| context.retry_policy(retries)),
        header_ops: RouteHeaders::default(),
        fault: None,
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
    if external.via_gateway {
        return super::egress_gateway::virtual_service(context, external);
    }
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
                header_regexes: Vec::new(),
                gateways: Vec::new(),
            }],
            destinations: vec![RouteDestination {
                host: host.clone(),
                subset: None,
                port: Some(origination.http_port),
                weight: None,
            }],
            timeout: origination.timeout,
            retries: origination
                .retries
                .as_ref()
                .map(|retries| context.retry_policy(retries)),
            cors: None,
            header_ops: None,
            fault: None,
        }],
        l4: None,
    })
}
