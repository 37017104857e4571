//! Strict mTLS as the profile sets it: a client without a sidecar is refused at the connection by
//! every workload whose mode (the mesh's, the service's, or its container port's) is STRICT,
//! before any authorization policy is read. The authorization proofs alone cannot tell: a
//! plaintext request that a policy refuses looks the same as one the connection refuses, yet only
//! the second holds when a policy admits requests by token alone.

use crate::diagnostic::Diagnostic;
use crate::model::{MtlsMode, Profile};
use crate::simulate::{Mesh, Origin, Outcome, Request};
use crate::topology;

use super::expect::describe;
use super::guarantees::broken;

pub(super) fn check(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    for service in &profile.services {
        let mode = service
            .port_mtls
            .iter()
            .find(|(port, _)| *port == service.target_port)
            .map(|(_, mode)| *mode)
            .or(service.mtls)
            .unwrap_or(profile.security.mtls);
        if mode != MtlsMode::Strict {
            continue;
        }
        let request = Request::new(Origin::Plaintext, topology::host(profile, service));
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
                    "a plaintext GET / to `{}` is not refused at the connection: {}",
                    service.name,
                    describe(profile, &trace)
                ),
            ));
        }
    }
}
