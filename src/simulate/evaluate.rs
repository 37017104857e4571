//! A request's way through the mesh: the entry proxy (an ingress gateway, or the caller's
//! sidecar; none for a plaintext caller), its route, then the sidecar of each workload it
//! reaches.

use std::borrow::Cow;

use super::context::{Headers, Payload, Sni};
use super::decode::OutboundPolicy;
use super::guard::{Carried, Connection};
use super::mesh::{Mesh, filed};
use super::path;
use super::pod_labels::PodLabels;
use super::request::{Origin, Request, Scheme, Token};
use super::reuse::Reuse;
use super::routing::gateway::{Listener, Table, Vhost, by_sni};
use super::routing::host::{DOMAIN, fqdn, overlaps, without_port};
use super::routing::l4::Connection as L4Connection;
use super::routing::virtual_service::View;
use super::trace::{Branch, Decider, Hop, Outcome, Part, Proxy, Step, Trace};

/// Who sends the request on to the workloads: what routes and DestinationRules see of it.
/// Its identity lives as long as the mesh (`'m`) where the mesh holds it, so that each inbound
/// hop's mTLS step borrows it rather than copies it.
pub(crate) struct Sender<'a, 'm> {
    pub namespace: &'a str,
    /// `None`: not known (an identity outside the topology).
    pub labels: Option<&'a PodLabels>,
    /// Its identity URI (`None`: no sidecar).
    pub identity: Option<Cow<'m, str>>,
    /// The scheme of the request as the entry proxy received it.
    pub scheme: &'static str,
    /// Whether it is an ingress gateway (the workloads then do not see the client's address).
    pub gateway: bool,
    /// The port the request came in on: a route without a destination port to a Service of
    /// several ports goes to this one (route.go `GetDestinationCluster`).
    pub listener: u16,
}

impl Sender<'_, '_> {
    /// The request `carried` as the routes bound to `gateway` (`mesh` for a sidecar) on
    /// `port` see it from this sender.
    fn view<'v>(
        &'v self,
        carried: &'v Carried<'_>,
        port: u16,
        gateway: &'v str,
        jwt: Option<Payload<'v>>,
    ) -> View<'v> {
        View {
            path: &carried.path,
            method: carried.method,
            authority: &carried.host,
            scheme: self.scheme,
            headers: &carried.headers,
            jwt,
            port: u32::from(port),
            gateway,
            labels: self.labels,
            namespace: self.namespace,
        }
    }
}

/// A host a sidecar can send to.
#[derive(Clone, Copy)]
pub(crate) enum Target<'m> {
    /// A Service's host, and the Service, found by the one look-up that resolved it.
    Service(&'m str, &'m super::mesh::Service),
    /// A ServiceEntry (index) and its host that matched.
    Entry(usize, &'m str),
    Unknown,
}

