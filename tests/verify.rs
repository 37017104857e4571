//! Verification: every cross-resource rule fires on a hand-broken bundle
//! (`fixtures/verify/rules/`) and on the defects of the legacy YAML it reconstructs
//! (`fixtures/verify/legacy/`), and every schema code on a case checked against made-up CRDs
//! (`fixtures/verify/schema/`); each case is a YAML file or a folder of them, and names the
//! codes it expects on a `# expect = [...]` line. Shipped renders pass every rule, and a render
//! broken after the fact is refused as an internal error. In CI, every CEL rule of Istio's CRDs
//! compiles.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use meshc::istio::{self, Crds, Input, Options, Report, Schemas, World};
use meshc::testing::diagnostic::{Fires, Span};
use meshc::testing::report::{Files, Style, render};
use meshc::testing::selfcheck::SelfCheckFailed;
use meshc::{Code, Diagnostic, Severity};

use crate::support::{assert_severities_allowed, declared_codes, istio_crds, read, root};

/// The YAML files of a case (a file, or a folder of files), in name order.
fn files(case: &Path) -> Vec<PathBuf> {
    if case.is_file() {
        return vec![case.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The entries of a folder, in name order.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

fn cases(folder: &str) -> Vec<PathBuf> {
    entries(&root().join("tests/fixtures/verify").join(folder))
}

/// Diagnostics as `meshc verify` prints them, without colour.
fn human(report: &Report) -> String {
    let files = Files::yaml(&report.sources);
    render(&report.diagnostics, &files, Style::Human { color: false })
}

/// `meshc verify` without CRDs on `paths`, named relative to the repository, in `world`.
fn check(paths: &[PathBuf], world: World) -> Report {
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|path| {
            let name = path.strip_prefix(root()).unwrap_or(path);
            (
                name.to_string_lossy().replace('\\', "/"),
                std::fs::read_to_string(path).unwrap(),
            )
        })
        .collect();
    let inputs: Vec<Input> = files
        .iter()
        .map(|(name, text)| Input { name, text })
        .collect();
    let options = Options {
        world,
        ..Options::new(Schemas::Nothing)
    };
    istio::check(&inputs, options)
}

/// `meshc verify` without CRDs, reduced to the rules across resources and YAML errors (the
/// webhook's rules have fixtures of their own).
fn verify_files(paths: &[PathBuf], world: World) -> Report {
    let mut report = check(paths, world);
    report.diagnostics.retain(|f| f.code != Code::Webhook);
    report
}

/// `meshc verify FOLDER` without CRDs on a copy of `folder` with a link to itself, one to its
/// parent and a FIFO added (the folder walk passes over them); the copy is named as `folder`.
fn walked(folder: &Path) -> (Report, String) {
    let copy = tempfile::tempdir().unwrap();
    let dir = copy.path().join("case");
    std::fs::create_dir(&dir).unwrap();
    for file in files(folder) {
        std::fs::copy(&file, dir.join(file.file_name().unwrap())).unwrap();
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(".", dir.join("self")).unwrap();
        std::os::unix::fs::symlink("..", dir.join("parent")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.join("queue.yaml"))
            .status();
        assert!(fifo.unwrap().success());
    }
    let options = Options {
        webhook: true,
        ..Options::new(Schemas::Nothing)
    };
    let report = istio::check_paths(std::slice::from_ref(&dir), options).unwrap();
    let name = folder.strip_prefix(root()).unwrap().to_string_lossy();
    let human = human(&report).replace(&dir.to_string_lossy().into_owned(), &name);
    (report, human)
}

fn sorted(codes: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut codes: Vec<String> = codes.into_iter().collect();
    codes.sort();
    codes
}

/// The codes a case expects: `# expect = [...]` in the open world (the default), and in the
/// closed world `# expect-closed = [...]` where a file names it (else its `# expect`).
fn expected(files: &[PathBuf], world: World) -> Vec<String> {
    sorted(files.iter().flat_map(|f| {
        let text = std::fs::read_to_string(f).unwrap();
        let closed = declared_codes(&text, "expect-closed").filter(|_| world == World::Closed);
        closed
            .or_else(|| declared_codes(&text, "expect"))
            .unwrap_or_default()
    }))
}

/// A diagnostic without its severity.
fn finding(d: &Diagnostic) -> String {
    let Span::Yaml(at) = &d.primary.span else {
        return format!("{} {}", d.code, d.message);
    };
    let path = at
        .path
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    format!("{}:{} {} {path}: {}", at.file, at.line, d.code, d.message)
}

#[test]
fn rule_and_legacy_fixtures_report_exactly_their_codes() {
    for folder in ["rules", "legacy", "hostile"] {
        for case in cases(folder) {
            let files = files(&case);
            let name = case.file_stem().unwrap().to_string_lossy().into_owned();
            if case.is_dir() && folder == "hostile" {
                if !cfg!(unix) {
                    continue; // links and FIFOs are added with Unix calls
                }
                let (report, human) = walked(&case);
                assert_severities_allowed(&report.diagnostics);
                let found = sorted(report.diagnostics.iter().map(|f| f.code.to_string()));
                assert_eq!(
                    found,
                    expected(&files, World::Open),
                    "codes of {folder}/{name}"
                );
                insta::assert_snapshot!(format!("{folder}__{name}"), human);
                continue;
            }
            let name = case.file_stem().unwrap().to_string_lossy().into_owned();
            let open = verify_files(&files, World::Open);
            let closed = verify_files(&files, World::Closed);
            for (world, report) in [(World::Open, &open), (World::Closed, &closed)] {
                assert_severities_allowed(&report.diagnostics);
                let found = sorted(report.diagnostics.iter().map(|f| f.code.to_string()));
                assert_eq!(
                    found,
                    expected(&files, world),
                    "codes of {folder}/{name} in the {world:?} world"
                );
            }
            // The worlds differ only in what the files cannot show: a closed world finds
            // everything an open one does, and calls an error what the open one notes.
            assert_eq!(closed.count(Severity::Note), 0, "{folder}/{name}");
            for d in &open.diagnostics {
                let twin = closed.diagnostics.iter().find(|c| finding(c) == finding(d));
                let twin = twin.unwrap_or_else(|| {
                    panic!(
                        "{folder}/{name}: not found in a closed world: {}",
                        finding(d)
                    )
                });
                assert!(
                    d.severity == twin.severity
                        || (d.severity == Severity::Note && twin.severity == Severity::Error),
                    "{folder}/{name}: {} is {} in an open world and {} in a closed one",
                    finding(d),
                    d.severity,
                    twin.severity
                );
            }
            insta::assert_snapshot!(format!("{folder}__{name}"), human(&open));
        }
    }
}

/// `schema/<code>.yaml`: one case per schema code, checked against the made-up CRDs of
/// `schema/crds.yaml` as `meshc verify --crds` checks it; each reports exactly its codes.
#[test]
fn schema_fixtures_report_exactly_their_codes() {
    let folder = root().join("tests/fixtures/verify/schema");
    let crds = Crds::load(&[folder.join("crds.yaml")]).unwrap();
    let cases: Vec<PathBuf> = cases("schema")
        .into_iter()
        .filter(|case| !case.ends_with("crds.yaml"))
        .collect();
    assert!(cases.len() >= 8, "the schema cases are missing");
    for case in cases {
        let text = std::fs::read_to_string(&case).unwrap();
        let expected = sorted(declared_codes(&text, "expect").unwrap_or_default());
        assert!(!expected.is_empty(), "{} names no code", case.display());
        let name = case
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let input = [Input {
            name: &name,
            text: &text,
        }];
        let report = istio::check(&input, Options::new(Schemas::Crds(&crds)));
        assert_severities_allowed(&report.diagnostics);
        let found = sorted(report.diagnostics.iter().map(|d| d.code.to_string()));
        assert_eq!(found, expected, "codes of {name}");
        let stem = case.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("schema__{stem}"), human(&report));
    }
}

/// `crd-cost/<case>.yaml`: CRDs whose CEL rules the API server's static cost estimate refuses
/// (`ok-*`: admits), loaded as `meshc verify --crds CASE` loads them; every check against them
/// reports exactly the codes of the case's `# expect` line, on the CRD file.
#[test]
fn crd_cost_fixtures_report_exactly_their_codes() {
    let cases = cases("crd-cost");
    assert!(cases.len() >= 3, "the crd-cost cases are missing");
    for case in cases {
        // Named relative to the repository (tests run there), as the snapshots show them.
        let name = case.strip_prefix(root()).unwrap().to_path_buf();
        let crds = Crds::load(std::slice::from_ref(&name)).unwrap();
        let text = std::fs::read_to_string(&case).unwrap();
        let expected = sorted(declared_codes(&text, "expect").unwrap());
        let report = istio::check(&[], Options::new(Schemas::Crds(&crds)));
        assert_severities_allowed(&report.diagnostics);
        let found = sorted(report.diagnostics.iter().map(|d| d.code.to_string()));
        assert_eq!(found, expected, "codes of {}", name.display());
        assert_eq!(crds.findings().len(), found.len());
        let stem = case.file_stem().unwrap().to_string_lossy().into_owned();
        if !expected.is_empty() {
            insta::assert_snapshot!(format!("crd_cost__{stem}"), human(&report));
        }
    }
}

/// Istio's own CRDs are within the API server's static cost limits, as they are in every
/// cluster that installs them (some rules come close: 9,445,376 units of 10,000,000).
#[test]
fn istio_s_crds_are_within_the_static_cost_limits() {
    let Some(crds) = istio_crds() else { return };
    let findings: Vec<String> = crds.findings().iter().map(|d| d.message.clone()).collect();
    assert!(findings.is_empty(), "{findings:#?}");
}

/// `operator/<case>.yaml`: IstioOperators checked against istioctl's API, with and without
/// CRDs alike; each reports exactly the codes on its `# expect` line, and its diagnostics are
/// pinned by a snapshot.
#[test]
fn operator_fixtures_report_exactly_their_codes() {
    let crds = Crds::load(&[root().join("tests/fixtures/verify/schema/crds.yaml")]).unwrap();
    let cases = cases("operator");
    assert!(cases.len() >= 12, "the operator cases are missing");
    for case in cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let report = check(std::slice::from_ref(&case), World::Closed);
        assert_severities_allowed(&report.diagnostics);
        let found = sorted(report.diagnostics.iter().map(|d| d.code.to_string()));
        assert_eq!(
            found,
            expected(std::slice::from_ref(&case), World::Open),
            "codes of operator/{name}"
        );
        let text = std::fs::read_to_string(&case).unwrap();
        let input = [Input {
            name: "operator.yaml",
            text: &text,
        }];
        let with_crds = istio::check(&input, Options::new(Schemas::Crds(&crds)));
        assert_eq!(
            with_crds.diagnostics.len(),
            report.diagnostics.len(),
            "operator/{name}: CRDs change nothing for an IstioOperator"
        );
        insta::assert_snapshot!(format!("operator__{name}"), human(&report));
    }
}

