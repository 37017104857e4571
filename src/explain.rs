//! `explain`: the effective mesh in words, service by service — routes in order, retries and
//! timeouts, load balancing, circuit breaking, callers, tenants and sampling.
//!
//! Everything here is read from the [`Plan`], the same data the templates lay out, so the
//! summary cannot disagree with the YAML. A service's resources are found by their ids (what the
//! plan generated them for: `PolicyId::Callers { service }`, `TelemetryId::Sampling { service }`
//! …), never by their names.

mod egress;

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::model::Name;
use crate::plan::destination_rule::{
    DestinationRule, LocalityPolicy, Pool, SimpleLb, TrafficPolicy,
};
use crate::plan::gateway::RouteLimit;
use crate::plan::ids::{
    DestinationRuleId, PeerAuthenticationId, PolicyId, RequestAuthenticationId, RouteId, RuleFor,
    TelemetryId, VirtualServiceId,
};
use crate::plan::security::{Operation, Rule, Source};
use crate::plan::virtual_service::{HeaderPair, HttpRoute, RouteDestination, RouteMatch, UriMatch};
use crate::plan::{Label, Plan, VirtualService};

/// A `--service` that names no service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownService {
    /// The name asked for.
    pub name: String,
    /// Every service the plan has, in order.
    pub known: Vec<String>,
}

/// The gateway routes by the service they lead to and the rate limits by route, built once: a
/// scan of every gateway route for each service made explaining a large mesh quadratic. Every
/// other resource is found through the plan's own index by id.
struct Index<'a> {
    plan: &'a Plan,
    /// Per gateway VirtualService, its routes by the service they lead to, in route order.
    ingress: Vec<(&'a VirtualService, BTreeMap<&'a Name, Vec<&'a HttpRoute>>)>,
    /// Rate limits by route.
    limits: BTreeMap<&'a RouteId, &'a RouteLimit>,
    /// Whether the plan isolates tenants (it has a tenant guard).
    tenancy: bool,
}

impl<'a> Index<'a> {
    fn new(plan: &'a Plan) -> Self {
        let mut index = Self {
            plan,
            ingress: Vec::new(),
            limits: BTreeMap::new(),
            tenancy: plan.security.authorization_policies.iter().any(|p| {
                matches!(
                    p.meta.id,
                    PolicyId::TenantGuard { .. } | PolicyId::TenantGuardIn { .. }
                )
            }),
        };
        for vs in &plan.gateway.virtual_services {
            let mut by_service: BTreeMap<&Name, Vec<&HttpRoute>> = BTreeMap::new();
            for route in &vs.http {
                if let RouteId::Gateway { service, .. } = &route.id {
                    by_service.entry(service).or_default().push(route);
                }
            }
            index.ingress.push((vs, by_service));
        }
        for limit in plan.gateway.rate_limits.iter().flat_map(|f| &f.routes) {
            index.limits.entry(&limit.route_id).or_insert(limit);
        }
        index
    }
}

/// The summary of every service (with the mesh-wide settings first), or of one service.
pub(crate) fn explain(plan: &Plan, service: Option<&str>) -> Result<String, UnknownService> {
    let index = Index::new(plan);
    let mut out = String::new();
    match service {
        Some(name) => {
            let Some(vs) = mesh_virtual_service(plan, name) else {
                return Err(UnknownService {
                    name: name.to_string(),
                    known: plan
                        .virtual_services
                        .iter()
                        .map(|vs| vs.meta.name.clone())
                        .collect(),
                });
            };
            service_section(&mut out, &index, vs);
        }
        None => {
            mesh_section(&mut out, plan);
            for vs in &plan.virtual_services {
                out.push('\n');
                service_section(&mut out, &index, vs);
            }
            egress::external_services(&mut out, plan);
        }
    }
    Ok(out)
}

/// The summary of each service and external service, by name: what `explain(plan,
/// Some(name))` gives for each, with one index for all (`meshc graph` wants every one).
pub(crate) fn each(plan: &Plan) -> BTreeMap<String, String> {
    let index = Index::new(plan);
    plan.virtual_services
        .iter()
        .filter_map(|vs| {
            let name = match &vs.meta.id {
                VirtualServiceId::Service { service } => service.to_string(),
                VirtualServiceId::External { external } => external.to_string(),
                VirtualServiceId::Ingress { .. } | VirtualServiceId::IngressHosts { .. } => {
                    return None;
                }
            };
            let mut out = String::new();
            service_section(&mut out, &index, vs);
            Some((name, out))
        })
        .collect()
}

