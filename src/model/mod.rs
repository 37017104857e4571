//! The checked profile: newtypes that can only hold valid values, and the typed model that
//! `validate` builds from the raw profile. Nothing here knows TOML or YAML.

mod choices;
mod duration;
mod http;
mod names;
mod numbers;
mod profile;

use std::fmt;

pub use choices::{
    LogLevel, MtlsMode, MtlsScope, OutboundTraffic, PathNormalization, ServiceType, TlsVersion,
};
pub use duration::{Duration, DurationError, GoDurationError, parse_go_nanos};
pub use http::{HeaderName, HeaderValue, HttpPath, HttpsUrl, METHODS, Method, RETRY_ON, RetryOn};
pub use names::{Host, IstioVersion, LabelKey, LabelValue, Name, TagName};
pub use numbers::{Percent, Port, Quantity, Weight};
pub use profile::*;

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

impl fmt::Debug for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
