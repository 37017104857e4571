//! Every field of an AuthorizationPolicy rule, as istio/istio pilot/pkg/security/authz/model
//! (model.go, generator.go) and matcher/ (string.go, header.go) translate it.

use std::net::IpAddr;

use serde_json::json;

use super::*;
use crate::istio::document::read;
use crate::simulate::context::{Headers, Payload, Sni};
use crate::simulate::decode::decode;
use crate::simulate::request::Jwt;
use crate::simulate::testing::jwt;

fn compile(rule: &str, action: Action) -> Rule {
    compile_in(rule, action, &["cluster.local"])
}

fn compile_in(rule: &str, action: Action, trust: &[&str]) -> Rule {
    let text = format!(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: p, namespace: ns}}\n\
         spec:\n  action: {}\n  rules:\n  - {rule}\n",
        action.as_str()
    );
    let (documents, error) = read("t.yaml", &text, &"default".into());
    assert!(error.is_none(), "{error:?}");
    let resources = decode(&documents).unwrap();
    let trust: Vec<String> = trust.iter().map(|t| (*t).to_string()).collect();
    Rule::compile(
        &resources.authorization_policies[0].rules[0],
        "ns",
        action,
        &trust,
    )
}

/// A request as one proxy sees it.
#[derive(Clone)]
struct Req {
    host: &'static str,
    method: &'static str,
    path: &'static str,
    port: u16,
    headers: Vec<(&'static str, &'static str)>,
    peer: Option<&'static str>,
    jwt: Option<Jwt>,
    split: Vec<String>,
    source_ip: Option<IpAddr>,
    remote_ip: Option<IpAddr>,
    sni: Option<&'static str>,
    tcp: bool,
}

impl Default for Req {
    fn default() -> Self {
        Self {
            host: "api.io",
            method: "GET",
            path: "/",
            port: 8080,
            headers: Vec::new(),
            peer: None,
            jwt: None,
            split: Vec::new(),
            source_ip: None,
            remote_ip: None,
            sni: None,
            tcp: false,
        }
    }
}

fn eval(rule: &Rule, r: &Req) -> Tri {
    let pairs: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    let headers = Headers::new(&pairs);
    let attributes = Attributes {
        host: r.host,
        method: r.method,
        path: r.path,
        port: r.port,
        headers: &headers,
        peer: r.peer,
        jwt: r.jwt.as_ref().map(|jwt| Payload {
            jwt,
            split: &r.split,
        }),
        source_ip: r.source_ip,
        remote_ip: r.remote_ip,
        sni: r.sni.map_or(Sni::None, Sni::Name),
        tcp: r.tcp,
    };
    rule.eval(&attributes)
}

fn check(rule: &str, cases: &[(Req, Tri)]) {
    check_as(rule, Action::Allow, cases);
}

fn check_as(rule: &str, action: Action, cases: &[(Req, Tri)]) {
    let compiled = compile(rule, action);
    for (i, (request, expected)) in cases.iter().enumerate() {
        assert_eq!(eval(&compiled, request), *expected, "{rule}: case {i}");
    }
}

fn path(path: &'static str) -> Req {
    Req {
        path,
        ..Req::default()
    }
}

fn host(host: &'static str) -> Req {
    Req {
        host,
        ..Req::default()
    }
}

fn peer(peer: &'static str) -> Req {
    Req {
        peer: Some(peer),
        ..Req::default()
    }
}

fn token(claims: &serde_json::Value) -> Req {
    Req {
        jwt: Some(jwt("https://iss", &["aud1"], claims)),
        ..Req::default()
    }
}

fn header(name: &'static str, value: &'static str) -> Req {
    Req {
        headers: vec![(name, value)],
        ..Req::default()
    }
}

const YES: Tri = Tri::Yes;
const NO: Tri = Tri::No;

#[test]
fn an_empty_rule_matches_everything() {
    check("{}", &[(Req::default(), YES), (path("/x"), YES)]);
}

/// Istio "Authorization Policy" reference, `Operation.paths`: exact, prefix `*`, suffix `*`, or
/// `*`; matched without the query (the normalization page, "Path with query").
#[test]
fn paths() {
    check(
        "{to: [{operation: {paths: [/exact, /prefix/*, '*.png']}}]}",
        &[
            (path("/exact"), YES),
            (path("/exact/"), NO),
            (path("/Exact"), NO),
            (path("/prefix/"), YES),
            (path("/prefix/a/b"), YES),
            (path("/prefix"), NO),
            (path("/a/b.png"), YES),
            (path("/a.PNG"), NO),
        ],
    );
    check(
        "{to: [{operation: {paths: ['*']}}]}",
        &[(path("/"), YES), (path(""), NO)],
    );
    check(
        "{to: [{operation: {notPaths: [/admin/*]}}]}",
        &[(path("/admin/x"), NO), (path("/user"), YES)],
    );
}

