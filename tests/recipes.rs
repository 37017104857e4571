//! The README's recipes that run without a cluster or a hosted service: the pre-commit hooks of
//! `.pre-commit-hooks.yaml` and the generate command of the Argo CD plugin in
//! `recipes/argocd/plugin.yaml`, each run as its tool would run it (`sh` with meshc on PATH).
//! The Kustomize overlay needs kubectl and is built by `.ci/run`.

#![cfg(unix)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_norway::Value;

use crate::support::root;

/// PATH with the freshly built meshc first.
fn path_with_meshc() -> String {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_meshc"));
    let dir = bin.parent().unwrap().to_string_lossy().into_owned();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

fn yaml(path: &str) -> Value {
    serde_norway::from_str(&std::fs::read_to_string(root().join(path)).unwrap()).unwrap()
}

/// Runs a pre-commit `entry` as pre-commit does: split like a shell would, in `dir`.
fn run_entry(entry: &str, dir: &Path) -> Output {
    // Every entry here is `sh -c '<script>'`.
    let script = entry
        .strip_prefix("sh -c '")
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or_else(|| panic!("unexpected entry {entry}"));
    Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .env("PATH", path_with_meshc())
        .output()
        .unwrap()
}

fn hook_entry(id: &str) -> String {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = hooks
        .as_sequence()
        .unwrap()
        .iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("no hook {id}"));
    hook["entry"].as_str().unwrap().to_string()
}

/// A repository like a user's: the shipped profiles and their committed renders.
fn user_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let folders = [
        "profiles",
        "profiles/base",
        "out/prod",
        "out/dev",
        "out/minimal",
        "out/multicluster/east",
        "out/multicluster/edge",
        "out/multicluster/west",
    ];
    for folder in folders {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        for entry in std::fs::read_dir(root().join(folder)).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(
                    entry.path(),
                    dir.path().join(folder).join(entry.file_name()),
                )
                .unwrap();
            }
        }
    }
    dir
}

#[test]
fn pre_commit_hooks_catch_and_repair_a_hand_edit() {
    let repo = user_repository();
    let file = repo.path().join("out/prod/destination-rules.yaml");
    let committed = std::fs::read_to_string(&file).unwrap();

    let check = hook_entry("meshc-check");
    let render = hook_entry("meshc-render");
    assert_eq!(run_entry(&check, repo.path()).status.code(), Some(0));

    std::fs::write(
        &file,
        committed.replace("consecutive5xxErrors: 5", "consecutive5xxErrors: 9"),
    )
    .unwrap();
    let failed = run_entry(&check, repo.path());
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stdout).contains("+      consecutive5xxErrors: 5"));

    assert_eq!(run_entry(&render, repo.path()).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), committed);
}

#[test]
fn the_argo_cd_plugin_generates_what_kustomize_would_apply() {
    let plugin = yaml("tests/recipes/argocd/plugin.yaml");
    let generate = &plugin["spec"]["generate"];
    let command: Vec<&str> = generate["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .chain(generate["args"].as_sequence().unwrap())
        .map(|v| v.as_str().unwrap())
        .collect();
    let run_in = |profile: &str, cluster: Option<&str>| {
        let mut sh = Command::new(command[0]);
        sh.args(&command[1..])
            .current_dir(root())
            .env("PATH", path_with_meshc())
            .env("ARGOCD_ENV_MESHC_PROFILE", profile);
        if let Some(cluster) = cluster {
            sh.env("ARGOCD_ENV_MESHC_CLUSTER", cluster);
        }
        sh.output().unwrap()
    };
    let run = |profile: &str| run_in(profile, None);

    // With clusters, one Application per cluster: each gets its folder's resources.
    for (profile, cluster, folder) in [
        ("profiles/prod.toml", None, "out/prod"),
        (
            "profiles/multicluster.toml",
            Some("west"),
            "out/multicluster/west",
        ),
        (
            "profiles/multicluster.toml",
            Some("edge"),
            "out/multicluster/edge",
        ),
    ] {
        let output = run_in(profile, cluster);
        assert_eq!(output.status.code(), Some(0), "{folder}");
        let generated = identities(&String::from_utf8(output.stdout).unwrap());
        let mut expected = BTreeSet::new();
        let kustomization = yaml(&format!("{folder}/kustomization.yaml"));
        for file in kustomization["resources"].as_sequence().unwrap() {
            let path = root().join(folder).join(file.as_str().unwrap());
            expected.extend(identities(&std::fs::read_to_string(path).unwrap()));
        }
        assert_eq!(generated, expected, "{folder}");
        assert!(!generated.iter().any(|(kind, _)| kind == "IstioOperator"));
    }

    let refused = run("no/such/profile.toml");
    assert_ne!(
        refused.status.code(),
        Some(0),
        "a refused profile fails the sync"
    );
    assert!(refused.stdout.is_empty(), "and hands Argo CD no manifest");
}

/// `(kind, namespace/name)` of every document.
fn identities(stream: &str) -> BTreeSet<(String, String)> {
    serde_norway::Deserializer::from_str(stream)
        .map(|d| <Value as serde::Deserialize>::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .map(|v| {
            let text = |key: &str| v["metadata"][key].as_str().unwrap_or_default().to_string();
            (
                v["kind"].as_str().unwrap().to_string(),
                format!("{}/{}", text("namespace"), text("name")),
            )
        })
        .collect()
}
