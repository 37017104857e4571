//! The closed choices a profile makes: mTLS, outbound traffic, path normalisation, the proxy's
//! log level, the gateway's Service type and TLS floor.
//!
//! They mirror the profile's spellings one to one but belong to the model, so that neither the
//! TOML layer nor Istio's vocabulary leaks into the checked profile: `validate` converts the raw
//! choices once, and `plan` maps these to Istio's words.

/// How workloads accept peer traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtlsMode {
    /// Only mTLS.
    Strict,
    /// mTLS and plain text (an opt-in).
    Permissive,
    /// Plain text only (an opt-in).
    Disable,
}

/// Where the PeerAuthentication applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtlsScope {
    /// The whole mesh (a policy in the root namespace).
    Mesh,
    /// The workload namespace only.
    Namespace,
}

/// Where workloads may send traffic outside the mesh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboundTraffic {
    /// Only services in the registry (mesh services and external services).
    RegistryOnly,
    /// Anything (an opt-in).
    AllowAny,
}

/// How the proxies normalise request paths before matching them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathNormalization {
    /// No normalisation (unsafe with path-based policies).
    None,
    /// RFC 3986 normalisation.
    Base,
    /// Base, and merge repeated slashes.
    MergeSlashes,
    /// Merge slashes after decoding `%2F` and `%5C`.
    DecodeAndMergeSlashes,
}

/// The sidecars' Envoy log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Everything.
    Trace,
    /// Debugging detail.
    Debug,
    /// Informational.
    Info,
    /// Warnings and worse.
    Warning,
    /// Errors and worse.
    Error,
    /// Critical only.
    Critical,
    /// Nothing.
    Off,
}

/// The Kubernetes Service type of the ingress gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    /// An external load balancer.
    LoadBalancer,
    /// A port on every node.
    NodePort,
    /// Cluster-internal only.
    ClusterIp,
}

/// The lowest TLS version the ingress gateway accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.2.
    V1_2,
    /// TLS 1.3.
    V1_3,
}
