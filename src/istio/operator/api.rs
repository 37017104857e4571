//! istioctl's API for the IstioOperator, as data: the Go structs `istioctl install` decodes the
//! document into, and the protobuf messages and enums of its `meshConfig` and `values`, read
//! from `api/*.yaml` (each file names the sources and commits it was written from), which are
//! written in the subset of YAML that [`notation`] reads.
//!
//! The notation. `structs:` maps a Go struct to its fields, by JSON name; `packages:` maps a
//! protobuf package to its `messages:` (fields by proto name; a nested message is written
//! `Outer.Inner`) and `enums:` (the names of the values, in order). A field is written
//! `[list |map ]TYPE[ deprecated][ oneof NAME][ json NAME]`: `list` a repeated field, `map` a
//! map with string keys, `deprecated` and `oneof` as in the `.proto`, `json` the JSON name when
//! the `.proto` overrides it (else it is the proto name in lower camel case, as protoc derives
//! it). A protobuf TYPE is a scalar (`string`, `bool`, `int32`, `uint64`, `double`, `bytes`,
//! …), a well-known type (`google.protobuf.Duration`, `google.protobuf.BoolValue`, …), or a
//! message or enum: a name in the package, or a qualified one
//! (`istio.networking.v1alpha3.OutlierDetection`). A Go TYPE is `string`, `bool`, `uint32`,
//! `any`, `metadata` (the object's metadata, checked by the metadata rules), `k8s NAME` (a
//! Kubernetes API type, checked only as an object), `proto MESSAGE` (raw JSON decoded as that
//! message) or another struct.

mod notation;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The sources, compiled in.
const SOURCES: &[(&str, &str)] = &[
    ("operator.yaml", include_str!("api/operator.yaml")),
    ("values.yaml", include_str!("api/values.yaml")),
    ("mesh.yaml", include_str!("api/mesh.yaml")),
    ("networking.yaml", include_str!("api/networking.yaml")),
];

/// The Go struct the document itself is decoded into.
pub(super) const ROOT: &str = "IstioOperator";

/// How many values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cardinality {
    /// One.
    One,
    /// A list.
    List,
    /// A map with string keys.
    Map,
}

/// A field of a Go struct, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum GoType {
    /// `string`.
    String,
    /// `bool` (istioctl's `BoolValue`, which takes only `true` or `false`).
    Bool,
    /// `uint32`.
    Uint32,
    /// `any`: anything.
    Any,
    /// `metav1.ObjectMeta`, checked by the metadata rules.
    Metadata,
    /// A Kubernetes API type, by Go name: an object, whose fields are not checked here.
    Kubernetes(String),
    /// Raw JSON decoded as this protobuf message.
    Proto(String),
    /// Another struct.
    Struct(String),
}

/// A field of a Go struct.
#[derive(Debug, Clone)]
pub(super) struct GoField {
    /// The type of each value.
    pub(super) ty: GoType,
    /// One, a list or a map.
    pub(super) cardinality: Cardinality,
}

/// A protobuf scalar or well-known type, as protobuf JSON writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scalar {
    /// `string`, `google.protobuf.StringValue`.
    String,
    /// `bool`, `google.protobuf.BoolValue`.
    Bool,
    /// A signed integer of this many bits (`int32`, `sint64`, `sfixed32`, the wrappers).
    Int(u32),
    /// An unsigned integer of this many bits (`uint32`, `fixed64`, the wrappers).
    Uint(u32),
    /// `double`, `float` and their wrappers.
    Double,
    /// `bytes`, `google.protobuf.BytesValue`: base64.
    Bytes,
    /// `google.protobuf.Duration`: a Go duration string.
    Duration,
    /// `google.protobuf.Timestamp`: RFC 3339.
    Timestamp,
    /// `google.protobuf.Struct`: any object.
    Struct,
    /// `google.protobuf.ListValue`: any list.
    ListValue,
    /// `google.protobuf.Value`, `google.protobuf.Any`: anything.
    Value,
    /// `google.protobuf.Empty`: `{}`.
    Empty,
}

