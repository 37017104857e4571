//! RequestAuthentication rules (`ValidateRequestAuthentication`, `validateJwtRule`,
//! `warnPrivateJwksKeys`): issuers, JWKS URIs and inline key sets, token locations, claim
//! headers.

use serde_json::Value;

use super::decode::{Msg, Report};
use super::durations::check_duration;
use super::go::q;
use super::headers::is_strict_header_name;
use super::scope::{check_policy_target, check_workload_selector};

/// The rules of a RequestAuthentication.
pub(super) fn check(r: Report<'_>, spec: &Msg<'_>) {
    check_policy_target(r, spec);
    check_workload_selector(r, spec.msg("selector").as_ref());
    for rule in spec.msgs("jwtRules") {
        check_jwt_rule(r, &rule);
    }
}

fn check_jwt_rule(r: Report<'_>, rule: &Msg<'_>) {
    for (k, audience) in rule.strs("audiences") {
        if audience.is_empty() {
            r.error(
                &rule.at("audiences").index(k),
                "audience must be non-empty string",
            );
        }
    }
    let uri_key = if rule.has("jwksUri") {
        "jwksUri"
    } else {
        "jwks_uri"
    };
    let uri = rule.str(uri_key);
    if rule.str("issuer").is_empty() && uri.is_empty() {
        r.error(rule.path(), "issuer or jwksUri must be non-empty string");
    }
    if !uri.is_empty() {
        r.error_if(&rule.at(uri_key), jwks_uri_error(uri));
    }
    let jwks = rule.str("jwks");
    let mut keys = Vec::new();
    if !jwks.is_empty() {
        match parse_jwks(jwks) {
            Ok(parsed) => keys = parsed,
            Err(problem) => r.error(&rule.at("jwks"), format!("jwks parse error: {problem}")),
        }
    }
    for location in rule.msgs("fromHeaders") {
        if location.str("name").is_empty() {
            r.error(
                &location.at("name"),
                "location header name must be non-empty string",
            );
        }
    }
    for (key, what) in [
        ("fromParams", "location query"),
        ("fromCookies", "cookie name"),
    ] {
        for (k, value) in rule.strs(key) {
            if value.is_empty() {
                r.error(
                    &rule.at(key).index(k),
                    format!("{what} must be non-empty string"),
                );
            }
        }
    }
    for pair in rule.msgs("outputClaimToHeaders") {
        let (claim, header) = (pair.str("claim"), pair.str("header"));
        if claim.is_empty() || header.is_empty() {
            let empty = if claim.is_empty() { "claim" } else { "header" };
            r.error(
                &pair.at(empty),
                "outputClaimToHeaders header and claim value must be non-empty string",
            );
        } else if !is_strict_header_name(header) {
            r.error(
                &pair.at("header"),
                format!("header name {header} is not a valid header name"),
            );
        }
    }
    check_duration(r, rule, "timeout");
    for (index, key) in keys.iter().enumerate() {
        let kty = key.get("kty").and_then(Value::as_str);
        let private = kty == Some("oct")
            || (matches!(kty, Some("RSA" | "EC" | "OKP")) && key.get("d").is_some());
        if private {
            r.warning(
                &rule.at("jwks"),
                format!(
                    "jwks key at index {index} contains private key material; only public keys \
                     are used for verification"
                ),
            );
        }
    }
}

/// `security.ParseJwksURI`: a URL Go parses, with the scheme `http` or `https`.
fn jwks_uri_error(uri: &str) -> Option<String> {
    let raw = uri.split('#').next().unwrap_or("");
    if raw.starts_with(':') {
        return Some(format!("parse {}: missing protocol scheme", q(uri)));
    }
    let scheme = scheme_of(raw)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if scheme != "http" && scheme != "https" {
        return Some(format!("URI scheme {} is not supported", q(&scheme)));
    }
    request_uri_error(raw).map(|e| format!("parse {}: {e}", q(uri)))
}

/// The scheme of a URL: a letter, then letters, digits, `+`, `-` or `.`, then `:`.
fn scheme_of(raw: &str) -> Option<&str> {
    let (scheme, _) = raw.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

/// Why Go's `net/url.ParseRequestURI` refuses an absolute `http(s)` URL, or `None`.
fn request_uri_error(raw: &str) -> Option<String> {
    if raw.chars().any(|c| c < ' ' || c == '\u{7f}') {
        return Some("net/url: invalid control character in URL".to_string());
    }
    let (_, rest) = raw.split_once(':')?;
    let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
    // An opaque URL (`http:x`) parses; so does a path without an authority.
    let Some(after_slashes) = rest.strip_prefix("//") else {
        return if rest.starts_with('/') {
            unescape_error(rest, Escape::Path)
        } else {
            None
        };
    };
    let (authority, path) = match after_slashes.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (after_slashes, None),
    };
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((userinfo, host)) => (Some(userinfo), host),
        None => (None, authority),
    };
    let port = if host.starts_with('[') {
        let Some(close) = host.rfind(']') else {
            return Some("missing ']' in host".to_string());
        };
        &host[close + 1..]
    } else {
        host.rfind(':').map_or("", |i| &host[i..])
    };
    let numeric = port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit());
    if !(port.is_empty() || numeric) {
        return Some(format!("invalid port {} after host", q(port)));
    }
    let zone = if host.starts_with('[') {
        host.find("%25")
    } else {
        None
    };
    let host_error = match (zone, host.rfind(']')) {
        (Some(zone), Some(close)) if zone < close => unescape_error(&host[..zone], Escape::Host)
            .or_else(|| unescape_error(&host[zone..close], Escape::Zone))
            .or_else(|| unescape_error(&host[close..], Escape::Host)),
        _ => unescape_error(host, Escape::Host),
    };
    if host_error.is_some() {
        return host_error;
    }
    if let Some(userinfo) = userinfo {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c);
        if !userinfo.chars().all(allowed) {
            return Some("net/url: invalid userinfo".to_string());
        }
        if let Some(e) = unescape_error(userinfo, Escape::Path) {
            return Some(e);
        }
    }
    path.and_then(|path| unescape_error(path, Escape::Path))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    Path,
    Host,
    Zone,
}

