//! What applies to each proxy (istio/istio pilot/pkg/model/authorization.go
//! `ListAuthorizationPolicies`, policyattachment.go, authentication.go), and the settings.

use super::*;
use crate::istio::document::read;
use crate::simulate::testing::{labels, mesh, pod_labels};
use crate::simulate::{Hop, Origin, Request};

const TOPOLOGY: &str = r#"
trust-domain = "td"
[[workloads]]
name = "a"
namespace = "ns"
labels = { app = "a" }
service-account = "a"
ports = [{ service = "a.ns.svc.cluster.local", port = 80 }, { service = "a.ns.svc.cluster.local", port = 81 }]
[[workloads]]
name = "b"
namespace = "other"
labels = { app = "b" }
service-account = "b"
ports = [{ service = "b.other.svc.cluster.local", port = 80 }]
[[gateways]]
name = "gw"
namespace = "istio-system"
labels = { istio = "ingressgateway" }
service-account = "gw"
"#;

fn policy(name: &str, namespace: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {spec}\n"
    )
}

fn names(m: &Mesh, list: &[usize]) -> Vec<String> {
    list.iter()
        .map(|&i| format!("{}/{}", m.policies[i].namespace, m.policies[i].name))
        .collect()
}

/// Policies of the proxy's namespace and of the root namespace apply, when their selector (if
/// any) matches; a `targetRef` policy is for waypoints and Gateway API gateways only.
#[test]
fn policies_per_proxy() {
    let yaml = [
        policy("z-ns", "ns", "{}"),
        policy("a-ns", "ns", "{action: DENY}"),
        policy("sel-a", "ns", "{selector: {matchLabels: {app: a}}}"),
        policy("sel-b", "ns", "{selector: {matchLabels: {app: b}}}"),
        // Filed under `app: a`, so `a` is a candidate, but it lacks the second label.
        policy(
            "sel-a-v1",
            "ns",
            "{selector: {matchLabels: {app: a, version: v1}}}",
        ),
        policy("mesh", "istio-system", "{action: DENY}"),
        policy(
            "mesh-b",
            "istio-system",
            "{selector: {matchLabels: {app: b}}, action: CUSTOM, provider: {name: x}}",
        ),
        policy(
            "targeted",
            "ns",
            "{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g}]}",
        ),
        policy("audit", "ns", "{action: AUDIT}"),
        policy("elsewhere", "third", "{}"),
    ]
    .concat();
    let m = mesh(&yaml, TOPOLOGY);
    let a = &m.proxies[0];
    assert_eq!(names(&m, &a.deny), ["istio-system/mesh", "ns/a-ns"]);
    assert_eq!(names(&m, &a.allow), ["ns/sel-a", "ns/z-ns"]);
    assert!(a.custom.is_empty());
    let b = &m.proxies[1];
    assert_eq!(names(&m, &b.deny), ["istio-system/mesh"]);
    assert!(b.allow.is_empty());
    assert_eq!(names(&m, &b.custom), ["istio-system/mesh-b"]);
    let gw = &m.proxies[2];
    assert_eq!(names(&m, &gw.deny), ["istio-system/mesh"]);
}

/// What decides whether a resource applies to a proxy, asked directly: the selection index
/// hands over candidates by namespace and one label, and these checks are what refuse a
/// resource of another namespace or a selector matched only in part, should a candidate be one.
#[test]
fn a_resource_applies_in_its_namespace_or_the_root_when_its_selector_matches() {
    let m = mesh("", TOPOLOGY);
    let app_a = labels(&[("app", "a")]);
    let pod_a = pod_labels(&[("app", "a")]);
    assert!(m.in_scope("ns", "ns"));
    assert!(m.in_scope("istio-system", "ns"));
    assert!(!m.in_scope("third", "ns"));
    assert!(m.applies("ns", None, "ns", &pod_a));
    assert!(m.applies("istio-system", Some(&app_a), "ns", &pod_a));
    assert!(!m.applies("third", None, "ns", &pod_a));
    assert!(!m.applies("third", Some(&app_a), "ns", &pod_a));
    let both = labels(&[("app", "a"), ("version", "v1")]);
    assert!(!m.applies("ns", Some(&both), "ns", &pod_a));
}

