//! What the proofs read of the checked profile, and nothing more: made from it once the render
//! is checked, so that the rest of it (routes, subsets, pools, telemetry, the control plane)
//! is not kept beside the simulated mesh through the proofs, the peak of a large render
//! (heaptrack at 10,000 services: benches/README.md). A proof can only read what is here.

use std::borrow::Cow;

use crate::model::{
    self, Caller, Expect, ExternalService, Gateway, MtlsMode, Name, NamedPort, Port, Profile,
    Security, SidecarScoping, Tenancy,
};
use crate::simulate::{Origin, Request};
use crate::topology;

/// The profile as the proofs see it.
#[derive(Debug)]
pub(crate) struct Subject {
    /// Mesh identity and namespaces.
    pub(crate) mesh: model::Mesh,
    /// Services, by name.
    pub(crate) services: Vec<Service>,
    /// External services, by name.
    pub(crate) external_services: Vec<ExternalService>,
    /// The ingress gateways, as in the profile.
    pub(crate) gateways: Vec<Gateway>,
    /// Security settings.
    pub(crate) security: Security,
    /// Tenant isolation, if any tenant is declared.
    pub(crate) tenancy: Option<Tenancy>,
    /// Egress scoping by Sidecar resources, if asked for.
    pub(crate) sidecar: Option<SidecarScoping>,
    /// Each `[[expect]]` with the request it sends, or why none can be built: the request is
    /// made from the profile's names (subsets and canaries included) while the profile is whole.
    pub(crate) expects: Vec<(Expect, Result<Request, String>)>,
}

/// A service as the proofs see it.
#[derive(Debug)]
#[expect(
    clippy::struct_field_names,
    reason = "`service_account` is the profile's own name, as in `model::Service`"
)]
pub(crate) struct Service {
    /// Service name.
    pub(crate) name: Name,
    /// Service port.
    pub(crate) port: Port,
    /// Container port.
    pub(crate) target_port: Port,
    /// Service account of its pods.
    pub(crate) service_account: Name,
    /// Who may call it.
    pub(crate) callers: Vec<Caller>,
    /// The mTLS mode of its workloads, where it differs from the mesh's.
    pub(crate) mtls: Option<MtlsMode>,
    /// The mTLS modes of single container ports, in port order.
    pub(crate) port_mtls: Vec<(Port, MtlsMode)>,
    /// The namespace its workloads live in.
    pub(crate) namespace: Name,
    /// Its ports, when it declares several (see [`model::Service::ports`]).
    pub(crate) ports: Vec<NamedPort>,
    /// Its Service host ([`topology::host`]).
    pub(crate) host: String,
    /// The workload its requests are sent from ([`topology::service_origin`]).
    pub(crate) origin: Origin,
}

impl Subject {
    /// The subject of `profile`: taken apart when it is owned, the parts read copied when it
    /// is lent (`meshc query` keeps the profile).
    pub(crate) fn of(profile: Cow<'_, Profile>) -> Self {
        let requests: Vec<Result<Request, String>> = profile
            .expects
            .iter()
            .map(|expect| super::expect::request(&profile, expect))
            .collect();
        match profile {
            Cow::Owned(profile) => Self {
                mesh: profile.mesh,
                services: profile.services.into_iter().map(Service::of).collect(),
                external_services: profile.external_services,
                gateways: profile.gateways,
                security: profile.security,
                tenancy: profile.tenancy,
                sidecar: profile.sidecar,
                expects: profile.expects.into_iter().zip(requests).collect(),
            },
            // One service copied whole at a time, not the whole profile at once.
            Cow::Borrowed(profile) => Self {
                mesh: profile.mesh.clone(),
                services: profile.services.iter().cloned().map(Service::of).collect(),
                external_services: profile.external_services.clone(),
                gateways: profile.gateways.clone(),
                security: profile.security.clone(),
                tenancy: profile.tenancy.clone(),
                sidecar: profile.sidecar.clone(),
                expects: profile.expects.iter().cloned().zip(requests).collect(),
            },
        }
    }
}

impl Service {
    /// As [`model::Service::route_port`].
    pub(crate) fn route_port(&self, name: Option<&Name>) -> Port {
        model::route_port(self.port, &self.ports, name)
    }

    /// As [`model::Service::http_port_for`].
    pub(crate) fn http_port_for(&self, caller_ports: &[Port]) -> Option<Port> {
        model::http_port_for(self.port, &self.ports, caller_ports)
    }

    fn of(service: model::Service) -> Self {
        Self {
            host: topology::host(&service),
            origin: topology::service_origin(&service),
            name: service.name,
            port: service.port,
            target_port: service.target_port,
            service_account: service.service_account,
            callers: service.callers,
            mtls: service.mtls,
            port_mtls: service.port_mtls,
            namespace: service.namespace,
            ports: service.ports,
        }
    }
}