/// Path templates (`{*}` one segment, `{**}` the rest): Istio security reference,
/// `Operation.paths`.
#[test]
fn path_templates() {
    check(
        "{to: [{operation: {paths: ['/a/{*}/c', '/b/{**}', '/x{y}/{*}']}}]}",
        &[
            (path("/a/b/c"), YES),
            (path("/a/b/d/c"), NO),
            (path("/a//c"), NO),
            (path("/b/"), YES),
            (path("/b/c/d"), YES),
            (path("/x{y}/z"), YES),
            (path("/c"), NO),
        ],
    );
}

/// `hosts`: exact and case-insensitive, the port part of the Host header included
/// (matcher/header.go `HostMatcher`).
#[test]
fn hosts() {
    check(
        "{to: [{operation: {hosts: [api.io, '*.example.com', 'intent.*']}}]}",
        &[
            (host("api.io"), YES),
            (host("API.IO"), YES),
            (host("api.io:443"), NO),
            (host("a.example.com"), YES),
            (host("A.EXAMPLE.COM"), YES),
            (host("intent.io"), YES),
            (host("INTENT.io"), YES),
            (host("other.io"), NO),
        ],
    );
    check(
        "{to: [{operation: {hosts: [api.io, 'api.io:*']}}]}",
        &[(host("api.io:443"), YES), (host("api.io:80"), YES)],
    );
    check(
        "{to: [{operation: {notHosts: [api.io]}}]}",
        &[(host("api.io"), NO), (host("api.io:443"), YES)],
    );
    check("{to: [{operation: {hosts: ['*']}}]}", &[(host(""), YES)]);
}

#[test]
fn methods_are_case_sensitive() {
    let method = |m| Req {
        method: m,
        ..Req::default()
    };
    check(
        "{to: [{operation: {methods: [GET, 'P*']}}]}",
        &[
            (method("GET"), YES),
            (method("get"), NO),
            (method("POST"), YES),
            (method("PUT"), YES),
            (method("DELETE"), NO),
        ],
    );
    check(
        "{to: [{operation: {notMethods: [OPTIONS]}}]}",
        &[(method("OPTIONS"), NO), (method("GET"), YES)],
    );
}

#[test]
fn ports_and_their_errors() {
    let port = |p| Req {
        port: p,
        ..Req::default()
    };
    check(
        "{to: [{operation: {ports: ['8080', '9090']}}]}",
        &[(port(8080), YES), (port(9090), YES), (port(80), NO)],
    );
    check(
        "{to: [{operation: {notPorts: ['8080']}}]}",
        &[(port(8080), NO), (port(80), YES)],
    );
    // model.go `checkError`: an ALLOW rule with a value Istio cannot translate matches nothing…
    check(
        "{to: [{operation: {ports: ['http', '8080']}}]}",
        &[(port(8080), NO)],
    );
    check(
        "{to: [{operation: {ports: ['70000']}}]}",
        &[(port(8080), NO)],
    );
    // …and any other rule drops the value, so a DENY widens.
    check_as(
        "{to: [{operation: {ports: ['http', '8080']}}]}",
        Action::Deny,
        &[(port(8080), YES), (port(80), NO)],
    );
    check_as(
        "{to: [{operation: {ports: ['http']}}]}",
        Action::Deny,
        &[(port(80), YES)],
    );
}

/// `principals`: the peer's identity under mTLS, Istio's `*` forms with `spiffe://` in front
/// (matcher/string.go `StringMatcherWithPrefix`); no mTLS, no principal.
#[test]
fn principals() {
    check(
        "{from: [{source: {principals: [cluster.local/ns/a/sa/b, 'cluster.local/ns/c/*', '*/sa/d']}}]}",
        &[
            (peer("spiffe://cluster.local/ns/a/sa/b"), YES),
            (peer("spiffe://cluster.local/ns/a/sa/bb"), NO),
            (peer("spiffe://cluster.local/ns/c/sa/x"), YES),
            (peer("spiffe://other/ns/x/sa/d"), YES),
            (peer("cluster.local/ns/a/sa/b"), NO),
            (Req::default(), NO),
        ],
    );
    check(
        "{from: [{source: {principals: ['*']}}]}",
        &[(peer("spiffe://td/ns/a/sa/b"), YES), (Req::default(), NO)],
    );
    // `notPrincipals` of an absent identity: Not(Or(…)) of nothing matches.
    check(
        "{from: [{source: {notPrincipals: [cluster.local/ns/a/sa/b]}}]}",
        &[
            (peer("spiffe://cluster.local/ns/a/sa/b"), NO),
            (peer("spiffe://cluster.local/ns/a/sa/c"), YES),
            (Req::default(), YES),
        ],
    );
}

