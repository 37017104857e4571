//! The IstioOperator for `istioctl install -f`: mesh identity, istiod, gateways, mesh config
//! and extension providers, with no deprecated value (istio-rules.md §3.2–§3.3, §4.1, §4.8).

use serde::Serialize;

use super::gateway::EAST_WEST_TLS_PORT;
use super::ids::OperatorId;
use super::{Context, Label, Meta, istio_words, label};
use crate::model::{
    self, Deployment, LogFormat, LogLayout, LogLevel, OutboundTraffic, PathNormalization, Port,
    ProviderKind, ProxyStats, Resources, Scaling, ServicePort,
};

/// The IstioOperator.
#[derive(Clone, Serialize)]
pub struct IstioOperator {
    /// Id, name, namespace, comment.
    pub meta: Meta<OperatorId>,
    /// `values.global.meshID`.
    pub mesh_id: Option<String>,
    /// `values.global.multiCluster.clusterName`.
    pub cluster: Option<String>,
    /// `values.global.network`.
    pub network: Option<String>,
    /// `meshConfig.trustDomain`.
    pub trust_domain: String,
    /// `meshConfig.enableTracing`.
    pub tracing: bool,
    /// `meshConfig.defaultConfig.holdApplicationUntilProxyStarts`.
    pub hold_application: bool,
    /// `meshConfig.defaultConfig.concurrency`.
    pub concurrency: u32,
    /// `meshConfig.defaultConfig.proxyStatsMatcher.inclusionRegexps`.
    pub proxy_stats: Vec<&'static str>,
    /// `meshConfig.pathNormalization.normalization`.
    pub path_normalization: NormalizationType,
    /// `meshConfig.outboundTrafficPolicy.mode`.
    pub outbound_traffic: OutboundMode,
    /// `meshConfig.extensionProviders`.
    pub providers: Vec<ExtensionProvider>,
    /// `values.global.proxy.logLevel`.
    pub proxy_log_level: ProxyLogLevel,
    /// Sidecar resources, through a custom injection template.
    pub proxy_resources: Option<ResourceSpec>,
    /// `components.pilot.k8s`.
    pub pilot: Component,
    /// `components.ingressGateways[0]`.
    pub ingress: Component,
    /// The east-west gateway, when the mesh spans networks.
    pub east_west: Option<Component>,
    /// `components.egressGateways[0]`, when it is installed.
    pub egress: Option<Component>,
    /// `spec.revision`: istiod runs as `istiod-<revision>` and injects into namespaces labelled
    /// `istio.io/rev: <revision>`.
    pub revision: Option<String>,
    /// `components.ingressGateways[1..]`: the deployments of their own of gateways.
    pub own_ingress: Vec<Component>,
}

// The plan snapshots show `own_ingress` only where a gateway has a deployment of its own, so
// that the operator of a profile without one reads as before it existed.
impl std::fmt::Debug for IstioOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("IstioOperator");
        s.field("meta", &self.meta)
            .field("mesh_id", &self.mesh_id)
            .field("cluster", &self.cluster)
            .field("network", &self.network)
            .field("trust_domain", &self.trust_domain)
            .field("tracing", &self.tracing)
            .field("hold_application", &self.hold_application)
            .field("concurrency", &self.concurrency)
            .field("proxy_stats", &self.proxy_stats)
            .field("path_normalization", &self.path_normalization)
            .field("outbound_traffic", &self.outbound_traffic)
            .field("providers", &self.providers)
            .field("proxy_log_level", &self.proxy_log_level)
            .field("proxy_resources", &self.proxy_resources)
            .field("pilot", &self.pilot)
            .field("ingress", &self.ingress)
            .field("east_west", &self.east_west)
            .field("egress", &self.egress)
            .field("revision", &self.revision);
        if !self.own_ingress.is_empty() {
            s.field("own_ingress", &self.own_ingress);
        }
        s.finish()
    }
}

/// `extensionProviders` entry; exactly one of the kinds is set.
#[derive(Clone, Serialize)]
pub struct ExtensionProvider {
    /// `name`.
    pub name: String,
    /// Which provider field holds its settings.
    pub kind: ExtensionProviderKind,
    /// `service`.
    pub service: Option<String>,
    /// `port`.
    pub port: Option<Port>,
    /// `path`.
    pub path: Option<String>,
    /// `logFormat`.
    pub log_format: Option<PlannedLogFormat>,
    /// `omitEmptyValues` (file access logs).
    pub omit_empty_values: bool,
}

