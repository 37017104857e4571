//! JWT authentication as Envoy's jwt_authn filter runs it under Istio's configuration
//! (envoyproxy/envoy source/extensions/filters/http/jwt_authn/{filter,verifier,authenticator,
//! extractor}.cc; istio/istio pilot/pkg/security/authn/policy_applier.go).

use serde_json::json;

use super::*;
use crate::istio::document::read;
use crate::simulate::decode::decode;
use crate::simulate::testing::token;

fn rules(yaml: &str) -> Vec<RequestAuthentication> {
    let text = format!(
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: ra, namespace: ns}}\nspec:\n  jwtRules: {yaml}\n"
    );
    let (documents, error) = read("t.yaml", &text, &"default".into());
    assert!(error.is_none(), "{error:?}");
    decode(&documents).unwrap().request_authentications
}

struct Run {
    step: Option<String>,
    end: Option<(Outcome, Option<String>)>,
    principal: Option<String>,
    kept: bool,
    headers: Headers<'static>,
}

fn run(
    ra: &[RequestAuthentication],
    token: &Token,
    headers: &[(&str, &str)],
    preflight: bool,
    query: &str,
) -> Run {
    let mut at: Vec<(usize, usize)> = ra
        .iter()
        .enumerate()
        .flat_map(|(k, r)| (0..r.rules.len()).map(move |i| (k, i)))
        .collect();
    at.sort_by(|a, b| ra[a.0].rules[a.1].issuer.cmp(&ra[b.0].rules[b.1].issuer));
    let rules = JwtRules { all: ra, at: &at };
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    let mut headers = Headers::new(&pairs);
    let present = *token != Token::None;
    let authn = authenticate(rules, token, present, &mut headers, preflight, query);
    Run {
        step: authn.step.as_ref().map(ToString::to_string),
        end: authn.end.map(|(o, by)| (o, by.map(|d| d.to_string()))),
        principal: authn.payload.and_then(|p| p.principal()),
        kept: authn.token_kept,
        headers: headers.into_owned(),
    }
}

const EDGE: &str = "[{issuer: https://iss, audiences: [api], forwardOriginalToken: true, \
                    outputClaimToHeaders: [{header: x-tenant-id, claim: tenant_id}]}]";

fn good(claims: &serde_json::Value) -> Token {
    token("https://iss", &["api"], claims)
}

#[test]
fn without_rules_nothing_happens() {
    let r = run(&[], &Token::Invalid, &[("x-tenant-id", "a")], false, "");
    assert!(r.step.is_none());
    assert!(r.end.is_none());
    assert!(r.kept);
    assert_eq!(r.headers.get("x-tenant-id").as_deref(), Some("a"));
}

/// No token passes with no principal, and the client's copy of an output header is removed
/// anyway (extractor.cc `sanitizeHeaders`; istio/istio#53212).
#[test]
fn no_token_passes_but_loses_the_client_s_claim_header() {
    let ra = rules(EDGE);
    let r = run(
        &ra,
        &Token::None,
        &[("X-Tenant-Id", "operator-a")],
        false,
        "",
    );
    assert!(r.end.is_none());
    assert_eq!(r.principal, None);
    assert_eq!(r.headers.get("x-tenant-id"), None);
    assert_eq!(
        r.step.as_deref(),
        Some("jwt     no token; removed the client's x-tenant-id")
    );
    assert!(!r.kept);
}

/// A verified token: principal `<iss>/<sub>`, the claim written over the client's header, the
/// token forwarded as asked.
#[test]
fn a_good_token_sets_its_claim_and_travels_on() {
    let ra = rules(EDGE);
    let r = run(
        &ra,
        &good(&json!({"tenant_id": "operator-a"})),
        &[("x-tenant-id", "operator-b")],
        false,
        "",
    );
    assert!(r.end.is_none());
    assert_eq!(r.principal.as_deref(), Some("https://iss/alice"));
    assert_eq!(r.headers.get("x-tenant-id").as_deref(), Some("operator-a"));
    assert!(r.kept);
    assert_eq!(
        r.step.as_deref(),
        Some(
            "jwt     verified by RequestAuthentication ns/ra jwtRules[0]; principal https://iss/alice; \
             removed the client's x-tenant-id; set x-tenant-id: operator-a; token forwarded"
        )
    );
    // A token without the claim leaves no header at all.
    let r = run(
        &ra,
        &good(&json!({})),
        &[("x-tenant-id", "operator-b")],
        false,
        "",
    );
    assert_eq!(r.headers.get("x-tenant-id"), None);
}

