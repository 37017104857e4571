//! The simulator on documented Istio examples (`fixtures/simulate/<case>/`: `resources.yaml`, and
//! `case.toml` with the topology, the requests and what each must get, its source cited at the
//! top), and on the render of the shipped `profiles/prod.toml`.

use meshc::simulate::{Mesh, Origin, Outcome, Request, Token, Topology, Trace};
use meshc::testing::istio as document;
use serde::Deserialize;

use crate::support::{read, root};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    topology: Topology,
    case: Vec<Expectation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    name: String,
    /// The outcome's tag: `allowed`, `denied`, `not-found`, …
    expect: String,
    status: Option<u16>,
    /// The deciding resource: the rule that stopped the request, or that allowed it.
    by: Option<String>,
    /// The host of every branch.
    route: Option<String>,
    request: Request,
}

/// The one resource behind a trace's ending.
fn decider(trace: &Trace<'_>) -> Option<String> {
    if let Some(entry) = trace.entry.as_ref().filter(|e| e.outcome.is_some()) {
        return entry.decided_by.map(|d| d.to_string());
    }
    let branch = trace.branches.first()?;
    if branch.outcome.is_some() {
        return branch.decided_by.map(|d| d.to_string());
    }
    branch.arrivals.first()?.decided_by.map(|d| d.to_string())
}

fn tag(outcome: &Outcome) -> String {
    serde_json::to_value(outcome).unwrap()["outcome"]
        .as_str()
        .unwrap()
        .to_string()
}

fn compile(yaml: &str, name: &str, topology: &Topology) -> Mesh {
    let (documents, error) = document::read(name, yaml, &document::DEFAULT_NAMESPACE.into());
    assert!(error.is_none(), "{name}: {error:?}");
    Mesh::from_documents(&documents, topology).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

#[test]
fn documented_examples() {
    let base = root().join("tests/fixtures/simulate");
    let mut cases = 0;
    let mut folders: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    folders.sort();
    assert!(folders.len() >= 12, "the fixtures are missing");
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let yaml = std::fs::read_to_string(folder.join("resources.yaml")).unwrap();
        let text = std::fs::read_to_string(folder.join("case.toml")).unwrap();
        assert!(
            text.starts_with("# Source"),
            "{name}: case.toml must open with its source"
        );
        let case: Case = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mesh = compile(&yaml, &name, &case.topology);
        for expected in &case.case {
            let trace = mesh.evaluate(&expected.request);
            let what = format!("{name}: {}\n{trace}", expected.name);
            let outcome = trace
                .outcome()
                .unwrap_or_else(|| panic!("mixed endings in {what}"));
            assert_eq!(tag(outcome), expected.expect, "{what}");
            if let Some(status) = expected.status {
                assert_eq!(outcome.status(), Some(status), "{what}");
            }
            if let Some(by) = &expected.by {
                assert_eq!(decider(&trace).as_deref(), Some(by.as_str()), "{what}");
            }
            if let Some(route) = &expected.route {
                assert!(!trace.branches.is_empty(), "{what}");
                assert!(trace.branches.iter().all(|b| b.host == route), "{what}");
            }
            cases += 1;
        }
    }
    assert!(cases >= 60, "only {cases} cases");
}

/// The prod render and the topology the compiler derives from the profile.
fn prod() -> (Mesh, meshc::testing::model::Profile) {
    let source = read(&root().join("profiles/prod.toml"), &root()).unwrap();
    let compiled = meshc::compile(&source).unwrap();
    let profile = meshc::check(&source).unwrap().profile;
    let namespace = document::DEFAULT_NAMESPACE.into();
    let mut documents = Vec::new();
    for file in &compiled.files {
        documents.extend(document::read(&file.name, &file.content, &namespace).0);
    }
    let topology = meshc::testing::topology::of(&profile);
    let mesh = Mesh::from_documents(&documents, &topology).unwrap();
    (mesh, profile)
}

fn token(claims: &serde_json::Value) -> Token {
    let claims = claims.as_object().unwrap().clone();
    Token::Valid(meshc::simulate::Jwt {
        issuer: "https://auth.nephoran.io".into(),
        subject: Some("u1".into()),
        audiences: vec!["nephoran-intent-operator".into()],
        claims,
    })
}

fn edge(path: &str) -> Request {
    Request::new(Origin::Gateway(None), "api.nephoran.io")
        .https()
        .path(path)
}