/// Trust-domain aliases: a principal naming the old domain matches the new identity
/// (trustdomain/bundle.go `ReplaceTrustDomainAliases`).
#[test]
fn principals_under_trust_domain_aliases() {
    let rule = compile_in(
        "{from: [{source: {principals: [old.local/ns/a/sa/b]}}]}",
        Action::Allow,
        &["new.local", "old.local"],
    );
    assert_eq!(eval(&rule, &peer("spiffe://new.local/ns/a/sa/b")), YES);
    assert_eq!(eval(&rule, &peer("spiffe://old.local/ns/a/sa/b")), YES);
    assert_eq!(eval(&rule, &peer("spiffe://x.local/ns/a/sa/b")), NO);
    let other = compile_in(
        "{when: [{key: source.principal, notValues: [foreign/ns/a/sa/b, old.local/ns/c/sa/d]}]}",
        Action::Allow,
        &["new.local", "old.local"],
    );
    assert_eq!(eval(&other, &peer("spiffe://new.local/ns/c/sa/d")), NO);
    assert_eq!(eval(&other, &peer("spiffe://foreign/ns/a/sa/b")), NO);
    assert_eq!(eval(&other, &peer("spiffe://new.local/ns/a/sa/b")), YES);
    // Without aliases a principal is matched as written.
    let plain = compile_in(
        "{from: [{source: {principals: [old.local/ns/a/sa/b]}}]}",
        Action::Allow,
        &["new.local"],
    );
    assert_eq!(eval(&plain, &peer("spiffe://new.local/ns/a/sa/b")), NO);
}

/// `namespaces`: the `/ns/<namespace>/` part of the peer identity, `*` as a glob
/// (generator.go `srcNamespaceGenerator`).
#[test]
fn namespaces() {
    check(
        "{from: [{source: {namespaces: [monitoring, 'team-*']}}]}",
        &[
            (
                peer("spiffe://cluster.local/ns/monitoring/sa/prometheus"),
                YES,
            ),
            (peer("spiffe://cluster.local/ns/team-a/sa/x"), YES),
            (peer("spiffe://cluster.local/ns/monitoringx/sa/x"), NO),
            (peer("spiffe://cluster.local/ns/a.b/sa/x"), NO),
            (Req::default(), NO),
        ],
    );
    check(
        "{from: [{source: {namespaces: [a.b]}}]}",
        &[
            (peer("spiffe://td/ns/a.b/sa/x"), YES),
            (peer("spiffe://td/ns/aXb/sa/x"), NO),
        ],
    );
    check(
        "{from: [{source: {notNamespaces: [monitoring]}}]}",
        &[
            (peer("spiffe://td/ns/monitoring/sa/x"), NO),
            (Req::default(), YES),
        ],
    );
}

/// `serviceAccounts`: `name` in the policy's namespace or `namespace/name`
/// (generator.go `serviceAccountRegex`).
#[test]
fn service_accounts() {
    check(
        "{from: [{source: {serviceAccounts: [local, other/remote]}}]}",
        &[
            (peer("spiffe://td/ns/ns/sa/local"), YES),
            (peer("spiffe://td/ns/ns/sa/locals"), NO),
            (peer("spiffe://td/ns/other/sa/remote"), YES),
            (peer("spiffe://td/ns/other/sa/local"), NO),
            (Req::default(), NO),
        ],
    );
    check(
        "{when: [{key: source.serviceAccount, values: [other/remote]}]}",
        &[(peer("spiffe://td/ns/other/sa/remote"), YES)],
    );
}

