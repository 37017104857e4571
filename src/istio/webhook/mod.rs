//! The admission webhook's single-document rules: what istiod's validating webhook and
//! `istioctl validate` reject (error) or warn about beyond the CRD schema, for VirtualService,
//! DestinationRule, Gateway, ServiceEntry, PeerAuthentication, AuthorizationPolicy,
//! RequestAuthentication, Telemetry and EnvoyFilter (istio/istio pkg/config/validation).
//!
//! The document is read as Istio's protobuf decoder reads it (see `decode`). A spec that the
//! decoder refuses, because a field read here has the wrong JSON type or an enum field an unknown
//! value, gets no findings: the webhook never sees it, and the CRD schema reports it.

mod at;
mod authorization;
mod decode;
mod destination_rule;
mod durations;
mod envoy_filter;
mod gateway;
mod go;
mod headers;
mod hosts;
mod locality;
mod peer_authentication;
mod regex;
mod request_authentication;
mod scope;
mod security;
mod service_entry;
mod telemetry;
mod unreachable;
mod virtual_service;

use crate::yaml::{Node, Value};

use crate::diagnostic::{Path, Severity};
use at::At;
pub use decode::referee_path;
use decode::{Context, Msg, Report};
use go::q;

/// A webhook finding on one document, before the checker places it in its file as a
/// `webhook` diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebhookFinding {
    /// Error (the webhook rejects the object) or warning (it admits it with a warning).
    pub severity: Severity,
    /// Where: `spec.http[0].route[1].weight` ([`referee_path`] writes it as the referee does).
    pub path: Path,
    /// What is wrong, in the webhook's words.
    pub message: String,
}

/// The kinds the webhook rules cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    VirtualService,
    DestinationRule,
    Gateway,
    ServiceEntry,
    PeerAuthentication,
    AuthorizationPolicy,
    RequestAuthentication,
    Telemetry,
    EnvoyFilter,
}

impl Kind {
    /// The kind of `document`, when it is one of the nine at a served API version.
    fn of(document: &Node) -> Option<Self> {
        let api_version = document.get("apiVersion")?.as_str()?;
        Self::named(api_version, document.get("kind")?.as_str()?)
    }

    /// The kind named by an `apiVersion` and a `kind`, when it is one of the nine at a served
    /// API version.
    fn named(api_version: &str, kind: &str) -> Option<Self> {
        let (group, version) = api_version.rsplit_once('/')?;
        let kind = match (group, kind) {
            ("networking.istio.io", "VirtualService") => Self::VirtualService,
            ("networking.istio.io", "DestinationRule") => Self::DestinationRule,
            ("networking.istio.io", "Gateway") => Self::Gateway,
            ("networking.istio.io", "ServiceEntry") => Self::ServiceEntry,
            ("networking.istio.io", "EnvoyFilter") => Self::EnvoyFilter,
            ("security.istio.io", "PeerAuthentication") => Self::PeerAuthentication,
            ("security.istio.io", "AuthorizationPolicy") => Self::AuthorizationPolicy,
            ("security.istio.io", "RequestAuthentication") => Self::RequestAuthentication,
            ("telemetry.istio.io", "Telemetry") => Self::Telemetry,
            _ => return None,
        };
        let served: &[&str] = match kind {
            Self::EnvoyFilter => &["v1alpha3"],
            Self::Telemetry => &["v1", "v1alpha1"],
            Self::PeerAuthentication | Self::AuthorizationPolicy | Self::RequestAuthentication => {
                &["v1", "v1beta1"]
            }
            _ => &["v1", "v1beta1", "v1alpha3"],
        };
        served.contains(&version).then_some(kind)
    }

