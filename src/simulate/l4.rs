//! TLS and TCP connections routed by a VirtualService's `tls` and `tcp` routes: a sidecar's
//! connection to a ServiceEntry port of protocol TLS, HTTPS or TCP (its `tls` routes read the
//! server name the application sends), and a gateway server of protocol TLS that terminates
//! Istio mTLS and proxies what it carries by its `tcp` routes, as Istio's egress recipes send
//! TLS and TCP through the egress gateway (istio/istio.io
//! content/en/docs/tasks/traffic-management/egress/wildcard-egress-hosts/index.md, "Configure
//! traffic through egress gateway with SNI proxy": a `tls` route bound to the mesh sends to the
//! gateway's subset with `ISTIO_MUTUAL`, a `tcp` route bound to the gateway sends on).
//!
//! The request's method, path and headers stand for nothing here: only the port, the server
//! name and the identities decide.

use super::decode::OutboundPolicy;
use super::evaluate::{Sender, Target};
use super::guard::Carried;
use super::mesh::Mesh;
use super::request::Request;
use super::reuse::Reuse;
use super::routing::gateway::Table;
use super::routing::l4::{Connection, covers};
use super::trace::{Decider, Hop, Outcome, Part, Step, Trace};

impl Mesh {
    /// Whether a connection to `target` on `port` is TLS (`Some(true)`) or TCP
    /// (`Some(false)`) by the ServiceEntry's port protocol; `None` for HTTP and Services.
    pub(crate) fn l4_port(&self, target: &Target<'_>, port: u16) -> Option<bool> {
        let Target::Entry(i, _) = target else {
            return None;
        };
        let entry = &self.service_entries[*i];
        let k = entry.ports.iter().position(|p| *p == u32::from(port))?;
        match entry.protocols.get(k).map(String::as_str) {
            Some("TLS" | "HTTPS") => Some(true),
            Some("TCP" | "MONGO" | "MYSQL" | "REDIS") => Some(false),
            _ => None,
        }
    }

    /// Whether a gateway route table is a TLS server's, whose connections go on by `tcp`
    /// routes.
    pub(crate) fn terminates_to_tcp(&self, table: &Table) -> bool {
        table
            .servers
            .first()
            .is_some_and(|&(g, s)| self.gateways[g].servers[s].protocol == "TLS")
    }

