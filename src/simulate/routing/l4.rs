//! Which `tls` or `tcp` route of a VirtualService takes a connection (istio/api
//! networking/v1 virtual_service.proto `TLSRoute`, `TCPRoute`: "the first rule matching an
//! incoming request is used"; istio/istio pilot/pkg/networking/core/tls.go
//! `buildSidecarOutboundTLSFilterChainOpts`, `buildSidecarOutboundTCPFilterChainOpts`, and
//! gateway.go `buildGatewayNetworkFiltersFromTCPRoutes`). On a TLS port only the `tls` routes
//! apply, each by port and server name (`sniHosts`, a `*.` name covering the names below it);
//! on a TCP port, and behind a gateway server that terminates TLS, only the `tcp` routes
//! (virtual_service.proto: `tcp` routes apply to "any port that is not a HTTP or TLS port";
//! `buildSidecarOutboundTCPFilterChainOpts` builds nothing for a TLS port). The entries of
//! `match` are ORed, the fields of one entry ANDed, and an entry's `gateways` replace the
//! VirtualService's own.
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
pub(crate) fn covers(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix('*') {
        Some("") => true,
        Some(suffix) => name.len() > suffix.len() && name.ends_with(suffix),
        None => pattern == name,
    }
}

fn matches(m: &L4Match, route: &L4Route, connection: &Connection<'_>) -> Result<bool, String> {
    if route.tls {
        let Some(sni) = connection.sni else {
            return Ok(false);
        };
        if !m.sni_hosts.iter().any(|h| covers(h, sni)) {
            return Ok(false);
        }
    }
    holds(m, connection)
}

/// Whether the fields of a match that pilot decides when it builds the proxy's listener hold
/// for the connection: all but the server name, which Envoy reads from each connection.
fn holds(m: &L4Match, connection: &Connection<'_>) -> Result<bool, String> {
    if m.port.is_some_and(|p| p != connection.port)
        || (!m.gateways.is_empty() && !m.gateways.iter().any(|g| g == connection.gateway))
    {
        return Ok(false);
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
        for (i, route) in self.l4.iter().enumerate() {
            if route.tls != connection.sni.is_some() {
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

    /// Whether a sidecar's connection takes the host's default route although this
    /// VirtualService is bound to the host: on a TLS port, when no `tls` route has a match
    /// that holds for the proxy and port whatever the server name (pilot's `hasTLSMatch` in
    /// `buildSidecarOutboundTLSFilterChainOpts`: "HTTPS or TLS ports without associated
    /// virtual service"); on a TCP port, when no `tcp` route takes it (`defaultRouteAdded` in
    /// `buildSidecarOutboundTCPFilterChainOpts`). A TLS connection whose server name alone no
    /// route covers has no such fallback: its filter chains are the routes', and the
    /// listener's default chain takes it (`Mesh::unmatched_server_name`).
    pub(crate) fn leaves_to_default(&self, connection: &Connection<'_>) -> Result<bool, String> {
        if connection.sni.is_none() {
            return self.first_l4(connection).map(|first| first.is_none());
        }
        let mut unknown = None;
        for m in self.l4.iter().filter(|r| r.tls).flat_map(|r| &r.matches) {
            match holds(m, connection) {
                Ok(true) => return Ok(false),
                Ok(false) => {}
                Err(what) => unknown = unknown.or(Some(what)),
            }
        }
        unknown.map_or(Ok(true), Err)
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
    fn tls_routes_match_port_and_server_name_and_tcp_routes_match_port() {
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
        // A TLS connection never takes a `tcp` route, though one matches its port.
        assert_eq!(
            vs.first_l4(&at(5432, Some("a.example.com"), "mesh")),
            Ok(None)
        );
        assert_eq!(vs.first_l4(&at(5432, None, "mesh")), Ok(Some(3)));
        // Short destination names are the VirtualService's namespace's.
        assert_eq!(vs.l4[3].destinations[0].host, "db.ns.svc.cluster.local");
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

    /// Pilot gives a sidecar's port the host's default route where no route of the port's
    /// kind applies: on a TLS port no `tls` match holds whatever the server name, on a TCP
    /// port no `tcp` route takes the connection.
    #[test]
    fn a_port_no_route_of_its_kind_applies_to_leaves_to_the_default_route() {
        let vs = compiled(
            "  hosts: [a.example.com]\n  tls:\n  - match: [{port: 443, sniHosts: [a.example.com]}]\n    route: [{destination: {host: gw}}]\n\
             \x20 tcp:\n  - match: [{port: 5432}]\n    route: [{destination: {host: db}}]\n",
        );
        let leaves = |port, sni| vs.leaves_to_default(&at(port, sni, "mesh"));
        // A `tls` match holds on 443: the server name decides, with no fallback.
        assert_eq!(leaves(443, Some("a.example.com")), Ok(false));
        assert_eq!(leaves(443, Some("b.example.com")), Ok(false));
        // On a TLS port 5432 the `tcp` route does not count, and no `tls` match holds.
        assert_eq!(leaves(5432, Some("a.example.com")), Ok(true));
        // A TCP port: the `tcp` route takes 5432, none takes 443.
        assert_eq!(leaves(5432, None), Ok(false));
        assert_eq!(leaves(443, None), Ok(true));
        // A match bound to another gateway holds nowhere on the mesh.
        let gateway_only = compiled(
            "  hosts: [a.example.com]\n  tls:\n  - match: [{gateways: [egress], sniHosts: [a.example.com]}]\n    route: [{destination: {host: gw}}]\n",
        );
        assert_eq!(
            gateway_only.leaves_to_default(&at(443, Some("a.example.com"), "mesh")),
            Ok(true)
        );
    }

    /// A field the simulator does not model decides whether a match holds only where
    /// nothing else does: one match that holds is enough.
    #[test]
    fn an_unmodelled_match_field_leaves_the_fallback_unknown_unless_another_match_holds() {
        let tls = |second: &str| {
            compiled(&format!(
                "  hosts: [a.example.com]\n  tls:\n  - match: [{{port: 443, sniHosts: [a.example.com], sourceNamespace: x}}]\n    route: [{{destination: {{host: gw}}}}]\n\
                 \x20 - match: [{{port: {second}, sniHosts: [b.example.com]}}]\n    route: [{{destination: {{host: gw}}}}]\n",
            ))
        };
        let at_443 = at(443, Some("c.example.com"), "mesh");
        assert!(
            tls("8443")
                .leaves_to_default(&at_443)
                .unwrap_err()
                .contains("sourceNamespace")
        );
        assert_eq!(tls("443").leaves_to_default(&at_443), Ok(false));
        // A match that fails on its port is decided without the field.
        assert_eq!(
            tls("8443").leaves_to_default(&at(9443, Some("c.example.com"), "mesh")),
            Ok(true)
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
