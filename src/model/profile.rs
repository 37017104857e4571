//! The checked profile: what the user asked for, with defaults applied and references resolved.
//! `validate` is the only producer; `plan` the only consumer.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{
    Duration, Fault, HeaderCondition, HeaderName, HeaderValue, Host, HttpPath, HttpsUrl, Issuer,
    IstioVersion, LabelKey, LabelValue, LogFormat, LogLevel, Method, MtlsMode, MtlsScope, Name,
    NamedPort, OutboundTraffic, PathNormalization, Percent, Port, Quantity, RetryOn, RouteHeaders,
    ServiceType, TagName, TlsVersion, Weight,
};

/// Region subsets are named `region-<region>`.
pub(crate) const REGION_SUBSET_PREFIX: &str = "region-";

/// The name of the east-west Gateway of a multi-network mesh (istio-rules.md §4.1).
pub(crate) const CROSS_NETWORK_GATEWAY: &str = "cross-network-gateway";

/// The longest region name, so that `region-<region>` stays a DNS label.
pub(crate) const MAX_REGION_NAME: usize = 63 - REGION_SUBSET_PREFIX.len();

/// The subset of a region's endpoints.
pub(crate) fn region_subset(region: &Name) -> Name {
    Name::joined(&["region", region.as_str()])
}

/// Pod labels or a label selector.
pub(crate) type Labels = crate::vec_map::VecMap<LabelKey, LabelValue>;

/// The whole checked profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Mesh identity and namespaces.
    pub mesh: Mesh,
    /// Control-plane deployments.
    pub control_plane: ControlPlane,
    /// Regions, by name.
    pub regions: Vec<Region>,
    /// Services, by name.
    pub services: Vec<Service>,
    /// External services, by name.
    pub external_services: Vec<ExternalService>,
    /// The ingress gateways: `[gateway]`, or `[gateways.<name>]` in name order.
    pub gateways: Vec<Gateway>,
    /// Security settings.
    pub security: Security,
    /// Tenant isolation, if any tenant is declared.
    pub tenancy: Option<Tenancy>,
    /// Telemetry.
    pub telemetry: Telemetry,
    /// Requests and the outcomes the rendered mesh must give them.
    pub expects: Vec<super::Expect>,
    /// The clusters of `[clusters]`, by name; empty for a one-cluster profile.
    pub clusters: Vec<super::Cluster>,
    /// The cluster this profile is rendered for ([`Profile::for_cluster`]); `None` for a
    /// one-cluster profile.
    pub placement: Option<super::Placement>,
    /// Egress scoping by Sidecar resources, if asked for.
    pub sidecar: Option<SidecarScoping>,
}

/// `[sidecar]`: which hosts each proxy knows.
#[derive(Debug, Clone)]
pub struct SidecarScoping {
    /// One Sidecar per service, or one for the namespace.
    pub per_workload: bool,
    /// Whether the hosts the profile says each service calls are added.
    pub derive: bool,
    /// Hosts added to every Sidecar.
    pub hosts: Vec<EgressHost>,
}

/// A Sidecar egress host, `namespace/host`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EgressHost {
    /// `*`, `.`, `~` or a namespace name.
    pub namespace: String,
    /// `*`, a wildcard or a fully qualified name.
    pub host: String,
}

impl std::fmt::Display for EgressHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.host)
    }
}

/// `[mesh]`
#[derive(Debug, Clone)]
pub struct Mesh {
    /// Mesh ID, if set.
    pub id: Option<LabelValue>,
    /// Cluster name, if set.
    pub cluster: Option<LabelValue>,
    /// Network, if set.
    pub network: Option<LabelValue>,
    /// Whether the mesh spans networks (then `network` is set).
    pub multi_network: bool,
    /// Trust domain.
    pub trust_domain: Host,
    /// Workload namespace.
    pub namespace: Name,
    /// Istio root namespace.
    pub root_namespace: Name,
    /// Targeted Istio release.
    pub istio_version: IstioVersion,
    /// Header that pins a request to a region.
    pub region_header: HeaderName,
    /// Load balancer of every service that names none (`None`: Istio's).
    pub default_load_balancer: Option<LoadBalancer>,
    /// Whether meshc renders the workload namespace's Namespace object.
    pub manage_namespaces: bool,
    /// The control-plane revision, if the mesh is installed as one.
    pub revision: Option<Name>,
}

