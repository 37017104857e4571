//! Requests end to end: gateways, sidecars, routes, subsets, mTLS, and what each hop decides.

use serde_json::json;

use crate::simulate::mesh::Mesh;
use crate::simulate::request::{Origin, Request, Token};
use crate::simulate::testing::{mesh, token};
use crate::simulate::trace::{Outcome, Step, Trace};

pub(super) const TOPOLOGY: &str = r#"
trust-domain = "td"
[[workloads]]
name = "web-v1"
namespace = "shop"
labels = { app = "web", version = "v1" }
service-account = "web"
regions = ["eu", "us"]
ports = [{ service = "web.shop.svc.cluster.local", port = 80, target-port = 8080 }]
[[workloads]]
name = "web-v2"
namespace = "shop"
labels = { app = "web", version = "v2" }
service-account = "web"
regions = ["us"]
ports = [{ service = "web.shop.svc.cluster.local", port = 80, target-port = 8080 }]
[[workloads]]
name = "api"
namespace = "shop"
labels = { app = "api" }
service-account = "api"
ports = [
  { service = "api.shop.svc.cluster.local", port = 8080, target-port = 18080 },
  { service = "api.shop.svc.cluster.local", port = 9090, target-port = 19090 },
]
[[workloads]]
name = "db"
namespace = "data"
labels = { app = "db" }
service-account = "db"
ports = [{ service = "db.data.svc.cluster.local", port = 5000 }]
[[gateways]]
name = "ingress"
namespace = "istio-system"
labels = { istio = "ingressgateway" }
service-account = "ingress-sa"
ports = [{ port = 80, target-port = 8080 }, { port = 443, target-port = 8443 }, { port = 8000 }]
"#;

pub(super) const EDGE: &str = r"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [shop.io, www.shop.io]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [shop.io, '*.shop.io']
    tls: {mode: SIMPLE, credentialName: cert}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge-routes, namespace: istio-system}
spec:
  hosts: [shop.io, api.shop.io]
  gateways: [edge]
  http:
  - name: web
    match: [{uri: {prefix: /web}}]
    route:
    - {destination: {host: web.shop.svc.cluster.local, subset: v1}, weight: 90}
    - {destination: {host: web.shop.svc.cluster.local, subset: v2}, weight: 10}
    timeout: 5s
    retries: {attempts: 2, perTryTimeout: 2s, retryOn: 5xx}
  - name: api
    match: [{uri: {prefix: /api}}]
    route: [{destination: {host: api.shop.svc.cluster.local, port: {number: 8080}}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
  - {name: eu, labels: {topology.kubernetes.io/region: eu}}
";

pub(super) fn eval<'m>(m: &'m Mesh, request: &Request) -> Trace<'m> {
    m.evaluate(request)
}

pub(super) fn outcome(m: &Mesh, request: &Request) -> Outcome {
    let trace = eval(m, request);
    trace
        .outcome()
        .cloned()
        .unwrap_or_else(|| panic!("mixed endings:\n{trace}"))
}

pub(super) fn gateway(host: &str, path: &str) -> Request {
    Request::new(Origin::Gateway(None), host).path(path).https()
}

pub(super) fn from(origin: &str, host: &str, path: &str) -> Request {
    Request::new(origin.parse().unwrap(), host).path(path)
}

#[test]
fn a_gateway_routes_by_weight_to_subsets() {
    let m = mesh(EDGE, TOPOLOGY);
    let trace = eval(&m, &gateway("shop.io", "/web/x"));
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
    let shares: Vec<(u32, Option<&str>, Vec<String>)> = trace
        .branches
        .iter()
        .map(|b| {
            let names = b.arrivals.iter().map(|h| h.proxy.to_string()).collect();
            (b.weight, b.subset, names)
        })
        .collect();
    assert_eq!(
        shares,
        [
            (
                90,
                Some("v1"),
                vec!["sidecar of shop/web-v1, port 8080".to_string()]
            ),
            (
                10,
                Some("v2"),
                vec!["sidecar of shop/web-v2, port 8080".to_string()]
            ),
        ]
    );
    let text = trace.to_string();
    assert!(
        text.contains("route   VirtualService istio-system/edge-routes http[0] (web); timeout 5s; 2 retries of 2s on 5xx"),
        "{text}"
    );
    assert!(text.contains("server  Gateway istio-system/edge servers[1] (HTTPS)"));
    assert!(text.contains("peer spiffe://td/ns/istio-system/sa/ingress-sa"));
}

