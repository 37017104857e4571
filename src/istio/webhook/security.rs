//! The value formats of AuthorizationPolicy rules (pkg/config/security): service accounts, trust
//! domains, IP blocks, ports, path templates, and the attributes a `when` condition may test.

use super::go::q;
use super::hosts::{is_ip, prefix_error};

/// `CheckEmptyValues`: the first empty value.
pub(super) fn empty_value_error(field: &str, values: &[(usize, &str)]) -> Option<(usize, String)> {
    values
        .iter()
        .find(|(_, v)| v.is_empty())
        .map(|(i, _)| (*i, format!("empty value not allowed, found in {field}")))
}

/// `CheckServiceAccount`: `sa` or `ns/sa`, no wildcard, at most 16 values of 320 characters.
pub(super) fn service_account_error(
    field: &str,
    values: &[(usize, &str)],
) -> Option<(Option<usize>, String)> {
    if values.len() > 16 {
        return Some((None, "may not have more than 16 values".to_string()));
    }
    let expected = "expected format 'serviceAccount' or 'namespace/serviceAccount'";
    for (i, value) in values {
        let problem = if value.is_empty() {
            format!("empty value not allowed, found in {field}")
        } else if value.contains('*') {
            format!("wildcard not allowed, found in {field}")
        } else if value.matches('/').count() > 1 {
            format!("{expected}, found {} in {field}", q(value))
        } else if value.chars().count() > 320 {
            format!(
                "value cannot exceed 320 characters, found {} in {field}",
                q(value)
            )
        } else {
            match value.split_once('/') {
                Some(("", _)) => {
                    format!("{expected}, found empty namespace {} in {field}", q(value))
                }
                Some((_, "")) => {
                    format!(
                        "{expected}, found empty serviceAccount {} in {field}",
                        q(value)
                    )
                }
                _ => continue,
            }
        };
        return Some((Some(*i), problem));
    }
    None
}

/// `CheckWildcardValues`: no empty value, at most one `*`, at the start or the end.
pub(super) fn wildcard_values_error(
    field: &str,
    values: &[(usize, &str)],
) -> Option<(usize, String)> {
    if let Some(e) = empty_value_error(field, values) {
        return Some(e);
    }
    for (i, value) in values {
        let stars = value.matches('*').count();
        if stars > 1 {
            return Some((
                *i,
                format!(
                    "at most one wildcard is allowed, found in {field}: {}",
                    q(value)
                ),
            ));
        }
        if stars == 1 && *value != "*" && !value.starts_with('*') && !value.ends_with('*') {
            return Some((
                *i,
                format!(
                    "wildcard is only allowed at the start or end, found in {field}: {}",
                    q(value)
                ),
            ));
        }
    }
    None
}

/// `CheckTrustDomainValues`: wildcard rules, and no `/`.
pub(super) fn trust_domain_error(field: &str, values: &[(usize, &str)]) -> Option<(usize, String)> {
    if let Some(e) = wildcard_values_error(field, values) {
        return Some(e);
    }
    values.iter().find(|(_, v)| v.contains('/')).map(|(i, v)| {
        (
            *i,
            format!(
                "trust domain must not contain '/', found in {field}: {}",
                q(v)
            ),
        )
    })
}

/// `ValidateIPs`, one value: an IP or a CIDR block.
pub(super) fn ip_block_error(value: &str) -> Option<String> {
    if value.contains('/') {
        return prefix_error(value).map(|why| {
            format!(
                "bad CIDR range ({value}): netip.ParsePrefix({}): {why}",
                q(value)
            )
        });
    }
    (!is_ip(value)).then(|| format!("bad IP address ({value})"))
}

/// `ValidatePorts`, one value: a decimal number up to 65535.
pub(super) fn port_value_error(port: &str) -> Option<String> {
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "bad port ({port}): strconv.ParseUint: parsing {}: invalid syntax",
            q(port)
        ));
    }
    match port.parse::<u64>() {
        Ok(n) if n <= 65535 => None,
        Ok(n) if n < 1 << 32 => Some(format!("bad port ({port}): above 65535")),
        _ => Some(format!(
            "bad port ({port}): strconv.ParseUint: parsing {}: value out of range",
            q(port)
        )),
    }
}

