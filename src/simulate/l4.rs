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

use super::evaluate::{Sender, Target};
use super::guard::Carried;
use super::mesh::Mesh;
use super::request::Request;
use super::reuse::Reuse;
use super::routing::gateway::Table;
use super::routing::l4::Connection;
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

    /// A sidecar's TLS (`sni` set) or TCP connection, routed by VirtualService `v`.
    pub(crate) fn l4_from_sidecar<'m>(
        &'m self,
        hop: Hop<'m>,
        v: usize,
        connection: &Connection<'_>,
        carried: &Carried<'_>,
        sender: &Sender<'_, 'm>,
        request: &Request,
    ) -> Trace<'m> {
        self.l4_route(hop, &[v], connection, carried, sender, request)
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
            return Trace {
                entry: Some(hop),
                branches: Vec::new(),
            };
        };
        let connection = Connection {
            port: u32::from(port),
            sni: None,
            gateway,
        };
        self.l4_route(hop, &services, &connection, carried, sender, request)
    }

    /// The first route of `services` (in order) that takes the connection, and its
    /// destinations.
    fn l4_route<'m>(
        &'m self,
        mut hop: Hop<'m>,
        services: &[usize],
        connection: &Connection<'_>,
        carried: &Carried<'_>,
        sender: &Sender<'_, 'm>,
        request: &Request,
    ) -> Trace<'m> {
        let ended = |hop| Trace {
            entry: Some(hop),
            branches: Vec::new(),
        };
        let mut found = None;
        for &v in services {
            match self.virtual_services[v].first_l4(connection) {
                Ok(Some(i)) => {
                    found = Some((v, i));
                    break;
                }
                Ok(None) => {}
                Err(what) => {
                    hop.end(
                        Outcome::not_modelled(format!("routing depends on {what}")),
                        None,
                    );
                    return ended(hop);
                }
            }
        }
        let Some((v, i)) = found else {
            hop.note(format!(
                "no `tls` or `tcp` route takes the connection on port {}",
                connection.port
            ));
            hop.end(
                Outcome::not_modelled("a TLS or TCP connection that no route takes"),
                None,
            );
            return ended(hop);
        };
        let vs = &self.virtual_services[v];
        let route = &vs.spec.l4[i];
        let before = vs.spec.l4[..i]
            .iter()
            .filter(|r| r.tls == route.tls)
            .count();
        let by = Decider {
            kind: "VirtualService",
            namespace: &vs.spec.meta.namespace,
            name: &vs.spec.meta.name,
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
            return ended(hop);
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
                &branches,
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
                Step::Note { text } => Some(text.clone()),
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
}
