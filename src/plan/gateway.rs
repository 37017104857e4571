//! The edge: each ingress Gateway (HTTPS only, HTTP redirects), its VirtualServices (one per
//! class of hosts with the same routes) that keep each service's subset and canary routing
//! (IST0140), the admin rate limit (§4.4), and the east-west Gateway of a multi-network mesh
//! (§4.1).

use serde::Serialize;

use super::ids::{GatewayId, RateLimitId, ResourceId, RouteId, VirtualServiceId};
use std::collections::{BTreeMap, BTreeSet};

use super::virtual_service::{
    CorsPolicy, OrderedRules, OriginMatch, Rule, VirtualService, service_rules,
};
use super::{Context, Label, Meta, Protocol, Resource, ResourceList, istio_words, label};
use crate::model::{self, Duration, Gateway, GatewayRoute, Host, HostClass, Name, PathMatch, Port};

/// Every gateway resource.
#[derive(Debug, Clone, Serialize, Default)]
pub struct GatewayPlan {
    /// Gateways.
    pub gateways: ResourceList<GatewayResource>,
    /// Gateway-bound VirtualServices.
    pub virtual_services: ResourceList<VirtualService>,
    /// Rate-limit EnvoyFilters.
    pub rate_limits: ResourceList<RateLimitFilter>,
}

/// A Gateway.
#[derive(Debug, Clone, Serialize)]
pub struct GatewayResource {
    /// Id, name, namespace, comment.
    pub meta: Meta<GatewayId>,
    /// `selector`.
    pub selector: Vec<Label>,
    /// `servers`.
    pub servers: Vec<Server>,
}

/// A Gateway server.
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// `port.number`.
    pub port: Port,
    /// `port.name`.
    pub name: &'static str,
    /// `port.protocol`.
    pub protocol: Protocol,
    /// `hosts`.
    pub hosts: Vec<String>,
    /// `tls`.
    pub tls: ServerTls,
}

/// Server `tls` settings.
#[derive(Debug, Clone, Serialize)]
pub struct ServerTls {
    /// `httpsRedirect` (the only setting of a plain-HTTP server).
    pub https_redirect: bool,
    /// `mode`.
    pub mode: Option<TlsMode>,
    /// `credentialName`.
    pub credential: Option<Name>,
    /// `minProtocolVersion`.
    pub min_version: Option<TlsProtocol>,
}

istio_words! {
    /// `ServerTLSSettings.mode`.
    pub enum TlsMode {
        /// The gateway terminates TLS with the credential's certificate.
        Simple = "SIMPLE",
        /// The gateway forwards mTLS by SNI, untouched (east-west).
        AutoPassthrough = "AUTO_PASSTHROUGH",
        /// The gateway terminates Istio mTLS with its workload certificate (the egress
        /// gateway, for the sidecars).
        IstioMutual = "ISTIO_MUTUAL",
    }
}

istio_words! {
    /// `ServerTLSSettings.minProtocolVersion`.
    pub enum TlsProtocol {
        /// TLS 1.2.
        V1_2 = "TLSV1_2",
        /// TLS 1.3.
        V1_3 = "TLSV1_3",
    }
}

impl From<model::TlsVersion> for TlsProtocol {
    fn from(version: model::TlsVersion) -> Self {
        match version {
            model::TlsVersion::V1_2 => Self::V1_2,
            model::TlsVersion::V1_3 => Self::V1_3,
        }
    }
}

/// A local rate limit on some routes of a gateway.
#[derive(Debug, Clone, Serialize)]
pub struct RateLimitFilter {
    /// Id, name, namespace, comment.
    pub meta: Meta<RateLimitId>,
    /// `workloadSelector.labels`.
    pub selector: Vec<Label>,
    /// The limited routes.
    pub routes: Vec<RouteLimit>,
}

impl Resource for GatewayResource {
    type Id = GatewayId;

    fn id(&self) -> &GatewayId {
        &self.meta.id
    }
}

impl Resource for RateLimitFilter {
    type Id = RateLimitId;

    fn id(&self) -> &RateLimitId {
        &self.meta.id
    }
}

/// The token bucket of one HTTP route.
#[derive(Debug, Clone, Serialize)]
pub struct RouteLimit {
    /// The route's id (not written out).
    #[serde(skip)]
    pub route_id: RouteId,
    /// The VirtualService route name.
    pub route: String,
    /// `token_bucket.max_tokens` and `tokens_per_fill`.
    pub requests: u32,
    /// `token_bucket.fill_interval`.
    pub interval: Duration,
    /// `stat_prefix`.
    pub stat_prefix: String,
}

