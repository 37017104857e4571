//! The CORS-preflight guarantee (`src/prove/preflight.rs`) against hand-made changes of a
//! render: the edge's token rule that makes preflights need a token where the gateway answers
//! CORS, and one that waves them through where it does not, must each fail the proofs.

use meshc::Source;
use meshc::testing::prove::{self, ProofFailure};
use meshc::testing::render::File;

/// A gateway with CORS, tokens required, one route.
const WITH_CORS: &str = r#"
[services.api]
port = 8080

[gateway]
hosts = ["api.example.com"]
credential = "api-tls"

[gateway.cors]
allow-origins = ["https://console.example.com"]
allow-methods = ["GET", "POST"]

[gateway.routes.api]
prefix = "/v1"
service = "api"

[security.jwt]
issuer = "https://auth.example.com"
jwks-uri = "https://auth.example.com/.well-known/jwks.json"
audiences = ["api"]
"#;

/// The messages of the proofs on the profile's render once `change` has edited its
/// `security-policies.yaml` (the unchanged render compiles, so it keeps every guarantee).
fn proofs_after(text: &str, change: impl Fn(&str) -> String) -> Vec<String> {
    let source = Source::new("profile.toml", text.to_string());
    let compiled = meshc::compile(&source).unwrap_or_else(|e| panic!("{e:?}"));
    let profile = meshc::check(&source).unwrap().profile;
    let mut files: Vec<File> = compiled.files;
    let security = files
        .iter_mut()
        .find(|f| f.name == "security-policies.yaml")
        .unwrap();
    let changed = change(&security.content);
    assert_ne!(
        changed, security.content,
        "the change must change the render"
    );
    security.content = changed;
    match prove::check(&files, &profile) {
        Ok(_) => Vec::new(),
        Err(ProofFailure::Failed(diagnostics)) => {
            diagnostics.iter().map(|d| d.message.clone()).collect()
        }
        Err(ProofFailure::Unreadable(refused)) => panic!("unreadable: {refused:?}"),
    }
}

#[test]
fn a_token_rule_that_catches_preflights_fails_where_the_gateway_answers_cors() {
    let failed = proofs_after(WITH_CORS, |yaml| {
        yaml.replace("        notMethods: [OPTIONS]\n", "")
    });
    assert!(
        failed.iter().any(|m| m.starts_with(
            "a CORS preflight without a token is answered at the gateway: OPTIONS /v1/proof"
        ) && m.contains("denied")),
        "{failed:?}"
    );
}

#[test]
fn a_token_rule_that_waves_preflights_through_fails_without_cors() {
    let without_cors = WITH_CORS.replace(
        "[gateway.cors]\nallow-origins = [\"https://console.example.com\"]\nallow-methods = [\"GET\", \"POST\"]\n",
        "",
    );
    assert!(!without_cors.contains("cors"));
    let failed = proofs_after(&without_cors, |yaml| {
        yaml.replace(
            "        ports:\n        - \"8443\"\n",
            "        ports:\n        - \"8443\"\n        notMethods: [OPTIONS]\n",
        )
    });
    assert!(
        failed.iter().any(|m| m.starts_with(
            "without CORS, a preflight without a token stops at the gateway: OPTIONS /v1/proof"
        )),
        "{failed:?}"
    );
}
