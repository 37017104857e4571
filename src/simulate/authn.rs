//! JWT authentication at one proxy, as Istio configures Envoy's `jwt_authn` filter
//! (istio/istio pilot/pkg/security/authn/policy_applier.go `convertToEnvoyJwtConfig`) and as
//! Envoy runs it (source/extensions/filters/http/jwt_authn: filter.cc, verifier.cc,
//! authenticator.cc, extractor.cc).
//!
//! The rules of every RequestAuthentication that applies are sorted by issuer; the requirement
//! is "any rule verifies the token, or no rule finds one". So a request without a token passes
//! with no principal; a token some rule finds must verify against a rule of its issuer, else
//! the first rule that found it answers: 401 for a bad token or an unknown issuer, 403 for an
//! audience the rule does not list (filter.cc maps `JwtAudienceNotAllowed` to 403). Each rule
//! tried removes the headers its `outputClaimToHeaders` names from the request first, token or
//! not (extractor.cc `sanitizeHeaders`); the rule that verifies writes its claims and, without
//! `forwardOriginalToken`, removes the token. CORS preflights skip the filter (Istio sets
//! `bypass_cors_preflight`).

use super::context::{Headers, Payload};
use super::decode::{JwtRule, RequestAuthentication, TokenLocation};
use super::request::{Jwt, Token};
use super::trace::{Decider, JwtResult, Outcome, Part, Step};

/// How a rule sees the request's `Authorization: Bearer <token>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sight {
    Missing,
    Token,
    /// The rule's header prefix cuts the value elsewhere: it reads a malformed token.
    Garbled,
}

fn sight(rule: &JwtRule, present: bool) -> Sight {
    const VALUE: &str = "Bearer x.y.z";
    if !present {
        return Sight::Missing;
    }
    if rule.locations.is_empty() {
        return Sight::Token;
    }
    for location in &rule.locations {
        if let TokenLocation::Header { name, prefix } = location
            && name == "authorization"
            && let Some(at) = VALUE.find(prefix.as_str())
        {
            // extractor.cc `extractJWT`: the token starts at the first base64url character after
            // the prefix.
            let rest = VALUE[at + prefix.len()..].trim_start_matches(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            });
            return if rest == "x.y.z" {
                Sight::Token
            } else {
                Sight::Garbled
            };
        }
    }
    Sight::Missing
}

/// jwt_verify_lib `CheckAudience`: audiences compare without `http(s)://` and a trailing `/`.
fn audience(text: &str) -> &str {
    let text = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    text.strip_suffix('/').unwrap_or(text)
}

/// Why a rule that sees the token refuses it: status and reason.
fn verify<'t>(
    rule: &JwtRule,
    token: &'t Token,
    sight: Sight,
) -> Result<&'t Jwt, (u16, &'static str)> {
    let jwt = match (sight, token) {
        (Sight::Garbled, _) | (_, Token::Invalid) => {
            return Err((401, "the token does not verify"));
        }
        (_, Token::Valid(jwt)) => jwt,
        (_, Token::None) => return Err((401, "no token")),
    };
    if jwt.issuer != rule.issuer {
        return Err((401, "the token's issuer is not the rule's"));
    }
    if !rule.audiences.is_empty()
        && !jwt
            .audiences
            .iter()
            .any(|a| rule.audiences.iter().any(|r| audience(r) == audience(a)))
    {
        return Err((403, "the token's audiences are not allowed"));
    }
    Ok(jwt)
}

/// One rule of a RequestAuthentication that applies to the proxy.
pub(crate) type JwtRef<'m> = (&'m RequestAuthentication, usize);

/// The rules that apply to a proxy, as the mesh lists them (RequestAuthentication and rule
/// indices): read in place rather than gathered into a list for each request.
#[derive(Clone, Copy)]
pub(crate) struct JwtRules<'m> {
    pub all: &'m [RequestAuthentication],
    pub at: &'m [(usize, usize)],
}

impl<'m> JwtRules<'m> {
    fn len(self) -> usize {
        self.at.len()
    }

    fn get(self, i: usize) -> JwtRef<'m> {
        let (ra, rule) = self.at[i];
        (&self.all[ra], rule)
    }

    fn iter(self) -> impl Iterator<Item = JwtRef<'m>> {
        (0..self.len()).map(move |i| self.get(i))
    }
}

