//! Which `tls` or `tcp` route of a VirtualService takes a connection (istio/api
//! networking/v1 virtual_service.proto `TLSRoute`, `TCPRoute`: "the first rule matching an
//! incoming request is used"; istio/istio pilot/pkg/networking/core/tls.go
//! `buildSidecarOutboundTLSFilterChainOpts`, `buildSidecarOutboundTCPFilterChainOpts`, and
//! gateway.go `buildGatewayNetworkFiltersFromTCPRoutes`). On a TLS port the `tls` routes are
//! tried first, each by port and server name (`sniHosts`, a `*.` name covering the names below
//! it), then the `tcp` routes by port; on a TCP port, and behind a gateway server that
//! terminates TLS, only the `tcp` routes. The entries of `match` are ORed, the fields of one
//! entry ANDed, and an entry's `gateways` replace the VirtualService's own.
//!
//! Envoy picks a TLS filter chain by the most specific server name rather than by order; the
//! first route in order is the same route whenever the `sniHosts` of the routes do not
//! overlap, as meshc renders them.

use crate::simulate::decode::{L4Match, L4Route};

use super::virtual_service::Compiled;

/// The connection as route matching sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Connection<'a> {
    /// The listener's port.
    pub port: u32,
    /// The server name of a TLS connection the proxy reads but does not terminate; `None`:
    /// plain TCP (or TLS the proxy terminated), where only `tcp` routes apply.
    pub sni: Option<&'a str>,
    /// `namespace/name` of the Gateway, or `mesh`.
    pub gateway: &'a str,
}

/// Whether a `sniHosts` entry covers `name` (lower case).
fn covers(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix('*') {
        Some("") => true,
        Some(suffix) => name.len() > suffix.len() && name.ends_with(suffix),
        None => pattern == name,
    }
}

fn matches(m: &L4Match, route: &L4Route, connection: &Connection<'_>) -> Result<bool, String> {
    if m.port.is_some_and(|p| p != connection.port)
        || (!m.gateways.is_empty() && !m.gateways.iter().any(|g| g == connection.gateway))
    {
        return Ok(false);
    }
    if route.tls {
        let Some(sni) = connection.sni else {
            return Ok(false);
        };
        if !m.sni_hosts.iter().any(|h| covers(h, sni)) {
            return Ok(false);
        }
    }
    match &m.unmodelled {
        Some(field) => Err(format!("`{field}` in a match of a `tls` or `tcp` route")),
        None => Ok(true),
    }
}

impl Compiled {
    /// The index (in [`VirtualService::l4`](crate::simulate::decode::VirtualService)) of the
    /// first `tls` or `tcp` route that takes the connection; `Err` names a match field that
    /// decides it and is not modelled.
    pub(crate) fn first_l4(&self, connection: &Connection<'_>) -> Result<Option<usize>, String> {
        for (i, route) in self.spec.l4.iter().enumerate() {
            if route.tls && connection.sni.is_none() {
                continue;
            }
            if route.matches.is_empty() {
                if route.tls {
                    // A `tls` route without a match takes nothing: the webhook refuses it.
                    continue;
                }
                return Ok(Some(i));
            }
            for m in &route.matches {
                if matches(m, route, connection)? {
                    return Ok(Some(i));
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::testing::resources;

    fn compiled(spec: &str) -> Compiled {
        let yaml = format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: v, namespace: ns}}\nspec:\n{spec}"
        );
        let vs = resources(&yaml).virtual_services.remove(0);
        Compiled::new(vs).unwrap()
    }

    fn at<'a>(port: u32, sni: Option<&'a str>, gateway: &'a str) -> Connection<'a> {
        Connection { port, sni, gateway }
    }

    #[test]
    fn tls_routes_match_port_and_server_name_then_tcp_routes_match_port() {
        let vs = compiled(
            "  hosts: [a.example.com]\n  gateways: [mesh, egress]\n\
             \x20 tls:\n  - match: [{gateways: [mesh], port: 443, sniHosts: [a.example.com]}]\n    route: [{destination: {host: gw}}]\n\
             \x20 - match: [{port: 443, sniHosts: ['*.example.org']}]\n    route: [{destination: {host: org}}]\n\
             \x20 tcp:\n  - match: [{gateways: [egress], port: 443}]\n    route: [{destination: {host: a.example.com}}]\n\
             \x20 - match: [{port: 5432}]\n    route: [{destination: {host: db}}]\n",
        );
        assert_eq!(
            vs.first_l4(&at(443, Some("a.example.com"), "mesh")),
            Ok(Some(0))
        );
        // Another server name, port or gateway: not the first route.
        assert_eq!(
            vs.first_l4(&at(443, Some("b.example.com"), "mesh")),
            Ok(None)
        );
        assert_eq!(
            vs.first_l4(&at(8443, Some("a.example.com"), "mesh")),
            Ok(None)
        );
        assert_eq!(
            vs.first_l4(&at(443, Some("a.example.com"), "ns/other")),
            Ok(None)
        );
        // A wildcard covers the names below it, not itself.
        assert_eq!(
            vs.first_l4(&at(443, Some("x.example.org"), "mesh")),
            Ok(Some(1))
        );
        assert_eq!(vs.first_l4(&at(443, Some("example.org"), "mesh")), Ok(None));
        // Behind the gateway the TLS is terminated: only `tcp` routes, by port and gateway.
        assert_eq!(vs.first_l4(&at(443, None, "ns/egress")), Ok(Some(2)));
        assert_eq!(vs.first_l4(&at(443, None, "mesh")), Ok(None));
        // A TLS connection that no `tls` route takes goes on to the `tcp` routes.
        assert_eq!(
            vs.first_l4(&at(5432, Some("a.example.com"), "mesh")),
            Ok(Some(3))
        );
        assert_eq!(vs.first_l4(&at(5432, None, "mesh")), Ok(Some(3)));
        // Short destination names are the VirtualService's namespace's.
        assert_eq!(
            vs.spec.l4[3].destinations[0].host,
            "db.ns.svc.cluster.local"
        );
    }

    #[test]
    fn a_tcp_route_without_match_takes_everything_and_unmodelled_fields_say_so() {
        let vs = compiled(
            "  hosts: [a]\n  tcp:\n  - match: [{port: 1, sourceLabels: {app: x}}]\n    route: [{destination: {host: a}}]\n\
             \x20 - route: [{destination: {host: b}}]\n",
        );
        assert_eq!(vs.first_l4(&at(2, None, "mesh")), Ok(Some(1)));
        assert!(
            vs.first_l4(&at(1, None, "mesh"))
                .unwrap_err()
                .contains("sourceLabels")
        );
    }

    #[test]
    fn server_names() {
        assert!(covers("A.example.com", "a.example.com"));
        assert!(covers("*", "a.example.com"));
        assert!(covers("*.example.com", "a.b.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        // The wildcard stands for at least one character.
        assert!(!covers("*.example.com", ".example.com"));
        assert!(!covers("a.example.com", "b.example.com"));
    }
}
