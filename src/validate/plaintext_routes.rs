//! Gateway routes that no request can use because their service's mTLS is disabled.
//!
//! A service behind a gateway route admits the route's requests by the gateway's identity, the
//! `principals` of its ALLOW policy. An identity comes from the peer certificate of mTLS: with
//! the service's mode DISABLE (the `disabled-mtls` opt-in, mesh-wide or for the service) the
//! gateway's proxy sends plain text, the request carries no peer identity, and the policy
//! refuses every request of the route (istio-rules.md §7, PeerAuthentication: "under DISABLE
//! the peer identity (`source.principal`, `source.namespace`) is empty"; `meshc query` shows
//! the 403). The
//! opt-in's own warning says traffic is plain text, not that the gateway is locked out, so the
//! lockout gets its own.

use std::collections::BTreeMap;

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Gateway, MtlsMode, Name, Security, Service};
use crate::profile::Sp;
use crate::profile::raw::RawProfile;

impl Checker {
    /// One warning per gateway route whose service's workloads accept only plain text, at the
    /// setting that disables mTLS for it (the service's own, or the mesh's).
    pub(super) fn plaintext_gateway_routes(
        &mut self,
        raw: &RawProfile,
        security: &Security,
        gateways: &[Gateway],
        services: &[Service],
    ) {
        // Looked up among the plain-text services only, by name: a search through every
        // service for each route was 26 ms at 10,000 services, on one core before anything
        // else could start (benches/README.md). Names are unique: the services are a table
        // by name.
        let mut plaintext: BTreeMap<&Name, &Service> = BTreeMap::new();
        for service in services
            .iter()
            .filter(|s| s.mtls.unwrap_or(security.mtls) == MtlsMode::Disable)
        {
            plaintext.entry(&service.name).or_insert(service);
        }
        for route in gateways.iter().flat_map(|g| &g.routes) {
            let Some(service) = plaintext.get(&route.service) else {
                continue;
            };
            let own = raw
                .services
                .get(service.name.as_str())
                .and_then(|s| s.mtls.as_ref())
                .map(Sp::span);
            let (span, whose) = match (own, raw.security.mtls.as_ref()) {
                (Some(span), _) => (span, format!("`{}`'s own mTLS mode", service.name)),
                (None, Some(mesh)) => (mesh.span(), "the mesh's mTLS mode".to_string()),
                // A DISABLE mode is always written in the profile; nothing to point at otherwise.
                (None, None) => continue,
            };
            self.report(
                Diagnostic::new(
                    Code::PlaintextGatewayRoute,
                    span,
                    format!(
                        "gateway route `{}` can never reach `{}`: {whose} is DISABLE, so the \
                         gateway's requests carry no identity, and `{}` admits the gateway by \
                         its identity; every request of the route is refused (403)",
                        route.name, service.name, service.name
                    ),
                )
                .label("plain text: no peer identity")
                .secondary(route.span.clone(), "every request of this route is refused")
                .help(format!(
                    "keep mTLS on for `{}` (STRICT, or PERMISSIVE while clients move to \
                     mTLS), or remove the route",
                    service.name
                )),
            );
        }
    }
}
