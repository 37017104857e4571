//! The shipped profiles: each compiles without warnings, renders the same bytes twice, matches
//! its snapshots, and matches its committed render in `out/` (kustomization.yaml included).
//!
//! After an intended change, refresh `out/` with `MESHC_BLESS=1 cargo test profiles` (or
//! `meshc render profiles/<name>.toml --out out/<name>`) and review the diff.

use crate::support::{plan_snapshot, read, root};

fn shipped() -> Vec<std::path::PathBuf> {
    let mut profiles: Vec<_> = std::fs::read_dir(root().join("profiles"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    profiles.sort();
    assert!(profiles.len() >= 3, "the shipped profiles are missing");
    profiles
}

#[test]
fn shipped_profiles_compile_cleanly_and_match_their_snapshots() {
    for path in shipped() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = read(&path, &root()).unwrap();
        let compiled = meshc::compile(&source).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(
            compiled.warnings.is_empty(),
            "{name} warns: {:?}",
            compiled.warnings
        );
        let again = meshc::compile(&source).unwrap();
        assert_eq!(
            compiled.files, again.files,
            "{name} renders differently twice"
        );
        for file in &compiled.files {
            insta::assert_snapshot!(format!("{name}__{}", file.name), &file.content);
        }
    }
}

/// Each shipped profile's plan, pinned apart from its rendered files (see `fixtures`).
#[test]
fn shipped_profiles_plan_matches_its_snapshot() {
    for path in shipped() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = read(&path, &root()).unwrap();
        let compiled = meshc::compile(&source).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        insta::assert_snapshot!(format!("{name}__plan"), plan_snapshot(&compiled.plan));
    }
}

#[test]
fn committed_renders_are_fresh() {
    let bless = std::env::var_os("MESHC_BLESS").is_some();
    for path in shipped() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = read(&path, &root()).unwrap();
        let folder = meshc::compile(&source).unwrap().into_folder();
        let out = root().join("out").join(&name);
        if bless {
            meshc::testing::emit::write_dir(&out, &folder).unwrap();
            continue;
        }
        let entries = meshc::testing::folder::read(&out)
            .unwrap()
            .unwrap_or_else(|| panic!("out/{name} is missing; run MESHC_BLESS=1 cargo test"));
        let drifts = meshc::testing::drift::compare(Some(&entries), &folder);
        assert!(
            drifts.is_empty(),
            "out/{name} is stale; run `MESHC_BLESS=1 cargo test profiles` and review the diff:\n{}",
            meshc::testing::drift::unified_diff(&format!("out/{name}"), &drifts)
        );
    }
}
