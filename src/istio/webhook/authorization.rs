//! AuthorizationPolicy rules (`ValidateAuthorizationPolicy` with pkg/config/security's
//! helpers): actions and providers, sources, operations and `when` conditions.

use super::decode::{Msg, Report};
use super::scope::{check_policy_target, check_workload_selector};
use super::security::{
    attribute_error, empty_value_error, ip_block_error, path_template_error, port_value_error,
    service_account_error, trust_domain_error,
};

/// The actions.
pub(super) const ACTIONS: &[&str] = &["ALLOW", "DENY", "AUDIT", "CUSTOM"];

const SOURCE_FIELDS: [&str; 14] = [
    "principals",
    "requestPrincipals",
    "namespaces",
    "ipBlocks",
    "remoteIpBlocks",
    "notPrincipals",
    "notRequestPrincipals",
    "notNamespaces",
    "notIpBlocks",
    "notRemoteIpBlocks",
    "serviceAccounts",
    "notServiceAccounts",
    "trustDomains",
    "notTrustDomains",
];

/// Source fields that TCP traffic carries; a rule whose sources use only the others
/// (request principals, trust domains) matches HTTP only.
const TCP_SOURCE_FIELDS: [&str; 10] = [
    "principals",
    "notPrincipals",
    "ipBlocks",
    "notIpBlocks",
    "namespaces",
    "notNamespaces",
    "remoteIpBlocks",
    "notRemoteIpBlocks",
    "serviceAccounts",
    "notServiceAccounts",
];

const CUSTOM_UNSUPPORTED_SOURCE_FIELDS: [&str; 10] = [
    "namespaces",
    "notNamespaces",
    "serviceAccounts",
    "notServiceAccounts",
    "trustDomains",
    "notTrustDomains",
    "principals",
    "notPrincipals",
    "requestPrincipals",
    "notRequestPrincipals",
];

const OPERATION_FIELDS: [&str; 8] = [
    "ports",
    "methods",
    "paths",
    "hosts",
    "notPorts",
    "notMethods",
    "notPaths",
    "notHosts",
];