/// `[control-plane]`
#[derive(Debug, Clone)]
pub struct ControlPlane {
    /// istiod.
    pub istiod: Deployment,
    /// Sidecars.
    pub proxy: Proxy,
    /// The ingress gateway.
    pub ingress_gateway: IngressGateway,
    /// The egress gateway's replicas and resources, when it is installed.
    pub egress_gateway: Option<Deployment>,
    /// Path normalisation.
    pub path_normalization: PathNormalization,
}

/// How many pods a deployment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scaling {
    /// Istio's default.
    Default,
    /// A fixed count.
    Replicas(u32),
    /// A horizontal pod autoscaler.
    Autoscale {
        /// Minimum replicas.
        min: u32,
        /// Maximum replicas.
        max: u32,
        /// Target CPU utilisation, percent.
        cpu_percent: u32,
    },
}

/// Replicas and resources of a deployment.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Replica policy.
    pub scaling: Scaling,
    /// Resources.
    pub resources: Resources,
}

/// Requests and limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    /// Requests.
    pub requests: Compute,
    /// Limits.
    pub limits: Compute,
}

impl Resources {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.limits.is_empty()
    }
}

/// CPU and memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compute {
    /// CPU.
    pub cpu: Option<Quantity>,
    /// Memory.
    pub memory: Option<Quantity>,
}

impl Compute {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }
}

/// Sidecar settings.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// Resources of every sidecar.
    pub resources: Resources,
    /// Envoy log level.
    pub log_level: LogLevel,
    /// Worker threads.
    pub concurrency: u32,
    /// Hold the application until the proxy is ready.
    pub hold_application: bool,
}

/// The ingress gateway deployment and Service.
#[derive(Debug, Clone)]
pub struct IngressGateway {
    /// Replicas and resources.
    pub deployment: Deployment,
    /// Service type.
    pub service_type: ServiceType,
    /// Service ports.
    pub ports: Vec<ServicePort>,
}

/// A gateway Service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    /// Name.
    pub name: Name,
    /// Service port.
    pub port: Port,
    /// Container port (at least 1024).
    pub target_port: Port,
}

/// A region.
#[derive(Debug, Clone)]
pub struct Region {
    /// The `topology.kubernetes.io/region` value.
    pub name: Name,
    /// Traffic share, percent.
    pub weight: Weight,
    /// First region to fail over to.
    pub failover: Option<Name>,
}

/// Retries of a route, from a retry budget. The routes that use a budget share its one copy
/// (`Arc<Retries>`): a large profile's services each hold three or four.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retries {
    /// The budget's name.
    pub budget: Name,
    /// Retries after the first try.
    pub attempts: u32,
    /// Timeout of each try.
    pub per_try_timeout: Duration,
    /// Conditions.
    pub retry_on: Vec<RetryOn>,
}

/// A service of the mesh.
#[derive(Debug, Clone)]
pub struct Service {
    /// Service name.
    pub name: Name,
    /// Service port.
    pub port: Port,
    /// Container port.
    pub target_port: Port,
    /// Service account of its pods.
    pub service_account: Name,
    /// Labels that select its pods.
    pub labels: Labels,
    /// Load balancer (`None`: Istio's default).
    pub load_balancer: Option<LoadBalancer>,
    /// Connection pool.
    pub connection_pool: Option<ConnectionPool>,
    /// Outlier detection.
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Subsets, by name.
    pub subsets: Vec<Subset>,
    /// Subset of the final route when there is no canary.
    pub default_subset: Option<Name>,
    /// Routes in order.
    pub routes: Vec<Route>,
    /// Canary release.
    pub canary: Option<Canary>,
    /// Priority routing.
    pub priority: Option<Priority>,
    /// Region subsets and pin-header routes.
    pub region_routing: bool,
    /// Locality load balancing.
    pub locality: Locality,
    /// Retries of the header routes and the final route.
    pub retries: Option<Arc<Retries>>,
    /// Timeout of the header routes and the final route.
    pub timeout: Option<Duration>,
    /// Trace sampling override.
    pub sampling: Option<Percent>,
    /// Who may call it.
    pub callers: Vec<Caller>,
    /// The mTLS mode of its workloads, where it differs from the mesh's.
    pub mtls: Option<MtlsMode>,
    /// The mTLS modes of single container ports, in port order.
    pub port_mtls: Vec<(Port, MtlsMode)>,
    /// The namespace its workloads and every resource for it live in.
    pub namespace: Name,
    /// Its ports, when it declares several (`ports`); empty for the shorthand `port`, whose
    /// one port is `port` and `target_port`. The first is `port` and `target_port`.
    pub ports: Vec<NamedPort>,
}

