//! The code registry is complete: every code has its row in the code table
//! (`docs/codes/README.md`), which the README links to.

use meshc::diagnostic::Code;

use crate::support::root;

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
