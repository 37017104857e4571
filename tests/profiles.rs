//! The shipped profiles: each compiles without warnings, renders the same bytes twice, matches
//! its snapshots, and matches its committed render in `out/` (kustomization.yaml included; with
//! `[clusters]`, every cluster's folder in `out/<name>/<cluster>/`).
//!
//! After an intended change, refresh `out/` with `MESHC_BLESS=1 cargo test profiles` (or
//! `meshc render profiles/<name>.toml --out out/<name>`) and review the diff.

use crate::support::{plan_snapshot, read, root, shipped_profiles};

fn shipped() -> Vec<std::path::PathBuf> {
    let profiles = shipped_profiles();
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
        let clusters = |compiled: &meshc::Compiled| -> Vec<(String, Vec<_>)> {
            compiled
                .clusters
                .iter()
                .map(|c| (c.name.clone(), c.files.clone()))
                .collect()
        };
        assert_eq!(
            clusters(&compiled),
            clusters(&again),
            "{name} renders its clusters differently twice"
        );
        if compiled.clusters.is_empty() {
            for file in &compiled.files {
                insta::assert_snapshot!(format!("{name}__{}", file.name), &file.content);
            }
        }
        for cluster in &compiled.clusters {
            for file in &cluster.files {
                let snapshot = format!("{name}__{}__{}", cluster.name, file.name);
                insta::assert_snapshot!(snapshot, &file.content);
            }
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

/// Issue 14's three clusters: one mesh ID, a cluster name and network of each cluster's own,
/// the remote install (no istiod) in the remote, an east-west gateway in every cluster of a
/// mesh that spans networks, and istiod exposed only where a remote needs it.
#[test]
fn multicluster_renders_one_folder_per_cluster_of_one_mesh() {
    let source = read(&root().join("profiles/multicluster.toml"), &root()).unwrap();
    let compiled = meshc::compile(&source).unwrap();
    let operator = |cluster: &str| -> String {
        let folder = compiled
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .unwrap();
        folder
            .files
            .iter()
            .find(|f| f.name == "istio-service-mesh-config.yaml")
            .unwrap()
            .content
            .clone()
    };
    let names: Vec<&str> = compiled.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["east", "edge", "west"]);
    for (cluster, network) in [
        ("east", "net-east"),
        ("edge", "net-east"),
        ("west", "net-west"),
    ] {
        let text = operator(cluster);
        assert!(text.contains("      meshID: shop-mesh\n"), "{cluster}");
        assert!(
            text.contains(&format!("        clusterName: {cluster}\n")),
            "{cluster}"
        );
        assert!(
            text.contains(&format!("      network: {network}\n")),
            "{cluster}"
        );
        assert!(
            text.contains("- name: istio-eastwestgateway\n"),
            "{cluster}"
        );
        let remote = cluster == "edge";
        assert_eq!(text.contains("  profile: remote\n"), remote, "{cluster}");
        assert_eq!(text.contains("  profile: default\n"), !remote, "{cluster}");
        assert_eq!(
            text.contains("remotePilotAddress: istiod-east.shop.example.com\n"),
            remote,
            "{cluster}"
        );
        assert_eq!(
            text.contains("externalIstiod: true"),
            cluster == "east",
            "{cluster}"
        );
    }
    let files = |cluster: &str| -> Vec<&str> {
        let folder = compiled
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .unwrap();
        folder.files.iter().map(|f| f.name.as_str()).collect()
    };
    // A remote's pods are injected by its primary's istiod, which selects them by namespace
    // label too: the remote needs its install and the labelled namespace, nothing else.
    assert_eq!(
        files("edge"),
        ["istio-service-mesh-config.yaml", "namespaces.yaml"]
    );
    assert!(files("east").contains(&"istiod-gateway.yaml"));
    assert!(!files("west").contains(&"istiod-gateway.yaml"));
    for cluster in ["east", "west"] {
        assert!(
            files(cluster).contains(&"virtual-services.yaml"),
            "{cluster}"
        );
    }
}