/// Whether Go escapes `c` in a host (`shouldEscape(c, encodeHost)`).
fn escaped_in_host(c: char) -> bool {
    !(c.is_ascii_alphanumeric() || "!$&'()*+,;=:[]<>\"-_.~".contains(c))
}

/// The checks of Go's `net/url` unescape for a path, a host or an IPv6 zone.
fn unescape_error(s: &str, mode: Escape) -> Option<String> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let escape = s.get(i..(i + 3).min(s.len())).unwrap_or("%");
            let hex = escape
                .get(1..)
                .filter(|h| h.len() == 2 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            let Some(hex) = hex else {
                return Some(format!("invalid URL escape {}", q(escape)));
            };
            let value = u8::from_str_radix(hex, 16).unwrap_or(0);
            let refused = match mode {
                Escape::Host => value < 0x80 && hex.as_bytes()[0] < b'8',
                Escape::Zone => value != b' ' && escaped_in_host(char::from(value)),
                Escape::Path => false,
            };
            if refused && escape != "%25" {
                return Some(format!("invalid URL escape {}", q(escape)));
            }
            i += 3;
            continue;
        }
        let c = char::from(bytes[i]);
        if mode != Escape::Path && bytes[i] < 0x80 && escaped_in_host(c) {
            return Some(format!(
                "invalid character {} in host name",
                q(&c.to_string())
            ));
        }
        i += 1;
    }
    None
}

/// An inline JWK set, checked the way lestrrat-go/jwx parses one (JSON, `kty` and the members
/// each key type needs): its keys, or why not.
fn parse_jwks(text: &str) -> Result<Vec<serde_json::Map<String, Value>>, String> {
    let document: Value =
        serde_json::from_str(text).map_err(|e| format!("failed to unmarshal JWK set: {e}"))?;
    let Value::Object(object) = document else {
        return Err("failed to unmarshal JWK set: not a JSON object".to_string());
    };
    let keys = match object.get("keys") {
        Some(Value::Array(keys)) => keys.clone(),
        Some(_) => return Err("failed to unmarshal JWK set: \"keys\" is not a list".to_string()),
        None => vec![Value::Object(object)],
    };
    let mut parsed = Vec::new();
    for (index, key) in keys.into_iter().enumerate() {
        let Value::Object(key) = key else {
            return Err(format!("failed to parse key #{index}: not a JSON object"));
        };
        let kty = key.get("kty").and_then(Value::as_str).unwrap_or("");
        let required: &[&str] = match kty {
            "" => {
                return Err(format!(
                    "failed to parse key #{index}: failed to get key type"
                ));
            }
            "RSA" => &["n", "e"],
            "EC" => &["crv", "x", "y"],
            "OKP" => &["crv", "x"],
            "oct" => &["k"],
            other => {
                return Err(format!(
                    "failed to parse key #{index}: invalid key type from JSON ({other})"
                ));
            }
        };
        if let Some(missing) = required.iter().find(|f| !key.contains_key(**f)) {
            return Err(format!(
                "failed to parse key #{index}: required field {missing} is missing"
            ));
        }
        parsed.push(key);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_uris() {
        for (uri, valid) in [
            ("https://issuer.example.com/.well-known/jwks.json", true),
            ("http://keycloak:8080/realms/x/certs", true),
            ("HTTPS://example.com/x", true),
            ("http://[fe80::1%25en0]:8080/", true),
            ("ftp://example.com/keys", false),
            ("example.com/keys", false),
            ("http://foo.com:80a/", false),
            ("http://a b.com/", false),
            ("http://192.168.0.%31/", false),
            ("http://[fe80::1%en0]/", false),
            (":foo", false),
        ] {
            assert_eq!(
                jwks_uri_error(uri).is_none(),
                valid,
                "{uri}: {:?}",
                jwks_uri_error(uri)
            );
        }
    }

    #[test]
    fn jwk_sets() {
        assert!(parse_jwks(r#"{"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}"#).is_ok());
        assert!(parse_jwks(r#"{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}"#).is_ok());
        assert!(parse_jwks("not json").is_err());
        assert!(parse_jwks(r#"{"keys": [{"kty": "RSA", "n": "x"}]}"#).is_err());
        assert!(parse_jwks(r#"{"keys": [{"kty": "XYZ"}]}"#).is_err());
        assert!(parse_jwks(r#"{"keys": {}}"#).is_err());
    }
}