pub(super) fn build(context: &Context<'_>) -> GatewayPlan {
    let mut gateways = Vec::new();
    let mut virtual_services = Vec::new();
    // The limits of the routes of each gateway deployment, by its `istio` label.
    let mut limits: BTreeMap<String, Vec<RouteLimit>> = BTreeMap::new();
    let mut names = RouteNames::default();
    for gateway in &context.profile.gateways {
        gateways.push(ingress(context, gateway));
        let on = limits.entry(gateway.workload_label()).or_default();
        for (routes, class_limits) in routes(context, gateway, &mut names) {
            if !routes.http.is_empty() {
                virtual_services.push(routes);
            }
            for limit in class_limits {
                // A route of several classes of hosts has one name and one limit.
                if !on.iter().any(|l| l.route == limit.route) {
                    on.push(limit);
                }
            }
        }
    }
    let mut rate_limits = Vec::new();
    for (first, label_value) in super::security::workloads(context) {
        // One filter per gateway deployment, named after its first gateway, since a second
        // would insert the rate-limit filter into the deployment's chain twice.
        let Some(routes) = limits.remove(&label_value).filter(|l| !l.is_empty()) else {
            continue;
        };
        rate_limits.push(RateLimitFilter {
            meta: Meta::new(
                RateLimitId::Ingress {
                    gateway: first.name.clone(),
                },
                context.root(),
                "Local rate limits of gateway routes (per gateway replica).",
            ),
            selector: vec![label("istio", &label_value)],
            routes,
        });
    }
    if context.profile.mesh.multi_network {
        gateways.push(GatewayResource {
            meta: Meta::new(
                GatewayId::EastWest,
                context.root(),
                "Exposes this network's services to the other networks of the mesh, mTLS end to end.",
            ),
            selector: vec![label("istio", "eastwestgateway")],
            servers: vec![Server {
                port: EAST_WEST_TLS_PORT,
                name: "tls",
                protocol: Protocol::Tls,
                hosts: vec!["*.local".to_string()],
                tls: ServerTls {
                    https_redirect: false,
                    mode: Some(TlsMode::AutoPassthrough),
                    credential: None,
                    min_version: None,
                },
            }],
        });
    }
    gateways.extend(super::egress_gateway::gateways(context));
    GatewayPlan {
        gateways: gateways.into(),
        virtual_services: virtual_services.into(),
        rate_limits: rate_limits.into(),
    }
}

/// Route names that are unique on the gateway workload, where a rate limit finds its route by
/// name alone: a route copied into several VirtualServices of one gateway (one per class of
/// hosts) keeps one name, and every other route gets a name of its own (`-2`, `-3`…).
#[derive(Default)]
struct RouteNames {
    /// The name given to each (gateway, name before uniquing, occurrence in its
    /// VirtualService).
    given: BTreeMap<(Name, String, usize), String>,
    used: BTreeSet<String>,
}

impl RouteNames {
    fn assign(&mut self, gateway: &Name, rules: &mut [Rule]) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for rule in rules {
            let occurrence = seen.entry(rule.name.clone()).or_default();
            let key = (gateway.clone(), rule.name.clone(), *occurrence);
            *occurrence += 1;
            if let Some(name) = self.given.get(&key) {
                rule.name.clone_from(name);
                continue;
            }
            let mut candidate = rule.name.clone();
            let mut n = 2;
            while !self.used.insert(candidate.clone()) {
                candidate = format!("{}-{n}", rule.name);
                n += 1;
            }
            self.given.insert(key, candidate.clone());
            rule.name = candidate;
        }
    }
}

/// The port that carries cross-network mTLS.
pub(super) const EAST_WEST_TLS_PORT: Port = Port::known(15443);

fn ingress(context: &Context<'_>, gateway: &Gateway) -> GatewayResource {
    let hosts: Vec<String> = gateway.hosts.iter().map(Host::to_string).collect();
    let mut servers = Vec::new();
    if let Some((http_port, _)) = gateway.http_redirect {
        servers.push(Server {
            port: http_port,
            name: "http",
            protocol: Protocol::Http,
            hosts: hosts.clone(),
            tls: ServerTls {
                https_redirect: true,
                mode: None,
                credential: None,
                min_version: None,
            },
        });
    }
    servers.push(Server {
        port: gateway.https_port.0,
        name: "https",
        protocol: Protocol::Https,
        hosts,
        tls: ServerTls {
            https_redirect: false,
            mode: Some(TlsMode::Simple),
            credential: Some(gateway.credential.clone()),
            min_version: Some(gateway.min_tls.into()),
        },
    });
    GatewayResource {
        meta: Meta::new(
            GatewayId::Ingress {
                gateway: gateway.name.clone(),
            },
            context.root(),
            if gateway.http_redirect.is_some() {
                "HTTPS ingress; plain HTTP only redirects to HTTPS."
            } else {
                "HTTPS ingress; no plain-HTTP server."
            },
        ),
        selector: vec![label("istio", &gateway.workload_label())],
        servers,
    }
}