impl Service {
    /// The target ports of its HTTP ports (the one port of the shorthand `port`).
    pub fn http_target_ports(&self) -> Vec<Port> {
        if self.ports.is_empty() {
            return vec![self.target_port];
        }
        self.ports
            .iter()
            .filter(|p| p.protocol.is_http())
            .map(|p| p.target_port)
            .collect()
    }
}

/// Load-balancing algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadBalancer {
    /// Round robin.
    RoundRobin,
    /// Least request.
    LeastRequest,
    /// Random.
    Random,
    /// Consistent hash on a header.
    HashHeader(HeaderName),
    /// Consistent hash on a query parameter.
    HashQueryParameter(String),
    /// Consistent hash on a cookie.
    HashCookie {
        /// Cookie name.
        name: String,
        /// Lifetime of a generated cookie.
        ttl: Option<Duration>,
    },
    /// Consistent hash on the source IP.
    HashSourceIp,
}

/// Connection limits; every key optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionPool {
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
    /// `http.h2UpgradePolicy`: `Some(true)` upgrades HTTP/1.1 to HTTP/2, `Some(false)` never does.
    pub h2_upgrade: Option<bool>,
    /// `tcp.tcpKeepalive`.
    pub tcp_keepalive: Option<TcpKeepalive>,
}

/// TCP keepalive probes on idle upstream connections; every key optional (the OS default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpKeepalive {
    /// `time`: idle time before the first probe.
    pub time: Option<Duration>,
    /// `interval`: time between probes.
    pub interval: Option<Duration>,
    /// `probes`: unanswered probes before the connection is dropped.
    pub probes: Option<u32>,
}

impl ConnectionPool {
    /// `self` with every key that `over` sets replaced by `over`'s value.
    #[must_use]
    pub fn overlaid(&self, over: &ConnectionPool) -> ConnectionPool {
        ConnectionPool {
            max_connections: over.max_connections.or(self.max_connections),
            connect_timeout: over.connect_timeout.or(self.connect_timeout),
            max_pending_requests: over.max_pending_requests.or(self.max_pending_requests),
            max_requests: over.max_requests.or(self.max_requests),
            max_requests_per_connection: over
                .max_requests_per_connection
                .or(self.max_requests_per_connection),
            max_retries: over.max_retries.or(self.max_retries),
            idle_timeout: over.idle_timeout.or(self.idle_timeout),
            h2_upgrade: over.h2_upgrade.or(self.h2_upgrade),
            tcp_keepalive: over.tcp_keepalive.or(self.tcp_keepalive),
        }
    }
}

/// Outlier detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircuitBreaker {
    /// `consecutive5xxErrors`.
    pub consecutive_5xx_errors: u32,
    /// `interval`.
    pub interval: Duration,
    /// `baseEjectionTime`.
    pub base_ejection_time: Duration,
    /// `maxEjectionPercent`.
    pub max_ejection_percent: Option<Weight>,
    /// `consecutiveGatewayErrors` (502, 503, 504).
    pub consecutive_gateway_errors: Option<u32>,
    /// `minHealthPercent`: below this share of healthy endpoints, ejection stops.
    pub min_health_percent: Option<Weight>,
    /// `splitExternalLocalOriginErrors`, and its `consecutiveLocalOriginFailures` (`None`:
    /// the errors are not split).
    pub local_origin: Option<LocalOrigin>,
}

/// Locally originated failures (connect timeouts, resets) counted apart from the upstream's
/// own errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalOrigin {
    /// `consecutiveLocalOriginFailures` (`None`: Envoy's default, 5).
    pub consecutive_failures: Option<u32>,
}

