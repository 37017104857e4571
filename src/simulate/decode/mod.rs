//! Rendered documents to typed resources, as Istio's protobuf decoder sees them: a `null` or
//! absent field is its zero value, an empty list is an absent one. Only the kinds the simulator
//! models are decoded; a field Istio knows and that changes request-time behaviour but that the
//! simulator does not model is kept as a note on the part it belongs to (`unmodelled`), so an
//! answer that depends on it says "not modelled" instead of guessing. Fields Istio does not know
//! are pruned by the API server and ignored here too.

mod http_match;
mod l4;
mod mesh_config;
mod networking;
mod security;
mod shared;
mod sidecar;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::error::CompileError;
use super::topology::Labels;
use crate::istio::Document;
use crate::yaml::{Node, Value};

pub(crate) use http_match::HttpMatch;
pub(crate) use l4::{L4Match, L4Route};
pub use mesh_config::Normalization;
pub(crate) use mesh_config::{MeshConfig, OutboundPolicy};
pub(crate) use networking::{
    CorsPolicy, Destination, DestinationRule, Gateway, HeaderOps, HttpRoute, RareRoute, Retries,
    ServiceEntry, StringMatch, TlsMode, TrafficTls, VirtualService,
};
pub use security::{Action, PeerMode};
pub(crate) use security::{
    AuthorizationPolicy, Condition, JwtRule, Operation, PeerAuthentication, RequestAuthentication,
    Rule, Source, TokenLocation,
};
pub(crate) use sidecar::Sidecar;

/// A resource's identity and place.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    /// `Gateway`, `AuthorizationPolicy`, …
    pub kind: &'static str,
    pub name: String,
    /// `metadata.namespace`, `default` when absent (as `kubectl apply` does).
    pub namespace: String,
    pub file: Arc<str>,
    pub line: u32,
    /// `istio.io/dry-run: "true"`: an AuthorizationPolicy that is evaluated but not enforced.
    pub dry_run: bool,
}

impl Meta {
    /// An error of this resource as a whole.
    pub(crate) fn fail(&self, message: impl Into<String>) -> CompileError {
        CompileError {
            file: self.file.to_string(),
            line: self.line,
            resource: format!("{} {}/{}", self.kind, self.namespace, self.name),
            message: message.into(),
        }
    }

    /// An error at `node` of this resource.
    pub(crate) fn error(&self, node: &Node, message: impl Into<String>) -> CompileError {
        CompileError {
            file: self.file.to_string(),
            line: node.line,
            resource: format!("{} {}/{}", self.kind, self.namespace, self.name),
            message: message.into(),
        }
    }
}

/// A resource of a kind that changes behaviour but that the simulator does not model, and the
/// proxies it applies to.
#[derive(Debug, Clone)]
pub(crate) struct Unmodelled {
    pub meta: Meta,
    /// What it does, for the answer.
    pub what: String,
    /// `None`: every proxy of the mesh; otherwise proxies in this namespace (every namespace when
    /// it is the root namespace) whose labels include `selector`.
    pub scope: Option<(String, Labels)>,
}

/// Everything the simulator reads from a set of documents.
#[derive(Debug, Default)]
pub(crate) struct Resources {
    pub gateways: Vec<Gateway>,
    pub virtual_services: Vec<VirtualService>,
    pub destination_rules: Vec<DestinationRule>,
    pub service_entries: Vec<ServiceEntry>,
    pub authorization_policies: Vec<AuthorizationPolicy>,
    pub request_authentications: Vec<RequestAuthentication>,
    pub peer_authentications: Vec<PeerAuthentication>,
    pub mesh_config: Option<(Meta, MeshConfig)>,
    pub unmodelled: Vec<Unmodelled>,
    /// Local rate limits (recognised EnvoyFilters): reported, never decisive.
    pub rate_limits: Vec<Unmodelled>,
    /// Sidecars that only scope egress hosts.
    pub sidecars: Vec<Sidecar>,
}

const NETWORKING: &str = "networking.istio.io";
const SECURITY: &str = "security.istio.io";

