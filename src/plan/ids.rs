//! What each generated resource, route and policy rule was generated for.
//!
//! Every resource carries its id in [`Meta`](super::Meta), and its `metadata.name` follows from
//! the id here and nowhere else. `explain` (and anything else that reads the plan) finds a
//! resource by id through [`ResourceList::get`](super::ResourceList::get), never by rebuilding
//! its name. Ids are not serialized: the templates never see them.

use crate::model::{CROSS_NETWORK_GATEWAY, HeaderValue, Host, Name};

/// The prefix of the names of the egress gateway's resources.
pub(crate) const EGRESS_GATEWAY: &str = "egress-gateway";

/// The id of a kind of resource: it names the resource.
pub trait ResourceId: Ord {
    /// `metadata.name`.
    fn name(&self) -> String;
}

/// The IstioOperator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum OperatorId {
    /// The one control-plane installation.
    ControlPlane,
}

impl ResourceId for OperatorId {
    fn name(&self) -> String {
        match self {
            Self::ControlPlane => "control-plane".to_string(),
        }
    }
}

/// A VirtualService.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum VirtualServiceId {
    /// A service's routes inside the mesh.
    Service {
        /// The service.
        service: Name,
    },
    /// The plain-HTTP side of a TLS-originating external service.
    External {
        /// The external service.
        external: Name,
    },
    /// The routes of an ingress gateway.
    Ingress {
        /// The gateway.
        gateway: Name,
    },
    /// The routes of some hosts of an ingress gateway whose routes name their hosts: those
    /// that get the same routes.
    IngressHosts {
        /// The gateway.
        gateway: Name,
        /// The first of the hosts.
        host: Host,
    },
}

impl ResourceId for VirtualServiceId {
    fn name(&self) -> String {
        match self {
            Self::Service { service: name } | Self::External { external: name } => name.to_string(),
            Self::Ingress { gateway } => format!("{gateway}-routes"),
            // A gateway name has no dot and a gateway host has one, so these never meet the
            // names above. At most 63 + 8 + 253 characters: kept under Kubernetes' 253.
            Self::IngressHosts { gateway, host } => {
                let mut name = format!(
                    "{gateway}-routes-{}",
                    host.as_str().replace('*', "wildcard")
                );
                name.truncate(253);
                name.trim_end_matches(['-', '.']).to_string()
            }
        }
    }
}

/// A DestinationRule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DestinationRuleId {
    /// A service's traffic policy and subsets.
    Service {
        /// The service.
        service: Name,
    },
    /// TLS origination to an external service.
    External {
        /// The external service.
        external: Name,
    },
    /// The mesh's default load balancer, for every service without a rule of its own.
    MeshDefault,
    /// The egress gateway's subsets: mTLS from the sidecars, one subset per external service
    /// routed through it.
    EgressGateway,
}

impl ResourceId for DestinationRuleId {
    fn name(&self) -> String {
        match self {
            Self::Service { service: name } | Self::External { external: name } => name.to_string(),
            Self::MeshDefault => "mesh-default".to_string(),
            Self::EgressGateway => EGRESS_GATEWAY.to_string(),
        }
    }
}

/// A PeerAuthentication: the mTLS mode where `security.mtls-scope` puts it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PeerAuthenticationId {
    /// The whole mesh (in the root namespace).
    Mesh,
    /// The workload namespace.
    Namespace,
    /// Another workload namespace, of services that name their own.
    NamespaceIn {
        /// The namespace.
        namespace: Name,
    },
    /// The workloads of one service, and their ports.
    Workload {
        /// The service.
        service: Name,
    },
}

impl ResourceId for PeerAuthenticationId {
    fn name(&self) -> String {
        match self {
            Self::Mesh | Self::Namespace | Self::NamespaceIn { .. } => "default".to_string(),
            Self::Workload { service } => format!("{service}-mtls"),
        }
    }
}

