//! DestinationRules: exactly one per host, with load balancing, connection pools, outlier
//! detection, subsets (region subsets included) and locality failover or distribution.

use serde::Serialize;

use super::ids::DestinationRuleId;
use super::{Context, Label, Meta, Resource, ResourceList, istio_words, label, labels};
use crate::model::{
    CircuitBreaker, ConnectionPool, Duration, ExternalService, Host, LoadBalancer, Locality, Name,
    Port, Service, Weight, region_subset,
};

/// A DestinationRule.
#[derive(Debug, Clone, Serialize)]
pub struct DestinationRule {
    /// Id, name, namespace, comment.
    pub meta: Meta<DestinationRuleId>,
    /// `spec.host`.
    pub host: Host,
    /// `spec.trafficPolicy`.
    pub traffic_policy: Option<TrafficPolicy>,
    /// `spec.subsets`.
    pub subsets: Vec<SubsetPolicy>,
}

impl Resource for DestinationRule {
    type Id = DestinationRuleId;

    fn id(&self) -> &DestinationRuleId {
        &self.meta.id
    }
}

/// `trafficPolicy` (never empty: Istio refuses an empty one).
#[derive(Debug, Clone, Serialize, Default)]
pub struct TrafficPolicy {
    /// `loadBalancer`.
    pub load_balancer: Option<LoadBalancerPolicy>,
    /// `connectionPool`.
    pub connection_pool: Option<Pool>,
    /// `outlierDetection`.
    pub outlier_detection: Option<Outlier>,
    /// `portLevelSettings` that originate TLS.
    pub port_tls: Vec<PortTls>,
}

/// `loadBalancer`.
#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancerPolicy {
    /// `simple`.
    pub simple: Option<SimpleLb>,
    /// `consistentHash`.
    pub hash: Option<Hash>,
    /// `localityLbSetting`.
    pub locality: Option<LocalityPolicy>,
}

istio_words! {
    /// `loadBalancer.simple`.
    pub enum SimpleLb {
        /// Each endpoint in turn.
        RoundRobin = "ROUND_ROBIN",
        /// The endpoint with fewer active requests, of two picked at random.
        LeastRequest = "LEAST_REQUEST",
        /// An endpoint at random.
        Random = "RANDOM",
    }
}

/// `consistentHash`: exactly one field is set.
#[derive(Debug, Clone, Serialize)]
pub struct Hash {
    /// `httpHeaderName`.
    pub header: Option<String>,
    /// `httpQueryParameterName`.
    pub query_parameter: Option<String>,
    /// `httpCookie.name`.
    pub cookie: Option<String>,
    /// `httpCookie.ttl`.
    pub cookie_ttl: Option<Duration>,
    /// `useSourceIp`.
    pub source_ip: bool,
}

/// `localityLbSetting`: failover or distribute, never both.
#[derive(Debug, Clone, Serialize)]
pub struct LocalityPolicy {
    /// `failover`.
    pub failover: Vec<Failover>,
    /// `distribute[0].to`, from every locality.
    pub distribute: Vec<Share>,
}

/// One `failover` entry.
#[derive(Debug, Clone, Serialize)]
pub struct Failover {
    /// `from`.
    pub from: Name,
    /// `to`.
    pub to: Name,
}

/// One `distribute.to` entry.
#[derive(Debug, Clone, Serialize)]
pub struct Share {
    /// Locality, `region/*`.
    pub locality: String,
    /// Percent.
    pub weight: u32,
}

/// `connectionPool`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Pool {
    /// `tcp.maxConnections`.
    pub max_connections: Option<u32>,
    /// `tcp.connectTimeout`.
    pub connect_timeout: Option<Duration>,
    /// `http.http1MaxPendingRequests`.
    pub max_pending_requests: Option<u32>,
    /// `http.http2MaxRequests`.
    pub max_requests: Option<u32>,
    /// `http.maxRequestsPerConnection`.
    pub max_requests_per_connection: Option<u32>,
    /// `http.maxRetries`.
    pub max_retries: Option<u32>,
    /// `http.idleTimeout`.
    pub idle_timeout: Option<Duration>,
    /// `http.h2UpgradePolicy`.
    pub h2_upgrade_policy: Option<H2Upgrade>,
    /// `tcp.tcpKeepalive`.
    pub tcp_keepalive: Option<Keepalive>,
    /// Whether any `tcp` key is set.
    pub has_tcp: bool,
    /// Whether any `http` key is set.
    pub has_http: bool,
}

