//! The profile exactly as written: one struct per TOML table, every value with its span.
//!
//! ## Style
//! These types mirror the file and nothing else: optional keys are `Option`, names stay
//! strings, numbers stay `i64`. `validate` turns them into checked newtypes, so that every
//! rule can point at the value it is about. No `flatten`, no untagged or internally tagged
//! enums: they lose spans. Doc comments here are the profile reference (`meshc schema`).

use schemars::JsonSchema;
use serde::Deserialize;

use super::spanned::Sp;
use crate::vec_map::VecMap;

mod cluster;
mod ports;
mod telemetry;

pub(crate) use cluster::{ClusterRole, RawCluster};
pub(crate) use ports::*;
pub(crate) use telemetry::*;

/// A name-keyed table such as `[services.<name>]`; keys keep their spans.
pub(crate) type Named<T> = VecMap<Sp<String>, T>;

/// A meshc profile: one mesh, described once.
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "meshc profile")]
pub struct RawProfile {
    /// Mesh identity and where workloads live.
    #[serde(default)]
    pub mesh: RawMesh,
    /// Istiod, sidecar proxies and gateway deployments.
    #[serde(default)]
    pub control_plane: RawControlPlane,
    /// Regions (the `topology.kubernetes.io/region` values), by name.
    #[serde(default)]
    pub regions: Named<RawRegion>,
    /// Named retry budgets that routes share.
    #[serde(default)]
    pub retry_budgets: Named<RawRetryBudget>,
    /// The mesh's services, by name (the Kubernetes Service name).
    #[serde(default)]
    pub services: Named<RawService>,
    /// Services outside the mesh that workloads call, by name.
    #[serde(default)]
    pub external_services: Named<RawExternalService>,
    /// The ingress gateway: hosts, TLS, CORS and routes.
    pub gateway: Option<Sp<RawGateway>>,
    /// mTLS, default deny, outbound policy and JWT.
    #[serde(default)]
    pub security: RawSecurity,
    /// How tenants are recognised in requests.
    #[serde(default)]
    pub tenancy: RawTenancy,
    /// Tenants, by id, and what each may reach.
    #[serde(default)]
    pub tenants: Named<RawTenant>,
    /// Tracing, metrics and access logging.
    #[serde(default)]
    pub telemetry: RawTelemetry,
    /// Requests and the outcome the rendered mesh must give each, checked on every render.
    #[serde(default)]
    pub expect: Vec<Sp<super::expect::RawExpect>>,
    /// The clusters the mesh runs in, by name (`values.global.multiCluster.clusterName`): one
    /// output folder each. With clusters, `[mesh]` names no `cluster`, `network` or
    /// `multi-network`: each cluster says its own.
    #[serde(default)]
    pub clusters: Named<RawCluster>,
    /// Sidecar resources that limit the hosts each proxy knows.
    pub sidecar: Option<Sp<RawSidecar>>,
    /// Several ingress gateways, by name (the Gateway resource's name), each with every key of
    /// `[gateway]` but `name`. Not together with `[gateway]`.
    #[serde(default)]
    pub gateways: Named<Sp<RawGateway>>,
}

impl RawProfile {
    /// Every ingress gateway as written: `[gateway]` (no key), or each of `[gateways.<name>]`
    /// with its key, in key order.
    pub(crate) fn ingress_gateways(
        &self,
    ) -> impl Iterator<Item = (Option<&Sp<String>>, &Sp<RawGateway>)> {
        self.gateway.iter().map(|gateway| (None, gateway)).chain(
            self.gateways
                .iter()
                .map(|(key, gateway)| (Some(key), gateway)),
        )
    }

    /// Whether the profile has an ingress gateway.
    pub(crate) fn has_gateway(&self) -> bool {
        self.gateway.is_some() || !self.gateways.is_empty()
    }
}

/// `[sidecar]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSidecar {
    /// One Sidecar per service (`workload`), or one for the namespace (`namespace`).
    pub scope: Sp<SidecarScope>,
    /// Give each Sidecar the hosts the profile says its workloads call: the services that
    /// list them as callers, the external services they call, the root namespace and the
    /// telemetry collectors. Default: true.
    pub derive: Option<Sp<bool>>,
    /// More egress hosts, each `namespace/host` (`*/api.example.com`, `./*`, `istio-system/*`).
    #[serde(default)]
    pub hosts: Vec<Sp<String>>,
}

/// Where Sidecars apply.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SidecarScope {
    /// One Sidecar per service, with the hosts that service calls.
    Workload,
    /// One Sidecar for the workload namespace, with the hosts any of its services calls.
    Namespace,
}