#[test]
fn shipped_renders_pass_every_rule() {
    for name in ["minimal", "dev", "prod"] {
        let report = verify_files(&files(&root().join("out").join(name)), World::Open);
        assert!(
            report.diagnostics.is_empty(),
            "out/{name}:\n{}",
            human(&report)
        );
    }
}

/// A render that exits 0 has no error in `meshc verify --crds`: every shipped profile's and
/// valid fixture's render, read back as `meshc verify` reads files (no inventory, every rule,
/// the webhook's included), against Istio's CRDs and their CEL rules. Without the shared
/// folder the CRDs are left out, as `meshc verify` without `--crds` does, and the rest holds.
#[test]
fn render_and_verify_with_crds_agree() {
    let mut profiles: Vec<PathBuf> = cases("../../../profiles")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    profiles.extend(
        cases("../valid")
            .into_iter()
            .map(|case| case.join("profile.toml")),
    );
    assert!(profiles.len() > 3);
    let crds = istio_crds();
    for profile in profiles {
        let source = read(&profile, &root()).unwrap();
        let compiled = meshc::compile(&source).unwrap();
        let inputs: Vec<Input> = compiled
            .files
            .iter()
            .map(|file| Input {
                name: &file.name,
                text: &file.content,
            })
            .collect();
        let options = Options {
            webhook: true,
            ..Options::new(crds.map_or(Schemas::Nothing, Schemas::Crds))
        };
        let mut report = istio::check(&inputs, options);
        report.diagnostics.retain(|f| {
            f.severity == Severity::Error
                || (f.code == Code::IstioOperator && f.severity == Severity::Warning)
        });
        assert!(
            report.diagnostics.is_empty(),
            "{}:\n{}",
            profile.display(),
            human(&report)
        );
    }
}

