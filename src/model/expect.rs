//! A checked `[[expect]]`: a request and the outcome the rendered mesh must give it.

use std::ops::Range;

use super::{HeaderName, Method, Name, Port};

/// One expectation.
#[derive(Debug, Clone)]
pub struct Expect {
    /// The `[[expect]]` table, where a failure is reported.
    pub span: Range<usize>,
    /// Where the request enters.
    pub from: ExpectFrom,
    /// The Host header; `None` at the gateway means its first host.
    pub host: Option<ExpectHost>,
    /// The port dialled.
    pub port: Option<Port>,
    /// The method.
    pub method: Method,
    /// The path as sent.
    pub path: String,
    /// Headers.
    pub headers: Vec<(HeaderName, String)>,
    /// The token.
    pub token: ExpectToken,
    /// Whether it must reach a workload.
    pub allow: bool,
    /// With `allow`: a destination it must be sent to, with its subset if one is named.
    pub route: Option<(Name, Option<Name>)>,
}

/// Where an expected request enters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectFrom {
    /// An ingress gateway: the named one (`gateway:<name>`), or the first.
    Gateway(Option<Name>),
    /// No sidecar, no identity.
    Plaintext,
    /// A service of the profile (its main workload).
    Service(Name),
    /// A workload with this namespace and service account.
    Account(Name, Name),
}

/// The Host header of an expected request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectHost {
    /// A service of the profile, by its cluster name.
    Service(Name),
    /// A host as written.
    Literal(String),
}

/// The token of an expected request.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectToken {
    /// None.
    None,
    /// One that fails verification.
    Invalid,
    /// A valid one.
    Claims {
        /// Issuer (`None`: the profile's).
        issuer: Option<String>,
        /// Audiences (`None`: the profile's).
        audiences: Option<Vec<String>>,
        /// Claims.
        claims: serde_json::Map<String, serde_json::Value>,
    },
}