/// Gateway host matching ignores the Host header's port (`IgnorePortInHostMatching`), is case
/// blind, picks wildcard servers, and a trailing dot is another host (istio-rules.md §7).
#[test]
fn gateway_hosts() {
    let m = mesh(EDGE, TOPOLOGY);
    assert_eq!(
        outcome(&m, &gateway("shop.io:443", "/api")),
        Outcome::Allowed
    );
    assert_eq!(outcome(&m, &gateway("SHOP.io", "/api")), Outcome::Allowed);
    assert_eq!(
        outcome(&m, &gateway("api.shop.io", "/api")),
        Outcome::Allowed
    );
    assert_eq!(outcome(&m, &gateway("shop.io.", "/api")), Outcome::Refused);
    // The SNI picks the server; the Host header then picks the virtual host.
    let mut fronted = gateway("shop.io.", "/api");
    fronted.sni = Some("shop.io".into());
    assert_eq!(outcome(&m, &fronted), Outcome::NotFound);
    assert_eq!(
        outcome(&m, &gateway("other.shop.io", "/api")),
        Outcome::NotFound
    );
    assert_eq!(
        outcome(&m, &gateway("shop.io", "/nothing")),
        Outcome::NotFound
    );
}

/// `httpsRedirect`: the plain-HTTP server answers 301 for every host it names, routed or not.
#[test]
fn https_redirect() {
    let m = mesh(EDGE, TOPOLOGY);
    let plain = Request::new(Origin::Gateway(None), "shop.io:80").path("/web?a=1");
    let trace = eval(&m, &plain);
    assert_eq!(
        trace.outcome(),
        Some(&Outcome::Redirected {
            status: 301,
            location: "https://shop.io/web?a=1".into()
        })
    );
    assert_eq!(
        trace.stopped_by().unwrap().to_string(),
        "Gateway istio-system/edge servers[0]"
    );
    let www = Request::new(Origin::Gateway(None), "www.shop.io").path("/x");
    assert!(matches!(outcome(&m, &www), Outcome::Redirected { .. }));
    let unknown = Request::new(Origin::Gateway(None), "elsewhere.io");
    assert_eq!(outcome(&m, &unknown), Outcome::NotFound);
}

/// The redirect is a route (Envoy source/common/router/config_impl.h `SslRedirectRoute`, a
/// direct response the router filter sends), so JWT authentication and authorization, earlier
/// in the filter chain, answer first on the plain-HTTP port.
#[test]
fn filters_run_before_the_https_redirect() {
    let yaml = format!(
        "{EDGE}---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: edge, namespace: istio-system}}\n\
         spec: {{selector: {{matchLabels: {{istio: ingressgateway}}}}, jwtRules: [{{issuer: iss}}]}}\n---\n\
         apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: edge, namespace: istio-system}}\n\
         spec: {{selector: {{matchLabels: {{istio: ingressgateway}}}}, action: DENY, rules: [{{to: [{{operation: {{ports: ['8080'], paths: [/deny]}}}}]}}]}}\n"
    );
    let m = mesh(&yaml, TOPOLOGY);
    let plain = |path: &str| Request::new(Origin::Gateway(None), "shop.io").path(path);
    assert_eq!(outcome(&m, &plain("/deny")), Outcome::Denied);
    assert_eq!(
        outcome(&m, &plain("/web").token(Token::Invalid)),
        Outcome::Unauthenticated { status: 401 }
    );
    assert!(matches!(
        outcome(&m, &plain("/web")),
        Outcome::Redirected { .. }
    ));
}

#[test]
fn gateway_connections_that_fail() {
    let m = mesh(EDGE, TOPOLOGY);
    let tls_to_plain = gateway("shop.io", "/").port(80);
    assert_eq!(outcome(&m, &tls_to_plain), Outcome::Refused);
    let plain_to_tls = Request::new(Origin::Gateway(None), "shop.io").port(443);
    assert_eq!(outcome(&m, &plain_to_tls), Outcome::Refused);
    let no_port = gateway("shop.io", "/").port(9999);
    let trace = eval(&m, &no_port);
    assert_eq!(trace.outcome(), Some(&Outcome::Refused));
    assert!(
        trace
            .to_string()
            .contains("the gateway's Service has no port 9999")
    );
    let no_server = gateway("shop.io", "/").port(8000);
    let trace = eval(&m, &no_server);
    assert!(
        trace
            .to_string()
            .contains("no Gateway server listens on port 8000")
    );
    let missing = Request::new(Origin::Gateway(Some("other".into())), "shop.io");
    assert!(matches!(outcome(&m, &missing), Outcome::NotModelled { .. }));
    let none = mesh("", "");
    assert!(matches!(
        outcome(&none, &gateway("a", "/")),
        Outcome::NotModelled { .. }
    ));
}

