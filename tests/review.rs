//! The review workflow as users run it: `render --check`, `diff`, `explain`, and the folder a
//! failed render leaves behind.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{meshc, root, shipped_profiles, text};

fn shipped() -> Vec<String> {
    let names: Vec<String> = shipped_profiles()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names
}

/// Every file of a folder with its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for (name, bytes) in contents(from) {
        std::fs::write(to.join(name), bytes).unwrap();
    }
}

#[test]
fn committed_renders_pass_the_check() {
    for name in shipped() {
        let output = meshc(&[
            "render",
            &format!("profiles/{name}.toml"),
            "--out",
            &format!("out/{name}"),
            "--check",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_hand_edited_file_fails_the_check_with_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("prod");
    copy_dir(&root().join("out/prod"), &out);
    let file = out.join("virtual-services.yaml");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replacen("weight: 20", "weight: 25", 1);
    std::fs::write(&file, &edited).unwrap();
    let before = contents(&out);

    let output = meshc(&[
        "render",
        "profiles/prod.toml",
        "--out",
        out.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let diff = text(&output.stdout);
    assert!(diff.contains("/prod/virtual-services.yaml\n@@ "), "{diff}");
    assert!(
        diff.contains("\n-      weight: 25\n+      weight: 20\n"),
        "{diff}"
    );
    assert_eq!(
        diff.lines().filter(|l| l.starts_with("--- ")).count(),
        1,
        "only the edited file differs: {diff}"
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("differs from a fresh render of profiles/prod.toml (1 file)"),
        "{stderr}"
    );
    assert_eq!(before, contents(&out), "--check writes nothing");
}

#[test]
fn missing_and_extra_files_fail_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("prod");
    copy_dir(&root().join("out/prod"), &out);
    std::fs::remove_file(out.join("kustomization.yaml")).unwrap();
    std::fs::write(out.join("stale.yaml"), "kind: Old\n").unwrap();

    let output = meshc(&[
        "render",
        "profiles/prod.toml",
        "--out",
        out.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let diff = text(&output.stdout);
    assert!(diff.contains("--- /dev/null\n+++ b/"), "{diff}");
    assert!(
        diff.contains("/prod/kustomization.yaml\n@@ -0,0 +1,"),
        "{diff}"
    );
    assert!(
        diff.contains("/prod/stale.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-kind: Old\n"),
        "{diff}"
    );

    let absent = dir.path().join("absent");
    let output = meshc(&[
        "render",
        "profiles/minimal.toml",
        "--out",
        absent.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!absent.exists(), "--check creates nothing");
}

#[test]
fn check_needs_an_out_folder() {
    assert_eq!(
        meshc(&["render", "profiles/prod.toml", "--check"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_failing_render_leaves_every_byte_of_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let render = |profile: &str| {
        meshc(&["render", profile, "--out", out.to_str().unwrap()])
            .status
            .code()
    };
    assert_eq!(render("profiles/prod.toml"), Some(0));
    let before = contents(&out);
    assert!(before.contains_key("kustomization.yaml"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[services.a]\nport = 0\n").unwrap();
    assert_eq!(render(bad.to_str().unwrap()), Some(1));
    assert_eq!(render("no/such/profile.toml"), Some(2));
    assert_eq!(before, contents(&out));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "nothing left beside it: {leftovers:?}");
}

#[test]
fn a_changed_canary_weight_reads_as_exactly_that_change() {
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("prod.toml");
    // An overlay of prod.toml elsewhere: its own `extends` names the shipped base, and one key
    // of the base's inline `canary` table changes, the others kept.
    let profile = std::fs::read_to_string(root().join("profiles/prod.toml")).unwrap();
    let base = root().join("profiles/base/nephoran.toml");
    let edited = profile.replace(
        r#"extends = "base/nephoran.toml""#,
        &format!("extends = {:?}", base.to_str().unwrap()),
    ) + "\n[services.llm-processor.canary]\nweight = 30\n";
    assert!(edited.contains("profiles/base/nephoran.toml"));
    std::fs::write(&changed, edited).unwrap();

    let output = meshc(&["diff", "profiles/prod.toml", changed.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    // The split lives in the service's VirtualService and, narrowed to each gateway path that
    // reaches llm-processor, in the gateway's; the stable side is the complement.
    let mut expected = vec![
        "VirtualService nephoran-system/llm-processor http[default].route[stable].weight: 80 → 70"
            .to_string(),
        "VirtualService nephoran-system/llm-processor http[default].route[canary].weight: 20 → 30"
            .to_string(),
    ];
    for route in ["health", "tenants", "intent", "admin"] {
        for (subset, old, new) in [("stable", 80, 70), ("canary", 20, 30)] {
            expected.push(format!(
                "VirtualService istio-system/nephoran-gateway-routes \
                 http[{route}-default].route[{subset}].weight: {old} → {new}"
            ));
        }
    }
    let stdout = text(&output.stdout);
    let (behaviour, resources): (Vec<&str>, Vec<&str>) = stdout
        .lines()
        .partition(|l| l.starts_with("behaviour: ") || l.starts_with("  "));
    assert_eq!(resources, expected);
    // What requests get: the same access, another split, for every request that reaches
    // llm-processor (tenants', callers', the public route's, the expects') and for no other.
    assert!(behaviour[0].ends_with("get another outcome"), "{stdout}");
    for line in &behaviour[1..] {
        assert!(
            line.contains(" → llm-processor")
                && line.ends_with(
                    ": routed 20 % llm-processor/canary, 80 % llm-processor/stable \
                     → 30 % llm-processor/canary, 70 % llm-processor/stable"
                ),
            "{line}"
        );
    }
    for request in [
        "  operator-a GET /v1/tenants/operator-a/x",
        "  nephio-bridge POST /v1/intent/x",
        "  no token GET /health → llm-processor (Host intent.nephoran.io:443)",
    ] {
        assert!(stdout.contains(request), "{request}: {stdout}");
    }
}

#[test]
fn a_profile_and_its_committed_render_do_not_differ() {
    for name in shipped() {
        let profile = format!("profiles/{name}.toml");
        let out = format!("out/{name}");
        for (old, new) in [(&profile, &out), (&out, &profile)] {
            let output = meshc(&["diff", old, new]);
            assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
            assert!(output.stdout.is_empty());
        }
    }
}

#[test]
fn diff_trouble_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[services.a]\nport = 0\n").unwrap();
    for args in [
        vec!["diff", "profiles/prod.toml", "no/such.toml"],
        vec!["diff", "profiles/prod.toml", bad.to_str().unwrap()],
        vec!["diff", "profiles/prod.toml"],
    ] {
        assert_eq!(meshc(&args).status.code(), Some(2), "{args:?}");
    }
    let junk = dir.path().join("junk");
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(junk.join("a.yaml"), "just: a mapping\n").unwrap();
    let output = meshc(&["diff", "out/prod", junk.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("metadata.name"));
}

#[test]
fn explain_summarises_the_plan() {
    let output = meshc(&["explain", "profiles/prod.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    insta::assert_snapshot!("explain_prod", text(&output.stdout));

    let one = meshc(&["explain", "profiles/prod.toml", "--service", "weaviate"]);
    assert_eq!(one.status.code(), Some(0));
    let one = text(&one.stdout);
    assert!(one.starts_with("service weaviate ("), "{one}");
    assert!(!one.contains("service rag-api"), "{one}");

    let unknown = meshc(&["explain", "profiles/prod.toml", "--service", "weaviat"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("did you mean `weaviate`?"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn explain_names_the_access_log_format_and_its_fields() {
    for (case, line) in [
        (
            "access-log-formats",
            "access log to json-log when !has(response.code) || response.code >= 400, as JSON \
             with fields agent, code, duration, flags, grpc_status, path, request_id, upstream\n",
        ),
        (
            "legacy-access-log-format",
            ", as a text line with fields authority, bytes_received, bytes_sent,",
        ),
    ] {
        let profile = format!("tests/fixtures/valid/{case}/profile.toml");
        let output = meshc(&["explain", &profile]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        assert!(
            text(&output.stdout).contains(line),
            "{}",
            text(&output.stdout)
        );
    }
}
