//! Layered profiles (`extends`, `remove`): the shipped split of prod and dev over one base, the
//! errors of a chain (cycle, missing base, a removal of nothing, limits), diagnostics located in
//! the file that set the value, `explain --origin`, and `render --check` of an overlay whose
//! base changed.

use std::path::Path;

use crate::support::{meshc, read, root, text};

/// Writes `files` (name, text) into `dir`.
fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, body) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
}

/// Runs meshc in `dir`; its exit code, stdout and stderr.
fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr),
    )
}

const BASE: &str = "[services.cart]\nport = 8080\n\n[[services.cart.callers]]\nservices = [\"web\"]\n\n[services.web]\nport = 8080\n\n[services.legacy]\nport = 8080\n\n[[services.legacy.callers]]\nservices = [\"web\"]\n\n[gateway]\ncredential = \"tls\"\nroutes.web = { prefix = \"/\", service = \"web\" }\n";

#[test]
fn prod_is_an_overlay_of_the_base_and_renders_the_committed_out_prod_byte_for_byte() {
    let prod = std::fs::read_to_string(root().join("profiles/prod.toml")).unwrap();
    assert!(
        prod.lines()
            .any(|l| l == "extends = \"base/nephoran.toml\""),
        "prod.toml is an overlay of base/nephoran.toml"
    );
    let source = read(&root().join("profiles/prod.toml"), &root()).unwrap();
    let names: Vec<&str> = source.layers().map(|(_, f)| f.name()).collect();
    assert_eq!(names, ["profiles/prod.toml", "profiles/base/nephoran.toml"]);
    let folder = meshc::compile(&source).unwrap().into_folder();
    let committed = std::fs::read_dir(root().join("out/prod")).unwrap().count();
    assert_eq!(
        folder.len(),
        committed,
        "out/prod holds exactly the rendered files"
    );
    for file in &folder {
        let bytes = std::fs::read(root().join("out/prod").join(&file.name)).unwrap();
        assert!(
            bytes == file.content.as_bytes(),
            "out/prod/{} differs from the render of the split prod.toml",
            file.name
        );
    }
}

#[test]
fn dev_is_an_overlay_of_the_same_base_in_at_most_40_lines() {
    let dev = std::fs::read_to_string(root().join("profiles/dev.toml")).unwrap();
    assert!(
        dev.lines().count() <= 40,
        "dev.toml has {} lines",
        dev.lines().count()
    );
    assert!(dev.lines().any(|l| l == "extends = \"base/nephoran.toml\""));
    let source = read(&root().join("profiles/dev.toml"), &root()).unwrap();
    let compiled = meshc::compile(&source).unwrap();
    // The base's mesh, with dev's identity.
    assert!(compiled.plan.destination_rules.len() >= 5);
    let rendered: String = compiled.files.iter().map(|f| f.content.as_str()).collect();
    assert!(rendered.contains("nephoran.dev.example.com"));
    assert!(!rendered.contains("api.nephoran.io"));
}

#[test]
fn a_cycle_of_extends_is_refused_at_the_extends_that_closes_it_naming_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("prod.toml", "extends = \"layers/env.toml\"\n"),
            (
                "layers/env.toml",
                "# the environment\nextends = \"../base.toml\"\n",
            ),
            (
                "base.toml",
                "extends = \"layers/env.toml\"\n[services.a]\nport = 1\n",
            ),
        ],
    );
    let (code, _, stderr) = run_in(dir.path(), &["validate", "prod.toml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error[extends-cycle]: `extends` makes a cycle: layers/env.toml -> base.toml -> layers/env.toml"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--> base.toml:1:11"), "{stderr}");
    // A profile that extends itself is the shortest cycle.
    write(dir.path(), &[("self.toml", "extends = \"./self.toml\"\n")]);
    let (code, _, stderr) = run_in(dir.path(), &["validate", "self.toml"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("a cycle: self.toml -> self.toml"),
        "{stderr}"
    );
}

#[test]
fn a_missing_base_is_refused_at_the_extends_value() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "envs/prod.toml",
            "#:schema ../meshc.schema.json\nextends = \"base.toml\"\n",
        )],
    );
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["--message-format", "json", "render", "envs/prod.toml"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty(), "nothing rendered");
    let first: serde_json::Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], "missing-base");
    let at = &first["locations"][0];
    assert_eq!(
        (&at["file"], &at["line"], &at["column"]),
        (&"envs/prod.toml".into(), &2.into(), &11.into())
    );
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read the profile this one extends, envs/base.toml:"),
        "{first}"
    );
    // A base that is a folder cannot be read either.
    std::fs::create_dir(dir.path().join("envs/base.toml")).unwrap();
    let (code, _, stderr) = run_in(dir.path(), &["validate", "envs/prod.toml"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("error[missing-base]"), "{stderr}");
}