impl Mesh {
    /// What happens to `request`.
    pub fn evaluate(&self, request: &Request) -> Trace<'_> {
        match &request.from {
            Origin::Gateway(name) => self.through_gateway(request, name.as_deref()),
            Origin::Workload(name) => {
                let Some(i) = self.workloads_by_name.get(&self.topology.workloads, name) else {
                    return unknown(request, "the topology has no workload of that name");
                };
                let w = &self.topology.workloads[i];
                let mut sender = Sender {
                    namespace: &w.namespace,
                    labels: Some(&w.labels),
                    identity: Some(Cow::Borrowed(&self.identities[i])),
                    scheme: "http",
                    gateway: false,
                    listener: 0,
                };
                self.through_sidecar(request, &mut sender, Some(i))
            }
            Origin::Identity {
                namespace,
                service_account,
            } => {
                let mut sender = Sender {
                    namespace,
                    labels: None,
                    identity: Some(Cow::Owned(self.identity(namespace, service_account))),
                    scheme: "http",
                    gateway: false,
                    listener: 0,
                };
                self.through_sidecar(request, &mut sender, None)
            }
            Origin::Plaintext => self.plaintext(request),
        }
    }

    /// `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`, joined by hand: every
    /// request from an identity builds one, and `format!` cost several times as much.
    pub(crate) fn identity(&self, namespace: &str, service_account: &str) -> String {
        [
            "spiffe://",
            &self.settings.trust_domain,
            "/ns/",
            namespace,
            "/sa/",
            service_account,
        ]
        .concat()
    }

    /// Ends `hop` when a resource the simulator does not model applies to proxy `proxy`
    /// (`None`: a caller whose labels are unknown, so any such resource of its namespace).
    pub(crate) fn unmodelled_at<'m>(
        &'m self,
        proxy: Option<usize>,
        namespace: &str,
        hop: &mut Hop<'m>,
    ) -> bool {
        let found = match proxy {
            Some(p) => {
                let index = &self.proxies[p];
                for &i in &index.rate_limits {
                    hop.note(self.rate_limit_notes[i].as_str());
                }
                index.unmodelled.first().map(|&i| &self.unmodelled[i])
            }
            None => self.unmodelled.iter().find(|u| match &u.scope {
                None => true,
                Some((ns, _)) => ns == namespace || *ns == self.settings.root,
            }),
        };
        let Some(u) = found else {
            return false;
        };
        hop.end(
            Outcome::not_modelled(format!("{} {}", u.meta.kind, u.what)),
            Some(Decider {
                kind: u.meta.kind,
                namespace: &u.meta.namespace,
                name: &u.meta.name,
                part: Part::Whole,
            }),
        );
        true
    }

    /// Checks the request line and normalizes the path; false when the proxy answers 400.
    pub(crate) fn admit<'m>(&'m self, hop: &mut Hop<'m>, carried: &mut Carried<'_>) -> bool {
        if carried.admitted {
            return true;
        }
        if !path::method_ok(carried.method) {
            hop.note("the method is not an upper-case token");
            hop.end(Outcome::BadRequest, None);
            return false;
        }
        match path::admit(&carried.path, self.settings.normalization) {
            Err(why) => {
                hop.note(why);
                hop.end(Outcome::BadRequest, None);
                false
            }
            Ok(Cow::Owned(normalized)) => {
                hop.steps.push(Step::Path {
                    normalization: self.settings.normalization,
                    path: normalized.clone(),
                });
                carried.path = Cow::Owned(normalized);
                true
            }
            Ok(Cow::Borrowed(_)) => {
                carried.admitted = true;
                true
            }
        }
    }

    /// The gateway a client outside the mesh reaches for a request that names none: the first
    /// one that nothing in the mesh sends to (no Service host in the topology) whose listener on
    /// the port has a virtual host for the request's host, as the host's DNS name leads to the
    /// load balancer of the gateway that serves it; the first gateway when none does.
    fn entry_gateway(&self, request: &Request, port: u16) -> usize {
        let host = lower(without_port(&request.host));
        let serves = |listener: &Listener| match listener {
            Listener::Plain(table) => table.vhost(&host).is_some(),
            Listener::Tls(chains) => chains.iter().any(|(_, _, t)| t.vhost(&host).is_some()),
            Listener::Unmodelled(_) => false,
        };
        self.topology
            .gateways
            .iter()
            .enumerate()
            .filter(|(_, g)| g.service.is_none())
            .find(|(g, _)| {
                self.listeners[*g]
                    .iter()
                    .any(|(p, _, l)| *p == port && l.as_ref().is_some_and(serves))
            })
            .map_or(0, |(g, _)| g)
    }

    fn through_gateway<'m>(&'m self, request: &Request, name: Option<&str>) -> Trace<'m> {
        let port = request.port.unwrap_or(match request.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        });
        let found = match name {
            Some(name) => self.topology.gateways.iter().position(|g| g.name == name),
            None => (!self.topology.gateways.is_empty()).then(|| self.entry_gateway(request, port)),
        };
        let Some(g) = found else {
            return unknown(request, "the topology has no such ingress gateway");
        };
        let gateway = &self.topology.gateways[g];
        let entry = self.listeners[g].iter().find(|(p, _, _)| *p == port);
        let gateway_proxy = Proxy::Gateway {
            name: &gateway.name,
            namespace: &gateway.namespace,
            port,
            target_port: entry.map_or(port, |(_, t, _)| *t),
        };
        let mut hop = Hop::with_room(gateway_proxy, Hop::GATEWAY_STEPS);
        let Some((table, sni, target)) = self.listen(request, entry, &mut hop) else {
            return Trace::ended(hop);
        };
        if let Some((by, protocol)) = self.server(table) {
            hop.steps.push(Step::Server { by, protocol });
        }
        let proxy = self.topology.workloads.len() + g;
        let mut carried = carry(request);
        if self.unmodelled_at(Some(proxy), &gateway.namespace, &mut hop)
            || !self.admit(&mut hop, &mut carried)
        {
            return Trace::ended(hop);
        }
        let connection = Connection {
            port: target,
            peer: None,
            source_ip: request.source_ip,
            remote_ip: request.source_ip,
            sni: sni.as_deref().map_or(Sni::None, Sni::Name),
        };
        let Ok(payload) = self.guard(proxy, &mut hop, &mut carried, connection) else {
            return Trace::ended(hop);
        };
        let host = lower(without_port(&carried.host));
        let Some(vhost) = table.vhost(&host) else {
            hop.note(format!("no virtual host for `{host}`"));
            hop.end(Outcome::NotFound, None);
            return Trace::ended(hop);
        };
        if vhost.require_tls && request.scheme == Scheme::Http {
            let by = table
                .servers
                .iter()
                .find(|&&(g, s)| {
                    let tls = self.gateways[g].servers[s].tls.as_ref();
                    tls.is_some_and(|t| t.https_redirect)
                })
                .map(|&(g, s)| self.server_decider(g, s));
            let location = format!("https://{host}{}", carried.path);
            hop.end(
                Outcome::Redirected {
                    status: 301,
                    location,
                },
                by,
            );
            return Trace::ended(hop);
        }
        let sender = Sender {
            namespace: &gateway.namespace,
            labels: Some(&gateway.labels),
            identity: Some(Cow::Borrowed(&self.identities[proxy])),
            scheme: request.scheme.as_str(),
            gateway: true,
            listener: port,
        };
        let (chosen, unknown_attribute) =
            self.gateway_routes(table, vhost, &carried, payload, port, &sender);
        self.route_and_deliver(
            hop,
            chosen,
            unknown_attribute,
            &mut carried,
            &sender,
            request,
        )
    }

    /// The route table a gateway connection reaches, its server name, and the container port;
    /// `None` when the connection ends (recorded in `hop`).
    fn listen<'m>(
        &'m self,
        request: &Request,
        entry: Option<&'m (u16, u16, Option<Listener>)>,
        hop: &mut Hop<'m>,
    ) -> Option<(&'m Table, Option<String>, u16)> {
        let refuse = |hop: &mut Hop<'m>, why: String| {
            hop.note(why);
            hop.end(Outcome::Refused, None);
            None
        };
        let (port, target, listener) = match entry {
            None => {
                let port = request.port.unwrap_or_default();
                return refuse(hop, format!("the gateway's Service has no port {port}"));
            }
            Some((port, _, None)) => {
                return refuse(hop, format!("no Gateway server listens on port {port}"));
            }
            Some((port, target, Some(listener))) => (port, *target, listener),
        };
        match (listener, request.scheme) {
            (Listener::Unmodelled(what), _) => {
                hop.end(Outcome::not_modelled(what.clone()), None);
                None
            }
            (Listener::Plain(table), Scheme::Http) => Some((table, None, target)),
            (Listener::Tls(chains), Scheme::Https) => {
                let sni = request
                    .sni
                    .as_deref()
                    .unwrap_or_else(|| without_port(&request.host))
                    .to_ascii_lowercase();
                match by_sni(chains, &sni) {
                    None => refuse(hop, format!("no HTTPS server for the server name `{sni}`")),
                    Some((_, _, table)) if self.terminates_to_tcp(table) => {
                        hop.end(
                            Outcome::not_modelled(
                                "a TLS server's TCP routes at an ingress gateway",
                            ),
                            self.server(table).map(|(by, _)| by),
                        );
                        None
                    }
                    Some((_, mode, table)) if mode != "SIMPLE" => {
                        hop.end(
                            Outcome::not_modelled(format!("TLS mode {mode} (client certificates)")),
                            self.server(table).map(|(by, _)| by),
                        );
                        None
                    }
                    Some((_, _, table)) => Some((table, Some(sni), target)),
                }
            }
            (Listener::Plain(_), Scheme::Https) => {
                refuse(hop, format!("TLS to the plain HTTP server on port {port}"))
            }
            (Listener::Tls(_), Scheme::Http) => {
                refuse(hop, format!("plain HTTP to the TLS server on port {port}"))
            }
        }
    }

    /// The first server of a table, for answers.
    pub(crate) fn server(&self, table: &Table) -> Option<(Decider<'_>, &str)> {
        let &(g, s) = table.servers.first()?;
        Some((
            self.server_decider(g, s),
            self.gateways[g].servers[s].protocol.as_str(),
        ))
    }

    fn server_decider(&self, g: usize, s: usize) -> Decider<'_> {
        let meta = &self.gateways[g].meta;
        Decider {
            kind: "Gateway",
            namespace: &meta.namespace,
            name: &meta.name,
            part: Part::Server(s),
        }
    }

    /// The host a sidecar sends to for a `Host` header (istio/istio
    /// pilot/pkg/networking/core/httproute.go `generateVirtualHostDomains`: the FQDN and its
    /// `name.namespace` and `name.namespace.svc` forms, and `name` in the caller's namespace).
    pub(crate) fn resolve(&self, host: &str, namespace: Option<&str>) -> Target<'_> {
        let name = lower(without_port(host));
        let alias = match name.bytes().filter(|&b| b == b'.').count() {
            0 => namespace.map(|ns| fqdn(&name, ns)),
            1 => Some([&*name, ".svc.", DOMAIN].concat()),
            _ if name.ends_with(".svc") => Some([&*name, ".", DOMAIN].concat()),
            _ => None,
        };
        match alias.map(|a| self.lookup(&a, namespace)) {
            Some(found @ Target::Service(..)) => found,
            _ => self.lookup(&name, namespace),
        }
    }

    /// A host by its full name: a Service of the topology or a ServiceEntry visible to
    /// `namespace` (any, when `None`).
    pub(crate) fn lookup(&self, name: &str, namespace: Option<&str>) -> Target<'_> {
        if let Some((host, service)) = self.services.get_key_value(name) {
            return Target::Service(host, service);
        }
        for (i, entry) in self.service_entries.iter().enumerate() {
            let visible = namespace.is_none_or(|ns| {
                super::routing::virtual_service::exported(
                    &entry.export_to,
                    &entry.meta.namespace,
                    ns,
                )
            });
            let host = entry
                .hosts
                .iter()
                .find(|h| overlaps(&h.to_ascii_lowercase(), name));
            if let (true, Some(h)) = (visible, host) {
                return Target::Entry(i, h);
            }
        }
        Target::Unknown
    }

    /// The ports of a target (a Service's without a copy: one per request sent).
    fn ports<'t>(&self, target: &Target<'t>) -> Cow<'t, [u16]> {
        match target {
            Target::Service(_, service) => Cow::Borrowed(&service.ports),
            Target::Entry(i, _) => Cow::Owned(
                self.service_entries[*i]
                    .ports
                    .iter()
                    .filter_map(|p| u16::try_from(*p).ok())
                    .collect(),
            ),
            Target::Unknown => Cow::Borrowed(&[]),
        }
    }

    fn through_sidecar<'m>(
        &'m self,
        request: &Request,
        sender: &mut Sender<'_, 'm>,
        workload: Option<usize>,
    ) -> Trace<'m> {
        let target = self.resolve(&request.host, Some(sender.namespace));
        let ports = self.ports(&target);
        // A port parses only from text that ends in a digit: most hosts end in a letter, which
        // one byte tells, where the search for the last `:` read every byte.
        let header_port = request
            .host
            .ends_with(|c: char| c.is_ascii_digit())
            .then(|| request.host.rsplit_once(':'))
            .flatten()
            .and_then(|(_, p)| p.parse::<u16>().ok());
        let port = request
            .port
            .or(header_port)
            .or_else(|| (ports.len() == 1).then(|| ports[0]));
        let caller = match workload {
            Some(i) => Cow::Borrowed(self.topology.workloads[i].name.as_str()),
            None => Cow::Owned(request.from.name()),
        };
        let mut hop = Hop::new(Proxy::Outbound {
            caller,
            port: port.unwrap_or_default(),
        });
        let Some(port) = port.or(matches!(target, Target::Unknown).then_some(0)) else {
            let why = "the destination has several ports and the request names none";
            hop.end(Outcome::not_modelled(why), None);
            return Trace::ended(hop);
        };
        sender.listener = port;
        let sender = &*sender;
        let mut carried = carry(request);
        if self.unmodelled_at(workload, sender.namespace, &mut hop)
            || !self.admit(&mut hop, &mut carried)
        {
            return Trace::ended(hop);
        }
        let known = ports.contains(&port) && header_port.is_none_or(|p| p == port);
        let host_namespace = match &target {
            Target::Service(_, service) => Some(service.namespace.as_str()),
            Target::Entry(i, _) => Some(self.service_entries[*i].meta.namespace.as_str()),
            Target::Unknown => None,
        };
        let scoped_out = match (&target, host_namespace, workload) {
            (Target::Service(host, _) | Target::Entry(_, host), Some(ns), Some(w)) if known => {
                self.out_of_scope(w, ns, host)
            }
            _ => None,
        };
        if let Some(sidecar) = scoped_out {
            hop.note(format!(
                "Sidecar {}/{} leaves `{}` out of its egress hosts",
                sidecar.meta.namespace, sidecar.meta.name, request.host
            ));
        }
        let host: &'m str = match (&target, known && scoped_out.is_none()) {
            (Target::Service(host, _) | Target::Entry(_, host), true) => host,
            _ => {
                hop.note(format!(
                    "`{}` is no known host on port {port}",
                    request.host
                ));
                let outcome = match self.settings.outbound {
                    OutboundPolicy::RegistryOnly => Outcome::Unavailable { status: 502 },
                    OutboundPolicy::AllowAny => {
                        Outcome::not_modelled("passthrough to a host outside the registry")
                    }
                };
                hop.end(outcome, None);
                return Trace::ended(hop);
            }
        };
        let l4 = self.l4_port(&target, port);
        let sni = (l4 == Some(true)).then(|| {
            request
                .sni
                .as_deref()
                .unwrap_or_else(|| without_port(&request.host))
                .to_ascii_lowercase()
        });
        let connection = l4.map(|_| L4Connection {
            port: u32::from(port),
            sni: sni.as_deref(),
            gateway: "mesh",
        });
        let view = sender.view(&carried, port, "mesh", None);
        let filed = match &target {
            Target::Service(_, service) => Cow::Borrowed(&*service.routes),
            _ => Cow::Owned(filed(&self.sidecar_routes, host).into_vec()),
        };
        let bound = match self.bound_at_sidecar(&filed, host, sender.namespace) {
            Bound::One(v) => match self.no_route_for(v, connection.as_ref(), &view) {
                Some(kind) => {
                    let meta = &self.virtual_services[v].meta;
                    hop.note(format!(
                        "no `{kind}` route of VirtualService {}/{} applies to port {port} here",
                        meta.namespace, meta.name
                    ));
                    Bound::None
                }
                None => Bound::One(v),
            },
            bound => bound,
        };
        match (bound, connection) {
            (Bound::None, _) => {
                hop.steps.push(Step::DefaultRoute { host });
                let branch = self.deliver(
                    host,
                    None,
                    port,
                    100,
                    &carried,
                    sender,
                    request,
                    &mut [],
                    &mut Reuse::default(),
                );
                Trace {
                    entry: Some(hop),
                    branches: vec![branch],
                }
            }
            (Bound::One(v), Some(connection)) => {
                self.l4_from_sidecar(hop, v, &connection, &carried, sender, request)
            }
            (Bound::One(v), None) => {
                let (chosen, unknown_attribute) = match self.virtual_services[v].first(&view) {
                    Ok(found) => (found.map(|(r, e)| (v, r, e)).into_iter().collect(), None),
                    Err(what) => (Vec::new(), Some(what)),
                };
                self.route_and_deliver(
                    hop,
                    chosen,
                    unknown_attribute,
                    &mut carried,
                    sender,
                    request,
                )
            }
            (Bound::Several, _) => {
                let why = "several VirtualServices for one host; Istio uses the oldest";
                hop.end(Outcome::not_modelled(why), None);
                Trace::ended(hop)
            }
        }
    }

    /// The kind of routes (`http`, `tls` or `tcp`) of which VirtualService `v`, bound to a
    /// sidecar's host, has none that applies to the connection or request, so that pilot
    /// builds the port no route of it and the host keeps its default route, as with no
    /// VirtualService (`Compiled::leaves_to_default`, `Compiled::routes_nothing_at`); `None`
    /// where the VirtualService routes it, or where that depends on what is not modelled.
    fn no_route_for(
        &self,
        v: usize,
        connection: Option<&L4Connection<'_>>,
        view: &View<'_>,
    ) -> Option<&'static str> {
        let vs = &self.virtual_services[v];
        let (kind, nothing) = match connection {
            Some(c) => (
                if c.sni.is_some() { "tls" } else { "tcp" },
                vs.leaves_to_default(c) == Ok(true),
            ),
            None => ("http", vs.routes_nothing_at(view) == Ok(true)),
        };
        nothing.then_some(kind)
    }

    /// The VirtualServices that route `host` for a sidecar of `namespace`: of those `filed`
    /// under the host or `*`, those bound to the mesh, visible to the namespace and naming a
    /// host that overlaps. Counted rather than collected: every request from a sidecar asks,
    /// and what it needs to know is whether there are none, one (which) or several distinct
    /// ones.
    fn bound_at_sidecar(&self, filed: &[usize], host: &str, namespace: &str) -> Bound {
        let mut bound = Bound::None;
        for &v in filed {
            let vs = &self.virtual_services[v];
            if !(vs.binds("mesh")
                && vs.visible_to(namespace)
                && vs.hosts.iter().any(|h| overlaps(h, host)))
            {
                continue;
            }
            bound = match bound {
                Bound::None => Bound::One(v),
                Bound::One(first) if first == v => bound,
                Bound::One(_) | Bound::Several => return Bound::Several,
            };
        }
        bound
    }

    fn plaintext<'m>(&'m self, request: &Request) -> Trace<'m> {
        let Target::Service(host, service) = self.resolve(&request.host, None) else {
            return unknown(request, "a plaintext caller needs the host of a Service");
        };
        let port = request
            .port
            .or_else(|| (service.ports.len() == 1).then(|| service.ports[0]));
        let Some(port) = port.filter(|p| service.ports.contains(p)) else {
            return unknown(request, "the Service has no such port");
        };
        let carried = carry(request);
        let sender = Sender {
            namespace: "",
            labels: None,
            identity: None,
            scheme: "http",
            gateway: false,
            listener: port,
        };
        let arrivals = service
            .workloads
            .iter()
            .map(|&w| {
                self.inbound(
                    w,
                    host,
                    (port, self.target_port(w, host, port)),
                    None,
                    &carried,
                    &sender,
                    request,
                    false,
                )
            })
            .collect();
        Trace {
            entry: None,
            branches: vec![Branch {
                host,
                subset: None,
                port,
                weight: 100,
                arrivals,
                outcome: None,
                decided_by: None,
            }],
        }
    }
}