    /// A sidecar's TLS (`sni` set) or TCP connection, routed by VirtualService `v`, which
    /// has a route of the connection's kind that applies to its port.
    pub(crate) fn l4_from_sidecar<'m>(
        &'m self,
        mut hop: Hop<'m>,
        v: usize,
        connection: &Connection<'_>,
        carried: &Carried<'_>,
        sender: &Sender<'_, 'm>,
        request: &Request,
    ) -> Trace<'m> {
        match (self.first_l4_route(&[v], connection), connection.sni) {
            (Ok(Some((v, i))), _) => self.l4_route(hop, v, i, carried, sender, request),
            (Ok(None), Some(sni)) => {
                let target = match self.resolve(&request.host, Some(sender.namespace)) {
                    Target::Entry(e, host) => Some((e, host)),
                    _ => None,
                };
                self.unmatched_server_name(&mut hop, v, connection.port, sni, target);
                Trace::ended(hop)
            }
            (Ok(None), None) => no_route(hop, connection.port),
            (Err(what), _) => unmodelled_match(hop, &what),
        }
    }

    /// A connection a gateway's TLS server terminated, routed by the `tcp` routes of the
    /// VirtualServices bound to it for the server's hosts.
    pub(crate) fn l4_at_gateway<'m>(
        &'m self,
        hop: Hop<'m>,
        table: &'m Table,
        port: u16,
        carried: &Carried<'_>,
        sender: &Sender<'_, 'm>,
        request: &Request,
    ) -> Trace<'m> {
        let mut services: Vec<usize> = table
            .vhosts
            .iter()
            .flat_map(|v| v.services.iter().copied())
            .collect();
        services.sort_unstable();
        services.dedup();
        let Some(gateway) = table
            .servers
            .first()
            .map(|&(g, _)| self.gateway_names[g].as_str())
        else {
            return Trace::ended(hop);
        };
        let connection = Connection {
            port: u32::from(port),
            sni: None,
            gateway,
        };
        match self.first_l4_route(&services, &connection) {
            Ok(Some((v, i))) => self.l4_route(hop, v, i, carried, sender, request),
            Ok(None) => no_route(hop, connection.port),
            Err(what) => unmodelled_match(hop, &what),
        }
    }

    /// A sidecar's TLS connection on a port where a `tls` match of VirtualService `v` holds,
    /// whose server name `sni` no route of it covers. Pilot builds the host no filter chain of
    /// its own then (istio/istio pilot/pkg/networking/core/tls.go
    /// `buildSidecarOutboundTLSFilterChainOpts`: the chain to the host's cluster only
    /// `if !hasTLSMatch`), and gives every outbound listener without a match-all chain the
    /// default chain `PassthroughFilterChain` (listener.go `buildListenerFromEntry`), which
    /// Envoy uses when no chain matches (envoyproxy/envoy api/envoy/config/listener/v3/
    /// listener.proto `default_filter_chain`): to PassthroughCluster under ALLOW_ANY, to
    /// BlackHoleCluster under REGISTRY_ONLY (listener_builder.go
    /// `buildOutboundCatchAllNetworkFiltersOnly`). `target` is the entry (index) and host
    /// the connection is for.
    fn unmatched_server_name(
        &self,
        hop: &mut Hop<'_>,
        v: usize,
        port: u32,
        sni: &str,
        target: Option<(usize, &str)>,
    ) {
        let vs = &self.virtual_services[v];
        let connection = Connection {
            port,
            sni: Some(sni),
            gateway: "mesh",
        };
        if let Err(what) = vs.leaves_to_default(&connection) {
            let why =
                format!("whether pilot builds the host its default filter chain depends on {what}");
            hop.end(Outcome::not_modelled(why), None);
            return;
        }
        let meta = &vs.meta;
        hop.note(format!(
            "no `tls` route of VirtualService {}/{} covers server name `{sni}` on port {port}, and one applies to the port, so the host has no default filter chain",
            meta.namespace, meta.name
        ));
        if let Some(other) = self.other_chain(v, &connection, sni, target) {
            let why = format!(
                "whether the filter chain of {other} takes server name `{sni}` on port {port}: it does if both listen on 0.0.0.0:{port}, which depends on addresses the simulator is not given (ServiceEntry `addresses`, or those Istio allocates when the proxy captures DNS)"
            );
            hop.end(Outcome::not_modelled(why), None);
            return;
        }
        match self.settings.outbound {
            OutboundPolicy::RegistryOnly => {
                hop.note("the listener's default filter chain sends it to BlackHoleCluster (outboundTrafficPolicy REGISTRY_ONLY)");
                hop.end(Outcome::Refused, None);
            }
            OutboundPolicy::AllowAny => {
                let why = "passthrough (outboundTrafficPolicy ALLOW_ANY) to the address the application dialed, which the resources do not give: the host's own, or one Istio allocated when the proxy captures DNS";
                hop.end(Outcome::not_modelled(why), None);
            }
        }
    }

    /// A filter chain that may take server name `sni` on the connection's port if its
    /// service shares the listener of the host `target`, named: a `tls` route of another
    /// VirtualService bound to the mesh that covers the name, the default chain of another
    /// entry host of protocol TLS or HTTPS that covers it (tls.go: the chain matches the
    /// host's name on a listener bound to 0.0.0.0), or that of an entry port of TCP or of no
    /// protocol, which matches every name (tls.go `buildSidecarOutboundTCPFilterChainOpts`;
    /// `isMatchAll` makes it the listener's default chain in `buildListenerFromEntry`).
    /// Kubernetes Services listen on their cluster IP, and the HTTP chains of a shared
    /// listener match plaintext only (listener.go `buildSidecarOutboundListener`:
    /// `plaintextHTTPALPNs`, raw_buffer), so neither takes it.
    fn other_chain(
        &self,
        v: usize,
        connection: &Connection<'_>,
        sni: &str,
        target: Option<(usize, &str)>,
    ) -> Option<String> {
        let routed = self
            .virtual_services
            .iter()
            .enumerate()
            .find(|&(w, vs)| w != v && vs.binds("mesh") && vs.first_l4(connection) != Ok(None));
        if let Some((_, vs)) = routed {
            let meta = &vs.meta;
            return Some(format!("VirtualService {}/{}", meta.namespace, meta.name));
        }
        self.service_entries
            .iter()
            .enumerate()
            .find_map(|(e, entry)| {
                let k = entry.ports.iter().position(|&p| p == connection.port)?;
                let protocol = entry.protocols.get(k).map_or("", String::as_str);
                let host = entry.hosts.iter().find(|host| {
                    target != Some((e, host.as_str()))
                        && match protocol {
                            "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" => false,
                            "TLS" | "HTTPS" => covers(host, sni),
                            _ => true,
                        }
                })?;
                Some(format!(
                    "ServiceEntry {}/{} (host `{host}`, {})",
                    entry.meta.namespace,
                    entry.meta.name,
                    if protocol.is_empty() {
                        "no protocol"
                    } else {
                        protocol
                    }
                ))
            })
    }

    /// The first route of `services` (in order) that takes the connection: the
    /// VirtualService and the index of the route; `Err` names a match field that decides it
    /// and is not modelled.
    fn first_l4_route(
        &self,
        services: &[usize],
        connection: &Connection<'_>,
    ) -> Result<Option<(usize, usize)>, String> {
        for &v in services {
            if let Some(i) = self.virtual_services[v].first_l4(connection)? {
                return Ok(Some((v, i)));
            }
        }
        Ok(None)
    }

    /// Route `i` of VirtualService `v`, and its destinations.
    fn l4_route<'m>(
        &'m self,
        mut hop: Hop<'m>,
        v: usize,
        i: usize,
        carried: &Carried<'_>,
        sender: &Sender<'_, 'm>,
        request: &Request,
    ) -> Trace<'m> {
        let vs = &self.virtual_services[v];
        let route = &vs.l4[i];
        let before = vs.l4[..i].iter().filter(|r| r.tls == route.tls).count();
        let by = Decider {
            kind: "VirtualService",
            namespace: &vs.meta.namespace,
            name: &vs.meta.name,
            part: if route.tls {
                Part::Tls(before)
            } else {
                Part::Tcp(before)
            },
        };
        hop.steps.push(Step::Route {
            by,
            name: None,
            timeout: None,
            retries: None,
        });
        if route.destinations.is_empty() {
            hop.end(
                Outcome::not_modelled("a rule without a destination"),
                Some(by),
            );
            return Trace::ended(hop);
        }
        let mut carried = carried.clone();
        carried.l4 = true;
        let single = route.destinations.len() == 1;
        let mut branches = Vec::new();
        let mut reuse = Reuse::default();
        for destination in &route.destinations {
            let weight = destination.weight.unwrap_or(if single { 100 } else { 0 });
            if weight == 0 {
                continue;
            }
            let port = destination
                .port
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(sender.listener);
            let branch = self.deliver(
                &destination.host,
                destination.subset.as_deref(),
                port,
                weight,
                &carried,
                sender,
                request,
                &mut branches,
                &mut reuse,
            );
            branches.push(branch);
        }
        Trace {
            entry: Some(hop),
            branches,
        }
    }
}

