//! The Istio vocabulary that the checker and the compiler share, in one place: releases and the
//! apiVersions each serves, Go durations, retry conditions, RE2 regular expressions, Go's URLs
//! and Istio's JWKS URIs. The compiler imports it from here; nothing here knows of profiles.

mod duration;
mod jwks;
pub(crate) mod re2;
mod release;
mod retry;
pub(crate) mod url;

pub(crate) use duration::{GoDurationError, parse_go_nanos};
pub(crate) use jwks::{JwksUriError, parse_jwks_uri};
pub(crate) use release::{IstioVersion, VersionSyntax, served};
pub(crate) use retry::RETRY_ON;