/// `[mesh]`
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawMesh {
    /// Mesh ID (`values.global.meshID`). Default: Istio's (the trust domain).
    pub id: Option<Sp<String>>,
    /// Cluster name (`values.global.multiCluster.clusterName`). Default: Istio's.
    pub cluster: Option<Sp<String>>,
    /// Network of this cluster (`values.global.network`).
    pub network: Option<Sp<String>>,
    /// Whether the mesh spans networks: adds the east-west gateway. Default: false.
    pub multi_network: Option<Sp<bool>>,
    /// Trust domain of workload identities. Default: `cluster.local`.
    pub trust_domain: Option<Sp<String>>,
    /// Namespace of the mesh's workloads. Default: `default`.
    pub namespace: Option<Sp<String>>,
    /// Istio's root namespace (istiod, gateways, mesh-wide policies). Default: `istio-system`.
    pub root_namespace: Option<Sp<String>>,
    /// Istio release the output targets, `MAJOR.MINOR`. Default: `1.30`.
    pub istio_version: Option<Sp<String>>,
    /// Header that pins a request to a region. Default: `x-region`.
    pub region_header: Option<Sp<String>>,
    /// Load balancer of every service that names none, and of every other service of the
    /// cluster: `round-robin`, `least-request` or `random`. Default: Istio's (least request).
    pub default_load_balancer: Option<Sp<LoadBalancer>>,
    /// Whether meshc renders the workload namespace (`namespaces.yaml`): a Namespace with the
    /// sidecar injection label and, where the cluster names a network, its
    /// `topology.istio.io/network`. `false` where the namespace is owned elsewhere (another
    /// GitOps application, a platform team); label it yourself then. Default: true.
    pub manage_namespaces: Option<Sp<bool>>,
    /// Istio control-plane revision (`spec.revision` of the IstioOperator, istiod as
    /// `istiod-<revision>`): workload namespaces are labelled `istio.io/rev: <revision>` instead
    /// of `istio-injection: enabled`. A DNS-1123 label of at most 56 characters. Default: none.
    pub revision: Option<Sp<String>>,
}

/// `[control-plane]`
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawControlPlane {
    /// The istiod deployment.
    #[serde(default)]
    pub istiod: RawDeployment,
    /// Sidecar proxies.
    #[serde(default)]
    pub proxy: RawProxy,
    /// The ingress gateway deployment and its Service (the east-west gateway, when the mesh
    /// spans networks, runs with the same replicas and resources).
    #[serde(default)]
    pub ingress_gateway: RawIngressGateway,
    /// Whether to install the egress gateway. Default: false.
    pub egress_gateway: Option<Sp<bool>>,
    /// How proxies normalise request paths before routing and authorization.
    /// Default: `decode-and-merge-slashes` (recommended when policies match paths).
    pub path_normalization: Option<Sp<PathNormalization>>,
    /// Replicas, autoscaling and resources of the egress gateway (needs `egress-gateway = true`).
    pub egress_gateway_deployment: Option<Sp<RawDeployment>>,
}

/// Replicas, autoscaling and resources of a control-plane deployment.
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDeployment {
    /// Fixed replica count (excludes `autoscale`).
    pub replicas: Option<Sp<i64>>,
    /// Horizontal pod autoscaling (excludes `replicas`).
    pub autoscale: Option<Sp<RawAutoscale>>,
    /// CPU and memory requests and limits.
    pub resources: Option<RawResources>,
}

/// `[control-plane.ingress-gateway]`
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawIngressGateway {
    /// Fixed replica count (excludes `autoscale`).
    pub replicas: Option<Sp<i64>>,
    /// Horizontal pod autoscaling (excludes `replicas`).
    pub autoscale: Option<Sp<RawAutoscale>>,
    /// CPU and memory requests and limits.
    pub resources: Option<RawResources>,
    /// Kubernetes Service type. Default: `LoadBalancer`.
    pub service_type: Option<Sp<ServiceType>>,
    /// Service ports. Default: status-port 15021, http2 80→8080, https 443→8443.
    pub ports: Option<Sp<Vec<RawServicePort>>>,
}

/// One port of a gateway Service.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawServicePort {
    /// Port name (DNS-1123 label).
    pub name: Sp<String>,
    /// Port the Service exposes.
    pub port: Sp<i64>,
    /// Container port; at least 1024, since gateways do not run as root.
    pub target_port: Sp<i64>,
}

/// Kubernetes Service types a gateway may use.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
pub enum ServiceType {
    /// An external load balancer.
    LoadBalancer,
    /// A port on every node.
    NodePort,
    /// Cluster-internal only.
    ClusterIP,
}