    /// The enum fields of the kind's spec (paths below `spec` by segment, `[]` for list items
    /// and `*` for map values; paths written with dots and split for every document were 8 % of
    /// the rules' instructions) and their values.
    fn enums(self) -> &'static [(&'static [&'static str], &'static [&'static str])] {
        const H2_UPGRADE: &[&str] = &["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"];
        const SIMPLE_LB: &[&str] = &[
            "UNSPECIFIED",
            "LEAST_CONN",
            "RANDOM",
            "PASSTHROUGH",
            "ROUND_ROBIN",
            "LEAST_REQUEST",
        ];
        const CLIENT_TLS: &[&str] = &["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"];
        const PROXY_PROTOCOL: &[&str] = &["V1", "V2"];
        const TLS_VERSION: &[&str] = &["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"];
        const MTLS: &[&str] = &["UNSET", "DISABLE", "PERMISSIVE", "STRICT"];
        const MODE: &[&str] = &["CLIENT_AND_SERVER", "CLIENT", "SERVER"];
        match self {
            Self::DestinationRule => &[
                (
                    &["trafficPolicy", "connectionPool", "http", "h2UpgradePolicy"],
                    H2_UPGRADE,
                ),
                (&["trafficPolicy", "loadBalancer", "simple"], SIMPLE_LB),
                (&["trafficPolicy", "tls", "mode"], CLIENT_TLS),
                (
                    &["trafficPolicy", "proxyProtocol", "version"],
                    PROXY_PROTOCOL,
                ),
                (
                    &[
                        "trafficPolicy",
                        "portLevelSettings[]",
                        "connectionPool",
                        "http",
                        "h2UpgradePolicy",
                    ],
                    H2_UPGRADE,
                ),
                (
                    &[
                        "trafficPolicy",
                        "portLevelSettings[]",
                        "loadBalancer",
                        "simple",
                    ],
                    SIMPLE_LB,
                ),
                (
                    &["trafficPolicy", "portLevelSettings[]", "tls", "mode"],
                    CLIENT_TLS,
                ),
                (
                    &[
                        "subsets[]",
                        "trafficPolicy",
                        "connectionPool",
                        "http",
                        "h2UpgradePolicy",
                    ],
                    H2_UPGRADE,
                ),
                (
                    &["subsets[]", "trafficPolicy", "loadBalancer", "simple"],
                    SIMPLE_LB,
                ),
                (&["subsets[]", "trafficPolicy", "tls", "mode"], CLIENT_TLS),
                (
                    &["subsets[]", "trafficPolicy", "proxyProtocol", "version"],
                    PROXY_PROTOCOL,
                ),
                (
                    &[
                        "subsets[]",
                        "trafficPolicy",
                        "portLevelSettings[]",
                        "connectionPool",
                        "http",
                        "h2UpgradePolicy",
                    ],
                    H2_UPGRADE,
                ),
                (
                    &[
                        "subsets[]",
                        "trafficPolicy",
                        "portLevelSettings[]",
                        "loadBalancer",
                        "simple",
                    ],
                    SIMPLE_LB,
                ),
                (
                    &[
                        "subsets[]",
                        "trafficPolicy",
                        "portLevelSettings[]",
                        "tls",
                        "mode",
                    ],
                    CLIENT_TLS,
                ),
            ],
            Self::EnvoyFilter => &[
                (&["configPatches[]", "applyTo"], envoy_filter::APPLY_TO),
                (
                    &["configPatches[]", "match", "context"],
                    &[
                        "ANY",
                        "SIDECAR_INBOUND",
                        "SIDECAR_OUTBOUND",
                        "GATEWAY",
                        "WAYPOINT",
                    ],
                ),
                (
                    &[
                        "configPatches[]",
                        "match",
                        "routeConfiguration",
                        "vhost",
                        "route",
                        "action",
                    ],
                    &["ANY", "ROUTE", "REDIRECT", "DIRECT_RESPONSE"],
                ),
                (
                    &["configPatches[]", "patch", "filterClass"],
                    &["UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"],
                ),
                (
                    &["configPatches[]", "patch", "operation"],
                    envoy_filter::OPERATIONS,
                ),
            ],
            Self::Gateway => &[
                (&["servers[]", "tls", "maxProtocolVersion"], TLS_VERSION),
                (&["servers[]", "tls", "minProtocolVersion"], TLS_VERSION),
                (&["servers[]", "tls", "mode"], gateway::TLS_MODES),
            ],
            Self::ServiceEntry => &[
                (&["location"], &["MESH_EXTERNAL", "MESH_INTERNAL"]),
                (&["resolution"], service_entry::RESOLUTIONS),
            ],
            Self::VirtualService => &[
                (
                    &["http[]", "corsPolicy", "unmatchedPreflights"],
                    &["UNSPECIFIED", "FORWARD", "IGNORE"],
                ),
                (
                    &["http[]", "redirect", "derivePort"],
                    &["FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"],
                ),
            ],
            Self::AuthorizationPolicy => &[(&["action"], authorization::ACTIONS)],
            Self::PeerAuthentication => &[
                (&["mtls", "mode"], MTLS),
                (&["portLevelMtls", "*", "mode"], MTLS),
            ],
            Self::Telemetry => &[
                (&["accessLogging[]", "match", "mode"], MODE),
                (
                    &["metrics[]", "overrides[]", "match", "metric"],
                    telemetry::METRICS,
                ),
                (&["metrics[]", "overrides[]", "match", "mode"], MODE),
                (
                    &["metrics[]", "overrides[]", "tagOverrides", "*", "operation"],
                    &["UPSERT", "REMOVE"],
                ),
                (&["tracing[]", "match", "mode"], MODE),
            ],
            Self::RequestAuthentication => &[],
        }
    }
}

/// Whether every enum field below `value` along `pattern` holds a known value (or null).
fn enum_values_known(value: &Node, pattern: &[&str], allowed: &[&str]) -> bool {
    let Some((first, rest)) = pattern.split_first() else {
        return match &value.value {
            Value::Str(s) => allowed.contains(&s.as_ref()),
            _ => decode::is_null(value),
        };
    };
    let Value::Map(object) = &value.value else {
        return true;
    };
    if *first == "*" {
        return object
            .iter()
            .all(|(_, v)| enum_values_known(v, rest, allowed));
    }
    match first.strip_suffix("[]") {
        Some(key) => match value.get(key).map(|v| &v.value) {
            Some(Value::Seq(items)) => items
                .iter()
                .all(|item| enum_values_known(item, rest, allowed)),
            _ => true,
        },
        None => value
            .get(first)
            .is_none_or(|v| enum_values_known(v, rest, allowed)),
    }
}

/// A document's metadata, as the rules use it.
struct Meta<'a> {
    name: &'a str,
    namespace: &'a str,
    annotations: Vec<(&'a str, &'a str)>,
    labels: Vec<(&'a str, &'a str)>,
}