/// A subset no workload carries, or that no DestinationRule defines, has nowhere to go (503).
#[test]
fn subsets_without_workloads() {
    let routes = format!(
        "{EDGE}---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: web, namespace: shop}}\n\
         spec:\n  hosts: [web]\n  http:\n  \
         - match: [{{headers: {{x-v: {{exact: '3'}}}}}}]\n    route: [{{destination: {{host: web, subset: v3}}}}]\n  \
         - match: [{{headers: {{x-v: {{exact: '9'}}}}}}]\n    route: [{{destination: {{host: web, subset: v9}}}}]\n  \
         - match: [{{headers: {{x-v: {{exact: eu}}}}}}]\n    route: [{{destination: {{host: web, subset: eu}}}}]\n  \
         - route: [{{destination: {{host: web, subset: v1}}}}]\n"
    );
    let m = mesh(&routes, TOPOLOGY);
    let call = |v: &str| from("api", "web", "/").header("x-v", v);
    let trace = eval(&m, &call("3"));
    assert_eq!(trace.outcome(), Some(&Outcome::Unavailable { status: 503 }));
    assert_eq!(
        trace.stopped_by().unwrap().to_string(),
        "DestinationRule shop/web subsets[2]"
    );
    let trace = eval(&m, &call("9"));
    assert_eq!(trace.outcome(), Some(&Outcome::Unavailable { status: 503 }));
    assert_eq!(
        trace.stopped_by().unwrap().to_string(),
        "DestinationRule shop/web"
    );
    // A region subset reaches the workloads with pods in that region.
    let trace = eval(&m, &call("eu"));
    let reached: Vec<String> = trace.branches[0]
        .arrivals
        .iter()
        .map(|h| h.proxy.to_string())
        .collect();
    assert_eq!(reached, ["sidecar of shop/web-v1, port 8080"]);
    let trace = eval(&m, &from("api", "web", "/"));
    assert_eq!(trace.branches[0].subset, Some("v1"));
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
}

/// Without a VirtualService a sidecar sends to every workload of the Service; short names
/// resolve in the caller's namespace; the port comes from the Host header, the request, or the
/// Service's only port.
#[test]
fn mesh_calls_without_routes() {
    let m = mesh("", TOPOLOGY);
    let trace = eval(&m, &from("web-v1", "api:8080", "/"));
    assert_eq!(trace.branches[0].host, "api.shop.svc.cluster.local");
    assert_eq!(trace.branches[0].port, 8080);
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
    let text = trace.to_string();
    assert!(text.contains("route   no VirtualService: all of api.shop.svc.cluster.local"));
    assert!(
        text.contains(
            "mtls    PERMISSIVE (no PeerAuthentication); peer spiffe://td/ns/shop/sa/web"
        )
    );
    let web = eval(&m, &from("api", "web.shop", "/"));
    assert_eq!(web.branches[0].arrivals.len(), 2);
    assert_eq!(web.branches[0].port, 80);
    // Two ports and none named: not modelled; a port the Service lacks: unknown host.
    assert!(matches!(
        outcome(&m, &from("web-v1", "api.shop.svc.cluster.local", "/")),
        Outcome::NotModelled { .. }
    ));
    assert!(matches!(
        outcome(
            &m,
            &from("web-v1", "api.shop.svc.cluster.local", "/").port(1)
        ),
        Outcome::NotModelled { .. }
    ));
    // `db` is in another namespace: its short name does not resolve from `shop`.
    assert!(matches!(
        outcome(&m, &from("web-v1", "db", "/")),
        Outcome::NotModelled { .. }
    ));
    assert_eq!(
        outcome(&m, &from("web-v1", "db.data.svc", "/")),
        Outcome::Allowed
    );
    assert_eq!(
        outcome(&m, &from("shop/anyone", "db.data.svc.cluster.local", "/")),
        Outcome::Allowed
    );
    assert!(matches!(
        outcome(&m, &from("nobody", "db.data", "/")),
        Outcome::NotModelled { .. }
    ));
}

/// A VirtualService filed under its host and under `*` (one of its hosts is a wildcard) is
/// one VirtualService, not several; a second one for the host makes several, whichever list it
/// is filed in; one bound to a gateway only does not count at a sidecar.
#[test]
fn virtual_services_at_a_sidecar_are_counted_once_each() {
    let one = r"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db-routes, namespace: data}
spec:
  hosts: [db.data.svc.cluster.local, '*.data.svc.cluster.local', '*.cluster.local']
  http:
  - name: all
    route: [{destination: {host: db.data.svc.cluster.local}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge-only, namespace: data}
spec:
  hosts: [db.data.svc.cluster.local]
  gateways: [istio-system/edge]
  http:
  - route: [{destination: {host: db.data.svc.cluster.local}}]
";
    let request = from("web-v1", "db.data.svc.cluster.local", "/");
    let m = mesh(one, TOPOLOGY);
    let trace = eval(&m, &request);
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed), "{trace}");
    assert!(
        trace
            .to_string()
            .contains("VirtualService data/db-routes http[0] (all)"),
        "{trace}"
    );
    for second_host in ["db.data.svc.cluster.local", "'*.svc.cluster.local'"] {
        let two = format!(
            "{one}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db-more, namespace: data}}
spec:
  hosts: [{second_host}]
  http:
  - route: [{{destination: {{host: db.data.svc.cluster.local}}}}]
"
        );
        let m = mesh(&two, TOPOLOGY);
        assert_eq!(
            outcome(&m, &request),
            Outcome::NotModelled {
                reason: "several VirtualServices for one host; Istio uses the oldest".to_string()
            },
            "{second_host}"
        );
    }
}