/// `autoscale = { min, max, cpu-percent }`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAutoscale {
    /// Minimum replicas.
    pub min: Sp<i64>,
    /// Maximum replicas.
    pub max: Sp<i64>,
    /// Target average CPU utilisation, percent of requests.
    pub cpu_percent: Sp<i64>,
}

/// `resources = { requests = {...}, limits = {...} }`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawResources {
    /// Requested CPU and memory.
    pub requests: Option<RawCompute>,
    /// CPU and memory limits.
    pub limits: Option<RawCompute>,
}

/// CPU and memory as Kubernetes quantities (`500m`, `2`, `128Mi`, `2Gi`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCompute {
    /// CPU quantity.
    pub cpu: Option<Sp<String>>,
    /// Memory quantity.
    pub memory: Option<Sp<String>>,
}

/// `[control-plane.proxy]`
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawProxy {
    /// CPU and memory of every sidecar.
    pub resources: Option<RawResources>,
    /// Envoy log level. Default: `warning`.
    pub log_level: Option<Sp<LogLevel>>,
    /// Envoy worker threads; 0 means one per CPU. Default: 2.
    pub concurrency: Option<Sp<i64>>,
    /// Start the application only once its proxy is ready. Default: true.
    pub hold_application_until_proxy_starts: Option<Sp<bool>>,
}

/// Envoy log levels.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Debugging detail.
    Debug,
    /// Informational.
    Info,
    /// Warnings and worse.
    Warning,
    /// Errors and worse.
    Error,
    /// Critical only.
    Critical,
    /// Nothing.
    Off,
}

/// `meshConfig.pathNormalization` choices.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PathNormalization {
    /// No normalisation (needs `weak-path-normalization` in `allow-insecure`).
    None,
    /// RFC 3986 normalisation (needs `weak-path-normalization` in `allow-insecure`).
    Base,
    /// Base, and merge repeated slashes (needs `weak-path-normalization` in `allow-insecure`).
    MergeSlashes,
    /// Merge slashes after decoding `%2F` and `%5C`.
    DecodeAndMergeSlashes,
}

/// `[regions.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRegion {
    /// Share of traffic, percent; the regions' weights add up to 100.
    pub weight: Sp<i64>,
    /// The region that takes over first when this one has no healthy endpoints
    /// (Istio then tries the others).
    pub failover: Option<Sp<String>>,
}

/// `[retry-budgets.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRetryBudget {
    /// Retries after the first try (so at most 1 + attempts requests).
    pub attempts: Sp<i64>,
    /// Timeout of each try, a Go duration (`20s`).
    pub per_try_timeout: Sp<String>,
    /// Overall timeout of the request, retries included.
    pub timeout: Sp<String>,
    /// Conditions that trigger a retry (Envoy `retry_on`).
    /// Default: Istio's, connect-failure, refused-stream, unavailable, cancelled,
    /// retriable-status-codes and 503.
    pub retry_on: Option<Sp<Vec<Sp<String>>>>,
}

/// `[services.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawService {
    /// The Service port that routes use (excludes `ports`).
    pub port: Option<Sp<i64>>,
    /// The container port behind it, which authorization policies match. Default: `port`.
    pub target_port: Option<Sp<i64>>,
    /// Kubernetes service account of its pods. Default: the service name.
    pub service_account: Option<Sp<String>>,
    /// Labels that select its pods. Default: `app = "<name>"`.
    pub labels: Option<Sp<VecMap<Sp<String>, Sp<String>>>>,
    /// Load-balancing algorithm. Default: Istio's (least request); `consistent-hash` when
    /// `hash` is set.
    pub load_balancer: Option<Sp<LoadBalancer>>,
    /// What `consistent-hash` hashes on; exactly one key.
    pub hash: Option<Sp<RawHash>>,
    /// Connection limits.
    pub connection_pool: Option<Sp<RawConnectionPool>>,
    /// Outlier detection: eject endpoints that keep failing.
    pub circuit_breaker: Option<Sp<RawCircuitBreaker>>,
    /// Subsets, by name.
    #[serde(default)]
    pub subsets: Named<RawSubset>,
    /// Subset of the final route when there is no canary. Default: the whole service.
    pub default_subset: Option<Sp<String>>,
    /// Routes, tried in order after the header routes.
    #[serde(default)]
    pub routes: Vec<RawRoute>,
    /// A canary release: a weighted split between two subsets.
    pub canary: Option<Sp<RawCanary>>,
    /// Header values that send a request to a subset of its own.
    pub priority: Option<Sp<RawPriority>>,
    /// Region subsets, and routes that pin a request by `mesh.region-header`. Default: false.
    pub region_routing: Option<Sp<bool>>,
    /// How traffic spreads over regions. Default: `failover` with two or more regions.
    pub locality: Option<Sp<Locality>>,
    /// Retry budget of its routes.
    pub retry_budget: Option<Sp<String>>,
    /// Overall timeout of its routes (overrides the budget's).
    pub timeout: Option<Sp<String>>,
    /// Trace sampling percent for this service (overrides `telemetry.tracing.sampling`).
    pub sampling: Option<Sp<f64>>,
    /// Who may call it. With default deny, nobody else can.
    #[serde(default)]
    pub callers: Vec<Sp<RawCaller>>,
    /// The mTLS mode of its workloads, overriding `security.mtls` (a weaker one needs its
    /// opt-in in `security.allow-insecure`).
    pub mtls: Option<Sp<MtlsMode>>,
    /// The mTLS mode of single container ports of its workloads, by port
    /// (`{ 9090 = "permissive" }` for a plain-text metrics port).
    pub port_mtls: Option<Sp<VecMap<Sp<String>, Sp<MtlsMode>>>>,
    /// The namespace its workloads run in, where every resource for it goes (its host is
    /// `<name>.<namespace>.svc.cluster.local`, its identity `<trust-domain>/ns/<namespace>/sa/<account>`).
    /// Default: `mesh.namespace`.
    pub namespace: Option<Sp<String>>,
    /// The ports of a service with several (excludes `port` and `target-port`); the first,
    /// an `http`, `http2` or `grpc` port, is the one its routes, the gateway and the proofs use.
    pub ports: Option<Sp<Vec<RawNamedPort>>>,
}