/// Without `forwardOriginalToken` the next hop sees no token (jwt_authn `forward: false`).
#[test]
fn the_token_is_removed_unless_forwarded() {
    let ra = rules("[{issuer: https://iss}]");
    let r = run(&ra, &good(&json!({})), &[], false, "");
    assert!(r.end.is_none());
    assert!(!r.kept);
    assert!(r.step.unwrap().ends_with("token removed"));
}

/// A bad or expired token, or one of an issuer no rule names, is refused with 401; a token whose
/// audiences a rule does not list with 403 (filter.cc maps `JwtAudienceNotAllowed` to 403).
#[test]
fn bad_tokens_are_refused() {
    let ra = rules(EDGE);
    let by = Some("RequestAuthentication ns/ra jwtRules[0]".to_string());
    let r = run(&ra, &Token::Invalid, &[], false, "");
    assert_eq!(
        r.end,
        Some((Outcome::Unauthenticated { status: 401 }, by.clone()))
    );
    assert!(r.step.unwrap().contains(
        "rejected by RequestAuthentication ns/ra jwtRules[0]: the token does not verify"
    ));
    let r = run(
        &ra,
        &token("https://other", &["api"], &json!({})),
        &[],
        false,
        "",
    );
    assert_eq!(
        r.end,
        Some((Outcome::Unauthenticated { status: 401 }, by.clone()))
    );
    let r = run(
        &ra,
        &token("https://iss", &["web"], &json!({})),
        &[],
        false,
        "",
    );
    assert_eq!(
        r.end,
        Some((Outcome::Unauthenticated { status: 403 }, by.clone()))
    );
    // A token without `aud` fails a rule that lists audiences (jwt_verify_lib CheckAudience).
    let r = run(&ra, &token("https://iss", &[], &json!({})), &[], false, "");
    assert_eq!(r.end, Some((Outcome::Unauthenticated { status: 403 }, by)));
}

#[test]
fn audiences_compare_without_scheme_and_trailing_slash() {
    let ra = rules("[{issuer: https://iss, audiences: ['https://api.io/']}]");
    for aud in ["api.io", "http://api.io", "https://api.io/", "api.io/"] {
        let r = run(
            &ra,
            &token("https://iss", &[aud], &json!({})),
            &[],
            false,
            "",
        );
        assert!(r.end.is_none(), "{aud}");
    }
    let r = run(
        &ra,
        &token("https://iss", &["api.iox"], &json!({})),
        &[],
        false,
        "",
    );
    assert!(r.end.is_some());
    // A rule without audiences checks none.
    let open = rules("[{issuer: https://iss}]");
    assert!(
        run(
            &open,
            &token("https://iss", &[], &json!({})),
            &[],
            false,
            ""
        )
        .end
        .is_none()
    );
}

/// CORS preflights bypass the filter (Istio sets `bypass_cors_preflight`): no check, no
/// header removed.
#[test]
fn preflights_are_not_checked() {
    let ra = rules(EDGE);
    let r = run(&ra, &Token::Invalid, &[("x-tenant-id", "a")], true, "");
    assert!(r.end.is_none());
    assert_eq!(r.headers.get("x-tenant-id").as_deref(), Some("a"));
    assert_eq!(r.step.as_deref(), Some("jwt     skipped: a CORS preflight"));
    assert!(r.kept);
}

