//! `meshc graph`: the drawing of every shipped profile in each format (snapshots, the same bytes
//! twice), each format's shape checked line by line or tag by tag, and a profile whose values
//! hold every format's markup (`fixtures/graph/hostile/`) drawn with exactly the nodes and edges
//! it declares.

use crate::support::{meshc, root, shipped_profiles, text};

const FORMATS: &[&str] = &["mermaid", "dot", "svg", "html"];

fn shipped() -> Vec<String> {
    let names: Vec<String> = shipped_profiles()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() >= 3, "the shipped profiles are missing");
    names
}

fn graph(profile: &str, format: &str) -> String {
    let output = meshc(&["graph", profile, "--format", format]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    text(&output.stdout)
}

/// The quoted parts of a line, between pairs of `"`.
fn quoted(line: &str) -> Vec<&str> {
    line.split('"').skip(1).step_by(2).collect()
}

/// Every line is one of the statements meshc writes, and every label is one quoted string
/// whose only markup is meshc's own `<br>`.
fn check_mermaid(chart: &str) -> (usize, usize) {
    let (mut nodes, mut edges) = (0, 0);
    for line in chart.lines() {
        let statement = line.trim_start();
        let known = [
            "flowchart LR",
            "%% ",
            "subgraph g",
            "end",
            "n",
            "classDef ",
            "class ",
            "linkStyle ",
        ];
        assert!(known.iter().any(|k| statement.starts_with(k)), "{line}");
        assert!(line.matches('"').count() % 2 == 0, "{line}");
        for label in quoted(line) {
            // Without meshc's line breaks and entity codes, no character Mermaid reads as
            // syntax is left.
            let raw = label.replace("<br>", "");
            let mut rest = raw.as_str();
            let mut plain = String::new();
            while let Some(at) = rest.find('#') {
                plain.push_str(&rest[..at]);
                let end = rest[at..].find(';').map_or(rest.len(), |e| at + e + 1);
                assert!(
                    rest[at + 1..end - 1].bytes().all(|b| b.is_ascii_digit()),
                    "{line}"
                );
                rest = &rest[end..];
            }
            plain.push_str(rest);
            assert!(
                !plain.contains(|c| "<>[](){}|;%#\\`'\"&".contains(c)),
                "{line}"
            );
        }
        if statement.starts_with('n') {
            let id_end = statement
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap();
            assert!(
                statement[1..id_end].bytes().all(|b| b.is_ascii_digit()),
                "{line}"
            );
            if statement.contains("-->|") || statement.contains("-.->|") {
                edges += 1;
            } else {
                nodes += 1;
            }
        }
    }
    (nodes, edges)
}

/// The characters of a Mermaid label, entity codes decoded.
fn decode_mermaid(label: &str) -> String {
    let mut out = String::new();
    let mut rest = label;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..at]);
        let code = &rest[at + 1..];
        let end = code.find(';').unwrap();
        out.push(char::from_u32(code[..end].parse().unwrap()).unwrap());
        rest = &code[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Every line is a statement meshc writes, with its quotes balanced once escapes are skipped.
fn check_dot(digraph: &str) -> (usize, usize) {
    let (mut nodes, mut edges) = (0, 0);
    for line in digraph.lines() {
        let statement = line.trim_start();
        let known = [
            "digraph mesh {",
            "graph [",
            "node [",
            "edge [",
            "subgraph cluster_g",
            "label=",
            "labelloc=",
            "n",
            "}",
        ];
        assert!(known.iter().any(|k| statement.starts_with(k)), "{line}");
        let unescaped = statement
            .replace("\\\\", "")
            .replace("\\\"", "")
            .matches('"')
            .count();
        assert!(unescaped % 2 == 0, "{line}");
        if statement.starts_with('n') && !statement.starts_with("node [") {
            if statement.contains(" -> ") {
                edges += 1;
            } else {
                nodes += 1;
            }
        }
    }
    (nodes, edges)
}

/// Every tag is one meshc writes; no value opens one.
fn check_markup(document: &str) {
    const TAGS: &[&str] = &[
        "svg", "title", "style", "defs", "marker", "path", "g", "rect", "text", "tspan", "html",
        "head", "meta", "body", "header", "h1", "h2", "p", "span", "main", "div", "aside", "pre",
        "script", "!DOCTYPE",
    ];
    for (at, _) in document.match_indices('<') {
        let name: String = document[at + 1..]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(
            TAGS.contains(&name.as_str()),
            "{}",
            document[at..].chars().take(40).collect::<String>()
        );
    }
}

#[test]
fn every_shipped_profile_in_every_format() {
    for name in shipped() {
        let profile = format!("profiles/{name}.toml");
        for format in FORMATS {
            let drawn = graph(&profile, format);
            assert_eq!(
                drawn,
                graph(&profile, format),
                "{name} {format}: not the same twice"
            );
            match *format {
                "mermaid" => _ = check_mermaid(&drawn),
                "dot" => _ = check_dot(&drawn),
                _ => check_markup(&drawn),
            }
            insta::assert_snapshot!(format!("{name}__{format}"), drawn);
        }
    }
}

#[test]
fn no_value_changes_a_drawing_s_shape() {
    let profile = "tests/fixtures/graph/hostile/profile.toml";
    let evil = "x-evil=\"]) --> n0; click n0 call alert(1) <script>alert(1)</script> \\N `|{}#quot;#35;&amp; ]]></x>";
    // The gateway, the namespace caller, the service; a route and a caller.
    let chart = graph(profile, "mermaid");
    assert_eq!(check_mermaid(&chart), (3, 2));
    assert!(
        chart
            .lines()
            .flat_map(quoted)
            .any(|l| decode_mermaid(l).contains(evil)),
        "the value is drawn whole"
    );
    let digraph = graph(profile, "dot");
    assert_eq!(check_dot(&digraph), (3, 2));
    assert!(digraph.contains(&evil.replace('\\', "\\\\").replace('"', "\\\"")));
    for format in ["svg", "html"] {
        let document = graph(profile, format);
        check_markup(&document);
        assert_eq!(document.matches("<g class=\"node ").count(), 3, "{format}");
        assert_eq!(document.matches("<g class=\"edge ").count(), 2, "{format}");
        assert_eq!(
            document.matches("<script").count(),
            usize::from(format == "html")
        );
        assert!(
            document.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{format}"
        );
    }
}

/// With `[clusters]`, one group per cluster holds what it runs of the install: a primary's
/// istiod, a remote's proxies with an edge from the istiod that configures them, and east-west
/// gateways joined across networks; the mesh's own groups are drawn once, as without clusters.
#[test]
fn each_cluster_is_a_group_of_its_own() {
    let chart = graph("profiles/multicluster.toml", "mermaid");
    let groups: Vec<&str> = chart
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("subgraph "))
        .collect();
    assert_eq!(
        groups,
        [
            "g0[\"namespace istio-system\"]",
            "g1[\"namespace shop\"]",
            "g2[\"cluster east #40;primary#41;\"]",
            "g3[\"cluster edge #40;remote#41;\"]",
            "g4[\"cluster west #40;primary#41;\"]",
        ]
    );
    // The services and the gateway, then istiod and the east-west gateway of east and west,
    // the proxies and east-west gateway of edge; two grants, one remote, two network crossings.
    assert_eq!(check_mermaid(&chart), (9, 5));
    assert!(chart.contains("n3[/\"istiod east<br>holds the mesh configuration<br>"));
    assert!(chart.contains("n5(\"proxies of edge<br>no istiod<br>"));
    assert!(chart.contains("  n3 -->|\"configured by east\"| n5\n"));
    let crossing =
        "|\"cross-network: net-east - net-west<br>both ways, mTLS passed through :15443\"|";
    // east and edge (net-east) each reach west (net-west); east and edge share a network.
    assert!(chart.contains(&format!("  n4 -->{crossing} n8\n")));
    assert!(chart.contains(&format!("  n6 -->{crossing} n8\n")));
    assert_eq!(chart.matches("cross-network").count(), 2);
    // The install's edges are not the simulator's verdicts: a style of their own.
    assert!(chart.ends_with(
        "  linkStyle 0,1 stroke:#15803d\n  linkStyle 2,3,4 stroke:#4338ca,stroke-dasharray:2 2\n"
    ));
    let digraph = graph("profiles/multicluster.toml", "dot");
    assert_eq!(check_dot(&digraph), (9, 5));
    for g in 2..5 {
        assert!(digraph.contains(&format!("subgraph cluster_g{g} {{")));
    }
    for format in ["svg", "html"] {
        let document = graph("profiles/multicluster.toml", format);
        assert_eq!(
            document.matches("<g class=\"group\">").count(),
            5,
            "{format}"
        );
        assert_eq!(document.matches("<g class=\"node istiod\"").count(), 2);
        assert_eq!(document.matches("<g class=\"node workloads\"").count(), 1);
    }
    // One network: no crossing, and the east-west gateway only where a remote reaches istiod.
    let one = graph(
        "tests/fixtures/graph/one-network-remote/profile.toml",
        "mermaid",
    );
    assert_eq!(check_mermaid(&one), (5, 2));
    assert!(
        one.contains("  n3 -->|\"configured by main\"| n2\n"),
        "{one}"
    );
    assert_eq!(one.matches("east-west gateway").count(), 1, "{one}");
    assert!(one.contains("east-west gateway main"), "{one}");
    assert!(!one.contains("cross-network"), "{one}");
    // Without clusters, nothing of the install is drawn.
    let prod = graph("profiles/prod.toml", "mermaid");
    assert!(
        !prod.contains("cluster ") && !prod.contains("istiod"),
        "{prod}"
    );
}