/// Load-balancing algorithms.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LoadBalancer {
    /// Each endpoint in turn.
    RoundRobin,
    /// The endpoint with the fewest active requests.
    LeastRequest,
    /// A random endpoint.
    Random,
    /// Requests with the same `hash` key go to the same endpoint.
    ConsistentHash,
}

/// `hash = { header = "..." }` and its alternatives.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHash {
    /// Hash on this request header.
    pub header: Option<Sp<String>>,
    /// Hash on this query parameter.
    pub query_parameter: Option<Sp<String>>,
    /// Hash on this cookie.
    pub cookie: Option<Sp<String>>,
    /// Lifetime of the cookie Envoy sets when it is absent.
    pub cookie_ttl: Option<Sp<String>>,
    /// Hash on the client's IP address.
    pub source_ip: Option<Sp<bool>>,
}

/// `connection-pool = {...}`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawConnectionPool {
    /// Maximum TCP connections to the service.
    pub max_connections: Option<Sp<i64>>,
    /// TCP connect timeout.
    pub connect_timeout: Option<Sp<String>>,
    /// Maximum requests waiting for a connection.
    pub max_pending_requests: Option<Sp<i64>>,
    /// Maximum active requests.
    pub max_requests: Option<Sp<i64>>,
    /// Requests per connection before it is closed (1 disables keep-alive).
    pub max_requests_per_connection: Option<Sp<i64>>,
    /// Maximum concurrent retries.
    pub max_retries: Option<Sp<i64>>,
    /// Close connections idle this long.
    pub idle_timeout: Option<Sp<String>>,
    /// Whether HTTP/1.1 connections are upgraded to HTTP/2. Default: the mesh's (no upgrade).
    pub h2_upgrade_policy: Option<Sp<H2UpgradePolicy>>,
    /// TCP keepalive probes on idle connections, so that middleboxes keep them open.
    pub tcp_keepalive: Option<Sp<RawTcpKeepalive>>,
}

/// `h2-upgrade-policy` choices.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum H2UpgradePolicy {
    /// Upgrade HTTP/1.1 connections to HTTP/2.
    Upgrade,
    /// Keep HTTP/1.1.
    DoNotUpgrade,
}

/// `tcp-keepalive = { time, interval, probes }`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTcpKeepalive {
    /// Idle time before the first probe, a Go duration. Default: the OS's (2 hours on Linux).
    pub time: Option<Sp<String>>,
    /// Time between probes. Default: the OS's (75 seconds on Linux).
    pub interval: Option<Sp<String>>,
    /// Unanswered probes before the connection is dropped. Default: the OS's (9 on Linux).
    pub probes: Option<Sp<i64>>,
}

