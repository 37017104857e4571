//! EnvoyFilter rules (`ValidateEnvoyFilter`, envoyfilter/envoyfilter.go), except the conversion
//! of `patch.value` into Envoy's xDS types, which needs Envoy's protobuf descriptors.

use super::decode::{Msg, Report};
use super::go::q;
use super::regex::compile_error;
use super::scope::alpha_selector_findings;
use crate::istio::vocab::re2::MAX_LENGTH;

/// The objects a patch applies to.
pub(super) const APPLY_TO: &[&str] = &[
    "INVALID",
    "LISTENER",
    "FILTER_CHAIN",
    "NETWORK_FILTER",
    "HTTP_FILTER",
    "ROUTE_CONFIGURATION",
    "VIRTUAL_HOST",
    "HTTP_ROUTE",
    "CLUSTER",
    "EXTENSION_CONFIG",
    "BOOTSTRAP",
    "LISTENER_FILTER",
];

/// The patch operations.
pub(super) const OPERATIONS: &[&str] = &[
    "INVALID",
    "MERGE",
    "ADD",
    "REMOVE",
    "INSERT_BEFORE",
    "INSERT_AFTER",
    "INSERT_FIRST",
    "REPLACE",
    "MERGE_AND_REPLACE_LIST",
];

const HCM: &str = "envoy.filters.network.http_connection_manager";

/// Deprecated filter names and the names that replaced them (`xds.DeprecatedFilterNames`).
const DEPRECATED_FILTER_NAMES: [(&str, &str); 27] = [
    ("envoy.buffer", "envoy.filters.http.buffer"),
    ("envoy.cors", "envoy.filters.http.cors"),
    ("envoy.csrf", "envoy.filters.http.csrf"),
    ("envoy.http_dynamo_filter", "envoy.filters.http.dynamo"),
    ("envoy.ext_authz", "envoy.filters.http.ext_authz"),
    ("envoy.fault", "envoy.filters.http.fault"),
    (
        "envoy.grpc_http1_bridge",
        "envoy.filters.http.grpc_http1_bridge",
    ),
    (
        "envoy.grpc_json_transcoder",
        "envoy.filters.http.grpc_json_transcoder",
    ),
    ("envoy.grpc_web", "envoy.filters.http.grpc_web"),
    ("envoy.gzip", "envoy.filters.http.gzip"),
    ("envoy.health_check", "envoy.filters.http.health_check"),
    ("envoy.ip_tagging", "envoy.filters.http.ip_tagging"),
    ("envoy.lua", "envoy.filters.http.lua"),
    ("envoy.rate_limit", "envoy.filters.http.ratelimit"),
    ("envoy.router", "envoy.filters.http.router"),
    ("envoy.squash", "envoy.filters.http.squash"),
    (
        "envoy.listener.http_inspector",
        "envoy.filters.listener.http_inspector",
    ),
    (
        "envoy.listener.original_dst",
        "envoy.filters.listener.original_dst",
    ),
    (
        "envoy.listener.original_src",
        "envoy.filters.listener.original_src",
    ),
    (
        "envoy.listener.proxy_protocol",
        "envoy.filters.listener.proxy_protocol",
    ),
    (
        "envoy.listener.tls_inspector",
        "envoy.filters.listener.tls_inspector",
    ),
    (
        "envoy.client_ssl_auth",
        "envoy.filters.network.client_ssl_auth",
    ),
    ("envoy.http_connection_manager", HCM),
    ("envoy.mongo_proxy", "envoy.filters.network.mongo_proxy"),
    ("envoy.ratelimit", "envoy.filters.network.ratelimit"),
    ("envoy.redis_proxy", "envoy.filters.network.redis_proxy"),
    ("envoy.tcp_proxy", "envoy.filters.network.tcp_proxy"),
];

/// The rules of an EnvoyFilter.
pub(super) fn check(r: Report<'_>, spec: &Msg<'_>) {
    let (selector_errors, no_labels) =
        alpha_selector_findings(spec.msg("workloadSelector").as_ref());
    if !selector_errors.is_empty() {
        // Go returns these errors alone.
        for (path, e) in selector_errors {
            r.error(&path, e);
        }
        return;
    }
    r.warning(
        spec.path(),
        "EnvoyFilter exposes internal implementation details that may change at any time. Prefer \
         other APIs if possible, and exercise extreme caution, especially around upgrades.",
    );
    if no_labels {
        r.warning(
            &spec.at("workloadSelector"),
            "Envoy filter: workload selector specified without labels, will be applied to all \
             services in namespace",
        );
    }
    for patch in spec.msgs("configPatches") {
        check_patch(r, &patch);
    }
}