/// JWT rules of every RequestAuthentication that applies, sorted by issuer
/// (policy_applier.go `newPolicyApplier`).
#[test]
fn jwt_rules_per_proxy() {
    let ra = |name: &str, namespace: &str, spec: &str| {
        format!(
            "---\napiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {spec}\n"
        )
    };
    let yaml = [
        ra("local", "ns", "{jwtRules: [{issuer: z}, {issuer: b}]}"),
        ra("mesh", "istio-system", "{jwtRules: [{issuer: a}]}"),
        ra(
            "gw",
            "istio-system",
            "{selector: {matchLabels: {istio: ingressgateway}}, jwtRules: [{issuer: g}]}",
        ),
        ra(
            "targeted",
            "ns",
            "{targetRef: {kind: Gateway, name: g}, jwtRules: [{issuer: t}]}",
        ),
        // Filed under `app: a`, so `a` is a candidate, but it lacks the second label.
        ra(
            "two-labels",
            "ns",
            "{selector: {matchLabels: {app: a, version: v1}}, jwtRules: [{issuer: v}]}",
        ),
    ]
    .concat();
    let m = mesh(&yaml, TOPOLOGY);
    let issuers = |p: usize| -> Vec<&str> {
        m.proxies[p]
            .jwt
            .iter()
            .map(|&(r, i)| m.request_authentications[r].rules[i].issuer.as_str())
            .collect()
    };
    assert_eq!(issuers(0), ["a", "b", "z"]);
    assert_eq!(issuers(1), ["a"]);
    assert_eq!(issuers(2), ["a", "g"]);
}

#[test]
fn settings_come_from_mesh_config_then_the_topology() {
    let m = mesh("", TOPOLOGY);
    assert_eq!(m.trust_domain(), "td");
    assert_eq!(m.root_namespace(), "istio-system");
    assert_eq!(m.normalization(), Normalization::Base);
    assert!(m.settings.auto_mtls);
    assert_eq!(m.topology().workloads.len(), 2);
    let config = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: c}\n\
                  spec: {meshConfig: {rootNamespace: root, trustDomain: mesh.td, pathNormalization: {normalization: NONE}}}\n";
    let m = mesh(config, TOPOLOGY);
    assert_eq!(m.trust_domain(), "mesh.td");
    assert_eq!(m.root_namespace(), "root");
    assert_eq!(m.normalization(), Normalization::None);
    let m = mesh("", "");
    assert_eq!(m.trust_domain(), "cluster.local");
}

#[test]
fn services_from_workloads() {
    let m = mesh("", TOPOLOGY);
    let a = &m.services["a.ns.svc.cluster.local"];
    assert_eq!(a.namespace, "ns");
    assert_eq!(a.ports, [80, 81]);
    assert_eq!(a.workloads, [0]);
    assert_eq!(m.services.len(), 2);
}

#[test]
fn unmodelled_resources_and_rate_limits_by_scope() {
    let yaml = "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: ns}\nspec: {outboundTrafficPolicy: {mode: ALLOW_ANY}}\n---\n\
                apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: mesh, namespace: istio-system}\n\
                spec: {workloadSelector: {labels: {app: b}}, egress: [{port: {number: 80}, hosts: ['*/*']}]}\n---\n\
                apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: rl, namespace: istio-system}\n\
                spec: {workloadSelector: {labels: {istio: ingressgateway}}, configPatches: [{applyTo: HTTP_FILTER, patch: {value: {name: envoy.filters.http.local_ratelimit}}}]}\n";
    let m = mesh(yaml, TOPOLOGY);
    assert_eq!(m.proxies[0].unmodelled, [0]);
    assert_eq!(m.proxies[1].unmodelled, [1]);
    assert!(m.proxies[2].unmodelled.is_empty());
    assert!(m.proxies[0].rate_limits.is_empty());
    assert_eq!(m.proxies[2].rate_limits, [0]);
    assert_eq!(
        m.rate_limit_notes,
        ["EnvoyFilter istio-system/rl limits the request rate (429 under load)"]
    );
}

#[test]
fn contradictions_are_errors() {
    let (documents, _) = read("t.yaml", "", &"default".into());
    let bad: Topology = toml::from_str(
        r#"[[workloads]]
name = "a"
namespace = "ns"
service-account = "a"
ports = [{ service = "a.other.svc.cluster.local", port = 80 }]
[[workloads]]
name = "a"
namespace = ""
service-account = "a"
"#,
    )
    .unwrap();
    let errors = Mesh::from_documents(&documents, &bad).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "topology: workload `a` needs a name, a namespace and a service account",
            "topology: two workloads are named `a`",
            "topology: workload `a` in namespace `ns` backs `a.other.svc.cluster.local` of another namespace",
        ]
    );
    let (documents, _) = read(
        "v.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: ns}\n\
         spec: {hosts: [a], http: [{match: [{uri: {regex: '('}}]}]}\n",
        &"default".into(),
    );
    let errors = Mesh::from_documents(&documents, &Topology::default()).unwrap_err();
    assert_eq!(errors[0].file, "v.yaml");
    assert_eq!(errors[0].resource, "VirtualService ns/v");
    let (documents, _) = read(
        "w.yaml",
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec: {mtls: {mode: SOMETIMES}}\n",
        &"default".into(),
    );
    assert!(Mesh::from_documents(&documents, &Topology::default()).is_err());
}