/// A path segment that may stand beside a template operator.
fn is_path_literal(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()+,;:@=".contains(&b))
}

/// `CheckValidPathTemplate`, one path: `{*}` matches one segment, `{**}` the rest and only last.
pub(super) fn path_template_error(field: &str, path: &str) -> Option<String> {
    // Without a brace a path has no operator and no segment to refuse: most paths, every one a
    // render writes, are this, and splitting them cost a search per segment.
    if !path.bytes().any(|b| b == b'{' || b == b'}') {
        return None;
    }
    let templated = path.contains("{*}") || path.contains("{**}");
    let trimmed = path.trim_matches('/');
    let invalid = |why: String| {
        Some(format!(
            "invalid or unsupported path {trimmed}, found in {field}. {why}"
        ))
    };
    let mut match_any_seen = false;
    for glob in trimmed.split('/') {
        if glob == "{*}" || glob == "{**}" {
            if match_any_seen {
                return invalid("{**} is not the last operator".to_string());
            }
            match_any_seen = glob == "{**}";
            continue;
        }
        if glob.contains('{') || glob.contains('}') {
            return invalid("Contains '{' or '}' beyond a supported path template".to_string());
        }
        if templated && !is_path_literal(glob) {
            return invalid(format!(
                "Contains segment {glob} with invalid string literal"
            ));
        }
    }
    None
}

/// `validateMapKey`: `a[b]`.
fn map_key_error(key: &str) -> Option<String> {
    let ok = key.ends_with(']')
        && key
            .find('[')
            .is_some_and(|open| open > 0 && open + 2 < key.len());
    (!ok).then(|| format!("bad key ({key}): should have format a[b]"))
}