/// `circuit-breaker = {...}`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCircuitBreaker {
    /// Consecutive 5xx responses that eject an endpoint.
    pub consecutive_5xx_errors: Sp<i64>,
    /// How often endpoints are analysed.
    pub interval: Sp<String>,
    /// Minimum ejection time; it grows with each ejection.
    pub base_ejection_time: Sp<String>,
    /// Most endpoints that may be ejected at once, percent. Default: Istio's (10).
    pub max_ejection_percent: Option<Sp<i64>>,
    /// Consecutive gateway errors (502, 503, 504) that eject an endpoint. Default: off.
    pub consecutive_gateway_errors: Option<Sp<i64>>,
    /// Ejection stops while fewer than this percent of endpoints are healthy. Default:
    /// Envoy's (0: ejection never stops).
    pub min_health_percent: Option<Sp<i64>>,
    /// Count failures of the proxy itself (connect timeouts, resets) apart from the errors
    /// the endpoint returns. Default: false.
    pub split_external_local_origin_errors: Option<Sp<bool>>,
    /// Consecutive locally originated failures that eject an endpoint (needs
    /// `split-external-local-origin-errors = true`). Default: Envoy's (5).
    pub consecutive_local_origin_failures: Option<Sp<i64>>,
}

/// `[services.<name>.subsets.<subset>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSubset {
    /// Pod labels that select the subset.
    pub labels: Sp<VecMap<Sp<String>, Sp<String>>>,
    /// Connection-pool keys that differ for this subset; the others keep the service's values.
    pub connection_pool: Option<Box<Sp<RawConnectionPool>>>,
}

/// `[[services.<name>.routes]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRoute {
    /// Route name, unique within the service.
    pub name: Sp<String>,
    /// Match this path and everything below it (excludes `exact`).
    pub prefix: Option<Sp<String>>,
    /// Match exactly this path (excludes `prefix`).
    pub exact: Option<Sp<String>>,
    /// Match this HTTP method.
    pub method: Option<Sp<String>>,
    /// Match these request headers, by exact value.
    pub headers: Option<Sp<VecMap<Sp<String>, Sp<String>>>>,
    /// Send matching requests to this subset (excludes `split`).
    pub to: Option<Sp<String>>,
    /// Split matching requests over subsets by percent (excludes `to`).
    pub split: Option<Sp<VecMap<Sp<String>, Sp<i64>>>>,
    /// Retry budget of this route (overrides the service's).
    pub retry_budget: Option<Sp<String>>,
    /// Overall timeout of this route.
    pub timeout: Option<Sp<String>>,
    /// Request headers to set, add or remove before the subset receives the request.
    pub request_headers: Option<Box<Sp<RawHeaderOps>>>,
    /// Response headers to set, add or remove before the caller receives the response.
    pub response_headers: Option<Box<Sp<RawHeaderOps>>>,
    /// Delays or aborts a share of the requests (needs `fault-injection` in `allow-insecure`).
    pub fault: Option<Box<Sp<RawFault>>>,
}

/// `canary = {...}`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCanary {
    /// Subset that receives the rest of the traffic.
    pub stable: Sp<String>,
    /// Subset under test.
    pub canary: Sp<String>,
    /// Percent of traffic to the canary.
    pub weight: Sp<i64>,
    /// Header that sends a request to the canary regardless of weight. Default: `x-canary`.
    pub header: Option<Sp<String>>,
    /// Value of that header. Default: `true`.
    pub header_value: Option<Sp<String>>,
    /// Retry budget of the override route (overrides the service's).
    pub retry_budget: Option<Sp<String>>,
    /// Overall timeout of the override route (overrides the service's and the budget's).
    pub timeout: Option<Sp<String>>,
}

/// `priority = {...}`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPriority {
    /// The header to read. Default: `x-priority`.
    pub header: Option<Sp<String>>,
    /// Header value → subset.
    pub subsets: Sp<VecMap<Sp<String>, Sp<String>>>,
    /// Retry budget of the priority routes (overrides the service's).
    pub retry_budget: Option<Sp<String>>,
    /// Overall timeout of the priority routes (overrides the service's and the budget's).
    pub timeout: Option<Sp<String>>,
}

/// How a service's traffic spreads over regions.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Locality {
    /// Stay in the caller's region; fail over in each region's `failover` order.
    Failover,
    /// Spread over regions by their weights.
    Distribute,
    /// No locality load balancing.
    Off,
}

