//! The mutation score of the rendered security YAML (issue 10): every generated policy, rule and
//! value of `security-policies.yaml` (the mesh's and the edge's PeerAuthentication,
//! RequestAuthentication and AuthorizationPolicies) is removed, one at a time, and the built-in
//! proofs and the profile's `[[expect]]`s run on the mutated render through the simulator. Each
//! removal must make at least one of them fail: a removal that none notices is a guarantee the
//! proofs do not hold the render to.
//!
//! A removal is one of: a whole document; a key of its `spec` at any depth (`action`, `selector`,
//! a rule's `from`, `when`, `notPaths`, …); one entry of a list of two or more (a rule, a source,
//! a principal, a path); removing the only entry of a list is removing its key, since Istio reads
//! an empty list as an absent one. `metadata` is not touched. Mutants the simulator cannot read
//! (Istio would refuse them at admission) are counted apart.
//!
//! `cargo test` runs it on `profiles/minimal.toml`, the diff fixtures' tenant profile and
//! [`PORTS`], a service of several ports; the shipped profiles with tenants (prod, dev) take
//! longer and run with `MESHC_MUTATIONS=all cargo test --release --test integration mutations`,
//! or some of them with `MESHC_MUTATIONS=prod` (a comma-separated list).
//! [`EQUIVALENT`] explains the survivors that are equivalent mutants, each with why, and
//! [`GAPS`] the ones no proof catches yet; `MESHC_MUTATIONS_VERBOSE=1` prints every survivor
//! with its reason.

use std::collections::BTreeSet;
use std::fmt::Write;

use meshc::Source;
use meshc::testing::model::{Profile, Service};
use meshc::testing::prove;
use meshc::testing::render::File;
use serde_json::Value;

use crate::support::{read, root};

/// Survivors that change nothing a request can observe, each with why: a mutant is explained
/// when its description contains the pattern. Each holds for the shipped profiles and the
/// fixtures run here; a new survivor must be killed (a proof or an expect) or explained.
const EQUIVALENT: &[(&str, &str)] = &[
    (
        "/allow-nothing removed",
        "every workload of the profile has an ALLOW policy of its own; allow-nothing decides \
         only for pods the profile does not describe",
    ),
    (
        "RequestAuthentication istio-system/edge-jwt spec.jwtRules[0].audiences removed",
        "the workload's RequestAuthentication checks the same audiences on the token the \
         gateway forwards",
    ),
    (
        "/jwt spec.jwtRules[0].audiences removed",
        "tokens enter through the gateway, whose RequestAuthentication refuses another audience",
    ),
    (
        "edge-jwt spec.jwtRules[0].outputClaimToHeaders removed",
        "every tenant guard refuses a tenant header that differs from the token's claim, so \
         the gateway's copy of the claim into the header decides nothing",
    ),
    (
        "/jwt spec.jwtRules[0].forwardOriginalToken removed",
        "a workload's proxy forwards to its own application, past the last hop",
    ),
    (
        "edge-require-jwt spec.rules[0]",
        "in prod and dev the dashboard's public route is `/`, so the first rule's \
         `notPaths: /*` leaves it no path a request can have; in the shop fixture, the \
         gateway serves only its hosts and port",
    ),
    (
        "edge-require-jwt spec.rules[1].to[0].operation.hosts removed",
        "the gateway serves only the profile's hosts: a request for another finds no server",
    ),
    (
        "edge-require-jwt spec.rules[1].to[0].operation.ports removed",
        "the gateway's other port answers every request with a redirect to HTTPS",
    ),
    (
        "edge-jwt-oran-a1 spec.jwtRules[0].audiences removed",
        "as edge-jwt's, on the A1 gateway's deployment of its own: the workload's \
         RequestAuthentication checks the same audiences on the token it forwards",
    ),
    (
        "edge-jwt-oran-a1 spec.jwtRules[0].outputClaimToHeaders removed",
        "as edge-jwt's: every tenant guard refuses a tenant header that differs from the \
         token's claim",
    ),
    (
        "edge-require-jwt-oran-a1 spec.rules[0].to[0].operation.hosts removed",
        "the A1 gateway's deployment serves only its gateway's host: a request for another \
         finds no server",
    ),
    (
        "edge-require-jwt-oran-a1 spec.rules[0].to[0].operation.ports removed",
        "the deployment's other port answers every request with a redirect to HTTPS",
    ),
    (
        "edge-require-jwt spec.selector",
        "in the root namespace it then applies to every workload, but its rules name the \
         gateway's hosts, which no request inside the mesh carries",
    ),
    (
        "spec.selector.matchLabels.istio removed",
        "as its selector's removal: the rules name the gateway's hosts",
    ),
    (
        ".from[0].source.requestPrincipals removed",
        "this rule admits the ingress gateway only, which refuses a request without a token \
         on these paths (edge-require-jwt) before it reaches the service",
    ),
    (
        "].to removed",
        "a rule for the ingress gateway's principal: the gateway sends the service only the \
         paths its routes take, and a token is required on all but the public ones",
    ),
    (
        "-tenant-guard spec.rules[4]",
        "the gateway writes the tenant header from the claim, and no caller rule admits a \
         tenant's paths inside the mesh, so a tenant's token never arrives with another \
         tenant's header",
    ),
    (
        "-tenant-guard spec.rules[7]",
        "as rules[4], for the other tenant",
    ),
    (
        "-tenant-guard spec.rules[6]",
        "as rules[4], for the other tenant (the shop fixture)",
    ),
    (
        "nephoran-dashboard-tenant-guard",
        "the dashboard's only route is public at `/` and open to tenants, so every rule of its \
         guard has `notPaths: /*` and guards no path",
    ),
    (
        "spec.selector removed",
        "an ALLOW applied namespace-wide admits its callers elsewhere, but with one Sidecar \
         per service a caller's proxy knows only the services it calls, and the gateway's \
         principal gets only its routes' paths",
    ),
    (
        "spec.selector.matchLabels.app removed",
        "as its selector's removal",
    ),
    (
        "spec.selector.matchLabels.app.kubernetes.io/name removed",
        "as its selector's removal (a service labelled the Kubernetes way, as prod's A1 policy \
         service)",
    ),
    (
        "default/hello spec.selector",
        "the minimal mesh has one workload",
    ),
];