impl<'a> Meta<'a> {
    fn read(document: &'a Node<'a>) -> Self {
        let meta = document.get("metadata");
        let text = |key: &str| meta.and_then(|m| m.get(key)).and_then(Node::as_str);
        let strings = |key: &str| -> Vec<(&'a str, &'a str)> {
            match meta.and_then(|m| m.get(key)).map(|v| &v.value) {
                Some(Value::Map(map)) => decode::sorted(map)
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_str()?)))
                    .collect(),
                _ => Vec::new(),
            }
        };
        Self {
            name: text("name").unwrap_or(""),
            namespace: text("namespace").unwrap_or(""),
            annotations: strings("annotations"),
            labels: strings("labels"),
        }
    }

    fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    fn label(&self, key: &str) -> Option<&'a str> {
        self.labels.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

const DRY_RUN: &str = "istio.io/dry-run";
/// What Go's `strconv.ParseBool` accepts.
const BOOLS: [&str; 12] = [
    "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False",
];
const RESERVED_ANNOTATIONS: [&str; 3] = [
    "internal.istio.io/webhook-always-reject",
    "internal.istio.io/parent-namespace",
    "internal.istio.io/parents",
];

/// `validateMetadata`, which runs before every kind's rules: false when it rejects the object,
/// which ends the check.
fn metadata_accepts(r: Report<'_>, kind: Kind, meta: &Meta<'_>, spec: &Msg<'_>) -> bool {
    let annotations = At::root().key("metadata").key("annotations");
    let object = format!("{}/{}", meta.namespace, meta.name);
    if let Some(value) = meta.annotation(DRY_RUN) {
        let at = annotations.key(DRY_RUN);
        if kind != Kind::AuthorizationPolicy {
            r.error(
                &at,
                format!(
                    "{object} has unsupported annotation {DRY_RUN}, please remove the annotation"
                ),
            );
            return false;
        }
        let action = match spec.enumeration("action", authorization::ACTIONS) {
            "" => "ALLOW",
            action => action,
        };
        if action != "ALLOW" && action != "DENY" {
            r.error(
                &at,
                format!(
                    "the annotation {DRY_RUN} currently only supports action ALLOW/DENY, found \
                     action {action} in {object}"
                ),
            );
            return false;
        }
        if !BOOLS.contains(&value) {
            r.error(
                &at,
                format!(
                    "{object} has annotation {DRY_RUN} with invalid value ({value}): \
                     strconv.ParseBool: parsing {}: invalid syntax",
                    q(value)
                ),
            );
            return false;
        }
    }
    for reserved in RESERVED_ANNOTATIONS {
        if meta.annotation(reserved).is_some() {
            let message = if reserved.ends_with("always-reject") {
                format!("{} annotation found, rejecting", q(reserved))
            } else {
                format!(
                    "{} annotation found, this may not be set by users",
                    q(reserved)
                )
            };
            r.error(&annotations.key(reserved), message);
            return false;
        }
    }
    true
}