fn no_route(mut hop: Hop<'_>, port: u32) -> Trace<'_> {
    hop.note(format!(
        "no `tls` or `tcp` route takes the connection on port {port}"
    ));
    hop.end(
        Outcome::not_modelled("a TLS or TCP connection that no route takes"),
        None,
    );
    Trace::ended(hop)
}

fn unmodelled_match<'m>(mut hop: Hop<'m>, what: &str) -> Trace<'m> {
    hop.end(
        Outcome::not_modelled(format!("routing depends on {what}")),
        None,
    );
    Trace::ended(hop)
}

#[cfg(test)]
mod tests {
    use crate::simulate::testing::mesh;
    use crate::simulate::{Origin, Outcome, Part, Request, Step, Trace};

    /// The VirtualService parts that routed a trace, hop by hop.
    fn routes(trace: &Trace<'_>) -> Vec<Part> {
        let hops = trace
            .entry
            .iter()
            .chain(trace.branches.iter().flat_map(|b| b.arrivals.iter()));
        hops.flat_map(|hop| &hop.steps)
            .filter_map(|step| match step {
                Step::Route { by, .. } => Some(by.part),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_hop_names_the_tls_or_tcp_route_it_took() {
        let case: toml::Value = toml::from_str(include_str!(
            "../../tests/fixtures/simulate/egress-gateway-tls-tcp/case.toml"
        ))
        .unwrap();
        let m = mesh(
            include_str!("../../tests/fixtures/simulate/egress-gateway-tls-tcp/resources.yaml"),
            &toml::to_string(&case["topology"]).unwrap(),
        );
        let send = |from: &str, host: &str, port: u16| {
            let request = Request::new(Origin::Workload(from.into()), host).port(port);
            routes(&m.evaluate(&request))
        };
        assert_eq!(
            send("sleep", "en.wikipedia.org", 443),
            [Part::Tls(0), Part::Tcp(0)]
        );
        assert_eq!(
            send("other", "db.example.com", 5432),
            [Part::Tcp(0), Part::Tcp(1)]
        );
    }

    /// What a request from workload `sleep` to `db.example.com:port` through `resources` took:
    /// the routes of its hops, its outcome, and the notes of its first hop.
    fn from_sleep(resources: &str, port: u16) -> (Vec<Part>, Option<Outcome>, Vec<String>) {
        let topology = r#"trust-domain = "cluster.local"

[[workloads]]
name = "sleep"
namespace = "default"
labels = { app = "sleep" }
service-account = "sleep"
ports = [{ service = "sleep.default.svc.cluster.local", port = 80 }]
"#;
        let m = mesh(resources, topology);
        let request = Request::new(Origin::Workload("sleep".into()), "db.example.com").port(port);
        let trace = m.evaluate(&request);
        let notes = trace
            .entry
            .iter()
            .flat_map(|hop| &hop.steps)
            .filter_map(|step| match step {
                Step::Note { text } => Some(text.to_string()),
                _ => None,
            })
            .collect();
        (routes(&trace), trace.outcome().cloned(), notes)
    }

    /// A VirtualService routes a ServiceEntry's TCP port by its `tcp` routes only, and the
    /// entry's HTTP port by its `http` routes only: a port whose kind of routes it lacks goes
    /// to the entry by the default route, as with no VirtualService (virtual_service.proto:
    /// `tcp` routes apply to "any port that is not a HTTP or TLS port"; route.go builds no
    /// virtual host of a VirtualService without `http` routes).
    #[test]
    fn l4_routes_take_only_an_l4_port_of_an_entry() {
        let resources = r"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: default}
spec:
  hosts: [db.example.com]
  ports: [{number: 5432, name: tcp, protocol: TCP}, {number: 80, name: http, protocol: HTTP}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: default}
spec:
  hosts: [db.example.com]
  tcp: [{route: [{destination: {host: db.example.com}}]}]
";
        let out = Some(Outcome::External {
            host: "db.example.com".into(),
        });
        let send = |resources: &str, port: u16| {
            let (routes, outcome, _) = from_sleep(resources, port);
            (routes, outcome)
        };
        assert_eq!(send(resources, 5432), (vec![Part::Tcp(0)], out.clone()));
        // The HTTP port takes no `tcp` route: without `http` routes, the default route.
        assert_eq!(send(resources, 80), (vec![], out.clone()));
        let http_only = resources.replace(
            "tcp: [{route: [{destination: {host: db.example.com}}]}]",
            "http: [{route: [{destination: {host: db.example.com}}]}]",
        );
        assert_eq!(send(&http_only, 5432), (vec![], out.clone()));
        assert_eq!(send(&http_only, 80), (vec![Part::Http(0)], out));
    }

    /// A port that no route of its kind takes goes to the entry by the default route: a TLS
    /// port takes no `tcp` route, and a TCP port that no `tcp` route matches takes none. A TLS
    /// port whose server name alone no `tls` route covers has no such fallback in Istio.
    #[test]
    fn a_port_that_no_route_of_its_kind_takes_goes_by_the_default_route() {
        let resources = |spec: &str| {
            format!(
                r"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: db, namespace: default}}
spec:
  hosts: [db.example.com]
  ports: [{{number: 443, name: tls, protocol: TLS}}, {{number: 5432, name: tcp, protocol: TCP}}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: default}}
spec:
  hosts: [db.example.com]
{spec}"
            )
        };
        let send = |spec: &str, port: u16| from_sleep(&resources(spec), port);
        let out = Some(Outcome::External {
            host: "db.example.com".into(),
        });
        let tcp_only =
            "  tcp: [{match: [{port: 3306}], route: [{destination: {host: db.example.com}}]}]\n";
        let (routes, outcome, notes) = send(tcp_only, 443);
        assert_eq!((routes, outcome), (vec![], out.clone()));
        assert_eq!(
            notes,
            ["no `tls` route of VirtualService default/db applies to port 443 here"]
        );
        let (routes, outcome, notes) = send(tcp_only, 5432);
        assert_eq!((routes, outcome), (vec![], out.clone()));
        assert_eq!(
            notes,
            ["no `tcp` route of VirtualService default/db applies to port 5432 here"]
        );
        let tls = "  tls: [{match: [{port: 443, sniHosts: [other.example.com]}], route: [{destination: {host: db.example.com}}]}]\n";
        let (routes, outcome, _) = send(tls, 443);
        assert_eq!(routes, []);
        assert!(
            matches!(outcome, Some(Outcome::NotModelled { .. })),
            "{outcome:?}"
        );
        // The same route on another port holds nowhere on 443: the default route.
        let (routes, outcome, _) = send(&tls.replace("port: 443", "port: 8443"), 443);
        assert_eq!((routes, outcome), (vec![], out));
    }

    /// A ServiceEntry of protocol TLS on 443 for `db.example.com`, a VirtualService whose
    /// `tls` route holds on 443 for `other.example.com` only, the mesh's outbound traffic
    /// `policy`, and `more` resources.
    fn unmatched(policy: &str, more: &str) -> String {
        format!(
            r"apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {{name: c, namespace: istio-system}}
spec: {{meshConfig: {{outboundTrafficPolicy: {{mode: {policy}}}}}}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: db, namespace: default}}
spec:
  hosts: [db.example.com]
  ports: [{{number: 443, name: tls, protocol: TLS}}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: default}}
spec:
  hosts: [db.example.com]
  tls: [{{match: [{{port: 443, sniHosts: [other.example.com]}}], route: [{{destination: {{host: db.example.com}}}}]}}]
{more}"
        )
    }

