//! Gateway listeners and route tables as istiod builds them (pilot/pkg/networking/core/gateway.go).

use super::*;
use crate::istio::document::read;
use crate::simulate::decode::decode;
use crate::simulate::topology::GatewayPort;

fn build(yaml: &str, port: u16) -> Option<Listener> {
    let (documents, error) = read("t.yaml", yaml, &"default".into());
    assert!(error.is_none(), "{error:?}");
    let resources = decode(&documents).unwrap();
    let services: Vec<Compiled> = resources
        .virtual_services
        .into_iter()
        .map(|v| Compiled::new(v).unwrap())
        .collect();
    let workload = GatewayWorkload {
        service: None,
        name: "gw".into(),
        namespace: "istio-system".into(),
        labels: [("istio".to_string(), "ingressgateway".to_string())]
            .into_iter()
            .collect(),
        service_account: "sa".into(),
        ports: vec![GatewayPort {
            port,
            target_port: None,
        }],
    };
    listener(&workload, port, &resources.gateways, &services)
}

fn gateway(name: &str, namespace: &str, servers: &str) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: {namespace}}}\n\
         spec: {{selector: {{istio: ingressgateway}}, servers: {servers}}}\n"
    )
}

fn vs(name: &str, namespace: &str, hosts: &str, gateways: &str) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}, namespace: {namespace}}}\n\
         spec: {{hosts: {hosts}, gateways: {gateways}, http: [{{route: [{{destination: {{host: x}}}}]}}]}}\n"
    )
}

fn plain(listener: Option<Listener>) -> Table {
    match listener {
        Some(Listener::Plain(table)) => table,
        other => panic!("{other:?}"),
    }
}

/// A virtual host per name where a VirtualService's hosts meet a server's, the narrower of
/// the two; servers of several Gateways on one port share the table.
#[test]
fn virtual_hosts_are_intersections() {
    let yaml = format!(
        "{}{}{}{}{}",
        gateway(
            "a",
            "istio-system",
            "[{port: {number: 80, protocol: HTTP, name: h}, hosts: ['*.shop.io']}]"
        ),
        gateway(
            "b",
            "edge",
            "[{port: {number: 80, protocol: HTTP, name: h}, hosts: ['api.io']}]"
        ),
        vs("one", "istio-system", "['www.shop.io', '*']", "[a]"),
        vs("two", "edge", "['api.io']", "[b]"),
        vs("unbound", "istio-system", "['www.shop.io']", "[other]"),
    );
    let table = plain(build(&yaml, 80));
    let domains: Vec<(&str, Vec<usize>)> = table
        .vhosts
        .iter()
        .map(|v| (v.domain.as_str(), v.services.clone()))
        .collect();
    assert_eq!(
        domains,
        [
            ("www.shop.io", vec![0]),
            ("*.shop.io", vec![0]),
            ("api.io", vec![1])
        ]
    );
    assert_eq!(table.vhost("www.shop.io").unwrap().domain, "www.shop.io");
    assert_eq!(table.vhost("x.shop.io").unwrap().domain, "*.shop.io");
    assert!(table.vhost("shop.io").is_none());
    assert_eq!(table.servers.len(), 2);
    assert!(build(&yaml, 81).is_none());
}

/// `namespace/host` in a server admits VirtualServices of that namespace only; `./` is the
/// Gateway's own, `*/` any.
#[test]
fn server_host_namespaces() {
    let yaml = format!(
        "{}{}{}{}",
        gateway(
            "a",
            "gw-ns",
            "[{port: {number: 80, protocol: HTTP, name: h}, hosts: ['team/a.io', './b.io', '*/c.io']}]"
        ),
        vs("team", "team", "['a.io', 'b.io', 'c.io']", "[gw-ns/a]"),
        vs("own", "gw-ns", "['a.io', 'b.io']", "[a]"),
        vs("hidden", "gw-ns", "['c.io']", "[a]").replace("spec: {", "spec: {exportTo: [other], "),
    );
    let table = plain(build(&yaml, 80));
    let by = |d: &str| table.vhost(d).map(|v| v.services.clone());
    assert_eq!(by("a.io"), Some(vec![0]));
    assert_eq!(by("b.io"), Some(vec![1]));
    assert_eq!(by("c.io"), Some(vec![0]));
    assert_eq!(server_host("x/a.io", "g", "x"), Some("a.io"));
    assert_eq!(server_host("./a.io", "g", "g"), Some("a.io"));
    assert_eq!(server_host("./a.io", "g", "x"), None);
    assert_eq!(server_host("*/a.io", "g", "x"), Some("a.io"));
    assert_eq!(server_host("a.io", "g", "x"), Some("a.io"));
}