/// A field name as Go's messages write it (`ServiceAccounts`).
fn capitalized(field: &str) -> String {
    let mut chars = field.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

/// The rules of an AuthorizationPolicy.
pub(super) fn check(r: Report<'_>, spec: &Msg<'_>) {
    check_policy_target(r, spec);
    check_workload_selector(r, spec.msg("selector").as_ref());
    let action = match spec.enumeration("action", ACTIONS) {
        "" => "ALLOW",
        action => action,
    };
    let rules = spec.indexed("rules");
    let provider = spec.msg("provider");
    if action == "CUSTOM" {
        check_custom(r, spec, &rules, provider.as_ref());
    } else if provider.is_some() {
        r.error(
            &spec.at("provider"),
            format!("`provider` must not be with non CUSTOM action, found {action}"),
        );
    }
    if action == "DENY" && spec.items("rules").is_empty() {
        r.error(
            &spec.at("rules"),
            "DENY action without `rules` is meaningless as it will never be triggered, add an \
             empty rule `{}` if you want it be triggered for every request",
        );
    }
    for (i, rule) in &rules {
        let i = *i;
        let (mut from_exists, mut to_exists) = (false, false);
        let (mut tcp_in_from, mut tcp_in_to) = (false, false);
        for entry in rule.msgs("from") {
            let Some(source) = entry.msg("source") else {
                r.error(
                    &entry.at("source"),
                    format!("`from.source` must not be nil, found at rule {i}"),
                );
                continue;
            };
            from_exists = true;
            check_source(r, &source, i);
            tcp_in_from |= TCP_SOURCE_FIELDS
                .iter()
                .any(|f| !source.items(f).is_empty());
        }
        for entry in rule.msgs("to") {
            let Some(operation) = entry.msg("operation") else {
                r.error(
                    &entry.at("operation"),
                    format!("`to.operation` must not be nil, found at rule {i}"),
                );
                continue;
            };
            to_exists = true;
            check_operation(r, &operation, i);
            tcp_in_to |=
                !operation.items("ports").is_empty() || !operation.items("notPorts").is_empty();
        }
        for condition in rule.msgs("when") {
            check_condition(r, &condition);
        }
        let http_only = (from_exists && !to_exists && !tcp_in_from) || (to_exists && !tcp_in_to);
        if action == "DENY" && http_only {
            r.warning(
                rule.path(),
                "configured AuthorizationPolicy will deny all traffic to TCP ports under its \
                 scope due to the use of only HTTP attributes in a DENY rule; it is recommended \
                 to explicitly specify the port",
            );
        }
    }
}

/// The CUSTOM action (an external authorizer): rules and a provider, and no identity fields.
fn check_custom(
    r: Report<'_>,
    spec: &Msg<'_>,
    rules: &[(usize, Msg<'_>)],
    provider: Option<&Msg<'_>>,
) {
    if rules.is_empty() {
        r.error(
            &spec.at("rules"),
            "CUSTOM action without `rules` is meaningless as it will never be triggered, add an \
             empty rule `{}` if you want it be triggered for every request",
        );
    } else if provider.is_none_or(|p| p.str("name").is_empty()) {
        r.error(
            &spec.at("provider").key("name"),
            "`provider.name` must not be empty",
        );
    }
    for (_, rule) in rules {
        for entry in rule.msgs("from") {
            let source = entry.sub("source");
            for field in CUSTOM_UNSUPPORTED_SOURCE_FIELDS {
                if !source.items(field).is_empty() {
                    r.error(
                        &source.at(field),
                        format!(
                            "From.{} is currently not supported with CUSTOM action",
                            capitalized(field)
                        ),
                    );
                }
            }
        }
        for condition in rule.msgs("when") {
            let key = condition.str("key");
            let identity = matches!(
                key,
                "source.namespace"
                    | "source.serviceAccount"
                    | "source.trustDomain"
                    | "source.principal"
            ) || key.starts_with("request.auth.");
            if identity {
                r.error(
                    &condition.at("key"),
                    format!("{key} is currently not supported with CUSTOM action"),
                );
            }
        }
    }
}

fn check_source(r: Report<'_>, source: &Msg<'_>, i: usize) {
    let set = |field: &str| !source.items(field).is_empty();
    let identities = ["principals", "notPrincipals", "namespaces", "notNamespaces"]
        .iter()
        .any(|f| set(f));
    if identities && (set("serviceAccounts") || set("notServiceAccounts")) {
        r.error(
            source.path(),
            format!("cannot set serviceAccounts with namespaces or principals, found at rule {i}"),
        );
    }
    if !SOURCE_FIELDS.iter().any(|f| set(f)) {
        r.error(
            source.path(),
            format!("`from.source` must not be empty, found at rule {i}"),
        );
    }
    for field in [
        "ipBlocks",
        "notIpBlocks",
        "remoteIpBlocks",
        "notRemoteIpBlocks",
    ] {
        for (k, value) in source.strs(field) {
            if !value.is_empty() {
                r.error_if(&source.at(field).index(k), ip_block_error(value));
            }
        }
    }
    for field in SOURCE_FIELDS {
        let values = source.strs(field);
        // No value, no finding: the field's Go name is written only for values to check.
        if values.is_empty() {
            continue;
        }
        let name = capitalized(field);
        let problem = match field {
            "serviceAccounts" | "notServiceAccounts" => service_account_error(&name, &values),
            "trustDomains" | "notTrustDomains" => {
                trust_domain_error(&name, &values).map(|(k, e)| (Some(k), e))
            }
            _ => empty_value_error(&name, &values).map(|(k, e)| (Some(k), e)),
        };
        if let Some((k, e)) = problem {
            let at = source.at(field);
            r.error(&k.map_or(at.clone(), |k| at.index(k)), e);
        }
    }
}

fn check_operation(r: Report<'_>, operation: &Msg<'_>, i: usize) {
    if OPERATION_FIELDS
        .iter()
        .all(|f| operation.items(f).is_empty())
    {
        r.error(
            operation.path(),
            format!("`to.operation` must not be empty, found at rule {i}"),
        );
    }
    for field in ["ports", "notPorts"] {
        for (k, port) in operation.strs(field) {
            r.error_if(&operation.at(field).index(k), port_value_error(port));
        }
    }
    for field in OPERATION_FIELDS {
        let values = operation.strs(field);
        if values.is_empty() {
            continue;
        }
        if let Some((k, e)) = empty_value_error(&capitalized(field), &values) {
            r.error(&operation.at(field).index(k), e);
        }
    }
    for field in ["paths", "notPaths"] {
        let paths = operation.strs(field);
        if paths.is_empty() {
            continue;
        }
        let name = capitalized(field);
        for (k, path) in paths {
            r.error_if(
                &operation.at(field).index(k),
                path_template_error(&name, path),
            );
        }
    }
}

/// A `when` condition: `ValidateAttribute` on its values and its notValues.
fn check_condition(r: Report<'_>, condition: &Msg<'_>) {
    let key = condition.str("key");
    let values = condition.strs("values");
    let not_values = condition.strs("notValues");
    if key.is_empty() {
        r.error(&condition.at("key"), "`key` must not be empty");
        return;
    }
    if values.is_empty() && not_values.is_empty() {
        r.error(
            condition.path(),
            format!("at least one of `values` or `notValues` must be set for key {key}"),
        );
        return;
    }
    // Go reports a bad key once for the values and once for the notValues; once is enough.
    if let Some(problem) = attribute_error(key, &[]) {
        r.error(
            &condition.at("key"),
            format!("invalid `value` for `key` {key}: {problem}"),
        );
        return;
    }
    for (field, what, list) in [
        ("values", "value", &values),
        ("notValues", "notValue", &not_values),
    ] {
        if !list.is_empty() {
            if let Some(problem) = attribute_error(key, list) {
                r.error(
                    &condition.at(field),
                    format!("invalid `{what}` for `key` {key}: {problem}"),
                );
            }
        }
    }
}