#[test]
fn edges_carry_the_simulator_s_verdict() {
    let chart = graph("profiles/prod.toml", "mermaid");
    // The canary split and the region pin of llm-processor, as the simulator routed them.
    assert!(chart.contains(
        "\"POST<br>/v1/process, /v1/intent<br>split stable 80#37;, canary 20#37;<br>x-region pins a region\""
    ));
    // Per-path subsets of oran-adaptor's routes.
    assert!(chart.contains("/a1/: to a1-interface<br>/o1/: to o1-interface"));
    // The edge requires a token: without one the simulator's request is refused.
    assert!(chart.contains("\"a1: /a1/<br>token required<br>to a1-interface\""));
}

/// Through the egress gateway, whose policy reads methods and paths, the edge is probed with
/// what the caller lists, and allowed.
#[test]
fn egress_through_the_gateway_is_drawn_as_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("egress.toml");
    std::fs::write(
        &profile,
        r#"[control-plane]
egress-gateway = true

[services.worker]
port = 8080

[[services.worker.callers]]
namespaces = ["default"]

[external-services.llm-api]
host = "api.llm.example.com"
tls-origination = true
egress = "gateway"

[[external-services.llm-api.callers]]
services = ["worker"]
methods = ["POST"]
paths = ["/v1/chat/completions"]
"#,
    )
    .unwrap();
    let chart = graph(profile.to_str().unwrap(), "mermaid");
    let edge = chart
        .lines()
        .find(|line| line.contains("through the egress gateway"))
        .unwrap_or_else(|| panic!("{chart}"));
    assert!(
        edge.contains("-->|\"HTTP :80, TLS to :443, through the egress gateway\"|"),
        "{chart}"
    );
}