#[test]
fn the_library_reads_no_base_and_says_so() {
    let source = meshc::Source::new("overlay.toml", "extends = \"base.toml\"\n");
    let diagnostics = meshc::check(&source).unwrap_err();
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["missing-base"]);
}

#[test]
fn remove_takes_an_inherited_entry_out_and_refuses_one_that_is_not_inherited() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("base.toml", BASE),
            (
                "overlay.toml",
                "extends = \"base.toml\"\nremove = [\"services.legacy\"]\n\n[gateway]\nhosts = [\"shop.example.com\"]\n",
            ),
            (
                "typo.toml",
                "extends = \"base.toml\"\nremove = [\"services.legacy\", \"services.legacy\", \"tenants.acme\"]\n",
            ),
        ],
    );
    let source = read(&dir.path().join("overlay.toml"), dir.path()).unwrap();
    let compiled = meshc::compile(&source).unwrap();
    let rendered: String = compiled.files.iter().map(|f| f.content.as_str()).collect();
    assert!(rendered.contains("cart.default.svc.cluster.local"));
    assert!(
        !rendered.contains("legacy.default"),
        "the removed service is gone"
    );
    assert!(BASE.contains("[services.legacy]"));

    let (code, _, stderr) = run_in(dir.path(), &["validate", "typo.toml"]);
    assert_eq!(code, Some(1), "{stderr}");
    // The second removal of one entry, and an entry the base never had, are both refused.
    assert_eq!(
        stderr.matches("error[unknown-removal]").count(),
        2,
        "{stderr}"
    );
    assert!(stderr.contains("--> typo.toml:2:30"), "{stderr}");
    assert!(stderr.contains("--> typo.toml:2:49"), "{stderr}");
}

#[test]
fn each_error_points_at_the_file_that_set_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let broken_base = BASE.replace(
        "[services.web]\nport = 8080",
        "[services.web]\nport = 70000",
    );
    write(
        dir.path(),
        &[
            ("base.toml", &broken_base),
            (
                "overlay.toml",
                "extends = \"base.toml\"\n\n[services.cart]\nport = 0\n\n[gateway]\nhosts = [\"shop.example.com\"]\n",
            ),
        ],
    );
    let (code, _, stderr) = run_in(dir.path(), &["validate", "overlay.toml"]);
    assert_eq!(code, Some(1), "{stderr}");
    // The overlay's own value, at its line, with the base's value it replaced beside it.
    let overlay = stderr
        .split("\n\n")
        .find(|d| d.contains("port 0 "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(overlay.contains("--> overlay.toml:4:8"), "{overlay}");
    assert!(overlay.contains("::: base.toml:2:8"), "{overlay}");
    assert!(
        overlay.contains("the value this one overrides"),
        "{overlay}"
    );
    // The base's value, at the base's line.
    let base = stderr
        .split("\n\n")
        .find(|d| d.contains("port 70000 "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(base.contains("--> base.toml:8:8"), "{base}");
    // JSON names the same files and lines.
    let (_, _, json) = run_in(
        dir.path(),
        &["--message-format", "json", "validate", "overlay.toml"],
    );
    let places: Vec<(String, u64)> = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "diagnostic")
        .flat_map(|v| {
            v["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["file"].as_str().unwrap().to_string(),
                        l["line"].as_u64().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        places.contains(&("overlay.toml".to_string(), 4)),
        "{places:?}"
    );
    assert!(places.contains(&("base.toml".to_string(), 2)), "{places:?}");
    assert!(places.contains(&("base.toml".to_string(), 8)), "{places:?}");
}

#[test]
fn explain_origin_names_the_file_and_line_of_every_effective_value() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("base.toml", BASE),
            (
                "overlay.toml",
                "extends = \"base.toml\"\n\n[services.cart]\nport = 9090\n\n[gateway]\nhosts = [\"shop.example.com\"]\n",
            ),
        ],
    );
    let (code, stdout, stderr) = run_in(dir.path(), &["explain", "overlay.toml", "--origin"]);
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let find = |path: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{path} = ")))
            .map_or_else(
                || panic!("no {path} in\n{stdout}"),
                |l| l.split_whitespace().collect::<Vec<_>>().join(" "),
            )
    };
    assert_eq!(
        find("services.cart.port"),
        "services.cart.port = 9090 # overlay.toml:4"
    );
    assert_eq!(
        find("services.web.port"),
        "services.web.port = 8080 # base.toml:8"
    );
    assert_eq!(
        find("services.cart.callers[0].services"),
        "services.cart.callers[0].services = [\"web\"] # base.toml:5"
    );
    assert_eq!(
        find("gateway.hosts"),
        "gateway.hosts = [\"shop.example.com\"] # overlay.toml:7"
    );
    assert_eq!(
        find("gateway.routes.web.prefix"),
        "gateway.routes.web.prefix = \"/\" # base.toml:18"
    );
    assert!(!stdout.contains("extends"), "{stdout}");
}

