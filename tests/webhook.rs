//! The webhook rules (`meshc::istio::webhook`): every fixture in `fixtures/webhook/` gives
//! exactly the findings its header names, and, in CI (with `MESHC_SHARED` pointing at the
//! shared folder), the rules agree with Istio's checker on every document it knows.
//!
//! A fixture is one YAML document named `<kind>-<rule>.yaml`, opened by comment lines:
//! `# expect: <error|warning> <path>: <part of the message>` for each finding, or
//! `# expect: nothing`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use meshc::Severity;
use meshc::testing::istio::webhook::{self, WebhookFinding, referee_path};

use crate::support::{read, root, shipped_profiles};

/// YAML as kubectl reads it into JSON: keys become strings (`8080:` is `"8080"`).
fn to_json(value: &serde_norway::Value) -> serde_json::Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => serde_json::Value::Null,
        Y::Bool(b) => serde_json::Value::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                serde_json::Number::from_f64(n.as_f64().unwrap_or(0.0))
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Y::String(s) => serde_json::Value::String(s.clone()),
        Y::Sequence(items) => items.iter().map(to_json).collect(),
        Y::Mapping(map) => map
            .iter()
            .map(|(k, v)| {
                let key = match k {
                    Y::String(s) => s.clone(),
                    other => serde_norway::to_string(other).unwrap().trim().to_string(),
                };
                (key, to_json(v))
            })
            .collect(),
        Y::Tagged(tagged) => to_json(&tagged.value),
    }
}

/// The documents of a YAML file, by index (empty documents keep their place).
fn documents(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|document| {
            let value: serde_norway::Value = serde::Deserialize::deserialize(document)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            to_json(&value)
        })
        .collect()
}

fn show(findings: &[WebhookFinding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "  {} {}: {}\n",
                f.severity.as_str(),
                referee_path(&f.path),
                f.message
            )
        })
        .collect()
}

