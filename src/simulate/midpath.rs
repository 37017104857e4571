//! A gateway in the middle of a request's path: a route sends to a gateway's Service, as
//! Istio's egress recipe sends the sidecars' requests for an external host to the egress
//! gateway (istio/istio.io content/en/docs/tasks/traffic-management/egress/egress-gateway/
//! index.md). The gateway's proxy takes the connection as it takes a client's: the Gateway
//! server of the port (for TLS, the one whose hosts hold the SNI the sidecar sends, which the
//! DestinationRule sets, istio-rules.md §4.1), its policies, with the caller's identity when
//! the server terminates Istio mTLS (`ISTIO_MUTUAL`: the gateway's own workload certificate,
//! the caller's verified), and the VirtualServices bound to that Gateway, whose route leads on.
//!
//! The gateway's hop is one arrival of the branch that sends to it; where its route leads
//! (an external host, or workloads) ends that hop or follows it.

use std::borrow::Cow;

use super::context::Sni;
use super::decode::{TlsMode, TrafficTls};
use super::evaluate::Sender;
use super::guard::{Carried, Connection};
use super::mesh::Mesh;
use super::request::Request;
use super::routing::destination::{client_sni, client_tls, subset};
use super::routing::gateway::{Listener, by_sni};
use super::routing::host::without_port;
use super::trace::{Branch, Hop, Outcome, Proxy, Step};