impl Scalar {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "string" | "google.protobuf.StringValue" => Scalar::String,
            "bool" | "google.protobuf.BoolValue" => Scalar::Bool,
            "int32" | "sint32" | "sfixed32" | "google.protobuf.Int32Value" => Scalar::Int(32),
            "int64" | "sint64" | "sfixed64" | "google.protobuf.Int64Value" => Scalar::Int(64),
            "uint32" | "fixed32" | "google.protobuf.UInt32Value" => Scalar::Uint(32),
            "uint64" | "fixed64" | "google.protobuf.UInt64Value" => Scalar::Uint(64),
            "double" | "float" | "google.protobuf.DoubleValue" | "google.protobuf.FloatValue" => {
                Scalar::Double
            }
            "bytes" | "google.protobuf.BytesValue" => Scalar::Bytes,
            "google.protobuf.Duration" => Scalar::Duration,
            "google.protobuf.Timestamp" => Scalar::Timestamp,
            "google.protobuf.Struct" => Scalar::Struct,
            "google.protobuf.ListValue" => Scalar::ListValue,
            "google.protobuf.Value" | "google.protobuf.Any" => Scalar::Value,
            "google.protobuf.Empty" => Scalar::Empty,
            _ => return None,
        })
    }
}

/// The type of a protobuf field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ProtoType {
    /// A scalar or well-known type.
    Scalar(Scalar),
    /// A message, by full name.
    Message(String),
    /// An enum, by full name.
    Enum(String),
}

/// A protobuf field.
#[derive(Debug, Clone)]
pub(super) struct Field {
    /// The name in the `.proto`.
    pub(super) proto: String,
    /// The JSON name.
    pub(super) json: String,
    /// The type of each value.
    pub(super) ty: ProtoType,
    /// One, a list or a map.
    pub(super) cardinality: Cardinality,
    /// Marked `deprecated` in the `.proto`.
    pub(super) deprecated: bool,
    /// The oneof it belongs to.
    pub(super) oneof: Option<String>,
}

/// A protobuf message.
#[derive(Debug, Clone, Default)]
pub(super) struct Message {
    /// The fields, in the order of the `.proto`.
    pub(super) fields: Vec<Field>,
}

impl Message {
    /// The field a key names: its JSON name or its proto name, as protobuf JSON accepts both.
    pub(super) fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.json == key || f.proto == key)
    }
}

/// The whole API.
#[derive(Debug, Default)]
pub(super) struct Api {
    /// Go structs by name: their fields by JSON name.
    pub(super) structs: HashMap<String, BTreeMap<String, GoField>>,
    /// Messages by full name.
    pub(super) messages: HashMap<String, Message>,
    /// Enums by full name: their values.
    pub(super) enums: HashMap<String, Vec<String>>,
}

/// The API, loaded once.
pub(super) fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    // The sources are compiled in and every name in them is resolved by a test; a broken
    // source would leave its part of the API empty, and every IstioOperator would then fail
    // to check rather than pass.
    API.get_or_init(|| load(SOURCES).unwrap_or_default())
}

