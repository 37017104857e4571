//! `meshc verify` on Istio YAML in the shapes real repositories commit it
//! (`fixtures/verify/real/<case>/`): objects without a namespace, references split across
//! files and folders, Kustomize bases and overlays, a Helm-rendered stream, CRLF line ends,
//! comments between documents, one IstioOperator per cluster. Each case is a folder, run as a
//! user runs it (`meshc verify <folder>`, in both worlds); its files name the codes they expect
//! (`# expect`, `# expect-closed`), and the open world's output is pinned by a snapshot.

use std::path::{Path, PathBuf};

use meshc::{Code, Severity};

use crate::support::{declared_codes, meshc, root};

/// The YAML files below `dir`, in name order.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// The codes a case expects in a world: every file's `# expect-closed` (closed, where given)
/// or `# expect`. A file that names none is a mistake in the corpus.
fn expected(case: &Path, closed: bool) -> Vec<String> {
    let mut files = Vec::new();
    yaml_files(case, &mut files);
    let mut codes: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let open = declared_codes(&text, "expect")
                .unwrap_or_else(|| panic!("{} names no `# expect`", file.display()));
            declared_codes(&text, "expect-closed")
                .filter(|_| closed)
                .unwrap_or(open)
        })
        .collect();
    codes.sort();
    codes
}

/// The codes `meshc verify` reports on `args`, and its exit status.
fn verify(args: &[&str]) -> (Vec<String>, Option<i32>) {
    let mut all = vec!["--message-format", "json", "verify"];
    all.extend(args);
    let output = meshc(&all);
    let mut codes: Vec<String> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|record| record["type"] == "diagnostic")
        .map(|record| record["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    (codes, output.status.code())
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/verify/real"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn real_repository_shapes_verify_as_their_files_say() {
    let cases = cases();
    assert!(cases.len() >= 7, "the real-repository cases are missing");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let path = format!("tests/fixtures/verify/real/{name}");
        for closed in [false, true] {
            let mut args = vec![path.as_str()];
            args.extend(closed.then_some("--closed-world"));
            let (found, exit) = verify(&args);
            let expected = expected(&case, closed);
            assert_eq!(
                found, expected,
                "codes of real/{name}, closed world: {closed}"
            );
            let errors = found
                .iter()
                .any(|code| Code::from_name(code).is_some_and(|c| c.severity() == Severity::Error));
            assert_eq!(
                exit,
                Some(i32::from(errors)),
                "exit of real/{name}, closed: {closed}"
            );
        }
        let output = meshc(&["verify", &path]);
        insta::assert_snapshot!(
            format!("real__{name}"),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The bookinfo-style set (namespace-less, split across files) verifies clean in whatever
/// namespace it is applied to.
#[test]
fn a_namespace_less_split_application_is_clean_in_any_namespace() {
    for namespace in ["default", "shop"] {
        let (found, exit) = verify(&["-n", namespace, "tests/fixtures/verify/real/bookshop"]);
        assert_eq!((found, exit), (Vec::new(), Some(0)), "in {namespace}");
    }
}

/// A file whose DestinationRule and Gateway live in sibling folders: given alone, what it
/// cannot show is a note (exit 0), and an error in a closed world.
#[test]
fn references_into_files_not_given_are_notes() {
    let routes = "tests/fixtures/verify/real/split-references/routes";
    let (alone, exit) = verify(&[routes]);
    assert_eq!(exit, Some(0));
    assert_eq!(
        alone,
        [
            "unknown-gateway",
            "unknown-subset",
            "unknown-subset",
            "unknown-subset"
        ]
    );
    let (closed, exit) = verify(&["--closed-world", routes]);
    assert_eq!(exit, Some(1));
    assert!(
        closed.contains(&"unknown-gateway".to_string()),
        "{closed:?}"
    );
}

/// The corpus keeps the byte shapes it is about: a CRLF file (which an editor or a Git
/// setting could silently normalise) and a Helm stream with an empty template.
#[test]
fn the_corpus_keeps_its_shapes() {
    let real = root().join("tests/fixtures/verify/real");
    let crlf = std::fs::read(real.join("crlf/mesh-defaults.yaml")).unwrap();
    let lines = crlf.split(|b| *b == b'\n').count();
    let crlfs = crlf.windows(2).filter(|w| w == b"\r\n").count();
    assert!(
        crlfs > 20 && crlfs + 1 == lines,
        "every line of the CRLF case ends in CR LF"
    );
    let helm = std::fs::read_to_string(real.join("helm-stream/rendered.yaml")).unwrap();
    assert!(helm.contains("# Source: orders/templates/hpa.yaml\n---\n"));
    let (found, exit) = verify(&["tests/fixtures/verify/real/kustomize"]);
    assert_eq!((found, exit), (Vec::new(), Some(0)));
    let summary = meshc(&[
        "--message-format",
        "json",
        "verify",
        "tests/fixtures/verify/real/kustomize",
    ]);
    let last = String::from_utf8_lossy(&summary.stderr)
        .lines()
        .last()
        .map(str::to_string)
        .unwrap();
    let summary: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(summary["patches"], 2, "both overlay patches are left out");
    assert_eq!(
        summary["without_namespace"], 3,
        "the base's objects take the default namespace; the platform's take its kustomization's"
    );
}
