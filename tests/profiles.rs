//! The shipped profiles: each compiles without warnings, renders the same bytes twice, matches
//! its snapshots, and matches its committed render in `out/`.
//!
//! After an intended change, refresh `out/` with `MESHC_BLESS=1 cargo test profiles` (or
//! `meshc render profiles/<name>.toml --out out/<name>`) and review the diff.

use std::path::Path;

use crate::support::{read, root};

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

#[test]
fn committed_renders_are_fresh() {
    let bless = std::env::var_os("MESHC_BLESS").is_some();
    for path in shipped() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = read(&path, &root()).unwrap();
        let compiled = meshc::compile(&source).unwrap();
        let out = root().join("out").join(&name);
        if bless {
            meshc::emit::write_dir(&out, &compiled.files).unwrap();
            continue;
        }
        let mut committed: Vec<String> = std::fs::read_dir(&out)
            .unwrap_or_else(|_| panic!("out/{name} is missing; run MESHC_BLESS=1 cargo test"))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|f| {
                Path::new(f).extension().is_some_and(|e| e == "yaml") && f != "kustomization.yaml"
            })
            .collect();
        committed.sort();
        let mut rendered: Vec<String> = compiled.files.iter().map(|f| f.name.to_string()).collect();
        rendered.sort();
        assert_eq!(
            committed, rendered,
            "out/{name} holds other files than a fresh render"
        );
        for file in &compiled.files {
            let on_disk = std::fs::read_to_string(Path::new(&out).join(file.name)).unwrap();
            assert!(
                on_disk == file.content,
                "out/{name}/{} is stale; run `MESHC_BLESS=1 cargo test profiles` and review the diff",
                file.name
            );
        }
    }
}
