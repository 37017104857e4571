//! What a config applies to, as the webhook checks it: label keys and values, workload selectors
//! (`matchLabels` and the older `labels`), policy `targetRef(s)`, and `exportTo`.

use super::at::At;
use super::decode::{Msg, Report};
use super::go::q;
use super::hosts::is_label;

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`: a qualified name (or a non-empty label value).
fn is_qualified(s: &str) -> bool {
    let bytes = s.as_bytes();
    !s.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `labels.Instance.Validate`: every problem with these labels.
pub(super) fn label_errors(labels: &[(&str, &str)]) -> Vec<String> {
    let mut errors = Vec::new();
    for (key, value) in labels {
        let (prefix, name) = match key.split_once('/') {
            Some((prefix, name)) => (Some(prefix), name),
            None => (None, *key),
        };
        let prefix_ok = prefix.is_none_or(|p| p.split('.').all(is_label));
        if !prefix_ok || name.contains('/') || !is_qualified(name) {
            errors.push(format!("invalid tag key: {}", q(key)));
        } else if prefix.is_some_and(|p| p.len() > 253) {
            errors.push(format!(
                "invalid tag key: {} (DNS prefix is too long)",
                q(key)
            ));
        } else if name.len() > 63 {
            errors.push(format!("invalid tag key: {} (name is too long)", q(key)));
        }
        if !value.is_empty() && !is_qualified(value) {
            errors.push(format!("invalid tag value: {}", q(value)));
        }
    }
    errors
}

/// Reports the problems of the string map `key` of `msg` as labels, at the map.
pub(super) fn check_labels(r: Report<'_>, msg: &Msg<'_>, key: &str) {
    for e in label_errors(&msg.str_entries(key)) {
        r.error(&msg.at(key), e);
    }
}

fn selector_pair(key: &str, value: &str) -> String {
    q(&format!("{key}={value}"))
}

/// `validateWorkloadSelector` (`selector.matchLabels` of the security and telemetry kinds,
/// `workloadSelector` of a DestinationRule).
pub(super) fn check_workload_selector(r: Report<'_>, selector: Option<&Msg<'_>>) {
    let Some(selector) = selector else { return };
    let labels = selector.str_entries("matchLabels");
    let at = selector.at("matchLabels");
    for (key, value) in &labels {
        if key.is_empty() {
            r.error(
                &at,
                format!(
                    "empty key is not supported in selector: {}",
                    selector_pair(key, value)
                ),
            );
        }
        if key.contains('*') {
            r.error(
                &at,
                format!(
                    "wildcard is not supported in selector: {}",
                    selector_pair(key, value)
                ),
            );
        } else if value.contains('*') {
            r.error(
                &at.key(key),
                format!(
                    "wildcard is not supported in selector: {}",
                    selector_pair(key, value)
                ),
            );
        }
    }
    if labels.is_empty() {
        r.warning(
            selector.path(),
            "workload selector specified without labels",
        );
    }
}

/// `ValidateAlphaWorkloadSelector` (`workloadSelector.labels` of a ServiceEntry or an
/// EnvoyFilter): its errors, and the warning of a selector without labels.
pub(super) fn alpha_selector_findings<'a>(
    selector: Option<&Msg<'a>>,
) -> (Vec<(At<'a>, String)>, bool) {
    let Some(selector) = selector else {
        return (Vec::new(), false);
    };
    let labels = selector.str_entries("labels");
    let at = selector.at("labels");
    let mut errors = Vec::new();
    for (key, value) in &labels {
        if key.is_empty() {
            errors.push((
                at.clone(),
                format!(
                    "empty key is not supported in selector: {}",
                    selector_pair(key, value)
                ),
            ));
        }
        if key.contains('*') || value.contains('*') {
            let path = if key.contains('*') {
                at.clone()
            } else {
                at.key(key)
            };
            errors.push((
                path,
                format!(
                    "wildcard is not supported in selector: {}",
                    selector_pair(key, value)
                ),
            ));
        }
    }
    (errors, labels.is_empty())
}

/// The kinds a policy may target: (group, kind), `""` being the core group.
const TARGET_KINDS: [(&str, &str); 4] = [
    ("", "Service"),
    ("networking.istio.io", "ServiceEntry"),
    ("gateway.networking.k8s.io", "Gateway"),
    ("gateway.networking.k8s.io", "GatewayClass"),
];

/// `validateOneOfSelectorType` and `validatePolicyTargetReference(s)`.
pub(super) fn check_policy_target(r: Report<'_>, spec: &Msg<'_>) {
    let set = [
        spec.has("selector"),
        spec.has("targetRef"),
        !spec.items("targetRefs").is_empty(),
    ];
    if set.iter().filter(|s| **s).count() > 1 {
        r.error(
            spec.path(),
            "only one of targetRefs or workloadSelector can be set",
        );
    }
    let refs = spec
        .msg("targetRef")
        .into_iter()
        .chain(spec.msgs("targetRefs"));
    for reference in refs {
        if reference.str("name").is_empty() {
            r.error(&reference.at("name"), "targetRef name must be set");
        }
        if !reference.str("namespace").is_empty() {
            r.error(
                &reference.at("namespace"),
                "targetRef namespace must not be set; cross namespace referencing is not supported",
            );
        }
        let (group, kind) = (reference.str("group"), reference.str("kind"));
        let core = if group == "core" { "" } else { group };
        if !TARGET_KINDS.contains(&(core, kind)) {
            r.error(
                reference.path(),
                format!(
                    "targetRef must be to one of Service, networking.istio.io/ServiceEntry, \
                     gateway.networking.k8s.io/Gateway, gateway.networking.k8s.io/GatewayClass \
                     but was {group}/{kind}"
                ),
            );
        }
    }
}

/// How `exportTo` is checked for a kind.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ExportRules {
    /// VirtualService, DestinationRule without a workload selector.
    Plain,
    /// ServiceEntry: `~` (no one) is allowed.
    ServiceEntry,
    /// DestinationRule with a workload selector: its own namespace only.
    SelectorDestinationRule,
}

/// `validateExportTo`: (index of the entry, or `None` for the whole list; message).
pub(super) fn export_to_errors(
    namespace: &str,
    entries: &[(usize, &str)],
    rules: ExportRules,
) -> Vec<(Option<usize>, String)> {
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, entry) in entries {
        let key = if *entry == "." { namespace } else { entry };
        if seen.contains(&key) {
            let message = if key == *entry {
                format!("duplicate entries in exportTo for entry {entry}")
            } else {
                format!("duplicate entries in exportTo: . and current namespace {namespace}")
            };
            errors.push((Some(*i), message));
        } else if rules == ExportRules::ServiceEntry && *entry == "~" {
            seen.push(key);
        } else if key == "~" {
            errors.push((
                Some(*i),
                "exportTo ~ (none) is not allowed for Istio configuration objects".to_string(),
            ));
        } else if key != "." && key != "*" && !is_label(key) {
            errors.push((
                Some(*i),
                "only .,*, or a valid DNS 1123 label is allowed as exportTo entry".to_string(),
            ));
        } else {
            seen.push(key);
        }
    }
    if rules == ExportRules::SelectorDestinationRule && !seen.is_empty() {
        if !seen.contains(&namespace) {
            errors.push((
                None,
                "destination rule with workload selector cannot have exportTo beyond current \
                 namespace"
                    .to_string(),
            ));
        } else if seen.len() > 1 {
            errors.push((
                None,
                "destination rule with workload selector cannot have multiple entries in exportTo"
                    .to_string(),
            ));
        }
    }
    if seen.contains(&"*") && entries.len() > 1 {
        errors.push((
            None,
            "cannot have both public (*) and non-public exportTo values for a resource".to_string(),
        ));
    }
    if seen.contains(&"~") && entries.len() > 1 {
        errors.push((
            None,
            "cannot export service entry to no one (~) and someone".to_string(),
        ));
    }
    errors
}

/// Reports `spec.exportTo` of a document in `namespace`.
pub(super) fn check_export_to(r: Report<'_>, spec: &Msg<'_>, namespace: &str, rules: ExportRules) {
    let at = spec.at("exportTo");
    for (index, message) in export_to_errors(namespace, &spec.strs("exportTo"), rules) {
        let path = index.map_or_else(|| at.clone(), |i| at.index(i));
        r.error(&path, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(entries: &[&str], rules: ExportRules) -> usize {
        let indexed: Vec<(usize, &str)> = entries.iter().copied().enumerate().collect();
        export_to_errors("ns", &indexed, rules).len()
    }

    #[test]
    fn export_to() {
        assert_eq!(export(&[".", "*"], ExportRules::Plain), 1);
        assert_eq!(export(&[".", "ns"], ExportRules::Plain), 1);
        assert_eq!(export(&["~"], ExportRules::Plain), 1);
        assert_eq!(export(&["~"], ExportRules::ServiceEntry), 0);
        assert_eq!(export(&["~", "a"], ExportRules::ServiceEntry), 1);
        assert_eq!(export(&["Bad_ns"], ExportRules::Plain), 1);
        assert_eq!(export(&["a", "b"], ExportRules::Plain), 0);
        assert_eq!(export(&["."], ExportRules::SelectorDestinationRule), 0);
        assert_eq!(export(&["other"], ExportRules::SelectorDestinationRule), 1);
        assert_eq!(export(&[".", "b"], ExportRules::SelectorDestinationRule), 1);
    }

    #[test]
    fn labels() {
        assert!(label_errors(&[("app.kubernetes.io/name", "web"), ("version", "")]).is_empty());
        assert_eq!(label_errors(&[("a/b/c", "x")]).len(), 1);
        assert_eq!(label_errors(&[("-a", "x")]).len(), 1);
        assert_eq!(label_errors(&[("a", "x y")]).len(), 1);
        assert_eq!(label_errors(&[(&"n".repeat(64), "x")]).len(), 1);
        assert_eq!(label_errors(&[("Bad_Prefix/x", "y")]).len(), 1);
    }
}
