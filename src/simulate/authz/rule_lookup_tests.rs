//! A field whose sides are looked up ([`super::super::index::Lookup`]) answers as the scan of
//! every value.

use serde_json::json;

use super::*;
use crate::simulate::testing::Asked;

/// Short texts over an alphabet that makes patterns collide: a case pair (hosts ignore it), a
/// slash, a character of two bytes (char boundaries) and the `*` of Istio's forms.
fn text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    proptest::collection::vec(
        proptest::sample::select(vec!["a", "A", "/", "é", "*", "b"]),
        0..4,
    )
    .prop_map(|parts| parts.concat())
}

/// A test of every kind a field's side may hold, most of them of a subject a look-up indexes.
fn any_test() -> impl proptest::strategy::Strategy<Value = Test> {
    use proptest::prelude::*;
    (0..11u8, text()).prop_map(|(kind, v)| match kind {
        0 => Test::Host(Pattern::header(&v)),
        1 => Test::Method(Pattern::header(&v)),
        2 => Test::Path(Pattern::string(&v)),
        3 => Test::Principal(Pattern::string(&v)),
        4 => Test::Claim(vec!["t".into()].into(), Pattern::string(&v)),
        5 => Test::Claim(vec!["scope".into()].into(), Pattern::string(&v)),
        6 => Test::Header("x".into(), Pattern::header(&v)),
        7 => Test::Sni(Pattern::string(&v)),
        8 => super::path(&format!("/{}{{*}}", v.replace(['{', '}'], ""))).unwrap(),
        9 => Test::Port(if v.is_empty() { 80 } else { 8080 }),
        _ => Test::SourceIp(Cidr::parse("10.0.0.0/8").unwrap()),
    })
}

/// A side of one subject mostly, so that the look-up is built, with tests of other kinds mixed
/// in.
fn side() -> impl proptest::strategy::Strategy<Value = Vec<Test>> {
    use proptest::prelude::*;
    (
        0..7u8,
        proptest::collection::vec(text(), 8..24),
        proptest::collection::vec(any_test(), 0..3),
    )
        .prop_map(|(kind, values, others)| {
            let mut tests: Vec<Test> = values
                .iter()
                .map(|v| match kind {
                    0 => Test::Host(Pattern::header(v)),
                    1 => Test::Method(Pattern::header(v)),
                    2 => Test::Path(Pattern::string(v)),
                    3 => Test::Principal(Pattern::string(v)),
                    4 => Test::Claim(vec!["t".into()].into(), Pattern::string(v)),
                    5 => Test::Header("x".into(), Pattern::header(v)),
                    _ => Test::Sni(Pattern::string(v)),
                })
                .collect();
            for (i, other) in others.into_iter().enumerate() {
                tests.insert((i * 5) % (tests.len() + 1), other);
            }
            tests
        })
}

/// A request's attributes, each drawn from the same alphabet as the patterns.
fn drawn() -> impl proptest::strategy::Strategy<Value = Asked> {
    use proptest::prelude::*;
    let claim = prop_oneof![
        Just(None),
        text().prop_map(|t| Some(json!(t))),
        proptest::collection::vec(text(), 0..3).prop_map(|l| Some(json!(l))),
        Just(Some(json!(7))),
    ];
    let peer = prop_oneof![
        Just(None),
        text().prop_map(|t| Some(format!("spiffe://{t}"))),
        text().prop_map(Some),
    ];
    (
        (text(), text(), text()),
        peer,
        claim,
        proptest::collection::vec(text(), 0..3),
        proptest::option::of(text()),
        any::<bool>(),
    )
        .prop_map(
            |((host, method, path), peer, claim, headers, sni, tcp)| Asked {
                host,
                method,
                path,
                peer,
                claim,
                headers,
                sni,
                tcp,
            },
        )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    /// A field whose sides are looked up answers as the scan of every value does, on any
    /// request: exact values, prefixes and suffixes of each subject, `*` of both matchers,
    /// host case, principals after `spiffe://`, claims of several strings, and tests the
    /// look-up leaves to the scan.
    #[test]
    fn a_looked_up_field_answers_as_the_scan(
        values in side(),
        not in proptest::option::of(side()),
        request in drawn(),
    ) {
        let not = not.unwrap_or_default();
        let looked_up = Field::new(values.clone(), not.clone());
        proptest::prop_assert!(looked_up.values_lookup.is_some());
        let scanned = Field {
            values: values.into(),
            not: not.into(),
            values_lookup: None,
            not_lookup: None,
        };
        request.with(|a| {
            proptest::prop_assert_eq!(looked_up.eval(a), scanned.eval(a));
            Ok(())
        })?;
    }
}

/// The edges the proptest seldom draws: a principal's `*` matches a peer URI of `spiffe://`
/// alone (any non-empty URI), where a claim's `*` does not match an empty string.
#[test]
fn a_star_matches_an_empty_principal_but_not_an_empty_claim() {
    let many = |test: fn(&str) -> Test| -> Vec<Test> {
        let mut tests: Vec<Test> = (0..8).map(|i| test(&format!("v{i}"))).collect();
        tests.push(test("*"));
        tests
    };
    let principal: fn(&str) -> Test = |v| Test::Principal(Pattern::string(v));
    let claim: fn(&str) -> Test = |v| Test::Claim(vec!["t".into()].into(), Pattern::string(v));
    let asked = |peer: Option<&str>, claim: Option<&str>| Asked {
        host: "h".into(),
        method: "GET".into(),
        path: "/".into(),
        peer: peer.map(str::to_string),
        claim: claim.map(|c| json!(c)),
        headers: Vec::new(),
        sni: None,
        tcp: false,
    };
    for (tests, request, expected) in [
        (many(principal), asked(Some("spiffe://"), None), Tri::Yes),
        (many(claim), asked(None, Some("")), Tri::No),
        (many(claim), asked(None, Some("x")), Tri::Yes),
    ] {
        let looked_up = Field::new(tests.clone(), Vec::new());
        assert!(looked_up.values_lookup.is_some());
        let scanned = Field {
            values: tests.into(),
            not: Box::default(),
            values_lookup: None,
            not_lookup: None,
        };
        request.with(|a| {
            assert_eq!(scanned.eval(a), expected, "{request:?}");
            assert_eq!(looked_up.eval(a), expected, "{request:?}");
        });
    }
}
