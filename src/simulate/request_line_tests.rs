//! The request line at each proxy: what a proxy refuses with 400, and the path it normalizes,
//! checked again only where a proxy before it changed the path.

use super::tests::{EDGE, TOPOLOGY, eval, from, gateway, outcome};
use crate::simulate::testing::mesh;
use crate::simulate::trace::{Hop, Outcome, Proxy, Step};

#[test]
fn request_lines_proxies_refuse() {
    let m = mesh(EDGE, TOPOLOGY);
    assert_eq!(
        outcome(&m, &gateway("shop.io", "/api%00")),
        Outcome::BadRequest
    );
    assert_eq!(
        outcome(&m, &gateway("shop.io", "/api").method("get")),
        Outcome::BadRequest
    );
    let mesh_call = from("web-v1", "api.shop.svc.cluster.local:8080", "/x").method("post");
    assert_eq!(outcome(&m, &mesh_call), Outcome::BadRequest);
}

/// A proxy that admits a request line as it is marks it so, and the proxies after it take the
/// mark for their own check (every proxy checks and normalizes alike); a path normalization
/// changed is checked again by the next proxy.
#[test]
fn an_admitted_request_line_is_not_checked_again() {
    let m = mesh(EDGE, TOPOLOGY);
    let mut hop = Hop::new(Proxy::Unknown {
        origin: String::new(),
    });
    let plain = from("web-v1", "api:8080", "/x");
    let mut carried = super::carry(&plain);
    assert!(!carried.admitted);
    assert!(m.admit(&mut hop, &mut carried));
    assert!(carried.admitted);
    carried.method = "get";
    assert!(
        m.admit(&mut hop, &mut carried),
        "the mark stands for the check"
    );
    assert!(hop.steps.is_empty() && hop.outcome.is_none());
    let dotted = from("web-v1", "api:8080", "/a/./x");
    let mut carried = super::carry(&dotted);
    assert!(m.admit(&mut hop, &mut carried));
    assert_eq!(carried.path, "/a/x");
    assert!(
        !carried.admitted,
        "normalized, checked again by the next proxy"
    );
    assert!(m.admit(&mut hop, &mut carried));
    assert!(carried.admitted);
    assert_eq!(hop.steps.len(), 1, "{:?}", hop.steps);
}

/// A route's rewrite takes the mark of [`an_admitted_request_line_is_not_checked_again`] off:
/// the sidecar behind it normalizes the path the rewrite made.
#[test]
fn a_rewritten_path_is_checked_again() {
    let yaml = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: shop}\n\
spec:
  hosts: [api]
  http:
  - match: [{uri: {prefix: /v1/}}]
    rewrite: {uri: /w/./}
    route: [{destination: {host: api, port: {number: 8080}}}]
";
    let m = mesh(yaml, TOPOLOGY);
    let trace = eval(&m, &from("web-v1", "api:8080", "/v1/x"));
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed), "{trace}");
    let arrival = &trace.branches[0].arrivals[0];
    let paths: Vec<&str> = arrival
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Path { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(paths, ["/w/x"], "{trace}");
    let entry = trace.entry.as_ref().expect("the caller's sidecar");
    assert!(!entry.steps.iter().any(|s| matches!(s, Step::Path { .. })));
}
