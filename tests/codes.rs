//! The code registry is complete: every code has its document (`docs/codes/<code>.md`, in the
//! shape `meshc explain-code` prints), a fixture that fires it, and its row in the code table
//! (`docs/codes/README.md`), which the README links to. `docs.rs` runs the documents' examples.

use std::collections::BTreeSet;
use std::path::Path;

use meshc::Code;

use crate::fixtures::{expectations, fixtures};
use crate::support::{declared_codes, root};

/// The headings of every code's document, in order, after `# <code>`.
const HEADINGS: [&str; 3] = ["## Why it matters", "## Example", "## How to fix"];

/// The row the code table must hold for `code`, from the registry.
fn row(code: Code) -> String {
    let severities: Vec<&str> = code.severities().iter().map(|s| s.as_str()).collect();
    format!(
        "| [`{code}`]({code}.md) | {} | {} | {} |",
        code.summary(),
        severities.join(" or "),
        code.fires().as_str()
    )
}

#[test]
fn the_code_table_is_the_registry_row_for_row() {
    let table = std::fs::read_to_string(root().join("docs/codes/README.md")).unwrap();
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| [`")).collect();
    let expected: Vec<String> = Code::ALL.iter().map(|&code| row(code)).collect();
    for (found, want) in rows.iter().zip(&expected) {
        assert_eq!(
            found, want,
            "docs/codes/README.md: a row differs from the registry"
        );
    }
    assert_eq!(
        rows.len(),
        expected.len(),
        "docs/codes/README.md has {} rows for {} codes",
        rows.len(),
        expected.len()
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains("](docs/codes/README.md)"),
        "the README links to the code table"
    );
}

/// What is wrong with the shape of a code's document.
fn shape(code: Code, text: &str) -> Option<String> {
    let mut lines = text.lines();
    if lines.next() != Some(&format!("# {code}")) {
        return Some(format!("does not start with `# {code}`"));
    }
    // Headings outside fenced blocks (a TOML comment in an example is not one).
    let mut fenced = false;
    let mut headings = Vec::new();
    for line in lines {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            headings.push(line);
        }
    }
    (headings != HEADINGS).then(|| format!("has the headings {headings:?}, not {HEADINGS:?}"))
}

#[test]
fn every_code_has_its_document() {
    let folder = root().join("docs/codes");
    let mut problems = Vec::new();
    for &code in Code::ALL {
        let path = folder.join(format!("{code}.md"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            problems.push(format!("{}: missing", path.display()));
            continue;
        };
        if let Some(problem) = shape(code, &text) {
            problems.push(format!("docs/codes/{code}.md {problem}"));
        }
    }
    // No document of a code that is not in the registry.
    for entry in std::fs::read_dir(&folder).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let code = name.strip_suffix(".md").unwrap_or(&name);
        if name != "README.md" && Code::from_name(code).is_none() {
            problems.push(format!(
                "docs/codes/{name} documents no code of the registry"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_document_of_another_shape_is_refused() {
    let good = "# webhook\n\nWhat.\n\n## Why it matters\n\n```toml\n# a comment\n```\n\n\
                ## Example\n\n## How to fix\n";
    assert_eq!(shape(Code::Webhook, good), None);
    assert!(
        shape(Code::Schema, good).is_some(),
        "the title names the code"
    );
    let reordered = good.replace("## Example", "## Examples");
    assert!(shape(Code::Webhook, &reordered).is_some());
    let extra = format!("{good}\n## References\n");
    assert!(shape(Code::Webhook, &extra).is_some());
}

/// The `# expect = [...]` codes of every YAML file under `dir`.
fn yaml_expectations(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        // `hostile/folder-links` links to its own folders: not followed, as meshc does not.
        if entry.file_type().unwrap().is_dir() {
            yaml_expectations(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.extend(declared_codes(&text, "expect").unwrap_or_default());
        }
    }
}

/// Every code is fired by a fixture whose test holds it to exactly its codes: an invalid
/// profile naming it on its first line (`fixtures.rs`), a valid profile expecting it as a
/// warning (`fixtures.rs`), a case of `verify/rules`, `verify/legacy`, `verify/schema`,
/// `verify/crd-cost`, `verify/operator` or `verify/hostile` naming it (`verify.rs`), or, for `webhook`, a case of
/// `webhook/` (`webhook.rs`). The one
/// exception is `internal`, meshc's own failure: no profile may trigger it, and the property
/// tests fail if one does.
#[test]
fn every_code_has_a_fixture() {
    let mut covered = BTreeSet::new();
    for (kind, key) in [("invalid", "expect"), ("valid", "expect-warnings")] {
        for entry in std::fs::read_dir(fixtures().join(kind)).unwrap() {
            let path = entry.unwrap().path().join("profile.toml");
            covered.extend(declared_codes(&expectations(&path), key).unwrap_or_default());
        }
    }
    for folder in [
        "rules", "legacy", "schema", "crd-cost", "operator", "hostile",
    ] {
        yaml_expectations(&fixtures().join("verify").join(folder), &mut covered);
    }
    let webhook = std::fs::read_dir(fixtures().join("webhook"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .any(|text| {
            text.lines()
                .any(|l| l.starts_with("# expect: error ") || l.starts_with("# expect: warning "))
        });
    if webhook {
        covered.insert(Code::Webhook.to_string());
    }
    let unknown: Vec<&String> = covered
        .iter()
        .filter(|name| Code::from_name(name).is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "fixtures expect codes meshc does not have: {unknown:?}"
    );
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|&&code| code != Code::Internal)
        .map(|code| code.as_str())
        .filter(|name| !covered.contains(*name))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}