#[test]
fn render_check_sees_a_change_in_the_base() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("base.toml", BASE),
            (
                "overlay.toml",
                "extends = \"base.toml\"\n\n[gateway]\nhosts = [\"shop.example.com\"]\n",
            ),
        ],
    );
    let (code, _, stderr) = run_in(dir.path(), &["render", "overlay.toml", "--out", "out"]);
    assert_eq!(code, Some(0), "{stderr}");
    let check = ["render", "overlay.toml", "--out", "out", "--check"];
    assert_eq!(run_in(dir.path(), &check).0, Some(0));
    write(
        dir.path(),
        &[("base.toml", &BASE.replace("port = 8080", "port = 8081"))],
    );
    let (code, stdout, _) = run_in(dir.path(), &check);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("8081"), "{stdout}");
}

#[test]
fn a_chain_too_long_or_too_large_is_refused_at_the_extends_that_goes_over() {
    let dir = tempfile::tempdir().unwrap();
    let limit = meshc::testing::limits::MAX_LAYERS;
    // A chain of 10,000 files: reading stops at the limit.
    for i in 0..10_000 {
        let body = format!("extends = \"p{}.toml\"\n", i + 1);
        std::fs::write(dir.path().join(format!("p{i}.toml")), body).unwrap();
    }
    let (code, _, stderr) = run_in(dir.path(), &["validate", "p0.toml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("error[too-large]"), "{stderr}");
    assert!(
        stderr.contains(&format!("--> p{}.toml:1:11", limit - 1)),
        "{stderr}"
    );
    // A base too large to read together with its overlay.
    let huge = format!(
        "# {}\n",
        "x".repeat(meshc::testing::limits::MAX_PROFILE_BYTES)
    );
    write(
        dir.path(),
        &[
            ("huge.toml", &huge),
            ("small.toml", "extends = \"huge.toml\"\n"),
        ],
    );
    let (code, _, stderr) = run_in(dir.path(), &["validate", "small.toml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("error[too-large]"), "{stderr}");
    assert!(stderr.contains("--> small.toml:1:11"), "{stderr}");
}

#[test]
fn the_schema_describes_extends_and_remove() {
    let output = meshc(&["schema"]);
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["properties"]["extends"]["type"], "string");
    assert_eq!(schema["properties"]["remove"]["items"]["type"], "string");
}

#[cfg(unix)]
#[test]
fn a_base_that_is_not_utf8_or_not_a_file_is_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("latin1.toml"), b"# Caf\xe9\n[mesh]\n").unwrap();
    write(
        dir.path(),
        &[
            ("a.toml", "extends = \"latin1.toml\"\n"),
            ("b.toml", "extends = \"/dev/zero\"\n"),
            ("c.toml", "extends = \"fifo\"\n"),
        ],
    );
    let (code, _, stderr) = run_in(dir.path(), &["validate", "a.toml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("error[not-utf8]"), "{stderr}");
    assert!(stderr.contains("--> latin1.toml:1:6"), "{stderr}");
    // A device or a FIFO would never end, or never start: refused before it is opened.
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.path().join("fifo"))
        .status()
        .unwrap();
    assert!(fifo.success());
    for profile in ["b.toml", "c.toml"] {
        let (code, _, stderr) = run_in(dir.path(), &["validate", profile]);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("error[missing-base]"), "{stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}

/// Issue 14's promise for the two features together: one cluster's overlay that changes a
/// service's port is refused at the overlay's line, not at the base that declared the service.
#[test]
fn an_overlay_that_changes_a_port_in_one_cluster_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(root().join("profiles/multicluster.toml")).unwrap();
    write(
        dir.path(),
        &[
            ("base.toml", &base),
            (
                "overlay.toml",
                "extends = \"base.toml\"\n\n[clusters.west.services.cart]\nport = 9090\n",
            ),
        ],
    );
    let (code, _, stderr) = run_in(dir.path(), &["validate", "overlay.toml"]);
    assert_eq!(code, Some(1), "{stderr}");
    let diagnostic = stderr
        .split("\n\n")
        .find(|d| d.contains("error[cluster-service-mismatch]"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(diagnostic.contains("--> overlay.toml:4:8"), "{diagnostic}");
    // The same overlay without the change is a valid profile: the error is the port's alone.
    write(dir.path(), &[("same.toml", "extends = \"base.toml\"\n")]);
    let (code, _, stderr) = run_in(dir.path(), &["validate", "same.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
}