/// `trustDomains` and `source.trustDomain` (generator.go `srcTrustDomainGenerator`).
#[test]
fn trust_domains() {
    check(
        "{from: [{source: {trustDomains: [td.local]}}]}",
        &[
            (peer("spiffe://td.local/ns/a/sa/b"), YES),
            (peer("spiffe://td.localx/ns/a/sa/b"), NO),
            (Req::default(), NO),
        ],
    );
    check(
        "{from: [{source: {trustDomains: ['*']}}]}",
        &[(peer("spiffe://x/ns/a/sa/b"), YES), (Req::default(), NO)],
    );
    check(
        "{when: [{key: source.trustDomain, values: ['*.local']}]}",
        &[
            (peer("spiffe://a.local/ns/a/sa/b"), YES),
            (peer("spiffe://a.other/ns/a/sa/b"), NO),
        ],
    );
}

/// `requestPrincipals`: `<iss>/<sub>` with `*` on either side (generator.go
/// `requestPrincipalGenerator`); `*` is "has a valid token" and `notRequestPrincipals: ["*"]`
/// "has none" (Istio authorization docs).
#[test]
fn request_principals() {
    let tok = token(&json!({}));
    let other_issuer = Req {
        jwt: Some(jwt("https://other", &[], &json!({}))),
        ..Req::default()
    };
    let mut no_subject = token(&json!({}));
    no_subject.jwt.as_mut().unwrap().subject = None;
    check(
        "{from: [{source: {requestPrincipals: ['*']}}]}",
        &[
            (tok.clone(), YES),
            (Req::default(), NO),
            (no_subject.clone(), NO),
        ],
    );
    check(
        "{from: [{source: {notRequestPrincipals: ['*']}}]}",
        &[(tok.clone(), NO), (Req::default(), YES)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['https://iss/*']}}]}",
        &[(tok.clone(), YES), (other_issuer.clone(), NO)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['https://iss/alice', '*/bob']}}]}",
        &[(tok.clone(), YES), (other_issuer.clone(), NO)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['*/alice']}}]}",
        &[(tok.clone(), YES), (other_issuer.clone(), YES)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['*iss/alice', 'https://iss/al*']}}]}",
        &[(tok.clone(), YES), (other_issuer.clone(), NO)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['*ther/alice']}}]}",
        &[(tok.clone(), NO), (other_issuer.clone(), YES)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['https://iss/ali*']}}]}",
        &[(tok.clone(), YES)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['https://iss/bo*']}}]}",
        &[(tok.clone(), NO)],
    );
    // Without `/`: `*x` is any issuer with subject suffix x, `x*` an issuer prefix.
    check(
        "{from: [{source: {requestPrincipals: ['*ice']}}]}",
        &[(tok.clone(), YES), (no_subject.clone(), NO)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['https:*']}}]}",
        &[(tok.clone(), YES), (no_subject.clone(), NO)],
    );
    check(
        "{from: [{source: {requestPrincipals: ['plain']}}]}",
        &[(tok.clone(), NO)],
    );
    check(
        "{when: [{key: request.auth.principal, values: ['https://iss/alice']}]}",
        &[(tok, YES), (other_issuer, NO)],
    );
}

/// `when` on claims: list or string, nested with `[a][b]`, Istio's `*` forms
/// (util.go `MetadataListValueMatcherForJWTClaims`); `notValues` of an absent claim matches
/// (istio-rules.md §7).
#[test]
fn claims() {
    let tok = token(&json!({
        "tenant_id": "operator-a",
        "groups": ["g1", "g2"],
        "scope": "read write",
        "org": {"team": {"id": "t1"}},
        "level": 3,
    }));
    check(
        "{when: [{key: 'request.auth.claims[tenant_id]', values: [operator-a]}]}",
        &[
            (tok.clone(), YES),
            (token(&json!({})), NO),
            (Req::default(), NO),
        ],
    );
    check(
        "{when: [{key: 'request.auth.claims[tenant_id]', notValues: [operator-a]}]}",
        &[
            (tok.clone(), NO),
            (token(&json!({"tenant_id": "zz"})), YES),
            (token(&json!({})), YES),
            (Req::default(), YES),
        ],
    );
    check(
        "{when: [{key: 'request.auth.claims[groups]', values: [g2]}]}",
        &[(tok.clone(), YES)],
    );
    check(
        "{when: [{key: 'request.auth.claims[scope]', values: [write]}]}",
        &[(tok.clone(), YES)],
    );
    check(
        "{when: [{key: 'request.auth.claims[org][team][id]', values: ['t*']}]}",
        &[(tok.clone(), YES)],
    );
    check(
        "{when: [{key: 'request.auth.claims[level]', values: ['3']}]}",
        &[(tok.clone(), NO)],
    );
    check(
        "{when: [{key: 'request.auth.claims[tenant_id]', values: ['*']}]}",
        &[(tok.clone(), YES), (token(&json!({"tenant_id": ""})), NO)],
    );
    check(
        "{when: [{key: request.auth.audiences, values: [aud1]}]}",
        &[(tok.clone(), YES), (Req::default(), NO)],
    );
    check(
        "{when: [{key: request.auth.presenter, values: [client]}]}",
        &[(token(&json!({"azp": "client"})), YES), (tok.clone(), NO)],
    );
    check(
        "{when: [{key: 'request.auth.claims[scope]', values: [read]}]}",
        &[(
            Req {
                split: vec!["other".into()],
                ..tok
            },
            YES,
        )],
    );
}

