//! Where a route's destination goes: the DestinationRule that applies to the caller (its own
//! namespace first, then the host's, then the root namespace; several in one namespace merge,
//! istio/istio pilot/pkg/model/push_context.go `destinationRule`), the subset's labels, the
//! workloads behind them, and whether the caller's sidecar speaks mTLS to them
//! (DestinationRule `tls`, else auto mTLS).

use crate::simulate::decode::{DestinationRule, TlsMode, TrafficTls};
use crate::simulate::pod_labels::PodLabels;
use crate::simulate::selector::Selector;
use crate::simulate::topology::Workload;
use crate::simulate::trace::{Decider, Part};

use super::host::{fqdn, overlaps};
use super::virtual_service::exported;

/// Endpoints carry their node's region as this label (Istio augments endpoint labels).
pub(crate) const REGION_LABEL: &str = "topology.kubernetes.io/region";

/// The caller whose DestinationRules apply.
pub(crate) struct Caller<'a> {
    pub namespace: &'a str,
    /// `None`: the caller's labels are not known.
    pub labels: Option<&'a PodLabels>,
}

/// The DestinationRules (indices) that apply to `host` for `caller`, merged in document order;
/// `hosts` holds each rule's host in full ([`fqdn`] in its namespace, [`full_hosts`]),
/// `candidates` the rules whose host may match (all of them will do); `Err` when the caller's
/// labels are needed and unknown.
pub(crate) fn rules_for(
    rules: &[DestinationRule],
    hosts: &[String],
    candidates: &[usize],
    host: &str,
    host_namespace: Option<&str>,
    caller: &Caller<'_>,
    root: &str,
) -> Result<Vec<usize>, &'static str> {
    let spaces = [Some(caller.namespace), host_namespace, Some(root)];
    for (step, space) in spaces.into_iter().flatten().enumerate() {
        // The most specific host wins: an exact name over wildcards. Kept as they are found,
        // the wildcards dropped when the first exact name comes, so that one list is built.
        let mut found: Vec<usize> = Vec::new();
        let mut exact = false;
        for &i in candidates {
            let rule = &rules[i];
            // The namespace first: it costs no copy of the host, which most candidates fail.
            if rule.meta.namespace != space {
                continue;
            }
            let dr_host = &hosts[i];
            if !overlaps(dr_host, host) {
                continue;
            }
            // A proxy in the root namespace (the gateways) first looks only at the root
            // namespace's private rules, so that a catch-all `*.local` rule there does not shadow
            // every service's own (push_context.go `destinationRule`: `rootNamespaceLocal`, which
            // `setDestinationRules` fills with the root's rules exported to `.` alone).
            if step == 0 && caller.namespace == root && !private_only(rule) {
                continue;
            }
            if step > 0 && !exported(&rule.export_to, &rule.meta.namespace, caller.namespace) {
                continue;
            }
            if let Some(selector) = rule.workload_selector.as_ref().filter(|s| !s.is_empty()) {
                if rule.meta.namespace != caller.namespace {
                    continue;
                }
                match caller.labels {
                    Some(labels) if crate::simulate::topology::selects(selector, labels) => {}
                    Some(_) => continue,
                    None => return Err("the caller's labels (a DestinationRule workloadSelector)"),
                }
            }
            let named = *dr_host == host;
            if named && !exact {
                found.clear();
                exact = true;
            }
            if named == exact {
                found.push(i);
            }
        }
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// The host of each rule in full, as [`rules_for`] compares them: computed once per mesh,
/// where each destination of each request built every candidate's again.
pub(crate) fn full_hosts(rules: &[DestinationRule]) -> Vec<String> {
    rules
        .iter()
        .map(|rule| fqdn(&rule.host, &rule.meta.namespace))
        .collect()
}

/// Whether a rule is exported to its own namespace alone (`exportTo: ["."]` or its namespace);
/// no `exportTo` means Istio's default, every namespace.
fn private_only(rule: &DestinationRule) -> bool {
    matches!(rule.export_to.as_slice(), [only] if only == "." || *only == rule.meta.namespace)
}

/// A subset's labels, its client TLS on `port` (its port setting before its own `tls`, as
/// istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go `MergeTrafficPolicy` lets a
/// subset's port settings win), and the rule (and part) that defines it: the first definition
/// wins.
pub(crate) fn subset<'m>(
    rules: &'m [DestinationRule],
    applied: &[usize],
    name: &str,
    port: u16,
) -> Option<(&'m Selector, TlsMode, Decider<'m>)> {
    let (i, j) = subset_of(rules, applied, name)?;
    Some(subset_at(rules, i, j, port))
}