/// Reads the sources, and resolves every type they name.
fn load(sources: &[(&str, &str)]) -> Result<Api, String> {
    let mut api = Api::default();
    // Field types of messages, unresolved: (message, field index, type name).
    let mut pending: Vec<(String, usize, String, String)> = Vec::new();
    for (file, text) in sources {
        let in_file = |e: String| format!("{file}: {e}");
        let root = notation::read(text).map_err(in_file)?;
        let entries = |key: &str| {
            root.get(key)
                .map(notation::Value::entries)
                .unwrap_or_default()
        };
        for (name, fields) in entries("structs") {
            let mut parsed = BTreeMap::new();
            for (key, spec) in fields.entries() {
                let spec = spec
                    .as_str()
                    .ok_or_else(|| in_file(format!("{name}.{key}")))?;
                parsed.insert(
                    (*key).to_string(),
                    go_field(spec).map_err(|e| in_file(format!("{name}.{key}: {e}")))?,
                );
            }
            api.structs.insert((*name).to_string(), parsed);
        }
        for (package, body) in entries("packages") {
            let entries = |key: &str| {
                body.get(key)
                    .map(notation::Value::entries)
                    .unwrap_or_default()
            };
            for (name, values) in entries("enums") {
                let values = values.words().iter().map(|w| (*w).to_string()).collect();
                api.enums.insert(format!("{package}.{name}"), values);
            }
            for (name, fields) in entries("messages") {
                let full = format!("{package}.{name}");
                let mut message = Message::default();
                for (key, spec) in fields.entries() {
                    let at = |e: String| in_file(format!("{full}.{key}: {e}"));
                    let spec = spec.as_str().ok_or_else(|| at("not a string".into()))?;
                    let (field, ty) = proto_field(key, spec).map_err(at)?;
                    pending.push((
                        full.clone(),
                        message.fields.len(),
                        (*package).to_string(),
                        ty,
                    ));
                    message.fields.push(field);
                }
                api.messages.insert(full, message);
            }
        }
    }
    for (message, index, package, name) in pending {
        let ty = resolve(&api, &package, &name)
            .ok_or_else(|| format!("{message}: unknown type {name}"))?;
        if let Some(message) = api.messages.get_mut(&message) {
            message.fields[index].ty = ty;
        }
    }
    Ok(api)
}

/// A protobuf type name, in `package`.
fn resolve(api: &Api, package: &str, name: &str) -> Option<ProtoType> {
    if let Some(scalar) = Scalar::parse(name) {
        return Some(ProtoType::Scalar(scalar));
    }
    // As protobuf resolves names: in the package first, then as a qualified name.
    [format!("{package}.{name}"), name.to_string()]
        .into_iter()
        .find_map(|full| {
            if api.messages.contains_key(&full) {
                Some(ProtoType::Message(full))
            } else if api.enums.contains_key(&full) {
                Some(ProtoType::Enum(full))
            } else {
                None
            }
        })
}

/// `list `, `map ` or nothing, and the rest of a field's words.
fn cardinality<'a>(words: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>) -> Cardinality {
    match words.peek() {
        Some(&"list") => {
            words.next();
            Cardinality::List
        }
        Some(&"map") => {
            words.next();
            Cardinality::Map
        }
        _ => Cardinality::One,
    }
}

fn go_field(spec: &str) -> Result<GoField, String> {
    let mut words = spec.split_whitespace().peekable();
    let cardinality = cardinality(&mut words);
    let ty = match words.next() {
        Some("string") => GoType::String,
        Some("bool") => GoType::Bool,
        Some("uint32") => GoType::Uint32,
        Some("any") => GoType::Any,
        Some("metadata") => GoType::Metadata,
        Some("k8s") => GoType::Kubernetes(words.next().ok_or("k8s names no type")?.to_string()),
        Some("proto") => GoType::Proto(words.next().ok_or("proto names no message")?.to_string()),
        Some(name) if name.starts_with(|c: char| c.is_ascii_uppercase()) => {
            GoType::Struct(name.to_string())
        }
        other => return Err(format!("unknown Go type {other:?}")),
    };
    match words.next() {
        None => Ok(GoField { ty, cardinality }),
        Some(extra) => Err(format!("unexpected {extra:?}")),
    }
}