/// A subset.
#[derive(Debug, Clone)]
pub struct Subset {
    /// Name.
    pub name: Name,
    /// Pod labels.
    pub labels: Labels,
    /// The subset's own connection-pool keys, if any: boxed, since most subsets have none and
    /// a pool inline was two thirds of a subset's size.
    pub connection_pool: Option<Box<ConnectionPool>>,
}

/// A route of a service.
#[derive(Debug, Clone)]
pub struct Route {
    /// Name.
    pub name: Name,
    /// Path condition.
    pub path: Option<PathMatch>,
    /// Method condition.
    pub method: Option<Method>,
    /// Header conditions.
    pub headers: BTreeMap<HeaderName, HeaderValue>,
    /// Where matching requests go.
    pub target: Target,
    /// Retries.
    pub retries: Option<Arc<Retries>>,
    /// Timeout.
    pub timeout: Option<Duration>,
    /// Header operations.
    pub header_ops: RouteHeaders,
    /// Fault injection.
    pub fault: Option<Fault>,
}

/// A path condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// The path and everything below it.
    Prefix(HttpPath),
    /// Exactly the path.
    Exact(HttpPath),
}

/// Path conditions of the paths tests write (which must parse).
#[cfg(test)]
pub(crate) mod path_match {
    use super::{HttpPath, PathMatch};

    pub(crate) fn prefix(path: &str) -> PathMatch {
        PathMatch::Prefix(HttpPath::parse(path).unwrap())
    }

    pub(crate) fn exact(path: &str) -> PathMatch {
        PathMatch::Exact(HttpPath::parse(path).unwrap())
    }
}

impl PathMatch {
    /// Whether every path this condition matches, `other` matches too (`None`: any path).
    pub fn within(&self, other: Option<&PathMatch>) -> bool {
        match (other, self) {
            (None, _) => true,
            (
                Some(PathMatch::Prefix(outer)),
                PathMatch::Prefix(inner) | PathMatch::Exact(inner),
            ) => inner.is_within(outer),
            (Some(PathMatch::Exact(a)), PathMatch::Exact(b)) => a == b,
            (Some(PathMatch::Exact(_)), PathMatch::Prefix(_)) => false,
        }
    }
}

/// Where a route sends requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One subset.
    Subset(Name),
    /// Subsets by weight (adding up to 100).
    Split(Vec<(Name, Weight)>),
}

/// A canary release.
#[derive(Debug, Clone)]
#[expect(
    clippy::struct_field_names,
    reason = "`stable` and `canary` are the profile's own keys"
)]
pub struct Canary {
    /// Stable subset.
    pub stable: Name,
    /// Canary subset.
    pub canary: Name,
    /// Percent to the canary.
    pub weight: Weight,
    /// Override header.
    pub header: HeaderName,
    /// Override header value.
    pub header_value: HeaderValue,
    /// Retries of the override route: its own budget's, else the service's.
    pub retries: Option<Arc<Retries>>,
    /// Timeout of the override route: its own, else its budget's, else the service's.
    pub timeout: Option<Duration>,
}

/// Priority routing.
#[derive(Debug, Clone)]
pub struct Priority {
    /// Header.
    pub header: HeaderName,
    /// Value → subset, in value order.
    pub subsets: Vec<(HeaderValue, Name)>,
    /// Retries of the priority routes: their own budget's, else the service's.
    pub retries: Option<Arc<Retries>>,
    /// Timeout of the priority routes: their own, else their budget's, else the service's.
    pub timeout: Option<Duration>,
}

/// Locality load balancing of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locality {
    /// Failover in region order.
    Failover,
    /// Weighted distribution.
    Distribute,
    /// None.
    Off,
}

