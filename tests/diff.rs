//! Semantic diff fixtures: `fixtures/diff/<case>/{old,new}.toml` are compiled and compared,
//! and the report is pinned in each format (text, Markdown, JSON).

use meshc::Source;
use meshc::testing::diff::{self, Resource};

use crate::support::root;

fn resources(path: &std::path::Path, name: &str) -> Vec<Resource> {
    let text = std::fs::read_to_string(path).unwrap();
    let compiled = meshc::compile(&Source::new(name, text))
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    compiled
        .files
        .iter()
        .flat_map(|file| diff::parse(&file.name, &file.content).unwrap())
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

/// Names, keys and values of hostile YAML (ESC, BEL, CR, U+202E) print as visible stand-ins in
/// the text and Markdown formats, so a manifest cannot rewrite the lines of a CI log; JSON
/// escapes them itself.
#[test]
fn control_characters_print_as_stand_ins() {
    let old = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n\
               metadata: {name: \"a\\e[31mred\\u202e\", namespace: shop}\n\
               spec: {hosts: [cart], \"bad\\akey\\r\": 1}\n";
    let new = format!(
        "{}---\napiVersion: v1\nkind: ConfigMap\n\
         metadata: {{name: \"n\\e]0;title\\a\", namespace: shop}}\ndata: {{\"k\\r\": \"v\\e[2J\"}}\n",
        old.replace(": 1}", ": \"\\e[1A\\r2\"}")
    );
    let report = diff::compare(
        "old",
        &diff::parse("old.yaml", old).unwrap(),
        "new",
        &diff::parse("new.yaml", &new).unwrap(),
    )
    .unwrap();
    let text = diff::text(&report, false);
    let markdown = diff::markdown(&report);
    for (format, out) in [("text", &text), ("markdown", &markdown)] {
        let raw: Vec<char> = out
            .chars()
            .filter(|&c| (c.is_control() && c != '\n') || c == '\u{202e}')
            .collect();
        assert!(raw.is_empty(), "{format} prints {raw:?} raw:\n{out}");
    }
    insta::assert_snapshot!("control_characters_text", text);
    insta::assert_snapshot!("control_characters_markdown", markdown);
}