/// A RequestAuthentication.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RequestAuthenticationId {
    /// Token validation at the ingress gateway.
    Edge,
    /// Token validation at the deployment of its own of a gateway.
    EdgeOwn {
        /// The gateway.
        gateway: Name,
    },
    /// Token validation on every workload.
    Workloads,
    /// Token validation on every workload of another workload namespace.
    WorkloadsIn {
        /// The namespace.
        namespace: Name,
    },
}

impl ResourceId for RequestAuthenticationId {
    fn name(&self) -> String {
        match self {
            Self::Edge => "edge-jwt".to_string(),
            Self::EdgeOwn { gateway } => format!("edge-jwt-{gateway}"),
            Self::Workloads | Self::WorkloadsIn { .. } => "jwt".to_string(),
        }
    }
}

/// An AuthorizationPolicy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyId {
    /// Refuses requests without a token at the ingress gateway.
    EdgeRequireJwt,
    /// Refuses requests without a token at the deployment of its own of a gateway.
    EdgeRequireJwtOwn {
        /// The gateway.
        gateway: Name,
    },
    /// The namespace's default deny.
    AllowNothing,
    /// The default deny of another workload namespace.
    AllowNothingIn {
        /// The namespace.
        namespace: Name,
    },
    /// Who may call a service: its callers and the gateway's routes to it.
    Callers {
        /// The service.
        service: Name,
    },
    /// Keeps every tenant to its own services, paths, methods and header on a service.
    TenantGuard {
        /// The service.
        service: Name,
    },
    /// Keeps every tenant off the services of a namespace that no tenant lists and whose
    /// callers reach no tenant path.
    TenantGuardIn {
        /// The namespace.
        namespace: Name,
    },
    /// Who may leave through the egress gateway for an external service.
    EgressGateway {
        /// The external service.
        external: Name,
    },
}

impl ResourceId for PolicyId {
    fn name(&self) -> String {
        match self {
            Self::EdgeRequireJwt => "edge-require-jwt".to_string(),
            Self::EdgeRequireJwtOwn { gateway } => format!("edge-require-jwt-{gateway}"),
            Self::AllowNothing | Self::AllowNothingIn { .. } => "allow-nothing".to_string(),
            Self::Callers { service } => service.to_string(),
            Self::TenantGuard { service } => format!("{service}-tenant-guard"),
            Self::TenantGuardIn { .. } => "tenant-guard".to_string(),
            Self::EgressGateway { external } => format!("{EGRESS_GATEWAY}-{external}"),
        }
    }
}

/// What one rule of an AuthorizationPolicy stands for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleFor {
    /// [`PolicyId::EdgeRequireJwt`]: a request without a token.
    MissingToken,
    /// [`PolicyId::Callers`]: an entry of the service's `callers`.
    Caller {
        /// Its position in the list, from 0.
        index: usize,
    },
    /// [`PolicyId::Callers`]: the gateway's routes to the service.
    GatewayRoutes,
    /// [`PolicyId::Callers`]: the gateway's public routes to the service, which need no token.
    PublicRoutes,
    /// [`PolicyId::EdgeRequireJwt`]: a request without a token on a route that the gateway
    /// tries before a public route whose path covers it.
    BeforePublicRoute,
    /// [`PolicyId::TenantGuard`]: a tenant's methods beyond its own.
    TenantMethods {
        /// The tenant.
        tenant: Name,
    },
    /// [`PolicyId::TenantGuard`]: a tenant's paths beyond its own.
    TenantPaths {
        /// The tenant.
        tenant: Name,
    },
    /// [`PolicyId::TenantGuard`]: a tenant header that is not the token's tenant.
    TenantHeaderMismatch {
        /// The tenant of the token.
        tenant: Name,
    },
    /// [`PolicyId::TenantGuard`]: a tenant claim of a tenant that does not list the service,
    /// or of no declared tenant.
    ForeignClaim,
    /// [`PolicyId::TenantGuard`]: a tenant header without the claim of a tenant that lists the
    /// service (with another claim, or none).
    HeaderWithoutClaim,
    /// [`PolicyId::TenantGuard`]: a tenant's path, where another ALLOW lets it in, without the
    /// claim of a tenant that lists the service.
    TenantPathsWithoutClaim,
    /// [`PolicyId::EgressGateway`]: every service of the mesh, for an external service that
    /// lists no callers.
    EveryService,
}