/// `[[services.<name>.callers]]`: one kind of caller and what it may do.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCaller {
    /// Services of this mesh (by their service account).
    #[serde(default)]
    pub services: Vec<Sp<String>>,
    /// Every workload of these namespaces.
    #[serde(default)]
    pub namespaces: Vec<Sp<String>>,
    /// Other workloads, as `namespace/service-account`.
    #[serde(default)]
    pub service_accounts: Vec<Sp<String>>,
    /// Allowed HTTP methods. Default: any.
    #[serde(default)]
    pub methods: Vec<Sp<String>>,
    /// Allowed path prefixes. Default: any.
    #[serde(default)]
    pub paths: Vec<Sp<String>>,
    /// Requests whose token has one of these request principals, `<issuer>/<subject>` (the
    /// issuer of `[security.jwt]`, the token's `sub`), from any workload.
    #[serde(default)]
    pub request_principals: Vec<Sp<String>>,
    /// Claims the request's token must hold, claim name → accepted values (any one of them).
    /// Every claim must match, and they narrow the whole rule.
    pub claims: Option<Sp<RawClaims>>,
    /// Only these ports of the service, by name (needs `ports` on the service). Default: all.
    #[serde(default)]
    pub ports: Vec<Sp<String>>,
}

/// `claims = { <claim> = ["<value>", ...] }`: claim name → accepted values.
pub(crate) type RawClaims = VecMap<Sp<String>, Sp<Vec<Sp<String>>>>;

/// `[external-services.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawExternalService {
    /// DNS name of the service (excludes `hosts`).
    pub host: Option<Sp<String>>,
    /// Its port: TLS for `https` and `tls`, plain for `http` and `tcp`. Default: 443 for
    /// `https` and `tls`, 80 for `http`; `tcp` needs it.
    pub port: Option<Sp<i64>>,
    /// The application speaks plain HTTP to `http-port`; the sidecar originates TLS.
    /// Default: false (the application's own TLS passes through).
    pub tls_origination: Option<Sp<bool>>,
    /// Plain-HTTP port the application calls when TLS is originated. Default: 80.
    pub http_port: Option<Sp<i64>>,
    /// CA bundle (a path in the proxy) that verifies the server. Default: the OS trust store.
    pub ca_certificates: Option<Sp<String>>,
    /// Retry budget (needs TLS origination: retries need plain HTTP).
    pub retry_budget: Option<Sp<String>>,
    /// Overall timeout (needs TLS origination).
    pub timeout: Option<Sp<String>>,
    /// Several DNS names served on the same port (excludes `host`); `*.example.com` covers
    /// every name below `example.com`.
    pub hosts: Option<Sp<Vec<Sp<String>>>>,
    /// What the application speaks to it. Default: `https`.
    pub protocol: Option<Sp<ExternalProtocol>>,
    /// Connection limits towards it (one host only).
    pub connection_pool: Option<Sp<RawConnectionPool>>,
    /// Outlier detection of its endpoints (one host only).
    pub circuit_breaker: Option<Sp<RawCircuitBreaker>>,
    /// Which services of the profile call it (`services` only). Their Sidecars let only them
    /// reach it; without callers, every service of the mesh may.
    #[serde(default)]
    pub callers: Vec<Sp<RawCaller>>,
    /// How its requests leave the mesh: `direct`, from each caller's sidecar, or `gateway`,
    /// through the egress gateway, whose policy admits only the callers (and their `methods`
    /// and `paths` where it reads plain HTTP: `protocol = "http"` or `tls-origination = true`;
    /// the application's own TLS and TCP pass through it unread). `gateway` needs
    /// `egress-gateway = true` in `[control-plane]` and one exact host. Default: `direct`.
    pub egress: Option<Sp<EgressPath>>,
}

/// How requests to an external service leave the mesh.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum EgressPath {
    /// From each caller's sidecar, straight to the external host.
    Direct,
    /// Through the egress gateway (mTLS from the sidecars), which originates TLS when the
    /// service has `tls-origination`, and passes the application's TLS or TCP on.
    Gateway,
}

/// What an application speaks to an external service.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ExternalProtocol {
    /// HTTP over TLS from the application (or plain HTTP with `tls-origination`).
    Https,
    /// Another protocol over TLS, routed by SNI.
    Tls,
    /// Plain HTTP, unencrypted outside the mesh (needs `plaintext-egress` in `allow-insecure`).
    Http,
    /// Plain TCP (a database, a cache): one exact host, unencrypted outside the mesh (needs
    /// `plaintext-egress` in `allow-insecure`).
    Tcp,
}