impl Mesh {
    /// The gateway whose Service is `host`, if one is.
    pub(crate) fn gateway_service(&self, host: &str) -> Option<usize> {
        self.topology.gateways.iter().position(|g| {
            g.service
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(host))
        })
    }

    /// A route's destination that is gateway `g`'s Service: the gateway's hop, and where it
    /// sends the request.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn through_midpath<'m>(
        &'m self,
        g: usize,
        host: &'m str,
        subset_name: Option<&'m str>,
        port: u16,
        weight: u32,
        carried: &Carried<'_>,
        sender: &Sender<'_, 'm>,
        request: &Request,
    ) -> Branch<'m> {
        let mut branch = Branch {
            host,
            subset: subset_name,
            port,
            weight,
            arrivals: Vec::new(),
            outcome: None,
            decided_by: None,
        };
        if sender.gateway {
            branch.outcome = Some(Outcome::not_modelled(
                "a gateway that sends to another gateway",
            ));
            return branch;
        }
        let gateway = &self.topology.gateways[g];
        let candidates = super::mesh::filed(&self.rules_by_host, host);
        let rules = self.destination_rules_for(sender, host, &gateway.namespace, &candidates);
        let applied = match rules {
            Ok(applied) => applied,
            Err(what) => {
                branch.outcome = Some(Outcome::not_modelled(format!("it depends on {what}")));
                return branch;
            }
        };
        let subset_tls = match subset_name {
            None => TlsMode::Unset,
            Some(name) => match subset(&self.destination_rules, &applied, name, port) {
                Some((labels, tls, by)) => {
                    if !labels.selects(&gateway.labels) {
                        branch.outcome = Some(Outcome::Unavailable { status: 503 });
                        branch.decided_by = Some(by);
                        return branch;
                    }
                    tls
                }
                None => {
                    branch.outcome = Some(Outcome::Unavailable { status: 503 });
                    return branch;
                }
            },
        };
        let mode = client_tls(&self.destination_rules, &applied, subset_tls, port);
        let entry = self.listeners[g].iter().find(|(p, _, _)| *p == port);
        let gateway_proxy = Proxy::Gateway {
            name: &gateway.name,
            namespace: &gateway.namespace,
            port,
            target_port: entry.map_or(port, |(_, t, _)| *t),
        };
        let mut hop = Hop::with_room(gateway_proxy, Hop::GATEWAY_STEPS);
        let refuse = |mut hop: Hop<'m>, why: String, mut branch: Branch<'m>| {
            hop.note(why);
            hop.end(Outcome::Refused, None);
            branch.arrivals.push(hop);
            branch
        };
        let (target, listener) = match entry {
            None => {
                return refuse(
                    hop,
                    format!("the gateway's Service has no port {port}"),
                    branch,
                );
            }
            Some((_, _, None)) => {
                return refuse(
                    hop,
                    format!("no Gateway server listens on port {port}"),
                    branch,
                );
            }
            Some((_, target, Some(listener))) => (*target, listener),
        };
        let explicit = client_sni(&self.destination_rules, &applied, subset_name, port);
        let sni = match explicit {
            Some(name) => Sni::Name(name),
            None => Sni::Outbound {
                port,
                subset: subset_name.unwrap_or_default(),
                host,
            },
        };
        // Auto mTLS decides by the destination pods' `security.istio.io/tlsMode` label, which
        // the topology does not say of a gateway: only a DestinationRule's `tls` is followed.
        let (table, mtls) = match (listener, mode) {
            (Listener::Unmodelled(what), _) => {
                hop.end(Outcome::not_modelled(what.clone()), None);
                branch.arrivals.push(hop);
                return branch;
            }
            (_, TlsMode::Unset) => {
                hop.end(
                    Outcome::not_modelled(
                        "auto mTLS to a gateway (no DestinationRule sets the TLS to it)",
                    ),
                    None,
                );
                branch.arrivals.push(hop);
                return branch;
            }
            (_, TlsMode::Set(TrafficTls::Other)) => {
                hop.end(
                    Outcome::not_modelled(
                        "a DestinationRule sets TLS with the caller's own certificates (SIMPLE or MUTUAL)",
                    ),
                    None,
                );
                branch.arrivals.push(hop);
                return branch;
            }
            (Listener::Plain(table), TlsMode::Set(TrafficTls::Disable)) => (table, false),
            (Listener::Plain(_), TlsMode::Set(TrafficTls::IstioMutual)) => {
                return refuse(
                    hop,
                    format!("mTLS to the plain HTTP server on port {port}"),
                    branch,
                );
            }
            (Listener::Tls(_), TlsMode::Set(TrafficTls::Disable)) => {
                return refuse(
                    hop,
                    format!("plain HTTP to the TLS server on port {port}"),
                    branch,
                );
            }
            (Listener::Tls(chains), TlsMode::Set(TrafficTls::IstioMutual)) => {
                let name = sni.name().unwrap_or_default().to_ascii_lowercase();
                match by_sni(chains, &name) {
                    None => {
                        return refuse(
                            hop,
                            format!("no TLS server for the server name `{name}`"),
                            branch,
                        );
                    }
                    Some((_, server_mode, table)) if server_mode != "ISTIO_MUTUAL" => {
                        hop.end(
                            Outcome::not_modelled(format!(
                                "Istio mTLS to a server in TLS mode {server_mode}"
                            )),
                            self.server(table).map(|(by, _)| by),
                        );
                        branch.arrivals.push(hop);
                        return branch;
                    }
                    Some((_, _, table)) => (table, true),
                }
            }
        };
        if let Some((by, protocol)) = self.server(table) {
            hop.steps.push(Step::Server { by, protocol });
        }
        let peer = if mtls {
            sender.identity.as_deref()
        } else {
            None
        };
        if let Some(peer) = peer {
            hop.note(format!("Istio mTLS from {peer}"));
        }
        let proxy = self.topology.workloads.len() + g;
        let mut carried = carried.clone();
        // A TLS server passes on what it carries by `tcp` routes: its policies see a connection.
        carried.l4 |= self.terminates_to_tcp(table);
        if self.unmodelled_at(Some(proxy), &gateway.namespace, &mut hop)
            || !self.admit(&mut hop, &mut carried)
        {
            branch.arrivals.push(hop);
            return branch;
        }
        let source_ip = if sender.gateway {
            None
        } else {
            request.source_ip
        };
        let connection = Connection {
            port: target,
            peer,
            source_ip,
            remote_ip: source_ip,
            sni: if mtls { sni } else { Sni::None },
        };
        let Ok(payload) = self.guard(proxy, &mut hop, &mut carried, connection) else {
            branch.arrivals.push(hop);
            return branch;
        };
        let next = Sender {
            namespace: &gateway.namespace,
            labels: Some(&gateway.labels),
            identity: Some(Cow::Borrowed(&self.identities[proxy])),
            scheme: sender.scheme,
            gateway: true,
            listener: port,
        };
        let onward = if self.terminates_to_tcp(table) {
            self.l4_at_gateway(hop, table, port, &carried, &next, request)
        } else {
            let authority = without_port(&carried.host).to_ascii_lowercase();
            let Some(vhost) = table.vhost(&authority) else {
                hop.note(format!("no virtual host for `{authority}`"));
                hop.end(Outcome::NotFound, None);
                branch.arrivals.push(hop);
                return branch;
            };
            let (chosen, unknown_attribute) =
                self.gateway_routes(table, vhost, &carried, payload, port, &next);
            self.route_and_deliver(hop, chosen, unknown_attribute, &mut carried, &next, request)
        };
        let Some(mut hop) = onward.entry else {
            return branch;
        };
        if hop.outcome.is_none() {
            match &onward.branches[..] {
                [only] => {
                    hop.note(format!("sent on to {}:{}", only.host, only.port));
                    if let Some(outcome) = &only.outcome {
                        hop.end(outcome.clone(), only.decided_by);
                    }
                    branch.arrivals.push(hop);
                    branch
                        .arrivals
                        .extend(onward.branches.into_iter().flat_map(|b| b.arrivals));
                    return branch;
                }
                _ => hop.end(
                    Outcome::not_modelled(
                        "a split between destinations at a gateway in the middle of the path",
                    ),
                    None,
                ),
            }
        }
        branch.arrivals.push(hop);
        branch
    }
}
