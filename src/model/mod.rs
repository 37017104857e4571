//! The checked profile: newtypes that can only hold valid values, and the typed model that
//! `validate` builds from the raw profile. Nothing here knows TOML or YAML.

mod choices;
mod cluster;
mod duration;
mod expect;
mod http;
mod ingress;
mod listed;
mod log_format;
mod names;
mod numbers;
mod ports;
mod profile;
mod public;
mod reach;
mod route_ops;
mod token;

use std::fmt;

pub(crate) use choices::{
    LogLevel, MtlsMode, MtlsScope, OutboundTraffic, PathNormalization, ServiceType, TlsVersion,
};
pub(crate) use cluster::{Cluster, Placement, Role};
pub(crate) use duration::{Duration, DurationError};
pub(crate) use expect::{Expect, ExpectFrom, ExpectHost, ExpectToken};
pub(crate) use http::{
    HeaderName, HeaderValue, HttpPath, HttpsUrl, Issuer, Method, RetryOn, UrlRefusal,
};
pub(crate) use ingress::{DEFAULT_INGRESS, HostClass};
pub(crate) use listed::Listed;
pub(crate) use log_format::{LogFormat, LogLayout, LogOperator};
pub(crate) use names::{
    DEFAULT_ISTIO_VERSION, Host, LabelKey, LabelValue, Name, OLDEST_ISTIO_VERSION, TagName,
};
pub(crate) use numbers::{Percent, Port, Quantity, Weight};
pub(crate) use ports::{NamedPort, PortProtocol};
pub use profile::*;
pub(crate) use public::open_to_tenants;
pub(crate) use reach::{Delivery, deliveries};
pub(crate) use route_ops::{Fault, HeaderCondition, HeaderOps, RouteHeaders};
pub(crate) use token::{ClaimName, ClaimValue, PrincipalRefusal, RequestPrincipal};

/// The Istio vocabulary the model shares with the checker.
pub(crate) use crate::istio::vocab::IstioVersion;
use crate::istio::vocab::VersionSyntax;

/// Why a value was refused, in one sentence that names the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Invalid(String);

impl Invalid {
    /// A reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

impl From<VersionSyntax> for Invalid {
    fn from(error: VersionSyntax) -> Self {
        Self(error.to_string())
    }
}

impl fmt::Debug for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