/// Every ending of a trace, with the resource that decided it.
fn endings(trace: &Trace<'_>) -> Vec<(u32, String, Option<String>)> {
    if let Some(entry) = trace.entry.as_ref().filter(|e| e.outcome.is_some()) {
        let outcome = entry.outcome.as_ref().unwrap().to_string();
        return vec![(100, outcome, entry.decided_by.map(|d| d.to_string()))];
    }
    let mut out = Vec::new();
    for branch in &trace.branches {
        if let Some(outcome) = &branch.outcome {
            out.push((
                branch.weight,
                outcome.to_string(),
                branch.decided_by.map(|d| d.to_string()),
            ));
        }
        for hop in &branch.arrivals {
            let outcome = hop.outcome.as_ref().unwrap().to_string();
            out.push((
                branch.weight,
                outcome,
                hop.decided_by.map(|d| d.to_string()),
            ));
        }
    }
    out
}

/// Requests whose fate was read off out/prod by hand: the callers' grants, mTLS, the edge's
/// token requirement, the tenants' guards, the canary split and the HTTPS redirect.
#[test]
fn prod_does_what_its_yaml_says() {
    let (mesh, profile) = prod();
    assert_eq!(
        meshc::testing::topology::origin(&profile, "nephio-bridge").unwrap(),
        Origin::Workload("nephio-bridge-stable".into())
    );
    let bridge = Request::new(
        Origin::Workload("nephio-bridge-stable".into()),
        "llm-processor.nephoran-system.svc.cluster.local",
    )
    .method("POST")
    .path("/v1/process");
    let trace = mesh.evaluate(&bridge);
    let granted = Some("AuthorizationPolicy nephoran-system/llm-processor rules[0]".to_string());
    assert_eq!(
        endings(&trace),
        [
            (80, "allowed".into(), granted.clone()),
            (20, "allowed".into(), granted.clone())
        ]
    );
    assert_eq!(trace.branches[0].subset, Some("stable"));
    assert_eq!(trace.branches[1].subset, Some("canary"));

    let get = bridge.clone().method("GET");
    assert_eq!(
        mesh.evaluate(&get).stopped_by().unwrap().to_string(),
        "AuthorizationPolicy nephoran-system/allow-nothing"
    );

    let plaintext = Request::new(
        Origin::Plaintext,
        "llm-processor.nephoran-system.svc.cluster.local",
    )
    .method("POST")
    .path("/v1/process");
    let trace = mesh.evaluate(&plaintext);
    assert_eq!(trace.outcome(), Some(&Outcome::Refused));
    assert_eq!(trace.branches[0].arrivals.len(), 3);

    // The public dashboard at `/` exempts every path from the first rule of the edge's token
    // requirement; its second rule keeps the token for the routes tried before `/`.
    let tokenless = mesh.evaluate(&edge("/v1/tenants/operator-a/x"));
    assert_eq!(
        endings(&tokenless),
        [(
            100,
            "denied (403)".into(),
            Some("AuthorizationPolicy istio-system/edge-require-jwt rules[1]".into())
        )]
    );
    let dashboard = mesh.evaluate(&edge("/index.html"));
    assert!(dashboard.allowed_anywhere(), "{:?}", endings(&dashboard));

    let tenant = edge("/v1/tenants/operator-a/x")
        .token(token(&serde_json::json!({"tenant_id": "operator-a"})));
    let trace = mesh.evaluate(&tenant);
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
    assert!(trace.to_string().contains("set x-tenant-id: operator-a"));

    let trespass = edge("/v1/tenants/operator-a/x")
        .token(token(&serde_json::json!({"tenant_id": "operator-b"})));
    let guard =
        Some("AuthorizationPolicy nephoran-system/llm-processor-tenant-guard rules[6]".to_string());
    assert_eq!(
        endings(&mesh.evaluate(&trespass)),
        [
            (80, "denied (403)".into(), guard.clone()),
            (20, "denied (403)".into(), guard)
        ]
    );

    let plain_http = Request::new(Origin::Gateway(None), "api.nephoran.io").path("/v1/intent");
    assert_eq!(
        mesh.evaluate(&plain_http).outcome(),
        Some(&Outcome::Redirected {
            status: 301,
            location: "https://api.nephoran.io/v1/intent".into()
        })
    );

    let a1 = edge("/a1/policies").token(token(&serde_json::json!({})));
    let trace = mesh.evaluate(&a1);
    assert_eq!(trace.branches[0].subset, Some("a1-interface"));
    assert_eq!(
        endings(&trace),
        [(
            100,
            "allowed".into(),
            Some("AuthorizationPolicy nephoran-system/oran-adaptor rules[2]".into())
        )]
    );

    let monitoring = Request::new(
        "monitoring/prometheus".parse().unwrap(),
        "llm-processor.nephoran-system.svc.cluster.local",
    )
    .path("/metrics");
    let trace = mesh.evaluate(&monitoring);
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));
    assert_eq!(
        endings(&trace)[0].2.as_deref(),
        Some("AuthorizationPolicy nephoran-system/llm-processor rules[1]")
    );

    let reads = Request::new(
        Origin::Workload("rag-api-stable".into()),
        "weaviate.nephoran-system.svc.cluster.local",
    )
    .path("/v1/objects/x");
    let trace = mesh.evaluate(&reads);
    let split: Vec<(u32, Option<&str>)> = trace
        .branches
        .iter()
        .map(|b| (b.weight, b.subset))
        .collect();
    assert_eq!(
        split,
        [
            (33, Some("read")),
            (33, Some("read-replica-1")),
            (34, Some("read-replica-2"))
        ]
    );
    assert_eq!(trace.outcome(), Some(&Outcome::Allowed));

    let external = Request::new(
        Origin::Workload("llm-processor-stable".into()),
        "api.openai.com",
    )
    .port(80);
    assert_eq!(
        mesh.evaluate(&external).outcome(),
        Some(&Outcome::External {
            host: "api.openai.com".into()
        })
    );
    let unknown = Request::new(
        Origin::Workload("llm-processor-stable".into()),
        "example.com",
    )
    .port(80);
    assert_eq!(
        mesh.evaluate(&unknown).outcome(),
        Some(&Outcome::Unavailable { status: 502 })
    );
}

