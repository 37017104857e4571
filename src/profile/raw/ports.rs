//! `[[services.<name>.ports]]`: the ports of a service with several, as written.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::profile::spanned::Sp;

/// One port of a service with several.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawNamedPort {
    /// The Service port's name, as the Kubernetes Service names it: `<protocol>` or
    /// `<protocol>-<suffix>` (`http-a1`, `grpc-e2`, `tcp-db`), since Istio reads the protocol
    /// from it. At most 15 characters.
    pub name: Sp<String>,
    /// The Service port.
    pub port: Sp<i64>,
    /// `http`, `http2`, `grpc`, `https`, `tls` or `tcp`. Default: the one the name gives.
    pub protocol: Option<Sp<PortProtocol>>,
    /// The container port behind it, which authorization policies match. Default: `port`.
    pub target_port: Option<Sp<i64>>,
}

/// A Service port's protocol, as Istio's protocol selection names it.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PortProtocol {
    /// HTTP/1.1 (and HTTP/2 with prior knowledge).
    Http,
    /// HTTP/2.
    Http2,
    /// gRPC over HTTP/2.
    Grpc,
    /// TLS with HTTP inside, passed through as TLS.
    Https,
    /// TLS, passed through.
    Tls,
    /// Opaque TCP.
    Tcp,
}
