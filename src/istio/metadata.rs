//! Kubernetes' rules for `metadata`: name, namespace, label and annotation keys and values.
//! The CRD schema does not describe `metadata`; the API server checks it for every kind.

use super::schema::walk::{Issue, IssueSource};
use crate::diagnostic::Path;
use crate::yaml::{Node, Value, short};

/// Fields a manifest may set; the server-set ones below are known too.
const FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "labels",
    "annotations",
    "finalizers",
    "ownerReferences",
];

/// Fields the API server sets; a manifest carrying them is probably a copy of a live object.
const SERVER_SET: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

// Kubernetes writes these rules as regular expressions; matched by hand here, as a test below
// matches them against those expressions: compiling the four was 0.65 M instructions of every
// process that checks a render (callgrind of prod, issue 13).

/// Whether `s` is one or more bytes, `edge` at both ends and `inner` in between (`inner`
/// admits every `edge` byte).
fn framed(s: &str, edge: fn(u8) -> bool, inner: fn(u8) -> bool) -> bool {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => edge(first) && edge(last) && bytes.iter().all(|&b| inner(b)),
        _ => false,
    }
}

fn lower_alphanumeric(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

fn lower_alphanumeric_or_dash(b: u8) -> bool {
    lower_alphanumeric(b) || b == b'-'
}

fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// A DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub(crate) fn is_dns_label(s: &str) -> bool {
    s.len() <= 63 && framed(s, lower_alphanumeric, lower_alphanumeric_or_dash)
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.')
            .all(|label| framed(label, lower_alphanumeric, lower_alphanumeric_or_dash))
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 characters.
fn is_qualified_name(s: &str) -> bool {
    s.len() <= 63 && framed(s, |b| b.is_ascii_alphanumeric(), name_byte)
}

/// Empty, or a qualified name.
fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_qualified_name(s)
}

/// Checks an IstioOperator's `metadata`. It is `istioctl install`'s input, not a cluster
/// object, and istioctl needs neither `metadata` nor a name (Istio's own profiles have none):
/// only what is written is judged.
pub(crate) fn check_install(metadata: Option<&Node>) -> Vec<Issue> {
    let Some(metadata) = metadata else {
        return Vec::new();
    };
    let unnamed = metadata.get("name").is_none();
    let name = Path::of(&["metadata", "name"]);
    issues(Some(metadata), false)
        .into_iter()
        .filter(|issue| !(unnamed && issue.path == name))
        .collect()
}