/// A ServiceEntry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceEntryId {
    /// An external service in the registry.
    External {
        /// The external service.
        external: Name,
    },
}

impl ResourceId for ServiceEntryId {
    fn name(&self) -> String {
        match self {
            Self::External { external } => external.to_string(),
        }
    }
}

/// A Sidecar.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SidecarId {
    /// The egress hosts of one service's workloads.
    Workload {
        /// The service.
        service: Name,
    },
    /// The egress hosts of the workload namespace.
    Namespace,
    /// The egress hosts of another workload namespace.
    NamespaceIn {
        /// The namespace.
        namespace: Name,
    },
}

impl ResourceId for SidecarId {
    fn name(&self) -> String {
        match self {
            Self::Workload { service } => service.to_string(),
            Self::Namespace | Self::NamespaceIn { .. } => "default".to_string(),
        }
    }
}

/// A Gateway.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum GatewayId {
    /// The ingress gateway.
    Ingress {
        /// The gateway.
        gateway: Name,
    },
    /// The east-west gateway of a multi-network mesh.
    EastWest,
    /// The egress gateway's server for an external service.
    Egress {
        /// The external service.
        external: Name,
    },
}

impl ResourceId for GatewayId {
    fn name(&self) -> String {
        match self {
            Self::Ingress { gateway } => gateway.to_string(),
            Self::EastWest => CROSS_NETWORK_GATEWAY.to_string(),
            Self::Egress { external } => format!("{EGRESS_GATEWAY}-{external}"),
        }
    }
}

/// An EnvoyFilter of local rate limits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RateLimitId {
    /// The rate-limited routes of the ingress gateway.
    Ingress {
        /// The gateway.
        gateway: Name,
    },
}

impl ResourceId for RateLimitId {
    fn name(&self) -> String {
        match self {
            Self::Ingress { gateway } => format!("{gateway}-rate-limit"),
        }
    }
}

/// A Telemetry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TelemetryId {
    /// The namespace's telemetry (the one without a selector).
    Namespace,
    /// The telemetry of another workload namespace.
    NamespaceIn {
        /// The namespace.
        namespace: Name,
    },
    /// A service's own trace sampling.
    Sampling {
        /// The service.
        service: Name,
    },
}

impl ResourceId for TelemetryId {
    fn name(&self) -> String {
        match self {
            Self::Namespace | Self::NamespaceIn { .. } => "default".to_string(),
            Self::Sampling { service } => service.to_string(),
        }
    }
}

/// What an HTTP route of a VirtualService was generated for. Route names are not derived from
/// it: they are made unique within their VirtualService (`-2`, `-3`…).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteId {
    /// One of a service's routes, in its own VirtualService.
    Service(RouteFor),
    /// One of `service`'s routes, narrowed to the prefix of a gateway route.
    Gateway {
        /// The gateway route.
        gateway_route: Name,
        /// The service it leads to.
        service: Name,
        /// The service's route it narrows.
        rule: RouteFor,
    },
    /// The plain-HTTP route of a TLS-originating external service (at the egress gateway,
    /// when its requests go through it).
    External,
    /// The sidecars' route of an external service to the egress gateway.
    ToEgressGateway,
}

/// Which of a service's routes, in the order Envoy tries them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteFor {
    /// A value of the priority header, pinned to its subset.
    Priority {
        /// The header value.
        value: HeaderValue,
    },
    /// The canary override header.
    CanaryOverride,
    /// The region header, pinned to the region's subset.
    Region {
        /// The region.
        region: Name,
    },
    /// A route of the profile.
    Route {
        /// Its name.
        route: Name,
    },
    /// The final, match-less route: the canary split or the default subset.
    Final,
}