    /// The reason of a trace that ends not modelled.
    fn not_modelled(outcome: Option<Outcome>) -> String {
        match outcome {
            Some(Outcome::NotModelled { reason }) => reason,
            other => panic!("not modelled: {other:?}"),
        }
    }

    /// A TLS connection whose server name no `tls` route covers, on a port where one applies:
    /// pilot builds the host no chain of its own (istio/istio pilot/pkg/networking/core/tls.go
    /// `buildSidecarOutboundTLSFilterChainOpts`, `hasTLSMatch`), so the listener's default
    /// chain takes it (listener.go `buildListenerFromEntry`, `PassthroughFilterChain`): under
    /// REGISTRY_ONLY to BlackHoleCluster, which closes it; under ALLOW_ANY to
    /// PassthroughCluster, whose destination is the address the application dialed
    /// (listener_builder.go `buildOutboundCatchAllNetworkFiltersOnly`).
    #[test]
    fn a_server_name_no_tls_route_covers_goes_by_the_listeners_default_chain() {
        let (routes, outcome, notes) = from_sleep(&unmatched("REGISTRY_ONLY", ""), 443);
        assert_eq!((routes, outcome), (vec![], Some(Outcome::Refused)));
        assert_eq!(
            notes,
            [
                "no `tls` route of VirtualService default/db covers server name `db.example.com` on port 443, and one applies to the port, so the host has no default filter chain",
                "the listener's default filter chain sends it to BlackHoleCluster (outboundTrafficPolicy REGISTRY_ONLY)",
            ]
        );
        let (routes, outcome, _) = from_sleep(&unmatched("ALLOW_ANY", ""), 443);
        assert_eq!(routes, []);
        assert!(not_modelled(outcome).starts_with("passthrough (outboundTrafficPolicy ALLOW_ANY)"));
    }

