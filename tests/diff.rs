//! Semantic diff fixtures: `fixtures/diff/<case>/{old,new}.toml` are compiled and compared,
//! and the report is pinned in each format (text, Markdown, JSON).

use meshc::diff::{self, Resource};
use meshc::source::Source;

use crate::support::root;

fn resources(path: &std::path::Path, name: &str) -> Vec<Resource> {
    let text = std::fs::read_to_string(path).unwrap();
    let compiled = meshc::compile(&Source::new(name, text))
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    compiled
        .files
        .iter()
        .flat_map(|file| diff::parse(file.name, &file.content).unwrap())
        .collect()
}

#[test]
fn diff_fixtures_match_their_snapshots() {
    insta::glob!("fixtures/diff/*/new.toml", |new| {
        let old = new.with_file_name("old.toml");
        let report = diff::compare(
            "old.toml",
            &resources(&old, "old.toml"),
            "new.toml",
            &resources(new, "new.toml"),
        )
        .unwrap();
        let unchanged = new.parent().unwrap().ends_with("unchanged");
        assert_eq!(
            report.resources.is_empty(),
            unchanged,
            "only the `unchanged` case has no difference"
        );
        insta::assert_snapshot!("text", diff::text(&report, false));
        insta::assert_snapshot!("markdown", diff::markdown(&report));
        insta::assert_snapshot!("json", diff::json(&report));
    });
    assert!(root().join("tests/fixtures/diff/unchanged").is_dir());
}