fn check_patch(r: Report<'_>, entry: &Msg<'_>) {
    let matched = entry.sub("match");
    if matched.str("context") == "WAYPOINT" {
        return; // Istio does not validate waypoint patches yet.
    }
    let apply_to = entry.enumeration("applyTo", APPLY_TO);
    if matches!(apply_to, "" | "INVALID") {
        r.error(&entry.at("applyTo"), "Envoy filter: missing applyTo");
        return;
    }
    let Some(patch) = entry.msg("patch") else {
        r.error(&entry.at("patch"), "Envoy filter: missing patch");
        return;
    };
    let operation = patch.enumeration("operation", OPERATIONS);
    if matches!(operation, "" | "INVALID") {
        r.error(
            &patch.at("operation"),
            "Envoy filter: missing patch operation",
        );
        return;
    }
    if operation != "REMOVE" && !patch.has("value") {
        r.error(
            &patch.at("value"),
            "Envoy filter: missing patch value for non-remove operation",
        );
        return;
    }
    let proxy = matched.sub("proxy");
    let version = proxy.str("proxyVersion");
    if version.len() > MAX_LENGTH {
        r.warning(
            &proxy.at("proxyVersion"),
            "Envoy filter: proxyVersion match exceeds 1024 characters and will be ignored",
        );
    } else if let Some(why) = compile_error(version).filter(|_| !version.is_empty()) {
        r.error(
            &proxy.at("proxyVersion"),
            format!("Envoy filter: invalid regex for proxy version, [{why}]"),
        );
        return;
    }
    let object_match = ["listener", "routeConfiguration", "cluster", "waypoint"]
        .iter()
        .any(|k| matched.has(k));
    if !object_match {
        check_filter_value(r, apply_to, &patch);
        return;
    }
    match apply_to {
        "LISTENER" | "FILTER_CHAIN" | "NETWORK_FILTER" | "HTTP_FILTER" => {
            let Some(listener) = matched.msg("listener") else {
                r.error(
                    matched.path(),
                    "Envoy filter: applyTo for listener class objects cannot have non listener \
                     match",
                );
                return;
            };
            if let Some(filter) = listener.sub("filterChain").msg("filter") {
                if !check_filter_match(r, apply_to, &filter) {
                    return;
                }
            }
        }
        "ROUTE_CONFIGURATION" | "VIRTUAL_HOST" | "HTTP_ROUTE"
            if !matched.has("routeConfiguration") =>
        {
            r.error(
                matched.path(),
                "Envoy filter: applyTo for http route class objects cannot have non route \
                 configuration match",
            );
        }
        "CLUSTER" if !matched.has("cluster") => r.error(
            matched.path(),
            "Envoy filter: applyTo for cluster class objects cannot have non cluster match",
        ),
        _ => {}
    }
    check_filter_value(r, apply_to, &patch);
}

/// A listener filter match; false when an error ends the patch's check.
fn check_filter_match(r: Report<'_>, apply_to: &str, filter: &Msg<'_>) -> bool {
    if matches!(apply_to, "LISTENER" | "FILTER_CHAIN") {
        r.warning(
            filter.path(),
            format!("Envoy filter: filter match has no effect when used with {apply_to}"),
        );
    }
    let name = filter.str("name");
    if name.is_empty() {
        r.error(
            &filter.at("name"),
            "Envoy filter: filter match has no name to match on",
        );
        return false;
    }
    let sub_filter = filter.msg("subFilter");
    if let Some(sub_filter) = &sub_filter {
        if apply_to != "HTTP_FILTER" {
            r.error(
                &filter.at("subFilter"),
                "Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only",
            );
            return false;
        }
        if name != HCM && name != "envoy.http_connection_manager" {
            r.error(
                &filter.at("name"),
                format!("Envoy filter: subfilter match requires filter match with {HCM}"),
            );
            return false;
        }
        if sub_filter.str("name").is_empty() {
            r.error(
                &sub_filter.at("name"),
                "Envoy filter: subfilter match has no name to match on",
            );
            return false;
        }
    }
    let sub_name = sub_filter.as_ref().map_or("", |s| s.str("name"));
    for (at, filter_name) in [
        (filter.at("name"), name),
        (filter.at("subFilter").key("name"), sub_name),
    ] {
        if let Some((_, canonical)) = DEPRECATED_FILTER_NAMES
            .iter()
            .find(|(d, _)| *d == filter_name)
        {
            r.warning(
                &at,
                format!(
                    "using deprecated filter name {}; use {} instead",
                    q(filter_name),
                    q(canonical)
                ),
            );
        }
    }
    true
}

/// A filter added by name without `typed_config` relies on deprecated types.
fn check_filter_value(r: Report<'_>, apply_to: &str, patch: &Msg<'_>) {
    let filter_object = matches!(
        apply_to,
        "HTTP_FILTER" | "NETWORK_FILTER" | "LISTENER_FILTER" | "EXTENSION_CONFIG"
    );
    let Some(value) = patch
        .raw("value")
        .filter(|v| matches!(v.value, crate::yaml::Value::Map(_)))
    else {
        return;
    };
    let typed = [
        "typed_config",
        "typedConfig",
        "config_discovery",
        "configDiscovery",
    ]
    .iter()
    .any(|k| value.get(k).is_some());
    if filter_object && !typed {
        let name = value
            .get("name")
            .and_then(crate::yaml::Node::as_str)
            .unwrap_or("");
        r.warning(
            &patch.at("value"),
            format!("using deprecated types by name without typed_config; {name}"),
        );
    }
}