/// Survivors no proof catches yet and no reason makes equivalent: gaps, reported by the long
/// run and listed in docs/security.md.
const GAPS: &[(&str, &str)] = &[];

/// A service of several ports, as prod's `oran-adaptor`: its policies' rules hold on some ports
/// only, and the proofs must send their requests on each (`cargo test` runs it).
const PORTS: &str = r#"
# A service of three ports: a caller on every port, one held to the first, a gateway route and
# tenants who list another service.
[mesh]
namespace = "ran"

[services.adaptor]
ports = [
  { name = "http-a1", port = 8080 },
  { name = "http-o1", port = 8081 },
  { name = "http-o2", port = 8082 },
]

[[services.adaptor.callers]]
services = ["bridge"]
methods = ["POST", "PUT"]
paths = ["/a1/", "/o1/"]

[[services.adaptor.callers]]
service-accounts = ["ric/near-rt-ric"]
methods = ["GET"]
paths = ["/a1/policies"]
ports = ["http-a1"]

[services.bridge]
port = 8080

[[services.bridge.callers]]
services = ["adaptor"]
paths = ["/v1/status"]

[gateway]
hosts = ["ran.example.com"]
credential = "ran-tls"

[gateway.routes.a1]
prefix = "/a1/"
service = "adaptor"

[gateway.routes.tenants]
prefix = "/v1/tenants"
service = "bridge"

[security.jwt]
issuer = "https://auth.example.com"
jwks-uri = "https://auth.example.com/jwks.json"
audiences = ["ran"]
require-token = true

[tenancy]
claim = "tenant_id"
header = "x-tenant-id"

[tenants.op-a]
services = ["bridge"]
paths = ["/v1/tenants/op-a"]

[tenants.op-b]
services = ["bridge"]
paths = ["/v1/tenants/op-b"]
"#;

/// The kinds whose documents are mutated.
const KINDS: &[&str] = &[
    "PeerAuthentication",
    "RequestAuthentication",
    "AuthorizationPolicy",
];

