//! VirtualService matching as istio/istio pilot/pkg/networking/core/route/route.go translates it
//! and Envoy's route matcher runs it (Istio "VirtualService" reference, `HTTPMatchRequest`).

use std::borrow::Cow;

use serde_json::json;

use super::*;
use crate::istio::document::read;
use crate::simulate::decode::decode;
use crate::simulate::request::Jwt;
use crate::simulate::testing::{jwt, pod_labels};

fn vs(spec: &str) -> Compiled {
    let text = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: v, namespace: ns}}\nspec:\n{spec}"
    );
    let (documents, error) = read("t.yaml", &text, &"default".into());
    assert!(error.is_none(), "{error:?}");
    let mut resources = decode(&documents).unwrap();
    Compiled::new(resources.virtual_services.remove(0)).unwrap()
}

struct Req {
    path: &'static str,
    method: &'static str,
    authority: &'static str,
    scheme: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    jwt: Option<Jwt>,
    port: u32,
    gateway: &'static str,
    labels: Option<PodLabels>,
    namespace: &'static str,
}

impl Default for Req {
    fn default() -> Self {
        Self {
            path: "/",
            method: "GET",
            authority: "a.io",
            scheme: "http",
            headers: Vec::new(),
            jwt: None,
            port: 80,
            gateway: "mesh",
            labels: Some(PodLabels::default()),
            namespace: "ns",
        }
    }
}

type Chosen = Result<Option<(usize, Option<usize>)>, &'static str>;

fn first(vs: &Compiled, r: &Req) -> Chosen {
    with_view(r, |view| vs.first(view))
}

/// What trying every entry in order chooses: the answer the index must keep.
fn linear(vs: &Compiled, r: &Req) -> Chosen {
    let slots = vs.rules.iter().enumerate().flat_map(|(i, rule)| {
        let entries: Vec<Option<usize>> = if rule.matches.is_empty() {
            vec![None]
        } else {
            (0..rule.matches.len()).map(Some).collect()
        };
        entries.into_iter().map(move |j| (i, j))
    });
    with_view(r, |view| vs.first_of(slots, view))
}