/// `httpsRedirect` marks every host of its server, with or without a VirtualService.
#[test]
fn https_redirect_marks_hosts() {
    let yaml = format!(
        "{}{}",
        gateway(
            "a",
            "istio-system",
            "[{port: {number: 80, protocol: HTTP, name: h}, hosts: [a.io, 'ns/b.io'], tls: {httpsRedirect: true}}]"
        ),
        vs("one", "istio-system", "[a.io]", "[a]"),
    );
    let table = plain(build(&yaml, 80));
    assert!(table.vhost("a.io").unwrap().require_tls);
    assert_eq!(table.vhost("a.io").unwrap().services, [0]);
    assert!(table.vhost("b.io").unwrap().require_tls);
    assert!(table.vhost("b.io").unwrap().services.is_empty());
}

/// TLS servers get a table each, chosen by server name: exact, then wildcard, then `*`.
#[test]
fn tls_servers_by_sni() {
    let yaml = format!(
        "{}{}",
        gateway(
            "a",
            "istio-system",
            "[{port: {number: 443, protocol: HTTPS, name: s1}, hosts: [API.io], tls: {mode: SIMPLE}}, \
              {port: {number: 443, protocol: HTTPS, name: s2}, hosts: ['*.io'], tls: {mode: MUTUAL}}, \
              {port: {number: 443, protocol: HTTPS, name: s3}, hosts: ['*'], tls: {mode: SIMPLE}}]"
        ),
        vs("one", "istio-system", "[api.io]", "[a]"),
    );
    let Some(Listener::Tls(chains)) = build(&yaml, 443) else {
        panic!("a TLS listener")
    };
    assert_eq!(chains.len(), 3);
    assert_eq!(by_sni(&chains, "api.io").unwrap().1, "SIMPLE");
    assert_eq!(by_sni(&chains, "api.io").unwrap().2.vhosts.len(), 1);
    assert_eq!(by_sni(&chains, "web.io").unwrap().1, "MUTUAL");
    assert_eq!(by_sni(&chains, "other").unwrap().1, "SIMPLE");
    assert!(
        by_sni(&chains, "other")
            .unwrap()
            .0
            .contains(&"*".to_string())
    );
    assert!(by_sni(&[], "a").is_none());
}

#[test]
fn other_servers_are_not_modelled() {
    for (servers, what) in [
        (
            "[{port: {number: 443, protocol: HTTPS, name: p}, hosts: ['*'], tls: {mode: PASSTHROUGH}}]",
            "a HTTPS server in TLS mode PASSTHROUGH on port 443",
        ),
        (
            "[{port: {number: 443, protocol: TLS, name: p}, hosts: ['*'], tls: {mode: AUTO_PASSTHROUGH}}]",
            "a TLS server in TLS mode AUTO_PASSTHROUGH on port 443",
        ),
        (
            "[{port: {number: 443, protocol: TCP, name: p}, hosts: ['*']}]",
            "a TCP server on port 443",
        ),
        (
            "[{port: {number: 443, protocol: HTTPS, name: p}, hosts: ['*']}]",
            "a HTTPS server on port 443",
        ),
        (
            "[{port: {number: 443, protocol: HTTP, name: p}, hosts: ['*']}, {port: {number: 443, protocol: HTTPS, name: q}, hosts: ['*'], tls: {mode: SIMPLE}}]",
            "plain HTTP and TLS servers on port 443",
        ),
    ] {
        match build(&gateway("a", "istio-system", servers), 443) {
            Some(Listener::Unmodelled(text)) => assert_eq!(text, what),
            other => panic!("{servers}: {other:?}"),
        }
    }
    for protocol in ["HTTP2", "GRPC", "GRPC-WEB"] {
        let servers =
            format!("[{{port: {{number: 80, protocol: {protocol}, name: p}}, hosts: ['*']}}]");
        assert!(matches!(
            build(&gateway("a", "ns", &servers), 80),
            Some(Listener::Plain(_))
        ));
    }
    let other = gateway(
        "a",
        "ns",
        "[{port: {number: 80, protocol: HTTP, name: p}, hosts: ['*']}]",
    )
    .replace("istio: ingressgateway", "istio: eastwestgateway");
    assert!(build(&other, 80).is_none());
}