impl Pool {
    fn new(pool: &ConnectionPool) -> Self {
        Self {
            max_connections: pool.max_connections,
            connect_timeout: pool.connect_timeout,
            max_pending_requests: pool.max_pending_requests,
            max_requests: pool.max_requests,
            max_requests_per_connection: pool.max_requests_per_connection,
            max_retries: pool.max_retries,
            idle_timeout: pool.idle_timeout,
            h2_upgrade_policy: pool.h2_upgrade.map(|upgrade| {
                if upgrade {
                    H2Upgrade::Upgrade
                } else {
                    H2Upgrade::DoNotUpgrade
                }
            }),
            tcp_keepalive: pool.tcp_keepalive.map(|keepalive| Keepalive {
                time: keepalive.time,
                interval: keepalive.interval,
                probes: keepalive.probes,
            }),
            has_tcp: pool.max_connections.is_some()
                || pool.connect_timeout.is_some()
                || pool.tcp_keepalive.is_some(),
            has_http: pool.max_pending_requests.is_some()
                || pool.max_requests.is_some()
                || pool.max_requests_per_connection.is_some()
                || pool.max_retries.is_some()
                || pool.idle_timeout.is_some()
                || pool.h2_upgrade.is_some(),
        }
    }
}

istio_words! {
    /// `connectionPool.http.h2UpgradePolicy`.
    pub enum H2Upgrade {
        /// Upgrade HTTP/1.1 connections to HTTP/2.
        Upgrade = "UPGRADE",
        /// Keep HTTP/1.1.
        DoNotUpgrade = "DO_NOT_UPGRADE",
    }
}

/// `connectionPool.tcp.tcpKeepalive`; at least one key is set.
#[derive(Debug, Clone, Serialize)]
pub struct Keepalive {
    /// `time`.
    pub time: Option<Duration>,
    /// `interval`.
    pub interval: Option<Duration>,
    /// `probes`.
    pub probes: Option<u32>,
}

/// `outlierDetection`.
#[derive(Debug, Clone, Serialize)]
pub struct Outlier {
    /// `consecutive5xxErrors`.
    pub consecutive_5xx_errors: u32,
    /// `interval`.
    pub interval: Duration,
    /// `baseEjectionTime`.
    pub base_ejection_time: Duration,
    /// `maxEjectionPercent`.
    pub max_ejection_percent: Option<u32>,
    /// `consecutiveGatewayErrors`.
    pub consecutive_gateway_errors: Option<u32>,
    /// `minHealthPercent`.
    pub min_health_percent: Option<u32>,
    /// `splitExternalLocalOriginErrors`.
    pub split_local_origin: bool,
    /// `consecutiveLocalOriginFailures`.
    pub consecutive_local_origin_failures: Option<u32>,
}

impl Outlier {
    fn new(breaker: &CircuitBreaker) -> Self {
        Self {
            consecutive_5xx_errors: breaker.consecutive_5xx_errors,
            interval: breaker.interval,
            base_ejection_time: breaker.base_ejection_time,
            max_ejection_percent: breaker.max_ejection_percent.map(Weight::get),
            consecutive_gateway_errors: breaker.consecutive_gateway_errors,
            min_health_percent: breaker.min_health_percent.map(Weight::get),
            split_local_origin: breaker.local_origin.is_some(),
            consecutive_local_origin_failures: breaker
                .local_origin
                .and_then(|local| local.consecutive_failures),
        }
    }
}

/// A port whose plain HTTP the proxy wraps in TLS: `SIMPLE` towards an external host, or
/// Istio mTLS towards the egress gateway.
#[derive(Clone, Serialize)]
pub struct PortTls {
    /// `port.number`.
    pub port: Port,
    /// `tls.sni`.
    pub sni: Host,
    /// `tls.caCertificates`.
    pub ca_certificates: Option<String>,
    /// `tls.mode` is `ISTIO_MUTUAL` rather than `SIMPLE`.
    pub istio_mutual: bool,
}

// The plan snapshots show the mode only where it is Istio mTLS, so that TLS origination reads
// as before the egress gateway's subsets existed.
impl std::fmt::Debug for PortTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("PortTls");
        s.field("port", &self.port)
            .field("sni", &self.sni)
            .field("ca_certificates", &self.ca_certificates);
        if self.istio_mutual {
            s.field("istio_mutual", &self.istio_mutual);
        }
        s.finish()
    }
}