/// Decodes every document of a modelled kind; documents of other kinds are ignored.
pub(crate) fn decode(documents: &[Document]) -> Result<Resources, Vec<CompileError>> {
    let mut decoded = Decoded::default();
    for document in documents {
        decoded.add(document);
    }
    decoded.finish()
}

/// Documents decoded one at a time, as a reader hands them over, so that their trees need not
/// all be kept until the mesh is built ([`Mesh::from_decoded`](super::Mesh::from_decoded)).
#[derive(Debug, Default)]
pub struct Decoded {
    resources: Resources,
    errors: Vec<CompileError>,
    /// The strings the routes decoded so far repeat.
    shared: shared::Shared,
}

impl Decoded {
    /// Decodes `document` if it is of a modelled kind; documents of other kinds are ignored.
    pub fn add(&mut self, document: &Document) {
        if let Err(error) = decode_one(document, &mut self.resources, &mut self.shared) {
            self.errors.push(error);
        }
    }

    /// What `pieces` decoded, as if their documents had been added to one in turn: files
    /// decoded on threads of their own are joined in the order of the files. Each list is made
    /// at its exact length before it is filled: grown by doubling, the joined lists had a
    /// quarter of spare room on average, beside the pieces' own until they are dropped.
    pub fn join(pieces: Vec<Decoded>) -> Decoded {
        let total = |count: fn(&Resources) -> usize| -> usize {
            pieces.iter().map(|piece| count(&piece.resources)).sum()
        };
        let mut into = Resources {
            gateways: Vec::with_capacity(total(|r| r.gateways.len())),
            virtual_services: Vec::with_capacity(total(|r| r.virtual_services.len())),
            destination_rules: Vec::with_capacity(total(|r| r.destination_rules.len())),
            service_entries: Vec::with_capacity(total(|r| r.service_entries.len())),
            authorization_policies: Vec::with_capacity(total(|r| r.authorization_policies.len())),
            request_authentications: Vec::with_capacity(total(|r| r.request_authentications.len())),
            peer_authentications: Vec::with_capacity(total(|r| r.peer_authentications.len())),
            mesh_config: None,
            unmodelled: Vec::with_capacity(total(|r| r.unmodelled.len())),
            rate_limits: Vec::with_capacity(total(|r| r.rate_limits.len())),
            sidecars: Vec::with_capacity(total(|r| r.sidecars.len())),
        };
        let mut errors = Vec::new();
        for piece in pieces {
            let Resources {
                gateways,
                virtual_services,
                destination_rules,
                service_entries,
                authorization_policies,
                request_authentications,
                peer_authentications,
                mesh_config,
                unmodelled,
                rate_limits,
                sidecars,
            } = piece.resources;
            into.gateways.extend(gateways);
            into.virtual_services.extend(virtual_services);
            into.destination_rules.extend(destination_rules);
            into.service_entries.extend(service_entries);
            into.authorization_policies.extend(authorization_policies);
            into.request_authentications.extend(request_authentications);
            into.peer_authentications.extend(peer_authentications);
            if mesh_config.is_some() {
                into.mesh_config = mesh_config;
            }
            into.unmodelled.extend(unmodelled);
            into.rate_limits.extend(rate_limits);
            into.sidecars.extend(sidecars);
            errors.extend(piece.errors);
        }
        Decoded {
            resources: into,
            errors,
            shared: shared::Shared::default(),
        }
    }

    /// The resources, or every document that could not be decoded.
    pub(crate) fn finish(self) -> Result<Resources, Vec<CompileError>> {
        if self.errors.is_empty() {
            Ok(self.resources)
        } else {
            Err(self.errors)
        }
    }
}