/// A field, and the name of its type (resolved once every message is read).
fn proto_field(proto: &str, spec: &str) -> Result<(Field, String), String> {
    let mut words = spec.split_whitespace().peekable();
    let cardinality = cardinality(&mut words);
    let ty = words.next().ok_or("no type")?.to_string();
    let mut field = Field {
        proto: proto.to_string(),
        json: json_name(proto),
        ty: ProtoType::Scalar(Scalar::Value),
        cardinality,
        deprecated: false,
        oneof: None,
    };
    while let Some(word) = words.next() {
        match word {
            "deprecated" => field.deprecated = true,
            "oneof" => field.oneof = Some(words.next().ok_or("oneof names nothing")?.to_string()),
            "json" => field.json = words.next().ok_or("json names nothing")?.to_string(),
            other => return Err(format!("unexpected {other:?}")),
        }
    }
    Ok((field, ty))
}

/// protoc's JSON name of a field: underscores dropped, the letter after one upper-cased.
fn json_name(proto: &str) -> String {
    let mut out = String::with_capacity(proto.len());
    let mut upper = false;
    for c in proto.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_loads_and_every_name_resolves() {
        let api = load(SOURCES).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            api.messages.len(),
            143,
            "messages reachable from MeshConfig and Values"
        );
        let fields: usize = api.messages.values().map(|m| m.fields.len()).sum();
        assert_eq!(fields, 762);
        assert_eq!(api.enums.len(), 26);
        assert_eq!(api.structs.len(), 9);
        for (name, fields) in &api.structs {
            for (key, field) in fields {
                match &field.ty {
                    GoType::Struct(s) => assert!(api.structs.contains_key(s), "{name}.{key}: {s}"),
                    GoType::Proto(m) => assert!(api.messages.contains_key(m), "{name}.{key}: {m}"),
                    _ => {}
                }
            }
        }
        assert!(api.structs.contains_key(ROOT));
    }

    #[test]
    fn an_enum_value_yaml_1_1_reads_as_a_boolean_is_kept() {
        // istio/api mesh/v1alpha1/config.proto: `enum IngressControllerMode { UNSPECIFIED = 0;
        // OFF = 1; DEFAULT = 2; STRICT = 3; }`; read as YAML, `OFF` was the boolean false and
        // `"OFF"` was refused.
        assert_eq!(
            api().enums["istio.mesh.v1alpha1.MeshConfig.IngressControllerMode"],
            ["UNSPECIFIED", "OFF", "DEFAULT", "STRICT"]
        );
    }

    #[test]
    fn json_names_follow_protoc() {
        assert_eq!(json_name("default_config"), "defaultConfig");
        assert_eq!(
            json_name("http1_max_pending_requests"),
            "http1MaxPendingRequests"
        );
        assert_eq!(json_name("meshID"), "meshID");
        let api = api();
        let gateways = &api.messages["istio.operator.v1alpha1.GatewaysConfig"];
        let ingress = gateways.field("istio-ingressgateway").unwrap();
        assert_eq!(ingress.proto, "istio_ingressgateway");
        assert!(gateways.field("istio_ingressgateway").is_some());
        assert!(gateways.field("istioIngressgateway").is_none());
        let mesh = &api.messages["istio.mesh.v1alpha1.MeshConfig"];
        assert!(mesh.field("defaultConfig").is_some() && mesh.field("default_config").is_some());
    }

    #[test]
    fn a_broken_source_is_refused_with_its_place() {
        let unknown = "packages:\n  p.v1:\n    messages:\n      A:\n        b: list B\n";
        assert_eq!(
            load(&[("x.yaml", unknown)]).unwrap_err(),
            "p.v1.A: unknown type B"
        );
        let word = "packages:\n  p.v1:\n    messages:\n      A:\n        b: string later\n";
        assert!(
            load(&[("x.yaml", word)])
                .unwrap_err()
                .starts_with("x.yaml: p.v1.A.b")
        );
        let go = "structs:\n  A:\n    b: float\n";
        assert!(
            load(&[("x.yaml", go)])
                .unwrap_err()
                .contains("unknown Go type")
        );
        assert_eq!(
            load(&[("x.yaml", "structs:\n  A: {b: string}\n")]).unwrap_err(),
            "x.yaml: line 2: `{b: string}` is not plain words"
        );
    }
}