/// `request.headers[name]`: names without case, `*` a presence match (matcher/header.go); a
/// missing header fails `values` and passes `notValues`.
#[test]
fn headers() {
    check(
        "{when: [{key: 'request.headers[X-Tenant-Id]', values: [a, 'b*', '*c']}]}",
        &[
            (header("x-tenant-id", "a"), YES),
            (header("X-TENANT-ID", "bx"), YES),
            (header("x-tenant-id", "xc"), YES),
            (header("x-tenant-id", "A"), NO),
            (Req::default(), NO),
        ],
    );
    check(
        "{when: [{key: 'request.headers[x-tenant-id]', values: ['*']}]}",
        &[(header("x-tenant-id", ""), YES), (Req::default(), NO)],
    );
    check(
        "{when: [{key: 'request.headers[x-tenant-id]', notValues: [a]}]}",
        &[
            (header("x-tenant-id", "a"), NO),
            (header("x-tenant-id", "b"), YES),
            (Req::default(), YES),
        ],
    );
    // Repeated headers are joined with `,` (the normalization page, "Duplicate headers").
    let twice = Req {
        headers: vec![("x-tenant-id", "a"), ("x-tenant-id", "b")],
        ..Req::default()
    };
    check(
        "{when: [{key: 'request.headers[x-tenant-id]', values: [a]}]}",
        &[(twice.clone(), NO)],
    );
    check(
        "{when: [{key: 'request.headers[x-tenant-id]', values: ['a,b']}]}",
        &[(twice, YES)],
    );
}

#[test]
fn connection_keys() {
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    let from = |source: Option<IpAddr>| Req {
        source_ip: source,
        remote_ip: source,
        ..Req::default()
    };
    check(
        "{from: [{source: {ipBlocks: [10.0.0.0/8, 192.168.1.1]}}]}",
        &[
            (from(ip("10.1.2.3")), YES),
            (from(ip("192.168.1.1")), YES),
            (from(ip("192.168.1.2")), NO),
            (from(ip("::1")), NO),
            (from(None), Tri::Unknown("source.ip")),
        ],
    );
    check(
        "{from: [{source: {remoteIpBlocks: ['2001:db8::/32']}}]}",
        &[
            (from(ip("2001:db8::1")), YES),
            (from(ip("2001:db9::1")), NO),
            (from(None), Tri::Unknown("remote.ip")),
        ],
    );
    check(
        "{from: [{source: {notIpBlocks: [0.0.0.0/0]}}]}",
        &[(from(ip("1.2.3.4")), NO)],
    );
    check(
        "{when: [{key: source.ip, values: [1.2.3.4]}, {key: remote.ip, values: [1.2.3.0/24]}]}",
        &[(from(ip("1.2.3.4")), YES)],
    );
    check(
        "{when: [{key: destination.port, values: ['8080']}]}",
        &[(Req::default(), YES)],
    );
    check(
        "{when: [{key: destination.ip, values: [10.0.0.1]}]}",
        &[(Req::default(), Tri::Unknown("destination.ip"))],
    );
    check(
        "{when: [{key: 'experimental.envoy.filters.a.b[c]', values: [d]}]}",
        &[(Req::default(), Tri::Unknown("experimental.envoy.filters"))],
    );
    let sni = Req {
        sni: Some("api.io"),
        ..Req::default()
    };
    check(
        "{when: [{key: connection.sni, values: ['*.io']}]}",
        &[(sni, YES), (Req::default(), NO)],
    );
    check(
        "{when: [{key: source.namespace, values: [monitoring]}]}",
        &[
            (peer("spiffe://td/ns/monitoring/sa/x"), YES),
            (Req::default(), NO),
        ],
    );
    check(
        "{when: [{key: source.principal, values: [td/ns/a/sa/b]}]}",
        &[(peer("spiffe://td/ns/a/sa/b"), YES)],
    );
}