/// Two versions of `web` in `shop`, each selected by its `version` label.
const WEB_V1_V2: &str = r#"
[[workloads]]
name = "web-v1"
namespace = "shop"
labels = { app = "web", version = "v1" }
service-account = "web"
ports = [{ service = "web.shop.svc.cluster.local", port = 80 }]
[[workloads]]
name = "web-v2"
namespace = "shop"
labels = { app = "web", version = "v2" }
service-account = "web"
ports = [{ service = "web.shop.svc.cluster.local", port = 80 }]
"#;

/// The hops at which a request from workload `from` to `host`, port 80, arrives.
fn arrivals<'m>(m: &'m Mesh, from: &str, host: &str, path: &str) -> impl Iterator<Item = Hop<'m>> {
    let request = Request::new(Origin::Workload(from.to_string()), host)
        .port(80)
        .path(path);
    m.evaluate(&request)
        .branches
        .into_iter()
        .flat_map(|b| b.arrivals)
}

/// The workloads of each subset are chosen once, for the DestinationRules filed under the
/// Service's host; a subset only a wildcard rule defines is chosen per delivery, as before.
/// Either way a delivery reaches the workloads the subset's labels select.
#[test]
fn subset_workloads_are_chosen_once_per_host() {
    let topology = &format!(
        r#"{WEB_V1_V2}
[[workloads]]
name = "client"
namespace = "shop"
labels = {{ app = "client" }}
service-account = "client"
"#
    );
    let yaml = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.shop.svc.cluster.local]
  http:
  - match: [{uri: {prefix: /one}}]
    route: [{destination: {host: web.shop.svc.cluster.local, subset: one}}]
  - match: [{uri: {prefix: /two}}]
    route: [{destination: {host: web.shop.svc.cluster.local, subset: two}}]
  - match: [{uri: {prefix: /wild}}]
    route: [{destination: {host: web.shop.svc.cluster.local, subset: wild}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: all, namespace: shop}
spec:
  host: '*.shop.svc.cluster.local'
  subsets: [{name: wild, labels: {version: v2}}]
";
    let own = "\
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets: [{name: one, labels: {version: v1}}, {name: two, labels: {version: v2}}]
";
    let wild = mesh(yaml, topology);
    let web = &wild.services["web.shop.svc.cluster.local"];
    assert_eq!(
        web.subsets,
        [],
        "the wildcard rule is not filed under the host"
    );
    assert_eq!(*web.rules, [0], "but it is a candidate, filed under `*`");
    let m = mesh(&format!("{yaml}{own}"), topology);
    let web = &m.services["web.shop.svc.cluster.local"];
    assert_eq!(web.subsets, [((1, 0), vec![0]), ((1, 1), vec![1])]);
    assert_eq!(web.subset(1, 1), Some(&[1][..]));
    assert_eq!(web.subset(0, 0), None);
    // The candidates every request takes from its Service: those filed under its host, then
    // those under `*`, as the tables give them.
    assert_eq!(*web.rules, [1, 0]);
    assert_eq!(*web.routes, [0]);
    let reached = |m: &Mesh, path: &str| -> Vec<String> {
        arrivals(m, "client", "web", path)
            .map(|hop| format!("{} {:?}", hop.proxy, hop.outcome))
            .collect()
    };
    assert_eq!(
        reached(&m, "/one"),
        ["sidecar of shop/web-v1, port 80 Some(Allowed)"]
    );
    assert_eq!(
        reached(&m, "/two"),
        ["sidecar of shop/web-v2, port 80 Some(Allowed)"]
    );
    assert_eq!(
        reached(&wild, "/wild"),
        ["sidecar of shop/web-v2, port 80 Some(Allowed)"]
    );
}