/// Rules sorted by issuer; the first that verifies wins and only the rules tried before it
/// removed their headers; when none verifies, the first that found the token answers.
#[test]
fn several_rules() {
    let ra = rules(
        "[{issuer: https://b, outputClaimToHeaders: [{header: x-b, claim: c}], forwardOriginalToken: true}, \
          {issuer: https://a, audiences: [aud-a], outputClaimToHeaders: [{header: x-a, claim: c}]}]",
    );
    let headers = [("x-a", "client"), ("x-b", "client")];
    let r = run(
        &ra,
        &token("https://a", &["aud-a"], &json!({"c": "v"})),
        &headers,
        false,
        "",
    );
    assert!(r.end.is_none());
    assert_eq!(r.headers.get("x-a").as_deref(), Some("v"));
    // The rule of issuer b sorts after a and never ran: the client's x-b stays.
    assert_eq!(r.headers.get("x-b").as_deref(), Some("client"));
    assert!(!r.kept);
    let r = run(
        &ra,
        &token("https://b", &[], &json!({"c": "v"})),
        &headers,
        false,
        "",
    );
    assert!(r.end.is_none());
    assert_eq!(r.headers.get("x-a"), None);
    assert_eq!(r.headers.get("x-b").as_deref(), Some("v"));
    assert!(r.kept);
    assert!(r.step.unwrap().contains("jwtRules[0]"));
    // Issuer a's rule sorts first: its audience refusal answers.
    let r = run(
        &ra,
        &token("https://a", &["x"], &json!({})),
        &headers,
        false,
        "",
    );
    assert_eq!(
        r.end,
        Some((
            Outcome::Unauthenticated { status: 403 },
            Some("RequestAuthentication ns/ra jwtRules[1]".to_string())
        ))
    );
    assert_eq!(r.headers.get("x-a"), None);
    assert_eq!(r.headers.get("x-b"), None);
    let r = run(&ra, &Token::None, &headers, false, "");
    assert!(r.end.is_none());
    assert_eq!(r.headers.get("x-a"), None);
    assert_eq!(r.headers.get("x-b"), None);
}

/// Where a rule looks for the token (extractor.cc: `fromHeaders` replace the defaults; the token
/// starts after the prefix).
#[test]
fn token_locations() {
    let elsewhere = rules("[{issuer: https://iss, fromHeaders: [{name: x-jwt}]}]");
    let r = run(&elsewhere, &Token::Invalid, &[], false, "");
    assert!(r.end.is_none());
    assert!(r.kept);
    assert_eq!(
        r.step.as_deref(),
        Some("jwt     no token; a token no rule reads goes on")
    );
    let bearer =
        rules("[{issuer: https://iss, fromHeaders: [{name: Authorization, prefix: 'Bearer '}]}]");
    assert!(
        run(&bearer, &good(&json!({})), &[], false, "")
            .end
            .is_none()
    );
    assert!(run(&bearer, &Token::Invalid, &[], false, "").end.is_some());
    let bare = rules("[{issuer: https://iss, fromHeaders: [{name: authorization}]}]");
    assert_eq!(
        run(&bare, &good(&json!({})), &[], false, "")
            .end
            .map(|(o, _)| o),
        Some(Outcome::Unauthenticated { status: 401 })
    );
    let odd =
        rules("[{issuer: https://iss, fromHeaders: [{name: authorization, prefix: 'Token '}]}]");
    assert!(run(&odd, &Token::Invalid, &[], false, "").end.is_none());
    let default = rules("[{issuer: https://iss}]");
    let r = run(&default, &Token::None, &[], false, "a=1&access_token=x");
    assert!(matches!(r.end, Some((Outcome::NotModelled { .. }, _))));
    assert!(
        run(&default, &Token::None, &[], false, "a=1&token=x")
            .end
            .is_none()
    );
    let param = rules("[{issuer: https://iss, fromParams: [tok]}]");
    assert!(run(&param, &Token::None, &[], false, "tok=1").end.is_some());
    assert!(
        run(&param, &Token::None, &[], false, "access_token=1")
            .end
            .is_none()
    );
    let cookie = rules("[{issuer: https://iss, fromCookies: [session]}]");
    assert!(run(&cookie, &Token::None, &[], false, "").end.is_some());
}

#[test]
fn claims_and_payload_to_headers() {
    let ra = rules(
        "[{issuer: https://iss, outputClaimToHeaders: [{header: x-team, claim: org.team}, \
          {header: x-level, claim: level}, {header: x-none, claim: missing}], \
          outputPayloadToHeader: x-payload}]",
    );
    let r = run(
        &ra,
        &good(&json!({"org": {"team": "t1"}, "level": 3})),
        &[("x-payload", "forged"), ("x-none", "forged")],
        false,
        "",
    );
    assert_eq!(r.headers.get("x-team").as_deref(), Some("t1"));
    assert_eq!(r.headers.get("x-level").as_deref(), Some("3"));
    assert_eq!(r.headers.get("x-none"), None);
    assert_eq!(
        r.headers.get("x-payload").as_deref(),
        Some("<the token's payload, base64>")
    );
}
