//! Fixture folders: `fixtures/valid/<case>/profile.toml` must compile, and every file it
//! renders is pinned by a snapshot; `fixtures/invalid/<what-is-wrong>/profile.toml` must fail
//! with exactly the codes its `# expect = [...]` line names, and its diagnostics are pinned.
//! A valid case may name the warnings it expects with `# expect-warnings = [...]`, and the
//! profile strings that must come back verbatim with `# verbatim = [...]`. A case whose file
//! cannot hold a comment (an empty file, binary junk) keeps its `# expect` line in a file
//! `expect` beside it.

use meshc::Failure;
use meshc::Severity;
use meshc::testing::plan::{Plan, Resource, ResourceList};

use crate::support::{assert_severities_allowed, declared_codes, human, plan_snapshot, read, root};

/// The folder of the fixtures.
pub(crate) fn fixtures() -> std::path::PathBuf {
    root().join("tests/fixtures")
}

/// The text that holds a fixture's `# expect` lines: its `expect` file, or the profile itself.
pub(crate) fn expectations(profile: &std::path::Path) -> String {
    let beside = profile.with_file_name("expect");
    let path = if beside.is_file() {
        beside
    } else {
        profile.to_path_buf()
    };
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

#[test]
fn valid_fixtures_compile_and_match_their_snapshots() {
    insta::glob!("fixtures/valid/*/profile.toml", |path| {
        let source = read(path, &fixtures().join("valid")).expect("valid fixtures are UTF-8");
        let expected = declared_codes(source.text(), "expect-warnings").unwrap_or_default();
        let compiled = match meshc::compile(&source) {
            Ok(compiled) => compiled,
            Err(Failure::Invalid(diagnostics)) => panic!(
                "{} must compile but fails:\n{}",
                source.name(),
                human(&source, &diagnostics.sorted())
            ),
            Err(Failure::Internal(error)) => {
                panic!("{}: internal error {error:?}", source.name())
            }
        };
        let warnings: Vec<_> = compiled.warnings.iter().cloned().collect();
        assert_severities_allowed(&warnings);
        let warnings: Vec<String> = compiled
            .warnings
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect();
        assert_eq!(warnings, expected, "warnings of {}", source.name());
        let verbatim = declared_codes(source.text(), "verbatim").unwrap_or_default();
        let found = crate::support::yaml_strings(&compiled.files);
        for text in &verbatim {
            assert!(
                found.contains(text),
                "{}: {text:?} did not come back verbatim",
                source.name()
            );
        }
        if compiled.clusters.is_empty() {
            for file in &compiled.files {
                insta::assert_snapshot!(file.name.as_str(), &file.content);
            }
        }
        // With clusters, every cluster's files, the first primary's among them.
        for cluster in &compiled.clusters {
            for file in cluster.files.iter().chain([&cluster.kustomization]) {
                let name = format!("{}__{}", cluster.name, file.name);
                insta::assert_snapshot!(name.as_str(), &file.content);
            }
        }
    });
}

/// The plan of every valid fixture, pinned apart from the files it renders: a planning change
/// shows up here, a template change only in the rendered files' snapshots. Its ids must each
/// find their own resource, as `explain` looks them up.
#[test]
fn valid_fixtures_plan_matches_its_snapshot() {
    insta::glob!("fixtures/valid/*/profile.toml", |path| {
        let source = read(path, &fixtures().join("valid")).expect("valid fixtures are UTF-8");
        let compiled = meshc::compile(&source)
            .unwrap_or_else(|e| panic!("{} must compile: {e:?}", source.name()));
        insta::assert_snapshot!("plan", plan_snapshot(&compiled.plan));
        every_resource_is_found_by_its_id(&compiled.plan);
    });
}

/// No two resources of a kind share an id, so a lookup by id finds each resource itself.
fn every_resource_is_found_by_its_id(plan: &Plan) {
    fn check<T: Resource>(list: &ResourceList<T>) {
        for resource in list {
            let found = list.get(resource.id());
            assert!(found.is_some_and(|found| std::ptr::eq(found, resource)));
        }
    }
    check(&plan.virtual_services);
    check(&plan.destination_rules);
    check(&plan.security.peer_authentications);
    check(&plan.security.request_authentications);
    check(&plan.security.authorization_policies);
    check(&plan.security.service_entries);
    check(&plan.gateway.gateways);
    check(&plan.gateway.virtual_services);
    check(&plan.gateway.rate_limits);
    check(&plan.telemetry);
}

#[test]
fn invalid_fixtures_fail_with_exactly_their_codes() {
    insta::glob!("fixtures/invalid/*/profile.toml", |path| {
        let (source, diagnostics) = match read(path, &fixtures().join("invalid")) {
            Ok(source) => match meshc::compile(&source) {
                Ok(_) => panic!("{} must fail but compiles", source.name()),
                Err(Failure::Invalid(diagnostics)) => (source, diagnostics.sorted()),
                Err(Failure::Internal(error)) => {
                    panic!("{}: internal error {error:?}", source.name())
                }
            },
            Err(invalid) => *invalid,
        };
        let expected = declared_codes(&expectations(path), "expect")
            .unwrap_or_else(|| panic!("{} has no `# expect = [...]` line", source.name()));
        assert_severities_allowed(&diagnostics);
        let found: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.code.as_str().to_string())
            .collect();
        let mut want = expected.clone();
        want.sort();
        let mut got = found.clone();
        got.sort();
        assert_eq!(got, want, "error codes of {}", source.name());
        insta::assert_snapshot!(human(&source, &diagnostics));
    });
}
