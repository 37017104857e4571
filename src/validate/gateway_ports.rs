//! A gateway route's `port`: the service port it sends to, by name. Istio sends a route's
//! requests to the port its destination names (networking/v1 virtual_service.proto,
//! `Destination.port`), so the name must be one of the service's `ports`, and an HTTP one:
//! the gateway forwards HTTP requests, which a TCP or TLS port would not read.

use super::Checker;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Name;
use crate::profile::raw::{RawGatewayRoute, RawService};

/// The port-name prefixes Istio reads as HTTP (protocol selection).
const HTTP_PREFIXES: [&str; 3] = ["http", "http2", "grpc"];

impl Checker {
    /// The route's `port`, checked against the target service's `ports`; `Some(None)` when it
    /// names none, or when the service itself is unknown (reported at `service`).
    pub(super) fn gateway_route_port(
        &mut self,
        route: &RawGatewayRoute,
        target: Option<&RawService>,
    ) -> Option<Option<Name>> {
        let Some(name) = &route.port else {
            return Some(None);
        };
        let Some(target) = target else {
            return Some(None);
        };
        let declared: Vec<&str> = target
            .ports
            .as_ref()
            .map(|ports| ports.value.iter().map(|p| p.name.as_str()).collect())
            .unwrap_or_default();
        let Some(port) = target
            .ports
            .iter()
            .flat_map(|ports| &ports.value)
            .find(|p| p.name.as_str() == name.as_str())
        else {
            self.report(
                Diagnostic::new(
                    Code::UnknownPort,
                    name.span(),
                    format!(
                        "`{}` is not a port of service `{}`",
                        name.as_str(),
                        route.service.as_str()
                    ),
                )
                .label("unknown port")
                .help(if declared.is_empty() {
                    "the service declares one `port` and no port names; declare `ports` to name them, or leave `port` out".to_string()
                } else {
                    format!("its ports are {}", declared.join(", "))
                }),
            );
            return None;
        };
        let prefix = name.as_str().split('-').next().unwrap_or_default();
        if !HTTP_PREFIXES.contains(&prefix) {
            let http: Vec<&str> = declared
                .iter()
                .copied()
                .filter(|d| HTTP_PREFIXES.contains(&d.split('-').next().unwrap_or_default()))
                .collect();
            self.report(
                Diagnostic::new(
                    Code::PortProtocol,
                    name.span(),
                    format!(
                        "port `{}` of service `{}` does not carry HTTP, and a gateway route sends HTTP requests",
                        name.as_str(),
                        route.service.as_str()
                    ),
                )
                .label("not an HTTP port")
                .secondary(port.name.span(), "declared here")
                .help(format!("name one of its HTTP ports: {}", http.join(", "))),
            );
            return None;
        }
        Some(Name::parse(name.as_str()).ok())
    }
}