/// The gateway's VirtualServices, one per class of hosts that get the same routes, and the
/// rate limits of their routes. Each gateway route carries the target service's own rules
/// narrowed to the route's prefix, so that priority, canary and region routing apply to
/// ingress traffic too (a gateway VirtualService does not chain into the mesh one).
fn routes(
    context: &Context<'_>,
    gateway: &Gateway,
    names: &mut RouteNames,
) -> Vec<(VirtualService, Vec<RouteLimit>)> {
    let cors = gateway.cors.as_ref().map(|cors| CorsPolicy {
        origins: cors
            .origins
            .iter()
            .map(|o| OriginMatch::Exact(o.clone()))
            .chain(
                cors.origin_regexes
                    .iter()
                    .map(|r| OriginMatch::Regex(r.clone())),
            )
            .collect(),
        methods: cors.methods.clone(),
        allow_headers: cors.allow_headers.clone(),
        expose_headers: cors.expose_headers.clone(),
        max_age: cors.max_age,
        allow_credentials: cors.allow_credentials,
    });
    let classes = gateway.classes();
    let several = classes.len() > 1;
    classes
        .iter()
        .map(|class| {
            let id = if several {
                VirtualServiceId::IngressHosts {
                    gateway: gateway.name.clone(),
                    host: class.hosts[0].clone(),
                }
            } else {
                VirtualServiceId::Ingress {
                    gateway: gateway.name.clone(),
                }
            };
            class_routes(context, gateway, class, id, cors.as_ref(), names)
        })
        .collect()
}

fn class_routes(
    context: &Context<'_>,
    gateway: &Gateway,
    class: &HostClass<'_>,
    id: VirtualServiceId,
    cors: Option<&CorsPolicy>,
    names: &mut RouteNames,
) -> (VirtualService, Vec<RouteLimit>) {
    let mut ordered = OrderedRules::default();
    let mut limited: Vec<Option<&GatewayRoute>> = Vec::new();
    for route in &class.routes {
        let Some(service) = context.service(&route.service) else {
            continue;
        };
        let mut service_rules = service_rules(context, service);
        if route.rate_limit.is_some() {
            // Envoy keeps one token bucket per route, so a rate-limited path must be a single
            // route for its limit to hold whatever headers a caller sends: it takes only the
            // service's final route (its canary split or default subset).
            service_rules = service_rules.split_off(service_rules.len().saturating_sub(1));
        }
        let port = service.route_port(route.port.as_ref());
        for rule in service_rules {
            let Some(narrowed) = rule.within(route) else {
                continue;
            };
            let narrowed = narrowed.on_port(port);
            // Narrowing can make a service's final route repeat one of its routes exactly
            // (a gateway prefix equal to a route's prefix); Envoy would never reach the copy.
            if ordered.push(narrowed) {
                limited.push(route.rate_limit.is_some().then_some(*route));
            }
        }
    }
    let mut rules = ordered.into_rules();
    names.assign(&gateway.name, &mut rules);
    let http = super::virtual_service::routes_of(rules, cors);
    let limits = http
        .iter()
        .zip(&limited)
        .filter_map(|(http_route, route)| {
            let route = (*route)?;
            let limit = route.rate_limit?;
            Some(RouteLimit {
                route_id: http_route.id.clone(),
                route: http_route.name.clone(),
                requests: limit.requests,
                interval: limit.per,
                stat_prefix: format!("{}_rate_limit", route.name.as_str().replace('-', "_")),
            })
        })
        .collect();
    let gateway_id = GatewayId::Ingress {
        gateway: gateway.name.clone(),
    };
    let gateway_ref = format!("{}/{}", context.root(), gateway_id.name());
    let summary = class
        .routes
        .iter()
        .map(|r| {
            let to = match &r.port {
                Some(port) => format!("{} port {port}", r.service),
                None => r.service.to_string(),
            };
            match &r.path {
                PathMatch::Prefix(prefix) => format!("{prefix} → {to}"),
                PathMatch::Exact(path) => format!("exactly {path} → {to}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    (
        VirtualService {
            meta: Meta::new(id, context.root(), format!("Ingress routes: {summary}.")),
            hosts: class.hosts.iter().map(ToString::to_string).collect(),
            gateways: vec![gateway_ref],
            http,
            l4: None,
        },
        limits,
    )
}
