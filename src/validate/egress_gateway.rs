//! `egress = "gateway"` on an external service: its requests leave through the egress gateway
//! (Istio's recipe, istio.io "Egress Gateways" and "Egress Gateways with TLS Origination"; for
//! TLS and TCP, "Egress using Wildcard Hosts").
//!
//! The gateway resolves the host by DNS, so the service needs one exact host (a wildcard's
//! `resolution: NONE` would send the gateway's traffic back to itself, as the recipe warns).
//! Plain HTTP (the application's, or with TLS originated at the gateway) is read by the gateway,
//! whose policy then checks the callers' methods and paths; the application's own TLS, and TCP,
//! pass through it inside Istio mTLS, where only the caller and the server name are known.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Host;
use crate::profile::raw::{EgressPath, ExternalProtocol, RawExternalService, RawProfile};

impl Checker {
    /// Whether the service asks for the egress gateway; reports what that needs and is
    /// missing.
    pub(super) fn egress_path(
        &mut self,
        raw: &RawExternalService,
        hosts: Option<&[Host]>,
        profile: &RawProfile,
    ) -> bool {
        let Some(path) = raw
            .egress
            .as_ref()
            .filter(|p| p.value == EgressPath::Gateway)
        else {
            return false;
        };
        let installed = profile
            .control_plane
            .egress_gateway
            .as_ref()
            .is_some_and(|e| e.value);
        if !installed {
            self.report(
                Diagnostic::new(
                    Code::MissingDependency,
                    path.span(),
                    "`egress = \"gateway\"` needs the egress gateway",
                )
                .label("no egress gateway is installed")
                .help("install it with `egress-gateway = true` in `[control-plane]`, or remove `egress`"),
            );
        }
        // TCP's own check says it already: a TCP service has one exact host.
        let tcp = raw
            .protocol
            .as_ref()
            .is_some_and(|p| p.value == ExternalProtocol::Tcp);
        if let Some(hosts) = hosts.filter(|_| !tcp)
            && (hosts.len() != 1 || hosts.iter().any(Host::is_wildcard))
        {
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    path.span(),
                    "the egress gateway needs one exact host",
                )
                .label(if hosts.len() == 1 {
                    "the host is a wildcard".to_string()
                } else {
                    format!("{} hosts", hosts.len())
                })
                .help("the gateway resolves the host by DNS (a wildcard would send its traffic back to itself); declare one external service per host"),
            );
        }
        true
    }
}