fn decode_one(
    document: &Document,
    out: &mut Resources,
    shared: &mut shared::Shared,
) -> Result<(), CompileError> {
    let (Some(kind), Some((group, _))) = (document.kind(), document.api()) else {
        return Ok(());
    };
    let Some(kind) = modelled_kind(group, kind) else {
        return Ok(());
    };
    let meta = meta(document, kind);
    let empty = Node::new(document.line, Value::Map(Vec::new()));
    let spec = match document.root.get("spec") {
        None => &empty,
        Some(node) if node.value == Value::Null => &empty,
        Some(node) if matches!(node.value, Value::Map(_)) => node,
        Some(node) => return Err(meta.error(node, "`spec` is not an object")),
    };
    match kind {
        "Gateway" => out.gateways.push(networking::gateway(meta, spec)?),
        "VirtualService" => out
            .virtual_services
            .push(networking::virtual_service(meta, spec, shared)?),
        "DestinationRule" => out
            .destination_rules
            .push(networking::destination_rule(meta, spec)?),
        "ServiceEntry" => out
            .service_entries
            .push(networking::service_entry(meta, spec)?),
        "AuthorizationPolicy" => out
            .authorization_policies
            .push(security::authorization_policy(meta, spec)?),
        "RequestAuthentication" => out
            .request_authentications
            .push(security::request_authentication(meta, spec)?),
        "PeerAuthentication" => out
            .peer_authentications
            .push(security::peer_authentication(meta, spec)?),
        "IstioOperator" => {
            let config = mesh_config::mesh_config(&meta, spec)?;
            out.mesh_config = Some((meta, config));
        }
        "EnvoyFilter" => match networking::rate_limit_filter(&meta, spec)? {
            Some(()) => out.rate_limits.push(scoped(
                meta,
                spec,
                "workloadSelector",
                "labels",
                "limits the request rate (429 under load)",
            )?),
            None => out.unmodelled.push(scoped(
                meta,
                spec,
                "workloadSelector",
                "labels",
                "patches Envoy's configuration",
            )?),
        },
        "Sidecar" => match sidecar::sidecar(&meta, spec)? {
            Some(sidecar) => out.sidecars.push(sidecar),
            None => out.unmodelled.push(scoped(
                meta,
                spec,
                "workloadSelector",
                "labels",
                "changes what a sidecar accepts and reaches",
            )?),
        },
        "WasmPlugin" => out.unmodelled.push(scoped(
            meta,
            spec,
            "selector",
            "matchLabels",
            "runs a Wasm filter",
        )?),
        "WorkloadEntry" | "WorkloadGroup" => out.unmodelled.push(Unmodelled {
            scope: Some((meta.namespace.clone(), Labels::new())),
            what: "adds workloads that the topology does not list".to_string(),
            meta,
        }),
        _ => out.unmodelled.push(Unmodelled {
            scope: None,
            what: "routes with the Kubernetes Gateway API".to_string(),
            meta,
        }),
    }
    Ok(())
}

/// The kinds read, by group; `None` for every other kind (Telemetry and ProxyConfig change no
/// request's outcome; Kubernetes kinds are the topology's business).
fn modelled_kind(group: &str, kind: &str) -> Option<&'static str> {
    let known: &[&'static str] = match group {
        NETWORKING => &[
            "Gateway",
            "VirtualService",
            "DestinationRule",
            "ServiceEntry",
            "EnvoyFilter",
            "Sidecar",
            "WorkloadEntry",
            "WorkloadGroup",
        ],
        SECURITY => &[
            "AuthorizationPolicy",
            "RequestAuthentication",
            "PeerAuthentication",
        ],
        "install.istio.io" => &["IstioOperator"],
        "extensions.istio.io" => &["WasmPlugin"],
        "gateway.networking.k8s.io" => {
            &["Gateway", "HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute"]
        }
        _ => &[],
    };
    let found = known.iter().copied().find(|k| *k == kind)?;
    // The Gateway API's Gateway shares a name with Istio's; keep them apart.
    Some(
        if group == "gateway.networking.k8s.io" && found == "Gateway" {
            "KubernetesGateway"
        } else {
            found
        },
    )
}