/// Where the first definition of subset `name` is among the `applied` rules: (rule, subset).
pub(crate) fn subset_of(
    rules: &[DestinationRule],
    applied: &[usize],
    name: &str,
) -> Option<(usize, usize)> {
    applied.iter().find_map(|&i| {
        rules[i]
            .subsets
            .iter()
            .position(|(n, _, _)| n == name)
            .map(|j| (i, j))
    })
}

/// [`subset`] of subset `j` of rule `i`.
pub(crate) fn subset_at(
    rules: &[DestinationRule],
    i: usize,
    j: usize,
    port: u16,
) -> (&Selector, TlsMode, Decider<'_>) {
    let rule = &rules[i];
    let (_, labels, tls) = &rule.subsets[j];
    let on_port = rule
        .subset_port_tls
        .iter()
        .find(|(s, p, mode)| *s == j && *p == u32::from(port) && *mode != TlsMode::Unset)
        .map(|(_, _, mode)| *mode);
    (
        labels,
        on_port.unwrap_or(*tls),
        Decider {
            kind: "DestinationRule",
            namespace: &rule.meta.namespace,
            name: &rule.meta.name,
            part: Part::Subset(j),
        },
    )
}

/// The client TLS a DestinationRule sets for `port`: the subset's, then the port's, then the
/// rule's.
pub(crate) fn client_tls(
    rules: &[DestinationRule],
    applied: &[usize],
    subset: TlsMode,
    port: u16,
) -> TlsMode {
    if subset != TlsMode::Unset {
        return subset;
    }
    let Some(&first) = applied.first() else {
        return TlsMode::Unset;
    };
    let rule = &rules[first];
    rule.port_tls
        .iter()
        .find(|(p, mode)| *p == u32::from(port) && *mode != TlsMode::Unset)
        .map_or(rule.tls, |(_, mode)| *mode)
}

/// The SNI a DestinationRule sets for `port` of `subset`: the subset's port setting, the
/// subset's own, the rule's port setting, then the rule's own (the order of `client_tls`).
pub(crate) fn client_sni<'m>(
    rules: &'m [DestinationRule],
    applied: &[usize],
    subset: Option<&str>,
    port: u16,
) -> Option<&'m str> {
    let &first = applied.first()?;
    let subset_rule = subset.and_then(|name| {
        applied.iter().find_map(|&i| {
            let j = rules[i].subsets.iter().position(|(n, _, _)| n == name)?;
            Some((i, j))
        })
    });
    let port = u32::from(port);
    let find = |i: usize, at: Option<usize>, on: Option<u32>| {
        rules[i]
            .sni
            .iter()
            .find(|(s, p, _)| *s == at && *p == on)
            .map(|(_, _, name)| name.as_str())
    };
    subset_rule
        .and_then(|(i, j)| find(i, Some(j), Some(port)).or_else(|| find(i, Some(j), None)))
        .or_else(|| find(first, None, Some(port)))
        .or_else(|| find(first, None, None))
}

/// Whether a workload's pods carry every label of a subset (a region label is one of its
/// regions).
pub(crate) fn in_subset(labels: &Selector, workload: &Workload) -> bool {
    labels.iter().all(|(k, v)| {
        workload.labels.get(k) == Some(v)
            || (k == REGION_LABEL && workload.regions.iter().any(|r| r == v))
    })
}

/// Whether the caller's sidecar sends mTLS: `Err` for a TLS mode the simulator does not model.
pub(crate) fn sends_mtls(
    mode: TlsMode,
    auto_mtls: bool,
    server_disables: bool,
) -> Result<bool, String> {
    match mode {
        TlsMode::Set(TrafficTls::IstioMutual) => Ok(true),
        TlsMode::Set(TrafficTls::Disable) => Ok(false),
        TlsMode::Set(TrafficTls::Other) => Err(
            "a DestinationRule sets TLS with the caller's own certificates (SIMPLE or MUTUAL)"
                .to_string(),
        ),
        // Auto mTLS: mTLS to a sidecar unless its PeerAuthentication disables it.
        TlsMode::Unset => Ok(auto_mtls && !server_disables),
    }
}

#[cfg(test)]
#[path = "destination_tests.rs"]
mod tests;