/// A bad CIDR voids an ALLOW rule and widens any other.
#[test]
fn bad_addresses() {
    let anywhere = Req {
        source_ip: Some("1.1.1.1".parse().unwrap()),
        ..Req::default()
    };
    check(
        "{from: [{source: {ipBlocks: [not-an-ip]}}]}",
        &[(anywhere.clone(), NO)],
    );
    check_as(
        "{from: [{source: {ipBlocks: [10.0.0.0/99]}}]}",
        Action::Deny,
        &[(anywhere, YES)],
    );
}

/// model.go: an unknown `when` key fails the rule's translation, and the builder skips it, for
/// every action; a header key without brackets is an untranslatable value.
#[test]
fn unknown_keys() {
    check_as(
        "{when: [{key: request.unknown, values: [x]}]}",
        Action::Deny,
        &[(Req::default(), NO)],
    );
    check(
        "{when: [{key: 'request.headers', values: [x]}]}",
        &[(header("x", "x"), NO)],
    );
    check_as(
        "{when: [{key: 'request.headers', values: [x]}]}",
        Action::Deny,
        &[(Req::default(), YES)],
    );
    check_as(
        "{when: [{key: 'request.auth.claims', values: [x]}]}",
        Action::Deny,
        &[(Req::default(), YES)],
    );
}

/// Istio "Authorization Policy" concepts: `from`, `to` and `when` are ANDed; entries of one
/// list are ORed; inside one field the values are ORed; `values` and `notValues` of one field
/// are ANDed.
#[test]
fn rule_composition() {
    let rule = "{from: [{source: {principals: [td/ns/a/sa/a]}}, {source: {namespaces: [b]}}], \
                to: [{operation: {methods: [GET]}}, {operation: {paths: [/p]}}], \
                when: [{key: 'request.headers[x]', values: ['1']}]}";
    let mut r = peer("spiffe://td/ns/a/sa/a");
    r.headers = vec![("x", "1")];
    let mut from_b = r.clone();
    from_b.peer = Some("spiffe://td/ns/b/sa/z");
    let mut post_p = r.clone();
    post_p.method = "POST";
    post_p.path = "/p";
    let mut post_q = post_p.clone();
    post_q.path = "/q";
    let mut no_header = r.clone();
    no_header.headers.clear();
    let mut stranger = r.clone();
    stranger.peer = Some("spiffe://td/ns/c/sa/c");
    check(
        rule,
        &[
            (r, YES),
            (from_b, YES),
            (post_p, YES),
            (post_q, NO),
            (no_header, NO),
            (stranger, NO),
        ],
    );
    check(
        "{to: [{operation: {paths: [/a/*], notPaths: [/a/secret]}}]}",
        &[
            (path("/a/x"), YES),
            (path("/a/secret"), NO),
            (path("/b"), NO),
        ],
    );
    // An empty `from: [{}]` entry and an empty `to: [{}]` match anything.
    check("{from: [{}], to: [{}]}", &[(Req::default(), YES)]);
}

#[test]
fn unknown_attributes_propagate_through_the_logic() {
    let unknown = Req::default();
    // No ∧ Unknown is No: the rule cannot match whatever the address.
    check(
        "{from: [{source: {ipBlocks: [1.0.0.0/8]}}], to: [{operation: {paths: [/x]}}]}",
        &[(unknown.clone(), NO)],
    );
    check(
        "{from: [{source: {ipBlocks: [1.0.0.0/8]}}, {source: {namespaces: ['*']}}]}",
        &[
            (peer("spiffe://td/ns/a/sa/b"), YES),
            (unknown.clone(), Tri::Unknown("source.ip")),
        ],
    );
    check(
        "{from: [{source: {notIpBlocks: [1.0.0.0/8]}}]}",
        &[(unknown, Tri::Unknown("source.ip"))],
    );
}

