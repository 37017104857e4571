//! The documentation stays true: the README's first profile works as written, the profile
//! reference (docs/profile.md) names every key of the format, and the limits table
//! (docs/robustness.md) every limit (the code table is docs/codes/README.md, checked in
//! `codes.rs`).

use std::collections::BTreeSet;

use serde_json::Value;

fn readme() -> String {
    crate::support::documentation()
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

/// The README's first profile, as a new user follows it: saved as `shop.toml` in an empty
/// folder, it validates and renders, its two queries get the outcomes the README says, and the
/// misspelling it shows is refused with exactly the diagnostic printed there.
#[test]
fn the_first_profile_works_as_written() {
    let readme = std::fs::read_to_string(crate::support::root().join("README.md")).unwrap();
    let section = &readme[readme
        .find("## Your first profile")
        .expect("a first profile")..];
    let block = |fence: &str| {
        let start = section.find(fence).unwrap() + fence.len();
        section[start..start + section[start..].find("```").unwrap()].to_string()
    };
    let profile = block("```toml\n");
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_meshc"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    std::fs::write(dir.path().join("shop.toml"), &profile).unwrap();
    for args in [
        &["validate", "shop.toml"][..],
        &["render", "shop.toml", "--out", "out/shop"],
    ] {
        let output = run(args);
        assert!(output.status.success(), "meshc {args:?}: {output:?}");
    }
    assert!(dir.path().join("out/shop/kustomization.yaml").is_file());
    let commands = block("```sh\nmeshc validate shop.toml");
    let mut queries = 0;
    for (line, outcome) in commands.lines().filter_map(|l| {
        let (command, comment) = l.split_once('#')?;
        let outcome = if comment.contains("denied") {
            "outcome: denied"
        } else if comment.contains("allowed") {
            "outcome: allowed"
        } else {
            return None;
        };
        Some((command.trim().to_string(), outcome))
    }) {
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        let output = run(&args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains(outcome), "`{line}` prints\n{stdout}");
        queries += 1;
    }
    assert_eq!(
        queries, 2,
        "the README shows one allowed and one denied query"
    );
    let mistake = block("```text\n$ meshc validate shop.toml\n");
    let misspelt = mistake
        .lines()
        .find_map(|l| l.split_once(" | ").map(|(_, source)| source.to_string()))
        .unwrap();
    let (key, _) = misspelt.split_once(" = ").unwrap();
    let fixed = profile
        .lines()
        .find(|l| l.starts_with(&format!("{key} = ")) && l.len() == misspelt.len() + 1)
        .unwrap();
    std::fs::write(
        dir.path().join("shop.toml"),
        profile.replacen(fixed, &misspelt, 1),
    )
    .unwrap();
    let output = run(&["validate", "shop.toml"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stderr), mistake);
}
