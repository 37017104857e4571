//! Where tenants' paths go: which gateway route receives the requests under each tenant path,
//! and which path prefixes meet. Planning sizes the tenant guards by it and validation warns
//! about grants no request can use, without comparing every tenant with every route.

use std::collections::BTreeMap;

use super::{GatewayRoute, HttpPath, Tenant};

impl HttpPath {
    /// Whether some request path is under both prefixes (segment-wise, as AuthorizationPolicy
    /// paths `p` and `p/*` cover them).
    pub fn overlaps(&self, other: &HttpPath) -> bool {
        self.is_within(other) || other.is_within(self)
    }
}

/// The prefix as a folder: `/a` and `/a/` both cover what starts with `/a/`.
fn folder(path: &str) -> String {
    if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

/// One tenant path that a gateway route delivers to the route's service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Delivery {
    /// The tenant's index in [`super::Tenancy::tenants`].
    pub tenant: usize,
    /// The path's index in the tenant's `paths`.
    pub path: usize,
    /// The route's index in the list of routes it was found in.
    pub route: usize,
}

/// Every route that receives requests under some tenant path. A route receives a request
/// when its prefix is the longest that covers the request's path (the ingress VirtualService
/// lists routes longest prefix first), so under a tenant path `q` the routes are the longest
/// one whose prefix covers `q`, and every route whose prefix lies deeper inside `q`.
pub(crate) fn deliveries<R: std::borrow::Borrow<GatewayRoute>>(
    tenants: &[Tenant],
    routes: &[R],
) -> Vec<Delivery> {
    let mut by_prefix: BTreeMap<&str, usize> = BTreeMap::new();
    // Validation refuses a public, exact or conditional route that would receive requests
    // under a tenant path (`route-on-tenant-path`), so only plain prefix routes deliver them.
    for (index, route) in routes.iter().enumerate() {
        let route = route.borrow();
        if route.is_plain_prefix() {
            by_prefix.entry(route.scope().as_str()).or_insert(index);
        }
    }
    let mut found = Vec::new();
    for (t, tenant) in tenants.iter().enumerate() {
        for (p, path) in tenant.paths.iter().enumerate() {
            let mut push = |route| {
                found.push(Delivery {
                    tenant: t,
                    path: p,
                    route,
                });
            };
            if let Some(route) = covering(&by_prefix, path.as_str()) {
                push(route);
            }
            let below = folder(path.as_str());
            for (prefix, &route) in by_prefix.range(below.as_str()..) {
                if !prefix.starts_with(below.as_str()) {
                    break;
                }
                if *prefix != below {
                    push(route);
                }
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// The route with the longest prefix that covers every request under `path`.
fn covering(by_prefix: &BTreeMap<&str, usize>, path: &str) -> Option<usize> {
    let mut candidate = path.trim_end_matches('/');
    loop {
        if candidate.is_empty() {
            return by_prefix.get("/").copied();
        }
        for key in [candidate, folder(candidate).as_str()] {
            if let Some(&route) = by_prefix.get(key) {
                return Some(route);
            }
        }
        candidate = &candidate[..candidate.rfind('/')?];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Name, Tenant};

    fn path(text: &str) -> HttpPath {
        HttpPath::parse(text).unwrap()
    }

    fn tenant(paths: &[&str]) -> Tenant {
        Tenant {
            span: 0..0,
            id: Name::parse("t").unwrap(),
            services: Vec::new(),
            paths: paths.iter().map(|p| path(p)).collect(),
            methods: Vec::new(),
        }
    }

    fn routes(prefixes: &[&str]) -> Vec<GatewayRoute> {
        prefixes
            .iter()
            .map(|prefix| GatewayRoute {
                span: 0..0,
                name: Name::parse("r").unwrap(),
                path: crate::model::PathMatch::Prefix(path(prefix)),
                service: Name::parse("s").unwrap(),
                rate_limit: None,
                methods: Vec::new(),
                headers: Vec::new(),
                public: false,
                header_ops: crate::model::RouteHeaders::default(),
                fault: None,
                hosts: Vec::new(),
                port: None,
            })
            .collect()
    }

    fn routed(paths: &[&str], prefixes: &[&str]) -> Vec<(usize, usize)> {
        deliveries(&[tenant(paths)], &routes(prefixes))
            .into_iter()
            .map(|d| (d.path, d.route))
            .collect()
    }

    #[test]
    fn prefixes_overlap_by_segments() {
        assert!(path("/a").overlaps(&path("/a/b")));
        assert!(path("/a/b").overlaps(&path("/a")));
        assert!(path("/").overlaps(&path("/x")));
        assert!(path("/a/").overlaps(&path("/a")));
        assert!(!path("/a").overlaps(&path("/ab")));
        assert!(!path("/a/b").overlaps(&path("/a/c")));
    }

    #[test]
    fn the_longest_covering_route_takes_a_tenant_path() {
        // `/v1/tenants` shadows `/v1` for everything under `/v1/tenants/a`.
        assert_eq!(
            routed(&["/v1/tenants/a"], &["/v1/tenants", "/v1", "/x"]),
            [(0, 0)]
        );
        assert_eq!(routed(&["/v1/tenants/a"], &["/v1/", "/"]), [(0, 0)]);
        assert_eq!(routed(&["/v1/tenants/a"], &["/"]), [(0, 0)]);
        assert_eq!(routed(&["/v1/tenants/a"], &["/v1/tenants/a"]), [(0, 0)]);
        assert_eq!(routed(&["/v1/tenants/a"], &["/v1/tenants/a/"]), [(0, 0)]);
        assert!(routed(&["/v1/tenants/a"], &["/v1/tenants/ab", "/v2"]).is_empty());
    }

    #[test]
    fn deeper_routes_take_part_of_a_tenant_path() {
        assert_eq!(
            routed(&["/t/a", "/u"], &["/t/a/x/y", "/t/a/w", "/t", "/u/v"]),
            [(0, 0), (0, 1), (0, 2), (1, 3)]
        );
        assert_eq!(routed(&["/"], &["/a", "/b"]), [(0, 0), (0, 1)]);
    }
}