/// A rule is evaluated `when` first and stops at the first `No`, but answers as `from ∧ to ∧
/// when` in that order: a `No` anywhere wins, else the first unknown attribute of `from`, then
/// `to`, then `when`.
#[test]
fn the_order_of_evaluation_does_not_change_the_answer() {
    let unknown = Req::default();
    let mut with_header = unknown.clone();
    with_header.headers = vec![("x", "1")];
    // `from` unknown, `when` unknown: `from`'s attribute is the answer.
    check_as(
        "{from: [{source: {ipBlocks: [1.0.0.0/8]}}], \
          when: [{key: destination.ip, values: [1.2.3.4]}]}",
        Action::Deny,
        &[(unknown.clone(), Tri::Unknown("source.ip"))],
    );
    // `from` unknown, `when` no (or yes).
    check_as(
        "{from: [{source: {ipBlocks: [1.0.0.0/8]}}], \
          when: [{key: 'request.headers[x]', values: ['1']}]}",
        Action::Deny,
        &[
            (unknown.clone(), NO),
            (with_header.clone(), Tri::Unknown("source.ip")),
        ],
    );
    // `when` unknown, `from` no or yes.
    check_as(
        "{from: [{source: {namespaces: [a]}}], when: [{key: remote.ip, values: [1.0.0.0/8]}]}",
        Action::Deny,
        &[
            (unknown.clone(), NO),
            (peer("spiffe://td/ns/a/sa/b"), Tri::Unknown("remote.ip")),
        ],
    );
    // Fields of `when`: the first unknown, unless a later one is no; `to` before `when`.
    check_as(
        "{when: [{key: destination.ip, values: [1.2.3.4]}, {key: remote.ip, values: [1.0.0.0/8]}]}",
        Action::Deny,
        &[(unknown.clone(), Tri::Unknown("destination.ip"))],
    );
    check_as(
        "{when: [{key: destination.ip, values: [1.2.3.4]}, {key: 'request.headers[x]', values: ['1']}]}",
        Action::Deny,
        &[
            (unknown.clone(), NO),
            (with_header, Tri::Unknown("destination.ip")),
        ],
    );
    check_as(
        "{to: [{operation: {paths: [/a]}}], when: [{key: destination.ip, values: [1.2.3.4]}]}",
        Action::Deny,
        &[
            (path("/b"), NO),
            (path("/a"), Tri::Unknown("destination.ip")),
        ],
    );
    // Entries: the first unknown one, unless one matches.
    check_as(
        "{from: [{source: {namespaces: [a]}}, {source: {ipBlocks: [1.0.0.0/8]}}, \
          {source: {remoteIpBlocks: [1.0.0.0/8]}}]}",
        Action::Deny,
        &[
            (unknown.clone(), Tri::Unknown("source.ip")),
            (peer("spiffe://td/ns/a/sa/b"), YES),
        ],
    );
    // Inside a field: an unknown value, or an unknown excluded value.
    check_as(
        "{from: [{source: {namespaces: [a], notIpBlocks: [1.0.0.0/8]}}]}",
        Action::Deny,
        &[
            (unknown.clone(), NO),
            (peer("spiffe://td/ns/a/sa/b"), Tri::Unknown("source.ip")),
        ],
    );
    check_as(
        "{when: [{key: source.ip, values: [1.0.0.0/8], notValues: [1.2.0.0/16]}]}",
        Action::Deny,
        &[(unknown, Tri::Unknown("source.ip"))],
    );
}

#[test]
fn cidrs() {
    let cidr = |t: &str| Cidr::parse(t);
    assert!(cidr("10.0.0.0/8").is_some());
    assert!(cidr("10.0.0.0/33").is_none());
    assert!(cidr("::/129").is_none());
    assert!(cidr("::/128").is_some());
    assert!(cidr("x/8").is_none());
    assert!(cidr("10.0.0.0/x").is_none());
    let all = cidr("0.0.0.0/0").unwrap();
    assert!(all.contains("255.1.2.3".parse().unwrap()));
    let v6all = cidr("::/0").unwrap();
    assert!(v6all.contains("2001::1".parse().unwrap()));
    assert!(!v6all.contains("1.2.3.4".parse().unwrap()));
    let one = cidr("10.1.2.3").unwrap();
    assert!(one.contains("10.1.2.3".parse().unwrap()));
    assert!(!one.contains("10.1.2.4".parse().unwrap()));
    let net = cidr("10.1.0.0/16").unwrap();
    assert!(net.contains("10.1.255.255".parse().unwrap()));
    assert!(!net.contains("10.2.0.0".parse().unwrap()));
}

#[test]
fn claim_brackets() {
    assert_eq!(brackets("[a]"), Some(vec!["a".to_string()]));
    assert_eq!(
        brackets("[a][b]"),
        Some(vec!["a".to_string(), "b".to_string()])
    );
    assert_eq!(brackets("[a.b]"), Some(vec!["a.b".to_string()]));
    assert_eq!(brackets("[a[b]]"), Some(vec!["a[b]".to_string()]));
    assert_eq!(brackets("[a]b[c]"), Some(vec!["a]b[c".to_string()]));
    assert_eq!(brackets("a"), None);
    assert_eq!(brackets("[a"), None);
}

