//! Helpers for the simulator's unit tests: meshes from YAML text, tokens, requests.

use serde_json::Value;

use super::decode::{Resources, decode};
use super::mesh::Mesh;
use super::pod_labels::PodLabels;
use super::request::{Jwt, Token};
use super::topology::{Labels, Topology};
use crate::istio::document::read;

/// A mesh from YAML documents and a TOML topology; panics on any error.
pub(crate) fn mesh(yaml: &str, topology: &str) -> Mesh {
    let (documents, error) = read("test.yaml", yaml, &"default".into());
    assert!(error.is_none(), "{error:?}");
    let topology: Topology = toml::from_str(topology).expect("a topology");
    Mesh::from_documents(&documents, &topology).expect("a mesh")
}

/// The decoded resources of YAML documents; panics on any error.
pub(crate) fn resources(yaml: &str) -> Resources {
    let (documents, error) = read("test.yaml", yaml, &"default".into());
    assert!(error.is_none(), "{error:?}");
    decode(&documents).expect("resources the simulator reads")
}

/// A valid token of `issuer` for `audiences`, subject `alice`, with `claims` (a JSON object).
pub(crate) fn jwt(issuer: &str, audiences: &[&str], claims: &Value) -> Jwt {
    Jwt {
        issuer: issuer.to_string(),
        subject: Some("alice".to_string()),
        audiences: audiences.iter().map(|a| (*a).to_string()).collect(),
        claims: claims.as_object().cloned().unwrap_or_default(),
    }
}

/// [`jwt`] as a request's token.
pub(crate) fn token(issuer: &str, audiences: &[&str], claims: &Value) -> Token {
    Token::Valid(jwt(issuer, audiences, claims))
}

/// Labels from pairs.
pub(crate) fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// A workload's labels from pairs.
pub(crate) fn pod_labels(pairs: &[(&str, &str)]) -> PodLabels {
    PodLabels::from(labels(pairs))
}
