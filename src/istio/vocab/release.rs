//! Istio releases and the apiVersions each one serves (istio-rules.md §3.1). The table is kept
//! apart from the compiler's own choice of apiVersion, so that a wrong choice is caught: a
//! render must use, for its target release, the newest version that release serves.

use std::error::Error;
use std::fmt;

/// An Istio release, `MAJOR.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct IstioVersion {
    /// Major version (1).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl IstioVersion {
    /// Parses `1.30` (a patch part, `1.30.2`, is accepted and ignored).
    pub fn parse(text: &str) -> Result<Self, VersionSyntax> {
        let mut parts = text.split('.');
        let number = |p: Option<&str>| {
            p.filter(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u32>().ok())
        };
        let syntax = || VersionSyntax(text.to_string());
        let (Some(major), Some(minor)) = (number(parts.next()), number(parts.next())) else {
            return Err(syntax());
        };
        if let Some(patch) = parts.next()
            && (number(Some(patch)).is_none() || parts.next().is_some())
        {
            return Err(syntax());
        }
        Ok(Self { major, minor })
    }
}

impl fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A text that is not an Istio version (`MAJOR.MINOR`, optionally `.PATCH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSyntax(String);

impl fmt::Display for VersionSyntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an Istio version; write `MAJOR.MINOR`, such as `1.30`",
            self.0
        )
    }
}

impl Error for VersionSyntax {}

const fn release(minor: u32) -> IstioVersion {
    IstioVersion { major: 1, minor }
}

/// The apiVersions of `group`/`kind` that `target` serves, newest first (empty: unknown kind).
pub(crate) fn served(group: &str, kind: &str, target: IstioVersion) -> &'static [&'static str] {
    let from = |minor| target >= release(minor);
    match (group, kind) {
        (
            "networking.istio.io",
            "VirtualService" | "DestinationRule" | "Gateway" | "ServiceEntry" | "Sidecar"
            | "WorkloadEntry" | "WorkloadGroup",
        ) => {
            if from(22) {
                &["v1", "v1beta1", "v1alpha3"]
            } else {
                &["v1beta1", "v1alpha3"]
            }
        }
        ("networking.istio.io", "EnvoyFilter") => &["v1alpha3"],
        ("security.istio.io", "AuthorizationPolicy" | "RequestAuthentication") => {
            if from(17) {
                &["v1", "v1beta1"]
            } else {
                &["v1beta1"]
            }
        }
        ("security.istio.io", "PeerAuthentication") => {
            if from(22) {
                &["v1", "v1beta1"]
            } else {
                &["v1beta1"]
            }
        }
        ("telemetry.istio.io", "Telemetry") => {
            if from(22) {
                &["v1", "v1alpha1"]
            } else {
                &["v1alpha1"]
            }
        }
        ("install.istio.io", "IstioOperator") => &["v1alpha1"],
        ("", "Namespace") => &["v1"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_the_release_table() {
        assert_eq!(
            served("networking.istio.io", "VirtualService", release(22))[0],
            "v1"
        );
        assert_eq!(
            served("networking.istio.io", "VirtualService", release(21))[0],
            "v1beta1"
        );
        assert_eq!(
            served("security.istio.io", "AuthorizationPolicy", release(17))[0],
            "v1"
        );
        assert_eq!(
            served("security.istio.io", "PeerAuthentication", release(21))[0],
            "v1beta1"
        );
        assert_eq!(
            served("telemetry.istio.io", "Telemetry", release(20))[0],
            "v1alpha1"
        );
        assert_eq!(
            served("networking.istio.io", "EnvoyFilter", release(30)),
            ["v1alpha3"]
        );
        assert!(served("networking.istio.io", "Nonsense", release(30)).is_empty());
    }

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(IstioVersion::parse("1.30").unwrap(), release(30));
        assert!(IstioVersion::parse("1.22.3").is_ok());
        for bad in ["1", "1.", "v1.2", "1.2.3.4", "1.x", ""] {
            assert!(IstioVersion::parse(bad).is_err(), "{bad:?}");
        }
        assert!(IstioVersion::parse("1.9").unwrap() < IstioVersion::parse("1.17").unwrap());
        assert_eq!(
            IstioVersion::parse("1.x").unwrap_err().to_string(),
            "`1.x` is not an Istio version; write `MAJOR.MINOR`, such as `1.30`"
        );
    }
}