/// `outboundTrafficPolicy: REGISTRY_ONLY`: an unknown host gets 502 (BlackHoleCluster);
/// MESH_EXTERNAL ServiceEntries leave the mesh.
#[test]
fn outbound_traffic() {
    let yaml = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: c, namespace: istio-system}\n\
                spec: {meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}\n---\n\
                apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext, namespace: shop}\n\
                spec: {hosts: [api.example.com], ports: [{number: 443, name: https, protocol: HTTPS}], location: MESH_EXTERNAL}\n---\n\
                apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: internal, namespace: shop}\n\
                spec: {hosts: [legacy.local], ports: [{number: 80, name: http, protocol: HTTP}], location: MESH_INTERNAL}\n";
    let m = mesh(yaml, TOPOLOGY);
    assert_eq!(
        outcome(&m, &from("web-v1", "unknown.example.com", "/").port(443)),
        Outcome::Unavailable { status: 502 }
    );
    let trace = eval(&m, &from("web-v1", "api.example.com", "/"));
    assert_eq!(
        trace.outcome(),
        Some(&Outcome::External {
            host: "api.example.com".into()
        })
    );
    assert_eq!(trace.stopped_by(), None);
    assert!(matches!(
        outcome(&m, &from("web-v1", "legacy.local", "/")),
        Outcome::NotModelled { .. }
    ));
    let allow_any = mesh("", TOPOLOGY);
    assert!(matches!(
        outcome(
            &allow_any,
            &from("web-v1", "unknown.example.com", "/").port(443)
        ),
        Outcome::NotModelled { .. }
    ));
}

/// PeerAuthentication STRICT refuses plaintext before authorization; PERMISSIVE takes it with
/// no identity (istio-rules.md §4.6, §7).
#[test]
fn plaintext_callers() {
    let strict = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\n\
                  spec: {mtls: {mode: STRICT}}\n---\n\
                  apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: db, namespace: data}\n\
                  spec: {mtls: {mode: PERMISSIVE}}\n";
    let m = mesh(strict, TOPOLOGY);
    let trace = eval(&m, &from("plaintext", "web.shop.svc.cluster.local", "/"));
    assert_eq!(trace.outcome(), Some(&Outcome::Refused));
    assert_eq!(
        trace.stopped_by().unwrap().to_string(),
        "PeerAuthentication istio-system/default"
    );
    assert!(trace.entry.is_none());
    let db = eval(&m, &from("plaintext", "db.data", "/"));
    assert_eq!(db.outcome(), Some(&Outcome::Allowed));
    assert!(db.to_string().contains("plaintext, no peer identity"));
    assert!(matches!(
        outcome(&m, &from("plaintext", "nowhere", "/")),
        Outcome::NotModelled { .. }
    ));
    assert!(matches!(
        outcome(&m, &from("plaintext", "api.shop.svc.cluster.local", "/")),
        Outcome::NotModelled { .. }
    ));
    // mTLS callers pass STRICT.
    assert_eq!(outcome(&m, &from("api", "web", "/")), Outcome::Allowed);
}

/// Under DISABLE the caller speaks plaintext (auto mTLS) and policies see no identity; a
/// DestinationRule forcing ISTIO_MUTUAL then fails; `tls: DISABLE` towards STRICT is refused.
#[test]
fn disabled_mtls_and_client_tls() {
    let yaml = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: db, namespace: data}\n\
                spec: {mtls: {mode: DISABLE}}\n---\n\
                apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: db, namespace: data}\n\
                spec: {rules: [{from: [{source: {principals: ['*']}}]}]}\n---\n\
                apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: api, namespace: shop}\n\
                spec: {selector: {matchLabels: {app: api}}, mtls: {mode: STRICT}}\n---\n\
                apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: api, namespace: shop}\n\
                spec: {host: api, trafficPolicy: {tls: {mode: DISABLE}}}\n";
    let m = mesh(yaml, TOPOLOGY);
    let trace = eval(&m, &from("web-v1", "db.data", "/"));
    assert_eq!(trace.outcome(), Some(&Outcome::Denied));
    assert!(
        trace
            .to_string()
            .contains("mtls    DISABLE (PeerAuthentication data/db); plaintext, no peer identity")
    );
    assert_eq!(
        outcome(&m, &from("web-v1", "api:8080", "/")),
        Outcome::Refused
    );
    let forced = format!(
        "{yaml}---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: db, namespace: data}}\n\
         spec: {{host: db, trafficPolicy: {{tls: {{mode: ISTIO_MUTUAL}}}}}}\n"
    );
    let m = mesh(&forced, TOPOLOGY);
    assert_eq!(
        outcome(&m, &from("web-v1", "db.data", "/")),
        Outcome::Unavailable { status: 503 }
    );
    let simple = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: db, namespace: data}\n\
                  spec: {host: db.data.svc.cluster.local, trafficPolicy: {tls: {mode: SIMPLE}}}\n";
    let m = mesh(simple, TOPOLOGY);
    assert!(matches!(
        outcome(&m, &from("web-v1", "db.data", "/")),
        Outcome::NotModelled { .. }
    ));
    let off = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: c}\n\
               spec: {meshConfig: {enableAutoMtls: false}}\n";
    let m = mesh(off, TOPOLOGY);
    assert!(
        eval(&m, &from("web-v1", "db.data", "/"))
            .to_string()
            .contains("plaintext, no peer identity")
    );
}

