//! `[mesh]` and `[control-plane]`.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    Compute, ControlPlane, DEFAULT_ISTIO_VERSION, Deployment, Host, IngressGateway, IstioVersion,
    LabelValue, LogLevel, Mesh, Name, OLDEST_ISTIO_VERSION, PathNormalization, Port, Proxy,
    Quantity, Resources, Scaling, ServicePort, ServiceType,
};
use crate::profile::Sp;
use crate::profile::raw::{
    RawAutoscale, RawCompute, RawControlPlane, RawDeployment, RawIngressGateway, RawProfile,
    RawResources, RawServicePort,
};

/// Istio's default replica ceiling keeps a typo (`max = 1000`) from reaching a cluster.
const MAX_REPLICAS: i64 = 100;

impl Checker {
    /// `[mesh]`.
    pub(super) fn mesh(&mut self, raw: &RawProfile) -> Option<Mesh> {
        let mesh = &raw.mesh;
        let label = |c: &mut Self, key: &str, v: &Option<Sp<String>>| match v {
            Some(v) if v.as_str().is_empty() => {
                c.report(
                    Diagnostic::new(Code::InvalidLabel, v.span(), format!("`{key}` is empty"))
                        .label("Istio reads an empty value as unset")
                        .help("remove the key to keep Istio's default, or give it a name"),
                );
                None
            }
            Some(v) => c.parsed(v, Code::InvalidLabel, LabelValue::parse).map(Some),
            None => Some(None),
        };
        let id = label(self, "id", &mesh.id);
        let cluster = label(self, "cluster", &mesh.cluster);
        let network = label(self, "network", &mesh.network);
        let trust_domain = match &mesh.trust_domain {
            Some(domain) => {
                let host = self.host(domain);
                if host.as_ref().is_some_and(Host::is_wildcard) {
                    self.report(Diagnostic::new(
                        Code::InvalidHost,
                        domain.span(),
                        "a trust domain cannot be a wildcard",
                    ));
                    None
                } else {
                    host
                }
            }
            None => Host::parse("cluster.local").ok(),
        };
        let namespace = self.name_or(mesh.namespace.as_ref(), "default");
        let root_namespace = self.name_or(mesh.root_namespace.as_ref(), "istio-system");
        // The defaults differ, so when the two are equal at least one of them is written.
        if let (Some(ns), Some(root), Some(written)) = (
            &namespace,
            &root_namespace,
            mesh.namespace.as_ref().or(mesh.root_namespace.as_ref()),
        ) && ns == root
        {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    written.span(),
                    format!("workloads cannot live in the root namespace `{root}`"),
                )
                .help("policies in the root namespace apply to the whole mesh; use a namespace of its own"),
            );
        }
        let istio_version = match &mesh.istio_version {
            Some(version) => self.istio_version(version),
            None => Some(DEFAULT_ISTIO_VERSION),
        };
        let region_header = self.header_name_or(mesh.region_header.as_ref(), "x-region");
        let default_load_balancer = self.default_load_balancer(mesh.default_load_balancer.as_ref());
        let revision = self.revision(mesh.revision.as_ref());
        let multi_network = mesh.multi_network.as_ref().is_some_and(|m| m.value);
        if let Some(flag) = mesh.multi_network.as_ref().filter(|m| m.value)
            && mesh.network.is_none()
        {
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    flag.span(),
                    "a mesh that spans networks needs this cluster's network name",
                )
                .help("add `network = \"<name>\"` to [mesh]"),
            );
        }
        Some(Mesh {
            id: id?,
            cluster: cluster?,
            network: network?,
            multi_network,
            trust_domain: trust_domain?,
            namespace: namespace?,
            root_namespace: root_namespace?,
            istio_version: istio_version?,
            region_header: region_header?,
            default_load_balancer: default_load_balancer?,
            manage_namespaces: mesh.manage_namespaces.as_ref().is_none_or(|m| m.value),
            revision: revision?,
        })
    }

    fn istio_version(&mut self, raw: &Sp<String>) -> Option<IstioVersion> {
        let version = self.parsed(raw, Code::UnsupportedIstioVersion, |text| {
            Ok(IstioVersion::parse(text)?)
        })?;
        if version < OLDEST_ISTIO_VERSION || version.major != 1 {
            self.report(
                Diagnostic::new(
                    Code::UnsupportedIstioVersion,
                    raw.span(),
                    format!("meshc cannot target Istio {version}"),
                )
                .label("unsupported release")
                .help(format!(
                    "meshc targets Istio {OLDEST_ISTIO_VERSION} and later 1.x releases (older \
                     ones lack the security.istio.io/v1 API); upgrade Istio first"
                )),
            );
            return None;
        }
        Some(version)
    }

    /// A name that defaults to `default` when absent.
    pub(super) fn name_or(&mut self, value: Option<&Sp<String>>, default: &str) -> Option<Name> {
        match value {
            Some(value) => self.name(value),
            None => Name::parse(default).ok(),
        }
    }

    /// `[control-plane]`.
    pub(super) fn control_plane(&mut self, raw: &RawControlPlane) -> Option<ControlPlane> {
        let istiod = self.deployment(&raw.istiod);
        let proxy = self.proxy(raw);
        let ingress_gateway = self.ingress_gateway(&raw.ingress_gateway);
        let egress_gateway = self.egress_gateway(raw);
        Some(ControlPlane {
            istiod: istiod?,
            proxy: proxy?,
            ingress_gateway: ingress_gateway?,
            egress_gateway: egress_gateway?,
            path_normalization: raw
                .path_normalization
                .as_ref()
                .map_or(PathNormalization::DecodeAndMergeSlashes, |p| p.value.into()),
        })
    }

    /// `egress-gateway` and its deployment; `Some(None)` when it is not installed.
    fn egress_gateway(&mut self, raw: &RawControlPlane) -> Option<Option<Deployment>> {
        let installed = raw.egress_gateway.as_ref().is_some_and(|e| e.value);
        match (&raw.egress_gateway_deployment, installed) {
            (Some(deployment), true) => self.deployment(&deployment.value).map(Some),
            (None, true) => Some(Some(Deployment {
                scaling: Scaling::Default,
                resources: Resources::default(),
            })),
            (Some(deployment), false) => {
                self.report(
                    Diagnostic::new(
                        Code::MissingDependency,
                        deployment.span(),
                        "the egress gateway's deployment needs `egress-gateway = true`",
                    )
                    .help("install the egress gateway with `egress-gateway = true`, or remove its deployment"),
                );
                None
            }
            (None, false) => Some(None),
        }
    }

    fn proxy(&mut self, raw: &RawControlPlane) -> Option<Proxy> {
        let proxy = &raw.proxy;
        let resources = self.resources(proxy.resources.as_ref());
        let concurrency = match &proxy.concurrency {
            Some(c) => self.count(c, 0..=64),
            None => Some(2),
        };
        Some(Proxy {
            resources: resources?,
            log_level: proxy
                .log_level
                .as_ref()
                .map_or(LogLevel::Warning, |l| l.value.into()),
            concurrency: concurrency?,
            hold_application: proxy
                .hold_application_until_proxy_starts
                .as_ref()
                .is_none_or(|h| h.value),
        })
    }

    fn deployment(&mut self, raw: &RawDeployment) -> Option<Deployment> {
        let scaling = self.scaling(raw.replicas.as_ref(), raw.autoscale.as_ref());
        let resources = self.resources(raw.resources.as_ref());
        Some(Deployment {
            scaling: scaling?,
            resources: resources?,
        })
    }

    fn scaling(
        &mut self,
        replicas: Option<&Sp<i64>>,
        autoscale: Option<&Sp<RawAutoscale>>,
    ) -> Option<Scaling> {
        match (replicas, autoscale) {
            (Some(replicas), Some(autoscale)) => {
                self.report(
                    Diagnostic::new(
                        Code::ConflictingKeys,
                        replicas.span(),
                        "`replicas` and `autoscale` exclude each other",
                    )
                    .secondary(autoscale.span(), "autoscale set here")
                    .help(
                        "with autoscaling, `autoscale.min` is the replica floor; remove `replicas`",
                    ),
                );
                None
            }
            (Some(replicas), None) => self
                .count(replicas, 1..=MAX_REPLICAS)
                .map(Scaling::Replicas),
            (None, Some(autoscale)) => {
                let raw = &autoscale.value;
                let min = self.count(&raw.min, 1..=MAX_REPLICAS);
                let max = self.count(&raw.max, 1..=MAX_REPLICAS);
                let cpu_percent = self.count(&raw.cpu_percent, 1..=100);
                let (min, max, cpu_percent) = (min?, max?, cpu_percent?);
                if min > max {
                    self.report(
                        Diagnostic::new(
                            Code::AutoscaleRange,
                            raw.min.span(),
                            format!("autoscale minimum {min} is above its maximum {max}"),
                        )
                        .secondary(raw.max.span(), "maximum"),
                    );
                    return None;
                }
                Some(Scaling::Autoscale {
                    min,
                    max,
                    cpu_percent,
                })
            }
            (None, None) => Some(Scaling::Default),
        }
    }

    fn resources(&mut self, raw: Option<&RawResources>) -> Option<Resources> {
        let Some(raw) = raw else {
            return Some(Resources::default());
        };
        let requests = self.compute(raw.requests.as_ref());
        let limits = self.compute(raw.limits.as_ref());
        Some(Resources {
            requests: requests?,
            limits: limits?,
        })
    }

    fn compute(&mut self, raw: Option<&RawCompute>) -> Option<Compute> {
        let Some(raw) = raw else {
            return Some(Compute::default());
        };
        let quantity = |c: &mut Self, q: &Option<Sp<String>>| match q {
            Some(q) => c
                .parsed(q, Code::InvalidQuantity, Quantity::parse)
                .map(Some),
            None => Some(None),
        };
        let cpu = quantity(self, &raw.cpu);
        let memory = quantity(self, &raw.memory);
        Some(Compute {
            cpu: cpu?,
            memory: memory?,
        })
    }

    pub(super) fn ingress_gateway(&mut self, raw: &RawIngressGateway) -> Option<IngressGateway> {
        let scaling = self.scaling(raw.replicas.as_ref(), raw.autoscale.as_ref());
        let resources = self.resources(raw.resources.as_ref());
        let ports = match &raw.ports {
            Some(ports) => self.service_ports(ports),
            None => Some(default_ports()),
        };
        Some(IngressGateway {
            deployment: Deployment {
                scaling: scaling?,
                resources: resources?,
            },
            service_type: raw
                .service_type
                .as_ref()
                .map_or(ServiceType::LoadBalancer, |t| t.value.into()),
            ports: ports?,
        })
    }

    fn service_ports(&mut self, raw: &Sp<Vec<RawServicePort>>) -> Option<Vec<ServicePort>> {
        if !self.non_empty(raw, "the gateway's port list") {
            return None;
        }
        self.unique(
            raw.value.iter().map(|p| (&p.name.value, p.name.span())),
            "port name",
        );
        self.unique(
            raw.value.iter().map(|p| (&p.port.value, p.port.span())),
            "port",
        );
        self.each(&raw.value, |c, port| {
            let name = c.name(&port.name);
            let number = c.port(&port.port);
            let target = c.port(&port.target_port);
            if let Some(target) = target
                && target.get() < 1024
            {
                c.report(
                    Diagnostic::new(
                        Code::PrivilegedTargetPort,
                        port.target_port.span(),
                        format!("target port {target} is below 1024"),
                    )
                    .label("needs a gateway running as root")
                    .help("gateways run without root; map the port to one of 1024 or above, such as 8443"),
                );
                return None;
            }
            Some(ServicePort {
                name: name?,
                port: number?,
                target_port: target?,
            })
        })
    }
}

/// Istio's own ingress ports, minus the unused ones: status, HTTP and HTTPS.
fn default_ports() -> Vec<ServicePort> {
    [
        ("status-port", 15021, 15021),
        ("http2", 80, 8080),
        ("https", 443, 8443),
    ]
    .into_iter()
    .filter_map(|(name, port, target)| {
        Some(ServicePort {
            name: Name::parse(name).ok()?,
            port: Port::new(port).ok()?,
            target_port: Port::new(target).ok()?,
        })
    })
    .collect()
}
