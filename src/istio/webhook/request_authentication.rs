//! RequestAuthentication rules (`ValidateRequestAuthentication`, `validateJwtRule`,
//! `warnPrivateJwksKeys`): issuers, JWKS URIs and inline key sets, token locations, claim
//! headers.

use serde_json::Value;

use super::decode::{Msg, Report};
use super::durations::check_duration;
use super::headers::is_strict_header_name;
use super::scope::{check_policy_target, check_workload_selector};
use crate::istio::vocab::parse_jwks_uri;

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

/// `security.ParseJwksURI`: a URL Go's `url.Parse` reads, with the scheme `http` or `https`.
fn jwks_uri_error(uri: &str) -> Option<String> {
    parse_jwks_uri(uri).err().map(|error| error.to_string())
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
        assert_eq!(
            jwks_uri_error("https://a.com/%zz").as_deref(),
            Some(r#"parse "https://a.com/%zz": invalid URL escape "%zz""#)
        );
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
