//! Semantic diff fixtures: `fixtures/diff/<case>/{old,new}.toml` are compiled and compared,
//! and the report is pinned in each format (text, Markdown, JSON).

use meshc::Source;
use meshc::testing::diff::{self, Access, Kind, Resource, Side};

use crate::support::root;

/// A profile's resources, and its simulation for the behaviour diff.
fn side(path: &std::path::Path, name: &str) -> (Vec<Resource>, Side) {
    let text = std::fs::read_to_string(path).unwrap();
    let source = Source::new(name, text);
    let simulated = meshc::testing::pipeline::compile_simulated(&source)
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let resources = simulated
        .compiled
        .files
        .iter()
        .flat_map(|file| diff::parse(&file.name, &file.content).unwrap())
        .collect();
    (resources, Side::new(simulated.profile, simulated.mesh))
}

#[test]
fn diff_fixtures_match_their_snapshots() {
    insta::glob!("fixtures/diff/*/new.toml", |new| {
        let (old, old_side) = side(&new.with_file_name("old.toml"), "old.toml");
        let unchanged = new.parent().unwrap().ends_with("unchanged");
        let (new, new_side) = side(new, "new.toml");
        let mut report = diff::compare("old.toml", &old, "new.toml", &new).unwrap();
        report.behaviour = Some(old_side.answer(new_side.profile()).compare(&new_side));
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

fn behaviour_of(case: &str) -> diff::Behaviour {
    let dir = root().join("tests/fixtures/diff").join(case);
    let (old, old_side) = side(&dir.join("old.toml"), "old.toml");
    let (new, new_side) = side(&dir.join("new.toml"), "new.toml");
    let mut report = diff::compare("old.toml", &old, "new.toml", &new).unwrap();
    report.behaviour = Some(old_side.answer(new_side.profile()).compare(&new_side));
    report.behaviour.unwrap()
}

/// A canary's new weight moves requests between subsets and lets no one more or less in.
#[test]
fn a_canary_weight_changes_routes_not_access() {
    let behaviour = behaviour_of("canary-weight");
    assert!(!behaviour.changes.is_empty());
    assert!(
        behaviour
            .changes
            .iter()
            .any(|c| c.new.access == Access::Allow)
    );
    for change in &behaviour.changes {
        assert_eq!(change.kind, Kind::Route, "{change}");
        assert_eq!(change.old.access, change.new.access, "{change}");
        assert_eq!(
            change.new.route(),
            "30 % cart/canary, 70 % cart/stable",
            "{change}"
        );
    }
}

/// A caller taken out of a service's list loses exactly its access: its declared request is
/// refused now (no ALLOW matches, so the namespace's allow-nothing decides), and the remaining
/// caller's still gets in.
#[test]
fn removing_a_caller_changes_access() {
    let behaviour = behaviour_of("caller-removed");
    let lines: Vec<String> = behaviour.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "storefront GET /cart/x → cart: allow → deny (403 by AuthorizationPolicy shop/allow-nothing)"
        ],
        "{}",
        lines.join("\n")
    );
    assert!(behaviour.changes.iter().all(|c| c.kind == Kind::Access));
    assert!(behaviour.requests > 10, "{}", behaviour.requests);
}

/// The unchanged pair sends its requests and finds no change; the report still says how many.
#[test]
fn an_unchanged_profile_changes_no_request() {
    let behaviour = behaviour_of("unchanged");
    assert!(behaviour.requests > 0);
    assert!(behaviour.changes.is_empty());
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