/// A render of the prod profile, changed by `edit` before verification.
fn broken_render(file: &str, edit: impl Fn(&str) -> String) -> Result<(), SelfCheckFailed> {
    let source = read(&root().join("profiles/prod.toml"), &root()).unwrap();
    let checked = meshc::check(&source).unwrap();
    let mut files = meshc::compile(&source).unwrap().files;
    let target = files.iter_mut().find(|f| f.name == file).unwrap();
    let changed = edit(&target.content);
    assert_ne!(
        changed, target.content,
        "the edit of {file} changes nothing"
    );
    target.content = changed;
    meshc::testing::selfcheck::verify(&files, &checked.profile)
}

/// The first document of `text` after the header, `---` included.
fn first_document(text: &str) -> &str {
    let start = text.find("---\n").unwrap();
    let end = text[start + 4..]
        .find("---\n")
        .map_or(text.len(), |e| start + 4 + e);
    &text[start..end]
}

#[test]
fn a_broken_render_is_an_internal_error() {
    type Edit = fn(&str) -> String;
    let cases: &[(&str, &str, Edit)] = &[
        ("yaml-syntax", "gateway.yaml", |t| format!("{t}  oops: [\n")),
        ("schema", "destination-rules.yaml", |t| {
            t.replace("consecutive5xxErrors", "consecutiveErrors")
        }),
        ("version-not-served", "virtual-services.yaml", |t| {
            t.replacen(
                "networking.istio.io/v1\n",
                "networking.istio.io/v1beta1\n",
                1,
            )
        }),
        ("unknown-kind", "telemetry-config.yaml", |t| {
            t.replacen("kind: Telemetry", "kind: Telemetri", 1)
        }),
        ("metadata", "security-policies.yaml", |t| {
            t.replacen("namespace: nephoran-system", "namespace: Nephoran", 1)
        }),
        ("unknown-destination-host", "virtual-services.yaml", |t| {
            t.replacen(
                "host: rag-api.nephoran-system",
                "host: rag-apy.nephoran-system",
                1,
            )
        }),
        ("unknown-subset", "virtual-services.yaml", |t| {
            t.replacen("subset: canary", "subset: canry", 1)
        }),
        (
            "duplicate-destination-rule",
            "destination-rules.yaml",
            |t| {
                let copy = first_document(t)
                    .replace("name: llm-processor\n", "name: llm-processor-copy\n");
                format!("{t}{copy}")
            },
        ),
        ("duplicate-object", "destination-rules.yaml", |t| {
            format!("{t}{}", first_document(t))
        }),
        (
            "conflicting-virtual-service-host",
            "virtual-services.yaml",
            |t| {
                t.replace(
                    "  - nephio-bridge.nephoran-system.svc.cluster.local\n  http:",
                    "  - llm-processor.nephoran-system.svc.cluster.local\n  http:",
                )
            },
        ),
        ("unknown-gateway", "gateway.yaml", |t| {
            t.replace(
                "- istio-system/nephoran-gateway",
                "- istio-system/nephoran-gw",
            )
        }),
        ("gateway-host-mismatch", "gateway.yaml", |t| {
            t.replace(
                "  - intent.nephoran.io\n  gateways:",
                "  - intent.nephoran.org\n  gateways:",
            )
        }),
        ("multiple-default-telemetry", "telemetry-config.yaml", |t| {
            let copy = first_document(t).replace("name: default\n", "name: extra\n");
            format!("{t}{copy}")
        }),
        ("unknown-telemetry-provider", "telemetry-config.yaml", |t| {
            t.replace("- name: jaeger", "- name: jaegr")
        }),
        ("provider-kind-mismatch", "telemetry-config.yaml", |t| {
            t.replace("- name: prometheus", "- name: envoy")
        }),
        (
            "failover-without-outlier-detection",
            "destination-rules.yaml",
            |t| {
                t.replacen(
                "    outlierDetection:\n      consecutive5xxErrors: 5\n      interval: \"30s\"\n      baseEjectionTime: \"30s\"\n      maxEjectionPercent: 50\n",
                "",
                1,
            )
            },
        ),
        (
            "selector-matches-no-workload",
            "security-policies.yaml",
            |t| t.replacen("app: rag-api", "app: rag-apj", 1),
        ),
        ("per-try-exceeds-timeout", "virtual-services.yaml", |t| {
            t.replacen("perTryTimeout: \"20s\"", "perTryTimeout: \"90s\"", 1)
        }),
        ("istio-operator", "istio-service-mesh-config.yaml", |t| {
            t.replacen("      concurrency: 2\n", "      concurrency: \"two\"\n", 1)
        }),
        ("istio-operator", "istio-service-mesh-config.yaml", |t| {
            t.replacen("    enableTracing: true\n", "    enableTraces: true\n", 1)
        }),
        (
            "operator-not-alone",
            "istio-service-mesh-config.yaml",
            |t| format!("{t}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n"),
        ),
    ];
    // The closed world of the render's check finds every error a rule across resources can
    // report, whatever the open world of `meshc verify` lets pass; the codes left out cannot
    // be produced by editing a render that still parses as Istio YAML of known kinds
    // (`cel-cost` is about the CRDs themselves, never the render).
    let not_by_an_edit = [
        "not-an-object",
        "cel-rule",
        "cel-unsupported",
        "cel-cost",
        "webhook",
    ];
    for code in Code::ALL.iter().filter(|c| {
        c.fires() != Fires::Profile
            && c.severities().contains(&Severity::Error)
            && !not_by_an_edit.contains(&c.as_str())
    }) {
        assert!(
            cases.iter().any(|(c, _, _)| *c == code.as_str()),
            "no broken render fires {code}"
        );
    }
    for (code, file, edit) in cases {
        let failed = broken_render(file, edit).expect_err(code);
        assert!(
            failed
                .diagnostics
                .iter()
                .any(|f| f.code.as_str() == *code && f.severity == Severity::Error),
            "{code} expected from the edit of {file}, found:\n{}",
            render(
                &failed.diagnostics,
                &Files::yaml(&failed.sources),
                Style::Human { color: false }
            )
        );
        assert!(
            failed.sources.iter().any(|s| s.name() == *file),
            "the failure keeps the text of {file}"
        );
    }
}