    /// Where the host's listener is 0.0.0.0:443, which holds the chains of every service
    /// without an address on 443 (listener.go `buildSidecarOutboundListener`: one listener
    /// per bind and port), another service's chain may take the server name: a `tls` route of
    /// another VirtualService, an entry host of protocol TLS that covers it (tls.go: its
    /// default chain matches its name), or an entry port of TCP or of no protocol (its chain
    /// matches every name). Whether the two share the listener depends on addresses the
    /// simulator is not given; an HTTP port, another port and a name not covered do not count.
    #[test]
    fn another_chain_on_the_port_that_may_take_the_server_name_is_not_modelled() {
        let entry = |host: &str, port: &str| {
            format!(
                "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: other, namespace: default}}\n\
                 spec: {{hosts: ['{host}'], ports: [{port}], resolution: DNS}}\n"
            )
        };
        let send = |more: &str| from_sleep(&unmatched("REGISTRY_ONLY", more), 443).1;
        let tls = "{number: 443, name: tls, protocol: TLS}";
        let reason = not_modelled(send(&entry("*.example.com", tls)));
        assert!(
            reason.starts_with("whether the filter chain of ServiceEntry default/other (host `*.example.com`, TLS) takes server name `db.example.com` on port 443"),
            "{reason}"
        );
        let tcp = "{number: 443, name: tcp, protocol: TCP}";
        assert!(
            not_modelled(send(&entry("x.example.org", tcp)))
                .contains("(host `x.example.org`, TCP)")
        );
        let none = "{number: 443, name: x}";
        assert!(not_modelled(send(&entry("x.example.org", none))).contains("no protocol"));
        let refused = Some(Outcome::Refused);
        assert_eq!(send(&entry("x.example.com", tls)), refused);
        assert_eq!(
            send(&entry(
                "*.example.com",
                "{number: 8443, name: tls, protocol: TLS}"
            )),
            refused
        );
        assert_eq!(
            send(&entry(
                "*.example.com",
                "{number: 443, name: http, protocol: HTTP}"
            )),
            refused
        );
        let route = |sni: &str, gateways: &str| {
            format!(
                "{}---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: other, namespace: default}}\n\
                 spec: {{hosts: [x.example.com], gateways: [{gateways}], tls: [{{match: [{{port: 443, sniHosts: [{sni}]}}], route: [{{destination: {{host: x.example.com}}}}]}}]}}\n",
                entry("x.example.com", tls)
            )
        };
        assert!(
            not_modelled(send(&route("db.example.com", "mesh")))
                .starts_with("whether the filter chain of VirtualService default/other takes")
        );
        assert_eq!(send(&route("db.example.com", "default/egress")), refused);
        assert_eq!(send(&route("y.example.com", "mesh")), refused);
    }

