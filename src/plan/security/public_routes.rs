//! Public gateway routes: the edge's token requirement leaves out exactly their paths, and the
//! routes the gateway tries before them keep it (istio-rules.md §7: an AuthorizationPolicy
//! sees the request, not the route it takes, so "this route is public" must be said in paths).

use super::{AuthorizationPolicy, Operation, Rule, RuleFor, authz_paths};
use crate::model::{Gateway, HttpPath, PathMatch};

/// The paths the gateway routes to one service: those that need a token and the public ones.
#[derive(Debug, Default)]
pub(super) struct GatewayPaths<'a> {
    pub(super) token: Vec<&'a PathMatch>,
    pub(super) public: Vec<&'a PathMatch>,
}

/// The `to` of an ALLOW rule for path conditions: a prefix `/a` is `/a` and `/a/*`, an exact
/// path itself; a prefix `/` (everything) adds no condition.
pub(super) fn operation(paths: &[&PathMatch]) -> Vec<Operation> {
    let prefixes: Vec<HttpPath> = paths
        .iter()
        .filter_map(|p| match p {
            PathMatch::Prefix(prefix) => Some(prefix.clone()),
            PathMatch::Exact(_) => None,
        })
        .collect();
    if prefixes.iter().any(|p| p.as_str() == "/") {
        return Vec::new();
    }
    let mut listed = authz_paths(&prefixes);
    listed.extend(paths.iter().filter_map(|p| match p {
        PathMatch::Exact(exact) => Some(exact.to_string()),
        PathMatch::Prefix(_) => None,
    }));
    listed.sort();
    listed.dedup();
    vec![Operation {
        paths: listed,
        ..Operation::default()
    }]
}

/// Paths as a DENY rule names them: as [`operation`] has them, but a prefix `/` is `/*` (a
/// rule without paths would match every path).
fn deny_paths<'a>(paths: impl IntoIterator<Item = &'a PathMatch>) -> Vec<String> {
    let mut listed = Vec::new();
    for path in paths {
        match path {
            PathMatch::Prefix(prefix) if prefix.as_str() == "/" => listed.push("/*".to_string()),
            PathMatch::Prefix(prefix) => listed.extend(authz_paths(std::slice::from_ref(prefix))),
            PathMatch::Exact(exact) => listed.push(exact.to_string()),
        }
    }
    listed.sort();
    listed.dedup();
    listed
}

/// The `notPaths` of the edge's token requirement: every public route's path.
pub(super) fn public_paths(gateway: &Gateway) -> Vec<String> {
    deny_paths(gateway.routes.iter().filter(|r| r.public).map(|r| &r.path))
}

/// Adds to the edge's token requirement a rule for the routes that need a token and that the
/// gateway tries before a public route whose path overlaps theirs (`/v1/tenants` before a
/// public `/`): the first rule leaves the public path out, and these must stay in. A route with
/// conditions is kept in whole, so a request that misses its conditions and falls through to
/// the public route needs a token too: never more open than the profile says.
pub(super) fn guard_earlier_routes(gateway: &Gateway, policy: Option<&mut AuthorizationPolicy>) {
    let Some(policy) = policy else {
        return;
    };
    let earlier = gateway.routes.iter().enumerate().filter(|(i, route)| {
        !route.public
            && gateway.routes[i + 1..]
                .iter()
                .any(|later| later.public && later.path.overlaps(&route.path))
    });
    let paths = deny_paths(earlier.map(|(_, route)| &route.path));
    let Some(first) = policy.rules.first() else {
        return;
    };
    if paths.is_empty() {
        return;
    }
    let mut rule = Rule {
        id: RuleFor::BeforePublicRoute,
        from: first.from.clone(),
        to: first.to.clone(),
        when: Vec::new(),
    };
    for operation in &mut rule.to {
        operation.not_paths = Vec::new();
        operation.paths.clone_from(&paths);
    }
    policy.rules.push(rule);
}