/// One caller rule. Its lists never grow once checked, and most are empty: as boxed slices
/// they are 16 bytes each, not 24 (a large profile has two callers a service).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The entry in the profile, where the proofs report about it.
    pub span: std::ops::Range<usize>,
    /// Mesh services (by their service accounts).
    pub services: Box<[Name]>,
    /// Namespaces.
    pub namespaces: Box<[Name]>,
    /// `namespace/service-account` pairs.
    pub service_accounts: Box<[(Name, Name)]>,
    /// Methods (empty: any).
    pub methods: Box<[Method]>,
    /// Path prefixes (empty: any).
    pub paths: Box<[HttpPath]>,
    /// Request principals of its tokens.
    pub request_principals: Box<[super::RequestPrincipal]>,
    /// Claims its token must hold, each with the values accepted.
    pub claims: Box<[(super::ClaimName, Vec<super::ClaimValue>)]>,
    /// The container ports it may reach (from the port names of `ports`); empty: all.
    pub ports: Box<[Port]>,
}

/// An external service.
#[derive(Debug, Clone)]
pub struct ExternalService {
    /// Name.
    pub name: Name,
    /// DNS names, wildcards (`*.example.com`) included; one exact name when TLS is originated,
    /// or the protocol is TCP.
    pub hosts: Vec<Host>,
    /// The port of `protocol` (TLS for `Https` and `Tls`).
    pub port: Port,
    /// What the application speaks.
    pub protocol: ExternalProtocol,
    /// TLS origination, if the application speaks plain HTTP.
    pub origination: Option<TlsOrigination>,
    /// Connection pool (one exact host).
    pub connection_pool: Option<ConnectionPool>,
    /// Outlier detection (one exact host).
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Who calls it (empty: every service of the mesh).
    pub callers: Vec<Caller>,
    /// Whether its requests leave through the egress gateway (then one exact host).
    pub via_gateway: bool,
}

impl ExternalService {
    /// Whether a host is a wildcard, so that Istio cannot resolve it and passes the
    /// application's own destination address through (`resolution: NONE`).
    pub fn has_wildcard(&self) -> bool {
        self.hosts.iter().any(Host::is_wildcard)
    }

    /// The hosts, joined for a comment or a summary.
    pub fn host_list(&self) -> String {
        self.hosts
            .iter()
            .map(Host::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the egress gateway reads its requests: plain HTTP from the sidecars (the
    /// application's, or TLS originated at the gateway). Other traffic through the gateway is
    /// TLS or TCP passed on inside Istio mTLS, which it reads only the server name of.
    pub fn gateway_reads_requests(&self) -> bool {
        self.via_gateway && (self.protocol == ExternalProtocol::Http || self.origination.is_some())
    }

    /// Whether the mesh service `service` may call it.
    pub fn called_by(&self, service: &Name) -> bool {
        self.callers.is_empty()
            || self
                .callers
                .iter()
                .any(|caller| caller.services.contains(service))
    }
}

/// What an application speaks to an external service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalProtocol {
    /// HTTP over TLS (or plain HTTP to the sidecar, which originates TLS).
    Https,
    /// Another protocol over TLS.
    Tls,
    /// Plain HTTP.
    Http,
    /// Plain TCP.
    Tcp,
}

/// TLS origination for an external service.
#[derive(Debug, Clone)]
pub struct TlsOrigination {
    /// The plain-HTTP port the application calls.
    pub http_port: Port,
    /// CA bundle path.
    pub ca_certificates: Option<String>,
    /// Retries.
    pub retries: Option<Arc<Retries>>,
    /// Timeout.
    pub timeout: Option<Duration>,
}

/// The ingress gateway.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// Resource name.
    pub name: Name,
    /// Hosts.
    pub hosts: Vec<Host>,
    /// TLS Secret name.
    pub credential: Name,
    /// Minimum TLS version.
    pub min_tls: TlsVersion,
    /// HTTPS Service port and its target port.
    pub https_port: (Port, Port),
    /// The plain-HTTP server that only redirects to HTTPS: its Service port and target port.
    /// `None` when there is no redirect, and so no plain-HTTP server.
    pub http_redirect: Option<(Port, Port)>,
    /// CORS.
    pub cors: Option<Cors>,
    /// Routes in the order Envoy tries them: exact paths, then longest prefix first; at one
    /// path, the routes with more conditions first.
    pub routes: Vec<GatewayRoute>,
    /// The ingress-gateway deployment of its own; `None`: the default ingress gateway.
    pub deployment: Option<IngressGateway>,
}

/// CORS settings.
#[derive(Debug, Clone)]
pub struct Cors {
    /// Exact origins.
    pub origins: Vec<String>,
    /// Regex origins.
    pub origin_regexes: Vec<String>,
    /// Methods.
    pub methods: Vec<Method>,
    /// Allowed headers.
    pub allow_headers: Vec<HeaderName>,
    /// Exposed headers.
    pub expose_headers: Vec<HeaderName>,
    /// Preflight cache.
    pub max_age: Option<Duration>,
    /// Credentials.
    pub allow_credentials: bool,
}

/// A gateway route.
#[derive(Debug, Clone)]
pub struct GatewayRoute {
    /// The route's key in the profile, where the proofs report about it.
    pub span: std::ops::Range<usize>,
    /// Name.
    pub name: Name,
    /// Path condition (never `/` exact: a prefix `/` is written for that).
    pub path: PathMatch,
    /// Target service.
    pub service: Name,
    /// Local rate limit.
    pub rate_limit: Option<RateLimit>,
    /// Method conditions (ORed; empty: any method).
    pub methods: Vec<Method>,
    /// Header conditions, by name.
    pub headers: Vec<(HeaderName, HeaderCondition)>,
    /// Whether requests need no token.
    pub public: bool,
    /// Header operations, applied after those of the service's own route.
    pub header_ops: RouteHeaders,
    /// Fault injection.
    pub fault: Option<Fault>,
    /// The hosts it serves, some of its gateway's; empty: all of them.
    pub hosts: Vec<Host>,
    /// The service's HTTP port it sends to, by name; `None`: the service's first port.
    pub port: Option<Name>,
}

impl GatewayRoute {
    /// The path the route is about: its prefix, or its exact path.
    pub fn scope(&self) -> &HttpPath {
        match &self.path {
            PathMatch::Prefix(path) | PathMatch::Exact(path) => path,
        }
    }