/// The hand-written matcher agrees with generator.go's regex on the forms that matter.
#[test]
fn service_account_forms() {
    let regex = regex::Regex::new("^(?:spiffe://.+/ns/a/(.+/|)sa/b(/.+)?)$").unwrap();
    for uri in [
        "spiffe://td/ns/a/sa/b",
        "spiffe://td/ns/a/sa/bb",
        "spiffe://td/ns/a/sa/b/",
        "spiffe://td/ns/a/sa/b/x",
        "spiffe://td/ns/a/x/sa/b",
        "spiffe://td/ns/a//sa/b",
        "spiffe://td/ns/a/x/y/sa/b/z",
        "spiffe://td/ns/a/sa/c/sa/b",
        "spiffe:///ns/a/sa/b",
        "spiffe://td/ns/a/sb/b",
        "spiffe://td/ns/ab/sa/b",
        "spiffe://x/ns/a/ns/a/sa/b",
        "spiffe://td/ns/a/",
        "td/ns/a/sa/b",
    ] {
        assert_eq!(
            service_account_matches(uri, "/ns/a/", "sa/b"),
            regex.is_match(uri),
            "{uri}"
        );
    }
}

#[test]
fn on_a_tcp_connection_allow_rules_with_http_fields_match_nothing_and_deny_rules_drop_them() {
    let tcp = |r: Req| Req { tcp: true, ..r };
    let sleep = || peer("spiffe://cluster.local/ns/default/sa/sleep");
    // The principal alone: HTTP or not.
    check(
        "{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}",
        &[(tcp(sleep()), Tri::Yes), (sleep(), Tri::Yes)],
    );
    // With an HTTP field, Istio skips the ALLOW rule on a TCP filter chain.
    for rule in [
        "{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}], to: [{operation: {methods: [GET]}}]}",
        "{to: [{operation: {hosts: [api.io]}}]}",
        "{to: [{operation: {notPaths: [/x]}}]}",
        "{when: [{key: 'request.headers[x]', values: [v]}]}",
        "{from: [{source: {requestPrincipals: ['*']}}]}",
    ] {
        check_as(rule, Action::Allow, &[(tcp(sleep()), Tri::No)]);
    }
    // A DENY rule loses its HTTP fields there, and so matches more.
    check_as(
        "{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}], to: [{operation: {methods: [POST], ports: ['8080']}}]}",
        Action::Deny,
        &[(tcp(sleep()), Tri::Yes), (sleep(), Tri::No)],
    );
    check_as(
        "{to: [{operation: {notMethods: [GET]}}]}",
        Action::Deny,
        &[(tcp(Req::default()), Tri::Yes), (Req::default(), Tri::No)],
    );
    check_as(
        "{to: [{operation: {hosts: [other.io], ports: ['9090']}}]}",
        Action::Deny,
        &[(tcp(Req::default()), Tri::No)],
    );
}

/// Each list of a compiled rule is of its exact length, the fields in the order of the spec
/// and an untranslatable value of an ALLOW rule dropped (the rule then matching nothing).
#[test]
fn lists_of_their_exact_length() {
    let rule = compile(
        "{from: [{source: {namespaces: [a], principals: [x/ns/a/sa/b]}}], \
         to: [{operation: {methods: [GET], ports: ['80', 'eighty']}}], \
         when: [{key: source.namespace, values: [v]}, {key: connection.sni, values: [s]}]}",
        Action::Allow,
    );
    let lengths =
        |fields: &[Field]| -> Vec<usize> { fields.iter().map(|f| f.values.len()).collect() };
    assert_eq!(rule.from[0].len(), 2);
    assert_eq!(rule.from[0].capacity(), 2);
    assert_eq!(lengths(&rule.from[0]), [1, 1]);
    assert!(matches!(rule.from[0][0].values[0], Test::Principal(_)));
    assert_eq!(rule.to[0].capacity(), 2);
    assert_eq!(lengths(&rule.to[0]), [1, 1]);
    assert!(matches!(rule.to[0][0].values[0], Test::Port(80)));
    assert!(matches!(rule.to[0][1].values[0], Test::Method(_)));
    assert_eq!(rule.when.len(), 2);
    assert_eq!(rule.when.capacity(), 2);
    assert!(rule.never);
    assert_eq!(present([None, None]).capacity(), 0);
}