/// What authentication did.
pub(crate) struct Authn<'m, 'r> {
    pub step: Option<Step<'m>>,
    pub end: Option<(Outcome, Option<Decider<'m>>)>,
    /// The verified token's claims.
    pub payload: Option<Payload<'r>>,
    /// Whether the token goes on to the next hop.
    pub token_kept: bool,
}

fn decider((ra, i): JwtRef<'_>) -> Decider<'_> {
    Decider {
        kind: "RequestAuthentication",
        namespace: &ra.meta.namespace,
        name: &ra.meta.name,
        part: Part::JwtRule(i),
    }
}

/// Runs JWT authentication; `rules` are sorted by issuer.
pub(crate) fn authenticate<'m: 'p, 't: 'p, 'p>(
    rules: JwtRules<'m>,
    token: &'t Token,
    present: bool,
    headers: &mut Headers,
    preflight: bool,
    query: &str,
) -> Authn<'m, 'p> {
    let mut out = Authn {
        step: None,
        end: None,
        payload: None,
        token_kept: present,
    };
    if rules.at.is_empty() {
        return out;
    }
    let rule = |r: JwtRef<'m>| &r.0.rules[r.1];
    if preflight {
        out.step = Some(Step::Jwt {
            result: JwtResult::Bypassed,
            by: None,
            reason: Some("a CORS preflight"),
            principal: None,
            removed: Vec::new(),
            set: Vec::new(),
            forwarded: present,
        });
        return out;
    }
    let has_param = |name: &str| {
        query
            .trim_start_matches('?')
            .split('&')
            .any(|p| p.split_once('=').map_or(p, |(k, _)| k) == name)
    };
    if rules.iter().any(|r| {
        let rule = rule(r);
        (rule.locations.is_empty() && has_param("access_token"))
            || rule.locations.iter().any(|l| {
                matches!(l, TokenLocation::Param(p) if has_param(p))
                    || matches!(l, TokenLocation::Cookie(_))
            })
    }) {
        out.end = Some((
            Outcome::not_modelled("a token in a query parameter or a cookie"),
            Some(decider(rules.get(0))),
        ));
        return out;
    }
    let sight_of = |i: usize| sight(rule(rules.get(i)), present);
    let verified = (0..rules.len()).find_map(|i| {
        let sight = sight_of(i);
        (sight != Sight::Missing)
            .then(|| verify(rule(rules.get(i)), token, sight).ok())
            .flatten()
            .map(|jwt| (i, jwt))
    });
    let tried = verified.map_or(rules.len(), |(k, _)| k + 1);
    let mut removed = Vec::new();
    for r in rules.iter().take(tried) {
        let rule = rule(r);
        let names = rule
            .claim_to_headers
            .iter()
            .map(|(h, _)| h.as_str())
            .chain(rule.output_payload_to_header.as_deref());
        for name in names {
            if headers.remove(name) {
                removed.push(name);
            }
        }
    }
    let Some((k, jwt)) = verified else {
        let refusal = (0..rules.len())
            .map(|i| (i, sight_of(i)))
            .find(|&(_, sight)| sight != Sight::Missing)
            .and_then(|(i, sight)| Some((i, verify(rule(rules.get(i)), token, sight).err()?)));
        let (result, by, reason) = match refusal {
            Some((i, (status, reason))) => {
                let by = decider(rules.get(i));
                out.end = Some((Outcome::Unauthenticated { status }, Some(by)));
                (JwtResult::Rejected, Some(by), Some(reason))
            }
            None => (JwtResult::NoToken, None, None),
        };
        out.step = Some(Step::Jwt {
            result,
            by,
            reason,
            principal: None,
            removed,
            set: Vec::new(),
            forwarded: present && out.end.is_none(),
        });
        return out;
    };
    let by = rules.get(k);
    let verified_rule = rule(by);
    let payload = Payload {
        jwt,
        split: &verified_rule.space_delimited_claims,
    };
    let mut set = Vec::new();
    for (header, claim) in &verified_rule.claim_to_headers {
        let path: Vec<&str> = claim.split('.').collect();
        if let Some(value) = payload.get(&path).and_then(|c| c.header_value()) {
            headers.add(header, &value);
            set.push((header.as_str(), value));
        }
    }
    if let Some(header) = &verified_rule.output_payload_to_header {
        let value = "<the token's payload, base64>".to_string();
        headers.add(header, &value);
        set.push((header.as_str(), value));
    }
    out.token_kept = verified_rule.forward_original_token;
    out.step = Some(Step::Jwt {
        result: JwtResult::Verified,
        by: Some(decider(by)),
        reason: None,
        principal: payload.principal(),
        removed,
        set,
        forwarded: out.token_kept,
    });
    out.payload = Some(payload);
    out
}

#[cfg(test)]
#[path = "authn_tests.rs"]
mod tests;
