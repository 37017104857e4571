//! The look-ups answer as the scans they replace, and a tenant guard's request tries the rules
//! of its own tenant only.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::istio::document::read;
use crate::simulate::authz::{Policy, Tri};
use crate::simulate::context::{Headers, Payload, Sni};
use crate::simulate::decode::decode;
use crate::simulate::testing::{Asked, jwt};

fn policy(rules: &[String]) -> Policy {
    let text = format!(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n\
         metadata: {{name: p, namespace: ns}}\nspec:\n  action: DENY\n  rules: [{}]\n",
        rules.join(", ")
    );
    let (documents, error) = read("t.yaml", &text, &"default".into());
    assert!(error.is_none(), "{error:?}");
    let decoded = decode(&documents).unwrap();
    Policy::compile(&decoded.authorization_policies[0], &["td".to_string()])
}

const VALUES: [&str; 5] = ["a", "b", "c", "A", "a b"];

fn value() -> impl Strategy<Value = String> {
    proptest::sample::select(VALUES.to_vec()).prop_map(str::to_string)
}

fn quoted(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// A rule of the shapes a tenant guard and its neighbours have: keyed by the claim or the
/// header (one value or several), or by nothing (a `*`, `notValues` only, a path, a token, a
/// peer, an unknown attribute).
fn rule() -> impl Strategy<Value = String> {
    let values = || proptest::collection::vec(value(), 1..3);
    prop_oneof![
        4 => (values(), proptest::option::of(values())).prop_map(|(v, not)| {
            let not = not.map_or(String::new(), |n| format!(", notValues: {}", quoted(&n)));
            format!("{{when: [{{key: 'request.auth.claims[t]', values: {}{not}}}]}}", quoted(&v))
        }),
        2 => (values(), value()).prop_map(|(v, p)| format!(
            "{{to: [{{operation: {{notPaths: [/{p}]}}}}], \
              when: [{{key: 'request.headers[x]', values: {}}}]}}",
            quoted(&v)
        )),
        1 => values().prop_map(|n| format!(
            "{{when: [{{key: 'request.auth.claims[t]', values: ['*'], notValues: {}}}]}}",
            quoted(&n)
        )),
        1 => value().prop_map(|p| format!("{{to: [{{operation: {{paths: ['/{p}*']}}}}]}}")),
        1 => Just("{from: [{source: {requestPrincipals: ['*']}}]}".to_string()),
        1 => value().prop_map(|n| format!("{{from: [{{source: {{namespaces: [{n:?}]}}}}]}}")),
        1 => Just("{from: [{source: {ipBlocks: [10.0.0.0/8]}}]}".to_string()),
        1 => values().prop_map(|v| format!(
            "{{from: [{{source: {{ipBlocks: [10.0.0.0/8]}}}}], \
              when: [{{key: 'request.auth.claims[t]', values: {}}}]}}",
            quoted(&v)
        )),
    ]
}

/// A request with a claim (none, a string or a list), a header `x`, a path and a peer.
fn ask() -> impl Strategy<Value = Asked> {
    let claim = prop_oneof![
        Just(None),
        value().prop_map(|v| Some(json!(v))),
        proptest::collection::vec(value(), 0..3).prop_map(|l| Some(json!(l))),
    ];
    let peer = proptest::option::of(value().prop_map(|n| format!("spiffe://td/ns/{n}/sa/s")));
    (
        claim,
        proptest::option::of(value()),
        value(),
        peer,
        any::<bool>(),
    )
        .prop_map(|(claim, header, path, peer, tcp)| Asked {
            host: "h".to_string(),
            method: "GET".to_string(),
            path: format!("/{path}"),
            peer,
            claim,
            headers: header.into_iter().collect(),
            sni: None,
            tcp,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A policy that finds its rules by the request's claim or header gives the first match
    /// (or first unknown) that trying every rule in order gives.
    #[test]
    fn the_rules_found_by_value_give_the_first_match_of_all(
        rules in proptest::collection::vec(rule(), 8..40),
        asks in proptest::collection::vec(ask(), 1..8),
    ) {
        let policy = policy(&rules);
        for ask in &asks {
            ask.with(|a| {
                let all = policy.first_of(0..policy.rules.len(), a);
                prop_assert_eq!(policy.first_match(a), all, "{:?}", ask);
                Ok(())
            })?;
        }
    }
}

/// The shape of a rendered tenant guard (`meshc render` of many tenants on one service): three
/// rules over every tenant's id, then two per tenant keyed by its claim. A request of one
/// tenant tries the three and its own two, whatever the number of tenants, and each list of
/// every tenant is one look-up.
#[test]
fn a_tenant_request_tries_its_own_rules_only() {
    let tenants: Vec<String> = (0..1000).map(|i| format!("t{i}")).collect();
    let all = quoted(&tenants);
    let mut rules = vec![
        format!(
            "{{to: [{{operation: {{ports: ['8080']}}}}], \
              when: [{{key: 'request.auth.claims[tenant_id]', values: ['*'], notValues: {all}}}]}}"
        ),
        format!(
            "{{to: [{{operation: {{ports: ['8080']}}}}], \
              when: [{{key: 'request.headers[x-tenant-id]', values: ['*']}}, \
                     {{key: 'request.auth.claims[tenant_id]', notValues: {all}}}]}}"
        ),
    ];
    for t in &tenants {
        rules.push(format!(
            "{{to: [{{operation: {{ports: ['8080'], notPaths: [/{t}, '/{t}/*']}}}}], \
              when: [{{key: 'request.auth.claims[tenant_id]', values: [{t}]}}]}}"
        ));
        rules.push(format!(
            "{{to: [{{operation: {{ports: ['8080']}}}}], \
              when: [{{key: 'request.auth.claims[tenant_id]', values: [{t}]}}, \
                     {{key: 'request.headers[x-tenant-id]', values: ['*'], notValues: [{t}]}}]}}"
        ));
    }
    let policy = policy(&rules);
    let index = policy.index.as_deref().expect("the guard is indexed");
    assert_eq!(
        index.subject,
        Subject::Claim(vec!["tenant_id".into()].into())
    );
    let tried = |t: Option<&str>| {
        let token = t.map(|t| jwt("https://iss", &["aud1"], &json!({ "tenant_id": t })));
        let headers = Headers::default();
        let a = Attributes {
            host: "h",
            method: "GET",
            path: "/t17/x",
            port: 8080,
            headers: &headers,
            peer: None,
            jwt: token.as_ref().map(|jwt| Payload { jwt, split: &[] }),
            source_ip: None,
            remote_ip: None,
            sni: Sni::None,
            tcp: false,
        };
        (index.candidates(&a).into_owned(), policy.first_match(&a))
    };
    // Tenant 17's two rules are 36 and 37; its own path below `/t17` matches neither.
    assert_eq!(tried(Some("t17")), (vec![0, 1, 36, 37], None));
    // Another tenant on tenant 17's path: its own first rule refuses.
    assert_eq!(
        tried(Some("t5")),
        (vec![0, 1, 12, 13], Some((12, Tri::Yes)))
    );
    // An undeclared tenant: only the rules over every tenant, the first of which refuses.
    assert_eq!(tried(Some("nobody")), (vec![0, 1], Some((0, Tri::Yes))));
    // No token: the rules over every tenant (which `needs_token` keeps, a `notValues` beside
    // the claim), and none of them matches.
    assert_eq!(tried(None), (vec![0, 1], None));
    let lists = &policy.rules[0].when[0];
    let lookup = lists
        .not_lookup
        .as_deref()
        .expect("every tenant's id, looked up");
    assert!(lookup.rest.is_empty());
    assert_eq!(lookup.exact.len(), 1000);
}
