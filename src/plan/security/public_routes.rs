//! Public gateway routes: the edge's token requirement leaves out exactly their paths, and the
//! routes the gateway tries before them keep it (istio-rules.md §7: an AuthorizationPolicy
//! sees the request, not the route it takes, so "this route is public" must be said in paths).

use super::{Operation, Rule, RuleFor, authz_paths};
use crate::model::{self, GatewayRoute, HttpPath, Name, PathMatch, Profile};

/// The paths the gateway routes to one service: those that need a token and the public ones.
#[derive(Debug, Default)]
pub(super) struct GatewayPaths<'a> {
    pub(super) token: Vec<&'a PathMatch>,
    pub(super) public: Vec<&'a PathMatch>,
    /// The principals of the gateway deployments whose routes lead to the service, in the
    /// order of the gateways.
    pub(super) principals: Vec<String>,
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

/// The `notPaths` of a tenant guard's rules about claims and headers: the public routes to the
/// service that are open to tenants ([`model::open_to_tenants`]).
pub(super) fn open_to_tenants(profile: &Profile, service: &Name) -> Vec<String> {
    let open = model::open_to_tenants(profile, service);
    if open.is_empty() {
        return Vec::new();
    }
    deny_paths(open)
}

/// The `notPaths` of the edge's token requirement for some hosts: the path of every public
/// route of theirs.
pub(super) fn public_paths(routes: &[&GatewayRoute]) -> Vec<String> {
    deny_paths(routes.iter().filter(|r| r.public).map(|r| &r.path))
}

/// The rule of the edge's token requirement for the routes of some hosts that need a token
/// and that the gateway tries before a public route whose path overlaps theirs (`/v1/tenants`
/// before a public `/`): `missing`, their rule, leaves the public path out, and these must
/// stay in. A route with conditions is kept in whole, so a request that misses its conditions
/// and falls through to the public route needs a token too: never more open than the profile
/// says.
pub(super) fn guard_earlier_routes(routes: &[&GatewayRoute], missing: &Rule) -> Option<Rule> {
    let mut earlier: Vec<&PathMatch> = Vec::new();
    for (at, public) in routes.iter().enumerate().filter(|(_, r)| r.public) {
        earlier.extend(
            routes[..at]
                .iter()
                .filter(|route| !route.public && route.path.overlaps(&public.path))
                .map(|route| &route.path),
        );
    }
    let paths = deny_paths(earlier);
    if paths.is_empty() {
        return None;
    }
    let mut rule = Rule {
        id: RuleFor::BeforePublicRoute,
        from: missing.from.clone(),
        to: missing.to.clone(),
        when: Vec::new(),
    };
    for operation in &mut rule.to {
        operation.not_paths = Vec::new();
        operation.paths.clone_from(&paths);
    }
    Some(rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::path_match::{exact, prefix};
    use crate::model::{HeaderCondition, HeaderName, HeaderValue, Method, Name, RouteHeaders};

    fn route(name: &str, path: PathMatch, public: bool) -> GatewayRoute {
        GatewayRoute {
            span: 0..0,
            name: Name::parse(name).unwrap(),
            path,
            service: Name::parse("s").unwrap(),
            rate_limit: None,
            methods: Vec::new(),
            headers: Vec::new(),
            public,
            header_ops: RouteHeaders::default(),
            fault: None,
            hosts: Vec::new(),
            port: None,
        }
    }

    fn edge(routes: &[GatewayRoute]) -> Vec<Rule> {
        let routes: Vec<&GatewayRoute> = routes.iter().collect();
        let missing = Rule {
            id: RuleFor::MissingToken,
            from: Vec::new(),
            to: vec![Operation {
                ports: vec!["8443".to_string()],
                not_methods: vec!["OPTIONS".to_string()],
                not_paths: public_paths(&routes),
                ..Operation::default()
            }],
            when: Vec::new(),
        };
        let guard = guard_earlier_routes(&routes, &missing);
        std::iter::once(missing).chain(guard).collect()
    }

    fn public(routes: &[GatewayRoute]) -> Vec<String> {
        public_paths(&routes.iter().collect::<Vec<_>>())
    }

    #[test]
    fn allow_paths_of_prefixes_and_exact_paths() {
        let (a, b, root) = (prefix("/a"), exact("/health"), prefix("/"));
        assert_eq!(operation(&[&a, &b])[0].paths, ["/a", "/a/*", "/health"]);
        assert_eq!(operation(&[&prefix("/a/")])[0].paths, ["/a/*"]);
        // `/` is every path: no condition at all.
        assert!(operation(&[&b, &root]).is_empty());
    }

    #[test]
    fn public_paths_are_exactly_the_public_routes() {
        let gw = vec![
            route("health", exact("/health"), true),
            route("api", prefix("/v1"), false),
            route("ui", prefix("/"), true),
        ];
        // A public `/` is written `/*`: an empty list would exempt nothing.
        assert_eq!(public(&gw), ["/*", "/health"]);
        assert!(public(&[route("api", prefix("/v1"), false)]).is_empty());
    }

    #[test]
    fn routes_before_an_overlapping_public_route_keep_the_token() {
        let gw = vec![
            route("health", exact("/health"), true),
            route("api", prefix("/v1"), false),
            route("ui", prefix("/"), true),
        ];
        let rules = edge(&gw);
        assert_eq!(rules.len(), 2);
        let guard = &rules[1];
        assert_eq!(guard.id, RuleFor::BeforePublicRoute);
        assert_eq!(guard.to[0].paths, ["/v1", "/v1/*"]);
        assert!(guard.to[0].not_paths.is_empty());
        // The rest of the operation is the first rule's.
        assert_eq!(guard.to[0].ports, ["8443"]);
        assert_eq!(guard.to[0].not_methods, ["OPTIONS"]);
    }

    #[test]
    fn routes_after_or_apart_from_public_routes_need_no_second_rule() {
        // `/health` does not overlap the public `/v1/docs`, `/v1` is tried after it, and the
        // non-public `/v1/a` overlaps only the non-public `/v1`.
        let gw = vec![
            route("health", exact("/health"), false),
            route("a", prefix("/v1/a"), false),
            route("docs", prefix("/v1/docs"), true),
            route("api", prefix("/v1"), false),
        ];
        assert_eq!(edge(&gw).len(), 1);
        assert!(edge(&[]).len() == 1);
        // A public route before another public one is no reason for a token.
        let gw = vec![
            route("health", exact("/health"), true),
            route("ui", prefix("/"), true),
        ];
        assert_eq!(edge(&gw).len(), 1);
    }

    #[test]
    fn a_conditional_route_before_a_public_one_keeps_the_token_on_its_whole_path() {
        let mut orders = route("orders", prefix("/orders"), false);
        orders.methods = vec![Method::parse("POST").unwrap()];
        orders.headers = vec![(
            HeaderName::parse("x-client").unwrap(),
            HeaderCondition::Exact(HeaderValue::parse("web").unwrap()),
        )];
        let gw = vec![orders, route("ui", prefix("/"), true)];
        assert_eq!(edge(&gw)[1].to[0].paths, ["/orders", "/orders/*"]);
    }
}