/// `[gateway]`, or one of `[gateways.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawGateway {
    /// Name of the Gateway resource (only in `[gateway]`: a `[gateways.<name>]` table is named
    /// by its key). Default: `ingress`.
    pub name: Option<Sp<String>>,
    /// Host names the gateway serves.
    pub hosts: Sp<Vec<Sp<String>>>,
    /// Kubernetes TLS Secret (in the root namespace) with the certificate.
    pub credential: Sp<String>,
    /// Minimum TLS version. Default: `1.3`.
    pub min_tls: Option<Sp<TlsVersion>>,
    /// Redirect plain HTTP to HTTPS. Default: true.
    pub https_redirect: Option<Sp<bool>>,
    /// Service port of the HTTPS server. Default: 443.
    pub https_port: Option<Sp<i64>>,
    /// Service port of the redirecting HTTP server. Default: 80.
    pub http_port: Option<Sp<i64>>,
    /// Cross-origin resource sharing for browsers.
    pub cors: Option<Sp<RawCors>>,
    /// Routes from path prefixes to services, by name.
    #[serde(default)]
    pub routes: Named<RawGatewayRoute>,
    /// Run this gateway on an ingress-gateway deployment of its own (an IstioOperator
    /// `ingressGateways` entry `<name>-ingressgateway`, label `istio: <name>-ingressgateway`),
    /// with these replicas, resources and Service, instead of the default ingress gateway.
    /// Istio has one autoscaling switch for all ingress gateways: `autoscale` here while the
    /// default one autoscales (Istio's default), `replicas` while it has `replicas`.
    pub deployment: Option<Sp<RawIngressGateway>>,
}

/// TLS versions.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.2.
    #[serde(rename = "1.2")]
    V1_2,
    /// TLS 1.3.
    #[serde(rename = "1.3")]
    V1_3,
}

/// `[gateway.cors]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCors {
    /// Origins allowed exactly (`https://console.example.com`, or `*`).
    #[serde(default)]
    pub allow_origins: Vec<Sp<String>>,
    /// Origins allowed by RE2 regular expression.
    #[serde(default)]
    pub allow_origin_regexes: Vec<Sp<String>>,
    /// Allowed methods.
    #[serde(default)]
    pub allow_methods: Vec<Sp<String>>,
    /// Allowed request headers.
    #[serde(default)]
    pub allow_headers: Vec<Sp<String>>,
    /// Response headers the browser may read.
    #[serde(default)]
    pub expose_headers: Vec<Sp<String>>,
    /// How long browsers cache a preflight answer (whole seconds).
    pub max_age: Option<Sp<String>>,
    /// Allow cookies and credentials. Default: false.
    pub allow_credentials: Option<Sp<bool>>,
}

/// `[gateway.routes.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawGatewayRoute {
    /// Path prefix: the path itself and everything below it (excludes `exact`).
    pub prefix: Option<Sp<String>>,
    /// Service that receives the requests (its own routes, canary and subsets apply).
    pub service: Sp<String>,
    /// Local rate limit of this route, per gateway replica.
    pub rate_limit: Option<Sp<RawRateLimit>>,
    /// Exactly this path (excludes `prefix`).
    pub exact: Option<Sp<String>>,
    /// Match only these HTTP methods. Default: any.
    #[serde(default)]
    pub methods: Vec<Sp<String>>,
    /// Match these request headers, by exact value.
    pub headers: Option<Sp<VecMap<Sp<String>, Sp<String>>>>,
    /// Match these request headers, by RE2 regular expression over the whole value.
    pub header_regexes: Option<Sp<VecMap<Sp<String>, Sp<String>>>>,
    /// Requests on this route need no token, even with `security.jwt.require-token`: exactly
    /// its path, and never a tenant's. Default: false.
    pub public: Option<Sp<bool>>,
    /// Request headers to set, add or remove before the service receives the request.
    pub request_headers: Option<Sp<RawHeaderOps>>,
    /// Response headers to set, add or remove before the client receives the response.
    pub response_headers: Option<Sp<RawHeaderOps>>,
    /// Delays or aborts a share of the requests (needs `fault-injection` in `allow-insecure`).
    pub fault: Option<Sp<RawFault>>,
    /// Route only requests for these hosts, some of the gateway's `hosts`. Default: all of
    /// them.
    pub hosts: Option<Sp<Vec<Sp<String>>>>,
    /// Send the requests to this port of the service, by its name in the service's `ports`
    /// (an `http`, `http2` or `grpc` one). Default: the service's first port.
    pub port: Option<Sp<String>>,
}

/// `request-headers = {...}` and `response-headers = {...}`: header operations of a route.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHeaderOps {
    /// Headers to set, replacing any value the message had.
    #[serde(default)]
    pub set: VecMap<Sp<String>, Sp<String>>,
    /// Headers to append, keeping any value the message had.
    #[serde(default)]
    pub add: VecMap<Sp<String>, Sp<String>>,
    /// Headers to remove.
    #[serde(default)]
    pub remove: Vec<Sp<String>>,
}

/// `fault = {...}`: fault injection for test environments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFault {
    /// Delay before forwarding, a Go duration (`5s`).
    pub delay: Option<Sp<String>>,
    /// Percent of requests delayed (needs `delay`).
    pub delay_percent: Option<Sp<f64>>,
    /// HTTP status of aborted requests, 400 to 599.
    pub abort: Option<Sp<i64>>,
    /// Percent of requests aborted (needs `abort`).
    pub abort_percent: Option<Sp<f64>>,
}