/// One subset.
#[derive(Debug, Clone, Serialize)]
pub struct SubsetPolicy {
    /// `name`.
    pub name: Name,
    /// `labels`.
    pub labels: Vec<Label>,
    /// `trafficPolicy`, boxed: only a subset with a connection pool of its own, or one of the
    /// egress gateway's, has one, and inline it made every subset of a large mesh (three region
    /// subsets per service) the size of a whole policy (benches/README.md).
    pub traffic_policy: Option<Box<TrafficPolicy>>,
}

/// One DestinationRule per service that needs one, then one per TLS-originating external
/// service, then the mesh's default.
pub(super) fn build(context: &Context<'_>) -> ResourceList<DestinationRule> {
    let profile = context.profile;
    profile
        .services
        .iter()
        .filter_map(|service| service_rule(context, service))
        .chain(
            profile
                .external_services
                .iter()
                .filter_map(|external| external_rule(context, external)),
        )
        .chain(super::egress_gateway::destination_rule(context))
        .chain(mesh_default(context))
        .collect()
}

/// The mesh's default load balancer: a rule in the root namespace for every cluster-local host.
/// Istio takes one DestinationRule per host and never merges a namespace's rule with the root
/// namespace's, so the services' own rules carry the default too (`service_rule`).
fn mesh_default(context: &Context<'_>) -> Option<DestinationRule> {
    let balancer = context.profile.mesh.default_load_balancer.as_ref()?;
    Some(DestinationRule {
        meta: Meta::new(
            DestinationRuleId::MeshDefault,
            context.root(),
            "The mesh's default load balancer, for services without a rule of their own.",
        ),
        host: Host::cluster_wildcard(),
        traffic_policy: Some(TrafficPolicy {
            load_balancer: Some(LoadBalancerPolicy {
                simple: simple(balancer),
                hash: None,
                locality: None,
            }),
            ..TrafficPolicy::default()
        }),
        subsets: Vec::new(),
    })
}

fn simple(balancer: &LoadBalancer) -> Option<SimpleLb> {
    match balancer {
        LoadBalancer::RoundRobin => Some(SimpleLb::RoundRobin),
        LoadBalancer::LeastRequest => Some(SimpleLb::LeastRequest),
        LoadBalancer::Random => Some(SimpleLb::Random),
        _ => None,
    }
}

fn service_rule(context: &Context<'_>, service: &Service) -> Option<DestinationRule> {
    let pool = service.connection_pool.as_ref();
    let mut subsets: Vec<SubsetPolicy> = service
        .subsets
        .iter()
        .map(|subset| SubsetPolicy {
            name: subset.name.clone(),
            labels: labels(&subset.labels),
            // A subset's connectionPool replaces the service's whole pool (Istio merges traffic
            // policies field by field), so the subset gets the service's keys with its own on top.
            traffic_policy: subset.connection_pool.as_deref().map(|own| {
                Box::new(TrafficPolicy {
                    connection_pool: Some(Pool::new(
                        &pool
                            .map_or_else(|| own.clone(), |service_pool| service_pool.overlaid(own)),
                    )),
                    ..TrafficPolicy::default()
                })
            }),
        })
        .collect();
    if service.region_routing {
        subsets.extend(context.profile.regions.iter().map(|region| SubsetPolicy {
            name: region_subset(&region.name),
            labels: vec![label("topology.kubernetes.io/region", region.name.as_str())],
            traffic_policy: None,
        }));
    }
    let locality = locality(context, service.locality);
    // A service that needs a rule of its own loses the root namespace's rule, so it carries the
    // mesh's default; one that does not keeps the root namespace's.
    let needs_rule = service.load_balancer.is_some()
        || locality.is_some()
        || pool.is_some()
        || service.circuit_breaker.is_some()
        || !subsets.is_empty();
    let default = context.profile.mesh.default_load_balancer.as_ref();
    let balancer = service
        .load_balancer
        .as_ref()
        .or(default.filter(|_| needs_rule));
    let load_balancer = match (balancer, locality) {
        (None, None) => None,
        (balancer, locality) => Some(LoadBalancerPolicy {
            simple: balancer.and_then(simple),
            hash: balancer.and_then(hash),
            locality,
        }),
    };
    let policy = TrafficPolicy {
        load_balancer,
        connection_pool: pool.map(Pool::new),
        outlier_detection: service.circuit_breaker.as_ref().map(Outlier::new),
        port_tls: Vec::new(),
    };
    let has_policy = policy.load_balancer.is_some()
        || policy.connection_pool.is_some()
        || policy.outlier_detection.is_some();
    if !has_policy && subsets.is_empty() {
        return None;
    }
    Some(DestinationRule {
        meta: Meta::new(
            DestinationRuleId::Service {
                service: service.name.clone(),
            },
            &service.namespace,
            format!("Traffic policy and subsets of {}.", service.name),
        ),
        host: super::virtual_service::host_of(context, &service.name),
        traffic_policy: has_policy.then_some(policy),
        subsets,
    })
}

