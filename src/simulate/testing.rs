//! Helpers for the simulator's unit tests: meshes from YAML text, tokens, requests.

use std::collections::BTreeMap;

use serde_json::Value;

use super::context::{Attributes, Headers, Payload, Sni};
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

/// The labels of generated pairs (key number, value number): `k<key>` = `v<value>`, for
/// proptests that draw selectors and workloads' labels from a few keys and values.
pub(crate) fn generated(pairs: &BTreeMap<usize, usize>) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (format!("k{k}"), format!("v{v}")))
        .collect()
}

/// A request's attributes as owned values, for proptests that draw them: headers are values of
/// `x`, and the claim is both `t` and `scope` of a valid token.
#[derive(Debug, Clone)]
pub(crate) struct Asked {
    pub host: String,
    pub method: String,
    pub path: String,
    pub peer: Option<String>,
    pub claim: Option<Value>,
    pub headers: Vec<String>,
    pub sni: Option<String>,
    pub tcp: bool,
}

impl Asked {
    /// Runs `f` on the attributes, on port 80.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Attributes<'_>) -> R) -> R {
        let pairs: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|v| ("x".to_string(), v.clone()))
            .collect();
        let headers = Headers::new(&pairs);
        let token = self.claim.as_ref().map(|c| {
            jwt(
                "https://iss",
                &["aud1"],
                &serde_json::json!({"t": c, "scope": c}),
            )
        });
        f(&Attributes {
            host: &self.host,
            method: &self.method,
            path: &self.path,
            port: 80,
            headers: &headers,
            peer: self.peer.as_deref(),
            jwt: token.as_ref().map(|jwt| Payload { jwt, split: &[] }),
            source_ip: None,
            remote_ip: None,
            sni: self.sni.as_deref().map_or(Sni::None, Sni::Name),
            tcp: self.tcp,
        })
    }
}