fn with_view<T>(r: &Req, then: impl FnOnce(&View<'_>) -> T) -> T {
    let pairs: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    let headers = Headers::new(&pairs);
    let view = View {
        path: r.path,
        method: r.method,
        authority: r.authority,
        scheme: r.scheme,
        headers: &headers,
        jwt: r.jwt.as_ref().map(|jwt| Payload { jwt, split: &[] }),
        port: r.port,
        gateway: r.gateway,
        labels: r.labels.as_ref(),
        namespace: r.namespace,
    };
    then(&view)
}

fn rule(vs: &Compiled, r: &Req) -> Option<usize> {
    first(vs, r).unwrap().map(|(rule, _)| rule)
}

fn path(path: &'static str) -> Req {
    Req {
        path,
        ..Req::default()
    }
}

/// Rules in order, first match wins; `prefix` is a plain string prefix (istio-rules.md §7:
/// `/v1/intent` matches `/v1/intentional`); the query is not part of the path.
#[test]
fn uri_matches() {
    let v = vs("  hosts: [a]\n  http:\n  \
                - match: [{uri: {exact: /exact}}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{uri: {prefix: /v1/intent}}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{uri: {regex: '/r/[0-9]+'}}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{uri: {prefix: /CASE}, ignoreUriCase: true}]\n    route: [{destination: {host: a}}]\n");
    assert_eq!(rule(&v, &path("/exact")), Some(0));
    assert_eq!(rule(&v, &path("/exact?x=1")), Some(0));
    assert_eq!(rule(&v, &path("/exact/")), None);
    assert_eq!(rule(&v, &path("/v1/intentional")), Some(1));
    assert_eq!(rule(&v, &path("/v1/intent/x")), Some(1));
    assert_eq!(rule(&v, &path("/V1/intent")), None);
    assert_eq!(rule(&v, &path("/r/12")), Some(2));
    assert_eq!(rule(&v, &path("/r/12/x")), None);
    assert_eq!(rule(&v, &path("/case/x")), Some(3));
    assert_eq!(rule(&v, &path("/other")), None);
    assert_eq!(first(&v, &path("/v1/intent")).unwrap(), Some((1, Some(0))));
}

/// Entries of `match` are ORed, fields of one entry ANDed; a rule without `match` matches all.
#[test]
fn entries_and_fields() {
    let v = vs("  hosts: [a]\n  http:\n  \
                - match:\n    - {uri: {prefix: /a}, method: {exact: POST}}\n    - {uri: {prefix: /b}}\n    route: [{destination: {host: a}}]\n  \
                - route: [{destination: {host: a}}]\n");
    let post = |p| Req {
        path: p,
        method: "POST",
        ..Req::default()
    };
    assert_eq!(first(&v, &post("/a")).unwrap(), Some((0, Some(0))));
    assert_eq!(first(&v, &path("/a")).unwrap(), Some((1, None)));
    assert_eq!(first(&v, &path("/b")).unwrap(), Some((0, Some(1))));
    assert!(v.is_catch_all(1, None));
    assert!(!v.is_catch_all(0, Some(0)));
}

#[test]
fn headers_and_without_headers() {
    let v = vs("  hosts: [a]\n  http:\n  \
                - match: [{headers: {x-canary: {exact: 'true'}, x-p: {prefix: hi}, x-any: {regex: '*'}}}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{withoutHeaders: {x-block: {exact: 'yes'}}}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{withoutHeaders: {x-present: {}}}]\n    route: [{destination: {host: a}}]\n");
    let with = |h: Vec<(&'static str, &'static str)>| Req {
        headers: h,
        ..Req::default()
    };
    assert_eq!(
        rule(
            &v,
            &with(vec![("x-canary", "true"), ("x-p", "high"), ("x-any", "")])
        ),
        Some(0)
    );
    assert_eq!(
        rule(&v, &with(vec![("x-canary", "true"), ("x-p", "high")])),
        Some(1)
    );
    // A missing header is empty for `withoutHeaders`, so "not `yes`" holds.
    assert_eq!(rule(&v, &with(vec![])), Some(1));
    assert_eq!(rule(&v, &with(vec![("x-block", "yes")])), Some(2));
    assert_eq!(
        rule(&v, &with(vec![("x-block", "yes"), ("x-present", "1")])),
        None
    );
    let empty = vs("  hosts: [a]\n  http:\n  \
                    - match: [{withoutHeaders: {x-e: {exact: ''}}}]\n    route: [{destination: {host: a}}]\n");
    assert_eq!(rule(&empty, &with(vec![])), None);
    assert_eq!(rule(&empty, &with(vec![("x-e", "v")])), Some(0));
}

#[test]
fn method_scheme_authority_and_query() {
    let v = vs("  hosts: [a]\n  http:\n  \
                - match: [{method: {regex: 'GET|HEAD'}, scheme: {exact: https}, authority: {prefix: api}, queryParams: {v: {exact: '1'}, flag: {}}}]\n    route: [{destination: {host: a}}]\n");
    let mut r = Req {
        path: "/?v=1&flag",
        scheme: "https",
        authority: "api.io:443",
        method: "HEAD",
        ..Req::default()
    };
    assert_eq!(rule(&v, &r), Some(0));
    r.path = "/?v=2&flag";
    assert_eq!(rule(&v, &r), None);
    r.path = "/?v=1";
    assert_eq!(rule(&v, &r), None);
    r.path = "/?v=1&flag=x";
    r.scheme = "http";
    assert_eq!(rule(&v, &r), None);
    r.scheme = "https";
    r.authority = "web.io";
    assert_eq!(rule(&v, &r), None);
    r.authority = "api";
    r.method = "POST";
    assert_eq!(rule(&v, &r), None);
    assert!(!v.is_catch_all(0, Some(0)));
}

/// `@request.auth.claims.<name>` routes on a claim of the token the proxy verified
/// (route.go `translateMetadataMatch`).
#[test]
fn claims() {
    let v = vs("  hosts: [a]\n  http:\n  \
                - match: [{headers: {'@request.auth.claims.groups': {exact: admin}}}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{headers: {'@request.auth.claims[org][team]': {prefix: t}}}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{withoutHeaders: {'@request.auth.claims.tier': {exact: gold}}}]\n    route: [{destination: {host: a}}]\n");
    let tok = |claims| Req {
        jwt: Some(jwt("iss", &[], &claims)),
        ..Req::default()
    };
    assert_eq!(rule(&v, &tok(json!({"groups": ["x", "admin"]}))), Some(0));
    assert_eq!(rule(&v, &tok(json!({"org": {"team": "t1"}}))), Some(1));
    assert_eq!(rule(&v, &tok(json!({"tier": "gold"}))), None);
    assert_eq!(rule(&v, &tok(json!({}))), Some(2));
    assert_eq!(rule(&v, &Req::default()), Some(2));
    assert_eq!(claim_path("@request.auth.claims."), None);
    assert_eq!(claim_path("x-header"), None);
    assert_eq!(claim_path("@request.auth.claimsx"), None);
}

/// `sourceLabels`, `sourceNamespace`, `gateways` and `port` choose which proxies get an entry
/// (route.go `sourceMatchHTTP`, `TranslateRoute`).
#[test]
fn who_gets_an_entry() {
    let v = vs("  hosts: [a]\n  gateways: [mesh, gw]\n  http:\n  \
                - match: [{gateways: [gw]}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{sourceLabels: {app: web}, sourceNamespace: front}]\n    route: [{destination: {host: a}}]\n  \
                - match: [{port: 8080}]\n    route: [{destination: {host: a}}]\n");
    assert!(v.binds("mesh"));
    assert!(v.binds("ns/gw"));
    assert!(!v.binds("other/gw"));
    let at = |gateway, labels: Option<&[(&str, &str)]>, namespace, port| Req {
        gateway,
        labels: labels.map(|l| {
            l.iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect()
        }),
        namespace,
        port,
        ..Req::default()
    };
    assert_eq!(rule(&v, &at("ns/gw", None, "x", 1)), Some(0));
    assert_eq!(
        rule(&v, &at("mesh", Some(&[("app", "web")]), "front", 1)),
        Some(1)
    );
    assert_eq!(
        rule(&v, &at("mesh", Some(&[("app", "web")]), "back", 8080)),
        Some(2)
    );
    assert_eq!(
        rule(&v, &at("mesh", Some(&[("app", "api")]), "front", 1)),
        None
    );
    assert_eq!(
        first(&v, &at("mesh", None, "front", 1)),
        Err("the caller's labels (sourceLabels)")
    );
    // A proxy that gets no entry gets no route of the VirtualService at all; one unknown
    // entry leaves that unknown unless another entry holds.
    let nothing = |v: &Compiled, r: &Req| with_view(r, |view| v.routes_nothing_at(view));
    let api = Some(&[("app", "api")][..]);
    let web = Some(&[("app", "web")][..]);
    assert_eq!(nothing(&v, &at("ns/gw", None, "x", 1)), Ok(false));
    assert_eq!(nothing(&v, &at("mesh", web, "front", 1)), Ok(false));
    assert_eq!(nothing(&v, &at("mesh", api, "front", 8080)), Ok(false));
    assert_eq!(nothing(&v, &at("mesh", api, "front", 1)), Ok(true));
    assert_eq!(nothing(&v, &at("mesh", web, "back", 1)), Ok(true));
    assert_eq!(
        nothing(&v, &at("mesh", None, "front", 1)),
        Err("the caller's labels (sourceLabels)")
    );
    assert_eq!(nothing(&v, &at("mesh", None, "front", 8080)), Ok(false));
    let mesh_only = vs("  hosts: [a]\n  http:\n  - route: [{destination: {host: a}}]\n");
    assert!(mesh_only.binds("mesh"));
    assert!(!mesh_only.binds("ns/gw"));
    assert_eq!(nothing(&mesh_only, &at("mesh", api, "x", 1)), Ok(false));
}

#[test]
fn export_to() {
    assert!(exported(&[], "a", "b"));
    assert!(exported(&["*".into()], "a", "b"));
    assert!(exported(&[".".into()], "a", "a"));
    assert!(!exported(&[".".into()], "a", "b"));
    assert!(exported(&["b".into()], "a", "b"));
    assert!(!exported(&["c".into()], "a", "b"));
    let v = vs("  hosts: [a]\n  exportTo: ['.']\n  http:\n  - route: [{destination: {host: a}}]\n");
    assert!(v.visible_to("ns"));
    assert!(!v.visible_to("other"));
}

#[test]
fn rules_to_one_host_share_its_name_and_other_hosts_do_not() {
    let v = vs("  hosts: [reviews]\n  http:\n  \
                - match: [{headers: {x-canary: {exact: 'true'}}}]\n    route: [{destination: {host: reviews, subset: canary}}]\n  \
                - route: [{destination: {host: reviews.ns.svc.cluster.local}}, {destination: {host: other}}]\n");
    let (first, second) = (&v.rules[0].route, &v.rules[1].route);
    assert!(Arc::ptr_eq(&first[0].host, &second[0].host));
    assert_eq!(&*second[1].host, "other.ns.svc.cluster.local");
    assert!(!Arc::ptr_eq(&second[0].host, &second[1].host));
}

#[test]
fn compiled_parts() {
    let v = vs("  hosts: [reviews, api.io]\n  http:\n  \
                - match: [{uri: {prefix: /}}]\n    route: [{destination: {host: reviews}}, {destination: {host: other.ns2.svc.cluster.local}}]\n    \
                corsPolicy: {allowOrigins: [{regex: 'https://.*'}], unmatchedPreflights: IGNORE}\n");
    assert_eq!(v.hosts, ["reviews.ns.svc.cluster.local", "api.io"]);
    assert_eq!(
        v.rules[0]
            .route
            .iter()
            .map(|d| &*d.host)
            .collect::<Vec<_>>(),
        [
            "reviews.ns.svc.cluster.local",
            "other.ns2.svc.cluster.local"
        ]
    );
    let (origins, forward) = v.rules[0].cors.as_deref().unwrap();
    assert!(origins[0].matches("https://x"));
    assert!(!forward);
    assert!(v.is_catch_all(0, Some(0)));
    let regex_all = vs(
        "  hosts: [a]\n  http:\n  - match: [{uri: {regex: '.*'}}]\n    route: [{destination: {host: a}}]\n",
    );
    assert!(regex_all.is_catch_all(0, Some(0)));
    assert_eq!(regex_all.rules[0].matches[0].rewrites(), "/");
    let exact = vs(
        "  hosts: [a]\n  http:\n  - match: [{uri: {exact: /e}}]\n    route: [{destination: {host: a}}]\n",
    );
    assert!(!exact.is_catch_all(0, Some(0)));
    assert_eq!(exact.rules[0].matches[0].rewrites(), "/e");
}

/// An entry of a path, a method and headers keeps no rare tests; one that sets any of them
/// keeps them all, and they still decide.
#[test]
fn rare_tests_only_where_set() {
    let v = vs("  hosts: [a]\n  http:\n  \
                - match:\n    - {uri: {prefix: /a}, method: {exact: GET}, headers: {x: {exact: v}}}\n    \
                - {uri: {prefix: /b}, port: 8080}\n    \
                - {uri: {prefix: /c}, queryParams: {q: {exact: one}}}\n    \
                route: [{destination: {host: a}}]\n");
    assert!(v.rules[0].matches[0].rare.is_none());
    assert_eq!(v.rules[0].matches[0].headers.len(), 1);
    assert_eq!(
        v.rules[0].matches[1].rare.as_ref().unwrap().port,
        Some(8080)
    );
    assert_eq!(v.rules[0].matches[2].rare.as_ref().unwrap().query.len(), 1);
    assert!(!v.is_catch_all(0, Some(2)));
    let on_8080 = Req {
        path: "/b",
        port: 8080,
        ..Req::default()
    };
    assert_eq!(rule(&v, &on_8080), Some(0));
    assert_eq!(rule(&v, &path("/b")), None);
    assert_eq!(rule(&v, &path("/c")), None);
    assert_eq!(rule(&v, &path("/c?q=one")), Some(0));
}

#[test]
fn bad_regexes_and_tcp_routes() {
    let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: ns}\n\
                spec:\n  hosts: [a]\n  http:\n  - match: [{uri: {regex: '('}}]\n    route: [{destination: {host: a}}]\n";
    let (documents, _) = read("t.yaml", text, &"default".into());
    let mut resources = decode(&documents).unwrap();
    let error = Compiled::new(resources.virtual_services.remove(0)).unwrap_err();
    assert!(
        error.message.starts_with("http[0].match[0]: regex `(`"),
        "{error}"
    );
    let cors = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: ns}\n\
                spec:\n  hosts: [a]\n  http:\n  - corsPolicy: {allowOrigins: [{regex: '['}]}\n    route: [{destination: {host: a}}]\n";
    let (documents, _) = read("t.yaml", cors, &"default".into());
    let mut resources = decode(&documents).unwrap();
    let error = Compiled::new(resources.virtual_services.remove(0)).unwrap_err();
    assert!(error.message.starts_with("http[0].corsPolicy"), "{error}");
    let tcp = vs("  hosts: [a]\n  tcp: [{route: [{destination: {host: a}}]}]\n");
    assert!(first(&tcp, &Req::default()).is_err());
    let none = vs("  hosts: [a]\n");
    assert_eq!(first(&none, &Req::default()), Ok(None));
    // Neither builds a sidecar a route: the host keeps its default route there.
    for v in [&tcp, &none] {
        assert_eq!(
            with_view(&Req::default(), |view| v.routes_nothing_at(view)),
            Ok(true)
        );
    }
}

