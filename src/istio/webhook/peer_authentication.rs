//! PeerAuthentication rules (`ValidatePeerAuthentication`): port-level mTLS needs a workload
//! selector and valid ports.

use super::decode::{Msg, Report};
use super::scope::check_workload_selector;

/// The rules of a PeerAuthentication.
pub(super) fn check(r: Report<'_>, spec: &Msg<'_>) {
    let selector = spec.msg("selector");
    let labels = selector.as_ref().and_then(|s| s.map("matchLabels"));
    let port_mtls = spec.map("portLevelMtls");
    let has_ports = port_mtls.as_ref().is_some_and(|p| !p.is_empty());
    if labels.is_none_or(|l| l.is_empty()) && has_ports {
        r.error(
            spec.path(),
            "mesh/namespace peer authentication cannot have port level mTLS",
        );
    }
    if port_mtls.as_ref().is_some_and(Vec::is_empty) {
        r.error(
            &spec.at("portLevelMtls"),
            "port level mTLS, if defined, must have at least one element",
        );
    }
    for (port, _) in port_mtls.unwrap_or_default() {
        let numeric = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        let in_range = port.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if numeric && !in_range {
            r.error(&spec.at("portLevelMtls"), "port must be in range 1..65535");
        }
    }
    check_workload_selector(r, selector.as_ref());
}