/// One step from a node to a child.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn show(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) if out.is_empty() => out.push_str(key),
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// Every removal below `node`, as the path of what is removed.
fn removals(node: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match node {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(Step::Key(key.clone()));
                out.push(path.clone());
                removals(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(Step::Index(i));
                // The only entry: removing it is removing the key, already listed.
                if items.len() > 1 {
                    out.push(path.clone());
                }
                removals(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Why removing what `path` names from `spec` changes nothing a request can observe, when that
/// follows from the document alone:
/// - a `ports` condition (or a `to`/`operation` that holds nothing else) that names every
///   container port of the service whose workloads the policy selects (`ports`), so that the
///   condition always holds; one that names some of them is no equivalent;
/// - `action: ALLOW`, Istio's default action.
fn equivalent(
    spec: &Value,
    path: &[Step],
    ports: Option<&BTreeSet<String>>,
) -> Option<&'static str> {
    let mut at = spec;
    for step in path {
        at = match step {
            Step::Key(key) => &at[key.as_str()],
            Step::Index(i) => &at[*i],
        };
    }
    let every_port = |named: &Value| {
        let named: BTreeSet<&str> = named
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        ports.is_some_and(|ports| ports.iter().all(|p| named.contains(p.as_str())))
    };
    let only_every_port = |operation: &Value| {
        operation
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k == "ports"))
            && every_port(&operation["ports"])
    };
    let last = match path.last() {
        Some(Step::Key(key)) => key.as_str(),
        _ => "",
    };
    let always = match last {
        "ports" => every_port(at),
        "operation" => only_every_port(at),
        "to" => at
            .as_array()
            .is_some_and(|to| to.iter().all(|t| only_every_port(&t["operation"]))),
        _ => false,
    };
    if always {
        return Some("the condition names every port the workload listens on");
    }
    if last == "action" && path.len() == 1 && at == "ALLOW" {
        return Some("ALLOW is the default action");
    }
    None
}

/// The container ports of the service whose workloads `document` selects (its namespace, its
/// labels), as a policy's `ports` names them; without a selector, those of every service of its
/// namespace (the default deny refuses everything to a workload the profile does not name).
fn selected_ports(profile: &Profile, document: &Value) -> Option<BTreeSet<String>> {
    let namespace = document["metadata"]["namespace"].as_str()?;
    let Some(labels) = document["spec"]["selector"]["matchLabels"].as_object() else {
        let ports: BTreeSet<String> = profile
            .services
            .iter()
            .filter(|s| s.namespace.as_str() == namespace)
            .flat_map(container_ports)
            .collect();
        return (!ports.is_empty() && profile.security.default_deny).then_some(ports);
    };
    let service = profile.services.iter().find(|s| {
        s.namespace.as_str() == namespace
            && s.labels.len() == labels.len()
            && s.labels
                .iter()
                .all(|(k, v)| labels.get(k.as_str()).and_then(Value::as_str) == Some(v.as_str()))
    })?;
    Some(container_ports(service))
}

/// A service's container ports, as a policy's `ports` names them.
fn container_ports(service: &Service) -> BTreeSet<String> {
    if service.ports.is_empty() {
        BTreeSet::from([service.target_port.get().to_string()])
    } else {
        service
            .ports
            .iter()
            .map(|p| p.target_port.get().to_string())
            .collect()
    }
}

fn remove(node: &mut Value, path: &[Step]) {
    let (last, parents) = path.split_last().unwrap();
    let mut at = node;
    for step in parents {
        at = match step {
            Step::Key(key) => &mut at[key.as_str()],
            Step::Index(i) => &mut at[*i],
        };
    }
    match (last, at) {
        (Step::Key(key), Value::Object(map)) => {
            map.remove(key);
        }
        (Step::Index(i), Value::Array(items)) => {
            items.remove(*i);
        }
        _ => unreachable!("a removal follows the tree"),
    }
}

fn documents(content: &str) -> Vec<Value> {
    meshc::testing::diff::parse("security-policies.yaml", content)
        .unwrap()
        .into_iter()
        .map(|r| r.value())
        .collect()
}

/// JSON is YAML: the mutated file is each document in flow style.
fn stream(documents: &[Value]) -> String {
    documents.iter().map(|d| format!("---\n{d}\n")).collect()
}

fn label(document: &Value) -> String {
    format!(
        "{} {}/{}",
        document["kind"].as_str().unwrap_or_default(),
        document["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default(),
        document["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// What the mutants of one profile came to.
#[derive(Debug, Default)]
struct Score {
    killed: usize,
    /// Refused by the self-check: Istio's schemas and admission rules, meshc verify's rules.
    refused: usize,
    /// Refused by the simulator (a document Istio would not read).
    unreadable: usize,
    /// Survivors that [`equivalent`] explains from the document alone, each with why.
    equivalent: Vec<String>,
    survivors: Vec<String>,
}

fn score(name: &str, source: &Source) -> Score {
    let compiled = meshc::compile(source).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let profile = meshc::check(source).unwrap().profile;
    let files: Vec<File> = compiled.files;
    let index = files
        .iter()
        .position(|f| f.name == "security-policies.yaml")
        .unwrap_or_else(|| panic!("{name} renders no security-policies.yaml"));
    prove::check(&files, &profile).unwrap_or_else(|e| panic!("{name} unmutated: {e:?}"));
    let original = documents(&files[index].content);
    // Each mutant: what it is, the documents, and the equivalence that explains it, if any.
    let mut mutants: Vec<(String, Vec<Value>, Option<&str>)> = Vec::new();
    for (d, document) in original.iter().enumerate() {
        if !KINDS.contains(&document["kind"].as_str().unwrap_or_default()) {
            continue;
        }
        let mut without = original.clone();
        without.remove(d);
        mutants.push((format!("{} removed", label(document)), without, None));
        let ports = selected_ports(&profile, document);
        let mut paths = Vec::new();
        let mut path = vec![Step::Key("spec".to_string())];
        mutants.push((
            format!("{} spec removed", label(document)),
            {
                let mut all = original.clone();
                remove(&mut all[d], &path);
                all
            },
            None,
        ));
        removals(&document["spec"], &mut path, &mut paths);
        for path in paths {
            let mut all = original.clone();
            let why = equivalent(&document["spec"], &path[1..], ports.as_ref());
            remove(&mut all[d], &path);
            mutants.push((
                format!("{} {} removed", label(document), show(&path)),
                all,
                why,
            ));
        }
    }
    let mut result = Score::default();
    for (what, mutated, why) in mutants {
        let mut files = files.clone();
        files[index].content = stream(&mutated);
        // Istio refuses it at admission (a `when` without a key, say): not a silent change.
        if meshc::testing::selfcheck::verify(&files, &profile).is_err() {
            result.refused += 1;
            continue;
        }
        match prove::check(&files, &profile) {
            Ok(_) => match why {
                Some(why) => result.equivalent.push(format!("{what}: {why}")),
                None => result.survivors.push(what),
            },
            Err(prove::ProofFailure::Failed(_)) => result.killed += 1,
            Err(prove::ProofFailure::Unreadable(_)) => result.unreadable += 1,
        }
    }
    result
}

/// The survivors of one profile that [`EQUIVALENT`] does not explain, after printing its score.
fn unexplained(name: &str, source: &Source) -> Vec<String> {
    let result = score(name, source);
    let explained = |s: &str| {
        EQUIVALENT
            .iter()
            .chain(GAPS)
            .any(|(pattern, _)| s.contains(pattern))
    };
    let unexplained: Vec<String> = result
        .survivors
        .iter()
        .filter(|s| !explained(s))
        .map(|s| format!("{name}: {s}"))
        .collect();
    let gaps = result
        .survivors
        .iter()
        .filter(|s| GAPS.iter().any(|(pattern, _)| s.contains(pattern)))
        .count();
    let total = result.killed
        + result.refused
        + result.unreadable
        + result.equivalent.len()
        + result.survivors.len();
    let equivalent = result.equivalent.len() + result.survivors.len() - unexplained.len() - gaps;
    eprintln!(
        "{name}: {total} mutants: {} killed by a proof or an expect, {} by the self-check \
         (Istio's rules, meshc verify's), {} unreadable to the simulator, {equivalent} \
         equivalent, {gaps} known gaps, {} unexplained survivors",
        result.killed,
        result.refused,
        result.unreadable,
        unexplained.len()
    );
    if std::env::var_os("MESHC_MUTATIONS_VERBOSE").is_some() {
        for line in &result.equivalent {
            eprintln!("  equivalent: {line}");
        }
        for survivor in &result.survivors {
            let why = EQUIVALENT
                .iter()
                .chain(GAPS)
                .find(|(pattern, _)| survivor.contains(pattern))
                .map_or("unexplained", |(_, why)| why);
            eprintln!("  survivor: {survivor}: {why}");
        }
    }
    unexplained
}

#[test]
fn every_removal_from_the_rendered_security_yaml_breaks_a_proof_or_an_expect() {
    let mut cases: Vec<(String, Source)> = Vec::new();
    // `all`, or the shipped profiles to run, comma-separated (`prod`): the long run one at a time.
    let chosen = std::env::var("MESHC_MUTATIONS").unwrap_or_default();
    let profiles: Vec<&str> = match chosen.as_str() {
        "" => vec!["minimal"],
        "all" => vec!["minimal", "dev", "prod"],
        names => names.split(',').collect(),
    };
    for name in profiles {
        let path = root().join(format!("profiles/{name}.toml"));
        cases.push(((*name).to_string(), read(&path, &root()).unwrap()));
    }
    let tenants = root().join("tests/fixtures/diff/tenant-access/new.toml");
    cases.push((
        "tenant-access".to_string(),
        Source::new("new.toml", std::fs::read_to_string(tenants).unwrap()),
    ));
    cases.push((
        "ports".to_string(),
        Source::new("ports.toml", PORTS.to_string()),
    ));
    let survivors: Vec<String> = cases
        .iter()
        .flat_map(|(name, source)| unexplained(name, source))
        .collect();
    assert!(
        survivors.is_empty(),
        "{} mutants survive the proofs and expects:\n{}",
        survivors.len(),
        survivors.join("\n")
    );
}
