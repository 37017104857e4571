//! The Istio vocabulary that the checker and the compiler share, in one place: releases and the
//! apiVersions each serves, Go durations, retry conditions, RE2 regular expressions, Go's URLs
//! and Istio's JWKS URIs. The compiler imports it from here; nothing here knows of profiles.

mod duration;
mod jwks;
pub mod re2;
mod release;
mod retry;
pub mod url;

pub use duration::{GoDurationError, parse_go_nanos};
pub use jwks::{JwksUri, JwksUriError, parse_jwks_uri};
pub use release::{IstioVersion, VersionSyntax, served};
pub use retry::RETRY_ON;
