//! CORS preflights at the edge. A browser sends the preflight of a cross-origin request (an
//! `OPTIONS` with `Origin` and `Access-Control-Request-Method`) without credentials, so with
//! tokens required the edge must let a tokenless preflight through where the gateway answers
//! CORS, and only there.
//!
//! In Istio's filter chain the preflight meets JWT authentication, which skips it (Istio sets
//! `bypass_cors_preflight`, istio/istio#36911 and its fix istio/istio#36981), then the RBAC
//! filter of the AuthorizationPolicies, and only then the CORS filter that answers it
//! (istio/istio#55318: the RBAC filter runs first, so "we add OPTIONS to authorization
//! policies"; istio/istio#40540: Istio will not exempt preflights from policies by itself).
//! The simulator follows that order (authentication and authorization at the gateway hop, the
//! route's `corsPolicy` when it routes), so:
//!
//! - on every route of a gateway with CORS, a tokenless preflight from an allowed origin is
//!   answered by the gateway (200), whether or not tokens are required;
//! - with tokens required, on every route of a gateway without CORS that is not public, a
//!   tokenless preflight stops at the gateway, as any other tokenless request does.

use crate::diagnostic::Diagnostic;
use crate::model::{HeaderCondition, Method, PathMatch, Profile};
use crate::simulate::{Mesh, Origin, Outcome, Request};

use super::expect::describe;
use super::guarantees::{below, broken};

/// Every preflight guarantee that does not hold, at the route it concerns.
pub(super) fn check(mesh: &Mesh, profile: &Profile, failed: &mut Vec<Diagnostic>) {
    let require_token = profile
        .security
        .jwt
        .as_ref()
        .is_some_and(|jwt| jwt.require_token);
    for gateway in &profile.gateways {
        // An origin the gateway allows, written out; with only regexes there is none to send
        // without inventing a string that matches one.
        let allowed = gateway.cors.as_ref().map(|cors| {
            (
                cors.origins.first(),
                cors.methods.first().map_or("GET", Method::as_str),
            )
        });
        if allowed.is_none() && !require_token {
            continue;
        }
        for class in gateway.classes() {
            let Some(host) = class.hosts.iter().find(|h| !h.is_wildcard()) else {
                continue;
            };
            for route in &class.routes {
                // A preflight is routed like any request: a route held to other methods, or
                // matched on a header pattern no preflight carries, does not match it (Envoy
                // matches `:method` and headers before the CORS filter runs), so the preflight
                // falls to the routes after it and this route's own CORS cannot answer it.
                let takes_preflight = (route.methods.is_empty()
                    || route.methods.iter().any(|m| m.as_str() == "OPTIONS"))
                    && route
                        .headers
                        .iter()
                        .all(|(_, condition)| matches!(condition, HeaderCondition::Exact(_)));
                if !takes_preflight {
                    continue;
                }
                let path = match &route.path {
                    PathMatch::Prefix(prefix) => below(prefix),
                    PathMatch::Exact(exact) => exact.to_string(),
                };
                let preflight = |origin: &str, method: &str| {
                    let mut request = Request::new(Origin::Gateway(None), host.to_string())
                        .https()
                        .method("OPTIONS")
                        .path(&path)
                        .header("origin", origin)
                        .header("access-control-request-method", method);
                    for (name, condition) in &route.headers {
                        if let HeaderCondition::Exact(value) = condition {
                            request = request.header(name.as_str(), value.as_str());
                        }
                    }
                    request
                };
                match allowed {
                    Some((Some(origin), method)) => {
                        let trace = mesh.evaluate(&preflight(origin, method));
                        if trace.outcome() != Some(&Outcome::Responded { status: 200 }) {
                            failed.push(broken(
                                route.span.clone(),
                                "a CORS preflight without a token is answered at the gateway",
                                &format!(
                                    "OPTIONS {path} (Host {host}, Origin {origin}) {}",
                                    describe(profile, &trace)
                                ),
                            ));
                        }
                    }
                    Some((None, _)) => {}
                    None => {
                        if route.public {
                            continue;
                        }
                        let origin = "https://meshc-proof.invalid";
                        let trace = mesh.evaluate(&preflight(origin, "GET"));
                        let stopped = trace.entry.as_ref().is_some_and(|e| e.outcome.is_some());
                        if !stopped || trace.allowed_anywhere() {
                            failed.push(broken(
                                route.span.clone(),
                                "without CORS, a preflight without a token stops at the gateway",
                                &format!(
                                    "OPTIONS {path} (Host {host}, Origin {origin}) {}",
                                    describe(profile, &trace)
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
}
