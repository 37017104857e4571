//! TLS and TCP through the egress gateway: the application's own TLS (`https` without TLS
//! origination, or `tls`) and plain TCP, each carried from the sidecar to the gateway inside
//! Istio mTLS, as Istio's recipe sends TLS through it (istio/istio.io
//! content/en/docs/tasks/traffic-management/egress/wildcard-egress-hosts/index.md, "Configure
//! traffic through egress gateway with SNI proxy", and "Monitoring and Policies for TLS Egress",
//! egress_sni_monitoring_and_policies/index.md: with mTLS to the gateway its policy sees the
//! caller's identity). The VirtualService bound to the mesh sends the connection to the
//! gateway's subset (a `tls` route by port and server name, or a `tcp` route by port; a TCP
//! connection carries no name, so the port must be the host's alone); the gateway's TLS server
//! in mode `ISTIO_MUTUAL` terminates the mTLS, and a `tcp` route bound to the gateway sends
//! what it carries on to the host. Istio's plain PASSTHROUGH recipe ("Egress gateway for HTTPS
//! traffic") would leave the gateway no caller identity for its policy to check.
//!
//! The gateway's policy can then check only what a TCP connection has: the caller's principal
//! and the server name of the mTLS connection, which the sidecar sets to the host from the
//! subset (`connection.sni`); Istio's TCP filter drops an ALLOW rule with HTTP fields.

use serde::Serialize;

use super::security::{Condition, Rule, Source};
use super::virtual_service::RouteDestination;
use crate::model::{ExternalProtocol, ExternalService, Host, Port};

/// The `tls` and `tcp` routes of a VirtualService.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct L4Routes {
    /// `tls`, in order.
    pub tls: Vec<L4Route>,
    /// `tcp`, in order.
    pub tcp: Vec<L4Route>,
}

/// One `tls` or `tcp` route: one match entry and one destination.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct L4Route {
    /// `match[0].gateways`.
    pub gateways: Vec<String>,
    /// `match[0].port`.
    pub port: Port,
    /// `match[0].sniHosts` (`tls` routes only).
    pub sni_hosts: Vec<String>,
    /// `route[0].destination`.
    pub destination: RouteDestination,
}

/// The routes of a TLS or TCP service through the gateway: the sidecars' connections to the
/// gateway's subset on `gateway_port`, the gateway's on to the host.
pub(super) fn routes(
    external: &ExternalService,
    host: &Host,
    gateway: (&Host, &str, Port),
) -> L4Routes {
    let (gateway_host, gateway_name, gateway_port) = gateway;
    let to_gateway = |sni_hosts: Vec<String>| L4Route {
        gateways: vec!["mesh".to_string()],
        port: external.port,
        sni_hosts,
        destination: RouteDestination {
            host: gateway_host.clone(),
            subset: Some(external.name.clone()),
            port: Some(gateway_port),
            weight: None,
        },
    };
    let onward = L4Route {
        gateways: vec![gateway_name.to_string()],
        port: gateway_port,
        sni_hosts: Vec::new(),
        destination: RouteDestination {
            host: host.clone(),
            subset: None,
            port: Some(external.port),
            weight: None,
        },
    };
    if external.protocol == ExternalProtocol::Tcp {
        L4Routes {
            tls: Vec::new(),
            tcp: vec![to_gateway(Vec::new()), onward],
        }
    } else {
        L4Routes {
            tls: vec![to_gateway(vec![host.to_string()])],
            tcp: vec![onward],
        }
    }
}

/// The comment of such a VirtualService.
pub(super) fn comment(external: &ExternalService, host: &Host) -> String {
    let what = if external.protocol == ExternalProtocol::Tcp {
        "TCP"
    } else {
        "The application's TLS"
    };
    format!(
        "{what} to {host} on port {} goes through the egress gateway, inside Istio mTLS.",
        external.port
    )
}

/// A rule of the gateway's policy for a TLS or TCP service: the callers, by the host as the
/// server name of their mTLS connection.
pub(super) fn rule(id: super::ids::RuleFor, principals: Vec<String>, host: &Host) -> Rule {
    Rule {
        id,
        from: vec![Source {
            principals,
            ..Source::default()
        }],
        to: Vec::new(),
        when: vec![Condition {
            key: "connection.sni".to_string(),
            values: vec![host.to_string()],
            not_values: Vec::new(),
        }],
    }
}
