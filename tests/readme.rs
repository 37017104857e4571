//! The README stays true: its profile reference names every key of the format, and its limits
//! table every limit (the code table is docs/codes/README.md, checked in `codes.rs`).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::root;

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// Every property name anywhere in the schema.
fn keys(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                out.extend(properties.keys().cloned());
            }
            map.values().for_each(|v| keys(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn every_profile_key_is_documented() {
    let schema = serde_json::to_value(meshc::testing::profile::schema()).unwrap();
    let mut all = BTreeSet::new();
    keys(&schema, &mut all);
    assert!(
        all.len() > 100,
        "the schema walk found too few keys: {}",
        all.len()
    );
    // A key counts as documented when it stands in a code span, alone or as part of a path or
    // table such as `[control-plane.proxy]` or `autoscale = { min, max, cpu-percent }`.
    let readme = readme();
    let documented: BTreeSet<&str> = readme
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|span| span.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')))
        .collect();
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !documented.contains(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README's profile reference lacks {missing:?}"
    );
}

#[test]
fn the_two_commands_open_the_readme() {
    let readme = readme();
    let opening: String = readme.lines().take(12).collect::<Vec<_>>().join("\n");
    assert!(opening.contains("cargo run -- render profiles/prod.toml --out out/prod"));
    assert!(opening.contains("cargo test"));
}

/// `4194304` as `4,194,304`.
fn grouped(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn every_limit_is_documented() {
    let readme = readme();
    for (name, value, _) in meshc::testing::limits::ALL {
        let row = format!("| {name} | {} |", grouped(*value));
        assert!(readme.contains(&row), "README's limits table lacks `{row}`");
    }
}

/// The README's `meshc query` example is what meshc prints (up to its `...`).
#[test]
fn the_query_example_is_what_meshc_prints() {
    let readme = readme();
    let start = readme
        .find("$ meshc query profiles/prod.toml")
        .expect("the README shows a query");
    let block = &readme[start..readme[start..].find("```").unwrap() + start];
    let lines: Vec<&str> = block.lines().collect();
    let end = lines.iter().position(|l| !l.ends_with('\\')).unwrap();
    let command = lines[..=end].join(" ").replace(['\\', '\''], " ");
    // Past `$ meshc`; the example quotes no argument that holds a space.
    let args: Vec<&str> = command.split_whitespace().skip(2).collect();
    let rest = &lines[end + 1..];
    let output = crate::support::meshc(&args);
    assert_eq!(output.status.code(), Some(0));
    let printed = crate::support::text(&output.stdout);
    let shown: Vec<&str> = rest
        .iter()
        .copied()
        .take_while(|l| l.trim() != "...")
        .collect();
    let actual: Vec<&str> = printed.lines().collect();
    assert_eq!(&actual[..shown.len()], &shown[..]);
    assert_eq!(actual.last(), rest.last());
}
