//! meshc's own schemas: for each kind it emits, exactly the fields it emits, written compactly
//! in `builtin/*.yaml` and checked by the same structural walk as a CRD.
//!
//! The notation: a mapping is an object that admits only its keys (`key!` is required, `"*"`
//! gives the schema of a map's values); `[X]` is a list of X; a word is a type: `string`,
//! `integer`, `number`, `boolean`, `port` (1–65535), `percent` (0–100), `duration` (Go
//! syntax, at least 1ms), `int-or-string`, `any` (kept as is), `A|B|C` (one of these strings)
//! or `=A` (exactly this string).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::{Additional, Rule, Schema, Type};
use crate::yaml;
use crate::yaml::{Node, Value};

/// The schema files, one per kind.
const SOURCES: &[&str] = &[
    include_str!("builtin/virtual-service.yaml"),
    include_str!("builtin/destination-rule.yaml"),
    include_str!("builtin/gateway.yaml"),
    include_str!("builtin/service-entry.yaml"),
    include_str!("builtin/sidecar.yaml"),
    include_str!("builtin/envoy-filter.yaml"),
    include_str!("builtin/peer-authentication.yaml"),
    include_str!("builtin/request-authentication.yaml"),
    include_str!("builtin/authorization-policy.yaml"),
    include_str!("builtin/telemetry.yaml"),
    include_str!("builtin/istio-operator.yaml"),
    include_str!("builtin/namespace.yaml"),
];

/// A kind's schema: of the object without `apiVersion`, `kind` and `metadata`.
#[derive(Debug)]
pub(crate) struct KindSchema {
    /// API group, such as `networking.istio.io`.
    pub group: String,
    /// Kind, such as `VirtualService`.
    pub kind: String,
    /// The schema.
    pub schema: Schema,
}

/// Every built-in kind, by `(group, kind)`.
pub(crate) fn kinds() -> &'static BTreeMap<(String, String), KindSchema> {
    static KINDS: OnceLock<BTreeMap<(String, String), KindSchema>> = OnceLock::new();
    KINDS.get_or_init(|| {
        SOURCES
            .iter()
            .filter_map(|source| {
                let root = yaml::read(source).documents.into_iter().next()?.root;
                // The sources are compiled in and tested; a broken one is skipped, and its
                // kind then fails every render as an unknown kind.
                let kind = load(&root).ok()?;
                Some(((kind.group.clone(), kind.kind.clone()), kind))
            })
            .collect()
    })
}

fn load(root: &Node) -> Result<KindSchema, String> {
    let text = |key: &str| {
        root.get(key)
            .and_then(Node::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("`{key}` is missing"))
    };
    let mut properties = BTreeMap::new();
    let mut required = Vec::new();
    // A kind without `spec` in its notation (a Namespace) admits nothing beside `apiVersion`,
    // `kind` and `metadata`.
    if let Some(spec) = root.get("spec") {
        properties.insert("spec".to_string(), parse(spec)?);
        required.push("spec".to_string());
    }
    Ok(KindSchema {
        group: text("group")?,
        kind: text("kind")?,
        schema: Schema {
            kind: Some(Type::Object),
            properties: Some(properties.into()),
            required,
            ..Schema::default()
        },
    })
}

/// One node of the notation.
fn parse(node: &Node) -> Result<Schema, String> {
    match &node.value {
        Value::Map(entries) => {
            let mut properties = BTreeMap::new();
            let mut required = Vec::new();
            let mut additional = Additional::Closed;
            for (key, value) in entries {
                let sub = parse(value).map_err(|e| format!("{key}.{e}"))?;
                if key == "*" {
                    additional = Additional::Schema(Box::new(sub));
                    continue;
                }
                let name = match key.strip_suffix('!') {
                    Some(name) => {
                        required.push(name.to_string());
                        name
                    }
                    None => key,
                };
                properties.insert(name.to_string(), sub);
            }
            Ok(Schema {
                kind: Some(Type::Object),
                properties: Some(properties.into()),
                additional,
                required,
                ..Schema::default()
            })
        }
        Value::Seq(items) => match items.as_slice() {
            [item] => Ok(Schema {
                kind: Some(Type::Array),
                items: Some(Box::new(parse(item)?)),
                ..Schema::default()
            }),
            _ => Err("a list holds exactly one item schema".to_string()),
        },
        Value::Str(word) => word_schema(word),
        other => Err(format!("unexpected {}", other.type_name())),
    }
}

fn word_schema(word: &str) -> Result<Schema, String> {
    let typed = |kind| Schema {
        kind: Some(kind),
        ..Schema::default()
    };
    Ok(match word {
        "string" => typed(Type::String),
        "integer" => typed(Type::Integer),
        "number" => typed(Type::Number),
        "boolean" => typed(Type::Boolean),
        "port" => Schema {
            minimum: Some((1.0, false)),
            maximum: Some((65535.0, false)),
            ..typed(Type::Integer)
        },
        "percent" => Schema {
            minimum: Some((0.0, false)),
            maximum: Some((100.0, false)),
            ..typed(Type::Number)
        },
        "duration" => Schema {
            rules: vec![Rule::new(
                "duration(self) >= duration('1ms')",
                "must be a Go duration of at least 1ms",
            )],
            ..typed(Type::String)
        },
        "int-or-string" => Schema {
            int_or_string: true,
            ..Schema::default()
        },
        "any" => Schema {
            preserve_unknown: true,
            ..Schema::default()
        },
        exact if exact.starts_with('=') => Schema {
            enumeration: Some(vec![Value::Str(exact[1..].to_string().into())]),
            ..typed(Type::String)
        },
        choices if choices.contains('|') => Schema {
            enumeration: Some(
                choices
                    .split('|')
                    .map(|c| Value::Str(c.to_string().into()))
                    .collect(),
            ),
            ..typed(Type::String)
        },
        other => return Err(format!("unknown type word {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_loads() {
        for source in SOURCES {
            let root = yaml::read(source).documents.remove(0).root;
            if let Err(e) = load(&root) {
                panic!("{e}\n{source}");
            }
        }
        assert_eq!(kinds().len(), SOURCES.len());
    }
}