fn hash(balancer: &LoadBalancer) -> Option<Hash> {
    let empty = Hash {
        header: None,
        query_parameter: None,
        cookie: None,
        cookie_ttl: None,
        source_ip: false,
    };
    match balancer {
        LoadBalancer::HashHeader(header) => Some(Hash {
            header: Some(header.to_string()),
            ..empty
        }),
        LoadBalancer::HashQueryParameter(parameter) => Some(Hash {
            query_parameter: Some(parameter.clone()),
            ..empty
        }),
        LoadBalancer::HashCookie { name, ttl } => Some(Hash {
            cookie: Some(name.clone()),
            cookie_ttl: *ttl,
            ..empty
        }),
        LoadBalancer::HashSourceIp => Some(Hash {
            source_ip: true,
            ..empty
        }),
        LoadBalancer::RoundRobin | LoadBalancer::LeastRequest | LoadBalancer::Random => None,
    }
}

/// Locality settings; validation guarantees two or more regions and outlier detection.
fn locality(context: &Context<'_>, mode: Locality) -> Option<LocalityPolicy> {
    let regions = &context.profile.regions;
    match mode {
        Locality::Off => None,
        Locality::Failover => Some(LocalityPolicy {
            failover: regions
                .iter()
                .filter_map(|region| {
                    Some(Failover {
                        from: region.name.clone(),
                        to: region.failover.clone()?,
                    })
                })
                .collect(),
            distribute: Vec::new(),
        }),
        Locality::Distribute => Some(LocalityPolicy {
            failover: Vec::new(),
            // Istio refuses a weight of 0 in `distribute`; a drained region is left out.
            distribute: regions
                .iter()
                .filter(|region| region.weight.get() > 0)
                .map(|region| Share {
                    locality: format!("{}/*", region.name),
                    weight: region.weight.get(),
                })
                .collect(),
        }),
    }
}

/// The traffic policy of an external service (validation leaves it one exact host): its pool,
/// its outlier detection, and SIMPLE TLS on the plain-HTTP port when TLS is originated (§4.3).
fn external_rule(context: &Context<'_>, external: &ExternalService) -> Option<DestinationRule> {
    if external.origination.is_none()
        && external.connection_pool.is_none()
        && external.circuit_breaker.is_none()
    {
        return None;
    }
    let host = external.hosts.first()?;
    let mut says = Vec::new();
    if let Some(origination) = &external.origination {
        says.push(format!(
            "Originates TLS to {host} for requests the application sends to port {}.",
            origination.http_port
        ));
    }
    match (&external.connection_pool, &external.circuit_breaker) {
        (Some(_), Some(_)) => says.push(format!(
            "Limits connections to {host} and ejects its failing endpoints."
        )),
        (Some(_), None) => says.push(format!("Limits connections to {host}.")),
        (None, Some(_)) => says.push(format!("Ejects the failing endpoints of {host}.")),
        (None, None) => {}
    }
    Some(DestinationRule {
        meta: Meta::new(
            DestinationRuleId::External {
                external: external.name.clone(),
            },
            context.namespace(),
            says.join(" "),
        ),
        host: host.clone(),
        traffic_policy: Some(TrafficPolicy {
            connection_pool: external.connection_pool.as_ref().map(Pool::new),
            outlier_detection: external.circuit_breaker.as_ref().map(Outlier::new),
            port_tls: external
                .origination
                .iter()
                .map(|origination| PortTls {
                    port: origination.http_port,
                    sni: host.clone(),
                    ca_certificates: origination.ca_certificates.clone(),
                    istio_mutual: false,
                })
                .collect(),
            ..TrafficPolicy::default()
        }),
        subsets: Vec::new(),
    })
}
