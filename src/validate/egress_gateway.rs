//! `egress = "gateway"` on an external service: its requests leave through the egress gateway
//! (Istio's recipe, istio.io "Egress Gateways" and "Egress Gateways with TLS Origination").
//!
//! The gateway resolves the host by DNS and reads the requests, so the service needs one exact
//! host (a wildcard's `resolution: NONE` would send the gateway's traffic back to itself, as the
//! recipe warns) and HTTP the gateway sees: plain HTTP, or plain HTTP from the application with
//! TLS originated at the gateway. That is also what lets the gateway's policy check the callers'
//! methods and paths.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{ExternalProtocol, Host};
use crate::profile::raw::{EgressPath, RawExternalService, RawProfile};

impl Checker {
    /// Whether the service asks for the egress gateway; reports what that needs and is
    /// missing.
    pub(super) fn egress_path(
        &mut self,
        raw: &RawExternalService,
        hosts: Option<&[Host]>,
        protocol: ExternalProtocol,
        originate: bool,
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
        if let Some(hosts) = hosts
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
        let readable = protocol == ExternalProtocol::Http
            || (protocol == ExternalProtocol::Https && originate);
        if !readable {
            let what = match protocol {
                ExternalProtocol::Https => "the application's own TLS",
                ExternalProtocol::Tls => "TLS",
                ExternalProtocol::Http | ExternalProtocol::Tcp => "TCP",
            };
            self.report(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    path.span(),
                    format!("meshc routes only HTTP through the egress gateway, not {what}"),
                )
                .help("set `tls-origination = true` (the application speaks plain HTTP and the gateway originates TLS), or `protocol = \"http\"`; or remove `egress`"),
            );
        }
        true
    }
}
