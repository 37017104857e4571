//! From a chosen route to the workloads: the route's action (redirect, direct response,
//! injected abort, CORS preflight, rewrites, header changes), its weighted destinations, the
//! DestinationRule subset of each, and the inbound sidecar of every workload behind it.

use std::borrow::Cow;

use super::context::Sni;
use super::decode::{Action, HeaderOps, PeerMode};
use super::evaluate::{Chosen, Sender, Target};
use super::guard::{Carried, Connection};
use super::mesh::Mesh;
use super::request::Request;
use super::reuse::{Place, Reuse};
use super::routing::destination::{
    Caller, client_tls, in_subset, rules_for, sends_mtls, subset_at, subset_of,
};
use super::trace::{Branch, Decider, Hop, Outcome, Part, Proxy, Step, Trace};

fn apply(ops: Option<&HeaderOps>, carried: &mut Carried<'_>) {
    let Some(ops) = ops else {
        return;
    };
    for (name, value) in &ops.set {
        carried.headers.set(name, value);
    }
    for (name, value) in &ops.add {
        carried.headers.add(name, value);
    }
    for name in &ops.remove {
        carried.headers.remove(name);
    }
}

impl Mesh {
    /// The DestinationRules (indices) that apply to `sender`'s requests for `host`, a host of
    /// `host_namespace`, among the `candidates` filed under it ([`super::mesh::filed`]); `Err`
    /// names what they depend on that is not known.
    pub(super) fn destination_rules_for(
        &self,
        sender: &Sender<'_, '_>,
        host: &str,
        host_namespace: &str,
        candidates: &[usize],
    ) -> Result<Vec<usize>, &'static str> {
        let caller = Caller {
            namespace: sender.namespace,
            labels: sender.labels,
        };
        rules_for(
            &self.destination_rules,
            &self.rule_hosts,
            candidates,
            host,
            Some(host_namespace),
            &caller,
            &self.settings.root,
        )
    }

    /// Picks the route among the first matches of each VirtualService of a virtual host (a
    /// gateway merges them; catch-all routes go last, route.go `SortVHostRoutes`), applies it,
    /// and follows its destinations.
    pub(crate) fn route_and_deliver<'m>(
        &'m self,
        mut hop: Hop<'m>,
        chosen: Vec<(usize, usize, Option<usize>)>,
        unknown: Option<&'static str>,
        carried: &mut Carried<'_>,
        sender: &Sender<'_, 'm>,
        request: &Request,
    ) -> Trace<'m> {
        if let Some(what) = unknown {
            hop.end(
                Outcome::not_modelled(format!("routing depends on {what}")),
                None,
            );
            return Trace::ended(hop);
        }
        // The specific routes when there are any, else the catch-all ones, kept in place.
        let mut pick = chosen;
        let catch_all =
            |&(v, rule, entry): &Chosen| self.virtual_services[v].is_catch_all(rule, entry);
        let specific = pick.iter().any(|c| !catch_all(c));
        pick.retain(|c| catch_all(c) != specific);
        let (v, rule, entry) = match pick[..] {
            [] => {
                hop.note("no route matches");
                hop.end(Outcome::NotFound, None);
                return Trace::ended(hop);
            }
            [one] => one,
            _ => {
                hop.end(
                    Outcome::not_modelled(
                        "rules of several VirtualServices match; Istio orders them by age",
                    ),
                    None,
                );
                return Trace::ended(hop);
            }
        };
        let vs = &self.virtual_services[v];
        let spec = &vs.rules[rule];
        let by = Decider {
            kind: "VirtualService",
            namespace: &vs.meta.namespace,
            name: &vs.meta.name,
            part: Part::Http(rule),
        };
        hop.steps.push(Step::Route {
            by,
            name: spec.name.as_deref(),
            timeout: spec.timeout.as_deref(),
            retries: spec
                .retries
                .as_deref()
                .map(|(a, t, on)| (*a, t.as_deref(), on.as_deref())),
        });
        let end = |hop: &mut Hop<'m>, outcome| hop.end(outcome, Some(by));
        let rare = spec.rare();
        if let Some(field) = &rare.unmodelled {
            end(&mut hop, Outcome::not_modelled(format!("`{field}`")));
            return Trace::ended(hop);
        }
        if let Some(redirect) = &rare.redirect {
            let scheme = redirect.scheme.as_deref().unwrap_or(sender.scheme);
            let authority = redirect
                .authority
                .as_deref()
                .unwrap_or_else(|| super::routing::host::without_port(&carried.host));
            let port = redirect.port.map(|p| format!(":{p}")).unwrap_or_default();
            // Envoy's `path_redirect` keeps the request's query unless it brings its own.
            let query = carried.path.find('?').map_or("", |i| &carried.path[i..]);
            let path = match redirect.uri.as_deref() {
                Some(uri) if uri.contains('?') => Cow::Borrowed(uri),
                Some(uri) => Cow::Owned(format!("{uri}{query}")),
                None => Cow::Borrowed(&*carried.path),
            };
            let status = u16::try_from(redirect.status).unwrap_or(301);
            end(
                &mut hop,
                Outcome::Redirected {
                    status,
                    location: format!("{scheme}://{authority}{port}{path}"),
                },
            );
            return Trace::ended(hop);
        }
        if let Some(status) = rare.direct_response {
            let status = u16::try_from(status).unwrap_or(u16::MAX);
            end(&mut hop, Outcome::Responded { status });
            return Trace::ended(hop);
        }
        // Envoy's fault filter delays before it aborts (envoy
        // source/extensions/filters/http/fault/fault_filter.cc `decodeHeaders`). A fault on a
        // share of requests only may end a request or may not: the trace follows the requests it
        // spares and says the share; only an abort of every request ends it here.
        if let Some((delay, percent)) = rare.delay.as_deref()
            && *percent > 0.0
        {
            hop.note(format!(
                "fault: a delay of {delay} on {percent}% of requests"
            ));
        }
        if let Some(&(status, percent)) = rare.abort.as_deref()
            && percent > 0.0
        {
            let Some(status) = status else {
                end(
                    &mut hop,
                    Outcome::not_modelled("a fault that aborts with a gRPC or HTTP/2 error"),
                );
                return Trace::ended(hop);
            };
            let status = u16::try_from(status).unwrap_or(u16::MAX);
            if percent >= 100.0 {
                end(&mut hop, Outcome::Aborted { status });
                return Trace::ended(hop);
            }
            hop.note(format!(
                "fault: may abort with {status}: {percent}% of requests"
            ));
        }
        for mirror in &rare.mirrors {
            hop.note(format!("a copy goes to {mirror}"));
        }
        if let Some((origins, forward)) = spec.cors.as_deref()
            && carried.preflight()
        {
            let origin = carried.headers.get("origin").unwrap_or_default();
            if origins.iter().any(|m| m.matches(&origin)) || !forward {
                hop.note("a CORS preflight, answered by the proxy");
                end(&mut hop, Outcome::Responded { status: 200 });
                return Trace::ended(hop);
            }
        }
        if let Some(uri) = &rare.rewrite_uri {
            if entry.is_some_and(|j| spec.matches[j].uri_regex) {
                end(
                    &mut hop,
                    Outcome::not_modelled("`rewrite.uri` after a regex match"),
                );
                return Trace::ended(hop);
            }
            let prefix = entry.map_or("/", |j| spec.matches[j].rewrites());
            let rest = carried.path.get(prefix.len()..).unwrap_or("");
            carried.path = Cow::Owned(format!("{uri}{rest}"));
            carried.admitted = false;
        }
        if let Some(authority) = &rare.rewrite_authority {
            carried.host = Cow::Owned(authority.to_string());
        }
        apply(spec.headers.as_deref(), carried);
        if spec.route.is_empty() {
            end(
                &mut hop,
                Outcome::not_modelled("a rule without a destination"),
            );
            return Trace::ended(hop);
        }
        let single = spec.route.len() == 1;
        let carried: &Carried<'_> = carried;
        // Each destination's request first: a destination's hop may be an earlier one's, found
        // by its request ([`Reuse`]). A destination that changes no header sends the route's
        // request itself, where a copy for each cost a list of headers and a path.
        let sends: Vec<(usize, u32, Cow<'_, Carried<'_>>)> = spec
            .route
            .iter()
            .enumerate()
            .filter_map(|(k, destination)| {
                let weight = destination.weight.unwrap_or(if single { 100 } else { 0 });
                if weight == 0 {
                    return None;
                }
                let sent = match destination.headers.as_deref() {
                    None => Cow::Borrowed(carried),
                    ops @ Some(_) => {
                        let mut changed = carried.clone();
                        apply(ops, &mut changed);
                        Cow::Owned(changed)
                    }
                };
                Some((k, weight, sent))
            })
            .collect();
        let mut branches = Vec::with_capacity(sends.len());
        let mut reuse = Reuse::default();
        for (k, weight, carried) in &sends {
            let (k, weight) = (*k, *weight);
            let destination = &spec.route[k];
            let host = &*destination.host;
            let port = destination
                .port
                .and_then(|p| u16::try_from(p).ok())
                .or_else(|| self.only_port(host))
                .unwrap_or(sender.listener);
            let branch = self.deliver(
                host,
                destination.subset.as_deref(),
                port,
                weight,
                carried,
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

    /// One destination: its workloads and their inbound hops.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn deliver<'a, 'm, 'c>(
        &'m self,
        host: &'m str,
        subset_name: Option<&'m str>,
        port: u16,
        weight: u32,
        carried: &'a Carried<'c>,
        sender: &Sender<'_, 'm>,
        request: &Request,
        earlier: &mut [Branch<'m>],
        reuse: &mut Reuse<'a, 'm, 'c>,
    ) -> Branch<'m> {
        if let Some(g) = self.gateway_service(host) {
            return self.through_midpath(
                g,
                host,
                subset_name,
                port,
                weight,
                carried,
                sender,
                request,
            );
        }
        let mut branch = Branch {
            host,
            subset: subset_name,
            port,
            weight,
            arrivals: Vec::new(),
            outcome: None,
            decided_by: None,
        };
        let service = match reuse.target(host, || self.lookup(host, Some(sender.namespace))) {
            Target::Service(_, service) => service,
            Target::Entry(i, _) => {
                let entry = &self.service_entries[i];
                branch.outcome = Some(if entry.internal {
                    Outcome::not_modelled("a MESH_INTERNAL ServiceEntry")
                } else {
                    Outcome::External {
                        host: host.to_string(),
                    }
                });
                branch.decided_by = Some(Decider {
                    kind: "ServiceEntry",
                    namespace: &entry.meta.namespace,
                    name: &entry.meta.name,
                    part: Part::Whole,
                });
                return branch;
            }
            Target::Unknown => {
                branch.outcome = Some(Outcome::Unavailable { status: 503 });
                return branch;
            }
        };
        if !service.ports.contains(&port) {
            branch.outcome = Some(Outcome::Unavailable { status: 503 });
            return branch;
        }
        let applied = match reuse.rules_for(host, || {
            self.destination_rules_for(sender, host, &service.namespace, &service.rules)
        }) {
            Ok(applied) => applied,
            Err(what) => {
                branch.outcome = Some(Outcome::not_modelled(format!("it depends on {what}")));
                return branch;
            }
        };
        let (chosen, subset_tls, by) = match subset_name {
            None => (None, super::decode::TlsMode::Unset, None),
            Some(name) => match subset_of(&self.destination_rules, applied, name) {
                Some((i, j)) => {
                    let (labels, tls, by) = subset_at(&self.destination_rules, i, j, port);
                    (Some((i, j, labels)), tls, Some(by))
                }
                None => {
                    branch.outcome = Some(Outcome::Unavailable { status: 503 });
                    branch.decided_by = applied.first().map(|&i| {
                        let meta = &self.destination_rules[i].meta;
                        Decider {
                            kind: "DestinationRule",
                            namespace: &meta.namespace,
                            name: &meta.name,
                            part: Part::Whole,
                        }
                    });
                    return branch;
                }
            },
        };
        let workloads: Cow<'_, [usize]> = match chosen {
            None => Cow::Borrowed(&service.workloads),
            Some((i, j, labels)) => service.subset(i, j).map_or_else(
                || {
                    let filtered = service.workloads.iter().copied();
                    Cow::Owned(
                        filtered
                            .filter(|&w| in_subset(labels, &self.topology.workloads[w]))
                            .collect(),
                    )
                },
                Cow::Borrowed,
            ),
        };
        if workloads.is_empty() {
            branch.outcome = Some(Outcome::Unavailable { status: 503 });
            branch.decided_by = by;
            return branch;
        }
        let mode = client_tls(&self.destination_rules, applied, subset_tls, port);
        branch.arrivals.reserve_exact(workloads.len());
        for &w in workloads.iter() {
            let target = self.target_port(w, host, port);
            let (server, _) = self.proxies[w].peer.on(target, &self.peer_authentications);
            let arrival =
                match sends_mtls(mode, self.settings.auto_mtls, server == PeerMode::Disable) {
                    Err(why) => {
                        let mut hop = self.inbound_hop(w, target);
                        hop.end(Outcome::not_modelled(why), None);
                        hop
                    }
                    Ok(true) if server == PeerMode::Disable => {
                        let mut hop = self.inbound_hop(w, target);
                        hop.note("mTLS to a workload whose PeerAuthentication disables it");
                        hop.end(Outcome::Unavailable { status: 503 }, None);
                        hop
                    }
                    Ok(mtls) => self.inbound_reusing(
                        reuse,
                        &mut Place {
                            earlier,
                            arrival: branch.arrivals.len(),
                        },
                        w,
                        host,
                        (port, target),
                        subset_name,
                        carried,
                        sender,
                        request,
                        mtls,
                    ),
                };
            branch.arrivals.push(arrival);
        }
        branch
    }

    /// The only port of a Service.
    fn only_port(&self, host: &str) -> Option<u16> {
        self.services
            .get(host)
            .filter(|s| s.ports.len() == 1)
            .map(|s| s.ports[0])
    }

    pub(super) fn target_port(&self, w: usize, host: &str, port: u16) -> u16 {
        // The port first, and the host as written before it is compared letter by letter:
        // each delivery asks, and the names are almost always written alike.
        let serves = |p: &&super::topology::WorkloadPort| {
            p.port == port && (p.service == host || p.service.eq_ignore_ascii_case(host))
        };
        self.topology.workloads[w]
            .ports
            .iter()
            .find(serves)
            .map_or(port, super::topology::WorkloadPort::target)
    }

    pub(super) fn inbound_hop(&self, w: usize, target: u16) -> Hop<'_> {
        Hop::new(self.inbound_proxy(w, target))
    }

    /// The sidecar of workload `w`, receiving on container port `target`.
    pub(super) fn inbound_proxy(&self, w: usize, target: u16) -> Proxy<'_> {
        let workload = &self.topology.workloads[w];
        Proxy::Inbound {
            workload: &workload.name,
            namespace: &workload.namespace,
            port: target,
        }
    }

    /// The sidecar of workload `w` receives the request on Service port `port` of `host`, which
    /// is its container port `target` ([`Mesh::target_port`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn inbound<'m>(
        &'m self,
        w: usize,
        host: &str,
        (port, target): (u16, u16),
        subset: Option<&str>,
        carried: &Carried<'_>,
        sender: &Sender<'_, 'm>,
        request: &Request,
        mtls: bool,
    ) -> Hop<'m> {
        let mut hop = Hop::with_room(self.inbound_proxy(w, target), Hop::INBOUND_STEPS);
        let index = &self.proxies[w];
        if self.unmodelled_at(Some(w), &self.topology.workloads[w].namespace, &mut hop) {
            return hop;
        }
        if let Some(why) = &index.peer.ambiguous {
            hop.end(Outcome::not_modelled(why.clone()), None);
            return hop;
        }
        let (mode, by) = index.peer.on(target, &self.peer_authentications);
        let peer = if mtls {
            sender.identity.as_deref()
        } else {
            None
        };
        hop.steps.push(Step::Mtls {
            mode,
            by,
            peer: if mtls { sender.identity.clone() } else { None },
        });
        if !mtls && mode == PeerMode::Strict {
            hop.note("plaintext under STRICT mTLS");
            hop.end(Outcome::Refused, by);
            return hop;
        }
        // The filters change the request (normalize its path, write and remove headers); the
        // copy is made only for a hop that runs them, not for one refused before them (a
        // plaintext caller at every STRICT sidecar).
        let mut carried = carried.clone();
        if !self.admit(&mut hop, &mut carried) {
            return hop;
        }
        // The caller's address is known only when it speaks to this proxy directly.
        let source_ip = if sender.gateway {
            None
        } else {
            request.source_ip
        };
        let sni = if mtls {
            Sni::Outbound {
                port,
                subset: subset.unwrap_or_default(),
                host,
            }
        } else {
            Sni::None
        };
        let connection = Connection {
            port: target,
            peer,
            source_ip,
            remote_ip: source_ip,
            sni,
        };
        if self.guard(w, &mut hop, &mut carried, connection).is_err() {
            return hop;
        }
        let allowed_by = hop.steps.iter().rev().find_map(|s| match s {
            Step::Authz {
                action: Action::Allow,
                matched,
                ..
            } => *matched,
            _ => None,
        });
        hop.end(Outcome::Allowed, allowed_by);
        hop
    }
}