/// The five findings of issue 10, as the simulator answers them on prod: each request that
/// passed before the fix is refused now, by the rule meant to refuse it.
#[test]
fn prod_refuses_the_findings_of_issue_10() {
    let (mesh, _) = prod();
    let reaches = |request: &Request| {
        let trace = mesh.evaluate(request);
        trace.allowed_anywhere()
    };
    let guard = |name: &str, rule: usize| {
        format!("AuthorizationPolicy nephoran-system/{name}-tenant-guard rules[{rule}]")
    };
    // 1. An undeclared tenant claim, or none, on a tenant's paths.
    let zz = edge("/v1/tenants/operator-a/x").token(token(&serde_json::json!({"tenant_id": "zz"})));
    assert!(!reaches(&zz));
    assert_eq!(
        mesh.evaluate(&zz).stopped_by().unwrap().to_string(),
        guard("llm-processor", 0)
    );
    let missing = edge("/v1/tenants/operator-a/x").token(token(&serde_json::json!({})));
    assert_eq!(
        mesh.evaluate(&missing).stopped_by().unwrap().to_string(),
        guard("llm-processor", 2)
    );
    // 2. A Host with a port meets the edge's token requirement.
    let ported = Request::new(Origin::Gateway(None), "api.nephoran.io:443")
        .https()
        .path("/v1/tenants/operator-a/x");
    assert_eq!(
        mesh.evaluate(&ported).stopped_by().unwrap().to_string(),
        "AuthorizationPolicy istio-system/edge-require-jwt rules[1]"
    );
    // 3. Inside the mesh a tenant header needs a listed tenant's claim, token or not.
    let header = Request::new(
        Origin::Workload("nephio-bridge-stable".into()),
        "llm-processor.nephoran-system.svc.cluster.local",
    )
    .method("POST")
    .path("/v1/process")
    .header("x-tenant-id", "operator-a");
    assert!(!reaches(&header));
    let claimless = header.clone().token(token(&serde_json::json!({})));
    assert_eq!(
        mesh.evaluate(&claimless).stopped_by().unwrap().to_string(),
        guard("llm-processor", 1)
    );
    // 4. A tenant's token on a service it does not list is refused there.
    let query = edge("/v1/query").token(token(&serde_json::json!({"tenant_id": "operator-a"})));
    let trace = mesh.evaluate(&query);
    assert_eq!(
        trace.branches[0].host,
        "rag-api.nephoran-system.svc.cluster.local"
    );
    assert_eq!(trace.stopped_by().unwrap().to_string(), guard("rag-api", 0));
    // 5. A guard names only the tenants that list its service: weaviate's refuses operator-b
    //    with its one shared rule.
    let b = Request::new(
        Origin::Workload("rag-api-stable".into()),
        "weaviate.nephoran-system.svc.cluster.local",
    )
    .path("/v1/objects")
    .token(token(&serde_json::json!({"tenant_id": "operator-b"})));
    assert_eq!(
        mesh.evaluate(&b).stopped_by().unwrap().to_string(),
        guard("weaviate", 0)
    );
}