fn fixture_paths() -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures/webhook");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn fixtures_give_exactly_their_findings() {
    let paths = fixture_paths();
    assert!(paths.len() >= 60, "the webhook fixtures are missing");
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let expected: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(!expected.is_empty(), "{name} names no expectation");
        let docs = documents(path);
        assert_eq!(docs.len(), 1, "{name} must hold one document");
        let findings = webhook::check(&docs[0]);
        let mut unmatched: Vec<&WebhookFinding> = findings.iter().collect();
        for line in expected.iter().filter(|l| **l != "nothing") {
            let (head, part) = line.split_once(": ").unwrap_or((line, ""));
            let (level, at) = head.split_once(' ').unwrap_or((head, ""));
            let found = unmatched.iter().position(|f| {
                f.severity.as_str() == level
                    && referee_path(&f.path) == at
                    && f.message.contains(part)
            });
            match found {
                Some(i) => {
                    unmatched.remove(i);
                }
                None => failures.push(format!(
                    "{name}: missing `{line}`; found:\n{}",
                    show(&findings)
                )),
            }
        }
        if !unmatched.is_empty() {
            let extra: Vec<WebhookFinding> = unmatched.into_iter().cloned().collect();
            failures.push(format!("{name}: unexpected findings:\n{}", show(&extra)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every place in `value`, as a list of keys and indexes.
fn places(
    value: &serde_json::Value,
    here: &mut Vec<serde_json::Value>,
    out: &mut Vec<Vec<serde_json::Value>>,
) {
    out.push(here.clone());
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                here.push(key.clone().into());
                places(item, here, out);
                here.pop();
            }
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                here.push(index.into());
                places(item, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at_place<'a>(
    value: &'a mut serde_json::Value,
    place: &[serde_json::Value],
) -> &'a mut serde_json::Value {
    place.iter().fold(value, |node, step| match step {
        serde_json::Value::String(key) => &mut node[key.as_str()],
        other => &mut node[usize::try_from(other.as_u64().unwrap()).unwrap()],
    })
}

#[test]
fn odd_values_anywhere_never_panic() {
    let odd = [
        serde_json::json!(null),
        serde_json::json!(true),
        serde_json::json!(-9_223_372_036_854_775_807_i64),
        serde_json::json!(18_446_744_073_709_551_615_u64),
        serde_json::json!(1.5e300),
        serde_json::json!(""),
        serde_json::json!("%é\\u{0}*/[]{"),
        serde_json::json!([]),
        serde_json::json!([null, 1, "x"]),
        serde_json::json!({}),
        serde_json::json!({"": null, "x.y/z": [{}]}),
    ];
    let mut checked = 0;
    for path in fixture_paths() {
        let document = documents(&path).remove(0);
        let mut all = Vec::new();
        places(&document["spec"], &mut Vec::new(), &mut all);
        for place in all {
            for value in &odd {
                let mut mutant = document.clone();
                *at_place(&mut mutant["spec"], &place) = value.clone();
                let _ = webhook::check(&mutant);
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "only {checked} mutants");
}

const KINDS: [&str; 9] = [
    "VirtualService",
    "DestinationRule",
    "Gateway",
    "ServiceEntry",
    "PeerAuthentication",
    "AuthorizationPolicy",
    "RequestAuthentication",
    "Telemetry",
    "EnvoyFilter",
];

/// What the referee says of one document: the paths of its schema errors, and whether its
/// webhook reports an error or a warning.
#[derive(Default)]
struct Verdict {
    schema_error_paths: BTreeSet<String>,
    webhook_error: bool,
    webhook_warning: bool,
}

/// Runs the referee on `paths` and reads its findings, by (file, document index).
fn referee(shared: &Path, paths: &[PathBuf]) -> BTreeMap<(String, usize), Verdict> {
    let output = Command::new(shared.join("istio/check"))
        .args(paths)
        .output()
        .expect("../shared/istio/check runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut verdicts: BTreeMap<(String, usize), Verdict> = BTreeMap::new();
    for line in stdout.lines() {
        let parts: Vec<&str> = line.splitn(5, ": ").collect();
        let [place, _object, at, level, message] = parts[..] else {
            continue;
        };
        let Some((file, index)) = place.rsplit_once(':') else {
            continue;
        };
        let Ok(index) = index.parse::<usize>() else {
            continue;
        };
        let verdict = verdicts.entry((file.to_string(), index)).or_default();
        match (level, message.starts_with("webhook: ")) {
            ("error", true) => verdict.webhook_error = true,
            ("warning", true) => verdict.webhook_warning = true,
            ("error", false) => {
                verdict.schema_error_paths.insert(at.to_string());
            }
            _ => {}
        }
    }
    verdicts
}

/// The shipped profiles and the valid fixture profiles rendered into `dir`, one folder each.
fn render_shipped(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut profiles = shipped_profiles();
    if let Ok(valid) = std::fs::read_dir(root().join("tests/fixtures/valid")) {
        profiles.extend(valid.map(|e| e.unwrap().path().join("profile.toml")));
    }
    profiles.sort();
    for profile in profiles {
        let relative = profile.strip_prefix(root()).unwrap_or(&profile);
        let name = relative
            .with_extension("")
            .to_string_lossy()
            .replace('/', "-");
        let source = read(&profile, &root()).unwrap();
        let compiled = meshc::compile(&source).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let out = dir.join(&name);
        std::fs::create_dir_all(&out).unwrap();
        for file in &compiled.files {
            let path = out.join(&file.name);
            std::fs::write(&path, &file.content).unwrap();
            files.push(path);
        }
    }
    files
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    paths.sort();
    paths
}

/// CI only: on the referee's self-test fixtures, the legacy hand-written YAML, meshc's shipped
/// renders and this project's webhook fixtures, meshc's webhook rules and `../shared/istio/check` agree on whether each
/// document of the nine kinds has a webhook error, and on whether it has a webhook warning. A
/// finding of meshc's at a path where the referee reports a schema error is left out, as the
/// referee leaves out its own ("one mistake, one line").
#[test]
fn webhook_agrees_with_the_referee() {
    let Some(shared) = std::env::var_os("MESHC_SHARED") else {
        eprintln!("MESHC_SHARED is not set: the agreement check runs in CI only");
        return;
    };
    let shared = PathBuf::from(shared);
    let renders = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for folder in ["valid", "invalid"] {
        paths.extend(yaml_files(&shared.join("istio/selftest").join(folder)));
    }
    paths.extend(yaml_files(&shared.join("legacy")));
    paths.extend(render_shipped(renders.path()));
    paths.extend(fixture_paths());
    // A folder of more documents to compare, such as mutated fixtures when hunting differences.
    if let Some(extra) = std::env::var_os("MESHC_WEBHOOK_EXTRA") {
        paths.extend(yaml_files(Path::new(&extra)));
    }
    let verdicts = referee(&shared, &paths);
    let mut disagreements = Vec::new();
    let mut compared = 0;
    let (mut errors, mut warnings) = (0, 0);
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        // Files the referee cannot read as YAML are its own business (its exit 2 cases).
        let parsed: Result<Vec<serde_norway::Value>, _> =
            serde_norway::Deserializer::from_str(&text)
                .map(serde::Deserialize::deserialize)
                .collect();
        let Ok(parsed) = parsed else { continue };
        for (index, value) in parsed.iter().enumerate() {
            let document = to_json(value);
            let kind = document.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            if !KINDS.contains(&kind) {
                continue;
            }
            compared += 1;
            let key = (path.to_string_lossy().into_owned(), index);
            let verdict = verdicts.get(&key);
            let suppressed = |f: &&WebhookFinding| {
                verdict.is_some_and(|v| v.schema_error_paths.contains(&referee_path(&f.path)))
            };
            let findings = webhook::check(&document);
            let mine: Vec<&WebhookFinding> = findings.iter().filter(|f| !suppressed(f)).collect();
            let my_error = mine.iter().any(|f| f.severity == Severity::Error);
            let my_warning = mine.iter().any(|f| f.severity == Severity::Warning);
            let their_error = verdict.is_some_and(|v| v.webhook_error);
            let their_warning = verdict.is_some_and(|v| v.webhook_warning);
            errors += usize::from(their_error);
            warnings += usize::from(their_warning);
            if my_error != their_error || my_warning != their_warning {
                disagreements.push(format!(
                    "{}#{index} ({kind}): referee error={their_error} warning={their_warning}, \
                     meshc error={my_error} warning={my_warning}:\n{}",
                    path.display(),
                    show(&findings)
                ));
            }
        }
    }
    eprintln!(
        "webhook agreement: {compared} documents compared ({errors} with webhook errors, \
         {warnings} with webhook warnings), {} disagreements",
        disagreements.len()
    );
    assert!(compared > 100, "too few documents compared: {compared}");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