    /// Whether it matches on more than its path.
    pub fn is_conditional(&self) -> bool {
        !self.methods.is_empty() || !self.headers.is_empty()
    }

    /// A prefix route without conditions: it takes every request under its prefix that no
    /// earlier route takes.
    pub fn is_plain_prefix(&self) -> bool {
        matches!(self.path, PathMatch::Prefix(_)) && !self.is_conditional()
    }
}

impl PathMatch {
    /// Whether some request path matches both conditions.
    pub fn overlaps(&self, other: &PathMatch) -> bool {
        match (self, other) {
            (PathMatch::Prefix(a), PathMatch::Prefix(b)) => a.overlaps(b),
            (PathMatch::Prefix(prefix), PathMatch::Exact(exact))
            | (PathMatch::Exact(exact), PathMatch::Prefix(prefix)) => exact.is_within(prefix),
            (PathMatch::Exact(a), PathMatch::Exact(b)) => a == b,
        }
    }
}

/// A token bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per interval.
    pub requests: u32,
    /// Interval.
    pub per: Duration,
}

/// Security settings.
#[derive(Debug, Clone)]
pub struct Security {
    /// mTLS mode.
    pub mtls: MtlsMode,
    /// mTLS scope.
    pub mtls_scope: MtlsScope,
    /// Default deny.
    pub default_deny: bool,
    /// Outbound traffic policy.
    pub outbound_traffic: OutboundTraffic,
    /// JWT.
    pub jwt: Option<Jwt>,
    /// More issuers the workloads accept, by name.
    pub issuers: Vec<(Name, Jwt)>,
}

/// JWT settings.
#[derive(Debug, Clone)]
pub struct Jwt {
    /// Issuer.
    pub issuer: Issuer,
    /// JWKS URI.
    pub jwks_uri: HttpsUrl,
    /// Audiences.
    pub audiences: Vec<String>,
    /// Require a token at the gateway.
    pub require_token: bool,
}

/// Tenant isolation.
#[derive(Debug, Clone)]
pub struct Tenancy {
    /// Claim.
    pub claim: String,
    /// Header.
    pub header: HeaderName,
    /// Tenants by id.
    pub tenants: Vec<Tenant>,
}

/// A tenant.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The tenant's key in the profile, where the proofs report about it.
    pub span: std::ops::Range<usize>,
    /// Id (the claim value).
    pub id: Name,
    /// Services it reaches.
    pub services: Vec<Name>,
    /// Path prefixes.
    pub paths: Vec<HttpPath>,
    /// Methods (empty: any).
    pub methods: Vec<Method>,
}