/// Checks `metadata`. `metadata.namespace` is optional, as for `kubectl apply` (which applies
/// the object to its default namespace), unless `namespace_required`: meshc's own renders
/// name the namespace of every object, so that where they land does not depend on the
/// context they are applied in.
pub(crate) fn issues(metadata: Option<&Node>, namespace_required: bool) -> Vec<Issue> {
    let mut issues = Vec::new();
    let root = Path::of(&["metadata"]);
    let mut error = |path: Path, message: String| {
        issues.push(Issue {
            path,
            error: true,
            source: IssueSource::Schema,
            message,
            undecodable: false,
        });
    };
    let Some(metadata) = metadata else {
        error(root, "metadata is required (name)".to_string());
        return issues;
    };
    let Value::Map(entries) = &metadata.value else {
        error(
            root,
            format!("must be an object, not {}", metadata.type_name()),
        );
        return issues;
    };
    let mut warnings = Vec::new();
    for (key, _) in entries {
        if SERVER_SET.contains(&key.as_ref()) {
            warnings.push(root.key(key));
        } else if !FIELDS.contains(&key.as_ref()) {
            error(root.key(key), format!("unknown field {key:?}"));
        }
    }
    match metadata.get("name").map(|n| &n.value) {
        None => error(root.key("name"), "metadata.name is required".to_string()),
        Some(Value::Str(name)) if !is_dns_subdomain(name) => error(
            root.key("name"),
            format!(
                "{} is not a DNS-1123 subdomain (lower-case alphanumerics, '-', '.', at most 253 characters)",
                short(&Value::Str(name.clone()))
            ),
        ),
        Some(Value::Str(_)) => {}
        Some(other) => error(
            root.key("name"),
            format!("must be a string, not {}", other.type_name()),
        ),
    }
    match metadata.get("namespace").map(|n| &n.value) {
        None if namespace_required => error(
            root.key("namespace"),
            "metadata.namespace is required: meshc names the namespace of every object it renders"
                .to_string(),
        ),
        Some(Value::Str(ns)) if !is_dns_label(ns) => error(
            root.key("namespace"),
            format!(
                "{} is not a DNS-1123 label (lower-case alphanumerics and '-', at most 63 characters)",
                short(&Value::Str(ns.clone()))
            ),
        ),
        None | Some(Value::Str(_)) => {}
        Some(other) => error(
            root.key("namespace"),
            format!("must be a string, not {}", other.type_name()),
        ),
    }
    for field in ["labels", "annotations"] {
        let Some(map) = metadata.get(field) else {
            continue;
        };
        let Value::Map(pairs) = &map.value else {
            error(
                root.key(field),
                format!("must be a map of strings, not {}", map.type_name()),
            );
            continue;
        };
        for (key, value) in pairs {
            let at = root.key(field).key(key);
            let (prefix, name) = match key.rsplit_once('/') {
                Some((prefix, name)) => (Some(prefix), name),
                None => (None, key.as_ref()),
            };
            let prefix_ok = prefix.is_none_or(|p| {
                let p = if field == "annotations" {
                    p.to_ascii_lowercase()
                } else {
                    p.to_string()
                };
                is_dns_subdomain(&p)
            });
            if !is_qualified_name(name) || !prefix_ok {
                error(
                    at.clone(),
                    format!(
                        "invalid key {}: must be [prefix/]name, name at most 63 characters of \
                         [A-Za-z0-9-_.] starting and ending alphanumeric, prefix a DNS-1123 subdomain",
                        short(&Value::Str(key.clone()))
                    ),
                );
            }
            match &value.value {
                Value::Str(v) if field == "labels" && !is_label_value(v) => error(
                    at,
                    format!(
                        "invalid label value {}: at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric",
                        short(&value.value)
                    ),
                ),
                Value::Str(_) => {}
                other => error(
                    at,
                    format!(
                        "value must be a string, not {} {} (quote it)",
                        other.type_name(),
                        short(other)
                    ),
                ),
            }
        }
    }
    issues.extend(warnings.into_iter().map(|path| Issue {
        path,
        error: false,
        source: IssueSource::Schema,
        message: "set by the API server; does not belong in a manifest".to_string(),
        undecodable: false,
    }));
    issues
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn issues_of(text: &str, namespace_required: bool) -> Vec<String> {
        let doc = yaml::read(text).documents.remove(0).root;
        super::issues(doc.get("metadata"), namespace_required)
            .into_iter()
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect()
    }

    fn issues(text: &str) -> Vec<String> {
        issues_of(text, true)
    }

    #[test]
    fn the_namespace_is_optional_as_for_kubectl_unless_required() {
        assert!(issues_of("metadata: {name: a}", false).is_empty());
        assert_eq!(
            issues_of("metadata: {name: a, namespace: N}", false).len(),
            1
        );
        assert_eq!(issues_of("metadata: {name: a}", true).len(), 1);
    }

    #[test]
    fn names_namespaces_and_labels_follow_kubernetes() {
        assert!(
            issues("metadata: {name: a.b, namespace: ns, labels: {app.kubernetes.io/name: x}}")
                .is_empty()
        );
        assert_eq!(issues("metadata: {name: A, namespace: ns}").len(), 1);
        assert_eq!(
            issues("metadata: {name: a}"),
            vec![
                "metadata.namespace: metadata.namespace is required: meshc names the namespace of \
                 every object it renders"
            ]
        );
        assert_eq!(issues("metadata: {name: a, namespace: n.s}").len(), 1);
        assert_eq!(
            issues("metadata: {name: a, namespace: ns, labels: {v: 1.0}}"),
            vec!["metadata.labels.v: value must be a string, not number 1.0 (quote it)"]
        );
        assert_eq!(
            issues("metadata: {name: a, namespace: ns, lables: {}}").len(),
            1
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// The hand-written rules accept exactly what Kubernetes' expressions accept (short
        /// strings, where both accept some; the length limits are tested below).
        #[test]
        fn names_match_as_kubernetes_expressions_match(
            chars in proptest::collection::vec(
                proptest::sample::select(vec!['a', 'z', 'A', '0', '9', '-', '_', '.', 'é', '\n']),
                0..16,
            )
        ) {
            let s: String = chars.into_iter().collect();
            let matches = |pattern: &str| {
                regex::Regex::new(pattern).is_ok_and(|re| re.is_match(&s))
            };
            let label = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
            let subdomain = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
            let qualified = r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$";
            let value = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
            let short = s.len() <= 63;
            proptest::prop_assert_eq!(is_dns_label(&s), short && matches(label));
            proptest::prop_assert_eq!(is_dns_subdomain(&s), matches(subdomain));
            proptest::prop_assert_eq!(is_qualified_name(&s), short && matches(qualified));
            proptest::prop_assert_eq!(is_label_value(&s), short && matches(value));
        }
    }

    #[test]
    fn the_name_rules_at_their_edges() {
        assert!(is_dns_label("a") && is_dns_label("a-0") && is_dns_label(&"a".repeat(63)));
        assert!(!is_dns_label("") && !is_dns_label("-a") && !is_dns_label("a-"));
        assert!(!is_dns_label(&"a".repeat(64)) && !is_dns_label("A"));
        assert!(is_dns_subdomain("a.b-c.d") && is_dns_subdomain(&"a".repeat(253)));
        assert!(!is_dns_subdomain("a..b") && !is_dns_subdomain(".a") && !is_dns_subdomain(""));
        assert!(!is_dns_subdomain(&"a".repeat(254)));
        assert!(is_qualified_name("A_b.c-D") && !is_qualified_name("_a") && !is_qualified_name(""));
        assert!(is_label_value("") && is_label_value("v1.0") && !is_label_value("v1."));
    }

    #[test]
    fn an_install_file_needs_no_name() {
        let issues = |text: &str| {
            let doc = yaml::read(text).documents.remove(0).root;
            check_install(doc.get("metadata")).len()
        };
        assert_eq!(issues("kind: IstioOperator\n"), 0);
        assert_eq!(issues("metadata: {namespace: istio-system}\n"), 0);
        assert_eq!(issues("metadata: {name: Bad_Name}\n"), 1);
        assert_eq!(issues("metadata: {namespace: istio-system, nmae: x}\n"), 1);
    }
}
