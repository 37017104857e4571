//! The ports the proofs send a service's requests on. The simulator, as a sidecar, needs the
//! port of a service with several (a request that names none is not modelled, and proves
//! nothing), and a policy rule may hold on some of them only: a guarantee about a service of
//! several ports is sent on each port it concerns, so that what it costs grows with the ports a
//! profile declares, not with their product with anything else.

use crate::model::{Port, Service};

/// The Service ports a caller held to `held_to` (container ports; empty: every port) dials with
/// HTTP, each of them: the one port of a service with one; empty when it is held to non-HTTP
/// ports only (the simulator sends HTTP requests).
pub(super) fn http_ports(service: &Service, held_to: &[Port]) -> Vec<u16> {
    if service.ports.is_empty() {
        return service
            .http_port_for(held_to)
            .map(Port::get)
            .into_iter()
            .collect();
    }
    let ports: Vec<u16> = service
        .ports
        .iter()
        .filter(|p| {
            p.protocol.is_http() && (held_to.is_empty() || held_to.contains(&p.target_port))
        })
        .map(|p| p.port.get())
        .collect();
    if ports.is_empty() && held_to.is_empty() {
        // No HTTP port at all: the main port, as a caller dials it.
        return vec![service.port.get()];
    }
    ports
}

/// The HTTP Service ports of `service` that a caller held to `held_to` may not dial: empty
/// when it is held to none.
pub(super) fn other_http_ports(service: &Service, held_to: &[Port]) -> Vec<u16> {
    if held_to.is_empty() {
        return Vec::new();
    }
    service
        .ports
        .iter()
        .filter(|p| p.protocol.is_http() && !held_to.contains(&p.target_port))
        .map(|p| p.port.get())
        .collect()
}

/// `service` in a proof's message, with the port where it has several.
pub(super) fn on(service: &Service, port: u16) -> String {
    if service.ports.is_empty() {
        format!("`{}`", service.name)
    } else {
        format!("`{}` port {port}", service.name)
    }
}