// The plan snapshots show `omit_empty_values` only where it is set, so that the providers of a
// profile without it read as before it existed.
impl std::fmt::Debug for ExtensionProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("ExtensionProvider");
        s.field("name", &self.name)
            .field("kind", &self.kind)
            .field("service", &self.service)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("log_format", &self.log_format);
        if self.omit_empty_values {
            s.field("omit_empty_values", &self.omit_empty_values);
        }
        s.finish()
    }
}

/// `logFormat` of an access-log provider: `text` when set, else `labels`.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedLogFormat {
    /// `text`: the fields on one line.
    pub text: Option<String>,
    /// The fields by name: `labels`, the JSON object's fields, unless `text` is set.
    pub labels: Vec<LogLabel>,
}

/// One `labels` entry.
#[derive(Debug, Clone, Serialize)]
pub struct LogLabel {
    /// The JSON key.
    pub name: String,
    /// The Envoy command operator.
    pub value: String,
}

/// A component's `k8s` settings (and gateway settings).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Component {
    /// `name` (gateways).
    pub name: String,
    /// `label` (gateways).
    pub labels: Vec<Label>,
    /// `k8s.replicaCount`.
    pub replicas: Option<u32>,
    /// `k8s.hpaSpec`.
    pub autoscale: Option<Autoscale>,
    /// `k8s.resources`.
    pub resources: Option<ResourceSpec>,
    /// `k8s.env`.
    pub env: Vec<Label>,
    /// `k8s.service.type`.
    pub service_type: Option<ServiceType>,
    /// `k8s.service.ports`.
    pub ports: Vec<PortSpec>,
    /// `values.<component>.autoscaleEnabled`.
    pub autoscale_enabled: Option<bool>,
}

istio_words! {
    /// `meshConfig.pathNormalization.normalization`.
    pub enum NormalizationType {
        /// No normalisation.
        None = "NONE",
        /// RFC 3986 normalisation.
        Base = "BASE",
        /// Base, and repeated slashes merged.
        MergeSlashes = "MERGE_SLASHES",
        /// Slashes merged after `%2F` and `%5C` are decoded.
        DecodeAndMergeSlashes = "DECODE_AND_MERGE_SLASHES",
    }
}

istio_words! {
    /// `meshConfig.outboundTrafficPolicy.mode`.
    pub enum OutboundMode {
        /// Only hosts in the service registry.
        RegistryOnly = "REGISTRY_ONLY",
        /// Any host.
        AllowAny = "ALLOW_ANY",
    }
}

istio_words! {
    /// `values.global.proxy.logLevel`.
    pub enum ProxyLogLevel {
        /// Everything.
        Trace = "trace",
        /// Debugging detail.
        Debug = "debug",
        /// Informational.
        Info = "info",
        /// Warnings and worse.
        Warning = "warning",
        /// Errors and worse.
        Error = "error",
        /// Critical only.
        Critical = "critical",
        /// Nothing.
        Off = "off",
    }
}

istio_words! {
    /// The field of an `extensionProviders` entry that holds its settings.
    pub enum ExtensionProviderKind {
        /// OTLP traces.
        Opentelemetry = "opentelemetry",
        /// Zipkin traces.
        Zipkin = "zipkin",
        /// OTLP access logs.
        EnvoyOtelAls = "envoyOtelAls",
        /// File access logs.
        EnvoyFileAccessLog = "envoyFileAccessLog",
    }
}

istio_words! {
    /// A gateway's Kubernetes Service type.
    pub enum ServiceType {
        /// An external load balancer.
        LoadBalancer = "LoadBalancer",
        /// A port on every node.
        NodePort = "NodePort",
        /// Cluster-internal only.
        ClusterIp = "ClusterIP",
    }
}

/// `hpaSpec`.
#[derive(Debug, Clone, Serialize)]
pub struct Autoscale {
    /// `minReplicas`.
    pub min: u32,
    /// `maxReplicas`.
    pub max: u32,
    /// Target CPU utilisation.
    pub cpu_percent: u32,
}

/// `resources`.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceSpec {
    /// `requests.cpu`.
    pub requests_cpu: Option<String>,
    /// `requests.memory`.
    pub requests_memory: Option<String>,
    /// `limits.cpu`.
    pub limits_cpu: Option<String>,
    /// `limits.memory`.
    pub limits_memory: Option<String>,
}

/// A Service port.
#[derive(Debug, Clone, Serialize)]
pub struct PortSpec {
    /// `name`.
    pub name: String,
    /// `port`.
    pub port: Port,
    /// `targetPort`.
    pub target_port: Port,
}