/// The token travels: the gateway validates and forwards it, the workload validates it again;
/// without `forwardOriginalToken` the workload sees none (istio-rules.md §4.7, §7).
#[test]
fn tokens_across_hops() {
    let auth = |forward: bool| {
        format!(
            "{EDGE}---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: edge, namespace: istio-system}}\n\
             spec: {{selector: {{matchLabels: {{istio: ingressgateway}}}}, jwtRules: [{{issuer: iss, forwardOriginalToken: {forward}}}]}}\n---\n\
             apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: api, namespace: shop}}\n\
             spec: {{jwtRules: [{{issuer: iss}}]}}\n---\n\
             apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: api, namespace: shop}}\n\
             spec: {{selector: {{matchLabels: {{app: api}}}}, rules: [{{from: [{{source: {{requestPrincipals: ['iss/*']}}}}]}}]}}\n"
        )
    };
    let request = gateway("shop.io", "/api").token(token("iss", &[], &json!({})));
    let m = mesh(&auth(true), TOPOLOGY);
    let trace = eval(&m, &request);
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
    assert_eq!(
        trace.branches[0].arrivals[0]
            .decided_by
            .unwrap()
            .to_string(),
        "AuthorizationPolicy shop/api rules[0]"
    );
    let m = mesh(&auth(false), TOPOLOGY);
    let trace = eval(&m, &request);
    assert_eq!(trace.outcome(), Some(&Outcome::Denied));
    assert_eq!(
        outcome(&m, &gateway("shop.io", "/api").token(Token::Invalid)),
        Outcome::Unauthenticated { status: 401 }
    );
}

/// Route actions: redirects, direct responses, injected aborts, rewrites, header changes,
/// CORS preflights (Envoy cors_filter.cc: OPTIONS with Origin and
/// Access-Control-Request-Method is answered when the origin is allowed).
#[test]
fn route_actions() {
    let yaml = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api, namespace: shop}\n\
