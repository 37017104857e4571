//! The ServiceEntries that put external services in the registry: their hosts, ports and
//! protocol, and how Istio finds their endpoints.

use serde::Serialize;

use super::ids::ServiceEntryId;
use super::{Context, Meta, Protocol, Resource, istio_words};
use crate::model::{ExternalProtocol, ExternalService, Port};

/// A ServiceEntry.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceEntry {
    /// Id, name, namespace, comment.
    pub meta: Meta<ServiceEntryId>,
    /// `hosts`.
    pub hosts: Vec<String>,
    /// `resolution`.
    pub resolution: Resolution,
    /// `ports`.
    pub ports: Vec<ServiceEntryPort>,
}

/// A ServiceEntry port.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceEntryPort {
    /// `number`.
    pub number: Port,
    /// `name`.
    pub name: &'static str,
    /// `protocol`.
    pub protocol: Protocol,
    /// `targetPort`.
    pub target_port: Option<Port>,
}

istio_words! {
    /// `resolution`: how the proxy finds the endpoints of a host.
    pub enum Resolution {
        /// By DNS, for exact names.
        Dns = "DNS",
        /// The address the application connected to, for wildcards (`DNS` refuses them).
        None = "NONE",
    }
}

impl Resource for ServiceEntry {
    type Id = ServiceEntryId;

    fn id(&self) -> &ServiceEntryId {
        &self.meta.id
    }
}

pub(super) fn service_entry(context: &Context<'_>, external: &ExternalService) -> ServiceEntry {
    let hosts = external.host_list();
    let (name, protocol, what) = match external.protocol {
        ExternalProtocol::Https => ("https", Protocol::Https, "TLS from the application"),
        ExternalProtocol::Tls => ("tls", Protocol::Tls, "TLS from the application"),
        ExternalProtocol::Http => ("http", Protocol::Http, "plain HTTP"),
        ExternalProtocol::Tcp => ("tcp", Protocol::Tcp, "plain TCP"),
    };
    let own_port = ServiceEntryPort {
        number: external.port,
        name,
        protocol,
        target_port: None,
    };
    let (ports, comment) = match &external.origination {
        // Through the egress gateway the TLS port stays out of the registry: the sidecars could
        // pass the application's own TLS to it directly, around the gateway's policy.
        Some(origination) if external.via_gateway => (
            vec![ServiceEntryPort {
                number: origination.http_port,
                name: "http-tls-origination",
                protocol: Protocol::Http,
                target_port: Some(external.port),
            }],
            format!(
                "Registers {hosts}: plain HTTP on {} through the egress gateway, which \
                 originates TLS to port {}.",
                origination.http_port, external.port
            ),
        ),
        Some(origination) => (
            vec![
                ServiceEntryPort {
                    number: origination.http_port,
                    name: "http-tls-origination",
                    protocol: Protocol::Http,
                    target_port: Some(external.port),
                },
                own_port,
            ],
            format!(
                "Registers {hosts}: plain HTTP on {} (TLS originated by the sidecar), TLS on {}.",
                origination.http_port, external.port
            ),
        ),
        None => (
            vec![own_port],
            format!("Registers {hosts} ({what} on {}).", external.port),
        ),
    };
    ServiceEntry {
        meta: Meta::new(
            ServiceEntryId::External {
                external: external.name.clone(),
            },
            context.namespace(),
            comment,
        ),
        hosts: external.hosts.iter().map(ToString::to_string).collect(),
        resolution: if external.has_wildcard() {
            Resolution::None
        } else {
            Resolution::Dns
        },
        ports,
    }
}