pub(super) fn build(context: &Context<'_>) -> IstioOperator {
    let profile = context.profile;
    let control_plane = &profile.control_plane;
    let mesh = &profile.mesh;
    let ingress = &control_plane.ingress_gateway;
    let gateway_component = |name: &str, labels: Vec<Label>, ports: Vec<PortSpec>| Component {
        name: name.to_string(),
        labels,
        service_type: Some(service_type(ingress.service_type)),
        ports,
        ..component(&ingress.deployment)
    };
    // A primary with remote clusters exposes istiod on its east-west gateway even on one
    // network (istio.io "Install Primary-Remote"); the network's label and view then stay unset.
    let serves_remotes = matches!(
        &profile.placement,
        Some(model::Placement::Primary { remotes }) if !remotes.is_empty()
    );
    let network = mesh.network.as_ref().filter(|_| mesh.multi_network);
    let east_west = (network.is_some() || serves_remotes).then(|| {
        let ports = [
            ("status-port", Port::known(15021)),
            ("tls", EAST_WEST_TLS_PORT),
            ("tls-istiod", Port::known(15012)),
            ("tls-webhook", Port::known(15017)),
        ]
        .into_iter()
        .map(|(name, port)| PortSpec {
            name: name.to_string(),
            port,
            target_port: port,
        })
        .collect();
        let mut labels = vec![
            label("istio", "eastwestgateway"),
            label("app", "istio-eastwestgateway"),
        ];
        labels.extend(network.map(|n| label("topology.istio.io/network", n.as_str())));
        Component {
            env: network
                .map(|network| Label {
                    key: "ISTIO_META_REQUESTED_NETWORK_VIEW".to_string(),
                    value: network.to_string(),
                })
                .into_iter()
                .collect(),
            ..gateway_component("istio-eastwestgateway", labels, ports)
        }
    });
    IstioOperator {
        meta: Meta::new(
            OperatorId::ControlPlane,
            context.root(),
            "Install with `istioctl install -f` (the in-cluster operator is gone since Istio 1.24).",
        ),
        mesh_id: mesh.id.as_ref().map(ToString::to_string),
        cluster: mesh.cluster.as_ref().map(ToString::to_string),
        network: mesh.network.as_ref().map(ToString::to_string),
        trust_domain: mesh.trust_domain.to_string(),
        tracing: profile.telemetry.tracing.is_some(),
        hold_application: control_plane.proxy.hold_application,
        concurrency: control_plane.proxy.concurrency,
        proxy_stats: profile
            .telemetry
            .proxy_stats
            .iter()
            .flat_map(|&group| stats_regexes(group))
            .copied()
            .collect(),
        path_normalization: match control_plane.path_normalization {
            PathNormalization::None => NormalizationType::None,
            PathNormalization::Base => NormalizationType::Base,
            PathNormalization::MergeSlashes => NormalizationType::MergeSlashes,
            PathNormalization::DecodeAndMergeSlashes => NormalizationType::DecodeAndMergeSlashes,
        },
        outbound_traffic: match profile.security.outbound_traffic {
            OutboundTraffic::RegistryOnly => OutboundMode::RegistryOnly,
            OutboundTraffic::AllowAny => OutboundMode::AllowAny,
        },
        providers: profile
            .telemetry
            .providers
            .iter()
            .map(|provider| {
                use ExtensionProviderKind as Kind;
                let omit_empty_values = matches!(
                    provider.kind,
                    ProviderKind::FileAccessLog {
                        omit_empty: true,
                        ..
                    }
                );
                let (kind, service, port, path, format) = match &provider.kind {
                    ProviderKind::Opentelemetry { service, port } => {
                        (Kind::Opentelemetry, Some(service), Some(*port), None, None)
                    }
                    ProviderKind::Zipkin { service, port } => {
                        (Kind::Zipkin, Some(service), Some(*port), None, None)
                    }
                    ProviderKind::OtelAccessLog {
                        service,
                        port,
                        format,
                    } => (
                        Kind::EnvoyOtelAls,
                        Some(service),
                        Some(*port),
                        None,
                        format.as_ref(),
                    ),
                    ProviderKind::FileAccessLog { path, format, .. } => (
                        Kind::EnvoyFileAccessLog,
                        None,
                        None,
                        Some(path.clone()),
                        format.as_ref(),
                    ),
                };
                ExtensionProvider {
                    name: provider.name.to_string(),
                    kind,
                    service: service.map(ToString::to_string),
                    port,
                    path,
                    log_format: format.map(planned_log_format),
                    omit_empty_values,
                }
            })
            .collect(),
        proxy_log_level: match control_plane.proxy.log_level {
            LogLevel::Trace => ProxyLogLevel::Trace,
            LogLevel::Debug => ProxyLogLevel::Debug,
            LogLevel::Info => ProxyLogLevel::Info,
            LogLevel::Warning => ProxyLogLevel::Warning,
            LogLevel::Error => ProxyLogLevel::Error,
            LogLevel::Critical => ProxyLogLevel::Critical,
            LogLevel::Off => ProxyLogLevel::Off,
        },
        proxy_resources: resources(&control_plane.proxy.resources),
        pilot: component(&control_plane.istiod),
        ingress: gateway_component(
            "istio-ingressgateway",
            Vec::new(),
            ingress.ports.iter().map(port_spec).collect(),
        ),
        east_west,
        egress: control_plane
            .egress_gateway
            .as_ref()
            .map(|deployment| Component {
                name: "istio-egressgateway".to_string(),
                ..component(deployment)
            }),
        revision: mesh.revision.as_ref().map(ToString::to_string),
        own_ingress: profile
            .gateways
            .iter()
            .filter_map(|gateway| {
                let own = gateway.deployment.as_ref()?;
                Some(own_ingress(gateway, own))
            })
            .collect(),
    }
}