spec:
  hosts: [api]
  http:
  - match: [{uri: {prefix: /old}}]
    redirect: {uri: /new, authority: api.io, scheme: https, port: 8443, redirectCode: 308}
  - match: [{uri: {prefix: /tea}}]
    directResponse: {status: 418}
  - match: [{uri: {prefix: /fail}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
    route: [{destination: {host: api, port: {number: 8080}}}]
  - match: [{uri: {prefix: /grpc}}]
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}
    route: [{destination: {host: api, port: {number: 8080}}}]
  - match: [{uri: {prefix: /flaky}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 5}}, delay: {fixedDelay: 1s, percentage: {value: 100}}}
    mirror: {host: db}
    route: [{destination: {host: api, port: {number: 8080}}}]
  - match: [{uri: {prefix: /v1/}}]
    rewrite: {uri: /v2/, authority: internal}
    headers: {request: {set: {x-set: a}, add: {x-add: b}, remove: [x-gone]}}
    corsPolicy: {allowOrigins: [{exact: 'https://ok'}]}
    route: [{destination: {host: api, port: {number: 8080}}, headers: {request: {set: {x-dest: c}}}}]
  - match: [{uri: {regex: '/re/.*'}}]
    rewrite: {uri: /x}
    route: [{destination: {host: api, port: {number: 8080}}}]
  - match: [{uri: {prefix: /none}}]
    redirect: {uri: /r}
  - match: [{uri: {prefix: /own}}]
    redirect: {uri: '/n?z=1'}
  - route: []
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  rules:
  - to: [{operation: {hosts: [internal], paths: [/v2/*]}}]
    when:
    - {key: 'request.headers[x-set]', values: [a]}
    - {key: 'request.headers[x-add]', values: [b]}
    - {key: 'request.headers[x-dest]', values: [c]}
    - {key: 'request.headers[x-gone]', notValues: ['*']}
  - to: [{operation: {paths: [/fail, /flaky]}}]
";
    let m = mesh(yaml, TOPOLOGY);
    let call = |path: &str| from("web-v1", "api:8080", path);
    assert_eq!(
        outcome(&m, &call("/old/x")),
        Outcome::Redirected {
            status: 308,
            location: "https://api.io:8443/new".into()
        }
    );
    assert_eq!(
        outcome(&m, &call("/none?q")),
        Outcome::Redirected {
            status: 301,
            location: "http://api/r?q".into()
        }
    );
    assert_eq!(
        outcome(&m, &call("/own?a")),
        Outcome::Redirected {
            status: 301,
            location: "http://api/n?z=1".into()
        }
    );
    assert_eq!(
        outcome(&m, &call("/old?y")),
        Outcome::Redirected {
            status: 308,
            location: "https://api.io:8443/new?y".into()
        }
    );
    assert_eq!(
        outcome(&m, &call("/tea")),
        Outcome::Responded { status: 418 }
    );
    assert_eq!(
        outcome(&m, &call("/fail")),
        Outcome::Aborted { status: 503 }
    );
    assert!(matches!(
        outcome(&m, &call("/grpc")),
        Outcome::NotModelled { reason } if reason.contains("gRPC")
    ));
    let flaky = eval(&m, &call("/flaky"));
    assert_eq!(flaky.outcome(), Some(&Outcome::Allowed));
    let text = flaky.to_string();
    assert!(
        text.contains("fault: may abort with 503: 5% of requests"),
        "{text}"
    );
    assert!(text.contains("fault: a delay of 1s on 100% of requests"));
    assert!(text.contains("a copy goes to db"));
    let rewritten = call("/v1/x").header("x-gone", "1");
    assert_eq!(outcome(&m, &rewritten), Outcome::Allowed);
    let preflight = call("/v1/x")
        .method("OPTIONS")
        .header("origin", "https://ok")
        .header("access-control-request-method", "POST");
    assert_eq!(outcome(&m, &preflight), Outcome::Responded { status: 200 });
    let foreign = call("/v1/x")
        .method("OPTIONS")
        .header("origin", "https://evil")
        .header("access-control-request-method", "POST");
    assert_eq!(outcome(&m, &foreign), Outcome::Allowed);
    assert!(matches!(
        outcome(&m, &call("/re/1")),
        Outcome::NotModelled { .. }
    ));
    assert!(matches!(
        outcome(&m, &call("/other")),
        Outcome::NotModelled { .. }
    ));
}

/// Several VirtualServices on one gateway host merge; catch-all routes go last
/// (route.go `SortVHostRoutes`); two specific matches from different resources depend on their
/// age, which the documents do not say.
#[test]
fn merged_gateway_routes() {
    let more = format!(
        "{EDGE}---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: catch-all, namespace: istio-system}}\n\
         spec:\n  hosts: [shop.io]\n  gateways: [edge]\n  http:\n  - route: [{{destination: {{host: db.data.svc.cluster.local}}}}]\n---\n\
         apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: second, namespace: istio-system}}\n\
         spec:\n  hosts: [shop.io]\n  gateways: [istio-system/edge]\n  http:\n  \
         - match: [{{uri: {{prefix: /web/special}}}}]\n    route: [{{destination: {{host: api.shop.svc.cluster.local, port: {{number: 9090}}}}}}]\n"
    );
    let m = mesh(&more, TOPOLOGY);
    let trace = eval(&m, &gateway("shop.io", "/api"));
    assert_eq!(trace.branches[0].host, "api.shop.svc.cluster.local");
    let trace = eval(&m, &gateway("shop.io", "/other"));
    assert_eq!(trace.branches[0].host, "db.data.svc.cluster.local");
    assert!(matches!(
        outcome(&m, &gateway("shop.io", "/web/special")),
        Outcome::NotModelled { .. }
    ));
}

/// Resources the simulator does not model make the answer say so where they apply.
#[test]
fn unmodelled_resources() {
    let sidecar = "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: data}\nspec: {ingress: [{port: {number: 80}}]}\n";
    let m = mesh(sidecar, TOPOLOGY);
    let trace = eval(&m, &from("web-v1", "db.data", "/"));
    assert!(matches!(trace.outcome(), Some(Outcome::NotModelled { .. })));
    assert_eq!(trace.stopped_by().unwrap().to_string(), "Sidecar data/s");
    assert_eq!(
        outcome(&m, &from("web-v1", "api:8080", "/")),
        Outcome::Allowed
    );
    assert!(matches!(
        outcome(&m, &from("data/someone", "api.shop:8080", "/")),
        Outcome::NotModelled { .. }
    ));
    assert_eq!(
        outcome(&m, &from("shop/someone", "api.shop:8080", "/")),
        Outcome::Allowed
    );
    let filter = "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: lua, namespace: istio-system}\n\
                  spec: {workloadSelector: {labels: {istio: ingressgateway}}, configPatches: [{applyTo: HTTP_FILTER}]}\n";
    let m = mesh(&format!("{EDGE}---\n{filter}"), TOPOLOGY);
    assert!(matches!(
        outcome(&m, &gateway("shop.io", "/api")),
        Outcome::NotModelled { .. }
    ));
    let passthrough = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: p, namespace: istio-system}\n\
                       spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 8000, name: tls, protocol: TLS}, hosts: ['*'], tls: {mode: PASSTHROUGH}}]}\n";
    let m = mesh(passthrough, TOPOLOGY);
    assert!(matches!(
        outcome(&m, &gateway("a", "/").port(8000)),
        Outcome::NotModelled { .. }
    ));
    let mutual = EDGE.replace("mode: SIMPLE", "mode: MUTUAL");
    let m = mesh(&mutual, TOPOLOGY);
    assert!(matches!(
        outcome(&m, &gateway("shop.io", "/api")),
        Outcome::NotModelled { .. }
    ));
}

#[test]
fn sidecar_routing_needs_one_virtual_service() {
    let two = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: shop}\n\
               spec: {hosts: [api], http: [{route: [{destination: {host: api}}]}]}\n---\n\
               apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: b, namespace: shop}\n\
               spec: {hosts: [api.shop.svc.cluster.local], http: [{route: [{destination: {host: api}}]}]}\n";
    let m = mesh(two, TOPOLOGY);
    assert!(matches!(
        outcome(&m, &from("web-v1", "api:8080", "/")),
        Outcome::NotModelled { .. }
    ));
    let labels = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a, namespace: shop}\n\
                  spec: {hosts: [api], http: [{match: [{sourceLabels: {app: web}}], route: [{destination: {host: api}}]}]}\n";
    let m = mesh(labels, TOPOLOGY);
    assert!(matches!(
        outcome(&m, &from("shop/who", "api:8080", "/")),
        Outcome::NotModelled { .. }
    ));
    // For a proxy that none of its entries' source labels select, pilot builds no route of
    // the VirtualService: the host keeps its default route ("If none of the routes matched by
    // source (i.e. proxyLabels), then discard this entire virtual service", route.go).
    let trace = eval(&m, &from("db", "api.shop:8080", "/"));
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
    let entry = trace.entry.as_ref().unwrap();
    assert!(entry.steps.contains(&Step::Note {
        text: "no `http` route of VirtualService shop/a applies to port 8080 here".into()
    }));
    assert!(matches!(
        entry.steps.last(),
        Some(Step::DefaultRoute { .. })
    ));
    // A rule that selects the caller's labels is a route: a request it does not match is 404.
    let path = labels.replace(
        "{sourceLabels: {app: web}}",
        "{sourceLabels: {app: web}, uri: {prefix: /v2}}",
    );
    let m = mesh(&path, TOPOLOGY);
    assert_eq!(
        outcome(&m, &from("web-v1", "api:8080", "/")),
        Outcome::NotFound
    );
}

/// The client's address reaches policies only at the proxy it talks to.
#[test]
fn addresses() {
    let yaml = format!(
        "{EDGE}---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: edge, namespace: istio-system}}\n\
         spec: {{selector: {{matchLabels: {{istio: ingressgateway}}}}, action: DENY, rules: [{{from: [{{source: {{ipBlocks: [6.6.6.0/24]}}}}]}}]}}\n---\n\
         apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: api, namespace: shop}}\n\
         spec: {{selector: {{matchLabels: {{app: api}}}}, action: DENY, rules: [{{from: [{{source: {{remoteIpBlocks: [7.7.7.7]}}}}]}}]}}\n"
    );
    let m = mesh(&yaml, TOPOLOGY);
    let mut request = gateway("shop.io", "/api");
    assert!(matches!(outcome(&m, &request), Outcome::NotModelled { .. }));
    request.source_ip = Some("6.6.6.6".parse().unwrap());
    assert_eq!(outcome(&m, &request), Outcome::Denied);
    request.source_ip = Some("7.7.7.7".parse().unwrap());
    // Behind the gateway the workload does not know the client's address.
    assert!(matches!(outcome(&m, &request), Outcome::NotModelled { .. }));
    let mut direct = from("web-v1", "api:8080", "/");
    direct.source_ip = Some("7.7.7.7".parse().unwrap());
    assert_eq!(outcome(&m, &direct), Outcome::Denied);
}

/// A destination without a port goes to the Service's only port, else to the port the request
/// came in on (route.go `GetDestinationCluster`).
#[test]
fn destination_ports() {
    let yaml = format!(
        "{EDGE}---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: api, namespace: shop}}\n\
         spec: {{hosts: [api], http: [{{route: [{{destination: {{host: api}}}}]}}]}}\n---\n\
         apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: portless, namespace: istio-system}}\n\
         spec: {{hosts: [portless.shop.io], gateways: [edge], http: [{{route: [{{destination: {{host: api.shop.svc.cluster.local}}}}]}}]}}\n"
    );
    let m = mesh(&yaml, TOPOLOGY);
    let trace = eval(&m, &from("web-v1", "api:9090", "/"));
    assert_eq!(trace.branches[0].port, 9090);
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
    // Each Service port reaches its own container port.
    let arrival = |trace: &Trace<'_>| trace.branches[0].arrivals[0].proxy.to_string();
    assert_eq!(arrival(&trace), "sidecar of shop/api, port 19090");
    let trace = eval(&m, &from("web-v1", "api:8080", "/"));
    assert_eq!(arrival(&trace), "sidecar of shop/api, port 18080");
    let trace = eval(&m, &gateway("portless.shop.io", "/"));
    assert_eq!(trace.branches[0].port, 443);
    assert_eq!(trace.outcome(), Some(&Outcome::Unavailable { status: 503 }));
}

#[test]
fn a_sending_workload_is_found_by_its_name() {
    let m = mesh(EDGE, TOPOLOGY);
    // `db` is the last workload of the topology: its own sidecar sends the request.
    let trace = eval(&m, &from("db", "web.shop.svc.cluster.local", "/"));
    let entry = trace.entry.as_ref().map(|hop| hop.proxy.to_string());
    assert!(
        entry.as_deref().is_some_and(|p| p.contains("db")),
        "{entry:?}"
    );
    assert_eq!(
        outcome(&m, &from("nobody", "web.shop.svc.cluster.local", "/")),
        Outcome::not_modelled("the topology has no workload of that name")
    );
}

/// A request that names no gateway enters at the gateway that serves its host, as the host's
/// DNS name leads to that gateway's load balancer; the first gateway when none serves it.
#[test]
fn a_request_enters_at_the_gateway_that_serves_its_host() {
    let topology = format!(
        "{TOPOLOGY}[[gateways]]\nname = \"partners\"\nnamespace = \"istio-system\"\n\
         labels = {{ istio = \"partners\" }}\nservice-account = \"partners-sa\"\n\
         ports = [{{ port = 443, target-port = 8443 }}]\n"
    );
    let partners = r"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: partners, namespace: istio-system}
spec:
  selector: {istio: partners}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [partners.io]
    tls: {mode: SIMPLE, credentialName: cert}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: partners-routes, namespace: istio-system}
spec:
  hosts: [partners.io]
  gateways: [partners]
  http:
  - route: [{destination: {host: api.shop.svc.cluster.local, port: {number: 8080}}}]
";
    let m = mesh(&format!("{EDGE}---{partners}"), &topology);
    let entry = |host: &str| {
        let trace = eval(&m, &gateway(host, "/api"));
        let proxy = trace.entry.as_ref().map(|h| h.proxy.to_string());
        (proxy.unwrap_or_default(), trace.outcome().cloned())
    };
    let (proxy, outcome) = entry("partners.io");
    assert!(proxy.contains("partners"), "{proxy}");
    assert_eq!(outcome, Some(Outcome::Allowed));
    let (proxy, outcome) = entry("shop.io");
    assert!(proxy.contains("ingress"), "{proxy}");
    assert_eq!(outcome, Some(Outcome::Allowed));
    // No gateway serves it: the first gateway answers.
    let (proxy, outcome) = entry("nowhere.io");
    assert!(proxy.contains("ingress"), "{proxy}");
    assert_eq!(outcome, Some(Outcome::Refused));
    // Named, the gateway is the one asked for, whatever the host.
    let named = Request::new(Origin::Gateway(Some("ingress".into())), "partners.io")
        .path("/api")
        .https();
    assert_eq!(eval(&m, &named).outcome(), Some(&Outcome::Refused));
}

/// A sidecar routes by the VirtualServices that bind the mesh, are exported to the caller's
/// namespace and whose hosts cover the one called; any other leaves the default route.
#[test]
fn a_sidecar_uses_only_routes_exported_to_it_for_its_host() {
    let yaml = "\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets: [{name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web-v2, namespace: shop}
spec:
  hosts: [web.shop.svc.cluster.local]
  exportTo: ['.']
  http: [{route: [{destination: {host: web.shop.svc.cluster.local, subset: v2}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: data, namespace: data}
spec:
  hosts: ['*.data.svc.cluster.local']
  http: [{route: [{destination: {host: db.data.svc.cluster.local}}]}]
";
    let m = mesh(yaml, TOPOLOGY);
    let reached = |origin: &str| -> Vec<String> {
        let trace = eval(&m, &from(origin, "web.shop.svc.cluster.local", "/"));
        let default = trace
            .entry
            .iter()
            .flat_map(|hop| &hop.steps)
            .any(|step| matches!(step, Step::DefaultRoute { .. }));
        let arrivals = trace.branches.iter().flat_map(|b| &b.arrivals);
        let mut reached: Vec<String> = arrivals.map(|hop| hop.proxy.to_string()).collect();
        reached.push(format!("default route: {default}"));
        reached
    };
    assert_eq!(
        reached("api"),
        ["sidecar of shop/web-v2, port 8080", "default route: false"],
        "in shop, the route exported to shop"
    );
    assert_eq!(
        reached("db"),
        [
            "sidecar of shop/web-v1, port 8080",
            "sidecar of shop/web-v2, port 8080",
            "default route: true"
        ],
        "in data, neither shop's route nor data's wildcard, which does not cover web"
    );
}
