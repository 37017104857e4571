//! The Istio vocabulary that the checker and the compiler share, in one place: releases and the
//! apiVersions each serves, Go durations, retry conditions, RE2 regular expressions. The
//! compiler imports it from here; nothing here knows of profiles.

mod duration;
pub mod re2;
mod release;
mod retry;

pub use duration::{GoDurationError, parse_go_nanos};
pub use release::{IstioVersion, VersionSyntax, served};
pub use retry::RETRY_ON;