/// `rate-limit = { requests, per }`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRateLimit {
    /// Requests allowed per interval.
    pub requests: Sp<i64>,
    /// The interval, a Go duration (`1m`).
    pub per: Sp<String>,
}

/// `[security]`
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSecurity {
    /// Peer mTLS mode. Default: `strict`.
    pub mtls: Option<Sp<MtlsMode>>,
    /// Where the mTLS mode applies. Default: `mesh`.
    pub mtls_scope: Option<Sp<MtlsScope>>,
    /// Deny every request that no policy allows. Default: true.
    pub default_deny: Option<Sp<bool>>,
    /// Which outbound destinations proxies let through. Default: `registry-only`.
    pub outbound_traffic: Option<Sp<OutboundTraffic>>,
    /// Weaker settings this profile knowingly uses; each one is still warned about.
    #[serde(default)]
    pub allow_insecure: Vec<Sp<InsecureOptIn>>,
    /// JSON Web Token validation.
    pub jwt: Option<Sp<RawJwt>>,
    /// More token issuers whose tokens the workloads accept (never the gateway), by name: for
    /// callers named by `request-principals` of another issuer, such as a machine-to-machine
    /// one. Needs `[security.jwt]`; not with tenants, whose claims only its issuer may vouch
    /// for.
    #[serde(default)]
    pub issuers: Named<RawIssuer>,
}

/// `[security.issuers.<name>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawIssuer {
    /// Token issuer (`iss`).
    pub issuer: Sp<String>,
    /// Where the issuer's keys are published, an https URL.
    pub jwks_uri: Sp<String>,
    /// Accepted audiences (`aud`).
    pub audiences: Sp<Vec<Sp<String>>>,
}

/// Peer mTLS modes.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MtlsMode {
    /// Only mTLS.
    Strict,
    /// mTLS and plain text (needs `permissive-mtls` in `allow-insecure`).
    Permissive,
    /// Plain text only (needs `disabled-mtls` in `allow-insecure`).
    Disable,
}

/// Where a PeerAuthentication applies.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MtlsScope {
    /// The whole mesh (a policy in the root namespace).
    Mesh,
    /// The workload namespaces only (a policy in each).
    Namespace,
}

/// Outbound traffic policies.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OutboundTraffic {
    /// Only services in the registry (mesh services and external services).
    RegistryOnly,
    /// Anything (needs `allow-any-outbound` in `allow-insecure`).
    AllowAny,
}

/// The weaker settings a profile can opt into.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum InsecureOptIn {
    /// `security.mtls = "permissive"`.
    PermissiveMtls,
    /// `security.mtls = "disable"`.
    DisabledMtls,
    /// `security.default-deny = false`.
    NoDefaultDeny,
    /// `security.outbound-traffic = "allow-any"`.
    AllowAnyOutbound,
    /// `security.jwt.require-token = false`.
    OptionalToken,
    /// `control-plane.path-normalization` other than `decode-and-merge-slashes`.
    WeakPathNormalization,
    /// `gateway.cors.allow-credentials = true` with an origin regex that admits any origin.
    AnyOriginCredentials,
    /// A route's `fault`: delayed or aborted requests, for test environments.
    FaultInjection,
    /// An external service with `protocol = "http"` or `"tcp"`: unencrypted outside the mesh.
    PlaintextEgress,
}

/// `[security.jwt]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawJwt {
    /// Token issuer (`iss`), an https URL.
    pub issuer: Sp<String>,
    /// Where the issuer's keys are published, an https URL.
    pub jwks_uri: Sp<String>,
    /// Accepted audiences (`aud`).
    pub audiences: Sp<Vec<Sp<String>>>,
    /// Refuse requests without a token at the gateway. Default: true.
    pub require_token: Option<Sp<bool>>,
}

/// `[tenancy]`
#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTenancy {
    /// JWT claim that holds the tenant id. Default: `tenant_id`.
    pub claim: Option<Sp<String>>,
    /// Request header that carries the tenant id. Default: `x-tenant-id`.
    pub header: Option<Sp<String>>,
}

/// `[tenants.<id>]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTenant {
    /// Services the tenant may reach.
    pub services: Sp<Vec<Sp<String>>>,
    /// Path prefixes the tenant may reach on them.
    pub paths: Sp<Vec<Sp<String>>>,
    /// Allowed HTTP methods. Default: any.
    #[serde(default)]
    pub methods: Vec<Sp<String>>,
}