/// Which DestinationRule defines a subset depends on the caller (its own namespace's rule
/// first): the workloads chosen in advance are the chosen rule's, so two callers that name one
/// subset of one host reach what their own rule selects.
#[test]
fn subset_workloads_follow_the_rule_the_caller_gets() {
    let topology = &format!(
        r#"{WEB_V1_V2}
[[workloads]]
name = "near"
namespace = "shop"
labels = {{ app = "near" }}
service-account = "near"
[[workloads]]
name = "far"
namespace = "away"
labels = {{ app = "far" }}
service-account = "far"
"#
    );
    let yaml = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.shop.svc.cluster.local]
  http:
  - route: [{destination: {host: web.shop.svc.cluster.local, subset: pick}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets: [{name: pick, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: away}
spec:
  host: web.shop.svc.cluster.local
  subsets: [{name: pick, labels: {version: v2}}]
";
    let m = mesh(yaml, topology);
    let reached = |from: &str| -> Vec<String> {
        arrivals(&m, from, "web.shop", "/")
            .map(|hop| hop.proxy.to_string())
            .collect()
    };
    let web = &m.services["web.shop.svc.cluster.local"];
    assert_eq!(web.subsets, [((0, 0), vec![0]), ((1, 0), vec![1])]);
    assert_eq!(reached("near"), ["sidecar of shop/web-v1, port 80"]);
    assert_eq!(reached("far"), ["sidecar of shop/web-v2, port 80"]);
}

/// Two proxies' indexes are the same only if every field is: a proxy shares the index before
/// it (`Runs`) only then, so each field changed alone must tell them apart.
#[test]
fn proxy_indexes_are_the_same_only_when_every_field_is() {
    use crate::simulate::decode::PeerMode;
    let base = ProxyIndex::default();
    assert!(same_index(&base, &base.clone()));
    let changes: [fn(&mut ProxyIndex); 10] = [
        |p| p.custom.push(0),
        |p| p.deny.push(0),
        |p| p.allow.push(0),
        |p| p.jwt.push((0, 0)),
        |p| p.peer.mode = (PeerMode::Strict, None),
        |p| {
            p.peer.ports.insert(80, (PeerMode::Strict, 0));
        },
        |p| p.peer.ambiguous = Some("two policies".to_string()),
        |p| p.unmodelled.push(0),
        |p| p.rate_limits.push(0),
        |p| p.sidecar = Some(0),
    ];
    for (n, change) in changes.iter().enumerate() {
        let mut other = base.clone();
        change(&mut other);
        assert!(!same_index(&base, &other), "change {n}");
        assert!(!same_index(&other, &base), "change {n}");
    }
}

/// A run of equal items is held once, in a list of its length, and every place still reads its
/// own item.
#[test]
fn runs_hold_equal_neighbours_once() {
    let mut runs = Runs::with_capacity(5);
    for item in ["a", "a", "b", "a", "a"] {
        runs.push(item.to_string(), |x, y| x == y);
    }
    runs.shrink_to_fit();
    assert_eq!(runs.len(), 5);
    assert_eq!(runs.distinct, ["a", "b", "a"]);
    // Held at their number, not at the room pushing grew (four): what the type is for.
    assert_eq!(runs.distinct.capacity(), 3);
    assert_eq!(runs.iter().collect::<Vec<_>>(), ["a", "a", "b", "a", "a"]);
    assert_eq!(
        (0..5).map(|p| runs[p].as_str()).collect::<Vec<_>>(),
        ["a", "a", "b", "a", "a"]
    );
}

/// A workload's container port is the one of the Service asked for, on the port asked for,
/// its host compared whatever its case.
#[test]
fn target_ports_are_the_asked_service_s() {
    let topology = r#"trust-domain = "cluster.local"

[[workloads]]
name = "both"
namespace = "default"
labels = { app = "both" }
service-account = "both"
ports = [
  { service = "a.default.svc.cluster.local", port = 80, target-port = 8080 },
  { service = "b.default.svc.cluster.local", port = 80, target-port = 9090 },
]
"#;
    let m = mesh("", topology);
    assert_eq!(m.target_port(0, "a.default.svc.cluster.local", 80), 8080);
    assert_eq!(m.target_port(0, "b.default.svc.cluster.local", 80), 9090);
    assert_eq!(m.target_port(0, "B.Default.svc.cluster.local", 80), 9090);
    // Another port or Service: the port itself.
    assert_eq!(m.target_port(0, "b.default.svc.cluster.local", 81), 81);
    assert_eq!(m.target_port(0, "c.default.svc.cluster.local", 80), 80);
}

#[test]
fn workloads_are_found_by_name_the_first_of_a_name() {
    let workloads: Vec<Workload> = ["a", "b", "a", "c"]
        .iter()
        .map(|name| Workload {
            name: (*name).to_string(),
            ..Workload::default()
        })
        .collect();
    let names = WorkloadNames::of(&workloads);
    let found = |name| names.get(&workloads, name);
    assert_eq!(
        [found("a"), found("b"), found("c"), found("d")],
        [Some(0), Some(1), Some(3), None]
    );
}
