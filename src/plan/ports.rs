//! The routes of a service with several HTTP ports. A VirtualService's HTTP routes apply to
//! every HTTP port of its host, and a destination that names one port sends every request
//! there (networking/v1 virtual_service.proto, `Destination.port`: required when the service
//! has several ports). So each further HTTP port gets its own copy of the service's routes,
//! matched on that port (`match.port`) and sent to it, tried before the main port's routes.
//! TCP, TLS and HTTPS ports get no routes: without a TCP or TLS route Istio sends a
//! connection to the port it was addressed to, through the DestinationRule's traffic policy.

use super::virtual_service::{HttpRoute, RouteMatch};
use crate::model::Service;

/// The service's routes for every HTTP port: copies for each further port, then the main
/// port's own.
pub(super) fn for_every_port(service: &Service, routes: Vec<HttpRoute>) -> Vec<HttpRoute> {
    let further: Vec<_> = service
        .ports
        .iter()
        .skip(1)
        .filter(|p| p.protocol.is_http())
        .collect();
    if further.is_empty() {
        return routes;
    }
    let mut all = Vec::with_capacity(routes.len() * (further.len() + 1));
    for port in further {
        for route in &routes {
            let mut copy = route.clone();
            copy.name = format!("{}-{}", route.name, port.name);
            if copy.matches.is_empty() {
                copy.matches.push(RouteMatch {
                    uri: None,
                    method: None,
                    headers: Vec::new(),
                    port: None,
                    header_regexes: Vec::new(),
                    gateways: Vec::new(),
                });
            }
            for condition in &mut copy.matches {
                condition.port = Some(port.port);
            }
            for destination in &mut copy.destinations {
                destination.port = Some(port.port);
            }
            all.push(copy);
        }
    }
    all.extend(routes);
    all
}
