//! Strict mTLS as the profile sets it: a client without a sidecar is refused at the connection by
//! every workload whose mode (the mesh's, the service's, or its container port's) is STRICT,
//! before any authorization policy is read. The authorization proofs alone cannot tell: a
//! plaintext request that a policy refuses looks the same as one the connection refuses, yet only
//! the second holds when a policy admits requests by token alone.

use crate::diagnostic::Diagnostic;
use crate::model::{MtlsMode, Profile, Service};
use crate::simulate::{Mesh, Origin, Outcome, Request};
use crate::topology;

use super::expect::describe;
use super::guarantees::broken;

pub(super) fn check(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    for service in &profile.services {
        // Every port of the service, each with the mode of its container port.
        let ports: Vec<(u16, crate::model::Port)> = if service.ports.is_empty() {
            vec![(service.port.get(), service.target_port)]
        } else {
            service
                .ports
                .iter()
                .map(|p| (p.port.get(), p.target_port))
                .collect()
        };
        for (port, target_port) in ports {
            strict_port(mesh, profile, service, port, target_port, failed);
        }
    }
}

/// A plaintext request to one port of `service` is refused at the connection when the port's
/// mode is STRICT.
fn strict_port(
    mesh: &Mesh,
    profile: &Profile,
    service: &Service,
    port: u16,
    target_port: crate::model::Port,
    failed: &mut Vec<Diagnostic>,
) {
    let mode = service
        .port_mtls
        .iter()
        .find(|(p, _)| *p == target_port)
        .map(|(_, mode)| *mode)
        .or(service.mtls)
        .unwrap_or(profile.security.mtls);
    if mode != MtlsMode::Strict {
        return;
    }
    let request = Request::new(Origin::Plaintext, topology::host(service)).port(port);
    let trace = mesh.evaluate(&request);
    let endings = trace.endings();
    let refused = !endings.is_empty() && endings.iter().all(|(_, o)| **o == Outcome::Refused);
    if !refused {
        // A service has no place of its own in the profile; its first caller rule is the
        // nearest, else the profile's start.
        let span = service.callers.first().map_or(0..0, |c| c.span.clone());
        failed.push(broken(
            span,
            "strict mTLS refuses a client without a sidecar",
            &format!(
                "a plaintext GET / to `{}` on port {port} is not refused at the connection: {}",
                service.name,
                describe(profile, &trace)
            ),
        ));
    }
}
