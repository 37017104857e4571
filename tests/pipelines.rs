//! `meshc render` where it is used: in shell pipelines (`--only`), in CI (`--check`, however
//! the profile's path is spelled), and by people reading stderr (the summary line).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::{meshc, root};

/// `meshc verify -` with `input` on standard input.
fn verify_stdin(input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(["verify", "-"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// The `kind:` of every document of a stream.
fn kinds(stream: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stream)
        .lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn only_cluster_is_what_kubectl_apply_takes_and_only_operator_what_istioctl_takes() {
    for profile in [
        "profiles/minimal.toml",
        "profiles/dev.toml",
        "profiles/prod.toml",
    ] {
        let cluster = meshc(&["render", profile, "--only", "cluster"]);
        assert_eq!(cluster.status.code(), Some(0), "{profile}");
        let cluster_kinds = kinds(&cluster.stdout);
        assert!(!cluster_kinds.is_empty(), "{profile}");
        assert!(
            !cluster_kinds.iter().any(|k| k == "IstioOperator"),
            "{profile}: {cluster_kinds:?}"
        );
        // The stream reads back: `meshc verify -` takes it whole, as `kubectl apply -f -`
        // would, without `operator-not-alone`.
        let verified = verify_stdin(&cluster.stdout);
        assert_eq!(
            verified.status.code(),
            Some(0),
            "{profile}: {}",
            String::from_utf8_lossy(&verified.stderr)
        );

        let operator = meshc(&["render", profile, "--only", "operator"]);
        assert_eq!(kinds(&operator.stdout), ["IstioOperator"], "{profile}");
        let verified = verify_stdin(&operator.stdout);
        assert_eq!(verified.status.code(), Some(0), "{profile}");

        // Together they are the whole render.
        let whole = meshc(&["render", profile]);
        let mut parts = kinds(&operator.stdout);
        parts.extend(cluster_kinds);
        assert_eq!(kinds(&whole.stdout), parts, "{profile}");
    }
    let refused = meshc(&["render", "profiles/prod.toml", "--only", "all"]);
    assert_eq!(refused.status.code(), Some(2));
    let with_out = meshc(&[
        "render",
        "profiles/prod.toml",
        "--only",
        "cluster",
        "--out",
        "x",
    ]);
    assert_eq!(with_out.status.code(), Some(2), "a folder is always whole");
}

/// `render --check` on the committed render: the same verdict (exit 0, nothing on stdout)
/// whether the profile is `./profiles/prod.toml`, absolute, or `prod.toml` from `profiles/`.
#[test]
fn the_drift_check_is_the_same_however_the_profile_path_is_spelled() {
    let absolute = root().join("profiles/prod.toml");
    let absolute = absolute.to_string_lossy();
    let out = root().join("out/prod");
    let out = out.to_string_lossy();
    let spellings: [(&str, Vec<&str>); 4] = [
        ("", vec!["profiles/prod.toml", "--out", "out/prod"]),
        ("", vec!["./profiles/prod.toml", "--out", "./out/prod"]),
        ("", vec![&absolute, "--out", &out]),
        ("profiles", vec!["prod.toml", "--out", "../out/prod"]),
    ];
    for (dir, args) in &spellings {
        let mut all = vec!["render"];
        all.extend(args.iter().copied());
        all.push("--check");
        let output = Command::new(env!("CARGO_BIN_EXE_meshc"))
            .args(&all)
            .current_dir(root().join(dir))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{all:?} from {dir:?}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(output.stdout.is_empty());
    }
    // The header's hint is a command that works from the repository root.
    let header = std::fs::read_to_string(root().join("out/prod/virtual-services.yaml")).unwrap();
    assert!(
        header.contains("then run `meshc render profiles/prod.toml --out <folder>` again."),
        "{header}"
    );
    assert!(root().join("profiles/prod.toml").is_file());
}

/// `render` and `validate` end with what the render holds, on stderr, unless `--quiet`.
#[test]
fn render_and_validate_summarise_on_stderr_unless_quiet() {
    let expected = "profiles/prod.toml (7 files, 61 resources): 0 errors, 0 warnings, 0 notes\n";
    for command in ["render", "validate"] {
        let output = meshc(&[command, "profiles/prod.toml"]);
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            expected,
            "{command}"
        );
        let quiet = meshc(&[command, "--quiet", "profiles/prod.toml"]);
        assert!(quiet.stderr.is_empty(), "{command} --quiet");
    }
    let only = meshc(&["render", "profiles/prod.toml", "--only", "operator"]);
    assert_eq!(
        String::from_utf8_lossy(&only.stderr),
        "profiles/prod.toml (1 file, 1 resource): 0 errors, 0 warnings, 0 notes\n"
    );
}

/// `--out a/b/c` creates `a/b`; `c` is still swapped in whole.
#[test]
fn render_creates_the_parents_of_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a/b/c");
    let profile = root().join("profiles/minimal.toml");
    let output = meshc(&[
        "render",
        "-q",
        &profile.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(out.join("kustomization.yaml").is_file());
    let check = meshc(&[
        "render",
        &profile.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--check",
    ]);
    assert_eq!(check.status.code(), Some(0));
}