/// `text` in lower case, copied only when it has an upper-case letter.
fn lower(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// The request as it enters.
fn carry(request: &Request) -> Carried<'_> {
    Carried {
        host: Cow::Borrowed(&request.host),
        method: &request.method,
        path: Cow::Borrowed(&request.path),
        headers: Headers::new(&request.headers),
        token: &request.token,
        token_present: request.token != Token::None,
        l4: false,
        admitted: false,
    }
}

/// A trace for an origin or host the mesh does not hold.
fn unknown<'m>(request: &Request, why: &str) -> Trace<'m> {
    let mut hop = Hop::new(Proxy::Unknown {
        origin: request.from.to_string(),
    });
    hop.end(Outcome::not_modelled(why), None);
    Trace::ended(hop)
}

/// The VirtualServices that route a host at a sidecar ([`Mesh::bound_at_sidecar`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    None,
    /// One, by its index (filed under both the host and `*`, it is still one).
    One(usize),
    Several,
}

/// A VirtualService a request matched (its index), the rule and the route entry it takes.
pub(super) type Chosen = (usize, usize, Option<usize>);

impl Mesh {
    /// The route each VirtualService of a gateway's virtual host takes the request by (its
    /// first matching rule), with the gateway each is bound through, and the attribute a match
    /// needed that is not known: what the ingress and the egress gateway both route by.
    pub(super) fn gateway_routes(
        &self,
        table: &Table,
        vhost: &Vhost,
        carried: &Carried<'_>,
        jwt: Option<Payload<'_>>,
        port: u16,
        sender: &Sender<'_, '_>,
    ) -> (Vec<Chosen>, Option<&'static str>) {
        let mut chosen = Vec::new();
        let mut unknown_attribute = None;
        for &v in &vhost.services {
            let vs = &self.virtual_services[v];
            let bound = table
                .servers
                .iter()
                .map(|&(g, _)| self.gateway_names[g].as_str())
                .find(|name| vs.binds(name))
                .unwrap_or_default();
            let view = sender.view(carried, port, bound, jwt);
            match vs.first(&view) {
                Ok(Some((rule, entry))) => chosen.push((v, rule, entry)),
                Ok(None) => {}
                Err(what) => unknown_attribute = Some(what),
            }
        }
        (chosen, unknown_attribute)
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "request_line_tests.rs"]
mod request_line_tests;