/// The ingress-gateway deployment of its own of a gateway, as Istio's recipe for an extra
/// ingress gateway installs it: one more `ingressGateways` entry with its own name, `istio`
/// label, Service and k8s settings (istio.io "Installing Gateways", IstioOperator tab).
fn own_ingress(gateway: &model::Gateway, own: &model::IngressGateway) -> Component {
    let name = gateway.workload();
    Component {
        labels: vec![
            label("istio", &gateway.workload_label()),
            label("app", &name),
        ],
        name,
        service_type: Some(service_type(own.service_type)),
        ports: own.ports.iter().map(port_spec).collect(),
        ..component(&own.deployment)
    }
}

fn service_type(service_type: model::ServiceType) -> ServiceType {
    match service_type {
        model::ServiceType::LoadBalancer => ServiceType::LoadBalancer,
        model::ServiceType::NodePort => ServiceType::NodePort,
        model::ServiceType::ClusterIp => ServiceType::ClusterIp,
    }
}

fn component(deployment: &Deployment) -> Component {
    let (replicas, autoscale, autoscale_enabled) = match deployment.scaling {
        Scaling::Default => (None, None, None),
        Scaling::Replicas(n) => (Some(n), None, Some(false)),
        Scaling::Autoscale {
            min,
            max,
            cpu_percent,
        } => (
            None,
            Some(Autoscale {
                min,
                max,
                cpu_percent,
            }),
            Some(true),
        ),
    };
    Component {
        replicas,
        autoscale,
        autoscale_enabled,
        resources: resources(&deployment.resources),
        ..Component::default()
    }
}

fn resources(resources: &Resources) -> Option<ResourceSpec> {
    let text = |q: &Option<crate::model::Quantity>| q.as_ref().map(ToString::to_string);
    (!resources.is_empty()).then(|| ResourceSpec {
        requests_cpu: text(&resources.requests.cpu),
        requests_memory: text(&resources.requests.memory),
        limits_cpu: text(&resources.limits.cpu),
        limits_memory: text(&resources.limits.memory),
    })
}

fn port_spec(port: &ServicePort) -> PortSpec {
    PortSpec {
        name: port.name.to_string(),
        port: port.port,
        target_port: port.target_port,
    }
}

/// The Envoy statistics of a group, as `proxyStatsMatcher` regexes over full stat names
/// (Istio's "Envoy Statistics" page configures circuit breakers, retries, connections and
/// timeouts this way: <https://istio.io/latest/docs/ops/configuration/telemetry/envoy-stats/>).
fn stats_regexes(group: ProxyStats) -> &'static [&'static str] {
    match group {
        // The breakers' gauges, and the pending-request counters whose overflow is a trip.
        ProxyStats::CircuitBreakers => &[".*circuit_breakers.*", ".*upstream_rq_pending.*"],
        ProxyStats::OutlierDetection => &[".*outlier_detection.*"],
        ProxyStats::Retries => &[".*upstream_rq_retry.*"],
        ProxyStats::Timeouts => &[".*upstream_rq_timeout.*"],
        ProxyStats::Connections => &[".*upstream_cx_.*"],
    }
}

/// A provider's `logFormat`.
fn planned_log_format(format: &LogFormat) -> PlannedLogFormat {
    PlannedLogFormat {
        text: (format.layout == LogLayout::Text).then(|| format.text()),
        labels: format
            .fields
            .iter()
            .map(|(name, operator)| LogLabel {
                name: name.as_str().to_string(),
                value: operator.to_string(),
            })
            .collect(),
    }
}
