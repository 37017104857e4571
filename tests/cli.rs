//! The command line as users run it: streams, exit codes, message formats, output folders.

use crate::support::{meshc, root, text};

#[test]
fn render_streams_every_file_behind_a_source_comment() {
    let output = meshc(&["render", "profiles/prod.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let sources: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("# Source: "))
        .collect();
    assert_eq!(
        sources,
        [
            "# Source: istio-service-mesh-config.yaml",
            "# Source: virtual-services.yaml",
            "# Source: destination-rules.yaml",
            "# Source: security-policies.yaml",
            "# Source: gateway.yaml",
            "# Source: telemetry-config.yaml",
        ]
    );
    assert!(output.stderr.is_empty(), "prod renders without warnings");
}

#[test]
fn exit_codes_follow_the_readme() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[mesh]\nnamespase = \"x\"\n").unwrap();
    assert_eq!(
        meshc(&["validate", "profiles/minimal.toml"]).status.code(),
        Some(0)
    );
    assert_eq!(
        meshc(&["validate", bad.to_str().unwrap()]).status.code(),
        Some(1)
    );
    assert_eq!(
        meshc(&["validate", "no/such/profile.toml"]).status.code(),
        Some(2)
    );
    assert_eq!(meshc(&["render"]).status.code(), Some(2));
    assert_eq!(meshc(&["--help"]).status.code(), Some(0));
}

#[test]
fn diagnostics_name_file_line_column_code_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[mesh]\nnamespase = \"x\"\n").unwrap();
    let human = meshc(&["validate", bad.to_str().unwrap()]);
    let stderr = text(&human.stderr);
    assert!(
        stderr.contains("error[unknown-key]: unknown key `namespase`"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.toml:2:1"), "{stderr}");
    assert!(stderr.contains("did you mean `namespace`?"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "NO_COLOR is honoured");

    let json = meshc(&[
        "validate",
        "--message-format",
        "json",
        bad.to_str().unwrap(),
    ]);
    let line = text(&json.stderr);
    let value: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(value["code"], "unknown-key");
    assert_eq!(
        (value["line"].as_u64(), value["column"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn a_failed_render_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert_eq!(
        meshc(&[
            "render",
            "profiles/dev.toml",
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .code(),
        Some(0)
    );
    let before: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let snapshot = std::fs::read_to_string(out.join("virtual-services.yaml")).unwrap();

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[services.a]\nport = 0\n").unwrap();
    let failed = meshc(&[
        "render",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(failed.status.code(), Some(1));
    let after: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
    assert_eq!(
        snapshot,
        std::fs::read_to_string(out.join("virtual-services.yaml")).unwrap()
    );

    // Rendering a smaller profile removes the files it no longer needs.
    assert_eq!(
        meshc(&[
            "render",
            "profiles/minimal.toml",
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .code(),
        Some(0)
    );
    assert!(!out.join("gateway.yaml").exists());
    assert!(out.join("security-policies.yaml").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary folder is left behind: {leftovers:?}"
    );
}

#[test]
fn a_folder_with_foreign_files_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let output = meshc(&[
        "render",
        "profiles/minimal.toml",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("notes.txt"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn schema_describes_the_profile() {
    let output = meshc(&["schema"]);
    assert_eq!(output.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["title"], "meshc profile");
    assert!(schema["properties"]["services"].is_object());
    let committed = std::fs::read_to_string(root().join("profiles/meshc.schema.json")).unwrap();
    assert_eq!(
        committed.trim_end(),
        text(&output.stdout).trim_end(),
        "profiles/meshc.schema.json is stale; run `cargo run -- schema > profiles/meshc.schema.json`"
    );
}

#[test]
fn query_answers_one_request_in_text_and_json() {
    let output = meshc(&[
        "query",
        "profiles/prod.toml",
        "--from",
        "nephio-bridge",
        "--host",
        "llm-processor.nephoran-system.svc.cluster.local",
        "--method",
        "POST",
        "--path",
        "/v1/process",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(
            "POST llm-processor.nephoran-system.svc.cluster.local/v1/process from nephio-bridge-stable\n\
             sidecar of nephio-bridge-stable, to port 8080\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "    => allowed (AuthorizationPolicy nephoran-system/llm-processor rules[0])"
        )
    );
    assert!(stdout.ends_with("outcome: allowed\n"), "{stdout}");

    let json = meshc(&[
        "query",
        "profiles/prod.toml",
        "--message-format",
        "json",
        "--token",
        "claims",
        "--claim",
        "tenant_id=operator-b",
        "--claim",
        r#"groups=["a","b"]"#,
        "--path",
        "/v1/tenants/operator-a/x",
    ]);
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["request"]["from"], "gateway");
    assert_eq!(value["request"]["host"], "api.nephoran.io");
    assert_eq!(value["request"]["token"]["claims"]["groups"][1], "b");
    assert_eq!(value["outcome"]["outcome"], "denied");
    assert_eq!(value["trace"]["entry"]["proxy"], "gateway");
    assert_eq!(
        value["trace"]["branches"][0]["arrivals"][0]["decided_by"],
        "AuthorizationPolicy nephoran-system/llm-processor-tenant-guard rules[3]"
    );

    let tokenless = text(&meshc(&["query", "profiles/prod.toml", "--path", "/v1/intent"]).stdout);
    assert!(tokenless.starts_with("GET https://api.nephoran.io/v1/intent from gateway\n"));
    assert!(
        tokenless.ends_with("outcome: denied (403)\n"),
        "{tokenless}"
    );
}

#[test]
fn query_refuses_what_it_cannot_ask() {
    for args in [
        &["query", "profiles/prod.toml", "--header", "no-equals-sign"][..],
        &["query", "profiles/prod.toml", "--from", "ghost"],
        &["query", "profiles/prod.toml", "--from", "plaintext"],
        &[
            "query",
            "profiles/prod.toml",
            "--token",
            "claims",
            "--claim",
            "x",
        ],
        &["query", "profiles/minimal.toml", "--token", "claims"],
        &["query", "no/such/profile.toml"],
    ] {
        let output = meshc(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty());
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[mesh]\nnamespase = \"x\"\n").unwrap();
    assert_eq!(
        meshc(&["query", bad.to_str().unwrap()]).status.code(),
        Some(1)
    );
}