/// `graph` draws the rendered mesh without proving it (issue 16's second on 1,000 services):
/// a profile whose proofs fail, here a hand-written Sidecar that cuts `web` off from `cart`, is
/// drawn, with that grant refused and why, while `validate` refuses the profile.
#[test]
fn a_profile_whose_proofs_fail_is_drawn_with_the_grant_refused() {
    let profile = "tests/fixtures/invalid/sidecar-cuts-a-caller/profile.toml";
    let validate = meshc(&["validate", profile]);
    assert_eq!(validate.status.code(), Some(1));
    assert!(text(&validate.stderr).contains("error[proof-failed]"));
    let chart = graph(profile, "mermaid");
    let refused: Vec<&str> = chart.lines().filter(|l| l.contains("refused")).collect();
    assert_eq!(refused.len(), 1, "{chart}");
    assert!(
        refused[0].contains("n1 -.->|") && refused[0].ends_with("| n0"),
        "{chart}"
    );
    assert!(refused[0].contains("unavailable #40;502#41;"), "{chart}");
    assert!(chart.contains("n0[\"cart<br>port 8080\"]"), "{chart}");
    assert!(chart.contains("n1[\"web<br>port 8080\"]"), "{chart}");
    assert!(chart.contains("linkStyle 0 stroke:#dc2626"), "{chart}");
}