/// One generated `match` entry: a uri condition (or none), `ignoreUriCase`, and maybe a header,
/// source labels or a gateway, as YAML.
fn entry_yaml(uri: Option<(u8, &str)>, any_case: bool, extra: u8) -> String {
    let mut fields = Vec::new();
    if let Some((kind, value)) = uri {
        let kind = ["exact", "prefix", "regex"][usize::from(kind % 3)];
        let value = if kind == "regex" { ".*b.*" } else { value };
        fields.push(format!("uri: {{{kind}: '{value}'}}"));
    }
    if any_case {
        fields.push("ignoreUriCase: true".to_string());
    }
    match extra % 7 {
        1 => fields.push("headers: {x: {exact: '1'}}".to_string()),
        2 => fields.push("sourceLabels: {app: a}".to_string()),
        3 => fields.push("gateways: [mesh]".to_string()),
        4 => fields.push("method: {exact: POST}".to_string()),
        5 => fields.push("headers: {x: {exact: '1,2'}, z: {exact: '1'}}".to_string()),
        6 => fields.push("headers: {x: {exact: '2'}}, sourceLabels: {app: a}".to_string()),
        _ => {}
    }
    format!("{{{}}}", fields.join(", "))
}

const PATHS: &[&str] = &[
    "", "/", "/a", "/A", "/a/", "/a/b", "/ab", "/b", "/é", "/a?q=1",
];