fn meta(document: &Document, kind: &'static str) -> Meta {
    let dry_run = document
        .root
        .at(&["metadata", "annotations", "istio.io/dry-run"])
        .and_then(Node::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Meta {
        kind,
        name: document.name().unwrap_or("<no name>").to_string(),
        namespace: document.namespace().unwrap_or("default").to_string(),
        file: document.file.clone(),
        line: document.line,
        dry_run,
    }
}

fn scoped(
    meta: Meta,
    spec: &Node,
    selector: &str,
    labels_key: &str,
    what: &str,
) -> Result<Unmodelled, CompileError> {
    let labels = match object(&meta, spec, selector)? {
        Some(selector) => labels(&meta, selector, labels_key)?,
        None => Labels::new(),
    };
    Ok(Unmodelled {
        scope: Some((meta.namespace.clone(), labels)),
        what: what.to_string(),
        meta,
    })
}

/// `node[key]`, treating `null` as absent.
pub(crate) fn field<'n>(node: &'n Node<'n>, key: &str) -> Option<&'n Node<'n>> {
    // A pattern, not `Value`'s derived equality, which is a call on every field read.
    node.get(key).filter(|v| !matches!(v.value, Value::Null))
}

/// An optional string field.
pub(crate) fn string<'n>(
    meta: &Meta,
    node: &'n Node<'n>,
    key: &str,
) -> Result<Option<&'n str>, CompileError> {
    match field(node, key) {
        None => Ok(None),
        Some(value) => value
            .as_str()
            .map(Some)
            .ok_or_else(|| meta.error(value, format!("`{key}` is not a string"))),
    }
}

/// A list of strings (absent: empty).
pub(crate) fn strings(meta: &Meta, node: &Node, key: &str) -> Result<Vec<String>, CompileError> {
    let items = items(meta, node, key)?;
    // Most lists asked for are absent (an AuthorizationPolicy's source and operation read
    // eleven of them): no collecting through `Result` for none.
    if items.is_empty() {
        return Ok(Vec::new());
    }
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_string)
                .ok_or_else(|| meta.error(item, format!("an item of `{key}` is not a string")))
        })
        .collect::<Result<_, _>>()
        .map(exact)
}

/// A list without spare room: collecting through `Result` cannot know the length, so a list
/// of one item gets room for four, and a large mesh decodes hundreds of thousands of short
/// lists that live as long as the mesh (at 1,000 services, a fifth of the decoded mesh).
pub(crate) fn exact<T>(mut list: Vec<T>) -> Vec<T> {
    list.shrink_to_fit();
    list
}

/// A list (absent: empty).
pub(crate) fn items<'n>(
    meta: &Meta,
    node: &'n Node<'n>,
    key: &str,
) -> Result<&'n [Node<'n>], CompileError> {
    match field(node, key) {
        None => Ok(&[]),
        Some(value) if matches!(value.value, Value::Seq(_)) => Ok(value.items()),
        Some(value) => Err(meta.error(value, format!("`{key}` is not a list"))),
    }
}

/// An optional object field.
pub(crate) fn object<'n>(
    meta: &Meta,
    node: &'n Node<'n>,
    key: &str,
) -> Result<Option<&'n Node<'n>>, CompileError> {
    match field(node, key) {
        None => Ok(None),
        Some(value) if matches!(value.value, Value::Map(_)) => Ok(Some(value)),
        Some(value) => Err(meta.error(value, format!("`{key}` is not an object"))),
    }
}

/// A map of strings to strings (absent: empty).
pub(crate) fn labels(meta: &Meta, node: &Node, key: &str) -> Result<Labels, CompileError> {
    let Some(map) = object(meta, node, key)? else {
        return Ok(BTreeMap::new());
    };
    map.entries()
        .iter()
        .map(|(k, v)| match v.as_str() {
            Some(v) => Ok((k.to_string(), v.to_string())),
            None => Err(meta.error(v, format!("`{key}.{k}` is not a string"))),
        })
        .collect()
}

/// An optional non-negative integer.
pub(crate) fn unsigned(meta: &Meta, node: &Node, key: &str) -> Result<Option<u32>, CompileError> {
    match field(node, key) {
        None => Ok(None),
        Some(value) => match value.value {
            Value::Int(i) => u32::try_from(i)
                .map(Some)
                .map_err(|_| meta.error(value, format!("`{key}` is out of range"))),
            _ => Err(meta.error(value, format!("`{key}` is not an integer"))),
        },
    }
}

