//! The command line as users run it: streams, exit codes, message formats, output folders.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{meshc, root, text};

/// The JSON objects a command printed on stderr; stdout must hold none.
fn json_stream(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--message-format", "json"];
    all.extend(args);
    let output = meshc(&all);
    let stderr = text(&output.stderr);
    assert!(
        !text(&output.stdout).contains("\"type\""),
        "diagnostics go to stderr"
    );
    stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

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
            "# Source: namespaces.yaml",
            "# Source: virtual-services.yaml",
            "# Source: destination-rules.yaml",
            "# Source: security-policies.yaml",
            "# Source: gateway.yaml",
            "# Source: telemetry-config.yaml",
        ]
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "profiles/prod.toml (7 files, 61 resources): 0 errors, 0 warnings, 0 notes\n",
        "prod renders without warnings, and says what it printed"
    );
}

/// With `[clusters]`, every cluster's files, each named by its folder; `--only` keeps the
/// parts of every cluster, and `explain` ends with each cluster's manual steps.
#[test]
fn render_of_clusters_names_each_file_by_its_cluster() {
    let sources = |args: &[&str]| -> Vec<String> {
        let output = meshc(args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        text(&output.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("# Source: ").map(str::to_string))
            .collect()
    };
    let all = sources(&["render", "profiles/multicluster.toml"]);
    // east: 6 files with istiod's Gateway; edge, a remote: its install and namespace; west: 5.
    assert_eq!(all.len(), 15, "{all:?}");
    assert_eq!(all[0], "east/istio-service-mesh-config.yaml");
    assert!(
        all.contains(&"east/istiod-gateway.yaml".to_string()),
        "{all:?}"
    );
    let operators = sources(&["render", "profiles/multicluster.toml", "--only", "operator"]);
    assert_eq!(
        operators,
        [
            "east/istio-service-mesh-config.yaml",
            "edge/istio-service-mesh-config.yaml",
            "west/istio-service-mesh-config.yaml",
        ]
    );
    let rest = sources(&["render", "profiles/multicluster.toml", "--only", "cluster"]);
    assert_eq!(rest.len(), 12);
    assert!(
        rest.iter()
            .all(|s| !s.ends_with("istio-service-mesh-config.yaml"))
    );
    let edge = sources(&["render", "profiles/multicluster.toml", "--cluster", "edge"]);
    assert_eq!(edge, ["istio-service-mesh-config.yaml", "namespaces.yaml"]);
    let unknown = meshc(&["render", "profiles/multicluster.toml", "--cluster", "eats"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("no such cluster; did you mean `east`?"),
        "{}",
        text(&unknown.stderr)
    );

    let explained = text(&meshc(&["explain", "profiles/multicluster.toml"]).stdout);
    for step in [
        "  cluster edge: remote of east on network net-east",
        "kubectl --context=edge annotate namespace istio-system topology.istio.io/controlPlaneClusters=east",
        "istioctl create-remote-secret --context=west --name=west | kubectl apply -f - --context=east",
        "kubectl --context=west label namespace istio-system topology.istio.io/network=net-west",
    ] {
        assert!(explained.contains(step), "{step}\n{explained}");
    }
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
    let lines = text(&json.stderr);
    let value: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(value["code"], "unknown-key");
    let at = &value["locations"][0];
    assert_eq!(
        (at["line"].as_u64(), at["column"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn validate_and_verify_print_the_same_json_shape() {
    let validate = json_stream(&[
        "validate",
        "tests/fixtures/invalid/canary-subset-undeclared/profile.toml",
    ]);
    let verify = json_stream(&["verify", "tests/fixtures/verify/rules/unknown-subset.yaml"]);
    for stream in [&validate, &verify] {
        assert!(stream.len() >= 2, "{stream:?}");
        let (last, diagnostics) = stream.split_last().unwrap();
        assert_eq!(last["type"], "summary", "the stream ends with its summary");
        let counted: u64 = ["errors", "warnings", "notes"]
            .iter()
            .map(|k| last[k].as_u64().unwrap())
            .sum();
        assert_eq!(counted, diagnostics.len() as u64);
        assert!(diagnostics.iter().all(|d| d["type"] == "diagnostic"));
    }
    let (profile, yaml) = (&validate[0], &verify[0]);
    assert_eq!(
        (&profile["code"], &yaml["code"]),
        (
            &Value::from("unknown-subset"),
            &Value::from("unknown-subset")
        )
    );
    assert_eq!(keys(profile), keys(yaml));
    assert_eq!(keys(&profile["locations"][0]), keys(&yaml["locations"][0]));
    assert_eq!(keys(validate.last().unwrap()), keys(verify.last().unwrap()));
    // What differs is only which fields apply.
    assert_eq!(profile["locations"][0]["path"], Value::Null);
    assert_eq!(
        yaml["locations"][0]["path"],
        "spec.http[0].route[0].destination.subset"
    );
    assert_eq!(profile["locations"][0]["column"], 36);
}

#[test]
fn explain_code_prints_a_code_s_document() {
    let output = meshc(&["explain-code", "unknown-subset"]);
    assert_eq!(output.status.code(), Some(0));
    let document = text(&output.stdout);
    assert!(document.starts_with("# unknown-subset\n"), "{document}");
    assert!(document.contains("## How to fix"), "{document}");

    let misspelt = meshc(&["explain-code", "unknown-subsets"]);
    assert_eq!(misspelt.status.code(), Some(2));
    assert!(misspelt.stdout.is_empty());
    let stderr = text(&misspelt.stderr);
    assert!(
        stderr.contains("did you mean `unknown-subset`?"),
        "{stderr}"
    );

    let list = meshc(&["explain-code"]);
    assert_eq!(list.status.code(), Some(0));
    let list = text(&list.stdout);
    assert_eq!(list.lines().count(), meshc::Code::ALL.len());
    assert!(
        list.lines()
            .any(|l| l.starts_with("unknown-subset ") && l.ends_with("defines")),
        "{list}"
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
fn text_from_yaml_never_reaches_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("evil.yaml");
    std::fs::write(
        &file,
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: \"r\\e[2J\\a\"\n  \
         namespace: \"shop\u{202e}x\"\nspec:\n  host: \"bad_host\u{9b}\"\n",
    )
    .unwrap();
    let output = meshc(&["verify", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error[webhook]"), "{stderr}");
    assert!(
        !stderr.chars().any(|c| (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
        "a control or bidi character in:\n{stderr:?}"
    );
    assert!(stderr.contains("r\u{241b}[2J\u{2407}"), "{stderr}");
}

#[test]
fn a_usage_error_is_json_when_json_is_asked_for() {
    let output = meshc(&["--message-format", "json", "validate"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    let value: Value = serde_json::from_str(stderr.trim()).unwrap();
    assert_eq!(value["type"], "error");
    assert!(
        value["message"].as_str().unwrap().contains("<PROFILE>"),
        "{stderr}"
    );
    let human = meshc(&["validate"]);
    assert_eq!(human.status.code(), Some(2));
    assert!(text(&human.stderr).starts_with("error: "));
}

/// A JWT issuer is only compared with the tokens' `iss` claim: Istio's own sample issuer, which
/// is no URL, renders into the RequestAuthentication as written.
#[test]
fn a_jwt_issuer_need_not_be_a_url() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    std::fs::write(
        &profile,
        "[services.hello]\nport = 8080\n\n[[services.hello.callers]]\nnamespaces = [\"default\"]\n\n\
         [security.jwt]\nissuer = \"testing@secure.istio.io\"\n\
         jwks-uri = \"https://auth.example.com/jwks.json\"\naudiences = [\"shop\"]\n",
    )
    .unwrap();
    let output = meshc(&["render", "-q", &profile.to_string_lossy()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("issuer: \"testing@secure.istio.io\"")
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
        "AuthorizationPolicy nephoran-system/llm-processor-tenant-guard rules[6]"
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

/// `meshc diff` and `render --check` compare a render of clusters folder by folder, and say
/// which cluster a change is in.
#[test]
fn diff_and_check_of_clusters_name_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("multicluster");
    for cluster in ["east", "edge", "west"] {
        let from = root().join("out/multicluster").join(cluster);
        std::fs::create_dir_all(out.join(cluster)).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), out.join(cluster).join(entry.file_name())).unwrap();
        }
    }
    let rules = out.join("west/destination-rules.yaml");
    let edited = std::fs::read_to_string(&rules)
        .unwrap()
        .replace("consecutive5xxErrors: 5", "consecutive5xxErrors: 7");
    std::fs::write(&rules, edited).unwrap();
    let out_arg = out.to_str().unwrap();
    let diff = meshc(&["diff", "profiles/multicluster.toml", out_arg]);
    assert_eq!(diff.status.code(), Some(1), "{}", text(&diff.stderr));
    let report = text(&diff.stdout);
    assert!(
        report.contains("west: DestinationRule shop/cart") && !report.contains("east:"),
        "{report}"
    );
    let check = meshc(&[
        "render",
        "profiles/multicluster.toml",
        "--out",
        out_arg,
        "--check",
    ]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check.stdout).contains("/west/destination-rules.yaml"),
        "{}",
        text(&check.stdout)
    );
}
