//! A VirtualService's `tls` and `tcp` routes (istio/api networking/v1 virtual_service.proto
//! `TLSRoute`, `TCPRoute`, `TLSMatchAttributes`, `L4MatchAttributes`): what the simulator reads
//! of them is each match's `port`, `sniHosts` and `gateways`, and each route's destinations.

use super::{CompileError, Meta, items, object, string, strings, unmodelled, unsigned};
use crate::yaml::Node;

/// One `tls[]` or `tcp[]` rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct L4Route {
    /// From `tls` (matched by SNI) rather than `tcp`.
    pub tls: bool,
    /// `match` (ORed; empty: every connection).
    pub matches: Vec<L4Match>,
    /// `route[]`.
    pub destinations: Vec<L4Destination>,
}

/// One `route[]` entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct L4Destination {
    pub host: String,
    pub subset: Option<String>,
    pub port: Option<u32>,
    pub weight: Option<u32>,
}

/// One `match` entry: its fields are ANDed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct L4Match {
    pub port: Option<u32>,
    /// `sniHosts` (`tls` routes only).
    pub sni_hosts: Vec<String>,
    /// Resolved to `namespace/name`; empty: the VirtualService's own gateways.
    pub gateways: Vec<String>,
    /// A field that decides the match and that the simulator does not model.
    pub unmodelled: Option<String>,
}

/// The `tls` routes then the `tcp` routes of a VirtualService's spec, in order.
pub(super) fn l4_routes(
    meta: &Meta,
    spec: &Node,
    resolve: &dyn Fn(&str) -> String,
) -> Result<Vec<L4Route>, CompileError> {
    let mut routes = Vec::new();
    for (key, tls) in [("tls", true), ("tcp", false)] {
        for rule in items(meta, spec, key)? {
            let mut matches = Vec::new();
            for m in items(meta, rule, "match")? {
                matches.push(L4Match {
                    port: unsigned(meta, m, "port")?,
                    sni_hosts: strings(meta, m, "sniHosts")?,
                    gateways: strings(meta, m, "gateways")?
                        .iter()
                        .map(|g| resolve(g))
                        .collect(),
                    unmodelled: unmodelled(
                        m,
                        &[
                            "destinationSubnets",
                            "sourceLabels",
                            "sourceNamespace",
                            "sourceSubnet",
                        ],
                    ),
                });
            }
            let mut destinations = Vec::new();
            for entry in items(meta, rule, "route")? {
                let Some(destination) = object(meta, entry, "destination")? else {
                    continue;
                };
                let port = match object(meta, destination, "port")? {
                    Some(port) => unsigned(meta, port, "number")?,
                    None => None,
                };
                destinations.push(L4Destination {
                    host: string(meta, destination, "host")?
                        .unwrap_or_default()
                        .to_string(),
                    subset: string(meta, destination, "subset")?.map(str::to_string),
                    port,
                    weight: unsigned(meta, entry, "weight")?,
                });
            }
            routes.push(L4Route {
                tls,
                matches,
                destinations,
            });
        }
    }
    Ok(routes)
}