/// An optional boolean.
pub(crate) fn boolean(meta: &Meta, node: &Node, key: &str) -> Result<Option<bool>, CompileError> {
    match field(node, key) {
        None => Ok(None),
        Some(value) => match value.value {
            Value::Bool(b) => Ok(Some(b)),
            _ => Err(meta.error(value, format!("`{key}` is not a boolean"))),
        },
    }
}

/// The first of `keys` that `node` sets: Istio fields that change behaviour and that the
/// simulator does not model.
pub(crate) fn unmodelled(node: &Node, keys: &[&str]) -> Option<String> {
    node.entries()
        .iter()
        .find(|(k, v)| !matches!(v.value, Value::Null) && keys.contains(&k.as_ref()))
        .map(|(k, _)| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::istio::document::read;

    fn one(text: &str) -> Result<Resources, Vec<CompileError>> {
        let (documents, error) = read("t.yaml", text, &"default".into());
        assert!(error.is_none());
        decode(&documents)
    }

    #[test]
    fn other_kinds_are_ignored_and_a_missing_namespace_is_default() {
        let r = one("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n\
             apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\n")
        .unwrap();
        assert_eq!(r.peer_authentications.len(), 1);
        assert_eq!(r.peer_authentications[0].meta.namespace, "default");
        assert!(r.unmodelled.is_empty());
    }

    #[test]
    fn a_wrong_type_is_an_error_at_its_line() {
        let errors = one(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n\
             metadata: {name: p, namespace: ns}\nspec:\n  rules: 3\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 5);
        assert_eq!(errors[0].resource, "AuthorizationPolicy ns/p");
        assert!(
            errors[0].message.contains("`rules` is not a list"),
            "{errors:?}"
        );
    }

    #[test]
    fn unmodelled_kinds_keep_their_scope() {
        let r = one(
            "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: sn}\n\
             spec:\n  workloadSelector: {labels: {app: a}}\n  outboundTrafficPolicy: {mode: ALLOW_ANY}\n---\n\
             apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: h}\n---\n\
             apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: w, namespace: m}\n",
        )
        .unwrap();
        assert_eq!(r.unmodelled.len(), 3);
        let (ns, labels) = r.unmodelled[0].scope.clone().unwrap();
        assert_eq!(ns, "sn");
        assert_eq!(labels.get("app").map(String::as_str), Some("a"));
        assert!(r.unmodelled[1].scope.is_none());
        assert_eq!(r.unmodelled[2].scope.clone().unwrap().0, "m");
    }

    #[test]
    fn a_null_spec_is_empty_and_a_scalar_one_is_an_error() {
        let r = one(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec:\n",
        )
        .unwrap();
        assert!(r.authorization_policies[0].rules.is_empty());
        let r = one(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\n",
        )
        .unwrap();
        assert_eq!(r.authorization_policies.len(), 1);
        let errors = one(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec: 3\n",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("`spec` is not an object"));
        let errors = one(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\nspec: {selector: 3}\n",
        )
        .unwrap_err();
        assert!(errors[0].message.contains("`selector` is not an object"));
    }

    #[test]
    fn wasm_plugins_and_gateway_api_gateways() {
        let r = one(
            "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: w, namespace: ns}\n\
             spec: {selector: {matchLabels: {app: a}}}\n---\n\
             apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: ns}\nspec: {}\n---\n\
             apiVersion: example.com/v1\nkind: WasmPlugin\nmetadata: {name: other}\n",
        )
        .unwrap();
        assert!(r.gateways.is_empty());
        assert_eq!(r.unmodelled.len(), 2);
        let wasm = &r.unmodelled[0];
        assert_eq!(wasm.meta.kind, "WasmPlugin");
        assert_eq!(wasm.what, "runs a Wasm filter");
        let (ns, labels) = wasm.scope.clone().unwrap();
        assert_eq!(ns, "ns");
        assert_eq!(labels["app"], "a");
        assert_eq!(r.unmodelled[1].meta.kind, "KubernetesGateway");
        assert!(r.unmodelled[1].scope.is_none());
    }

    fn meta() -> Meta {
        Meta {
            kind: "Kind",
            name: "n".into(),
            namespace: "ns".into(),
            file: "f.yaml".into(),
            line: 7,
            dry_run: false,
        }
    }

    fn node(yaml: &str) -> Node<'_> {
        let (documents, error) = read("f.yaml", yaml, &"default".into());
        assert!(error.is_none());
        documents[0].root.clone()
    }

    /// Each helper reads its type, treats `null` as absent, and refuses another type at the
    /// value's line.
    #[test]
    fn field_helpers() {
        let m = meta();
        let n = node(
            "s: a\nnothing: ~\nlist: [a, b]\nmixed: [a, 1]\nmap: {k: v}\nbadmap: {k: 1}\nint: 5\nneg: -1\n\
             big: 5000000000\nflag: true\nlate:\n  nested: 1\nempty: []\n",
        );
        assert_eq!(string(&m, &n, "s").unwrap(), Some("a"));
        assert_eq!(string(&m, &n, "nothing").unwrap(), None);
        assert_eq!(string(&m, &n, "missing").unwrap(), None);
        let error = string(&m, &n, "int").unwrap_err();
        assert_eq!(error.message, "`int` is not a string");
        assert_eq!(error.line, 7);
        assert_eq!(error.file, "f.yaml");
        assert_eq!(error.resource, "Kind ns/n");
        assert_eq!(strings(&m, &n, "list").unwrap(), ["a", "b"]);
        assert!(strings(&m, &n, "nothing").unwrap().is_empty());
        assert!(strings(&m, &n, "missing").unwrap().is_empty());
        assert!(strings(&m, &n, "empty").unwrap().is_empty());
        assert_eq!(
            strings(&m, &n, "s").unwrap_err().message,
            "`s` is not a list"
        );
        assert_eq!(
            strings(&m, &n, "mixed").unwrap_err().message,
            "an item of `mixed` is not a string"
        );
        assert_eq!(items(&m, &n, "s").unwrap_err().message, "`s` is not a list");
        assert!(items(&m, &n, "nothing").unwrap().is_empty());
        assert!(object(&m, &n, "map").unwrap().is_some());
        assert!(object(&m, &n, "nothing").unwrap().is_none());
        assert_eq!(
            object(&m, &n, "list").unwrap_err().message,
            "`list` is not an object"
        );
        assert_eq!(labels(&m, &n, "map").unwrap()["k"], "v");
        assert!(labels(&m, &n, "missing").unwrap().is_empty());
        assert_eq!(
            labels(&m, &n, "badmap").unwrap_err().message,
            "`badmap.k` is not a string"
        );
        assert_eq!(unsigned(&m, &n, "int").unwrap(), Some(5));
        assert_eq!(unsigned(&m, &n, "nothing").unwrap(), None);
        assert_eq!(
            unsigned(&m, &n, "neg").unwrap_err().message,
            "`neg` is out of range"
        );
        assert_eq!(
            unsigned(&m, &n, "big").unwrap_err().message,
            "`big` is out of range"
        );
        assert_eq!(
            unsigned(&m, &n, "s").unwrap_err().message,
            "`s` is not an integer"
        );
        assert_eq!(boolean(&m, &n, "flag").unwrap(), Some(true));
        assert_eq!(boolean(&m, &n, "nothing").unwrap(), None);
        assert_eq!(
            boolean(&m, &n, "s").unwrap_err().message,
            "`s` is not a boolean"
        );
        assert_eq!(
            unmodelled(&n, &["nothing", "late"]),
            Some("late".to_string())
        );
        assert_eq!(unmodelled(&n, &["nothing", "missing"]), None);
        assert!(field(&n, "nothing").is_none());
        let late = object(&m, &n, "late").unwrap().unwrap();
        assert_eq!(string(&m, late, "nested").unwrap_err().line, 12);
        assert_eq!(m.fail("whole").line, 7);
        assert_eq!(m.fail("whole").to_string(), "f.yaml:7: Kind ns/n: whole");
    }

    #[test]
    fn dry_run_is_read_from_the_annotation() {
        let r = one(
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n  \
             annotations: {istio.io/dry-run: \"true\"}\nspec: {}\n",
        )
        .unwrap();
        assert!(r.authorization_policies[0].meta.dry_run);
    }
}
