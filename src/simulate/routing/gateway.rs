//! What an ingress gateway listens for on one Service port, built as istiod builds it
//! (istio/istio pilot/pkg/networking/core/gateway.go `buildGatewayHTTPRouteConfig`): the
//! servers of every Gateway whose `selector` the gateway's labels include; plain HTTP servers
//! share one route table, each TLS-terminating server has its own, chosen by SNI. A virtual
//! host per name where a bound VirtualService's hosts meet the server's hosts (the narrower
//! name); `httpsRedirect` marks a server's hosts `require_tls` (301 to https). Hosts are matched
//! without the `Host` header's port (`IgnorePortInHostMatching`).

use crate::simulate::decode::Gateway;
use crate::simulate::topology::{GatewayWorkload, selects};

use super::host::{intersection, pick};
use super::virtual_service::Compiled;

/// A virtual host of a gateway route table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Vhost {
    pub domain: String,
    pub require_tls: bool,
    /// VirtualServices (indices) whose routes it holds, in document order.
    pub services: Vec<usize>,
}

/// One route table and the server (or servers) behind it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    /// (Gateway index, server index).
    pub servers: Vec<(usize, usize)>,
    pub vhosts: Vec<Vhost>,
}

impl Table {
    /// The virtual host for a `Host` header (port removed, lower case).
    pub(crate) fn vhost(&self, host: &str) -> Option<&Vhost> {
        pick(self.vhosts.iter().map(|v| v.domain.as_str()), host).map(|i| &self.vhosts[i])
    }
}

/// What a gateway does with connections on one port.
#[derive(Debug, Clone)]
pub(crate) enum Listener {
    /// Plain HTTP.
    Plain(Table),
    /// TLS terminated, one table per server, chosen by SNI (server host names; `*` for any).
    Tls(Vec<(Vec<String>, String, Table)>),
    /// A kind of server the simulator does not model.
    Unmodelled(String),
}

/// A server host without its `namespace/` part, for a VirtualService in `namespace`; `None`
/// when that namespace may not use it (`host.NamesForNamespace`; `./` is the Gateway's own).
fn server_host<'a>(host: &'a str, gateway_namespace: &str, vs_namespace: &str) -> Option<&'a str> {
    match host.split_once('/') {
        Some((ns, name)) => {
            let ns = if ns == "." { gateway_namespace } else { ns };
            (ns == "*" || ns == vs_namespace).then_some(name)
        }
        None => Some(host),
    }
}

/// The virtual host of `domain`, added if new.
fn entry(vhosts: &mut Vec<Vhost>, domain: String) -> usize {
    if let Some(i) = vhosts.iter().position(|v| v.domain == domain) {
        return i;
    }
    vhosts.push(Vhost {
        domain,
        ..Vhost::default()
    });
    vhosts.len() - 1
}

fn table(
    servers: &[(usize, usize)],
    gateways: &[Gateway],
    services: &[Compiled],
    proxy_namespace: &str,
) -> Table {
    let mut vhosts: Vec<Vhost> = Vec::new();
    for &(g, s) in servers {
        let gateway = &gateways[g];
        let server = &gateway.servers[s];
        let redirect = server.tls.as_ref().is_some_and(|t| t.https_redirect);
        let name = format!("{}/{}", gateway.meta.namespace, gateway.meta.name);
        for (v, vs) in services.iter().enumerate() {
            if !vs.binds(&name) || !vs.visible_to(proxy_namespace) {
                continue;
            }
            for written in &server.hosts {
                let Some(host) = server_host(written, &gateway.meta.namespace, &vs.meta.namespace)
                else {
                    continue;
                };
                for vs_host in &vs.hosts {
                    if let Some(domain) = intersection(&host.to_ascii_lowercase(), vs_host) {
                        let i = entry(&mut vhosts, domain);
                        if !vhosts[i].services.contains(&v) {
                            vhosts[i].services.push(v);
                        }
                        vhosts[i].require_tls |= redirect;
                    }
                }
            }
        }
        if redirect {
            for host in &server.hosts {
                let host = host.split_once('/').map_or(host.as_str(), |(_, h)| h);
                let i = entry(&mut vhosts, host.to_ascii_lowercase());
                vhosts[i].require_tls = true;
            }
        }
    }
    Table {
        servers: servers.to_vec(),
        vhosts,
    }
}

/// The listener of `workload` on Service port `port`; `None` when no server listens there.
pub(crate) fn listener(
    workload: &GatewayWorkload,
    port: u16,
    gateways: &[Gateway],
    services: &[Compiled],
) -> Option<Listener> {
    let mut plain = Vec::new();
    let mut tls = Vec::new();
    let mut other = None;
    for (g, gateway) in gateways.iter().enumerate() {
        if !selects(&gateway.selector, &workload.labels) {
            continue;
        }
        for (s, server) in gateway.servers.iter().enumerate() {
            if server.port != u32::from(port) {
                continue;
            }
            let mode = server.tls.as_ref().map(|t| t.mode.as_str());
            match (server.protocol.as_str(), mode) {
                ("HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB", _) => plain.push((g, s)),
                ("HTTPS" | "TLS", Some(mode))
                    if mode != "PASSTHROUGH" && mode != "AUTO_PASSTHROUGH" =>
                {
                    tls.push((g, s));
                }
                (protocol, mode) => {
                    other.get_or_insert(format!(
                        "a {protocol} server{} on port {port}",
                        mode.map(|m| format!(" in TLS mode {m}"))
                            .unwrap_or_default()
                    ));
                }
            }
        }
    }
    if let Some(what) = other {
        return Some(Listener::Unmodelled(what));
    }
    match (plain.is_empty(), tls.is_empty()) {
        (true, true) => None,
        (false, true) => Some(Listener::Plain(table(
            &plain,
            gateways,
            services,
            &workload.namespace,
        ))),
        (true, false) => Some(Listener::Tls(
            tls.iter()
                .map(|&(g, s)| {
                    let server = &gateways[g].servers[s];
                    let names = server
                        .hosts
                        .iter()
                        .map(|h| {
                            h.split_once('/')
                                .map_or(h.as_str(), |(_, n)| n)
                                .to_ascii_lowercase()
                        })
                        .collect();
                    let mode = server
                        .tls
                        .as_ref()
                        .map_or_else(String::new, |t| t.mode.clone());
                    (
                        names,
                        mode,
                        table(&[(g, s)], gateways, services, &workload.namespace),
                    )
                })
                .collect(),
        )),
        (false, false) => Some(Listener::Unmodelled(format!(
            "plain HTTP and TLS servers on port {port}"
        ))),
    }
}

/// The TLS table for a server name (Envoy's filter chain match on `server_names`).
pub(crate) fn by_sni<'a>(
    chains: &'a [(Vec<String>, String, Table)],
    sni: &str,
) -> Option<&'a (Vec<String>, String, Table)> {
    let mut domains = Vec::new();
    let mut owners = Vec::new();
    for (i, (names, _, _)) in chains.iter().enumerate() {
        for name in names {
            domains.push(name.as_str());
            owners.push(i);
        }
    }
    pick(domains, sni).map(|d| &chains[owners[d]])
}

#[cfg(test)]
#[path = "gateway_tests.rs"]
mod tests;