/// Telemetry.
#[derive(Debug, Clone, Default)]
pub struct Telemetry {
    /// Providers declared in the mesh config.
    pub providers: Vec<Provider>,
    /// Tracing.
    pub tracing: Option<Tracing>,
    /// Metric tags.
    pub metric_tags: Vec<MetricTag>,
    /// Request classification.
    pub classify: Option<Classify>,
    /// Access log.
    pub access_log: Option<AccessLog>,
    /// Envoy statistic groups every proxy keeps, in order, each once.
    pub proxy_stats: Vec<ProxyStats>,
}

/// Groups of Envoy statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProxyStats {
    /// Circuit breakers.
    CircuitBreakers,
    /// Outlier detection.
    OutlierDetection,
    /// Retries.
    Retries,
    /// Timeouts.
    Timeouts,
    /// Upstream connections.
    Connections,
}

/// A metric dimension.
#[derive(Debug, Clone)]
pub struct MetricTag {
    /// Tag name.
    pub name: TagName,
    /// Where its value comes from.
    pub value: TagValue,
    /// The metrics that get it, in order, each once.
    pub metrics: Vec<Metric>,
}

/// Where a metric tag's value comes from.
#[derive(Debug, Clone)]
pub enum TagValue {
    /// A request header, or a default.
    RequestHeader(HeaderName, String),
    /// A response header, or a default.
    ResponseHeader(HeaderName, String),
    /// The HTTP method.
    RequestMethod,
    /// The request protocol.
    RequestProtocol,
    /// `2xx` … `5xx`, or `none`.
    StatusClass,
    /// `slow` above this duration, else `fast`.
    SlowerThan(Duration),
}

/// Istio's standard HTTP metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    /// Requests.
    RequestCount,
    /// Request durations.
    RequestDuration,
    /// Request sizes.
    RequestSize,
    /// Response sizes.
    ResponseSize,
}

/// A mesh-config extension provider.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Name.
    pub name: Name,
    /// Kind and address.
    pub kind: ProviderKind,
}

/// What a provider is and where it sends.
#[derive(Debug, Clone)]
pub enum ProviderKind {
    /// OTLP traces.
    Opentelemetry {
        /// Collector host.
        service: Host,
        /// Collector port.
        port: Port,
    },
    /// Zipkin traces.
    Zipkin {
        /// Collector host.
        service: Host,
        /// Collector port.
        port: Port,
    },
    /// OTLP access logs.
    OtelAccessLog {
        /// Collector host.
        service: Host,
        /// Collector port.
        port: Port,
        /// Own format (`None`: Istio's).
        format: Option<LogFormat>,
    },
    /// File access logs.
    FileAccessLog {
        /// File path.
        path: String,
        /// Own format (`None`: Istio's).
        format: Option<LogFormat>,
        /// Leave a value the proxy cannot fill empty (or out of a JSON line), not `-`.
        omit_empty: bool,
    },
}

/// Tracing settings.
#[derive(Debug, Clone)]
pub struct Tracing {
    /// Provider name.
    pub provider: Name,
    /// Default sampling.
    pub sampling: Percent,
    /// Custom tags.
    pub tags: Vec<HeaderTag>,
}

/// A tag read from a header.
#[derive(Debug, Clone)]
pub struct HeaderTag {
    /// Tag name.
    pub name: TagName,
    /// Header.
    pub header: HeaderName,
    /// Default value.
    pub default: String,
}

/// Request classification.
#[derive(Debug, Clone)]
pub struct Classify {
    /// Tag name.
    pub tag: TagName,
    /// Default class.
    pub default: String,
    /// Classes in order.
    pub classes: Vec<(String, HttpPath)>,
}

/// Access logging.
#[derive(Debug, Clone)]
pub struct AccessLog {
    /// Provider name (`None`: Istio's built-in `envoy`).
    pub provider: Option<Name>,
    /// Log failures.
    pub errors: bool,
    /// Log slow requests.
    pub slower_than: Option<Duration>,
    /// Log requests with this header.
    pub debug_header: Option<HeaderName>,
}
