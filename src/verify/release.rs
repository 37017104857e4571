//! Which apiVersions each Istio release serves (istio-rules.md §3.1), kept apart from the plan's
//! choice so that a wrong choice is caught: meshc must emit, for its target release, the newest
//! version that release serves.

use crate::model::IstioVersion;

const fn release(minor: u32) -> IstioVersion {
    IstioVersion { major: 1, minor }
}

/// The apiVersions of `group`/`kind` that `target` serves, newest first (empty: unknown kind).
pub fn served(group: &str, kind: &str, target: IstioVersion) -> &'static [&'static str] {
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
}
