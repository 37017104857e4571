//! Helpers shared by the integration tests.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use meshc::Diagnostic;
use meshc::Source;
use meshc::testing::report::{self as render, Checked, Files, Style, Summary};

/// The repository root.
/// Istio's CRDs (`istio/crds.gen.yaml` of the shared folder: `MESHC_SHARED`, or `../shared`
/// beside the repository), loaded once; `None`, with a note on stderr, when they are not at
/// hand, so that `cargo test` passes on a machine without the shared folder.
pub(crate) fn istio_crds() -> Option<&'static meshc::istio::Crds> {
    static CRDS: std::sync::OnceLock<Option<meshc::istio::Crds>> = std::sync::OnceLock::new();
    CRDS.get_or_init(|| {
        let shared = std::env::var_os("MESHC_SHARED")
            .map_or_else(|| root().join("../shared"), PathBuf::from);
        let path = shared.join("istio/crds.gen.yaml");
        if !path.is_file() {
            eprintln!(
                "skipped the CRDs: no {} (set MESHC_SHARED, or put ../shared beside the \
                 repository)",
                path.display()
            );
            return None;
        }
        Some(meshc::istio::Crds::load(&[path]).unwrap())
    })
    .as_ref()
}

/// The shipped profiles, `profiles/*.toml`, in name order (bases live in a subfolder).
pub(crate) fn shipped_profiles() -> Vec<PathBuf> {
    let mut profiles: Vec<PathBuf> = std::fs::read_dir(root().join("profiles"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    profiles.sort();
    profiles
}

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The user documentation as one text: the README (the front page) and every reference
/// document in `docs/` (the code documents excepted), in name order.
pub(crate) fn documentation() -> String {
    let mut names: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    names.sort();
    let mut text = std::fs::read_to_string(root().join("README.md")).unwrap();
    for name in names {
        text.push('\n');
        text.push_str(&std::fs::read_to_string(name).unwrap());
    }
    text
}

/// A profile read from disk as the command line reads it, with the profiles it extends, named
/// by its path relative to `base` so that snapshots do not depend on where the repository is
/// checked out. `Err` holds the diagnostics of a profile that is not UTF-8, or whose chain of
/// `extends` cannot be read.
pub(crate) fn read(path: &Path, base: &Path) -> Result<Source, Box<(Source, Vec<Diagnostic>)>> {
    let bytes = std::fs::read(path).unwrap();
    let name = path
        .strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let source = meshc::testing::profile::decode(name, bytes).map_err(|invalid| {
        let (source, diagnostic) = *invalid;
        Box::new((source, vec![diagnostic]))
    })?;
    let (source, diagnostics) =
        meshc::testing::profile::read(source, path, &mut |file, _| std::fs::read(file));
    if diagnostics.is_empty() {
        Ok(source)
    } else {
        Err(Box::new((source, diagnostics.sorted())))
    }
}

/// A profile's diagnostics as `meshc validate` prints them, without colour: each with its
/// source, then the summary line.
pub(crate) fn human(source: &Source, diagnostics: &[Diagnostic]) -> String {
    let style = Style::Human { color: false };
    let mut text = render::render(diagnostics, &Files::profile(source), style);
    let mut summary = Summary {
        files: Checked::Profiles(vec![source.name().to_string()]),
        ..Summary::default()
    };
    summary.count(diagnostics);
    text.push_str(&summary.render(style));
    text
}

/// Fails unless every diagnostic has a severity its code allows (the code's default, or one its
/// document names).
pub(crate) fn assert_severities_allowed(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        assert!(
            d.code.severities().contains(&d.severity),
            "{} reported as {}, which its code does not allow: {}",
            d.code,
            d.severity,
            d.message
        );
    }
}

/// The codes a fixture declares on a comment line `# <key> = ["a", "b"]`.
pub(crate) fn declared_codes(text: &str, key: &str) -> Option<Vec<String>> {
    let prefix = format!("# {key} =");
    let line = text
        .lines()
        .map(|line| line.trim_start_matches('\u{feff}').trim_end_matches('\r'))
        .find(|line| line.starts_with(&prefix))?;
    let list: toml::Value = toml::from_str(&format!("v ={}", &line[prefix.len()..])).unwrap();
    Some(
        list["v"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
    )
}

/// Runs the built `meshc` in the repository root, without colour.
pub(crate) fn meshc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Output bytes as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every string of a YAML value, keys included, into `out`.
pub(crate) fn strings(value: &serde_norway::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_norway::Value::String(s) => {
            out.insert(s.clone());
        }
        serde_norway::Value::Sequence(items) => items.iter().for_each(|v| strings(v, out)),
        serde_norway::Value::Mapping(map) => map.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        serde_norway::Value::Tagged(tagged) => strings(&tagged.value, out),
        _ => {}
    }
}

/// Every string of every YAML document in `files`, keys included.
pub(crate) fn yaml_strings(files: &[meshc::testing::render::File]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for file in files {
        for document in serde_norway::Deserializer::from_str(&file.content) {
            let value: serde_norway::Value = serde::Deserialize::deserialize(document).unwrap();
            strings(&value, &mut found);
        }
    }
    found
}

/// A plan as its snapshot shows it: its own pretty `Debug`, so that ids and enum variants show
/// as the code names them, with each wrapper of one value (`Some(…)`, `Name(…)`, `Port(…)`) and
/// each list of one value folded onto one line, as `{:?}` would print them.
pub(crate) fn plan_snapshot(plan: &meshc::testing::plan::Plan) -> String {
    let single = regex::Regex::new(r"(\w+\(|\[)\n *([^\n]*),\n *(\)|\])").unwrap();
    let mut text = format!("{plan:#?}");
    loop {
        let folded = single.replace_all(&text, "$1$2$3").into_owned();
        if folded == text {
            return text;
        }
        text = folded;
    }
}