/// The mesh VirtualService of the service or external service `name`.
fn mesh_virtual_service<'a>(plan: &'a Plan, name: &str) -> Option<&'a VirtualService> {
    let name = Name::parse(name).ok()?;
    plan.virtual_services
        .get(&VirtualServiceId::Service {
            service: name.clone(),
        })
        .or_else(|| {
            plan.virtual_services
                .get(&VirtualServiceId::External { external: name })
        })
}

fn mesh_section(out: &mut String, plan: &Plan) {
    let operator = &plan.operator;
    let _ = writeln!(
        out,
        "mesh {} (trust domain {}), Istio APIs {}",
        operator.mesh_id.as_deref().unwrap_or("(unnamed)"),
        operator.trust_domain,
        plan.api.networking
    );
    for namespace in &plan.namespaces {
        let labels: Vec<String> = namespace
            .labels
            .iter()
            .map(|l| format!("{}={}", l.key, l.value))
            .collect();
        let _ = writeln!(
            out,
            "  namespace {} (rendered, sidecars injected): {}",
            namespace.name,
            labels.join(", ")
        );
    }
    if plan.namespaces.is_empty() {
        let injection = match &operator.revision {
            Some(revision) => format!("istio.io/rev={revision}"),
            None => "istio-injection=enabled".to_string(),
        };
        let _ = writeln!(
            out,
            "  namespace: not rendered (`manage-namespaces = false`); its owner labels it \
             {injection}"
        );
    }
    if let Some(revision) = &operator.revision {
        let _ = writeln!(
            out,
            "  control plane revision {revision}: istiod-{revision}"
        );
    }
    for peer in &plan.security.peer_authentications {
        let _ = writeln!(out, "  {}", peer.meta.comment);
    }
    match plan.security.authorization_policies.get(&PolicyId::AllowNothing) {
        None => out.push_str("  authorization: no default deny; a workload without an ALLOW policy takes any request\n"),
        Some(_) => {
            let namespaces: Vec<&str> = plan
                .security
                .authorization_policies
                .iter()
                .filter(|p| {
                    matches!(
                        p.meta.id,
                        PolicyId::AllowNothing | PolicyId::AllowNothingIn { .. }
                    )
                })
                .map(|p| p.meta.namespace.as_str())
                .collect();
            let _ = writeln!(
                out,
                "  authorization: default deny in {}; a request no ALLOW policy matches is refused",
                namespaces.join(", ")
            );
        }
    }
    if let Some(jwt) = plan
        .security
        .request_authentications
        .get(&RequestAuthenticationId::Workloads)
    {
        let edge = plan
            .security
            .authorization_policies
            .get(&PolicyId::EdgeRequireJwt);
        // The paths of public routes are the `notPaths` of the token rule of each set of hosts
        // (one for a gateway whose routes name no hosts); with several, each says its hosts.
        let missing: Vec<&Rule> = edge
            .iter()
            .flat_map(|policy| &policy.rules)
            .filter(|rule| rule.id == RuleFor::MissingToken)
            .collect();
        let public: Vec<String> = missing
            .iter()
            .filter_map(|rule| {
                let operation = rule.to.first()?;
                let paths = operation.not_paths.join(", ");
                if paths.is_empty() {
                    return None;
                }
                let hosts: Vec<&str> = operation
                    .hosts
                    .iter()
                    .filter(|h| !h.ends_with(":*"))
                    .map(String::as_str)
                    .collect();
                Some(if missing.len() == 1 {
                    paths
                } else if hosts.is_empty() {
                    format!("{paths} (every host)")
                } else {
                    format!("{paths} ({})", hosts.join(", "))
                })
            })
            .collect();
        let _ = writeln!(
            out,
            "  JWT: issuer {}, audiences {}; {}",
            jwt.issuer,
            list_or(&jwt.audiences, "any"),
            match (edge.is_some(), public.is_empty()) {
                (true, true) => "a token is required at the ingress gateway".to_string(),
                (true, false) => format!(
                    "a token is required at the ingress gateway, except on the public paths {}",
                    public.join(if missing.len() == 1 { ", " } else { "; " })
                ),
                (false, _) => "a token is checked when sent, not required".to_string(),
            }
        );
    }
    if let Some(default) = plan.telemetry.get(&TelemetryId::Namespace) {
        if let Some(tracing) = &default.tracing {
            let tags: Vec<&str> = tracing.tags.iter().map(|t| t.name.as_str()).collect();
            let _ = writeln!(
                out,
                "  tracing: {} % of requests in {} to {}{}",
                tracing.sampling,
                plan.telemetry
                    .iter()
                    .filter(|t| {
                        matches!(
                            t.meta.id,
                            TelemetryId::Namespace | TelemetryId::NamespaceIn { .. }
                        )
                    })
                    .map(|t| t.meta.namespace.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                tracing.provider,
                if tags.is_empty() {
                    String::new()
                } else {
                    format!(", tags {}", tags.join(", "))
                }
            );
        }
        let names = |tags: &[crate::plan::telemetry::TagOverride]| -> String {
            tags.iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(metric) = default.metrics.first() {
            let first = names(&metric.tags);
            if default.metrics.iter().all(|m| names(&m.tags) == first) {
                let _ = writeln!(out, "  metrics: extra dimensions {first}");
            } else {
                let each: Vec<String> = default
                    .metrics
                    .iter()
                    .map(|m| format!("{} {}", m.metric, names(&m.tags)))
                    .collect();
                let _ = writeln!(out, "  metrics: extra dimensions {}", each.join("; "));
            }
        }
        if let Some(log) = &default.access_log {
            let _ = writeln!(
                out,
                "  access log to {} when {}{}",
                log.provider,
                log.filter,
                log_format_words(plan, &log.provider)
            );
        }
    }
    if !plan.operator.proxy_stats.is_empty() {
        let _ = writeln!(
            out,
            "  proxy statistics for Prometheus: {}",
            plan.operator.proxy_stats.join(", ")
        );
    }
    for gateway in &plan.gateway.gateways {
        let servers: Vec<String> = gateway
            .servers
            .iter()
            .map(|server| {
                let mut text = format!("{} {}", server.protocol, server.port);
                if server.tls.https_redirect {
                    text.push_str(" redirects to HTTPS");
                }
                if let Some(mode) = server.tls.mode {
                    let _ = write!(text, " {mode}");
                }
                if let Some(version) = server.tls.min_version {
                    let _ = write!(text, " from {version}");
                }
                if let Some(credential) = &server.tls.credential {
                    let _ = write!(text, " with {credential}");
                }
                text
            })
            .collect();
        let hosts: Vec<&str> = gateway
            .servers
            .first()
            .map(|s| s.hosts.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  gateway {}/{} for {}: {}",
            gateway.meta.namespace,
            gateway.meta.name,
            hosts.join(", "),
            servers.join("; ")
        );
    }
}

/// `, as JSON with fields a, b` when the access-log provider sets its own format, and
/// `, empty values left out` when it omits them.
fn log_format_words(plan: &Plan, provider: &str) -> String {
    let Some(provider) = plan.operator.providers.iter().find(|p| p.name == provider) else {
        return String::new();
    };
    let omit = if provider.omit_empty_values {
        ", empty values left out"
    } else {
        ""
    };
    let Some(format) = provider.log_format.as_ref() else {
        return omit.to_string();
    };
    let fields: Vec<&str> = format.labels.iter().map(|l| l.name.as_str()).collect();
    let layout = if format.text.is_some() {
        "a text line"
    } else {
        "JSON"
    };
    format!(", as {layout} with fields {}{omit}", fields.join(", "))
}

fn service_section(out: &mut String, index: &Index<'_>, vs: &VirtualService) {
    let name = vs.meta.name.as_str();
    let host = vs.hosts.first().map_or("", String::as_str);
    let (service, rule) = match &vs.meta.id {
        VirtualServiceId::Service { service } => (
            Some(service),
            Some(DestinationRuleId::Service {
                service: service.clone(),
            }),
        ),
        VirtualServiceId::External { external } => (
            None,
            Some(DestinationRuleId::External {
                external: external.clone(),
            }),
        ),
        // The gateway's routes are explained with the services they lead to.
        VirtualServiceId::Ingress { .. } | VirtualServiceId::IngressHosts { .. } => (None, None),
    };
    let external = matches!(vs.meta.id, VirtualServiceId::External { .. });
    let _ = writeln!(
        out,
        "{} {name} ({host})",
        if external {
            "external service"
        } else {
            "service"
        }
    );
    out.push_str("  routes, first match wins:\n");
    for (index, route) in vs.http.iter().enumerate() {
        let _ = writeln!(
            out,
            "    {}. {}: {} → {}",
            index + 1,
            route.name,
            matches(&route.matches),
            destinations(&route.destinations)
        );
        if let Some(policy) = policy_line(route) {
            let _ = writeln!(out, "       {policy}");
        }
    }
    if let Some(l4) = &vs.l4 {
        egress::l4_routes(out, l4, vs.http.len());
    }
    let plan = index.plan;
    if let Some(service) = service {
        ingress(out, index, service);
    }
    // Through the egress gateway, the gateway is the proxy that sends to the host.
    let sender = if external && !vs.gateways.is_empty() {
        "the egress gateway"
    } else {
        "the sidecar"
    };
    traffic(
        out,
        rule.and_then(|id| plan.destination_rules.get(&id)),
        sender,
    );
    if let VirtualServiceId::External { external } = &vs.meta.id {
        egress::gateway_callers(out, plan, external);
    }
    if let Some(service) = service {
        callers(out, plan, service);
        egress::sidecar(out, plan, service);
        workload_mtls(out, plan, service);
        tenants(out, plan, index.tenancy, service);
        sampling(out, plan, service);
    }
}

/// The service's own mTLS modes, when its PeerAuthentication sets any.
fn workload_mtls(out: &mut String, plan: &Plan, service: &Name) {
    let id = PeerAuthenticationId::Workload {
        service: service.clone(),
    };
    let Some(policy) = plan.security.peer_authentications.get(&id) else {
        return;
    };
    let mut parts: Vec<String> = policy
        .mode
        .iter()
        .map(|mode| format!("{mode} (its own PeerAuthentication)"))
        .collect();
    parts.extend(
        policy
            .ports
            .iter()
            .map(|level| format!("{} on port {}", level.mode, level.port)),
    );
    let _ = writeln!(out, "  mTLS: {}", parts.join(", "));
}

fn matches(entries: &[RouteMatch]) -> String {
    if entries.is_empty() {
        return "every request".to_string();
    }
    entries
        .iter()
        .map(|entry| {
            let mut parts = Vec::new();
            if let Some(method) = &entry.method {
                parts.push(method.to_string());
            }
            match &entry.uri {
                Some(UriMatch::Exact(path)) => parts.push(format!("path {path}")),
                Some(UriMatch::Prefix(prefix)) => parts.push(format!("path {prefix}*")),
                None => {}
            }
            for header in &entry.headers {
                parts.push(format!("header {} = {}", header.name, header.exact));
            }
            for header in &entry.header_regexes {
                parts.push(format!("header {} ~ {}", header.name, header.regex));
            }
            if let Some(port) = entry.port {
                parts.push(format!("port {port}"));
            }
            if !entry.gateways.is_empty() {
                let at: Vec<&str> = entry
                    .gateways
                    .iter()
                    .map(|g| {
                        if g == "mesh" {
                            "the sidecars"
                        } else {
                            g.as_str()
                        }
                    })
                    .collect();
                parts.push(format!("at {}", at.join(", ")));
            }
            parts.join(", ")
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn destinations(destinations: &[RouteDestination]) -> String {
    destinations
        .iter()
        .map(|d| {
            let target = d
                .subset
                .as_ref()
                .map_or_else(|| d.host.to_string(), ToString::to_string);
            match d.weight {
                Some(weight) => format!("{target} {weight} %"),
                None => target,
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn policy_line(route: &HttpRoute) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(timeout) = route.timeout {
        parts.push(format!("timeout {timeout}"));
    }
    if let Some(retries) = &route.retries {
        parts.push(match (&retries.per_try_timeout, &retries.retry_on) {
            (Some(per_try), Some(on)) => format!(
                "retries {} × {per_try} on {on} (budget {})",
                retries.attempts, retries.budget
            ),
            _ => format!("no retries (budget {})", retries.budget),
        });
    }
    if let Some(ops) = &route.header_ops {
        for (side, ops) in [("request", &ops.request), ("response", &ops.response)] {
            let Some(ops) = ops else { continue };
            let pairs = |list: &[HeaderPair]| {
                list.iter()
                    .map(|p| format!("{} = {}", p.name, p.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !ops.set.is_empty() {
                parts.push(format!("{side} sets {}", pairs(&ops.set)));
            }
            if !ops.add.is_empty() {
                parts.push(format!("{side} adds {}", pairs(&ops.add)));
            }
            if !ops.remove.is_empty() {
                let names: Vec<&str> = ops
                    .remove
                    .iter()
                    .map(crate::model::HeaderName::as_str)
                    .collect();
                parts.push(format!("{side} removes {}", names.join(", ")));
            }
        }
    }
    if let Some(fault) = &route.fault {
        if let Some(delay) = &fault.delay {
            parts.push(format!(
                "fault: {} % delayed {}",
                delay.percent, delay.fixed_delay
            ));
        }
        if let Some(abort) = &fault.abort {
            parts.push(format!(
                "fault: {} % aborted with {}",
                abort.percent, abort.status
            ));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The gateway paths that lead to the service, and their rate limits.
fn ingress(out: &mut String, index: &Index<'_>, service: &Name) {
    for (vs, by_service) in &index.ingress {
        let Some(routes) = by_service.get(service) else {
            continue;
        };
        let mut paths: Vec<String> = Vec::new();
        let mut limited: Vec<String> = Vec::new();
        // Gateway routes to several ports of the service (`port`) say each path's port.
        let port_of = |route: &HttpRoute| route.destinations.first().and_then(|d| d.port);
        let several_ports = routes.iter().any(|r| port_of(r) != port_of(routes[0]));
        for route in routes {
            let limit = index.limits.get(&route.id);
            for entry in &route.matches {
                let path = match &entry.uri {
                    Some(UriMatch::Exact(path)) => path.to_string(),
                    Some(UriMatch::Prefix(prefix)) => format!("{prefix}*"),
                    None => continue,
                };
                let path = match port_of(route) {
                    Some(port) if several_ports => format!("{path} on port {port}"),
                    _ => path,
                };
                if let Some(limit) = limit {
                    let text = format!(
                        "{path} ({} requests per {})",
                        limit.requests, limit.interval
                    );
                    if !limited.contains(&text) {
                        limited.push(text);
                    }
                } else if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
        paths.extend(limited);
        // A gateway whose routes name their hosts has a VirtualService per class of hosts.
        let hosts = match vs.meta.id {
            VirtualServiceId::IngressHosts { .. } => format!(" for {}", vs.hosts.join(", ")),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  from the ingress ({}){hosts}: {}, with the routes above",
            vs.gateways.join(", "),
            paths.join(", ")
        );
    }
}

fn traffic(out: &mut String, rule: Option<&DestinationRule>, sender: &str) {
    let policy = rule.and_then(|r| r.traffic_policy.as_ref());
    let balancer = policy.and_then(|p| p.load_balancer.as_ref());
    let mut text = match balancer {
        Some(lb) => match (&lb.simple, &lb.hash) {
            (Some(simple), _) => match simple {
                SimpleLb::RoundRobin => "round robin",
                SimpleLb::LeastRequest => "least request",
                SimpleLb::Random => "random",
            }
            .to_string(),
            (None, Some(hash)) => {
                let on = if let Some(header) = &hash.header {
                    format!("header {header}")
                } else if let Some(parameter) = &hash.query_parameter {
                    format!("query parameter {parameter}")
                } else if let Some(cookie) = &hash.cookie {
                    match hash.cookie_ttl {
                        Some(ttl) => format!("cookie {cookie} (ttl {ttl})"),
                        None => format!("cookie {cookie}"),
                    }
                } else {
                    "source IP".to_string()
                };
                format!("consistent hash on {on}")
            }
            (None, None) => "Istio's default".to_string(),
        },
        None => "Istio's default".to_string(),
    };
    if let Some(locality) = balancer.and_then(|lb| lb.locality.as_ref()) {
        let _ = write!(text, "; {}", locality_text(locality));
    }
    let _ = writeln!(out, "  load balancing: {text}");
    if let Some(pool) = policy.and_then(|p| p.connection_pool.as_ref()) {
        let _ = writeln!(out, "  connection pool: {}", pool_text(pool));
    }
    if let Some(outlier) = policy.and_then(|p| p.outlier_detection.as_ref()) {
        let _ = writeln!(
            out,
            "  circuit breaker: eject a host after {} consecutive 5xx (scan every {}) for {} and longer{}",
            outlier.consecutive_5xx_errors,
            outlier.interval,
            outlier.base_ejection_time,
            outlier
                .max_ejection_percent
                .map_or_else(String::new, |p| format!(", at most {p} % of hosts"))
        );
    }
    if let Some(tls) = policy.map(|p| &p.port_tls).filter(|t| !t.is_empty()) {
        for port in tls {
            let _ = writeln!(
                out,
                "  TLS: {sender} originates TLS to {} for plain HTTP on port {}",
                port.sni, port.port
            );
        }
    }
    if let Some(rule) = rule.filter(|r| !r.subsets.is_empty()) {
        let subsets: Vec<String> = rule
            .subsets
            .iter()
            .map(|s| {
                let mut text = format!("{} {}", s.name, labels(&s.labels));
                if let Some(pool) = s
                    .traffic_policy
                    .as_deref()
                    .and_then(|p: &TrafficPolicy| p.connection_pool.as_ref())
                {
                    let _ = write!(text, " (pool: {})", pool_text(pool));
                }
                text
            })
            .collect();
        let _ = writeln!(out, "  subsets: {}", subsets.join("; "));
    }
}

fn locality_text(locality: &LocalityPolicy) -> String {
    if locality.failover.is_empty() {
        let shares: Vec<String> = locality
            .distribute
            .iter()
            .map(|s| format!("{} {} %", s.locality, s.weight))
            .collect();
        format!("spread over regions {}", shares.join(", "))
    } else {
        let failover: Vec<String> = locality
            .failover
            .iter()
            .map(|f| format!("{} → {}", f.from, f.to))
            .collect();
        format!(
            "stays in the caller's region, failover {}",
            failover.join(", ")
        )
    }
}

fn pool_text(pool: &Pool) -> String {
    let mut parts = Vec::new();
    let mut add = |value: Option<u32>, what: &str| {
        if let Some(value) = value {
            parts.push(format!("{value} {what}"));
        }
    };
    add(pool.max_connections, "connections");
    add(pool.max_pending_requests, "pending requests");
    add(pool.max_requests, "requests");
    add(pool.max_requests_per_connection, "requests per connection");
    add(pool.max_retries, "retries");
    if let Some(timeout) = pool.connect_timeout {
        parts.push(format!("connect timeout {timeout}"));
    }
    if let Some(timeout) = pool.idle_timeout {
        parts.push(format!("idle timeout {timeout}"));
    }
    parts.join(", ")
}

fn labels(labels: &[Label]) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|l| format!("{}={}", l.key, l.value))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

fn callers(out: &mut String, plan: &Plan, service: &Name) {
    let policies = &plan.security.authorization_policies;
    let id = PolicyId::Callers {
        service: service.clone(),
    };
    let Some(allow) = policies.get(&id) else {
        out.push_str(if policies.get(&PolicyId::AllowNothing).is_some() {
            "  callers: nobody (default deny, and no ALLOW policy for it)\n"
        } else {
            "  callers: anyone (no ALLOW policy and no default deny)\n"
        });
        return;
    };
    out.push_str("  callers (any rule admits):\n");
    for rule in &allow.rules {
        let _ = writeln!(out, "    - {}", rule_text(rule));
    }
}

pub(super) fn rule_text(rule: &Rule) -> String {
    let from = alternatives(&rule.from, source_text, "anyone");
    let to = alternatives(&rule.to, operation_text, "any request");
    let claims: Vec<String> = rule
        .when
        .iter()
        .map(|c| format!("{} in {}", c.key, c.values.join(", ")))
        .collect();
    if claims.is_empty() {
        format!("{from}: {to}")
    } else {
        format!("{from}: {to}, when {}", claims.join(" and "))
    }
}

/// The items in words, joined by "or"; `none` when there are none.
fn alternatives<T>(items: &[T], text: impl Fn(&T) -> String, none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items.iter().map(text).collect::<Vec<_>>().join(" or ")
    }
}

fn source_text(source: &Source) -> String {
    let mut parts = Vec::new();
    if !source.principals.is_empty() {
        parts.push(source.principals.join(", "));
    }
    if !source.namespaces.is_empty() {
        parts.push(format!("namespace {}", source.namespaces.join(", ")));
    }
    if !source.request_principals.is_empty() {
        parts.push(format!(
            "with a token from {}",
            source.request_principals.join(", ")
        ));
    }
    parts.join(" ")
}

fn operation_text(operation: &Operation) -> String {
    let methods = list_or(&operation.methods, "any method");
    let paths = list_or(&operation.paths, "any path");
    if operation.ports.is_empty() {
        format!("{methods} on {paths}")
    } else {
        format!(
            "{methods} on {paths}, container ports {}",
            operation.ports.join(", ")
        )
    }
}

fn list_or(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items.join(", ")
    }
}

/// The tenants that may use the service: each has rules of its own in the service's tenant
/// guard (its header, its paths, its methods).
fn tenants(out: &mut String, plan: &Plan, tenancy: bool, service: &Name) {
    let id = PolicyId::TenantGuard {
        service: service.clone(),
    };
    let Some(guard) = plan.security.authorization_policies.get(&id) else {
        // Without a guard of its own under tenancy, the service is refused every tenant claim
        // and header: by its namespace's guard on the paths its ALLOW admits, by the default
        // deny elsewhere.
        if tenancy {
            let _ = writeln!(
                out,
                "  tenants: none: every tenant claim and tenant header is refused"
            );
        }
        return;
    };
    let mut reach: Vec<(&Name, Vec<String>, Vec<String>)> = Vec::new();
    for rule in &guard.rules {
        let (RuleFor::TenantMethods { tenant }
        | RuleFor::TenantPaths { tenant }
        | RuleFor::TenantHeaderMismatch { tenant }) = &rule.id
        else {
            continue;
        };
        if reach.last().is_none_or(|(last, _, _)| *last != tenant) {
            reach.push((tenant, Vec::new(), Vec::new()));
        }
        if let Some((_, methods, paths)) = reach.last_mut() {
            for operation in &rule.to {
                methods.extend(operation.not_methods.iter().cloned());
                // The paths rule names the tenant's paths and the public routes open to
                // tenants; the methods rule leaves out the public routes only.
                if matches!(rule.id, RuleFor::TenantPaths { .. }) {
                    paths.extend(operation.not_paths.iter().cloned());
                }
            }
        }
    }
    let text = if reach.is_empty() {
        "none: every tenant claim and tenant header is refused".to_string()
    } else {
        let each: Vec<String> = reach
            .iter()
            .map(|(tenant, methods, paths)| {
                format!(
                    "{tenant} ({} on {})",
                    list_or(methods, "any method"),
                    list_or(paths, "any path")
                )
            })
            .collect();
        format!(
            "{}; other tenants are refused, a tenant's paths need its claim, and a tenant \
             header must match the token's claim",
            each.join("; ")
        )
    };
    let _ = writeln!(out, "  tenants: {text}");
}

fn sampling(out: &mut String, plan: &Plan, service: &Name) {
    let id = TelemetryId::Sampling {
        service: service.clone(),
    };
    let own = plan.telemetry.get(&id).and_then(|t| t.tracing.as_ref());
    let default = plan
        .telemetry
        .get(&TelemetryId::Namespace)
        .and_then(|t| t.tracing.as_ref());
    let text = match (own, default) {
        (Some(own), _) => format!("{} % (its own Telemetry)", own.sampling),
        (None, Some(default)) => format!("{} % (the namespace default)", default.sampling),
        (None, None) => "not traced".to_string(),
    };
    let _ = writeln!(out, "  sampling: {text}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    #[test]
    fn each_summary_is_the_one_explain_gives() {
        let source =
            Source::new("prod.toml", include_str!("../profiles/prod.toml")).with_base(Source::new(
                "base/nephoran.toml",
                include_str!("../profiles/base/nephoran.toml"),
            ));
        let plan = crate::plan::build(&crate::pipeline::check(&source).unwrap().profile);
        let all = each(&plan);
        assert_eq!(all.len(), 8, "seven services and one external service");
        for (name, text) in &all {
            assert_eq!(explain(&plan, Some(name)).as_ref(), Ok(text), "{name}");
        }
    }
}