    /// A match field the simulator does not model decides, when no other `tls` match holds on
    /// the port, whether pilot builds the host its default chain, and in a `tls` route that
    /// covers the server name, the route (tls.go `matchTLS`); the trace says which field.
    #[test]
    fn what_an_unmodelled_match_field_decides_is_not_modelled() {
        for (sni_hosts, why) in [
            (
                "other.example.com",
                "whether pilot builds the host its default filter chain depends on `sourceNamespace`",
            ),
            ("db.example.com", "routing depends on `sourceNamespace`"),
        ] {
            let resources = unmatched("REGISTRY_ONLY", "").replace(
                "sniHosts: [other.example.com]",
                &format!("sniHosts: [{sni_hosts}], sourceNamespace: x"),
            );
            let reason = not_modelled(from_sleep(&resources, 443).1);
            assert!(reason.starts_with(why), "{reason}");
        }
    }

    /// Behind the egress gateway's TLS server, a connection that no `tcp` route bound to the
    /// gateway takes is not modelled, and so is one that an unmodelled field decides.
    #[test]
    fn a_gateway_connection_no_tcp_route_takes_is_not_modelled() {
        let case: toml::Value = toml::from_str(include_str!(
            "../../tests/fixtures/simulate/egress-gateway-tls-tcp/case.toml"
        ))
        .unwrap();
        let topology = toml::to_string(&case["topology"]).unwrap();
        let resources =
            include_str!("../../tests/fixtures/simulate/egress-gateway-tls-tcp/resources.yaml");
        let send = |from: &str, to: &str| {
            let changed = resources.replace(from, to);
            assert_ne!(changed, resources);
            let m = mesh(&changed, &topology);
            let request =
                Request::new(Origin::Workload("sleep".into()), "en.wikipedia.org").port(443);
            not_modelled(m.evaluate(&request).outcome().cloned())
        };
        let at_gateway = "      - istio-egressgateway\n      port: 443\n    route:\n    - destination:\n        host: en.wikipedia.org";
        assert_eq!(
            send(at_gateway, &at_gateway.replace("443", "444")),
            "a TLS or TCP connection that no route takes"
        );
        let by_source = at_gateway.replace("port: 443", "port: 443\n      sourceNamespace: x");
        assert!(send(at_gateway, &by_source).starts_with("routing depends on `sourceNamespace`"));
    }
}