/// Whether the rules cover objects of this `apiVersion` and `kind` (one of the nine kinds, at
/// a served API version), so that a caller can skip converting other objects.
pub(crate) fn covers(api_version: &str, kind: &str) -> bool {
    Kind::named(api_version, kind).is_some()
}

/// The rules' findings on one document (a Kubernetes object as JSON): none for a kind the rules
/// do not cover ([`covers`]), or a spec Istio's decoder refuses.
pub fn check(document: &serde_json::Value) -> Vec<WebhookFinding> {
    check_node(&crate::yaml::from_json(document))
}

/// [`check`] on the document as the YAML reader read it, as kubectl would hand it to the API
/// server as JSON: the checker's way, with no JSON copy of the document.
pub(crate) fn check_node(document: &Node) -> Vec<WebhookFinding> {
    let Some(kind) = Kind::of(document) else {
        return Vec::new();
    };
    let spec_value = match document.get("spec") {
        None => None,
        Some(spec) if decode::is_null(spec) => None,
        Some(
            spec @ Node {
                value: Value::Map(_),
                ..
            },
        ) => Some(spec),
        Some(_) => return Vec::new(),
    };
    if let Some(spec) = spec_value {
        let known = kind
            .enums()
            .iter()
            .all(|(pattern, allowed)| enum_values_known(spec, pattern, allowed));
        if !known {
            return Vec::new();
        }
    }
    let context = Context::default();
    let meta = Meta::read(document);
    let spec = Msg::new(spec_value, At::root().key("spec"), &context);
    let r = context.report();
    if metadata_accepts(r, kind, &meta, &spec) {
        match kind {
            Kind::VirtualService => virtual_service::check(r, &meta, &spec),
            Kind::DestinationRule => destination_rule::check(r, &meta, &spec),
            Kind::Gateway => gateway::check(r, &meta, &spec),
            Kind::ServiceEntry => service_entry::check(r, &meta, &spec),
            Kind::PeerAuthentication => peer_authentication::check(r, &spec),
            Kind::AuthorizationPolicy => authorization::check(r, &spec),
            Kind::RequestAuthentication => request_authentication::check(r, &spec),
            Kind::Telemetry => telemetry::check(r, &spec),
            Kind::EnvoyFilter => envoy_filter::check(r, &spec),
        }
    }
    context.into_findings()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_nine_istio_kinds_at_served_versions() {
        let doc = |api: &str, kind: &str| {
            crate::yaml::from_json(&serde_json::json!({"apiVersion": api, "kind": kind}))
        };
        assert_eq!(
            Kind::of(&doc("networking.istio.io/v1", "Gateway")),
            Some(Kind::Gateway)
        );
        assert_eq!(
            Kind::of(&doc("gateway.networking.k8s.io/v1", "Gateway")),
            None
        );
        assert_eq!(
            Kind::of(&doc("networking.istio.io/v1", "EnvoyFilter")),
            None
        );
        assert_eq!(Kind::of(&doc("networking.istio.io/v1", "Sidecar")), None);
        assert_eq!(
            Kind::of(&doc("telemetry.istio.io/v1alpha1", "Telemetry")),
            Some(Kind::Telemetry)
        );
    }

    #[test]
    fn an_unknown_enum_value_switches_the_webhook_off() {
        let spec = crate::yaml::from_json(
            &serde_json::json!({"trafficPolicy": {"portLevelSettings": [{"tls": {"mode": "X"}}]}}),
        );
        let pattern = ["trafficPolicy", "portLevelSettings[]", "tls", "mode"];
        assert!(!enum_values_known(&spec, &pattern, &["SIMPLE"]));
        assert!(enum_values_known(&spec, &pattern, &["X"]));
        assert!(enum_values_known(
            &crate::yaml::from_json(&serde_json::json!({})),
            &pattern,
            &["SIMPLE"]
        ));
    }

    #[test]
    fn reserved_annotations_end_the_check() {
        let doc = serde_json::json!({
            "apiVersion": "networking.istio.io/v1", "kind": "Gateway",
            "metadata": {"name": "g", "namespace": "n",
                         "annotations": {"internal.istio.io/parents": "x"}},
            "spec": {}
        });
        let findings = check(&doc);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            referee_path(&findings[0].path),
            r#"metadata.annotations["internal.istio.io/parents"]"#
        );
    }
}