#[test]
fn an_invalid_profile_draws_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[mesh]\nnamespase = \"x\"\n").unwrap();
    let output = meshc(&["graph", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(text(&output.stderr).contains("unknown-key"));
}

/// The README shows the prod graph (`out/prod.svg`) and the minimal profile's chart: both are
/// what meshc draws today. `MESHC_BLESS=1` rewrites `out/prod.svg`.
#[test]
fn the_readme_s_drawings_are_fresh() {
    let svg = graph("profiles/prod.toml", "svg");
    let committed = root().join("out/prod.svg");
    if std::env::var_os("MESHC_BLESS").is_some() {
        std::fs::write(&committed, &svg).unwrap();
    }
    assert!(
        std::fs::read_to_string(&committed).unwrap() == svg,
        "out/prod.svg is stale: run MESHC_BLESS=1 cargo test --test integration graph::"
    );
    let readme = crate::support::documentation();
    let chart = graph("profiles/minimal.toml", "mermaid");
    assert!(
        readme.contains(&format!("```mermaid\n{chart}```\n")),
        "the documentation's chart of profiles/minimal.toml is stale:\n{chart}"
    );
}

/// `meshc diff --format markdown` of two profiles ends with the edges that change, as the
/// simulator sees them on each side: a canary's new split, a tenant's new path.
#[test]
fn a_markdown_diff_draws_the_edges_that_change() {
    let diff = |case: &str| {
        let dir = format!("tests/fixtures/diff/{case}");
        let output = meshc(&[
            "diff",
            &format!("{dir}/old.toml"),
            &format!("{dir}/new.toml"),
            "--format",
            "markdown",
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
        text(&output.stdout)
    };
    let canary = diff("canary-weight");
    let (_, chart) = canary
        .split_once("#### Who reaches what: edges that change\n\n```mermaid\n")
        .expect("a chart");
    assert_eq!(
        check_mermaid(chart.trim_end_matches("```\n")),
        (2, 1),
        "{chart}"
    );
    assert!(chart.contains("changed<br>"), "{chart}");
    assert!(chart.contains("stable 70#37;, canary 30#37;"), "{chart}");
    assert!(
        chart.contains("was: split stable 80#37;, canary 20#37;"),
        "{chart}"
    );
    assert!(chart.contains("stroke:#d97706"), "{chart}");
    let tenant = diff("tenant-access");
    assert!(tenant.contains("/cart/acme, /cart/shared"), "{tenant}");
    // Folders have no profile to draw from: the comment is the resource diff alone.
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    for (side, out) in [("old", &old), ("new", &new)] {
        let profile = format!("tests/fixtures/diff/canary-weight/{side}.toml");
        let rendered = meshc(&["render", &profile, "--out", out.to_str().unwrap()]);
        assert_eq!(rendered.status.code(), Some(0));
    }
    let folders = meshc(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert!(!text(&folders.stdout).contains("```mermaid"));
    // The README shows the canary's chart as meshc draws it.
    let readme = crate::support::documentation();
    let shown = chart.split_once("```\n").map_or(chart, |(c, _)| c);
    assert!(
        readme.contains(&format!("```mermaid\n{shown}```\n")),
        "the documentation's chart of the canary diff is stale:\n{shown}"
    );
}