#[test]
fn verify_exits_as_the_readme_says() {
    let meshc = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_meshc"))
            .args(args)
            .current_dir(root())
            .output()
            .unwrap()
    };
    let ok = meshc(&["verify", "out/prod"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let broken = meshc(&["verify", "tests/fixtures/verify/rules/unknown-subset.yaml"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(broken.stdout.is_empty(), "diagnostics go to stderr");
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("error[unknown-subset]"), "{stderr}");
    assert!(
        stderr.contains("--> tests/fixtures/verify/rules/unknown-subset.yaml:21:"),
        "{stderr}"
    );
    assert_eq!(
        meshc(&["verify", "no/such/file.yaml"]).status.code(),
        Some(2)
    );
    let gateway = "tests/fixtures/verify/rules/unknown-gateway.yaml";
    for (world, severity, exit) in [(None, "note", 0), (Some("--closed-world"), "error", 1)] {
        let mut args = vec!["--message-format", "json", "verify", gateway];
        args.extend(world);
        let json = meshc(&args);
        assert_eq!(json.status.code(), Some(exit), "{args:?}");
        let line: serde_json::Value =
            serde_json::from_slice(json.stderr.split(|b| *b == b'\n').next().unwrap()).unwrap();
        assert_eq!(line["code"], "unknown-gateway");
        assert_eq!(line["severity"], severity);
        assert_eq!(line["locations"][0]["line"], 9);
    }
}

/// `meshc verify -` reads standard input, named `<stdin>`, beside files; `-` twice is a usage
/// error.
#[test]
fn verify_reads_standard_input() {
    let run = |args: &[&str], input: &[u8]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_meshc"))
            .args(args)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let subset = std::fs::read("tests/fixtures/verify/rules/unknown-subset.yaml").unwrap();
    let piped = run(&["verify", "-"], &subset);
    assert_eq!(piped.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(stderr.contains("--> <stdin>:21:5"), "{stderr}");
    assert!(
        stderr.contains("3 objects in 1 file: 1 error, 0 warnings, 1 note"),
        "{stderr}"
    );
    // Standard input among files: one bundle, in the order given.
    let service = b"apiVersion: v1\nkind: Service\nmetadata: {name: cart, namespace: shop}\n";
    let bundle = run(
        &[
            "verify",
            "--closed-world",
            "tests/fixtures/verify/rules/unknown-gateway.yaml",
            "-",
        ],
        service,
    );
    let stderr = String::from_utf8_lossy(&bundle.stderr);
    assert!(stderr.contains("error[unknown-gateway]"), "{stderr}");
    assert!(!stderr.contains("unknown-destination-host"), "{stderr}");
    assert!(stderr.contains("in 2 files"), "{stderr}");
    let twice = run(&["verify", "-", "-"], b"");
    assert_eq!(twice.status.code(), Some(2));
    let not_utf8 = run(&["verify", "-"], b"a: caf\xe9\n");
    assert_eq!(not_utf8.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_utf8.stderr).contains("<stdin> is not UTF-8 text"));
}

/// CI only (with `MESHC_SHARED` set): every distinct `x-kubernetes-validations` rule of Istio's
/// CRDs (`istio/crds.gen.yaml` in the shared folder) compiles, so that none is "cannot evaluate".
#[test]
fn every_rule_of_istio_s_crds_compiles() {
    let Some(shared) = std::env::var_os("MESHC_SHARED") else {
        eprintln!("MESHC_SHARED is not set: the CRDs' rules are compiled in CI only");
        return;
    };
    let path = PathBuf::from(shared).join("istio/crds.gen.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut rules = Vec::new();
    for document in serde_norway::Deserializer::from_str(&text) {
        let value: serde_norway::Value = serde::Deserialize::deserialize(document).unwrap();
        collect_rules(&value, &mut rules);
    }
    let uses = rules.len();
    let distinct: BTreeSet<String> = rules.into_iter().collect();
    let refused: Vec<String> = distinct
        .iter()
        .filter_map(|rule| {
            meshc::testing::istio::compile(rule)
                .err()
                .map(|why| format!("{rule}: {why}"))
        })
        .collect();
    eprintln!(
        "{} distinct rules ({uses} uses), {} refused",
        distinct.len(),
        refused.len()
    );
    assert!(distinct.len() >= 30, "too few rules in {}", path.display());
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}

/// The `rule` of every `x-kubernetes-validations` entry under `value`.
fn collect_rules(value: &serde_norway::Value, out: &mut Vec<String>) {
    use serde_norway::Value;
    match value {
        Value::Mapping(map) => {
            for (key, value) in map {
                if key.as_str() != Some("x-kubernetes-validations") {
                    collect_rules(value, out);
                    continue;
                }
                let items = value.as_sequence().map_or(&[][..], Vec::as_slice);
                out.extend(
                    items
                        .iter()
                        .filter_map(|item| item.get("rule").and_then(Value::as_str))
                        .map(str::to_string),
                );
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect_rules(item, out)),
        _ => {}
    }
}
