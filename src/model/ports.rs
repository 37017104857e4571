//! The ports of a service with several, and their protocols.

use super::{Name, Port};

/// One port of a service with several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPort {
    /// Its name.
    pub name: Name,
    /// The Service port.
    pub port: Port,
    /// The container port.
    pub target_port: Port,
    /// Its protocol.
    pub protocol: PortProtocol,
}

/// A Service port's protocol, as Istio's protocol selection names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortProtocol {
    /// HTTP/1.1.
    Http,
    /// HTTP/2.
    Http2,
    /// gRPC.
    Grpc,
    /// TLS carrying HTTP, passed through.
    Https,
    /// TLS, passed through.
    Tls,
    /// Opaque TCP.
    Tcp,
}

impl PortProtocol {
    /// Every protocol, by the name Istio reads from a port name's prefix.
    pub const ALL: [(&'static str, Self); 6] = [
        ("http", Self::Http),
        ("http2", Self::Http2),
        ("grpc", Self::Grpc),
        ("https", Self::Https),
        ("tls", Self::Tls),
        ("tcp", Self::Tcp),
    ];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("tcp", |(name, _)| name)
    }

    /// Whether the sidecar reads its requests as HTTP, so that routes and HTTP rules apply.
    pub fn is_http(self) -> bool {
        matches!(self, Self::Http | Self::Http2 | Self::Grpc)
    }
}

impl super::Service {
    /// The Service port a gateway route sends to: the port named `name`, or the main port.
    pub fn route_port(&self, name: Option<&Name>) -> Port {
        name.and_then(|name| self.ports.iter().find(|p| &p.name == name))
            .map_or(self.port, |p| p.port)
    }

    /// The Service port a caller held to `caller_ports` (container ports; empty: every port)
    /// dials with HTTP: the first HTTP port among them, or the main port; `None` when it is
    /// held to non-HTTP ports only.
    pub fn http_port_for(&self, caller_ports: &[Port]) -> Option<Port> {
        if caller_ports.is_empty() {
            return Some(self.port);
        }
        self.ports
            .iter()
            .find(|p| p.protocol.is_http() && caller_ports.contains(&p.target_port))
            .map(|p| p.port)
    }
}