/// `ValidateAttribute`: whether `key` is an attribute a `when` condition may test, and whether
/// `values` suit it.
pub(super) fn attribute_error(key: &str, values: &[(usize, &str)]) -> Option<String> {
    if let Some((_, e)) = empty_value_error(key, values) {
        return Some(e);
    }
    let first = |check: fn(&str) -> Option<String>| values.iter().find_map(|(_, v)| check(v));
    if key.starts_with("request.headers")
        || key.starts_with("request.auth.claims")
        || key.starts_with("experimental.envoy.filters.")
    {
        return map_key_error(key);
    }
    match key {
        "source.ip" | "remote.ip" | "destination.ip" => first(ip_block_error),
        "source.serviceAccount" => service_account_error(key, values).map(|(_, e)| e),
        "source.trustDomain" => wildcard_values_error(key, values).map(|(_, e)| e),
        "destination.port" => first(port_value_error),
        "source.namespace"
        | "source.principal"
        | "request.auth.principal"
        | "request.auth.audiences"
        | "request.auth.presenter"
        | "connection.sni" => None,
        "destination.namespace" => Some(format!(
            "attribute {key} is replaced by the metadata.namespace"
        )),
        "destination.name" | "destination.user" => Some(format!(
            "deprecated attribute {key}: only supported in v1alpha1"
        )),
        _ if key.starts_with("destination.labels") => Some(format!(
            "attribute {key} is replaced by the workload selector"
        )),
        _ => Some(format!("unknown attribute: {key}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indexed<'a>(values: &[&'a str]) -> Vec<(usize, &'a str)> {
        values.iter().copied().enumerate().collect()
    }

    #[test]
    fn path_templates_as_istio_tests_them() {
        for (path, valid) in [
            ("/{*}/foo", true),
            ("/{*}/foo/", true),
            ("/foo/{**}/bar", true),
            ("/foo/bar/{**}", true),
            ("/foo/{**}buzz/bar", false),
            ("/{*}/foo/{}/bar", false),
            ("/foo/{*}/bar/*", false),
            ("/foo/{*}/bar/**/buzz", false),
            ("/foo/{buzz}/bar", false),
            ("/{buzz}", false),
            ("/foo/{buzz}/bar/{**}", false),
            ("/foo/{buzz=*}/bar/{**}", false),
            ("/{*}/foo/{buzz=**}/bar", false),
            ("/{*}/foo/{**}bar", false),
            ("/{*}/foo/{*}.txt", false),
            ("/{*}/foo/{temp", false),
            ("/{*}/foo/temp}/bar", false),
            ("/{*}/foo/temp}/*", false),
            ("/{**}/foo/temp/{*}/bar", false),
            ("/{**}/{**}", false),
            ("/{**}/foo/temp/{**}/bar", false),
            ("/{*}/foo/?abc", false),
            ("/api/*", true),
            ("", true),
            ("//a//b.txt/", true),
            ("/a/{b", false),
            ("/a/b}", false),
            // A path of braces alone: the scan for a brace sees nothing else.
            ("{", false),
            ("}", false),
        ] {
            assert_eq!(
                path_template_error("Paths", path).is_none(),
                valid,
                "{path}"
            );
        }
    }

    #[test]
    fn attributes_as_istio_tests_them() {
        for (key, values, valid) in [
            (
                "request.headers[:authority]",
                &["productpage", ""][..],
                false,
            ),
            ("request.headers[:authority]", &["productpage"], true),
            ("request.headers[]", &["productpage"], false),
            ("source.ip", &["1.2.3.4", "5.6.7.0/24"], true),
            ("source.ip", &["a.b.c.d"], false),
            ("remote.ip", &["1.2.3.4", "5.6.7.0/24"], true),
            ("remote.ip", &["a.b.c.d"], false),
            ("source.namespace", &["value"], true),
            ("source.user", &["value"], false),
            ("source.principal", &["value"], true),
            ("source.serviceAccount", &["too/many/slashes"], false),
            ("source.serviceAccount", &["/emptyns"], false),
            ("source.serviceAccount", &["emptysa/"], false),
            ("source.serviceAccount", &["ns/sa"], true),
            ("source.serviceAccount", &["sa"], true),
            ("source.trustDomain", &["cluster.local"], true),
            ("source.trustDomain", &["*"], true),
            ("source.trustDomain", &["foo*"], true),
            ("source.trustDomain", &["*bar"], true),
            ("source.trustDomain", &["fo*-bar"], false),
            ("source.trustDomain", &["fo*bar*"], false),
            ("source.trustDomain", &[""], false),
            ("request.auth.principal", &["value"], true),
            ("request.auth.audiences", &["value"], true),
            ("request.auth.presenter", &["value"], true),
            ("request.auth.claims[id]", &["123"], true),
            ("request.auth.claims[]", &["value"], false),
            ("destination.ip", &["1.2.3.4", "5.6.7.0/24"], true),
            ("destination.ip", &["a.b.c.d"], false),
            ("destination.port", &["80", "90"], true),
            ("destination.port", &["80", "x"], false),
            ("destination.labels[app]", &["value"], false),
            ("destination.name", &["value"], false),
            ("destination.namespace", &["value"], false),
            ("destination.user", &["value"], false),
            ("connection.sni", &["value"], true),
            ("experimental.envoy.filters.a.b[c]", &["value"], true),
            ("experimental.envoy.filters.a.b.x", &["value"], false),
        ] {
            assert_eq!(
                attribute_error(key, &indexed(values)).is_none(),
                valid,
                "{key} {values:?}"
            );
        }
    }

    #[test]
    fn trust_domains_as_istio_tests_them() {
        for (values, valid) in [
            (&["cluster.local"][..], true),
            (&["*"], true),
            (&["cluster-*"], true),
            (&["*-cluster"], true),
            (&[""], false),
            (&["cluster.local/ns/foo"], false),
            (&["spiffe://cluster.local"], false),
        ] {
            assert_eq!(
                trust_domain_error("key", &indexed(values)).is_none(),
                valid,
                "{values:?}"
            );
        }
    }

    #[test]
    fn ports_and_ip_blocks() {
        assert!(port_value_error("8080").is_none());
        assert!(port_value_error("65536").is_some());
        assert!(port_value_error("http").is_some());
        assert!(port_value_error("99999999999").is_some());
        assert!(port_value_error("").is_some());
        assert!(ip_block_error("10.0.0.0/8").is_none());
        assert!(ip_block_error("10.0.0.0/33").is_some());
        assert!(ip_block_error("10.0.0.1").is_none());
        assert!(ip_block_error("host").is_some());
        let many: Vec<String> = (0..17).map(|i| format!("sa{i}")).collect();
        let many: Vec<(usize, &str)> = many.iter().map(String::as_str).enumerate().collect();
        assert!(service_account_error("ServiceAccounts", &many).is_some());
    }
}