/// Entries that test a header for an exact value are candidates only for a request with that
/// value, grouped by name and tried in rule order; a request without any of them borrows the
/// entries every request tries.
#[test]
fn header_entries_are_candidates_only_for_their_value() {
    let v = vs("  hosts: [a]
  http:
  - match: [{headers: {x: {exact: '1'}}}]
    route: [{destination: {host: a}}]
  - match: [{headers: {z: {exact: '1'}}}, {headers: {x: {exact: '2'}}}]
    route: [{destination: {host: a}}]
  - match: [{headers: {x: {exact: '1'}}}, {headers: {x: {prefix: '1'}}}]
    route: [{destination: {host: a}}]
  - route: [{destination: {host: a}}]
");
    let candidates = |headers: &[(&'static str, &'static str)]| {
        let r = Req {
            headers: headers.to_vec(),
            ..Req::default()
        };
        with_view(&r, |view| {
            let found = v.index.candidates(&v.rules, view.path, view.headers);
            (found.to_vec(), matches!(found, Cow::Borrowed(_)))
        })
    };
    assert_eq!(candidates(&[]), (vec![(2, Some(1)), (3, None)], true));
    assert_eq!(
        candidates(&[("z", "1"), ("x", "1")]),
        (
            vec![
                (0, Some(0)),
                (1, Some(0)),
                (2, Some(0)),
                (2, Some(1)),
                (3, None)
            ],
            false
        )
    );
    assert_eq!(
        candidates(&[("z", "1")]),
        (vec![(1, Some(0)), (2, Some(1)), (3, None)], false)
    );
    assert_eq!(
        candidates(&[("x", "2")]),
        (vec![(1, Some(1)), (2, Some(1)), (3, None)], false)
    );
    assert_eq!(
        candidates(&[("x", "1"), ("x", "2")]),
        (vec![(2, Some(1)), (3, None)], true)
    );
}

/// The requests' headers: none, one value, another, two values of one name (matched as
/// `1,2`), and a second name.
const HEADERS: &[&[(&str, &str)]] = &[
    &[],
    &[("x", "1")],
    &[("x", "2")],
    &[("x", "1"), ("x", "2")],
    &[("x", "1"), ("z", "1")],
    &[("z", "1"), ("x", "1"), ("x", "2")],
];

proptest::proptest! {
    /// The indexed lookup chooses what trying every entry in order chooses (Istio's first
    /// match), for generated rule lists and requests.
    #[test]
    fn index_keeps_first_match(
        rules in proptest::collection::vec(
            proptest::collection::vec(
                (proptest::option::of((0u8..3, 0..PATHS.len() - 1)), proptest::bool::ANY, 0u8..7),
                0..4,
            ),
            1..10,
        ),
        requests in proptest::collection::vec(
            (0..PATHS.len(), 0..HEADERS.len(), proptest::bool::ANY, proptest::bool::ANY),
            1..8,
        ),
    ) {
        let mut spec = "  hosts: [a]\n  http:\n".to_string();
        for entries in &rules {
            let matches: Vec<String> = entries
                .iter()
                .map(|(uri, any_case, extra)| {
                    entry_yaml(uri.map(|(kind, at)| (kind, PATHS[at])), *any_case, *extra)
                })
                .collect();
            if matches.is_empty() {
                spec.push_str("  - ");
            } else {
                spec.push_str("  - match: [");
                spec.push_str(&matches.join(", "));
                spec.push_str("]\n    ");
            }
            spec.push_str("route: [{destination: {host: a}}]\n");
        }
        let v = vs(&spec);
        for (at, header, labelled, post) in requests {
            let labels = pod_labels(&[("app", "a")]);
            let r = Req {
                path: PATHS[at],
                method: if post { "POST" } else { "GET" },
                headers: HEADERS[header].to_vec(),
                labels: labelled.then_some(labels),
                ..Req::default()
            };
            proptest::prop_assert_eq!(first(&v, &r), linear(&v, &r), "{} {}", spec, r.path);
        }
    }
}

/// Every rule and match entry of a mesh stays alive while it is simulated, tens of thousands
/// of them in a large mesh (benches/README.md): what few set is boxed.
#[test]
fn compiled_rules_entries_and_tests_stay_small() {
    use std::mem::size_of;
    assert_eq!(size_of::<Matcher>(), 24);
    assert_eq!(size_of::<HeaderTest>(), 48);
    assert_eq!(size_of::<Match>(), 80);
    assert_eq!(size_of::<Rule>(), 96);
}

/// A destination's host already qualified stays the decoded one, which the decoder shares
/// among every resource that names it.
#[test]
fn qualified_hosts_stay_the_decoded_ones() {
    let text = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: ns}\nspec:\n  hosts: [a]\n  http:\n  - route: [{destination: {host: a.ns.svc.cluster.local}}]\n---\n\
                apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: w, namespace: ns}\nspec:\n  hosts: [b]\n  http:\n  - route: [{destination: {host: a.ns.svc.cluster.local}}]\n";
    let (documents, error) = read("t.yaml", text, &"default".into());
    assert!(error.is_none(), "{error:?}");
    let resources = decode(&documents).unwrap();
    let [v, w] = resources
        .virtual_services
        .into_iter()
        .map(|vs| Compiled::new(vs).unwrap())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    assert!(Arc::ptr_eq(
        &v.rules[0].route[0].host,
        &w.rules[0].route[0].host
    ));
}
